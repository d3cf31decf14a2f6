"""Typed matrix expressions: shapes inferred, SymPy objects built, mismatches refused.

:func:`typed` turns a parse tree (:mod:`symnn.matrix_calculus.reader`) and the declared
shapes of the matrices into a tree of :class:`Term`: each node knows its shape (``None``
for a scalar), the SymPy object it stands for (a matrix expression in ``MatrixSymbol``
objects, or a scalar expression) and its source text. A shape mismatch is refused with a
:class:`~symnn.matrix_calculus.reader.MatrixExpressionError` naming the sub-expression.

Products are resolved by shape: scalar times scalar (``smul``), scalar times matrix
(``scale``, the scalar first), matrix times matrix (``matmul``). A 1 x 1 matrix used where
a scalar is needed is read as its only entry, written ``tr(M)`` (``entry`` node).

>>> X, w, y = declare([["X", 5, 3], ["w", 3, 1], ["y", 5, 1]])
>>> term = typed(read_expression("norm(X*w - y)^2/2"), {"X": X, "w": w, "y": y})
>>> term.shape is None, term.children[0].children[0].children[0].shape
(True, (5, 1))
>>> typed(read_expression("X*y"), {"X": X, "y": y})
Traceback (most recent call last):
...
symnn.matrix_calculus.reader.MatrixExpressionError: parameter 'f': got 'X*y', expected a \
matrix expression of the grammar (shapes do not fit in 'X*y': (5, 3) times (5, 1))
"""

from __future__ import annotations

import fractions
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.matrix_calculus.functions import ELEMENTWISE, apply
from symnn.matrix_calculus.reader import MatrixExpressionError, Node, read_expression

Shape = tuple[Any, Any] | None
RESERVED = frozenset({"pi", "E", "I", "oo", "zoo", "nan", "inf", "Infinity", "NaN", "e"})
MAX_MATRICES, MAX_SIZE = 12, 64


class EntrySum(sp.Expr):
    """The sum of the entries of a matrix, :math:`\\operatorname{sum}(A) = \\sum_{ij} A_{ij}`.

    >>> EntrySum(sp.Matrix([[1, 2], [3, 4]])).doit()
    10
    """

    is_commutative = True

    def __new__(cls, matrix: Any) -> EntrySum:
        return sp.Expr.__new__(cls, matrix)

    def doit(self, **hints: Any) -> sp.Expr:
        matrix = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        if isinstance(matrix, sp.MatrixBase):
            return sp.Add(*matrix)
        return EntrySum(matrix)

    def _latex(self, printer: Any) -> str:
        return rf"\operatorname{{sum}}\left({printer._print(self.args[0])}\right)"


def _is_matrix(expr: Any) -> bool:
    return isinstance(expr, sp.MatrixExpr)


def _elementwise(value: str, a: Any) -> Any:
    rule = ELEMENTWISE[value]
    return apply(rule.scalar, a) if _is_matrix(a) else rule.scalar(a)


#: node kind -> the SymPy object of the node from its children's objects (and its value)
OPS: dict[str, Callable[[tuple[Any, ...], str], Any]] = {
    "add": lambda k, v: k[0] + k[1],
    "sub": lambda k, v: k[0] - k[1],
    "neg": lambda k, v: -k[0],
    "smul": lambda k, v: k[0] * k[1],
    "scale": lambda k, v: k[0] * k[1],
    "matmul": lambda k, v: k[0] * k[1],
    "div": lambda k, v: k[0] * (1 / k[1]) if _is_matrix(k[0]) else k[0] / k[1],
    "pow": lambda k, v: k[0] ** k[1],
    "transpose": lambda k, v: k[0].T,
    "trace": lambda k, v: sp.Trace(k[0]),
    "entry": lambda k, v: sp.Trace(k[0]),
    "det": lambda k, v: sp.Determinant(k[0]),
    "logdet": lambda k, v: sp.log(sp.Determinant(k[0])),
    "inv": lambda k, v: sp.Inverse(k[0]),
    "sum": lambda k, v: EntrySum(k[0]),
    "norm": lambda k, v: sp.sqrt(sp.Trace(k[0].T * k[0])),
    "hadamard": lambda k, v: sp.HadamardProduct(k[0], k[1]),
    "apply": lambda k, v: _elementwise(v, k[0]),
}


def _term(kind: str, kids: tuple[Term, ...], value: str, shape: Shape, text: str) -> Term:
    return Term(kind, kids, value, shape, OPS[kind](tuple(k.expr for k in kids), value), text)


@dataclass(frozen=True)
class Term:
    """A typed node: kind, children, payload, shape (``None`` = scalar), SymPy object, text."""

    kind: str
    children: tuple[Term, ...]
    value: str
    shape: Shape
    expr: Any
    text: str

    def depends_on(self, name: str) -> bool:
        """Whether the matrix ``name`` occurs in this sub-expression."""
        if self.kind == "matrix":
            return self.value == name
        return any(child.depends_on(name) for child in self.children)


def declare(shapes: Any) -> list[sp.MatrixSymbol]:
    """MatrixSymbols from ``[[name, rows, cols], ...]``; sizes are integers or size names.

    >>> declare([["A", "m", "n"]])[0].shape
    (m, n)
    """
    symbols = []
    for name, rows, cols in shapes:
        symbols.append(sp.MatrixSymbol(name, _size(rows), _size(cols)))
    return symbols


def _size(value: Any) -> Any:
    if isinstance(value, sp.Symbol):
        return sp.Symbol(value.name, integer=True, positive=True)
    if isinstance(value, str):
        return sp.Symbol(value, integer=True, positive=True)
    return sp.Integer(value)


def _fail(node: Node, problem: str) -> MatrixExpressionError:
    return MatrixExpressionError(node.text, problem)


def _scalar(term: Term, node: Node) -> Term:
    """``term`` as a scalar: scalars pass, 1 x 1 matrices become their entry."""
    if term.shape is None:
        return term
    if term.shape == (1, 1):
        return _term("entry", (term,), "", None, term.text)
    raise _fail(node, f"'{term.text}' is a {_show(term.shape)} matrix where a scalar is needed")


def _show(shape: Shape) -> str:
    return "scalar" if shape is None else f"{shape[0]} x {shape[1]}"


def _product(node: Node, left: Term, right: Term) -> Term:
    if left.shape is None and right.shape is None:
        return _term("smul", (left, right), "", None, node.text)
    if left.shape is None or right.shape is None:
        scalar, matrix = (left, right) if left.shape is None else (right, left)
        return _term("scale", (scalar, matrix), "", matrix.shape, node.text)
    if left.shape[1] == right.shape[0]:
        shape = (left.shape[0], right.shape[1])
        return _term("matmul", (left, right), "", shape, node.text)
    if left.shape == (1, 1) or right.shape == (1, 1):
        one, other = (left, right) if left.shape == (1, 1) else (right, left)
        entry = _scalar(one, node)
        return _term("scale", (entry, other), "", other.shape, node.text)
    raise _fail(node, f"shapes do not fit in '{node.text}': {left.shape} times {right.shape}")


def _same_shape(node: Node, left: Term, right: Term, what: str) -> None:
    if left.shape != right.shape:
        raise _fail(node, f"cannot {what} {_show(left.shape)} '{left.text}' and "
                          f"{_show(right.shape)} '{right.text}' in '{node.text}'")


def _square(node: Node, term: Term) -> None:
    if term.shape is None or term.shape[0] != term.shape[1]:
        raise _fail(node, f"'{node.text}' needs a square matrix, got {_show(term.shape)} '{term.text}'")


def _constant(node: Node, term: Term) -> None:
    if term.kind not in ("number", "scalar") and not (
        term.kind in ("neg", "div", "smul") and all(c.kind in ("number", "scalar") for c in term.children)
    ):
        raise _fail(node, f"the exponent '{term.text}' must be a number or a scalar name")


def typed(node: Node, matrices: dict[str, sp.MatrixSymbol]) -> Term:
    """The :class:`Term` tree of ``node`` with the declared ``matrices`` (by name)."""
    kids = [typed(child, matrices) for child in node.children]
    kind = node.kind
    if kind == "number":
        fraction = fractions.Fraction(node.value)
        return Term("number", (), node.value, None, sp.Rational(fraction.numerator, fraction.denominator),
                    node.text)
    if kind == "name":
        if node.value in matrices:
            symbol = matrices[node.value]
            return Term("matrix", (), node.value, symbol.shape, symbol, node.text)
        if node.value in RESERVED:
            raise _fail(node, f"{node.value!r} is a reserved name, not a scalar")
        return Term("scalar", (), node.value, None, sp.Symbol(node.value, real=True), node.text)
    if kind in ("add", "sub"):
        left, right = kids
        if (left.shape is None) != (right.shape is None):
            left, right = (_scalar(left, node), _scalar(right, node))
        _same_shape(node, left, right, "add" if kind == "add" else "subtract")
        return _term(kind, (left, right), "", left.shape, node.text)
    if kind == "neg":
        return _term("neg", tuple(kids), "", kids[0].shape, node.text)
    if kind == "mul":
        return _product(node, *kids)
    if kind == "div":
        top, bottom = kids[0], _scalar(kids[1], node)
        return _term("div", (top, bottom), "", top.shape, node.text)
    if kind == "pow":
        base, exponent = _scalar(kids[0], node), _scalar(kids[1], node)
        _constant(node, exponent)
        return _term("pow", (base, exponent), "", None, node.text)
    if kind == "transpose":
        (a,) = kids
        if a.shape is None:
            raise _fail(node, f"transpose of the scalar '{a.text}'")
        return _term("transpose", (a,), "", (a.shape[1], a.shape[0]), node.text)
    if kind in ("trace", "det", "logdet", "inv"):
        (a,) = kids
        _square(node, a)
        return _term(kind, (a,), "", a.shape if kind == "inv" else None, node.text)
    if kind in ("sum", "norm"):
        (a,) = kids
        if a.shape is None:
            raise _fail(node, f"{kind}() needs a matrix, got the scalar '{a.text}'")
        return _term(kind, (a,), "", None, node.text)
    if kind == "hadamard":
        left, right = kids
        if left.shape is None or right.shape is None:
            raise _fail(node, "hadamard() needs two matrices of the same shape")
        _same_shape(node, left, right, "multiply entrywise")
        return _term("hadamard", (left, right), "", left.shape, node.text)
    if kind == "apply":
        (a,) = kids
        return _term("apply", (a,), node.value, a.shape, node.text)
    raise _fail(node, f"unknown node kind {kind!r}")  # pragma: no cover - the reader makes no others


def read_typed(text: str, shapes: Any) -> tuple[Term, dict[str, sp.MatrixSymbol]]:
    """Read ``text`` with the declared ``shapes``; the result must be a scalar.

    >>> term, matrices = read_typed("tr(A*B)", [["A", 2, 3], ["B", 3, 2]])
    >>> term.expr
    Trace(A*B)
    """
    symbols = declare(shapes)
    matrices = {symbol.name: symbol for symbol in symbols}
    term = typed(read_expression(text), matrices)
    root = Node("scalar-of", (), "", text)
    return _scalar(term, root), matrices

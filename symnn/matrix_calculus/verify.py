"""Certification by explicit expansion: a matrix rule checked entry by entry at concrete sizes.

This is the second certificate of a rule, independent of SymPy's matrix derivative: a proof
at the sizes it names (all the sizes there are for scalars and ``1 x 1`` matrices), not for
every size; :mod:`symnn.matrix_calculus.symbolic` proves the rule for every size.

A rule of :mod:`symnn.matrix_calculus.rules` is proved for one node kind and one pattern of
shapes by writing every matrix out as a grid of scalar symbols, expanding the node with
SymPy, differentiating every entry, contracting with a generic adjoint ``G``, and reducing
the difference to the rule's formula to 0 with a decision route of
:mod:`symnn.matrix_calculus.routes` or :mod:`symnn.core.certify`. Sizes given as names are
replaced by small integers (two or more assignments); sizes given as numbers are kept when
the expansion is small enough, else replaced by fresh names first (the rules do not depend
on the numbers).

>>> import sympy as sp
>>> m, n = sp.symbols("m n", integer=True, positive=True)
>>> verify_rule("matmul", "", ((m, n), (n, 1)), (m, 1))
'entrywise at sizes 2x3*3x1, 3x2*2x1 (expand)'
"""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from symnn.core.certify import certify
from symnn.core.exact import as_sympy
from symnn.errors import CertificationError
from symnn.matrix_calculus.expression import OPS, Shape
from symnn.matrix_calculus.functions import explicit
from symnn.matrix_calculus.routes import NAMED_ROUTES
from symnn.matrix_calculus.rules import RULES, route_of

#: the most entries of one explicit matrix, and the largest explicit inverse or determinant
MAX_ENTRIES, MAX_INVERSE = 36, 2
_ASSIGNMENTS = ((2, 3, 2, 3), (3, 2, 1, 2), (1, 2, 3, 1))
#: inverses and determinants are expanded at 2 x 2 and 1 x 1
_INVERSE_ASSIGNMENTS = ((2, 2, 2, 2), (1, 1, 1, 1))
#: rules that act entry by entry are checked on 1 x 2 and 2 x 1 instances
_ENTRYWISE_ASSIGNMENTS = ((1, 2, 1, 2), (2, 1, 2, 1))
_ENTRYWISE_KINDS = ("apply", "hadamard")


def explicit_matrix(name: str, shape: tuple[int, int]) -> sp.Matrix:
    """A grid of plain symbols ``name_a_b`` of the given shape.

    >>> explicit_matrix("A", (1, 2))
    Matrix([[A_0_0, A_0_1]])
    """
    return sp.Matrix(*shape, lambda a, b: sp.Symbol(f"{name}_{a}_{b}"))


def grids_at(matrices: dict[str, sp.MatrixSymbol],
             sizes: dict[sp.Symbol, int]) -> dict[sp.MatrixSymbol, sp.ImmutableMatrix]:
    """Each matrix (its sizes given numbers by ``sizes``) mapped to its grid of symbols.

    The grids are immutable: a grid in place of a matrix that stands alone in a sum
    (``sum(X) + ...``) is hashed when the sum is rebuilt.

    >>> n = sp.Symbol("n")
    >>> grids_at({"w": sp.MatrixSymbol("w", n, 1)}, {n: 2})
    {w: Matrix([
    [w_0_0],
    [w_1_0]])}
    """
    grids = {}
    for name, symbol in matrices.items():
        rows, cols = (int(as_sympy(s).xreplace(sizes)) for s in symbol.shape)
        grids[symbol.xreplace(sizes)] = sp.ImmutableMatrix(explicit_matrix(name, (rows, cols)))
    return grids


def written_out(expr: Any, sizes: dict[sp.Symbol, int], grids: dict[sp.MatrixSymbol, Any]) -> Any:
    """``expr`` at ``sizes`` with every matrix its grid (:func:`grids_at`), as an explicit
    Matrix or scalar of plain SymPy functions."""
    return explicit(to_explicit(as_sympy(expr).xreplace(sizes).xreplace(grids)))


def _adjugate_inverse(matrix: sp.MatrixBase) -> sp.MatrixBase:
    return sp.Matrix(matrix.adjugate(method="berkowitz") / matrix.det(method="berkowitz"))


def _product(values: list[Any]) -> Any:
    scalar, matrix = sp.Integer(1), None
    for value in values:
        if isinstance(value, sp.MatrixBase):
            matrix = value if matrix is None else matrix * value
        else:
            scalar = scalar * value
    return scalar if matrix is None else scalar * matrix


def _elementwise(expr: Any, argument: sp.MatrixBase) -> sp.MatrixBase:
    function = expr.function
    return argument.applyfunc(lambda entry: function(entry))


_EXPLICIT = {
    sp.MatMul: lambda e, a: _product(a),
    sp.MatAdd: lambda e, a: sum(a[1:], a[0]),
    sp.Transpose: lambda e, a: a[0].T,
    sp.Inverse: lambda e, a: _adjugate_inverse(a[0]),
    sp.Trace: lambda e, a: a[0].trace(),
    sp.Determinant: lambda e, a: a[0].det(method="berkowitz"),
    sp.HadamardProduct: lambda e, a: functools.reduce(lambda x, y: x.multiply_elementwise(y), a),
    sp.HadamardPower: lambda e, a: a[0].applyfunc(lambda entry: entry ** a[1]),
}


def to_explicit(expr: Any) -> Any:
    """A matrix expression over explicit matrices, evaluated to an explicit Matrix (or scalar).

    The evaluation walks the expression (products multiplied out, inverses written as
    adjugate / determinant by Berkowitz, so every entry stays a quotient of polynomials);
    a matrix symbol left in it is an error.

    >>> A = sp.Matrix([[1, 2], [3, 4]])
    >>> to_explicit(sp.Trace(sp.MatMul(A, sp.Inverse(A))))
    2
    """
    if isinstance(expr, sp.MatrixBase):
        return sp.Matrix(expr)
    if isinstance(expr, sp.MatrixSymbol):
        raise CertificationError(f"the matrix {expr.name} has no explicit value")
    if isinstance(expr, (sp.OneMatrix, sp.Identity, sp.ZeroMatrix)):
        return sp.Matrix(expr.as_explicit())
    if not isinstance(expr, sp.Basic) or not expr.args:
        return expr
    if type(expr).__name__ == "ElementwiseApplyFunction":
        return _elementwise(expr, to_explicit(expr.expr))
    if type(expr).__name__ == "EntrySum":
        return sp.Add(*to_explicit(expr.args[0]))
    if type(expr) in _EXPLICIT:
        return _EXPLICIT[type(expr)](expr, [to_explicit(arg) for arg in expr.args])
    if isinstance(expr, sp.MatrixExpr):
        return sp.Matrix(expr.doit().as_explicit())
    if not expr.has(sp.MatrixExpr):
        return expr
    return expr.func(*[to_explicit(arg) for arg in expr.args])


def _size_symbols(shapes: tuple[Shape, ...]) -> list[sp.Symbol]:
    found: list[sp.Symbol] = []
    for shape in shapes:
        for size in shape or ():
            if isinstance(size, sp.Symbol) and size not in found:
                found.append(size)
    return found


def _generic(shapes: tuple[Shape, ...], keep: int) -> tuple[tuple[Shape, ...], dict[sp.Symbol, int]]:
    """Numeric sizes above ``keep`` replaced by fresh size names (equal numbers, equal names),
    and the assignment that gives the numbers back."""
    names: dict[Any, sp.Symbol] = {}

    def swap(size: Any) -> Any:
        if isinstance(size, sp.Symbol) or int(size) <= keep:
            return size
        if size not in names:
            names[size] = sp.Symbol(f"s{len(names)}", integer=True, positive=True)
        return names[size]

    generic = tuple(None if s is None else (swap(s[0]), swap(s[1])) for s in shapes)
    return generic, {symbol: int(number) for number, symbol in names.items()}


def size_assignments(
    generic: tuple[Shape, ...], actual: dict[sp.Symbol, int], kind: str = ""
) -> list[dict[sp.Symbol, int]]:
    """The concrete sizes at which a pattern of shapes is checked: the given numbers when the
    expansion stays small, and small assignments, at least two in all."""
    symbols = _size_symbols(generic)
    chosen = []
    complete = bool(actual) and len(actual) == len(symbols)
    if complete and kind not in _ENTRYWISE_KINDS and _small(_at(generic, actual), kind):
        chosen.append(actual)
    candidates = _ENTRYWISE_ASSIGNMENTS if kind in _ENTRYWISE_KINDS else _ASSIGNMENTS
    if kind in ("inv", "det", "logdet"):
        candidates = _INVERSE_ASSIGNMENTS
    for values in candidates:
        if len(chosen) >= 2 or (not symbols and chosen):
            break
        pick = {s: values[k % len(values)] for k, s in enumerate(symbols)}
        if pick not in chosen:
            chosen.append(pick)
    return chosen


def _at(shapes: tuple[Shape, ...], sizes: dict[sp.Symbol, int]) -> tuple[Shape, ...]:
    return tuple(None if s is None else (as_sympy(s[0]).xreplace(sizes), as_sympy(s[1]).xreplace(sizes))
                 for s in shapes)


def _small(shapes: tuple[Shape, ...], kind: str) -> bool:
    limit = MAX_INVERSE if kind in ("inv", "det", "logdet") else None
    for shape in shapes:
        if shape is None:
            continue
        rows, cols = int(shape[0]), int(shape[1])
        if rows * cols > MAX_ENTRIES or (limit and max(rows, cols) > limit):
            return False
    return True


def _placeholder(name: str, shape: Shape) -> Any:
    return sp.Symbol(name.lower()) if shape is None else sp.MatrixSymbol(name, *shape)


def _fill(placeholder: Any, sizes: dict[sp.Symbol, int]) -> tuple[Any, Any]:
    """(the placeholder at these sizes, its explicit value)."""
    if not isinstance(placeholder, sp.MatrixSymbol):
        return placeholder, placeholder
    sized = placeholder.xreplace(sizes)
    return sized, explicit_matrix(placeholder.name, (int(sized.shape[0]), int(sized.shape[1])))


def _vjp_target(node_value: Any, adjoint: Any, wrt: Any) -> Any:
    """sum_ab G_ab d u_ab / d c, entrywise, from explicit u, G and c."""
    entries = list(node_value) if isinstance(node_value, sp.MatrixBase) else [node_value]
    weights = list(adjoint) if isinstance(adjoint, sp.MatrixBase) else [adjoint]
    if not isinstance(wrt, sp.MatrixBase):
        return sp.Add(*(g * sp.diff(u, wrt) for g, u in zip(weights, entries)))
    return wrt.applyfunc(lambda c: sp.Add(*(g * sp.diff(u, c) for g, u in zip(weights, entries))))


def _describe(assignments: list[dict[sp.Symbol, int]], shapes: tuple[Shape, ...]) -> str:
    shown = []
    for sizes in assignments:
        parts = [f"{int(as_sympy(s[0]).xreplace(sizes))}x{int(as_sympy(s[1]).xreplace(sizes))}"
                 for s in shapes if s is not None]
        shown.append("*".join(parts) or "scalars")
    return ", ".join(sorted(set(shown)))


@functools.lru_cache(maxsize=512)
def verify_rule(kind: str, value: str, child_shapes: tuple[Shape, ...], node_shape: Shape) -> str:
    """Prove the rule of ``kind`` for these shapes at concrete sizes; return the certificate text.

    Raises :class:`~symnn.errors.CertificationError` when a route does not reduce the
    difference to 0.
    """
    shapes, actual = _generic((*child_shapes, node_shape), keep=1)
    children_shapes, generic_node = shapes[:-1], shapes[-1]
    assignments = size_assignments(shapes, actual, kind)
    route = route_of(kind, value)
    for sizes in assignments:
        kids = tuple(_placeholder(f"C{i}", s) for i, s in enumerate(children_shapes))
        adjoint = _placeholder("G", generic_node)
        filled = [_fill(k, sizes) for k in kids]
        sized_kids = tuple(f[0] for f in filled)
        g_sized, g_explicit = _fill(adjoint, sizes)
        replace = {f[0]: f[1] for f in filled if isinstance(f[0], sp.MatrixSymbol)}
        if isinstance(g_sized, sp.MatrixSymbol):
            replace[g_sized] = g_explicit
        node_sized = OPS[kind](sized_kids, value)
        node_value = explicit(to_explicit(node_sized.xreplace(replace)))
        for i, (_, plain) in enumerate(filled):
            if i in RULES[kind].constant:
                continue
            formula = RULES[kind].vjp(sized_kids, node_sized, g_sized, i, value)
            got = explicit(to_explicit(as_sympy(formula).xreplace(replace)))
            want = _vjp_target(node_value, g_explicit, plain)
            _certify_entries(got, want, route, f"{RULES[kind].name}, child {i + 1}")
    sizes_text = _describe(assignments, children_shapes)
    return f"entrywise at sizes {sizes_text} ({route})"


def _certify_entries(got: Any, want: Any, route: str, what: str) -> None:
    if isinstance(want, sp.MatrixBase):
        got = sp.Matrix(got) if isinstance(got, sp.MatrixBase) else got
        if not isinstance(got, sp.MatrixBase) or got.shape != want.shape:
            raise CertificationError(f"{what}: the rule's shape does not match the expansion")
    try:
        certify(got, want, NAMED_ROUTES.get(route, route))
    except CertificationError as error:
        raise CertificationError(f"{what}: {error}") from None


def all_size_assignments(symbols: list[sp.Symbol]) -> list[dict[sp.Symbol, int]]:
    """Two or more small assignments of the size names (for whole-result checks).

    >>> n = sp.Symbol("n")
    >>> all_size_assignments([n])
    [{n: 2}, {n: 3}]
    """
    if not symbols:
        return [{}]
    return [{s: 2 for s in symbols}, {s: (3, 2)[k % 2] for k, s in enumerate(symbols)}]

"""Each reverse-mode rule certified for every size: matrix symbols of symbolic shape.

A rule of :mod:`symnn.matrix_calculus.rules` is an identity between matrix expressions:
for a node ``u = op(C_1, ..., C_k)`` and an adjoint ``G`` held fixed, the share of child
``i`` is the gradient of the pairing ``<G, u> = tr(G^T u)`` (``G u`` for a scalar node) in
``C_i``. Here the children are matrix symbols whose sizes are names (``A`` is
``m x n``, ``B`` is ``n x k``, a square matrix ``n x n``), SymPy's matrix derivative of
the pairing (:func:`~symnn.matrix_calculus.identity.scalar_gradient`) gives one side, the
rule's ``vjp`` the other, and :data:`~symnn.matrix_calculus.identity.MATRIX_IDENTITY`
decides that they are equal. Every shape a rule meets is an instance of its symbolic
shape (sizes that coincide, or are 1, are particular values of the names), so the rule
holds for every size.

Two kinds need more than one identity:

* an elementwise function ``f``: SymPy's derivative of ``tr(G^T f(A))`` for an undefined
  ``f`` is ``G ⊙ f'(A)``; then the entry ``(p, q)`` of the rule's formula, at symbolic
  indices, is SymPy's derivative of the function's explicit scalar form (the function's
  route decides it: ``relu'(0) = 0`` enters here);
* the sum of entries, written ``1^T A 1``: its only entry is, as a symbolic double sum,
  the sum of every ``A_{ij}`` (equal up to the names of the indices).

The determinant and the log-determinant are not certified this way: SymPy has no matrix
derivative of ``det`` at symbolic size. Their certificate says *undecided* and the rules
stay proved only at the explicit sizes of :mod:`~symnn.matrix_calculus.verify`. A rule
whose children are all scalars has no sizes: its explicit certificate is its proof.

>>> certify_symbolic("matmul", "", (True, True)).text
'every size (matrix-identity)'
>>> certify_symbolic("logdet", "", (True,)).every_size
False
>>> import sympy as sp
>>> m, n = sp.symbols("m n", integer=True, positive=True)
>>> certify_rule("matmul", "", ((m, n), (n, 1)), (m, 1)).text
'every size (matrix-identity); entrywise at sizes 2x3*3x1, 3x2*2x1 (expand)'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from symnn.core.certify import certify
from symnn.core.exact import as_sympy
from symnn.errors import CertificationError
from symnn.matrix_calculus.expression import OPS, Shape
from symnn.matrix_calculus.functions import ELEMENTWISE, explicit
from symnn.matrix_calculus.identity import MATRIX_IDENTITY, pairing, scalar_gradient
from symnn.matrix_calculus.rules import RULES, route_of
from symnn.matrix_calculus.verify import NAMED_ROUTES, verify_rule

M, N, K = sp.symbols("m n k", integer=True, positive=True)
_f, _u = sp.Function("f"), sp.Symbol("u")
_p, _q = sp.symbols("p q", integer=True, nonnegative=True)

#: the children's shapes at symbolic sizes, per node kind with matrix children (None: a scalar)
GENERIC: dict[str, tuple[Shape, ...]] = {
    "add": ((M, N), (M, N)), "sub": ((M, N), (M, N)), "neg": ((M, N),),
    "scale": (None, (M, N)), "matmul": ((M, N), (N, K)), "div": ((M, N), None),
    "transpose": ((M, N),), "trace": ((N, N),), "entry": ((1, 1),), "sum": ((M, N),),
    "norm": ((M, N),), "hadamard": ((M, N), (M, N)), "inv": ((N, N),), "det": ((N, N),),
    "logdet": ((N, N),), "apply": ((M, N),),
}  # fmt: skip


@dataclass(frozen=True)
class SymbolicCertificate:
    """Whether a rule holds for every size, and the words that say how (or why undecided)."""

    every_size: bool
    text: str
    why: str = ""


def _children(kind: str) -> tuple[Any, ...]:
    return tuple(sp.Symbol(f"s{i}", real=True) if shape is None else sp.MatrixSymbol(f"C{i}", *shape)
                 for i, shape in enumerate(GENERIC[kind]))


def _as_trace(kind: str, kids: tuple[Any, ...], node: Any) -> Any:
    """The node as SymPy differentiates it: ``sum(A)`` as ``tr(1^T A 1)``, after certifying that
    its only entry is the sum of every entry of ``A``."""
    if kind != "sum":
        return node
    (a,) = kids
    rows, cols = a.shape
    form = sp.OneMatrix(1, rows) * a * sp.OneMatrix(cols, 1)
    i, j = sp.Dummy("i", integer=True), sp.Dummy("j", integer=True)
    if not form[0, 0].doit().dummy_eq(sp.Sum(a[i, j], (i, 0, rows - 1), (j, 0, cols - 1))):
        raise CertificationError("sum of entries: 1^T A 1 is not the sum of every entry of A")
    return sp.Trace(form)


def _formula(kind: str, kids: tuple[Any, ...], node: Any, adjoint: Any, i: int, value: str) -> Any:
    try:
        return RULES[kind].vjp(kids, node, adjoint, i, value)
    except (sp.ShapeError, ValueError, TypeError) as error:
        raise CertificationError(f"{RULES[kind].name}, child {i + 1}: the rule's formula is not defined "
                                 f"at symbolic sizes ({error})") from None


def _identity(derivative: Any, formula: Any, what: str) -> None:
    """SymPy's derivative equals the rule's formula, by :data:`MATRIX_IDENTITY`."""
    if getattr(formula, "shape", None) != getattr(derivative, "shape", None):
        raise CertificationError(f"{what}: the rule's formula has shape {getattr(formula, 'shape', None)}, "
                                 f"the derivative {getattr(derivative, 'shape', None)}")
    try:
        certify(derivative, formula, MATRIX_IDENTITY)
    except CertificationError as error:
        raise CertificationError(f"{what}: {error}") from None


def _elementwise(value: str, kids: tuple[Any, ...], node: Any, adjoint: Any) -> None:
    """``tr(G^T f(A))`` for an undefined ``f`` gives ``G ⊙ f'(A)``; the rule's entry ``(p, q)``
    is ``G_pq`` times SymPy's derivative of the function's explicit form at ``A_pq``."""
    (a,) = kids
    generic = pairing(adjoint, ElementwiseApplyFunction(sp.Lambda(_u, _f(_u)), a))
    slope = ElementwiseApplyFunction(sp.Lambda(_u, sp.Derivative(_f(_u), _u)), a)
    _identity(scalar_gradient(generic, a), sp.HadamardProduct(adjoint, slope), "elementwise function")
    rule = ELEMENTWISE[value]
    x, g = sp.Symbol("x", real=True), sp.Symbol("g", real=True)
    formula = _formula("apply", kids, node, adjoint, 0, value)
    entry = as_sympy(formula[_p, _q]).xreplace({a[_p, _q]: x, adjoint[_p, _q]: g})
    if entry.has(MatrixElement):
        raise CertificationError(f"elementwise function {value}: the rule's entry (p, q) involves "
                                 f"other entries: {entry}")
    want = g * sp.diff(rule.explicit(x), x)
    try:
        certify(explicit(entry), want, NAMED_ROUTES.get(rule.route, rule.route))
    except CertificationError as error:
        raise CertificationError(f"elementwise function {value}: {error}") from None


@functools.lru_cache(maxsize=64)
def certify_symbolic(kind: str, value: str, pattern: tuple[bool, ...]) -> SymbolicCertificate:
    """Prove the rule of ``kind`` at symbolic sizes; ``pattern`` says which children are matrices.

    Raises :class:`~symnn.errors.CertificationError` when the rule is refused.
    """
    if not any(pattern):
        return SymbolicCertificate(True, "scalars")
    if kind not in GENERIC or tuple(s is not None for s in GENERIC[kind]) != pattern:
        return SymbolicCertificate(False, "every size undecided", f"no symbolic shape for {kind} {pattern}")
    kids = _children(kind)
    node = OPS[kind](kids, value)
    adjoint = sp.MatrixSymbol("G", *node.shape) if isinstance(node, sp.MatrixExpr) else sp.Symbol("g")
    if kind == "apply":
        _elementwise(value, kids, node, adjoint)
        return SymbolicCertificate(True, f"every size (matrix-identity; {value}' by "
                                         f"{ELEMENTWISE[value].route})")
    paired = pairing(adjoint, _as_trace(kind, kids, node))
    for i, kid in enumerate(kids):
        if i in RULES[kind].constant:
            continue
        derivative = scalar_gradient(paired, kid)
        if derivative is None:
            what = "det" if node.has(sp.Determinant) else sp.sstr(node)
            return SymbolicCertificate(False, "every size undecided",
                                       f"SymPy has no matrix derivative of {what} at symbolic size")
        formula = _formula(kind, kids, node, adjoint, i, value)
        _identity(derivative, formula, f"{RULES[kind].name}, child {i + 1}, at symbolic sizes")
    return SymbolicCertificate(True, "every size (matrix-identity)")


@dataclass(frozen=True)
class RuleCertificate:
    """A rule at one pattern of shapes: for every size or not, and the certificate's words."""

    every_size: bool
    text: str


def certify_rule(kind: str, value: str, child_shapes: tuple[Shape, ...],
                 node_shape: Shape) -> RuleCertificate:
    """The rule at symbolic sizes (:func:`certify_symbolic`) and again entrywise at explicit sizes
    (:func:`~symnn.matrix_calculus.verify.verify_rule`); both are cached."""
    entrywise = verify_rule(kind, value, child_shapes, node_shape)
    symbolic = certify_symbolic(kind, value, tuple(shape is not None for shape in child_shapes))
    if symbolic.text == "scalars":
        return RuleCertificate(True, f"scalars, no sizes ({route_of(kind, value)})")
    if symbolic.every_size:
        return RuleCertificate(True, f"{symbolic.text}; {entrywise}")
    return RuleCertificate(False, f"{entrywise}; {symbolic.text}")

"""The reverse-mode rules of matrix calculus, one table entry per node kind.

For a node ``u = op(c_1, ..., c_k)`` of a scalar function ``f`` and the adjoint
``G = ∂f/∂u`` (shaped like ``u``), a rule gives each child's share of the adjoint, the
vector-Jacobian product

.. math:: \\bar c_i = \\sum_{a,b} G_{ab} \\frac{\\partial u_{ab}}{\\partial c_i}.

The table is data: each :class:`Rule` has a name, the sentence that justifies it, the
decision route that proves it entrywise at explicit sizes
(:mod:`~symnn.matrix_calculus.verify`), and its ``vjp``, a function of the children's
SymPy objects, the node's own object and ``G`` that returns the adjoint of child ``i``.
Each ``vjp`` is also certified at symbolic sizes, for every size, against SymPy's matrix
derivative of ``<G, u>`` (:mod:`~symnn.matrix_calculus.symbolic`).

>>> import sympy as sp
>>> A, B, G = sp.MatrixSymbol("A", 2, 3), sp.MatrixSymbol("B", 3, 2), sp.MatrixSymbol("G", 2, 2)
>>> RULES["matmul"].vjp((A, B), A * B, G, 1, "")
A.T*G
>>> RULES["trace"].name
'trace'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.matrix_calculus.functions import ELEMENTWISE

VJP = Callable[[tuple[Any, ...], Any, Any, int, str], Any]


@dataclass(frozen=True)
class Rule:
    """One node kind's rule: name, justification (LaTeX text), route, and the product."""

    name: str
    reason: str
    route: str
    vjp: VJP
    constant: tuple[int, ...] = ()  # children that must not depend on the variable


def _frobenius(a: Any) -> Any:
    return sp.sqrt(sp.Trace(a.T * a))


def _inner(g: Any, a: Any) -> Any:
    """<G, A> = tr(G^T A), the scalar that pairs an adjoint with a matrix."""
    return sp.Trace(g.T * a)


def _scale_vjp(kids: tuple[Any, ...], node: Any, g: Any, i: int, value: str) -> Any:
    scalar, matrix = kids
    return _inner(g, matrix) if i == 0 else scalar * g


def _div_vjp(kids: tuple[Any, ...], node: Any, g: Any, i: int, value: str) -> Any:
    top, bottom = kids
    if i == 0:
        return g / bottom if not isinstance(top, sp.MatrixExpr) else (1 / bottom) * g
    paired = g * top if not isinstance(top, sp.MatrixExpr) else _inner(g, top)
    return -paired / bottom**2


def _apply_vjp(kids: tuple[Any, ...], node: Any, g: Any, i: int, value: str) -> Any:
    (a,) = kids
    rule = ELEMENTWISE[value]
    if isinstance(a, sp.MatrixExpr):
        return sp.HadamardProduct(g, rule.derivative(a))
    return g * rule.scalar_derivative(a)


RULES: dict[str, Rule] = {
    "add": Rule("sum rule", "each summand receives the adjoint", "expand",
                lambda k, u, g, i, v: g),
    "sub": Rule("difference rule", "the subtrahend receives the negated adjoint", "expand",
                lambda k, u, g, i, v: g if i == 0 else -g),
    "neg": Rule("negation", "the adjoint changes sign", "expand", lambda k, u, g, i, v: -g),
    "smul": Rule("product of scalars", "each factor receives the adjoint times the other", "expand",
                 lambda k, u, g, i, v: g * k[1 - i]),
    "scale": Rule("scalar times matrix", r"$\partial(sA) = A\,\partial s + s\,\partial A$; "
                  r"the scalar pairs with $G$ as $\operatorname{tr}(G^T A)$", "expand", _scale_vjp),
    "matmul": Rule("matrix product", r"$d(AB) = dA\,B + A\,dB$, so $\bar A = G B^T$ and "
                   r"$\bar B = A^T G$", "expand",
                   lambda k, u, g, i, v: g * k[1].T if i == 0 else k[0].T * g),
    "div": Rule("division by a scalar", r"$d(A/s) = dA/s - A\,ds/s^2$", "cleared-expand", _div_vjp),
    "pow": Rule("power rule", r"$d(b^p) = p\,b^{p-1}\,db$ for a constant $p$", "exp-cancel",
                lambda k, u, g, i, v: g * k[1] * k[0] ** (k[1] - 1), constant=(1,)),
    "transpose": Rule("transpose", r"$\overline{A} = G^T$", "expand", lambda k, u, g, i, v: g.T),
    "trace": Rule("trace", r"$d\operatorname{tr}(A) = \operatorname{tr}(dA)$, so "
                  r"$\overline{A} = G\,I$", "expand",
                  lambda k, u, g, i, v: g * sp.Identity(k[0].shape[0])),
    "sum": Rule("sum of entries", r"$\partial \sum_{ab} A_{ab} / \partial A = \mathbf{1}$",
                "expand", lambda k, u, g, i, v: g * sp.OneMatrix(*k[0].shape)),
    "norm": Rule("Frobenius norm", r"$d\|A\|_F = \operatorname{tr}(A^T dA)/\|A\|_F$", "cleared-expand",
                 lambda k, u, g, i, v: (g / _frobenius(k[0])) * k[0]),
    "hadamard": Rule("Hadamard product", r"$d(A \odot B) = dA \odot B + A \odot dB$", "expand",
                     lambda k, u, g, i, v: sp.HadamardProduct(g, k[1 - i])),
    "inv": Rule("inverse", r"$d(A^{-1}) = -A^{-1}\,dA\,A^{-1}$", "cleared-expand",
                lambda k, u, g, i, v: -(sp.Inverse(k[0]).T * g * sp.Inverse(k[0]).T)),
    "det": Rule("determinant (Jacobi's formula)", r"$d\det A = \det A\,\operatorname{tr}(A^{-1} dA)$",
                "cleared-expand",
                lambda k, u, g, i, v: (g * sp.Determinant(k[0])) * sp.Inverse(k[0]).T),
    "logdet": Rule("log-determinant", r"$d\log\det A = \operatorname{tr}(A^{-1} dA)$", "cleared-expand",
                   lambda k, u, g, i, v: g * sp.Inverse(k[0]).T),
    "apply": Rule("elementwise function", r"$d f(A) = f'(A) \odot dA$", "per function", _apply_vjp),
    "entry": Rule(r"a $1 \times 1$ matrix as a scalar", r"$u = \operatorname{tr}(M) = M_{11}$", "expand",
                  lambda k, u, g, i, v: g * sp.Identity(1)),
}  # fmt: skip


def route_of(kind: str, value: str) -> str:
    """The decision route that proves the rule of ``kind`` (elementwise: per function)."""
    if kind == "apply":
        return ELEMENTWISE[value].route
    return RULES[kind].route

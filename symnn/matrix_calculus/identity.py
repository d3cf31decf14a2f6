"""Identities of matrix expressions at symbolic sizes, and SymPy's matrix derivative, guarded.

A matrix symbol of shape ``(m, n)`` with ``m`` and ``n`` size names stands for every
matrix of every size; an identity between such expressions proved by a decision route
holds for every size at once. This module holds the route that decides them and the
derivative that supplies one side:

* :data:`MATRIX_IDENTITY` -- equal after renaming the bound variables of elementwise
  maps and SymPy's canonical form of a matrix sum (``doit``), and :data:`MATRIX_EXPAND`,
  which first multiplies out products of sums (distributivity, factors kept in order);
* :func:`scalar_gradient` -- ``∇_X φ`` for a scalar ``φ`` built from traces: the chain
  rule over the trace-like atoms of ``φ`` (each differentiated by SymPy's matrix
  derivative, the outer function by SymPy's scalar derivative). SymPy differentiates a
  product, a power or a logarithm of traces wrongly or not at all (``log(det(S))`` comes
  back as 0), so only single atoms are given to it; an atom SymPy has no derivative of
  (a determinant) or one whose derivative comes back as 0 makes the result ``None``:
  undecided, never a guess.

>>> m, n = sp.symbols("m n", integer=True, positive=True)
>>> A = sp.MatrixSymbol("A", m, n)
>>> scalar_gradient(sp.sqrt(sp.Trace(A.T * A)), A)
1/sqrt(Trace(A.T*A))*A
>>> scalar_gradient(sp.log(sp.Determinant(sp.MatrixSymbol("S", n, n))), sp.MatrixSymbol("S", n, n)) is None
True
>>> from symnn.core.certify import certify
>>> certify(A.T * A + A.T * A.T.T, 2 * A.T * A, MATRIX_IDENTITY).route
'matrix-identity'
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.core.certify import Route
from symnn.core.exact import as_sympy

_BOUND = sp.Symbol("u")
#: the atoms of a scalar that SymPy's matrix derivative is asked about, one at a time
ATOMS = (sp.Trace, sp.Determinant)


def _canonical(difference: Any) -> Any:
    """Every ``Lambda`` renamed to one bound variable, then SymPy's canonical matrix sum."""
    renamed = difference.replace(
        lambda e: isinstance(e, sp.Lambda),
        lambda e: sp.Lambda(_BOUND, e.expr.xreplace({e.variables[0]: _BOUND})))
    return renamed.doit()


#: Identity of matrix expressions: equal after renaming bound variables and collecting terms.
MATRIX_IDENTITY = Route("matrix-identity", _canonical)
#: Distributivity first (products of sums multiplied out, factors in order), then the above.
MATRIX_EXPAND = Route("matrix-expand", lambda difference: _canonical(sp.expand(difference)))


def pairing(adjoint: Any, value: Any) -> Any:
    """``<G, u> = tr(G^T u)`` for a matrix ``u``, ``G u`` for a scalar: the scalar whose
    gradient in a child of ``u`` is that child's share of the adjoint."""
    if isinstance(value, sp.MatrixExpr):
        return sp.Trace(adjoint.T * value)
    return adjoint * value


def _atoms(scalar: Any, variable: sp.MatrixSymbol) -> list[Any]:
    found = [atom for atom in sp.preorder_traversal(scalar) if isinstance(atom, ATOMS) and atom.has(variable)]
    outermost = [a for a in found if not any(b is not a and b.has(a) for b in found)]
    return sorted(set(outermost), key=sp.default_sort_key)


def _unevaluated(derivative: Any, variable: sp.MatrixSymbol) -> bool:
    return any(variable in d.variables for d in as_sympy(derivative).atoms(sp.Derivative))


def scalar_gradient(scalar: Any, variable: Any) -> Any:
    """``∇_variable scalar`` by the chain rule over trace-like atoms; ``None`` when undecided.

    ``variable`` is a matrix symbol or a scalar symbol (then SymPy's ordinary derivative).
    """
    if not isinstance(variable, sp.MatrixSymbol):
        slope = sp.diff(scalar, variable)
        return None if slope == 0 and scalar.has(variable) else slope
    atoms = _atoms(scalar, variable)
    names = [sp.Dummy("t") for _ in atoms]
    outer = as_sympy(scalar).xreplace(dict(zip(atoms, names)))
    if outer.has(variable):
        return None  # the variable occurs outside a trace-like atom
    terms = []
    for atom, name in zip(atoms, names):
        inner = atom.diff(variable)
        if _unevaluated(inner, variable) or inner == 0 or getattr(inner, "is_ZeroMatrix", False):
            return None  # SymPy has no derivative of this atom (or gave 0 for it)
        slope = sp.diff(outer, name).xreplace(dict(zip(names, atoms)))
        terms.append(slope * inner)
    if not terms:
        return sp.ZeroMatrix(*variable.shape)
    return terms[0] if len(terms) == 1 else sp.MatAdd(*terms)

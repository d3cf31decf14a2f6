"""Softmax as SymPy expressions, shared by the softmax derivations.

>>> from symnn.core.notation import vector_symbols
>>> softmax_entries(vector_symbols("z", 2))
[exp(z1)/(exp(z1) + exp(z2)), exp(z2)/(exp(z1) + exp(z2))]
"""

from __future__ import annotations

import sympy as sp

from symnn.core.exact import as_sympy


def softmax_entries(z: list[sp.Expr]) -> list[sp.Expr]:
    """``[exp(z_i) / sum_k exp(z_k)]`` for a concrete list ``z``."""
    total = sp.Add(*[sp.exp(zk) for zk in z])
    return [sp.exp(zi) / total for zi in z]


def resolve_index_range(expr: sp.Expr, index: sp.Symbol, size: sp.Expr) -> sp.Expr:
    """Replace each ``Piecewise`` by its branch for ``1 <= index <= size``.

    ``Sum(KroneckerDelta(j, k) f(k), (k, 1, n)).doit()`` leaves
    ``Piecewise((f(j), j <= n), (0, True))``; under the range assumption the first
    branch whose condition then holds is the value.
    """
    facts = {sp.Le(index, size): sp.true, sp.Ge(index, 1): sp.true,
             sp.Le(1, index): sp.true, sp.Ge(size, index): sp.true}

    def branch(piecewise: sp.Piecewise) -> sp.Expr:
        for value, condition in piecewise.args:
            if as_sympy(condition).xreplace(facts) in (sp.true, True):
                return value
        return piecewise

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), branch)

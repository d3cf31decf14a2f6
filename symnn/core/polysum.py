"""Closed forms of sums of polynomials, by Faulhaber's formula.

For a polynomial :math:`f(k) = \\sum_m c_m k^m` (coefficients free of ``k``) and bounds
free of ``k``,

.. math:: \\sum_{k=a}^{b} k^m = \\frac{B_{m+1}(b + 1) - B_{m+1}(a)}{m + 1},

with the Bernoulli polynomials :math:`B_{m+1}`: the difference of an antidifference at the
two ends, so it holds for every ``a`` and ``b`` under the same convention as
``Sum.doit`` (an empty range ``b = a - 1`` gives 0). It gives what ``Sum.doit`` gives for
these sums without SymPy's general summation (which first tries telescoping by ``solve``).
Sums of anything else are left to ``doit``.

>>> import sympy as sp
>>> k, p = sp.symbols("k p", integer=True, positive=True)
>>> sp.expand(polynomial_sums(sp.Sum((p - k) * (2 * (p - k) + 3), (k, 1, p - 1))))
2*p**3/3 + p**2/2 - 7*p/6
>>> polynomial_sums(sp.Sum(sp.Sum(1, (k, 1, p)), (sp.Symbol("j"), 1, p)))
p**2
>>> x = sp.IndexedBase("x")
>>> polynomial_sums(sp.Sum(x[k], (k, 1, p)))  # not a polynomial in k: left as it is
Sum(x[k], (k, 1, p))
"""

from __future__ import annotations

from typing import Any

import sympy as sp


def faulhaber(term: sp.Expr, index: sp.Symbol, low: sp.Expr, high: sp.Expr) -> sp.Expr | None:
    """``sum_{index=low}^{high} term`` in closed form, or ``None`` when ``term`` is not a
    polynomial in ``index`` (or a bound involves ``index``)."""
    if term.is_polynomial(index) is not True or low.has(index) or high.has(index):
        return None
    total = sp.Integer(0)
    for (power,), coefficient in sp.Poly(term, index).terms():
        degree = power + 1
        total += coefficient * (sp.bernoulli(degree, high + 1) - sp.bernoulli(degree, low)) / degree
    return total


def _closed(total: sp.Sum) -> Any:
    term = total.function
    for index, low, high in total.limits:  # the innermost range first
        term = faulhaber(term, index, low, high)
        if term is None:
            return total
    return sp.expand(term)


def polynomial_sums(expr: Any) -> Any:
    """``expr`` with every sum of a polynomial over its ranges replaced by its closed form."""
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.Sum), _closed)

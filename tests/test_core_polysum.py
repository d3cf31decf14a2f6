"""core/polysum: sums of polynomials in closed form (Faulhaber), as used by the doit-cancel route."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.core.certify import certify
from symnn.core.polysum import faulhaber, polynomial_sums
from symnn.errors import CertificationError

k = sp.Symbol("k", integer=True)
n = sp.Symbol("n", integer=True, positive=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=5), st.integers(-6, 6), st.integers(0, 8))
def test_closed_form_is_the_sum_term_by_term(coefficients: list[int], low: int, length: int) -> None:
    """Concrete ranges (also the empty one, length 0): the closed form against adding up the terms."""
    term = sum(c * k**m for m, c in enumerate(coefficients))
    high = low + length - 1
    direct = sum((term.subs(k, v) for v in range(low, high + 1)), sp.Integer(0))
    assert faulhaber(term, k, sp.Integer(low), sp.Integer(high)) == direct


@pytest.mark.parametrize("term, low, high", [
    (k**3, 1, n),
    ((n - k) * (2 * (n - k) + 3), 1, n - 1),
    (2 * (n - k) + 1, 1, n),
    (k**2 - 3 * k * n + 7, 2, 2 * n + 1),
])
def test_symbolic_range_matches_sympy_summation(term: sp.Expr, low: object, high: sp.Expr) -> None:
    """A symbolic bound: the closed form is SymPy's own ``Sum.doit`` (an independent method)."""
    expected = sp.expand(sp.Sum(term, (k, low, high)).doit())
    assert sp.expand(faulhaber(term, k, sp.Integer(low), high)) == expected


def test_reversed_range_follows_sympy_convention() -> None:
    """b < a - 1: the antidifference gives what ``Sum.doit`` gives (Karr's convention)."""
    assert faulhaber(k**2, k, sp.Integer(5), sp.Integer(1)) == sp.Sum(k**2, (k, 5, 1)).doit()


def test_other_sums_are_left_alone() -> None:
    x, f = sp.IndexedBase("x"), sp.Function("f")
    for total in (sp.Sum(x[k], (k, 1, n)), sp.Sum(f(k), (k, 1, n)), sp.Sum(2**k, (k, 1, n)),
                  sp.Sum(k, (k, 1, k + n))):
        assert polynomial_sums(total) == total


def test_doit_cancel_still_refuses_a_wrong_closed_form() -> None:
    assert certify(sp.Sum(k, (k, 1, n)), n * (n + 1) / 2, "doit-cancel").route == "doit-cancel"
    with pytest.raises(CertificationError, match="doit-cancel"):
        certify(sp.Sum(k, (k, 1, n)), n**2 / 2, "doit-cancel")

"""Ball arithmetic and proved quadrature (symnn.core.ball): enclosures hold the exact values."""

from __future__ import annotations

import pytest
import sympy as sp
from flint import arb
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.core.ball import ball, ball_function, integral, midpoint, upper
from symnn.errors import CertificationError

x = sp.Symbol("x", real=True)
PHI = sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)


def encloses(value: arb, exact: sp.Expr) -> bool:
    """The ball meets a 60-digit ball of the exact value (the exact value is then inside,
    up to 1e-60, far below every radius here)."""
    return value.overlaps(midpoint(exact, 60))


def test_gaussian_integral_on_a_window_holds_the_erf_value_and_not_the_whole_line():
    value = integral(sp.exp(-(x**2)), x, -6, 6, digits=30)
    assert encloses(value, sp.sqrt(sp.pi) * sp.erf(6))
    assert not encloses(value, sp.sqrt(sp.pi))  # the tails, about 2e-17, are not in the window
    assert float(value.rad()) < 1e-30


def test_log_integral_checks_the_branch_cut_and_is_right():
    value = integral(sp.log(x), x, 1, 2, digits=30)
    assert encloses(value, 2 * sp.log(2) - 1)


def test_tanh_poles_near_the_path_still_give_a_correct_ball():
    value = integral(sp.tanh(x) ** 2, x, -3, 3, digits=30)
    assert encloses(value, sp.integrate(sp.tanh(x) ** 2, (x, -3, 3)))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=4), st.integers(1, 8))
def test_polynomial_times_gaussian_matches_sympy(coefficients, edge):
    polynomial = sum(c * x**k for k, c in enumerate(coefficients))
    exact = sp.integrate(polynomial * PHI, (x, -edge, edge))
    assert encloses(integral(polynomial * PHI, x, -edge, edge, digits=30), exact)


def test_unknown_functions_are_refused_not_guessed():
    with pytest.raises(CertificationError, match="no ball arithmetic for gamma"):
        ball_function(sp.gamma(x), x)
    with pytest.raises(CertificationError):
        ball(sp.Symbol("y"))


def test_upper_is_above_every_point():
    b = ball(sp.Rational(1, 3))
    assert upper(b) >= 1 / 3
    assert b.contains(arb(1) / 3)

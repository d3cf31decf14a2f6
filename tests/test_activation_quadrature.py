"""The checks' float64 Gauss-Legendre quadrature: accurate to its stated tolerance against an
independent method, and able to refuse a wrong moment that differs by far less than Monte Carlo sees."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.activation_analysis.quadrature import gaussian_expectation
from symnn.activation_analysis.table import TABLE, x
from symnn.core.exact import as_sympy
from symnn.derivations.activation_calculus import _members
from symnn.derivations.activation_moments import TOLERANCE, check_moments

#: (mu, sigma): standard, off-centre, wide, far off with a narrow density, the bounds' corners
PARAMETERS = [(0, 1), (sp.Rational(3, 2), sp.Rational(1, 2)), (-3, 7), (-50, sp.Rational(1, 100)),
              (100, 100), (100, sp.Rational(1, 10**9))]


def _rule(name: str) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
    rule = TABLE[name]
    alpha = rule.resolve_alpha(rule.alpha.typical if rule.alpha else None)
    return rule.expression(alpha), tuple(p.upper for p in rule.pieces(alpha)[:-1])


def _tanh_sinh(f: sp.Expr, power: int, mu: sp.Expr, sigma: sp.Expr, kinks: tuple[sp.Expr, ...]) -> mpmath.mpf:
    """mpmath's tanh-sinh quadrature at 20 digits in the standardised variable u, split at x = 0
    and the kinks."""
    g = sp.lambdify(x, f**power, [{"sigma": lambda t: 1 / (1 + mpmath.exp(-t))}, "mpmath"])
    with mpmath.workdps(20):
        m, s = mpmath.mpf(sp.N(mu, 40).__str__()), mpmath.mpf(sp.N(sigma, 40).__str__())
        # cuts in u at the centre, at x = 0 and at the kinks (one far outside the density is
        # left out: nothing to resolve there)
        ends = [(mpmath.mpf(float(k)) - m) / s for k in (0, *kinks)]
        cuts = sorted({mpmath.mpf(0), *[c for c in ends if abs(c) < 40]})
        return mpmath.quad(lambda u: g(m + s * u) * mpmath.npdf(u), [-mpmath.inf, *cuts, mpmath.inf])


@pytest.mark.parametrize("name", list(TABLE))
def test_agrees_with_tanh_sinh_far_below_the_tolerance(name: str) -> None:
    """Relative to max(1, |E|): within 1e-14 (the checks compare to 1e-12), estimate below 1e-13."""
    f, kinks = _rule(name)
    for mu, sigma in PARAMETERS:
        for power in (1, 2):
            value, estimate = gaussian_expectation(f, mu, sigma, kinks, power=power)
            exact = _tanh_sinh(f, power, as_sympy(mu), as_sympy(sigma), kinks)
            scale = max(1.0, abs(float(exact)))
            assert abs(value - float(exact)) / scale < 1e-14, (mu, sigma, power)
            assert estimate / scale < 1e-13, (mu, sigma, power)


@settings(max_examples=15, deadline=None)
@given(st.fractions(-20, 20, max_denominator=16), st.fractions(1 / 16, 20, max_denominator=16))
def test_moments_of_a_polynomial(mu, sigma):
    """E[G^2] = mu^2 + sigma^2 and E[(G - mu)^4] = 3 sigma^4, exactly known, to 1e-13 relative."""
    m, s = float(mu), float(sigma)
    second, _ = gaussian_expectation(x, mu, sigma, power=2)
    fourth, _ = gaussian_expectation(x, mu, sigma, power=4, centre=m)
    assert abs(second - (m * m + s * s)) <= 1e-13 * max(1.0, m * m + s * s)
    assert abs(fourth - 3 * s**4) <= 1e-13 * max(1.0, 3 * s**4)


def test_a_kink_is_resolved_exactly():
    """E[relu(G)] = mu Phi(mu/sigma) + sigma phi(mu/sigma) at a kink near the centre."""
    f, kinks = _rule("relu")
    mu, sigma = 0.3, 0.7
    with mpmath.workdps(30):
        exact = mu * mpmath.ncdf(mu / sigma) + sigma * mpmath.npdf(mu / sigma)
    value, _ = gaussian_expectation(f, sp.Rational(3, 10), sp.Rational(7, 10), kinks)
    assert abs(value - float(exact)) < 1e-15


def _moments(name: str) -> dict:
    return dict(symnn.derive("activation-gaussian-moments", activation=name).result)


@pytest.mark.parametrize(("name", "key"), [("gelu", "mean"), ("relu", "variance"), ("softplus", "mean"),
                                           ("tanh", "second_moment")])
def test_a_moment_wrong_by_one_part_in_a_billion_is_refused(name: str, key: str) -> None:
    """Monte Carlo alone (5 standard errors at 10^6 samples, about 5e-3) would pass this value."""
    result = _moments(name)
    rule, alpha = TABLE[name], TABLE[name].resolve_alpha(None)
    assert check_moments(rule, alpha, sp.Integer(0), sp.Integer(1), result).ok
    result[key] = result[key] * (1 + sp.Rational(1, 10**9))
    report = check_moments(rule, alpha, sp.Integer(0), sp.Integer(1), result)
    assert not report.ok
    assert any(key in failure and "quadrature" in failure for failure in report.failures())


def test_the_tolerance_is_what_the_check_states() -> None:
    """A change far below 1e-12 is within the stated tolerance (the proved bound carries the
    digits beyond it); one of 1e-10 is not."""
    result = _moments("softplus")
    rule, zero, one = TABLE["softplus"], sp.Integer(0), sp.Integer(1)
    for shift, passes in ((sp.Float("1e-15", 30), True), (sp.Float("1e-10", 30), False)):
        changed = dict(result, mean=result["mean"] + shift,
                       variance=result["variance"] - 2 * result["mean"] * shift)
        assert check_moments(rule, zero, zero, one, changed).ok is passes
    assert TOLERANCE == 1e-12


@pytest.mark.parametrize("attained", [sp.Interval.Lopen(0, 2), sp.FiniteSet(sp.sqrt(2)), sp.EmptySet,
                                      sp.Union(sp.Interval(-1, 0), sp.FiniteSet(3)), sp.Interval(0, sp.oo)])
def test_membership_by_gaps_agrees_with_contains(attained: sp.Set) -> None:
    points = [-2.0, -1.0, -0.5, 0.0, 1e-12, 1.0, 2**0.5, 2.0, 2.5, 3.0, 3.0 + 1e-12, 7.0]
    expected = [attained.contains(sp.Float(p)) == sp.true for p in points]
    assert _members(attained, points) == expected
    assert _members(attained, points, sp.false) == [not e for e in expected]

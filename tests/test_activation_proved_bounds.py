"""Numeric Gaussian moments carry a proved error bound: growth certificates and Arb enclosures."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.activation_analysis.growth import linear_growth
from symnn.activation_analysis.numeric import MPMATH, expectation, reference
from symnn.activation_analysis.table import TABLE, x
from symnn.errors import CertificationError

SMOOTH = ["tanh", "sigmoid", "softplus", "silu", "gelu"]


def _rule(name: str):
    activation = TABLE[name]
    alpha = activation.resolve_alpha(None)
    if alpha is not None and alpha.free_symbols:
        alpha = sp.Rational(1, 2)
    return activation.expression(alpha), tuple(p.upper for p in activation.pieces(alpha)[:-1])


@pytest.mark.parametrize("name", list(TABLE))
def test_growth_bound_holds_on_a_wide_grid(name):
    f, kinks = _rule(name)
    growth = linear_growth(f, kinks)
    g = sp.lambdify(x, f, MPMATH)
    for t in np.concatenate([np.linspace(-60, 60, 241), [-700.0, -1e4, 1e4, 700.0]]):
        with mpmath.workdps(30):
            assert abs(g(mpmath.mpf(t))) <= float(growth.constant) + float(growth.slope) * abs(t) + 1e-20


@pytest.mark.parametrize("f", [x**2, sp.exp(x), x * sp.exp(x) / (1 + x**2)])
def test_faster_than_linear_growth_is_undecided(f):
    with pytest.raises(CertificationError, match="undecided: no linear growth bound"):
        linear_growth(f, ())


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("power", [1, 2])
def test_enclosure_contains_an_independent_quadrature(name, power):
    f, kinks = _rule(name)
    mu, sigma = sp.Rational(1, 3), sp.Rational(3, 2)
    value, bound = expectation(f, mu, sigma, kinks, power=power)
    assert bound <= 1e-28
    independent = reference(f**power, mu, sigma, kinks, digits=45)  # tanh-sinh, another method
    with mpmath.workdps(50):
        assert abs(mpmath.mpf(str(value)) - independent) <= bound + mpmath.mpf(10) ** -40


@settings(max_examples=8, deadline=None)
@given(st.fractions(-3, 3, max_denominator=8), st.fractions(1 / 4, 4, max_denominator=8),
       st.sampled_from(SMOOTH))
def test_bound_holds_over_mu_and_sigma(mu, sigma, name):
    f, kinks = _rule(name)
    value, bound = expectation(f, sp.Rational(mu), sp.Rational(sigma), kinks, power=2)
    independent = reference(f**2, sp.Rational(mu), sp.Rational(sigma), kinks, digits=40)
    with mpmath.workdps(50):
        assert abs(mpmath.mpf(str(value)) - independent) <= bound + mpmath.mpf(10) ** -35


def test_a_wrong_value_is_outside_the_bound():
    """The bound is tight enough to tell a neighbouring value apart (it is not vacuous)."""
    f, kinks = _rule("tanh")
    value, bound = expectation(f, sp.Integer(0), sp.Integer(1), kinks, power=2)
    assert bound < 1e-28 < abs(float(value) * 1e-27)


def test_writeup_says_proved_and_never_estimated():
    derivation = symnn.derive("activation-gaussian-moments", activation="softplus")
    text = derivation.latex()
    assert "proved error bound" in text and "estimat" not in text
    routes = [step.certificate.route for step in derivation.steps]
    assert "interval arithmetic on each piece" in routes
    assert sum("Arb ball quadrature" in r for r in routes) == 2


def test_the_growth_claim_recomputes_and_refuses_a_wrong_bound(monkeypatch):
    """The claim does not compare the cached bound with itself: a wrong bound is refused."""
    from symnn.activation_analysis import moments
    from symnn.activation_analysis.growth import Growth
    from symnn.core.derivation import DerivationBuilder

    f, kinks = _rule("softplus")

    def wrong(*args):
        return Growth(sp.Integer(0), sp.Integer(1), "mean value theorem")  # misses softplus(0) = log 2

    wrong.__wrapped__ = linear_growth.__wrapped__
    monkeypatch.setattr(moments, "linear_growth", wrong)
    with pytest.raises(CertificationError):
        moments.growth_claim(DerivationBuilder("demo", "demo", "demo"), TABLE["softplus"], f, kinks)


@pytest.mark.parametrize("shift", [1e-26, -1e-26])
def test_the_enclosure_claim_recomputes_and_refuses_a_wrong_value(monkeypatch, shift):
    """The enclosure claim checks a fresh, finer enclosure against the value and bound it
    states (not the cached computation against itself): a value moved by more than its
    bound is refused, and the right one is accepted."""
    from symnn.activation_analysis import moments
    from symnn.core.derivation import DerivationBuilder

    f, kinks = _rule("softplus")
    right = expectation(f, sp.Integer(0), sp.Integer(1), kinks, power=2)
    moments.numeric_moment(DerivationBuilder("demo", "demo", "demo"), TABLE["softplus"], f,
                           sp.Integer(0), sp.Integer(1), kinks, 2)  # fmt: skip
    monkeypatch.setattr(moments, "expectation", lambda *a, **k: (right[0] + shift, right[1]))
    with pytest.raises(CertificationError):
        moments.numeric_moment(DerivationBuilder("demo", "demo", "demo"), TABLE["softplus"], f,
                               sp.Integer(0), sp.Integer(1), kinks, 2)  # fmt: skip

"""GELU of a Gaussian: the mean for any mu, sigma and the second moment at N(0, 1), in closed form.

References are independent of symnn: mpmath quadrature written here, and the classical
formula E[G Phi(G)] = mu Phi(mu/s) + sigma^2 phi(mu/s)/s, s = sqrt(1 + sigma^2).
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.activation_analysis import erf_terms
from symnn.core.derivation import Citation, DerivationBuilder
from symnn.errors import CertificationError

ID = "activation-gaussian-moments"
MU, SIGMA = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)


def gelu_moment(power: int, mu: object, sigma: object) -> mpmath.mpf:
    """E[GELU(G)^power] by tanh-sinh quadrature at 40 digits, mu and sigma exact decimals."""
    with mpmath.workdps(40):
        m, s = mpmath.mpf(sp.Rational(mu).p) / sp.Rational(mu).q, \
            mpmath.mpf(sp.Rational(sigma).p) / sp.Rational(sigma).q
        return mpmath.quad(lambda z: ((m + s * z) * mpmath.ncdf(m + s * z)) ** power * mpmath.npdf(z),
                           [-mpmath.inf, -m / s, 0, mpmath.inf])


@pytest.fixture(scope="module")
def symbolic_mean() -> sp.Expr:
    return symnn.derive(ID, activation="gelu", mu="mu", sigma="sigma").result["mean"]


def test_standard_normal_mean_and_second_moment_are_exact() -> None:
    """E[GELU(Z)] = 1/(2 sqrt pi); E[GELU(Z)^2] = 1/3 + 1/(2 pi sqrt 3) (30 digits of quadrature)."""
    d = symnn.derive(ID, activation="gelu")
    r = d.result
    assert r["closed_form"] is sp.true and "error_bound" not in r
    assert sp.simplify(r["mean"] - 1 / (2 * sp.sqrt(sp.pi))) == 0
    expected = sp.Rational(1, 3) + 1 / (2 * sp.pi * sp.sqrt(3))
    assert sp.simplify(r["second_moment"] - expected) == 0
    with mpmath.workdps(40):
        assert abs(sp.N(r["second_moment"], 40) - gelu_moment(2, 0, 1)) < mpmath.mpf(10) ** -30
    assert d.certified and d.check().ok


@settings(max_examples=12, deadline=None)
@given(st.fractions(-3, 3, max_denominator=16), st.fractions("1/8", 4, max_denominator=16))
def test_mean_for_any_mu_and_sigma(symbolic_mean: sp.Expr, mu: object, sigma: object) -> None:
    """The symbolic mean at (mu, sigma) against quadrature (to 1e-28) and the classical formula."""
    value = symbolic_mean.subs({MU: sp.Rational(mu), SIGMA: sp.Rational(sigma)})
    with mpmath.workdps(40):
        assert abs(sp.N(value, 40) - gelu_moment(1, mu, sigma)) < mpmath.mpf(10) ** -28
    s = sp.sqrt(1 + SIGMA**2)
    classical = MU * (1 + sp.erf(MU / s / sp.sqrt(2))) / 2 + SIGMA**2 * sp.exp(-(MU / s) ** 2 / 2) / (
        sp.sqrt(2 * sp.pi) * s)
    difference = (value - classical.subs({MU: sp.Rational(mu), SIGMA: sp.Rational(sigma)}))
    assert abs(sp.N(difference, 50)) < 1e-40


@pytest.mark.parametrize(("mu", "sigma"), [("1", "1"), ("-1/2", "2")])
def test_numbers_give_an_exact_mean_and_a_numeric_second_moment(mu: str, sigma: str) -> None:
    d = symnn.derive(ID, activation="gelu", mu=mu, sigma=sigma)
    r = d.result
    assert not r["mean"].has(sp.Float) and r["closed_form"] is sp.false
    assert isinstance(r["second_moment"], sp.Float)
    with mpmath.workdps(40):
        assert abs(sp.N(r["mean"], 40) - gelu_moment(1, mu, sigma)) < mpmath.mpf(10) ** -28
        assert abs(sp.N(r["second_moment"], 40) - gelu_moment(2, mu, sigma)) < mpmath.mpf(10) ** -25
    assert "Closed form: mean" in d.latex()
    assert [step.certificate.theorem for step in d.citations] == ["Tonelli's theorem"]
    assert d.check().ok


@pytest.mark.parametrize(("k", "c"), [(sp.Integer(1), sp.Rational(1, 3)),
                                      (sp.Rational(5, 2), sp.Integer(-2))])
def test_the_lemma_against_quadrature(k: sp.Expr, c: sp.Expr) -> None:
    """E[erf(c + kZ)] = erf(c / sqrt(1 + 2k^2)): derived, and against 30-digit quadrature."""
    b = DerivationBuilder("demo", "demo", "demo")
    value = erf_terms.lemma_steps(b, sp.Tuple(k, c))
    with mpmath.workdps(35):
        kk, cc = (mpmath.mpf(v.p) / v.q for v in (k, c))
        reference = mpmath.quad(lambda z: mpmath.erf(cc + kk * z) * mpmath.npdf(z),
                                [-mpmath.inf, 0, mpmath.inf])
        assert abs(sp.N(value, 35) - reference) < mpmath.mpf(10) ** -30
    kinds = [type(step.certificate) is Citation for step in b.build({}).steps]
    assert kinds == [False, True, False]


def test_a_wrong_lemma_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(erf_terms, "whole_line_value", lambda kind, p: sp.erf(p[1] / (1 + 2 * p[0] ** 2)))
    with pytest.raises(CertificationError):
        erf_terms.lemma_steps(DerivationBuilder("demo", "demo", "demo"), sp.Tuple(sp.S.One, sp.Integer(2)))


@pytest.mark.parametrize("kind", ["z erf", "z^2 erf", "z^2 erf^2"])
def test_antiderivatives_differentiate_to_their_integrands(kind: str) -> None:
    """Central differences of F at a few points against g(z) phi(z) (to 1e-20 at 40 digits)."""
    parameter = sp.Tuple(sp.Rational(3, 2), sp.Rational(-1, 2)) if kind == "z erf" else \
        sp.Tuple(erf_terms.HALF, 0)
    F = sp.lambdify(erf_terms.Z, erf_terms.antiderivative(kind, parameter), "mpmath")
    g = sp.lambdify(erf_terms.Z, erf_terms.integrand(kind, parameter), "mpmath")
    with mpmath.workdps(40):
        for point in (mpmath.mpf("-1.3"), mpmath.mpf("0.2"), mpmath.mpf("2.1")):
            assert abs(mpmath.diff(F, point) - g(point)) < mpmath.mpf(10) ** -20

"""The second moment of GELU at N(0, sigma^2) for every sigma > 0, in closed form.

References are independent of symnn: mpmath quadrature written here (40 digits), and the
classical value E[GELU(Z)^2] = 1/3 + 1/(2 pi sqrt 3) at sigma = 1.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.activation_analysis import erf_square, erf_terms
from symnn.cli import main
from symnn.core.derivation import Citation, DerivationBuilder
from symnn.errors import CertificationError

ID = "activation-gaussian-moments"
SIGMA = sp.Symbol("sigma", positive=True)
K = sp.Symbol("k", positive=True)
#: 30 digits: the derived values against 40-digit quadrature
TOLERANCE = mpmath.mpf(10) ** -30


def _mpf(value: object) -> mpmath.mpf:
    r = sp.Rational(value)
    return mpmath.mpf(r.p) / r.q


def quadrature(g, points=(-mpmath.inf, 0, mpmath.inf)) -> mpmath.mpf:
    """The integral of ``g(z) phi(z)`` over the line by tanh-sinh at 40 digits."""
    with mpmath.workdps(40):
        return mpmath.quad(lambda z: g(z) * mpmath.npdf(z), list(points))


def gelu_moment(power: int, sigma: object) -> mpmath.mpf:
    """E[GELU(sigma Z)^power], sigma an exact decimal or fraction."""
    with mpmath.workdps(40):
        s = _mpf(sigma)
        return quadrature(lambda z: (s * z * mpmath.ncdf(s * z)) ** power)


def _close(value: sp.Expr, reference: mpmath.mpf, tolerance: mpmath.mpf = TOLERANCE) -> bool:
    with mpmath.workdps(40):
        return abs(mpmath.mpf(str(sp.N(value, 45))) - reference) < tolerance * max(1, abs(reference))


@pytest.fixture(scope="module")
def symbolic() -> dict:
    return symnn.derive(ID, activation="gelu", sigma="sigma").result


@pytest.mark.parametrize("sigma", ["1/10", "1/2", "2", "7/2", "10"])
def test_closed_form_against_quadrature(sigma: str) -> None:
    """Mean, second moment and variance are closed forms that meet quadrature to 30 digits (relative)."""
    d = symnn.derive(ID, activation="gelu", sigma=sigma)
    r = d.result
    assert r["closed_form"] is sp.true and "error_bound" not in r
    for key in ("mean", "second_moment", "variance"):
        assert not r[key].has(sp.Float, sp.Integral), key
    with mpmath.workdps(40):
        first, second = gelu_moment(1, sigma), gelu_moment(2, sigma)
        assert _close(r["mean"], first)
        assert _close(r["second_moment"], second)
        assert _close(r["variance"], second - first**2)
    assert [step.certificate.theorem for step in d.citations] == ["Tonelli's theorem"]


def test_symbolic_sigma_is_a_closed_form(symbolic: dict) -> None:
    assert symbolic["closed_form"] is sp.true
    assert symbolic["second_moment"].free_symbols == {SIGMA}
    assert not symbolic["second_moment"].has(sp.Integral, sp.Float)


@settings(max_examples=10, deadline=None)
@given(st.fractions("1/10", 10, max_denominator=50))
def test_symbolic_second_moment_over_sigma(symbolic: dict, sigma: object) -> None:
    """The symbolic result at sigma in [1/10, 10] against quadrature (30 digits, relative) and the
    classical arcsin form of E[Phi(sigma Z)^2] = 1/4 + arcsin(sigma^2/(1 + sigma^2))/(2 pi) (1e-35)."""
    value = symbolic["second_moment"].subs(SIGMA, sp.Rational(sigma))
    s = sp.Rational(sigma)
    classical = s**2 / 4 + s**2 * sp.asin(s**2 / (1 + s**2)) / (2 * sp.pi) + s**4 / (
        sp.pi * (1 + s**2) * sp.sqrt(1 + 2 * s**2))
    assert abs(sp.N(value - classical, 50)) < 1e-35
    variance = symbolic["variance"].subs(SIGMA, sp.Rational(sigma))
    with mpmath.workdps(40):
        second = gelu_moment(2, sigma)
        assert _close(value, second)
        assert _close(variance, second - gelu_moment(1, sigma) ** 2)


def test_symbolic_result_at_sigma_one_is_the_standard_value(symbolic: dict) -> None:
    """Exactly 1/3 + 1/(2 pi sqrt 3), the N(0, 1) result derived by the other antiderivatives."""
    at_one = symbolic["second_moment"].subs(SIGMA, 1)
    expected = sp.Rational(1, 3) + 1 / (2 * sp.pi * sp.sqrt(3))
    assert sp.expand(sp.radsimp(at_one - expected)) == 0
    standard = symnn.derive(ID, activation="gelu").result["second_moment"]
    assert sp.expand(sp.radsimp(standard - expected)) == 0


def test_number_and_symbol_agree_exactly(symbolic: dict) -> None:
    """sigma = 2 derived directly is the symbolic result at 2: 4 arctan(3)/pi + 16/(15 pi)."""
    direct = symnn.derive(ID, activation="gelu", sigma="2").result["second_moment"]
    assert sp.expand(direct - symbolic["second_moment"].subs(SIGMA, 2)) == 0
    assert sp.expand(direct - (4 * sp.atan(3) / sp.pi + sp.Rational(16, 15) / sp.pi)) == 0


def test_check_command_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", ID, "--param", "activation=gelu", "--param", "sigma=2"])
    assert code == 0 and "passed" in capsys.readouterr().out


@settings(max_examples=6, deadline=None)
@given(st.fractions("1/20", 8, max_denominator=40))
def test_lemmas_against_quadrature(k: object) -> None:
    """E[erf(kZ)^2], E[Z^2 erf(kZ)], E[Z^2 erf(kZ)^2] at k in [1/20, 8] (30 digits, relative)."""
    with mpmath.workdps(40):
        kk = _mpf(k)
    cases = {"erf^2": lambda z: mpmath.erf(kk * z) ** 2, "z^2 erf": lambda z: z**2 * mpmath.erf(kk * z),
             "z^2 erf^2": lambda z: z**2 * mpmath.erf(kk * z) ** 2}
    for kind, g in cases.items():
        value = erf_square.whole_line_value(kind, sp.Tuple(K, 0)).subs(K, sp.Rational(k))
        assert _close(value, quadrature(g)), kind


def test_lemma_at_half_equals_the_antiderivative_value() -> None:
    """At k = 1/sqrt 2, E[Z^2 erf(kZ)^2] by the lemma equals F(oo) - F(-oo) of the old antiderivative."""
    parameter = sp.Tuple(erf_terms.HALF, 0)
    F = erf_terms.antiderivative("z^2 erf^2", parameter)
    old = erf_terms.value_at(F, erf_terms.Z, sp.oo) - erf_terms.value_at(F, erf_terms.Z, -sp.oo)
    assert sp.expand(sp.radsimp(erf_square.whole_line_value("z^2 erf^2", parameter) - old)) == 0


def test_the_derivation_of_the_square_lemma() -> None:
    """Certified steps, one citation (Tonelli); E[erf(kZ)^2] = (4/pi) arctan(sqrt(1 + 4k^2)) - 1 and
    E[Z^2 erf(kZ)^2] = E[erf(kZ)^2] + 8k^2/(pi (1 + 2k^2) sqrt(1 + 4k^2)), as derived by hand."""
    b = DerivationBuilder("demo", "demo", "demo")
    value = erf_square.whole_line_steps(b, "z^2 erf^2", sp.Tuple(K, 0))
    steps = b.build({}).steps
    assert [type(step.certificate) is Citation for step in steps] == [False, False, True, False, False, False]
    square = 4 * sp.atan(sp.sqrt(1 + 4 * K**2)) / sp.pi - 1
    assert sp.expand(steps[4].after - square) == 0
    by_parts = 8 * K**2 / (sp.pi * (1 + 2 * K**2) * sp.sqrt(1 + 4 * K**2))
    assert sp.expand(steps[5].after - by_parts - sp.Integral(sp.erf(K * erf_terms.Z) ** 2 * erf_terms.PHI,
                                                             (erf_terms.Z, -sp.oo, sp.oo))) == 0
    assert sp.expand(value - square - by_parts) == 0


def test_a_wrong_value_or_antiderivative_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """arctan(sqrt(1 + 2k^2)) for arctan(sqrt(1 + 4k^2)), or an antiderivative with one of its two
    terms only: the steps are refused."""
    k = sp.Integer(2)
    erf_square.inner_value()  # cached from the right antiderivative before it is replaced
    with monkeypatch.context() as m:
        m.setattr(erf_square, "whole_line_value",
                  lambda kind, p: 4 * sp.atan(sp.sqrt(1 + 2 * p[0] ** 2)) / sp.pi - 1)
        with pytest.raises(CertificationError):
            erf_square.square_steps(DerivationBuilder("demo", "demo", "demo"), k)
    one_term = erf_square.inner_antiderivative().args[0]
    with monkeypatch.context() as m:
        m.setattr(erf_square, "inner_antiderivative", lambda t=erf_square.T: one_term.subs(erf_square.T, t))
        with pytest.raises(CertificationError):
            erf_square.whole_line_steps(DerivationBuilder("demo", "demo", "demo"), "z^2 erf^2",
                                        sp.Tuple(k, 0))


def test_nonzero_mean_stays_numeric() -> None:
    """mu != 0: E[Phi(mu + sigma Z)^2] is a bivariate normal probability; no closed form is claimed."""
    r = symnn.derive(ID, activation="gelu", mu="1/2", sigma="2").result
    assert r["closed_form"] is sp.false and isinstance(r["second_moment"], sp.Float)
    assert _close(r["second_moment"], quadrature(lambda z: ((z * 2 + mpmath.mpf(1) / 2)
                                                            * mpmath.ncdf(z * 2 + mpmath.mpf(1) / 2)) ** 2,
                                                 (-mpmath.inf, -mpmath.mpf(1) / 4, mpmath.inf)),
                  mpmath.mpf(10) ** -25)


def test_the_routes_refuse_what_they_do_not_prove() -> None:
    """The odd-integrand route on an even integrand, or with a nonzero rest; linearity with a wrong
    coefficient."""
    from symnn.core.certify import certify

    z, phi = erf_terms.Z, erf_terms.PHI
    line = (z, -sp.oo, sp.oo)
    certify(sp.Integral(z**2 * sp.erf(3 * z) * phi, line), 0, erf_square.ODD)
    for before, after in [(sp.Integral(z**2 * phi, line), 0), (sp.Integral(z * phi, line), 1)]:
        with pytest.raises(CertificationError):
            certify(before, after, erf_square.ODD)
    route = erf_square.linear_by_antiderivative(-z * phi)  # (-z phi)' = z^2 phi - phi
    certify(sp.Integral(z**2 * phi, line), sp.Integral(phi, line), route)
    with pytest.raises(CertificationError):
        certify(sp.Integral(z**2 * phi, line), 2 * sp.Integral(phi, line), route)

"""activation-gaussian-moments: every activation against independent quadrature; exact cases."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.activation_analysis import gaussian_integrals as gi
from symnn.cli import main
from symnn.derivations.activation_moments import activation_gaussian_moments
from symnn.errors import CertificationError, ParameterError

ID = "activation-gaussian-moments"


def _sig(t: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-t))


# Independent definitions (mpmath, written here, not taken from the table), alpha given.
REFERENCE = {
    "identity": lambda t, a: t,
    "relu": lambda t, a: max(t, 0),
    "leaky_relu": lambda t, a: t if t >= 0 else a * t,
    "elu": lambda t, a: t if t > 0 else a * (mpmath.exp(t) - 1),
    "gelu": lambda t, a: t * mpmath.ncdf(t),
    "silu": lambda t, a: t * _sig(t),
    "softplus": lambda t, a: mpmath.log(1 + mpmath.exp(t)),
    "sigmoid": lambda t, a: _sig(t),
    "tanh": lambda t, a: mpmath.tanh(t),
    "abs": lambda t, a: abs(t),
    "hardtanh": lambda t, a: max(-1, min(1, t)),
}
KINKS = {"hardtanh": [-1, 1]}


def quadrature(name: str, alpha: float, mu: float, sigma: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    """E[f(G)], E[f(G)^2] by mpmath at 25 digits, split at the kinks (independent of symnn)."""
    with mpmath.workdps(25):
        f = REFERENCE[name]
        nodes = [-mpmath.inf, *sorted({0, mu, *KINKS.get(name, [])}), mpmath.inf]
        density = lambda t: mpmath.npdf(t, mu, sigma)  # noqa: E731
        first = mpmath.quad(lambda t: f(t, alpha) * density(t), nodes)
        second = mpmath.quad(lambda t: f(t, alpha) ** 2 * density(t), nodes)
    return first, second


def _number(expr: object) -> float:
    return float(sp.N(sp.sympify(expr), 30))


@pytest.mark.parametrize("name", list(REFERENCE))
def test_every_activation_against_quadrature(name: str) -> None:
    """N(1/2, 3/2^2): mean and second moment agree with independent quadrature to 1e-13."""
    params = {"mu": "1/2", "sigma": "3/2"}
    alpha = {"leaky_relu": 0.2, "elu": 1.5}.get(name)
    if alpha is not None:
        params["alpha"] = str(alpha)
    r = symnn.derive(ID, activation=name, **params).result
    first, second = quadrature(name, alpha or 0, 0.5, 1.5)
    assert abs(_number(r["mean"]) - float(first)) < 1e-13
    assert abs(_number(r["second_moment"]) - float(second)) < 1e-13
    assert abs(_number(r["variance"]) - float(second - first**2)) < 1e-13


def test_known_closed_forms_at_the_standard_normal() -> None:
    gelu = symnn.derive(ID, activation="gelu").result
    assert sp.simplify(gelu["mean"] - 1 / (2 * sp.sqrt(sp.pi))) == 0
    relu = symnn.derive(ID, activation="relu").result
    assert sp.simplify(relu["mean"] - 1 / sp.sqrt(2 * sp.pi)) == 0
    assert sp.simplify(relu["variance"] - (sp.Rational(1, 2) - 1 / (2 * sp.pi))) == 0
    assert relu["closed_form"] is sp.true
    # |Z|: E = sqrt(2/pi), E[Z^2] = 1, exactly
    absolute = symnn.derive(ID, activation="abs").result
    assert sp.simplify(absolute["mean"] - sp.sqrt(2 / sp.pi)) == 0 and absolute["second_moment"] == 1


def test_elu_closed_form_in_alpha() -> None:
    """E[ELU_a(Z)] = 1/sqrt(2 pi) + a (e^{1/2} Phi(-1) - 1/2) (Gaussian shift of e^Z)."""
    r = symnn.derive(ID, activation="elu").result
    a = sp.Symbol("alpha", real=True)
    shift = sp.exp(sp.Rational(1, 2)) * gi.normal_cdf(-1)
    expected = 1 / sp.sqrt(2 * sp.pi) + a * (shift - sp.Rational(1, 2))
    assert sp.expand(sp.expand_func(r["mean"] - expected)) == 0
    assert r["closed_form"] is sp.true


@pytest.mark.parametrize(("name", "mean"), [("tanh", 0), ("sigmoid", sp.Rational(1, 2))])
def test_odd_activations_have_exact_means(name: str, mean: sp.Expr) -> None:
    d = symnn.derive(ID, activation=name, sigma="s")
    assert d.result["mean"] == mean
    assert any("odd" in step.rule for step in d.steps)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "silu"])
def test_numeric_cases_say_so(name: str) -> None:
    d = symnn.derive(ID, activation=name)
    assert d.result["closed_form"] is sp.false
    assert 0 < float(d.result["error_bound"]) < 1e-25
    assert isinstance(d.result["second_moment"], sp.Float)
    assert "not exact" in d.latex() and "numeric" in d.latex()


def test_symbolic_parameters_without_closed_form_keep_the_integral() -> None:
    r = symnn.derive(ID, activation="softplus", mu="mu").result
    assert r["mean"].has(sp.Integral) and r["closed_form"] is sp.false


@settings(max_examples=4, deadline=None)
@given(st.sampled_from(["leaky_relu", "elu", "hardtanh", "relu"]),
       st.fractions(-2, 2, max_denominator=8), st.fractions("1/4", 3, max_denominator=8),
       st.fractions("1/20", 1, max_denominator=20))
def test_closed_forms_property(name: str, mu: object, sigma: object, alpha: object) -> None:
    """Over mu, sigma, alpha: the closed forms agree with independent quadrature to 1e-12."""
    params = {"mu": str(mu), "sigma": str(sigma)}
    if name in ("leaky_relu", "elu"):
        params["alpha"] = str(alpha)
    r = symnn.derive(ID, activation=name, **params).result
    first, second = quadrature(name, float(alpha), float(mu), float(sigma))
    assert r["closed_form"] is sp.true
    assert abs(_number(r["mean"]) - float(first)) < 1e-12
    assert abs(_number(r["second_moment"]) - float(second)) < 1e-12


def test_check_passes_with_monte_carlo_through_the_simulator() -> None:
    report = symnn.derive(ID, activation="elu", alpha="1/2", mu=-1, sigma=2).check()
    assert report.ok, report.failures()
    assert any("Monte Carlo" in note for note in report.notes)


def test_a_wrong_value_at_plus_infinity_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """F_k(+oo) is certified against the N(0, 1) moments, not only F_k(-oo)."""
    limits = gi.polynomial_limits()
    wrong = ((limits[0][0], sp.Integer(2)), *limits[1:])
    monkeypatch.setattr(gi, "polynomial_limits", lambda: wrong)
    activation_gaussian_moments.cache_clear()  # derive anew, not the copy kept from an earlier test
    with pytest.raises(CertificationError):
        symnn.derive(ID, activation="relu")
    with pytest.raises(CertificationError):
        symnn.derive("leaky-relu-gaussian-moments")


@pytest.mark.parametrize(("params", "name"), [
    ({"activation": "swish2"}, "activation"), ({"activation": "softmax"}, "activation"),
    ({"sigma": 0}, "sigma"), ({"sigma": -1}, "sigma"), ({"sigma": float("nan")}, "sigma"),
    ({"activation": "leaky_relu", "alpha": 1.5}, "alpha"), ({"activation": "elu", "alpha": 0}, "alpha"),
    ({"activation": "tanh", "alpha": "1/2"}, "alpha"), ({"mu": math.inf}, "mu"),
])
def test_bad_parameters_are_refused(params: dict, name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        symnn.derive(ID, **params)


@pytest.mark.parametrize("param", ["activation=softmax", "activation=__import__('os')", "sigma=0",
                                   "alpha=2"])
def test_cli_refuses_with_one_line(capsys: pytest.CaptureFixture[str], param: str) -> None:
    argv = ["derive", ID, "--param", param] + (["--param", "activation=leaky_relu"] if param == "alpha=2"
                                               else [])
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("symnn: error:") and err.count("\n") == 1


@settings(max_examples=3, deadline=None)
@given(st.sampled_from(["tanh", "softplus", "silu"]), st.fractions(-2, 2, max_denominator=4),
       st.fractions("1/2", 2, max_denominator=4))
def test_numeric_values_property(name: str, mu: object, sigma: object) -> None:
    """Over mu, sigma: the 30-digit values agree with independent quadrature to 1e-20 within their bound."""
    r = symnn.derive(ID, activation=name, mu=str(mu), sigma=str(sigma)).result
    with mpmath.workdps(25):  # the parameters exactly, not as binary floats (2/3 is not a float)
        exact_mu, exact_sigma = (mpmath.mpf(v.numerator) / v.denominator for v in (mu, sigma))
        first, second = quadrature(name, 0, exact_mu, exact_sigma)
    assert r["closed_form"] is sp.false and float(r["error_bound"]) < 1e-25
    with mpmath.workdps(25):
        assert abs(mpmath.mpf(str(r["second_moment"])) - second) < 1e-20
        assert abs(mpmath.mpf(str(r["mean"])) - first) < 1e-20


def test_the_reflection_refuses_an_activation_that_is_not_odd() -> None:
    """softplus - log 2 is not odd: the even part of softplus(z) phi(z) is not log(2) phi(z)."""
    from symnn.activation_analysis.moments import PHI, Z, reflection_route
    from symnn.core.certify import certify

    softplus = sp.Integral(sp.log(1 + sp.exp(Z)) * PHI, (Z, -sp.oo, sp.oo))
    with pytest.raises(CertificationError):
        certify(softplus, sp.log(2), reflection_route("exp-cancel"))
    tanh = sp.Integral(sp.tanh(3 * Z) * PHI, (Z, -sp.oo, sp.oo))
    certify(tanh, sp.Integer(0), reflection_route("exp-cancel"))


def test_the_remembered_route_refuses_a_wrong_antiderivative_every_time() -> None:
    """DOIT_CANCEL remembers the route's answer per difference: a wrong step stays refused."""
    from symnn.activation_analysis.moments import DOIT_CANCEL
    from symnn.core.certify import certify

    right, wrong = gi.ANTIDERIVATIVES[2], gi.ANTIDERIVATIVES[1]
    assert certify(sp.Derivative(right, gi.Z), gi.Z**2 * gi.PHI, DOIT_CANCEL).route == "doit-cancel"
    for _ in range(2):
        with pytest.raises(CertificationError):
            certify(sp.Derivative(wrong, gi.Z), gi.Z**2 * gi.PHI, DOIT_CANCEL)


@pytest.mark.parametrize("s", [sp.Integer(1), sp.Integer(2), sp.Rational(-1, 3)])
def test_the_exponential_antiderivatives_are_decided_with_their_exponents_expanded(s: sp.Expr) -> None:
    """(e^{s^2/2} Phi(z - s))' = e^{sz} phi: doit leaves e^{-(z - s)^2/2}, expanded before the zero
    test; the antiderivative of another s is refused."""
    from symnn.activation_analysis.moments import DOIT_CANCEL
    from symnn.core.certify import certify

    F = gi.antiderivative("exp", s)
    assert certify(sp.Derivative(F, gi.Z), gi.integrand("exp", s), DOIT_CANCEL).route == "doit-cancel"
    with pytest.raises(CertificationError):
        certify(sp.Derivative(F, gi.Z), gi.integrand("exp", s + 1), DOIT_CANCEL)


# ------------------------------------------------------------- Monte Carlo where draws are rare
@pytest.mark.parametrize(("id_", "params"), [
    (ID, {"activation": "gelu", "mu": "-41/5"}), (ID, {"activation": "relu", "mu": -5}),
    ("leaky-relu-gaussian-moments", {"alpha": 0, "mu": -5}), ("leaky-relu-gaussian-moments", {"mu": -6}),
])
def test_monte_carlo_of_rare_draws_is_judged_by_the_distributions_spread(id_: str, params: dict) -> None:
    """At mu = -41/5 the GELU moments come from draws rarer than 1 in 10^6 (relu at -5: P(G > 0) = 3e-7):
    the sample's own standard error is ~0 there, the quadrature's fourth moment gives the true one."""
    report = symnn.derive(id_, **params).check()
    assert report.ok, report.failures()
    assert any("cannot resolve" in note for note in report.notes)


def test_monte_carlo_still_refuses_a_wrong_variance_it_can_resolve() -> None:
    # N(0, 1): 5 standard errors of the variance are about 0.004; a variance off by 0.02 must fail
    from symnn.activation_analysis.table import TABLE
    from symnn.derivations.activation_moments import check_moments

    result = dict(symnn.derive(ID, activation="tanh").result)
    result["variance"] = result["variance"] + sp.Rational(1, 50)
    report = check_moments(TABLE["tanh"], sp.Integer(0), sp.Integer(0), sp.Integer(1), result)
    assert "Monte Carlo variance within 5 standard errors, alpha=0, mu=0, sigma=1" in report.failures()

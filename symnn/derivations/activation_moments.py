"""Mean, second moment and variance of any activation of a Gaussian (``activation-gaussian-moments``).

A thin use of :mod:`symnn.activation_analysis.moments`: closed forms where the pieces of
``f`` have certified antiderivatives against the normal density (identity, ReLU, leaky
ReLU, |x|, hardtanh, ELU; the mean of GELU for any ``mu``, ``sigma``, through the derived lemma
``E[erf(c + kZ)] = erf(c / sqrt(1 + 2k^2))``; the second moment of GELU at ``N(0, sigma^2)``,
through the lemmas of :mod:`symnn.activation_analysis.erf_square`),
``f(0)`` for the mean when
``f - f(0)`` is odd and ``mu = 0`` (tanh, sigmoid, hardtanh), and otherwise a 30-digit
mpmath value with its error bound and ``closed_form = False``.

.. math:: \\mathbb{E}[\\operatorname{GELU}(Z)] = \\frac{1}{2\\sqrt\\pi},\\qquad
          \\mathbb{E}[\\operatorname{GELU}(Z)^2] = \\frac13 + \\frac{1}{2\\pi\\sqrt3},\\qquad
          \\mathbb{E}[\\tanh(Z)] = 0

>>> import symnn
>>> r = symnn.derive("activation-gaussian-moments", activation="gelu").result
>>> r["mean"], r["second_moment"], r["closed_form"]
(1/(2*sqrt(pi)), sqrt(3)/(6*pi) + 1/3, True)
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from symnn.activation_analysis.kinds import ALPHA, MU, SIGMA, activation_parameter
from symnn.activation_analysis.memo import derived_once
from symnn.activation_analysis.moments import gaussian_moments
from symnn.activation_analysis.numeric import as_mpf, monte_carlo
from symnn.activation_analysis.quadrature import gaussian_expectation
from symnn.activation_analysis.table import TABLE, Activation, x
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.registry import register

KEYS = ("mean", "second_moment", "variance")
#: the check's comparison with the float64 quadrature, relative to max(1, |value|)
TOLERANCE = 1e-12
#: the largest error estimate of that quadrature accepted, relative to max(1, |value|)
ESTIMATE = 1e-13
#: the Monte Carlo sample size
SAMPLES = 1_000_000


@register("activation-gaussian-moments", title="Moments of an activation of a Gaussian",
          sheets=[("activations", "Moments")], parameters=[activation_parameter("gelu"), ALPHA, MU, SIGMA])
@derived_once  # the table asks for the same moments: made once per process, copies handed out
def activation_gaussian_moments(activation: str, alpha: sp.Expr | None, mu: sp.Expr,
                                sigma: sp.Expr) -> Derivation:
    """E[f(G)], E[f(G)^2], Var f(G) for G ~ N(mu, sigma^2), exact where possible."""
    rule = TABLE[activation]
    a = rule.resolve_alpha(alpha)
    if isinstance(sigma, sp.Symbol):
        sigma = sp.Symbol(sigma.name, positive=True)
    statement = (rf"$\mathbb{{E}}[Y]$, $\mathbb{{E}}[Y^2]$ and $\operatorname{{Var}}[Y]$ for "
                 rf"$Y = {rule.tex}(G)$, $G \sim N({sp.latex(mu)}, {sp.latex(sigma**2)})$")
    parameters = {"activation": sp.Symbol(activation), "mu": mu, "sigma": sigma}
    if rule.alpha:
        parameters["alpha"] = a
    b = DerivationBuilder("activation-gaussian-moments", f"Moments of {activation} of a Gaussian",
                          statement, parameters)
    b.assume(rf"$G = {sp.latex(mu + sigma * sp.Symbol('Z'))}$ with $Z \sim N(0, 1)$"
             + (r"; $\sigma > 0$" if sigma.free_symbols else "")
             + (rf"; $\alpha \in$ {rule.alpha.describe()[12:]}" if rule.alpha else ""))
    b.convention(rf"${rule.tex}(x) = {sp.latex(rule.expression(a))}$")
    moments = gaussian_moments(b, rule, alpha, mu, sigma)
    result: dict[str, Any] = {"mean": moments.mean, "second_moment": moments.second_moment,
                              "variance": moments.variance,
                              "closed_form": sp.true if moments.closed_form else sp.false}
    if moments.bounds:
        result["error_bound"] = sp.Float(max(moments.bounds.values()), 3)
    if not moments.closed_form:
        exact = [k for k in KEYS if moments.closed[k]]
        b.note("Closed form: " + (", ".join(k.replace("_", " ") for k in exact) or "none")
               + "; the other results are numeric or left as integrals, not exact.")
    return b.build(result, checker=lambda found: check_moments(rule, a, mu, sigma, found))


def _samples(a: sp.Expr, mu: sp.Expr, sigma: sp.Expr, rule: Activation) -> list[dict[str, sp.Expr]]:
    """Parameter values for the check: the given numbers, or a few values for symbols."""
    alphas = [a] if not a.free_symbols else [rule.alpha.typical, rule.alpha.upper]
    mus = [mu] if not mu.free_symbols else [sp.Integer(0), sp.Rational(3, 2)]
    sigmas = [sigma] if not sigma.free_symbols else [sp.Integer(1), sp.Rational(1, 2)]
    return [{"alpha": al, "mu": m, "sigma": s} for al in alphas for m, s in zip(mus, sigmas)]


def _value(expr: sp.Expr, values: dict[sp.Symbol, sp.Expr]) -> mpmath.mpf:
    """A derived result at numbers; an integral left symbolic is integrated by mpmath."""
    expr = expr.subs(values)
    if expr.has(sp.Integral):
        return expr.replace(lambda e: isinstance(e, sp.Integral), lambda e: sp.Float(
            str(mpmath.quad(sp.lambdify(e.limits[0][0], e.function, "mpmath"), [-mpmath.inf, 0, mpmath.inf])),
            30)).evalf(35)
    return as_mpf(sp.N(expr, 40))


def check_moments(rule: Activation, a: sp.Expr, mu: sp.Expr, sigma: sp.Expr,
                  result: dict[str, Any]) -> CheckReport:
    """Float64 adaptive Gauss-Legendre quadrature in x (to 1e-12); Monte Carlo, 10^6 samples, 5 standard
    errors taken from the quadrature's moments (:func:`standard_errors`)."""
    check = CrossCheck("float64 adaptive Gauss-Legendre quadrature of (f(x) - c)^p N(x; mu, sigma^2) on "
                       "|x - mu| <= 14 sigma, split at the kinks (10- and 20-point rules agreeing to "
                       "1e-14; the variance as E[(f - mean)^2]), compared to 1e-12; Monte Carlo with "
                       "10^6 samples of the simulator's function (derived value inside 5 standard errors, "
                       "sqrt(Var / N) and sqrt((mu_4 - Var^2) / N) with Var and mu_4 by the quadrature: "
                       "the sample's own fourth moment misses rare draws)", TOLERANCE)
    symbols = {s.name: s for k in KEYS for s in as_sympy(result[k]).free_symbols}
    numeric = [k for k in KEYS if as_sympy(result[k]).has(sp.Float, sp.Integral)]
    check.require(f"closed_form is {not numeric}: numeric or integral results: {numeric or 'none'}",
                  bool(result["closed_form"]) == (not numeric))
    worst = 0.0
    for sample in _samples(a, mu, sigma, rule):
        values = {symbols[n]: v for n, v in (("alpha", sample["alpha"]), ("mu", sample["mu"]),
                                             ("sigma", sample["sigma"]), ("s", sample["sigma"]))
                  if n in symbols}
        label = ", ".join(f"{k}={v}" for k, v in sample.items())
        exact, estimate = quadrature_moments(rule, sample["alpha"], sample["mu"], sample["sigma"])
        check.require(f"quadrature error estimate {estimate:.2g} below {ESTIMATE:g} (relative), {label}",
                      estimate <= ESTIMATE)
        for key in KEYS:
            error = abs(float(_value(result[key], values)) - exact[key]) / max(1.0, abs(exact[key]))
            check.compare(f"{key} against quadrature, {label}", error, 0.0)
            worst = max(worst, error)
        estimate = monte_carlo(rule, sample["alpha"], float(sample["mu"]), float(sample["sigma"]),
                               samples=SAMPLES)
        spread = standard_errors(rule, sample["alpha"], sample["mu"], sample["sigma"], exact)
        derived = {key: float(_value(result[key], values)) for key in ("mean", "variance")}
        compare_monte_carlo(check, label, derived, exact, estimate, spread, 1e-12)
    if "error_bound" in result:
        bound = float(result["error_bound"])
        check.require(f"error bound {bound:.3g} is below 1e-20 and consistent with the quadrature "
                      f"difference {worst:.3g} (relative to max(1, |value|); the quadrature is good "
                      f"to {TOLERANCE:g})",
                      worst <= bound + TOLERANCE and bound <= 1e-20)
    return check.report()


def compare_monte_carlo(check: CrossCheck, label: str, derived: dict[str, float], exact: dict[str, float],
                        estimate: dict[str, tuple[float, float]], spread: dict[str, float],
                        slack: float) -> None:
    """Require each derived mean and variance within 5 standard errors (``spread``, see
    :func:`standard_errors`, plus ``slack``) of the Monte Carlo ``estimate``; note where those
    exceed the ``exact`` value itself, so that Monte Carlo cannot resolve it."""
    for key in ("mean", "variance"):
        value, own = estimate[key]
        error = spread[key]
        check.note(f"Monte Carlo {key}, {label}: {value:.6g} +- {5 * error:.2g} (5 standard errors; "
                   f"one is {error:.2g} from the quadrature's moments, {own:.2g} from the sample's)")
        if 5 * error >= abs(exact[key]) > 0:
            check.note(f"Monte Carlo {key}, {label}: 5 standard errors ({5 * error:.2g}) exceed the "
                       f"value ({exact[key]:.3g}): at {SAMPLES:.0e} samples the value comes from rare "
                       "draws and Monte Carlo cannot resolve it; the quadrature comparison decides")
        check.require(f"Monte Carlo {key} within 5 standard errors, {label}",
                      abs(derived[key] - value) <= 5 * error + slack)


def standard_errors(rule: Activation, a: sp.Expr, mu: sp.Expr, sigma: sp.Expr, moments: dict[str, float],
                    samples: int = SAMPLES) -> dict[str, float]:
    """The standard errors of the Monte Carlo mean and variance of ``f(G)`` over ``samples`` draws.

    .. math:: \\sqrt{\\operatorname{Var}/N}, \\qquad \\sqrt{(\\mu_4 - \\operatorname{Var}^2)/N},

    with ``Var`` (from ``moments``, the quadrature's) and the fourth central moment ``mu_4`` by
    the same float64 quadrature: the distribution's own spread, not the sample's, which
    underestimates it when the moments come from draws rarer than ``1 / N``.

    >>> from symnn.activation_analysis.table import TABLE
    >>> found, _ = quadrature_moments(TABLE["relu"], sp.Integer(0), sp.Integer(-5), sp.Integer(1))
    >>> errors = standard_errors(TABLE["relu"], sp.Integer(0), sp.Integer(-5), sp.Integer(1), found)
    >>> bool(errors["mean"] > found["mean"] > 0)  # relu(N(-5, 1)) is positive with probability 3e-7
    True
    """
    f = rule.expression(a)
    kinks = tuple(p.upper for p in rule.pieces(a)[:-1])
    fourth, _ = gaussian_expectation(f, mu, sigma, kinks, power=4, centre=moments["mean"])
    variance = max(moments["variance"], 0.0)
    return {"mean": (variance / samples) ** 0.5,
            "variance": (max(fourth - variance**2, 0.0) / samples) ** 0.5}


def quadrature_moments(rule: Activation, a: sp.Expr, mu: sp.Expr,
                       sigma: sp.Expr) -> tuple[dict[str, float], float]:
    """Mean, second moment and variance (as ``E[(f - mean)^2]``) of ``f(G)`` by float64 quadrature,
    and the largest error estimate relative to ``max(1, |value|)``."""
    f = rule.expression(a)
    kinks = tuple(p.upper for p in rule.pieces(a)[:-1])
    mean, e1 = gaussian_expectation(f, mu, sigma, kinks)
    second, e2 = gaussian_expectation(f, mu, sigma, kinks, power=2)
    variance, e3 = gaussian_expectation(f, mu, sigma, kinks, power=2, centre=mean)
    found = {"mean": mean, "second_moment": second, "variance": variance}
    return found, max(e / max(1.0, abs(v)) for e, v in ((e1, mean), (e2, second), (e3, variance)))


__all__ = ["SAMPLES", "TOLERANCE", "activation_gaussian_moments", "check_moments", "compare_monte_carlo",
           "quadrature_moments", "standard_errors", "x"]

"""Mean and variance of a leaky ReLU of a Gaussian (nn-assignment-2, Problem 2).

For :math:`X = \\mu + \\sigma Z`, :math:`Z \\sim N(0, 1)`, the leaky ReLU
:math:`\\operatorname{ReLU}_\\alpha(x) = x` for :math:`x \\ge 0` and :math:`\\alpha x` for
:math:`x < 0` is linear on each side of :math:`c = -\\mu/\\sigma`. The two branches are
integrated against the standard normal density :math:`\\varphi` with certified
antiderivatives of :math:`z^k \\varphi(z)` (no call to ``integrate``):

.. math::

    (\\Phi)' = \\varphi,\\quad (-\\varphi)' = z\\varphi,\\quad (\\Phi - z\\varphi)' = z^2\\varphi,
    \\qquad
    \\mathbb{E}[\\operatorname{ReLU}_\\alpha(G)] = \\frac{1 - \\alpha}{\\sqrt{2\\pi}},\\quad
    \\operatorname{Var} = \\frac{1 + \\alpha^2}{2} - \\frac{(1 - \\alpha)^2}{2\\pi}.

>>> import symnn
>>> d = symnn.derive("leaky-relu-gaussian-moments", alpha=0)
>>> d.result["mean"], d.result["variance"]
(sqrt(2)/(2*sqrt(pi)), 1/2 - 1/(2*pi))
"""

from __future__ import annotations

import sympy as sp
from flint import ctx

from symnn.activation_analysis import gaussian_integrals as gi
from symnn.activation_analysis.moments import gaussian_moments
from symnn.activation_analysis.numeric import monte_carlo
from symnn.activation_analysis.table import TABLE
from symnn.core.ball import ball, bits, integral
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.params import Number, Parameter
from symnn.core.registry import register
from symnn.derivations.activation_moments import SAMPLES, compare_monte_carlo, standard_errors

Z = gi.Z
#: the check's quadrature digits (five beyond its tolerance; Arb works with guard bits beyond
#: them) and that tolerance
DIGITS, TOLERANCE = 25, 1e-20


@register(
    "leaky-relu-gaussian-moments",
    title="Mean and variance of a leaky ReLU of a Gaussian",
    sheets=[("nn-assignment-2", "P2")],
    parameters=[
        Parameter("alpha", Number(0, 1, symbolic=True), None,
                  "the leaky slope in [0, 1]; absent for a symbolic alpha"),
        Parameter("mu", Number(symbolic=True, max_abs=10), sp.Integer(0), "the mean of G"),
        Parameter("sigma", Number(sp.Rational(1, 4), 100, symbolic=True), sp.Integer(1),
                  "the standard deviation of G (> 0)"),
    ],
)
def leaky_relu_gaussian_moments(alpha: sp.Expr | None, mu: sp.Expr, sigma: sp.Expr) -> Derivation:
    """E and Var of ReLU_alpha(G), G ~ N(mu, sigma^2), from two branch integrals each."""
    alpha = sp.Symbol("alpha", real=True) if alpha is None else alpha
    if isinstance(sigma, sp.Symbol):
        sigma = sp.Symbol(sigma.name, positive=True)
    standard = mu == 0 and sigma == 1
    c = sp.cancel(-mu / sigma)
    X = mu + sigma * Z
    statement = (rf"$\mathbb{{E}}[Y]$ and $\operatorname{{Var}}[Y]$ for "
                 rf"$Y = \operatorname{{ReLU}}_\alpha(G)$, $G \sim N({sp.latex(mu)}, "
                 rf"{sp.latex(sigma**2)})$")
    b = DerivationBuilder("leaky-relu-gaussian-moments",
                          "Mean and variance of a leaky ReLU of a Gaussian", statement,
                          {"alpha": alpha, "mu": mu, "sigma": sigma})
    b.assume(rf"$G = {sp.latex(X.subs(Z, sp.Symbol('Z')))}$ with $Z \sim N(0, 1)$; "
             r"$0 \le \alpha \le 1$" + ("" if standard else r"; $\sigma > 0$"))
    b.convention(r"$\operatorname{ReLU}_\alpha(x) = x$ for $x \ge 0$, $\alpha x$ for $x < 0$")
    moments = gaussian_moments(
        b, TABLE["leaky_relu"], alpha, mu, sigma, hold=True,
        split_reason=lambda power, c: rf"$\operatorname{{ReLU}}_\alpha(X)^{power} = X^{power}$ on "
                                      rf"$z \ge {sp.latex(c)}$ and $\alpha^{power} X^{power}$ below")
    mean, second, variance = moments.mean, moments.second_moment, moments.variance
    if not standard:
        _reduce_to_standard(b, mean, variance, alpha, mu, sigma)
    result = {"mean": mean, "variance": variance, "second_moment": second}
    if standard:
        display = _student_form(mean, second)
    else:
        where = rf",\quad c = {sp.latex(c)}"
        held = moments.held_forms
        spread = held["second_moment"] - held["mean"] ** 2
        display = {"mean": sp.latex(held["mean"]) + where, "variance": sp.latex(spread) + where,
                   "second_moment": sp.latex(held["second_moment"]) + where}
    return b.build(result, checker=lambda found: _check(found, alpha, mu, sigma), display=display)


def _reduce_to_standard(b: DerivationBuilder, mean: sp.Expr, variance: sp.Expr, alpha: sp.Expr,
                        mu: sp.Expr, sigma: sp.Expr) -> None:
    """At mu = 0, sigma = 1 (when they are symbols) the N(0, 1) moments come back."""
    free = {s: v for s, v in ((mu, 0), (sigma, 1)) if isinstance(s, sp.Symbol)}
    if len(free) < 2:
        return
    standard = leaky_relu_gaussian_moments(alpha, sp.Integer(0), sp.Integer(1)).result
    for name, expr in (("mean", mean), ("variance", variance)):
        b.step(f"{name} at mu = 0, sigma = 1", expr.subs(free), standard[name], route="exp-cancel",
               reason=r"the $N(0, 1)$ case derived directly")


def _student_form(mean: sp.Expr, second: sp.Expr) -> dict[str, str]:
    """(1 - alpha)/sqrt(2 pi) and (1 + alpha^2)/2 - (1 - alpha)^2/(2 pi), held as written."""
    numerator = sp.factor(sp.cancel(mean * sp.sqrt(2 * sp.pi)))
    mean_tex = "0" if numerator == 0 else rf"\frac{{{sp.latex(numerator)}}}{{\sqrt{{2\pi}}}}"
    square = sp.factor(numerator**2)
    variance_tex = sp.latex(sp.factor(second))
    if square != 0:
        variance_tex += rf" - \frac{{{sp.latex(square)}}}{{2\pi}}"
    return {"mean": mean_tex, "variance": variance_tex}


def _check(result: dict[str, sp.Expr], alpha: sp.Expr, mu: sp.Expr, sigma: sp.Expr) -> CheckReport:
    """Arb ball quadrature at 25 digits (to 1e-20); Monte Carlo, 10^6 samples, within 5 standard errors
    of the distribution (:func:`~symnn.derivations.activation_moments.standard_errors`)."""
    check = CrossCheck(f"Arb ball quadrature (proved error bound) of the two branches at {DIGITS} digits on "
                       "[-20 - |c|, 20 + |c|], the derived values evaluated in ball arithmetic; Monte Carlo "
                       "with 10^6 samples of the simulator's leaky_relu (derived value inside 5 standard "
                       "errors, from the variance and the fourth central moment by float64 quadrature)",
                       TOLERANCE)
    alphas = [sp.Integer(0), sp.Rational(1, 2), sp.Integer(1)] if alpha.free_symbols else [alpha]
    if mu.free_symbols or sigma.free_symbols:
        samples = ((sp.Integer(0), sp.Integer(1)), (sp.Rational(3, 2), sp.Rational(1, 2)))
        pairs = [(mu if not mu.free_symbols else m, sigma if not sigma.free_symbols else s)
                 for m, s in samples]
    else:
        pairs = [(mu, sigma)]
    t = sp.Symbol("t", real=True)
    density = sp.exp(-(t**2) / 2) / sp.sqrt(2 * sp.pi)
    for m, s in pairs:
        cut = -m / s
        # |t| > 20 holds less than 1e-85 of any of these integrands: finite ranges suffice
        edge = abs(cut) + 20
        with ctx.workprec(bits(DIGITS)):
            upper = {k: integral((m + s * t) ** k * density, t, cut, edge, DIGITS) for k in (1, 2)}
            lower = {k: integral((m + s * t) ** k * density, t, -edge, cut, DIGITS) for k in (1, 2)}
        for a in alphas:
            values = {alpha: a, mu: m, sigma: s}
            label = f"alpha={a}, mu={m}, sigma={s}"
            with ctx.workprec(bits(DIGITS)):
                derived = {k: ball(result[k].subs(values)) for k in ("mean", "variance", "second_moment")}
                first = upper[1] + ball(a) * lower[1]
                second = upper[2] + ball(a) ** 2 * lower[2]
                exact = {"mean": first, "variance": second - first**2, "second_moment": second}
                for key in exact:  # a ball holding |derived - quadrature|: its upper end
                    error = float(abs(derived[key] - exact[key]).upper())
                    check.compare(f"{key} against quadrature, {label}",
                                  error / max(1.0, abs(float(exact[key].mid()))), 0.0)
            estimate = monte_carlo(TABLE["leaky_relu"], a, float(m), float(s), samples=SAMPLES)
            moments = {key: float(exact[key].mid()) for key in ("mean", "variance")}
            spread = standard_errors(TABLE["leaky_relu"], a, m, s, moments)
            compare_monte_carlo(check, label, {key: float(derived[key].mid()) for key in moments}, moments,
                                estimate, spread, 1e-15)
    return check.report()

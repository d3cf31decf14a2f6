"""Variance-preserving initialisation for an activation (``initialization-variance``).

A thin use of :mod:`symnn.activation_analysis.initialization` and of the moment engine:
``Var z' = n v E[f(z)^2]`` by the sum over ``E[w_j w_k] = v delta_jk``; then, for a
positively homogeneous ``f``, ``E[f(z)^2]`` in closed form and the exact answer
(``2/n`` for ReLU, He); for any other ``f`` the linearised answer ``1/(n f'(0)^2)``,
stated as an approximation, beside the mean-field value ``1/(n E[f(Z)^2])`` at ``q = 1``.

.. math:: v = \\frac{2}{(1 + \\alpha^2)\\, n},\\qquad \\text{gain} = \\sqrt{n v}

>>> import symnn
>>> r = symnn.derive("initialization-variance", activation="relu").result
>>> r["weight_variance"], r["gain"], r["exact"]
(2/n, sqrt(2), True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from symnn.activation_analysis.functions import sigma
from symnn.activation_analysis.initialization import COLLAPSE, INPUTS, double_sum, n, q, simulate_scales, v
from symnn.activation_analysis.kinds import ALPHA, activation_parameter
from symnn.activation_analysis.memo import derived_once
from symnn.activation_analysis.moments import gaussian_moments
from symnn.activation_analysis.numeric import expectation
from symnn.activation_analysis.quadrature import gaussian_expectation
from symnn.activation_analysis.table import TABLE, Activation, x
from symnn.core.certify import ROUTES, Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.registry import register

SECOND = sp.Symbol(r"\mathbb{E}[f(z)^2]", positive=True)
AT_ZERO = Route("rewrite(exp), doit, exp-cancel", lambda d: ROUTES["exp-cancel"](d.rewrite(sp.exp).doit()))
#: the band the pre-activation variance ratio must stay in over 30 layers at the derived v
BAND = (0.25, 4.0)
#: inputs of the runs judged by a threshold only (2v, v/2, the linearised v): the first rows
THRESHOLD_INPUTS = 100


def stability_slope(rule: Activation, a: sp.Expr) -> float:
    """``kappa = E[Z f(Z) f'(Z)] / E[f(Z)^2]``: the slope at ``q = 1`` of the mean-field map
    ``q -> E[f(sqrt(q) Z)^2] / E[f(Z)^2]`` (float64 Gauss-Legendre quadrature, split at the kinks:
    :mod:`symnn.activation_analysis.quadrature`).

    ``q = 1`` is a fixed point of that map at the mean-field ``v``; it is stable when
    ``kappa < 1``. Where it is unstable a departure ``delta`` grows like ``delta kappa^l``.

    >>> round(stability_slope(TABLE["tanh"], sp.Integer(0)), 6), round(stability_slope(TABLE["silu"], 0), 6)
    (0.461071, 1.172594)
    """
    f = rule.expression(a).replace(sigma, lambda t: 1 / (1 + sp.exp(-t)))
    kinks = tuple(p.upper for p in rule.pieces(a)[:-1])
    # a ratio compared with 1 and used for a depth: double precision is ample
    moment, _ = gaussian_expectation(x * f * sp.diff(f, x), 0, 1, kinks)
    second, _ = gaussian_expectation(f, 0, 1, kinks, power=2)
    return moment / second


def stable_depth(kappa: float, width: int, depth: int) -> int:
    """Layers over which the band holds at the mean-field v: all ``depth`` when ``kappa < 1``;
    otherwise while ``delta_0 kappa^l <= log 4``, ``delta_0 = 2 sqrt(2/width)`` (two standard
    deviations of the relative error of a variance estimated from ``width`` units).

    >>> stable_depth(0.5, 256, 30), stable_depth(1.172594, 256, 30)
    (30, 12)
    """
    if kappa < 1:
        return depth
    start = 2 * math.sqrt(2 / width)
    return min(depth, int(math.log(math.log(BAND[1]) / start) / math.log(kappa)))


@register("initialization-variance", title="Variance-preserving initialisation",
          sheets=[("activations", "Initialisation")], parameters=[activation_parameter("relu"), ALPHA])
@derived_once  # the table asks for the same: made once per process, copies handed out
def initialization_variance(activation: str, alpha: sp.Expr | None) -> Derivation:
    """Var z' = n v E[f(z)^2]; the variance-preserving v, exact or linearised."""
    rule = TABLE[activation]
    a = rule.resolve_alpha(alpha) if rule.homogeneous else rule.numeric_alpha(alpha)
    statement = (r"For $z' = \sum_{j=1}^n w_j f(z_j)$, $w_j$ iid, mean 0, variance $v$, "
                 rf"independent of $z_j \sim N(0, q)$, $f = {rule.tex}$: find $v$ with "
                 r"$\operatorname{Var} z' = q$")
    parameters: dict[str, Any] = {"activation": sp.Symbol(activation)}
    if rule.alpha:
        parameters["alpha"] = a
    b = DerivationBuilder("initialization-variance", f"Variance-preserving initialisation for "
                          f"{activation}", statement, parameters)
    b.assume(r"$w_1, \dots, w_n$ iid with $\mathbb{E} w_j = 0$, $\mathbb{E} w_j^2 = v$, independent "
             r"of the $z_j$; $z_j \sim N(0, q)$ iid, $q > 0$")
    b.step(r"variance of $z'$", double_sum(SECOND), n * v * SECOND, route=COLLAPSE,
           reason=r"$\mathbb{E} z' = 0$ and $\mathbb{E}[w_j w_k f(z_j) f(z_k)] = v\,\delta_{jk}\,"
                  r"\mathbb{E}[f(z)^2]$ by independence")
    if rule.homogeneous:
        moments = gaussian_moments(b, rule, alpha, sp.Integer(0), sp.sqrt(q))
        second = moments.second_moment
        weight = sp.factor(sp.cancel(q / (n * second)))
        b.step("variance preserved", n * v * second, q, given={v: weight}, route="cancel",
               reason=rf"$n v\, \mathbb{{E}}[f(z)^2] = q$ for $v = {sp.latex(weight)}$")
        exact = True
    else:
        slope = _slope_at_zero(b, rule, a)
        weight = 1 / (n * slope**2)
        b.step("variance preserved, linearised", n * v * slope**2 * q, q, given={v: weight},
               route="cancel", reason=rf"with $f(z) \approx f(0) + f'(0) z$ the fluctuation of "
                                      rf"$f(z)$ has variance $f'(0)^2 q$; $v = {sp.latex(weight)}$")
        b.note(r"This is an approximation: the linearisation keeps only $f'(0) z$. Exact "
               r"preservation needs $v = q / (n\,\mathbb{E}[f(z)^2])$, which depends on $q$.")
        exact = False
    gain = sp.sqrt(sp.cancel(n * weight))
    result: dict[str, Any] = {"weight_variance": weight, "gain": gain,
                              "exact": sp.true if exact else sp.false}
    if not exact:
        kinks = tuple(p.upper for p in rule.pieces(a)[:-1])
        value, bound = expectation(rule.expression(a), sp.Integer(0), sp.Integer(1), kinks, power=2)
        result["mean_field_weight_variance"] = 1 / (n * value)
        b.note(rf"At $q = 1$: $\mathbb{{E}}[f(Z)^2] = {sp.latex(value)}$ (numeric, proved error "
               rf"bound ${sp.latex(sp.Float(bound, 2))}$), so the exact $v$ there is "
               rf"${sp.latex(1 / (n * value))}$.")
        kappa = stability_slope(rule, a)
        b.note(r"At that $v$, $q = 1$ is a fixed point of the layer map $q \mapsto "
               r"\mathbb{E}[f(\sqrt q Z)^2] / \mathbb{E}[f(Z)^2]$, whose slope there is "
               rf"$\kappa = \mathbb{{E}}[Z f(Z) f'(Z)] / \mathbb{{E}}[f(Z)^2] \approx {kappa:.4f}$ "
               "(numeric): " + ("a stable fixed point." if kappa < 1 else
                                r"an unstable one, so in a finite-width network the variance "
                                r"drifts away from $q$ after some layers (a departure grows like "
                                r"$\kappa^l$)."))
    return b.build(result, checker=lambda found: _check(rule, a, found))


def _slope_at_zero(b: DerivationBuilder, rule: Activation, a: sp.Expr) -> sp.Expr:
    """f'(0) from the piece that holds 0, certified by differentiating."""
    holder = next(p for p in rule.pieces(a) if p.upper > 0 or (p.closed and p.upper == 0))
    if holder.upper == 0:
        b.note(r"$f$ has a kink at 0: $f'(0)$ is the slope of the piece that holds 0 (the left "
               r"one), by the table's convention; the linearisation there is one-sided.")
    f = holder.coefficient * holder.shape
    slope = sp.simplify(sp.diff(f.rewrite(sp.exp), x).subs(x, 0))
    return b.step("$f'(0)$", sp.Subs(sp.Derivative(f, x), x, 0), slope, route=AT_ZERO,
                  reason="differentiate and evaluate at 0")


def ratios_for(rule: Activation, a: sp.Expr, weight: sp.Expr, factor: float, inputs: int = INPUTS,
               width: int = 256) -> np.ndarray:
    """Pre-activation variance ratios over the layers at ``factor`` times the derived variance."""
    (ratios,) = ratios_at(rule, a, [(weight, factor, inputs)], width)
    return ratios


def ratios_at(rule: Activation, a: sp.Expr, runs: list[tuple[sp.Expr, float, int]],
              width: int = 256) -> list[np.ndarray]:
    """:func:`ratios_for` for each ``(weight, factor, inputs)``, all through the same random weights
    (:func:`~symnn.activation_analysis.initialization.simulate_scales`)."""
    scales = [(float(weight.subs(n, width)) * width * factor, inputs) for weight, factor, inputs in runs]
    return simulate_scales(rule, float(a), scales, width=width)


def judge_weight(check: CrossCheck, rule: Activation, a: sp.Expr, weight: sp.Expr, exact: bool,
                 label: str = "v", width: int = 256, tolerance: float = 1e-12) -> None:
    """Require ``n v E[f(Z)^2]`` (float64 quadrature; ``exact``) or ``n v f'(0)^2`` (the simulator's
    f'; linearised) to be within ``tolerance`` of 1 at ``n = width``."""
    scaled = float((n * weight).subs(n, width))
    if exact:
        kinks = tuple(p.upper for p in rule.pieces(a)[:-1])
        factor, _ = gaussian_expectation(rule.expression(a), 0, 1, kinks, power=2)
        what = "n v E[f(Z)^2]"
    else:
        factor = float(rule.simulate_prime(np.array([0.0]), a)[0]) ** 2
        what = "n v f'(0)^2 (the simulator's f')"
    value = scaled * factor
    check.require(f"{what} at {label}, n = {width}: {value:.15g}, within {tolerance:g} of 1",
                  abs(value - 1) <= tolerance)


def _check(rule: Activation, a: sp.Expr, result: dict[str, Any]) -> CheckReport:
    """1,000 Gaussian inputs through 30 Dense layers of width 256 (float32), at v; the first 100 of
    them through the same weights scaled, at 2v and v/2 (or the linearised v)."""
    check = CrossCheck(f"simulation: {INPUTS:,} Gaussian inputs through 30 random symnn.sim Dense layers "
                       f"of width 256; at the derived v the variance ratio stays in {BAND} (at the "
                       "mean-field v: over all 30 layers if q = 1 is a stable fixed point of "
                       "q -> E[f(sqrt(q) Z)^2]/E[f(Z)^2], slope kappa < 1; else over the layers "
                       "l with 2 sqrt(2/256) kappa^l <= log 4); at 2v and v/2 (homogeneous f) it "
                       f"passes 1e6 and 1e-6 (the first {THRESHOLD_INPUTS} inputs, through the same "
                       "weights scaled)", 0.0)
    at = {} if not a.free_symbols else {a: rule.alpha.typical}
    a = a.subs(at)
    exact = bool(result["exact"])
    points = np.random.default_rng(0).normal(size=200) * 3
    homogeneous = all(np.allclose(rule.simulate(c * points, a), c * rule.simulate(points, a),
                                  rtol=1e-12, atol=1e-12) for c in (0.5, 3.0))
    check.require(f"exact is {homogeneous}: the simulator's f is {'' if homogeneous else 'not '}"
                  "positively homogeneous (f(cx) = c f(x) at 200 points, c = 1/2, 3)",
                  exact == homogeneous)
    if exact != homogeneous:
        return check.report()
    width = 256
    gain_squared = float(as_sympy(result["gain"]).subs(at)) ** 2
    nv = float((n * result["weight_variance"]).subs(at).subs(n, width))
    check.require(f"gain^2 = {gain_squared:.15g} within 1e-12 of n v = {nv:.15g} at n = {width}",
                  abs(gain_squared - nv) <= 1e-12 * max(1.0, nv))
    judge_weight(check, rule, a, as_sympy(result["weight_variance"]).subs(at), exact)
    if not exact:
        # E[f(Z)^2] there is numeric (30 digits, proved bound); floats carry it here
        judge_weight(check, rule, a, result["mean_field_weight_variance"], True,
                     "mean-field v (numeric E[f(Z)^2], to 1e-12)", tolerance=1e-12)
    weight = as_sympy(result["weight_variance"] if exact else result["mean_field_weight_variance"]).subs(at)
    others = ([(weight, 2.0, THRESHOLD_INPUTS), (weight, 0.5, THRESHOLD_INPUTS)] if exact else
              [(as_sympy(result["weight_variance"]), 1.0, THRESHOLD_INPUTS)])
    ratios, *thresholds = ratios_at(rule, a, [(weight, 1.0, INPUTS), *others])
    label = "derived v" if exact else "mean-field v at q = 1"
    check.note(f"{label}: variance ratio after 1, 10, 30 layers: "
               f"{ratios[0]:.3g}, {ratios[9]:.3g}, {ratios[-1]:.3g}")
    layers = len(ratios)
    if not exact:
        kappa = stability_slope(rule, a)
        layers = stable_depth(kappa, 256, len(ratios))
        check.note(f"slope of the mean-field variance map at q = 1: kappa = {kappa:.6f} "
                   f"({'stable' if kappa < 1 else 'unstable'} fixed point); band required over "
                   f"{layers} layers")
    check.require(f"{label}: ratio stays in {BAND} over {layers} layers",
                  bool(np.all((ratios[:layers] >= BAND[0]) & (ratios[:layers] <= BAND[1]))))
    if exact:
        big, small = thresholds
        check.note(f"2v: ratio after 30 layers {big[-1]:.3g}; v/2: {small[-1]:.3g}")
        check.require("2v: the variance explodes (ratio > 1e6 after 30 layers)", big[-1] > 1e6)
        check.require("v/2: the variance vanishes (ratio < 1e-6 after 30 layers)", small[-1] < 1e-6)
    else:
        (linear,) = thresholds  # an approximation: reported, not held to the band
        times = float(as_sympy(result["weight_variance"]).subs(at) / weight)
        shown = f"{linear[-1]:.3g}" if np.isfinite(linear[-1]) else "beyond float32's range"
        check.note(f"linearised v ({times:.3g} times the mean-field v): ratio after 30 layers {shown} "
                   "(an approximation, not required to stay in the band)")
    return check.report()

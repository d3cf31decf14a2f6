"""Plots of the activation engines: f, f' and the law of f(G); variance over depth.

``activation_plot`` (``activation-gaussian-moments``): the activation and its derivative
(the simulator's functions, on a grid), and a histogram of ``f(G)`` for 200,000 draws of
``G ~ N(mu, sigma^2)`` with the derived mean marked (numeric parameters only; symbols are
drawn at mu = 0, sigma = 1, alpha at the table's typical value).

``initialization_plot`` (``initialization-variance``): the pre-activation variance ratio
``Var z_l / Var z_0`` over 30 ``symnn.sim`` Dense layers of width 256 (2,000 Gaussian
inputs, float32) at the derived weight variance (for a non-homogeneous ``f``: the
mean-field one at ``q = 1``), at twice and at half of it, on a log scale.

>>> import symnn
>>> figure = activation_plot(symnn.derive("activation-gaussian-moments", activation="relu"))
>>> len(figure.axes)
3
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from symnn.activation_analysis.initialization import n
from symnn.activation_analysis.table import TABLE
from symnn.core.derivation import Derivation
from symnn.core.exact import as_sympy
from symnn.figures.plots import panels, style
from symnn.sim.activations import identity

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

FACTORS = ((0.5, "v/2", "C0"), (1.0, "v", "C2"), (2.0, "2v", "C3"))


def _number(value: sp.Expr, fallback: float) -> float:
    return fallback if value is None or as_sympy(value).free_symbols else float(value)


def activation_plot(d: Derivation) -> Figure:
    """Three panels: f, f' (simulator) and a histogram of f(G) with the derived mean."""
    rule = TABLE[str(d.parameters["activation"])]
    alpha = _number(d.parameters.get("alpha"), float(rule.alpha.typical) if rule.alpha else 0.0)
    mu, sigma = _number(d.parameters["mu"], 0.0), _number(d.parameters["sigma"], 1.0)
    grid = np.linspace(-4, 4, 801)
    samples = rule.simulate(mu + sigma * np.random.default_rng(0).standard_normal(200_000), alpha)
    with style():
        figure, axes = panels(3, size=(3.2, 2.8))
        axes[0].plot(grid, rule.simulate(grid, alpha), color="C0")
        axes[0].plot(grid, identity(grid), color="0.8", linewidth=0.8, linestyle=":")
        axes[0].set_title(f"$f = {rule.tex}$", fontsize=9)
        axes[1].plot(grid, rule.simulate_prime(grid, alpha), color="C1")
        axes[1].set_title("$f'$", fontsize=9)
        axes[2].hist(samples, bins=120, density=True, color="C2", alpha=0.7)
        mean = d.result["mean"]
        if not as_sympy(mean).free_symbols and not as_sympy(mean).has(sp.Integral):
            axes[2].axvline(float(mean), color="k", linewidth=1.0, label="derived mean")
            axes[2].legend(fontsize=7)
        axes[2].set_title(f"density of $f(G)$, $G \\sim N({mu:g}, {sigma:g}^2)$", fontsize=9)
        for axis in axes[:2]:
            axis.set_xlabel("$x$")
    return figure


def initialization_plot(d: Derivation) -> Figure:
    """Var z_l / Var z_0 against the layer l at v/2, v and 2v (log scale)."""
    from symnn.derivations.initialization_variance import ratios_for

    rule = TABLE[str(d.parameters["activation"])]
    alpha = as_sympy(d.parameters.get("alpha", 0))
    alpha = rule.alpha.typical if alpha.free_symbols else alpha
    exact = bool(d.result["exact"])
    weight = d.result["weight_variance"] if exact else d.result["mean_field_weight_variance"]
    with style():
        figure, (axis,) = panels(1, size=(6.0, 3.4))
        for factor, label, colour in FACTORS:
            ratios = ratios_for(rule, alpha, weight, factor, inputs=2000)
            axis.semilogy(range(1, ratios.size + 1), ratios, marker="o", markersize=2.5,
                          color=colour, label=f"{label}, v = {sp.sstr(weight.subs(n, 256) * factor)[:10]}")
        axis.axhspan(0.25, 4.0, color="0.9", zorder=0)
        axis.set_xlabel("layer $l$")
        axis.set_ylabel(r"$\operatorname{Var} z_l / \operatorname{Var} z_0$")
        axis.set_title(f"{rule.name}, width 256: the derived v keeps the variance "
                       f"{'(exact)' if exact else '(mean-field at q = 1)'}", fontsize=9)
        axis.legend(fontsize=7)
    return figure

"""Plots of optimisation: gradient descent on a quadratic (ml-assignment-2 Q3) and the
logistic log-likelihood along a ray (seminar-1 A4).

``gd_plot`` runs gradient descent ``x_{n+1} = x_n - eta f'(x_n)`` at three step sizes
taken from the derivation's ``result["eta_max"]``: below the bound (``4/5 eta_max``), at
it, and above it (``11/10 eta_max``). For ``f = a x^2 + b x + c`` the iterates are exact
rationals drawn on the graph of ``f``, one panel per step size, each titled with the
derivation's contraction factor ``1 - eta L``; for ``f = x^T A x / 2`` the plot is
``f(x_n)`` against ``n`` on a log scale, from a start with a component along every
eigenvector of ``A``. Symbolic coefficients are drawn at 1.

``likelihood_plot`` draws the log-likelihood of ``logistic-separable`` along ``alpha w``
with and without the penalty ``lambda ||w||^2``, from the derivation's data, direction and
``lambda``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from symnn.core.derivation import Derivation
from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.figures.plots import as_float, panels, style, tuple_tex

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Step sizes drawn, as multiples of eta_max, with what gradient descent then does.
STEP_FACTORS = ((sp.Rational(4, 5), "converges"), (sp.Integer(1), "oscillates forever"),
                (sp.Rational(11, 10), "diverges"))
ITERATIONS = 8
ETA = sp.Symbol("eta", real=True)


def _eta(name: str, factor: sp.Rational, eta: sp.Expr) -> str:
    where = r"\eta_{\max}" if factor == 1 else rf"{to_latex(factor)}\,\eta_{{\max}}"
    return rf"$\eta = {where} = {to_latex(eta)}$"


def gd_plot(d: Derivation) -> Figure:
    """Gradient-descent iterates below, at and above ``eta_max`` (``gd-convergence-quadratic``)."""
    if d.parameters.get("A") is not None:
        return _gd_matrix_plot(d)
    p = d.parameters
    exprs = [p[key] for key in ("a", "b", "c")] + [d.result[key] for key in ("eta_max", "minimizer")]
    values = {s: sp.Integer(1) for e in exprs for s in as_sympy(e).free_symbols}
    x = sp.Symbol("x", real=True)
    a, b, c = (as_sympy(p[key]).xreplace(values) for key in ("a", "b", "c"))
    f = a * x**2 + b * x + c
    slope = sp.diff(f, x)
    eta_max = d.result["eta_max"].xreplace(values)
    star = d.result["minimizer"].xreplace(values)
    factor_of = d.result["contraction_factor"]
    with style():
        figure, axes = panels(len(STEP_FACTORS), size=(3.6, 3.3))
        for axis, (factor, behaviour) in zip(axes, STEP_FACTORS):
            eta = factor * eta_max
            iterates = [star + 1]
            for _ in range(ITERATIONS):
                iterates.append(sp.nsimplify(iterates[-1] - eta * slope.subs(x, iterates[-1])))
            r = factor_of.xreplace(values).subs(ETA, eta)
            _path_on_graph(axis, f, x, iterates, star)
            axis.set_title(f"{_eta('eta', factor, eta)}\n$1 - \\eta L = {to_latex(r)}$: {behaviour}",
                           fontsize=9)
            axis.set_xlabel("$x$")
        axes[0].set_ylabel(f"$f(x) = {to_latex(f)}$" + (" (symbols at 1)" if values else ""))
    return figure


def _path_on_graph(axis: Axes, f: sp.Expr, x: sp.Symbol, iterates: list[sp.Expr], star: sp.Expr) -> None:
    """The graph of ``f`` around the iterates, and the iterates joined in order."""
    xs = np.array([as_float(v) for v in iterates])
    ys = np.array([as_float(f.subs(x, v)) for v in iterates])
    centre = as_float(star)
    reach = 1.15 * max(np.max(np.abs(xs - centre)), 1.0)
    grid = np.linspace(centre - reach, centre + reach, 401)
    curve = sp.lambdify(x, f, NUMPY_NAMESPACE)
    axis.plot(grid, np.broadcast_to(curve(grid), grid.shape), color="0.55", linewidth=1.4)
    axis.plot(xs, ys, color="C3", linewidth=0.9, alpha=0.8)
    axis.scatter(xs, ys, c=np.arange(xs.size), cmap="viridis", s=22, zorder=3)
    axis.annotate("$x_0$", (xs[0], ys[0]), textcoords="offset points", xytext=(4, 4), fontsize=8)
    axis.annotate(f"$x_{{{xs.size - 1}}}$", (xs[-1], ys[-1]), textcoords="offset points",
                  xytext=(4, -10), fontsize=8)
    axis.axvline(centre, color="0.75", linestyle=":", linewidth=1.0)


def _gd_matrix_plot(d: Derivation) -> Figure:
    """``f(x_n) = x_n^T A x_n / 2`` against ``n`` for the three step sizes, on a log scale."""
    A = np.array(d.parameters["A"].tolist(), dtype=float)
    eta_max = d.result["eta_max"]
    _, vectors = np.linalg.eigh(A)
    x0 = vectors @ np.ones(A.shape[0])
    steps = 4 * ITERATIONS
    with style():
        figure, (axis,) = panels(1, size=(6.0, 3.6))
        if eta_max == sp.oo:
            axis.set_title("A = 0: f is constant, every step size keeps a minimiser")
            return figure
        for (factor, behaviour), colour in zip(STEP_FACTORS, ("C2", "C0", "C3")):
            eta = as_float(factor * eta_max)
            x, values = x0.copy(), []
            for _ in range(steps + 1):
                values.append(0.5 * x @ A @ x)
                x = x - eta * (A @ x)
            label = _eta("eta", factor, factor * eta_max) + f": {behaviour}"
            axis.semilogy(range(steps + 1), values, marker="o", markersize=3, color=colour, label=label)
        axis.set_xlabel("iteration $n$")
        axis.set_ylabel(r"$f(x_n) = \frac{1}{2} x_n^T A x_n$")
        eigenvalues = ", ".join(to_latex(v) for v in d.result.get("eigenvalues", ()))
        axis.set_title(f"gradient descent on $x^T A x / 2$, A = {d.parameters['A'].tolist()}"
                       + (f", eigenvalues ${eigenvalues}$" if eigenvalues else ""), fontsize=9)
        axis.legend(fontsize=7)
    return figure


def likelihood_plot(d: Derivation) -> Figure:
    """The log-likelihood along ``alpha w``, with and without ``lambda ||w||^2``.

    ``w`` is the derivation's separating direction ``result["separating_w"]`` and the
    margins ``m_j = y_j w^T x_j`` are its ``result["margins"]``, so
    ``l(alpha w) = -sum_j log(1 + exp(-alpha m_j))``. A symbolic ``lambda`` is drawn at 1/10.
    """
    lam = d.parameters["lambda"]
    lam_value = sp.Rational(1, 10) if lam.free_symbols else lam
    w = sp.Matrix(d.result["separating_w"])
    margins = np.array([as_float(m) for m in d.result["margins"]])
    norm2, penalty = as_float((w.T * w)[0, 0]), as_float(lam_value)
    best = _best_alpha(margins, norm2, penalty)
    alpha = np.linspace(0.0, max(4.0 * best, 6.0 / float(margins.min())), 801)

    def loglik(a: np.ndarray) -> np.ndarray:
        return -np.logaddexp(0.0, -np.multiply.outer(a, margins)).sum(axis=-1)

    with style():
        figure, (axis,) = panels(1, size=(6.4, 3.8))
        axis.plot(alpha, loglik(alpha), color="C0",
                  label=r"$\ell(\alpha w)$: increases towards $\sup \ell = 0$, never reaches it")
        axis.plot(alpha, loglik(alpha) - penalty * norm2 * alpha**2, color="C3",
                  label=rf"$\ell(\alpha w) - \lambda \|\alpha w\|^2$, $\lambda = {to_latex(lam_value)}$")
        axis.plot([best], [loglik(np.array(best)) - penalty * norm2 * best**2], "o", color="C3",
                  label=rf"finite maximum along the ray, $\alpha \approx {best:.3g}$")
        if "maximizer" in d.result and not lam.free_symbols:
            J = _objective(d, np.array([as_float(v) for v in d.result["maximizer"]]), penalty)
            axis.axhline(J, color="C3", linestyle=":", linewidth=1.0,
                         label=r"$\max_w\, \ell(w) - \lambda\|w\|^2$ at the unique $w^*$")
        axis.axhline(0.0, color="0.4", linestyle="--", linewidth=0.9)
        axis.set_xlabel(r"$\alpha$")
        axis.set_ylabel("log-likelihood")
        axis.set_ylim(1.5 * float(loglik(np.array(0.0))), 0.3)
        axis.set_title(rf"separable data ({margins.size} points) along $w = {tuple_tex(w)}$"
                       + (" (lambda drawn at 1/10)" if lam.free_symbols else ""), fontsize=9)
        axis.legend(fontsize=7, loc="lower right")
    return figure


def _objective(d: Derivation, w: np.ndarray, penalty: float) -> float:
    """``l(w) - lambda ||w||^2`` on the derivation's data."""
    X = np.array(d.parameters["X"].tolist(), dtype=float)
    y = np.array([as_float(v) for v in d.parameters["y"]])
    return float(-np.logaddexp(0.0, -y * (X @ w)).sum() - penalty * w @ w)


def _best_alpha(margins: np.ndarray, norm2: float, lam: float) -> float:
    """The maximiser of ``l(alpha w) - lam alpha^2 ||w||^2`` (concave: bisection on its slope)."""
    def slope(alpha: float) -> float:
        return float(np.sum(margins / (1.0 + np.exp(np.clip(alpha * margins, -700, 700))))
                     - 2 * lam * alpha * norm2)

    low, high = 0.0, 1.0
    while slope(high) > 0 and high < 1e6:
        low, high = high, 2 * high
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if slope(middle) > 0 else (low, middle)
    return (low + high) / 2

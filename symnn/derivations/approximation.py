"""Universal approximation by unit-step networks (homework-1 1(b), (c)).

A sum of boxes (the box function is in :mod:`symnn.derivations.box_function`; one step
neuron per breakpoint, after telescoping) approximates a smooth ``f`` on
``[-B, B]`` to within ``width * sup |f'|``:

.. math::

    g(x) = f(x_0) + \\sum_{k=1}^{N-1} \\bigl(f(x_k) - f(x_{k-1})\\bigr) H(x - x_k),
    \\qquad |f(x) - g(x)| \\le \\text{width} \\cdot \\sup_{[-B, B]} |f'|.

The unit step is ``H(z) = 1`` for ``z >= 0`` and ``0`` for ``z < 0`` (``H(0) = 1``, as the
simulator's ``unit_step``).

>>> import symnn
>>> symnn.derive("universal-approximation").check().ok
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.core.params import Kind, Number, Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.derivations.derivative_bound import error_bounds, sup_abs_derivative
from symnn.errors import ParameterError
from symnn.sim.activations import UnitStep, unit_step
from symnn.sim.layers import Dense

x = sp.Symbol("x", real=True)
#: The functions ``f`` may name (a whitelist: no text is ever parsed as an expression).
FUNCTIONS = {
    "sin": sp.sin(x), "cos": sp.cos(x), "tanh": sp.tanh(x), "gaussian": sp.exp(-(x**2)),
    "sigmoid": 1 / (1 + sp.exp(-x)), "cubic": x**3 - x,
}


@dataclass(frozen=True)
class Choice(Kind):
    """One name out of ``options`` (compared as text; nothing is parsed or evaluated)."""

    options: tuple[str, ...]

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(self.options)

    def __call__(self, name: str, value: Any) -> str:
        text = value.name if isinstance(value, sp.Symbol) else value
        if not isinstance(text, str) or text.strip() not in self.options:
            raise ParameterError(name, value, self.expected)
        return text.strip()


def breakpoints(B: sp.Expr, width: sp.Expr, limit: int = 2000) -> list[sp.Expr]:
    """``-B = x_0 < x_1 < ... < x_N = B`` with ``x_k = -B + k width`` (the last cell may be short).

    >>> breakpoints(sp.Integer(1), sp.Rational(3, 4))
    [-1, -1/4, 1/2, 1]
    """
    cells = int(sp.ceiling(2 * B / width))
    if cells > limit:
        raise ParameterError("width", width, f"a width giving at most {limit} cells on [-B, B]")
    return [-B + k * width for k in range(cells)] + [B]


def step_network(fx: sp.Expr, points: list[sp.Expr]) -> sp.Expr:
    """``f(x_0) + sum_k (f(x_k) - f(x_{k-1})) H(x - x_k)`` over the inner breakpoints."""
    values = [fx.subs(x, p) for p in points[:-1]]
    return values[0] + sum((values[k] - values[k - 1]) * sp.Heaviside(x - points[k], 1)
                           for k in range(1, len(values)))


def heaviside_latex(expr: sp.Expr) -> str:
    """LaTeX of ``expr`` with ``Heaviside(z, 1)`` written as the sheet's ``H(z)``."""
    return to_latex(expr.replace(sp.Heaviside, lambda *args: sp.Function("H")(args[0])))


H0 = r"$H(z) = 1$ for $z \ge 0$, $0$ for $z < 0$: the unit step with $H(0) = 1$"


@register(
    "universal-approximation",
    title="Sums of boxes approximate a smooth function",
    sheets=[("homework-1", "1(b)"), ("homework-1", "1(c)")],
    parameters=[
        Parameter("f", Choice(tuple(FUNCTIONS)), "sin", "the function, by name"),
        Parameter("B", Number(lower=0, lower_open=True, upper=5), sp.Integer(3),
                  "the interval is [-B, B]"),
        Parameter("width", Number(lower=sp.Rational(1, 10), upper=10), sp.Rational(1, 2), "the box width"),
        Parameter("d", PositiveInteger(maximum=50, symbolic=True), sp.Integer(1),
                  "the input dimension for the neuron count"),
    ],
)
def universal_approximation(f: str, B: sp.Expr, width: sp.Expr, d: sp.Expr) -> Derivation:
    """The telescoped step network, its error bounds and the neuron count in d dimensions."""
    fx = FUNCTIONS[f]
    points = breakpoints(B, width)
    n_cells = len(points) - 1
    b = DerivationBuilder("universal-approximation", "Sums of boxes approximate a smooth function",
                          r"For smooth $f$ on $[-B, B]$ and cells of width $\le w$: "
                          r"$|f(x) - g(x)| \le w \sup|f'|$ for the step network $g$",
                          {"f": f, "B": B, "width": width, "d": d})
    b.assume(rf"$f(x) = {to_latex(fx)}$ on $[{to_latex(-B)}, {to_latex(B)}]$, cells "
             rf"$[x_k, x_{{k+1}})$ with $x_k = -B + k w$, $w = {to_latex(width)}$, $N = {n_cells}$")
    b.convention(H0)
    g = step_network(fx, points)
    F, S = sp.symbols(f"F0:{n_cells}"), sp.symbols(f"S0:{n_cells + 1}")
    b.step("sum of boxes telescopes",
           sum(F[k] * (S[k] - S[k + 1]) for k in range(n_cells)),
           F[0] * S[0] + sum((F[k] - F[k - 1]) * S[k] for k in range(1, n_cells))
           - F[n_cells - 1] * S[n_cells], route="expand", given={S[0]: 1, S[n_cells]: 0},
           reason=r"summation by parts, with $F_k = f(x_k)$ and $S_k = H(x - x_k)$; on "
                  r"$[-B, B)$, $S_0 = H(x + B) = 1$ and $S_N = H(x - B) = 0$: one step neuron "
                  r"per inner breakpoint",
           tex=r"\sum_{k=0}^{N-1} f(x_k)\bigl(H(x - x_k) - H(x - x_{k+1})\bigr) = f(x_0) + "
               r"\sum_{k=1}^{N-1} \bigl(f(x_k) - f(x_{k-1})\bigr) H(x - x_k)")
    b.claim("the network interpolates at the left endpoints", sp.true,
            lambda: _interpolates(g, fx, points),
            reason=r"exact evaluation at every $x_k$; no breakpoint lies inside a cell, so "
                   r"$g = f(x_k)$ on $[x_k, x_{k+1})$", route="exact evaluation at the breakpoints",
            tex=r"g(x) = f(x_k) \text{ for } x_k \le x < x_{k+1}")
    M, critical = sup_abs_derivative(fx, B)
    bound = error_bounds(b, fx, B, width, points, M, critical)
    boxes, neurons, shared = _count(b, d, n_cells)
    result = {"network": g, "sup_abs_derivative": M, "error_bound": bound,
              "error_bound_midpoint": bound / 2, "boxes": boxes, "neurons": neurons,
              "neurons_shared": shared, "step_neurons_1d": sp.Integer(n_cells - 1)}
    return b.build(result, checker=lambda found: _check_approximation(fx, B, width, d, found),
                   display={"network": heaviside_latex(g)})


def _interpolates(g: sp.Expr, fx: sp.Expr, points: list[sp.Expr]) -> sp.Boolean:
    """``g(x_k) = f(x_k)`` exactly at every left endpoint (``H(0) = 1``)."""
    ok = all(sp.expand(g.xreplace({x: p}) - fx.xreplace({x: p})) == 0 for p in points[:-1])
    return sp.true if ok else sp.false


def _count(b: DerivationBuilder, d: sp.Expr, n_cells: int) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Boxes and step neurons of the d-dimensional construction (an AND unit per box)."""
    m = sp.Symbol("m", integer=True, nonnegative=True)
    total = sp.Symbol("s", integer=True)
    gate = sp.Heaviside(total - d + sp.Rational(1, 2), 1)
    b.claim("AND unit", sp.Eq(gate.subs(total, d), 1) & sp.Eq(gate.subs(total, d - 1 - m), 0),
            lambda: sp.Eq(gate.subs(total, d), 1) & sp.Eq(gate.subs(total, d - 1 - m), 0),
            reason=r"box $k$ is $\prod_i [a_i \le x_i < b_i]$; each factor is "
                   r"$H(x_i - a_i) - H(x_i - b_i) \in \{0, 1\}$ (two first-layer neurons), and "
                   r"$H(s - d + \frac12)$ of their sum $s \le d$ is 1 iff $s = d$",
            route="sign analysis, s = d or s = d - 1 - m",
            tex=r"H\Bigl(\sum_{i=1}^{d} [H(x_i - a_i) - H(x_i - b_i)] - d + \tfrac12\Bigr) = "
                r"\prod_{i=1}^{d} \mathbb{1}[a_i \le x_i < b_i]")
    boxes = sp.Integer(n_cells) ** d
    neurons = (2 * d + 1) * boxes
    shared = d * (n_cells + 1) + boxes
    b.define("neuron count", sp.Symbol("count"), neurons,
             reason=rf"$N^d = {to_latex(boxes)}$ boxes, each with $2d$ first-layer step neurons and "
                    r"one AND unit; the output neuron adds $f(\text{centre}) \cdot \text{AND}_k$. "
                    r"Sharing the grid's $d(N + 1)$ hyperplanes gives "
                    rf"${to_latex(shared)}$ hidden neurons",
             tex=rf"(2d + 1) N^d = {to_latex(neurons)}")
    return boxes, neurons, shared


def _check_approximation(fx: sp.Expr, B: sp.Expr, width: sp.Expr, d: sp.Expr,
                         result: dict) -> CheckReport:
    """The step networks in the simulator at width, width/2, width/4 against f on a fine grid: each
    error within its bound (the errors are reported, not required to decrease)."""
    check = CrossCheck("simulator unit-step networks on a grid of 20000 points at three widths; "
                       "max |f'| on that grid (tolerance 1e-6); AND-unit box networks built and "
                       "counted in the simulator", 1e-6)
    f_np = sp.lambdify(x, fx, NUMPY_NAMESPACE)
    grid = np.linspace(-float(B), float(B), 20001)[:-1]
    slope_max = float(np.max(np.abs(sp.lambdify(x, fx.diff(x), NUMPY_NAMESPACE)(grid) + 0 * grid)))
    M = float(result["sup_abs_derivative"])
    check.compare("sup |f'| against max |f'| on the grid", M, slope_max)
    check.compare("error bound against width * max |f'| on the grid",
                  float(result["error_bound"]), float(width) * slope_max)
    check.compare("midpoint error bound against width * max |f'| / 2 on the grid",
                  float(result["error_bound_midpoint"]), float(width) * slope_max / 2)
    errors = []
    for scale in (1, 2, 4):
        w = width / scale
        points = breakpoints(B, w)
        for label, heights in (("left endpoints", points[:-1]),
                               ("midpoints", [(p + q) / 2 for p, q in itertools.pairwise(points)])):
            values = f_np(np.array([float(p) for p in heights]))
            inner = np.array([float(p) for p in points[1:-1]])
            hidden = Dense(np.ones((1, len(inner))), -inner)
            out = Dense(np.diff(values)[:, None], np.array([values[0]]))
            net = out.forward(UnitStep(at_zero=1.0).forward(hidden.forward(grid[:, None])))[:, 0]
            if scale == 1 and label == "left endpoints":
                derived = sp.lambdify(x, result["network"], [{"Heaviside": unit_step}, NUMPY_NAMESPACE])
                # with no inner breakpoint the derived network is the constant f(-B): one value, on the grid
                on_grid = np.broadcast_to(np.asarray(derived(grid), dtype=float), grid.shape)
                check.compare("the derived network vs the simulator's" + ("" if len(inner) else
                              " (both constant: no inner breakpoint)"), net, on_grid, 1e-9)
                check.compare("one step neuron per inner breakpoint",
                              float(result["step_neurons_1d"]), len(inner), 0.0)
            error = float(np.max(np.abs(net - f_np(grid))))
            bound = float(w) * slope_max / (2 if label == "midpoints" else 1)
            check.require(f"{label}, width {w}: max error {error:.4g} <= bound "
                          f"{bound:.4g}", error <= bound + 1e-12)
            check.note(f"{label}, width {w}: max error {error:.4g}, bound {bound:.4g}")
            if label == "left endpoints":
                errors.append(error)
    check.note("left endpoints, max errors at width, width/2, width/4: "
               + ", ".join(f"{e:.4g}" for e in errors) + "; the derivation bounds each by its width "
               "times sup |f'| (required above), a bound that halves with the width; the errors "
               "themselves need not decrease")
    cells = int(np.ceil(2 * float(B) / float(width) - 1e-9))
    dims = [1, 2] if isinstance(d, sp.Symbol) else [int(d)]
    for dim in dims:
        at = {d: dim} if isinstance(d, sp.Symbol) else {}
        n = cells if cells**dim <= 300 else 4
        built, shared = _check_boxes(check, f_np, float(B), min(dim, 2), n)
        if n == cells and dim <= 2:
            check.compare(f"d = {dim}: boxes against the grid's cells", float(result["boxes"].subs(at)),
                          n**dim, 0.0)
            check.compare(f"d = {dim}: neurons against the built network", float(result["neurons"]
                          .subs(at)), built, 0.0)
            check.compare(f"d = {dim}: neurons with shared hyperplanes against the built network",
                          float(result["neurons_shared"].subs(at)), shared, 0.0)
        else:
            check.compare(f"d = {dim}: boxes against N^d", float(result["boxes"].subs(at)),
                          float(cells) ** dim, 0.0)
            check.compare(f"d = {dim}: neurons against (2d + 1) N^d", float(result["neurons"].subs(at)),
                          (2 * dim + 1) * float(cells) ** dim, 0.0)
            check.compare(f"d = {dim}: shared neurons against d (N + 1) + N^d",
                          float(result["neurons_shared"].subs(at)),
                          dim * (cells + 1) + float(cells) ** dim, 0.0)
    return check.report()


def _check_boxes(check: CrossCheck, f_np: object, B: float, dim: int, n: int) -> tuple[int, int]:
    """Build the AND-unit network on an n^dim grid, alone and sharing hyperplanes; evaluate both.

    Returns the hidden-neuron counts of the two networks.
    """
    edges = np.linspace(-B, B, n + 1)
    cells = np.array(np.meshgrid(*[np.arange(n)] * dim, indexing="ij")).reshape(dim, -1).T
    centres = (edges[cells] + edges[cells + 1]) / 2
    heights = np.prod(f_np(centres), axis=1)
    W = np.zeros((dim, 2 * dim * len(cells)))
    bias = np.zeros(2 * dim * len(cells))
    gate_w = np.zeros((2 * dim * len(cells), len(cells)))
    for k, cell in enumerate(cells):
        for i in range(dim):
            lower, upper = 2 * (k * dim + i), 2 * (k * dim + i) + 1
            W[i, lower] = W[i, upper] = 1.0
            bias[lower], bias[upper] = -edges[cell[i]], -edges[cell[i] + 1]
            gate_w[lower, k], gate_w[upper, k] = 1.0, -1.0
    # shared: one neuron H(x_i - e) per coordinate i and grid edge e
    W_s = np.kron(np.eye(dim), np.ones((1, n + 1)))
    bias_s = -np.tile(edges, dim)
    gate_s = np.zeros((dim * (n + 1), len(cells)))
    for k, cell in enumerate(cells):
        for i in range(dim):
            gate_s[i * (n + 1) + cell[i], k], gate_s[i * (n + 1) + cell[i] + 1, k] = 1.0, -1.0
    rng = np.random.default_rng(dim)
    points = rng.uniform(-B, B, size=(500, dim))
    index = np.minimum(((points + B) / (2 * B) * n).astype(int), n - 1)
    expected = np.prod(f_np((edges[index] + edges[index + 1]) / 2), axis=1)
    for label, first, gates in (("", (W, bias), gate_w), (" (shared hyperplanes)", (W_s, bias_s), gate_s)):
        out = points
        for layer in [Dense(*first), UnitStep(), Dense(gates, np.full(len(cells), 0.5 - dim)),
                      UnitStep(), Dense(heights[:, None])]:
            out = layer.forward(out)
        check.compare(f"{dim}-D box network{label} vs the cell values", out[:, 0], expected, 1e-9)
    return W.shape[1] + gate_w.shape[1], W_s.shape[1] + gate_s.shape[1]

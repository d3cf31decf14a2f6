"""Unit-step networks: the box function and universal approximation (homework-1 1(a)-(c)).

A box of height ``h`` on ``0 < x < delta`` from two unit-step neurons, and a sum of boxes
(one step neuron per breakpoint, after telescoping) that approximates a smooth ``f`` on
``[-B, B]`` to within ``width * sup |f'|``:

.. math::

    g(x) = f(x_0) + \\sum_{k=1}^{N-1} \\bigl(f(x_k) - f(x_{k-1})\\bigr) H(x - x_k),
    \\qquad |f(x) - g(x)| \\le \\text{width} \\cdot \\sup_{[-B, B]} |f'|.

The unit step is ``H(z) = 1`` for ``z >= 0`` and ``0`` for ``z < 0`` (``H(0) = 1``, as the
simulator's ``unit_step``).

>>> import symnn
>>> symnn.derive("box-function", h=2, delta=1).result["f"]
2*Heaviside(x, 1) - 2*Heaviside(x - 1, 1)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.params import Kind, Number, Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.errors import CertificationError, ParameterError
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


def sup_abs_derivative(fx: sp.Expr, B: sp.Expr) -> tuple[sp.Expr, sp.Set]:
    """``max |f'|`` on ``[-B, B]``: over the endpoints and the zeros of ``f''`` (by solveset)."""
    slope = fx.diff(x)
    critical = sp.solveset(slope.diff(x), x, sp.Interval(-B, B))
    if critical is not sp.S.EmptySet and not isinstance(critical, sp.FiniteSet):
        raise CertificationError(f"solveset did not isolate the zeros of f'': {critical}")
    candidates = [-B, B, *critical]
    return sp.Max(*[sp.Abs(slope.subs(x, c)) for c in candidates]), critical
_h, _delta = sp.Symbol("h", real=True), sp.Symbol("delta", positive=True)
_s, _p = sp.Dummy("s", positive=True), sp.Dummy("p", positive=True)
H0 = r"$H(z) = 1$ for $z \ge 0$, $0$ for $z < 0$: the unit step with $H(0) = 1$"


def _regions(diff: sp.Expr) -> sp.Expr:
    cases = [{x: -_s}, {x: sp.S.Zero}, {x: _p, _delta: _p + _s}, {x: _delta}, {x: _delta + _s}]
    return sp.Add(*[sp.Abs(diff.xreplace(case)) for case in cases])


#: Piecewise-constant functions with breakpoints 0 and delta agree iff they agree at a
#: generic point of each of the five regions (two open intervals, two points, one ray more).
REGIONS = Route("case split x < 0, x = 0, 0 < x < delta, x = delta, x > delta", _regions)


def _shown(expr: sp.Expr) -> str:
    return to_latex(expr.replace(sp.Heaviside, lambda *args: sp.Function("H")(args[0])))


def _network(weights: tuple, output: tuple, bias: sp.Expr) -> sp.Expr:
    return sum(v * sp.Heaviside(w * x + c, 1) for (w, c), v in zip(weights, output)) + bias


@register(
    "box-function",
    title="A box function from two unit-step neurons",
    sheets=[("homework-1", "1(a)")],
    parameters=[Parameter("h", Number(symbolic=True), None, "the height (absent: symbolic h)"),
                Parameter("delta", Number(lower=0, lower_open=True, symbolic=True), None,
                          "the width, > 0 (absent: symbolic delta)")],
)
def box_function(h: sp.Expr | None, delta: sp.Expr | None) -> Derivation:
    """Weights and biases of ``h H(x) - h H(x - delta)``, and an exact variant."""
    box = sp.Piecewise((_h, (x > 0) & (x < _delta)), (0, True))
    b = DerivationBuilder("box-function", "A box function from two unit-step neurons",
                          sp.Eq(sp.Function("f")(x), box), {"h": h, "delta": delta})
    b.assume(r"$\delta > 0$; one input $x$, two hidden unit-step neurons, a linear output neuron")
    b.convention(H0)
    w, c, v = sp.symbols("w1:3"), sp.symbols("b1:3"), sp.symbols("v1:3")
    generic = _network(tuple(zip(w, c)), v, sp.Symbol("c"))
    b.define("the network", sp.Function("f")(x), generic,
             reason="two step neurons and a summing output neuron",
             tex=rf"f(x) = {_shown(generic)}")
    sheet = _network(((1, 0), (1, -_delta)), (_h, -_h), 0)
    b.step("weights w = (1, 1), b = (0, -delta), v = (h, -h), c = 0", generic, sheet,
           reason="a step up at 0 and a step down at delta", route="expand",
           given={w[0]: 1, w[1]: 1, c[0]: 0, c[1]: -_delta, v[0]: _h, v[1]: -_h, sp.Symbol("c"): 0},
           tex=rf"f(x) = {_shown(sheet)}")
    closed_left = sp.Piecewise((0, x < 0), (_h, x < _delta), (0, True))
    b.step("its values", sheet, closed_left, reason=r"$h$ on $0 \le x < \delta$, else $0$",
           route=REGIONS, tex=rf"{_shown(sheet)} = {to_latex(closed_left)}")
    b.step("left endpoint", sheet.subs(x, 0), _h, reason="H(0) = 1 switches neuron 1 on at x = 0",
           route="exact", tex=r"f(0) = h H(0) - h H(-\delta) = h")
    b.step("right endpoint", sheet.subs(x, _delta), sp.S.Zero,
           reason="both neurons are on at x = delta", route="exact",
           tex=r"f(\delta) = h H(\delta) - h H(0) = 0")
    exact = _network(((-1, 0), (1, -_delta)), (-_h, -_h), _h)
    b.step("an exact variant", generic, exact, route="expand",
           reason=r"neuron 1 detects $x \le 0$, neuron 2 detects $x \ge \delta$; output bias $h$",
           given={w[0]: -1, w[1]: 1, c[0]: 0, c[1]: -_delta, v[0]: -_h, v[1]: -_h,
                  sp.Symbol("c"): _h}, tex=rf"f_{{\text{{exact}}}}(x) = {_shown(exact)}")
    b.step("the exact variant is the box", exact, box, route=REGIONS,
           reason=r"equal on every region, the endpoints included: $0$ at $x = 0$ and $x = \delta$",
           tex=rf"{_shown(exact)} = {to_latex(box)}")
    b.note(r"With $H(0) = 1$ the network $h H(x) - h H(x - \delta)$ equals the sheet's box "
           r"except at the single point $x = 0$, where it is $h$ (the box is $0$ there); the "
           r"variant $h - h H(-x) - h H(x - \delta)$ is exact everywhere.")
    if isinstance(delta, sp.Symbol):
        delta = sp.Symbol(delta.name, positive=True)
    values = {_h: _h if h is None else h, _delta: _delta if delta is None else delta}
    if h is not None or delta is not None:
        b.define("substitute the parameters", sp.Function("f")(x), sheet.xreplace(values),
                 reason=f"h = {values[_h]}, delta = {values[_delta]}",
                 tex=rf"f(x) = {_shown(sheet.xreplace(values))}")
    W1, b1, w2 = sp.Matrix([[1, 1]]), sp.Matrix([[0, -_delta]]), sp.Matrix([_h, -_h])
    names = {"w1": W1, "b1": b1, "w2": w2}
    result = {
        "f": sheet, "weights": sp.Dict({sp.Symbol("w1_1"): 1, sp.Symbol("w1_2"): 1,
                                        sp.Symbol("w2_1"): _h, sp.Symbol("w2_2"): -_h}),
        "biases": sp.Dict({sp.Symbol("b1_1"): 0, sp.Symbol("b1_2"): -_delta, sp.Symbol("b2_1"): 0}),
        "f_piecewise": closed_left, "f_exact": exact,
        "weights_exact": sp.Dict({sp.Symbol("w1_1"): -1, sp.Symbol("w1_2"): 1,
                                  sp.Symbol("w2_1"): -_h, sp.Symbol("w2_2"): -_h}),
        "biases_exact": sp.Dict({sp.Symbol("b1_1"): 0, sp.Symbol("b1_2"): -_delta,
                                 sp.Symbol("b2_1"): _h}),
        **{f"{k}_matrix": m for k, m in names.items()},
    }
    result = {k: v.xreplace(values) for k, v in result.items()}
    display = {"f": _shown(result["f"]), "f_exact": _shown(result["f_exact"])}
    return b.build(result, checker=lambda: _check_box(result, values), display=display)


def _check_box(result: dict, values: dict) -> CheckReport:
    """Both derived networks in the simulator (Dense, UnitStep, Dense) on a grid with the
    endpoints, against the sheet's box and against the derived formulas."""
    check = CrossCheck("simulator unit-step network on a grid of x, endpoints included", 1e-12)
    height_of, width_of = values[_h], values[_delta]
    trials = [(sp.Rational(3, 2), sp.Rational(3, 4)), (sp.Integer(-2), sp.Integer(3))]
    if not (height_of.free_symbols or width_of.free_symbols):
        trials = [(height_of, width_of)]
    for height, width in trials:
        at = {s: height for s in height_of.free_symbols}
        at.update({s: width for s in width_of.free_symbols})
        height, width = height_of.xreplace(at), width_of.xreplace(at)
        hf, df = float(height), float(width)
        grid = np.concatenate([np.linspace(-2 * df, 3 * df, 401), [0.0, df, -1e-9, 1e-9]])
        sheet_box = np.where((grid > 0) & (grid < df), hf, 0.0)
        for key, suffix in (("f", ""), ("f_exact", "_exact")):
            w = {str(k): float(v) for k, v in result["weights" + suffix].xreplace(at).items()}
            c = {str(k): float(v) for k, v in result["biases" + suffix].xreplace(at).items()}
            hidden_w, hidden_b = [[w["w1_1"], w["w1_2"]]], [c["b1_1"], c["b1_2"]]
            out_w, out_b = [[w["w2_1"]], [w["w2_2"]]], [c["b2_1"]]
            derived = sp.lambdify(x, result[key].xreplace(at), "numpy")
            net = Dense(np.array(hidden_w), np.array(hidden_b))
            out = Dense(np.array(out_w), np.array(out_b))
            values_net = out.forward(UnitStep(at_zero=1.0).forward(net.forward(grid[:, None])))[:, 0]
            check.compare(f"{key}: network vs derived formula (h={hf}, delta={df})",
                          values_net, np.broadcast_to(derived(grid), grid.shape))
            expected = sheet_box if key == "f_exact" else np.where(grid == 0, hf, sheet_box)
            check.compare(f"{key}: network vs the sheet's box (h={hf}, delta={df})",
                          values_net, expected)
    return check.report()


@register(
    "universal-approximation",
    title="Sums of boxes approximate a smooth function",
    sheets=[("homework-1", "1(b)"), ("homework-1", "1(c)")],
    parameters=[
        Parameter("f", Choice(tuple(FUNCTIONS)), "sin", "the function, by name"),
        Parameter("B", Number(lower=0, lower_open=True, upper=50), sp.Integer(3),
                  "the interval is [-B, B]"),
        Parameter("width", Number(lower=0, lower_open=True), sp.Rational(1, 2), "the box width"),
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
    b.claim("sup |f'| on [-B, B]", sp.Eq(sp.Symbol("M"), M),
            lambda: sp.Eq(sup_abs_derivative(fx, B)[0], M),
            reason=r"$|f'|$ is largest at an endpoint or where $f'' = 0$; solveset finds "
                   rf"$f'' = 0$ at ${to_latex(critical)}$ in the interval",
            route="solveset of f'' on [-B, B], exact comparison",
            tex=rf"M = \sup_{{[-B, B]}} |f'| = {to_latex(M)}")
    bound = width * M
    b.claim("error bound (left endpoints)", sp.Le(sp.Symbol("e"), bound),
            lambda: sp.true if all(q - p <= width for p, q in itertools.pairwise(points)) else sp.false,
            reason=r"mean value theorem: $|f(x) - f(x_k)| = |f'(\xi)|\,|x - x_k| \le M w$; "
                   r"checked: every cell has width at most $w$", route="cell widths, exact",
            relation="<=", tex=rf"|f(x) - g(x)| \le w M = {to_latex(bound)}")
    b.claim("error bound (midpoints)", sp.Le(sp.Symbol("e"), bound / 2),
            lambda: sp.true if all((q - p) / 2 <= width / 2 for p, q in itertools.pairwise(points))
            else sp.false,
            reason=r"with heights $f(m_k)$ at the cell midpoints, $|x - m_k| \le w/2$",
            route="cell widths, exact", relation="<=",
            tex=rf"|f(x) - g_{{\text{{mid}}}}(x)| \le \tfrac{{w}}{{2}} M = {to_latex(bound / 2)}")
    boxes, neurons, shared = _count(b, d, n_cells)
    result = {"network": g, "sup_abs_derivative": M, "error_bound": bound,
              "error_bound_midpoint": bound / 2, "boxes": boxes, "neurons": neurons,
              "neurons_shared": shared, "step_neurons_1d": sp.Integer(n_cells - 1)}
    return b.build(result, checker=lambda: _check_approximation(fx, g, B, width, M, d),
                   display={"network": _shown(g)})


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


def _check_approximation(fx: sp.Expr, g: sp.Expr, B: sp.Expr, width: sp.Expr, M: sp.Expr,
                         d: sp.Expr) -> CheckReport:
    """The step networks in the simulator at width, width/2, width/4 against f on a fine grid."""
    check = CrossCheck("simulator unit-step networks on a grid of 20000 points at three widths; "
                       "AND-unit box networks (d <= 2) at random points", 1e-9)
    f_np = sp.lambdify(x, fx, "numpy")
    grid = np.linspace(-float(B), float(B), 20001)[:-1]
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
                derived = sp.lambdify(x, g, [{"Heaviside": unit_step}, "numpy"])(grid)
                check.compare("the derived network vs the simulator's", net, derived)
            error = float(np.max(np.abs(net - f_np(grid))))
            bound = float(w * M) / (2 if label == "midpoints" else 1)
            check.require(f"{label}, width {w}: max error {error:.4g} <= bound "
                          f"{bound:.4g}", error <= bound + 1e-12)
            check.note(f"{label}, width {w}: max error {error:.4g}, bound {bound:.4g}")
            if label == "left endpoints":
                errors.append(error)
    check.require("the error decreases with the width", errors[0] > errors[1] > errors[2])
    dims = [1, 2] if isinstance(d, sp.Symbol) else [min(int(d), 2)]
    for dim in dims:
        _check_boxes(check, f_np, float(B), dim)
    return check.report()


def _check_boxes(check: CrossCheck, f_np: object, B: float, dim: int) -> None:
    """Build the AND-unit network of the count on a 4^dim grid and evaluate it."""
    n = 4
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
    layers = [Dense(W, bias), UnitStep(), Dense(gate_w, np.full(len(cells), 0.5 - dim)),
              UnitStep(), Dense(heights[:, None])]
    rng = np.random.default_rng(dim)
    points = rng.uniform(-B, B, size=(500, dim))
    out = points
    for layer in layers:
        out = layer.forward(out)
    index = np.minimum(((points + B) / (2 * B) * n).astype(int), n - 1)
    expected = np.prod(f_np((edges[index] + edges[index + 1]) / 2), axis=1)
    check.compare(f"{dim}-D box network vs the cell values", out[:, 0], expected)
    count = W.shape[1] + gate_w.shape[1]
    check.require(f"{dim}-D network has (2d + 1) N^d = {(2 * dim + 1) * n**dim} hidden neurons",
                  count == (2 * dim + 1) * n**dim)

"""A box function from two unit-step neurons (homework-1 1(a)).

.. math::

    f(x) = h\\,H(x) - h\\,H(x - \\delta) =
    \\begin{cases} h & 0 \\le x < \\delta \\\\ 0 & \\text{otherwise} \\end{cases}
    \\quad (H(0) = 1).

>>> import symnn
>>> symnn.derive("box-function", h=2, delta=1).result["f"]
2*Heaviside(x, 1) - 2*Heaviside(x - 1, 1)
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.core.params import Number, Parameter
from symnn.core.registry import register
from symnn.derivations.approximation import H0, heaviside_latex, x
from symnn.sim.activations import UnitStep
from symnn.sim.layers import Dense

_h, _delta = sp.Symbol("h", real=True), sp.Symbol("delta", positive=True)
_s, _p = sp.Dummy("s", positive=True), sp.Dummy("p", positive=True)


def _regions(diff: sp.Expr) -> sp.Expr:
    cases = [{x: -_s}, {x: sp.S.Zero}, {x: _p, _delta: _p + _s}, {x: _delta}, {x: _delta + _s}]
    return sp.Add(*[sp.Abs(diff.xreplace(case)) for case in cases])


#: Piecewise-constant functions with breakpoints 0 and delta agree iff they agree at a
#: generic point of each of the five regions (two open intervals, two points, one ray more).
REGIONS = Route("case split x < 0, x = 0, 0 < x < delta, x = delta, x > delta", _regions)


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
             tex=rf"f(x) = {heaviside_latex(generic)}")
    sheet = _network(((1, 0), (1, -_delta)), (_h, -_h), 0)
    b.step("weights w = (1, 1), b = (0, -delta), v = (h, -h), c = 0", generic, sheet,
           reason="a step up at 0 and a step down at delta", route="expand",
           given={w[0]: 1, w[1]: 1, c[0]: 0, c[1]: -_delta, v[0]: _h, v[1]: -_h, sp.Symbol("c"): 0},
           tex=rf"f(x) = {heaviside_latex(sheet)}")
    closed_left = sp.Piecewise((0, x < 0), (_h, x < _delta), (0, True))
    b.step("its values", sheet, closed_left, reason=r"$h$ on $0 \le x < \delta$, else $0$",
           route=REGIONS, tex=rf"{heaviside_latex(sheet)} = {to_latex(closed_left)}")
    b.step("left endpoint", sheet.subs(x, 0), _h, reason="H(0) = 1 switches neuron 1 on at x = 0",
           route="exact", tex=r"f(0) = h H(0) - h H(-\delta) = h")
    b.step("right endpoint", sheet.subs(x, _delta), sp.S.Zero,
           reason="both neurons are on at x = delta", route="exact",
           tex=r"f(\delta) = h H(\delta) - h H(0) = 0")
    exact = _network(((-1, 0), (1, -_delta)), (-_h, -_h), _h)
    b.step("an exact variant", generic, exact, route="expand",
           reason=r"neuron 1 detects $x \le 0$, neuron 2 detects $x \ge \delta$; output bias $h$",
           given={w[0]: -1, w[1]: 1, c[0]: 0, c[1]: -_delta, v[0]: -_h, v[1]: -_h,
                  sp.Symbol("c"): _h}, tex=rf"f_{{\text{{exact}}}}(x) = {heaviside_latex(exact)}")
    b.step("the exact variant is the box", exact, box, route=REGIONS,
           reason=r"equal on every region, the endpoints included: $0$ at $x = 0$ and $x = \delta$",
           tex=rf"{heaviside_latex(exact)} = {to_latex(box)}")
    b.note(r"With $H(0) = 1$ the network $h H(x) - h H(x - \delta)$ equals the sheet's box "
           r"except at the single point $x = 0$, where it is $h$ (the box is $0$ there); the "
           r"variant $h - h H(-x) - h H(x - \delta)$ is exact everywhere.")
    if isinstance(delta, sp.Symbol):
        delta = sp.Symbol(delta.name, positive=True)
    values = {_h: _h if h is None else h, _delta: _delta if delta is None else delta}
    if h is not None or delta is not None:
        b.define("substitute the parameters", sp.Function("f")(x), sheet.xreplace(values),
                 reason=rf"$h = {to_latex(values[_h])}$, $\delta = {to_latex(values[_delta])}$",
                 tex=rf"f(x) = {heaviside_latex(sheet.xreplace(values))}")
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
    display = {"f": heaviside_latex(result["f"]), "f_exact": heaviside_latex(result["f_exact"])}
    return b.build(result, checker=lambda found: _check_box(found, values), display=display)


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
            derived = sp.lambdify(x, result[key].xreplace(at), NUMPY_NAMESPACE)
            net = Dense(np.array(hidden_w), np.array(hidden_b))
            out = Dense(np.array(out_w), np.array(out_b))
            values_net = out.forward(UnitStep(at_zero=1.0).forward(net.forward(grid[:, None])))[:, 0]
            check.compare(f"{key}: network vs derived formula (h={hf}, delta={df})",
                          values_net, np.broadcast_to(derived(grid), grid.shape))
            expected = sheet_box if key == "f_exact" else np.where(grid == 0, hf, sheet_box)
            check.compare(f"{key}: network vs the sheet's box (h={hf}, delta={df})",
                          values_net, expected)
            if key == "f":
                pieces = sp.lambdify(x, result["f_piecewise"].xreplace(at), NUMPY_NAMESPACE)
                check.compare(f"f_piecewise vs the network (h={hf}, delta={df})",
                              np.broadcast_to(pieces(grid), grid.shape), values_net)
                matrices = [result[f"{k}_matrix"].xreplace(at) for k in ("w1", "b1", "w2")]
                check.compare(f"the matrices W1, b1, w2 vs the weights (h={hf}, delta={df})",
                              np.concatenate([np.array(m, dtype=float).ravel() for m in matrices]),
                              [*hidden_w[0], *hidden_b, out_w[0][0], out_w[1][0]])
    return check.report()

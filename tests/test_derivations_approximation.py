"""box-function and universal-approximation: endpoint behaviour, weights, error bounds,
neuron counts, the whitelist of functions, and refusals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

import symnn
from symnn.derivations.approximation import FUNCTIONS, breakpoints, step_network
from symnn.errors import ParameterError
from symnn.sim.activations import unit_step

R = sp.Rational
x = sp.Symbol("x", real=True)


def _box(height: sp.Expr, width: sp.Expr, at: sp.Expr) -> sp.Expr:
    return height if 0 < at < width else 0


@pytest.mark.parametrize(("h", "delta"), [(2, "0.5"), (-1, 3), ("1.5", "0.25"), (7, 1)])
def test_box_numeric(h: object, delta: object) -> None:
    d = symnn.derive("box-function", h=h, delta=delta)
    height, width = R(str(h)), R(str(delta))
    f, exact = d.result["f"], d.result["f_exact"]
    for at in (-1, 0, width / 3, width, width * 2, -width):
        expected = _box(height, width, at)
        assert exact.subs(x, at) == expected
        # the sheet form h H(x) - h H(x - delta) with H(0) = 1 differs only at x = 0
        assert f.subs(x, at) == (height if at == 0 else expected)
    assert d.result["weights"][sp.Symbol("w2_1")] == height
    assert d.result["biases"][sp.Symbol("b1_2")] == -width
    assert d.check().ok


def test_box_symbolic_default() -> None:
    d = symnn.derive("box-function")
    h, delta = sp.Symbol("h", real=True), sp.Symbol("delta", positive=True)
    assert d.result["f"] == h * sp.Heaviside(x, 1) - h * sp.Heaviside(x - delta, 1)
    assert d.result["weights"] == sp.Dict({sp.Symbol("w1_1"): 1, sp.Symbol("w1_2"): 1,
                                           sp.Symbol("w2_1"): h, sp.Symbol("w2_2"): -h})
    assert d.result["biases"][sp.Symbol("b2_1")] == 0
    endpoint_steps = {s.rule for s in d.steps}
    assert {"left endpoint", "right endpoint", "the exact variant is the box"} <= endpoint_steps
    assert any("H(0) = 1" in c for c in d.conventions)
    assert d.check().ok and r"\theta" not in d.latex().split("Result")[1]


def test_box_network_on_a_grid() -> None:
    d = symnn.derive("box-function", h=3, delta=2)
    grid = np.linspace(-1, 3, 41)
    hidden = unit_step(np.outer(grid, [-1.0, 1.0]) + np.array([0.0, -2.0]))
    out = hidden @ np.array([-3.0, -3.0]) + 3.0
    assert np.array_equal(out, np.where((grid > 0) & (grid < 2), 3.0, 0.0))
    assert d.result["weights_exact"][sp.Symbol("w1_1")] == -1


@pytest.mark.parametrize(("params", "fragment"), [
    ({"delta": 0}, "parameter 'delta'"), ({"delta": -1}, "parameter 'delta'"),
    ({"h": "1 + x"}, "parameter 'h'"),
])
def test_box_refusals(params: dict, fragment: str) -> None:
    with pytest.raises(ParameterError, match=fragment):
        symnn.derive("box-function", **params)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_whitelisted_function(name: str) -> None:
    d = symnn.derive("universal-approximation", f=name, B=2, width="0.5")
    fx = FUNCTIONS[name]
    grid = np.linspace(-2, 2, 801)
    slope = sp.lambdify(x, sp.Abs(fx.diff(x)), "numpy")(grid)
    # the exact sup |f'| agrees with a fine grid (tolerance 1e-3 from the grid spacing)
    assert float(d.result["sup_abs_derivative"]) >= float(np.max(slope)) - 1e-12
    assert float(d.result["sup_abs_derivative"]) - float(np.max(slope)) < 1e-3
    assert d.result["error_bound"] == d.result["sup_abs_derivative"] / 2
    assert d.check().ok


@pytest.mark.parametrize(
    ("params", "M", "cells"),
    [
        ({}, 1, 12),
        ({"f": "cubic", "B": 3, "width": 1}, 26, 6),
        ({"f": "sigmoid", "B": 1, "width": "0.3"}, R(1, 4), 7),
        ({"f": "gaussian", "B": "0.5", "width": "0.25"}, sp.exp(-R(1, 4)), 4),
        ({"f": "cos", "B": 1, "width": "0.5"}, sp.sin(1), 4),
    ],
)
def test_bounds_and_cells(params: dict, M: sp.Expr, cells: int) -> None:
    d = symnn.derive("universal-approximation", **params)
    assert sp.simplify(d.result["sup_abs_derivative"] - M) == 0
    width = d.parameters["width"]
    assert d.result["error_bound"] == width * d.result["sup_abs_derivative"]
    assert d.result["error_bound_midpoint"] == d.result["error_bound"] / 2
    assert d.result["step_neurons_1d"] == cells - 1 and d.result["boxes"] == cells
    assert d.check().ok


@pytest.mark.parametrize("dim", [1, 2, 3, 5])
def test_neuron_count(dim: int) -> None:
    d = symnn.derive("universal-approximation", d=dim)
    assert d.result["boxes"] == 12**dim
    assert d.result["neurons"] == (2 * dim + 1) * 12**dim
    assert d.result["neurons_shared"] == dim * 13 + 12**dim
    assert d.check().ok


def test_symbolic_dimension() -> None:
    d = symnn.derive("universal-approximation", d="d")
    dim = sp.Symbol("d", integer=True, positive=True)
    assert sp.simplify(d.result["neurons"] - (2 * dim + 1) * 12**dim) == 0
    assert d.check().ok


def test_network_is_the_left_endpoint_staircase() -> None:
    points = breakpoints(sp.Integer(1), R(1, 2))
    g = step_network(sp.sin(x), points)
    for left, right in itertools.pairwise(points):
        for at in (left, (left + right) / 2, right - R(1, 100)):
            assert g.subs(x, at) == sp.sin(left)


@pytest.mark.parametrize(("params", "name"), [
    ({"f": "exp"}, "f"), ({"f": "__import__('os').system('true')"}, "f"), ({"f": 3}, "f"),
    ({"width": 0}, "width"), ({"width": "1e-5"}, "width"), ({"B": -1}, "B"), ({"d": 0}, "d"),
])
def test_approximation_refusals(params: dict, name: str) -> None:
    with pytest.raises(ParameterError, match=f"parameter '{name}'"):
        symnn.derive("universal-approximation", **params)


def test_error_decreases_with_width() -> None:
    errors = []
    grid = np.linspace(-3, 3, 6001)[:-1]
    for width in ("0.5", "0.25", "0.125"):
        g = symnn.derive("universal-approximation", width=width).result["network"]
        values = sp.lambdify(x, g, modules=[{"Heaviside": lambda z, h0: unit_step(z, h0)},
                                            "numpy"])(grid)
        errors.append(np.max(np.abs(values - np.sin(grid))))
        assert errors[-1] <= float(sp.Rational(width))  # the bound width * 1
    assert errors[0] > errors[1] > errors[2]


# ------------------------------------------------------------------- certified sup |f'|
def test_a_halved_sup_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from symnn.derivations import approximation
    from symnn.errors import CertificationError

    honest = approximation.sup_abs_derivative
    monkeypatch.setattr(approximation, "sup_abs_derivative",
                        lambda fx, B: (honest(fx, B)[0] / 2, honest(fx, B)[1]))
    with pytest.raises(CertificationError, match=r"exact comparison of .f.. at the endpoints"):
        symnn.derive("universal-approximation")


def test_a_missing_critical_point_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # cos' = -sin has |.| = 1 at pi/2, a zero of f'' = -cos; without it the sup would be sin(3)
    from symnn.derivations import approximation
    from symnn.errors import CertificationError

    monkeypatch.setattr(approximation, "sup_abs_derivative",
                        lambda fx, B: (sp.Abs(sp.sin(B)), sp.S.EmptySet))
    with pytest.raises(CertificationError, match="not listed"):
        symnn.derive("universal-approximation", f="cos")


@pytest.mark.parametrize(("f", "B", "M"), [
    ("cos", 3, 1), ("cos", R(1, 2), sp.sin(R(1, 2))), ("gaussian", 3, sp.sqrt(2) * sp.exp(-R(1, 2))),
    ("gaussian", R(1, 2), sp.exp(-R(1, 4))), ("sigmoid", 5, R(1, 4)), ("tanh", 5, 1), ("cubic", 3, 26),
])
def test_sup_by_critical_points(f: str, B: object, M: sp.Expr) -> None:
    # hand values: cos' = -sin peaks at pi/2 (inside [-3, 3]) or at the end 1/2; the gaussian's
    # slope -2x e^{-x^2} peaks at 1/sqrt(2); sigma' = 1/4 at 0; tanh' = 1 at 0; 3x^2 - 1 at 3
    d = symnn.derive("universal-approximation", f=f, B=B, width=1)
    assert sp.simplify(d.result["sup_abs_derivative"] - M) == 0
    rules = [s.rule for s in d.steps]
    assert "the zeros of $f''$" in rules and "sup $|f'|$ on $[-B, B]$" in rules


def test_mean_value_step_is_cited_and_the_bound_is_an_inequality() -> None:
    d = symnn.derive("universal-approximation")
    assert [s.certificate.theorem for s in d.citations] == [
        "extreme value theorem; Fermat's theorem on interior extrema", "mean value theorem"]
    assert "cited: mean value theorem" in d.latex()
    bound = next(s for s in d.steps if s.rule == "error bound (left endpoints)")
    assert bound.relation == "<=" and "cited" not in bound.certificate.route


# ------------------------------------------------------------- the cross-check's own claims
@pytest.mark.parametrize("params", [
    {"B": R(1, 200)}, {"B": R(1, 10)}, {"width": 10}, {"width": R(4951, 1000)}, {"width": R(8812, 1000)},
])
def test_check_passes_where_the_error_does_not_decrease(params: dict) -> None:
    # the derivation bounds the error by width * sup|f'|; it does not claim a decrease, and at these
    # parameters the errors at width, width/2, width/4 are equal or not monotone
    report = symnn.derive("universal-approximation", **params).check()
    assert report.ok, report.failures()
    assert any("need not decrease" in note for note in report.notes)


@pytest.mark.parametrize("B", [R(1, 200), R(3)])
def test_a_wrong_network_is_refused_also_when_constant(B: sp.Expr) -> None:
    # B = 1/200 has no inner breakpoint: the network is the constant sin(-B); shifting it by 1/100 must fail
    from symnn.derivations.approximation import _check_approximation

    d = symnn.derive("universal-approximation", B=B)
    result = dict(d.result)
    result["network"] = result["network"] + R(1, 100)
    report = _check_approximation(sp.sin(x), B, R(1, 2), sp.Integer(1), result)
    assert any("derived network" in label for label in report.failures())

"""two-layer-relu-gradients: the sheet's numbers, other shapes and weights, refusals, and
random weights against an exact Fraction oracle and the float64 simulator."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symnn
from symnn.errors import ParameterError, ShapeError
from symnn.sim.activations import ReLU
from symnn.sim.layers import Dense
from symnn.sim.losses import Quadratic

R = sp.Rational
SHEET = dict(X=[[0.6, -1.0], [0.8, -1.0], [-0.4, 0.9], [0.2, 0.0]], t=[-0.8, -0.1, 0.9, 0.7],
             W1=[[-0.8, -0.7, 0.6], [-1.0, 0.5, -1.0]], b1=[-0.2, -1.0, -0.7],
             w2=[0.1, -1.0, 0.5], b2=-0.7)


def oracle(X, t, W1, b1, w2, b2):
    """Back-propagation written out with Fractions, loop by loop (relu'(0) = 0)."""
    F = lambda v: Fraction(str(v))  # noqa: E731 - decimal text, exactly
    X = [[F(v) for v in row] for row in X]
    W1 = [[F(v) for v in row] for row in W1]
    t, b1, w2, b2 = [F(v) for v in t], [F(v) for v in b1], [F(v) for v in w2], F(b2)
    m, n, p = len(X), len(W1), len(b1)
    grads = {"W1": [[Fraction(0)] * p for _ in range(n)], "b1": [Fraction(0)] * p,
             "w2": [Fraction(0)] * p, "b2": Fraction(0)}
    loss = Fraction(0)
    for k in range(m):
        z = [sum(X[k][i] * W1[i][j] for i in range(n)) + b1[j] for j in range(p)]
        a = [max(v, Fraction(0)) for v in z]
        r = sum(w2[j] * a[j] for j in range(p)) + b2 - t[k]
        loss += r * r / 2
        grads["b2"] += r
        for j in range(p):
            grads["w2"][j] += r * a[j]
            delta = r * w2[j] if z[j] > 0 else Fraction(0)
            grads["b1"][j] += delta
            for i in range(n):
                grads["W1"][i][j] += X[k][i] * delta
    return loss, grads


def assert_matches_oracle(d, params) -> None:
    loss, grads = oracle(**params)
    frac = lambda v: R(v.numerator, v.denominator)  # noqa: E731
    assert d.result["loss"] == frac(loss)
    assert d.result["dL_db2"] == frac(grads["b2"])
    assert d.result["dL_dw2"] == sp.Matrix([[frac(v) for v in grads["w2"]]])
    assert d.result["dL_db1"] == sp.Matrix([[frac(v) for v in grads["b1"]]])
    assert d.result["dL_dW1"] == sp.Matrix([[frac(v) for v in row] for row in grads["W1"]])


def test_sheet_values_exact() -> None:
    d = symnn.derive("two-layer-relu-gradients")
    assert d.parameters["X"][0, 0] == R(3, 5) and d.parameters["b2"] == R(-7, 10)
    assert d.result["loss"] == R(119277, 50000)
    assert d.result["dL_db2"] == R(-683, 250)
    assert d.result["dL_dw2"] == sp.Matrix([[R(73, 625), 0, R(96, 625)]])
    assert d.result["dL_db1"] == sp.Matrix([[R(67, 2500), 0, R(67, 500)]])
    assert d.result["dL_dW1"] == sp.Matrix([[R(61, 5000), 0, R(61, 1000)],
                                           [R(-67, 2500), 0, R(-67, 500)]])
    assert_matches_oracle(d, SHEET)
    report = d.check()
    assert report.ok and report.max_error < 1e-9


def test_sheet_shapes_intermediates_and_latex() -> None:
    d = symnn.derive("two-layer-relu-gradients")
    shapes = {k: d.result[k].shape for k in ("dL_dW1", "dL_dw2", "dL_db1", "Z", "A", "y", "r")}
    assert shapes == {"dL_dW1": (2, 3), "dL_dw2": (1, 3), "dL_db1": (1, 3), "Z": (4, 3),
                      "A": (4, 3), "y": (4, 1), "r": (4, 1)}
    assert isinstance(d.result["dL_db2"], sp.Rational)
    rules = [s.rule for s in d.steps]
    assert "dL/dW1 from Delta" in rules and "error at the pre-activations" in rules
    routes = {s.certificate.route for s in d.steps}
    assert {"exact", "matrix-identity", "expand", "definition"} <= routes
    tex = d.latex()
    assert tex.count(r"\boxed") == len(d.result) and tex.count("{") == tex.count("}")
    assert r"X^T \Delta" in tex and r"\operatorname{ReLU}'(0) = 0" in tex
    assert not d.notes  # no pre-activation of the sheet is exactly 0


def test_sheet_is_derived_and_checked() -> None:
    assert symnn.derive("two-layer-relu-gradients").check().ok


CASES = [
    dict(X=[[1]], t=[2], W1=[[3]], b1=[-1], w2=[0.5], b2=0),
    dict(X=[[1, 2], [-1, 0.5], [0, 0]], t=[1, 0, -1], W1=[[0.5, -1, 2, 0], [1, 1, -0.5, 0.25]],
         b1=[0, 0.5, -1, 0.1], w2=[1, -2, 0.5, 3], b2=0.25),
    dict(X=[[2, -1, 0.5]], t=[0.3], W1=[[1, 0], [0, 1], [2, -2]], b1=[-1, 0.5], w2=[-1, 1],
         b2=1),
    dict(X="[[0.1, 0.2], [0.3, -0.4]]", t="[1, -1]", W1="[[1, -1], [2, 0.5]]", b1="[0, 0]",
         w2="[1, 1]", b2="0.5"),
]


@pytest.mark.parametrize("params", CASES)
def test_other_shapes_and_weights(params: dict) -> None:
    d = symnn.derive("two-layer-relu-gradients", **params)
    from symnn.core.literal import read_literal

    plain = {k: (read_literal(v) if isinstance(v, str) else v) for k, v in params.items()}
    assert_matches_oracle(d, {k: _plain(v) for k, v in plain.items()})
    assert d.result["dL_dW1"].shape == d.parameters["W1"].shape
    assert d.check().ok


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, sp.Rational) else value


def test_zero_pre_activation_is_reported() -> None:
    # z_11 = 1*1 + (-1) = 0 exactly: relu'(0) = 0 is used and a note says so.
    params = dict(X=[[1, 0], [2, 1]], t=[0, 1], W1=[[1, 2], [0, 1]], b1=[-1, 0], w2=[1, 1], b2=0)
    d = symnn.derive("two-layer-relu-gradients", **params)
    assert d.result["Z"][0, 0] == 0
    assert any("exactly 0" in note for note in d.notes)
    assert_matches_oracle(d, params)
    report = d.check()
    assert report.ok and any("pre-activation exactly 0" in n for n in report.notes)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"t": [1, 2, 3]}, "t has 3 entries but X has shape (4, 2)"),
        ({"W1": [[1, 2, 3]]}, "W1 has shape (1, 3) but X has shape (4, 2)"),
        ({"b1": [1, 2]}, "b1 has 2 entries but W1 has shape (2, 3)"),
        ({"w2": [1, 2, 3, 4]}, "w2 has 4 entries but W1 has shape (2, 3)"),
    ],
)
def test_inconsistent_shapes_refused(change: dict, fragment: str) -> None:
    with pytest.raises(ShapeError) as caught:
        symnn.derive("two-layer-relu-gradients", **change)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("change", "name"),
    [({"X": [[1, 2], [3]]}, "X"), ({"b2": "abc()"}, "b2"), ({"t": [[1], [2]]}, "t"),
     ({"W1": "nan"}, "W1")],
)
def test_malformed_parameters_refused(change: dict, name: str) -> None:
    with pytest.raises(ParameterError, match=f"parameter '{name}'"):
        symnn.derive("two-layer-relu-gradients", **change)


decimals = st.integers(-20, 20).map(lambda k: k / 10)


@st.composite
def networks(draw) -> dict:
    m, n, p = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    row = lambda size: st.lists(decimals, min_size=size, max_size=size)  # noqa: E731
    return dict(X=draw(st.lists(row(n), min_size=m, max_size=m)), t=draw(row(m)),
                W1=draw(st.lists(row(p), min_size=n, max_size=n)), b1=draw(row(p)),
                w2=draw(row(p)), b2=draw(decimals))


@settings(max_examples=12, deadline=None)
@given(networks())
def test_random_weights_exact_vs_simulator(params: dict) -> None:
    # a hidden pre-activation exactly 0 takes relu'(0) = 0 exactly, while float64 round-off puts
    # the simulator's on either side of the kink: that case is tested on its own (test_networks_layerwise)
    exact = [[sum((Fraction(str(v)) * Fraction(str(w)) for v, w in zip(row, column)), Fraction(str(b)))
              for column, b in zip(zip(*params["W1"]), params["b1"])] for row in params["X"]]
    assume(all(z != 0 for row in exact for z in row))
    d = symnn.derive("two-layer-relu-gradients", **params)
    assert_matches_oracle(d, params)
    x = np.array(params["X"], dtype=float)
    first = Dense(np.array(params["W1"], dtype=float), np.array(params["b1"], dtype=float))
    second = Dense(np.array(params["w2"], dtype=float)[:, None], np.array([params["b2"]], float))
    relu, loss = ReLU(), Quadratic(reduction="sum")
    out = second.forward(relu.forward(first.forward(x)))
    target = np.array(params["t"], dtype=float)[:, None]
    first.backward(relu.backward(second.backward(loss.delta(out, target))))
    floats = lambda key: np.array(d.result[key].tolist(), dtype=float)  # noqa: E731
    # tolerance 1e-9 (absolute): float64 round-off on numbers of size <= 100
    assert np.allclose(first.grads["W"], floats("dL_dW1"), rtol=0, atol=1e-9)
    assert np.allclose(first.grads["b"], floats("dL_db1")[0], rtol=0, atol=1e-9)
    assert np.allclose(second.grads["W"][:, 0], floats("dL_dw2")[0], rtol=0, atol=1e-9)
    assert abs(second.grads["b"][0] - float(d.result["dL_db2"])) < 1e-9
    assert d.check().ok


def test_wide_layers_keep_entries_apart() -> None:
    # 11 x 11 weights: entry (1, 11) and (11, 1) must stay different parameters
    W1 = [[((i * 7 + j * 3) % 5 - 2) / 2 for j in range(11)] for i in range(11)]
    params = dict(X=[[(i % 3) - 1 for i in range(11)], [1] * 11], t=[1, -1], W1=W1,
                  b1=[0.5] * 11, w2=[(j % 4) - 1.5 for j in range(11)], b2=0)
    d = symnn.derive("two-layer-relu-gradients", **params)
    assert_matches_oracle(d, params)
    assert d.check().ok


def test_one_hundred_twenty_eight_examples_are_accepted() -> None:
    # the bounds admit 128 examples (and up to 256); the oracle is the loop written out above
    rows = [[((k * 7) % 11 - 5) / 4, ((k * 3) % 7 - 3) / 2] for k in range(128)]
    params = dict(X=rows, t=[((k * 5) % 9 - 4) / 3 for k in range(128)], W1=SHEET["W1"], b1=SHEET["b1"],
                  w2=SHEET["w2"], b2=SHEET["b2"])
    d = symnn.derive("two-layer-relu-gradients", **params)
    assert d.result["Z"].shape == (128, 3)
    assert_matches_oracle(d, params)


def test_more_than_the_bound_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"parameter 'X'.*at most 256 x 32"):
        symnn.derive("two-layer-relu-gradients", X=[[0, 0]] * 257, t=[0] * 257)
    with pytest.raises(ParameterError, match=r"parameter 't'.*at most 256 entries"):
        symnn.derive("two-layer-relu-gradients", t=[0] * 257)

"""forward-pass: symbolic and numeric inputs, other weights, refusals."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.notation import vector_symbols
from symnn.errors import ParameterError, ShapeError
from symnn.sim import activations

R = sp.Rational
W1 = np.array([[-0.2, 0.9, 0.4], [-0.1, 0.3, 0.4], [0.2, 0.5, -0.7], [0.2, -0.5, 0.5]])
W2 = np.array([[0.6, -0.2], [-0.1, 0.8], [-0.5, -0.3]])


def numpy_pass(x, w1=W1, w2=W2):
    hidden = np.maximum(np.asarray(x, dtype=float)[None, :] @ w1, 0.0)
    return hidden, activations.softmax(hidden @ w2)


def test_symbolic_default() -> None:
    d = symnn.derive("forward-pass")
    x = vector_symbols("x", 4)
    assert d.result["h"].shape == (1, 3) and d.result["o"].shape == (1, 2)
    assert all(isinstance(v, sp.Max) for v in d.result["h"])
    assert d.result["z"][0] == -x[0] / 5 - x[1] / 10 + x[2] / 5 + x[3] / 5
    assert any("missing" in note for note in d.notes)
    assert d.check().ok
    point = {s: R(v) for s, v in zip(x, ["0.5", "-1", "2", "0.25"])}
    hidden, out = numpy_pass([0.5, -1, 2, 0.25])
    # tolerance 1e-14: one float64 softmax against 30-digit evaluation
    assert np.allclose([float(v.xreplace(point)) for v in d.result["h"]], hidden[0], atol=1e-14)
    assert np.allclose([float(v.xreplace(point).evalf(30)) for v in d.result["o"]], out[0],
                       atol=1e-14)


@pytest.mark.parametrize(
    ("x", "h", "s"),
    [
        ([1, 0, 0, 0], [0, R(9, 10), R(2, 5)], [R(-29, 100), R(3, 5)]),
        ([0, 0, 0, 0], [0, 0, 0], [0, 0]),
        ([-1, -1, -1, -1], [0, 0, 0], [0, 0]),
        (["0.5", "-0.5", "1", "2"], [R(11, 20), 0, R(3, 10)], [R(9, 50), R(-1, 5)]),
    ],
)
def test_numeric_inputs(x: list, h: list, s: list) -> None:
    d = symnn.derive("forward-pass", x=x)
    assert list(d.result["h"]) == h and list(d.result["s"]) == s
    o = np.array([float(v) for v in d.result["o"]])
    assert abs(o.sum() - 1) < 1e-15
    # tolerance 1e-15: the exact softmax, rounded, against the simulator's float64 pass
    assert np.allclose(o, numpy_pass([float(R(v)) for v in x])[1][0], atol=1e-15)
    assert d.check().ok and "o_decimal" in d.result


def test_other_weights_and_sizes() -> None:
    w1, w2 = [[1, -1], [0.5, 2], [-1, 0]], [[1, 0, -1, 2], [0.5, 0.5, 0, 1]]
    d = symnn.derive("forward-pass", x=[1, 2, 3], W1=w1, W2=w2)
    _, out = numpy_pass([1, 2, 3], np.array(w1), np.array(w2))
    assert list(d.result["h"]) == [0, 3]
    assert d.result["o"].shape == (1, 4)
    assert np.allclose([float(v) for v in d.result["o"]], out[0], atol=1e-15)
    symbolic = symnn.derive("forward-pass", W1=w1, W2=w2)
    assert symbolic.result["h"].free_symbols == set(vector_symbols("x", 3))
    assert d.check().ok and symbolic.check().ok


@pytest.mark.parametrize(
    ("params", "error", "fragment"),
    [
        ({"x": [1, 2, 3]}, ShapeError, "x has 3 entries but W1 has shape (4, 3)"),
        ({"W2": [[1, 2], [3, 4]]}, ShapeError, "W2 has shape (2, 2) but W1 has shape (4, 3)"),
        ({"x": "[1, 2, oops(]"}, ParameterError, "parameter 'x'"),
        ({"W1": [[1, 2], [3]]}, ParameterError, "rows of different lengths"),
    ],
)
def test_refusals(params: dict, error: type, fragment: str) -> None:
    with pytest.raises(error) as caught:
        symnn.derive("forward-pass", **params)
    assert fragment in str(caught.value)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(-30, 30), min_size=4, max_size=4))
def test_random_numeric_inputs_match_numpy(values: list[int]) -> None:
    x = [v / 10 for v in values]
    d = symnn.derive("forward-pass", x=x)
    hidden, out = numpy_pass(x)
    assert np.allclose([float(v) for v in d.result["h"]], hidden[0], atol=1e-15)
    assert np.allclose([float(v) for v in d.result["o"]], out[0], atol=1e-15)


def test_partly_symbolic_input() -> None:
    d = symnn.derive("forward-pass", x=["a", 1, 0, "b"])
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    assert d.result["z"][0] == -a / 5 + b / 5 - R(1, 10)
    assert "o_decimal" not in d.result
    assert d.check().ok


def test_values_are_the_engines_forward_pass() -> None:
    from symnn.derivations.forward_pass import SHEET_W1, SHEET_W2, as_max, network
    from symnn.networks import forward

    d = symnn.derive("forward-pass", x=[1, 0, 0, 0])
    W1, W2 = (symnn.core.params.MatrixKind()("W", text) for text in (SHEET_W1, SHEET_W2))
    run = forward(network(sp.Matrix([[1, 0, 0, 0]]), W1, W2))
    assert d.result["z"] == run.Z[0] and d.result["h"] == run.A[1] and d.result["s"] == run.Z[1]
    # the engine's softmax row and the sheet's shifted form are the same numbers
    assert all(sp.simplify(a - b) == 0 for a, b in zip(as_max(run.A[2]), d.result["o"]))

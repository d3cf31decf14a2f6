"""network-gradients and symnn.networks: the sheet's numbers, random networks against the
simulator and finite differences, symbolic networks, and every refusal."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.cli import main
from symnn.errors import ParameterError, ShapeError
from symnn.networks import (
    ACTIVATIONS,
    NetworkSpec,
    backprop,
    cross_check,
    forward,
    sympy_deltas,
    sympy_gradient,
)

R = sp.Rational
SHEET = dict(sizes=[2, 3, 1], activations=["relu", "identity"],
             X=[[0.6, -1.0], [0.8, -1.0], [-0.4, 0.9], [0.2, 0.0]], t=[-0.8, -0.1, 0.9, 0.7],
             W1=[[-0.8, -0.7, 0.6], [-1.0, 0.5, -1.0]], b1=[-0.2, -1.0, -0.7],
             W2=[[0.1], [-1.0], [0.5]], b2=[-0.7])


def test_sheet_numbers_from_the_engine() -> None:
    # the numbers of ml-assignment-2 Q1, worked by hand in the sheet's solution
    d = symnn.derive("network-gradients", **SHEET)
    assert d.result["loss"] == R(119277, 50000)
    assert d.result["dL_db2"] == sp.Matrix([[R(-683, 250)]])
    assert d.result["dL_dW2"] == sp.Matrix([[R(73, 625)], [0], [R(96, 625)]])
    assert d.result["dL_db1"] == sp.Matrix([[R(67, 2500), 0, R(67, 500)]])
    assert d.result["dL_dW1"] == sp.Matrix([[R(61, 5000), 0, R(61, 1000)],
                                           [R(-67, 2500), 0, R(-67, 500)]])
    sheet = symnn.derive("two-layer-relu-gradients")
    for key in ("dL_dW1", "dL_db1", "loss"):
        assert d.result[key] == sheet.result[key]
    assert d.result["delta1"] == sheet.result["Delta"]
    assert {s.certificate.route for s in d.steps if s.rule.startswith("dL/")} == {"exact"}
    assert d.check().ok


def test_closed_form_example_typesets_each_gradient_boxed() -> None:
    d = symnn.derive("network-gradients", sizes=[2, 2, 2], activations=["tanh", "softmax"],
                     loss="cross_entropy", l2=0.1, X=[[1, 0]], t=[[1, 0]],
                     W1=[[0.5, -1], [0, 1]], b1=[0, 0.5], W2=[[1, 0], [-1, 2]], b2=[0, 0])
    tex = d.latex()
    assert tex.count(r"\boxed") == len(d.result) == 7
    assert r"\delta^{(1)} = (\delta^{(2)} W^{(2)T}) \odot f_{1}'(Z^{(1)})" in tex
    assert r"\tanh'(z) = 1 - \tanh^2 z" in tex and "log of softmax" in d.text()
    # one example: dL/db2 = softmax(z2) - t exactly, in closed form
    z2 = d.result["dL_db2"]
    assert sp.cancel(z2[0] + z2[1]) == 0  # softmax - t sums to 1 - 1 for a one-hot target
    report = d.check()
    assert report.ok and report.max_error < 1e-9


def test_symbolic_default_shows_the_recursion() -> None:
    d = symnn.derive("network-gradients")
    W = d.result["dL_dW1"]
    assert W.shape == (2, 2) and sp.Symbol("W2_11") in W.free_symbols
    assert sp.Symbol("x1") in W.free_symbols and sp.Symbol("t1") in W.free_symbols
    assert "delta recursion" in d.latex() and d.check().ok


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.elementwise])
def test_activation_rules_are_sympys_derivative(name: str) -> None:
    assert ACTIVATIONS[name].lemma(R(1, 5)).route == ACTIVATIONS[name].route


def matrix(draw, rows: int, cols: int, low: int = -12, high: int = 12) -> list[list[sp.Rational]]:
    entry = st.integers(low, high).map(lambda k: R(k, 6))
    return draw(st.lists(st.lists(entry, min_size=cols, max_size=cols), min_size=rows, max_size=rows))


@st.composite
def networks(draw, hidden: tuple[str, ...], outputs: tuple[str, ...], width: int = 3) -> NetworkSpec:
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, width)) for _ in range(depth + 1)]
    output = draw(st.sampled_from(outputs))
    loss = {"softmax": "cross_entropy", "sigmoid": draw(st.sampled_from(["squared", "binary_cross_entropy"]))
            }.get(output, "squared")
    names = [draw(st.sampled_from(hidden)) for _ in range(depth - 1)] + [output]
    m = draw(st.integers(1, width))
    targets = matrix(draw, m, sizes[-1], 0, 6) if loss != "squared" else matrix(draw, m, sizes[-1])
    return NetworkSpec.build(sizes, names, loss=loss, alpha=R(1, 5), l2=draw(st.sampled_from([0, R(1, 10)])),
                             X=matrix(draw, m, sizes[0]), t=targets,
                             W=[matrix(draw, sizes[k], sizes[k + 1]) for k in range(depth)],
                             b=[matrix(draw, 1, sizes[k + 1]) for k in range(depth)])


ELEMENTWISE = tuple(n for n, a in ACTIVATIONS.items() if a.elementwise)


@settings(max_examples=12, deadline=None)
@given(networks(ELEMENTWISE, (*ELEMENTWISE, "softmax"), width=2))
def test_random_networks_against_simulator_and_differences(spec: NetworkSpec) -> None:
    run = forward(spec)
    report = cross_check(spec, run, backprop(spec, run))
    assert report.ok, report.failures()


@settings(max_examples=10, deadline=None)
@given(networks(("identity", "relu", "leaky_relu"), ("identity", "relu", "leaky_relu")))
def test_random_piecewise_linear_networks_exact_against_sympy(spec: NetworkSpec) -> None:
    run = forward(spec)
    grads = backprop(spec, run)
    assert sympy_gradient(spec) == grads.flat()  # exact Rationals on both sides
    assert all(a == b for a, b in zip(sympy_deltas(spec, run), grads.delta))


def test_small_smooth_network_certified_symbolically() -> None:
    d = symnn.derive("network-gradients", sizes=[2, 1], activations=["sigmoid"],
                     loss="binary_cross_entropy", X=[[1, 2], [0, -1]], t=[1, 0], W1=[[1], [-1]], b1=[0])
    assert any(s.certificate.route == "exp-ring" for s in d.steps)
    # dL/db1 = sum of (sigma(z_k) - t_k): z = -1 and 1
    expected = (1 / (1 + sp.exp(1)) - 1) + 1 / (1 + sp.exp(-1))
    assert abs(float(d.result["dL_db1"][0]) - float(expected)) < 1e-12  # float64 round-off
    assert d.check().ok


BAD = [
    ({"sizes": [2, 0, 1]}, ParameterError, "parameter 'sizes'"),
    ({"sizes": [2, -3, 1]}, ParameterError, "parameter 'sizes'"),
    ({"activations": ["relu"]}, ParameterError, "parameter 'activations'"),
    ({"sizes": [2, 2, 2], "activations": ["softmax", "softmax"], "loss": "cross_entropy"},
     ParameterError, "softmax in the output layer only"),
    ({"loss": "cross_entropy"}, ParameterError, "parameter 'loss'"),
    ({"loss": "binary_cross_entropy"}, ParameterError, "needs a sigmoid output"),
    ({"activations": ["tanh", "swish"]}, ParameterError, "parameter 'activations'"),
    ({"loss": "hinge"}, ParameterError, "parameter 'loss'"),
    ({"X": [[1, 2, 3]], "t": [1]}, ShapeError, "X has shape (1, 3), expected (1, 2)"),
    ({"X": [[1, 2]], "t": [1, 2]}, ShapeError, "t has shape"),
    ({"W1": [[1, 2, 3], [3, 4, 5]]}, ShapeError, "W1 has shape (2, 3), expected (2, 2)"),
    ({"b2": [1, 2]}, ShapeError, "b2 has shape (1, 2), expected (1, 1)"),
    ({"W3": [[1]]}, ParameterError, "parameter 'W3'"),
    ({"W7": [[1]]}, ParameterError, "parameter 'W7'"),
    ({"X": [[1, 2]]}, ParameterError, "parameter 't'"),
    ({"l2": -1}, ParameterError, "parameter 'l2'"),
    ({"W1": "[[1, 2, 3], [4, oops(]]"}, ParameterError, "parameter 'W1'"),
]


@pytest.mark.parametrize(("change", "error", "fragment"), BAD)
def test_bad_input_refused(change: dict, error: type, fragment: str) -> None:
    with pytest.raises(error) as caught:
        symnn.derive("network-gradients", **change)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("argv", "fragment"), [
    (["--param", "sizes=[2,0,1]"], "parameter 'sizes'"),
    (["--param", "activations=[tanh,relu,softmax]"], "parameter 'activations'"),
    (["--param", "sizes=[2,2,2]", "--param", "activations=[relu,softmax]", "--param", "loss=squared",
      "--param", "W1=[[1,2,3]]"], "W1 has shape"),
])
def test_cli_refuses_in_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    status = main(["derive", "network-gradients", *argv])
    err = capsys.readouterr().err
    assert status == 2 and fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_takes_every_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", "network-gradients", "--param", "sizes=[2,2,1]", "--param",
                   "activations=[leaky_relu,identity]", "--param", "alpha=0.2", "--param", "X=[[1,-1]]",
                   "--param", "t=[0.5]", "--param", "W1=[[1,-1],[0.5,0.5]]", "--param", "b1=[0,0]",
                   "--param", "W2=[[1],[2]]", "--param", "b2=[0]", "--param", "l2=0.1"])
    assert status == 0 and "passed" in capsys.readouterr().out


def test_leaky_relu_uses_alpha_below_zero() -> None:
    spec = NetworkSpec.build([1, 1], ["leaky_relu"], alpha=R(1, 5), X=[[-1]], t=[0], W=[[[1]]], b=[[0]])
    run = forward(spec)
    assert run.A[1][0] == R(-1, 5)
    # L = (alpha z)^2 / 2, dL/dW = alpha^2 z * x = (1/25)(-1)(-1)
    assert backprop(spec, run).dW[0][0] == R(1, 25)
    assert np.isclose(float(run.loss), 0.02)  # (1/5)^2 / 2, float64 round-off

"""activation-necessity, affine-as-linear and relu-rescaling: other sizes, exact random
instances, negative and zero lambda, refusals."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.notation import vector_symbols
from symnn.derivations.affine import layer_symbols
from symnn.errors import ParameterError

R = sp.Rational


def _random_values(sizes: list[int], rng: np.random.Generator) -> tuple[dict, list]:
    values, layers = {}, []
    for k in range(1, len(sizes)):
        W, b = layer_symbols(k, sizes[k], sizes[k - 1])
        Wn = rng.integers(-5, 6, size=W.shape)
        bn = rng.integers(-5, 6, size=b.shape)
        values.update({s: int(v) for s, v in zip(W, Wn.ravel())})
        values.update({s: int(v) for s, v in zip(b, bn.ravel())})
        layers.append((Wn, bn))
    return values, layers


@pytest.mark.parametrize("sizes", [[2, 3, 2], [1, 1], [3, 2, 4, 1], [2, 2, 2, 2, 2], [4, 1, 3]])
def test_composition(sizes: list[int]) -> None:
    d = symnn.derive("activation-necessity", sizes=sizes)
    W, b = d.result["W"], d.result["b"]
    assert W.shape == (sizes[-1], sizes[0]) and b.shape == (sizes[-1], 1)
    values, layers = _random_values(sizes, np.random.default_rng(len(sizes)))
    W_num, b_num = np.eye(sizes[0], dtype=int), np.zeros((sizes[0], 1), dtype=int)
    for Wl, bl in layers:
        W_num, b_num = Wl @ W_num, Wl @ b_num + bl
    assert W.xreplace(values) == sp.Matrix(W_num.tolist())
    assert b.xreplace(values) == sp.Matrix(b_num.tolist())
    assert d.check().ok


def test_composition_formula_and_latex() -> None:
    d = symnn.derive("activation-necessity")
    assert str(d.result["W_formula"]) == "W^{(2)}*W^{(1)}"
    assert d.steps[-1].certificate.route == "expand (matrix expressions)"
    assert r"W^{(2)} W^{(1)} x" in d.latex()


@pytest.mark.parametrize("bad", [[2], [0, 2], [2, 10], "abc", [2, 2.5], [True, 2]])
def test_sizes_refused(bad: object) -> None:
    with pytest.raises(ParameterError, match="parameter 'sizes'"):
        symnn.derive("activation-necessity", sizes=bad)


@pytest.mark.parametrize(("n", "m"), [(1, 1), (2, 3), (3, 2), (6, 4)])
def test_affine_as_linear(n: int, m: int) -> None:
    d = symnn.derive("affine-as-linear", n=n, m=m)
    w_ext, x_ext, W_ext = d.result["w_extended"], d.result["x_extended"], d.result["W_extended"]
    assert w_ext.shape == (n + 1, 1) and x_ext[-1] == 1 and W_ext.shape == (m, n + 1)
    rng = np.random.default_rng(n * m)
    x, w = vector_symbols("x", n), vector_symbols("w", n)
    values = {s: R(int(v), 7) for s, v in zip(x + w, rng.integers(-9, 10, size=2 * n))}
    values[sp.Symbol("b", real=True)] = R(3, 11)
    lhs = sum(values[a] * values[c] for a, c in zip(w, x)) + R(3, 11)
    assert (w_ext.T * x_ext)[0].xreplace(values) == lhs
    assert any("intersection" in note for note in d.notes)
    assert d.check().ok


@pytest.mark.parametrize("bad", [0, 13, "n"])
def test_affine_as_linear_refusals(bad: object) -> None:
    with pytest.raises(ParameterError, match="parameter 'n'"):
        symnn.derive("affine-as-linear", n=bad)


@pytest.mark.parametrize("lam", [None, 2, "3/2", 0.25, "mu"])
@pytest.mark.parametrize("sizes", [[2, 3, 2], [1, 1, 1], [3, 2, 2, 1]])
def test_rescaling_positive(sizes: list[int], lam: object) -> None:
    params = {"sizes": sizes} if lam is None else {"sizes": sizes, "lambda": lam}
    d = symnn.derive("relu-rescaling", **params)
    assert d.result["invariant"] is sp.true
    rules = [s.rule for s in d.steps]
    assert rules[:4] == ["ReLU is positively homogeneous", "hidden layer", "output layer",
                         "the network is unchanged"]
    assert rules[4] == "a counterexample for every lambda < 0"
    plain, scaled = d.result["counterexample_values"]
    assert plain != scaled
    assert d.check().ok


@pytest.mark.parametrize("lam", [-1, "-0.5", -3])
def test_rescaling_negative(lam: object) -> None:
    d = symnn.derive("relu-rescaling", **{"lambda": lam})
    assert d.result["invariant"] is sp.false
    assert [s.rule for s in d.steps] == [f"a counterexample for lambda = {R(str(lam))}"]
    x0 = d.result["counterexample_x"]
    (W1, b1), (W2, b2) = d.result["counterexample_weights"]
    value = R(str(lam))
    relu = lambda v: v.applyfunc(lambda e: sp.Max(0, e))  # noqa: E731
    plain = relu(W2 * relu(W1 * x0 + b1) + b2)[0]
    scaled = relu(W2 / value * relu(value * W1 * x0 + value * b1) + b2)[0]
    assert (plain, scaled) == tuple(d.result["counterexample_values"]) and plain != scaled
    assert d.check().ok


def test_rescaling_refusals() -> None:
    with pytest.raises(ParameterError, match="nonzero"):
        symnn.derive("relu-rescaling", **{"lambda": 0})
    with pytest.raises(ParameterError, match="parameter 'sizes'"):
        symnn.derive("relu-rescaling", sizes=[2, 3])


@functools.cache
def _default_rescaling() -> symnn.Derivation:
    return symnn.derive("relu-rescaling")


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 40), st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_rescaled_network_equal_exactly(num: int, den: int, seed: int) -> None:
    d = _default_rescaling()
    lam = sp.Symbol("lambda", positive=True)
    values, _ = _random_values([2, 3, 2], np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    values.update({s: R(int(v), 3) for s, v in zip(vector_symbols("x", 2), rng.integers(-9, 10, 2))})
    values[lam] = R(num, den)
    assert d.result["F"].xreplace(values) == d.result["F_rescaled"].xreplace(values)

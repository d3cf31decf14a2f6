"""Every hand-written backward pass against central differences, over random shapes.

Tolerance: relative error (max norm, see symnn.sim.gradcheck) at most 1e-6 in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symnn.sim import (
    BatchNorm,
    Conv2D,
    CrossEntropy,
    Dense,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    MaxPool2D,
    Quadratic,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropy,
    Tanh,
)
from symnn.sim.gradcheck import check_layer, check_loss, check_network, manual_backprop_table

TOL = 1e-6
FAST = settings(max_examples=25, deadline=None, database=None)
seeds = st.integers(0, 2**32 - 1)
small = st.integers(1, 4)


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


@FAST
@given(seed=seeds, batch=small, n_in=small, n_out=small, bias=st.booleans())
def test_dense(seed: int, batch: int, n_in: int, n_out: int, bias: bool) -> None:
    rng = np.random.default_rng(seed)
    layer = Dense(rng.standard_normal((n_in, n_out)), rng.standard_normal(n_out) if bias else None)
    errors = check_layer(layer, rng.standard_normal((batch, n_in)), seed)
    assert set(errors) == ({"input", "W", "b"} if bias else {"input", "W"})
    assert max(errors.values()) <= TOL, errors


@pytest.mark.parametrize(
    "make", [Identity, Sigmoid, Tanh, ReLU, lambda: LeakyReLU(0.2), Softmax], ids=repr
)
@FAST
@given(seed=seeds, batch=small, width=small)
def test_activation_layers(make, seed: int, batch: int, width: int) -> None:
    rng = np.random.default_rng(seed)
    errors = check_layer(make(), away_from_zero(rng, (batch, width)), seed)
    assert errors["input"] <= TOL, errors


@FAST
@given(seed=seeds, batch=small, k=st.integers(2, 5), reduction=st.sampled_from(["sum", "mean"]))
def test_losses(seed: int, batch: int, k: int, reduction: str) -> None:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((batch, k))
    a = rng.uniform(0.05, 0.95, (batch, k))
    labels = rng.integers(0, k, batch)
    soft = rng.dirichlet(np.ones(k), batch) * rng.uniform(0.5, 2.0)
    assert check_loss(Quadratic(reduction), z, rng.standard_normal((batch, k))) <= TOL
    assert check_loss(CrossEntropy(reduction), a, rng.uniform(0, 1, (batch, k))) <= TOL
    assert check_loss(CrossEntropy(reduction), z, labels, fused=True) <= TOL
    assert check_loss(SoftmaxCrossEntropy(reduction), z, labels) <= TOL
    assert check_loss(SoftmaxCrossEntropy(reduction), z, soft) <= TOL


@FAST
@given(
    seed=seeds, n=st.integers(1, 2), c_in=st.integers(1, 3), c_out=st.integers(1, 3),
    size=st.integers(3, 6), kernel=st.integers(1, 3), stride=st.integers(1, 2),
    padding=st.integers(0, 1), bias=st.booleans(),
)  # fmt: skip
def test_conv2d(seed: int, n: int, c_in: int, c_out: int, size: int, kernel: int, stride: int,
                padding: int, bias: bool) -> None:  # fmt: skip
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((c_out, c_in, kernel, kernel))
    layer = Conv2D(W, rng.standard_normal(c_out) if bias else None, stride, padding)
    errors = check_layer(layer, rng.standard_normal((n, c_in, size, size + 1)), seed)
    assert max(errors.values()) <= TOL, errors


@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_with_many_channels(bias: bool) -> None:
    """C_in >= 8 takes the sliding_window_view path of im2col (no folded bias)."""
    rng = np.random.default_rng(5)
    W = rng.standard_normal((3, 9, 2, 2))
    layer = Conv2D(W, rng.standard_normal(3) if bias else None, stride=1, padding=1)
    errors = check_layer(layer, rng.standard_normal((2, 9, 3, 3)), 5)
    assert max(errors.values()) <= TOL, errors


@FAST
@given(seed=seeds, n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(2, 6),
       w=st.integers(2, 6), kernel=st.integers(1, 3), stride=st.integers(1, 3))  # fmt: skip
def test_maxpool(seed: int, n: int, c: int, h: int, w: int, kernel: int, stride: int) -> None:
    rng = np.random.default_rng(seed)
    kernel = min(kernel, h, w)
    errors = check_layer(MaxPool2D(kernel, stride), distinct(rng, (n, c, h, w)), seed)
    assert errors["input"] <= TOL, errors


def batchnorm(rng: np.random.Generator, width: int) -> BatchNorm:
    layer = BatchNorm(width)
    layer.params["gamma"][:] = rng.uniform(0.5, 2.0, width)
    layer.params["beta"][:] = rng.standard_normal(width)
    layer.buffers["running_var"][:] = rng.uniform(0.5, 2.0, width)
    return layer


@FAST
@given(seed=seeds, batch=st.sampled_from([1, 3, 4, 5]), width=small, train=st.booleans())
def test_batchnorm_dense(seed: int, batch: int, width: int, train: bool) -> None:
    rng = np.random.default_rng(seed)
    layer = batchnorm(rng, width)
    errors = check_layer(layer, rng.standard_normal((batch, width)) * 3, seed, train=train)
    assert max(errors.values()) <= TOL, errors


@FAST
@given(seed=seeds, width=small, train=st.booleans())
def test_batchnorm_dense_batch_of_two(seed: int, width: int, train: bool) -> None:
    """In training mode a batch of two normalizes to x_hat = +-d / sqrt(d^2 + 4 eps) with
    d = x_1 - x_2, whatever the inputs: the input gradient, +-gamma (g_1 - g_2) 4 eps /
    (d^2 + 4 eps)^(3/2), is essentially zero and below the rounding noise of the central
    differences (up to about 1e-8 here). So it is checked against that closed form, and
    against the differences absolutely; the rest is checked relatively."""
    rng = np.random.default_rng(seed)
    layer = batchnorm(rng, width)
    x = rng.standard_normal((2, width)) * 3
    errors = check_layer(layer, x, seed, train=train)
    assert errors["gamma"] <= TOL and errors["beta"] <= TOL, errors
    if not train:
        assert errors["input"] <= TOL, errors
        return
    g = np.random.default_rng(seed).standard_normal(x.shape)
    layer.forward(x, True)
    analytic = layer.backward(g)
    d = x[0] - x[1]
    first = layer.params["gamma"] * (g[0] - g[1]) * 4 * layer.eps / (d**2 + 4 * layer.eps) ** 1.5
    np.testing.assert_allclose(analytic, np.stack([first, -first]), rtol=1e-6, atol=1e-15)
    assert errors["input"] <= 1e-4, errors  # absolute 1e-7 (floor 1e-3 of relative_error)


@FAST
@given(seed=seeds, n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 4))
def test_batchnorm_spatial(seed: int, n: int, c: int, h: int) -> None:
    # two values per channel is the degenerate case of test_batchnorm_dense_batch_of_two
    assume(n * h * (h + 1) != 2)
    rng = np.random.default_rng(seed)
    layer = BatchNorm(c, spatial=True)
    layer.params["gamma"][:] = rng.uniform(0.5, 2.0, c)
    errors = check_layer(layer, rng.standard_normal((n, c, h, h + 1)), seed)
    assert max(errors.values()) <= TOL, errors


@FAST
@given(seed=seeds, batch=small, width=small, p=st.floats(0.1, 0.9))
def test_dropout_fixed_mask(seed: int, batch: int, width: int, p: float) -> None:
    rng = np.random.default_rng(seed)
    mask = (rng.random((batch, width)) >= p) / (1 - p)
    errors = check_layer(Dropout(p, fixed_mask=mask), rng.standard_normal((batch, width)), seed)
    assert errors["input"] <= TOL


@FAST
@given(seed=seeds, shape=st.lists(st.integers(1, 3), min_size=2, max_size=4))
def test_flatten(seed: int, shape: list[int]) -> None:
    rng = np.random.default_rng(seed)
    assert check_layer(Flatten(), rng.standard_normal(shape), seed)["input"] <= TOL


@FAST
@given(seed=seeds, hidden=small)
def test_whole_network_with_fused_cross_entropy(seed: int, hidden: int) -> None:
    rng = np.random.default_rng(seed)
    net = Sequential([
        Conv2D(rng.standard_normal((2, 1, 2, 2)) * 0.5, rng.standard_normal(2) * 0.1),
        Tanh(), Flatten(), Dense(rng.standard_normal((18, hidden)) * 0.3, np.zeros(hidden)),
        Sigmoid(), Dense(rng.standard_normal((hidden, 3)), rng.standard_normal(3)), Sigmoid(),
    ])  # fmt: skip
    errors = check_network(net, rng.standard_normal((2, 1, 4, 4)), rng.integers(0, 3, 2),
                           CrossEntropy())  # fmt: skip
    assert max(errors.values()) <= TOL, errors


def test_manual_backprop_table_covers_every_operation_within_tolerance() -> None:
    table = manual_backprop_table(seed=0)
    expected = {
        "matmul", "bias", "identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax",
        "quadratic", "cross_entropy", "cross_entropy_sigmoid_fused", "softmax_cross_entropy",
        "conv2d", "maxpool2d", "batchnorm", "batchnorm_spatial", "dropout", "flatten",
        "weight_decay", "network",
    }  # fmt: skip
    assert set(table) == expected
    assert all(0.0 <= error <= TOL for error in table.values()), table


def test_gradient_check_detects_a_wrong_backward_pass() -> None:
    class WrongTanh(Tanh):
        def backward(self, grad_out, need_input_grad=True):
            return grad_out * (1 - self.out)  # missing the square

    rng = np.random.default_rng(0)
    assert check_layer(WrongTanh(), away_from_zero(rng, (3, 3)))["input"] > 1e-2

"""Training steps that keep their activations and gradients between minibatches give the
numbers of the layers' own steps, bit for bit, and really reuse their arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.sim import (
    SGD,
    Adam,
    Conv2D,
    CrossEntropy,
    Dense,
    Flatten,
    MaxPool2D,
    Momentum,
    Quadratic,
    ReLU,
    Sequential,
    SoftmaxCrossEntropy,
    mlp,
    train,
)
from symnn.sim.step_buffers import StepBuffers, writes_into

LOSSES = {"sigmoid+cross-entropy": ("sigmoid", CrossEntropy), "quadratic": ("sigmoid", Quadratic),
          "softmax cross-entropy": (None, SoftmaxCrossEntropy)}  # fmt: skip
OPTIMIZERS = {"SGD": lambda: SGD(0.5, lmbda=3.0), "Momentum": lambda: Momentum(0.2, 0.6, lmbda=1.0),
              "Adam": lambda: Adam(0.01)}  # fmt: skip


def plain_epoch(net: Sequential, loss, opt, x: np.ndarray, y: np.ndarray, batch: int, seed: int) -> None:
    """One epoch through the public per-call API (``forward``, the loss's delta,
    ``backward``, the optimiser), every array new: what ``train`` stands for."""
    order, k = np.random.default_rng(seed).permutation(len(x)), net.forward(x[:1], train=False).shape[1]
    targets = y if isinstance(loss, SoftmaxCrossEntropy) else np.eye(k, dtype=np.float32)[y]
    fused, factor = net.fuses(loss), np.float32(opt.gradient_factor)
    for i in range(0, len(x), batch):
        idx = order[i : i + batch]
        out = net.forward(x[idx], train=True)
        delta = loss.delta_z(out, targets[idx]) if fused else loss.delta(out, targets[idx])
        net.backward(delta * factor if factor != 1 else delta, input_grad=False, skip_last=fused)
        opt.bind(net)
        opt.apply(len(x), factor != 1)


def assert_same_weights(a: Sequential, b: Sequential) -> None:
    wa, wb = a.get_weights(), b.get_weights()
    assert all(np.array_equal(wa[key], wb[key]) for key in wa)  # bit for bit


@settings(max_examples=25, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    activation=st.sampled_from(["sigmoid", "relu", "tanh"]),
    loss_name=st.sampled_from(sorted(LOSSES)),
    optimizer=st.sampled_from(sorted(OPTIMIZERS)),
    batch=st.integers(1, 70),
    seed=st.integers(0, 3),
)
def test_train_is_the_per_call_loop_bit_for_bit(hidden, activation, loss_name, optimizer, batch,
                                                seed) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((61, 5)).astype(np.float32), rng.integers(0, 3, 61)
    output, loss_kind = LOSSES[loss_name]
    nets = [mlp([5, *hidden, 3], activation, output=output, rng=seed) for _ in range(2)]
    train(nets[0], loss_kind(), OPTIMIZERS[optimizer](), x, y, epochs=1, batch_size=batch, seed=seed,
          progress=False)  # fmt: skip
    plain_epoch(nets[1], loss_kind(), OPTIMIZERS[optimizer](), x, y, batch, seed)
    assert_same_weights(nets[0], nets[1])


def test_a_cnn_with_a_reordered_gradient_is_the_per_call_loop_bit_for_bit() -> None:
    """ReLU after Flatten gets an NCHW gradient for NHWC memory (its copy path)."""
    rng = np.random.default_rng(2)

    def net() -> Sequential:
        r = np.random.default_rng(5)
        return Sequential([Conv2D.init(1, 3, 3, r, dtype=np.float32), MaxPool2D(2), ReLU(), Flatten(),
                           ReLU(), Dense.init(27, 3, r, dtype=np.float32)])  # fmt: skip

    x, y = rng.standard_normal((40, 1, 8, 8)).astype(np.float32), rng.integers(0, 3, 40)
    a, b = net(), net()
    train(a, SoftmaxCrossEntropy(), Momentum(0.1, 0.5), x, y, epochs=1, batch_size=8, seed=1, progress=False)
    plain_epoch(b, SoftmaxCrossEntropy(), Momentum(0.1, 0.5), x, y, 8, 1)
    assert_same_weights(a, b)


def test_the_arrays_are_reused_and_hold_the_layers_results() -> None:
    net = mlp([4, 6, 5, 3], "relu", rng=0)
    steps, rng = StepBuffers(net), np.random.default_rng(0)
    x1, x2 = (rng.standard_normal((7, 4)).astype(np.float32) for _ in range(2))
    first = steps.forward(x1)
    steps.backward(np.ones_like(first), np.float32(0.5))
    kept = [list(steps._outputs), list(steps._gradients)]
    second = steps.forward(x2)
    delta = rng.standard_normal(second.shape).astype(np.float32)
    steps.backward(delta, np.float32(0.5))
    assert second is first
    assert [o is k for o, k in zip(steps._outputs, kept[0])] == [True] * len(net.layers)
    assert all(g is k for g, k in zip(steps._gradients, kept[1]) if g is not None)
    assert sum(g is not None for g in steps._gradients) == len(net.layers) - 1  # none below the first layer
    grads = gradients(net)
    expected = net.step_forward(x2)
    net.step_backward(delta * np.float32(0.5))
    assert np.array_equal(second, expected)
    assert all(np.array_equal(grads[key], value) for key, value in gradients(net).items())


def gradients(net: Sequential) -> dict[str, np.ndarray]:
    return {f"{i}.{name}": g.copy() for i, layer in enumerate(net.layers) for name, g in layer.grads.items()}


def test_a_subclass_without_the_mark_gets_no_out() -> None:
    class Doubling(ReLU):
        def step_forward(self, x: np.ndarray) -> np.ndarray:  # no ``out``
            return 2 * super().step_forward(x)

    net = Sequential([Dense(np.eye(2, dtype=np.float32)), Doubling()])
    steps = StepBuffers(net)
    x = np.array([[1.0, -1.0]], np.float32)
    assert steps.forward(x).tolist() == [[2.0, 0.0]]
    assert steps.forward(x).tolist() == [[2.0, 0.0]]
    assert writes_into(lambda: None).writes_into and not hasattr(Doubling.step_forward, "writes_into")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_factor_of_another_dtype_keeps_numpy_s_result_type(dtype) -> None:
    net = mlp([2, 2], "sigmoid", output="sigmoid", rng=0, dtype=np.float32)
    steps = StepBuffers(net)
    a = steps.forward(np.ones((3, 2), np.float32))
    steps.backward(a, dtype(0.5), skip_last=True)
    assert steps._delta.dtype == np.result_type(a, dtype(0.5))

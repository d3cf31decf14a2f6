"""The training loop's fused ReLU + max pooling, and the pooling's blocks of images.

* ``MaxPool2D.step_forward_relu`` (a ReLU after or before the pooling, in its pass)
  gives exactly the outputs and input gradients of the two layers run one after the
  other, ties and windows with no positive entry included;
* the blocks of images the pooling works through (``CHUNK_BYTES``) change no number;
* ``train`` on a CNN with both orders gives, bit for bit, the weights and history of
  the same CNN whose ReLUs are a subclass (subclasses are not fused);
* only adjacent exact ``MaxPool2D`` / ``ReLU`` pairs are fused, each layer at most once.

Every comparison is exact (``np.array_equal``): the fused pass does the same float
operations as the separate layers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.sim import (
    SGD,
    Conv2D,
    Dense,
    Flatten,
    LeakyReLU,
    MaxPool2D,
    ReLU,
    Sequential,
    SoftmaxCrossEntropy,
    pooling,
    train,
)  # fmt: skip
from symnn.sim.fusion import fuse_relu_pooling

FAST = settings(max_examples=40, deadline=None, database=None)


class PlainReLU(ReLU):
    """A ReLU the training loop does not fuse (only the exact class is)."""


def with_chunk_bytes(chunk: int, run):
    """``run()`` with the pooling's block size set to ``chunk`` bytes."""
    saved, pooling.CHUNK_BYTES = pooling.CHUNK_BYTES, chunk
    try:
        return run()
    finally:
        pooling.CHUNK_BYTES = saved


def separate(layers: list, x: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output and input gradient of ``layers`` run one by one through forward/backward."""
    for layer in layers:
        x = layer.forward(x)
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return x, grad


def fused(layers: list, x: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same through the training loop's (fused) step calls."""
    forwards = [layer.step_forward for layer in layers]
    backwards = [layer.step_backward for layer in layers]
    assert fuse_relu_pooling(layers, forwards, backwards) == [(0, 1)]
    for forward in forwards:
        x = forward(x)
    for backward in reversed(backwards):
        grad = backward(grad, True)
    return x, grad


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), c=st.integers(1, 4),
       h=st.integers(2, 9), w=st.integers(2, 9), k=st.integers(1, 3), s=st.integers(1, 3),
       relu_first=st.booleans(), chunk=st.sampled_from([1, 200, 1 << 20]))  # fmt: skip
def test_fused_relu_pooling_equals_the_two_layers(
    seed: int, n: int, c: int, h: int, w: int, k: int, s: int, relu_first: bool, chunk: int
) -> None:
    if h < k or w < k:
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 3, (n, c, h, w)).astype(np.float32)  # ties, zeros, all-negative windows
    pool_shape = MaxPool2D(k, s).forward(x).shape
    grad = rng.standard_normal(pool_shape).astype(np.float32)

    def pair() -> list:
        return [ReLU(), MaxPool2D(k, s)] if relu_first else [MaxPool2D(k, s), ReLU()]

    y_plain, dx_plain = with_chunk_bytes(chunk, lambda: separate(pair(), x, grad))
    y_fused, dx_fused = with_chunk_bytes(chunk, lambda: fused(pair(), x, grad))
    assert np.array_equal(y_fused, y_plain)
    assert np.array_equal(dx_fused, dx_plain)


@pytest.mark.parametrize("k, s", [(2, 2), (3, 2), (2, 3)])
def test_pooling_blocks_change_no_number(k: int, s: int) -> None:
    rng = np.random.default_rng(k * s)
    x = rng.integers(-2, 3, (7, 3, 11, 10)).astype(np.float32)
    grad = rng.standard_normal(MaxPool2D(k, s).forward(x).shape).astype(np.float32)
    whole = with_chunk_bytes(1 << 30, lambda: separate([MaxPool2D(k, s)], x, grad))
    for chunk in (1, x[0].nbytes * 2, x[0].nbytes * 3 + 1):  # 1, 2 and 3 images per block
        blocks = with_chunk_bytes(chunk, lambda: separate([MaxPool2D(k, s)], x, grad))
        assert all(np.array_equal(a, b) for a, b in zip(blocks, whole, strict=True))


def small_cnn(relu: type) -> Sequential:
    """Both orders: conv, ReLU, pooling, then conv, pooling, ReLU."""
    rng = np.random.default_rng(3)
    f32 = np.float32
    return Sequential([
        Conv2D.init(1, 4, 3, rng, dtype=f32), relu(), MaxPool2D(2),
        Conv2D.init(4, 6, 3, rng, dtype=f32), MaxPool2D(2), relu(),
        Flatten(), Dense.init(6 * 2 * 2, 3, rng, dtype=f32),
    ])  # fmt: skip


def test_training_with_fused_steps_is_bit_for_bit_the_separate_layers() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((90, 1, 14, 14)).astype(np.float32)
    y = rng.integers(0, 3, 90)
    runs = []
    for relu in (ReLU, PlainReLU):
        net = small_cnn(relu)
        forwards, _ = net.step_calls()
        fused_pairs = [f for f, layer in zip(forwards, net.layers, strict=True) if f != layer.step_forward]
        assert len(fused_pairs) == (4 if relu is ReLU else 0)  # both layers of both pairs
        history = train(net, SoftmaxCrossEntropy(), SGD(0.05), x, y, epochs=2, batch_size=16, seed=1,
                        x_val=x[:30], y_val=y[:30], progress=False)  # fmt: skip
        runs.append((net.get_weights(), history.to_dict()))
    (wa, ha), (wb, hb) = runs
    assert all(np.array_equal(wa[key], wb[key]) for key in wa)
    ha.pop("epoch_time"), hb.pop("epoch_time")
    assert ha == hb
    assert ha["train_loss"][-1] < ha["train_loss"][0]  # it did train


def test_only_adjacent_exact_pairs_are_fused_each_layer_once() -> None:
    layers = [ReLU(), MaxPool2D(2), ReLU(), LeakyReLU(), MaxPool2D(2), PlainReLU(), MaxPool2D(2)]
    forwards = [layer.step_forward for layer in layers]
    backwards = [layer.step_backward for layer in layers]
    assert fuse_relu_pooling(layers, forwards, backwards) == [(0, 1)]
    assert forwards[2] == layers[2].step_forward  # the second ReLU is left alone
    assert all(f == layer.step_forward for f, layer in zip(forwards[2:], layers[2:], strict=True))


def test_a_fused_relu_after_pooling_keeps_its_output_and_one_before_keeps_none() -> None:
    x = np.arange(-8.0, 8.0, dtype=np.float32).reshape(1, 1, 4, 4)
    for layers, relu in (([MaxPool2D(2), ReLU()], 1), ([ReLU(), MaxPool2D(2)], 0)):
        y, _ = fused(layers, x, np.ones((1, 1, 2, 2), np.float32))
        if relu == 1:
            assert layers[1].out is y
        else:
            assert layers[0].out is None
            with pytest.raises(Exception, match="before forward"):
                layers[0].backward(np.ones_like(x))

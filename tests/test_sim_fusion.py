"""The training loop's fused steps (ReLU in the pooling, convolutions cropped to what a
pooling reads), and the pooling's blocks of images.

* ``MaxPool2D.step_forward_relu`` (a ReLU after or before the pooling, in its pass)
  gives exactly the outputs and input gradients of the two layers run one after the
  other, ties and windows with no positive entry included;
* the blocks of images the pooling works through (``CHUNK_BYTES``) change no number;
* ``train`` on a CNN with both orders gives, bit for bit, the weights and history of
  the same CNN whose ReLUs are a subclass (subclasses are not fused);
* only adjacent exact ``MaxPool2D`` / ``ReLU`` pairs are fused, each layer at most once;
* a ``Conv2D`` in front of a pooling that drops its last rows and columns computes the
  same pooled outputs and the same input gradient without them, and a training run
  with it agrees with one through the whole convolution output; its backward pass does
  not search its gradient for rows without gradient (an uncropped one does).

Every comparison is exact (``np.array_equal``) except the weight gradients of a cropped
convolution, which sum the same nonzero terms in another grouping: relative error at
most 1e-5 of the largest entry (float32 rounding over a few hundred terms), and the
weights after 2 epochs within 1e-4 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.errors import ParameterError
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
from symnn.sim.fusion import crop_for_pooling, fuse_relu_pooling

FAST = settings(max_examples=40, deadline=None, database=None)


class PlainReLU(ReLU):
    """A ReLU the training loop does not fuse (only the exact class is)."""


def step_through(net: Sequential, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The training loop's step calls of ``net`` on ``x``, a gradient of ones back to the
    input (every input gradient, the first layer's included): (outputs, input gradient)."""
    forwards, backwards = net.step_calls()
    a = x
    for forward in forwards:
        a = forward(a)
    g = np.ones_like(a)
    for backward, _ in backwards:
        g = backward(g, True)
    return a, g


class PlainConv2D(Conv2D):
    """A convolution the training loop does not crop (only the exact class is)."""


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


def cnn(conv: type = Conv2D, relu: type = ReLU, c_in: int = 1, k2: int = 3, c2: int = 6) -> Sequential:
    """Both orders: conv, ReLU, pooling, then conv (kernel ``k2``, ``c2`` channels),
    pooling, ReLU, and a dense layer over 2 x 2 pooled maps."""
    rng = np.random.default_rng(3)
    f32 = np.float32
    return Sequential([
        conv.init(c_in, 4, 3, rng, dtype=f32), relu(), MaxPool2D(2),
        conv.init(4, c2, k2, rng, dtype=f32), MaxPool2D(2), relu(),
        Flatten(), Dense.init(c2 * 2 * 2, 3, rng, dtype=f32),
    ])  # fmt: skip


def test_training_with_fused_steps_is_bit_for_bit_the_separate_layers() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((90, 1, 14, 14)).astype(np.float32)
    y = rng.integers(0, 3, 90)
    runs = []
    for relu in (ReLU, PlainReLU):
        net = cnn(relu=relu)  # 14 x 14 inputs: every pooling tiles its input
        forwards, _ = net.step_calls()
        rewritten = [i for i, (f, layer) in enumerate(zip(forwards, net.layers, strict=True))
                     if f != layer.step_forward]  # fmt: skip
        # both layers of both ReLU-pooling pairs, and the convolutions in front of a pooling
        assert rewritten == ([0, 1, 2, 3, 4, 5] if relu is ReLU else [3])
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


def odd_cnn(conv: type) -> Sequential:
    """For 15 x 15 inputs: convolution outputs of 13 x 13 and 5 x 5 into 2 x 2 poolings,
    which drop a row and a column."""
    return cnn(conv, c_in=2, k2=2, c2=9)


def test_a_cropped_convolution_gives_the_same_outputs_and_input_gradients() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 2, 15, 15)).astype(np.float32)
    nets = [odd_cnn(Conv2D), odd_cnn(PlainConv2D)]
    calls = [net.step_calls() for net in nets]
    assert crop_for_pooling(nets[0].layers, [layer.step_forward for layer in nets[0].layers]) == [0, 3]
    outputs = []
    for forwards, _ in calls:
        a = x
        for forward in forwards:
            a = forward(a)
        outputs.append(a)
    assert np.array_equal(outputs[0], outputs[1])
    grad = rng.standard_normal(outputs[0].shape).astype(np.float32)
    for net, (_, backwards) in zip(nets, calls, strict=True):
        g = grad
        for backward, _ in backwards:  # every input gradient, the first layer's included
            g = backward(g, True)
        net.input_gradient = g
    assert nets[0].layers[0].cols.shape[0] == 6 * 12 * 12  # 13 x 13 outputs, 12 x 12 computed
    assert np.array_equal(nets[0].input_gradient, nets[1].input_gradient)
    for cropped, whole in zip(nets[0].layers, nets[1].layers, strict=True):
        for name, value in whole.grads.items():
            assert np.abs(cropped.grads[name] - value).max() <= 1e-5 * np.abs(value).max()


def test_a_cropped_convolution_does_not_search_its_gradient_for_empty_rows(monkeypatch) -> None:
    """Its output rows are exactly those the pooling reads, so the backward pass skips
    the search for trailing rows without gradient; an uncropped one still searches."""
    from symnn.sim import conv as conv_module

    searched: list[tuple[int, ...]] = []
    real = conv_module.nonzero_extent
    monkeypatch.setattr(conv_module, "nonzero_extent", lambda d: searched.append(d.shape) or real(d))
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 15, 15)).astype(np.float32)
    for net, expected in ((odd_cnn(Conv2D), 0), (odd_cnn(PlainConv2D), 2)):
        searched.clear()
        step_through(net, x)
        assert len(searched) == expected, searched


def test_training_with_cropped_convolutions_agrees_with_the_whole_outputs() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((80, 2, 15, 15)).astype(np.float32)
    y = rng.integers(0, 3, 80)
    weights = []
    for conv in (Conv2D, PlainConv2D):
        net = odd_cnn(conv)
        train(net, SoftmaxCrossEntropy(), SGD(0.05), x, y, epochs=2, batch_size=16, seed=3, progress=False)
        weights.append(net.get_weights())
    for key, value in weights[1].items():
        np.testing.assert_allclose(weights[0][key], value, rtol=1e-4, atol=1e-4 * np.abs(value).max())


@pytest.mark.parametrize("relu_first", [False, True])
def test_an_empty_batch_pools_to_an_empty_batch(relu_first: bool) -> None:
    x = np.zeros((0, 2, 5, 4), np.float32)
    y, dx = separate([MaxPool2D(2)], x, np.zeros((0, 2, 2, 2), np.float32))
    assert y.shape == (0, 2, 2, 2) and dx.shape == x.shape
    pair = [ReLU(), MaxPool2D(2)] if relu_first else [MaxPool2D(2), ReLU()]
    y, dx = fused(pair, x, np.zeros((0, 2, 2, 2), np.float32))
    assert y.shape == (0, 2, 2, 2) and dx.shape == x.shape


@pytest.mark.parametrize("k, s", [(2, 2), (3, 2), (2, 3), (3, 3)])
@pytest.mark.parametrize("relu", [None, "before", "after"])
def test_cropping_for_any_pooling_keeps_outputs_and_input_gradients(k: int, s: int, relu: str | None) -> None:
    rng = np.random.default_rng(k * 10 + s)
    x = rng.standard_normal((3, 3, 12, 11)).astype(np.float32)
    outputs = []
    for conv in (Conv2D, PlainConv2D):
        layers = [conv.init(3, 4, 2, np.random.default_rng(0), dtype=np.float32), MaxPool2D(k, s)]
        if relu is not None:
            layers.insert(1 if relu == "before" else 2, ReLU())
        a, g = step_through(Sequential(layers), x)
        outputs.append((a, g, layers[0].grads["W"].copy(), layers[0].cols.shape[0]))
    (ya, ga, wa, rows_a), (yb, gb, wb, rows_b) = outputs
    assert np.array_equal(ya, yb) and np.array_equal(ga, gb)
    assert np.abs(wa - wb).max() <= 1e-5 * np.abs(wb).max()
    covered_h, covered_w = MaxPool2D(k, s).covered(11), MaxPool2D(k, s).covered(10)
    assert rows_a == 3 * covered_h * covered_w <= rows_b == 3 * 11 * 10


@pytest.mark.parametrize("keep", [(0, 3), (3, 0), (-1, -1)])
def test_a_convolution_refuses_to_keep_no_output_row_or_column(keep: tuple[int, int]) -> None:
    conv = Conv2D.init(1, 2, 3, rng=0, dtype=np.float32)
    with pytest.raises(ParameterError, match="keep"):
        conv.step_forward(np.ones((1, 1, 6, 6), np.float32), keep=keep)
    assert conv.step_forward(np.ones((1, 1, 6, 6), np.float32), keep=(9, 9)).shape == (1, 2, 4, 4)

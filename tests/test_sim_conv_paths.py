"""The convolution's and pooling's fast paths against the plain computations they replace.

* the input gradient of a convolution whose last output rows or columns get no gradient
  (a following max pooling drops them) leaves their windows out: checked against col2im
  of the full ``delta @ w_mat`` and against central differences through the pooling;
* ``step_forward`` / ``step_backward`` (the training loop's calls) give exactly what
  ``forward`` / ``backward`` give;
* ReLU's backward pass with a gradient laid out unlike its output (NCHW order against
  an NCHW view of NHWC memory, as after Flatten) is exactly the plain product.

Tolerances: float64 products summed in another grouping agree to 1e-12 relative;
gradient checks use symnn.sim.gradcheck's relative max-norm error, at most 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.sim import Conv2D, Flatten, MaxPool2D, ReLU, Sequential, SoftmaxCrossEntropy
from symnn.sim.conv import im2col, input_gradient, nonzero_extent, output_size
from symnn.sim.gradcheck import check_network

FAST = settings(max_examples=25, deadline=None, database=None)


def col2im(dcols: np.ndarray, shape: tuple[int, ...], kh: int, kw: int, s: int) -> np.ndarray:
    """The input gradient from the full (M, kh kw C) matrix, one window at a time."""
    n, h, w, c = shape
    h_out, w_out = output_size(h, kh, s), output_size(w, kw, s)
    blocks = dcols.reshape(n, h_out, w_out, kh, kw, c)
    dx = np.zeros(shape)
    for r, q, i, j in np.ndindex(h_out, w_out, kh, kw):
        dx[:, s * r + i, s * q + j] += blocks[:, r, q, i, j]
    return dx


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2), h=st.integers(3, 7),
       w=st.integers(3, 7), k=st.integers(1, 3), s=st.integers(1, 2),
       cut_rows=st.integers(0, 3), cut_columns=st.integers(0, 3))  # fmt: skip
def test_input_gradient_over_an_extent_equals_col2im_with_zero_rows(
    seed: int, n: int, h: int, w: int, k: int, s: int, cut_rows: int, cut_columns: int
) -> None:
    rng = np.random.default_rng(seed)
    c, c_out = 3, 2
    h_out, w_out = output_size(h, k, s), output_size(w, k, s)
    extent = (max(h_out - cut_rows, 0), max(w_out - cut_columns, 0))
    delta = np.zeros((n, h_out, w_out, c_out))
    delta[:, : extent[0], : extent[1]] = rng.standard_normal((n, *extent, c_out))
    w_mat = rng.standard_normal((c_out, k * k * c))
    expected = col2im(delta.reshape(-1, c_out) @ w_mat, (n, h, w, c), k, k, s)
    used = delta[:, : extent[0], : extent[1]].reshape(-1, c_out)
    dx = input_gradient(used, w_mat, (n, h, w, c), k, k, s, extent)
    assert np.allclose(dx, expected, rtol=1e-12, atol=1e-12)
    assert nonzero_extent(delta) == extent or not delta.any()


def test_nonzero_extent_finds_the_last_row_and_column_with_a_gradient() -> None:
    delta = np.zeros((2, 5, 4, 3))
    assert nonzero_extent(delta) == (0, 0)
    delta[1, 2, 0, 2] = -1.0
    assert nonzero_extent(delta) == (3, 1)
    delta[0, 0, 3, 0] = 2.0  # a column further right, in a row above
    assert nonzero_extent(delta) == (3, 4)


@pytest.mark.parametrize("size, stride", [(7, 1), (8, 2), (9, 1)])
def test_conv_before_a_pooling_that_drops_its_last_row_passes_the_gradient_check(
    size: int, stride: int
) -> None:
    """An odd convolution output under 2 x 2 pooling: the last row and column get no
    gradient and the convolution's input gradient skips their windows."""
    rng = np.random.default_rng(size)
    net = Sequential([
        Conv2D(rng.standard_normal((2, 1, 2, 2)), rng.standard_normal(2)),
        Conv2D(rng.standard_normal((3, 2, 2, 2)), rng.standard_normal(3), stride=stride),
        MaxPool2D(2), Flatten(),
    ])  # fmt: skip
    x = rng.standard_normal((2, 1, size, size))
    conv_out = net.layers[1].forward(net.layers[0].forward(x))
    assert conv_out.shape[2] % 2 == 1  # the pooling drops a row and a column
    labels = rng.integers(0, net.forward(x).shape[1], 2)
    errors = check_network(net, x, labels, SoftmaxCrossEntropy())
    assert max(errors.values()) <= 1e-6, errors


def test_conv_input_gradient_with_dropped_rows_matches_the_full_col2im() -> None:
    rng = np.random.default_rng(4)
    conv = Conv2D(rng.standard_normal((4, 9, 3, 3)), rng.standard_normal(4))
    y = conv.forward(rng.standard_normal((2, 9, 8, 7)))
    grad = rng.standard_normal(y.shape)
    grad[:, :, -1], grad[:, :, :, -2:] = 0.0, 0.0
    dx = conv.backward(grad)
    w_mat = conv.params["W"].transpose(0, 2, 3, 1).reshape(4, -1)
    full = col2im(grad.transpose(0, 2, 3, 1).reshape(-1, 4) @ w_mat, (2, 8, 7, 9), 3, 3, 1)
    assert np.allclose(dx, full.transpose(0, 3, 1, 2), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c_in, stride, padding", [(1, 1, 0), (9, 1, 1), (3, 2, 0)])
def test_conv_step_calls_equal_forward_and_backward(c_in: int, stride: int, padding: int) -> None:
    rng = np.random.default_rng(c_in)
    x = rng.standard_normal((3, c_in, 9, 8)).astype(np.float32)
    make = lambda: Conv2D.init(c_in, 5, 3, rng=2, stride=stride, padding=padding, dtype=np.float32)  # noqa: E731
    plain, step = make(), make()
    y = plain.forward(x)
    assert np.array_equal(step.step_forward(x), y)
    grad = rng.standard_normal(y.shape).astype(np.float32)
    assert np.array_equal(step.step_backward(grad, True), plain.backward(grad))
    for name in plain.grads:
        assert np.array_equal(step.grads[name], plain.grads[name])
    assert step.step_backward(grad, False) is None


@pytest.mark.parametrize("k, s", [(2, 2), (3, 2), (2, 3)])
def test_pool_step_calls_equal_forward_and_backward(k: int, s: int) -> None:
    rng = np.random.default_rng(k + s)
    x = np.maximum(rng.standard_normal((2, 3, 9, 8)), 0).astype(np.float32)  # ties at 0
    plain, step = MaxPool2D(k, s), MaxPool2D(k, s)
    y = plain.forward(x)
    assert np.array_equal(step.step_forward(x), y)
    grad = rng.standard_normal(y.shape).astype(np.float32)
    assert np.array_equal(step.step_backward(grad, True), plain.backward(grad))


@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_relu_backward_with_a_gradient_in_another_layout_is_the_plain_product(
    grad_dtype: type,
) -> None:
    rng = np.random.default_rng(6)
    nhwc = rng.standard_normal((4, 3, 3, 8)).astype(np.float32)
    nhwc[0, 0, 0] = 0.0  # relu'(0) = 0
    relu = ReLU()
    out = relu.forward(nhwc.transpose(0, 3, 1, 2))  # an NCHW view of NHWC memory
    grad = rng.standard_normal(out.shape).astype(grad_dtype)  # C-contiguous NCHW
    expected = grad * (out > 0)
    dx = relu.backward(grad)
    assert dx.dtype == expected.dtype
    assert np.array_equal(dx, expected)
    assert np.array_equal(relu.backward(np.ascontiguousarray(grad.transpose(0, 2, 3, 1))
                                        .transpose(0, 3, 1, 2)), expected)  # fmt: skip


@pytest.mark.parametrize("c, ones", [(1, True), (2, False), (9, True)])
def test_im2col_into_a_transposed_array_equals_a_fresh_one(c: int, ones: bool) -> None:
    """Few-channel convolutions keep ``cols`` F-ordered (its transpose in memory)."""
    xt = np.random.default_rng(c).standard_normal((2, 6, 5, c)).astype(np.float32)
    fresh = im2col(xt, 3, 2, 1, ones=ones)
    out = np.full(fresh.shape[::-1], np.nan, np.float32).T
    assert im2col(xt, 3, 2, 1, ones=ones, out=out) is out
    assert np.array_equal(out, fresh)


def test_first_convolution_keeps_cols_transposed_and_its_gradients_match_a_loop() -> None:
    rng = np.random.default_rng(8)
    conv = Conv2D(rng.standard_normal((3, 1, 3, 3)), rng.standard_normal(3))
    x = rng.standard_normal((2, 1, 6, 5))
    y = conv.forward(x)
    assert conv.cols.flags.f_contiguous and not conv.cols.flags.c_contiguous
    grad = rng.standard_normal(y.shape)
    conv.backward(grad, need_input_grad=False)
    expected = np.zeros((3, 1, 3, 3))
    for n, o, r, q in np.ndindex(*y.shape):
        expected[o] += grad[n, o, r, q] * x[n, :, r : r + 3, q : q + 3]
    assert np.allclose(conv.grads["W"], expected, rtol=1e-12, atol=1e-12)
    assert np.allclose(conv.grads["b"], grad.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)


@FAST
@given(batches=st.lists(st.integers(1, 9), min_size=2, max_size=5), c_in=st.sampled_from([1, 8]),
       seed=st.integers(0, 2**16))  # fmt: skip
def test_work_arrays_kept_across_batch_sizes_change_no_result(batches, c_in, seed) -> None:
    """A convolution and a pooling that ran a larger batch reuse the front of its work
    arrays for a smaller one (the one example ``train`` checks a model with, an epoch's
    last minibatch) and compute exactly what fresh layers compute."""
    rng = np.random.default_rng(seed)
    conv, pool = Conv2D.init(c_in, 3, 3, rng, dtype=np.float32), MaxPool2D(2)
    previous: dict[str, np.ndarray] = {}
    for n in batches:
        x = rng.standard_normal((n, c_in, 9, 9)).astype(np.float32)
        fresh_conv, fresh_pool = Conv2D(conv.params["W"], conv.params["b"]), MaxPool2D(2)
        y = pool.step_forward_relu(conv.step_forward(x))
        expected = fresh_pool.step_forward_relu(fresh_conv.step_forward(x))
        assert np.array_equal(y, expected)
        g = rng.standard_normal(y.shape).astype(np.float32)
        dx = conv.step_backward(pool.step_backward(g, True), True)
        assert np.array_equal(dx, fresh_conv.step_backward(fresh_pool.step_backward(g, True), True))
        assert np.array_equal(conv.grads["W"], fresh_conv.grads["W"])
        work = {f"{type(layer).__name__}.{name}": array for layer in (conv, pool)
                for name, array in layer._work.items()}  # fmt: skip
        for key, before in previous.items():
            assert work[key].size >= before.size  # never shrunk
            if work[key].size == before.size:
                assert work[key] is before  # not reallocated when it was large enough
        previous = work

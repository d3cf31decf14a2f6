"""Activations, layers and losses: conventions, stability, shapes and independent oracles."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from symnn.errors import ParameterError, ShapeError, SymnnError
from symnn.sim import (
    BatchNorm,
    Conv2D,
    CrossEntropy,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Quadratic,
    Sequential,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropy,
    UnitStep,
    activations,
    mlp,
)
from symnn.sim.conv import im2col, input_gradient, output_size


def test_conventions_at_zero() -> None:
    zero = np.array([0.0])
    assert activations.unit_step(zero)[0] == 1.0  # Heaviside(0) = 1
    assert activations.unit_step(zero, at_zero=0.5)[0] == 0.5
    assert activations.relu_prime(zero)[0] == 0.0  # relu'(0) = 0
    assert activations.leaky_relu_prime(zero, alpha=0.3)[0] == 0.3
    assert activations.sigmoid_prime(zero)[0] == 0.25
    assert activations.tanh_prime(zero)[0] == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_and_keeps_dtype(dtype: type) -> None:
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        y = activations.sigmoid(x)
    assert y.dtype == dtype
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    # symmetry sigma(-x) = 1 - sigma(x), tolerance 1e-7 (float32 resolution)
    assert np.allclose(activations.sigmoid(-x), 1 - y, atol=1e-7)


def test_sigmoid_matches_the_definition_in_float64() -> None:
    x = np.linspace(-30, 30, 61)
    exact = np.array([1 / (1 + math.exp(-v)) for v in x])
    assert np.allclose(activations.sigmoid(x), exact, rtol=1e-14, atol=0)


def test_softmax_and_log_softmax_are_stable() -> None:
    z = np.array([[1000.0, 999.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = activations.softmax(z)
        log_p = activations.log_softmax(z)
    e = math.exp(-1)
    assert np.allclose(p[0, :2], [1 / (1 + e), e / (1 + e)], rtol=1e-14)
    assert p[0, 2] == 0.0 and np.isclose(p.sum(), 1.0, rtol=1e-15)
    assert np.allclose(np.exp(log_p), p, rtol=1e-14) and np.isfinite(log_p).all()


def test_derivative_functions_match_central_differences() -> None:
    x, h = np.array([-1.7, -0.4, 0.3, 2.2]), 1e-6
    for f, fp in [(activations.sigmoid, activations.sigmoid_prime),
                  (activations.tanh, activations.tanh_prime),
                  (activations.relu, activations.relu_prime),
                  (lambda v: activations.leaky_relu(v, 0.1),
                   lambda v: activations.leaky_relu_prime(v, 0.1))]:  # fmt: skip
        numeric = (f(x + h) - f(x - h)) / (2 * h)
        assert np.allclose(fp(x), numeric, atol=1e-8), f


def test_unit_step_layer_has_no_backward() -> None:
    layer = UnitStep()
    assert layer.forward(np.array([[-1.0, 0.0, 1.0]])).tolist() == [[0.0, 1.0, 1.0]]
    with pytest.raises(SymnnError, match="no backward"):
        layer.backward(np.ones((1, 3)))


def test_dense_computes_x_w_plus_b_in_the_parameters_dtype() -> None:
    W, b = np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0])
    x = np.array([[1.0, 0.0, 2.0]])
    assert Dense(W, b).forward(x).tolist() == [[9.0, 10.0]]
    net = Sequential([Dense(W.astype(np.float32), b.astype(np.float32))])
    assert net.forward(x).dtype == np.float32  # the input (float64) is cast
    assert Dense(W).params.keys() == {"W"}  # b=None: no bias


def test_dense_copies_its_arrays() -> None:
    W = np.ones((2, 2))
    layer = Dense(W)
    W[0, 0] = 5.0
    assert layer.params["W"][0, 0] == 1.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: Dense(np.ones((3, 2))).forward(np.ones((4, 5))), r"\(4, 5\).*\(batch, 3\)"),
        (lambda: Dense(np.ones((3, 2)), np.ones(3)), r"b of shape \(3,\).*\(2,\)"),
        (lambda: Dense(np.ones(3)), r"W of shape \(3,\)"),
        (lambda: Conv2D(np.ones((4, 2, 3, 3))).forward(np.ones((1, 3, 5, 5))), r"\(1, 3, 5, 5\)"),
        (lambda: Conv2D(np.ones((4, 2, 3, 3))).forward(np.ones((5, 5))), r"\(5, 5\)"),
        (lambda: MaxPool2D(3).forward(np.ones((1, 1, 2, 2))), r"\(1, 1, 2, 2\)"),
        (lambda: BatchNorm(3).forward(np.ones((2, 4))), r"\(2, 4\).*\(batch, 3\)"),
        (lambda: BatchNorm(3, spatial=True).forward(np.ones((2, 3))), r"\(2, 3\)"),
        (lambda: Quadratic().fn(np.ones((2, 3)), np.ones((3, 2))), r"\(3, 2\).*\(2, 3\)"),
        (lambda: SoftmaxCrossEntropy().fn(np.ones((2, 3)), np.array([0, 1, 2])), r"\(3,\)"),
    ],
)
def test_shape_errors_name_the_shapes(call, message: str) -> None:
    with pytest.raises(ShapeError, match=message):
        call()


def test_backward_with_a_wrong_gradient_shape_is_a_shape_error() -> None:
    layer = Dense(np.ones((3, 2)))
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ShapeError, match=r"\(4, 3\).*\(4, 2\)"):
        layer.backward(np.ones((4, 3)))


@pytest.mark.parametrize("c_in, s, p", [(3, 2, 1), (9, 1, 0), (9, 2, 2)])  # both im2col paths
def test_conv2d_matches_a_direct_loop(c_in: int, s: int, p: int) -> None:
    rng = np.random.default_rng(1)
    x, W = rng.standard_normal((2, c_in, 7, 6)), rng.standard_normal((4, c_in, 3, 2))
    b = rng.standard_normal(4)
    y = Conv2D(W, b, stride=s, padding=p).forward(x)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    h_out, w_out = (7 + 2 * p - 3) // s + 1, (6 + 2 * p - 2) // s + 1
    expected = np.zeros((2, 4, h_out, w_out))
    for n in range(2):
        for o in range(4):
            for r in range(h_out):
                for c in range(w_out):
                    patch = xp[n, :, r * s : r * s + 3, c * s : c * s + 2]
                    expected[n, o, r, c] = b[o] + np.sum(patch * W[o])
    assert y.shape == expected.shape
    assert np.allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_maxpool_matches_a_direct_loop_and_routes_ties_to_the_first_maximum() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 7, 5))
    pool = MaxPool2D(3, stride=2)
    y = pool.forward(x)
    expected = np.array([[[[x[n, c, 2 * r : 2 * r + 3, 2 * q : 2 * q + 3].max()
                            for q in range(2)] for r in range(3)] for c in range(3)]
                         for n in range(2)])  # fmt: skip
    assert np.array_equal(y, expected)
    tied = MaxPool2D(2)
    tied.forward(np.ones((1, 1, 2, 2)))
    assert tied.backward(np.ones((1, 1, 1, 1))).ravel().tolist() == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("k, s, h", [(2, 2, 6), (2, 2, 7), (2, 3, 8), (3, 2, 7), (3, 1, 5)])
@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_maxpool_backward_matches_a_direct_loop(k: int, s: int, h: int, grad_dtype: type) -> None:
    """Tiled, gapped (s > k) and overlapping (s < k) windows, with ties from a ReLU."""
    rng = np.random.default_rng(k * 10 + s)
    x = np.maximum(rng.standard_normal((2, 3, h, h)), 0).astype(np.float32)
    pool = MaxPool2D(k, stride=s)
    y = pool.forward(x)
    g = rng.standard_normal(y.shape).astype(grad_dtype)
    expected = np.zeros(x.shape, np.float32)
    for n, c, r, q in np.ndindex(*y.shape):
        window = x[n, c, r * s : r * s + k, q * s : q * s + k]
        i, j = divmod(int(np.argmax(window)), k)  # first maximum in row-major order
        expected[n, c, r * s + i, q * s + j] += g[n, c, r, q]
    dx = pool.backward(g)
    assert dx.dtype == np.float32 and dx.shape == x.shape
    assert np.allclose(dx, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(2, 13, 13, 32), (3, 7, 9, 1), (1, 4, 5, 3)])
@pytest.mark.parametrize("kh, kw, s", [(3, 3, 1), (2, 3, 1), (3, 2, 1), (1, 1, 1), (3, 3, 2), (2, 2, 3)])
def test_input_gradient_adds_every_window_back_like_a_direct_loop(
    shape: tuple[int, int, int, int], kh: int, kw: int, s: int
) -> None:
    n, h, w, c = shape
    h_out, w_out = output_size(h, kh, s), output_size(w, kw, s)
    rng = np.random.default_rng(h * w + kh)
    delta, w_mat = rng.standard_normal((n * h_out * w_out, 4)), rng.standard_normal((4, kh * kw * c))
    dcols = delta @ w_mat
    blocks = dcols.reshape(n, h_out, w_out, kh, kw, c)
    expected = np.zeros(shape)
    for r, q, i, j in np.ndindex(h_out, w_out, kh, kw):
        expected[:, s * r + i, s * q + j] += blocks[:, r, q, i, j]
    dx = input_gradient(delta, w_mat, shape, kh, kw, s)
    assert np.allclose(dx, expected, rtol=1e-12, atol=1e-12)
    x = rng.standard_normal(shape)  # the adjoint pair: <im2col(x) w_mat^T, delta> = <x, dx>
    assert math.isclose(np.vdot(im2col(x, kh, kw, s) @ w_mat.T, delta), np.vdot(x, dx))


@pytest.mark.parametrize("c, ones", [(1, True), (3, False), (16, False), (16, True)])
def test_im2col_into_a_given_array_equals_a_fresh_one(c: int, ones: bool) -> None:
    xt = np.random.default_rng(c).standard_normal((2, 6, 5, c)).astype(np.float32)
    fresh = im2col(xt, 3, 2, 1, ones=ones)
    out = np.full(fresh.shape, np.nan, np.float32)
    assert im2col(xt, 3, 2, 1, ones=ones, out=out) is out
    assert np.array_equal(out, fresh)


def test_conv_and_pool_reuse_their_work_arrays_across_batch_sizes() -> None:
    """Layers keep im2col's cols and pooling masks between calls; results must not depend
    on what an earlier batch (of another size) left in them."""
    rng = np.random.default_rng(5)
    make = lambda: [Conv2D.init(2, 9, 3, rng=1, dtype=np.float32), MaxPool2D(2)]  # noqa: E731
    reused = make()
    for n in (4, 3, 4):
        x = rng.standard_normal((n, 2, 9, 9)).astype(np.float32)
        g = rng.standard_normal((n, 9, 3, 3)).astype(np.float32)
        new = make()
        results = []
        for layers in (reused, new):
            y = layers[1].forward(layers[0].forward(x))
            dx = layers[0].backward(layers[1].backward(g))
            results.append((y, dx, layers[0].grads["W"].copy(), layers[0].grads["b"].copy()))
        for a, b in zip(*results, strict=True):
            assert np.array_equal(a, b)


def test_batchnorm_batch_of_one_returns_beta_for_any_input() -> None:
    rng = np.random.default_rng(3)
    bn = BatchNorm(4)
    bn.params["beta"][:] = [0.5, -1.0, 2.0, 0.0]
    bn.params["gamma"][:] = rng.uniform(1, 2, 4)
    for _ in range(5):
        assert np.array_equal(bn.forward(rng.standard_normal((1, 4)) * 100)[0], bn.params["beta"])
    spatial = BatchNorm(2, spatial=True)
    spatial.params["beta"][:] = [3.0, -3.0]
    out = spatial.forward(rng.standard_normal((1, 2, 1, 1)))
    assert out.ravel().tolist() == [3.0, -3.0]


def test_batchnorm_train_statistics_and_eval_running_statistics() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 3)) * [1.0, 2.0, 3.0] + [5.0, -1.0, 0.0]
    bn = BatchNorm(3, momentum=1.0)  # running stats = the last batch's
    y = bn.forward(x, train=True)
    assert np.allclose(y.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(y.var(axis=0), 1, atol=1e-4)  # eps = 1e-5 shrinks the variance
    assert np.allclose(bn.buffers["running_mean"], x.mean(axis=0), rtol=1e-12)
    assert np.allclose(bn.buffers["running_var"], x.var(axis=0, ddof=1), rtol=1e-12)
    y_eval = bn.forward(x[:2], train=False)
    expected = (x[:2] - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + 1e-5)
    assert np.allclose(y_eval, expected, rtol=1e-12)


def test_dropout_scales_kept_units_and_is_identity_in_eval() -> None:
    x = np.ones((200, 50))
    layer = Dropout(0.25, rng=0)
    y = layer.forward(x, train=True)
    assert set(np.unique(y)) == {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.02  # 10,000 Bernoulli draws: 4 sigma is 0.017
    assert np.array_equal(layer.forward(x, train=False), x)
    with pytest.raises(ParameterError, match="'p'"):
        Dropout(1.0)


def test_flatten_and_sequential_shapes() -> None:
    net = Sequential([Conv2D.init(1, 4, 3, rng=0), MaxPool2D(2), Flatten(), Dense.init(144, 5, 0)])
    x = np.zeros((3, 1, 14, 14))
    assert net.forward(x).shape == (3, 5)
    assert net.backward(np.ones((3, 5))).shape == x.shape


def test_losses_match_hand_computed_values() -> None:
    a, y = np.array([[0.2, 0.9], [0.6, 0.3]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    quad = 0.5 * (0.04 + 0.01 + 0.16 + 0.09)
    assert math.isclose(Quadratic("sum").fn(a, y), quad, rel_tol=1e-14)
    assert math.isclose(Quadratic("mean").fn(a, y), quad / 2, rel_tol=1e-14)
    ce = -(math.log(0.8) + math.log(0.9) + math.log(0.6) + math.log(0.7))
    assert math.isclose(CrossEntropy("sum").fn(a, y), ce, rel_tol=1e-14)
    assert math.isclose(CrossEntropy("sum").fn(a, np.array([1, 0])), ce, rel_tol=1e-14)
    z = np.array([[1.0, 2.0, 3.0]])
    sce = -math.log(math.exp(1) / (math.exp(1) + math.exp(2) + math.exp(3)))
    assert math.isclose(SoftmaxCrossEntropy("sum").fn(z, np.array([0])), sce, rel_tol=1e-14)


def test_softmax_cross_entropy_gradient_is_p_sum_t_minus_t() -> None:
    z, t = np.array([[0.5, -1.0, 2.0]]), np.array([[0.2, 0.3, 0.7]])
    p = activations.softmax(z)
    assert np.allclose(SoftmaxCrossEntropy("sum").delta(z, t), p * t.sum() - t, rtol=1e-14)
    huge = np.array([[1e4, -1e4, 0.0]])
    assert np.isfinite(SoftmaxCrossEntropy().fn(huge, np.array([1])))


def test_cross_entropy_after_sigmoid_is_fused_into_a_minus_y() -> None:
    net = Sequential([Dense(np.array([[40.0]]), np.array([0.0])), Sigmoid()])
    value, grads = net.loss_and_grads(np.array([[1.0]]), np.array([[0.0]]), CrossEntropy("sum"))
    # a = sigma(40) rounds to 1.0: the unfused gradient would vanish, the fused one is a - y
    assert grads["0.W"][0, 0] == pytest.approx(1.0, rel=1e-12)
    assert value > 30


def test_softmax_layer_before_softmax_cross_entropy_is_rejected() -> None:
    net = Sequential([Dense(np.eye(2)), Softmax()])
    with pytest.raises(ParameterError, match="logits"):
        net.loss_and_grads(np.eye(2), np.array([0, 1]), SoftmaxCrossEntropy())


def test_mlp_builder_and_weights_round_trip() -> None:
    net = mlp([6, 5, 3], "relu", rng=0, dtype=np.float64)
    weights = net.get_weights()
    assert sorted(weights) == ["0.W", "0.b", "2.W", "2.b"]
    for layer, name in net.parameters():
        layer.params[name][...] = 0
    net.set_weights(weights)
    assert all(np.array_equal(net.get_weights()[k], v) for k, v in weights.items())
    with pytest.raises(ParameterError, match="activation"):
        mlp([2, 2], "swish")

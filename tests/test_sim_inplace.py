"""SGD's weight updates inside the backward products (one BLAS gemm), against the optimiser."""

from __future__ import annotations

import ctypes
import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.errors import ParameterError, TrainingError
from symnn.sim import (
    SGD,
    Adam,
    CrossEntropy,
    Dense,
    Momentum,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    blas,
    inplace,
    mlp,
    train,
)
from symnn.sim.blas import (
    AccumulatingGemm,
    accumulate_product,
    accumulating_gemm,
    loaded_openblas,
    openblas_functions,
)
from symnn.sim.inplace import InPlaceUpdates, WeightUpdate

HAS_OPENBLAS = bool(loaded_openblas())


def data(n: int = 120, d: int = 12, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, k, n)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 7), m=st.integers(1, 9), n=st.integers(1, 6), pad=st.integers(0, 3),
       alpha=st.sampled_from([-1.0, -0.25, 2.0]), beta=st.sampled_from([1.0, 0.75, 0.0]),
       dtype=st.sampled_from([np.float32, np.float64]), numpy_only=st.booleans())  # fmt: skip
def test_accumulate_product_is_beta_c_plus_alpha_a_transpose_b(k, m, n, pad, alpha, beta, dtype,
                                                               numpy_only) -> None:  # fmt: skip
    """c <- beta c + alpha a^T b, with a a view whose rows are wider than its columns, by
    BLAS and by the NumPy fallback, against float64 arithmetic (tolerance: 1e-5 relative
    in float32, 1e-12 in float64)."""
    rng = np.random.default_rng(k * 100 + m * 10 + n)
    a = rng.standard_normal((k, m + pad)).astype(dtype)[:, pad:]
    b, c = rng.standard_normal((k, n)).astype(dtype), rng.standard_normal((m, n)).astype(dtype)
    expected = beta * c.astype(np.float64) + alpha * (a.T.astype(np.float64) @ b.astype(np.float64))
    accumulate_product(c, a, b, alpha, beta, gemm=None if numpy_only else True)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, expected, rtol=tol, atol=tol * (1 + np.abs(expected).max()))


@pytest.mark.skipif(not HAS_OPENBLAS, reason="NumPy here does not use OpenBLAS")
@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 5), m=st.integers(1, 6), n=st.integers(1, 5), pad=st.integers(0, 2),
       layout=st.sampled_from(["rows", "transposed", "1-D", "other dtype", "other shape"]),
       dtype=st.sampled_from([np.float32, np.float64]))  # fmt: skip
def test_a_call_bound_to_c_takes_exactly_the_operands_that_fit(k, m, n, pad, layout, dtype) -> None:
    """``gemm.into(c)`` does c <- beta c + alpha a^T b when ``fits`` says one call does it
    (float64 reference, tolerance 1e-5 relative in float32, 1e-12 in float64), and otherwise
    returns False and leaves c as it was."""
    gemm = accumulating_gemm(dtype)
    rng = np.random.default_rng(k * 100 + m * 10 + n)
    a = rng.standard_normal((k, m + pad)).astype(dtype)[:, pad:]
    b, c = rng.standard_normal((k, n)).astype(dtype), rng.standard_normal((m, n)).astype(dtype)
    if layout == "transposed":
        a = np.asfortranarray(a)
    elif layout == "1-D":
        a = a[0]
    elif layout == "other dtype":
        b = b.astype(np.float32 if dtype == np.float64 else np.float64)
    elif layout == "other shape":
        b = rng.standard_normal((k, n + 1)).astype(dtype)
    before = c.copy()
    fits = gemm.fits(c, a, b) if a.ndim == 2 else False
    done = gemm.into(c)(a, b, -0.5, 0.75)
    assert done == fits
    if not done:
        assert np.array_equal(c, before)
        return
    expected = 0.75 * before.astype(np.float64) - 0.5 * (a.T.astype(np.float64) @ b.astype(np.float64))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, expected, rtol=tol, atol=tol * (1 + np.abs(expected).max()))


@pytest.mark.skipif(not HAS_OPENBLAS, reason="NumPy here does not use OpenBLAS")
def test_the_loaded_openblas_gemm_is_found_for_float32_and_float64() -> None:
    for dtype in (np.float32, np.float64):
        gemm = accumulating_gemm(dtype)
        assert isinstance(gemm, AccumulatingGemm) and gemm.dtype == dtype
    assert accumulating_gemm(np.int32) is None and accumulating_gemm(np.float16) is None


def test_the_openblas_search_is_kept_until_a_module_is_imported(monkeypatch) -> None:
    """The memory map is read once; a module imported since (it may bring an OpenBLAS of
    its own) makes the next call search again."""
    searches = []
    original = blas._search

    def counting(stems):
        searches.append(stems)
        return original(stems)

    monkeypatch.setattr(blas, "_search", counting)
    monkeypatch.setattr(blas, "_searched", {})
    first = openblas_functions("openblas_get_config")
    again = openblas_functions("openblas_get_config")
    assert again == first and searches == [("openblas_get_config",)]
    again.append("not kept")  # the caller's list is its own
    assert openblas_functions("openblas_get_config") == first
    monkeypatch.setitem(sys.modules, "symnn_test_new_module", types.ModuleType("symnn_test_new_module"))
    address = lambda found: [ctypes.cast(f, ctypes.c_void_p).value for (f,) in found]  # noqa: E731
    assert address(openblas_functions("openblas_get_config")) == address(first)
    assert len(searches) == 2


def test_a_gemm_that_does_not_reproduce_numpy_is_refused() -> None:
    """The acceptance check runs the candidate: a function that leaves c alone fails it."""

    class DoesNothing:
        argtypes, restype = None, None

        def __call__(self, *args) -> None:
            pass

    candidate = AccumulatingGemm(DoesNothing(), int, np.dtype(np.float64))
    candidate.function = lambda *args: None  # the ctypes argument list is not needed here
    assert blas._reproduces_numpy(candidate) is False


def test_operands_that_do_not_fit_one_call_go_through_numpy() -> None:
    gemm = AccumulatingGemm(lambda *args: None, int, np.dtype(np.float64))
    a, b, c = np.ones((3, 4)), np.ones((3, 2)), np.zeros((4, 2))
    assert gemm.fits(c, a, b)
    assert not gemm.fits(c, a[:, ::2], b[:, :1])  # columns not contiguous
    assert not gemm.fits(c.T.copy().T, a, b)  # c not C-contiguous
    assert not gemm.fits(c, a.astype(np.float32), b)  # another dtype
    assert not gemm.fits(c, a[:2], b)  # k differs
    assert not gemm.fits(c, a.ravel(), b)  # not 2-D
    accumulate_product(c, a[:, ::-1], b, -1.0, 1.0, gemm=gemm)  # a reversed view: NumPy does it
    assert c.tolist() == [[-3.0, -3.0]] * 4


def test_the_variable_turns_the_blas_update_off(monkeypatch) -> None:
    monkeypatch.setenv("SYMNN_BLAS_UPDATE", "0")
    assert accumulating_gemm(np.float32) is None
    net, opt = mlp([12, 8, 3], "sigmoid", rng=0), SGD(0.1)
    opt.bind(net)
    assert InPlaceUpdates(net, opt, 100).layers == []


def test_weight_update_keeps_w_as_scale_times_v() -> None:
    """Forty steps with beta = 0.6 (the scale passes 1e-6 and is folded on the way) give
    the recurrence W <- beta W - x^T delta computed directly (float64, 1e-12 relative)."""
    rng = np.random.default_rng(3)
    V = rng.standard_normal((5, 4))
    W = V.copy()
    update = WeightUpdate(0.6, accumulating_gemm(np.float64))
    scales = []
    for _ in range(40):
        x, delta = rng.standard_normal((3, 5)), rng.standard_normal((3, 4))
        W = 0.6 * W - x.T @ delta
        update.apply(V, x, delta)
        scales.append(update.scale)
        np.testing.assert_allclose(update.scale * V, W, rtol=1e-12, atol=1e-12 * np.abs(W).max())
    assert min(scales) >= inplace.SMALLEST_SCALE and 1.0 in scales  # folded at least once
    update.fold(V)
    assert update.scale == 1.0
    np.testing.assert_allclose(V, W, rtol=1e-12, atol=1e-12 * np.abs(W).max())


def test_beta_outside_the_lazy_range_is_applied_directly() -> None:
    V, x, delta = np.ones((2, 2)), np.ones((1, 2)), np.ones((1, 2))
    update = WeightUpdate(-0.5, None)  # eta lmbda / n > 1: the sign flips, no scale kept
    update.apply(V, x, delta)
    assert update.scale == 1.0 and V.tolist() == [[-1.5, -1.5], [-1.5, -1.5]]


def test_update_elsewhere_leaves_those_parameters_to_their_layers() -> None:
    net = mlp([4, 3, 2], "sigmoid", rng=0)
    for layer in net.layers:
        for name in layer.params:
            layer.grads[name][...] = 1.0
    opt = SGD(0.5, lmbda=10.0)
    opt.bind(net)
    before = net.get_weights()
    W1 = next(piece for layer, name, piece in opt.flat.pieces if layer is net[0] and name == "W")
    opt.update_elsewhere([W1])
    opt.apply(n=10)
    after = net.get_weights()
    assert np.array_equal(after["0.W"], before["0.W"])
    np.testing.assert_allclose(after["2.W"], 0.5 * before["2.W"] - 0.5, rtol=1e-15)  # 1 - 0.5*10/10
    np.testing.assert_allclose(after["0.b"], before["0.b"] - 0.5, rtol=1e-15)
    opt.update_elsewhere([])
    opt.apply(n=10)
    assert not np.array_equal(net.get_weights()["0.W"], before["0.W"])
    with pytest.raises(ParameterError, match="optimizer"):
        adam = Adam()
        adam.bind(net)
        adam.update_elsewhere([W1])


def _train_both(monkeypatch, optimizer, dtype, lmbda: float = 0.0, epochs: int = 2, **options):
    """The same run with the in-place updates (every Dense armed) and without them."""
    x, y = data()
    nets, steps = [], []
    apply = WeightUpdate.apply

    def counted(self, *args) -> None:
        steps.append(1)
        apply(self, *args)

    monkeypatch.setattr(WeightUpdate, "apply", counted)
    for armed in (True, False):
        monkeypatch.setattr(inplace, "MIN_ENTRIES", 1 if armed else 10**9)
        net = mlp([12, 16, 8, 3], "sigmoid", output="sigmoid", rng=2, dtype=dtype)
        train(net, CrossEntropy(), optimizer(lmbda), x.astype(dtype), y, epochs=epochs, batch_size=16,
              seed=5, progress=False, **options)  # fmt: skip
        nets.append(net)
    if HAS_OPENBLAS:  # the armed run did take the in-place path: 3 layers x 7 of 8 steps x 2 epochs
        assert len(steps) == 3 * 7 * epochs
    return nets


@pytest.mark.parametrize("lmbda", [0.0, 3.0])
def test_training_with_in_place_updates_matches_the_optimiser(monkeypatch, lmbda) -> None:
    """Two epochs (120 rows, minibatches of 16, the last one smaller) armed and unarmed:
    the weights and the layers' gradients (of the last minibatch) agree to 1e-10 relative
    in float64 and to 1e-4 in float32 (15 steps of rounding; eps 1.2e-7)."""
    for dtype, tol in ((np.float64, 1e-10), (np.float32, 1e-4)):
        armed, plain = _train_both(monkeypatch, lambda lm: SGD(0.5, lmbda=lm), dtype, lmbda)
        wa, wp = armed.get_weights(), plain.get_weights()
        for key in wa:
            np.testing.assert_allclose(wa[key], wp[key], rtol=tol, atol=tol * np.abs(wp[key]).max())
        for la, lp in zip(armed.layers, plain.layers):
            assert getattr(la, "update_in_place", None) is None  # disarmed after training
            for name in la.grads:
                np.testing.assert_allclose(la.grads[name], lp.grads[name], rtol=tol,
                                           atol=tol * np.abs(lp.grads[name]).max())  # fmt: skip


def test_momentum_adam_and_rules_of_their_own_are_not_armed(monkeypatch) -> None:
    """Only SGD's own update qualifies, and only Dense layers whose steps are Dense's and
    that appear once in the network."""

    class ClippedSGD(SGD):
        def _update(self, p, g, decayed, decay, scaled=False):
            super()._update(p, np.clip(g, -0.1, 0.1), decayed, decay, scaled)

    class LoggingDense(Dense):
        def step_backward(self, grad_out, need_input_grad):
            return super().step_backward(grad_out, need_input_grad)

    monkeypatch.setattr(inplace, "MIN_ENTRIES", 1)
    net = mlp([12, 8, 3], "sigmoid", rng=0)
    for opt in (Momentum(0.1), Adam(), ClippedSGD(0.1)):
        opt.bind(net)
        assert InPlaceUpdates(net, opt, 100).layers == []
    net.layers[0] = LoggingDense(np.ones((12, 8), np.float32), np.zeros(8, np.float32))
    opt = SGD(0.1)
    opt.bind(net)
    armed = InPlaceUpdates(net, opt, 100)
    assert armed.layers == [net.layers[2]]
    armed.disarm()
    shared = Dense(np.ones((8, 8), np.float32), np.zeros(8, np.float32))  # one layer used twice
    net = Sequential([shared, Sigmoid(), shared])
    opt.bind(net)
    assert InPlaceUpdates(net, opt, 100).layers == []


def test_the_layers_are_disarmed_when_training_stops_with_an_error(monkeypatch) -> None:
    """A loss that fails on the third minibatch: the layers are disarmed, W holds the true
    weights (no scale left in it) and equals the unarmed run's after the same two steps."""

    class FailsOnThirdCall(SoftmaxCrossEntropy):
        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def gradient(self, output, target):
            self.calls += 1
            if self.calls == 3:
                raise TrainingError("stop here")
            return super().gradient(output, target)

    x, y = data()
    weights = []
    for armed in (True, False):
        monkeypatch.setattr(inplace, "MIN_ENTRIES", 1 if armed else 10**9)
        net = mlp([12, 16, 3], "tanh", rng=2, dtype=np.float64)
        with pytest.raises(TrainingError, match="stop here"):
            train(net, FailsOnThirdCall(), SGD(0.5, lmbda=4.0), x, y, epochs=1, batch_size=16, seed=1,
                  progress=False)  # fmt: skip
        assert all(getattr(layer, "update_in_place", None) is None for layer in net.layers)
        weights.append(net.get_weights())
    for key in weights[0]:
        np.testing.assert_allclose(weights[0][key], weights[1][key], rtol=1e-12, atol=1e-14)


def test_a_resumed_run_with_in_place_updates_matches_bit_for_bit(monkeypatch, tmp_path) -> None:
    """Each epoch arms with scale 1 and ends disarmed (W stored), so the checkpoint holds
    the true weights and a run resumed after epoch 1 ends as an uninterrupted one."""
    monkeypatch.setattr(inplace, "MIN_ENTRIES", 1)
    x, y = data()

    def fit(path, epochs: int):
        net = mlp([12, 16, 3], "sigmoid", output="sigmoid", rng=4)
        train(net, CrossEntropy(), SGD(0.4, lmbda=2.0), x, y, epochs=epochs, batch_size=16, seed=2,
              checkpoint_path=path, progress=False)  # fmt: skip
        return net

    whole = fit(None, 3).get_weights()
    fit(tmp_path / "run.npz", 1)
    resumed = fit(tmp_path / "run.npz", 3).get_weights()  # a new process's net, from the checkpoint
    assert all(np.array_equal(whole[k], resumed[k]) for k in whole)

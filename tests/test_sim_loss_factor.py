"""The losses' ``factor``: the training loop's eta folded into the loss's own scaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.errors import ParameterError, ShapeError
from symnn.sim import SGD, CrossEntropy, Quadratic, SoftmaxCrossEntropy, mlp, train

LOSSES = [Quadratic(), CrossEntropy(), SoftmaxCrossEntropy(), Quadratic("sum"), SoftmaxCrossEntropy("sum")]


@settings(max_examples=60, deadline=None)
@given(
    loss=st.sampled_from(LOSSES),
    rows=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    factor=st.floats(1e-4, 10.0),
    labels=st.booleans(),
)
def test_gradient_times_factor_is_factor_times_the_gradient(loss, rows, seed, factor, labels) -> None:
    """float64: the folded product differs from multiplying afterwards by at most 2 roundings
    (tolerance 4 ulp relative, 1e-300 absolute for exact zeros)."""
    rng = np.random.default_rng(seed)
    output = rng.uniform(0.05, 0.95, (rows, 4))
    target = rng.integers(0, 4, rows) if labels else rng.uniform(0.0, 1.0, (rows, 4))
    folded = loss.gradient(output, target, factor)
    expected = factor * loss.gradient(output, target)
    np.testing.assert_allclose(folded, expected, rtol=4 * np.finfo(float).eps, atol=1e-300)
    if isinstance(loss, CrossEntropy):
        expected_z = factor * loss.gradient_z(output, target)
        np.testing.assert_allclose(loss.gradient_z(output, target, factor), expected_z,
                                   rtol=4 * np.finfo(float).eps, atol=1e-300)  # fmt: skip


class QuadraticWithoutFactor(Quadratic):
    """A user's loss written to the older protocol: ``gradient(output, target)`` only."""

    def gradient(self, output, target):
        return Quadratic.gradient(self, output, target)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_loss_without_factor_is_multiplied_by_the_loop(dtype) -> None:
    """train() multiplies the gradient of a loss that takes no ``factor``: the run equals the
    built-in loss's to the rounding of one multiplication per step (float32: 1e-5 relative
    over 12 steps; float64: 1e-12)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((96, 5)).astype(dtype)
    y = rng.integers(0, 3, 96)
    weights = []
    for loss in (Quadratic(), QuadraticWithoutFactor()):
        net = mlp([5, 7, 3], "sigmoid", output="sigmoid", rng=4, dtype=dtype)
        train(net, loss, SGD(0.7, lmbda=1.0), x, y, epochs=1, batch_size=8, seed=2, progress=False)
        weights.append(net.get_weights())
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for key in weights[0]:
        np.testing.assert_allclose(weights[1][key], weights[0][key], rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("factor", [float("nan"), float("inf"), -float("inf"), "2", None, [1.0], 1j])
def test_a_factor_that_is_not_a_finite_real_number_is_refused(loss, factor) -> None:
    output, target = np.full((2, 3), 0.5), np.array([0, 2])
    with pytest.raises(ParameterError, match="factor"):
        loss.gradient(output, target, factor)
    if isinstance(loss, CrossEntropy):
        with pytest.raises(ParameterError, match="factor"):
            loss.gradient_z(output, target, factor)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.integers(1, 70),
    classes=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    spread=st.sampled_from([1.0, 30.0, 1e4]),
    target_kind=st.sampled_from(["labels", "uint8 labels", "one-hot", "soft"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    reduction=st.sampled_from(["mean", "sum"]),
)
def test_softmax_gradient_matches_the_row_wise_computation(
    rows, classes, seed, spread, target_kind, dtype, reduction
) -> None:
    """SoftmaxCrossEntropy.gradient (class-major for few classes, row-wise otherwise)
    against the row-wise softmax in float64, rounded: within 4 ulp of the dtype relative to
    the row's largest entry (the two differ only in the order each row's exponentials are
    summed); logits up to 1e4 apart (no overflow either way)."""
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((rows, classes)) * spread).astype(dtype)
    labels = rng.integers(0, classes, rows)
    target = {
        "labels": labels,
        "uint8 labels": labels.astype(np.uint8),
        "one-hot": np.eye(classes, dtype=dtype)[labels],
        "soft": rng.uniform(0.0, 1.0, (rows, classes)).astype(dtype),
    }[target_kind]
    loss = SoftmaxCrossEntropy(reduction)
    got = loss.gradient(z, target, 0.5)
    z64 = z.astype(np.float64)
    p = np.exp(z64 - z64.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dense = np.eye(classes)[labels] if target_kind.endswith("labels") else target.astype(np.float64)
    expected = (p * dense.sum(axis=1, keepdims=True) - dense) * 0.5
    if reduction == "mean":
        expected /= rows
    assert got.shape == z.shape and got.dtype == dtype and got.flags.c_contiguous
    ulp = np.finfo(dtype).eps
    per_example = 0.5 / rows if reduction == "mean" else 0.5
    bound = 4 * ulp * np.maximum(1.0, np.abs(dense).sum(axis=1, keepdims=True)) * per_example
    assert np.all(np.abs(got - expected) <= bound)


@pytest.mark.parametrize("method", ["delta", "fn"])
def test_softmax_of_logits_without_classes_is_refused(method) -> None:
    """(batch, 0) logits: a ShapeError naming the shape, not NumPy's reduction error."""
    with pytest.raises(ShapeError, match=r"no classes \(shape \(3, 0\)\)"):
        getattr(SoftmaxCrossEntropy(), method)(np.zeros((3, 0)), np.zeros(3, int))

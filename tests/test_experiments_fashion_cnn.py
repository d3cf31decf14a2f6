"""Pieces of the fashion-cnn recipe that need no dataset: its schedule, targets and prediction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.errors import ParameterError
from symnn.experiments.fashion_cnn import Cosine, build_model, flip_averaged, smoothed
from symnn.sim import Dense, Flatten, Sequential, SoftmaxCrossEntropy, evaluate


@settings(max_examples=30, deadline=None)
@given(epochs=st.integers(1, 60), eta=st.floats(1e-5, 1.0))
def test_cosine_falls_from_eta_to_zero_without_rising(epochs: int, eta: float) -> None:
    schedule, current, seen = Cosine(epochs), eta, []
    for _ in range(epochs):
        current = schedule.update(current, None)
        seen.append(current)
    assert all(b <= a for a, b in zip([eta, *seen], seen))  # never rises
    assert seen[-1] == pytest.approx(0.0, abs=1e-12 * eta)  # ends at 0 after the last epoch
    if epochs % 2 == 0:  # half way: eta_0 (1 + cos(pi / 2)) / 2 = eta_0 / 2, to float rounding
        assert seen[epochs // 2 - 1] == pytest.approx(eta / 2, rel=1e-12)


def test_cosine_resumes_from_its_state() -> None:
    first = Cosine(10)
    etas = [1e-3]
    for _ in range(4):
        etas.append(first.update(etas[-1], None))
    second = Cosine(10)
    second.load_state_dict(first.state_dict())
    assert second.update(etas[-1], None) == first.update(etas[-1], None)
    assert first.update(0.5, None) == pytest.approx(1e-3 * (1 + math.cos(math.pi * 6 / 10)) / 2, rel=1e-12)


@pytest.mark.parametrize("epochs", [0, -1, 2.0])
def test_cosine_refuses_a_bad_epoch_count(epochs) -> None:
    with pytest.raises(ParameterError, match="epochs"):
        Cosine(epochs)


def test_smoothed_targets_sum_to_one_and_keep_the_label_on_top() -> None:
    labels = np.array([0, 3, 9, 3])
    targets = smoothed(labels, 10, 0.1)
    assert targets.dtype == np.float32 and targets.shape == (4, 10)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0, rtol=1e-6)  # float32 sums
    assert np.array_equal(targets.argmax(axis=1), labels)
    np.testing.assert_allclose(targets[1, 3], 0.91, rtol=1e-6)  # 1 - s + s / k
    np.testing.assert_allclose(targets[1, 0], 0.01, rtol=1e-6)  # s / k
    assert np.array_equal(smoothed(labels, 10, 0.0), np.eye(10, dtype=np.float32)[labels])


def _left_right_model() -> Sequential:
    """1x1x2 images -> logits (x0 - x1, x1 - x0): class 0 when the left pixel is brighter."""
    return Sequential([Flatten(), Dense(np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2))])


def test_flip_averaging_mixes_an_image_with_its_mirror() -> None:
    x = np.array([[[[2.0, 0.0]]], [[[0.0, 1.0]]]])  # left brighter, right brighter
    model = _left_right_model()
    # the mirror swaps the two logits, so the mean of the two softmaxes is (1/2, 1/2) for
    # every image: cost ln 2; the argmax of a tie is class 0, the first image right, the second wrong
    cost, accuracy = flip_averaged(model, x, np.array([0, 1]))
    assert accuracy == 0.5 and cost == pytest.approx(math.log(2), rel=1e-12)


def test_a_network_blind_to_mirroring_keeps_its_one_view_figures() -> None:
    # logits (x0 + x1, -1.5): the same for an image and its mirror, so the average is the softmax
    blind = Sequential([Flatten(), Dense(np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([0.0, -1.5]))])
    x = np.array([[[[2.0, 0.0]]], [[[0.0, 1.0]]], [[[0.5, 0.5]]]])
    y = np.array([0, 0, 1])
    averaged, single = flip_averaged(blind, x, y), evaluate(blind, SoftmaxCrossEntropy(), x, y)
    assert averaged.accuracy == single.accuracy == 2 / 3  # sums 2, 1, 1 beat -1.5: all class 0
    assert averaged.loss == pytest.approx(single.loss, rel=1e-12)


def test_flip_averaged_accuracy_of_the_network_is_a_fraction_of_the_images() -> None:
    x = np.random.default_rng(0).standard_normal((6, 1, 28, 28)).astype(np.float32)
    cost, accuracy = flip_averaged(build_model(0), x, np.arange(6))
    assert accuracy in {k / 6 for k in range(7)} and cost > 0

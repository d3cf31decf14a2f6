"""Divergence stops training with the last good checkpoint kept; the epoch's figures from
its outputs; softmax at infinite logits; one parameter vector behind the layers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from symnn.errors import ParameterError, TrainingError
from symnn.sim import (
    SGD,
    Adam,
    CrossEntropy,
    Dense,
    History,
    Momentum,
    Quadratic,
    Sequential,
    SoftmaxCrossEntropy,
    evaluate,
    log_softmax,
    mlp,
    softmax,
    train,
)
from symnn.sim.divergence import Divergence
from symnn.sim.flat import FlatParameters


def digits_like(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-shaped noise: uniform pixels, random labels."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


@pytest.mark.parametrize(
    "net, loss",
    [
        (lambda: mlp([784, 30, 10], "sigmoid", output="sigmoid", rng=0), CrossEntropy()),  # network2
        (lambda: mlp([784, 30, 10], "relu", rng=0), SoftmaxCrossEntropy()),
    ],
)
def test_sgd_with_eta_1e6_is_stopped_as_diverged_in_its_first_epoch(net, loss) -> None:
    x, y = digits_like()
    with pytest.raises(TrainingError, match=r"diverged at epoch 1: the training cost .* eta \(now 1e\+06\)"):
        train(net(), loss, SGD(1e6), x, y, epochs=3, batch_size=10, seed=0, progress=False)


def test_divergence_keeps_the_checkpoint_of_the_last_good_epoch(tmp_path: Path) -> None:
    """Epoch 1 trains well and is checkpointed; then eta jumps to 1e6 and epoch 2 diverges.
    The checkpoint must still be the one of epoch 1, byte for byte."""
    x, y = digits_like()
    path = tmp_path / "run.npz"
    optimizer, saved = SGD(0.1), {}

    def blow_up(epoch: int, history: History) -> None:
        saved[epoch] = path.read_bytes()
        optimizer.eta = 1e6

    net = mlp([784, 30, 10], "relu", rng=0)
    with pytest.raises(TrainingError, match=r"at epoch 2: .*checkpoint of epoch 1 in .*run\.npz' is kept"):
        train(net, SoftmaxCrossEntropy(), optimizer, x, y, epochs=4, batch_size=10, seed=0,
              checkpoint_path=path, on_epoch_end=blow_up, progress=False)  # fmt: skip
    assert list(saved) == [0] and path.read_bytes() == saved[0]
    resumed = train(mlp([784, 30, 10], "relu", rng=0), SoftmaxCrossEntropy(), SGD(0.1), x, y, epochs=1,
                    batch_size=10, seed=0, checkpoint_path=path, progress=False)  # fmt: skip
    assert resumed.epochs == 1  # the kept checkpoint is a finished one-epoch run


def record(costs: list[float], initial: float | None = 2.0) -> History:
    history = History(initial_loss=initial)
    for cost in costs:
        history.append(train_loss=cost, train_accuracy=0.5, val_loss=None, val_accuracy=None,
                       eta=0.1, epoch_time=1.0)  # fmt: skip
    return history


@pytest.mark.parametrize(
    "rule, costs, expected",
    [
        (Divergence(), [1.5, 1.0, 0.8], None),  # learning
        (Divergence(), [float("nan")], "became nan"),
        (Divergence(), [1.0, 0.5, float("inf")], "became inf"),
        (Divergence(), [10.5], "more than 5 times that of the untrained network (2)"),
        (Divergence(), [9.9], None),  # 4.95 times: still allowed
        (Divergence(), [1.0, 0.9, 5.1], "more than 5 times the first epoch's (1)"),
        (Divergence(), [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95], None),  # rising, but no rule for it by default
        (Divergence(rising=3), [1.0, 0.5, 0.6, 0.7, 0.8], "rose in each of the last 3 epochs (0.5 to 0.8)"),
        (Divergence(rising=3), [1.0, 0.5, 0.6, 0.55, 0.8], None),  # a fall in between
    ],
)
def test_divergence_rule_on_constructed_cost_curves(rule: Divergence, costs: list[float], expected) -> None:
    reason = rule.reason(record(costs))
    assert reason is None if expected is None else expected in reason


@pytest.mark.parametrize("factor, rising", [(1.0, None), (5.0, 1), (5.0, 2.5)])
def test_divergence_rule_refuses_bad_settings(factor: float, rising) -> None:
    with pytest.raises(ParameterError):
        Divergence(factor, rising)


def test_epoch_figures_are_those_of_the_network_the_epoch_saw() -> None:
    """With eta so small that the weights move by less than 1e-20, the epoch's running cost and accuracy
    are those of the fixed network on the whole training set, which evaluate computes
    batch by batch on its own: the same fraction correct, and the same mean cost up to
    float32 rounding (relative 1e-6)."""
    x, y = digits_like(300)
    for net, loss in ((mlp([784, 16, 10], "sigmoid", output="sigmoid", rng=1), CrossEntropy()),
                      (mlp([784, 16, 10], "relu", rng=1), SoftmaxCrossEntropy()),
                      (mlp([784, 16, 10], "tanh", rng=1), Quadratic())):  # fmt: skip
        before = net.get_weights()
        history = train(net, loss, SGD(1e-30), x, y, epochs=1, batch_size=7, seed=2, progress=False)
        assert all(np.allclose(before[k], v, rtol=0, atol=1e-20) for k, v in net.get_weights().items())
        fixed = evaluate(net, loss, x, y, batch_size=64)
        assert history.train_accuracy[0] == fixed.accuracy
        assert math.isclose(history.train_loss[0], fixed.loss, rel_tol=1e-6)


@pytest.mark.parametrize(
    "z, expected",
    [
        ([np.inf, 0.0], [1.0, 0.0]),  # the limit as z_1 -> inf
        ([0.0, np.inf, -3.0], [0.0, 1.0, 0.0]),
        ([1.0, -np.inf], [1.0, 0.0]),  # exp(-inf) = 0: an ordinary value
        ([[np.inf, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.5, 0.5]]),  # rows independent
    ],
)
def test_softmax_at_infinite_logits_is_its_limit(z: list, expected: list) -> None:
    z = np.array(z)
    assert np.array_equal(softmax(z), np.array(expected))
    with np.errstate(divide="ignore"):
        assert np.array_equal(log_softmax(z), np.log(np.array(expected)))
    assert softmax(z.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "z", [[np.inf, np.inf], [-np.inf, -np.inf], [np.nan, 0.0], [[0.0, 1.0], [np.inf, np.inf]]]
)
def test_softmax_without_a_limit_is_refused(z: list) -> None:
    """(t, t) and (t, 2t) both tend to (inf, inf) with softmax limits (1/2, 1/2) and (0, 1)."""
    for function in (softmax, log_softmax):
        with pytest.raises(ParameterError, match="z"):
            function(np.array(z))


def test_parameters_live_in_one_vector_and_survive_a_dtype_change() -> None:
    net = mlp([3, 4, 2], "tanh", rng=0)
    flat = FlatParameters(net)
    assert flat.p.size == 3 * 4 + 4 + 4 * 2 + 2 and flat.valid(net)
    assert flat.decayed == [slice(0, 12), slice(16, 24)]  # the two W, not the biases
    net[0].params["W"][0, 0] = 7.0
    assert flat.p[0] == 7.0
    net.astype(np.float64)  # new arrays: the vector no longer backs the layers
    assert not flat.valid(net)
    x, y = np.ones((2, 3)), np.array([0, 1])
    optimizer = Momentum(0.1, lmbda=1.0)
    for _ in range(2):  # the first step flattens again; the second must still move the weights
        before = net[2].params["W"].copy()
        net.loss_and_grads(x, y, SoftmaxCrossEntropy())
        expected_v = -0.1 * net[2].grads["W"] - 0.1 * (1.0 / 2) * before  # v = 0 before the first step
        optimizer.step(net, 2)
        if _ == 0:
            assert np.allclose(net[2].params["W"], before + expected_v, rtol=1e-12)
    assert not np.array_equal(net[2].params["W"], before)


def test_mixed_parameter_dtypes_are_refused() -> None:
    net = Sequential([Dense(np.ones((2, 2), np.float32)), Dense(np.ones((2, 2)))])
    with pytest.raises(ParameterError, match="dtypes"):
        Adam().step(net)

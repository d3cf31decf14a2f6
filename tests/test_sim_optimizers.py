"""Optimisers against their update formulas; schedules and early stopping on fixed curves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symnn.errors import ParameterError
from symnn.sim import (
    SGD,
    Adam,
    Constant,
    Dense,
    EarlyStopping,
    Momentum,
    PlateauDivide,
    Quadratic,
    Sequential,
    StepDecay,
    l2_penalty,
)


def one_layer() -> tuple[Sequential, np.ndarray, np.ndarray]:
    """A network whose gradient is known: W = [[1, 2]], b = [0, 0] fitted to zero."""
    net = Sequential([Dense(np.array([[1.0, 2.0]]), np.zeros(2))])
    return net, np.array([[1.0]]), np.zeros((1, 2))


def test_sgd_with_l2_is_network2_update() -> None:
    net, x, y = one_layer()
    net.loss_and_grads(x, y, Quadratic())  # dC/dW = x^T (a - y) = [[1, 2]], dC/db = [1, 2]
    eta, lmbda, n = 0.1, 2.0, 4
    SGD(eta, lmbda=lmbda).step(net, n)
    expected_W = (1 - eta * lmbda / n) * np.array([[1.0, 2.0]]) - eta * np.array([[1.0, 2.0]])
    assert np.allclose(net[0].params["W"], expected_W, rtol=1e-15)
    assert np.allclose(net[0].params["b"], [-0.1, -0.2], rtol=1e-15)  # biases are not decayed


def test_a_replaced_parameter_array_is_bound_again_before_the_update() -> None:
    """``bind`` notices a layer array that is no longer a view of the parameter vector (an
    assignment to ``params``), so ``apply`` updates the array the layer holds now."""
    net, x, y = one_layer()
    opt = SGD(0.5)
    net.loss_and_grads(x, y, Quadratic())
    opt.step(net)  # W = [[1, 2]] - 0.5 [[1, 2]]
    net[0].params["W"] = np.array([[3.0, 4.0]])  # no longer a view of the vector
    net.loss_and_grads(x, y, Quadratic())  # a = [3, 4] + b = [2.5, 3]: dC/dW = [[2.5, 3]]
    opt.bind(net)
    opt.apply()
    assert net[0].params["W"].tolist() == [[3.0 - 0.5 * 2.5, 4.0 - 0.5 * 3.0]]
    assert net[0].params["b"].tolist() == [-0.5 - 0.5 * 2.5, -1.0 - 0.5 * 3.0]


def test_l2_penalty_gradient_is_the_decay_term() -> None:
    net, _, _ = one_layer()
    assert l2_penalty(net, lmbda=2.0, n=4) == pytest.approx(2.0 / 8 * 5.0, rel=1e-15)


def test_momentum_two_steps() -> None:
    net, x, y = one_layer()
    opt, w = Momentum(eta=0.1, mu=0.5), np.array([[1.0, 2.0]])
    v = np.zeros_like(w)
    for _ in range(2):
        net.loss_and_grads(x, y, Quadratic())
        g = net[0].grads["W"].copy()
        opt.step(net)
        v = 0.5 * v - 0.1 * g
        w = w + v
        assert np.allclose(net[0].params["W"], w, rtol=1e-14)


def test_adam_matches_the_paper_formulas() -> None:
    net, x, y = one_layer()
    b1, b2, eps, eta = 0.9, 0.999, 1e-8, 0.01
    opt = Adam(eta, b1, b2, eps)
    w, m, v = np.array([[1.0, 2.0]]), 0.0, 0.0
    for t in range(1, 4):
        net.loss_and_grads(x, y, Quadratic())
        g = net[0].grads["W"].copy()
        opt.step(net)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        w = w - eta * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        assert np.allclose(net[0].params["W"], w, rtol=1e-12)


def test_optimizer_state_round_trip() -> None:
    net, x, y = one_layer()
    opt = Adam(0.01)
    net.loss_and_grads(x, y, Quadratic())
    opt.step(net)
    scalars, arrays = opt.state_dict()
    other = Adam(0.5)
    other.load_state_dict(scalars, arrays)
    assert other.t == 1 and other.eta == 0.01
    assert all(np.array_equal(a, b) for a, b in zip(opt.slots["m"], other.slots["m"], strict=True))
    with pytest.raises(ParameterError, match="SGD"):
        SGD(0.1).load_state_dict(scalars, arrays)


@pytest.mark.parametrize(
    "curve, etas, reductions",
    [
        # improving every epoch: eta never changes
        ([0.1, 0.2, 0.3, 0.4], [1.0, 1.0, 1.0, 1.0], 0),
        # plateau of 2 after epoch 1 divides by 10; a gain resets the count
        ([0.5, 0.5, 0.5, 0.6, 0.6, 0.6], [1.0, 1.0, 0.1, 0.1, 0.1, 0.01], 2),
        # at most 3 reductions, however long the plateau
        ([0.5] * 12, [1.0, 1.0, 0.1, 0.1, 0.01, 0.01, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3], 3),
    ],
)
def test_plateau_divide_on_a_constructed_validation_curve(
    curve: list[float], etas: list[float], reductions: int
) -> None:
    schedule, eta, seen = PlateauDivide(factor=10, max_reductions=3, patience=2), 1.0, []
    for accuracy in curve:
        eta = schedule.update(eta, accuracy)
        seen.append(eta)
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(seen, etas, strict=True)), seen
    assert schedule.reductions == reductions and not schedule.done


def test_plateau_divide_can_end_training_when_exhausted() -> None:
    schedule = PlateauDivide(max_reductions=1, patience=1, stop_when_exhausted=True)
    eta = 1.0
    for accuracy in [0.5, 0.5, 0.5]:
        eta = schedule.update(eta, accuracy)
    assert eta == pytest.approx(0.1) and schedule.done


def test_step_decay_and_constant() -> None:
    schedule, eta, seen = StepDecay(step=3, gamma=0.5), 2.0, []
    for _ in range(7):
        eta = schedule.update(eta, None)
        seen.append(eta)
    assert seen == [2.0, 2.0, 1.0, 1.0, 1.0, 0.5, 0.5]
    assert Constant().update(0.3, 0.9) == 0.3


@pytest.mark.parametrize(
    "curve, stop_at, best",
    [
        ([0.5, 0.6, 0.6, 0.55, 0.6], 4, 1),  # three epochs without a strict gain
        ([0.5, 0.6, 0.7, 0.8, 0.9], None, 4),  # never stops
        ([0.9, 0.1, 0.1, 0.1], 3, 0),
    ],
)
def test_early_stopping_on_a_constructed_validation_curve(
    curve: list[float], stop_at: int | None, best: int
) -> None:
    stopper, stopped = EarlyStopping(patience=3), None
    for epoch, accuracy in enumerate(curve):
        stopper.update(accuracy)
        if stopper.should_stop and stopped is None:
            stopped = epoch
    assert stopped == stop_at and stopper.best_epoch == best


def test_schedule_state_round_trip_and_bad_parameters() -> None:
    schedule = PlateauDivide(patience=1)
    for accuracy in [0.5, 0.4, 0.3]:
        schedule.update(1.0, accuracy)
    copy = PlateauDivide(patience=1)
    copy.load_state_dict(schedule.state_dict())
    assert copy.state_dict() == schedule.state_dict() and copy.reductions == 2
    for make in (lambda: PlateauDivide(factor=1), lambda: PlateauDivide(patience=0),
                 lambda: StepDecay(0), lambda: Momentum(0.1, mu=1.0)):  # fmt: skip
        with pytest.raises(ParameterError):
            make()

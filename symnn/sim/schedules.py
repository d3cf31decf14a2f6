"""Learning-rate schedules and early stopping, driven by one number per epoch.

After every epoch the training loop calls ``eta = schedule.update(eta, metric)`` with
the current learning rate and the epoch's validation accuracy (the training accuracy
when there is no validation set). A schedule that sets ``done`` ends training.

* :class:`Constant`: eta never changes.
* :class:`StepDecay`: eta is multiplied by ``gamma`` every ``step`` epochs.
* :class:`PlateauDivide`: the sheet's variable learning rate: when the metric has not
  improved for ``patience`` epochs, divide eta by ``factor`` (10), at most
  ``max_reductions`` (3) times; with ``stop_when_exhausted`` a further plateau ends
  training (Nielsen's "stop when eta has fallen to 1/1000 of its start").
* :class:`EarlyStopping`: "stop after ``patience`` epochs without a gain", remembering
  the best epoch (the training loop restores its weights).

"Improved" means metric > best + min_delta (``mode="max"``, accuracies) or
metric < best - min_delta (``mode="min"``, losses).

>>> schedule = PlateauDivide(factor=10, max_reductions=3, patience=2)
>>> eta = 1.0
>>> for accuracy in [0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7]:
...     eta = schedule.update(eta, accuracy)
>>> round(eta, 6), schedule.reductions
(0.01, 2)
"""

from __future__ import annotations

from typing import Any

from symnn.errors import ParameterError

__all__ = ["Constant", "EarlyStopping", "PlateauDivide", "Schedule", "StepDecay"]


class _Stateful:
    """Objects whose state is their scalar attributes (saved in checkpoints as JSON)."""

    def state_dict(self) -> dict[str, Any]:
        """JSON-ready state (see :meth:`load_state_dict`)."""
        scalar = (bool, int, float, str, type(None))
        return {k: v for k, v in vars(self).items() if isinstance(v, scalar)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        for key, value in state.items():
            setattr(self, key, value)


class _Tracker(_Stateful):
    """Best value seen and the number of epochs since it."""

    def __init__(self, patience: int, mode: str, min_delta: float) -> None:
        if not (isinstance(patience, int) and patience >= 1):
            raise ParameterError("patience", patience, "a positive integer (epochs)")
        if mode not in ("max", "min"):
            raise ParameterError("mode", mode, "'max' (accuracy) or 'min' (loss)")
        self.patience, self.mode, self.min_delta = patience, mode, float(min_delta)
        self.best: float | None = None
        self.wait = 0

    def _improves(self, metric: float) -> bool:
        if metric is None:
            raise ParameterError("metric", metric, "a number (the epoch's accuracy)")
        if self.best is None:
            return True
        if self.mode == "max":
            return metric > self.best + self.min_delta
        return metric < self.best - self.min_delta



class Schedule(_Stateful):
    """Base class: ``update(eta, metric) -> eta``; ``done`` ends training."""

    done: bool = False

    def update(self, eta: float, metric: float | None) -> float:
        """The learning rate for the next epoch."""
        raise NotImplementedError


class Constant(Schedule):
    """eta stays as it is.

    >>> Constant().update(0.5, 0.9)
    0.5
    """

    def update(self, eta: float, metric: float | None) -> float:
        """Return eta unchanged."""
        return eta


class StepDecay(Schedule):
    """eta -> gamma * eta after every ``step`` epochs.

    >>> schedule, eta = StepDecay(step=2, gamma=0.5), 1.0
    >>> [eta := schedule.update(eta, None) for _ in range(4)]
    [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, step: int, gamma: float = 0.1) -> None:
        if not (isinstance(step, int) and step >= 1):
            raise ParameterError("step", step, "a positive integer (epochs)")
        if not gamma > 0:
            raise ParameterError("gamma", gamma, "a positive factor")
        self.step, self.gamma, self.epochs = step, float(gamma), 0

    def update(self, eta: float, metric: float | None) -> float:
        """Count one epoch; multiply eta by gamma every ``step`` epochs."""
        self.epochs += 1
        return eta * self.gamma if self.epochs % self.step == 0 else eta


class PlateauDivide(_Tracker, Schedule):
    """On a plateau of ``patience`` epochs divide eta by ``factor``, at most k times.

    Args:
        factor: divisor of eta at each plateau (10).
        max_reductions: k, the most reductions (3).
        patience: epochs without improvement that make a plateau.
        mode, min_delta: what counts as improvement (see the module docstring).
        stop_when_exhausted: a plateau after the k-th reduction sets ``done``.
    """

    def __init__(
        self,
        factor: float = 10.0,
        max_reductions: int = 3,
        patience: int = 10,
        mode: str = "max",
        min_delta: float = 0.0,
        stop_when_exhausted: bool = False,
    ) -> None:
        super().__init__(patience, mode, min_delta)
        if not factor > 1:
            raise ParameterError("factor", factor, "a divisor greater than 1")
        if not (isinstance(max_reductions, int) and max_reductions >= 0):
            raise ParameterError("max_reductions", max_reductions, "a non-negative integer")
        self.factor, self.max_reductions = float(factor), max_reductions
        self.stop_when_exhausted, self.reductions, self.done = stop_when_exhausted, 0, False

    def update(self, eta: float, metric: float | None) -> float:
        """Record the epoch's metric; divide eta on a plateau (see the class docstring)."""
        if self._improves(metric):  # type: ignore[arg-type]
            self.best, self.wait = metric, 0
            return eta
        self.wait += 1
        if self.wait < self.patience:
            return eta
        self.wait = 0
        if self.reductions < self.max_reductions:
            self.reductions += 1
            return eta / self.factor
        self.done = self.stop_when_exhausted
        return eta


class EarlyStopping(_Tracker):
    """Stop after ``patience`` epochs without improvement; remembers the best epoch.

    >>> stopper = EarlyStopping(patience=2)
    >>> [stopper.update(a) for a in [0.5, 0.7, 0.6, 0.7]], stopper.should_stop, stopper.best_epoch
    ([True, True, False, False], True, 1)
    """

    def __init__(self, patience: int, mode: str = "max", min_delta: float = 0.0) -> None:
        super().__init__(patience, mode, min_delta)
        self.best_epoch: int | None = None
        self.epochs = 0

    def update(self, metric: float) -> bool:
        """Record one epoch's metric; True if it is a new best (save the weights then)."""
        improved = self._improves(metric)
        if improved:
            self.best, self.best_epoch, self.wait = metric, self.epochs, 0
        else:
            self.wait += 1
        self.epochs += 1
        return improved

    @property
    def should_stop(self) -> bool:
        """True once ``patience`` epochs in a row brought no improvement."""
        return self.wait >= self.patience

"""When a training run has diverged: the rule that ``train`` applies after every epoch.

A run is stopped as diverged (with a :class:`~symnn.errors.TrainingError`; the last
checkpoint, written after the last good epoch, is kept) when its mean training cost

* is NaN or infinite;
* exceeds ``factor`` times the reference: the first epoch's cost, or for the first
  epoch itself the cost of the untrained network on its first minibatch;
* rose in each of the last ``rising`` epochs (off unless ``rising`` is given: on a
  plateau the running cost goes up and down by chance, and five rises in a row happen
  there about once in 32 epochs).

A run that learns lowers its cost well below the untrained network's in the first
epoch; ``SGD(eta=1e6)`` on MNIST instead sends it to about 1e28 within one epoch.

>>> from symnn.sim import History
>>> history = History(initial_loss=2.3)
>>> history.append(train_loss=40.0, train_accuracy=0.1, val_loss=None, val_accuracy=None,
...                eta=1e6, epoch_time=1.0)
>>> Divergence().reason(history)
'the training cost 40 is more than 5 times that of the untrained network (2.3)'
"""

from __future__ import annotations

import itertools
import math

from symnn.errors import ParameterError
from symnn.sim.history import History

__all__ = ["Divergence"]


class Divergence:
    """The divergence rule (see the module docstring).

    Args:
        factor: how many times the reference cost counts as diverged (> 1).
        rising: how many epochs in a row of rising cost count as diverged (>= 2), or
            ``None`` (the default) for no such rule.
    """

    def __init__(self, factor: float = 5.0, rising: int | None = None) -> None:
        if not factor > 1:
            raise ParameterError("factor", factor, "a number > 1")
        if rising is not None and not (isinstance(rising, int) and rising >= 2):
            raise ParameterError("rising", rising, "an integer >= 2 or None")
        self.factor, self.rising = float(factor), rising

    def reason(self, history: History) -> str | None:
        """Why the run recorded in ``history`` has diverged, or ``None`` if it has not."""
        costs = history.train_loss
        last = costs[-1]
        if not math.isfinite(last):
            return f"the training cost became {last}"
        first = len(costs) == 1
        reference = history.initial_loss if first else costs[0]
        if reference is not None and last > self.factor * reference:
            what = "that of the untrained network" if first else "the first epoch's"
            return f"the training cost {last:.3g} is more than {self.factor:g} times {what} ({reference:.3g})"
        if self.rising is None:
            return None
        recent = costs[-self.rising - 1 :]
        if len(recent) == self.rising + 1 and all(a < b for a, b in itertools.pairwise(recent)):
            return (f"the training cost rose in each of the last {self.rising} epochs "
                    f"({recent[0]:.3g} to {last:.3g})")  # fmt: skip
        return None

    def __repr__(self) -> str:
        return f"Divergence(factor={self.factor:g}, rising={self.rising})"

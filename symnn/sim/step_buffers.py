"""A network's training step with its activations and gradients kept from one minibatch
to the next.

Every minibatch of an epoch but the last has the same shape, so the arrays a layer's
training step returns (its output going forward, its input gradient going back) have
the same shapes and dtypes from one step to the next. :class:`StepBuffers` keeps the
arrays of the previous step and hands them back to the layers as ``out``, so a step
allocates nothing of its own after the first one and works on memory that is still in
the cache. A layer's step methods take ``out`` when they are marked with
:func:`writes_into` (Dense, Sigmoid, ReLU); every other layer runs as before. The
numbers are the same, bit for bit: each NumPy call is the same, only with ``out=``.

>>> import numpy as np
>>> from symnn.sim import mlp
>>> net = mlp([3, 4, 2], "sigmoid", rng=0, dtype=np.float32)
>>> steps = StepBuffers(net)
>>> x = np.ones((5, 3), np.float32)
>>> first = steps.forward(x)
>>> second = steps.forward(x)
>>> second is first, bool(np.array_equal(second, net.step_forward(x)))
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["StepBuffers", "writes_into"]

Step = TypeVar("Step", bound=Callable[..., Any])


def writes_into(method: Step) -> Step:
    """Mark a layer's ``step_forward``/``step_backward`` as taking ``out=``: an array of the
    shape and dtype of its result, which it fills and returns (or a new array when it
    cannot use it). A subclass that overrides the method without the mark gets no ``out``.

    >>> writes_into(lambda x, out=None: x).writes_into
    True
    """
    method.writes_into = True  # type: ignore[attr-defined]
    return method


class StepBuffers:
    """The training step of ``model`` (a :class:`~symnn.sim.Sequential`) through its
    layers' ``step_forward``/``step_backward``, each marked one given its own result of the
    previous call as ``out``. Use it for minibatches of one shape only."""

    def __init__(self, model: Any) -> None:
        forwards, backwards = model._steps()
        self._forwards = [(step, getattr(step, "writes_into", False)) for step in forwards]
        self._backwards = [(step, getattr(step, "writes_into", False)) for step in backwards]
        self._first_trainable = model._first_trainable
        self._outputs: list[Any] = [None] * len(forwards)
        self._gradients: list[Any] = [None] * len(backwards)
        self._delta: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The network's output for ``x`` in training mode (an array kept for the next call)."""
        outputs = self._outputs
        for i, (step, buffered) in enumerate(self._forwards):
            if buffered:
                x = outputs[i] = step(x, out=outputs[i])
            else:
                x = step(x)
        return x

    def backward(self, delta: np.ndarray, factor: Any = None, skip_last: bool = False) -> None:
        """Back-propagate ``delta`` (times ``factor`` first, if given) right after
        :meth:`forward`, as ``Sequential.step_backward(delta * factor, skip_last)``."""
        if factor is not None:
            out = self._delta
            if out is None or out.shape != delta.shape or out.dtype != np.result_type(delta, factor):
                out = None
            delta = self._delta = np.multiply(delta, factor, out=out)
        gradients, stop = self._gradients, self._first_trainable
        for i in range(len(self._backwards) - (2 if skip_last else 1), stop - 1, -1):
            step, buffered = self._backwards[i]
            if buffered:
                delta = step(delta, i > stop, out=gradients[i])
                if i > stop:
                    gradients[i] = delta
            else:
                delta = step(delta, i > stop)

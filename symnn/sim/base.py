"""The layer protocol that every operation of the simulator follows.

A layer is a differentiable operation with a hand-written backward pass next to its
forward pass:

* ``forward(x, train=True) -> y`` computes the output and remembers what the backward
  pass needs (its input, output or mask);
* ``backward(grad_out, need_input_grad=True) -> grad_in`` takes dL/dy (same shape as
  ``y``), stores dL/dp for every parameter ``p`` in ``grads`` and returns dL/dx (same
  shape as ``x``), or ``None`` when ``need_input_grad`` is false (the first layer of a
  network needs no input gradient, which saves a matrix product);
* ``params`` and ``grads`` are dictionaries with the same keys (for example ``"W"`` and
  ``"b"``); ``buffers`` holds state that is not trained (BatchNorm's running
  statistics); ``decay`` names the parameters that L2 weight decay acts on.

Batches are rows: a dense input has shape (batch, features); images are NCHW, shape
(batch, channels, height, width).

>>> import numpy as np
>>> from symnn.sim import Dense
>>> layer = Dense(np.eye(2))
>>> isinstance(layer, Layer), sorted(layer.params), layer.decay
(True, ['W'], ('W',))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symnn.errors import ShapeError, SymnnError

__all__ = ["Layer", "as_float_array", "as_generator", "check_input"]


def as_float_array(x: Any, dtype: Any = None) -> np.ndarray:
    """``x`` as a floating-point array (float64 unless ``x`` already is floating).

    >>> as_float_array([1, 2]).dtype
    dtype('float64')
    >>> as_float_array(np.ones(2, np.float32)).dtype
    dtype('float32')
    """
    x = np.asarray(x)
    if dtype is not None:
        return x.astype(dtype, copy=False)
    if x.dtype.kind != "f":
        return x.astype(np.float64)
    return x


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A NumPy Generator from a Generator, a seed, or ``None`` (seed 0, reproducible).

    >>> as_generator(3).integers(10) == np.random.default_rng(3).integers(10)
    np.True_
    """
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(0 if rng is None else rng)



def check_input(owner: str, x: np.ndarray, ndim: int, expected: str) -> None:
    """Raise :class:`ShapeError` unless ``x.ndim == ndim``; the message names both shapes.

    >>> check_input("Flatten", np.zeros((2, 3)), 2, "(batch, features)")
    >>> try:
    ...     check_input("Conv2D", np.zeros((2, 3)), 4, "(batch, channels, height, width)")
    ... except ShapeError as error:
    ...     print(error)
    Conv2D: got input of shape (2, 3), expected (batch, channels, height, width)
    """
    if x.ndim != ndim:
        raise ShapeError(f"{owner}: got input of shape {x.shape}, expected {expected}")


class Layer:
    """Base class of the simulator's operations (see the module docstring).

    Attributes:
        params: name -> trainable array (updated in place by the optimisers).
        grads: name -> gradient of the loss with respect to ``params[name]``, same shape.
        buffers: name -> non-trainable state saved in checkpoints.
        decay: names of the parameters that L2 weight decay acts on.
    """

    decay: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Output for the input batch ``x``; ``train`` selects training behaviour."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Store parameter gradients and return dL/dx given dL/dy = ``grad_out``."""
        raise NotImplementedError

    def step_forward(self, x: np.ndarray) -> np.ndarray:
        """:meth:`forward` in training mode for the training loop, whose inputs were
        checked and cast to the parameters' dtype once per run: layers may skip their
        per-call checks here (the result is the same)."""
        return self.forward(x, True)

    def step_backward(self, grad_out: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """:meth:`backward` for the training loop, right after :meth:`step_forward`."""
        return self.backward(grad_out, need_input_grad)

    def __call__(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self.forward(x, train)

    @property
    def dtype(self) -> np.dtype | None:
        """The dtype of the parameters (``None`` for a layer without any)."""
        for value in self.params.values():
            return value.dtype
        return None

    def astype(self, dtype: Any) -> Layer:
        """Convert parameters, gradients and buffers to ``dtype`` in place; return self.

        >>> from symnn.sim import Dense
        >>> Dense(np.eye(2)).astype(np.float32).params["W"].dtype
        dtype('float32')
        """
        for store in (self.params, self.grads, self.buffers):
            for key, value in store.items():
                store[key] = value.astype(dtype)
        return self

    def extra_state(self) -> dict[str, Any]:
        """JSON-ready state besides arrays (for example a random generator's state)."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`extra_state` returned."""

    def _scratch(self, name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An uninitialised work array kept between calls; only for arrays that never
        leave the layer, such as im2col's ``cols``, which saves the page faults of a fresh
        multi-megabyte array per batch. The memory is reallocated only when a call needs
        more of it (or another dtype): a smaller batch (the last of an epoch, the one
        example ``train`` checks the model with) takes the front of the larger one.

        >>> layer = Layer()
        >>> big = layer._scratch("work", (4, 3), np.float32)
        >>> small = layer._scratch("work", (2, 2), np.float32)
        >>> small.shape, np.shares_memory(big, small)
        ((2, 2), True)
        """
        work = self.__dict__.setdefault("_work", {})
        size = math.prod(shape)
        buf = work.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = work[name] = np.empty(size, dtype)
        return buf[:size].reshape(shape)

    def _cached(self, name: str) -> Any:
        value = getattr(self, name, None)
        if value is None:
            raise SymnnError(f"{type(self).__name__}.backward called before forward")
        return value

    def _check_grad(self, grad_out: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        grad_out = np.asarray(grad_out)
        if grad_out.shape != shape:
            raise ShapeError(
                f"{type(self).__name__}.backward: got grad_out of shape {grad_out.shape}, "
                f"expected the output shape {shape}"
            )
        return grad_out

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={v.shape}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"

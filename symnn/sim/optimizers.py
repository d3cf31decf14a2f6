"""Optimisers that update a network's parameters in place from its gradients.

Each optimiser acts on every ``(layer, name)`` of ``model.parameters()``, reading
``layer.grads[name]`` and writing ``layer.params[name]``. L2 weight decay follows
network2: with ``lmbda`` and ``n`` training examples the regularised cost is

.. math:: C = C_0 + \\frac{\\lambda}{2n} \\sum_w w^2,

so every decayed weight (``layer.decay``: the ``W`` of Dense and Conv2D, not biases)
gets the extra gradient (lmbda / n) w. For plain SGD this is network2's update
w -> (1 - eta lmbda / n) w - eta dC_0/dw. Momentum and Adam add the same term to the
gradient (classic L2 regularisation, not decoupled weight decay).

>>> import numpy as np
>>> from symnn.sim import Dense, Quadratic, Sequential
>>> net = Sequential([Dense(np.array([[1.0]]))])
>>> _ = net.loss_and_grads(np.array([[1.0]]), np.array([[0.0]]), Quadratic())
>>> SGD(eta=0.5).step(net)
>>> net[0].params["W"]
array([[0.5]])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symnn.errors import ParameterError

__all__ = ["SGD", "Adam", "Momentum", "Optimizer", "l2_penalty"]


def l2_penalty(model: Any, lmbda: float, n: int) -> float:
    """The regularisation term lmbda / (2 n) * sum of squared decayed weights.

    >>> from symnn.sim import Dense, Sequential
    >>> l2_penalty(Sequential([Dense(np.array([[3.0, 4.0]]), np.ones(2))]), lmbda=2.0, n=5)
    5.0
    """
    total = sum(
        float(np.vdot(layer.params[name], layer.params[name]))
        for layer, name in model.parameters()
        if name in layer.decay
    )
    return lmbda / (2 * n) * total


class Optimizer:
    """Base class. ``eta`` is the learning rate (schedules change it between epochs)."""

    def __init__(self, eta: float, lmbda: float = 0.0) -> None:
        if not eta > 0:
            raise ParameterError("eta", eta, "a positive learning rate")
        if not lmbda >= 0:
            raise ParameterError("lmbda", lmbda, "a non-negative L2 coefficient")
        self.eta, self.lmbda = float(eta), float(lmbda)
        self.slots: dict[str, list[np.ndarray]] = {}

    def step(self, model: Any, n: int = 1) -> None:
        """Update every parameter of ``model`` once; ``n`` is the training-set size."""
        decay = self.lmbda / n
        for index, (layer, name) in enumerate(model.parameters()):
            p, g = layer.params[name], layer.grads[name]
            self._update(index, p, g, decay if decay and name in layer.decay else 0.0)

    def _update(self, index: int, p: np.ndarray, g: np.ndarray, decay: float) -> None:
        raise NotImplementedError

    def _slot(self, name: str, index: int, like: np.ndarray) -> np.ndarray:
        slots = self.slots.setdefault(name, [])
        while len(slots) <= index:
            slots.append(np.zeros(0, like.dtype))
        if slots[index].shape != like.shape:
            slots[index] = np.zeros_like(like)
        return slots[index]

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(JSON-ready scalars, arrays) describing the optimiser's whole state."""
        arrays = {f"{k}.{i}": v for k, vs in self.slots.items() for i, v in enumerate(vs)}
        return {"type": type(self).__name__, "eta": self.eta, "lmbda": self.lmbda}, arrays

    def load_state_dict(self, scalars: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` returned."""
        if scalars.get("type") != type(self).__name__:
            raise ParameterError("optimizer state", scalars.get("type"), type(self).__name__)
        self.eta, self.lmbda = scalars["eta"], scalars["lmbda"]
        self.slots = {}
        for key in sorted(arrays, key=lambda k: (k.rsplit(".", 1)[0], int(k.rsplit(".", 1)[1]))):
            name = key.rsplit(".", 1)[0]
            self.slots.setdefault(name, []).append(np.array(arrays[key]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eta={self.eta}, lmbda={self.lmbda})"


class SGD(Optimizer):
    """w -> (1 - eta lmbda / n) w - eta g (g: the gradient of the mean or sum loss).

    >>> opt = SGD(eta=3.0, lmbda=5.0)
    >>> opt.eta, opt.lmbda
    (3.0, 5.0)
    """

    def _update(self, index: int, p: np.ndarray, g: np.ndarray, decay: float) -> None:
        if decay:
            p *= 1.0 - self.eta * decay
        p -= self.eta * g


class Momentum(Optimizer):
    """Momentum (network2's form): v -> mu v - eta g, w -> w + v.

    ``mu`` is the momentum coefficient (0 gives plain SGD).

    >>> Momentum(eta=0.1, mu=0.9).mu
    0.9
    """

    def __init__(self, eta: float, mu: float = 0.9, lmbda: float = 0.0) -> None:
        super().__init__(eta, lmbda)
        if not 0.0 <= mu < 1.0:
            raise ParameterError("mu", mu, "a momentum coefficient in [0, 1)")
        self.mu = float(mu)

    def _update(self, index: int, p: np.ndarray, g: np.ndarray, decay: float) -> None:
        v = self._slot("v", index, p)
        v *= self.mu
        v -= self.eta * g
        if decay:
            v -= (self.eta * decay) * p
        p += v

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        scalars, arrays = super().state_dict()
        return {**scalars, "mu": self.mu}, arrays

    def load_state_dict(self, scalars: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        super().load_state_dict(scalars, arrays)
        self.mu = scalars["mu"]


class Adam(Optimizer):
    """Adam (Kingma and Ba): bias-corrected moment estimates m, v of the gradient.

    m -> beta1 m + (1 - beta1) g, v -> beta2 v + (1 - beta2) g^2,
    w -> w - eta m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - beta1^t), v_hat likewise.

    >>> Adam().eta, Adam().beta2
    (0.001, 0.999)
    """

    def __init__(
        self,
        eta: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        lmbda: float = 0.0,
    ) -> None:
        super().__init__(eta, lmbda)
        for name, value in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= value < 1.0:
                raise ParameterError(name, value, "a decay rate in [0, 1)")
        self.beta1, self.beta2, self.eps, self.t = float(beta1), float(beta2), float(eps), 0

    def step(self, model: Any, n: int = 1) -> None:
        """Advance the time step t and update every parameter once."""
        self.t += 1
        super().step(model, n)

    def _update(self, index: int, p: np.ndarray, g: np.ndarray, decay: float) -> None:
        if decay:
            g = g + decay * p
        m, v = self._slot("m", index, p), self._slot("v", index, p)
        b1, b2 = self.beta1, self.beta2
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        step = self.eta * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        eps = self.eps * math.sqrt(1 - b2**self.t)
        p -= step * m / (np.sqrt(v) + eps)

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        scalars, arrays = super().state_dict()
        extra = {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps, "t": self.t}
        return {**scalars, **extra}, arrays

    def load_state_dict(self, scalars: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        super().load_state_dict(scalars, arrays)
        self.beta1, self.beta2, self.eps, self.t = (
            scalars["beta1"], scalars["beta2"], scalars["eps"], scalars["t"]
        )

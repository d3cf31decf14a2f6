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
from symnn.sim.flat import FlatParameters

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
    """Base class. ``eta`` is the learning rate (schedules change it between epochs).

    The first :meth:`step` puts the model's parameters into one vector
    (:class:`~symnn.sim.flat.FlatParameters`); every update then acts on the whole
    vector at once, which gives the same numbers as updating each array in turn.
    """

    linear = False  # the update depends on eta * g only (see gradient_factor)

    def __init__(self, eta: float, lmbda: float = 0.0) -> None:
        if not eta > 0:
            raise ParameterError("eta", eta, "a positive learning rate")
        if not lmbda >= 0:
            raise ParameterError("lmbda", lmbda, "a non-negative L2 coefficient")
        self.eta, self.lmbda = float(eta), float(lmbda)
        self.slots: dict[str, list[np.ndarray]] = {}
        self._flat: FlatParameters | None = None
        self._vectors: dict[str, np.ndarray] = {}
        self._runs: list[tuple[np.ndarray, np.ndarray, list[slice]]] | None = None

    def step(self, model: Any, n: int = 1) -> None:
        """Update every parameter of ``model`` once; ``n`` is the training-set size."""
        self.bind(model)
        self.apply(n)

    def bind(self, model: Any) -> None:
        """Make sure the parameter vector is ``model``'s (flatten it again if a layer's
        arrays were replaced): :meth:`apply` then updates it without that check, which the
        training loop makes once per epoch rather than once per minibatch."""
        flat = self._flat
        if flat is None or not flat.valid(model):
            self._flatten(model)

    @property
    def flat(self) -> FlatParameters | None:
        """The parameter vector of the model last bound (:meth:`bind`), or ``None``."""
        return self._flat

    @property
    def gradient_factor(self) -> float:
        """What the training loop may multiply the output delta by before back-propagation
        so that the layers' gradients arrive already scaled: ``eta`` for an optimiser whose
        update uses only ``eta * g`` (SGD, Momentum; back-propagation is linear in the delta,
        so every gradient is then ``eta`` times the true one and the update saves one pass
        over the parameters), 1 for the others (Adam).

        >>> SGD(eta=0.25).gradient_factor, Adam(eta=0.25).gradient_factor
        (0.25, 1.0)
        """
        return self.eta if self.linear else 1.0

    def apply(self, n: int = 1, scaled: bool = False) -> None:
        """One update of the model last bound (:meth:`bind`); ``n`` is the training-set size.

        ``scaled``: the gradients hold :attr:`gradient_factor` times the true gradients.
        Parameters handed to :meth:`update_elsewhere` are left alone.
        """
        decay = self.lmbda / n
        runs = self._runs
        if runs is None:
            flat = self._flat
            self._update(flat.p, flat.g, flat.decayed if decay else [], decay, scaled)
            return
        for p, g, decayed in runs:
            self._update(p, g, decayed if decay else [], decay, scaled)

    def weight_update_beta(self, decayed: bool, n: int) -> float | None:
        """beta if this optimiser's update of a parameter is p <- beta p - g when the
        gradients arrive times :attr:`gradient_factor` (``decayed``: L2 decay acts on it;
        ``n``: the training-set size), else ``None``. Then the layer that computes the
        gradient as a product may do the update inside it (:meth:`update_elsewhere`).

        >>> SGD(eta=0.5, lmbda=2.0).weight_update_beta(True, 100), Adam().weight_update_beta(False, 1)
        (0.99, None)
        """
        return None

    def update_elsewhere(self, pieces: list[slice]) -> None:
        """Leave the parameters in ``pieces`` (slices of the bound parameter vector) out of
        :meth:`apply` until the next call; ``[]`` puts them all back. Only for an optimiser
        whose :meth:`weight_update_beta` is not ``None`` (its update of them is then done
        by their layers)."""
        if not pieces:
            self._runs = None
            return
        if self.weight_update_beta(False, 1) is None:
            raise ParameterError("optimizer", self, "an optimiser whose update is p <- beta p - g (SGD)")
        p, g, cuts = self._flat.p, self._flat.g, sorted((s.start, s.stop) for s in pieces)
        starts = [0] + [stop for _, stop in cuts]
        stops = [start for start, _ in cuts] + [p.shape[0]]
        self._runs = [(p[a:b], g[a:b], _within(self._flat.decayed, a, b))
                      for a, b in zip(starts, stops) if b > a]  # fmt: skip

    def unscale(self) -> None:
        """Divide the bound model's gradients by :attr:`gradient_factor`: after steps that
        were given scaled gradients, the layers hold the true ones again (to rounding)."""
        if self._flat is not None and self.gradient_factor != 1.0:
            self._flat.g /= self._flat.g.dtype.type(self.gradient_factor)

    def _update(self, p: np.ndarray, g: np.ndarray, decayed: list[slice], decay: float,
                scaled: bool = False) -> None:
        """Update the vector ``p`` from ``g`` (times :attr:`gradient_factor` if ``scaled``);
        L2 ``decay`` acts on the ``decayed`` slices."""
        raise NotImplementedError

    def _eta_times(self, g: np.ndarray, scaled: bool) -> np.ndarray:
        """eta g: ``g`` itself when it arrives scaled, else in a work vector."""
        return g if scaled else np.multiply(g, self.eta, out=self._work("step")[: g.shape[0]])

    def _flatten(self, model: Any) -> FlatParameters:
        """Flatten ``model`` and rebuild the state vectors, keeping per-parameter state of
        matching shapes (from :meth:`load_state_dict` or an earlier flattening)."""
        flat = self._flat = FlatParameters(model)
        self._runs = None
        for name, pieces in self.slots.items():
            vector = self._vectors[name] = np.zeros_like(flat.p)
            for piece, old in zip(flat.split(vector), pieces):
                if old.shape == piece.shape:
                    piece[...] = old
            self.slots[name] = flat.split(vector)
        self._scratch: dict[str, np.ndarray] = {}
        return flat

    def _vector(self, name: str) -> np.ndarray:
        """The state vector ``name`` (zeros at first), one entry per parameter number."""
        vector = self._vectors.get(name)
        if vector is None or name not in self.slots:
            vector = self._vectors[name] = np.zeros_like(self._flat.p)
            self.slots[name] = self._flat.split(vector)
        return vector

    def _work(self, name: str) -> np.ndarray:
        """A work vector of ``p``'s shape, kept between steps (no allocation per step)."""
        work = self._scratch.get(name)
        if work is None:
            work = self._scratch[name] = np.empty_like(self._flat.p)
        return work

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(JSON-ready scalars, arrays) describing the optimiser's whole state."""
        arrays = {f"{k}.{i}": v for k, vs in self.slots.items() for i, v in enumerate(vs)}
        return {"type": type(self).__name__, "eta": self.eta, "lmbda": self.lmbda}, arrays

    def load_state_dict(self, scalars: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` returned."""
        if scalars.get("type") != type(self).__name__:
            raise ParameterError("optimizer state", scalars.get("type"), type(self).__name__)
        self.eta, self.lmbda = scalars["eta"], scalars["lmbda"]
        self.slots, self._vectors, self._flat = {}, {}, None
        for key in sorted(arrays, key=lambda k: (k.rsplit(".", 1)[0], int(k.rsplit(".", 1)[1]))):
            name = key.rsplit(".", 1)[0]
            self.slots.setdefault(name, []).append(np.array(arrays[key]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eta={self.eta}, lmbda={self.lmbda})"


def _within(slices: list[slice], start: int, stop: int) -> list[slice]:
    """The parts of ``slices`` inside [start, stop), relative to ``start``.

    >>> _within([slice(0, 4), slice(6, 9)], 2, 8)
    [slice(0, 2, None), slice(4, 6, None)]
    """
    parts = [slice(max(s.start, start) - start, min(s.stop, stop) - start) for s in slices]
    return [part for part in parts if part.stop > part.start]


class SGD(Optimizer):
    """w -> (1 - eta lmbda / n) w - eta g (g: the gradient of the mean or sum loss).

    >>> opt = SGD(eta=3.0, lmbda=5.0)
    >>> opt.eta, opt.lmbda
    (3.0, 5.0)
    """

    linear = True

    def weight_update_beta(self, decayed: bool, n: int) -> float | None:
        if type(self)._update is not SGD._update:  # a subclass with a rule of its own
            return None
        return 1.0 - self.eta * (self.lmbda / n) if decayed else 1.0

    def _update(self, p: np.ndarray, g: np.ndarray, decayed: list[slice], decay: float,
                scaled: bool = False) -> None:
        for piece in decayed:
            p[piece] *= 1.0 - self.eta * decay
        p -= self._eta_times(g, scaled)


class Momentum(Optimizer):
    """Momentum (network2's form): v -> mu v - eta g, w -> w + v.

    ``mu`` is the momentum coefficient (0 gives plain SGD).

    >>> Momentum(eta=0.1, mu=0.9).mu
    0.9
    """

    linear = True

    def __init__(self, eta: float, mu: float = 0.9, lmbda: float = 0.0) -> None:
        super().__init__(eta, lmbda)
        if not 0.0 <= mu < 1.0:
            raise ParameterError("mu", mu, "a momentum coefficient in [0, 1)")
        self.mu = float(mu)

    def _update(self, p: np.ndarray, g: np.ndarray, decayed: list[slice], decay: float,
                scaled: bool = False) -> None:
        v, work = self._vector("v"), self._work("step")
        v *= self.mu
        v -= self._eta_times(g, scaled)
        for piece in decayed:
            v[piece] -= np.multiply(p[piece], self.eta * decay, out=work[piece])
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

    def apply(self, n: int = 1, scaled: bool = False) -> None:
        """Advance the time step t and update every parameter once."""
        self.t += 1
        super().apply(n, scaled)

    def _update(self, p: np.ndarray, g: np.ndarray, decayed: list[slice], decay: float,
                scaled: bool = False) -> None:
        if decayed:  # g + decay * p on the decayed parameters, g elsewhere
            decayed_g = self._work("g")
            np.copyto(decayed_g, g)
            for piece in decayed:
                decayed_g[piece] += decay * p[piece]
            g = decayed_g
        m, v = self._vector("m"), self._vector("v")
        work, root = self._work("step"), self._work("root")
        b1, b2 = self.beta1, self.beta2
        m *= b1
        m += np.multiply(g, 1 - b1, out=work)
        v *= b2
        np.multiply(g, g, out=work)
        v += np.multiply(work, 1 - b2, out=work)
        step = self.eta * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        eps = self.eps * math.sqrt(1 - b2**self.t)
        np.sqrt(v, out=root)
        root += eps
        np.multiply(m, step, out=work)
        p -= np.divide(work, root, out=work)

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        scalars, arrays = super().state_dict()
        extra = {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps, "t": self.t}
        return {**scalars, **extra}, arrays

    def load_state_dict(self, scalars: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        super().load_state_dict(scalars, arrays)
        self.beta1, self.beta2, self.eps, self.t = (
            scalars["beta1"], scalars["beta2"], scalars["eps"], scalars["t"]
        )

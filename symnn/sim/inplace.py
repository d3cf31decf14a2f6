"""SGD's weight updates done inside the products that compute the weights' gradients.

An SGD step changes a Dense layer's weights by W <- beta W - x^T delta (delta already
times eta, beta = 1 - eta lmbda / n on decayed weights). Through NumPy that is a product
into the gradient buffer followed by passes over W and the buffer in the optimiser's
update; one BLAS ``gemm`` with beta does all of it (:mod:`symnn.sim.blas`). While a
training epoch runs, :class:`InPlaceUpdates` arms every Dense layer whose W has at least
:data:`MIN_ENTRIES` entries to update its W that way in ``step_backward`` and tells the
optimiser to leave those weights out of its own update. Smaller weights cost less to
update in the optimiser's single pass than a call of their own.

The numbers are those of the optimiser's update (the same product, the same beta,
rounded to the dtype; a test compares the two). Only for optimisers whose update is of
that form (:meth:`~symnn.sim.optimizers.Optimizer.weight_update_beta`: SGD), when the
gradients arrive scaled, and only inside the loop: :meth:`InPlaceUpdates.disarm` puts
everything back, and the training loop disarms before the epoch's last minibatch, so the
layers' gradients afterwards are those of that minibatch, as without this.

>>> import numpy as np
>>> from symnn.sim import mlp
>>> from symnn.sim.optimizers import SGD
>>> net, opt = mlp([784, 100, 10], "sigmoid", rng=0, dtype=np.float32), SGD(eta=0.1)
>>> opt.bind(net)
>>> armed = InPlaceUpdates(net, opt, n=1000)
>>> [type(layer).__name__ for layer in armed.layers], net[0].update_in_place.beta
(['Dense'], 1.0)
>>> armed.disarm()
>>> net[0].update_in_place is None
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symnn.sim.blas import AccumulatingGemm, accumulate_product, accumulating_gemm
from symnn.sim.layers import Dense

__all__ = ["MIN_ENTRIES", "InPlaceUpdates", "WeightUpdate"]

MIN_ENTRIES = 65536  # weights smaller than this update faster in the optimiser's one pass
SMALLEST_SCALE = 1e-6  # below it the scale is folded into the stored weights


class WeightUpdate:
    """SGD's update W <- beta W - x^T delta of one weight matrix, done in place.

    With 0.5 < beta < 1 (L2 decay) the matrix is kept as W = scale V: the update is then
    scale <- beta scale, V <- V - x^T delta / scale, one ``gemm`` that adds into V (a
    ``gemm`` with beta other than 1 scales its output in a pass of its own first). The
    layer multiplies its products with V by ``scale``; :meth:`fold` stores W again.

    >>> V = np.ones((2, 2), np.float32)
    >>> update = WeightUpdate(0.5, None, np.float32)
    >>> update.apply(V, np.ones((1, 2), np.float32), np.ones((1, 2), np.float32))  # W = 0.5 - 1
    >>> update.scale, V.tolist()
    (1.0, [[-0.5, -0.5], [-0.5, -0.5]])
    >>> update = WeightUpdate(0.75, None, np.float32)
    >>> update.apply(V, np.zeros((1, 2), np.float32), np.zeros((1, 2), np.float32))
    >>> update.scale, V[0, 0] * update.scale
    (0.75, np.float32(-0.375))
    """

    __slots__ = ("beta", "call", "gemm", "lazy", "scale", "target")

    def __init__(self, beta: float, gemm: AccumulatingGemm | None, dtype: Any = np.float64) -> None:
        # beta rounded to the weights' dtype, as the optimiser's own update W *= beta rounds it
        self.beta, self.gemm, self.scale = float(np.dtype(dtype).type(beta)), gemm, 1.0
        self.lazy = 0.5 < self.beta < 1.0
        self.target: np.ndarray | None = None  # the V that ``call`` is bound to

    def apply(self, V: np.ndarray, x: np.ndarray, delta: np.ndarray,
              scratch: np.ndarray | None = None) -> None:
        """One step: W = scale V becomes beta W - x^T delta."""
        if self.lazy:
            self.scale *= self.beta
            alpha, beta = -1.0 / self.scale, 1.0
        else:
            alpha, beta = -1.0, self.beta
        if self.target is not V and self.gemm is not None:  # bound once per array
            self.call, self.target = self.gemm.into(V), V
        if self.target is not V or not self.call(x, delta, alpha, beta):
            accumulate_product(V, x, delta, alpha, beta, scratch, self.gemm)
        if self.lazy and self.scale < SMALLEST_SCALE:
            self.fold(V)

    def fold(self, V: np.ndarray) -> None:
        """Store W itself in V (scale 1)."""
        if self.scale != 1.0:
            V *= V.dtype.type(self.scale)
            self.scale = 1.0


class InPlaceUpdates:
    """Arm the large Dense weights of a bound ``model`` for in-place SGD updates.

    ``optimizer`` must be bound to ``model`` (``optimizer.bind(model)``) and the training
    loop must feed back-propagation eta times the output delta. ``layers`` lists the
    armed layers (empty when the optimiser's update is not p <- beta p - g, or without a
    BLAS gemm for the model's dtype: then nothing changes).
    """

    def __init__(self, model: Any, optimizer: Any, n: int) -> None:
        self.optimizer, self.layers = optimizer, []
        flat = optimizer.flat
        gemm = accumulating_gemm(flat.p.dtype) if flat is not None else None
        if gemm is None or optimizer.weight_update_beta(False, n) is None:
            return
        pieces = []
        uses: dict[int, int] = {}
        for layer, name, _ in flat.pieces:
            uses[id(layer)] = uses.get(id(layer), 0) + (name == "W")
        for layer, name, piece in flat.pieces:
            if (name == "W" and _plain_dense(layer) and piece.stop - piece.start >= MIN_ENTRIES
                    and uses[id(layer)] == 1):  # a layer used twice would be updated twice  # fmt: skip
                beta = optimizer.weight_update_beta("W" in layer.decay, n)
                layer.update_in_place = WeightUpdate(beta, gemm, flat.p.dtype)
                self.layers.append(layer)
                pieces.append(piece)
        optimizer.update_elsewhere(pieces)

    def disarm(self) -> None:
        """The layers and the optimiser as before (the optimiser updates everything)."""
        for layer in self.layers:
            layer.update_in_place.fold(layer.params["W"])
            layer.update_in_place = None
        if self.layers:
            self.optimizer.update_elsewhere([])
        self.layers = []


def _plain_dense(layer: Any) -> bool:
    """A Dense layer whose steps are Dense's own (a subclass that overrides them might not
    carry out the update it is armed for)."""
    kind = type(layer)
    return (isinstance(layer, Dense) and kind.step_forward is Dense.step_forward
            and kind.step_backward is Dense.step_backward)  # fmt: skip

"""All of a network's parameters in one array, so that an optimiser step is one pass.

:class:`FlatParameters` copies every parameter of a model into one contiguous vector
``p`` (and the gradients into ``g``) and makes each layer's ``params[name]`` and
``grads[name]`` a view of its piece, in ``model.parameters()`` order. Layers keep
working on their arrays as before (they write gradients in place), and an optimiser
updates all of them with a handful of NumPy calls however many layers there are: at a
minibatch of 10 the step of network2's 784-30-10 net is some 60 NumPy calls, and one
call costs about as much as adding 10,000 numbers.

Elementwise updates give the same numbers on the vector as on the pieces, bit for bit.
``valid`` tells whether the layers still hold the views (``Layer.astype`` or an
assignment to ``params[name]`` replaces them; the optimiser then flattens again).

>>> import numpy as np
>>> from symnn.sim import Dense, Sequential
>>> net = Sequential([Dense(np.ones((2, 3)), np.zeros(3))])
>>> flat = FlatParameters(net)
>>> flat.p.shape, flat.decayed
((9,), [slice(0, 6, None)])
>>> flat.p[:] = 2.0
>>> net[0].params["W"][0].tolist(), flat.valid(net)
([2.0, 2.0, 2.0], True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symnn.errors import ParameterError

__all__ = ["FlatParameters"]


class FlatParameters:
    """One vector ``p`` of parameters and one ``g`` of gradients behind a model's layers.

    Attributes:
        p, g: the parameters and gradients, shape (total size,).
        pieces: ``(layer, name, slice)`` for every parameter, in ``model.parameters()`` order.
        decayed: the slices of the parameters L2 decay acts on (``layer.decay``).
    """

    def __init__(self, model: Any) -> None:
        pairs = list(model.parameters())
        dtypes = {layer.params[name].dtype for layer, name in pairs}
        if len(dtypes) > 1:
            raise ParameterError("parameter dtypes", sorted(map(str, dtypes)), "one dtype (use model.astype)")
        dtype = dtypes.pop() if dtypes else np.dtype(np.float64)
        sizes = [layer.params[name].size for layer, name in pairs]
        self.p, self.g = np.empty(sum(sizes), dtype), np.zeros(sum(sizes), dtype)
        self.pieces: list[tuple[Any, str, slice]] = []
        offset = 0
        for (layer, name), size in zip(pairs, sizes, strict=True):
            piece = slice(offset, offset + size)
            shape = layer.params[name].shape
            self.p[piece] = layer.params[name].ravel()
            self.g[piece] = layer.grads[name].ravel()
            layer.params[name] = self.p[piece].reshape(shape)
            layer.grads[name] = self.g[piece].reshape(shape)
            self.pieces.append((layer, name, piece))
            offset += size
        self.decayed = _merged([piece for layer, name, piece in self.pieces if name in layer.decay])

    def valid(self, model: Any) -> bool:
        """True while ``model``'s layers hold exactly the views made here."""
        pieces = self.pieces
        i = 0
        for layer, name in model.parameters():
            if i == len(pieces) or pieces[i][0] is not layer or pieces[i][1] != name:
                return False
            if layer.params[name].base is not self.p or layer.grads[name].base is not self.g:
                return False
            i += 1
        return i == len(pieces)

    def split(self, vector: np.ndarray) -> list[np.ndarray]:
        """Views of a vector shaped like ``p`` as one array per parameter."""
        return [vector[piece].reshape(layer.params[name].shape) for layer, name, piece in self.pieces]


def _merged(slices: list[slice]) -> list[slice]:
    """Adjacent slices joined, so that decay is one call per run of decayed parameters."""
    out: list[slice] = []
    for piece in slices:
        if out and out[-1].stop == piece.start:
            out[-1] = slice(out[-1].start, piece.stop)
        else:
            out.append(piece)
    return out

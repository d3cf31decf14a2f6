"""Fused steps for the training loop: a ReLU next to a max pooling runs inside its pass.

ReLU and max pooling commute: max over a window of max(x, 0) is max(max over the window
of x, 0). Their gradients agree as well: where a window's maximum is positive, x and
ReLU(x) have their maxima at the same positions (the pooling's first maximum is the
same), and where it is not, both orders send the window no gradient. So the training
loop runs ``MaxPool2D`` followed or preceded by ``ReLU`` as one pass,
:meth:`~symnn.sim.pooling.MaxPool2D.step_forward_relu`, and the ReLU's own steps
pass their array through: the forward pass saves the ReLU's passes over the pooled map
(or, for ReLU before the pooling, over the four times larger map in front of it), and
the backward pass saves the ReLU's mask product. The numbers do not change (a test
compares both, ties and non-positive windows included). Only the exact classes are
fused; a subclass keeps its own steps.

>>> import numpy as np
>>> from symnn.sim import MaxPool2D, ReLU
>>> layers = [MaxPool2D(2), ReLU()]
>>> forwards = [layer.step_forward for layer in layers]
>>> backwards = [layer.step_backward for layer in layers]
>>> fuse_relu_pooling(layers, forwards, backwards)
[(0, 1)]
>>> x = np.array([[[[-1.0, -2.0], [-3.0, -4.0]]]])
>>> forwards[1](forwards[0](x)).ravel().tolist()
[0.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from symnn.sim.activations import ReLU
from symnn.sim.pooling import MaxPool2D

__all__ = ["fuse_relu_pooling"]


def fuse_relu_pooling(
    layers: list[Any], forwards: list[Callable], backwards: list[Callable]
) -> list[tuple[int, int]]:
    """Rewrite the step lists of ``layers`` in place so that each ``MaxPool2D`` next to a
    ``ReLU`` (either order; each layer in one pair at most) does the ReLU in its own
    pass; returns the fused (first, second) index pairs."""
    fused: list[tuple[int, int]] = []
    i = 0
    while i + 1 < len(layers):
        first, second = layers[i], layers[i + 1]
        kinds = (type(first), type(second))
        if kinds == (MaxPool2D, ReLU):
            forwards[i], forwards[i + 1] = first.step_forward_relu, _relu_output(second)
        elif kinds == (ReLU, MaxPool2D):
            forwards[i], forwards[i + 1] = _relu_deferred(first), second.step_forward_relu
        else:
            i += 1
            continue
        relu_index = i + 1 if kinds[1] is ReLU else i
        backwards[relu_index] = _pass_gradient
        fused.append((i, i + 1))
        i += 2
    return fused


def _relu_output(relu: ReLU) -> Callable[[np.ndarray], np.ndarray]:
    """The ReLU's forward step after a fused pooling: its input is already its output."""

    def forward(x: np.ndarray) -> np.ndarray:
        relu.out = x
        return x

    return forward


def _relu_deferred(relu: ReLU) -> Callable[[np.ndarray], np.ndarray]:
    """The ReLU's forward step before a fused pooling, which applies it: nothing to do.
    The ReLU keeps no output of its own (its ``backward`` outside the loop then asks
    for a forward pass first, instead of using a stale one)."""

    def forward(x: np.ndarray) -> np.ndarray:
        relu.out = None
        return x

    return forward


def _pass_gradient(grad: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
    """A fused ReLU's backward step: the pooling already applied its mask."""
    return grad if need_input_grad else None

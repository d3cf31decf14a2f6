"""Fused steps for the training loop: work a max pooling makes unnecessary is not done.

Two rewrites of the step lists (:meth:`Sequential.step_calls
<symnn.sim.network.Sequential.step_calls>`), neither of which changes what is computed:

* **ReLU inside the pooling.** ReLU and max pooling commute: max over a window of
  max(x, 0) is max(max over the window of x, 0). Their gradients agree as well: where
  a window's maximum is positive, x and ReLU(x) have their maxima at the same positions
  (the pooling's first maximum is the same), and where it is not, both orders send the
  window no gradient. So a ``MaxPool2D`` followed or preceded by a ``ReLU`` runs as one
  pass, :meth:`~symnn.sim.pooling.MaxPool2D.step_forward_relu`, and the ReLU's own
  steps pass their array through: the ReLU's passes over the pooled map (or over the
  larger map in front of the pooling) and its mask product are saved. The numbers do
  not change (a test compares both, ties and non-positive windows included).
* **Convolution outputs no pooling window reads.** A pooling that does not tile its
  input (2 x 2 windows over 11 x 11) drops the last rows and columns. A ``Conv2D``
  whose output goes into such a pooling, directly or through a ``ReLU``, computes only
  the rows and columns the windows read (``keep`` of
  :meth:`~symnn.sim.conv.Conv2D.step_forward`): its forward product, its weight
  gradient and im2col lose those rows (a sixth of them for 11 x 11 into 2 x 2), and
  its backward pass needs no search for the rows without gradient. The outputs that
  are computed are the same; the weight gradient sums the same nonzero terms without
  the zero ones, so it agrees to float32 rounding.

Only the exact classes are fused; a subclass keeps its own steps.

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
from symnn.sim.conv import Conv2D, output_size
from symnn.sim.pooling import MaxPool2D

__all__ = ["crop_for_pooling", "fuse_relu_pooling", "fuse_steps"]


def fuse_steps(layers: list[Any], forwards: list[Callable], backwards: list[Callable]) -> None:
    """Both rewrites, in place, on the step lists of ``layers``."""
    fuse_relu_pooling(layers, forwards, backwards)
    crop_for_pooling(layers, forwards)


def crop_for_pooling(layers: list[Any], forwards: list[Callable]) -> list[int]:
    """Let each ``Conv2D`` whose output goes into a ``MaxPool2D`` (directly or through a
    ``ReLU``) compute only what the pooling reads; returns the indices of those convolutions.

    >>> from symnn.sim import Conv2D
    >>> layers = [Conv2D.init(1, 2, 2, rng=0), MaxPool2D(2)]
    >>> forwards = [layer.step_forward for layer in layers]
    >>> crop_for_pooling(layers, forwards)
    [0]
    >>> forwards[0](np.ones((1, 1, 6, 6))).shape  # 5 x 5 outputs, the pooling reads 4 x 4
    (1, 2, 4, 4)
    """
    cropped = []
    for i, layer in enumerate(layers):
        after = [type(nxt) for nxt in layers[i + 1 : i + 3]]
        if type(layer) is not Conv2D or not (after[:1] == [MaxPool2D] or after == [ReLU, MaxPool2D]):
            continue
        forwards[i] = _cropped(layer, layers[i + after.index(MaxPool2D) + 1])
        cropped.append(i)
    return cropped


def _cropped(conv: Conv2D, pool: MaxPool2D) -> Callable[[np.ndarray], np.ndarray]:
    """The convolution's forward step, keeping the output rows and columns ``pool`` reads."""

    def forward(x: np.ndarray) -> np.ndarray:
        _, _, kh, kw = conv.params["W"].shape
        p, s = conv.padding, conv.stride
        h_out, w_out = output_size(x.shape[2], kh, s, p), output_size(x.shape[3], kw, s, p)
        return conv.step_forward(x, keep=(pool.covered(h_out), pool.covered(w_out)))

    return forward


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

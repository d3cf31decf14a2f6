"""Smooth activations beyond the classic four: their functions, derivatives and layers.

Elementwise on arrays of any shape, keeping a floating dtype, computed stably for large
``|x|``:

.. math:: \\operatorname{softplus}(x) = \\log(1 + e^{x}), \\qquad
          \\operatorname{softplus}'(x) = \\sigma(x)

>>> import numpy as np
>>> softplus(np.array([-1000.0, 0.0, 1000.0])).tolist()
[0.0, 0.6931471805599453, 1000.0]
>>> softplus_prime(np.array([0.0]))
array([0.5])
"""

from __future__ import annotations

import numpy as np

from symnn.sim.activations import _Elementwise, sigmoid
from symnn.sim.base import as_float_array

__all__ = ["Softplus", "softplus", "softplus_prime"]


def softplus(x: np.ndarray) -> np.ndarray:
    """softplus(x) = log(1 + e^x), as ``logaddexp(0, x)`` (no overflow for large x).

    >>> softplus(np.array([1.0], dtype=np.float32)).dtype
    dtype('float32')
    """
    x = as_float_array(x)
    return np.logaddexp(x.dtype.type(0), x)


def softplus_prime(x: np.ndarray) -> np.ndarray:
    """softplus'(x) = sigma(x).

    >>> softplus_prime(np.array([-1000.0, 1000.0]))
    array([0., 1.])
    """
    return sigmoid(x)


class Softplus(_Elementwise):
    """Layer y = softplus(x); backward dL/dx = dL/dy * sigma(x).

    >>> layer = Softplus()
    >>> layer.forward(np.array([[0.0]])), layer.backward(np.array([[2.0]]))
    (array([[0.69314718]]), array([[1.]]))
    """

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.x = as_float_array(x)
        return softplus(self.x)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        x = self._cached("x")
        grad_out = self._check_grad(grad_out, x.shape)
        return grad_out * softplus_prime(x) if need_input_grad else None

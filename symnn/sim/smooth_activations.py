"""Activations beyond the classic four: their functions, derivatives and layers.

Elementwise on arrays of any shape, keeping a floating dtype, computed stably for large
``|x|``. At a kink the derivative is the one of the piece the point belongs to:
``elu'(0) = alpha`` and ``abs'(0) = -1`` (left derivatives, as ``relu'(0) = 0``), and
``hardtanh'(-1) = hardtanh'(1) = 0`` (the flat pieces are closed).

.. math:: \\operatorname{softplus}(x) = \\log(1 + e^{x}),\\quad
          \\operatorname{ELU}_\\alpha(x) = \\begin{cases} x & x > 0 \\\\
          \\alpha (e^x - 1) & x \\le 0 \\end{cases},\\quad
          \\operatorname{GELU}(x) = x \\Phi(x),\\quad \\operatorname{SiLU}(x) = x \\sigma(x),

and :math:`\\operatorname{hardtanh}(x) = \\max(-1, \\min(1, x))`, :math:`|x|`.

>>> import numpy as np
>>> softplus(np.array([-1000.0, 0.0, 1000.0])).tolist()
[0.0, 0.6931471805599453, 1000.0]
>>> softplus_prime(np.array([0.0]))
array([0.5])
>>> hardtanh(np.array([-3.0, 0.5, 3.0])).tolist(), gelu(np.array([0.0])).tolist()
([-1.0, 0.5, 1.0], [0.0])
"""

from __future__ import annotations

import math

import numpy as np

from symnn.sim.activations import _Elementwise, sigmoid
from symnn.sim.base import as_float_array
from symnn.sim.erf import erf

__all__ = [
    "ELU", "GELU", "Abs", "HardTanh", "SiLU", "Softplus", "absolute", "absolute_prime", "elu",
    "elu_prime", "gelu", "gelu_prime", "hardtanh", "hardtanh_prime", "normal_cdf", "silu",
    "silu_prime", "softplus", "softplus_prime",
]  # fmt: skip

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


def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU: x for x > 0, alpha (e^x - 1) for x <= 0 (``expm1``, exact near 0).

    >>> elu(np.array([-1000.0, 2.0]), alpha=0.5).tolist()
    [-0.5, 2.0]
    """
    x = as_float_array(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_prime(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU'(x): 1 for x > 0, alpha e^x for x <= 0 (so ELU'(0) = alpha).

    >>> elu_prime(np.array([0.0, 1.0]), alpha=0.5).tolist()
    [0.5, 1.0]
    """
    x = as_float_array(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, with the whole-array ``erf`` of :mod:`symnn.sim.erf`.

    >>> normal_cdf(np.array([0.0])).tolist()
    [0.5]
    """
    x = as_float_array(x)
    return ((1 + erf(x / math.sqrt(2))) / 2).astype(x.dtype)


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    return np.exp(-(x * x) / 2) / math.sqrt(2 * math.pi)


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU, x Phi(x) (not the tanh approximation).

    >>> round(float(gelu(np.array(1.0))), 12)
    0.841344746069
    """
    x = as_float_array(x)
    return x * normal_cdf(x)


def gelu_prime(x: np.ndarray) -> np.ndarray:
    """GELU'(x) = Phi(x) + x phi(x).

    >>> gelu_prime(np.array([0.0])).tolist()
    [0.5]
    """
    x = as_float_array(x)
    return normal_cdf(x) + x * _normal_pdf(x)


def silu(x: np.ndarray) -> np.ndarray:
    """SiLU (swish), x sigma(x).

    >>> silu(np.array([0.0, -1000.0])).tolist()
    [0.0, -0.0]
    """
    x = as_float_array(x)
    return x * sigmoid(x)


def silu_prime(x: np.ndarray) -> np.ndarray:
    """SiLU'(x) = sigma(x) (1 + x (1 - sigma(x))).

    >>> silu_prime(np.array([0.0])).tolist()
    [0.5]
    """
    x = as_float_array(x)
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def hardtanh(x: np.ndarray) -> np.ndarray:
    """hardtanh(x) = max(-1, min(1, x)).

    >>> hardtanh(np.array([2.0], dtype=np.float32)).dtype
    dtype('float32')
    """
    return np.clip(as_float_array(x), -1, 1)


def hardtanh_prime(x: np.ndarray) -> np.ndarray:
    """hardtanh'(x) = 1 for -1 < x < 1, else 0 (0 at the corners).

    >>> hardtanh_prime(np.array([-1.0, 0.0, 1.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    x = as_float_array(x)
    return ((x > -1) & (x < 1)).astype(x.dtype)


def absolute(x: np.ndarray) -> np.ndarray:
    """|x|.

    >>> absolute(np.array([-2.0, 3.0])).tolist()
    [2.0, 3.0]
    """
    return np.abs(as_float_array(x))


def absolute_prime(x: np.ndarray) -> np.ndarray:
    """|x|' = 1 for x > 0, -1 for x <= 0 (the left derivative at 0).

    >>> absolute_prime(np.array([-1.0, 0.0, 1.0])).tolist()
    [-1.0, -1.0, 1.0]
    """
    x = as_float_array(x)
    return np.where(x > 0, 1.0, -1.0).astype(x.dtype)


class _Smooth(_Elementwise):
    """A layer y = f(x) with dL/dx = dL/dy * f'(x), from a function and its derivative."""

    @staticmethod
    def f(x: np.ndarray) -> np.ndarray:  # pragma: no cover - every layer overrides it
        raise NotImplementedError

    @staticmethod
    def f_prime(x: np.ndarray) -> np.ndarray:  # pragma: no cover - every layer overrides it
        raise NotImplementedError

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.x = as_float_array(x)
        return self.f(self.x)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        x = self._cached("x")
        grad_out = self._check_grad(grad_out, x.shape)
        return grad_out * self.f_prime(x) if need_input_grad else None


class Softplus(_Smooth):
    """Layer y = softplus(x); backward dL/dx = dL/dy * sigma(x).

    >>> layer = Softplus()
    >>> layer.forward(np.array([[0.0]])), layer.backward(np.array([[2.0]]))
    (array([[0.69314718]]), array([[1.]]))
    """

    f, f_prime = staticmethod(softplus), staticmethod(softplus_prime)


class GELU(_Smooth):
    """Layer y = x Phi(x).

    >>> layer = GELU()
    >>> layer.forward(np.array([[0.0]])), layer.backward(np.array([[2.0]]))
    (array([[0.]]), array([[1.]]))
    """

    f, f_prime = staticmethod(gelu), staticmethod(gelu_prime)


class SiLU(_Smooth):
    """Layer y = x sigma(x).

    >>> layer = SiLU()
    >>> layer.forward(np.array([[0.0]])), layer.backward(np.array([[2.0]]))
    (array([[0.]]), array([[1.]]))
    """

    f, f_prime = staticmethod(silu), staticmethod(silu_prime)


class HardTanh(_Smooth):
    """Layer y = max(-1, min(1, x)).

    >>> layer = HardTanh()
    >>> layer.forward(np.array([[3.0, 0.5]])), layer.backward(np.array([[2.0, 2.0]]))
    (array([[1. , 0.5]]), array([[0., 2.]]))
    """

    f, f_prime = staticmethod(hardtanh), staticmethod(hardtanh_prime)


class Abs(_Smooth):
    """Layer y = |x|.

    >>> layer = Abs()
    >>> layer.forward(np.array([[-3.0]])), layer.backward(np.array([[2.0]]))
    (array([[3.]]), array([[-2.]]))
    """

    f, f_prime = staticmethod(absolute), staticmethod(absolute_prime)


class ELU(_Elementwise):
    """Layer y = ELU_alpha(x).

    >>> layer = ELU(alpha=0.5)
    >>> layer.forward(np.array([[0.0, 1.0]])), layer.backward(np.array([[2.0, 2.0]]))
    (array([[0., 1.]]), array([[1., 2.]]))
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.x = as_float_array(x)
        return elu(self.x, self.alpha)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        x = self._cached("x")
        grad_out = self._check_grad(grad_out, x.shape)
        return grad_out * elu_prime(x, self.alpha) if need_input_grad else None

"""Activation functions, their derivatives, and the matching layers.

Functions work elementwise on arrays of any shape (``softmax`` and ``log_softmax`` along
``axis``) and keep a floating dtype (float32 stays float32); integer input becomes
float64. Conventions, stated once for the whole project:

* ``unit_step(0) = at_zero = 1`` (Heaviside(0) = 1);
* ``relu'(0) = 0``; ``leaky_relu'(0) = alpha`` (the left derivative);
* ``sigmoid`` is 1 / (1 + exp(-x)) with the overflow of exp(-x) for x << 0 silenced:
  1 / inf = 0 is the correctly rounded value, and the relative error stays at a few ulp
  for every x;
* ``softmax`` and ``log_softmax`` subtract the maximum first (exact, since softmax is
  shift invariant), so logits of size 1000 are fine. Infinite logits get the limit
  where it exists: a single ``+inf`` in a row takes all the mass (``softmax([inf, 0])
  = [1, 0]``, the limit as z_1 -> inf), ``-inf`` entries get 0. Rows whose limit
  depends on how they are approached (two or more ``+inf``, only ``-inf``) and rows
  with NaN are refused with a :class:`~symnn.errors.ParameterError`.

.. math:: \\sigma(x) = \\frac{1}{1 + e^{-x}}, \\qquad
          \\operatorname{softmax}(z)_i = \\frac{e^{z_i - m}}{\\sum_j e^{z_j - m}},\\ m = \\max_j z_j

>>> import numpy as np
>>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
array([0. , 0.5, 1. ])
>>> softmax(np.array([1000.0, 1000.0]))
array([0.5, 0.5])
"""

from __future__ import annotations

import numpy as np

from symnn.errors import ParameterError, SymnnError
from symnn.sim.base import Layer, as_float_array

__all__ = [
    "Identity", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh", "UnitStep", "identity",
    "leaky_relu", "leaky_relu_prime", "log_softmax", "relu", "relu_prime", "sigmoid",
    "sigmoid_prime", "softmax", "tanh", "tanh_prime", "unit_step",
]  # fmt: skip


def identity(x: np.ndarray) -> np.ndarray:
    """identity(x) = x, any shape.

    >>> identity(np.array([2.0]))
    array([2.])
    """
    return as_float_array(x)


def unit_step(x: np.ndarray, at_zero: float = 1.0) -> np.ndarray:
    """Heaviside step: 1 for x > 0, 0 for x < 0 and ``at_zero`` (default 1) at x = 0.

    >>> unit_step(np.array([-2.0, 0.0, 3.0]))
    array([0., 1., 1.])
    >>> unit_step(np.array([0.0]), at_zero=0.5)
    array([0.5])
    """
    x = as_float_array(x)
    return np.where(x > 0, 1.0, np.where(x == 0, at_zero, 0.0)).astype(x.dtype)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-x)), without overflow warnings for any x.

    >>> float(sigmoid(np.array(0.0)))
    0.5
    """
    with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives 1 / inf = 0, exactly
        return _logistic(as_float_array(x))


def _logistic(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) in four NumPy calls, overflow reported as NumPy's error state says."""
    out = np.negative(x, out=np.empty_like(x))  # an array also for 0-d x
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def sigmoid_prime(x: np.ndarray) -> np.ndarray:
    """sigma'(x) = sigma(x) (1 - sigma(x)), at most 1/4 (at x = 0).

    >>> sigmoid_prime(np.array([0.0]))
    array([0.25])
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, elementwise.

    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return np.tanh(as_float_array(x))


def tanh_prime(x: np.ndarray) -> np.ndarray:
    """tanh'(x) = 1 - tanh(x)^2, at most 1 (at x = 0).

    >>> tanh_prime(np.array([0.0]))
    array([1.])
    """
    t = np.tanh(as_float_array(x))
    return 1.0 - t * t


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0).

    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """
    return np.maximum(as_float_array(x), 0)


def relu_prime(x: np.ndarray) -> np.ndarray:
    """1 for x > 0 else 0 (so relu'(0) = 0).

    >>> relu_prime(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    x = as_float_array(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """x for x > 0 else alpha * x.

    >>> leaky_relu(np.array([-2.0, 3.0]), alpha=0.5)
    array([-1.,  3.])
    """
    x = as_float_array(x)
    return np.where(x > 0, x, alpha * x).astype(x.dtype, copy=False)


def leaky_relu_prime(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """1 for x > 0 else alpha (so leaky_relu'(0) = alpha).

    >>> leaky_relu_prime(np.array([-2.0, 0.0, 3.0]), alpha=0.5)
    array([0.5, 0.5, 1. ])
    """
    x = as_float_array(x)
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z_i - max z) / sum_j exp(z_j - max z) along ``axis``; shape of ``z``.

    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    z = as_float_array(z)
    top = z.max(axis=axis, keepdims=True)
    if not np.isfinite(top).all():
        return np.exp(_infinite_limit(z, top, axis))
    e = np.exp(z - top)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """z_i - m - log sum_j exp(z_j - m) with m = max z, along ``axis``; shape of ``z``.

    >>> log_softmax(np.array([1000.0, 1000.0]))
    array([-0.69314718, -0.69314718])
    """
    z = as_float_array(z)
    top = z.max(axis=axis, keepdims=True)
    if not np.isfinite(top).all():
        return _infinite_limit(z, top, axis)
    shifted = z - top
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _infinite_limit(z: np.ndarray, top: np.ndarray, axis: int) -> np.ndarray:
    """log_softmax of logits with a non-finite maximum somewhere: where the limit exists.

    A row whose maximum is +inf at one entry tends to that one-hot row (log: 0 there,
    -inf elsewhere); finite rows are computed as usual.

    >>> np.exp(_infinite_limit(np.array([np.inf, 0.0, -np.inf]), np.array([np.inf]), -1))
    array([1., 0., 0.])
    """
    if np.isnan(z).any():
        raise ParameterError("z", "NaN in the logits", "logits without NaN")
    winners = np.count_nonzero(z == np.inf, axis=axis, keepdims=True)
    if (top == -np.inf).any() or (winners > 1).any():
        raise ParameterError(
            "z", "a row with two or more +inf or only -inf",
            "logits whose softmax has a limit (at most one +inf per row, not all -inf)",
        )  # fmt: skip
    finite = np.isfinite(top)
    limit = np.where(z == np.inf, 0.0, -np.inf).astype(z.dtype)
    with np.errstate(invalid="ignore"):  # the infinite rows' values are replaced by the limit
        shifted = z - np.where(finite, top, 0)
        sums = np.exp(shifted).sum(axis=axis, keepdims=True)
        return np.where(finite, shifted - np.log(sums), limit)


class _Elementwise(Layer):
    """An activation layer: output has the input's shape, no parameters."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(_Elementwise):
    """Layer y = x (the linear activation).

    >>> layer = Identity()
    >>> layer.forward(np.ones((1, 2))), layer.backward(np.full((1, 2), 3.0))
    (array([[1., 1.]]), array([[3., 3.]]))
    """

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.shape = np.shape(x)
        return x

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        return self._check_grad(grad_out, self._cached("shape")) if need_input_grad else None


class UnitStep(_Elementwise):
    """Layer y = H(x) with H(0) = ``at_zero``; forward only (H' = 0 almost everywhere).

    >>> UnitStep().forward(np.array([-1.0, 0.0]))
    array([0., 1.])
    """

    def __init__(self, at_zero: float = 1.0) -> None:
        super().__init__()
        self.at_zero = at_zero

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return unit_step(x, self.at_zero)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        raise SymnnError(
            "UnitStep has no backward pass: its derivative is 0 wherever it exists, so "
            "gradient descent cannot train through it; use Sigmoid for a smooth step"
        )


class Sigmoid(_Elementwise):
    """Layer y = sigma(x); backward dL/dx = dL/dy * y (1 - y).

    >>> layer = Sigmoid()
    >>> layer.forward(np.array([[0.0]])), layer.backward(np.array([[1.0]]))
    (array([[0.5]]), array([[0.25]]))
    """

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """sigma(x); exp(-x) overflows to inf for x << 0 (giving 0, exactly), which
        :meth:`Sequential.forward <symnn.sim.Sequential.forward>` and ``train`` silence
        once for the whole network rather than in every layer."""
        self.out = _logistic(as_float_array(x))
        return self.out

    def step_forward(self, x: np.ndarray) -> np.ndarray:
        out = np.negative(x)  # a batch: an array, so the remaining calls can work in place
        np.exp(out, out)
        out += 1
        self.out = np.reciprocal(out, out)
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        a = self._cached("out")
        grad_out = self._check_grad(grad_out, a.shape)
        return self.step_backward(grad_out, need_input_grad)

    def step_backward(self, grad_out: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        if not need_input_grad:
            return None
        a = self.out
        slope = np.subtract(1, a)  # a (1 - a) in one array (of a's dtype), then times grad_out
        slope *= a
        return np.multiply(grad_out, slope, out=slope) if grad_out.dtype == a.dtype else grad_out * slope


class Tanh(_Elementwise):
    """Layer y = tanh(x); backward dL/dx = dL/dy * (1 - y^2).

    >>> layer = Tanh()
    >>> layer.forward(np.array([[0.0]])), layer.backward(np.array([[2.0]]))
    (array([[0.]]), array([[2.]]))
    """

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.out = tanh(x)
        return self.out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        a = self._cached("out")
        grad_out = self._check_grad(grad_out, a.shape)
        return grad_out * (1 - a * a) if need_input_grad else None


class ReLU(_Elementwise):
    """Layer y = max(x, 0); backward passes dL/dy where x > 0 (relu'(0) = 0).

    >>> layer = ReLU()
    >>> layer.forward(np.array([[-1.0, 0.0, 2.0]]))
    array([[0., 0., 2.]])
    >>> layer.backward(np.array([[5.0, 5.0, 5.0]]))
    array([[0., 0., 5.]])
    """

    _zeros: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        x = as_float_array(x)
        zeros = self._zeros  # np.maximum with a zero array is 2-3x faster than with 0
        if zeros is None or zeros.shape != x.shape or zeros.dtype != x.dtype:
            zeros = self._zeros = np.zeros_like(x)
        self.out = np.maximum(x, zeros)
        return self.out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        grad_out = self._check_grad(grad_out, self._cached("out").shape)
        return self.step_backward(grad_out, need_input_grad)

    def step_backward(self, grad_out: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        if not need_input_grad:
            return None
        out = self.out
        if grad_out.strides == out.strides:
            return grad_out * (out > 0)
        # dL/dy laid out unlike y (an NCHW-ordered gradient of an NCHW view of NHWC memory,
        # after Flatten): one copy into y's layout, then the product over matching memory
        delta = np.empty_like(out, dtype=grad_out.dtype)
        np.copyto(delta, grad_out)
        delta *= out > 0
        return delta


class LeakyReLU(_Elementwise):
    """Layer y = x for x > 0 else alpha x; derivative alpha at x <= 0.

    >>> layer = LeakyReLU(alpha=0.1)
    >>> layer.forward(np.array([[-1.0, 2.0]])), layer.backward(np.array([[1.0, 1.0]]))
    (array([[-0.1,  2. ]]), array([[0.1, 1. ]]))
    """

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.x = as_float_array(x)
        return leaky_relu(self.x, self.alpha)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        x = self._cached("x")
        grad_out = self._check_grad(grad_out, x.shape)
        if not need_input_grad:
            return None
        return np.where(x > 0, grad_out, self.alpha * grad_out).astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(_Elementwise):
    """Layer y = softmax(x) along ``axis``; backward dL/dx = y * (g - sum(g * y)).

    For training with cross-entropy use :class:`symnn.sim.SoftmaxCrossEntropy` on logits
    instead of this layer (fused and stable).

    >>> layer = Softmax()
    >>> layer.forward(np.array([[0.0, 0.0]])), layer.backward(np.array([[1.0, 0.0]]))
    (array([[0.5, 0.5]]), array([[ 0.25, -0.25]]))
    """

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.out = softmax(x, self.axis)
        return self.out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        y = self._cached("out")
        grad_out = self._check_grad(grad_out, y.shape)
        if not need_input_grad:
            return None
        return y * (grad_out - (grad_out * y).sum(axis=self.axis, keepdims=True))

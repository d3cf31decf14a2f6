"""Dense (affine), Flatten and Dropout layers; re-exports the convolutional ones.

``Dense`` computes the sheets' row-vector form ``z = x W + b``:

.. math:: z = x W + b,\\qquad \\frac{\\partial L}{\\partial W} = x^T \\delta,\\qquad
          \\frac{\\partial L}{\\partial b} = \\textstyle\\sum_{\\text{batch}} \\delta,\\qquad
          \\frac{\\partial L}{\\partial x} = \\delta W^T

with ``x`` of shape (batch, in), ``W`` of shape (in, out), ``b`` of shape (out,) and
``delta = dL/dz`` of shape (batch, out).

>>> import numpy as np
>>> layer = Dense(np.array([[1.0, 2.0], [3.0, 4.0]]), b=np.array([0.5, 0.0]))
>>> layer.forward(np.array([[1.0, 1.0]]))
array([[4.5, 6. ]])
>>> layer.backward(np.array([[1.0, 0.0]]))
array([[1., 3.]])
>>> layer.grads["W"], layer.grads["b"]
(array([[1., 0.],
       [1., 0.]]), array([1., 0.]))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symnn.errors import ParameterError, ShapeError
from symnn.sim.base import Layer, as_float_array, as_generator
from symnn.sim.batchnorm import BatchNorm
from symnn.sim.conv import Conv2D
from symnn.sim.pooling import MaxPool2D

__all__ = [
    "BatchNorm", "Conv2D", "Dense", "Dropout", "Flatten", "Layer", "MaxPool2D", "as_generator",
]  # fmt: skip


class Dense(Layer):
    """Affine layer z = x W + b built from given arrays (``b=None``: no bias).

    Args:
        W: weights, shape (in, out).
        b: biases, shape (out,) (a (1, out) row is accepted), or ``None``.

    The arrays are copied; the dtype of ``W`` (float64 unless floating) is the layer's.
    """

    decay = ("W",)
    #: ``None``, or the ``WeightUpdate`` of an SGD step done by :meth:`step_backward`.
    update_in_place: Any = None

    def __init__(self, W: np.ndarray, b: np.ndarray | None = None) -> None:
        super().__init__()
        W = np.array(as_float_array(W), copy=True)
        if W.ndim != 2:
            raise ShapeError(f"Dense: got W of shape {W.shape}, expected (in, out)")
        self.params["W"] = W
        self.grads["W"] = np.zeros_like(W)
        if b is not None:
            b = np.array(as_float_array(b, W.dtype), copy=True)
            if b.size != W.shape[1] or b.ndim > 2 or (b.ndim == 2 and b.shape[0] != 1):
                raise ShapeError(
                    f"Dense: got b of shape {b.shape}, expected ({W.shape[1]},) to match "
                    f"W of shape {W.shape}"
                )
            self.params["b"] = b.reshape(W.shape[1])
            self.grads["b"] = np.zeros_like(self.params["b"])

    @classmethod
    def init(
        cls,
        n_in: int,
        n_out: int,
        rng: np.random.Generator | int | None = None,
        scale: float | None = None,
        bias: bool = True,
        dtype: Any = np.float64,
    ) -> Dense:
        """Random layer: W ~ N(0, scale^2) with scale = 1/sqrt(n_in) by default, b = 0.

        Use ``scale=np.sqrt(2 / n_in)`` (He) before ReLU.

        >>> layer = Dense.init(784, 30, rng=0, dtype=np.float32)
        >>> layer.params["W"].shape, layer.params["b"].shape, layer.params["W"].dtype
        ((784, 30), (30,), dtype('float32'))
        """
        if n_in < 1 or n_out < 1:
            raise ParameterError("(n_in, n_out)", (n_in, n_out), "positive layer sizes")
        rng = as_generator(rng)
        scale = 1.0 / np.sqrt(n_in) if scale is None else scale
        W = (rng.standard_normal((n_in, n_out)) * scale).astype(dtype)
        return cls(W, np.zeros(n_out, dtype) if bias else None)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """z = x W + b; ``x`` (batch, in) -> (batch, out)."""
        x = as_float_array(x)
        W = self.params["W"]
        if x.ndim != 2 or x.shape[1] != W.shape[0]:
            raise ShapeError(
                f"Dense: got input of shape {x.shape}, expected (batch, {W.shape[0]}) to "
                f"match W of shape {W.shape}"
            )
        return self.step_forward(x)

    def step_forward(self, x: np.ndarray) -> np.ndarray:
        """:meth:`forward` without the checks (the training loop made them once)."""
        self.x = x
        z = x @ self.params["W"]
        in_place = self.update_in_place
        if in_place is not None and in_place.scale != 1.0:  # W = scale V (see update_in_place)
            z *= z.dtype.type(in_place.scale)
        if "b" in self.params:
            z += self.params["b"]
        return z

    def step_backward(self, grad_out: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """:meth:`backward` without the checks, right after :meth:`step_forward`.

        With :attr:`update_in_place` set (a :class:`~symnn.sim.inplace.WeightUpdate`), W
        itself becomes beta W - x^T delta in one BLAS call and ``grads["W"]`` is not kept:
        the training loop arms this for SGD, whose update of W is exactly that when delta
        arrives times eta (see ``Optimizer.gradient_factor``). W may then be stored as
        scale V (``update_in_place.scale``), which the products here take into account.
        """
        W, grads = self.params["W"], self.grads
        if "b" in grads:
            np.add.reduce(grad_out, axis=0, out=grads["b"])  # np.sum without its wrapper
        grad_in = grad_out @ W.T if need_input_grad else None  # with W before its update
        in_place = self.update_in_place
        if in_place is None:
            np.matmul(self.x.T, grad_out, out=grads["W"])
            return grad_in
        if grad_in is not None and in_place.scale != 1.0:
            grad_in *= grad_in.dtype.type(in_place.scale)
        in_place.apply(W, self.x, grad_out, grads["W"])
        return grad_in

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """dL/dW = x^T delta, dL/db = column sums of delta, return delta W^T."""
        x = self._cached("x")
        delta = self._check_grad(grad_out, (x.shape[0], self.params["W"].shape[1]))
        return self.step_backward(delta, need_input_grad)


class Flatten(Layer):
    """Reshape (batch, d1, d2, ...) to (batch, d1 * d2 * ...); backward reshapes back.

    >>> layer = Flatten()
    >>> layer.forward(np.zeros((2, 3, 4, 4))).shape
    (2, 48)
    >>> layer.backward(np.ones((2, 48))).shape
    (2, 3, 4, 4)
    """

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        if x.ndim < 2:
            raise ShapeError(f"Flatten: got input of shape {x.shape}, expected (batch, ...)")
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        shape = self._cached("shape")
        grad_out = self._check_grad(grad_out, (shape[0], int(np.prod(shape[1:]))))
        return grad_out.reshape(shape) if need_input_grad else None

    def __repr__(self) -> str:
        return "Flatten()"


class Dropout(Layer):
    """Inverted dropout: in training, y = x * m / (1 - p) with m_i ~ Bernoulli(1 - p).

    ``p`` is the probability of dropping a unit; evaluation (``train=False``) is the
    identity. ``mask`` (the last m / (1 - p), input shape) can be fixed with
    ``fixed_mask`` for gradient checks. The generator's state is saved in checkpoints.

    >>> layer = Dropout(0.5, rng=0)
    >>> y = layer.forward(np.ones((2, 4)))
    >>> sorted(set(y.ravel().tolist())) == [0.0, 2.0], layer.forward(np.ones((1, 2)), train=False)
    (True, array([[1., 1.]]))
    """

    def __init__(
        self,
        p: float,
        rng: np.random.Generator | int | None = None,
        fixed_mask: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ParameterError("p", p, "a drop probability in [0, 1)")
        self.p = p
        self.rng = as_generator(rng)
        self.fixed_mask = fixed_mask
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """x * mask / (1 - p) in training, x in evaluation; shape of ``x``."""
        if not train or self.p == 0.0:
            self.mask = None
            self.shape = x.shape
            return x
        if self.fixed_mask is not None:
            mask = np.asarray(self.fixed_mask, dtype=x.dtype)
            if mask.shape != x.shape:
                raise ShapeError(f"Dropout: fixed_mask of shape {mask.shape} for input {x.shape}")
        else:
            dtype = np.float32 if x.dtype == np.float32 else np.float64
            keep = self.rng.random(x.shape, dtype=dtype) >= self.p
            mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))
        self.mask, self.shape = mask, x.shape
        return x * mask

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """dL/dy times the same mask; shape of the input."""
        grad_out = self._check_grad(grad_out, self._cached("shape"))
        if not need_input_grad:
            return None
        return grad_out if self.mask is None else grad_out * self.mask

    def extra_state(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        if "rng" in state:
            self.rng.bit_generator.state = state["rng"]

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

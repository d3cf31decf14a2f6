"""Batch normalization (Ioffe and Szegedy, 2015) for dense and convolutional layers.

In training mode each feature is normalized with the statistics of the current batch,

.. math:: \\hat x = \\frac{x - \\mu_B}{\\sqrt{\\sigma_B^2 + \\epsilon}},\\qquad
          y = \\gamma \\hat x + \\beta,

where ``mu_B`` and ``sigma_B^2`` (the biased variance) run over the batch axis (dense,
input (batch, features)) or over batch, height and width (``spatial=True``, input
(batch, C, H, W), one ``gamma`` and ``beta`` per channel). The backward pass is

.. math:: \\frac{\\partial L}{\\partial x} = \\frac{1}{\\sqrt{\\sigma_B^2+\\epsilon}}
          \\Big(g - \\overline{g} - \\hat x\\, \\overline{g \\hat x}\\Big),\\qquad
          g = \\gamma \\frac{\\partial L}{\\partial y},

bars being means over the same axes. With a batch of one, x - mu_B = 0, so the output is
``beta`` whatever the input. Running statistics are updated with ``momentum``
(r <- (1 - momentum) r + momentum * batch value, the running variance using the unbiased
batch variance m / (m - 1) * sigma_B^2 when m > 1) and used in evaluation mode.

>>> import numpy as np
>>> bn = BatchNorm(2)
>>> bn.forward(np.array([[1.0, 5.0]]))   # a batch of one gives beta = 0
array([[0., 0.]])
>>> y = bn.forward(np.array([[1.0, 2.0], [3.0, 6.0]]))
>>> np.round(y, 4)
array([[-1., -1.],
       [ 1.,  1.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symnn.errors import ParameterError, ShapeError
from symnn.sim.base import Layer, as_float_array

__all__ = ["BatchNorm"]


class BatchNorm(Layer):
    """Batch normalization with parameters ``gamma`` (ones) and ``beta`` (zeros).

    Args:
        num_features: number of features (dense) or channels (``spatial=True``).
        eps: added to the variance before the square root.
        momentum: weight of the current batch in the running statistics.
        spatial: normalize (batch, C, H, W) per channel instead of (batch, features).
        dtype: dtype of parameters and buffers.

    Buffers ``running_mean`` (zeros) and ``running_var`` (ones), shape (num_features,).
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        spatial: bool = False,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        if num_features < 1:
            raise ParameterError("num_features", num_features, "a positive integer")
        if eps <= 0 or not 0.0 <= momentum <= 1.0:
            raise ParameterError("(eps, momentum)", (eps, momentum), "eps > 0, 0 <= momentum <= 1")
        self.num_features, self.eps = num_features, eps
        self.momentum, self.spatial = momentum, spatial
        for name, value in (("gamma", np.ones), ("beta", np.zeros)):
            self.params[name] = value(num_features, dtype)
            self.grads[name] = np.zeros(num_features, dtype)
        self.buffers["running_mean"] = np.zeros(num_features, dtype)
        self.buffers["running_var"] = np.ones(num_features, dtype)

    def _rows(self, x: np.ndarray) -> np.ndarray:
        """``x`` as an (m, C) matrix, one row per normalized position: the batch rows
        (dense) or the NHWC memory behind an NCHW batch (``spatial``; free when ``x``
        came from a convolution or pooling layer, a copy otherwise)."""
        c = self.num_features
        if self.spatial:
            if x.ndim != 4 or x.shape[1] != c:
                raise ShapeError(
                    f"BatchNorm(spatial=True): got input of shape {x.shape}, expected "
                    f"(batch, {c}, height, width)"
                )
            return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(-1, c)
        if x.ndim != 2 or x.shape[1] != c:
            raise ShapeError(f"BatchNorm: got input of shape {x.shape}, expected (batch, {c})")
        return x

    def _shaped(self, rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """The (m, C) ``rows`` back in the input's ``shape`` (an NCHW view if spatial)."""
        if not self.spatial:
            return rows
        n, c, h, w = shape
        return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)

    def _column_sums(self, rows: np.ndarray) -> np.ndarray:
        """Sums over the m rows, as a product with a vector of ones (BLAS, one pass)."""
        return np.ones(rows.shape[0], rows.dtype) @ rows

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Normalize ``x`` (batch statistics if ``train`` else running ones); x's shape."""
        x = as_float_array(x)
        rows = self._rows(x)
        m = rows.shape[0]
        if train:
            mean = self._column_sums(rows) / rows.dtype.type(m)
            centred = rows - mean
            var = self._column_sums(centred * centred) / rows.dtype.type(m)
            mom = self.momentum
            rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
            rm *= 1 - mom
            rm += mom * mean
            rv *= 1 - mom
            rv += mom * var * (m / (m - 1) if m > 1 else 1.0)
        else:
            centred = rows - self.buffers["running_mean"]
            var = self.buffers["running_var"]
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype, copy=False)
        x_hat = np.multiply(centred, inv_std, out=centred)
        self.x_hat, self.inv_std, self.train_mode, self.shape = x_hat, inv_std, train, x.shape
        out = x_hat * self.params["gamma"]
        out += self.params["beta"]
        return self._shaped(out, x.shape)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Store dL/dgamma, dL/dbeta and return dL/dx (see the module docstring)."""
        x_hat = self._cached("x_hat")
        grad_out = self._check_grad(grad_out, self.shape)
        g = self._rows(grad_out)
        gamma, m = self.params["gamma"], x_hat.shape[0]
        self.grads["gamma"][...] = self._column_sums(g * x_hat)
        self.grads["beta"][...] = self._column_sums(g)
        if not need_input_grad:
            return None
        scale = gamma * self.inv_std
        if not self.train_mode:
            return self._shaped(g * scale, self.shape)
        g_mean = self.grads["beta"] * scale / m
        gx_mean = self.grads["gamma"] * scale / m
        dx = g * scale
        dx -= x_hat * gx_mean
        dx -= g_mean
        return self._shaped(dx, self.shape)

    def __repr__(self) -> str:
        return f"BatchNorm({self.num_features}, spatial={self.spatial})"

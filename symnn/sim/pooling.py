"""Max pooling on NCHW image batches, with a hand-written backward pass.

Each output is the maximum of a ``k`` x ``k`` window; windows start every ``stride``
pixels (``stride = k`` by default: non-overlapping). The backward pass sends each
output gradient to the position of its window's maximum:

.. math:: \\frac{\\partial L}{\\partial x_{n,c,u,v}} = \\sum_{(r, q):\\ (u, v) =
          \\operatorname{argmax} \\text{ of window } (r, q)} \\frac{\\partial L}{\\partial y_{n,c,r,q}}

Like :mod:`symnn.sim.conv` it works on the NHWC memory behind its NCHW input, one
strided slice per window offset.

>>> import numpy as np
>>> MaxPool2D(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
array([[[[ 5.,  7.],
         [13., 15.]]]])
"""

from __future__ import annotations

import numpy as np

from symnn.errors import ParameterError, ShapeError
from symnn.sim.base import Layer, as_float_array, check_input
from symnn.sim.conv import offsets, output_size

__all__ = ["MaxPool2D"]


class MaxPool2D(Layer):
    """Max pooling over ``kernel_size`` x ``kernel_size`` windows, step ``stride``.

    (batch, C, H, W) -> (batch, C, H_out, W_out), H_out = floor((H - k) / s) + 1
    (rows and columns that do not fill a window are dropped). The gradient goes to the
    maximum of each window; on ties, to the first maximum in row-major window order.

    >>> pool = MaxPool2D(2)
    >>> y = pool.forward(np.array([[[[1.0, 2.0], [4.0, 3.0]]]]))
    >>> y, pool.backward(np.ones_like(y))
    (array([[[[4.]]]]), array([[[[0., 0.],
             [1., 0.]]]]))
    """

    def __init__(self, kernel_size: int = 2, stride: int | None = None) -> None:
        super().__init__()
        stride = kernel_size if stride is None else stride
        if kernel_size < 1 or stride < 1 or kernel_size * kernel_size > 255:
            got = (kernel_size, stride)
            raise ParameterError("(kernel_size, stride)", got, "k in 1..15, s >= 1")
        self.k, self.stride = int(kernel_size), int(stride)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """(batch, C, H, W) -> (batch, C, H_out, W_out); remembers each argmax."""
        x = as_float_array(x)
        check_input("MaxPool2D", x, 4, "(batch, channels, height, width)")
        if x.shape[2] < self.k or x.shape[3] < self.k:
            raise ShapeError(f"MaxPool2D: got input of shape {x.shape}, expected H, W >= {self.k}")
        return self.step_forward(x)

    def step_forward(self, x: np.ndarray) -> np.ndarray:
        """:meth:`forward` without the checks (the training loop made them once)."""
        k, s = self.k, self.stride
        h_out, w_out = output_size(x.shape[2], k, s), output_size(x.shape[3], k, s)
        xt = x.transpose(0, 2, 3, 1)  # NHWC view: contiguous when x came from Conv2D
        rows, columns = offsets(k, s, h_out), offsets(k, s, w_out)
        out = xt[:, rows[0], columns[0]].copy()
        argmax = self._scratch("argmax", out.shape, np.uint8)  # read by backward only
        argmax.fill(0)
        window = self._scratch("window", out.shape, out.dtype)
        better = self._scratch("better", out.shape, np.bool_)
        for o in range(1, k * k):  # argmax only grows, so argmax = max(argmax, o * better)
            np.copyto(window, xt[:, rows[o // k], columns[o % k]])
            np.greater(window, out, out=better)
            np.maximum(argmax, better.view(np.uint8) * np.uint8(o), out=argmax)
            np.maximum(out, window, out=out)
        self.argmax, self.x_shape, self.x_dtype = argmax, x.shape, x.dtype
        return out.transpose(0, 3, 1, 2)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Route dL/dy to each window's argmax; returns dL/dx of shape (batch, C, H, W)."""
        argmax = self._cached("argmax")
        n, h_out, w_out, c = argmax.shape
        return self.step_backward(self._check_grad(grad_out, (n, c, h_out, w_out)), need_input_grad)

    def step_backward(self, grad_out: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """:meth:`backward` without the checks, right after :meth:`step_forward`."""
        if not need_input_grad:
            return None
        k, s, argmax = self.k, self.stride, self.argmax
        n, h_out, w_out, c = argmax.shape
        gt = grad_out.transpose(0, 2, 3, 1)
        rows, columns = offsets(k, s, h_out), offsets(k, s, w_out)
        _, _, h, w = self.x_shape
        tiled = s == k and h == k * h_out and w == k * w_out  # every input in one window
        dx = (np.empty if tiled else np.zeros)((n, h, w, c), self.x_dtype)
        chosen = self._scratch("better", argmax.shape, np.bool_)
        for o in range(k * k):
            np.equal(argmax, o, out=chosen)
            target = dx[:, rows[o // k], columns[o % k]]
            if s >= k:  # windows do not overlap: write the product straight into dx
                np.multiply(gt, chosen, out=target)
            else:
                target += gt * chosen
        return dx.transpose(0, 3, 1, 2)

    def __repr__(self) -> str:
        return f"MaxPool2D({self.k}, stride={self.stride})"

"""Max pooling on NCHW image batches, with a hand-written backward pass.

Each output is the maximum of a ``k`` x ``k`` window; windows start every ``stride``
pixels (``stride = k`` by default: non-overlapping). The backward pass sends each
output gradient to the position of its window's maximum:

.. math:: \\frac{\\partial L}{\\partial x_{n,c,u,v}} = \\sum_{(r, q):\\ (u, v) =
          \\operatorname{argmax} \\text{ of window } (r, q)} \\frac{\\partial L}{\\partial y_{n,c,r,q}}

Like :mod:`symnn.sim.conv` it works on the NHWC memory behind its NCHW input, one
strided slice per window offset. Both passes go through the batch a few images at a
time (about ``CHUNK_BYTES`` of input per block), so that every window offset of a block
is read from, and the block's maxima, argmaxes and gradients are written to, memory
that is still in the core's own cache; each window offset is copied once into a
contiguous block before it is compared. Measured at batch 64 on an Intel Xeon
(AVX-512, 2 MiB L2 per core) with NumPy 2.4, the forward pass of a 2 x 2 pooling of
64 x 26 x 26 x 32 float32 took 1.40 ms over the whole batch at once and 0.73 ms in
blocks of 1 MiB (12 images), the backward pass 1.12 ms and 0.85 ms;
``bench/train_throughput.py`` times the whole CNN step. The blocks change no number:
every window is computed exactly as before, only in a different order.

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

__all__ = ["CHUNK_BYTES", "NO_WINDOW", "MaxPool2D", "batch_blocks"]

CHUNK_BYTES = 1 << 20  # input bytes per block of images (see the measurements above)
NO_WINDOW = 255  # the argmax of a window that sends no gradient (k * k <= 225 offsets)


def batch_blocks(n: int, bytes_per_image: int) -> list[slice]:
    """Consecutive slices of ``range(n)``, each about ``CHUNK_BYTES`` of images (at least
    one image; one empty slice for an empty batch).

    >>> batch_blocks(5, CHUNK_BYTES // 2), batch_blocks(0, 100)
    ([slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)], [slice(0, 0, None)])
    """
    step = max(1, CHUNK_BYTES // max(1, bytes_per_image))
    return [slice(start, min(start + step, n)) for start in range(0, max(n, 1), step)]


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

    def covered(self, size: int) -> int:
        """How many leading rows (or columns) of an input ``size`` long the windows read.

        >>> MaxPool2D(2).covered(11), MaxPool2D(2).covered(10), MaxPool2D(3, stride=2).covered(8)
        (10, 10, 7)
        """
        windows = output_size(size, self.k, self.stride)
        return (windows - 1) * self.stride + self.k if windows > 0 else size

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """(batch, C, H, W) -> (batch, C, H_out, W_out); remembers each argmax."""
        x = as_float_array(x)
        check_input("MaxPool2D", x, 4, "(batch, channels, height, width)")
        if x.shape[2] < self.k or x.shape[3] < self.k:
            raise ShapeError(f"MaxPool2D: got input of shape {x.shape}, expected H, W >= {self.k}")
        return self.step_forward(x)

    def step_forward(self, x: np.ndarray) -> np.ndarray:
        """:meth:`forward` without the checks (the training loop made them once)."""
        return self._pool(x, relu=False)

    def step_forward_relu(self, x: np.ndarray) -> np.ndarray:
        """ReLU(:meth:`step_forward`), equal to pooling ReLU(x), in the same pass.

        A window whose maximum is not positive sends no gradient back (its argmax is
        marked ``NO_WINDOW``), which is what the ReLU's backward pass would do before or
        after the pooling: where the maximum is positive, x and ReLU(x) have their maxima
        at the same positions. :mod:`symnn.sim.fusion` uses it in the training loop.

        >>> pool = MaxPool2D(2)
        >>> y = pool.step_forward_relu(np.array([[[[1.0, -2.0], [0.5, 0.0]], [[-1.0, -3.0], [-2.0, 0.0]]]]))
        >>> y.ravel().tolist(), pool.step_backward(np.ones_like(y), True).ravel().tolist()
        ([1.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
        """
        return self._pool(x, relu=True)

    def _pool(self, x: np.ndarray, relu: bool) -> np.ndarray:
        k, s = self.k, self.stride
        h_out, w_out = output_size(x.shape[2], k, s), output_size(x.shape[3], k, s)
        xt = x.transpose(0, 2, 3, 1)  # NHWC view: contiguous when x came from Conv2D
        rows, columns = offsets(k, s, h_out), offsets(k, s, w_out)
        n, c = xt.shape[0], xt.shape[3]
        out = np.empty((n, h_out, w_out, c), x.dtype)
        argmax = self._scratch("argmax", out.shape, np.uint8)  # read by backward only
        blocks = batch_blocks(n, xt[:1].nbytes)
        block_shape = (blocks[0].stop - blocks[0].start, h_out, w_out, c)
        better = self._scratch("better", block_shape, np.bool_)
        offset_mark = self._scratch("mark", block_shape, np.uint8)
        window = self._scratch("window", block_shape, x.dtype)
        for block in blocks:
            xb, ob, ab = xt[block], out[block], argmax[block]
            bb, mb, wb = better[: len(ob)], offset_mark[: len(ob)], window[: len(ob)]
            np.copyto(ob, xb[:, rows[0], columns[0]])
            ab.fill(0)
            for o in range(1, k * k):  # argmax only grows, so argmax = max(argmax, o * better)
                np.copyto(wb, xb[:, rows[o // k], columns[o % k]])  # one strided read, then two
                np.greater(wb, ob, out=bb)  # passes over contiguous memory
                np.maximum(ob, wb, out=ob)
                np.multiply(bb.view(np.uint8), np.uint8(o), out=mb)
                np.maximum(ab, mb, out=ab)
            if relu:  # argmax NO_WINDOW where the maximum is not > 0 (0 - 1 wraps to 255)
                np.greater(ob, 0, out=bb)
                np.subtract(bb.view(np.uint8), np.uint8(1), out=mb)
                np.bitwise_or(ab, mb, out=ab)
                np.maximum(ob, 0, out=ob)
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
        blocks = batch_blocks(n, dx[:1].nbytes)
        chosen = self._scratch("better", (blocks[0].stop, h_out, w_out, c), np.bool_)
        for block in blocks:
            ab, gb, db, cb = argmax[block], gt[block], dx[block], chosen[: block.stop - block.start]
            for o in range(k * k):
                np.equal(ab, o, out=cb)
                target = db[:, rows[o // k], columns[o % k]]
                if s >= k:  # windows do not overlap: write the product straight into dx
                    np.multiply(gb, cb, out=target)
                else:
                    target += gb * cb
        return dx.transpose(0, 3, 1, 2)

    def __repr__(self) -> str:
        return f"MaxPool2D({self.k}, stride={self.stride})"

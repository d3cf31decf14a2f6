"""2-D convolution on NCHW image batches, with a hand-written backward pass.

``Conv2D`` is a cross-correlation (no kernel flip, as in every deep-learning library):

.. math:: y_{n,o,r,c} = b_o + \\sum_{i,p,q} W_{o,i,p,q}\\, x_{n,i,sr+p-P,\\,sc+q-P}

with stride ``s`` and zero padding ``P``. It is one matrix product (im2col): the input
windows are gathered into ``cols`` of shape (batch * H_out * W_out, kh * kw * C_in) and
``y = cols @ W_mat^T``. The backward pass is the same product transposed:
``dW = delta^T cols``, and the input gradient is col2im of ``delta W_mat`` (each
window's gradient added back where it came from), done as ``kh * kw`` products
``delta W_{ij}``, one per kernel offset, each added to its shifted block of the
(padded) input gradient.

Internally the channel axis is kept last in memory: the output is an NCHW *view* of an
NHWC buffer, so the gather, the scatter and the following ReLU and pooling all run over
contiguous memory; shapes and indices seen from outside are NCHW throughout. With few
input channels (the first layer) ``cols`` is kept transposed in memory (F-ordered), is
filled by one copy per kernel offset into a row of that transpose, and the bias rides
in the product as a column of ones; otherwise ``cols`` is one contiguous copy of a
``sliding_window_view``. Output rows and columns that get no gradient (a following
pooling drops them) are left out of the input gradient's products; in the training
loop they are not computed at all (``keep`` of :meth:`Conv2D.step_forward`, set by
:mod:`symnn.sim.fusion`).

>>> import numpy as np
>>> conv = Conv2D(np.ones((1, 1, 2, 2)), b=np.array([0.5]))
>>> conv.forward(np.arange(9.0).reshape(1, 1, 3, 3))
array([[[[ 8.5, 12.5],
         [20.5, 24.5]]]])
>>> conv.backward(np.ones((1, 1, 2, 2)))
array([[[[1., 2., 1.],
         [2., 4., 2.],
         [1., 2., 1.]]]])
>>> conv.grads["W"].ravel().tolist(), conv.grads["b"].tolist()
([8.0, 12.0, 20.0, 24.0], [4.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from symnn.errors import ParameterError, ShapeError
from symnn.sim.base import Layer, as_float_array, as_generator, check_input

__all__ = ["Conv2D", "im2col", "input_gradient", "nonzero_extent", "output_size"]

FEW_CHANNELS = 8  # below this, im2col copies per kernel offset and folds the bias in


def output_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Number of window positions along one axis: floor((size + 2P - k) / s) + 1.

    >>> output_size(28, 3, 1), output_size(26, 2, 2), output_size(28, 3, 1, padding=1)
    (26, 13, 28)
    """
    return (size + 2 * padding - kernel) // stride + 1


def offsets(k: int, s: int, n_out: int) -> list[slice]:
    """The slices that pick window element i (i < k) of every window along one axis.

    >>> offsets(2, 2, 3)
    [slice(0, 5, 2), slice(1, 6, 2)]
    """
    return [slice(i, i + s * (n_out - 1) + 1, s) for i in range(k)]


def im2col(
    xt: np.ndarray, kh: int, kw: int, s: int, ones: bool = False, out: np.ndarray | None = None
) -> np.ndarray:
    """Windows of the NHWC batch ``xt`` as rows: (N * H_out * W_out, kh * kw * C [+ 1]).

    Row (n, r, c) holds x[n, s r + i, s c + j, ch] at column (i kw + j) C + ch; with
    ``ones`` a last column of ones is appended (for a folded bias). ``out``, if given, is
    an array of the result's shape and dtype, C- or F-ordered, that is filled and
    returned (F-ordered, each per-offset copy of the few-channel path writes whole rows
    of its transpose).

    >>> im2col(np.arange(9.0).reshape(1, 3, 3, 1), 2, 2, 1, ones=True)[0]
    array([0., 1., 3., 4., 1.])
    """
    n, h, w, c = xt.shape
    h_out, w_out = output_size(h, kh, s), output_size(w, kw, s)
    k = kh * kw * c
    if out is None:
        out = np.empty((n * h_out * w_out, k + ones), xt.dtype)
    if c >= FEW_CHANNELS and not ones:
        windows = sliding_window_view(xt, (kh, kw), axis=(1, 2))[:, ::s, ::s]
        cols = np.reshape(out, (n, h_out, w_out, kh, kw, c), copy=False)
        np.copyto(cols, windows.transpose(0, 1, 2, 4, 5, 3))
        return out
    cols = np.reshape(out, (n, h_out, w_out, k + ones), copy=False)
    blocks = np.reshape(cols[..., :k], (n, h_out, w_out, kh, kw, c), copy=False)
    for i, rows in enumerate(offsets(kh, s, h_out)):
        for j, columns in enumerate(offsets(kw, s, w_out)):
            blocks[:, :, :, i, j, :] = xt[:, rows, columns, :]
    if ones:
        cols[..., k] = 1
    return out


def input_gradient(
    delta: np.ndarray,
    w_mat: np.ndarray,
    shape: tuple[int, ...],
    kh: int,
    kw: int,
    s: int,
    extent: tuple[int, int] | None = None,
) -> np.ndarray:
    """dL/dx of a convolution, NHWC ``shape``, from ``delta`` (M, C_out) and ``w_mat``.

    This is col2im of ``delta @ w_mat`` (every window's gradient added back where the
    window came from), done as one product per kernel offset (i, j): the block
    ``delta @ w_mat[:, (i, j, :)]`` of shape (M, C) is added to the input positions
    (s r + i, s c + j), so the (M, kh kw C) matrix ``dcols`` is never built. ``delta``
    covers the output positions r < h', c < w' of ``extent = (h', w')`` (all of them by
    default); the windows after them contribute nothing.

    >>> input_gradient(np.ones((4, 1)), np.ones((1, 4)), (1, 3, 3, 1), 2, 2, 1)[0, :, :, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> input_gradient(np.ones((1, 1)), np.ones((1, 4)), (1, 3, 3, 1), 2, 2, 1, (1, 1))[0, :, :, 0]
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 0.]])
    """
    n, h, w, c = shape
    h_out, w_out = extent or (output_size(h, kh, s), output_size(w, kw, s))
    dx = np.zeros(shape, delta.dtype)
    if not h_out or not w_out:  # no window got a gradient
        return dx
    block = np.empty((delta.shape[0], c), delta.dtype)
    kernels = w_mat.reshape(w_mat.shape[0], kh, kw, c)
    for i, rows in enumerate(offsets(kh, s, h_out)):
        for j, columns in enumerate(offsets(kw, s, w_out)):
            np.matmul(delta, kernels[:, i, j, :], out=block)
            dx[:, rows, columns] += block.reshape(n, h_out, w_out, c)
    return dx


def nonzero_extent(delta: np.ndarray) -> tuple[int, int]:
    """(h', w'): the NHWC gradient ``delta`` is zero in every row r >= h' and column c >= w'.

    A pooling layer that drops the last row and column of its input (floor((H - k) / s)
    + 1 windows) sends them no gradient; the input gradient then skips their windows.

    >>> d = np.zeros((1, 3, 3, 1)); d[0, 1, 0] = 1.0
    >>> nonzero_extent(d)
    (2, 1)
    """
    _, h, w, _ = delta.shape
    while h and not delta[:, h - 1].any():
        h -= 1
    while w and not delta[:, :h, w - 1].any():
        w -= 1
    return h, w


class Conv2D(Layer):
    """2-D convolution layer built from given arrays.

    Args:
        W: kernels, shape (C_out, C_in, kh, kw).
        b: biases, shape (C_out,), or ``None`` for no bias.
        stride: step between windows (same along both axes).
        padding: zeros added on every side of each image.

    Input (batch, C_in, H, W) -> output (batch, C_out, H_out, W_out) with
    H_out = floor((H + 2 padding - kh) / stride) + 1.
    """

    decay = ("W",)

    def __init__(
        self, W: np.ndarray, b: np.ndarray | None = None, stride: int = 1, padding: int = 0
    ) -> None:
        super().__init__()
        W = np.array(as_float_array(W), copy=True)
        if W.ndim != 4:
            raise ShapeError(f"Conv2D: got W of shape {W.shape}, expected (C_out, C_in, kh, kw)")
        if stride < 1 or padding < 0:
            raise ParameterError("(stride, padding)", (stride, padding), "s >= 1, P >= 0")
        self.stride, self.padding = int(stride), int(padding)
        self.params["W"], self.grads["W"] = W, np.zeros_like(W)
        if b is not None:
            b = np.array(as_float_array(b, W.dtype), copy=True)
            if b.shape != (W.shape[0],):
                raise ShapeError(f"Conv2D: got b of shape {b.shape}, expected ({W.shape[0]},)")
            self.params["b"], self.grads["b"] = b, np.zeros_like(b)

    @classmethod
    def init(
        cls,
        c_in: int,
        c_out: int,
        kernel_size: int | tuple[int, int] = 3,
        rng: np.random.Generator | int | None = None,
        stride: int = 1,
        padding: int = 0,
        scale: float | None = None,
        bias: bool = True,
        dtype: Any = np.float64,
    ) -> Conv2D:
        """Random kernels W ~ N(0, scale^2), scale = 1/sqrt(C_in kh kw) by default; b = 0.

        >>> Conv2D.init(1, 32, 3, rng=0, dtype=np.float32).params["W"].shape
        (32, 1, 3, 3)
        """
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        scale = 1.0 / np.sqrt(c_in * kh * kw) if scale is None else scale
        W = (as_generator(rng).standard_normal((c_out, c_in, kh, kw)) * scale).astype(dtype)
        return cls(W, np.zeros(c_out, dtype) if bias else None, stride, padding)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """(batch, C_in, H, W) -> (batch, C_out, H_out, W_out), an NCHW view of NHWC memory."""
        x = as_float_array(x)
        check_input("Conv2D", x, 4, "(batch, channels, height, width)")
        W, p = self.params["W"], self.padding
        _, c_in, kh, kw = W.shape
        _, c, h, w = x.shape
        if c != c_in or h + 2 * p < kh or w + 2 * p < kw:
            raise ShapeError(
                f"Conv2D: got input of shape {x.shape}, expected (batch, {c_in}, H, W) with "
                f"H + 2*{p} >= {kh} and W + 2*{p} >= {kw} for W of shape {W.shape}"
            )
        return self.step_forward(x)

    def step_forward(self, x: np.ndarray, keep: tuple[int, int] | None = None) -> np.ndarray:
        """:meth:`forward` without the checks (the training loop made them once).

        ``keep = (h', w')``: only the first h' rows and w' columns of the output are
        computed and returned (a following max pooling reads no others:
        :mod:`symnn.sim.fusion`); :meth:`step_backward` then takes the gradient of
        those, and the input gradient keeps the input's full shape.
        """
        W = self.params["W"]
        c_out, _, kh, kw = W.shape
        n, c, h, w = x.shape
        s, p = self.stride, self.padding
        xt = np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # free when x is NHWC in memory
        if p:
            padded = np.zeros((n, h + 2 * p, w + 2 * p, c), x.dtype)
            padded[:, p : p + h, p : p + w] = xt
            xt = padded
        padded_shape = xt.shape
        h_out, w_out = output_size(xt.shape[1], kh, s), output_size(xt.shape[2], kw, s)
        if keep is not None and min(keep) < 1:
            raise ParameterError("keep", keep, "(h', w') with h', w' >= 1")
        if keep is not None and (keep[0] < h_out or keep[1] < w_out):
            h_out, w_out = min(keep[0], h_out), min(keep[1], w_out)
            xt = xt[:, : s * (h_out - 1) + kh, : s * (w_out - 1) + kw]  # the rows those windows read
        w_mat = W.transpose(0, 2, 3, 1).reshape(c_out, -1)  # columns ordered (i, j, ch)
        fold = "b" in self.params and c < FEW_CHANNELS
        shape = (n * h_out * w_out, w_mat.shape[1] + fold)
        if c < FEW_CHANNELS:  # (kh kw C [+ 1], M) in memory: each offset's copy is one row
            work = self._scratch("cols", shape[::-1], x.dtype).T
        else:
            work = self._scratch("cols", shape, x.dtype)
        cols = im2col(xt, kh, kw, s, ones=fold, out=work)
        if fold:
            out = cols @ np.concatenate([w_mat, self.params["b"][:, None]], axis=1).T
        else:
            out = cols @ w_mat.T
            if "b" in self.params:  # one image per row: runs of h_out w_out C_out numbers
                tiled = self._scratch("bias", (h_out * w_out, c_out), out.dtype)
                np.copyto(tiled, self.params["b"])
                out.reshape(n, -1)[...] += tiled.reshape(-1)
        self.cols, self.padded_shape, self.w_mat, self.fold = cols, padded_shape, w_mat, fold
        self.search_extent = keep is None  # a cropped output's rows are all read by the pooling
        return out.reshape(n, h_out, w_out, c_out).transpose(0, 3, 1, 2)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Store dL/dW, dL/db; return dL/dx of shape (batch, C_in, H, W)."""
        n, hp, wp, _ = self._cached("padded_shape")
        c_out, _, kh, kw = self.params["W"].shape
        h_out, w_out = output_size(hp, kh, self.stride), output_size(wp, kw, self.stride)
        return self.step_backward(self._check_grad(grad_out, (n, c_out, h_out, w_out)), need_input_grad)

    def step_backward(self, grad_out: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """:meth:`backward` without the checks, right after :meth:`step_forward`."""
        cols = self.cols
        _, hp, wp, c = self.padded_shape
        c_out, _, kh, kw = self.params["W"].shape
        s, p = self.stride, self.padding
        grad_nhwc = grad_out.transpose(0, 2, 3, 1)
        delta = grad_nhwc.reshape(-1, c_out)  # free if NHWC in memory
        dw = (cols.T @ delta).T if cols.flags.f_contiguous else delta.T @ cols
        k = kh * kw * c
        self.grads["W"][...] = dw[:, :k].reshape(c_out, kh, kw, c).transpose(0, 3, 1, 2)
        if self.fold:
            self.grads["b"][...] = dw[:, k]
        elif "b" in self.params:  # a matrix-vector product sums faster than np.sum(axis=0)
            np.matmul(np.ones(delta.shape[0], delta.dtype), delta, out=self.grads["b"])
        if not need_input_grad:
            return None
        extent = nonzero_extent(grad_nhwc) if self.search_extent else grad_nhwc.shape[1:3]
        if extent != grad_nhwc.shape[1:3]:  # the windows of the last rows or columns got no gradient
            delta = np.ascontiguousarray(grad_nhwc[:, : extent[0], : extent[1]]).reshape(-1, c_out)
        dx = input_gradient(delta, self.w_mat, self.padded_shape, kh, kw, s, extent)
        return dx[:, p : hp - p, p : wp - p].transpose(0, 3, 1, 2)

    def __repr__(self) -> str:
        return f"Conv2D(W={self.params['W'].shape}, stride={self.stride}, padding={self.padding})"

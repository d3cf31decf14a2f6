"""The loaded OpenBLAS's ``gemm`` with accumulation: C <- beta C + alpha A^T B in one call.

NumPy's ``matmul`` always overwrites its output, so an SGD step's weight update
W <- beta W - x^T delta (beta = 1 - eta lmbda / n) is, through NumPy, a product into a
gradient buffer and then passes over W and that buffer. BLAS's ``gemm`` computes
C <- alpha op(A) op(B) + beta C itself, so the same update is one call that never
writes the gradient: at a minibatch of 10 on the 784-100-10 network that is most of
the optimiser step (the 313 KB gradient of the first layer is neither written nor read).

:func:`accumulating_gemm` finds ``cblas_sgemm`` / ``cblas_dgemm`` in the OpenBLAS
library NumPy has loaded (the same search as for its thread count), reads the integer
width from the library's own configuration string (``USE64BITINT``), and accepts the
function only after it has reproduced NumPy's product on a small case with strided
operands. On any other BLAS, or when ``SYMNN_BLAS_UPDATE=0`` is set, it returns
``None`` and callers use NumPy.

>>> import numpy as np
>>> a, b = np.ones((3, 2), np.float32), np.ones((3, 4), np.float32)
>>> c = np.full((2, 4), 10.0, np.float32)
>>> accumulate_product(c, a, b, alpha=-1.0, beta=0.5)  # c <- 0.5 c - a^T b
>>> c.tolist()
[[2.0, 2.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0]]
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["accumulate_product", "accumulating_gemm", "loaded_openblas", "openblas_functions"]

PREFIXES, SUFFIXES = ("", "scipy_"), ("", "64_")  # reference OpenBLAS, NumPy's and SciPy's builds
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112  # CBLAS enumerations
DISABLE_VARIABLE = "SYMNN_BLAS_UPDATE"
#: openblas_functions' answers: stems -> (len(sys.modules) when searched, the functions)
_searched: dict[tuple[str, ...], tuple[int, list[tuple[Any, ...]]]] = {}


def loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS libraries mapped into this process (Linux only)."""
    maps = "/proc/self/maps"
    if not os.path.exists(maps):
        return []
    with open(maps, encoding="utf-8", errors="replace") as handle:
        return sorted({line.split()[-1] for line in handle if "openblas" in line.lower() and "/" in line})


def openblas_functions(*stems: str) -> list[tuple[Any, ...]]:
    """For each loaded OpenBLAS library that has all of ``stems`` under one naming (for
    example ``openblas_set_num_threads`` as ``scipy_openblas_set_num_threads64_``), the
    functions in the order of ``stems``.

    The search reads the process's memory map (about a millisecond, at every ``train``
    call), so its answer is kept until a module has been imported since: a further
    OpenBLAS arrives with an extension module (SciPy's, say).

    >>> openblas_functions("openblas_get_config") == openblas_functions("openblas_get_config")
    True
    """
    import numpy  # noqa: F401  (loads OpenBLAS, so that it can be found)

    imported = len(sys.modules)
    kept = _searched.get(stems)
    if kept is not None and kept[0] == imported:
        return list(kept[1])
    found = _search(stems)
    _searched[stems] = (imported, found)
    return list(found)


def _search(stems: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """:func:`openblas_functions` without its memory."""
    found = []
    for path in loaded_openblas():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in PREFIXES:
            for suffix in SUFFIXES:
                functions = [getattr(library, f"{prefix}{stem}{suffix}", None) for stem in stems]
                if all(f is not None for f in functions):
                    found.append(tuple(functions))
                    break
            else:
                continue
            break
    return found


class AccumulatingGemm:
    """``c <- beta c + alpha a^T b`` through one BLAS ``gemm`` call (a (k, m), b (k, n) and c
    (m, n), rows contiguous), for one dtype."""

    def __init__(self, function: Any, integer: type, dtype: np.dtype) -> None:
        scalar = ctypes.c_float if dtype == np.float32 else ctypes.c_double
        self.integer, self.scalar = integer, scalar
        function.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer,
                             scalar, ctypes.c_void_p, integer, ctypes.c_void_p, integer,
                             scalar, ctypes.c_void_p, integer]  # fmt: skip
        function.restype = None
        self.function, self.dtype = function, dtype

    def fits(self, c: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
        """True if one call does it: this dtype, matching 2-D shapes, rows contiguous with
        a whole number of elements between them, c contiguous (it is updated in place)."""
        size, dtype = self.dtype.itemsize, self.dtype
        if a.ndim != 2 or b.ndim != 2:
            return False
        (k, m), (k2, n) = a.shape, b.shape
        return (k == k2 and c.shape == (m, n) and a.dtype == dtype and b.dtype == dtype
                and c.dtype == dtype and c.flags.c_contiguous and a.strides[1] == size
                and b.strides[1] == size and a.strides[0] % size == 0 and b.strides[0] % size == 0
                and a.strides[0] >= size * m and b.strides[0] >= size * n)  # fmt: skip

    def __call__(self, c: np.ndarray, a: np.ndarray, b: np.ndarray, alpha: float, beta: float) -> None:
        (k, m), n, size = a.shape, b.shape[1], self.dtype.itemsize
        self.function(ROW_MAJOR, TRANS, NO_TRANS, m, n, k, alpha,
                      _address(a), max(1, a.strides[0] // size), _address(b),
                      max(1, b.strides[0] // size), beta, _address(c), max(1, n))  # fmt: skip

    def into(self, c: np.ndarray) -> Callable[[np.ndarray, np.ndarray, float, float], bool]:
        """``call(a, b, alpha, beta)``: ``c <- beta c + alpha a^T b`` for this fixed ``c``, its
        address and shape read once (a training step updates the same weights every time).
        It returns False, doing nothing, when ``a`` and ``b`` are not plainly of :meth:`fits`'s
        kind (the caller then goes through :func:`accumulate_product`, which decides again).

        >>> gemm = accumulating_gemm(np.float32)
        >>> c = np.zeros((2, 3), np.float32)
        >>> call = gemm.into(c) if gemm else (lambda a, b, alpha, beta: False)
        >>> call(np.ones((1, 2), np.float32), np.ones((1, 3), np.float32), 2.0, 1.0) == bool(gemm)
        True
        """
        if not (c.ndim == 2 and c.dtype == self.dtype and c.flags.c_contiguous and c.flags.writeable):
            return lambda a, b, alpha, beta: False
        function, dtype, size = self.function, self.dtype, self.dtype.itemsize
        (m, n) = c.shape
        # ctypes converts arguments of its own types at a fraction of the cost of Python
        # numbers: the fixed ones are made here, the others are updated in place per call
        integer, scalar = self.integer, self.scalar
        k, lda, ldb = integer(0), integer(1), integer(1)
        alpha_, beta_ = scalar(0.0), scalar(0.0)
        a_address, b_address = ctypes.c_void_p(0), ctypes.c_void_p(0)
        arguments = (ctypes.c_int(ROW_MAJOR), ctypes.c_int(TRANS), ctypes.c_int(NO_TRANS),
                     integer(m), integer(n), k, alpha_, a_address, lda, b_address, ldb, beta_,
                     ctypes.c_void_p(_address(c)), integer(max(1, n)))  # fmt: skip

        def call(a: np.ndarray, b: np.ndarray, alpha: float, beta: float) -> bool:
            try:
                (rows_a, columns), (rows, width) = a.shape, b.shape
                (a_row, a_step), (b_row, b_step) = a.strides, b.strides
            except ValueError:  # not 2-D
                return False
            if (columns != m or width != n or rows != rows_a or a.dtype is not dtype
                    or b.dtype is not dtype or a_step != size or b_step != size or a_row % size
                    or b_row % size or a_row < size * m or b_row < size * n):  # fmt: skip
                return False
            k.value, alpha_.value, beta_.value = rows, alpha, beta
            a_address.value, b_address.value = _address(a), _address(b)
            lda.value, ldb.value = max(1, a_row // size), max(1, b_row // size)
            function(*arguments)
            return True

        return call


def _address(array: np.ndarray) -> int:
    """Address of ``array``'s first element (``ctypes.c_char.from_buffer`` is some five
    times quicker than ``array.ctypes.data`` but takes only writable contiguous arrays)."""
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    except (TypeError, ValueError, BufferError):
        return array.ctypes.data


@functools.cache
def _gemm(dtype: np.dtype) -> AccumulatingGemm | None:
    stem = {np.dtype(np.float32): "cblas_sgemm", np.dtype(np.float64): "cblas_dgemm"}.get(dtype)
    if stem is None:
        return None
    for gemm, config in openblas_functions(stem, "openblas_get_config"):
        config.restype = ctypes.c_char_p
        words = (config() or b"").split()
        integer = ctypes.c_int64 if b"USE64BITINT" in words else ctypes.c_int32
        candidate = AccumulatingGemm(gemm, integer, dtype)
        if _reproduces_numpy(candidate):
            return candidate
    return None


def _reproduces_numpy(gemm: AccumulatingGemm) -> bool:
    """The candidate's c <- beta c + alpha a^T b against NumPy on strided operands (a is a
    view with a row stride wider than its rows), to a tolerance of 1e-5 relative."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 9)).astype(gemm.dtype)[:, 1:7]  # (5, 6), row stride 9
    b = rng.standard_normal((5, 4)).astype(gemm.dtype)
    c = rng.standard_normal((6, 4)).astype(gemm.dtype)
    expected = 0.75 * c.astype(np.float64) - 2.0 * (a.T.astype(np.float64) @ b)
    gemm(c, a, b, -2.0, 0.75)
    return bool(np.allclose(c, expected, rtol=1e-5, atol=1e-5))


def accumulating_gemm(dtype: Any) -> Callable[..., None] | None:
    """The loaded OpenBLAS's gemm for ``dtype`` as ``gemm(c, a, b, alpha, beta)``, checked
    against NumPy; ``None`` without OpenBLAS, for other dtypes, or with
    ``SYMNN_BLAS_UPDATE=0``.

    >>> accumulating_gemm(np.int64) is None
    True
    """
    if os.environ.get(DISABLE_VARIABLE, "1").strip() == "0":
        return None
    return _gemm(np.dtype(dtype))


def accumulate_product(
    c: np.ndarray, a: np.ndarray, b: np.ndarray, alpha: float, beta: float,
    scratch: np.ndarray | None = None, gemm: AccumulatingGemm | bool | None = True,
) -> None:
    """c <- beta c + alpha a^T b in place: one call of ``gemm`` (by default
    :func:`accumulating_gemm`'s; ``None``: NumPy only) when it fits the operands, else
    NumPy: the product into ``scratch`` (or a new array), then two passes over ``c``."""
    if gemm is True:
        gemm = accumulating_gemm(c.dtype)  # type: ignore[assignment]
    if gemm and gemm.fits(c, a, b):  # type: ignore[union-attr]
        gemm(c, a, b, alpha, beta)  # type: ignore[operator]
        return
    product = np.matmul(a.T, b, out=scratch)
    if beta != 1.0:
        c *= c.dtype.type(beta)
    if alpha == -1.0:
        c -= product
    else:
        c += product * c.dtype.type(alpha)

"""One matrix product, once per process, that puts OpenBLAS in its fast state for training.

Measured on AMD EPYC machines (Zen, AVX2, no AVX-512) with the OpenBLAS 0.3.31 that
NumPy 2.4 ships (Haswell kernels), one thread: mid-sized single-precision products ran
two to three times slower in a fresh process than after the process had once multiplied
two 512 x 512 matrices. (64, 784) @ (784, 256) took 2.2 ms before and 0.76 ms after;
(128, 256) @ (256, 128) took 0.50 ms and 0.24 ms; a whole training step of the dense
784-256-128-64-10 network at batch 64 went from 4.1 ms to 2.8 ms. Under callgrind both
states run the same kernels with the same instruction counts, and neither incurs page
faults: which state inside the library changes is not known. A first product of 300^3
leaves it slow, one of 340^3 to 400^3 does not always fix it, 512^3 did every time; the
batch-10 products (10 x 784 x 100) are not affected, and with two threads the gap was
1.16x. PyTorch (MKL) does not show it.

:func:`warm_up_blas` does that 512^3 product (268 MFLOP: about 14 ms on one such core)
the first time it is called in a process; :func:`~symnn.sim.train.train` calls it before
its first epoch. The products' results do not depend on it (the same kernels: a test
compares them bit for bit in a fresh process). ``SYMNN_BLAS_WARMUP=0`` turns it off;
``bench/blas_warmup.py`` trains in fresh processes with and without it, side by side.

>>> _ = warm_up_blas()  # True if this call did the product
>>> warm_up_blas()  # once per process: later calls do nothing
False
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["DISABLE_VARIABLE", "SIZE", "warm_up_blas"]

DISABLE_VARIABLE = "SYMNN_BLAS_WARMUP"
SIZE = 512  # the side of the square product (see the measurements above)
_done = False


def warm_up_blas() -> bool:
    """Multiply two ``SIZE`` x ``SIZE`` float32 matrices the first time this is called in
    the process (unless ``SYMNN_BLAS_WARMUP=0``); True if this call did it."""
    global _done
    if _done:
        return False
    _done = True
    if os.environ.get(DISABLE_VARIABLE, "1").strip() == "0":
        return False
    square = np.full((SIZE, SIZE), 0.5, np.float32)
    np.matmul(square, square)
    return True

"""Pinning the number of OpenBLAS threads while an experiment runs.

Training with minibatches of 10 multiplies matrices of a few thousand entries; there
the start-up cost of BLAS threads dominates (on a busy two-core machine one epoch of the
MNIST network took 11 s with two threads and 0.6 s with one). A fixed thread count also
fixes the order of floating-point sums, so a seed reproduces its numbers bit for bit on
machines with different core counts. :func:`blas_threads` sets the count through
OpenBLAS's own ``openblas_set_num_threads`` (found with :mod:`ctypes` among the
libraries the process has loaded) and restores it afterwards; without OpenBLAS it does
nothing.

>>> with blas_threads(1) as found:
...     isinstance(found, int) and blas_thread_counts() == [1] * found
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from symnn.sim.blas import openblas_functions

__all__ = ["blas_thread_counts", "blas_threads"]


def _controls() -> list[tuple[Callable[[int], None], Callable[[], int]]]:
    return [(setter, getter) for setter, getter in
            openblas_functions("openblas_set_num_threads", "openblas_get_num_threads")]  # fmt: skip


@contextmanager
def blas_threads(n: int) -> Iterator[int]:
    """Use ``n`` OpenBLAS threads inside the block; yields how many libraries were set."""
    controls = _controls()
    before = [getter() for _, getter in controls]
    for setter, _ in controls:
        setter(n)
    try:
        yield len(controls)
    finally:
        for (setter, _), count in zip(controls, before):
            setter(count)


def blas_thread_counts() -> list[int]:
    """The thread count each loaded OpenBLAS library uses now, as OpenBLAS reports it."""
    return [int(getter()) for _, getter in _controls()]

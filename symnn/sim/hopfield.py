"""A Hopfield network with sequential updates, in NumPy.

States are vectors ``x`` in ``{-1, 1}^n``; the weights ``W`` are symmetric with a zero
diagonal. One update of neuron ``i`` sets

.. math:: x_i \\leftarrow \\operatorname{sign}(h_i),\\qquad h_i = \\sum_{j \\ne i} w_{ij} x_j,

with the tie rule ``sign(0) := keep x_i`` (so the state never leaves ``{-1, 1}^n``). The
energy ``H(x) = -x^T W x / 2`` never increases, and strictly decreases on every flip.

>>> import numpy as np
>>> W = np.array([[0.0, 1.0], [1.0, 0.0]])
>>> energy(W, np.array([1, -1]))
1.0
>>> state, trace = run(W, np.array([1, -1]))
>>> state, trace
(array([-1, -1]), [1.0, -1.0, -1.0, -1.0, -1.0])
>>> is_fixed_point(W, state)
True
"""

from __future__ import annotations

import numpy as np

from symnn.errors import ParameterError, ShapeError

__all__ = ["energy", "is_fixed_point", "local_field", "random_weights", "run", "sweep",
           "update", "validate"]


def validate(W: np.ndarray, x: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``W`` as a float array (square, symmetric, zero diagonal) and ``x`` as an int array.

    >>> validate(np.array([[0.0, 2.0], [1.0, 0.0]]))
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'W': got [[0.0, 2.0], [1.0, 0.0]], expected \
a symmetric matrix with zero diagonal (it is not symmetric)
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ShapeError(f"Hopfield: got W of shape {W.shape}, expected a square (n, n) matrix")
    expected = "a symmetric matrix with zero diagonal"
    if not np.array_equal(W, W.T):
        raise ParameterError("W", W.tolist(), expected + " (it is not symmetric)")
    if np.any(np.diag(W) != 0):
        raise ParameterError("W", W.tolist(), expected + f" (diagonal {np.diag(W).tolist()})")
    if x is None:
        return W, None
    x = np.asarray(x)
    if x.shape != (W.shape[0],):
        raise ShapeError(f"Hopfield: got x of shape {x.shape}, expected ({W.shape[0]},) to match W")
    if not np.all(np.isin(x, (-1, 1))):
        raise ParameterError("x", x.tolist(), "a state with entries -1 and 1")
    return W, x.astype(int)


def energy(W: np.ndarray, x: np.ndarray) -> float:
    """``H(x) = -1/2 x^T W x``."""
    return float(-0.5 * x @ W @ x)


def local_field(W: np.ndarray, x: np.ndarray, i: int) -> float:
    """``h_i = sum_{j != i} w_ij x_j`` (the diagonal is zero, so this is ``(W x)_i``)."""
    return float(W[i] @ x)


def update(W: np.ndarray, x: np.ndarray, i: int) -> np.ndarray:
    """The state after updating neuron ``i``: ``sign(h_i)``, keeping ``x_i`` when ``h_i = 0``.

    >>> update(np.zeros((2, 2)), np.array([-1, 1]), 0)
    array([-1,  1])
    """
    field = local_field(W, x, i)
    new = x.copy()
    if field != 0:
        new[i] = 1 if field > 0 else -1
    return new


def sweep(W: np.ndarray, x: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, list]:
    """One pass over the neurons in ``order``; returns the state and the energy after each update."""
    order = np.arange(len(x)) if order is None else order
    trace = []
    for i in order:
        x = update(W, x, int(i))
        trace.append(energy(W, x))
    return x, trace


def is_fixed_point(W: np.ndarray, x: np.ndarray) -> bool:
    """True when no single update would change the state."""
    return all(np.array_equal(update(W, x, i), x) for i in range(len(x)))


def run(W: np.ndarray, x0: np.ndarray, order: np.ndarray | None = None,
        max_sweeps: int = 10_000) -> tuple[np.ndarray, list[float]]:
    """Sweep until a whole sweep changes nothing; returns the final state and the energy trace.

    The trace starts with ``H(x0)`` and has one entry per update. Termination is guaranteed
    (at most ``2^n - 1`` flips, each lowering H strictly); ``max_sweeps`` is a safeguard.
    """
    W, x = validate(W, x0)
    trace = [energy(W, x)]
    for _ in range(max_sweeps):
        before = x.copy()
        x, energies = sweep(W, x, order)
        trace.extend(energies)
        if np.array_equal(x, before):
            return x, trace
    raise RuntimeError(f"no fixed point within {max_sweeps} sweeps")  # pragma: no cover


def random_weights(n: int, rng: np.random.Generator | int | None = None,
                   integer: bool = False) -> np.ndarray:
    """A random symmetric ``n x n`` matrix with zero diagonal (Gaussian, or integers in [-3, 3]).

    >>> W = random_weights(4, rng=0)
    >>> bool(np.array_equal(W, W.T)), bool(np.all(np.diag(W) == 0))
    (True, True)
    """
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    A = rng.integers(-3, 4, size=(n, n)).astype(float) if integer else rng.normal(size=(n, n))
    W = np.triu(A, 1)
    return W + W.T

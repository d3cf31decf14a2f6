"""Scalar mirrors of simulator functions, written so that latexify-py typesets them cleanly.

latexify-py renders ``max``, ``exp``, ``log``, conditionals and ``sum(... for k in
range(n))``, but mangles NumPy idioms (``np.where``, ``.sum(axis=...)``, ``.astype``,
slices). Where a function of :mod:`symnn.sim` does not render cleanly, the write-ups
typeset the mirror of the same name below instead: the same mathematics for one number
(or one vector given as a list), including the simulator's conventions and its
overflow-safe branches. :mod:`symnn.report.code` checks numerically that each mirror
agrees with its simulator function (the tests run that check).

Vectors are Python lists indexed from 0; ``n`` is their length.

>>> sigmoid(0.0), relu(-2.0), unit_step(0.0, 1.0)
(0.5, 0, 1.0)
>>> round(softmax([0.0, math.log(3.0)], 2, 1), 12)
0.75
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def sigmoid(x: float) -> float:
    """The logistic sigmoid, evaluated on the branch where ``exp`` cannot overflow."""
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    else:
        return math.exp(x) / (1 + math.exp(x))


def sigmoid_prime(x: float) -> float:
    """sigma'(x) = sigma(x) (1 - sigma(x))."""
    return sigmoid(x) * (1 - sigmoid(x))


def tanh(x: float) -> float:
    """The hyperbolic tangent."""
    return math.tanh(x)


def tanh_prime(x: float) -> float:
    """tanh'(x) = 1 - tanh(x)^2."""
    return 1 - math.tanh(x) ** 2


def relu(x: float) -> float:
    """max(x, 0)."""
    return max(x, 0)


def relu_prime(x: float) -> float:
    """The slope of ReLU, with relu'(0) = 0."""
    if x > 0:
        return 1
    else:
        return 0


def leaky_relu(x: float, alpha: float) -> float:
    """x for x > 0, alpha x otherwise."""
    if x > 0:
        return x
    else:
        return alpha * x


def unit_step(x: float, at_zero: float) -> float:
    """The Heaviside step H(x), with H(0) = ``at_zero``."""
    if x > 0:
        return 1
    elif x == 0:
        return at_zero
    else:
        return 0


def softmax(z: Sequence[float], n: int, i: int) -> float:
    """Entry i of softmax(z), with the maximum subtracted first (exact by shift invariance)."""
    m = max(z)
    return math.exp(z[i] - m) / sum(math.exp(z[k] - m) for k in range(n))


def log_softmax(z: Sequence[float], n: int, i: int) -> float:
    """Entry i of log softmax(z) = z_i - m - log sum_k exp(z_k - m)."""
    m = max(z)
    return z[i] - m - math.log(sum(math.exp(z[k] - m) for k in range(n)))


def quadratic(a: Sequence[float], y: Sequence[float], n: int) -> float:
    """The quadratic cost of one example, with the 1/2."""
    return 1 / 2 * sum((a[k] - y[k]) ** 2 for k in range(n))


def cross_entropy(a: Sequence[float], y: Sequence[float], n: int) -> float:
    """The cross-entropy of sigmoid outputs ``a`` in (0, 1) against targets ``y``."""
    return -sum(y[k] * math.log(a[k]) + (1 - y[k]) * math.log(1 - a[k]) for k in range(n))


def softmax_cross_entropy(z: Sequence[float], t: Sequence[float], n: int) -> float:
    """-sum_k t_k log softmax(z)_k on logits ``z``, by the max-shifted log-sum-exp."""
    m = max(z)
    return -sum(t[k] * (z[k] - m - math.log(sum(math.exp(z[j] - m) for j in range(n)))) for k in range(n))

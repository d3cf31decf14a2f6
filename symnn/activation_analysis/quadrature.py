"""Gaussian expectations in float64 by adaptive Gauss-Legendre quadrature: the checks' method.

The cross-checks of the moment engine need an *independent* value of
``E[(g(G) - c)^p]``, ``G ~ N(mu, sigma^2)``, to compare the derived results with: not the
closed forms, and not the Arb quadrature (:mod:`.numeric`) behind the proved numeric values.
This module integrates

.. math:: \\int_{\\mu - 14\\sigma}^{\\mu + 14\\sigma} (g(x) - c)^p\\, \\frac{e^{-(x - \\mu)^2 / (2\\sigma^2)}}
          {\\sigma\\sqrt{2\\pi}}\\, dx

in double precision: panels between ``mu + k sigma`` (``k = -14..14``), ``0`` and the kinks of
``g`` (so that each panel lies inside one piece), each given the 10- and the 20-point
Gauss-Legendre rules; a panel whose two values differ by more than its share of
``1e-14 max(1, |E|)`` is halved, and the sum of ``|G_20 - G_10|`` over the panels is
returned as the error estimate (the 20-point value is kept, which is far better). Outside
``|x - mu| <= 14 sigma`` a ``g`` of linear growth, ``|g(x)| <= A + B|x|`` with ``A, B <= 10``
(every activation of the table), contributes below ``1e-35`` for ``p <= 2`` and every
``|mu|, sigma <= 100`` of the parameter bounds.

``g`` is evaluated by NumPy (``erf`` by :func:`math.erf`, the sigmoid in a form that does not
overflow); a value that overflows there is recomputed by mpmath at 20 digits.

>>> import sympy as sp
>>> from symnn.activation_analysis.table import TABLE
>>> value, error = gaussian_expectation(TABLE["relu"].expression(None), 0, 1, (sp.Integer(0),), power=2)
>>> abs(value - 0.5) < 1e-15, error < 1e-13
(True, True)
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symnn.activation_analysis.growth import branch_between
from symnn.activation_analysis.table import x
from symnn.core.activation_functions import MPMATH_FUNCTIONS

__all__ = ["RELATIVE", "WINDOW", "gaussian_expectation"]

#: half-width of the window in standard deviations
WINDOW = 14
#: the panels are halved until the two rules agree to this, relative to max(1, |E|)
RELATIVE = 1e-14
#: the most halvings of one panel
DEPTH = 40
RULES = {n: np.polynomial.legendre.leggauss(n) for n in (10, 20)}


def _sigmoid(t: np.ndarray) -> np.ndarray:
    """``1/(1 + e^{-t})`` without overflow: ``e^t/(1 + e^t)`` for negative ``t``."""
    e = np.exp(-np.abs(t))
    return np.where(t >= 0, 1 / (1 + e), e / (1 + e))


_ERF = np.vectorize(math.erf, otypes=[float])
NUMPY = [{"sigma": _sigmoid, "erf": _ERF}, np]  # the module: no "from numpy import *"
MPMATH = [MPMATH_FUNCTIONS, "mpmath"]  # the core's mpmath forms of sigma, softplus, the ReLU family


@functools.lru_cache(maxsize=256)
def _branch_function(branch: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """``branch`` (an expression in x) on a float array; overflowed values by mpmath."""
    fast = sp.lambdify(x, branch, NUMPY)

    def evaluate(points: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(fast(points), dtype=float), points.shape).copy()
        overflowed = np.flatnonzero(~np.isfinite(values))
        if len(overflowed):
            slow = sp.lambdify(x, branch, MPMATH)
            with mpmath.workdps(20):
                for i in overflowed:
                    values[i] = float(slow(mpmath.mpf(float(points[i]))))
        return values

    return evaluate


def _breaks(mu: float, sigma: float, kinks: list[float]) -> list[float]:
    """Panel ends in ``u = (x - mu)/sigma``: the integers from -14 to 14, 0 and the kinks inside."""
    inner = {(k - mu) / sigma for k in (0.0, *kinks)} | set(range(1 - WINDOW, WINDOW))
    return [-WINDOW, *sorted(p for p in inner if -WINDOW < p < WINDOW), WINDOW]


def _rules(g: Callable[[np.ndarray], np.ndarray], panels: np.ndarray, mu: float, sigma: float,
           centre: float, power: int) -> tuple[np.ndarray, np.ndarray]:
    """The 10- and 20-point values on each panel ``[a, b]`` in u (rows of ``panels``)."""
    if not len(panels):
        return np.zeros(0), np.zeros(0)
    half, middle = (panels[:, 1] - panels[:, 0]) / 2, (panels[:, 1] + panels[:, 0]) / 2
    found = []
    for nodes, weights in RULES.values():
        u = middle[:, None] + half[:, None] * nodes[None, :]
        density = np.exp(-u * u / 2) / math.sqrt(2 * math.pi)
        values = (g((mu + sigma * u).ravel()).reshape(u.shape) - centre) ** power * density
        found.append(half * (values @ weights))
    return found[0], found[1]


@functools.lru_cache(maxsize=256)  # pure: a row of the table and its v ask for the same E[f(Z)^2]
def gaussian_expectation(g: sp.Expr, mu: Any, sigma: Any, kinks: tuple[sp.Expr, ...] = (), *,
                         power: int = 1, centre: float = 0.0) -> tuple[float, float]:
    """``E[(g(G) - centre)^power]``, ``G ~ N(mu, sigma^2)``, in float64, and an error estimate.

    ``g`` is an expression in ``x`` (a ``Piecewise`` with its kinks listed in ``kinks``).

    >>> value, error = gaussian_expectation(sp.tanh(x), sp.Rational(1, 2), 2, power=2)
    >>> integrand = lambda t: mpmath.tanh(t) ** 2 * mpmath.npdf(t, 0.5, 2)
    >>> exact = mpmath.quad(integrand, [-mpmath.inf, 0, mpmath.inf])  # tanh-sinh, another method
    >>> abs(value - float(exact)) < 1e-15, error < 1e-13
    (True, True)
    """
    m, s = float(mu), float(sigma)
    points = [float(k) for k in kinks]
    breaks = _breaks(m, s, points)
    ends = [-math.inf, *[(k - m) / s for k in points], math.inf]
    f = sp.piecewise_fold(g)
    functions = [_branch_function(branch_between(f, low, high))
                 for low, high in zip([-sp.oo, *kinks], [*kinks, sp.oo])]
    panels = [np.array([(a, b) for a, b in itertools.pairwise(breaks) if left <= a and b <= right])
              .reshape(-1, 2) for left, right in itertools.pairwise(ends)]
    rules = [_rules(h, box, m, s, centre, power) for h, box in zip(functions, panels)]
    target = RELATIVE * max(1.0, abs(sum(float(np.sum(fine)) for _, fine in rules)))
    total = error = 0.0
    for depth in range(DEPTH + 1):
        for i, ((coarse, fine), box) in enumerate(zip(rules, panels)):
            gap = np.abs(fine - coarse)
            done = (gap <= target * (box[:, 1] - box[:, 0]) / (2 * WINDOW)) | (depth == DEPTH)
            total, error = total + float(np.sum(fine[done])), error + float(np.sum(gap[done]))
            a, b = box[~done, 0], box[~done, 1]
            panels[i] = np.concatenate([np.column_stack([a, (a + b) / 2]), np.column_stack([(a + b) / 2, b])])
        if not any(len(box) for box in panels):
            break
        rules = [_rules(h, box, m, s, centre, power) for h, box in zip(functions, panels)]
    return total, error

"""Numeric Gaussian expectations: 30-digit mpmath values with an error bound, and Monte Carlo.

Where no closed form exists the engines report ``E[f(G)^p]`` as an mpmath value with
its error bound: the larger of ten times tanh-sinh quadrature's own error estimate and
the difference from Gauss-Legendre quadrature of the same integral (both at 40 digits,
split at the activation's kinks and at the mean). The bound is an estimate from two
independent quadrature rules, not a proof; the write-ups say so.

>>> import sympy as sp
>>> value, bound = expectation(sp.tanh(x) ** 2, sp.Integer(0), sp.Integer(1))
>>> str(value)[:12], bound < 1e-25
('0.3942944903', True)
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symnn.activation_analysis.functions import sigma
from symnn.activation_analysis.table import Activation, x
from symnn.core.exact import as_sympy

DIGITS = 30
MPMATH = [{"sigma": lambda t: 1 / (1 + mpmath.exp(-t))}, "mpmath"]


def as_mpf(value: sp.Expr) -> mpmath.mpf:
    """An exact SymPy number as an mpmath number at the working precision."""
    return mpmath.mpf(sp.N(value, mpmath.mp.dps + 10).__str__())


EDGE = 13


def _nodes(mu: mpmath.mpf, s: mpmath.mpf, kinks: tuple[sp.Expr, ...]) -> list[mpmath.mpf]:
    """Quadrature nodes in z: -13, -6, -2, 0, 2, 6, 13, plus the kinks and the points
    x = 0, +-1, +-4 (where the smooth activations turn) mapped to z = (x - mu)/sigma, inside."""
    inner = {(as_mpf(k) - mu) / s for k in (*kinks, 0, -1, 1, -4, 4)}
    grid = {mpmath.mpf(v) for v in (-EDGE, -6, -2, 0, 2, 6, EDGE)}
    return sorted(grid | {k for k in inner if abs(k) < EDGE})


def _tail(mu: mpmath.mpf, s: mpmath.mpf, power: int, growth: mpmath.mpf) -> mpmath.mpf:
    """A bound on the integral over |z| > 13, from |f(x)| <= K (1 + |x|) (K = ``growth``).

    With m = |mu|: |f|^1 <= K(1 + m + s|z|) and |f|^2 <= 2K^2(1 + 2m^2 + 2 s^2 z^2); the
    tails of z^k phi are 1 - Phi(a), phi(a) and a phi(a) + 1 - Phi(a) at a = 13.
    """
    a, m = mpmath.mpf(EDGE), abs(mu)
    t0, t1 = 1 - mpmath.ncdf(a), mpmath.npdf(a)
    t2 = a * t1 + t0
    if power == 1:
        one_side = growth * ((1 + m) * t0 + s * t1)
    else:
        one_side = 2 * growth**2 * ((1 + 2 * m**2) * t0 + 2 * s**2 * t2)
    return 2 * one_side


@functools.lru_cache(maxsize=256)  # pure: the table and the single ids ask for the same integrals
def expectation(integrand: sp.Expr, mu: sp.Expr, sigma_: sp.Expr, kinks: tuple[sp.Expr, ...] = (),
                power: int = 2, growth: sp.Expr = sp.S.One) -> tuple[sp.Float, float]:
    """``E[g(G)]``, ``G ~ N(mu, sigma^2)``, ``g = f^power``, to 30 digits, and its error bound.

    ``growth`` is a K with ``|f(x)| <= K (1 + |x|)``, for the bound on the tails.
    """
    g = sp.lambdify(x, integrand, MPMATH)
    with mpmath.workdps(DIGITS + 10):
        m, s = as_mpf(mu), as_mpf(sigma_)
        nodes = _nodes(m, s, kinks)
        scale = 1 / mpmath.sqrt(2 * mpmath.pi)

        def weighted(z: mpmath.mpf) -> mpmath.mpf:  # the density written out: npdf's checks cost more
            return g(m + s * z) * mpmath.exp(-z * z / 2) * scale

        value, estimate = mpmath.quad(weighted, nodes, error=True)
        other = mpmath.quad(weighted, nodes, method="gauss-legendre")
        tail = _tail(m, s, power, as_mpf(growth))
        bound = 10 * estimate + abs(value - other) + tail
        return sp.Float(mpmath.nstr(value, DIGITS + 5), DIGITS), float(bound)


@functools.lru_cache(maxsize=256)
def reference(integrand: sp.Expr, mu: Any, sigma_: Any, kinks: tuple[sp.Expr, ...] = (),
              digits: int = DIGITS) -> mpmath.mpf:
    """``E[g(G)]`` by tanh-sinh quadrature over the whole line in x at 30 digits (the check's method),
    split at 0, the kinks, ``mu`` and ``mu +- sigma``, ``mu +- 4 sigma`` (so that a wide or
    far-off density is resolved); ``digits`` lower for a figure that needs fewer."""
    g = sp.lambdify(x, integrand, MPMATH)
    with mpmath.workdps(digits):
        m, s = as_mpf(as_sympy(mu, "mu")), as_mpf(as_sympy(sigma_, "sigma"))
        spread = {m + t * s for t in (-4, -1, 0, 1, 4)}
        nodes = [-mpmath.inf, *sorted({mpmath.mpf(0), *spread, *[as_mpf(k) for k in kinks]}), mpmath.inf]
        scale = 1 / (s * mpmath.sqrt(2 * mpmath.pi))

        def weighted(t: mpmath.mpf) -> mpmath.mpf:
            u = (t - m) / s
            return g(t) * mpmath.exp(-u * u / 2) * scale

        return +mpmath.quad(weighted, nodes)


def monte_carlo(activation: Activation, alpha: Any, mu: float, sigma_: float,
                samples: int = 1_000_000, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Mean and variance of the simulator's f(G) from ``samples`` draws, with standard errors."""
    gaussian = np.random.default_rng(seed).standard_normal(samples)
    y = activation.simulate(mu + sigma_ * gaussian, alpha)
    mean = float(y.mean())
    squares = (y - mean) ** 2
    var, fourth = float(squares.mean()), float(np.mean(squares * squares))
    return {"mean": (mean, float(np.sqrt(var / samples))),
            "variance": (var, float(np.sqrt(max(fourth - var**2, 0.0) / samples)))}


__all__ = ["DIGITS", "MPMATH", "as_mpf", "expectation", "monte_carlo", "reference", "sigma"]

"""Numeric Gaussian expectations: 30-digit values with a proved error bound, and Monte Carlo.

Where no closed form exists the engines report ``E[f(G)^p]`` as a 30-digit number with a
*proved* bound on its error: Arb's quadrature (:mod:`symnn.core.ball`) encloses the
integral over ``|z| <= 13`` in a ball, and the tails ``|z| > 13`` are bounded through a
linear growth bound of ``f`` proved by interval arithmetic (:mod:`.growth`). The checks
recompute each value independently in float64 (:mod:`.quadrature`); :func:`reference`,
mpmath's tanh-sinh quadrature at any precision, is a slower independent method for the tests.

>>> import sympy as sp
>>> value, bound = expectation(sp.tanh(x), sp.Integer(0), sp.Integer(1), power=2)
>>> str(value)[:12], bound < 1e-25
('0.3942944903', True)
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from flint import arb, ctx

from symnn.activation_analysis.functions import sigma
from symnn.activation_analysis.growth import Growth, branch_between, linear_growth
from symnn.activation_analysis.table import Activation, x
from symnn.core.activation_functions import MPMATH_FUNCTIONS
from symnn.core.ball import ball, bits, integral, upper
from symnn.core.exact import as_sympy

DIGITS = 30
#: the default precision of :func:`reference`
REFERENCE_DIGITS = 24
#: ``lambdify`` modules for mpmath: the core's mpmath forms of sigma, softplus and the ReLU family
MPMATH = [MPMATH_FUNCTIONS, "mpmath"]


def as_mpf(value: sp.Expr) -> mpmath.mpf:
    """An exact SymPy number as an mpmath number at the working precision."""
    return mpmath.mpf(sp.N(value, mpmath.mp.dps + 10).__str__())


EDGE = 13


def _tail(mu: arb, s: arb, power: int, growth: Growth) -> arb:
    """A proved bound on the integral over ``|z| > 13`` from ``|f(x)| <= A + B|x|`` (``growth``).

    With ``m = |mu|``: ``|f|^1 <= A + B m + B s|z|`` and ``|f|^2 <= 2A^2 + 4B^2 m^2 + 4B^2 s^2 z^2``;
    the tails of ``z^k phi`` are ``Q = 1 - Phi(a)``, ``phi(a)`` and ``a phi(a) + Q`` at ``a = 13``.
    """
    a, m = arb(EDGE), abs(mu)
    big_a, big_b = ball(growth.constant), ball(growth.slope)
    q = (a / arb(2).sqrt()).erfc() / 2
    density = (-a * a / 2).exp() / (2 * arb.pi()).sqrt()
    if power == 1:
        one_side = (big_a + big_b * m) * q + big_b * s * density
    else:
        one_side = (2 * big_a**2 + 4 * big_b**2 * m**2) * q + 4 * big_b**2 * s**2 * (a * density + q)
    return 2 * one_side


def _outer(value: arb, up: bool) -> sp.Rational:
    """A rational at or beyond the ball ``value`` (below it, or above it when ``up``)."""
    end = value.upper() if up else value.lower()
    scaled = (end * 1024).ceil() if up else (end * 1024).floor()
    return sp.Rational(int(scaled.unique_fmpz()), 1024)


@functools.lru_cache(maxsize=256)  # pure: the table and the single ids ask for the same integrals
def expectation(f: sp.Expr, mu: sp.Expr, sigma_: sp.Expr, kinks: tuple[sp.Expr, ...] = (),
                power: int = 2) -> tuple[sp.Float, float]:
    """``E[f(G)^power]``, ``G ~ N(mu, sigma^2)``, to 30 digits, and a proved bound on its error.

    The integral over ``|x - mu| <= 13 sigma`` (widened to multiples of 1/1024, split at the
    kinks) is a ball from Arb's quadrature (:func:`symnn.core.ball.integral`); the rest is
    bounded through the proved growth of ``f`` (:mod:`.growth`). The bound adds the ball's
    radius, the tails, and the rounding of the midpoint to 30 digits.
    """
    growth = linear_growth(f, kinks)
    with ctx.workprec(bits(DIGITS + 10)):
        total = window_integral(f**power, mu, sigma_, kinks, DIGITS + 10)
        bound = total.rad() + _tail(ball(mu), ball(sigma_), power, growth)
        value = sp.Float(total.mid().str(DIGITS, radius=False), DIGITS)
        # the value is read both as its 30-digit decimal and as SymPy's binary Float: bound both
        bound += abs(total.mid() - ball(sp.Rational(str(value)))) + abs(total.mid() - ball(value))
        return value, upper(bound)


def confirms(f: sp.Expr, mu: sp.Expr, sigma_: sp.Expr, kinks: tuple[sp.Expr, ...], power: int,
             value: sp.Float, bound: float) -> bool:
    """True if a second enclosure of ``E[f(G)^power]``, computed afresh at 20 more digits,
    lies within ``bound`` of ``value`` read either as its decimal or as its binary Float:
    the claim ``|E - value| <= bound`` of :func:`expectation` checked by a computation that
    shares none of its rounding (a wrong midpoint or radius there is caught).

    >>> value, bound = expectation(sp.tanh(x), sp.Integer(0), sp.Integer(1), power=2)
    >>> confirms(sp.tanh(x), sp.Integer(0), sp.Integer(1), (), 2, value, bound)
    True
    >>> confirms(sp.tanh(x), sp.Integer(0), sp.Integer(1), (), 2, value + 1e-25, bound)
    False
    """
    growth = linear_growth(f, kinks)  # certified by its own claim
    digits = DIGITS + 20
    with ctx.workprec(bits(digits)):
        total = window_integral(f**power, mu, sigma_, kinks, digits)
        spread = total.rad() + _tail(ball(mu), ball(sigma_), power, growth)
        readings = (ball(sp.Rational(str(value))), ball(value))
        return all(bool(abs(total.mid() - reading) + spread <= ball(sp.Float(bound))) for reading in readings)


def window_integral(g: sp.Expr, mu: sp.Expr, sigma_: sp.Expr, kinks: tuple[sp.Expr, ...],
                    digits: int) -> arb:
    """A ball holding the integral of ``g(x) N(x; mu, sigma^2)`` over ``|x - mu| <= 13 sigma``,
    widened to multiples of 1/1024 and split at the kinks (``g`` may be piecewise there).

    >>> window = window_integral(x**2, sp.Integer(0), sp.Integer(1), (), 20)
    >>> window.overlaps(arb(1)), float(abs(1 - window.mid())) < 1e-18  # E[Z^2] = 1, less the tails
    (True, True)
    """
    g = sp.piecewise_fold(g)
    with ctx.workprec(bits(digits)):
        m, s = ball(mu), ball(sigma_)
        low, high = _outer(m - EDGE * s, up=False), _outer(m + EDGE * s, up=True)
        inner = sorted((k for k in kinks if low < k < high), key=float)
        kernel = sp.exp(-((x - mu) ** 2) / (2 * sigma_**2))  # the density's constant as one ball, below
        total = arb(0)
        for left, right in itertools.pairwise([low, *inner, high]):
            total += integral(branch_between(g, left, right) * kernel, x, left, right, digits=digits)
        return total / (s * (2 * arb.pi()).sqrt())


@functools.lru_cache(maxsize=256)
def reference(integrand: sp.Expr, mu: Any, sigma_: Any, kinks: tuple[sp.Expr, ...] = (),
              digits: int = REFERENCE_DIGITS) -> mpmath.mpf:
    """``E[g(G)]`` by tanh-sinh quadrature over the whole line in x at ``digits`` digits, split at
    0, the kinks, ``mu`` and ``mu +- sigma``, ``mu +- 4 sigma`` (so that a wide or far-off density
    is resolved)."""
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


@functools.lru_cache(maxsize=2)
def _standard_normal(samples: int, seed: int) -> np.ndarray:
    """``samples`` standard normal draws from ``seed`` (read-only: shared by every activation)."""
    draws = np.random.default_rng(seed).standard_normal(samples)
    draws.flags.writeable = False
    return draws


def monte_carlo(activation: Activation, alpha: Any, mu: float, sigma_: float,
                samples: int = 1_000_000, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Mean and variance of the simulator's f(G) from ``samples`` draws, with standard errors."""
    return dict(_monte_carlo(activation, alpha, float(mu), float(sigma_), samples, seed))


@functools.lru_cache(maxsize=64)  # pure (seeded): the table and the single ids ask for the same
def _monte_carlo(activation: Activation, alpha: Any, mu: float, sigma_: float, samples: int,
                 seed: int) -> dict[str, tuple[float, float]]:
    gaussian = _standard_normal(samples, seed)
    y = activation.simulate(gaussian if (mu, sigma_) == (0.0, 1.0) else mu + sigma_ * gaussian, alpha)
    mean = float(y.mean())
    spread = y - mean
    squares = spread * spread
    var, fourth = float(spread @ spread) / samples, float(squares @ squares) / samples  # sums by BLAS
    return {"mean": (mean, float(np.sqrt(var / samples))),
            "variance": (var, float(np.sqrt(max(fourth - var**2, 0.0) / samples)))}


__all__ = ["DIGITS", "MPMATH", "as_mpf", "confirms", "expectation", "monte_carlo", "reference", "sigma",
           "window_integral"]

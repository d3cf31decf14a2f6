"""A proved linear growth bound ``|f(x)| <= A + B|x|`` for an activation, by interval arithmetic.

The tails of a Gaussian integral of ``f`` are bounded through such a bound. It is proved
piece by piece (between the kinks) on the whole, possibly infinite, interval of each
piece, with outward-rounded interval arithmetic (:func:`symnn.core.interval.enclose`,
which accepts infinite ends), by the first of three arguments that succeeds:

* *bounded*: an enclosure ``|g(X)| <= A`` of the piece ``g`` (sigmoid, tanh; ``B = 0``);
* *x times bounded*: ``g = x h`` with ``h = cancel(g/x)`` and ``|h(X)| <= B`` (GELU, SiLU);
* *mean value theorem* from a point ``x_0`` of the piece: ``|g(x)| <= |g(x_0)| + L|x - x_0|``
  with ``L >= |g'(X)|`` (softplus, whose ``g' = 1/(1 + e^{-x})``).

Each enclosure is rounded up to a multiple of 1/1024. When no argument works the bound is
undecided and :class:`~symnn.errors.CertificationError` says so; nothing is assumed.

>>> import sympy as sp
>>> from symnn.activation_analysis.table import TABLE
>>> linear_growth(TABLE["softplus"].expression(None), ())
Growth(constant=355/512, slope=1, argument='mean value theorem')
>>> linear_growth(TABLE["gelu"].expression(None), ()).argument
'x times bounded'
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import sympy as sp

from symnn.activation_analysis.table import x
from symnn.core.interval import bounds, enclose
from symnn.errors import CertificationError

__all__ = ["Growth", "branch_between", "linear_growth"]

GRID = 1024


@dataclass(frozen=True)
class Growth:
    """``|f(x)| <= constant + slope |x|`` on the real line, and the argument that proved it."""

    constant: sp.Rational
    slope: sp.Rational
    argument: str


def branch_between(f: sp.Expr, low: sp.Expr, high: sp.Expr) -> sp.Expr:
    """The expression ``f`` reduces to strictly between two consecutive kinks ``low < high``.

    >>> branch_between(sp.Piecewise((0, x <= 0), (x, True)), sp.Integer(0), sp.oo)
    x
    """
    if not isinstance(f, sp.Piecewise):
        return f
    inside = (low + high) / 2 if low.is_finite and high.is_finite else \
        (high - 1 if low.is_infinite and high.is_finite else low + 1 if high.is_infinite and low.is_finite
         else sp.Integer(0))
    for expr, condition in f.args:
        if condition.subs(x, inside) is sp.true:
            return expr
    raise CertificationError(f"no branch of {f} holds at x = {inside}")


def _upper(value: object) -> sp.Rational | None:
    """A multiple of 1/1024 at least the upper end of an interval's absolute value."""
    if value is None:
        return None
    low, high = bounds(value)
    top = max(abs(low), abs(high))
    if not mpmath.isfinite(top):
        return None
    return sp.Rational(int(mpmath.ceil(top * GRID)), GRID)  # exact: top * 1024 is a binary number


def _bounded(g: sp.Expr, region: sp.Interval) -> tuple[sp.Rational, sp.Rational] | None:
    bound = _upper(enclose(g, {x: region}))
    return None if bound is None else (bound, sp.Integer(0))


def _x_times_bounded(g: sp.Expr, region: sp.Interval) -> tuple[sp.Rational, sp.Rational] | None:
    h = sp.cancel(g / x)
    if h.has(sp.zoo, sp.nan) or sp.expand(h * x - g) != 0:
        return None
    bound = _upper(enclose(h, {x: region}))
    return None if bound is None else (sp.Integer(0), bound)


def _mean_value(g: sp.Expr, region: sp.Interval) -> tuple[sp.Rational, sp.Rational] | None:
    x0 = sp.Integer(0) if region.contains(0) is sp.true else \
        region.start if region.start.is_finite else region.end
    slope = sp.diff(g, x)
    forms = [slope, 1 / sp.expand(1 / slope)] if slope != 0 else [slope]
    lipschitz = next((b for b in (_upper(enclose(form, {x: region})) for form in forms) if b is not None),
                     None)
    start = _upper(enclose(g.subs(x, x0), {}))
    if lipschitz is None or start is None:
        return None
    return start + lipschitz * _upper(enclose(sp.Abs(x0), {})), lipschitz


ARGUMENTS = (("bounded", _bounded), ("x times bounded", _x_times_bounded),
             ("mean value theorem", _mean_value))


@functools.lru_cache(maxsize=128)
def linear_growth(f: sp.Expr, kinks: Sequence[sp.Expr]) -> Growth:
    """A proved ``|f(x)| <= A + B|x|`` on the real line (``kinks``: the breaks of a piecewise ``f``)."""
    ends = [-sp.oo, *sorted(kinks, key=float), sp.oo]
    constant, slope, used = sp.Integer(0), sp.Integer(0), []
    for low, high in itertools.pairwise(ends):
        g, region = branch_between(f, low, high), sp.Interval(low, high)
        for name, argument in ARGUMENTS:
            found = argument(g, region)
            if found is not None:
                constant, slope = max(constant, found[0]), max(slope, found[1])
                used.append(name)
                break
        else:
            raise CertificationError(f"undecided: no linear growth bound proved for {g} on {region} "
                                     "(none of the bounded, x-times-bounded or mean-value enclosures "
                                     "is finite)")
    return Growth(constant, slope, " and ".join(dict.fromkeys(used)))

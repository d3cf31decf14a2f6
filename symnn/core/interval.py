"""Verified enclosures of real SymPy expressions by interval arithmetic (``mpmath.iv``).

:func:`enclose` walks an expression and returns an interval that is guaranteed to contain
its value for every value of its symbols in a *box* (a mapping of each symbol to an
interval); every operation rounds outward. It is how symnn proves, without trusting a
floating-point number, that a constant is not 0 (:func:`nonzero`) or that an expression
keeps one sign on a domain (:func:`sign_on`).

=====================================  ==============================================
node                                   enclosure
=====================================  ==============================================
Rationals, ``pi``, ``E``, Floats       exact, or outward-rounded to the precision
``+ * /`` and integer powers           ``mpmath.iv`` arithmetic
``x**q`` (other exponents)             ``exp(q log x)`` for ``x > 0``
``exp log sqrt sin cos``               ``mpmath.iv`` functions (``log``, ``sqrt``
                                       only on positive / non-negative intervals)
``tanh``                               ``1 - 2/(exp(2x) + 1)`` (``x`` occurs once)
``erf``                                increasing: its values at the two endpoints,
                                       computed with 40 extra bits, then widened
``Abs Max Min Heaviside sign``         from the bounds of their arguments
other functions                        their ``rewrite(exp)``, if they have one
anything else                          no enclosure (``None``)
=====================================  ==============================================

>>> import sympy as sp

>>> nonzero(sp.sin(1000 * sp.pi / 2001))
True
>>> nonzero(sp.exp(-100) * sp.sin(sp.Rational(1, 3)))
True
>>> nonzero(sp.log(8) - 3 * sp.log(2)) is None  # 0, which intervals cannot show
True
>>> alpha = sp.Symbol("alpha", real=True)
>>> sign_on(alpha - 3, {alpha: sp.Interval(0, 1)})
-1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import sympy as sp

from symnn.core.exact import as_sympy

PRECISIONS = (64, 256, 1024)  # bits tried by :func:`nonzero`, cheapest first
MAX_COMPLEX_NESTING = 3
_EXTRA_BITS = 40
iv = mpmath.iv


def _point(value: sp.Expr) -> Any:
    """An interval holding the exact number ``value`` (a Rational, Float or infinity)."""
    if value is sp.oo:
        return iv.mpf("inf")
    if value is sp.S.NegativeInfinity:
        return iv.mpf("-inf")
    if isinstance(value, sp.Float):
        return iv.mpf(mpmath.mpf(value._mpf_))  # a Float is an exact binary number
    return iv.mpf(int(value.p)) / iv.mpf(int(value.q))


def box_interval(region: sp.Set) -> Any:
    """The closed hull of a SymPy interval as an ``mpmath.iv`` interval (sound for enclosures)."""
    if not isinstance(region, sp.Interval):
        raise TypeError(f"a box holds intervals, not {region}")
    low, high = _point(region.start), _point(region.end)
    return iv.mpf([low.a, high.b])


def _erf(x: Any) -> Any:
    low, high = bounds(x)
    with mpmath.workprec(iv.prec + _EXTRA_BITS):  # endpoints good to far more bits than the slack
        slack = mpmath.mpf(2) ** (-iv.prec)
        low, high = mpmath.erf(low) - slack, mpmath.erf(high) + slack
        return iv.mpf([low, high])  # rounded outward to the interval precision


def _tanh(x: Any) -> Any:
    return 1 - 2 / (iv.exp(2 * x) + 1)


def _log(x: Any) -> Any:
    if not x.a > 0:
        raise ValueError("log of an interval reaching 0 or below")
    return iv.log(x)


def _sqrt(x: Any) -> Any:
    if x.a < 0:
        raise ValueError("sqrt of an interval reaching below 0")
    return iv.sqrt(x)


def _abs(x: Any) -> Any:
    if x.a >= 0:
        return x
    if x.b <= 0:
        return -x
    return iv.mpf([0, max(-x.a, x.b)])


def _step(x: Any, at_zero: Any, below: int = 0) -> Any:
    """Heaviside (``below = 0``) or sign (``below = -1``) of an interval."""
    if x.a > 0:
        return iv.mpf(1)
    if x.b < 0:
        return iv.mpf(below)
    if x.a == 0 and x.b == 0:
        return at_zero
    hull = [iv.mpf(1), iv.mpf(below)] + ([at_zero] if x.a <= 0 <= x.b else [])
    return iv.mpf([min(h.a for h in hull), max(h.b for h in hull)])


def _extreme(parts: list[Any], largest: bool) -> Any:
    pick = max if largest else min
    return iv.mpf([pick(p.a for p in parts), pick(p.b for p in parts)])


_FUNCTIONS: dict[type, Callable[..., Any]] = {
    sp.exp: iv.exp, sp.log: _log, sp.sin: iv.sin, sp.cos: iv.cos, sp.tanh: _tanh, sp.erf: _erf,
    sp.Abs: _abs,
}


def _enclose(expr: sp.Expr, box: Mapping[Any, Any]) -> Any:
    if expr.is_Rational or isinstance(expr, sp.Float) or expr in (sp.oo, sp.S.NegativeInfinity):
        return _point(expr)
    if expr is sp.pi:
        return iv.pi
    if expr is sp.E:
        return iv.e
    if expr in box:
        return box[expr]
    if isinstance(expr, sp.Add):
        total = iv.mpf(0)
        for term in expr.args:
            total += _enclose(term, box)
        return total
    if isinstance(expr, sp.Mul):
        product = iv.mpf(1)
        for factor in expr.args:
            product *= _enclose(factor, box)
        return product
    if isinstance(expr, sp.Pow):
        base, exponent = expr.args
        if exponent is sp.S.Half:
            return _sqrt(_enclose(base, box))
        if exponent.is_Integer:
            value = _enclose(base, box)
            if exponent < 0:
                return 1 / value ** int(-exponent)
            return value ** int(exponent)
        return iv.exp(_enclose(exponent, box) * _log(_enclose(base, box)))
    if type(expr) in _FUNCTIONS:
        return _FUNCTIONS[type(expr)](_enclose(expr.args[0], box))
    if isinstance(expr, (sp.Max, sp.Min)):
        return _extreme([_enclose(arg, box) for arg in expr.args], isinstance(expr, sp.Max))
    if isinstance(expr, sp.Heaviside):
        at_zero = _enclose(expr.args[1], box) if len(expr.args) > 1 else iv.mpf(0.5)
        return _step(_enclose(expr.args[0], box), at_zero)
    if isinstance(expr, sp.sign):
        return _step(_enclose(expr.args[0], box), iv.mpf(0), below=-1)
    if isinstance(expr, sp.Function):  # e.g. a logistic sigma that rewrites itself with exp
        rewritten = expr.rewrite(sp.exp)
        if rewritten != expr:
            return _enclose(rewritten, box)
    raise ValueError(f"no enclosure for {type(expr).__name__}")


def enclose(expr: Any, box: Mapping[Any, Any] | None = None, prec: int = PRECISIONS[0]) -> Any:
    """An interval holding ``expr`` for every point of ``box``, or ``None`` if none is known.

    ``box`` maps symbols to SymPy intervals, exact numbers or ``mpmath.iv`` intervals; ``None`` also
    when the expression may be undefined or complex somewhere in the box.

    >>> x = sp.Symbol("x")
    >>> interval = enclose(x**2 - 2 * x, {x: sp.Interval(0, 1)})
    >>> float(interval.a) <= -1 and float(interval.b) >= 0
    True
    """
    saved, iv.prec = iv.prec, prec
    try:
        prepared = {symbol: region if isinstance(region, iv.mpf) else
                    _point(region) if isinstance(region, sp.Number) else box_interval(region)
                    for symbol, region in (box or {}).items()}
        result = _enclose(as_sympy(expr), prepared)
    except (ValueError, TypeError, ZeroDivisionError, ArithmeticError, mpmath.libmp.ComplexResult,
            mpmath.libmp.NoConvergence):
        return None
    finally:
        iv.prec = saved
    if mpmath.isnan(result.a) or mpmath.isnan(result.b):
        return None
    return result


def nesting(expr: sp.Basic) -> int:
    """How deeply functions are nested in ``expr`` (``log(log(x))`` is 2)."""
    inner = max((nesting(arg) for arg in expr.args), default=0)
    return inner + 1 if isinstance(expr, sp.Function) else inner


def nonzero(value: Any) -> bool | None:
    """Whether a constant is provably not 0: True, False (an exact 0) or None (undecided).

    True only when an enclosure at one of :data:`PRECISIONS` excludes 0.
    """
    value = as_sympy(value)
    if value.is_Rational:
        return value != 0
    if value.has(sp.I):  # a complex constant: not 0 when its real or imaginary part is not
        if nesting(value) > MAX_COMPLEX_NESTING:  # as_real_imag grows exponentially with nesting
            return None
        parts = value.as_real_imag()
        if any(part.has(sp.I) for part in parts):
            return None
        decided = [nonzero(part) for part in parts]
        return True if True in decided else None
    for prec in PRECISIONS:
        interval = enclose(value, {}, prec)
        if interval is None:
            return None
        if interval.a > 0 or interval.b < 0:
            return True
    return None


def sign_on(expr: Any, box: Mapping[Any, sp.Set]) -> int | None:
    """+1 or -1 when ``expr`` is provably positive or negative on all of ``box``, else None."""
    interval = enclose(expr, box)
    if interval is None:
        return None
    if interval.a > 0:
        return 1
    if interval.b < 0:
        return -1
    return None


def bounds(interval: Any) -> tuple[Any, Any]:
    """The two endpoints of an enclosure as exact ``mpmath.mpf`` numbers."""
    low, high = interval._mpi_
    return mpmath.mp.make_mpf(low), mpmath.mp.make_mpf(high)  # as they are, not rounded to mp.prec


def show(interval: Any, digits: int = 6) -> str:
    """An enclosure as text, e.g. ``'[0.999, 1.01]'``."""
    low, high = (mpmath.nstr(end, digits) for end in bounds(interval))
    return low if low == high else f"[{low}, {high}]"

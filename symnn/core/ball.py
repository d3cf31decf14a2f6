"""Proved numeric values: SymPy expressions evaluated and integrated in ball arithmetic (Arb).

A *ball* ``[m +- r]`` is a midpoint and a radius that is guaranteed to contain the true
value; every operation of the Arb library (through ``python-flint``) rounds so that this
stays true. :func:`ball_function` turns a real SymPy expression in one symbol into a
function on complex balls, and :func:`integral` integrates it by Arb's adaptive
Gauss-Legendre quadrature with a *proved* error bound (Petras' algorithm: the function
is bounded on ellipses in the complex plane around each panel, so the remainder of each
panel is bounded, not estimated). Log and square root report themselves non-analytic
on balls that touch their branch cut, as the algorithm requires; tanh and sigmoid have
poles, which give non-finite balls by themselves.

=============================  ===================================
node                           ball operation
=============================  ===================================
Integer, Rational, Float       exact (a Float is a binary number)
``pi``, ``E``                  Arb constants
``+ * /``, integer powers      ball arithmetic
``sqrt``, other powers         principal branch, checked analytic
``exp log erf erfc tanh``      Arb functions (``log`` checked)
``sinh cosh``, sigmoid         their exponential forms
=============================  ===================================

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> value = integral(sp.exp(-x**2), x, -6, 6, digits=30)
>>> exact = midpoint(sp.sqrt(sp.pi) * sp.erf(6), 40)
>>> value.overlaps(exact), value.overlaps(midpoint(sp.sqrt(sp.pi), 40))  # the tails are missing
(True, False)
>>> float(value.rad()) < 1e-30
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sympy as sp
from flint import acb, arb, ctx

from symnn.core.exact import as_sympy
from symnn.errors import CertificationError

BallFunction = Callable[[acb, bool], acb]
GUARD_BITS = 30

__all__ = ["BallFunction", "ball", "ball_function", "bits", "integral", "midpoint", "upper"]


def bits(digits: int) -> int:
    """The working precision in bits for ``digits`` decimal digits, with guard bits."""
    return int(digits * 3.33) + GUARD_BITS


def ball(value: sp.Expr) -> arb:
    """A ball holding the real constant ``value`` (exact for rationals and Floats).

    >>> ball(sp.Rational(1, 4)).mid() == arb(0.25)
    True
    """
    result = ball_function(as_sympy(value), sp.Dummy())(acb(0), False)
    if not result.imag.contains(0) or not result.real.is_finite():
        raise CertificationError(f"no real ball for {value}")
    return result.real


def midpoint(value: sp.Expr, digits: int) -> arb:
    """``value`` as a ball at ``digits`` significant digits (for comparisons in examples)."""
    with ctx.workprec(bits(digits)):
        return ball(value)


def upper(value: arb) -> float:
    """A float at least as large as every point of the ball (rounded up by one ulp).

    >>> upper(arb("0.5 +/- 0.25")) >= 0.75
    True
    """
    return math.nextafter(float(value.upper()), math.inf)


def _sigmoid(z: acb) -> acb:
    return 1 / (1 + (-z).exp())


def _log(z: acb, analytic: bool) -> acb:
    return z.log(analytic=analytic)


def _sqrt(z: acb, analytic: bool) -> acb:
    return z.sqrt(analytic=analytic)


_SIMPLE: dict[type, Callable[[acb], acb]] = {
    sp.exp: acb.exp, sp.erf: acb.erf, sp.erfc: acb.erfc, sp.tanh: acb.tanh,
    sp.sinh: acb.sinh, sp.cosh: acb.cosh, sp.sin: acb.sin, sp.cos: acb.cos,
}


def ball_function(expr: sp.Expr, symbol: sp.Symbol) -> BallFunction:
    """``expr`` as a function ``(z, analytic) -> acb`` of a complex ball ``z`` (see the table).

    Raises :class:`CertificationError` for a node it does not know (never a guess).

    >>> x = sp.Symbol("x")
    >>> f = ball_function(sp.log(1 + sp.exp(x)), x)
    >>> abs(float(f(acb(0), True).real) - 0.6931471805599453) < 1e-15
    True
    """
    expr = as_sympy(expr)
    if expr == symbol:
        return lambda z, analytic: z
    if expr.is_Integer:
        constant = int(expr)
        return lambda z, analytic: acb(constant)
    if expr.is_Rational:
        p, q = int(expr.p), int(expr.q)
        return lambda z, analytic: acb(p) / q
    if isinstance(expr, sp.Float):
        exact = sp.Rational(expr)
        return ball_function(exact, symbol)
    if expr is sp.pi:
        return lambda z, analytic: acb(arb.pi())
    if expr is sp.E:
        return lambda z, analytic: acb(arb(1).exp())
    if isinstance(expr, (sp.Add, sp.Mul)):
        parts = [ball_function(arg, symbol) for arg in expr.args]
        if isinstance(expr, sp.Add):
            return lambda z, analytic: _fold(parts, z, analytic, lambda a, b: a + b)
        return lambda z, analytic: _fold(parts, z, analytic, lambda a, b: a * b)
    if isinstance(expr, sp.Pow):
        return _power(expr, symbol)
    if type(expr) in _SIMPLE:
        inner, apply = ball_function(expr.args[0], symbol), _SIMPLE[type(expr)]
        return lambda z, analytic: apply(inner(z, analytic))
    if isinstance(expr, sp.log) and len(expr.args) == 1:
        inner = ball_function(expr.args[0], symbol)
        return lambda z, analytic: _log(inner(z, analytic), analytic)
    if isinstance(expr, sp.Function) and type(expr).__name__ == "sigma":
        inner = ball_function(expr.args[0], symbol)
        return lambda z, analytic: _sigmoid(inner(z, analytic))
    raise CertificationError(f"no ball arithmetic for {type(expr).__name__} in {expr}")


def _fold(parts: list[BallFunction], z: acb, analytic: bool, op: Callable[[acb, acb], acb]) -> acb:
    result = parts[0](z, analytic)
    for part in parts[1:]:
        result = op(result, part(z, analytic))
    return result


def _power(expr: sp.Pow, symbol: sp.Symbol) -> BallFunction:
    base, exponent = ball_function(expr.base, symbol), expr.exp
    if exponent.is_Integer:
        n = int(exponent)
        return lambda z, analytic: base(z, analytic) ** n
    if exponent == sp.S.Half:
        return lambda z, analytic: _sqrt(base(z, analytic), analytic)
    power = ball_function(exponent, symbol)
    return lambda z, analytic: (power(z, analytic) * _log(base(z, analytic), analytic)).exp()


def integral(expr: sp.Expr, symbol: sp.Symbol, a: Any, b: Any, digits: int = 30) -> arb:
    """A ball proved to hold ``int_a^b expr d(symbol)`` (real ``expr``, exact ends ``a < b``).

    ``digits`` sets the working precision and the tolerance (about ``10**-digits``
    relative). The ball is wide, never wrong, when the integrand is hard.
    """
    f = ball_function(expr, symbol)
    with ctx.workprec(bits(digits)):
        low, high = ball(as_sympy(a)), ball(as_sympy(b))
        value = acb.integral(f, low, high)
    if not value.imag.contains(0) and not value.imag.overlaps(arb(0)):
        raise CertificationError(f"the integral of {expr} came out complex")
    return value.real

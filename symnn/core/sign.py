"""The certified sign of a real constant: exact arithmetic, verified intervals, proofs of zero.

:func:`sign` decides whether a closed-form real number (built from rationals with ``+``,
``*``, powers, ``sqrt``, ``exp``, ``log``, ``pi``, ``E``, ``sin``, ``cos``) is negative,
zero or positive, and refuses when it cannot decide:

1. a rational is compared exactly;
2. otherwise the number is enclosed by interval arithmetic with outward rounding
   (``mpmath.iv``) at 60, 120, ... bits; an enclosure that excludes 0 proves the sign;
3. an enclosure that keeps containing 0 needs a proof that the number *is* 0: its
   minimal polynomial is ``x`` (algebraic numbers), the logarithms cancel prime by prime
   (rational combinations of logarithms of positive rationals: logarithms of distinct
   primes are linearly independent over the rationals), or ``simplify`` returns exactly 0.
   A minimal polynomial other than ``x`` proves the number nonzero, and the enclosure is
   refined until it shows the sign.

Anything else raises :class:`UndecidedError`; nothing is decided by a floating-point guess.

>>> import sympy as sp

>>> sign(sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5 + 2 * sp.sqrt(6)))
0
>>> sign(sp.log(8) - 3 * sp.log(2)), sign(sp.pi - sp.Rational(355, 113)), sign(sp.E - 3)
(0, -1, -1)
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import mpmath
import sympy as sp

from symnn.core.exact import as_sympy
from symnn.core.time_limit import time_limit
from symnn.errors import CertificationError

PRECISIONS = (60, 120, 240, 480)
REFINE_LIMIT = 4096
PROOF_TIME_LIMIT = 20.0


class UndecidedError(CertificationError):
    """The sign of a constant could be neither proved nor refuted."""


def _interval(expr: sp.Expr) -> mpmath.ctx_iv.ivmpf:
    """An interval (``mpmath.iv``, outward rounding) that contains ``expr``."""
    iv = mpmath.iv
    if expr.is_Rational:
        return iv.mpf(int(expr.p)) / iv.mpf(int(expr.q))
    if expr is sp.pi:
        return iv.pi
    if expr is sp.E:
        return iv.e
    if expr.is_Add:
        return functools.reduce(lambda a, b: a + b, (_interval(arg) for arg in expr.args))
    if expr.is_Mul:
        return functools.reduce(lambda a, b: a * b, (_interval(arg) for arg in expr.args))
    if expr.is_Pow and expr.exp.is_Rational:
        base = _interval(expr.base)
        if expr.exp.is_Integer:
            return base ** int(expr.exp)
        _require_positive(base, expr)  # a fractional power of a negative number is not real
        if expr.exp == sp.S.Half:
            return iv.sqrt(base)
        return iv.exp(_interval(expr.exp) * iv.log(base))
    functions: dict[type, Callable] = {sp.exp: iv.exp, sp.log: iv.log, sp.sin: iv.sin, sp.cos: iv.cos}
    if type(expr) in functions and len(expr.args) == 1:
        argument = _interval(expr.args[0])
        if isinstance(expr, sp.log):
            _require_positive(argument, expr)
        return functions[type(expr)](argument)
    raise UndecidedError(f"no interval enclosure for {sp.sstr(expr)} (unsupported function)")


def _require_positive(enclosure: mpmath.ctx_iv.ivmpf, expr: sp.Expr) -> None:
    if not enclosure.a > 0:
        raise UndecidedError(f"no real interval enclosure for {sp.sstr(expr)} (argument not shown positive)")


def _enclosure_sign(expr: sp.Expr, bits: int) -> int | None:
    """The sign shown by an enclosure at ``bits`` of precision, or None if it contains 0."""
    previous = mpmath.iv.prec
    mpmath.iv.prec = bits
    try:
        enclosure = _interval(expr)
    except (ValueError, ZeroDivisionError) as error:  # e.g. log of an interval reaching 0
        raise UndecidedError(f"no interval enclosure for {sp.sstr(expr)} ({error})") from error
    finally:
        mpmath.iv.prec = previous
    if enclosure.a > 0:
        return 1
    if enclosure.b < 0:
        return -1
    return None


def _prime_log_vector(expr: sp.Expr) -> dict[int, sp.Rational] | None:
    """``{p: c_p}`` with ``expr = sum_p c_p log p``, when ``expr`` is a rational combination
    of logarithms of positive rationals; None otherwise."""
    vector: dict[int, sp.Rational] = {}
    for term in sp.Add.make_args(expr):
        coefficient, rest = term.as_coeff_Mul()
        if not coefficient.is_Rational or not isinstance(rest, sp.log):
            return None
        argument = rest.args[0]
        if not (argument.is_Rational and argument > 0):
            return None
        for factors, power in ((sp.factorint(argument.p), 1), (sp.factorint(argument.q), -1)):
            for prime, multiplicity in factors.items():
                vector[prime] = vector.get(prime, sp.S.Zero) + power * multiplicity * coefficient
    return vector


def _is_algebraic_form(expr: sp.Expr) -> bool:
    if expr.is_Rational:
        return True
    if expr.is_Add or expr.is_Mul:
        return all(_is_algebraic_form(arg) for arg in expr.args)
    return bool(expr.is_Pow and expr.exp.is_Rational and _is_algebraic_form(expr.base))


def _zero_proof(expr: sp.Expr) -> bool | None:
    """True if ``expr`` is proved 0, False if proved nonzero, None if neither."""
    if _is_algebraic_form(expr):
        x = sp.Dummy("x")
        return sp.minimal_polynomial(expr, x) == x
    logs = _prime_log_vector(expr)
    if logs is not None:
        return all(c == 0 for c in logs.values())
    if sp.simplify(expr) == 0:
        return True
    return None


def sign(expr: sp.Expr) -> int:
    """``-1``, ``0`` or ``1``: the proved sign of the real constant ``expr``.

    Raises :class:`UndecidedError` when no route decides it.
    """
    expr = as_sympy(expr)
    if expr.free_symbols:
        raise UndecidedError(f"{sp.sstr(expr)} is not a constant")
    if expr.is_Rational:
        return int(expr.p > 0) - int(expr.p < 0)
    for bits in PRECISIONS:
        shown = _enclosure_sign(expr, bits)
        if shown is not None:
            return shown
    try:
        with time_limit(PROOF_TIME_LIMIT, "the proof of equality"):
            zero = _zero_proof(expr)
    except UndecidedError:
        raise
    except CertificationError as error:
        raise UndecidedError(f"{sp.sstr(expr)}: {error}") from None
    if zero:
        return 0
    if zero is False:  # proved nonzero: refining the enclosure must end
        bits = PRECISIONS[-1]
        while bits < REFINE_LIMIT:
            bits *= 2
            shown = _enclosure_sign(expr, bits)
            if shown is not None:
                return shown
    raise UndecidedError(f"{sp.sstr(expr)} is 0 to {PRECISIONS[-1]} bits but not proved 0")


def compare(a: sp.Expr, b: sp.Expr) -> int:
    """The proved sign of ``a - b`` (for sorting with :func:`functools.cmp_to_key`).

    >>> sorted([sp.sqrt(3), 1, sp.pi / 2], key=functools.cmp_to_key(compare))
    [1, pi/2, sqrt(3)]
    """
    return sign(as_sympy(a) - as_sympy(b))

"""Zeros proved by interval arithmetic: all zeros of a function on an interval, one zero in a box.

:func:`zeros_accounted_for` proves that a finite list of exact zeros of ``g`` on
``[a, b]`` is *all* of them. It covers ``[a, b]`` by subintervals ``X`` (bisecting as
needed) and, on each, evaluates ``g`` in outward-rounded interval arithmetic
(:func:`symnn.core.interval.enclose`, ``mpmath.iv``):

* if ``0 not in g(X)``, ``g`` has no zero in ``X``;
* otherwise, if ``0 not in g'(X)``, ``g`` is strictly monotone on ``X`` and has at most one
  zero there: a listed zero in ``X`` is that zero, and with none listed the end values of
  ``g`` must have one strict sign.

If a subinterval is still open after ``depth`` bisections the answer is undecided and
:class:`~symnn.errors.CertificationError` says so. Listed zeros are checked to be exact
zeros (``simplify`` must return 0).

Zeros that are not known exactly are *isolated* instead: :func:`zero_boxes` returns each
monotone subinterval whose end values have strict opposite signs as a box holding exactly
one zero, :func:`one_zero` proves that of a given box, and :func:`narrowed` shrinks a box
to decimal ends ``10^-digits`` apart.

>>> import sympy as sp

>>> x = sp.Symbol("x", real=True)
>>> zeros_accounted_for(sp.sin(x), x, -3, 3, [sp.Integer(0)])
True
>>> zeros_accounted_for(x**2 - sp.Rational(1, 2), x, -1, 1, [sp.sqrt(2) / 2])
Traceback (most recent call last):
...
symnn.errors.CertificationError: interval check: a zero of x**2 - 1/2 in [-1, -1/2] is not listed
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import sympy as sp
from mpmath import iv

from symnn.core.exact import as_sympy
from symnn.core.interval import enclose
from symnn.errors import CertificationError

#: Working precision of the enclosures, in bits (about 38 decimal digits).
PRECISION = 128


def enclosure(expr: sp.Expr, x: sp.Symbol) -> Callable[[Any], Any]:
    """``expr`` as a function of an ``mpmath.iv`` interval: an enclosure, or ``None`` if none is known."""
    if expr.has(sp.tanh):  # 1 - tanh^2 cancels catastrophically; as a rational function of e^x it does not
        expr = sp.factor(sp.cancel(expr.rewrite(sp.exp)))
    prepared = as_sympy(expr)
    return lambda X: enclose(prepared, {x: X}, prec=PRECISION)


def point(value: sp.Expr) -> Any:
    """An exact number as a tight ``mpmath.iv`` interval containing it."""
    enclosed = enclose(as_sympy(value), prec=PRECISION)
    if enclosed is None:
        raise CertificationError(f"interval check: no enclosure of {sp.sstr(value)}")
    return enclosed


def _excludes_zero(Y: Any) -> bool:
    return Y is not None and 0 not in Y


def zeros_accounted_for(g: sp.Expr, x: sp.Symbol, a: sp.Expr, b: sp.Expr, zeros: Sequence[sp.Expr],
                        depth: int = 40) -> bool:
    """True when ``zeros`` are exact zeros of ``g`` and ``g`` has no other zero on ``[a, b]``."""
    for lo, hi in zero_boxes(g, x, a, b, zeros, depth):
        raise CertificationError(f"interval check: a zero of {sp.sstr(g)} in [{lo}, {hi}] is not listed")
    return True


def zero_boxes(g: sp.Expr, x: sp.Symbol, a: sp.Expr, b: sp.Expr, zeros: Sequence[sp.Expr],
               depth: int = 40) -> list[tuple[sp.Rational, sp.Rational]]:
    """Boxes ``[lo, hi]`` holding exactly one zero of ``g`` each: with ``zeros``, all zeros on ``[a, b]``.

    The bisection of :func:`zeros_accounted_for`, which returns a monotone subinterval whose
    end values have strict opposite signs and which holds no listed zero instead of refusing
    it: such a box holds exactly one zero, in its interior (the zero need not be exact).

    >>> x = sp.Symbol("x", real=True)
    >>> [(float(lo), float(hi)) for lo, hi in zero_boxes(x**3 - 2, x, 0, 2, [])]
    [(1.0, 2.0)]
    """
    for zero in zeros:
        if sp.simplify(g.subs(x, zero)) != 0:
            raise CertificationError(f"interval check: {sp.sstr(zero)} is not a zero of {sp.sstr(g)}")
    G, dG = enclosure(g, x), enclosure(sp.diff(g, x), x)
    located = [point(zero) for zero in zeros]
    boxes: list[tuple[sp.Rational, sp.Rational]] = []
    pending = [(sp.Rational(a), sp.Rational(b), 0)]
    while pending:
        lo, hi, level = pending.pop()
        X = iv.mpf([point(lo).a, point(hi).b])
        if _excludes_zero(G(X)):
            continue
        if _excludes_zero(dG(X)):  # strictly monotone on X: at most one zero
            if any(Z.a >= X.a and Z.b <= X.b for Z in located):  # that zero is in X: its only one
                continue
            if any(Z.b >= X.a and Z.a <= X.b for Z in located):  # a zero at X's edge, in X or not
                raise CertificationError(f"interval check undecided for the zeros of {sp.sstr(g)}: a "
                                         f"listed zero lies within 2^-{PRECISION} of an end of [{lo}, {hi}]")
            ends = G(point(lo)), G(point(hi))
            if None not in ends and _one_sign(*ends):
                continue
            if None not in ends and _strict(ends[0]) and _strict(ends[1]):
                boxes.append((lo, hi))
                continue
        if level >= depth:
            raise CertificationError(f"interval check undecided for the zeros of {sp.sstr(g)} "
                                     f"on [{lo}, {hi}] after {depth} bisections")
        middle = (lo + hi) / 2
        pending += [(lo, middle, level + 1), (middle, hi, level + 1)]
    return sorted(boxes)


def one_zero(g: sp.Expr, x: sp.Symbol, lo: sp.Rational, hi: sp.Rational) -> bool:
    """True when ``g`` has exactly one zero in ``(lo, hi)``: opposite strict end signs, ``g'`` one sign.

    Both facts by interval arithmetic (the intermediate value theorem gives a zero, a
    derivative of one strict sign at most one); :class:`~symnn.errors.CertificationError`
    when either cannot be shown.

    >>> x = sp.Symbol("x", real=True)
    >>> one_zero(sp.exp(x) - 3, x, sp.Integer(1), sp.Integer(2))
    True
    >>> one_zero(x**2 - sp.Rational(1, 4), x, sp.Integer(-1), sp.Integer(1))
    Traceback (most recent call last):
    ...
    symnn.errors.CertificationError: interval check: g = x**2 - 1/4 has no strict sign change on [-1, 1]
    """
    G = enclosure(g, x)
    ends = G(point(lo)), G(point(hi))
    if None in ends or not (_strict(ends[0]) and _strict(ends[1])) or _one_sign(*ends):
        raise CertificationError(f"interval check: g = {sp.sstr(g)} has no strict sign change "
                                 f"on [{lo}, {hi}]")
    if not _excludes_zero(enclosure(sp.diff(g, x), x)(iv.mpf([point(lo).a, point(hi).b]))):
        raise CertificationError(f"interval check: the derivative of {sp.sstr(g)} may change sign "
                                 f"on [{lo}, {hi}]")
    return True


def narrowed(g: sp.Expr, x: sp.Symbol, lo: sp.Rational, hi: sp.Rational,
             digits: int = 30) -> tuple[sp.Rational, sp.Rational]:
    """A box of width ``2 10^-digits`` with decimal ends inside ``[lo, hi]``, holding the one zero of ``g``.

    mpmath locates the zero; :func:`one_zero` proves the narrow box.

    >>> x = sp.Symbol("x", real=True)
    >>> lo, hi = narrowed(x**2 - 2, x, sp.Integer(1), sp.Integer(2), digits=20)
    >>> lo < sp.sqrt(2) < hi, hi - lo
    (True, 1/50000000000000000000)
    """
    numeric = sp.lambdify(x, g, "mpmath")
    with mpmath.workdps(digits + 15):
        guess = mpmath.findroot(numeric, (mpmath.mpf(lo.p) / lo.q, mpmath.mpf(hi.p) / hi.q),
                                solver="anderson")
        scaled = int(mpmath.floor(guess * 10**digits))
    box = sp.Rational(scaled - 1, 10**digits), sp.Rational(scaled + 1, 10**digits)
    if not (lo <= box[0] and box[1] <= hi):
        raise CertificationError(f"interval check: the zero of {sp.sstr(g)} was not located in [{lo}, {hi}]")
    one_zero(g, x, *box)
    return box


def _strict(Y: Any) -> bool:
    return bool(Y.a > 0 or Y.b < 0)


def _one_sign(Y: Any, Z: Any) -> bool:
    return bool((Y.a > 0 and Z.a > 0) or (Y.b < 0 and Z.b < 0))


def unique_zero(F: sp.Matrix, jacobian: sp.Matrix, variables: Sequence[sp.Symbol],
                center: Sequence[sp.Expr], radius: sp.Rational) -> bool:
    """True when ``F`` has exactly one zero in the box ``center +- radius`` (Krawczyk test).

    With ``m`` the centre, ``X`` the box and ``Y`` an approximate inverse of ``F'(m)``,
    :math:`K = m - Y F(m) + (I - Y F'(X))(X - m) \\subset \\operatorname{int} X` proves a
    unique zero in ``X``; everything is evaluated in outward-rounded interval arithmetic
    (functions such as the logistic sigma enclosed through their ``rewrite(exp)``). ``False``
    when the test does not succeed (no enclosure, or ``K`` not inside ``X``).

    >>> u, v = sp.symbols("u v", real=True)
    >>> F = sp.Matrix([u**2 + v**2 - 2, u - v])
    >>> unique_zero(F, F.jacobian([u, v]), [u, v], [1, 1], sp.Rational(1, 10**6))
    True
    >>> unique_zero(F, F.jacobian([u, v]), [u, v], [1, sp.Rational(11, 10)], sp.Rational(1, 100))
    False
    """
    size = len(variables)
    approximate = sp.Matrix(jacobian.xreplace(dict(zip(variables, center)))).evalf(40)
    Y = [[point(sp.Rational(str(entry))) for entry in row] for row in approximate.inv().tolist()]
    m = [point(c) for c in center]
    box = [iv.mpf([(mi - point(radius)).a, (mi + point(radius)).b]) for mi in m]
    Fm = [enclose(value, dict(zip(variables, m)), prec=PRECISION) for value in F]
    JX = [[enclose(jacobian[i, j], dict(zip(variables, box)), prec=PRECISION) for j in range(size)]
          for i in range(size)]
    if any(value is None for value in Fm) or any(value is None for row in JX for value in row):
        return False
    saved, iv.prec = iv.prec, PRECISION
    try:
        for i in range(size):
            k = m[i] - sum((Y[i][j] * Fm[j] for j in range(size)), iv.mpf(0))
            for j in range(size):
                factor = (1 if i == j else 0) - sum((Y[i][l] * JX[l][j] for l in range(size)), iv.mpf(0))
                k += factor * (box[j] - m[j])
            if not (k.a > box[i].a and k.b < box[i].b):
                return False
        return True
    finally:
        iv.prec = saved

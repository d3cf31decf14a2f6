"""Verified interval arithmetic: every zero of a function on an interval is accounted for.

:func:`zeros_accounted_for` proves that a finite list of exact zeros of ``g`` on
``[a, b]`` is *all* of them. It covers ``[a, b]`` by subintervals ``X`` (bisecting as
needed) and, on each, evaluates ``g`` in outward-rounded interval arithmetic
(``mpmath.iv``):

* if ``0 not in g(X)``, ``g`` has no zero in ``X``;
* otherwise, if ``0 not in g'(X)``, ``g`` is strictly monotone on ``X`` and has at most one
  zero there: a listed zero in ``X`` is that zero, and with none listed the end values of
  ``g`` must have one strict sign.

If a subinterval is still open after ``depth`` bisections the answer is undecided and
:class:`~symnn.errors.CertificationError` says so. Listed zeros are checked to be exact
zeros (``simplify`` must return 0).

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
from symnn.errors import CertificationError

DIGITS = 30


def _iv_tanh(X: Any) -> Any:
    return 1 - 2 / (1 + iv.exp(2 * X))


#: SymPy functions in outward-rounded interval arithmetic
INTERVAL_FUNCTIONS = {"sin": iv.sin, "cos": iv.cos, "exp": iv.exp, "tanh": _iv_tanh,
                      "sqrt": iv.sqrt, "log": iv.log,
                      "mpf": lambda value: iv.mpf(mpmath.mpf(value))}  # constants as intervals too


def enclosure(expr: sp.Expr, x: sp.Symbol) -> Callable[[Any], Any]:
    """``expr`` as a function of an ``mpmath.iv`` interval (outward-rounded)."""
    if expr.has(sp.tanh):  # 1 - tanh^2 cancels catastrophically; as a rational function of e^x it does not
        expr = sp.factor(sp.cancel(expr.rewrite(sp.exp)))
    unknown = {type(f).__name__ for f in expr.atoms(sp.Function)} - set(INTERVAL_FUNCTIONS)
    if unknown:
        raise CertificationError(f"interval check: no interval version of {', '.join(sorted(unknown))}")
    function = sp.lambdify(x, expr, [INTERVAL_FUNCTIONS, "mpmath"])
    return lambda X: iv.mpf(function(X))


def point(value: sp.Expr) -> Any:
    """An exact number as a tight ``mpmath.iv`` interval containing it."""
    value = as_sympy(value)
    if value.is_Rational:
        return iv.mpf(int(value.p)) / iv.mpf(int(value.q))
    digits, radius = sp.N(value, DIGITS + 10), sp.Rational(1, 10**DIGITS)
    return iv.mpf([str(sp.N(digits - radius, DIGITS + 10)), str(sp.N(digits + radius, DIGITS + 10))])


def zeros_accounted_for(g: sp.Expr, x: sp.Symbol, a: sp.Expr, b: sp.Expr, zeros: Sequence[sp.Expr],
                        depth: int = 40) -> bool:
    """True when ``zeros`` are exact zeros of ``g`` and ``g`` has no other zero on ``[a, b]``."""
    for zero in zeros:
        if sp.simplify(g.subs(x, zero)) != 0:
            raise CertificationError(f"interval check: {sp.sstr(zero)} is not a zero of {sp.sstr(g)}")
    G, dG = enclosure(g, x), enclosure(sp.diff(g, x), x)
    saved, iv.dps = iv.dps, DIGITS
    try:
        located = [point(zero) for zero in zeros]
        pending = [(sp.Rational(a), sp.Rational(b), 0)]
        while pending:
            lo, hi, level = pending.pop()
            X = iv.mpf([point(lo).a, point(hi).b])
            if 0 not in G(X):
                continue
            if 0 not in dG(X):  # strictly monotone on X: at most one zero
                if any(Z.b >= X.a and Z.a <= X.b for Z in located):
                    continue
                ends = G(point(lo)), G(point(hi))
                if _one_sign(*ends):
                    continue
                if _strict(ends[0]) and _strict(ends[1]):
                    raise CertificationError(f"interval check: a zero of {sp.sstr(g)} in "
                                             f"[{lo}, {hi}] is not listed")
            if level >= depth:
                raise CertificationError(f"interval check undecided for the zeros of {sp.sstr(g)} "
                                         f"on [{lo}, {hi}] after {depth} bisections")
            middle = (lo + hi) / 2
            pending += [(lo, middle, level + 1), (middle, hi, level + 1)]
    finally:
        iv.dps = saved
    return True


def _strict(Y: Any) -> bool:
    return bool(Y.a > 0 or Y.b < 0)


def _one_sign(Y: Any, Z: Any) -> bool:
    return bool((Y.a > 0 and Z.a > 0) or (Y.b < 0 and Z.b < 0))


def unique_zero(F: sp.Matrix, jacobian: sp.Matrix, variables: Sequence[sp.Symbol],
                center: Sequence[sp.Expr], radius: sp.Rational,
                functions: dict[str, Callable[[Any], Any]] | None = None) -> bool:
    """True when ``F`` has exactly one zero in the box ``center +- radius`` (Krawczyk test).

    With ``m`` the centre, ``X`` the box and ``Y`` an approximate inverse of ``F'(m)``,
    :math:`K = m - Y F(m) + (I - Y F'(X))(X - m) \\subset \\operatorname{int} X` proves a
    unique zero in ``X``; everything is evaluated in outward-rounded interval arithmetic.
    ``functions`` maps further SymPy function names to interval versions.

    >>> u, v = sp.symbols("u v", real=True)
    >>> F = sp.Matrix([u**2 + v**2 - 2, u - v])
    >>> unique_zero(F, F.jacobian([u, v]), [u, v], [1, 1], sp.Rational(1, 10**6))
    True
    >>> unique_zero(F, F.jacobian([u, v]), [u, v], [1, sp.Rational(11, 10)], sp.Rational(1, 100))
    False
    """
    modules = [{**INTERVAL_FUNCTIONS, **(functions or {})}, "mpmath"]
    size = len(variables)
    values = sp.lambdify([list(variables)], list(F), modules)
    slopes = sp.lambdify([list(variables)], [list(jacobian.row(k)) for k in range(size)], modules)
    approximate = sp.Matrix(jacobian.xreplace(dict(zip(variables, center)))).evalf(DIGITS)
    Y = [[point(entry) for entry in row] for row in approximate.inv().tolist()]
    saved, iv.dps = iv.dps, DIGITS + 20
    try:
        m = [point(c) for c in center]
        box = [iv.mpf([(mi - point(radius)).a, (mi + point(radius)).b]) for mi in m]
        Fm = [iv.mpf(value) for value in values(m)]
        JX = [[iv.mpf(value) for value in row] for row in slopes(box)]
        for i in range(size):
            k = m[i] - sum((Y[i][j] * Fm[j] for j in range(size)), iv.mpf(0))
            for j in range(size):
                factor = (1 if i == j else 0) - sum((Y[i][l] * JX[l][j] for l in range(size)), iv.mpf(0))
                k += factor * (box[j] - m[j])
            if not (k.a > box[i].a and k.b < box[i].b):
                return False
        return True
    finally:
        iv.dps = saved

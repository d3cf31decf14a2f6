"""Decision routes: how a derivation step ``before = after`` is proved.

A route reduces the difference ``before - after`` with one SymPy procedure whose answer
is a decision for the expression class it is meant for, and the step is certified only
when the reduced difference is exactly ``0``. A route that fails, times out or returns
anything but ``0`` proves nothing, and the step is refused with
:class:`~symnn.errors.CertificationError`.

==============  ==============================================================
route           decides
==============  ==============================================================
``exact``       concrete data (Rationals, numeric matrices): the difference is 0
``expand``      polynomials
``cancel``      rational functions
``exp-cancel``  rational functions of exponentials: ``rewrite(exp)`` then ``cancel``
``log-expand``  sums of logarithms of positive quantities: ``expand_log(force)``
``doit-cancel`` derivatives and finite sums: ``doit()`` (sums of polynomials by Faulhaber's
                formula), then the exponential-polynomial zero test (exponents expanded),
                else ``cancel``
``piecewise``   piecewise expressions: ``piecewise_fold`` then ``simplify``
``simplify``    last resort; accepted only when it returns exactly 0
==============  ==============================================================

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> certify(sp.tanh(x), 2 / (1 + sp.exp(-2 * x)) - 1, "exp-cancel").route
'exp-cancel'
>>> certify(x**2, x, "expand")
Traceback (most recent call last):
...
symnn.errors.CertificationError: route 'expand' did not reduce before - after to 0: x**2 - x
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core import exppoly
from symnn.core.exact import as_sympy
from symnn.core.polysum import polynomial_sums
from symnn.core.time_limit import time_limit
from symnn.errors import CertificationError

DEFAULT_TIME_LIMIT = 20.0


def _exact(difference: sp.Expr) -> sp.Expr:
    return difference


def _exp_cancel(difference: sp.Expr) -> sp.Expr:
    rewritten = difference.rewrite(sp.exp)
    if exppoly.is_zero(rewritten):
        return sp.S.Zero
    return sp.cancel(sp.expand(sp.powsimp(rewritten)))


def _log_expand(difference: sp.Expr) -> sp.Expr:
    return sp.cancel(sp.expand(sp.expand_log(difference, force=True)))


#: the objects that bind a variable: a substitution into them is left to ``doit``
_BINDING = (sp.Derivative, sp.Integral, sp.Sum, sp.Product, sp.Limit, sp.Lambda, sp.Subs)


def _at_points(expr: sp.Expr) -> sp.Expr:
    """Each ``Subs(e, x, p)`` whose ``e`` binds no variable and whose points hold none of its
    variables made ``e`` with every ``x`` replaced by its ``p`` at once (``doit`` substitutes one
    variable at a time, the same value here, building every partly substituted ``Max`` on the way).

    >>> w, b = sp.symbols("w b", real=True)
    >>> _at_points(sp.Subs(sp.Max(0, w + b), (w, b), (1, -3)))
    0
    """
    return expr.replace(
        lambda e: (isinstance(e, sp.Subs) and all(v.is_Symbol for v in e.variables)
                   and not e.expr.has(*_BINDING)
                   and not set(e.variables) & set().union(*(p.free_symbols for p in e.point))),
        lambda e: e.expr.xreplace(dict(zip(e.variables, e.point))))


def _doit_cancel(difference: sp.Expr) -> sp.Expr:
    """``doit``, then the exponential-polynomial zero test with the exponents of ``exp``
    expanded (an identity: ``e^{-(z - s)^2/2} = e^{-z^2/2 + sz - s^2/2}``, so that products of
    exponentials with the same expanded exponent are one generator), else ``cancel``."""
    done = polynomial_sums(_at_points(difference)).doit()
    if exppoly.is_zero(done.replace(sp.exp, lambda argument: sp.exp(sp.expand(argument)))):
        return sp.S.Zero
    return sp.cancel(done)


def _piecewise(difference: sp.Expr) -> sp.Expr:
    """Case split: rewrite Abs/Max/Min/Heaviside/sign as Piecewise, then each case must be 0.

    For one variable the cases are made exclusive (``as_expr_set_pairs``) so that a branch
    that can never be taken does not count.
    """
    kinds = (sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign)
    rewritten = difference.replace(lambda e: isinstance(e, kinds), lambda e: e.rewrite(sp.Piecewise))
    folded = sp.piecewise_fold(rewritten)
    if not isinstance(folded, sp.Piecewise):
        return sp.simplify(folded)
    variables = folded.free_symbols
    if len(variables) == 1:
        (variable,) = variables

        def vanishes(value: sp.Expr, region: sp.Set) -> bool:
            if region.is_empty:
                return True
            if isinstance(region, sp.FiniteSet):
                return all(sp.simplify(value.subs(variable, point)) == 0 for point in region)
            return sp.simplify(value) == 0

        if all(vanishes(value, region) for value, region in folded.as_expr_set_pairs()):
            return sp.Integer(0)
        return folded
    return sp.simplify(folded)


ROUTES: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exact": _exact,
    "expand": sp.expand,
    "cancel": sp.cancel,
    "exp-cancel": _exp_cancel,
    "log-expand": _log_expand,
    "doit-cancel": _doit_cancel,
    "piecewise": _piecewise,
    "simplify": sp.simplify,
}


@dataclass(frozen=True)
class Certificate:
    """How a step was proved: the decision route and the time it took."""

    route: str
    seconds: float

    def describe(self) -> str:
        """One line for reports, e.g. ``'cancel, 0.004 s'``."""
        return f"{self.route}, {self.seconds:.3f} s"


def _difference(before: Any, after: Any) -> Any:
    if isinstance(before, str) or isinstance(after, str):
        raise CertificationError("a step relates SymPy objects, not text")
    if isinstance(before, sp.MatrixBase) or isinstance(after, sp.MatrixBase):
        before, after = sp.Matrix(before), sp.Matrix(after)
        if before.shape != after.shape:
            raise CertificationError(f"shapes differ: {before.shape} and {after.shape}")
        return before - after
    return as_sympy(before) - as_sympy(after)


@dataclass(frozen=True)
class Route:
    """A named decision route of a derivation's own (e.g. one that knows index ranges).

    ``reduce`` maps the difference ``before - after`` to an expression that must be 0.
    """

    name: str
    reduce: Callable[[Any], Any]


RouteLike = str | Route


def route_name(route: RouteLike) -> str:
    """The name of a route given by name or as a :class:`Route`."""
    return route.name if isinstance(route, Route) else route


# Routes whose expression class lies inside the rational functions of exponentials: the
# linear-time zero test of :mod:`symnn.core.exppoly` decides them first, and only when it
# does not reduce the difference to 0 does the route's own SymPy procedure run.
EXP_POLY_ROUTES = frozenset({"expand", "cancel", "exp-cancel"})


def reduce_difference(before: Any, after: Any, route: RouteLike) -> Any:
    """Apply ``route`` to ``before - after`` (element-wise for matrices) and return it."""
    if isinstance(route, Route):
        reducer = route.reduce
    elif route in ROUTES:
        reducer = ROUTES[route]
    else:
        raise CertificationError(f"unknown route {route!r}; known: {', '.join(ROUTES)}")
    difference = _difference(before, after)
    is_matrix = isinstance(difference, sp.MatrixBase)
    if (not isinstance(route, Route) and route in EXP_POLY_ROUTES
            and exppoly.matrix_is_zero(difference if is_matrix else [difference])):
        return sp.S.Zero
    if is_matrix:
        return difference.applyfunc(reducer)
    return reducer(difference)


def _is_zero(reduced: Any) -> bool:
    if isinstance(reduced, sp.MatrixExpr) and not isinstance(reduced, sp.MatrixBase):
        return isinstance(reduced, sp.ZeroMatrix)
    if isinstance(reduced, sp.MatrixBase):
        return all(entry == 0 for entry in reduced)
    return reduced == 0


def certify(
    before: Any,
    after: Any,
    route: RouteLike,
    *,
    given: dict[Any, Any] | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT,
) -> Certificate:
    """Prove ``before == after`` by ``route`` or raise :class:`CertificationError`.

    ``given`` maps symbols to what they stand for (e.g. ``y_j -> exp(z_j)/S``); both
    sides are rewritten with it before the route runs.
    """
    name = route_name(route)
    start = time.perf_counter()
    if given:
        before, after = _replace(before, given), _replace(after, given)
    with time_limit(time_limit_s, f"route {name!r}"):
        reduced = reduce_difference(before, after, route)
    if not _is_zero(reduced):
        shown = sp.sstr(reduced)
        if len(shown) > 300:
            shown = shown[:300] + "..."
        raise CertificationError(f"route {name!r} did not reduce before - after to 0: {shown}")
    return Certificate(name, time.perf_counter() - start)


def _replace(expr: Any, given: dict[Any, Any]) -> Any:
    if isinstance(expr, str):
        raise CertificationError("a step relates SymPy objects, not text")
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda entry: as_sympy(entry).xreplace(given))
    return as_sympy(expr).xreplace(given)


def certify_claim(
    claim: Callable[[], Any], route: str, *, time_limit_s: float = DEFAULT_TIME_LIMIT
) -> Certificate:
    """Certify a claim whose proof is a computation that must return SymPy ``true``.

    ``route`` names the computation (for example ``"solve_linear_system"``); ``claim``
    performs it. Anything but ``sympy.true`` (or Python ``True``) is a refusal.

    >>> certify_claim(lambda: sp.Integer(3) > 2, "compare").route
    'compare'
    """
    start = time.perf_counter()
    with time_limit(time_limit_s, f"route {route!r}"):
        outcome = claim()
    if outcome is not sp.true and outcome is not True:
        raise CertificationError(f"route {route!r} did not establish the claim (got {outcome})")
    return Certificate(route, time.perf_counter() - start)

"""Comparison of an answer with a derived result: a decision route, then a numeric test.

For each scalar (each entry of a matrix) the difference ``expected - given`` is reduced
by the decision route of its expression class (the routes of :mod:`symnn.core.certify`):

==============  =========================================  ===========================
class           route                                      a non-zero result means
==============  =========================================  ===========================
constants       ``exact`` (Rationals), else ``simplify``   different / inconclusive
polynomials     ``expand``                                 different (rational coeffs.)
rational funcs  ``cancel``                                 different (rational coeffs.)
exponentials    ``exp-cancel``                             inconclusive
logarithms      ``log-expand``                             inconclusive
Abs, Max, ...   ``piecewise``                              inconclusive
anything else   ``simplify``                               inconclusive
==============  =========================================  ===========================

Integer symbols (the indices ``i, j`` of ``KroneckerDelta`` forms, sizes ``n`` of sums)
are first instantiated over ``1..3`` (sizes: 3), and every case is compared. Then both
sides are evaluated at :data:`POINTS` seeded random rational points to 30 digits and
compared with the mixed relative error ``|a - b| / max(1, |a|) <= TOLERANCE``. An answer
is equal only if the route proves it (and the numeric test does not contradict it) or
the route is inconclusive and the numeric test agrees.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> verdict = compare_scalar(1 / (1 + sp.exp(-x)), sp.exp(x) / (sp.exp(x) + 1))
>>> verdict.equal, verdict.route, verdict.proved
(True, 'exp-cancel', 1)
>>> verdict = compare_scalar(x**2 - 1, (x - 1) * (x + 2))
>>> verdict.where
'route expand reduces expected - answer to 1 - x, at x=-1.21: expected 0.459264, answer -1.74874'

>>> verdict.equal, verdict.route, verdict.refuted
(False, 'expand', 1)
"""

from __future__ import annotations

import itertools
import math
import random
import time
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.certify import ROUTES, time_limit
from symnn.grading.parse import natural_key

TOLERANCE = 1e-15
POINTS, MIN_POINTS, SEED = 6, 3, 20_240
INDEX_RANGE, MAX_CASES = 3, 81
ROUTE_SECONDS, NUMERIC_SECONDS, DIGITS = 3.0, 10.0, 30
_PIECEWISE = (sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign, sp.Piecewise)
_EXPONENTIAL = {sp.exp, sp.tanh, sp.sinh, sp.cosh}


@dataclass(frozen=True)
class Verdict:
    """The outcome for one scalar: ``equal`` is True, False or None (undecided)."""

    equal: bool | None
    route: str
    proved: int  # cases the route reduced to 0
    refuted: int  # cases the route proved non-zero (0 or 1: comparison stops there)
    cases: int  # index instances compared (1 without integer symbols)
    numeric: bool | None  # None: too few points where the expected value is defined
    error: float  # worst mixed relative error at the numeric points
    where: str = ""  # the case or point where the two differ


def generators(expr: Any) -> list[Any]:
    """The free symbols and indexed objects of ``expr`` (not the labels of ``y[i]``)."""
    atoms = expr.free_symbols
    labels = {atom.base.label for atom in atoms if isinstance(atom, sp.Indexed)}
    return sorted(atoms - labels, key=lambda atom: natural_key(str(atom)))


def _over_rationals(expr: sp.Expr) -> bool:
    return (not expr.atoms(sp.NumberSymbol, sp.Function) and not expr.has(*_PIECEWISE)
            and all(number.is_Rational for number in expr.atoms(sp.Number))
            and all(power.exp.is_Integer for power in expr.atoms(sp.Pow)))


def choose_route(difference: sp.Expr) -> tuple[str, bool]:
    """The route for ``difference`` and whether a non-zero reduction proves a difference."""
    symbols = generators(difference)
    if not symbols:
        return ("exact", True) if difference.is_Rational else ("simplify", False)
    if difference.has(*_PIECEWISE):
        return "piecewise", False
    if difference.is_polynomial(*symbols):
        return "expand", _over_rationals(difference)
    if difference.is_rational_function(*symbols):
        return "cancel", _over_rationals(difference)
    functions = {type(applied) for applied in difference.atoms(sp.Function)}
    if sp.log in functions:
        return "log-expand", False
    return ("exp-cancel", False) if functions <= _EXPONENTIAL else ("simplify", False)


def _nonzero(reduced: sp.Expr, route: str) -> bool:
    """True when ``reduced`` is certainly not identically 0 (a constant or a coefficient is not 0)."""
    symbols = generators(reduced)
    if not symbols:
        return reduced.is_zero is False
    if route in ("expand", "cancel"):
        numerator = sp.fraction(sp.together(reduced))[0] if route == "cancel" else reduced
        if numerator.is_polynomial(*symbols):
            return any(c.is_zero is False for c in sp.Poly(numerator, *symbols).coeffs())
    return False


def run_route(difference: sp.Expr, seconds: float = ROUTE_SECONDS) -> tuple[str, bool | None, Any]:
    """Reduce ``difference`` by its route: (route, True if 0 / False if provably not / None, reduced).

    A non-zero reduction is a proof of difference when the class is decided by the route
    (polynomials and rational functions over the rationals, Rationals) or when the
    reduction is a constant, or a polynomial with a coefficient, that is certainly not 0.
    With no time left (``seconds <= 0``) the route is not run and the outcome is None.
    """
    name, reduced = "simplify", None
    try:
        name, decisive = choose_route(difference)
        if seconds <= 0:
            return name, None, None
        with time_limit(seconds, f"route {name!r}"):
            reduced = ROUTES[name](difference)
            if reduced == 0:
                return name, True, reduced
            return name, False if decisive or _nonzero(reduced, name) else None, reduced
    except Exception:  # a route that fails or runs out of time proves nothing
        return name, None, reduced


def _sample(symbol: Any, rng: random.Random) -> sp.Rational:
    magnitude = sp.Rational(rng.randint(100, 2000), 1000)
    if symbol.is_nonnegative or rng.random() < 0.5:
        return magnitude
    return -magnitude


def _value(expr: Any, point: dict[Any, sp.Rational]) -> complex | None:
    value = sp.sympify(expr).xreplace(point).evalf(DIGITS)
    if not value.is_number:
        return None
    try:
        number = complex(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number.real) and math.isfinite(number.imag) else None


def _show_point(point: dict[Any, sp.Rational]) -> str:
    return ", ".join(f"{symbol}={float(value):.3g}" for symbol, value in point.items())


def _show_pair(a: complex, b: complex) -> str:
    """``expected .., answer ..`` with enough digits to tell the two apart."""
    for digits in (6, 10, 17):
        shown = [f"{v.real:.{digits}g}" if v.imag == 0 else f"{v:.{digits}g}" for v in (a, b)]
        if shown[0] != shown[1]:
            break
    return f"expected {shown[0]}, answer {shown[1]}"


def numeric_test(expected: Any, given: Any, seed: int = SEED) -> tuple[bool | None, float, str]:
    """Compare at seeded random points: (agree?, worst error, where they differ most)."""
    variables = sorted(set(generators(expected)) | set(generators(given)), key=lambda v: natural_key(str(v)))
    rng = random.Random(seed)
    worst, used, where = 0.0, 0, ""
    for _ in range(3 * POINTS):
        if used == POINTS:
            break
        point = {variable: _sample(variable, rng) for variable in variables}
        a = _value(expected, point)
        if a is None:
            continue
        b = _value(given, point)
        if b is None:
            return False, math.inf, f"at {_show_point(point)} the answer is undefined"
        error = abs(a - b) / max(1.0, abs(a))
        if error >= worst:
            worst, where = error, f"at {_show_point(point)}: {_show_pair(a, b)}"
        used += 1
    if used < MIN_POINTS:
        return None, worst, ""
    return worst <= TOLERANCE, worst, where


def instances(expected: Any, given: Any) -> list[tuple[dict[Any, Any], Any, Any]]:
    """Cases with every integer symbol replaced: indices in ``1..3``, sizes of sums by 3."""
    found = set(generators(expected)) | set(generators(given))
    integers = sorted((s for s in found if isinstance(s, sp.Symbol) and s.is_integer), key=str)
    if not integers:
        return [({}, expected, given)]
    sums = expected.atoms(sp.Sum, sp.Product) | given.atoms(sp.Sum, sp.Product)
    sizes = {limit[2] for item in sums for limit in item.limits if limit[2] in integers}
    indices = [symbol for symbol in integers if symbol not in sizes]
    combos = list(itertools.product(range(1, INDEX_RANGE + 1), repeat=len(indices)))
    if len(combos) > MAX_CASES:
        combos = random.Random(SEED).sample(combos, MAX_CASES)
    cases = []
    for combo in combos:
        values = {symbol: sp.Integer(value) for symbol, value in zip(indices, combo)}
        values.update({size: sp.Integer(INDEX_RANGE) for size in sizes})
        cases.append((values, expected.xreplace(values).doit(), given.xreplace(values).doit()))
    return cases


def compare_scalar(expected: Any, given: Any, deadline: float = math.inf) -> Verdict:
    """Compare two scalars; routes are skipped (inconclusive) once ``deadline`` has passed."""
    try:
        with time_limit(NUMERIC_SECONDS, "instantiating indices"):
            cases = instances(sp.sympify(expected), sp.sympify(given))
    except Exception:
        return Verdict(None, "instances", 0, 0, 0, None, math.nan, "the index instances could not be formed")
    proved, route, worst, numeric_seen = 0, "exact", 0.0, True
    for count, (values, exp_case, given_case) in enumerate(cases, start=1):
        label = ", ".join(f"{symbol}={value}" for symbol, value in values.items())
        seconds = min(ROUTE_SECONDS, deadline - time.perf_counter())
        route, outcome, reduced = run_route(exp_case - given_case, seconds)
        try:
            with time_limit(NUMERIC_SECONDS, "numeric test"):
                agree, error, where = numeric_test(exp_case, given_case)
        except Exception:
            agree, error, where = None, math.nan, ""
        worst = worst if math.isnan(error) else max(worst, error)
        if outcome is False or agree is False:
            proof = ""
            if outcome is False:
                shown = sp.sstr(reduced)
                proof = f"route {route} reduces expected - answer to {shown if len(shown) <= 80 else '...'}"
            parts = (f"for {label}" if label else "", proof, where if agree is False else "")
            where = ", ".join(part for part in parts if part)
            return Verdict(False, route, proved, int(outcome is False), count, agree, error, where)
        if outcome is None and agree is None:
            return Verdict(None, route, proved, 0, count, None, worst, f"for {label}" if label else "")
        proved += outcome is True
        numeric_seen = numeric_seen and agree is not None
    return Verdict(True, route, proved, 0, len(cases), True if numeric_seen else None, worst)

"""Counterexamples: a point of the domain where two expressions provably differ.

A point gives every symbol an exact value of its domain: integer indices small
positive integers (a finite sum's size at least every index), real symbols rationals
with denominators 7, 97, 1009 or 7919 (so ``sin(1000*pi*x)`` is not 0 by accident of
a decimal point), bounded domains also their closed endpoints. Both sides are
evaluated exactly at the point; the difference counts as not 0 only when it is a
non-zero Rational or its interval enclosure (:func:`symnn.core.interval.nonzero`)
excludes 0. A point where the expected side is defined and the other side is not
(division by 0) is a counterexample too.

>>> import sympy as sp

>>> x = sp.Symbol("x", real=True)
>>> found = find_counterexample(x**2, x**2 + sp.sin(1000 * sp.pi * x) / 10**6, {x: sp.Interval(0, 1)})
>>> found.point
{x: 2701/7919}
>>> find_counterexample(x**2, x * x, {x: sp.Interval(0, 1)}) is None
True
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.exact import as_sympy
from symnn.core.interval import PRECISIONS, enclose, nesting, nonzero, show

DENOMINATORS = (7, 97, 1009, 7919)
WINDOW, WIDE = 4, 100  # unbounded domains are sampled in [-4, 4], every fourth time in [-100, 100]
POINTS, INDEX_VALUES, MAX_INDEX_CASES, SEED = 24, 4, 24, 20_240
EXACT_NESTING = 4  # deeper expressions are tested by enclosures only


@dataclass(frozen=True)
class Counterexample:
    """A point of the domain and what the two sides are there."""

    point: dict[Any, sp.Expr]
    expected: sp.Expr | None  # the two values at the point, when they were computed exactly
    given: sp.Expr | None
    difference: str  # the exact difference or an enclosure of it

    def describe(self) -> str:
        """``'at x=83/97, expected - answer = 0.2439, which is not 0'`` (values shortened)."""
        where = ", ".join(f"{symbol}={value}" for symbol, value in self.point.items())
        where = f"at {where}, " if where else ""
        if self.given is not None and _undefined(self.given):
            return f"{where}the expected value is {_short(self.expected)} and the answer is undefined"
        return f"{where}expected - answer = {self.difference}, which is not 0"


def _short(value: sp.Expr) -> str:
    """A constant as text: itself if short, else an enclosure (or 6 digits of a complex value)."""
    text = sp.sstr(value)
    if len(text) <= 40:
        return text
    interval = enclose(value, {}, 256)
    return show(interval) if interval is not None else f"{sp.N(value, 6)} (approximately)"


def region_of(symbol: Any, domain: Mapping[Any, sp.Set]) -> sp.Set | None:
    """The domain of ``symbol``: declared in ``domain``, else from its assumptions (None: complex)."""
    if symbol in domain:
        return domain[symbol]
    if symbol.is_positive:
        return sp.Interval.open(0, sp.oo)
    if symbol.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if symbol.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if symbol.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    return sp.Interval(-sp.oo, sp.oo)  # real, or complex: a real point is in the domain either way


def sample(region: sp.Set, rng: random.Random, endpoints: bool = False) -> sp.Rational | None:
    """A rational point of ``region`` (an interval), or None if none was found."""
    if not isinstance(region, sp.Interval):
        return None
    if endpoints:
        ends = [end for end, is_open in ((region.start, region.left_open), (region.end, region.right_open))
                if end.is_finite and not is_open]
        return rng.choice(ends) if ends else None
    width = WIDE if rng.random() < 0.25 else WINDOW
    low = region.start if region.start.is_finite else min(-width, region.end - width)
    high = region.end if region.end.is_finite else max(width, region.start + width)
    for _ in range(8):
        q = rng.choice(DENOMINATORS)
        p = rng.randint(math.ceil(low * q), math.floor(high * q))
        value = sp.Rational(p, q)
        if value in region:
            return value
    return None


def unknowns(expr: sp.Basic) -> list[Any]:
    """The free symbols and indexed entries of ``expr`` (not the labels of ``y[i]``), sorted."""
    atoms = expr.free_symbols
    labels = {atom.base.label for atom in atoms if isinstance(atom, sp.Indexed)}
    return sorted(atoms - labels, key=sp.default_sort_key)


def _undefined(value: sp.Expr) -> bool:
    return (not value.is_number) or value.has(sp.nan, sp.zoo, sp.oo, sp.S.NegativeInfinity)


def _used_as_index(expr: sp.Basic) -> set[Any]:
    """Integer symbols that index an entry ``y[i]`` or appear in a ``KroneckerDelta``."""
    found: set[Any] = set()
    for atom in expr.atoms(sp.Indexed, sp.KroneckerDelta):
        for arg in atom.indices if isinstance(atom, sp.Indexed) else atom.args:
            found |= arg.free_symbols
    return found


def integer_points(expr: sp.Basic, rng: random.Random,
                   domain: Mapping[Any, sp.Set] | None = None) -> list[dict[Any, sp.Integer]]:
    """Values of the integer symbols, each in its region (``domain``, else its assumptions).

    Indices (of entries ``y[i]`` and deltas) take ``1..4`` and each integer written in a
    delta and the next one; every other integer symbol (the size ``n`` of a sum) is a
    size, at least the largest index.
    """
    domain = domain or {}
    integers = [s for s in unknowns(expr) if isinstance(s, sp.Symbol) and s.is_integer]
    if not integers:
        return [{}]
    indexing = _used_as_index(expr)
    indices = [s for s in integers if s in indexing]
    sizes = [s for s in integers if s not in indexing]
    written = {int(arg) for delta in expr.atoms(sp.KroneckerDelta) for arg in delta.args if arg.is_Integer}
    values = sorted(set(range(1, INDEX_VALUES + 1)) | {v for w in written for v in (w, w + 1)})
    combos = list(itertools.product(values, repeat=len(indices)))
    rng.shuffle(combos)
    points = []
    for combo in combos[:MAX_INDEX_CASES]:
        for floor in [max([*combo, 1])] if indices else range(1, INDEX_VALUES + 1):
            point = {s: sp.Integer(v) for s, v in zip(indices, combo)}
            for size in sizes:
                start = region_of(size, domain).start
                point[size] = sp.Integer(max(floor, math.ceil(start) if start.is_finite else floor))
            if point not in points and all(value in region_of(s, domain) for s, value in point.items()):
                points.append(point)
    return points or [{}]


def _real_point(expr: sp.Basic, domain: Mapping[Any, sp.Set], rng: random.Random,
                endpoints: bool) -> dict[Any, sp.Expr] | None:
    point = {}
    for symbol in unknowns(expr):
        value = sample(region_of(symbol, domain), rng, endpoints and rng.random() < 0.5)
        if value is None:
            value = sample(region_of(symbol, domain), rng)
        if value is None:
            return None
        point[symbol] = value
    return point


def find_counterexample(expected: Any, given: Any, domain: Mapping[Any, sp.Set] | None = None, *,
                        points: int = POINTS, deadline: float = math.inf,
                        seed: int = SEED) -> Counterexample | None:
    """A point of ``domain`` where ``expected`` and ``given`` provably differ, or None."""
    expected, given, domain = as_sympy(expected), as_sympy(given), domain or {}
    rng = random.Random(seed)
    cases = integer_points(sp.Tuple(expected, given), rng, domain)
    for integers in cases:
        sides = [side.xreplace(integers).doit() if integers else side for side in (expected, given)]
        both = sp.Tuple(*sides)
        trials = max(3, points // len(cases)) if unknowns(both) else 1
        for trial in range(trials):
            if time.perf_counter() > deadline:
                return None
            reals = _real_point(both, domain, rng, endpoints=trial >= trials // 2)
            if reals is None:
                continue
            point = {**integers, **reals}
            found = _enclosed(point, reals, sides[0] - sides[1])
            if found is None and nesting(both) <= EXACT_NESTING:  # SymPy's own evaluation is slow when deep
                try:
                    found = _differ_at(point, *(side.xreplace(reals) for side in sides))
                except (ValueError, TypeError, ZeroDivisionError):  # e.g. Max(zoo, 0) is refused by SymPy
                    found = None
            if found is not None:
                return found
    return None


def _enclosed(point: dict[Any, sp.Expr], reals: dict[Any, sp.Expr],
              difference: sp.Expr) -> Counterexample | None:
    """The fast test: an enclosure of the difference at the point that excludes 0."""
    for prec in PRECISIONS[:2]:
        interval = enclose(difference, reals, prec)
        if interval is None:
            return None
        if interval.a > 0 or interval.b < 0:
            rational = not difference.atoms(sp.Function, sp.NumberSymbol)  # then its exact value is cheap
            shown = sp.sstr(difference.xreplace(reals)) if rational else show(interval)
            return Counterexample(point, None, None, shown)
    return None


def _differ_at(point: dict[Any, sp.Expr], expected: sp.Expr, given: sp.Expr) -> Counterexample | None:
    if _undefined(expected):
        return None
    if _undefined(given):
        return Counterexample(point, expected, given, "undefined")
    difference = expected - given
    if nonzero(difference):
        return Counterexample(point, expected, given, _short(difference))
    return None

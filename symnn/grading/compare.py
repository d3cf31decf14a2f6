"""Comparison of an answer with a derived result, one scalar (or matrix entry) at a time.

The decision is :func:`symnn.core.equivalence.decide_equal` on the declared domain:
**proved** equal by a decision route (general indices, not instances), **refuted** by a
point of the domain where the two provably differ, or **undecided** with the reason.
For an undecided scalar a numeric test at seeded points of the domain is reported as
well, as information only: agreement at sample points is never taken for equality.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> comparison = compare_scalar(1 / (1 + sp.exp(-x)), sp.exp(x) / (sp.exp(x) + 1))
>>> comparison.equal, comparison.decision.route
(True, 'exp-cancel')
>>> comparison = compare_scalar(x**2 - 1, (x - 1) * (x + 2))
>>> comparison.equal, comparison.decision.reason
(False, 'at x=-10062/7919, expected - answer = 17981/7919, which is not 0')
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.counterexample import integer_points, region_of, sample, unknowns
from symnn.core.equivalence import UNDECIDED, Decision, decide_equal
from symnn.core.exact import as_sympy
from symnn.core.time_limit import time_limit
from symnn.errors import CertificationError

TOLERANCE = 1e-15
POINTS, SEED, DIGITS, NUMERIC_SECONDS = 6, 20_240, 30, 5.0


@dataclass(frozen=True)
class Comparison:
    """The decision for one scalar and, when it is undecided, what the numeric test saw."""

    decision: Decision
    numeric: str = ""

    @property
    def equal(self) -> bool | None:
        """True (proved), False (refuted) or None (undecided)."""
        return self.decision.equal


def _value(expr: sp.Expr, point: Mapping[Any, sp.Expr]) -> complex | None:
    value = expr.xreplace(point).doit().evalf(DIGITS)
    if not value.is_number:
        return None
    try:
        number = complex(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number.real) and math.isfinite(number.imag) else None


def numeric_test(expected: Any, given: Any, domain: Mapping[Any, sp.Set] | None = None,
                 seed: int = SEED) -> str:
    """Agreement of the two sides at up to :data:`POINTS` seeded points of the domain, as text.

    >>> x = sp.Symbol("x", real=True)
    >>> numeric_test(x**2, x**2 + sp.sin(1000 * sp.pi * x) / 10**20, {x: sp.Interval(0, 1)})
    'numerically they agree at 6 seeded points (worst mixed relative error 1e-20 <= 1e-15); not a proof'
    """
    rng, domain = random.Random(seed), domain or {}
    both = sp.Tuple(as_sympy(expected), as_sympy(given))
    worst, used, cases = 0.0, 0, integer_points(both, rng, domain)
    for trial in range(3 * POINTS):
        integers = cases[trial % len(cases)]
        case = both.xreplace(integers)
        point = {s: sample(region_of(s, domain), rng) for s in unknowns(case.doit())}
        if any(value is None for value in point.values()):
            continue
        a, b, gap = (_value(side, {**integers, **point}) for side in (*case, case[0] - case[1]))
        if a is None or b is None or gap is None:
            continue
        worst, used = max(worst, abs(gap) / max(1.0, abs(a))), used + 1
        if used == POINTS:
            break
    if not used:
        return "numerically: no seeded point where both sides are defined"
    agree = "agree" if worst <= TOLERANCE else "disagree"
    relation = "<=" if worst <= TOLERANCE else ">"
    return (f"numerically they {agree} at {used} seeded points (worst mixed relative error "
            f"{worst:.2g} {relation} {TOLERANCE:g}); not a proof")


def compare_scalar(expected: Any, given: Any, domain: Mapping[Any, sp.Set] | None = None,
                   deadline: float = math.inf) -> Comparison:
    """Decide ``expected == given`` on ``domain`` within the time left before ``deadline``."""
    seconds = min(deadline - time.perf_counter(), 1e6)
    if seconds <= 0:
        return Comparison(Decision(UNDECIDED, "none", "no time was left for this entry"))
    decision = decide_equal(expected, given, domain, seconds=seconds)
    if decision.status != UNDECIDED:
        return Comparison(decision)
    left = min(NUMERIC_SECONDS, deadline - time.perf_counter())
    try:
        with time_limit(left, "the numeric test"):
            numeric = numeric_test(expected, given, domain) if left > 0 else ""
    except (CertificationError, ValueError, TypeError, ZeroDivisionError):
        numeric = "numerically: the test did not finish"
    return Comparison(decision, numeric)

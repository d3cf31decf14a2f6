"""Is a recovered formula a *symbolic solution*? Proved, refuted with a point, or undecided.

Symbolic-regression benchmarks (SRBench, with its Feynman and Strogatz sets) call a
recovered model :math:`\\hat f` a symbolic solution of the truth :math:`f` when

.. math::

    f - \\hat f = a \\quad\\text{or}\\quad f / \\hat f = b \\ne 0 \\qquad\\text{for constants } a, b.

Benchmarks check this with a ``simplify`` that proves nothing when it fails. Here each
relation is decided by :func:`symnn.core.equivalence.decide_equal`: the constant is read
off at a reference point :math:`p_0` of the domain (:math:`a = (f - \\hat f)(p_0)`,
:math:`b = f(p_0) / \\hat f(p_0)`, exact), and then :math:`f = \\hat f + a` (or
:math:`f = b \\hat f`) is proved on the whole domain or refuted at a point. A constant
offset or factor, if there is one, must equal its value at :math:`p_0`, so a refutation
refutes the relation for every constant. ``offset=False`` asks for equality up to a
factor only.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> found = is_symbolic_solution(3 * sp.exp(x) / (1 + sp.exp(x)), 1 / (1 + sp.exp(-x)))
>>> found.status, found.relation, found.constant
('proved', 'factor', 1/3)
>>> found = is_symbolic_solution(x**2 + sp.sin(sp.pi * x) ** 2 / 10**6, x**2)
>>> found.status
'refuted'
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.counterexample import SEED, region_of, sample, unknowns
from symnn.core.equivalence import PROVED, REFUTED, UNDECIDED, Decision, decide_equal
from symnn.core.interval import nonzero
from symnn.testing.values import as_sympy, domain_by_name, first_integer, match_by_name

ATTEMPTS = 8


@dataclass(frozen=True)
class Solution:
    """The verdict: ``status`` proved / refuted / undecided; ``relation`` is ``'equal'``,
    ``'offset'`` (truth - candidate = ``constant``) or ``'factor'`` (truth / candidate =
    ``constant``) when proved; ``reason`` says how, with the counterexamples when refuted."""

    status: str
    relation: str | None
    constant: Any
    reason: str

    @property
    def proved(self) -> bool:
        """True only when a relation was proved."""
        return self.status == PROVED


def reference_point(truth: sp.Expr, candidate: sp.Expr, domain: Mapping[Any, sp.Set],
                    seed: int = SEED) -> dict[Any, sp.Expr] | None:
    """A rational point of the domain where both sides are finite numbers (None if none was found)."""
    rng = random.Random(seed)
    both = sp.Tuple(truth, candidate)
    for _ in range(ATTEMPTS):
        point = {}
        for symbol in unknowns(both):
            region = region_of(symbol, domain)
            if symbol.is_integer:
                point[symbol] = sp.Integer(first_integer(region) + rng.randint(0, 3))
            else:
                point[symbol] = sample(region, rng)
        if any(value is None for value in point.values()):
            continue
        values = both.xreplace(point)
        if all(value.is_number and value.is_finite for value in values):
            return point
    return None


def _show(point: Mapping[Any, sp.Expr]) -> str:
    return ", ".join(f"{symbol}={value}" for symbol, value in point.items()) or "the constant case"


def is_symbolic_solution(candidate: Any, truth: Any, domain: Mapping[Any, sp.Set] | None = None, *,
                         offset: bool = True, seconds: float = 30.0) -> Solution:
    """Decide whether ``candidate`` is a symbolic solution of ``truth`` (see the module text).

    Symbols are matched by name; ``domain`` maps symbols (or names) to intervals (others
    range over their assumptions).
    """
    truth = as_sympy(truth, "truth")
    candidate, _ = match_by_name(as_sympy(candidate, "candidate"), truth)
    domain = domain_by_name(domain, truth)
    equal = decide_equal(truth, candidate, domain, seconds=seconds)
    if equal.status == PROVED:
        return Solution(PROVED, "equal", sp.Integer(0), f"truth - candidate = 0: {equal.reason}")
    point = reference_point(truth, candidate, domain)
    if point is None:
        return Solution(UNDECIDED, None, None, "no reference point of the domain where both sides are finite")
    at = f"at the reference point {_show(point)}"
    decisions: dict[str, tuple[Any, Decision]] = {"equal": (sp.Integer(0), equal)}
    if offset:
        a = sp.cancel(sp.expand(truth.xreplace(point) - candidate.xreplace(point)))  # exact, not a guess
        decisions["offset"] = (a, decide_equal(truth, candidate + a, domain, seconds=seconds))
    c, t = candidate.xreplace(point), truth.xreplace(point)
    if nonzero(c) and nonzero(t) is False:
        why = f"{at} the truth is 0 and the candidate is not, so no constant b != 0 has truth = b candidate"
        decisions["factor"] = (None, Decision(REFUTED, "counterexample", why))
    elif nonzero(c):
        b = sp.cancel(sp.expand(t / c))
        decisions["factor"] = (b, decide_equal(truth, b * candidate, domain, seconds=seconds))
    else:
        decisions["factor"] = (None, Decision(UNDECIDED, "none", f"the candidate is not shown non-zero {at}"))
    for relation in ("offset", "factor"):
        if relation in decisions and decisions[relation][1].status == PROVED:
            constant, decision = decisions[relation]
            sign = "-" if relation == "offset" else "/"
            how = f"truth {sign} candidate = {constant} (read off {at}), proved: {decision.reason}"
            return Solution(PROVED, relation, constant, how)
    sides = {"equal": "truth - candidate", "offset": "truth - (candidate + a)",
             "factor": "truth - b*candidate"}
    reasons = "; ".join(f"{relation}: {d.reason.replace('expected - answer', sides[relation])}"
                        for relation, (_, d) in decisions.items())
    if all(d.status == REFUTED for _, d in decisions.values()):
        return Solution(REFUTED, None, None, f"no relation holds ({reasons})")
    return Solution(UNDECIDED, None, None, f"neither proved nor refuted ({reasons})")

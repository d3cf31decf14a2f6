"""``assert_equivalent``: a test assertion that passes only on a proof.

``assert_equivalent(actual, expected)`` compares scalars, matrices, booleans and sets
(intervals). Scalars and matrix entries are decided by
:func:`symnn.core.equivalence.decide_equal` on the domain: **proved** (a decision route
reduced ``expected - actual`` to 0), **refuted** (a point where they provably differ) or
**undecided**. The assertion passes only when every part is proved, or, when the test
asks for it with ``numeric=True``, when the undecided parts agree numerically at seeded
points; such a pass is reported as numeric (the returned status and a
:class:`NumericOnlyWarning`), never as a proof.

Symbols are matched by name (``sp.Symbol("y1")`` stands for symnn's ``y1`` with
``real=True``) unless ``strict_assumptions=True``. A failure is an ``AssertionError``
showing both sides, the reduced difference and a counterexample.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> assert_equivalent(1 / (1 + sp.exp(-x)), sp.exp(x) / (1 + sp.exp(x))).status
'proved'
>>> assert_equivalent(x**2 + sp.sin(sp.pi * x) ** 2 / 10**6, x**2)
Traceback (most recent call last):
...
AssertionError: actual differs from expected: refuted by a counterexample
...
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symnn.core.equivalence import PROVED, REFUTED, SOUND_ROUTES, Decision, choose_route, decide_equal
from symnn.core.time_limit import time_limit
from symnn.grading.compare import numeric_test
from symnn.testing.logic import decide_boolean, decide_sets
from symnn.testing.values import (
    as_sympy,
    describe_assumptions,
    differing_assumptions,
    domain_by_name,
    match_by_name,
    written_out,
)

NUMERIC = "numeric"
SHOWN_LINES, SHOWN_ENTRIES, REDUCE_SECONDS = 12, 3, 2.0


class NumericOnlyWarning(UserWarning):
    """An ``assert_equivalent(..., numeric=True)`` that passed on numeric agreement, not a proof."""


@dataclass(frozen=True)
class Equivalence:
    """How an assertion passed: ``status`` is ``'proved'`` or ``'numeric'`` (agreement at points)."""

    status: str
    reason: str
    notes: tuple[str, ...] = field(default=())


def pretty(value: Any) -> str:
    """``value`` pretty-printed, indented, at most :data:`SHOWN_LINES` lines."""
    lines = sp.pretty(value, use_unicode=True, wrap_line=False).splitlines() or [""]
    if len(lines) > SHOWN_LINES:
        lines = [*lines[:SHOWN_LINES], f"... ({len(lines) - SHOWN_LINES} more lines)"]
    return "\n".join("    " + line for line in lines)


def reduced_difference(actual: Any, expected: Any) -> Any:
    """``actual - expected`` reduced by the route of its class, when that makes it shorter."""
    difference = actual - expected

    def reduce(d: sp.Expr) -> sp.Expr:
        reduced = SOUND_ROUTES[choose_route(d)](d)
        return reduced if sp.count_ops(reduced) < sp.count_ops(d) else d

    try:
        with time_limit(REDUCE_SECONDS, "reducing the difference"):
            matrix = isinstance(difference, sp.MatrixBase)
            return difference.applyfunc(reduce) if matrix else reduce(difference)
    except Exception:  # a reduction that fails or overruns leaves the difference as it is
        return difference


def _kind(value: Any) -> str:
    if isinstance(value, sp.MatrixBase):
        return "a {}x{} matrix".format(*value.shape)
    if isinstance(value, sp.Set):
        return "a set"
    if isinstance(value, sp.Expr):
        return "a scalar"
    return "a boolean" if isinstance(value, sp.logic.boolalg.Boolean) else f"a {type(value).__name__}"


def _counterexample(decision: Decision) -> str:
    text = decision.reason if decision.counterexample is None else decision.counterexample.describe()
    return text.replace("expected - answer", "expected - actual").replace("the answer is", "actual is")


def _fail(headline: str, actual: Any, expected: Any, details: list[str], notes: list[str]) -> None:
    parts = [headline, "actual:", pretty(actual), "expected:", pretty(expected)]
    if _kind(actual) == _kind(expected) and isinstance(expected, (sp.Expr, sp.MatrixBase)):
        parts += ["reduced difference (actual - expected):", pretty(reduced_difference(actual, expected))]
    raise AssertionError("\n".join([*parts, *details, *notes]))


def _decisions(actual: Any, expected: Any, domain: Mapping[Any, sp.Set],
               seconds: float) -> dict[Any, Decision]:
    if isinstance(expected, sp.MatrixBase):
        return {(i, j): decide_equal(expected[i, j], actual[i, j], domain, seconds=seconds)
                for i in range(expected.rows) for j in range(expected.cols)}
    if isinstance(expected, sp.Set):
        return {None: decide_sets(actual, expected, domain)}
    if "a boolean" in (_kind(actual), _kind(expected)):
        return {None: decide_boolean(actual, expected, domain)}
    return {None: decide_equal(expected, actual, domain, seconds=seconds)}


def _where(key: Any) -> str:
    return "" if key is None else f"entry {key}: "


def assert_equivalent(actual: Any, expected: Any, *, strict_assumptions: bool = False, numeric: bool = False,
                      domain: Mapping[Any, sp.Set] | None = None, seconds: float = 30.0) -> Equivalence:
    """Assert that ``actual`` equals ``expected`` on ``domain``, proved by a decision route.

    ``domain`` maps symbols (or their names) to intervals; other symbols range over what
    their assumptions say. Returns an :class:`Equivalence`; raises ``AssertionError``.

    >>> import sympy as sp
    >>> y1, y2 = sp.symbols("y1 y2")  # plain symbols, compared with symnn's real ones by name
    >>> import symnn
    >>> J = symnn.derive("softmax-jacobian", n=2).result["jacobian_in_y"]
    >>> assert_equivalent(sp.Matrix([[y1 - y1**2, -y1*y2], [-y1*y2, y2 - y2**2]]), J).status
    'proved'
    """
    actual, expected = as_sympy(actual, "actual"), as_sympy(expected, "expected")
    notes: list[str] = []
    if strict_assumptions:
        differing = differing_assumptions(actual, expected)
        if differing:
            notes.append("note: the sides use symbols that differ only by assumptions: "
                         f"{describe_assumptions(actual, expected, differing)} (strict_assumptions=True)")
    else:
        original = actual
        actual, differing = match_by_name(actual, expected)
        if differing:
            notes.append("note: symbols matched by name, their assumptions differ: "
                         f"{describe_assumptions(original, expected, differing)}")
    if {_kind(actual), _kind(expected)} == {"a boolean", "a scalar"} and \
            isinstance(actual if _kind(actual) == "a scalar" else expected, sp.Symbol):
        pass  # a bare symbol is also a propositional variable
    elif _kind(actual) != _kind(expected):
        _fail(f"actual is {_kind(actual)}, expected is {_kind(expected)} (shape mismatch)",
              actual, expected, [], notes)
    region = domain_by_name(domain, expected)
    decisions = _decisions(written_out(actual), written_out(expected), region, seconds)
    refuted = {key: d for key, d in decisions.items() if d.status == REFUTED}
    undecided = {key: d for key, d in decisions.items() if d.status not in (PROVED, REFUTED)}
    if refuted:
        details = [f"counterexample: {_where(key)}{_counterexample(d)}"
                   for key, d in list(refuted.items())[:SHOWN_ENTRIES]]
        if len(decisions) > 1:
            details.insert(0, f"{len(refuted)} of {len(decisions)} entries differ: {sorted(refuted)}")
        _fail("actual differs from expected: refuted by a counterexample", actual, expected, details, notes)
    if not undecided:
        routes = ", ".join(dict.fromkeys(d.route for d in decisions.values()))
        return Equivalence(PROVED, f"proved by route {routes}", tuple(notes))
    reasons = [f"undecided: {_where(key)}{d.reason}" for key, d in list(undecided.items())[:SHOWN_ENTRIES]]
    if not numeric or isinstance(expected, (sp.Set, sp.logic.boolalg.Boolean)):
        hint = [] if numeric else ["pass numeric=True to accept agreement at seeded points (not a proof)"]
        _fail("equivalence could not be decided: neither proved nor refuted", actual, expected,
              [*reasons, *hint], notes)
    return _numeric(actual, expected, region, undecided, notes)


def _numeric(actual: Any, expected: Any, domain: Mapping[Any, sp.Set], undecided: Mapping[Any, Decision],
             notes: list[str]) -> Equivalence:
    """The ``numeric=True`` fallback for the undecided parts: agreement at seeded points."""
    seen = []
    for key in undecided:
        sides = (actual, expected) if key is None else (actual[key], expected[key])
        text = numeric_test(sides[1], sides[0], domain)
        if not text.startswith("numerically they agree"):
            _fail("equivalence could not be decided, and the numeric fallback does not agree",
                  actual, expected, [f"numeric: {_where(key)}{text}"], notes)
        seen.append(f"{_where(key)}{text}")
    reason = f"numeric only ({len(seen)} undecided part(s)): {seen[0]}"
    warnings.warn(NumericOnlyWarning(f"assert_equivalent passed on numeric agreement, not a proof: {reason}"),
                  stacklevel=3)
    return Equivalence(NUMERIC, reason, tuple(notes))

"""Deciding equality of booleans and of sets: proved, refuted with a witness, or undecided.

==========================  ==================================================  ==========
values                      how                                                 decides
==========================  ==================================================  ==========
``True`` / ``False``        comparison                                          both ways
propositional formulas      ``satisfiable(Xor(a, e))``: a model is a witness    both ways
relations of one symbol,    ``as_set`` over the reals (exact for rational       both ways
rational functions          functions), then as sets
relations of one kind       ``lhs - rhs`` of each side proved equal             equal only
equations, truth values     both identities; or one an identity, the other      both ways
                            false at a point
numeric sets (intervals,    the two complements are empty; else a point of      both ways
finite sets, unions)        one of them, its membership checked exactly
intervals, symbolic ends    same open/closed ends, ends proved equal            equal only
==========================  ==================================================  ==========

>>> import sympy as sp
>>> a, b = sp.symbols("a b")
>>> decide_boolean(~(a & b), ~a | ~b).status
'proved'
>>> decide_sets(sp.Interval(0, 1), sp.Interval.Ropen(0, 1)).reason
'the point 1 is in actual and not in expected'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.logic.inference import satisfiable

from symnn.core.equivalence import PROVED, REFUTED, UNDECIDED, Decision, decide_equal

_ATOMS = (sp.logic.boolalg.BooleanAtom,)


def _propositional(value: Any) -> bool:
    return isinstance(value, sp.logic.boolalg.Boolean) and not value.atoms(sp.core.relational.Relational)


def decide_boolean(actual: Any, expected: Any, domain: Mapping[Any, sp.Set] | None = None) -> Decision:
    """Whether the boolean ``actual`` is equivalent to ``expected`` (see the table)."""
    if isinstance(actual, _ATOMS) and isinstance(expected, _ATOMS):
        if actual == expected:
            return Decision(PROVED, "exact", "the same truth value")
        return Decision(REFUTED, "exact", f"actual is {actual}, expected is {expected}")
    if _propositional(actual) and _propositional(expected):
        model = satisfiable(sp.Xor(actual, expected))
        if model is False:
            return Decision(PROVED, "satisfiable", "Xor(actual, expected) is unsatisfiable")
        point = ", ".join(f"{symbol}={value}" for symbol, value in sorted(model.items(), key=str))
        return Decision(REFUTED, "satisfiable", f"at {point} the two sides have different truth values")
    symbols = (actual.free_symbols | expected.free_symbols)
    relations = (actual.atoms(sp.core.relational.Relational) | expected.atoms(sp.core.relational.Relational))
    if len(symbols) == 1 and all((r.lhs - r.rhs).is_rational_function(*symbols) for r in relations):
        # relations compare reals, whatever the symbol's assumptions; solving rational ones is exact
        try:
            sets = [side.as_set() for side in (actual, expected)]
        except (NotImplementedError, TypeError, ValueError):
            sets = None
        if sets is not None:
            decision = decide_sets(*sets, domain)
            if decision.status != UNDECIDED:
                symbol = next(iter(symbols))
                return Decision(decision.status, f"as_set, {decision.route}",
                                decision.reason.replace("the point", f"{symbol} =", 1))
    if isinstance(actual, sp.core.relational.Relational) and type(actual) is type(expected):
        decision = decide_equal(expected.lhs - expected.rhs, actual.lhs - actual.rhs, domain)
        if decision.status == PROVED:
            return Decision(PROVED, decision.route, f"lhs - rhs of the two relations: {decision.reason}")
    if all(isinstance(side, (sp.Eq, *_ATOMS)) for side in (actual, expected)):
        return _identities(actual, expected, domain)
    return Decision(UNDECIDED, "none", "no decision route for these booleans (relations are compared by "
                    "their lhs - rhs, equations also as identities)")


def _holds(statement: Any, domain: Mapping[Any, sp.Set] | None) -> Decision:
    """Is ``statement`` (an equation or a truth value) true everywhere (proved) or false at a point?"""
    if isinstance(statement, _ATOMS):
        status = PROVED if statement == sp.true else REFUTED
        return Decision(status, "exact", f"it is {statement}")
    return decide_equal(statement.lhs, statement.rhs, domain)


def _identities(actual: Any, expected: Any, domain: Mapping[Any, sp.Set] | None) -> Decision:
    """Both identities (proved), or one an identity and the other false at a point (refuted)."""
    decisions = {"actual": _holds(actual, domain), "expected": _holds(expected, domain)}
    statuses = {side: d.status for side, d in decisions.items()}
    if set(statuses.values()) == {PROVED}:
        return Decision(PROVED, "identities", "both sides hold everywhere on the domain")
    if set(statuses.values()) == {PROVED, REFUTED}:
        false = next(side for side, status in statuses.items() if status == REFUTED)
        true = "expected" if false == "actual" else "actual"
        point = decisions[false].counterexample
        where = "at " + ", ".join(f"{s}={v}" for s, v in point.point.items()) if point else "everywhere"
        return Decision(REFUTED, "identities", f"{where} the {false} side is false; the {true} side "
                        "holds everywhere")
    reasons = "; ".join(f"{side}: {d.reason}" for side, d in decisions.items())
    return Decision(UNDECIDED, "identities", reasons)


def witness(region: sp.Set) -> Any:
    """A point of a non-empty numeric set (None if none is found)."""
    if isinstance(region, sp.FiniteSet):
        return min(region.args, key=sp.default_sort_key) if region.args else None
    if isinstance(region, sp.Union):
        return witness(region.args[0])
    if isinstance(region, sp.Interval):
        start, end = region.start, region.end
        if start.is_finite and end.is_finite:
            return (start + end) / 2
        if start.is_finite:
            return start + 1
        return end - 1 if end.is_finite else sp.Integer(0)
    return None


def _numeric_sets(actual: sp.Set, expected: sp.Set) -> Decision:
    for first, second, (here, there) in ((actual, expected, ("actual", "expected")),
                                         (expected, actual, ("expected", "actual"))):
        rest = sp.Complement(first, second)
        if rest.is_empty:
            continue
        point = witness(rest)
        inside = None if point is None else (first.contains(point), second.contains(point))
        if inside == (sp.true, sp.false):
            return Decision(REFUTED, "complement", f"the point {point} is in {here} and not in {there}")
        return Decision(UNDECIDED, "complement", f"{here} minus {there} is {rest}, not shown empty")
    return Decision(PROVED, "complement", "both complements are empty")


def decide_sets(actual: Any, expected: Any, domain: Mapping[Any, sp.Set] | None = None) -> Decision:
    """Whether the sets ``actual`` and ``expected`` are equal (see the table)."""
    if actual == expected:
        return Decision(PROVED, "exact", "the same set")
    if not (actual.free_symbols or expected.free_symbols):
        return _numeric_sets(actual, expected)
    if isinstance(actual, sp.Interval) and isinstance(expected, sp.Interval) and \
            (actual.left_open, actual.right_open) == (expected.left_open, expected.right_open):
        pairs = ((actual.start, expected.start), (actual.end, expected.end))
        ends = [decide_equal(e, a, domain) for a, e in pairs]
        if all(d.status == PROVED for d in ends):
            routes = ", ".join(dict.fromkeys(d.route for d in ends))
            return Decision(PROVED, routes, "the ends are proved equal")
    return Decision(UNDECIDED, "none", "sets with symbols are decided only as intervals with the same "
                    "kind of ends and ends proved equal")

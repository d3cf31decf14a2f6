"""The verdict on an answer, worded: :class:`GradeResult` and how decisions become text.

A scalar's verdict is its decision; a matrix is ``incorrect`` when an entry is refuted,
``undecided`` when none is refuted and some entry is undecided, ``correct`` when every
entry is proved. ``undecided`` becomes ``timeout`` when the time budget ran out.

>>> print(GradeResult("correct", "the answer equals x[y]", [], "proved: route expand"))
correct: the answer equals x[y]
method: proved: route expand
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symnn.core.equivalence import PROVED, REFUTED
from symnn.grading.compare import Comparison

VERDICTS = ("correct", "incorrect", "undecided", "timeout")
SHOWN, SHOWN_CHARS = 3, 160


@dataclass(frozen=True)
class GradeResult:
    """The verdict on an answer (one of :data:`VERDICTS`), its message and how it was reached.

    ``differing_entries`` lists the (row, column) of every matrix entry proved to differ,
    ``undecided_entries`` those neither proved nor refuted, counted from 0.
    """

    verdict: str
    message: str
    differing_entries: list[tuple[int, int]] = field(default_factory=list)
    method: str = ""
    undecided_entries: list[tuple[int, int]] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        """True only for the verdict ``correct`` (equality proved)."""
        return self.verdict == "correct"

    def __str__(self) -> str:
        return f"{self.verdict}: {self.message}\nmethod: {self.method}"


def show(value: Any) -> str:
    """A SymPy value as text of at most :data:`SHOWN_CHARS` characters."""
    text = sp.sstr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def describe_domain(domain: Mapping[Any, sp.Set]) -> str:
    """``'; on the declared domain alpha in [0, 1]'`` (empty without declared parameters)."""
    if not domain:
        return ""
    parts = []
    for symbol, region in sorted(domain.items(), key=lambda item: str(item[0])):
        left, right = "(" if region.left_open else "[", ")" if region.right_open else "]"
        parts.append(f"{symbol} in {left}{region.start}, {region.end}{right}")
    return "; on the declared domain " + ", ".join(parts)


def _unfinished(out_of_time: bool) -> str:
    return "timeout" if out_of_time else "undecided"


def word_scalar(label: str, expected: Any, given: Any, comparison: Comparison,
                domain: Mapping[Any, sp.Set], out_of_time: bool) -> GradeResult:
    """The verdict on a scalar answer."""
    decision, where = comparison.decision, describe_domain(domain)
    if decision.status == PROVED:
        return GradeResult("correct", f"the answer equals {label}", [], f"proved: {decision.reason}{where}")
    sides = f"\n  expected: {show(expected)}\n  given:    {show(given)}"
    if decision.status == REFUTED:
        return GradeResult("incorrect", f"the answer differs from {label}: {decision.reason}{sides}", [],
                           f"refuted by a counterexample (exact arithmetic, interval enclosures){where}")
    numeric = f"; {comparison.numeric}" if comparison.numeric else ""
    return GradeResult(_unfinished(out_of_time), f"the answer could not be decided equal to {label}: "
                       f"{decision.reason}{sides}", [], f"undecided{numeric}{where}")


def _method(comparisons: Mapping[tuple[int, int], Comparison], where: str) -> str:
    decisions = [comparison.decision for comparison in comparisons.values()]
    total, parts = len(decisions), []
    proved = [d for d in decisions if d.status == PROVED]
    if proved:
        routes = ", ".join(dict.fromkeys(d.route for d in proved))
        parts.append(f"{len(proved)} of {total} entries proved equal (routes {routes})")
    refuted = sum(d.status == REFUTED for d in decisions)
    if refuted:
        parts.append(f"{refuted} refuted by counterexamples (exact arithmetic, interval enclosures)")
    undecided = [c for c in comparisons.values() if c.equal is None]
    if undecided:
        parts.append(f"{len(undecided)} undecided")
        parts.extend(dict.fromkeys(c.numeric for c in undecided if c.numeric))
    return "; ".join(parts) + where


def word_matrix(label: str, expected: sp.MatrixBase, given: sp.MatrixBase,
                comparisons: Mapping[tuple[int, int], Comparison], domain: Mapping[Any, sp.Set],
                out_of_time: bool) -> GradeResult:
    """The verdict on a matrix answer of the right shape."""
    differing = [entry for entry, comparison in comparisons.items() if comparison.equal is False]
    undecided = [entry for entry, comparison in comparisons.items() if comparison.equal is None]
    total, method = len(comparisons), _method(comparisons, describe_domain(domain))
    if not differing and not undecided:
        return GradeResult("correct", f"all {total} entries of the answer equal {label}", [], method)
    lines = []
    if differing:
        listed = ", ".join(f"[{i}, {j}]" for i, j in differing)
        lines.append(f"{len(differing)} of {total} entries differ from {label}: {listed}")
    if undecided:
        listed = ", ".join(f"[{i}, {j}]" for i, j in undecided)
        lines.append(f"{len(undecided)} of {total} entries could not be decided: {listed}")
    for i, j in (differing + undecided)[:SHOWN]:
        lines.append(f"  entry [{i}, {j}] (row {i + 1}, column {j + 1}): expected {show(expected[i, j])}, "
                     f"given {show(given[i, j])}; {comparisons[i, j].decision.reason}")
    verdict = "incorrect" if differing else _unfinished(out_of_time)
    return GradeResult(verdict, "\n".join(lines), differing, method, undecided)

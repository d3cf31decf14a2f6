"""Grading an answer against a derived result: :func:`grade` and :class:`GradeResult`.

The answer text is parsed first (a refused text never causes a derivation), the id is
derived with the given parameters, the result to grade is chosen, the answer is built
with that result's symbols and compared entry by entry (:mod:`symnn.grading.compare`).

>>> result = grade("softmax-jacobian", "[[y1*(1 - y1), -y1*y2], [-y2*y1, y2 - y2**2]]", n=2)
>>> result.correct, result.differing_entries
(True, [])
>>> result = grade("softmax-jacobian", "[[y1*(1 - y1), y1*y2], [-y2*y1, y2 - y2**2]]", n=2)
>>> result.correct, result.differing_entries
(False, [(0, 1)])
>>> print(result.message.splitlines()[0])
1 of 4 entries differ from softmax-jacobian[jacobian_in_y]: [0, 1]
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symnn.core.registry import derive
from symnn.grading.compare import INDEX_RANGE, POINTS, TOLERANCE, Verdict, compare_scalar
from symnn.grading.errors import GradingError, UnsafeInputError
from symnn.grading.parse import build_answer, natural_key, result_names, used_names
from symnn.grading.syntax import CONSTANTS, Matrix, Node, parse_tree

SHOWN, SHOWN_CHARS, BUDGET_SECONDS = 3, 160, 30.0


@dataclass(frozen=True)
class GradeResult:
    """The verdict on an answer.

    ``differing_entries`` lists the (row, column) of every matrix entry proved or measured
    to differ, counted from 0; ``method`` says how the verdict was reached.
    """

    correct: bool
    message: str
    differing_entries: list[tuple[int, int]] = field(default_factory=list)
    method: str = ""

    def __str__(self) -> str:
        return f"{'correct' if self.correct else 'incorrect'}: {self.message}\nmethod: {self.method}"


def _gradable(value: Any) -> bool:
    if isinstance(value, sp.MatrixBase):
        return all(isinstance(entry, sp.Expr) for entry in value)
    return isinstance(value, sp.Expr) and not isinstance(value, (sp.MatrixExpr, sp.Order))


@functools.lru_cache(maxsize=32)
def _derive_cached(id: str, items: tuple[tuple[str, str, Any], ...]) -> Any:
    return derive(id, **{name: value for name, _, value in items})


def _derive(id: str, params: dict[str, Any]) -> Any:
    if all(isinstance(value, (str, int, bool)) for value in params.values()):
        items = tuple(sorted((name, type(value).__name__, value) for name, value in params.items()))
        return _derive_cached(id, items)
    return derive(id, **params)


def choose_key(id: str, results: dict[str, Any], key: str | None, tree: Node) -> str:
    """The result key to grade: ``key`` if given, else the first result the answer fits.

    An answer fits a result when every name it uses is a name of that result; results of
    the answer's kind (matrix or scalar) are preferred. If none fits, the main (first
    gradable) result is graded, and an unknown name is reported against it.
    """
    if key is not None:
        if key not in results:
            raise GradingError(f"{id} has no result {key!r}; its results: {', '.join(results)}")
        if not _gradable(results[key]):
            raise GradingError(f"result {key!r} of {id} is a {type(results[key]).__name__}; "
                               "only expressions and matrices of expressions can be graded")
        return key
    candidates = [name for name, value in results.items() if _gradable(value)]
    if not candidates:
        known = ", ".join(results)
        raise GradingError(f"no result of {id} is an expression or a matrix; its results: {known}")
    used = set(used_names(tree)) - set(CONSTANTS)
    matrix = isinstance(tree, Matrix)

    def fits(name: str) -> bool:
        return used <= set(result_names(results[name]))

    for test in (lambda name: fits(name) and isinstance(results[name], sp.MatrixBase) == matrix, fits):
        for name in candidates:
            if test(name):
                return name
    return candidates[0]


def _show(value: Any) -> str:
    text = sp.sstr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def _method(verdicts: Iterable[Verdict]) -> str:
    verdicts = list(verdicts)
    names = list(dict.fromkeys(verdict.route for verdict in verdicts))
    routes = ("routes " if len(names) > 1 else "route ") + ", ".join(names)
    cases, proved = sum(v.cases for v in verdicts), sum(v.proved for v in verdicts)
    refuted = sum(v.refuted for v in verdicts)
    parts = []
    if any(verdict.cases > 1 for verdict in verdicts):
        parts.append(f"integer symbols instantiated over 1..{INDEX_RANGE} ({cases} cases compared)")
    if proved == cases:
        parts.append(f"symbolic {routes} reduced every difference to 0")
    else:
        counts = [f"reduced {proved} of {cases} differences to 0"] if proved else []
        counts += [f"proved {refuted} non-zero"] if refuted else []
        rest = cases - proved - refuted
        counts += [f"was inconclusive for {rest} of {cases} (decided by the numeric test)"] if rest else []
        parts.append(f"symbolic {routes} " + ", ".join(counts))
    errors = [v.error for v in verdicts if not math.isnan(v.error)]
    worst = f", worst error {max(errors):.2g}" if errors else ""
    numeric = "" if all(v.numeric is not None for v in verdicts) else " (inconclusive for some cases)"
    parts.append(f"numeric test at {POINTS} seeded random points, mixed relative tolerance "
                 f"{TOLERANCE:g}{worst}{numeric}")
    return "; ".join(parts)


def _kind(value: Any) -> str:
    return "a {}x{} matrix".format(*value.shape) if isinstance(value, sp.MatrixBase) else "a scalar"


def judge(label: str, expected: Any, given: Any) -> GradeResult:
    """Compare a built answer ``given`` with ``expected`` and word the verdict."""
    deadline = time.perf_counter() + BUDGET_SECONDS
    if isinstance(expected, sp.MatrixBase) != isinstance(given, sp.MatrixBase):
        wanted, got = (_kind(value) for value in (expected, given))
        hint = " (write [a, b] for a column, [[a, b], [c, d]] for a matrix)" if got == "a scalar" else ""
        return GradeResult(False, f"{label} is {wanted}; the answer is {got}{hint}", [], "shape comparison")
    if not isinstance(expected, sp.MatrixBase):
        verdict = compare_scalar(expected, given, deadline)
        if verdict.equal:
            message = f"the answer equals {label}"
        else:
            state = "differs from" if verdict.equal is False else "could not be decided equal to"
            detail = f": {verdict.where}" if verdict.where else ""
            message = (f"the answer {state} {label}{detail}\n  expected: {_show(expected)}\n"
                       f"  given:    {_show(given)}")
        return GradeResult(bool(verdict.equal), message, [], _method([verdict]))
    if expected.shape != given.shape:
        (rows, columns), (got_rows, got_columns) = expected.shape, given.shape
        hint = (" (a list [a, b, c] is a column; write [[a, b, c]] for a row)"
                if (rows, columns) == (got_columns, got_rows) else "")
        return GradeResult(False, f"shape mismatch: {label} is {rows}x{columns}, the answer is "
                           f"{got_rows}x{got_columns}{hint}", [], "shape comparison")
    verdicts = {(i, j): compare_scalar(expected[i, j], given[i, j], deadline)
                for i in range(expected.rows) for j in range(expected.cols)}
    differing = [entry for entry, verdict in verdicts.items() if verdict.equal is False]
    undecided = [entry for entry, verdict in verdicts.items() if verdict.equal is None]
    total = len(verdicts)
    if not differing and not undecided:
        message = f"all {total} entries of the answer equal {label}"
        return GradeResult(True, message, [], _method(verdicts.values()))
    lines = []
    if differing:
        listed = ", ".join(f"[{i}, {j}]" for i, j in differing)
        lines.append(f"{len(differing)} of {total} entries differ from {label}: {listed}")
    if undecided:
        listed = ", ".join(f"[{i}, {j}]" for i, j in undecided)
        lines.append(f"{len(undecided)} of {total} entries could not be decided: {listed}")
    for i, j in (differing + undecided)[:SHOWN]:
        lines.append(f"  entry [{i}, {j}] (row {i + 1}, column {j + 1}): expected {_show(expected[i, j])}, "
                     f"given {_show(given[i, j])}")
    return GradeResult(False, "\n".join(lines), differing, _method(verdicts.values()))


def grade(id: str, answer: str, *, key: str | None = None, **params: Any) -> GradeResult:
    """Grade the answer text ``answer`` against the result ``key`` of ``derive(id, **params)``.

    Raises :class:`~symnn.grading.errors.UnsafeInputError` for a refused answer and
    :class:`~symnn.grading.errors.GradingError` for an unknown or ungradable key.
    """
    tree = parse_tree(answer)
    results = _derive(id, params).result
    chosen = choose_key(id, results, key, tree)
    expected = results[chosen]
    names = result_names(expected)
    try:
        given = build_answer(tree, names)
    except UnsafeInputError as error:
        others = {name for value in results.values() if _gradable(value) for name in result_names(value)}
        others -= set(names)
        if key is not None or not others or not error.what.startswith("the unknown name"):
            raise
        hint = ", ".join(sorted(others, key=natural_key))
        raise UnsafeInputError(f"{error.what}; other results of {id} (chosen with --key) use {hint}",
                               error.position) from None
    return judge(f"{id}[{chosen}]", expected, given)

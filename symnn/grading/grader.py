"""Grading an answer against a derived result: :func:`grade`, :func:`judge`, :class:`GradeResult`.

The answer text is parsed first (a refused text never causes a derivation); then, in a
child process with a hard wall-clock and memory limit (:mod:`symnn.core.sandbox`), the
id is derived, the result to grade is chosen, the answer is built with that result's
symbols and compared entry by entry on the parameters' declared domain
(:mod:`symnn.grading.compare`). The verdict is one of

* ``correct`` — every entry proved equal by a decision route;
* ``incorrect`` — some entry provably differs at a point of the domain (shown);
* ``undecided`` — neither could be established (the reason is shown);
* ``timeout`` — the whole grade did not finish within its budget.

>>> result = grade_in_process("softmax-jacobian", "[[y1*(1 - y1), -y1*y2], [-y2*y1, y2 - y2**2]]", n=2)
>>> result.verdict, result.differing_entries
('correct', [])
>>> result = grade_in_process("softmax-jacobian", "[[y1*(1 - y1), y1*y2], [-y2*y1, y2 - y2**2]]", n=2)
>>> result.verdict, result.differing_entries
('incorrect', [(0, 1)])
>>> print(result.message.splitlines()[0])
1 of 4 entries differ from softmax-jacobian[jacobian_in_y]: [0, 1]
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping
from typing import Any

import sympy as sp

from symnn.core.exact import as_sympy
from symnn.core.params import Number, PositiveInteger
from symnn.core.registry import derive, entry
from symnn.core.sandbox import LimitError, MemoryLimitError, TimeLimitError, run_limited
from symnn.errors import ParameterError
from symnn.grading.answers import adopt_symbols, answer_names
from symnn.grading.compare import Comparison, compare_scalar
from symnn.grading.errors import GradingError, UnsafeInputError
from symnn.grading.parse import build_answer, check_size, natural_key, result_names
from symnn.grading.syntax import CONSTANTS, parse_tree
from symnn.grading.verdict import GradeResult, word_matrix, word_scalar

TIMEOUT, MEMORY = 30.0, 2 * 2**30
_RESERVE = 0.15  # the share of the budget kept back so the child can word an unfinished verdict


def gradable(value: Any) -> bool:
    """Whether ``value`` can be graded: an expression, or a matrix of expressions (not an
    expression in matrix symbols, such as a matrix-calculus result)."""
    if isinstance(value, sp.MatrixBase):
        return all(isinstance(item, sp.Expr) for item in value)
    return (isinstance(value, sp.Expr) and not isinstance(value, (sp.MatrixExpr, sp.Order))
            and not value.atoms(sp.MatrixSymbol))


@functools.lru_cache(maxsize=32)
def _derive_cached(id: str, items: tuple[tuple[str, str, Any], ...]) -> Any:
    return derive(id, **{name: value for name, _, value in items})


def _derive(id: str, params: dict[str, Any]) -> Any:
    if all(isinstance(value, (str, int, bool)) for value in params.values()):
        items = tuple(sorted((name, type(value).__name__, value) for name, value in params.items()))
        return _derive_cached(id, items)
    return derive(id, **params)


def choose_key(id: str, results: dict[str, Any], key: str | None, used: set[str], matrix: bool) -> str:
    """The result key to grade: ``key`` if given, else the first result the answer fits.

    An answer fits a result when every name it ``used`` is a name of that result; results
    of the answer's kind (``matrix`` or scalar) are preferred. If none fits, the main
    (first gradable) result is graded, and an unknown name is reported against it.
    """
    if key is not None:
        if key not in results:
            raise GradingError(f"{id} has no result {key!r}; its results: {', '.join(results)}")
        if not gradable(results[key]):
            raise GradingError(f"result {key!r} of {id} is a {type(results[key]).__name__}; "
                               "only expressions and matrices of expressions can be graded")
        return key
    candidates = [name for name, value in results.items() if gradable(value)]
    if not candidates:
        known = ", ".join(results)
        raise GradingError(f"no result of {id} is an expression or a matrix; its results: {known}")
    used = used - set(CONSTANTS)

    def fits(name: str) -> bool:
        return used <= set(result_names(results[name]))

    for test in (lambda name: fits(name) and isinstance(results[name], sp.MatrixBase) == matrix, fits):
        for name in candidates:
            if test(name):
                return name
    return candidates[0]


def declared_domain(id: str, params: Mapping[str, Any], value: Any) -> dict[Any, sp.Set]:
    """The symbols of ``value`` that stand for a declared number parameter, with its interval.

    A parameter left symbolic (absent, or given as a name) ranges over its declaration,
    e.g. ``alpha`` of leaky-relu-gaussian-moments over ``[0, 1]``, a size ``n`` over the
    integers from its minimum.

    >>> declared_domain("leaky-relu-gaussian-moments", {}, sp.Symbol("alpha", real=True))
    {alpha: Interval(0, 1)}
    """
    coerced = entry(id).coerce(dict(params))
    regions = {}
    for parameter in entry(id).parameters:
        kind, given = parameter.kind, coerced.get(parameter.name)
        if not (given is None or isinstance(given, sp.Symbol)):
            continue
        name = parameter.name if given is None else given.name
        if isinstance(kind, Number):
            low = -sp.oo if kind.lower is None else as_sympy(kind.lower)
            high = sp.oo if kind.upper is None else as_sympy(kind.upper)
            regions[name] = sp.Interval(low, high, kind.lower is None or kind.lower_open,
                                        kind.upper is None or kind.upper_open)
        elif isinstance(kind, PositiveInteger):  # integers of the symbol's own kind in this range
            high = sp.oo if kind.maximum is None else sp.Integer(kind.maximum)
            regions[name] = sp.Interval(sp.Integer(kind.minimum), high, False, kind.maximum is None)
    symbols = getattr(value, "free_symbols", set())
    return {s: regions[s.name] for s in symbols if isinstance(s, sp.Symbol) and s.name in regions}


def _check_constant_names(label: str, names: Mapping[str, Any]) -> None:
    for name in names:
        if name in CONSTANTS:
            raise GradingError(f"{label} uses a symbol named {name!r}, which an answer cannot tell apart "
                               f"from the constant {name}; give that parameter a number or another name")


def _kind(value: Any) -> str:
    return "a {}x{} matrix".format(*value.shape) if isinstance(value, sp.MatrixBase) else "a scalar"


def judge(label: str, expected: Any, given: Any, domain: Mapping[Any, sp.Set] | None = None, *,
          seconds: float = TIMEOUT) -> GradeResult:
    """Compare a built answer ``given`` with ``expected`` on ``domain`` and word the verdict."""
    deadline = time.perf_counter() + seconds
    if isinstance(expected, sp.MatrixBase) != isinstance(given, sp.MatrixBase):
        wanted, got = (_kind(value) for value in (expected, given))
        hint = " (write [a, b] for a column, [[a, b], [c, d]] for a matrix)" if got == "a scalar" else ""
        message = f"{label} is {wanted}; the answer is {got}{hint}"
        return GradeResult("incorrect", message, [], "shape comparison")
    if not isinstance(expected, sp.MatrixBase):
        return word_scalar(label, expected, given, compare_scalar(expected, given, domain, deadline),
                           domain or {}, time.perf_counter() >= deadline)
    if expected.shape != given.shape:
        (rows, columns), (got_rows, got_columns) = expected.shape, given.shape
        hint = (" (a list [a, b, c] is a column; write [[a, b, c]] for a row)"
                if (rows, columns) == (got_columns, got_rows) else "")
        return GradeResult("incorrect", f"shape mismatch: {label} is {rows}x{columns}, the answer is "
                           f"{got_rows}x{got_columns}{hint}", [], "shape comparison")
    comparisons: dict[tuple[int, int], Comparison] = {}
    for i in range(expected.rows):
        for j in range(expected.cols):
            comparisons[i, j] = compare_scalar(expected[i, j], given[i, j], domain, deadline)
    return word_matrix(label, expected, given, comparisons, domain or {}, time.perf_counter() >= deadline)


def grade_in_process(id: str, answer: Any, *, key: str | None = None, seconds: float = TIMEOUT,
                     **params: Any) -> GradeResult:
    """:func:`grade` in this process, bounded only by the routes' own time limits (``SIGALRM``)."""
    start = time.perf_counter()
    tree = parse_tree(answer) if isinstance(answer, str) else None
    results = _derive(id, params).result
    used, matrix = answer_names(tree, answer)
    chosen = choose_key(id, results, key, used, matrix)
    expected, label = results[chosen], f"{id}[{chosen}]"
    names = result_names(expected)
    _check_constant_names(label, names)
    try:
        given = build_answer(tree, names) if tree is not None else adopt_symbols(answer, names)
    except UnsafeInputError as error:
        others = {name for value in results.values() if gradable(value) for name in result_names(value)}
        others -= set(names)
        if key is not None or not others or not error.what.startswith("the unknown name"):
            raise
        hint = ", ".join(sorted(others, key=natural_key))
        raise UnsafeInputError(f"{error.what}; other results of {id} (chosen with --key) use {hint}",
                               error.position) from None
    domain = declared_domain(id, params, expected)
    return judge(label, expected, given, domain, seconds=seconds - (time.perf_counter() - start))


def _child(id: str, answer: Any, key: str | None, params: dict[str, Any], seconds: float) -> GradeResult:
    return grade_in_process(id, answer, key=key, seconds=seconds, **params)


#: Modules a grading process starts with (imported once into the fork server, when one is used):
#: the grader and the whole catalogue, so no grading process imports the derivations again.
PRELOAD = ("symnn.grading.grader", "symnn.derivations", "symnn.experiments")


def grade(id: str, answer: Any, *, key: str | None = None, timeout: float = TIMEOUT,
          memory: int = MEMORY, **params: Any) -> GradeResult:
    """Grade ``answer`` (text, a SymPy expression or Matrix) against ``derive(id, **params).result[key]``.

    Everything after reading the text runs in a child process stopped after ``timeout``
    seconds (verdict ``timeout``) and limited to ``memory`` bytes of address space.
    Raises :class:`~symnn.grading.errors.UnsafeInputError` for a refused answer and
    :class:`~symnn.grading.errors.GradingError` for an unknown or ungradable key.

    >>> grade("softmax-jacobian", "y_i*KroneckerDelta(i, j) - y_i*y_j", n="n").verdict
    'correct'
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise ParameterError("timeout", timeout, "a positive number of seconds")
    if isinstance(answer, str):
        check_size(parse_tree(answer))  # refused texts are refused here, at once
    start = time.perf_counter()
    try:
        return run_limited(_child, id, answer, key, params, timeout * (1 - _RESERVE),
                           seconds=timeout, memory=memory, preload=PRELOAD)
    except TimeLimitError:
        spent = time.perf_counter() - start
        return GradeResult("timeout", f"grading did not finish within its budget of {timeout:g} s "
                           f"(stopped after {spent:.1f} s)", [], "wall-clock budget (--timeout)")
    except MemoryLimitError as error:
        return GradeResult("undecided", f"grading stopped: it {error}", [], "memory limit")
    except LimitError as error:
        raise GradingError(f"grading failed: {error}") from None

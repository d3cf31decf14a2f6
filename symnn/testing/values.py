"""What a test compares: user values as exact SymPy objects, and symbols matched by name.

A test suite writes ``sp.symbols("y1:4")`` (no assumptions) where symnn's results carry
``real=True``; to SymPy these are different symbols. :func:`match_by_name` puts the
expected side's symbol in place of each same-named symbol of the actual side, and says
which names differed only by their assumptions. Text is refused: nothing here parses or
evaluates a string (use :func:`symnn.grading.read_answer` for text).

>>> import sympy as sp
>>> y1 = sp.Symbol("y1", real=True)
>>> matched, differing = match_by_name(sp.Symbol("y1") ** 2, y1 ** 2)
>>> matched == y1 ** 2, differing
(True, ['y1'])
>>> as_sympy([[1, 0.5], [0, 2]])
Matrix([
[1, 1/2],
[0,   2]])
>>> as_sympy("x**2")
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'actual': got 'x**2', expected a SymPy object, number, \
bool, list of rows, set or NumPy array (text is not parsed)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import sympy as sp

from symnn.core.params import to_exact
from symnn.errors import ParameterError

EXPECTED = "a SymPy object, number, bool, list of rows, set or NumPy array (text is not parsed)"


def as_sympy(value: Any, name: str = "actual") -> Any:
    """``value`` as an exact SymPy object; floats are read from their decimal text (0.1 is 1/10)."""
    if isinstance(value, str):
        raise ParameterError(name, value, EXPECTED)
    if isinstance(value, (bool, sp.logic.boolalg.BooleanAtom)):
        return sp.true if bool(value) else sp.false
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value)
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (set, frozenset)):
        return sp.FiniteSet(*(as_sympy(item, name) for item in value))
    if hasattr(value, "tolist") and not isinstance(value, numbers.Number):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        rows = [row if isinstance(row, (list, tuple)) else [row] for row in value]
        if not rows or len({len(row) for row in rows}) != 1:
            raise ParameterError(name, value, "a list of equally long rows")
        return sp.Matrix([[as_sympy(item, name) for item in row] for row in rows])
    if isinstance(value, numbers.Real):
        return to_exact(name, value, "a finite real number")
    raise ParameterError(name, value, EXPECTED)


def symbols_of(value: Any) -> dict[str, sp.Symbol]:
    """The symbols of ``value`` by name (index labels and indices included)."""
    found = getattr(value, "free_symbols", set())
    return {symbol.name: symbol for symbol in found if isinstance(symbol, sp.Symbol)}


def assumptions(symbol: sp.Symbol) -> str:
    """``'real=True'`` or ``'no assumptions'``, for messages."""
    told = {key: value for key, value in symbol.assumptions0.items() if key != "commutative"}
    shown = [f"{key}=True" for key in ("integer", "positive", "nonnegative", "real") if told.get(key)]
    return ", ".join(shown[:2]) if shown else "no assumptions"


def differing_assumptions(actual: Any, expected: Any) -> list[str]:
    """Names that both sides use for symbols with different assumptions."""
    mine, theirs = symbols_of(actual), symbols_of(expected)
    return sorted(name for name in mine.keys() & theirs.keys() if mine[name] != theirs[name])


def match_by_name(actual: Any, expected: Any) -> tuple[Any, list[str]]:
    """``actual`` with each symbol replaced by the expected side's symbol of that name.

    Returns the matched value and the names whose symbols differed only by assumptions.
    """
    differing = differing_assumptions(actual, expected)
    mine, theirs = symbols_of(actual), symbols_of(expected)
    replaced = {mine[name]: theirs[name] for name in differing}
    if not replaced:
        return actual, []
    return actual.xreplace(replaced), differing


def domain_by_name(domain: Mapping[Any, sp.Set] | None, value: Any) -> dict[Any, sp.Set]:
    """``domain`` with each name (a string key) replaced by the symbol of ``value`` of that name.

    >>> alpha = sp.Symbol("alpha", real=True)
    >>> domain_by_name({"alpha": sp.Interval(0, 1)}, 2 * alpha)
    {alpha: Interval(0, 1)}
    """
    names = symbols_of(value)
    return {names.get(key, key) if isinstance(key, str) else key: region
            for key, region in (domain or {}).items()}


def written_out(value: Any) -> Any:
    """``value`` with symnn's own functions (``sigma``) replaced by their definitions in ``exp``.

    >>> from symnn.derivations.activations import sigma
    >>> written_out(sigma(sp.Symbol("x")))
    1/(1 + exp(-x))
    """
    if not isinstance(value, (sp.Basic, sp.MatrixBase)):
        return value
    if isinstance(value, sp.core.relational.Relational):  # unevaluated: SymPy's own verdict proves nothing
        return type(value)(written_out(value.lhs), written_out(value.rhs), evaluate=False)
    return value.replace(lambda e: isinstance(e, sp.Function) and type(e).__module__.startswith("symnn."),
                         lambda e: e.rewrite(sp.exp))


def first_integer(region: sp.Interval) -> int:
    """The smallest integer of ``region`` (1 when it is unbounded below).

    >>> first_integer(sp.Interval.open(0, sp.oo)), first_integer(sp.Interval(sp.Rational(3, 2), 4))
    (1, 2)
    """
    if not region.start.is_finite:
        return 1
    first = int(sp.ceiling(region.start))
    return first + 1 if region.left_open and first == region.start else first


def describe_assumptions(actual: Any, expected: Any, names: list[str]) -> str:
    """``'y1 (no assumptions) in actual, y1 (real=True) in expected'`` for the given names."""
    mine, theirs = symbols_of(actual), symbols_of(expected)
    return "; ".join(f"{name} ({assumptions(mine[name])}) in actual, {name} ({assumptions(theirs[name])}) "
                     "in expected" for name in names)

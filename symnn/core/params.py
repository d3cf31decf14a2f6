"""Parameters of derivations: declared kinds, exact coercion, clear refusals.

Every derivation declares its parameters as :class:`Parameter` objects with a *kind*
that turns what a user gives (Python numbers, strings from the command line, lists,
NumPy arrays, SymPy objects) into exact SymPy values, or refuses it with a
:class:`~symnn.errors.ParameterError` that names the parameter and what it expects.
Floats are read from their decimal text, so ``0.6`` becomes 3/5.

>>> PositiveInteger()("n", "4")
4
>>> Number()("alpha", 0.6)
3/5
>>> Vector()("z", "[1, 3, 3, -2]")
[1, 3, 3, -2]
>>> PositiveInteger()("n", 2.5)
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'n': got 2.5, expected a positive integer and <= 2147483647

Every kind is bounded, so that no value makes a derivation unboundedly large: integers
by ``maximum``, numbers by ``max_abs`` (and ``lower``/``upper``), lists by ``max_length``,
matrices by ``max_rows`` x ``max_cols``; :class:`Limited` bounds the entries of any other
kind. The bounds are checked while coercing, before any derivation starts, and
:meth:`Kind.bound` states them for the documentation (``docs/bounds.md``).

>>> Vector(max_length=3)("z", "[1, 2, 3, 4]")
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'z': got '[1, 2, 3, 4]', expected a list of at least 1 and \
at most 3 numbers (4 entries)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.exact import shortened, symbol_checked, to_exact, within
from symnn.core.literal import read_literal
from symnn.errors import ParameterError

REQUIRED = object()
#: The bounds a kind has when its declaration gives none (generous; ids declare tighter ones).
MAX_INTEGER = 2**31 - 1
MAX_ABS = 10**6
MAX_LENGTH = 100
MAX_ROWS = 20


class Kind:
    """A parameter kind: ``kind(name, value)`` returns the coerced value or raises."""

    expected = "a value"

    def __call__(self, name: str, value: Any) -> Any:
        raise NotImplementedError  # pragma: no cover - every kind overrides it

    def bound(self) -> str | None:
        """The bound on the size of a value, for the documentation (``None``: not bounded)."""
        return None


@dataclass(frozen=True)
class PositiveInteger(Kind):
    """An integer ``>= minimum`` (and ``<= maximum``); a name gives a symbolic integer."""

    minimum: int = 1
    maximum: int = MAX_INTEGER
    symbolic: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        what = "a positive integer" if self.minimum == 1 else f"an integer >= {self.minimum}"
        what += f" and <= {self.maximum}"
        return what + (" or a symbol name" if self.symbolic else "")

    def bound(self) -> str:
        symbol = ", or a symbol" if self.symbolic else ""
        return f"an integer from {self.minimum} to {self.maximum}{symbol}"

    def __call__(self, name: str, value: Any) -> Any:
        if isinstance(value, str):
            value = read_literal(value, name)
        if self.symbolic and isinstance(value, sp.Symbol):
            return sp.Symbol(symbol_checked(name, value).name, integer=True, positive=True)
        if isinstance(value, bool):
            raise ParameterError(name, value, self.expected)
        number = to_exact(name, value, self.expected)
        if not number.is_integer or number < self.minimum:
            raise ParameterError(name, value, self.expected)
        if number > self.maximum:
            raise ParameterError(name, value, self.expected)
        return sp.Integer(number)


@dataclass(frozen=True)
class Number(Kind):
    """An exact real number, optionally within bounds; a name gives a real symbol."""

    lower: Any = None
    upper: Any = None
    lower_open: bool = False
    upper_open: bool = False
    symbolic: bool = False
    max_abs: Any = MAX_ABS

    def _interval(self) -> tuple[Any, Any, bool, bool]:
        """The allowed interval: ``lower``/``upper`` cut to ``[-max_abs, max_abs]``."""
        low, low_open = -self.max_abs, False
        if self.lower is not None and self.lower >= low:
            low, low_open = self.lower, self.lower_open
        high, high_open = self.max_abs, False
        if self.upper is not None and self.upper <= high:
            high, high_open = self.upper, self.upper_open
        return low, high, low_open, high_open

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a real number in {self.bound()}" + (" or a symbol name" if self.symbolic else "")

    def bound(self) -> str:
        low, high, low_open, high_open = self._interval()
        return f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"

    def __call__(self, name: str, value: Any) -> Any:
        number = to_exact(name, value, self.expected, symbols=self.symbolic)
        if isinstance(number, sp.Symbol):
            return sp.Symbol(number.name, real=True)
        if number.free_symbols:
            raise ParameterError(name, value, self.expected)
        low, high, low_open, high_open = self._interval()
        if number < low or (low_open and number == low) or number > high or (high_open and number == high):
            raise ParameterError(name, value, self.expected)
        return number


def _as_list(name: str, value: Any, expected: str) -> list[Any]:
    if isinstance(value, str):
        value = read_literal(value, name)
    if hasattr(value, "tolist") and not isinstance(value, sp.Basic):
        value = value.tolist()
    if isinstance(value, sp.MatrixBase):
        value = value.tolist() if value.cols > 1 else list(value)
    if not isinstance(value, (list, tuple)):
        raise ParameterError(name, value, expected)
    return list(value)


@dataclass(frozen=True)
class Vector(Kind):
    """A list of exact numbers (of a given length, if ``length`` is set)."""

    min_length: int = 1
    length: int | None = None
    symbolic: bool = False
    max_length: int = MAX_LENGTH
    max_abs: Any = MAX_ABS

    @property
    def expected(self) -> str:  # type: ignore[override]
        most = f"at least {self.min_length} and at most {self.max_length}"
        size = f"{self.length}" if self.length else most
        kind = "numbers or symbol names" if self.symbolic else "numbers"
        return f"a list of {size} {kind}"

    def bound(self) -> str:
        length = self.length or self.max_length
        return f"at most {length} entries, each |x| <= {self.max_abs}"

    def __call__(self, name: str, value: Any) -> list[Any]:
        items = _as_list(name, value, self.expected)
        if len(items) > (self.length or self.max_length):
            raise ParameterError(name, shortened(value), self.expected + f" ({len(items)} entries)")
        if len(items) < self.min_length or (self.length and len(items) != self.length):
            raise ParameterError(name, value, self.expected)
        coerced = []
        for item in items:
            if isinstance(item, (list, tuple)):
                raise ParameterError(name, value, self.expected)
            entry = to_exact(name, item, self.expected, symbols=self.symbolic)
            if isinstance(entry, sp.Symbol):
                entry = sp.Symbol(entry.name, real=True)
            within(name, value, entry, self.max_abs, self.expected)
            coerced.append(entry)
        return coerced


@dataclass(frozen=True)
class MatrixKind(Kind):
    """A rectangular matrix of exact numbers (a list of rows), returned as ``sympy.Matrix``.

    ``square``/``symmetric`` add those requirements; a list of numbers is a single row
    when ``allow_vector`` is set.
    """

    square: bool = False
    symmetric: bool = False
    allow_vector: bool = False
    max_rows: int = MAX_ROWS
    max_cols: int = MAX_ROWS
    max_abs: Any = MAX_ABS

    @property
    def expected(self) -> str:  # type: ignore[override]
        what = "a symmetric matrix" if self.symmetric else "a square matrix" if self.square else "a matrix"
        size = f"at most {self.max_rows} x {self.max_cols}"
        return what + f" of numbers, as a list of equally long rows ({size})"

    def bound(self) -> str:
        return f"at most {self.max_rows} x {self.max_cols}, each |x| <= {self.max_abs}"

    def __call__(self, name: str, value: Any) -> sp.Matrix:
        rows = _as_list(name, value, self.expected)
        if rows and not isinstance(rows[0], (list, tuple)) and self.allow_vector:
            rows = [rows]
        if not rows or not all(isinstance(r, (list, tuple)) and len(r) for r in rows):
            raise ParameterError(name, shortened(value), self.expected)
        width = len(rows[0])
        if len(rows) > self.max_rows or width > self.max_cols:
            raise ParameterError(name, shortened(value), self.expected + f" (got {len(rows)} x {width})")
        if any(len(row) != width for row in rows):
            raise ParameterError(name, value, self.expected + " (rows of different lengths)")
        entries = [[to_exact(name, x, self.expected) for x in row] for row in rows]
        for row in entries:
            for entry in row:
                within(name, value, entry, self.max_abs, self.expected)
        matrix = sp.Matrix(entries)
        if (self.square or self.symmetric) and matrix.rows != matrix.cols:
            raise ParameterError(name, value, self.expected + f" (got shape {matrix.shape})")
        if self.symmetric and matrix != matrix.T:
            raise ParameterError(name, value, self.expected + " (it is not symmetric)")
        return matrix


@dataclass(frozen=True)
class Boolean(Kind):
    """``true`` / ``false`` (Python bools, or the words)."""

    expected = "true or false"

    def bound(self) -> str:
        return "true or false"

    def __call__(self, name: str, value: Any) -> bool:
        if isinstance(value, str):
            value = read_literal(value, name)
        if isinstance(value, (bool, sp.logic.boolalg.BooleanAtom)):
            return bool(value)
        raise ParameterError(name, value, self.expected)


def entries(value: Any) -> int:
    """How many scalars a (nested) list holds; a scalar counts as one.

    >>> entries([[1, 2], [3]]), entries(5)
    (3, 1)
    """
    if isinstance(value, (list, tuple)):
        return sum(entries(item) for item in value)
    return 1


@dataclass(frozen=True)
class Limited(Kind):
    """Another kind whose value may hold at most ``max_entries`` scalars (checked first).

    >>> Limited(Vector(), 2)("z", "[1, 2, 3]")
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'z': got '[1, 2, 3]', expected at most 2 entries (got 3)
    """

    kind: Kind
    max_entries: int

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"{self.kind.expected}, at most {self.max_entries} entries"

    def bound(self) -> str:
        return f"at most {self.max_entries} entries: {self.kind.expected}"

    def __call__(self, name: str, value: Any) -> Any:
        given = value
        if isinstance(value, str):
            value = read_literal(value, name)
        if isinstance(value, sp.MatrixBase) or (hasattr(value, "tolist") and not isinstance(value, sp.Basic)):
            value = value.tolist()
        count = entries(value)
        if count > self.max_entries:
            raise ParameterError(name, shortened(given), f"at most {self.max_entries} entries (got {count})")
        return self.kind(name, value)


@dataclass(frozen=True)
class Parameter:
    """A declared parameter: its name, kind, default and one line of documentation.

    ``default=None`` means "absent": the derivation then works symbolically.
    """

    name: str
    kind: Kind
    default: Any = REQUIRED
    doc: str = ""

    def coerce(self, value: Any) -> Any:
        """The coerced value, or a :class:`ParameterError` naming this parameter."""
        return self.kind(self.name, value)

    def describe(self) -> str:
        """``name: expected (default ...)`` for help texts."""
        if self.default is REQUIRED:
            default = ""
        elif self.default is None:
            default = " (optional)"
        else:
            default = f" (default {self.default!r})"
        return f"{self.name}: {self.kind.expected}{default}. {self.doc}".rstrip(". ") + "."

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
symnn.errors.ParameterError: parameter 'n': got 2.5, expected a positive integer
"""

from __future__ import annotations

import decimal
import fractions
import math
import numbers
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.literal import exact_number, read_literal
from symnn.errors import ParameterError

REQUIRED = object()


def to_exact(name: str, value: Any, expected: str, *, symbols: bool = False) -> Any:
    """One scalar as an exact SymPy number (or a symbol, when ``symbols`` is allowed)."""
    if isinstance(value, str):
        value = read_literal(value, name)
    if isinstance(value, bool) or value is None:
        raise ParameterError(name, value, expected)
    if isinstance(value, (int, sp.Integer, numbers.Integral)):
        return sp.Integer(int(value))
    if isinstance(value, fractions.Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ParameterError(name, value, expected + " (a finite number)")
        return exact_number(str(value), name) if value >= 0 else -exact_number(str(-value), name)
    if isinstance(value, sp.Rational):
        return value
    if isinstance(value, (float, sp.Float, numbers.Real)):
        number = float(value)
        if not math.isfinite(number):
            raise ParameterError(name, value, expected + " (a finite number)")
        text = repr(number)
        return -exact_number(text[1:], name) if text.startswith("-") else exact_number(text, name)
    if isinstance(value, sp.Expr) and symbols and value.free_symbols:
        return value
    if isinstance(value, sp.Expr) and value.is_number and value.is_real and value.is_finite:
        return value
    raise ParameterError(name, value, expected)


class Kind:
    """A parameter kind: ``kind(name, value)`` returns the coerced value or raises."""

    expected = "a value"

    def __call__(self, name: str, value: Any) -> Any:
        raise NotImplementedError  # pragma: no cover - every kind overrides it


@dataclass(frozen=True)
class PositiveInteger(Kind):
    """An integer ``>= minimum`` (and ``<= maximum``); a name gives a symbolic integer."""

    minimum: int = 1
    maximum: int | None = None
    symbolic: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        what = "a positive integer" if self.minimum == 1 else f"an integer >= {self.minimum}"
        if self.maximum is not None:
            what += f" and <= {self.maximum}"
        return what + (" or a symbol name" if self.symbolic else "")

    def __call__(self, name: str, value: Any) -> Any:
        if isinstance(value, str):
            value = read_literal(value, name)
        if self.symbolic and isinstance(value, sp.Symbol):
            return sp.Symbol(value.name, integer=True, positive=True)
        if isinstance(value, bool):
            raise ParameterError(name, value, self.expected)
        number = to_exact(name, value, self.expected)
        if not number.is_integer or number < self.minimum:
            raise ParameterError(name, value, self.expected)
        if self.maximum is not None and number > self.maximum:
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

    @property
    def expected(self) -> str:  # type: ignore[override]
        if self.lower is None and self.upper is None:
            what = "a real number"
        else:
            left = "(" if self.lower_open or self.lower is None else "["
            right = ")" if self.upper_open or self.upper is None else "]"
            low = "-oo" if self.lower is None else self.lower
            high = "oo" if self.upper is None else self.upper
            what = f"a number in {left}{low}, {high}{right}"
        return what + (" or a symbol name" if self.symbolic else "")

    def __call__(self, name: str, value: Any) -> Any:
        number = to_exact(name, value, self.expected, symbols=self.symbolic)
        if isinstance(number, sp.Symbol):
            return sp.Symbol(number.name, real=True)
        if number.free_symbols:
            raise ParameterError(name, value, self.expected)
        if self.lower is not None and (
            number < self.lower or (self.lower_open and number == self.lower)
        ):
            raise ParameterError(name, value, self.expected)
        if self.upper is not None and (
            number > self.upper or (self.upper_open and number == self.upper)
        ):
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

    @property
    def expected(self) -> str:  # type: ignore[override]
        size = f"{self.length}" if self.length else f"at least {self.min_length}"
        kind = "numbers or symbol names" if self.symbolic else "numbers"
        return f"a list of {size} {kind}"

    def __call__(self, name: str, value: Any) -> list[Any]:
        items = _as_list(name, value, self.expected)
        if len(items) < self.min_length or (self.length and len(items) != self.length):
            raise ParameterError(name, value, self.expected)
        coerced = []
        for item in items:
            if isinstance(item, (list, tuple)):
                raise ParameterError(name, value, self.expected)
            entry = to_exact(name, item, self.expected, symbols=self.symbolic)
            if isinstance(entry, sp.Symbol):
                entry = sp.Symbol(entry.name, real=True)
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

    @property
    def expected(self) -> str:  # type: ignore[override]
        what = "a symmetric matrix" if self.symmetric else "a square matrix" if self.square else "a matrix"
        return what + " of numbers, as a list of equally long rows"

    def __call__(self, name: str, value: Any) -> sp.Matrix:
        rows = _as_list(name, value, self.expected)
        if rows and not isinstance(rows[0], (list, tuple)) and self.allow_vector:
            rows = [rows]
        if not rows or not all(isinstance(r, (list, tuple)) and len(r) for r in rows):
            raise ParameterError(name, value, self.expected)
        width = len(rows[0])
        if any(len(row) != width for row in rows):
            raise ParameterError(name, value, self.expected + " (rows of different lengths)")
        matrix = sp.Matrix([[to_exact(name, x, self.expected) for x in row] for row in rows])
        if (self.square or self.symmetric) and matrix.rows != matrix.cols:
            raise ParameterError(name, value, self.expected + f" (got shape {matrix.shape})")
        if self.symmetric and matrix != matrix.T:
            raise ParameterError(name, value, self.expected + " (it is not symmetric)")
        return matrix


@dataclass(frozen=True)
class Boolean(Kind):
    """``true`` / ``false`` (Python bools, or the words)."""

    expected = "true or false"

    def __call__(self, name: str, value: Any) -> bool:
        if isinstance(value, str):
            value = read_literal(value, name)
        if isinstance(value, (bool, sp.logic.boolalg.BooleanAtom)):
            return bool(value)
        raise ParameterError(name, value, self.expected)


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
        default = "" if self.default is REQUIRED else f" (default {self.default!r})"
        return f"{self.name}: {self.kind.expected}{default}. {self.doc}".rstrip(". ") + "."

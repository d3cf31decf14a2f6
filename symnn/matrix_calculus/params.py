"""Parameter kinds of the matrix-calculus engine: the expression text, the variable, the shapes.

Every kind refuses what it cannot read with a one-line
:class:`~symnn.errors.ParameterError`; nothing is evaluated. Bounds: an expression of at
most 2,000 characters, at most 12 matrices, sizes from 1 to 64 (or a size name).

>>> Shapes()("shapes", "[[X, 5, 3], [w, 3, 1]]")
[['X', 5, 3], ['w', 3, 1]]
>>> Shapes()("shapes", [["A", "m", 0]])
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'shapes': got [['A', 'm', 0]], expected a list of \
[name, rows, cols] with sizes from 1 to 64 or size names, at most 12 matrices (size 0 of 'A')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.exact import shortened
from symnn.core.literal import read_literal
from symnn.core.params import Kind
from symnn.errors import ParameterError
from symnn.matrix_calculus.expression import MAX_MATRICES, MAX_SIZE, RESERVED
from symnn.matrix_calculus.reader import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, MAX_NODES

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}\Z")


def _name_of(value: Any) -> str | None:
    if isinstance(value, sp.Symbol):
        value = value.name
    if isinstance(value, sp.MatrixSymbol):
        value = value.name
    if isinstance(value, str) and _NAME.match(value.strip()):
        name = value.strip()
        if name not in RESERVED and name not in FUNCTIONS:
            return name
    return None


@dataclass(frozen=True)
class ExpressionText(Kind):
    """A matrix expression as text (read later by the whitelist reader), or a SymPy expression."""

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a matrix expression as text (at most {MAX_LENGTH} characters)"

    def bound(self) -> str:
        return f"at most {MAX_LENGTH} characters, {MAX_NODES} nodes, nested {MAX_DEPTH} deep"

    def __call__(self, name: str, value: Any) -> Any:
        if isinstance(value, sp.Basic):
            return value
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_LENGTH:
            raise ParameterError(name, shortened(value), self.expected)
        return value.strip()


@dataclass(frozen=True)
class MatrixName(Kind):
    """The name of a declared matrix (letters and digits, a letter first)."""

    expected = "the name of a declared matrix"

    def bound(self) -> str:
        return "a name of at most 16 letters and digits"

    def __call__(self, name: str, value: Any) -> str:
        found = _name_of(value)
        if found is None:
            raise ParameterError(name, value, self.expected)
        return found


@dataclass(frozen=True)
class Shapes(Kind):
    """``[[name, rows, cols], ...]``: sizes are integers from 1 to 64 or size names."""

    @property
    def expected(self) -> str:  # type: ignore[override]
        return (f"a list of [name, rows, cols] with sizes from 1 to {MAX_SIZE} or size names, "
                f"at most {MAX_MATRICES} matrices")

    def bound(self) -> str:
        return f"at most {MAX_MATRICES} matrices, sizes from 1 to {MAX_SIZE} or size names"

    def __call__(self, name: str, value: Any) -> list[list[Any]]:
        if isinstance(value, str):
            value = read_literal(value, name, plain_names=True)  # names: matrices and sizes
        if not isinstance(value, (list, tuple)) or not value or len(value) > MAX_MATRICES:
            raise ParameterError(name, value, self.expected)
        shapes, seen = [], set()
        for item in value:
            if not isinstance(item, (list, tuple)) or len(item) != 3:
                raise ParameterError(name, value, self.expected)
            matrix = _name_of(item[0])
            if matrix is None or matrix in seen:
                raise ParameterError(name, value, self.expected + f" (bad or repeated name {item[0]!r})")
            seen.add(matrix)
            shapes.append([matrix, self._size(name, value, matrix, item[1]),
                           self._size(name, value, matrix, item[2])])
        return shapes

    def _size(self, name: str, value: Any, matrix: str, size: Any) -> Any:
        if isinstance(size, bool):
            raise ParameterError(name, value, self.expected + f" (size {size} of {matrix!r})")
        if isinstance(size, (int, sp.Integer)):
            if not 1 <= int(size) <= MAX_SIZE:
                raise ParameterError(name, value, self.expected + f" (size {size} of {matrix!r})")
            return int(size)
        size_name = _name_of(size)
        if size_name is None:
            raise ParameterError(name, value, self.expected + f" (size {size!r} of {matrix!r})")
        return size_name

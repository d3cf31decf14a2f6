"""The symbols of the notation table (``docs/notation.md``), made in one place.

Vector components are real symbols ``z1 ... zn``; indices for symbolic sizes are positive
integer symbols ``i, j, k``; sizes are positive integer symbols.

>>> vector_symbols("z", 3)
[z1, z2, z3]
>>> vector_symbols("z", 3)[0].is_real
True
"""

from __future__ import annotations

import sympy as sp


def vector_symbols(letter: str, n: int) -> list[sp.Symbol]:
    """The real symbols ``letter1 ... letter{n}``."""
    return [sp.Symbol(f"{letter}{index}", real=True) for index in range(1, int(n) + 1)]


def index_symbols(names: str = "i j k") -> tuple[sp.Symbol, ...]:
    """Positive integer index symbols (``i, j, k`` by default)."""
    return tuple(sp.symbols(names, integer=True, positive=True))


def size_symbol(name: str = "n") -> sp.Symbol:
    """A positive integer size symbol."""
    return sp.Symbol(name, integer=True, positive=True)


def real_symbol(name: str) -> sp.Symbol:
    """A real scalar symbol named as on the sheet (``alpha``, ``eta``, ``C``, ...)."""
    return sp.Symbol(name, real=True)

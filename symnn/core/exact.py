"""Exact scalars for parameter kinds: numbers read without floats, symbols with safe names.

:func:`to_exact` turns one scalar (Python, NumPy, ``Decimal``, ``Fraction``, SymPy, or
text for the literal reader) into an exact SymPy number, refusing NaN and infinities;
a symbol's name must pass :func:`~symnn.core.literal.check_name` (ASCII, not a reserved
constant such as ``nan`` or ``pi``).

>>> to_exact("alpha", 0.6, "a number")
3/5
>>> to_exact("alpha", float("nan"), "a number")
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'alpha': got nan, expected a number (a finite number)
"""

from __future__ import annotations

import decimal
import fractions
import math
import numbers
from typing import Any

import sympy as sp

from symnn.core.literal import check_name, exact_number, read_literal
from symnn.errors import ParameterError


def symbol_checked(name: str, value: Any) -> sp.Symbol:
    """A symbol given as a parameter, its name checked (ASCII, not a reserved constant)."""
    check_name(value.name, name, value)
    return value


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
        for symbol in value.free_symbols:
            symbol_checked(name, symbol)
        return value
    if isinstance(value, sp.Expr) and value.is_number and value.is_real and value.is_finite:
        return value
    raise ParameterError(name, value, expected)


def within(name: str, value: Any, number: Any, max_abs: Any, expected: str) -> None:
    """Refuse a concrete ``number`` of magnitude above ``max_abs``."""
    if not number.free_symbols and abs(number) > max_abs:
        raise ParameterError(name, value, f"{expected} (|{name}| <= {max_abs})")


def shortened(value: Any) -> Any:
    """``value`` for an error message: long texts and lists cut to 60 characters."""
    text = value if isinstance(value, str) else repr(value)
    return value if len(text) <= 60 else text[:40] + "..." + text[-10:]


def as_sympy(value: Any, name: str = "expression") -> Any:
    """``value`` as a SymPy object; text is refused (it is never parsed or evaluated here).

    >>> as_sympy(2)
    2
    >>> as_sympy("__import__('os')")
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'expression': got "__import__('os')", expected a SymPy \
object or a number (text is not parsed)
    """
    if isinstance(value, (str, bytes)):
        raise ParameterError(name, shortened(value), "a SymPy object or a number (text is not parsed)")
    return sp.sympify(value)

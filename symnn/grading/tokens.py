"""The tokens of answers: numbers, names and operators, and the limits of the grammar.

The tokenizer accepts ASCII digits, names, ``+ - * / ** ^ ( ) [ ] ,`` and white space;
any other character is refused with a message naming what it would have been used for
(strings, attributes, keyword arguments, comparisons ...). Names may not start with
``_`` and may not be Python keywords (except ``lambda``, a scalar of the notation).

>>> [token.text for token in tokenize("exp(-z1)/2")]
['exp', '(', '-', 'z1', ')', '/', '2']
>>> tokenize("x.__class__")
Traceback (most recent call last):
...
symnn.grading.errors.UnsafeInputError: answer refused: attribute access ('.') (at position 1)
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from symnn.grading.errors import UnsafeInputError

MAX_LENGTH, MAX_NODES, MAX_DEPTH, MAX_DIGITS, MAX_NAME = 4000, 1000, 40, 40, 32
MAX_EXPONENT, MAX_ROWS, MAX_COLUMNS, MAX_CALL_DEPTH = 100, 16, 16, 8
FUNCTIONS: dict[str, tuple[int, int]] = {  # name -> (fewest, most) arguments
    "exp": (1, 1), "log": (1, 1), "sqrt": (1, 1), "sin": (1, 1), "cos": (1, 1), "tanh": (1, 1),
    "sigma": (1, 1), "erf": (1, 1), "Abs": (1, 1), "Max": (1, 8), "Min": (1, 8),
    "Heaviside": (1, 2), "KroneckerDelta": (2, 2),
}
CONSTANTS = ("pi", "E", "oo")
_TOKEN = re.compile(r"(?P<space>\s+)|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|//|[-+*/^(),\[\]])", re.ASCII)
_REFUSED = {"'": "string literals", '"': "string literals", ".": "attribute access ('.')",
            "=": "'=' (assignments, keyword arguments, comparisons)", "<": "comparisons", ">": "comparisons",
            ":": "':' (lambdas, slices, walrus, dictionaries)", "!": "comparisons",
            "{": "sets and dictionaries ('{')", "}": "sets and dictionaries ('}')", ";": "statements (';')",
            "#": "comments ('#')", "\\": "backslashes", "//": "floor division ('//')"}
_KEYWORDS = set(keyword.kwlist) - {"lambda"}
_WORD = re.compile(r"[A-Za-z0-9_.]+")


@dataclass(frozen=True)
class Token:
    """One token: its kind (``number``, ``name`` or ``op``), its text and its offset."""

    kind: str
    text: str
    pos: int


def read_number(text: str, pos: int) -> tuple[int, int]:
    """The exact value of a number literal as ``(numerator, denominator)``.

    >>> read_number("1.25e-1", 0)
    (125, 1000)
    """
    mantissa, _, exponent = text.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    if len(digits) > MAX_DIGITS:
        raise UnsafeInputError(f"a number literal of {len(digits)} digits (at most {MAX_DIGITS})", pos)
    power = int(exponent) if exponent else 0
    if abs(power) > MAX_EXPONENT:
        raise UnsafeInputError(f"the number {text!r} (decimal exponents are limited to ±{MAX_EXPONENT})", pos)
    numerator, denominator = int(whole + fraction or "0"), 10 ** len(fraction)
    if power >= 0:
        numerator *= 10**power
    else:
        denominator *= 10**-power
    return numerator, denominator


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, refusing any character outside the grammar."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.group() == "//":
            char = text[pos:pos + 2] if text.startswith("//", pos) else text[pos]
            if char in _REFUSED:
                raise UnsafeInputError(_REFUSED[char], pos)
            if not char.isascii():
                raise UnsafeInputError(f"the non-ASCII character {char!r} (U+{ord(char):04X})", pos)
            raise UnsafeInputError(f"the character {char!r}", pos)
        kind, value = match.lastgroup or "op", match.group()
        following = text[match.end():match.end() + 1]
        if kind == "number" and following and (following.isalnum() or following in "_."):
            shown = _WORD.match(text, pos).group()  # type: ignore[union-attr]
            hint = " (write 2*x for a product)" if following.isalpha() else ""
            raise UnsafeInputError(f"a malformed number {shown!r}{hint}", pos)
        if kind == "name" and value.startswith("_"):
            raise UnsafeInputError(f"the name {value!r} (names may not start with '_')", pos)
        if kind == "name" and value in _KEYWORDS:
            raise UnsafeInputError(f"the keyword {value!r} (no conditionals, loops or statements)", pos)
        if kind == "name" and len(value) > MAX_NAME:
            raise UnsafeInputError(f"a name of {len(value)} characters (at most {MAX_NAME})", pos)
        if kind != "space":
            tokens.append(Token(kind, value, pos))
        pos = match.end()
    return tokens

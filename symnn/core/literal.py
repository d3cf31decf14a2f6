"""A small, safe reader of parameter literals typed on the command line.

It accepts numbers (``3``, ``-0.6``, ``1e-3``, ``3/5``), names (``c``, ``z1``, ``true``),
and lists of these (``[1, 3, 3, -2]``, ``[[1, 0], [0, 1]]``) and nothing else: no
arithmetic beyond a sign and one fraction bar, no calls, no attributes. Numbers are
exact: ``0.6`` is read from its decimal text as 3/5, never through a float. Nothing is
evaluated; the text is tokenised and parsed by a recursive-descent parser.

>>> read_literal("[1, 0.6, -3/4]")
[1, 3/5, -3/4]
>>> read_literal("true")
True
>>> read_literal("__import__('os')")
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'value': got "__import__('os')", expected a number, \
a name, or a [list] of them (unexpected character "_" at position 0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

import sympy as sp

from symnn.errors import ParameterError

Literal = Union[sp.Rational, sp.Symbol, bool, list["Literal"]]  # noqa: UP007 (recursive alias)

MAX_LENGTH = 20_000
MAX_DEPTH = 4
MAX_DIGITS = 200
EXPECTED = "a number, a name, or a [list] of them"
#: Names that read as a constant or a non-number elsewhere (SymPy, NumPy, Python); never symbols.
RESERVED = frozenset({"oo", "zoo", "I", "pi", "E", "S", "N", "O", "Q"})
RESERVED_ANY_CASE = frozenset({"nan", "inf", "infinity", "none", "null"})
#: A symbol name: an ASCII letter, then ASCII letters, digits and underscores.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<punct>[\[\],/+-]))",
    re.ASCII,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(text: str, name: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            bad = text[position:].lstrip()[:1]
            at = len(text) - len(text[position:].lstrip())
            what = "non-ASCII character" if not bad.isascii() else "unexpected character"
            raise ParameterError(name, text, f'{EXPECTED} ({what} "{bad}" at position {at})')
        kind = match.lastgroup or "punct"
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


def exact_number(text: str, name: str = "value") -> sp.Rational:
    """The exact Rational written by decimal or scientific ``text`` (``'0.6'`` -> 3/5).

    >>> exact_number("1.25e-1")
    1/8
    """
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa) > 2 * MAX_DIGITS or len(mantissa.replace(".", "").lstrip("0")) > MAX_DIGITS:
        shown = text if len(text) <= 40 else text[:20] + "..." + text[-10:]
        raise ParameterError(name, shown, f"a number of at most {MAX_DIGITS} digits")
    if len(exponent.lstrip("+-").lstrip("0")) > 3:
        raise ParameterError(name, text, f"an exponent of at most {MAX_DIGITS} in size")
    power = int(exponent) if exponent else 0
    if abs(power) > MAX_DIGITS:
        raise ParameterError(name, text, f"an exponent of at most {MAX_DIGITS} in size")
    whole, _, fraction = mantissa.partition(".")
    digits = int((whole or "0") + fraction) if (whole or fraction) else 0
    return sp.Rational(digits, 10 ** len(fraction)) * sp.Rational(10) ** power


def check_name(symbol: str, name: str = "value", shown: object = None) -> str:
    """``symbol`` if it may name a symbol: ASCII, not a reserved constant such as ``nan`` or ``pi``.

    >>> check_name("a_b")
    'a_b'
    >>> check_name("NaN", "alpha")
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'alpha': got 'NaN', expected finite numbers or symbol names \
other than NaN (reserved, like nan, inf, oo, zoo, I, pi, E and SymPy's S, N, O, Q)
    """
    shown = symbol if shown is None else shown
    if not isinstance(symbol, str) or NAME.fullmatch(symbol) is None:
        raise ParameterError(name, shown, "a symbol name of ASCII letters, digits and _, "
                                          "starting with a letter")
    if symbol in RESERVED or symbol.lower() in RESERVED_ANY_CASE:
        raise ParameterError(name, shown, f"finite numbers or symbol names other than {symbol} (reserved, "
                                          "like nan, inf, oo, zoo, I, pi, E and SymPy's S, N, O, Q)")
    return symbol


class _Parser:
    def __init__(self, text: str, name: str, plain_names: bool = False) -> None:
        self.text = text
        self.name = name
        self.plain_names = plain_names
        self.tokens = _tokenize(text, name)
        self.index = 0

    def fail(self, why: str) -> ParameterError:
        return ParameterError(self.name, self.text, f"{EXPECTED} ({why})")

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.fail("the text ended too early")
        self.index += 1
        return token

    def value(self, depth: int) -> Literal:
        token = self.peek()
        if token is not None and token.text == "[":
            return self.list(depth + 1)
        return self.scalar()

    def list(self, depth: int) -> list[Literal]:
        if depth > MAX_DEPTH:
            raise self.fail(f"lists nested more than {MAX_DEPTH} deep")
        self.take()
        items: list[Literal] = []
        token = self.peek()
        if token is not None and token.text == "]":
            self.take()
            return items
        while True:
            items.append(self.value(depth))
            token = self.take()
            if token.text == "]":
                return items
            if token.text != ",":
                raise self.fail(f'expected "," or "]" at position {token.position}')

    def signed_atom(self) -> sp.Rational | sp.Symbol | bool:
        sign = 1
        token = self.take()
        if token.kind == "punct" and token.text in "+-":
            sign = -1 if token.text == "-" else 1
            token = self.take()
        if token.kind == "number":
            return sign * exact_number(token.text, self.name)
        if token.kind == "name":
            if token.text in ("true", "True", "false", "False"):
                if sign != 1:
                    raise self.fail(f"a sign before {token.text}")
                return token.text.lower() == "true"
            if self.plain_names:  # a label the caller checks, never a SymPy symbol
                if sign != 1:
                    raise self.fail(f"a sign before the name {token.text}")
                return token.text  # type: ignore[return-value]
            check_name(token.text, self.name, self.text)
            symbol = sp.Symbol(token.text)
            return -symbol if sign == -1 else symbol
        raise self.fail(f'unexpected "{token.text}" at position {token.position}')

    def scalar(self) -> Literal:
        numerator = self.signed_atom()
        token = self.peek()
        if token is not None and token.text == "/":
            self.take()
            denominator = self.signed_atom()
            if isinstance(numerator, bool) or isinstance(denominator, bool):
                raise self.fail("a fraction of booleans")
            if denominator == 0:
                raise self.fail("a fraction with denominator 0")
            return numerator / denominator
        return numerator

    def parse(self) -> Literal:
        if not self.tokens:
            raise self.fail("the text is empty")
        result = self.value(0)
        token = self.peek()
        if token is not None:
            raise self.fail(f'unexpected "{token.text}" at position {token.position}')
        return result


def read_literal(text: str, name: str = "value", *, plain_names: bool = False) -> Literal:
    """Parse ``text`` into an exact number, a symbol, a boolean or a nested list of them.

    With ``plain_names`` a name is returned as text, not as a SymPy symbol, and is not
    checked against the reserved constants: for a caller whose names are labels it checks
    itself (the matrices of ``shapes``, where ``S`` or ``N`` is a matrix like any other).

    >>> read_literal("[[S, n, 2]]", "shapes", plain_names=True)
    [['S', 'n', 2]]
    """
    if not isinstance(text, str):
        raise ParameterError(name, text, "a string")
    if len(text) > MAX_LENGTH:
        raise ParameterError(name, text[:40] + "...", f"at most {MAX_LENGTH} characters")
    return _Parser(text, name, plain_names).parse()

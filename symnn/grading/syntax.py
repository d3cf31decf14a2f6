"""The grammar of answers: a hand-written tokenizer and precedence-climbing parser.

An answer is an arithmetic expression (``+ - * / ** ^``, parentheses, unary signs),
whitelisted function calls with positional arguments, names, exact numbers, or, as the
whole answer, a vector ``[a, b]`` or a matrix ``[[a, b], [c, d]]``. The result is a small
tree of frozen dataclasses; no SymPy object is built and nothing is evaluated here.
Everything else (strings, attributes, subscripts, keywords, ``=``, ``:``, unpacking, calls
of anything but a whitelisted name, powers inside exponents, oversized text, literals or
nesting) is refused with :class:`~symnn.grading.errors.UnsafeInputError`.

>>> parse_tree("-x^2")
Neg(operand=Power(base=Name(name='x', pos=1), exponent=Num(numerator=2, denominator=1, text='2', pos=3), \
pos=2), pos=0)
>>> parse_tree("0.6")
Num(numerator=6, denominator=10, text='0.6', pos=0)
>>> parse_tree("9**9**9")
Traceback (most recent call last):
...
symnn.grading.errors.UnsafeInputError: answer refused: a power inside an exponent (such as 9**9**9) \
(at position 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from symnn.grading.errors import UnsafeInputError
from symnn.grading.tokens import (
    CONSTANTS,
    FUNCTIONS,
    MAX_CALL_DEPTH,
    MAX_COLUMNS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NODES,
    MAX_ROWS,
    Token,
    read_number,
    tokenize,
)


@dataclass(frozen=True)
class Num:
    """An exact number literal: ``numerator / denominator`` as written (``0.6`` is 3/5)."""

    numerator: int
    denominator: int
    text: str
    pos: int


@dataclass(frozen=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]
    pos: int


@dataclass(frozen=True)
class Neg:
    operand: Node
    pos: int


@dataclass(frozen=True)
class Sum:
    terms: tuple[tuple[int, Node], ...]  # (sign, term)
    pos: int


@dataclass(frozen=True)
class Product:
    factors: tuple[tuple[bool, Node], ...]  # (divide?, factor)
    pos: int


@dataclass(frozen=True)
class Power:
    base: Node
    exponent: Node
    pos: int


@dataclass(frozen=True)
class Matrix:
    rows: tuple[tuple[Node, ...], ...]  # a vector [a, b] is the column ((a,), (b,))
    pos: int


Node = Union[Num, Name, Call, Neg, Sum, Product, Power, Matrix]  # noqa: UP007 (recursive alias)


def walk(node: Node) -> list[Node]:
    """Every node of the tree (iteratively, so deep trees cannot exhaust the stack)."""
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        found.append(item)
        if isinstance(item, Call):
            stack.extend(item.args)
        elif isinstance(item, Neg):
            stack.append(item.operand)
        elif isinstance(item, (Sum, Product)):
            stack.extend(child for _, child in (item.terms if isinstance(item, Sum) else item.factors))
        elif isinstance(item, Power):
            stack.extend((item.base, item.exponent))
        elif isinstance(item, Matrix):
            stack.extend(entry for row in item.rows for entry in row)
    return found


class _Parser:
    def __init__(self, tokens: list[Token], length: int) -> None:
        self.tokens, self.index, self.nodes, self.length = tokens, 0, 0, length
        self.calls = 0  # functions open around the current position

    def peek(self) -> str | None:
        return self.tokens[self.index].text if self.index < len(self.tokens) else None

    def take(self) -> Token:
        if self.index >= len(self.tokens):
            raise UnsafeInputError("an incomplete expression (the text ends too early)", self.length)
        self.index += 1
        return self.tokens[self.index - 1]

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text != text:
            raise self.unexpected(token, f"{text!r} expected")
        return token

    def unexpected(self, token: Token, hint: str = "") -> UnsafeInputError:
        previous = self.tokens[self.index - 2] if self.index >= 2 else None
        operand = previous is not None and (previous.kind != "op" or previous.text in ")]")
        if operand and token.text == "(":
            return UnsafeInputError("calling the result of an expression (only whitelisted names are called)",
                                    token.pos)
        if operand and token.text == "[":
            return UnsafeInputError("subscripts ('[' after an expression)", token.pos)
        if previous is not None and previous.text == "lambda" and token.kind == "name":
            return UnsafeInputError("lambda expressions", previous.pos)
        if operand and token.kind != "op":
            return UnsafeInputError(f"two operands in a row before {token.text!r} (write * for a product)",
                                    token.pos)
        return UnsafeInputError(f"unexpected {token.text!r}" + (f" ({hint})" if hint else ""), token.pos)

    def node(self, node: Node) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise UnsafeInputError(f"an answer of more than {MAX_NODES} parts", node.pos)
        return node

    def enter(self, depth: int, pos: int) -> None:
        if depth > MAX_DEPTH:
            raise UnsafeInputError(f"nesting deeper than {MAX_DEPTH} levels", pos)

    def answer(self) -> Node:
        if not self.tokens:
            raise UnsafeInputError("an empty answer")
        node = self.matrix() if self.peek() == "[" else self.expression(1)
        if self.peek() is not None:
            hint = "nothing may follow a vector or matrix" if isinstance(node, Matrix) else ""
            raise self.unexpected(self.take(), hint)
        return node

    def matrix(self) -> Node:
        start = self.expect("[")
        nested = self.peek() == "["
        rows: list[tuple[Node, ...]] = []
        while True:
            rows.append(self.row() if nested else (self.expression(2),))
            if len(rows) > MAX_ROWS:
                raise UnsafeInputError(f"a matrix or vector of more than {MAX_ROWS} rows", start.pos)
            if self.take().text == "]":
                break
            if self.tokens[self.index - 1].text != ",":
                raise self.unexpected(self.tokens[self.index - 1], "',' or ']' expected")
        if len({len(row) for row in rows}) != 1:
            raise UnsafeInputError("a matrix whose rows have different lengths", start.pos)
        return self.node(Matrix(tuple(rows), start.pos))

    def row(self) -> tuple[Node, ...]:
        start = self.expect("[")
        entries = [self.expression(3)]
        while self.peek() == ",":
            self.take()
            entries.append(self.expression(3))
            if len(entries) > MAX_COLUMNS:
                raise UnsafeInputError(f"a matrix of more than {MAX_COLUMNS} columns", start.pos)
        self.expect("]")
        return tuple(entries)

    def expression(self, depth: int) -> Node:
        self.enter(depth, self.tokens[min(self.index, len(self.tokens) - 1)].pos)
        start = self.index
        terms = [(1, self.term(depth))]
        while self.peek() in ("+", "-"):
            sign = -1 if self.take().text == "-" else 1
            terms.append((sign, self.term(depth)))
        if len(terms) == 1:
            return terms[0][1]
        return self.node(Sum(tuple(terms), self.tokens[start].pos))

    def term(self, depth: int) -> Node:
        start = self.index
        factors = [(False, self.unary(depth))]
        while self.peek() in ("*", "/"):
            factors.append((self.take().text == "/", self.unary(depth)))
        if len(factors) == 1:
            return factors[0][1]
        return self.node(Product(tuple(factors), self.tokens[start].pos))

    def unary(self, depth: int) -> Node:
        if self.peek() in ("+", "-"):
            sign = self.take()
            self.enter(depth + 1, sign.pos)
            operand = self.unary(depth + 1)
            return self.node(Neg(operand, sign.pos)) if sign.text == "-" else operand
        return self.power(depth)

    def power(self, depth: int) -> Node:
        base = self.primary(depth)
        if self.peek() not in ("**", "^"):
            return base
        operator = self.take()
        exponent = self.unary(depth + 1)
        for part in walk(exponent):
            if isinstance(part, Power):
                raise UnsafeInputError("a power inside an exponent (such as 9**9**9)", operator.pos)
            if isinstance(part, Num) and part.numerator > MAX_EXPONENT * part.denominator:
                raise UnsafeInputError(f"the exponent {part.text} (numbers in exponents are limited to "
                                       f"±{MAX_EXPONENT})", part.pos)
        return self.node(Power(base, exponent, operator.pos))

    def primary(self, depth: int) -> Node:
        token = self.take()
        if token.kind == "number":
            numerator, denominator = read_number(token.text, token.pos)
            return self.node(Num(numerator, denominator, token.text, token.pos))
        if token.kind == "name":
            return self.call(token, depth) if self.peek() == "(" else self.node(Name(token.text, token.pos))
        if token.text == "(":
            if self.peek() == ")":
                raise UnsafeInputError("empty parentheses (tuples and calls of expressions)", token.pos)
            inner = self.expression(depth + 1)
            if self.peek() == ",":
                raise UnsafeInputError("tuples (',' inside parentheses)", self.take().pos)
            self.expect(")")
            return inner
        if token.text == "[":
            what = "a list inside an expression (a vector or matrix must be the whole answer)"
            raise UnsafeInputError(what, token.pos)
        if token.text in ("*", "**"):
            raise UnsafeInputError("unpacking ('*' or '**' before an operand)", token.pos)
        raise self.unexpected(token, "an operand expected")

    def call(self, token: Token, depth: int) -> Node:
        name = token.text
        if name in CONSTANTS:
            raise UnsafeInputError(f"calling the constant {name!r}", token.pos)
        if name not in FUNCTIONS:
            allowed = ", ".join(FUNCTIONS)
            raise UnsafeInputError(f"the function {name!r} (allowed functions: {allowed})", token.pos)
        self.expect("(")
        self.calls += 1
        if self.calls > MAX_CALL_DEPTH:
            raise UnsafeInputError(f"functions nested more than {MAX_CALL_DEPTH} deep", token.pos)
        fewest, most = FUNCTIONS[name]
        args: list[Node] = []
        while self.peek() != ")" and len(args) <= most:
            if args:
                self.expect(",")
            args.append(self.expression(depth + 1))
        self.calls -= 1
        if not fewest <= len(args) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise UnsafeInputError(f"{name} with {len(args)} arguments (it takes {wanted})", token.pos)
        self.expect(")")
        return self.node(Call(name, tuple(args), token.pos))


def parse_tree(text: str) -> Node:
    """Parse an answer into a tree of :data:`Node` objects, or refuse it."""
    if not isinstance(text, str):
        raise UnsafeInputError(f"an answer of type {type(text).__name__} (text is expected)")
    if len(text) > MAX_LENGTH:
        raise UnsafeInputError(f"a text of {len(text)} characters (at most {MAX_LENGTH})")
    return _Parser(tokenize(text), len(text)).answer()

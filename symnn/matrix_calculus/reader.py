"""The whitelist reader of matrix expressions: text to a tree of :class:`Node`.

Nothing typed is ever evaluated: the reader knows the tokens of the grammar below and
refuses everything else with a :class:`MatrixExpressionError` that names the offending
piece of text. Sizes of the text, its nesting and its numbers are bounded.

Grammar (``*`` is the matrix or scalar product, ``^``/``**`` a power of a scalar)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | power
    power   := postfix (("^" | "**") unary)?
    postfix := atom (".T" | "'")*
    atom    := number | name | name "(" expr ("," expr)* ")" | "(" expr ")"

>>> tree = read_expression("norm(X*w - y)^2/2")
>>> tree.kind, tree.children[0].kind, tree.children[0].children[0].kind
('div', 'pow', 'norm')
>>> read_expression("X.T").kind
'transpose'
>>> read_expression("__import__('os')")
Traceback (most recent call last):
...
symnn.matrix_calculus.reader.MatrixExpressionError: parameter 'f': got "__import__('os')", \
expected a matrix expression of the grammar (a name may not start with '_', at '__import__')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from symnn.core.exact import shortened
from symnn.errors import ParameterError

MAX_LENGTH, MAX_NODES, MAX_DEPTH, MAX_DIGITS, MAX_NAME = 2000, 300, 30, 30, 24
# function name -> number of arguments
FUNCTIONS: dict[str, int] = {
    "transpose": 1, "tr": 1, "sum": 1, "norm": 1, "hadamard": 2, "inv": 1, "det": 1,
    "relu": 1, "sigmoid": 1, "tanh": 1, "exp": 1, "log": 1, "softplus": 1,
}  # fmt: skip
_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|\.T\b|[-+*/^(),'])",
    re.ASCII,
)
_EXPECTED = "a matrix expression of the grammar"


class MatrixExpressionError(ParameterError):
    """Text that is not an expression of the grammar, or whose shapes do not fit."""

    def __init__(self, text: str, problem: str, parameter: str = "f") -> None:
        super().__init__(parameter, shortened(text), f"{_EXPECTED} ({problem})")


@dataclass(frozen=True)
class Node:
    """One node of an expression tree: its kind, children, payload and source text."""

    kind: str
    children: tuple[Node, ...] = ()
    value: str = ""
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[_Token]:
    """The tokens of ``text``; anything outside the grammar is refused.

    >>> [t.text for t in tokenize("A' * inv(B)")]
    ['A', "'", '*', 'inv', '(', 'B', ')']
    """
    if not isinstance(text, str):
        raise MatrixExpressionError(repr(text), "the expression must be text")
    if len(text) > MAX_LENGTH:
        raise MatrixExpressionError(text[:40] + "...", f"longer than {MAX_LENGTH} characters")
    if not text.isascii():
        raise MatrixExpressionError(text, "only ASCII characters are allowed")
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            bad = text[pos]
            if bad == "_":
                word = re.match(r"\w+", text[pos:])
                raise MatrixExpressionError(text, f"a name may not start with '_', at {word.group()!r}")
            raise MatrixExpressionError(text, f"character {bad!r} at position {pos}")
        kind = match.lastgroup or ""
        piece = match.group()
        if kind == "name" and len(piece) > MAX_NAME:
            raise MatrixExpressionError(text, f"name longer than {MAX_NAME} characters at {pos}")
        if kind == "number" and len(piece) > MAX_DIGITS:
            raise MatrixExpressionError(text, f"number longer than {MAX_DIGITS} digits at {pos}")
        if kind != "space":
            tokens.append(_Token(kind, piece, pos))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the token list, with node and depth budgets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0
        self.nodes = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None, what: str = "more") -> _Token:
        token = self.peek()
        if token is None:
            raise MatrixExpressionError(self.text, f"unexpected end, expected {expected or what}")
        if expected is not None and token.text != expected:
            raise MatrixExpressionError(self.text, f"expected {expected!r} at position {token.pos}")
        self.at += 1
        return token

    def make(self, kind: str, children: tuple[Node, ...], value: str, start: int) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise MatrixExpressionError(self.text, f"more than {MAX_NODES} nodes")
        end = self.tokens[self.at - 1].pos + len(self.tokens[self.at - 1].text) if self.at else 0
        return Node(kind, children, value, self.text[start:end].strip())

    def nested(self, parse, *args):  # type: ignore[no-untyped-def]
        """``parse(*args)`` one level deeper: a bracket, a function's argument, a minus sign or
        an exponent (the levels a reader of the text sees; they also bound the recursion)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise MatrixExpressionError(self.text, f"nested deeper than {MAX_DEPTH}")
        try:
            return parse(*args)
        finally:
            self.depth -= 1

    def expression(self) -> Node:
        start = self.peek().pos if self.peek() else len(self.text)
        node = self.term()
        while (token := self.peek()) is not None and token.text in "+-" and token.kind == "op":
            self.take()
            right = self.term()
            node = self.make("add" if token.text == "+" else "sub", (node, right), "", start)
        return node

    def term(self) -> Node:
        start = self.peek().pos if self.peek() else len(self.text)
        node = self.unary()
        while (token := self.peek()) is not None and token.text in ("*", "/"):
            self.take()
            right = self.unary()
            node = self.make("mul" if token.text == "*" else "div", (node, right), "", start)
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token.text == "-":
            self.take()
            operand = self.nested(self.unary)
            return self.make("neg", (operand,), "", token.pos)
        return self.power()

    def power(self) -> Node:
        start = self.peek().pos if self.peek() else len(self.text)
        base = self.postfix()
        token = self.peek()
        if token is not None and token.text in ("^", "**"):
            self.take()
            exponent = self.nested(self.unary)
            return self.make("pow", (base, exponent), "", start)
        return base

    def postfix(self) -> Node:
        start = self.peek().pos if self.peek() else len(self.text)
        node = self.atom()
        while (token := self.peek()) is not None and token.text in (".T", "'"):
            self.take()
            node = self.make("transpose", (node,), "", start)
        return node

    def atom(self) -> Node:
        token = self.take(what="an operand")
        if token.kind == "number":
            return self.make("number", (), token.text, token.pos)
        if token.text == "(":
            inner = self.nested(self.expression)
            self.take(")")
            return inner
        if token.kind != "name":
            raise MatrixExpressionError(self.text, f"unexpected {token.text!r} at position {token.pos}")
        following = self.peek()
        if following is None or following.text != "(":
            if token.text in FUNCTIONS:
                raise MatrixExpressionError(self.text, f"{token.text!r} needs an argument in parentheses")
            return self.make("name", (), token.text, token.pos)
        if token.text not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise MatrixExpressionError(self.text, f"unknown function {token.text!r}; known: {known}")
        self.take("(")
        arguments = [self.nested(self.expression)]
        while (comma := self.peek()) is not None and comma.text == ",":
            self.take()
            arguments.append(self.nested(self.expression))
        self.take(")")
        if len(arguments) != FUNCTIONS[token.text]:
            raise MatrixExpressionError(
                self.text, f"{token.text}() takes {FUNCTIONS[token.text]} argument(s), got {len(arguments)}"
            )
        return self.make("call", tuple(arguments), token.text, token.pos)


def read_expression(text: str) -> Node:
    """Parse ``text`` into a :class:`Node` tree.

    Structural functions become node kinds of their own (``transpose``, ``trace``, ``sum``,
    ``norm``, ``hadamard``, ``inv``, ``det``, and ``logdet`` for ``log(det(A))``); the
    elementwise functions become ``apply`` nodes whose ``value`` is the function's name.
    """
    parser = _Parser(text)
    if not parser.tokens:
        raise MatrixExpressionError(text, "the expression is empty")
    tree = parser.expression()
    if parser.peek() is not None:
        token = parser.peek()
        raise MatrixExpressionError(text, f"unexpected {token.text!r} at position {token.pos}")
    return _normalise(tree)


_CALL_KINDS = {"transpose": "transpose", "tr": "trace", "sum": "sum", "norm": "norm",
               "hadamard": "hadamard", "inv": "inv", "det": "det"}  # fmt: skip


def _normalise(node: Node) -> Node:
    """Calls of structural functions become their own node kinds; ``log(det(A))`` is ``logdet``."""
    children = tuple(_normalise(child) for child in node.children)
    if node.kind == "call" and node.value == "log" and children[0].kind == "det":
        return Node("logdet", children[0].children, "", node.text)
    if node.kind == "call" and node.value in _CALL_KINDS:
        return Node(_CALL_KINDS[node.value], children, "", node.text)
    if node.kind == "call":
        return Node("apply", children, node.value, node.text)
    return Node(node.kind, children, node.value, node.text)

"""How wide a LaTeX formula will be: a small reader of math-mode LaTeX.

The write-ups must not overflow the page, yet every formula is produced by SymPy or by a
derivation's author before TeX ever sees it. :func:`split_top` cuts a formula into its
top-level tokens (a group, a ``\\left ... \\right`` pair, an environment, a command with
its arguments, one character), each with an estimated width in points at 11 pt; the
breaking rules of :mod:`symnn.report.texfit` use them to decide where a line must be cut.
The estimate is deliberately a little generous: the final guard against an overfull line
is TeX itself (the ``\\fitline`` macro of the preamble).

>>> round(width(r"a + b"))
25
>>> width(r"\\frac{1}{x_{1} + x_{2}}") < width(r"1 + x_{1} + x_{2}")
True
>>> [t.kind for t in split_top(r"y = \\left(a + b\\right) - c")]
['atom', 'rel', 'atom', 'bin', 'atom']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symnn.errors import ReportError

#: Relations: a line may break before them (widths include TeX's thick spaces).
RELATIONS = {
    "=": 14.6, "<": 14.6, ">": 14.6, r"\le": 14.6, r"\leq": 14.6, r"\ge": 14.6, r"\geq": 14.6,
    r"\ne": 14.6, r"\neq": 14.6, r"\approx": 14.6, r"\equiv": 14.6, r"\in": 13.5,
    r"\to": 17.0, r"\iff": 26.0, r"\implies": 26.0, r"\Rightarrow": 17.0, r"\mapsto": 17.0,
    r"\subseteq": 14.6, r"\succeq": 14.6, r"\preceq": 14.6, r"\rightarrow": 17.0,
    r"\leftarrow": 17.0, r"\Leftrightarrow": 17.0, r"\longrightarrow": 22.0,
}  # fmt: skip
#: Binary operators: a line may break before them.
BINARY = {"+": 13.4, "-": 13.4, r"\cdot": 8.0, r"\times": 13.4, r"\pm": 13.4}
_SPACES = {",": 1.8, ";": 3.1, ":": 2.4, "!": -1.8, " ": 3.7, "quad": 11.0, "qquad": 22.0}
_WORDS = {"log", "exp", "max", "min", "sin", "cos", "tan", "tanh", "lim", "sup", "inf", "arg",
          "det", "ln", "sinh", "cosh", "argmax", "argmin", "sgn"}  # fmt: skip
_ZERO = {"left", "right", "displaystyle", "textstyle", "limits", "nolimits", "mathopen",
         "mathclose", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "big", "Big",
         "relax", "mathord", "mathbin", "mathrel", "middle", "phantom"}  # fmt: skip
_ONE_ARGUMENT = {"text", "mathrm", "mathbf", "mathbb", "mathcal", "mathit", "mathsf", "operatorname",
                 "boxed", "overline", "underline", "hat", "bar", "tilde", "vec", "widehat", "dot",
                 "ddot", "boldsymbol", "textbf", "emph", "texttt", "textit", "mathopen", "mathclose",
                 "mathord", "mathbin", "mathrel", "fitline", "phantom", "substack"}  # fmt: skip
_TEXT_LIKE = {"text", "textbf", "emph", "texttt", "textit", "operatorname", "mathrm"}
_SIZE = {"D": 1.0, "T": 1.0, "S": 0.7, "SS": 0.5}
_SMALLER = {"D": "T", "T": "S", "S": "SS", "SS": "SS"}
_SCRIPT = {"D": "S", "T": "S", "S": "SS", "SS": "SS"}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)


@dataclass(frozen=True)
class Token:
    """One top-level piece of a formula: its source, estimated width (pt) and kind.

    ``kind`` is ``"rel"`` (a relation), ``"bin"`` (a binary operator), ``"env"`` (an
    environment such as ``bmatrix``) or ``"atom"`` (anything else).
    """

    text: str
    width: float
    kind: str = "atom"


def group_end(tex: str, start: int, open_: str = "{", close: str = "}", strict: bool = False) -> int:
    r"""Index just after the group opened at ``tex[start] == open_`` (escaped brackets skipped).

    An unclosed group ends with ``tex``, or with ``strict`` is a :class:`ReportError`.

    >>> group_end(r"{a\}b}c", 0), group_end("{a", 0)
    (6, 2)
    """
    depth, i = 0, start
    while i < len(tex):
        char = tex[i]
        if char == "\\":
            i += 2
            continue
        if char == open_:
            depth += 1
        elif char == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    if strict:
        raise ReportError(f"unbalanced {open_}{close} in {tex[start:start + 60]!r}")
    return len(tex)


def _pair_end(tex: str, start: int, opener: str, closer: str) -> int:
    """Index just after the ``closer`` (plus its delimiter) matching the opener at ``start``."""
    pattern = re.compile(rf"\\({opener}|{closer})(?![A-Za-z])")
    depth = 0
    for match in pattern.finditer(tex, start):
        depth += 1 if match.group(1) == opener else -1
        if depth == 0:
            end = match.end()
            rest = tex[end:]
            delimiter = re.match(r"\s*(\\[A-Za-z]+|\\.|.)", rest)
            return end + (delimiter.end() if delimiter else 0)
    return len(tex)


def _environment_end(tex: str, start: int, name: str) -> int:
    depth = 0
    pattern = re.compile(rf"\\(begin|end)\{{{re.escape(name)}\}}")
    for match in pattern.finditer(tex, start):
        depth += 1 if match.group(1) == "begin" else -1
        if depth == 0:
            return match.end()
    return len(tex)


def split_cells(body: str, separator: str) -> list[str]:
    """``body`` cut at top-level ``separator`` (``&`` or ``\\\\``), outside groups and environments."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(body):
        if body.startswith(r"\begin{", i):
            depth += 1
        elif body.startswith(r"\end{", i):
            depth -= 1
        if depth == 0 and body.startswith(separator, i):
            pieces.append(body[start:i])
            i += len(separator)
            start = i
            continue
        if body[i] == "\\":
            i += 2
            continue
        if body[i] == "{":
            i = group_end(body, i)
            continue
        i += 1
    pieces.append(body[start:])
    return pieces


def _environment_width(name: str, body: str, style: str) -> float:
    rows = [row for row in split_cells(body, r"\\") if row.strip()]
    cell_style = "D" if name in ("aligned", "gathered", "split", "multlined") else "T"
    columns: list[float] = []
    for row in rows:
        for index, cell in enumerate(split_cells(row, "&")):
            value = width(cell, cell_style)
            if index < len(columns):
                columns[index] = max(columns[index], value)
            else:
                columns.append(value)
    separator = {"cases": 11.0, "aligned": 0.0}.get(name, 10.0) * _SIZE[style]
    delimiters = {"bmatrix": 12.0, "pmatrix": 12.0, "vmatrix": 10.0, "cases": 10.0}.get(name, 2.0)
    return sum(columns) + separator * max(len(columns) - 1, 0) + delimiters * _SIZE[style]


def _command_token(tex: str, i: int, style: str) -> tuple[int, float, str]:
    """(end, width, kind) of the command starting at ``tex[i]``."""
    size = _SIZE[style]
    match = _COMMAND.match(tex, i)
    assert match is not None
    name, end = match.group(1), match.end()
    if name == "left":
        end = _pair_end(tex, i, "left", "right")
        inner = re.sub(r"^\\left\s*(\\[A-Za-z]+|\\.|.)|\\right\s*(\\[A-Za-z]+|\\.|.)$", "",
                       tex[i:end])
        return end, width(inner, style) + 9.0 * size, "atom"
    if name == "begin":
        env = re.match(r"\{([^}]*)\}", tex[end:])
        env_name = env.group(1) if env else ""
        stop = _environment_end(tex, i, env_name)
        body = tex[end + (env.end() if env else 0): stop - len(rf"\end{{{env_name}}}")]
        body = re.sub(r"^\{[^}]*\}", "", body) if env_name == "array" else body
        return stop, _environment_width(env_name, body, style), "env"
    if name in ("frac", "dfrac", "tfrac", "binom"):
        inner = {"dfrac": "T", "tfrac": _SMALLER["T"]}.get(name, _SMALLER[style])
        first = _argument(tex, end)
        second = _argument(tex, first)
        numerator = width(_strip(tex[end:first]), inner)
        denominator = width(_strip(tex[first:second]), inner)
        return second, max(numerator, denominator) + 2.4 * size, "atom"
    if name == "sqrt":
        if tex[end:end + 1] == "[":
            end = group_end(tex, end, "[", "]")
        stop = _argument(tex, end)
        return stop, width(_strip(tex[end:stop]), style) + 10.0 * size, "atom"
    if name in _ONE_ARGUMENT:
        stop = _argument(tex, end)
        inner = _strip(tex[end:stop])
        if name == "substack":
            value = max(width(row, style) for row in split_cells(inner, r"\\"))
        elif name in _TEXT_LIKE:
            value = 5.4 * size * len(re.sub(r"\\[A-Za-z]+|[{}\\]", "", inner))
            value += 3.0 * size if name == "operatorname" else 0.0
        else:
            value = width(inner, style) + (7.0 * size if name == "boxed" else 0.0)
        return stop, (0.0 if name == "phantom" else value), "atom"
    if name in _ZERO:
        return end, 0.0, "atom"
    if name in _SPACES:
        return end, _SPACES[name] * size, "atom"
    key = "\\" + name
    if key in RELATIONS:
        return end, RELATIONS[key] * size, "rel"
    if key in BINARY:
        return end, BINARY[key] * size, "bin"
    if name in _WORDS:
        return end, (5.0 * len(name) + 1.8) * size, "atom"
    if name in ("sum", "prod", "int", "bigcup", "bigcap", "coprod"):
        return end, (16.0 if style == "D" else 11.0) * size, "atom"
    if name in ("ldots", "cdots", "dots", "vdots", "ddots"):
        return end, 14.0 * size, "atom"
    return end, 6.6 * size, "atom"


def _argument(tex: str, i: int) -> int:
    """Index after one macro argument starting at ``i`` (a group, a command or a character)."""
    while i < len(tex) and tex[i].isspace():
        i += 1
    if i >= len(tex):
        return i
    if tex[i] == "{":
        return group_end(tex, i)
    if tex[i] == "\\":
        match = _COMMAND.match(tex, i)
        return match.end() if match else i + 1
    return i + 1


def _strip(argument: str) -> str:
    argument = argument.strip()
    if argument.startswith("{") and argument.endswith("}"):
        return argument[1:-1]
    return argument


def split_top(tex: str, style: str = "D") -> list[Token]:
    """The top-level tokens of ``tex``; scripts and primes stay with the token they follow."""
    result: list[Token] = []
    size, i = _SIZE[style], 0
    while i < len(tex):
        char = tex[i]
        if char.isspace():
            i += 1
            continue
        if char in "^_" and result:
            stop = _argument(tex, i + 1)
            extra = width(_strip(tex[i + 1:stop]), _SCRIPT[style])
            last = result[-1]
            result[-1] = Token(last.text + tex[i:stop], last.width + extra, last.kind)
            i = stop
            continue
        if char == "'" and result:
            last = result[-1]
            result[-1] = Token(last.text + "'", last.width + 2.8 * size, last.kind)
            i += 1
            continue
        if char == "{":
            stop = group_end(tex, i)
            result.append(Token(tex[i:stop], width(tex[i + 1:stop - 1], style)))
        elif char == "\\":
            stop, value, kind = _command_token(tex, i, style)
            result.append(Token(tex[i:stop], value, kind))
        else:
            stop = i + 1
            if char in RELATIONS:
                result.append(Token(char, RELATIONS[char] * size, "rel"))
            elif char in BINARY:
                result.append(Token(char, BINARY[char] * size, "bin"))
            elif char in ",;":
                result.append(Token(char, 5.0 * size))
            elif char in "()[]|/.!":
                result.append(Token(char, 4.3 * size))
            else:
                result.append(Token(char, 5.9 * size))
        i = stop
    return result


def width(tex: str, style: str = "D") -> float:
    """Estimated width in points of ``tex`` typeset in math ``style`` at 11 pt.

    ``style`` is ``"D"`` (display), ``"T"`` (text), ``"S"`` (script) or ``"SS"``.
    """
    return sum(token.width for token in split_top(tex, style))

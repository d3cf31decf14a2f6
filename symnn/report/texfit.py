"""Displayed formulas that fit the page: break long lines, split wide matrices.

A derivation's LaTeX is written without knowing the page width. :func:`fit_fragment`
rewrites every display ``\\[ ... \\]`` of a fragment so that it fits:

1. a formula that is too wide is cut before a top-level relation or ``+``/``-`` and set
   as an ``aligned`` block, continuation lines indented (:func:`break_lines`);
2. a matrix that is too wide keeps its rows and columns: its wide entries are broken over
   lines inside their cells (rows set apart, so each row reads as a group), see
   :func:`split_matrix`; a matrix of entries that cannot be broken is shrunk by TeX;
3. a ``\\left( ... \\right)`` group or a long run of digits is broken the same way;
4. whatever is left is wrapped in ``\\fitline`` (see :data:`PREAMBLE`), which lets TeX
   shrink a line only if it is still wider than the text.

Widths come from :mod:`symnn.report.texwidth`.

>>> lines = break_lines("a = " + " + ".join(f"x_{{{i}}}" for i in range(40)), budget=200)
>>> len(lines) > 1 and lines[1].startswith(r"\\quad")
True
>>> fit_display(r"\\boxed{\\text{y} = 1}")
'\\\\[ \\\\fitline{\\\\boxed{\\\\text{y} = 1}} \\\\]'
"""

from __future__ import annotations

import re

from symnn.report.texwidth import Token, split_cells, split_top, width

#: Estimated width (pt) a display line may take: the text width inside a list, with room
#: for the estimate's error (TeX's own measurement in ``\fitline`` has the last word).
BUDGET = 360.0
_INDENT = 11.0
_DIGITS_PER_LINE = 48
_GAP = 12.0  # the space between two matrix columns (pt)
#: A matrix still wider than this many times the line, its entries broken, is set entry by entry.
_SHRINK_AT_MOST = 1.1
_ENTRY_LETTERS = ("M", "E", "Q", "K")
_LISTED_AT_MOST = 12  # entries; a larger matrix (many narrow columns) is shrunk rather than listed
_MATRIX_DELIMITERS = {"bmatrix": ("[", "]"), "pmatrix": ("(", ")"), "vmatrix": ("|", "|"),
                      "Bmatrix": (r"\{", r"\}"), "matrix": (".", ".")}  # fmt: skip

#: Preamble lines the fitted displays need (graphicx for ``\resizebox``): ``\fitline`` shrinks
#: a display only if it is wider than the line, ``\fittagged`` one that has an equation
#: number beside it only if it is wider than the line less 3em.
PREAMBLE = r"""\newsavebox{\fitlinebox}
\newlength{\fitlinewidth}
\newcommand{\fitwithin}[2]{\sbox{\fitlinebox}{$\displaystyle #2$}\setlength{\fitlinewidth}{#1}%
  \ifdim\wd\fitlinebox>\fitlinewidth\resizebox{\fitlinewidth}{!}{\usebox{\fitlinebox}}%
  \else\usebox{\fitlinebox}\fi}
\newcommand{\fitline}[1]{\fitwithin{\linewidth}{#1}}
\newcommand{\fittagged}[1]{\fitwithin{\dimexpr\linewidth-3em\relax}{#1}}"""

_DISPLAY = re.compile(r"^(\s*)\\\[ (.*) \\\]\s*$")
_EQUATION = re.compile(r"^(\s*)\\begin\{equation\} (.*) (\\label\{[^{}]*\}) \\end\{equation\}\s*$")
#: Estimated width (pt) of an equation's number and the space before it.
TAG_WIDTH = 30.0


def _chunks(tokens: list[Token]) -> list[list[Token]]:
    """Tokens grouped so that a line may break before each group."""
    chunks: list[list[Token]] = []
    previous, digits = "rel", 0
    for token in tokens:
        starts = token.kind == "rel" or (token.kind == "bin" and previous not in ("rel", "bin"))
        starts = starts or (token.text.isdigit() and digits >= _DIGITS_PER_LINE)
        starts = starts or token.text.startswith(r"\text{where")
        if starts or not chunks:
            chunks.append([token])
            digits = 0
        else:
            chunks[-1].append(token)
        digits = digits + 1 if token.text.isdigit() else 0
        previous = token.kind
    return chunks


def _text(tokens: list[Token]) -> str:
    out = ""
    for token in tokens:
        glue = "" if not out or (out[-1].isdigit() and token.text.isdigit()) else " "
        out += glue + token.text
    return out


def break_lines(tex: str, budget: float = BUDGET, style: str = "D") -> list[str]:
    """``tex`` as lines whose estimated widths fit ``budget`` (continuations indented).

    A line that cannot be cut (one long fraction, say) is returned whole; the TeX-side
    guard scales it.
    """
    tokens = split_top(tex, style)
    if sum(t.width for t in tokens) <= budget:
        return [tex]
    lines: list[list[Token]] = [[]]
    used = 0.0
    for chunk in _chunks(tokens):
        size = sum(t.width for t in chunk)
        room = budget - (_INDENT if len(lines) > 1 else 0.0)
        if lines[-1] and used + size > room:
            lines.append([])
            used = 0.0
            room = budget - _INDENT
        if size > room:
            pieces = _split_chunk(chunk, room, style)
            if len(pieces) == 1 and pieces[0] != _text(chunk):  # a matrix with its entries broken
                chunk, size = [Token(pieces[0], width(pieces[0], style))], width(pieces[0], style)
            elif len(pieces) > 1:
                if lines[-1] and used + width(pieces[0], style) > room:
                    lines.append([])
                lines[-1].append(Token(pieces[0], 0.0))
                lines.extend([Token(piece, 0.0)] for piece in pieces[1:])
                lines.append([])
                used = 0.0
                continue
        lines[-1].extend(chunk)
        used += size
    texts = [_text(line) for line in lines if line]
    return [texts[0], *(rf"\quad {text}" for text in texts[1:])]


def _split_chunk(chunk: list[Token], room: float, style: str) -> list[str]:
    """A chunk wider than ``room`` cut inside its widest matrix or bracket pair, else whole."""
    widest = max(range(len(chunk)), key=lambda k: chunk[k].width)
    token = chunk[widest]
    before, after = _text(chunk[:widest]), _text(chunk[widest + 1:])
    inner_room = room - sum(t.width for t in chunk) + token.width
    if token.kind == "env":
        pieces = split_matrix(token.text, max(inner_room, room / 2))
        if len(pieces) == 1 and pieces != [token.text]:  # the entries broken inside the matrix
            return [" ".join(part for part in (before, pieces[0], after) if part)]
    elif token.text.startswith(r"\left") and re.search(r"\\right\s*(\\[A-Za-z]+|\\.|.)$", token.text):
        pieces = _split_brackets(token.text, max(inner_room, room / 2), style)
    else:
        return [_text(chunk)]
    if len(pieces) < 2:
        return [_text(chunk)]
    pieces[0] = f"{before} {pieces[0]}".strip()
    pieces[-1] = f"{pieces[-1]} {after}".strip()
    return pieces


def _split_brackets(tex: str, room: float, style: str) -> list[str]:
    """``\\left( a + b + c \\right)`` as ``\\left( a + b \\right.`` / ``\\left. + c \\right)``."""
    match = re.match(r"\\left\s*(\\[A-Za-z]+|\\.|.)(.*)\\right\s*(\\[A-Za-z]+|\\.|.)$", tex, re.DOTALL)
    if not match:
        return [tex]
    opener, inner, closer = match.groups()
    lines = [line.removeprefix(r"\quad ") for line in break_lines(inner, room - 12.0, style)]
    if len(lines) < 2:
        return [tex]
    pieces = [rf"\left. {line} \right." for line in lines]
    pieces[0] = pieces[0].replace(r"\left.", rf"\left{opener}", 1)
    pieces[-1] = pieces[-1][: -len(r"\right.")] + rf"\right{closer}"
    return pieces


def split_matrix(tex: str, budget: float = BUDGET) -> list[str]:
    """A matrix environment too wide for ``budget``, its wide entries broken over lines.

    The matrix keeps its rows and columns, one bracket around them all: only the entries
    that take more than their share of ``budget`` are broken (at top-level ``+``/``-``,
    continuation lines indented inside the entry), and rows are set a little apart so
    that each row reads as a group. If that is still far too wide, a matrix of at most 12
    entries is written with named entries, each entry following on its own lines
    (``M_{11} = ...``), row by row; a larger one (many narrow columns) is returned whole
    and ``\\fitline`` shrinks it to the line. Returns the lines, usually one.

    >>> entry = " + ".join(f"x_{{{i}}}" for i in range(1, 9))
    >>> [piece] = split_matrix(rf"\\begin{{bmatrix}}{entry} & {entry}\\end{{bmatrix}}", budget=200)
    >>> piece.startswith(r"\\begin{bmatrix}") and piece.count(r"\\begin{aligned}") == 2
    True
    """
    match = re.match(r"\\begin\{(\w+)\}(.*)\\end\{\1\}$", tex.strip(), re.DOTALL)
    if not match or match.group(1) not in _MATRIX_DELIMITERS:
        return [tex]
    name, body = match.groups()
    rows = [split_cells(row, "&") for row in split_cells(body, r"\\") if row.strip()]
    columns = max(len(row) for row in rows)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(width(row[j], "T") for row in rows) for j in range(columns)]
    if sum(widths) + _GAP * columns <= budget:
        return [tex]
    shares = _shares(widths, budget - _GAP * columns)
    cells = [[_fit_cell(row[j], shares[j]) for j in range(columns)] for row in rows]
    spacing = r" \\[1ex] " if any(r"\begin{aligned}" in cell for row in cells for cell in row) else r" \\ "
    body = spacing.join(" & ".join(row) for row in cells)
    rebuilt = rf"\begin{{{name}}}{body}\end{{{name}}}"
    if width(rebuilt) > _SHRINK_AT_MOST * budget and 1 < len(rows) * columns <= _LISTED_AT_MOST:
        return _entry_by_entry(name, rows, budget)
    return [rebuilt]


def _entry_by_entry(name: str, rows: list[list[str]], budget: float) -> list[str]:
    """A matrix too wide even with its entries broken, as a matrix of entry names, then one line
    (or more) per entry: ``M = [M_11 M_12; ...]``, ``M_11 = ...``."""
    text = " ".join(cell for row in rows for cell in row)
    letter = next((c for c in _ENTRY_LETTERS if not re.search(rf"(?<![A-Za-z\\]){c}(?![A-Za-z])", text)), "M")
    names = [[f"{letter}_{{{i + 1}{j + 1}}}" if cell.strip() else "" for j, cell in enumerate(row)]
             for i, row in enumerate(rows)]
    body = r" \\ ".join(" & ".join(row) for row in names)
    head = rf"\begin{{{name}}}{body}\end{{{name}}},\ \text{{with}}"
    lines = [head]
    for row_names, row in zip(names, rows):
        for entry_name, cell in zip(row_names, row):
            if entry_name:
                # an entry has a line of its own (indented once in its formula, once if continued)
                lines.extend(break_lines(f"{entry_name} = {cell.strip()}", max(budget, BUDGET) - 2 * _INDENT))
    return lines


def _shares(widths: list[float], room: float) -> list[float]:
    """Each column's width limit: narrow columns keep theirs, the wide ones share the rest equally."""
    shares = list(widths)
    wide = sorted(range(len(widths)), key=lambda j: widths[j])
    while wide:
        fair = (room - sum(widths[j] for j in range(len(widths)) if j not in wide)) / len(wide)
        if widths[wide[0]] > fair:
            for j in wide:
                shares[j] = max(fair, 40.0)
            break
        wide.pop(0)
    return shares


def _fit_cell(cell: str, budget: float) -> str:
    """A matrix entry, broken over lines if wider than ``budget``; its lines keep the text style
    of the entries around it (``aligned`` alone would set them larger, in display style)."""
    cell = cell.strip()
    if width(cell, "T") <= budget:
        return cell
    return _aligned(break_lines(cell, budget, "T"), r"\textstyle ")


def _aligned(lines: list[str], style: str = "") -> str:
    if len(lines) == 1:
        return lines[0]
    return r"\begin{aligned}" + r" \\ ".join(f"& {style}{line}" for line in lines) + r"\end{aligned}"


def fitted(formula: str, budget: float = BUDGET) -> str:
    """``formula`` broken to fit ``budget`` (inside its ``\\boxed``, if boxed), not yet guarded."""
    boxed = re.fullmatch(r"\\boxed\{(.*)\}", formula.strip(), re.DOTALL)
    if boxed and _balanced(boxed.group(1)):
        return rf"\boxed{{{_aligned(break_lines(boxed.group(1), budget - 8.0))}}}"
    return _aligned(break_lines(formula, budget))


def fit_display(formula: str, budget: float = BUDGET) -> str:
    """One display ``\\[ ... \\]`` of ``formula``, broken to fit and guarded by ``\\fitline``."""
    return rf"\[ \fitline{{{fitted(formula, budget)}}} \]"


def fit_equation(formula: str, label: str, budget: float = BUDGET) -> str:
    r"""A numbered ``equation`` of ``formula`` with ``label``, fitted beside its number (``\fittagged``).

    >>> fit_equation(r"\boxed{x = 1}", r"\label{a:x}")
    '\\begin{equation} \\fittagged{\\boxed{x = 1}} \\label{a:x} \\end{equation}'
    """
    return rf"\begin{{equation}} \fittagged{{{fitted(formula, budget - TAG_WIDTH)}}} {label} \end{{equation}}"


def repeated(formula: str, label: str, fit: bool = True) -> str:
    r"""A display of ``formula`` numbered as the equation ``label`` it repeats (``fit``: fitted).

    >>> repeated(r"\boxed{x = 1}", "a:x", fit=False)
    '\\[ \\boxed{x = 1} \\tag{\\ref{a:x}} \\]'
    """
    shown = rf"\fittagged{{{fitted(formula, BUDGET - TAG_WIDTH)}}}" if fit else formula
    return rf"\[ {shown} \tag{{\ref{{{label}}}}} \]"


def _balanced(tex: str) -> bool:
    depth = 0
    for index, char in enumerate(tex):
        if index and tex[index - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def fit_fragment(fragment: str, budget: float = BUDGET) -> str:
    """Every one-line display of ``fragment`` fitted: ``\\[ ... \\]`` by :func:`fit_display`,
    a labelled ``equation`` (a boxed result) by :func:`fit_equation`."""
    out = []
    for line in fragment.splitlines():
        match, numbered = _DISPLAY.match(line), _EQUATION.match(line)
        if match:
            line = f"{match.group(1)}{fit_display(match.group(2), budget)}"
        elif numbered:
            line = f"{numbered.group(1)}{fit_equation(numbered.group(2), numbered.group(3), budget)}"
        out.append(line)
    return "\n".join(out) + ("\n" if fragment.endswith("\n") else "")

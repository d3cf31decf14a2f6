"""A generic writer of layered-network diagrams in TikZ.

A network is a list of :class:`Layer` objects (nodes drawn top to bottom, layers left to
right) and, between consecutive layers, a weight matrix whose entry ``(i, j)`` labels the
edge from node ``i`` of one layer to node ``j`` of the next: the sheets' convention
``x W`` with ``W`` of shape (inputs, outputs). A missing matrix (``None``) draws no edges;
a zero entry draws its edge with the label ``0``.

Numbers are printed by one :class:`NumberFormat` for the whole picture: exact
terminating decimals as decimals (``-0.2``) when every rational in the picture is one,
otherwise every rational as a fraction, so that one picture never mixes ``0.5`` and
``1/3``. Other real numbers (``exp(2/5)``) are shown rounded with ``\\approx``, symbols
in the course's LaTeX notation. The text is a function of the numbers alone, so the same
network always gives the same bytes.

>>> import sympy as sp
>>> net = network_tikz([Layer("x", ["x"]), Layer("y", ["y"])], [sp.Matrix([[sp.Rational(1, 2)]])])
>>> net.splitlines()[0].startswith(r"\\begin{tikzpicture}")
True
>>> "node[weight, pos=0.4] {$0.5$}" in net
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

import sympy as sp

from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.errors import ShapeError

#: The most decimal places a rational may need to be printed as a decimal.
MAX_PLACES = 4
#: Decimal places of numbers that are not rational (shown with ``\approx``).
APPROX_PLACES = 4

STYLES = (
    r"neuron/.style={circle, draw, thick, minimum size=9mm, inner sep=1pt, fill=white}",
    r"weight/.style={font=\scriptsize, fill=white, inner sep=1pt, sloped}",
    r"note/.style={font=\scriptsize, align=center}",
    r"caption/.style={font=\small, align=center}",
    r"edge/.style={->, >=stealth, draw=black!60}",
)


def _terminating_places(value: sp.Rational) -> int | None:
    """Decimal places of an exact decimal expansion of ``value``, or None if it repeats."""
    q = int(value.q)
    twos = fives = 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    return max(twos, fives) if q == 1 else None


@dataclass(frozen=True)
class NumberFormat:
    """How the numbers of one picture print: all rationals as decimals or all as fractions.

    >>> fmt = NumberFormat.for_values([sp.Rational(-1, 5), sp.Integer(2)])
    >>> fmt.mode, fmt(sp.Rational(-1, 5)), fmt(sp.Integer(2))
    ('decimal', '-0.2', '2')
    >>> fmt = NumberFormat.for_values([sp.Rational(1, 3), sp.Rational(1, 2)])
    >>> fmt(sp.Rational(1, 2)), fmt(sp.exp(1))
    ('\\\\frac{1}{2}', '\\\\approx 2.7183')
    """

    mode: str = "decimal"

    @classmethod
    def for_values(cls, values: Iterable[Any]) -> NumberFormat:
        """``decimal`` when every rational among ``values`` ends within MAX_PLACES places."""
        for value in values:
            number = as_sympy(value)
            if isinstance(number, sp.Rational):
                places = _terminating_places(number)
                if places is None or places > MAX_PLACES:
                    return cls("fraction")
        return cls("decimal")

    def __call__(self, value: Any) -> str:
        """LaTeX (math mode content) of one number or expression."""
        number = as_sympy(value)
        if isinstance(number, sp.Rational):
            return self._rational(number)
        if number.is_number and number.is_real:
            return r"\approx " + _decimal(number.evalf(30), APPROX_PLACES)
        return to_latex(number)

    def _rational(self, value: sp.Rational) -> str:
        if value.q == 1:
            return str(value.p)
        places = _terminating_places(value)
        if self.mode == "decimal" and places is not None:
            with localcontext() as context:
                context.prec = 60
                text = format(Decimal(int(value.p)) / Decimal(int(value.q)), "f")
            return text
        sign = "-" if value < 0 else ""
        return rf"{sign}\frac{{{abs(value.p)}}}{{{value.q}}}"


def _decimal(value: sp.Expr, places: int) -> str:
    """``value`` rounded to ``places`` decimals (no exponent, no ``-0``)."""
    text = format(Decimal(str(sp.Float(value, 30))).quantize(Decimal(1).scaleb(-places)), "f")
    return text[1:] if text.startswith("-") and set(text[1:]) <= {"0", "."} else text


@dataclass(frozen=True)
class Layer:
    """One column of nodes.

    ``labels`` are LaTeX math written inside the nodes; ``above`` and ``below`` are
    optional per-node LaTeX math notes (e.g. a bias above, a computed value below; an
    empty string or None leaves a node without one); ``caption`` names the layer under it.
    """

    caption: str
    labels: Sequence[str]
    above: Sequence[str | None] = field(default_factory=tuple)
    below: Sequence[str | None] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.labels)


def _entries(matrix: Any) -> list[list[Any]]:
    """Rows of a SymPy Matrix, NumPy array or nested list."""
    if isinstance(matrix, sp.MatrixBase):
        return matrix.tolist()
    if hasattr(matrix, "tolist"):
        matrix = matrix.tolist()
    return [list(row) for row in matrix]


def matrix_numbers(weights: Sequence[Any]) -> list[Any]:
    """Every entry of the weight matrices (skipping ``None``), for :meth:`NumberFormat.for_values`."""
    return [entry for matrix in weights if matrix is not None for row in _entries(matrix) for entry in row]


def network_tikz(
    layers: Sequence[Layer],
    weights: Sequence[Any],
    *,
    number_format: NumberFormat | None = None,
    layer_sep: float = 4.0,
    node_sep: float = 1.9,
    label_pos: float | None = None,
) -> str:
    """A ``tikzpicture`` of the layered network, needing only ``\\usepackage{tikz}``.

    ``weights[k]`` is the matrix between ``layers[k]`` and ``layers[k + 1]``, of shape
    ``(len(layers[k]), len(layers[k + 1]))``; its entries become the edge labels, printed
    by ``number_format`` (chosen from the weights when not given). An entry ``None``
    leaves its edge undrawn. ``label_pos`` is how far along an edge its label sits; by
    default (:func:`label_positions`) the labels of edges into different target nodes sit
    at different distances, which keeps the labels of a dense layer apart; labels are
    drawn after every edge, on a white ground, so no edge runs through one.
    """
    if len(weights) != len(layers) - 1:
        raise ShapeError(f"{len(layers)} layers need {len(layers) - 1} weight matrices, got {len(weights)}")
    fmt = number_format or NumberFormat.for_values(matrix_numbers(weights))
    labels: list[str] = []  # drawn after every edge, so that no edge crosses a label
    lines = [r"\begin{tikzpicture}[" + ", ".join(STYLES) + "]"]
    for k, layer in enumerate(layers):
        x = k * layer_sep
        for i, label in enumerate(layer.labels):
            y = ((len(layer) - 1) / 2 - i) * node_sep
            lines.append(rf"  \node[neuron] (l{k}n{i}) at ({_num(x)}, {_num(y)}) {{${label}$}};")
            for anchor, side, notes in (("south", "north", layer.above), ("north", "south", layer.below)):
                note = notes[i] if i < len(notes) else None
                if note:
                    lines.append(rf"  \node[note, anchor={anchor}] at (l{k}n{i}.{side}) {{${note}$}};")
        bottom = -((max(len(item) for item in layers) - 1) / 2) * node_sep - 1.2
        lines.append(rf"  \node[caption] at ({_num(x)}, {_num(bottom)}) {{{layer.caption}}};")
    for k, matrix in enumerate(weights):
        if matrix is None:
            continue
        rows = _entries(matrix)
        shape = (len(rows), len(rows[0]) if rows else 0)
        if shape != (len(layers[k]), len(layers[k + 1])):
            raise ShapeError(f"weights between layers {k} and {k + 1} have shape {shape}, "
                             f"expected ({len(layers[k])}, {len(layers[k + 1])})")
        where = label_positions(*shape) if label_pos is None else [label_pos] * shape[1]
        edges = [(i, j, entry) for i, row in enumerate(rows) for j, entry in enumerate(row)
                 if entry is not None]
        lines.extend(rf"  \draw[edge] (l{k}n{i}) -- (l{k + 1}n{j});" for i, j, _ in edges)
        labels.extend(rf"  \path (l{k}n{i}) -- node[weight, pos={_num(where[j])}] {{${fmt(entry)}$}} "
                      rf"(l{k + 1}n{j});" for i, j, entry in edges)
    lines.extend(labels)
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines) + "\n"


def label_positions(sources: int, targets: int, low: float = 0.22, high: float = 0.7) -> list[float]:
    """Where along its edge each label sits, per target node.

    Between two layers of several nodes each, the labels of edges into target ``j`` sit
    at their own distance (spread from ``low`` to ``high``): labels of one target are
    apart vertically, labels of different targets horizontally. When either layer is a
    single node no edges cross, and every label sits at 0.4.

    >>> label_positions(4, 3), label_positions(1, 2)
    ([0.22, 0.46, 0.7], [0.4, 0.4])
    """
    if sources == 1 or targets == 1:
        return [0.4] * targets
    return [round(low + (high - low) * j / (targets - 1), 3) for j in range(targets)]


def _num(value: float) -> str:
    """A coordinate with at most three decimals and no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def document(*snippets: str) -> str:
    """A minimal LaTeX document holding ``snippets`` (for compiling and previewing them)."""
    body = "\n\\bigskip\n\n".join(snippets)
    return ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{tikz}\n\\pagestyle{empty}\n"
            f"\\begin{{document}}\n{body}\\end{{document}}\n")

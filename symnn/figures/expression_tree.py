"""The expression tree of a matrix function, with the reverse sweep's path to the variable.

Each node shows its operation (``\\times`` for a product, ``\\odot``, ``tr``, ...), each
leaf its matrix, scalar or number; the nodes through which the adjoint flows from ``f``
down to the variable are drawn in blue. The tree is read from the derivation's own
parameters, so it is the tree the derivation walked.

>>> import symnn
>>> tikz = expression_tree_diagram(symnn.derive("matrix-gradient"))
>>> tikz.startswith(r"\\begin{tikzpicture}"), tikz.count("node[adjoint]")
(True, 6)
"""

from __future__ import annotations

from symnn.core.derivation import Derivation
from symnn.matrix_calculus.expression import Term, read_typed
from symnn.matrix_calculus.functions import ELEMENTWISE

_OPERATIONS = {
    "add": "+", "sub": "-", "neg": "-", "smul": r"\times", "scale": r"\times", "matmul": r"\times",
    "div": r"\div", "pow": r"(\cdot)^{p}", "transpose": r"(\cdot)^{T}", "trace": r"\operatorname{tr}",
    "entry": r"\operatorname{tr}", "sum": r"\operatorname{sum}", "norm": r"\|\cdot\|_F",
    "hadamard": r"\odot", "inv": r"(\cdot)^{-1}", "det": r"\det", "logdet": r"\log\det",
}  # fmt: skip


def _label(term: Term) -> str:
    if term.kind in ("matrix", "scalar", "number"):
        return term.value
    if term.kind == "apply":
        return ELEMENTWISE[term.value].tex
    return _OPERATIONS[term.kind]


def _subtree(term: Term, wrt: str, indent: str) -> str:
    style = "adjoint" if term.depends_on(wrt) else "constant"
    text = f"node[{style}] {{${_label(term)}$}}"
    for child in term.children:
        text += f"\n{indent}  child {{{_subtree(child, wrt, indent + '  ')}}}"
    return text


def expression_tree_diagram(d: Derivation) -> str:
    """The ``tikzpicture`` of the tree of ``f`` for a ``matrix-gradient`` derivation."""
    params = d.parameters
    term, _ = read_typed(params["f"], params["shapes"])
    wrt = params["wrt"]
    return "\n".join([
        r"\begin{tikzpicture}[level distance=11mm,",
        r"  level 1/.style={sibling distance=36mm}, level 2/.style={sibling distance=18mm},",
        r"  level 3/.style={sibling distance=12mm}, level 4/.style={sibling distance=9mm},",
        r"  adjoint/.style={draw=blue!70!black, thick, rounded corners, font=\small, inner sep=2pt},",
        r"  constant/.style={draw=black!40, rounded corners, font=\small, inner sep=2pt},",
        r"  edge from parent/.style={draw=black!50}]",
        "\\" + _subtree(term, wrt, "") + ";",
        r"\end{tikzpicture}",
    ])

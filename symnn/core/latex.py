"""The one LaTeX printer of symnn: SymPy's, taught the course's notation.

Differences from :func:`sympy.latex`: the functions ``sigma`` (logistic sigmoid),
``softmax``, ``ReLU`` and ``indicator`` print as the sheets write them, symbols such as
``W1_12`` print as :math:`W^{(1)}_{12}`, and matrices use ``bmatrix``.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> to_latex(sp.Function("sigma")(x))
'\\\\sigma\\\\left(x\\\\right)'
>>> to_latex(sp.Symbol("W1_12"))
'W^{(1)}_{12}'
>>> to_latex(sp.Matrix([[1, 2]]))
'\\\\begin{bmatrix}1 & 2\\\\end{bmatrix}'
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

_LAYER_SYMBOL = re.compile(r"^([A-Za-z])(\d)_(\w+)$")
_FUNCTION_NAMES = {
    "sigma": r"\sigma",
    "softmax": r"\operatorname{softmax}",
    "ReLU": r"\operatorname{ReLU}",
    "indicator": r"\mathbb{1}",
    "H": r"H",
}


class SymnnLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the notation table of ``docs/notation.md``."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        merged = {"mat_delim": "", "mat_str": "bmatrix"}
        merged.update(settings or {})
        super().__init__(merged)

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        match = _LAYER_SYMBOL.match(expr.name)
        if match:
            letter, layer, index = match.groups()
            return f"{letter}^{{({layer})}}_{{{index}}}"
        return super()._print_Symbol(expr, style=style)

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        name = type(expr).__name__
        if name in _FUNCTION_NAMES:
            args = ", ".join(self._print(arg) for arg in expr.args)
            tex = rf"{_FUNCTION_NAMES[name]}\left({args}\right)"
            return f"{tex}^{{{exp}}}" if exp else tex
        return super()._print_Function(expr, exp)


def to_latex(expr: Any, **settings: Any) -> str:
    """LaTeX of a SymPy object (or anything ``sympy.latex`` accepts) in symnn notation."""
    if isinstance(expr, str):
        return expr
    return SymnnLatexPrinter(settings).doprint(expr)

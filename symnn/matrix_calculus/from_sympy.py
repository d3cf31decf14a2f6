"""SymPy matrix expressions written in the reader's grammar, so that both inputs take one path.

A user may give ``f`` as a SymPy expression in ``MatrixSymbol`` objects instead of text; it
is printed in the grammar of :mod:`symnn.matrix_calculus.reader` and its shapes are read
off its matrix symbols. Objects the grammar has no word for are refused.

>>> import sympy as sp
>>> X, w = sp.MatrixSymbol("X", 5, 3), sp.MatrixSymbol("w", 3, 1)
>>> as_text(sp.Trace(X.T * X * w * w.T))
('tr(transpose(X)*X*w*transpose(w))', [['X', 5, 3], ['w', 3, 1]])
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from symnn.matrix_calculus.expression import EntrySum
from symnn.matrix_calculus.functions import ELEMENTWISE
from symnn.matrix_calculus.printing import elementwise_function
from symnn.matrix_calculus.reader import MatrixExpressionError

_NAMES = {rule.scalar: name for name, rule in ELEMENTWISE.items()}


class _GrammarPrinter(StrPrinter):
    """Prints only what the grammar can read; anything else raises."""

    def emptyPrinter(self, expr: Any) -> str:
        raise MatrixExpressionError(str(expr), f"{type(expr).__name__} has no word in the grammar")

    def _print_Transpose(self, expr: Any) -> str:
        return f"transpose({self._print(expr.arg)})"

    def _print_Trace(self, expr: Any) -> str:
        return f"tr({self._print(expr.arg)})"

    def _print_Inverse(self, expr: Any) -> str:
        return f"inv({self._print(expr.arg)})"

    def _print_Determinant(self, expr: Any) -> str:
        return f"det({self._print(expr.arg)})"

    def _print_HadamardProduct(self, expr: Any) -> str:
        text = self._print(expr.args[0])
        for arg in expr.args[1:]:
            text = f"hadamard({text}, {self._print(arg)})"
        return text

    def _print_EntrySum(self, expr: EntrySum) -> str:
        return f"sum({self._print(expr.args[0])})"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        function = elementwise_function(expr)
        if function not in _NAMES:
            raise MatrixExpressionError(str(expr), f"the elementwise function {function} is not known")
        return f"{_NAMES[function]}({self._print(expr.expr)})"

    def _print_Function(self, expr: Any) -> str:
        if expr.func in _NAMES:
            return f"{_NAMES[expr.func]}({self._print(expr.args[0])})"
        return self.emptyPrinter(expr)

    def _print_MatMul(self, expr: Any) -> str:
        return "*".join(self.parenthesize(arg, 50) for arg in expr.args)

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        return f"({self._print(expr.base)})^({self._print(expr.exp)})"

    def _print_Rational(self, expr: Any) -> str:
        return f"({expr.p}/{expr.q})"

    def _print_Float(self, expr: Any) -> str:
        raise MatrixExpressionError(str(expr), "floating-point numbers are not exact: use a Rational")


def as_text(expr: Any) -> tuple[str, list[list[Any]]]:
    """``expr`` in the grammar, with the shapes of its matrix symbols."""
    if isinstance(expr, sp.MatrixBase):
        raise MatrixExpressionError(str(expr), "explicit matrices have no names: use MatrixSymbols")
    shapes = []
    for symbol in sorted(expr.atoms(sp.MatrixSymbol), key=lambda s: s.name):
        shapes.append([symbol.name, *(int(s) if s.is_Integer else str(s) for s in symbol.shape)])
    return _GrammarPrinter().doprint(expr), shapes

"""LaTeX of matrix expressions in the course's notation.

The project's printer (:mod:`symnn.core.latex`), taught matrix-calculus objects:
an elementwise function prints as ``f(A)`` (applied entrywise), the all-ones matrix as
:math:`\\mathbf{1}_{m \\times n}`, the Hadamard product as :math:`\\odot`, the entrywise
reciprocal as :math:`A^{\\circ -1}`, the identity as :math:`I_n`, the indicator of a
positive entry as :math:`\\mathbb{1}(A > 0)`.

>>> import sympy as sp
>>> from symnn.matrix_calculus.functions import apply, indicator
>>> A = sp.MatrixSymbol("A", 2, 3)
>>> matrix_latex(sp.sqrt(sp.Trace(A.T * A))).replace(chr(92), '/')
'/left/|A/right/|_F'

>>> matrix_latex(sp.HadamardProduct(sp.OneMatrix(2, 3), apply(indicator, A)))
'\\\\mathbf{1}_{2 \\\\times 3} \\\\odot \\\\mathbb{1}\\\\left(A > 0\\\\right)'
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.core.latex import SymnnLatexPrinter
from symnn.matrix_calculus.functions import ELEMENTWISE, indicator

_TEX = {rule.scalar: rule.tex for rule in ELEMENTWISE.values()}


class MatrixLatexPrinter(SymnnLatexPrinter):
    """The project's LaTeX printer with the matrix-calculus notation."""

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        function, argument = elementwise_function(expr), self._print(expr.expr)
        if function is indicator:
            return rf"\mathbb{{1}}\left({argument} > 0\right)"
        name = _TEX.get(function, self._print(function))
        return rf"{name}\left({argument}\right)"

    def _print_Trace(self, expr: Any) -> str:
        inner = _gram_argument(expr)
        if inner is not None:
            return rf"\left\|{self._print(inner)}\right\|_F^{{2}}"
        return super()._print_Trace(expr)

    def _print_Pow(self, expr: Any, exp: str | None = None) -> str:
        gram = _gram_argument(expr.base) if isinstance(expr.base, sp.Trace) else None
        if gram is not None:
            inner = self._print(gram)
            if expr.exp == sp.Rational(1, 2):
                return rf"\left\|{inner}\right\|_F"
            if expr.exp == sp.Rational(-1, 2):
                return rf"\frac{{1}}{{\left\|{inner}\right\|_F}}"
        return super()._print_Pow(expr)

    def _print_OneMatrix(self, expr: Any) -> str:
        rows, cols = (self._print(size) for size in expr.shape)
        return rf"\mathbf{{1}}_{{{rows} \times {cols}}}"

    def _print_Identity(self, expr: Any) -> str:
        return rf"I_{{{self._print(expr.shape[0])}}}"

    def _print_HadamardProduct(self, expr: Any) -> str:
        return r" \odot ".join(self.parenthesize(arg, 75) for arg in expr.args)

    def _print_HadamardPower(self, expr: Any) -> str:
        return rf"{self.parenthesize(expr.base, 1000)}^{{\circ {self._print(expr.exp)}}}"


def _gram_argument(trace: Any) -> Any:
    """``A`` when ``trace`` is ``tr(A^T A)`` (the squared Frobenius norm of ``A``), else None."""
    product = trace.arg
    if isinstance(product, sp.MatMul) and len(product.args) == 2:
        left, right = product.args
        if right == left.T or (left.T - right) == sp.ZeroMatrix(*right.shape):
            return right
    return None


def elementwise_function(expr: Any) -> Any:
    """The function class an elementwise application applies (SymPy may wrap it in a Lambda)."""
    function = expr.function
    if isinstance(function, sp.Lambda) and len(function.variables) == 1:
        body = function.expr
        if body.args == function.variables:
            return body.func
    return function


def matrix_latex(expr: Any) -> str:
    """LaTeX of a matrix expression (or scalar) in matrix-calculus notation."""
    return MatrixLatexPrinter().doprint(expr)


def gradient_symbol(tex: str) -> str:
    """``\\nabla_{tex} f``: the adjoint of a sub-expression given in LaTeX.

    >>> gradient_symbol("X w - y").replace(chr(92), "/")
    '/nabla_{X w - y}/, f'
    """
    return rf"\nabla_{{{tex}}}\, f"


def term_latex(term: Any) -> str:
    """LaTeX of a typed term's SymPy object."""
    return matrix_latex(term.expr) if not isinstance(term, sp.Basic) else matrix_latex(term)

"""SymPy functions the activation table needs: the logistic sigmoid, kept unevaluated.

.. math:: \\sigma(x) = \\frac{1}{1 + e^{-x}}

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> sp.latex(sigma(x)), sigma(x).rewrite(sp.exp)
('\\\\sigma{\\\\left(x \\\\right)}', 1/(1 + exp(-x)))
"""

from __future__ import annotations

import sympy as sp


class sigma(sp.Function):
    """The logistic sigmoid :math:`\\sigma(x) = 1/(1 + e^{-x})`, kept unevaluated.

    >>> x = sp.Symbol("x")
    >>> sigma(x).rewrite(sp.exp)
    1/(1 + exp(-x))
    """

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **hints: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _eval_is_extended_real(self) -> bool | None:
        return self.args[0].is_extended_real

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_extended_real else None


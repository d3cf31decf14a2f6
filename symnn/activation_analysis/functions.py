"""SymPy functions the activation table needs: the logistic sigmoid, kept unevaluated.

The one definition is :class:`symnn.core.activation_functions.sigma`, re-exported here.

.. math:: \\sigma(x) = \\frac{1}{1 + e^{-x}}

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> sp.latex(sigma(x)), sigma(x).rewrite(sp.exp), sigma(x).is_positive
('\\\\sigma{\\\\left(x \\\\right)}', 1/(1 + exp(-x)), True)
"""

from __future__ import annotations

from symnn.core.activation_functions import sigma

__all__ = ["sigma"]

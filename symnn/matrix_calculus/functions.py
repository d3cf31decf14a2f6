"""The elementwise functions of matrix expressions, as one table of rules.

Each :class:`Elementwise` entry holds what the engine needs of one function: its SymPy
form on a scalar, its derivative written as a matrix expression of the argument (the
factor of the vector-Jacobian product ``G -> G ∘ f'(A)``), an explicit scalar form for
certification by expansion, and a NumPy form for numeric checks.

Convention: ``relu'(0) = 0``, so ``relu'(x) = 1(x > 0)``, the indicator.

.. math:: \\operatorname{relu}'(x) = \\mathbb{1}(x > 0), \\quad \\sigma' = \\sigma (1 - \\sigma),
          \\quad \\tanh' = 1 - \\tanh^2, \\quad \\operatorname{softplus}' = \\sigma

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> ELEMENTWISE["sigmoid"].explicit(x)
1/(1 + exp(-x))
>>> sp.diff(ReLU(x), x)
indicator(x)
>>> sorted(ELEMENTWISE)
['exp', 'log', 'relu', 'sigmoid', 'softplus', 'tanh']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction


class indicator(sp.Function):
    """The indicator ``1(x > 0)`` (so that ``relu'(0) = 0``); its derivative is 0 a.e."""

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_number and arg.is_extended_real:
            return sp.Integer(1) if arg > 0 else sp.Integer(0)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0)

    def _eval_rewrite_as_Piecewise(self, arg: sp.Expr, **hints: object) -> sp.Expr:
        return sp.Piecewise((1, arg > 0), (0, True))


class ReLU(sp.Function):
    """``relu(x) = max(x, 0)``, kept unevaluated on symbols."""

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_number and arg.is_extended_real:
            return sp.Max(arg, 0)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return indicator(self.args[0])

    def _eval_rewrite_as_Piecewise(self, arg: sp.Expr, **hints: object) -> sp.Expr:
        return sp.Piecewise((arg, arg > 0), (0, True))


class sigma(sp.Function):
    """The logistic sigmoid ``1/(1 + exp(-x))``, kept unevaluated."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigma(self.args[0]) * (1 - sigma(self.args[0]))

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **hints: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)


class softplus(sp.Function):
    """``softplus(x) = log(1 + exp(x))``, kept unevaluated."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigma(self.args[0])

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **hints: object) -> sp.Expr:
        return sp.log(1 + sp.exp(arg))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return sp.log(1 + sp.exp(self.args[0]))._eval_evalf(prec)


def apply(function: type[sp.Function] | sp.FunctionClass, matrix: sp.MatrixExpr) -> sp.MatrixExpr:
    """``function`` applied to every entry of ``matrix`` (a SymPy elementwise application)."""
    return ElementwiseApplyFunction(function, matrix)


def _ones_like(a: sp.MatrixExpr) -> sp.MatrixExpr:
    return sp.OneMatrix(*a.shape)


def _sigmoid_derivative(a: sp.MatrixExpr) -> sp.MatrixExpr:
    return sp.HadamardProduct(apply(sigma, a), _ones_like(a) - apply(sigma, a))


def _tanh_derivative(a: sp.MatrixExpr) -> sp.MatrixExpr:
    return _ones_like(a) - sp.HadamardProduct(apply(sp.tanh, a), apply(sp.tanh, a))


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Elementwise:
    """One elementwise function: scalar form, matrix derivative, explicit form, NumPy form.

    ``route`` names the decision route that decides its identities after expansion;
    ``positive`` says the argument must be positive (``log``).
    """

    name: str
    scalar: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.MatrixExpr], sp.MatrixExpr]
    scalar_derivative: Callable[[sp.Expr], sp.Expr]
    explicit: Callable[[sp.Expr], sp.Expr]
    numeric: Callable[[np.ndarray], np.ndarray]
    route: str
    tex: str
    positive: bool = False


ELEMENTWISE: dict[str, Elementwise] = {
    "relu": Elementwise(
        "relu", ReLU, lambda a: apply(indicator, a), indicator,
        lambda x: sp.Piecewise((x, x > 0), (0, True)), lambda x: np.maximum(x, 0.0),
        "indicators-expand", r"\operatorname{ReLU}"),
    "sigmoid": Elementwise(
        "sigmoid", sigma, _sigmoid_derivative, lambda x: sigma(x) * (1 - sigma(x)),
        lambda x: 1 / (1 + sp.exp(-x)), _np_sigmoid, "exp-atoms", r"\sigma"),
    "tanh": Elementwise(
        "tanh", sp.tanh, _tanh_derivative, lambda x: 1 - sp.tanh(x) ** 2,
        sp.tanh, np.tanh, "exp-atoms", r"\tanh"),
    "exp": Elementwise(
        "exp", sp.exp, lambda a: apply(sp.exp, a), sp.exp, sp.exp, np.exp, "exp-atoms", r"\exp"),
    "log": Elementwise(
        "log", sp.log, lambda a: sp.HadamardPower(a, -1), lambda x: 1 / x, sp.log, np.log,
        "cancel", r"\log", positive=True),
    "softplus": Elementwise(
        "softplus", softplus, lambda a: apply(sigma, a), sigma,
        lambda x: sp.log(1 + sp.exp(x)), lambda x: np.logaddexp(0.0, x), "exp-atoms",
        r"\operatorname{softplus}"),
}  # fmt: skip

#: explicit forms of the unevaluated functions, for certification by expansion
EXPLICIT: dict[type, Callable[[sp.Expr], sp.Expr]] = {
    ReLU: ELEMENTWISE["relu"].explicit,
    sigma: ELEMENTWISE["sigmoid"].explicit,
    softplus: ELEMENTWISE["softplus"].explicit,
    indicator: lambda x: sp.Piecewise((1, x > 0), (0, True)),
}


def explicit(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every unevaluated function of this module written out.

    >>> x = sp.Symbol("x")
    >>> explicit(softplus(x) + indicator(x))
    Piecewise((1, x > 0), (0, True)) + log(exp(x) + 1)
    """
    return expr.replace(
        lambda e: type(e) in EXPLICIT, lambda e: EXPLICIT[type(e)](e.args[0])
    )

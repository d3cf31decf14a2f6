"""The elementwise functions of matrix expressions, as one table of rules.

Each :class:`Elementwise` entry holds what the engine needs of one function: its SymPy
form on a scalar, its derivative written as a matrix expression of the argument (the
factor of the vector-Jacobian product ``G -> G ∘ f'(A)``), an explicit scalar form for
certification by expansion, and a NumPy form for numeric checks. The activations among
them (relu, sigmoid, softplus, tanh) extend the core registry
:data:`symnn.core.activation_definitions.DEFINITIONS`: their SymPy function, derivative,
NumPy form and LaTeX name are the registry's; this table adds the matrix derivative and
the decision route. ``exp`` and ``log`` are this engine's own.

Convention: ``relu'(0) = 0``, so ``relu'(x) = 1(x > 0)``, the indicator (``indicator`` is
:class:`~symnn.core.activation_functions.Step`).

.. math:: \\operatorname{relu}'(x) = \\mathbb{1}(x > 0), \\quad \\sigma' = \\sigma (1 - \\sigma),
          \\quad \\tanh' = 1 - \\tanh^2, \\quad \\operatorname{softplus}' = \\sigma

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> ELEMENTWISE["sigmoid"].explicit(x)
1/(1 + exp(-x))
>>> sp.diff(ReLU(x), x)
Step(x)
>>> sorted(ELEMENTWISE)
['exp', 'log', 'relu', 'sigmoid', 'softplus', 'tanh']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symnn.core.activation_definitions import DEFINITIONS, ActivationDefinition
from symnn.core.activation_functions import ReLU, Step, sigma, softplus, written

__all__ = ["ELEMENTWISE", "Elementwise", "ReLU", "apply", "explicit", "indicator", "sigma", "softplus"]

#: the indicator ``1(x > 0)``, the derivative of ReLU (``relu'(0) = 0``)
indicator = Step


def apply(function: type[sp.Function] | sp.FunctionClass, matrix: sp.MatrixExpr) -> sp.MatrixExpr:
    """``function`` applied to every entry of ``matrix`` (a SymPy elementwise application)."""
    return ElementwiseApplyFunction(function, matrix)


def _ones_like(a: sp.MatrixExpr) -> sp.MatrixExpr:
    return sp.OneMatrix(*a.shape)


def _sigmoid_derivative(a: sp.MatrixExpr) -> sp.MatrixExpr:
    return sp.HadamardProduct(apply(sigma, a), _ones_like(a) - apply(sigma, a))


def _tanh_derivative(a: sp.MatrixExpr) -> sp.MatrixExpr:
    return _ones_like(a) - sp.HadamardProduct(apply(sp.tanh, a), apply(sp.tanh, a))


@dataclass(frozen=True)
class Elementwise:
    """One elementwise function: scalar form, matrix derivative, explicit form, NumPy form.

    ``route`` names the decision route that decides its identities after expansion;
    ``positive`` says the argument must be positive (``log``); ``definition`` is the
    registry's entry for an activation (``None`` for ``exp`` and ``log``).
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
    definition: ActivationDefinition | None = None


def _activation(name: str, derivative: Callable[[sp.MatrixExpr], sp.MatrixExpr], route: str) -> Elementwise:
    """The entry of the registry's activation ``name``, with its matrix derivative and route."""
    d = DEFINITIONS[name]
    return Elementwise(name, d.head, derivative, d.f_prime, lambda x: written(d.f(x)), d.numpy, route, d.tex,
                       definition=d)


ELEMENTWISE: dict[str, Elementwise] = {
    "relu": _activation("relu", lambda a: apply(indicator, a), "indicators-expand"),
    "sigmoid": _activation("sigmoid", _sigmoid_derivative, "exp-atoms"),
    "tanh": _activation("tanh", _tanh_derivative, "exp-atoms"),
    "exp": Elementwise(
        "exp", sp.exp, lambda a: apply(sp.exp, a), sp.exp, sp.exp, np.exp, "exp-atoms", r"\exp"),
    "log": Elementwise(
        "log", sp.log, lambda a: sp.HadamardPower(a, -1), lambda x: 1 / x, sp.log, np.log,
        "cancel", r"\log", positive=True),
    "softplus": _activation("softplus", lambda a: apply(sigma, a), "exp-atoms"),
}  # fmt: skip


def explicit(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every unevaluated activation function written out (:func:`~symnn.core.
    activation_functions.written`).

    >>> x = sp.Symbol("x")
    >>> explicit(softplus(x) + indicator(x))
    Piecewise((1, x > 0), (0, True)) + log(exp(x) + 1)
    """
    return written(expr)

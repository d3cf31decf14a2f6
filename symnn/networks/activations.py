"""The activation functions of the engine, as a rule table: one row per activation.

Each :class:`Activation` extends the activation's definition in the core registry
(:data:`symnn.core.activation_definitions.DEFINITIONS`: ``f(z)``, ``f'(z)``, alpha, whether it
is piecewise linear, so that rational inputs give rational outputs) with what this engine
adds: the decision route that proves ``f' = d f / d z`` and the LaTeX of the definition and
the derivative rule. ``softmax`` acts on a whole row, has no entry in the registry, and is
allowed in the output layer only.

.. math::

    \\operatorname{ReLU}(z) = \\max(z, 0),\\quad
    \\operatorname{LReLU}_\\alpha(z) = \\begin{cases} z & z > 0 \\\\ \\alpha z & z \\le 0
    \\end{cases},\\quad \\sigma(z) = \\frac{1}{1 + e^{-z}},\\quad
    \\operatorname{softplus}(z) = \\log(1 + e^{z}).

Conventions, as the simulator has them: ``relu'(0) = 0`` and ``leaky_relu'(0) = alpha``
(the derivative of the left piece). The SymPy functions ``ReLU``, ``Step``, ``LReLU``,
``LStep``, ``sigma`` and ``softplus`` are those of :mod:`symnn.core.activation_functions`.

>>> z = sp.Symbol("z")
>>> ACTIVATIONS["tanh"].derivative(z, 0)
1 - tanh(z)**2
>>> ACTIVATIONS["relu"].function(sp.Rational(-1, 2), 0), ACTIVATIONS["relu"].derivative(0, 0)
(0, 0)
>>> proved = [a.lemma(sp.Rational(1, 5)).route for a in ACTIVATIONS.values() if a.elementwise]
>>> len(proved)
6
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symnn.core.activation_definitions import DEFINITIONS, NOT_ELEMENTWISE, ActivationDefinition
from symnn.core.activation_functions import LReLU, LStep, ReLU, Step, sigma, softplus
from symnn.core.certify import Certificate, certify
from symnn.errors import ParameterError

__all__ = ["ACTIVATIONS", "Activation", "LReLU", "LStep", "ReLU", "Step", "Z", "apply", "derivative",
           "sigma", "softmax_row", "softplus"]

Z = sp.Symbol("z")


@dataclass(frozen=True)
class Activation:
    """One row of the rule table: the registry's definition (``None`` for the row-wise softmax),
    the route proving ``f'``, its notation."""

    name: str
    definition: ActivationDefinition | None
    route: str
    tex: str
    derivative_tex: str

    @property
    def elementwise(self) -> bool:
        """False for softmax, which maps a row to a row."""
        return self.definition is not None

    @property
    def piecewise_linear(self) -> bool:
        """Piecewise linear: written out as a ``Piecewise``, rational on rationals."""
        return self.definition is not None and self.definition.piecewise_linear

    @property
    def function(self) -> Callable[[sp.Expr, sp.Expr], sp.Expr]:
        """``f(z, alpha)``, the registry's."""
        return self._elementwise().function

    @property
    def derivative(self) -> Callable[[sp.Expr, sp.Expr], sp.Expr]:
        """``f'(z, alpha)``, the registry's."""
        return self._elementwise().derivative

    def _elementwise(self) -> ActivationDefinition:
        if self.definition is None:
            reason = NOT_ELEMENTWISE[self.name]
            raise ParameterError("activation", self.name, f"an elementwise activation ({reason})")
        return self.definition

    def lemma(self, alpha: sp.Expr) -> Certificate:
        """Certify ``f'(z) = d f(z)/dz`` for a real variable ``z`` by the row's route.

        The function is written out (``Piecewise`` for the piecewise-linear ones) and SymPy
        differentiates it; the rule the engine uses must equal that derivative.
        """
        z = sp.Symbol("z", real=True)
        kind = sp.Piecewise if self.piecewise_linear else sp.exp
        written = self.function(z, alpha).rewrite(kind)
        rule = self.derivative(z, alpha).rewrite(kind)
        return certify(sp.diff(written, z), rule, self.route)


def _row(name: str, route: str, tex: str, derivative_tex: str) -> Activation:
    """The row of ``name``: the registry's entry (none for softmax) with this engine's route and LaTeX."""
    definition = None if name in NOT_ELEMENTWISE else DEFINITIONS[name]
    return Activation(name, definition, route, tex, derivative_tex)


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    _row("identity", "expand", r"\operatorname{id}(z) = z", r"\operatorname{id}'(z) = 1"),
    _row("relu", "piecewise", r"\operatorname{ReLU}(z) = \max(z, 0)",
         r"\operatorname{ReLU}'(z) = \mathbb{1}[z > 0]"),
    _row("leaky_relu", "piecewise", r"\operatorname{LReLU}(z) = z \text{ if } z > 0 \text{ else } \alpha z",
         r"\operatorname{LReLU}'(z) = 1 \text{ if } z > 0 \text{ else } \alpha"),
    _row("sigmoid", "exp-cancel", r"\sigma(z) = \frac{1}{1 + e^{-z}}",
         r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))"),
    _row("tanh", "exp-cancel", r"\tanh z", r"\tanh'(z) = 1 - \tanh^2 z"),
    _row("softplus", "exp-cancel", r"\operatorname{softplus}(z) = \log(1 + e^{z})",
         r"\operatorname{softplus}'(z) = \sigma(z)"),
    _row("softmax", "exp-cancel", r"\operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}",
         r"\partial \operatorname{softmax}(z)_k / \partial z_j = y_k(\delta_{kj} - y_j)"),
)}


def softmax_row(z: list[sp.Expr]) -> list[sp.Expr]:
    """``exp(z_k) / sum_j exp(z_j)`` for one row.

    >>> softmax_row([sp.Integer(0), sp.Integer(0)])
    [1/2, 1/2]
    """
    exps = [sp.exp(v) for v in z]
    total = sum(exps, sp.Integer(0))
    return [e / total for e in exps]


def apply(name: str, Z: sp.Matrix, alpha: sp.Expr) -> sp.Matrix:
    """The activation ``name`` applied to the pre-activations ``Z`` (rows are examples)."""
    activation = ACTIVATIONS[name]
    if not activation.elementwise:
        return sp.Matrix([softmax_row(list(Z.row(k))) for k in range(Z.rows)])
    return Z.applyfunc(lambda z: activation.function(z, alpha))


def derivative(name: str, Z: sp.Matrix, alpha: sp.Expr) -> sp.Matrix:
    """``f'(Z)`` entrywise, for an elementwise activation."""
    activation = ACTIVATIONS[name]
    return Z.applyfunc(lambda z: activation.derivative(z, alpha))

"""The activation functions of the engine, as a rule table: one row per activation.

Each :class:`Activation` carries its definition ``f(z)`` and its derivative rule ``f'(z)``
as SymPy expressions of one variable, the decision route that proves ``f' = d f / d z``,
its LaTeX name and whether it is piecewise linear (then rational inputs give rational
outputs). ``softmax`` acts on a whole row and is allowed in the output layer only.

.. math::

    \\operatorname{ReLU}(z) = \\max(z, 0),\\quad
    \\operatorname{LReLU}_\\alpha(z) = \\begin{cases} z & z > 0 \\\\ \\alpha z & z \\le 0
    \\end{cases},\\quad \\sigma(z) = \\frac{1}{1 + e^{-z}},\\quad
    \\operatorname{softplus}(z) = \\log(1 + e^{z}).

Conventions, as the simulator has them: ``relu'(0) = 0`` and ``leaky_relu'(0) = alpha``
(the derivative of the left piece).

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
from typing import Any

import sympy as sp

from symnn.core.certify import Certificate, certify

Z = sp.Symbol("z")


class ReLU(sp.Function):
    """``max(z, 0)``, evaluated on numbers; its derivative is :class:`Step` (``relu'(0) = 0``)."""

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        return _on_number(z, z, sp.Integer(0))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return Step(self.args[0])

    def _eval_rewrite_as_Piecewise(self, z: sp.Expr, **hints: object) -> sp.Expr:
        return sp.Piecewise((z, z > 0), (0, True))


class Step(sp.Function):
    """The indicator ``1[z > 0]`` (0 at z = 0), the derivative of :class:`ReLU`."""

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        return _on_number(z, sp.Integer(1), sp.Integer(0))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0)  # off z = 0, where the derivative is not used

    def _eval_rewrite_as_Piecewise(self, z: sp.Expr, **hints: object) -> sp.Expr:
        return sp.Piecewise((1, z > 0), (0, True))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _powered(rf"\mathbb{{1}}[{printer._print(self.args[0])} > 0]", exp)


class LReLU(sp.Function):
    """Leaky ReLU ``z`` for z > 0, ``alpha z`` otherwise; derivative :class:`LStep`."""

    nargs = 2

    @classmethod
    def eval(cls, z: sp.Expr, alpha: sp.Expr) -> sp.Expr | None:
        return _on_number(z, z, alpha * z)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z, alpha = self.args
        return LStep(z, alpha) if argindex == 1 else ReLU(-z) * -1

    def _eval_rewrite_as_Piecewise(self, z: sp.Expr, alpha: sp.Expr, **hints: object) -> sp.Expr:
        return sp.Piecewise((z, z > 0), (alpha * z, True))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        z, alpha = (printer._print(arg) for arg in self.args)
        return _powered(rf"\operatorname{{LReLU}}_{{{alpha}}}\left({z}\right)", exp)


class LStep(sp.Function):
    """``1`` for z > 0, ``alpha`` otherwise: the derivative of :class:`LReLU` (alpha at 0)."""

    nargs = 2

    @classmethod
    def eval(cls, z: sp.Expr, alpha: sp.Expr) -> sp.Expr | None:
        return _on_number(z, sp.Integer(1), alpha)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0) if argindex == 1 else 1 - Step(self.args[0])

    def _eval_rewrite_as_Piecewise(self, z: sp.Expr, alpha: sp.Expr, **hints: object) -> sp.Expr:
        return sp.Piecewise((1, z > 0), (alpha, True))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        z, alpha = (printer._print(arg) for arg in self.args)
        return _powered(rf"\operatorname{{LReLU}}_{{{alpha}}}'\left({z}\right)", exp)


def _powered(tex: str, exp: Any) -> str:
    r"""``tex`` raised to the printed power ``exp`` (the LaTeX printer passes it for ``f(z)**k``).

    >>> print(_powered(r"\mathbb{1}[z > 0]", "2"))
    \left(\mathbb{1}[z > 0]\right)^{2}
    """
    return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


def _on_number(z: sp.Expr, positive: sp.Expr, otherwise: sp.Expr) -> sp.Expr | None:
    """``positive`` if the number ``z`` is > 0, ``otherwise`` if <= 0; None for symbols or undecided."""
    if isinstance(z, sp.Rational):  # the hot path: exact data
        return positive if z > 0 else otherwise
    if not z.is_number:
        return None
    sign = z.is_positive
    if sign is None:
        return None
    return positive if sign else otherwise


def _piecewise(kind: type) -> Callable[[sp.Expr, sp.Expr], sp.Expr]:
    def make(z: sp.Expr, alpha: sp.Expr) -> sp.Expr:
        return kind(z) if kind in (ReLU, Step) else kind(z, alpha)

    return make


class sigma(sp.Function):
    """The logistic sigmoid ``1 / (1 + exp(-z))``; derivative ``sigma (1 - sigma)``."""

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        return sp.Rational(1, 2) if z == 0 else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self * (1 - self)

    def _eval_is_extended_real(self) -> bool | None:
        return self.args[0].is_extended_real

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_extended_real

    def _eval_rewrite_as_exp(self, z: sp.Expr, **hints: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)


class softplus(sp.Function):
    """``log(1 + exp(z))``; derivative :class:`sigma`."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigma(self.args[0])

    def _eval_is_extended_real(self) -> bool | None:
        return self.args[0].is_extended_real

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_extended_real

    def _eval_rewrite_as_exp(self, z: sp.Expr, **hints: object) -> sp.Expr:
        return sp.log(1 + sp.exp(z))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _powered(rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)", exp)


@dataclass(frozen=True)
class Activation:
    """One row of the rule table: ``f``, ``f'``, the route proving ``f'``, its notation."""

    name: str
    function: Callable[[sp.Expr, sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr, sp.Expr], sp.Expr]
    route: str
    tex: str
    derivative_tex: str
    piecewise_linear: bool
    elementwise: bool = True

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


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("identity", lambda z, _: z, lambda z, _: sp.Integer(1), "expand",
               r"\operatorname{id}(z) = z", r"\operatorname{id}'(z) = 1", True),
    Activation("relu", _piecewise(ReLU), _piecewise(Step), "piecewise",
               r"\operatorname{ReLU}(z) = \max(z, 0)",
               r"\operatorname{ReLU}'(z) = \mathbb{1}[z > 0]", True),
    Activation("leaky_relu", _piecewise(LReLU), _piecewise(LStep), "piecewise",
               r"\operatorname{LReLU}(z) = z \text{ if } z > 0 \text{ else } \alpha z",
               r"\operatorname{LReLU}'(z) = 1 \text{ if } z > 0 \text{ else } \alpha", True),
    Activation("sigmoid", lambda z, _: sigma(z), lambda z, _: sigma(z) * (1 - sigma(z)), "exp-cancel",
               r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))", False),
    Activation("tanh", lambda z, _: sp.tanh(z), lambda z, _: 1 - sp.tanh(z) ** 2, "exp-cancel",
               r"\tanh z", r"\tanh'(z) = 1 - \tanh^2 z", False),
    Activation("softplus", lambda z, _: softplus(z), lambda z, _: sigma(z), "exp-cancel",
               r"\operatorname{softplus}(z) = \log(1 + e^{z})",
               r"\operatorname{softplus}'(z) = \sigma(z)", False),
    Activation("softmax", lambda z, _: z, lambda z, _: sp.Integer(1), "exp-cancel",
               r"\operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}",
               r"\partial \operatorname{softmax}(z)_k / \partial z_j = y_k(\delta_{kj} - y_j)",
               False, elementwise=False),
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

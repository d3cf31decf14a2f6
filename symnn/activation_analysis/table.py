"""The activation table: every activation's properties as data, one entry each.

An :class:`Activation` holds its pieces (``f = c_i g_i(x)`` on ``(b_{i-1}, b_i]``), the
range of its parameter ``alpha`` (if any), whether ``f - f(0)`` is odd, whether ``f`` is
positively homogeneous (``f(t x) = t f(x)`` for ``t > 0``), ``f'`` written in ``f`` where
such a form exists (or a witness that it does not), and the simulator's NumPy function
and derivative used for Monte Carlo. The engines (:mod:`.moments`, :mod:`.initialization`,
:mod:`.calculus`) walk this table; nothing dispatches on names.

.. math:: \\operatorname{ELU}_\\alpha(x) = x \\ (x > 0), \\quad \\alpha(e^x - 1)\\ (x \\le 0)

>>> TABLE["gelu"].expression(None)
x*(erf(sqrt(2)*x/2)/2 + 1/2)
>>> [name for name, a in TABLE.items() if a.homogeneous]
['identity', 'relu', 'leaky_relu', 'abs']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.activation_definitions import DEFINITIONS, NOT_ELEMENTWISE, ActivationDefinition, AlphaRange
from symnn.core.activation_functions import written
from symnn.errors import ParameterError

__all__ = ["ALPHA", "REFUSED", "TABLE", "Activation", "AlphaRange", "F", "Piece", "derivative_pieces",
           "lookup", "x"]

x = sp.Symbol("x", real=True)
#: the value of f, for f' written in f
F = sp.Symbol("f", real=True)
ALPHA = sp.Symbol("alpha", real=True)


@dataclass(frozen=True)
class Piece:
    """``coefficient * shape(x)`` on the interval ending at ``upper`` (closed there if ``closed``)."""

    upper: sp.Expr
    coefficient: sp.Expr
    shape: sp.Expr
    closed: bool = True


@dataclass(frozen=True)
class Activation:
    """One row of the table (see the module docstring): the registry's definition, extended."""

    definition: ActivationDefinition
    pieces: Callable[[sp.Expr], tuple[Piece, ...]]
    odd_about: sp.Expr | None = None
    homogeneous: bool = False
    in_f: Callable[[sp.Expr, sp.Expr], sp.Expr] | None = None
    #: (x1, x2) with f(x1) = f(x2) and f'(x1) != f'(x2); or (x1, x2) where f' changes sign
    no_f_form: tuple[str, sp.Expr, sp.Expr] | None = None

    @property
    def name(self) -> str:
        """The registry's name."""
        return self.definition.name

    @property
    def tex(self) -> str:
        """The registry's LaTeX name."""
        return self.definition.tex

    @property
    def alpha(self) -> AlphaRange | None:
        """The registry's range of alpha (``None``: no parameter)."""
        return self.definition.alpha

    @property
    def numpy(self) -> Callable[..., np.ndarray]:
        """The simulator's f."""
        return self.definition.numpy

    @property
    def numpy_prime(self) -> Callable[..., np.ndarray]:
        """The simulator's f'."""
        return self.definition.numpy_prime

    def resolve_alpha(self, alpha: sp.Expr | None) -> sp.Expr:
        """The alpha to use: the given one (checked against the range), the default, or a symbol."""
        if self.alpha is None:
            if alpha is not None:
                raise ParameterError("alpha", alpha, f"no alpha: {self.name} has no parameter")
            return sp.Integer(0)
        if alpha is None:
            return ALPHA if self.alpha.default is None else self.alpha.default
        if alpha.free_symbols:
            return ALPHA
        if not self.alpha.admits(alpha):
            raise ParameterError("alpha", alpha, f"{self.alpha.describe()} for {self.name}")
        return alpha

    def numeric_alpha(self, alpha: sp.Expr | None) -> sp.Expr:
        """Like :meth:`resolve_alpha`, but a number: the range's typical value if none is given."""
        resolved = self.resolve_alpha(alpha)
        return self.alpha.typical if self.alpha and resolved.free_symbols else resolved

    def expression(self, alpha: sp.Expr | None, at: sp.Expr = x) -> sp.Expr:
        """f(at) as one SymPy expression (a ``Piecewise`` for several pieces); alpha as resolved."""
        pieces = self.pieces(alpha)
        if len(pieces) == 1:
            return (pieces[0].coefficient * pieces[0].shape).subs(x, at)
        branches = [(p.coefficient * p.shape.subs(x, at), at <= p.upper if p.closed else at < p.upper)
                    for p in pieces[:-1]]
        return sp.Piecewise(*branches, (pieces[-1].coefficient * pieces[-1].shape.subs(x, at), True))

    def simulate(self, values: np.ndarray, alpha: Any = None) -> np.ndarray:
        """The simulator's f at ``values`` (alpha as a float where it applies)."""
        return self.definition.simulate(values, alpha)

    def simulate_prime(self, values: np.ndarray, alpha: Any = None) -> np.ndarray:
        """The simulator's f' at ``values``."""
        return self.definition.simulate_prime(values, alpha)


def _one(shape: sp.Expr) -> Callable[[sp.Expr], tuple[Piece, ...]]:
    return lambda alpha: (Piece(sp.oo, sp.Integer(1), shape),)


def _kink(left: Callable[[sp.Expr], sp.Expr], shape: sp.Expr) -> Callable[[sp.Expr], tuple[Piece, ...]]:
    return lambda alpha: (Piece(sp.Integer(0), left(alpha), shape), Piece(sp.oo, sp.Integer(1), x))


ONE = sp.Integer(1)


def _f(name: str) -> sp.Expr:
    """The registry's f(x) of the one-piece activation ``name`` (it has no alpha)."""
    return DEFINITIONS[name].f(x)


TABLE: dict[str, Activation] = {a.name: a for a in (
    Activation(DEFINITIONS["identity"], _one(_f("identity")), odd_about=sp.Integer(0), homogeneous=True,
               in_f=lambda f, a: ONE),
    Activation(DEFINITIONS["relu"], _kink(lambda a: sp.Integer(0), x), homogeneous=True,
               in_f=lambda f, a: sp.Piecewise((1, f > 0), (0, True))),
    Activation(DEFINITIONS["leaky_relu"], _kink(lambda a: a, x), homogeneous=True,
               in_f=lambda f, a: sp.Piecewise((1, f > 0), (a, True))),
    Activation(DEFINITIONS["elu"], _kink(lambda a: a, sp.exp(x) - 1),
               in_f=lambda f, a: sp.Piecewise((1, f > 0), (f + a, True))),
    Activation(DEFINITIONS["gelu"], _one(_f("gelu")),
               no_f_form=("sign change", sp.Integer(-2), sp.Integer(0))),
    Activation(DEFINITIONS["silu"], _one(_f("silu")),
               no_f_form=("sign change", sp.Integer(-2), sp.Integer(0))),
    Activation(DEFINITIONS["softplus"], _one(written(_f("softplus"))), in_f=lambda f, a: 1 - sp.exp(-f)),
    Activation(DEFINITIONS["sigmoid"], _one(_f("sigmoid")), odd_about=sp.Rational(1, 2),
               in_f=lambda f, a: f * (1 - f)),
    Activation(DEFINITIONS["tanh"], _one(_f("tanh")), odd_about=sp.Integer(0), in_f=lambda f, a: 1 - f**2),
    Activation(DEFINITIONS["abs"], _kink(lambda a: sp.Integer(-1), x), homogeneous=True,
               no_f_form=("equal values", sp.Integer(-1), sp.Integer(1))),
    Activation(DEFINITIONS["hardtanh"],
               lambda alpha: (Piece(-ONE, ONE, -ONE), Piece(ONE, ONE, x, closed=False),
                              Piece(sp.oo, ONE, ONE)),
               odd_about=sp.Integer(0), in_f=lambda f, a: sp.Piecewise((1, (f > -1) & (f < 1)), (0, True))),
)}
#: names a user may not ask for, with the reason
REFUSED = NOT_ELEMENTWISE


def lookup(name: str) -> Activation:
    """The table entry ``name``, or :class:`ParameterError` naming the known activations.

    >>> lookup("softmax")
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'activation': got 'softmax', expected an elementwise \
activation (softmax is not elementwise (it maps a vector to a vector))
    """
    if name in REFUSED:
        raise ParameterError("activation", name, f"an elementwise activation ({REFUSED[name]})")
    if name not in TABLE:
        raise ParameterError("activation", name, "one of " + ", ".join(TABLE))
    return TABLE[name]


def derivative_pieces(activation: Activation, alpha: sp.Expr) -> tuple[Piece, ...]:
    """f' piece by piece (on each piece's own interval, so f' at a kink is the piece's own)."""
    def slope(shape: sp.Expr) -> sp.Expr:
        return sp.diff(written(shape), x)  # written out: not sigma's own derivative rule

    return tuple(Piece(p.upper, p.coefficient, slope(p.shape), p.closed) for p in activation.pieces(alpha))

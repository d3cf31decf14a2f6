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

from symnn.activation_analysis.functions import sigma
from symnn.errors import ParameterError
from symnn.sim import activations as classic
from symnn.sim import smooth_activations as smooth

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
class AlphaRange:
    """Where ``alpha`` may lie for one activation, and its default (``None``: symbolic)."""

    lower: sp.Expr
    upper: sp.Expr
    lower_open: bool = False
    default: sp.Expr | None = None
    #: the value used where a number is needed and none is given (calculus, initialisation)
    typical: sp.Expr = sp.S.One

    def describe(self) -> str:
        """``'a number in (0, 10]'``."""
        return f"a number in {'(' if self.lower_open else '['}{self.lower}, {self.upper}]"

    def admits(self, value: sp.Expr) -> bool:
        """True when a number ``value`` lies in the range."""
        above = value > self.lower if self.lower_open else value >= self.lower
        return bool(above) and bool(value <= self.upper)


@dataclass(frozen=True)
class Activation:
    """One row of the table (see the module docstring)."""

    name: str
    tex: str
    pieces: Callable[[sp.Expr], tuple[Piece, ...]]
    numpy: Callable[..., np.ndarray]
    numpy_prime: Callable[..., np.ndarray]
    alpha: AlphaRange | None = None
    odd_about: sp.Expr | None = None
    homogeneous: bool = False
    in_f: Callable[[sp.Expr, sp.Expr], sp.Expr] | None = None
    #: (x1, x2) with f(x1) = f(x2) and f'(x1) != f'(x2); or (x1, x2) where f' changes sign
    no_f_form: tuple[str, sp.Expr, sp.Expr] | None = None

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
        return self.numpy(values) if self.alpha is None else self.numpy(values, float(alpha))

    def simulate_prime(self, values: np.ndarray, alpha: Any = None) -> np.ndarray:
        """The simulator's f' at ``values``."""
        if self.alpha is None:
            return self.numpy_prime(values)
        return self.numpy_prime(values, float(alpha))


def _one(shape: sp.Expr) -> Callable[[sp.Expr], tuple[Piece, ...]]:
    return lambda alpha: (Piece(sp.oo, sp.Integer(1), shape),)


def _kink(left: Callable[[sp.Expr], sp.Expr], shape: sp.Expr) -> Callable[[sp.Expr], tuple[Piece, ...]]:
    return lambda alpha: (Piece(sp.Integer(0), left(alpha), shape), Piece(sp.oo, sp.Integer(1), x))


ONE = sp.Integer(1)
PHI_X = (1 + sp.erf(x / sp.sqrt(2))) / 2
TABLE: dict[str, Activation] = {
    "identity": Activation("identity", r"\operatorname{id}", _one(x), classic.identity,
                           lambda v: np.ones_like(v, dtype=float), odd_about=sp.Integer(0),
                           homogeneous=True, in_f=lambda f, a: ONE),
    "relu": Activation("relu", r"\operatorname{ReLU}", _kink(lambda a: sp.Integer(0), x),
                       classic.relu, classic.relu_prime, homogeneous=True,
                       in_f=lambda f, a: sp.Piecewise((1, f > 0), (0, True))),
    "leaky_relu": Activation("leaky_relu", r"\operatorname{ReLU}_\alpha", _kink(lambda a: a, x),
                             classic.leaky_relu, classic.leaky_relu_prime,
                             AlphaRange(sp.Integer(0), sp.Integer(1), typical=sp.Rational(1, 100)),
                             homogeneous=True,
                             in_f=lambda f, a: sp.Piecewise((1, f > 0), (a, True))),
    "elu": Activation("elu", r"\operatorname{ELU}_\alpha", _kink(lambda a: a, sp.exp(x) - 1),
                      smooth.elu, smooth.elu_prime,
                      AlphaRange(sp.Integer(0), sp.Integer(10), lower_open=True),
                      in_f=lambda f, a: sp.Piecewise((1, f > 0), (f + a, True))),
    "gelu": Activation("gelu", r"\operatorname{GELU}", _one(x * PHI_X), smooth.gelu,
                       smooth.gelu_prime, no_f_form=("sign change", sp.Integer(-2), sp.Integer(0))),
    "silu": Activation("silu", r"\operatorname{SiLU}", _one(x * sigma(x)), smooth.silu,
                       smooth.silu_prime, no_f_form=("sign change", sp.Integer(-2), sp.Integer(0))),
    "softplus": Activation("softplus", r"\operatorname{softplus}", _one(sp.log(1 + sp.exp(x))),
                           smooth.softplus, smooth.softplus_prime, in_f=lambda f, a: 1 - sp.exp(-f)),
    "sigmoid": Activation("sigmoid", r"\sigma", _one(sigma(x)), classic.sigmoid,
                          classic.sigmoid_prime, odd_about=sp.Rational(1, 2),
                          in_f=lambda f, a: f * (1 - f)),
    "tanh": Activation("tanh", r"\tanh", _one(sp.tanh(x)), classic.tanh, classic.tanh_prime,
                       odd_about=sp.Integer(0), in_f=lambda f, a: 1 - f**2),
    "abs": Activation("abs", r"\operatorname{abs}", _kink(lambda a: sp.Integer(-1), x),
                      smooth.absolute, smooth.absolute_prime, homogeneous=True,
                      no_f_form=("equal values", sp.Integer(-1), sp.Integer(1))),
    "hardtanh": Activation(
        "hardtanh", r"\operatorname{hardtanh}",
        lambda alpha: (Piece(-ONE, ONE, -ONE), Piece(ONE, ONE, x, closed=False), Piece(sp.oo, ONE, ONE)),
        smooth.hardtanh, smooth.hardtanh_prime, odd_about=sp.Integer(0),
        in_f=lambda f, a: sp.Piecewise((1, (f > -1) & (f < 1)), (0, True))),
}
#: names a user may not ask for, with the reason
REFUSED = {"softmax": "softmax is not elementwise (it maps a vector to a vector)"}


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
        return sp.diff(shape.rewrite(sp.exp) if shape.has(sigma) else shape, x)

    return tuple(Piece(p.upper, p.coefficient, slope(p.shape), p.closed) for p in activation.pieces(alpha))

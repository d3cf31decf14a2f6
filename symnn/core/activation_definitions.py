"""The definitions of the activations, one entry each: the registry every engine extends.

An :class:`ActivationDefinition` holds what an activation IS, independent of any engine:
its name and LaTeX name, ``f(z)`` and ``f'(z)`` as SymPy expressions of one variable
(with the parameter ``alpha`` where it has one, and its :class:`AlphaRange`), the points
where ``f'`` jumps or ``f`` has a corner, the one-argument SymPy function that applies it
(where there is one: ``ReLU``, ``sigma``, ``tanh``, ``softplus``), the simulator's NumPy
forward and derivative and its layer, and ``f`` on mpmath numbers (for the checks that
evaluate closed forms at 30 or more digits). The engines build their tables on these entries and add only what
is their own: matrix-calculus derivative forms (:mod:`symnn.matrix_calculus.functions`),
certified derivative lemmas (:mod:`symnn.networks.activations`), pieces, homogeneity and
moment data (:mod:`symnn.activation_analysis.table`).

Conventions, the simulator's (:mod:`symnn.sim.activations`, :mod:`symnn.sim.smooth_activations`):
at a kink ``f'`` is the derivative of the piece the point belongs to, so ``relu'(0) = 0``,
``leaky_relu'(0) = alpha``, ``elu'(0) = alpha``, ``abs'(0) = -1`` and
``hardtanh'(-1) = hardtanh'(1) = 0``.

.. math:: \\operatorname{ReLU}'(z) = \\mathbb{1}[z > 0],\\quad
          \\operatorname{LReLU}_\\alpha'(z) = \\begin{cases} 1 & z > 0 \\\\ \\alpha & z \\le 0 \\end{cases},
          \\quad \\sigma' = \\sigma(1 - \\sigma),\\quad \\operatorname{GELU}(z) = z\\,\\Phi(z)

>>> z = sp.Symbol("z")
>>> DEFINITIONS["leaky_relu"].f_prime(0, sp.Rational(1, 5)), DEFINITIONS["relu"].f_prime(0)
(1/5, 0)
>>> DEFINITIONS["silu"].f(z), DEFINITIONS["silu"].f_prime(0)
(z*sigma(z), 1/2)
>>> DEFINITIONS["elu"].f(z)
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'alpha': got None, expected a number in (0, 10] for elu
>>> with mpmath.workdps(30):
...     print(DEFINITIONS["softplus"].f_mp(mpmath.mpf(0)))
0.693147180559945309417232121458
>>> DEFINITIONS["leaky_relu"].layer(sp.Rational(1, 5)).forward(np.array([-1.0, 2.0]))
array([-0.2,  2. ])
>>> sorted(NUMPY_FUNCTIONS)
['ReLU', 'sigma', 'softplus', 'tanh']
>>> list(DEFINITIONS)
['identity', 'relu', 'leaky_relu', 'elu', 'gelu', 'silu', 'softplus', 'sigmoid', 'tanh', 'abs', 'hardtanh']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symnn.core.activation_functions import LReLU, LStep, ReLU, Step, sigma, softplus
from symnn.errors import ParameterError
from symnn.sim import activations as classic
from symnn.sim import smooth_activations as smooth
from symnn.sim.base import Layer

#: f and f' as functions of the variable and alpha (ignored by activations without one)
Form = Callable[[sp.Expr, sp.Expr], sp.Expr]
#: f on mpmath numbers, a function of the variable and alpha (ignored as above)
MpForm = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class AlphaRange:
    """Where ``alpha`` may lie for one activation, and its default (``None``: symbolic).

    >>> AlphaRange(sp.Integer(0), sp.Integer(10), lower_open=True).describe()
    'a number in (0, 10]'
    """

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
class ActivationDefinition:
    """One activation: ``f``, ``f'`` (conventions at the kinks as stated above), alpha, NumPy forms,
    the simulator's layer, ``f`` in mpmath."""

    name: str
    tex: str
    function: Form
    derivative: Form
    numpy: Callable[..., np.ndarray]
    numpy_prime: Callable[..., np.ndarray]
    #: f on mpmath numbers (at the caller's working precision)
    mpmath: MpForm
    #: the simulator's layer class (built with alpha as a float where it applies)
    layer_type: type[Layer]
    alpha: AlphaRange | None = None
    #: the points where f has a corner or f' a jump (f' there is the convention, not a limit)
    kinks: tuple[sp.Expr, ...] = ()
    #: the one-argument SymPy function f, where SymPy or :mod:`.activation_functions` has one
    head: Any = None
    #: piecewise linear with rational breakpoints: rational inputs give rational outputs
    piecewise_linear: bool = False

    def f(self, z: sp.Expr, alpha: sp.Expr | None = None) -> sp.Expr:
        """``f(z)``; ``alpha`` is required by the activations that have it, ignored by the others."""
        return self.function(z, self._alpha(alpha))

    def f_prime(self, z: sp.Expr, alpha: sp.Expr | None = None) -> sp.Expr:
        """``f'(z)``, with the convention at the kinks."""
        return self.derivative(z, self._alpha(alpha))

    def f_mp(self, z: Any, alpha: Any = None) -> Any:
        """``f(z)`` for an mpmath number ``z`` (``alpha`` an mpmath number where it applies)."""
        return self.mpmath(z, self._alpha(alpha))

    def layer(self, alpha: Any = None) -> Layer:
        """A new simulator layer computing ``f`` (alpha as a float where it applies)."""
        return self.layer_type() if self.alpha is None else self.layer_type(float(self._alpha(alpha)))

    def _alpha(self, alpha: sp.Expr | None) -> sp.Expr:
        if alpha is None and self.alpha is not None:
            raise ParameterError("alpha", alpha, f"{self.alpha.describe()} for {self.name}")
        return sp.S.Zero if alpha is None else alpha

    def simulate(self, values: np.ndarray, alpha: Any = None) -> np.ndarray:
        """The simulator's f at ``values`` (alpha as a float where it applies)."""
        return self.numpy(values) if self.alpha is None else self.numpy(values, float(alpha))

    def simulate_prime(self, values: np.ndarray, alpha: Any = None) -> np.ndarray:
        """The simulator's f' at ``values``."""
        return self.numpy_prime(values) if self.alpha is None else self.numpy_prime(values, float(alpha))


def _ones(values: np.ndarray) -> np.ndarray:
    return np.ones_like(values, dtype=float)


def _phi(z: sp.Expr) -> sp.Expr:
    """The standard normal distribution function ``(1 + erf(z / sqrt 2)) / 2``."""
    return (1 + sp.erf(z / sp.sqrt(2))) / 2


ZERO, ONE = sp.Integer(0), sp.Integer(1)
DEFINITIONS: dict[str, ActivationDefinition] = {d.name: d for d in (
    ActivationDefinition("identity", r"\operatorname{id}", lambda z, a: z, lambda z, a: ONE,
                         classic.identity, _ones, lambda z, a: z, classic.Identity, piecewise_linear=True),
    ActivationDefinition("relu", r"\operatorname{ReLU}", lambda z, a: ReLU(z), lambda z, a: Step(z),
                         classic.relu, classic.relu_prime, lambda z, a: ReLU.mp(z), classic.ReLU,
                         kinks=(ZERO,), head=ReLU, piecewise_linear=True),
    ActivationDefinition("leaky_relu", r"\operatorname{ReLU}_\alpha", LReLU, LStep,
                         classic.leaky_relu, classic.leaky_relu_prime, LReLU.mp, classic.LeakyReLU,
                         AlphaRange(ZERO, ONE, typical=sp.Rational(1, 100)), kinks=(ZERO,),
                         piecewise_linear=True),
    ActivationDefinition("elu", r"\operatorname{ELU}_\alpha",
                         lambda z, a: sp.Piecewise((z, z > 0), (a * (sp.exp(z) - 1), True)),
                         lambda z, a: sp.Piecewise((1, z > 0), (a * sp.exp(z), True)),
                         smooth.elu, smooth.elu_prime, lambda z, a: z if z > 0 else a * mpmath.expm1(z),
                         smooth.ELU, AlphaRange(ZERO, sp.Integer(10), lower_open=True), kinks=(ZERO,)),
    ActivationDefinition("gelu", r"\operatorname{GELU}", lambda z, a: z * _phi(z),
                         lambda z, a: _phi(z) + z * sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi),
                         smooth.gelu, smooth.gelu_prime,
                         lambda z, a: z * (1 + mpmath.erf(z / mpmath.sqrt(2))) / 2, smooth.GELU),
    ActivationDefinition("silu", r"\operatorname{SiLU}", lambda z, a: z * sigma(z),
                         lambda z, a: sigma(z) * (1 + z * (1 - sigma(z))), smooth.silu, smooth.silu_prime,
                         lambda z, a: z * sigma.mp(z), smooth.SiLU),
    ActivationDefinition("softplus", r"\operatorname{softplus}", lambda z, a: softplus(z),
                         lambda z, a: sigma(z), smooth.softplus, smooth.softplus_prime,
                         lambda z, a: softplus.mp(z), smooth.Softplus, head=softplus),
    ActivationDefinition("sigmoid", r"\sigma", lambda z, a: sigma(z), lambda z, a: sigma(z) * (1 - sigma(z)),
                         classic.sigmoid, classic.sigmoid_prime, lambda z, a: sigma.mp(z), classic.Sigmoid,
                         head=sigma),
    ActivationDefinition("tanh", r"\tanh", lambda z, a: sp.tanh(z), lambda z, a: 1 - sp.tanh(z) ** 2,
                         classic.tanh, classic.tanh_prime, lambda z, a: mpmath.tanh(z), classic.Tanh,
                         head=sp.tanh),
    ActivationDefinition("abs", r"\operatorname{abs}", lambda z, a: sp.Abs(z),
                         lambda z, a: sp.Piecewise((1, z > 0), (-1, True)),
                         smooth.absolute, smooth.absolute_prime, lambda z, a: abs(z), smooth.Abs,
                         kinks=(ZERO,), piecewise_linear=True),
    ActivationDefinition("hardtanh", r"\operatorname{hardtanh}",
                         lambda z, a: sp.Piecewise((-1, z <= -1), (z, z < 1), (1, True)),
                         lambda z, a: sp.Piecewise((1, (z > -1) & (z < 1)), (0, True)),
                         smooth.hardtanh, smooth.hardtanh_prime,
                         lambda z, a: z if abs(z) < 1 else mpmath.sign(z), smooth.HardTanh,
                         kinks=(-ONE, ONE), piecewise_linear=True),
)}  # fmt: skip

#: the simulator's NumPy f under the name of its one-argument SymPy function (``head``), for
#: ``sympy.lambdify(..., [NUMPY_FUNCTIONS, NUMPY_NAMESPACE])``
NUMPY_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    d.head.__name__: d.numpy for d in DEFINITIONS.values() if d.head is not None}

#: activations that are not elementwise, with the reason (engines refuse them or treat them apart)
NOT_ELEMENTWISE = {"softmax": "softmax is not elementwise (it maps a vector to a vector)"}

"""The SymPy functions of the activations, defined once for every engine.

``ReLU`` and its derivative ``Step``, the leaky ReLU ``LReLU`` and its derivative ``LStep``,
the logistic sigmoid ``sigma`` and ``softplus``: each kept unevaluated on symbols, evaluated
on real numbers whose sign SymPy decides, with its derivative (``fdiff``), its written-out
form (:func:`written`: ``Piecewise`` or ``exp``), its mpmath form (``mp``, collected in
:data:`MPMATH_FUNCTIONS` for ``lambdify``) and its LaTeX.

.. math::

    \\operatorname{ReLU}(z) = \\max(z, 0),\\quad
    \\operatorname{LReLU}_\\alpha(z) = \\begin{cases} z & z > 0 \\\\ \\alpha z & z \\le 0 \\end{cases},
    \\quad \\sigma(z) = \\frac{1}{1 + e^{-z}},\\quad \\operatorname{softplus}(z) = \\log(1 + e^{z}).

Conventions, as the simulator :mod:`symnn.sim` has them: ``relu'(0) = Step(0) = 0`` (the
indicator :math:`\\mathbb{1}[z > 0]`) and ``leaky_relu'(0) = LStep(0, alpha) = alpha`` (the
derivative of the left piece); ``sigma(0) = 1/2``.

The derivatives (``fdiff``) are the rules themselves (``sigma' = sigma (1 - sigma)``,
``softplus' = sigma``, ``ReLU' = Step``): a proof of such a rule differentiates the
written-out form (:func:`written`, or ``rewrite(exp)``), never the function, or it would
assume what it proves.

LaTeX: ``Step`` prints as :math:`\\mathbb{1}[z > 0]`, ``LReLU`` and ``LStep`` as
:math:`\\operatorname{LReLU}_\\alpha(z)` and :math:`\\operatorname{LReLU}_\\alpha'(z)`,
``softplus`` as :math:`\\operatorname{softplus}(z)`; ``ReLU`` and ``sigma`` print by name
(the project's printer :mod:`symnn.core.latex` writes them :math:`\\operatorname{ReLU}` and
:math:`\\sigma`).

>>> z = sp.Symbol("z")
>>> sp.diff(ReLU(z), z), ReLU(sp.Rational(-1, 2)), Step(0), LStep(0, sp.Rational(1, 5))
(Step(z), 0, 0, 1/5)
>>> sp.diff(sigma(z), z), sigma(0)
((1 - sigma(z))*sigma(z), 1/2)
>>> written(softplus(z) + Step(z))
Piecewise((1, z > 0), (0, True)) + log(exp(z) + 1)
>>> sp.latex(Step(z)), sp.latex(LReLU(z, sp.Symbol("alpha")))
('\\\\mathbb{1}[z > 0]', '\\\\operatorname{LReLU}_{\\\\alpha}\\\\left(z\\\\right)')
>>> sp.lambdify(z, softplus(z) + sigma(z), [MPMATH_FUNCTIONS, "mpmath"])(mpmath.mpf(0))
mpf('1.1931471805599454')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import sympy as sp


def _on_number(z: sp.Expr, positive: sp.Expr, otherwise: sp.Expr) -> sp.Expr | None:
    """``positive`` if the real number ``z`` is > 0, ``otherwise`` if <= 0; None for symbols,
    non-real numbers, or a sign SymPy does not decide."""
    if isinstance(z, sp.Rational):  # the hot path: exact data
        return positive if z > 0 else otherwise
    if not z.is_number or not z.is_extended_real:
        return None
    sign = z.is_positive
    if sign is None:
        return None
    return positive if sign else otherwise


def _powered(tex: str, exp: Any) -> str:
    r"""``tex`` raised to the printed power ``exp`` (the LaTeX printer passes it for ``f(z)**k``).

    >>> print(_powered(r"\mathbb{1}[z > 0]", "2"))
    \left(\mathbb{1}[z > 0]\right)^{2}
    """
    return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


class _Kinked(sp.Function):
    """A piecewise-linear function (ReLU, LReLU) or its derivative, written as a ``Piecewise``."""

    explicit: Callable[..., sp.Expr]
    #: the same function on mpmath numbers (and plain Python numbers), for ``lambdify``
    mp: Callable[..., Any]

    def _eval_rewrite_as_Piecewise(self, *args: sp.Expr, **hints: object) -> sp.Expr:
        return self.explicit(*args)


class ReLU(_Kinked):
    """``max(z, 0)``, evaluated on numbers; its derivative is :class:`Step` (``relu'(0) = 0``)."""

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        return _on_number(z, z, sp.Integer(0))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return Step(self.args[0])

    @staticmethod
    def explicit(z: sp.Expr) -> sp.Expr:
        return sp.Piecewise((z, z > 0), (0, True))

    @staticmethod
    def mp(z: Any) -> Any:
        return z if z > 0 else 0 * z


class Step(_Kinked):
    """The indicator ``1[z > 0]`` (0 at z = 0), the derivative of :class:`ReLU`."""

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        return _on_number(z, sp.Integer(1), sp.Integer(0))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0)  # off z = 0, where the derivative is not used

    @staticmethod
    def explicit(z: sp.Expr) -> sp.Expr:
        return sp.Piecewise((1, z > 0), (0, True))

    @staticmethod
    def mp(z: Any) -> Any:
        return 1 if z > 0 else 0

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _powered(rf"\mathbb{{1}}[{printer._print(self.args[0])} > 0]", exp)


class LReLU(_Kinked):
    """Leaky ReLU ``z`` for z > 0, ``alpha z`` otherwise; derivative :class:`LStep`."""

    nargs = 2

    @classmethod
    def eval(cls, z: sp.Expr, alpha: sp.Expr) -> sp.Expr | None:
        return _on_number(z, z, alpha * z)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z, alpha = self.args
        return LStep(z, alpha) if argindex == 1 else ReLU(-z) * -1

    @staticmethod
    def explicit(z: sp.Expr, alpha: sp.Expr) -> sp.Expr:
        return sp.Piecewise((z, z > 0), (alpha * z, True))

    @staticmethod
    def mp(z: Any, alpha: Any) -> Any:
        return z if z > 0 else alpha * z

    def _latex(self, printer: Any, exp: Any = None) -> str:
        z, alpha = (printer._print(arg) for arg in self.args)
        return _powered(rf"\operatorname{{LReLU}}_{{{alpha}}}\left({z}\right)", exp)


class LStep(_Kinked):
    """``1`` for z > 0, ``alpha`` otherwise: the derivative of :class:`LReLU` (alpha at 0)."""

    nargs = 2

    @classmethod
    def eval(cls, z: sp.Expr, alpha: sp.Expr) -> sp.Expr | None:
        return _on_number(z, sp.Integer(1), alpha)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0) if argindex == 1 else 1 - Step(self.args[0])

    @staticmethod
    def explicit(z: sp.Expr, alpha: sp.Expr) -> sp.Expr:
        return sp.Piecewise((1, z > 0), (alpha, True))

    @staticmethod
    def mp(z: Any, alpha: Any) -> Any:
        return 1 if z > 0 else alpha

    def _latex(self, printer: Any, exp: Any = None) -> str:
        z, alpha = (printer._print(arg) for arg in self.args)
        return _powered(rf"\operatorname{{LReLU}}_{{{alpha}}}'\left({z}\right)", exp)


class _Smooth(sp.Function):
    """A smooth function, real and positive on the real line (sigma, softplus), written with exp."""

    explicit: Callable[..., sp.Expr]
    #: the same function on mpmath numbers, for ``lambdify``
    mp: Callable[..., Any]

    def _eval_rewrite_as_exp(self, *args: sp.Expr, **hints: object) -> sp.Expr:
        return self.explicit(*args)

    def _eval_is_extended_real(self) -> bool | None:
        return self.args[0].is_extended_real

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_extended_real else None

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)


class sigma(_Smooth):
    """The logistic sigmoid ``1 / (1 + exp(-z))``, kept unevaluated (``sigma(0) = 1/2``);
    derivative ``sigma (1 - sigma)``."""

    @classmethod
    def eval(cls, *args: sp.Expr) -> sp.Expr | None:
        # ``*args``: SymPy then sorts sigma among the functions of any arity, as the write-ups print it
        if len(args) != 1:
            raise TypeError(f"sigma takes exactly one argument ({len(args)} given)")
        return sp.Rational(1, 2) if args[0] == 0 else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self * (1 - self)

    @staticmethod
    def explicit(z: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))

    @staticmethod
    def mp(z: Any) -> Any:
        return 1 / (1 + mpmath.exp(-z))


class softplus(_Smooth):
    """``log(1 + exp(z))``, kept unevaluated; derivative :class:`sigma`."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigma(self.args[0])

    @staticmethod
    def explicit(z: sp.Expr) -> sp.Expr:
        return sp.log(1 + sp.exp(z))

    @staticmethod
    def mp(z: Any) -> Any:
        return mpmath.log1p(mpmath.exp(z))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _powered(rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)", exp)


def written(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every function of this module written out (nothing else rewritten).

    >>> z, a = sp.symbols("z alpha")
    >>> written(sp.tanh(z) * LReLU(z, a) + sigma(z))
    Piecewise((z, z > 0), (alpha*z, True))*tanh(z) + 1/(1 + exp(-z))
    """
    return expr.replace(lambda e: isinstance(e, (_Kinked, _Smooth)), lambda e: e.explicit(*e.args))


#: the mpmath form of every function of this module under its SymPy name: the namespace that
#: ``sympy.lambdify(..., [MPMATH_FUNCTIONS, "mpmath"])`` needs for closed forms holding them
MPMATH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    f.__name__: f.mp for f in (ReLU, Step, LReLU, LStep, sigma, softplus)}

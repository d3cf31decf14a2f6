"""One-sided limits at the ends of a piece, certified: by continuity or by limit algebra.

A limit ``L`` proposed for ``g`` at an end of its piece (by ``sp.limit``, which may be
wrong) is accepted only when one of two routes proves it; otherwise the limit is undecided
and :class:`~symnn.errors.CertificationError` says so.

* **Finite end** ``b``: an interval enclosure of ``g`` on the closed one-sided box
  ``[b - 2^-10, b]`` (or ``[b, b + 2^-10]``) by :func:`symnn.core.interval.enclose` is finite,
  so the elementary expression ``g`` is defined, hence continuous, on that box, and the
  one-sided limit is ``g(b)`` by substitution (an expression with a jump, ``Heaviside`` or
  ``sign``, is refused).
* **Infinite end** (``-oo`` by ``x -> -x``): ``g - L`` is written as one fraction of
  expanded sums; numerator and denominator are divided by the fastest-growing term
  ``x^j e^{P(x)}`` of the denominator, and the limit of each term is exact:
  ``x^j e^{P(x)} -> 0`` when the polynomial ``P`` has a negative leading coefficient (or is
  constant and ``j < 0``), ``erf(t) -> +-1`` as ``t -> +-oo``, continuous functions of a
  convergent argument, and sums, products and a quotient with a nonzero limit below. A
  term tending to ``oo``, a ``0 * oo`` form, or any other function of ``x`` (``sin x``
  has no limit) leaves the limit undecided. ``L`` is proved when the limit of ``g - L`` is
  exactly 0.

.. math:: \\lim_{x\\to\\infty} \\frac{(x + e^x + 1)\\, e^x}{(e^x + 1)^2}
          = \\lim \\frac{x e^{-x} + 1 + e^{-x}}{1 + 2 e^{-x} + e^{-2x}} = 1

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> certified_limit(sp.exp(x) / (sp.exp(x) + 1), x, sp.oo, "-", sp.Integer(1)).route
'limit algebra after dividing by the dominant term'
>>> certified_limit(sp.exp(x) / (sp.exp(x) + 1), x, sp.oo, "-", sp.Integer(0))
Traceback (most recent call last):
...
symnn.errors.CertificationError: the limit of exp(x)/(exp(x) + 1) at oo is not 0: g - 0 tends to 1
>>> certified_limit(sp.sin(x), x, sp.oo, "-", sp.Integer(0))
Traceback (most recent call last):
...
symnn.errors.CertificationError: the limit of sin(x) at oo is undecided: no known limit of sin(x)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symnn.core.interval import enclose, nonzero
from symnn.errors import CertificationError

__all__ = ["CONTINUITY", "DOMINANT", "Limit", "certified_limit"]

#: width of the one-sided box of the continuity route
WIDTH = sp.Rational(1, 2**10)
CONTINUITY = "continuity: finite interval enclosure on a one-sided box, then substitution"
DOMINANT = "limit algebra after dividing by the dominant term"
#: rewritten with exp before the limit algebra
HYPERBOLIC = [sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch]
#: functions with a jump: a finite enclosure does not make them continuous
JUMPS = (sp.Heaviside, sp.sign, sp.Piecewise, sp.floor, sp.ceiling)


@dataclass(frozen=True)
class Limit:
    """``lim g = value`` at ``end`` from ``side`` (``"+"``: from above), proved by ``route``."""

    value: sp.Expr
    end: sp.Expr
    side: str
    route: str

    def tex(self, function: str = "f'(x)") -> str:
        """``\\lim_{x \\to b^-} f'(x) = L`` as LaTeX, for ``function`` of ``x`` given as LaTeX.

        >>> print(Limit(sp.Integer(1), sp.Integer(0), "-", CONTINUITY).tex())
        \\lim_{x \\to 0^{-}} f'(x) = 1
        """
        to = sp.latex(self.end) + ("" if not self.end.is_finite else "^{" + self.side + "}")
        return rf"\lim_{{x \to {to}}} {function} = {sp.latex(self.value)}"


class Undecided(Exception):
    """A term whose limit the algebra cannot decide (the message says which)."""


def certified_limit(g: sp.Expr, x: sp.Symbol, end: sp.Expr, side: str, proposed: sp.Expr) -> Limit:
    """``lim g = proposed`` at ``end`` from ``side``, proved (see the module docstring).

    >>> x = sp.Symbol("x", real=True)
    >>> certified_limit(sp.exp(x), x, sp.Integer(0), "-", sp.Integer(1)).route == CONTINUITY
    True
    """
    name = f"the limit of {sp.sstr(g)} at {end}" + ("" if end in (sp.oo, -sp.oo) else side)
    if end.is_finite:
        value = _by_continuity(g, x, end, side, name)
        route = CONTINUITY
    else:
        try:
            value = infinite_limit((g - proposed).subs(x, x if end == sp.oo else -x), x) + proposed
        except Undecided as why:
            raise CertificationError(f"{name} is undecided: {why}") from None
        route = DOMINANT
    if sp.simplify(value - proposed) != 0:
        raise CertificationError(f"{name} is not {sp.sstr(proposed)}: g - {sp.sstr(proposed)} "
                                 f"tends to {sp.sstr(sp.simplify(value - proposed))}")
    return Limit(proposed, end, side, route)


def _by_continuity(g: sp.Expr, x: sp.Symbol, end: sp.Expr, side: str, name: str) -> sp.Expr:
    if g.has(*JUMPS):
        raise CertificationError(f"{name} is undecided: {sp.sstr(g)} may jump")
    box = sp.Interval(end - WIDTH, end) if side == "-" else sp.Interval(end, end + WIDTH)
    Y = enclose(g, {x: box})
    if Y is None or not (abs(Y.a) < float("inf") and abs(Y.b) < float("inf")):
        raise CertificationError(f"{name} is undecided: no finite enclosure of {sp.sstr(g)} on "
                                 f"[{box.start}, {box.end}]")
    return g.subs(x, end)


def infinite_limit(g: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The exact limit of ``g`` as ``x -> oo`` by limit algebra, or :class:`Undecided`.

    >>> x = sp.Symbol("x", real=True)
    >>> infinite_limit(1 - sp.tanh(x)**2, x)
    0
    >>> infinite_limit(x * sp.exp(-x**2 / 2) + sp.erf(x) / 2, x)
    1/2
    """
    g = g.rewrite(HYPERBOLIC, sp.exp)
    if g.has(sp.I):
        raise Undecided(f"{sp.sstr(g)} is not written over the reals")
    numerator, denominator = (sp.expand(part) for part in sp.fraction(sp.together(g)))
    if not denominator.has(x):
        return _sum_limit(numerator, x) / denominator
    j, P = max((_split(term, x)[1:3] for term in sp.Add.make_args(denominator)),
               key=lambda growth: _Growth(*growth, x))
    scale = x**-j * sp.exp(-P)
    below = _sum_limit(sp.expand(denominator * scale), x)
    if nonzero(below) is not True:
        raise Undecided(f"the denominator {sp.sstr(denominator)} over its dominant term tends to "
                        f"{sp.sstr(below)}, not proved nonzero")
    return sp.simplify(_sum_limit(sp.expand(numerator * scale), x) / below)


class _Growth:
    """Orders ``x^j e^{P(x)}`` by growth: ``P`` by the sign of the leading coefficient of a
    difference, then ``j``."""

    def __init__(self, j: int, P: sp.Expr, x: sp.Symbol) -> None:
        self.j, self.P, self.x = j, P, x

    def __lt__(self, other: _Growth) -> bool:
        difference = sp.expand(self.P - other.P)
        if difference.has(self.x):
            return _leading_sign(difference, self.x) < 0
        return self.j < other.j


def _leading_sign(P: sp.Expr, x: sp.Symbol) -> int:
    lead = sp.Poly(P, x).LC()
    if lead.is_positive:
        return 1
    if lead.is_negative:
        return -1
    raise Undecided(f"no sign of the leading coefficient {sp.sstr(lead)} of {sp.sstr(P)}")


def _split(term: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, int, sp.Expr, list[sp.Expr]]:
    """``term = c x^j e^{P(x)} * others``: (c, j, P, others)."""
    c, j, P, others = sp.Integer(1), 0, sp.Integer(0), []
    for factor in sp.Mul.make_args(term):
        base, exponent = factor.as_base_exp()
        if not factor.has(x):
            c *= factor
        elif base == x and exponent.is_Integer:
            j += int(exponent)
        elif isinstance(factor, sp.exp) and factor.args[0].is_polynomial(x):
            P += factor.args[0]
        else:
            others.append(factor)
    return c, j, sp.expand(P), others


def _sum_limit(total: sp.Expr, x: sp.Symbol) -> sp.Expr:
    return sp.Add(*[_term_limit(term, x) for term in sp.Add.make_args(total)])


def _term_limit(term: sp.Expr, x: sp.Symbol) -> sp.Expr:
    c, j, P, others = _split(term, x)
    rest = sp.Mul(*[_factor_limit(f, x) for f in others])
    if _leading_sign(P, x) < 0 if P.has(x) else j < 0:
        return sp.Integer(0)
    if j == 0 and not P.has(x):
        return c * sp.exp(P) * rest
    raise Undecided(f"the term {sp.sstr(term)} does not tend to a finite limit")


def _factor_limit(factor: sp.Expr, x: sp.Symbol) -> sp.Expr:
    base, exponent = factor.as_base_exp()
    if isinstance(factor, sp.erf) and factor.args[0].is_polynomial(x):
        argument = factor.args[0]
        if argument.has(x):
            return sp.Integer(_leading_sign(sp.expand(argument), x))
        return factor
    if isinstance(factor, sp.Pow) and exponent.is_Integer and base.has(x):
        inner = infinite_limit(base, x)
        if exponent < 0 and inner == 0:
            raise Undecided(f"{sp.sstr(base)} tends to 0 in a denominator")
        return inner**exponent
    raise Undecided(f"no known limit of {sp.sstr(factor)}")

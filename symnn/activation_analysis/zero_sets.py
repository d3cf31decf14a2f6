"""Every zero of a function on an open interval, proved: a factorisation, a window and two tails.

``g`` is factored (``factor`` of its ``rewrite(exp)``). A factor that SymPy's assumptions
show to be positive or negative on the interval (``e^x``, ``(e^x + 1)^{-3}``, a nonzero
constant) has no zero. Each other factor ``h``:

* on a bounded window ``[max(a, -R), min(b, R)]``, :func:`symnn.core.zeros.zero_boxes`
  covers it by interval arithmetic: each zero there is a listed exact zero or the one zero
  of a box (``h`` changes strict sign on it and ``h'`` keeps one sign), narrowed to decimal
  ends ``2 10^-30`` apart (:func:`symnn.core.zeros.narrowed`);
* on an unbounded tail ``[R, oo)`` (or ``(-oo, -R]``) ``h`` keeps one strict sign: its
  enclosure over the whole tail excludes 0, or ``h(R)`` has a strict sign and ``h'`` the
  sign that takes ``h`` away from 0 along the tail (``h(x) = h(R) + \\int_R^x h'``), which is
  proved in the same way, at most :data:`DEPTH` derivatives deep.

``R`` is the first of :data:`RADII` for which both tails are proved; with none the zero
set is undecided and :class:`~symnn.errors.CertificationError` says so.

.. math:: \\operatorname{SiLU}'' = \\frac{e^x}{(e^x + 1)^3}\\,\\bigl((2 - x) e^x + x + 2\\bigr)

(its factor ``h = (2 - x) e^x + x + 2`` has ``h(-x) = e^{-x} h(x)``: two zeros, near ``+-2.3994``)

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> zeros = zero_set((2 - x) * sp.exp(x) + x + 2, x, -sp.oo, sp.oo)
>>> zeros.exact, zeros.radius, [sp.Float(lo, 12) for lo, hi in zeros.boxes]
((), 4, [-2.39935728052, 2.39935728052])
>>> {hi - lo for lo, hi in zeros.boxes}
{1/500000000000000000000000000000}
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp
from mpmath import iv

from symnn.core.exact import as_sympy
from symnn.core.interval import nonzero
from symnn.core.zeros import enclosure, narrowed, point, zero_boxes
from symnn.errors import CertificationError

#: half-widths of the windows tried, smallest first
RADII = (4, 8, 16, 32)
#: how many derivatives deep a tail's sign argument may go
DEPTH = 3
#: decimal digits of the ends of a box holding a zero (boxes are 2 10^-DIGITS wide)
DIGITS = 30


@dataclass(frozen=True)
class ZeroSet:
    """The zeros of ``g`` on ``(a, b)``: ``exact`` ones and one in each (narrow, disjoint) box;
    ``cores`` the factors that may vanish, ``radius`` the ``R`` of the window (``None`` when
    no factor needed one)."""

    exact: tuple[sp.Expr, ...]
    boxes: tuple[tuple[sp.Rational, sp.Rational], ...]
    cores: tuple[sp.Expr, ...]
    radius: int | None

    def proof(self) -> str:
        """How the set was proved, as a sentence of LaTeX."""
        if not self.cores:
            return "every factor has one sign by SymPy's assumptions"
        cores = ", ".join(f"${sp.latex(core)}$" for core in self.cores)
        window = "" if self.radius is None else (
            rf" on $[-{self.radius}, {self.radius}]$ (bisection: each part free of zeros or monotone), "
            rf"and on the tails beyond $\pm {self.radius}$ one strict sign (an enclosure over the "
            r"whole tail, or the value at its end and the sign of a derivative)")
        return (f"the other factors have one sign by SymPy's assumptions; {cores} by interval "
                f"arithmetic{window}")


def _sign(Y: object) -> int | None:
    if Y is None:
        return None
    return 1 if Y.a > 0 else -1 if Y.b < 0 else None


def tail_sign(h: sp.Expr, x: sp.Symbol, end: sp.Expr, side: int, depth: int = DEPTH) -> int | None:
    """+1 or -1 when ``h`` has that strict sign on ``[end, oo)`` (``side = 1``) or ``(-oo, end]``
    (``side = -1``); ``None`` when it cannot be shown.

    ``h`` is first divided by its dominant exponential ``e^{kx}`` on the tail (a positive
    factor: the sign is the same), so that growing terms do not meet as ``oo - oo``.

    >>> x = sp.Symbol("x", real=True)
    >>> tail_sign((2 - x) * sp.exp(x) + x + 2, x, sp.Integer(4), 1)  # by h(4) < 0 and h' < 0
    -1
    """
    rates = [e.args[0] / x for e in h.atoms(sp.exp) if (e.args[0] / x).is_Rational]
    if rates:
        h = sp.expand(h * sp.exp(-(max(rates) if side > 0 else min(rates)) * x))
    tail = iv.mpf([point(end).a, "inf"]) if side > 0 else iv.mpf(["-inf", point(end).b])
    sign = _sign(enclosure(h, x)(tail))
    if sign is not None or depth == 0:
        return sign
    at_end = _sign(enclosure(h, x)(point(end)))
    if at_end is not None and tail_sign(sp.diff(h, x), x, end, side, depth - 1) == side * at_end:
        return at_end
    return None


def _signed(factor: sp.Expr) -> bool:
    return bool(factor.is_positive or factor.is_negative)


def _cores(g: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    """The factors of ``g`` that may vanish (bases of powers); a base in a denominator is refused."""
    if g == 0:
        raise CertificationError("zero set: g is identically 0")
    cores = []
    for factor in sp.Mul.make_args(sp.factor(sp.cancel(g.rewrite(sp.exp)))):
        base, exponent = factor.as_base_exp() if factor.is_Pow else (factor, sp.Integer(1))
        if _signed(factor) or _signed(base):
            continue
        if not (exponent.is_Integer and exponent > 0):
            raise CertificationError(f"zero set: the factor {sp.sstr(factor)} of {sp.sstr(g)} "
                                     "has no proved sign")
        cores.append(base)
    return cores


def _window(a: sp.Expr, b: sp.Expr, radius: int) -> tuple[sp.Expr, sp.Expr]:
    high = b if b != sp.oo else max(sp.Integer(radius), a)
    low = a if a != -sp.oo else min(sp.Integer(-radius), high)
    return low, high


def zero_set(g: sp.Expr, x: sp.Symbol, a: sp.Expr, b: sp.Expr, exact: Sequence[sp.Expr] = ()) -> ZeroSet:
    """All zeros of ``g`` on the open interval ``(a, b)``: the given exact ones and one in each box.

    Each given zero must be an exact zero of a factor (``simplify``); the proof is in the
    module docstring. Raises :class:`~symnn.errors.CertificationError` when undecided.
    """
    exact = [as_sympy(z) for z in exact]
    cores = _cores(g, x)
    if not cores:
        if exact:
            raise CertificationError(f"zero set: {sp.sstr(g)} has one sign, but zeros {exact} were given")
        return ZeroSet((), (), (), None)
    radius = next((r for r in RADII if _tails_proved(cores, x, a, b, r)), None)
    if radius is None:
        raise CertificationError(f"zero set undecided: no strict sign of {sp.sstr(sp.Mul(*cores))} "
                                 f"proved beyond +-{RADII[-1]}")
    low, high = _window(a, b, radius)
    boxes, found = set(), set()
    for core in cores:
        own = [z for z in exact if sp.simplify(core.subs(x, z)) == 0]
        ends = [e for e in (a, b) if e.is_finite and nonzero(core.subs(x, e)) is not True
                and sp.simplify(core.subs(x, e)) == 0]  # a zero at an end of (a, b) is outside it
        for box in zero_boxes(core, x, low, high, [*own, *[e for e in ends if e not in own]]):
            boxes.add(narrowed(core, x, *box, digits=DIGITS))
        found.update(own)
    if missing := [z for z in exact if z not in found or not bool(a < z) or not bool(z < b)]:
        raise CertificationError(f"zero set: {missing} are not zeros of {sp.sstr(g)} on ({a}, {b})")
    ordered = sorted(boxes)
    if any(left[1] >= right[0] for left, right in itertools.pairwise(ordered)):
        raise CertificationError(f"zero set undecided: the boxes {ordered} of {sp.sstr(g)} overlap")
    unbounded = a == -sp.oo or b == sp.oo
    return ZeroSet(tuple(sorted(exact, key=float)), tuple(ordered), tuple(cores),
                   radius if unbounded else None)


def _tails_proved(cores: list[sp.Expr], x: sp.Symbol, a: sp.Expr, b: sp.Expr, radius: int) -> bool:
    low, high = _window(a, b, radius)
    tails = [(high, 1)] * (b == sp.oo) + [(low, -1)] * (a == -sp.oo)
    return all(tail_sign(core, x, end, side) is not None for core in cores for end, side in tails)

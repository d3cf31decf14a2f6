"""Activation calculus: f', f' written in f, and sup f' by critical points.

For each piece ``c g(x)`` of ``f`` on its interval, ``f' = c g'(x)``; the supremum of
``f'`` is the largest of its values at the zeros of ``f''`` inside the pieces and its
one-sided limits at the ends of the pieces (a continuous function on an interval takes its
supremum there or at a critical point). The zeros of ``f''`` on each piece are *proved* to
be all of them (:mod:`.zero_sets`: a factorisation, interval arithmetic on a window and a
sign argument on the tails); ``solveset`` only proposes exact ones, each certified by
substitution. Where ``solveset`` cannot isolate a zero (SiLU), the proof isolates it in a
box holding exactly one zero, narrowed to decimal ends ``2 10^-30`` apart, and the value
of ``f'`` there is enclosed by interval arithmetic over the box: the supremum is then a
proved enclosure with a 30-digit value, not a closed form.
The one-sided limits at the ends are proposed (by the limit algebra of :mod:`.limits`,
else by ``limit``) and *proved* by
:mod:`.limits` (continuity on a finite enclosure, or limit algebra after dividing by the
dominant term); a limit that cannot be proved leaves ``sup f'`` undecided.

.. math:: \\sigma' = \\sigma(1 - \\sigma) \\le \\tfrac14,\\quad
          \\tanh' = 1 - \\tanh^2 \\le 1,\\quad
          \\operatorname{GELU}'(\\sqrt2) = \\tfrac{1 + \\operatorname{erf}(1)}{2}
          + \\tfrac{e^{-1}}{\\sqrt\\pi}

>>> import sympy as sp
>>> s = supremum(TABLE["sigmoid"], sp.Integer(0))
>>> s.value, s.where, s.closed_form
(1/4, {0}, True)
>>> s = supremum(TABLE["silu"], sp.Integer(0))
>>> s.enclosure[0] < s.value < s.enclosure[1], s.enclosure[1] - s.enclosure[0] <= sp.Rational(1, 10**25)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from symnn.activation_analysis.limits import Limit, Undecided, certified_limit, infinite_limit
from symnn.activation_analysis.table import TABLE, Activation, Piece, derivative_pieces, x
from symnn.activation_analysis.zero_sets import ZeroSet, zero_set
from symnn.core import zeros as interval_zeros
from symnn.core.certify import ROUTES, Route
from symnn.core.interval import bounds, nonzero
from symnn.errors import CertificationError

__all__ = ["TABLE", "Supremum", "decide_signs", "end_limit", "piece_route", "piece_slope", "probes",
           "propose_limit", "supremum"]

#: decimal digits of the ends of an enclosed value (and of a critical point's box)
DIGITS = 30
#: the widest enclosure of a supremum that is reported
WIDTH = sp.Rational(1, 10**25)


@dataclass(frozen=True)
class Candidate:
    """A value of f' at a critical point or a limit at the end of a piece; an enclosed value
    (``enclosure = (lo, hi)``, proved) carries its 30-digit value in ``value``."""

    value: sp.Expr
    where: sp.Expr
    attained: bool
    kind: str  # "critical point", "limit", "constant"
    enclosure: tuple[sp.Rational, sp.Rational] | None = None
    proof: Limit | None = None  # of a limit: its certificate
    slope: sp.Expr | None = None  # of a limit: the f' whose limit it is

    @property
    def low(self) -> sp.Expr:
        return self.value if self.enclosure is None else self.enclosure[0]

    @property
    def high(self) -> sp.Expr:
        return self.value if self.enclosure is None else self.enclosure[1]


@dataclass(frozen=True)
class Critical:
    """A zero of ``f''`` inside a piece: exact, or the one zero in ``box`` (``point`` its 30-digit value)."""

    point: sp.Expr
    curvature: sp.Expr
    slope: sp.Expr
    box: tuple[sp.Rational, sp.Rational] | None = None


@dataclass(frozen=True)
class Supremum:
    """sup f', where it is attained (a set, empty if nowhere), the candidates, the zeros of f''
    (and the proved zero set of f'' on each piece), and, when not a closed form, its proved enclosure."""

    value: sp.Expr
    where: sp.Set
    candidates: tuple[Candidate, ...]
    critical: tuple[Critical, ...]
    closed_form: bool
    enclosure: tuple[sp.Rational, sp.Rational] | None = None
    zero_sets: tuple[tuple[sp.Expr, sp.Expr, sp.Expr, ZeroSet], ...] = ()  # (a, b, f'', its zeros)


def probes(activation: Activation, alpha: sp.Expr) -> list[tuple[sp.Expr, int]]:
    """One point with a free ``t > 0`` inside each piece's open interval, and each kink.

    The point ``a + (b - a) t/(1 + t)`` runs over exactly ``(a, b)`` as ``t`` runs over
    ``(0, oo)``. Returns (point, index of the piece that holds it).
    """
    t = sp.Symbol("t", positive=True)
    pieces = activation.pieces(alpha)
    ends = [-sp.oo, *[p.upper for p in pieces[:-1]], sp.oo]
    points: list[tuple[sp.Expr, int]] = []
    for i in range(len(pieces)):
        a, b = ends[i], ends[i + 1]
        inside = (b - t if a == -sp.oo else a + t if b == sp.oo else a + (b - a) * t / (1 + t))
        points.append((inside, i))
        if i < len(pieces) - 1:
            points.append((b, i if pieces[i].closed else i + 1))
    return points


def decide_signs(expr: sp.Expr) -> sp.Expr:
    """Replace each comparison whose difference has a proved sign by true or false.

    The sign comes from SymPy's assumptions, or, for a difference continuous in the probe
    ``t > 0``: it is proved to have no zero on ``(0, oo)`` (:func:`.zero_sets.zero_set`), so
    its sign is the one at ``t = 1``. A difference whose zeros cannot be ruled out is left as
    it is (undecided), and the route that needs it fails.
    """
    def decide(relation: sp.Basic) -> sp.Basic:
        difference = sp.cancel(relation.lhs - relation.rhs)
        outcome = relation.func(difference, 0)
        if outcome in (sp.true, sp.false):
            return outcome
        (t,) = difference.free_symbols or {None}
        if t is None or not t.is_positive:
            return relation
        try:
            if zero_set(difference, t, sp.Integer(0), sp.oo).boxes:
                return relation
        except CertificationError:
            return relation
        outcome = relation.func(difference.subs(t, 1), 0)
        return outcome if outcome in (sp.true, sp.false) else relation

    return expr.replace(lambda e: isinstance(e, sp.core.relational.Relational), decide)


def piece_route(activation: Activation, alpha: sp.Expr, f_value: sp.Symbol) -> Route:
    """``f' - h(f)``: on every piece (probed by t > 0) and at every kink, decide and cancel to 0."""
    pieces = activation.pieces(alpha)

    def reduce(difference: sp.Expr) -> sp.Expr:
        total = sp.Integer(0)
        for point, i in probes(activation, alpha):
            piece = pieces[i]
            slope = sp.Derivative(piece.coefficient * piece.shape, x).doit()
            value = piece.coefficient * piece.shape
            case = difference.subs(sp.Symbol("f'", real=True), slope).subs(f_value, value)
            case = decide_signs(case.subs(x, point))
            total += sp.Abs(ROUTES["exp-cancel"](sp.piecewise_fold(case)))
        return total

    return Route("each piece probed by t > 0 and each kink: signs decided, exp-cancel", reduce)


def propose_limit(expr: sp.Expr, end: sp.Expr, side: str) -> sp.Expr:
    """A proposed one-sided limit of f' at an end of a piece (not a proof).

    At an infinite end the limit algebra of :mod:`.limits` proposes first (cheap); where it
    cannot decide, ``limit`` proposes. Either way :func:`end_limit` then proves the proposal.
    """
    if end in (sp.oo, -sp.oo):
        try:
            return infinite_limit(expr.subs(x, x if end == sp.oo else -x), x)
        except Undecided:
            return sp.limit(expr, x, end)
    value = expr.subs(x, end)
    return value if value.is_finite else sp.limit(expr, x, end, side)


def end_limit(activation: Activation, slope: sp.Expr, end: sp.Expr, side: str) -> Limit:
    """The limit of f' = ``slope`` at ``end`` of its piece, proposed and then proved
    (:func:`.limits.certified_limit`); undecided: :class:`~symnn.errors.CertificationError`
    naming the activation and the end."""
    proposed = sp.simplify(propose_limit(slope, end, side))
    try:
        return certified_limit(slope, x, end, side, proposed)
    except CertificationError as why:
        raise CertificationError(f"{activation.name}: sup f' undecided at the end x -> {end}"
                                 f"{side if end.is_finite else ''} of a piece: {why}") from None


def _piece_zeros(slope: sp.Expr, a: sp.Expr, b: sp.Expr) -> tuple[sp.Expr, ZeroSet]:
    """f'' on ``(a, b)`` and its proved zero set; the exact zeros proposed by ``solveset``.

    A finite ``solveset`` answer claims to be complete: a zero the proof finds besides it
    refutes that claim, and :class:`~symnn.errors.CertificationError` says so.
    """
    curvature = sp.diff(slope, x)
    found = sp.solveset(sp.factor(curvature.rewrite(sp.exp)), x, sp.Interval.open(a, b))
    finite = isinstance(found, sp.FiniteSet) or found is sp.S.EmptySet
    zeros = zero_set(curvature, x, a, b, list(found) if finite else [])
    if finite and zeros.boxes:
        lo, hi = zeros.boxes[0]
        raise CertificationError(f"solveset's zeros {sp.sstr(found)} of f'' = {sp.sstr(curvature)} "
                                 f"on ({a}, {b}) are not all: another one lies in [{lo}, {hi}]")
    return curvature, zeros


def piece_slope(piece: Piece) -> sp.Expr:
    """``c g'`` for one piece of f' (from :func:`.table.derivative_pieces`): simplified where it
    holds ``exp`` (ELU, SiLU, softplus, sigmoid, tanh); one with ``erf`` (GELU) is left as
    differentiated, which ``simplify`` does not shorten."""
    slope = piece.coefficient * piece.shape
    return sp.simplify(slope) if piece.shape.has(sp.exp) and not piece.shape.has(sp.erf) else slope


def _slopes(activation: Activation, alpha: sp.Expr) -> list[tuple[sp.Expr, sp.Expr, sp.Expr, bool]]:
    """(slope, a, b, closed at b) for each piece of f'."""
    pieces = derivative_pieces(activation, alpha)
    ends = [-sp.oo, *[p.upper for p in pieces[:-1]], sp.oo]
    return [(piece_slope(p), ends[i], ends[i + 1], p.closed and ends[i + 1] != sp.oo)
            for i, p in enumerate(pieces)]


def decimal_hull(Y: object, digits: int = DIGITS) -> tuple[sp.Rational, sp.Rational]:
    """The interval ``Y`` widened outward to decimal ends with ``digits`` digits after the point.

    >>> decimal_hull(mpmath.iv.mpf([-2.5, -0.125]), digits=1)
    (-5/2, -1/10)
    """
    scale = 10**digits
    if not all(mpmath.isfinite(end) for end in bounds(Y)):
        raise CertificationError(f"an unbounded enclosure {Y} has no decimal hull")
    low, high = (sp.Rational(*mpmath.libmp.to_rational(end._mpf_)) for end in bounds(Y))
    return sp.Rational(sp.floor(low * scale), scale), sp.Rational(sp.ceiling(high * scale), scale)


def enclosed_value(slope: sp.Expr, box: tuple[sp.Rational, sp.Rational]) -> tuple[sp.Rational, sp.Rational]:
    """Decimal ends enclosing f' over ``box`` (interval arithmetic)."""
    Y = interval_zeros.enclosure(slope, x)(mpmath.iv.mpf([interval_zeros.point(box[0]).a,
                                                          interval_zeros.point(box[1]).b]))
    if Y is None:
        raise CertificationError(f"no enclosure of f' = {sp.sstr(slope)} over [{box[0]}, {box[1]}]")
    return decimal_hull(Y)


def _enclosed_candidate(slope: sp.Expr, curvature: sp.Expr,
                        root: tuple[sp.Rational, sp.Rational]) -> tuple[Critical, Candidate]:
    lo, hi = enclosed_value(slope, root)
    if hi - lo > WIDTH:
        raise CertificationError(f"the enclosure [{lo}, {hi}] of f' at a critical point is wider "
                                 f"than {WIDTH}")
    where = sp.Float((root[0] + root[1]) / 2, DIGITS)
    return (Critical(where, curvature, slope, root),
            Candidate(sp.Float((lo + hi) / 2, DIGITS), where, True, "critical point", (lo, hi)))


def _above(top: Candidate, other: Candidate) -> bool:
    """``top >= other`` proved: exact values compared exactly, an enclosure by its ends (strictly)."""
    if top.enclosure is None and other.enclosure is None:
        return bool(sp.Max(top.value, other.value) == top.value)
    return bool(sp.Gt(top.low, other.high))


def _equal(a: sp.Expr, b: sp.Expr) -> bool:
    """``a = b`` for two exact values of f': not equal when interval arithmetic encloses ``a - b``
    away from 0 (:func:`symnn.core.interval.nonzero`), otherwise when ``simplify`` gives 0.

    >>> _equal(sp.Integer(1), sp.exp(-1) / sp.sqrt(sp.pi) + sp.erf(1) / 2 + sp.Rational(1, 2))
    False
    """
    difference = a - b
    return nonzero(difference) is not True and sp.simplify(difference) == 0


def supremum(activation: Activation, alpha: sp.Expr) -> Supremum:
    """sup f' over the real line by critical points (see the module docstring)."""
    candidates: list[Candidate] = []
    critical: list[Critical] = []
    zero_sets = []
    for slope, a, b, closed in _slopes(activation, alpha):
        if not slope.has(x):
            candidates.append(Candidate(slope, sp.Interval(a, b, True, not closed), True, "constant"))
            continue
        curvature, zeros = _piece_zeros(slope, a, b)
        zero_sets.append((a, b, curvature, zeros))
        for p in zeros.exact:
            critical.append(Critical(p, curvature, slope))
            candidates.append(Candidate(sp.simplify(slope.subs(x, p)), p, True, "critical point"))
        for box in zeros.boxes:
            point_, candidate = _enclosed_candidate(slope, curvature, box)
            critical.append(point_)
            candidates.append(candidate)
        for end, side, held in ((a, "+", False), (b, "-", closed)):
            limit = end_limit(activation, slope, end, side)
            candidates.append(Candidate(limit.value, end, held, "limit", proof=limit, slope=slope))
    top = next((c for c in candidates if all(c is d or _above(c, d) for d in candidates)), None)
    if top is None:
        raise CertificationError(f"the candidates for sup f' could not be ordered: "
                                 f"{[c.enclosure or c.value for c in candidates]}")
    exact = top.enclosure is None
    ties = [c for c in candidates if c.attained and (c is top or (exact and c.enclosure is None
                                                       and _equal(c.value, top.value)))]
    where = sp.Union(*[c.where if isinstance(c.where, sp.Set) else sp.FiniteSet(c.where) for c in ties])
    return Supremum(top.value, where, tuple(candidates), tuple(critical),
                    exact, top.enclosure, tuple(zero_sets))

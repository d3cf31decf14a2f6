"""Activation calculus: f', f' written in f, and sup f' by critical points.

For each piece ``c g(x)`` of ``f`` on its interval, ``f' = c g'(x)``; the supremum of
``f'`` is the largest of its values at the zeros of ``f''`` inside the pieces (found by
``solveset``, each zero certified by substitution) and its one-sided limits at the ends
of the pieces (a continuous function on an interval takes its supremum there or at a
critical point). Where ``solveset`` cannot isolate the zeros (SiLU), the critical point
is bracketed by an exact sign change and refined by mpmath to 30 digits: the supremum
is then numeric, and reported as such.

.. math:: \\sigma' = \\sigma(1 - \\sigma) \\le \\tfrac14,\\quad
          \\tanh' = 1 - \\tanh^2 \\le 1,\\quad
          \\operatorname{GELU}'(\\sqrt2) = \\tfrac{1 + \\operatorname{erf}(1)}{2}
          + \\tfrac{e^{-1}}{\\sqrt\\pi}

>>> import sympy as sp
>>> s = supremum(TABLE["sigmoid"], sp.Integer(0))
>>> s.value, s.where, s.closed_form
(1/4, {0}, True)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import mpmath
import sympy as sp

from symnn.activation_analysis.numeric import MPMATH
from symnn.activation_analysis.table import TABLE, Activation, derivative_pieces, x
from symnn.core.certify import ROUTES, Route
from symnn.errors import CertificationError

__all__ = ["TABLE", "Supremum", "critical_points", "decide_signs", "piece_route", "probes", "supremum"]


@dataclass(frozen=True)
class Candidate:
    """A value of f' at a critical point or a limit at the end of a piece."""

    value: sp.Expr
    where: sp.Expr
    attained: bool
    kind: str  # "critical point", "limit", "constant"


@dataclass(frozen=True)
class Supremum:
    """sup f', where it is attained (a set, empty if nowhere), the candidates, and the zeros of f''."""

    value: sp.Expr
    where: sp.Set
    candidates: tuple[Candidate, ...]
    critical: tuple[tuple[sp.Expr, sp.Expr], ...]  # (point, f'' there) per critical point
    closed_form: bool
    bracket: tuple[sp.Expr, sp.Expr] | None = None


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
    ``t > 0``: ``solveset`` finds no zero on ``(0, oo)``, so the sign is the one at ``t = 1``.
    """
    def decide(relation: sp.Basic) -> sp.Basic:
        difference = sp.cancel(relation.lhs - relation.rhs)
        outcome = relation.func(difference, 0)
        if outcome in (sp.true, sp.false):
            return outcome
        (t,) = difference.free_symbols or {None}
        if t is None or not t.is_positive:
            return relation
        if sp.solveset(difference, t, sp.Interval.open(0, sp.oo)) is not sp.S.EmptySet:
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


def _end_limit(expr: sp.Expr, end: sp.Expr, side: str) -> sp.Expr:
    if end in (sp.oo, -sp.oo):
        return sp.limit(expr, x, end)
    value = expr.subs(x, end)
    return value if value.is_finite else sp.limit(expr, x, end, side)


def _critical_points(slope: sp.Expr, a: sp.Expr, b: sp.Expr) -> tuple[list[sp.Expr] | None, sp.Expr]:
    curvature = sp.diff(slope, x)
    found = sp.solveset(sp.factor(curvature.rewrite(sp.exp)), x, sp.Interval.open(a, b))
    if isinstance(found, sp.FiniteSet) or found is sp.S.EmptySet:
        return sorted(found, key=lambda p: float(p)), curvature
    return None, curvature


def critical_points(activation: Activation, alpha: sp.Expr) -> sp.Set:
    """The zeros of f'' inside the pieces, by ``solveset`` (a ``ConditionSet`` if not isolated)."""
    pieces = derivative_pieces(activation, alpha)
    ends = [-sp.oo, *[p.upper for p in pieces[:-1]], sp.oo]
    found = []
    for i, piece in enumerate(pieces):
        curvature = sp.diff(piece.coefficient * piece.shape, x)
        if curvature != 0:
            found.append(sp.solveset(sp.factor(curvature.rewrite(sp.exp)), x,
                                     sp.Interval.open(ends[i], ends[i + 1])))
    return sp.Union(*found)


def _bracketed_root(curvature: sp.Expr, a: sp.Expr, b: sp.Expr) -> list[tuple[sp.Expr, sp.Expr, mpmath.mpf]]:
    """Zeros of f'' bracketed on a grid of step 1/4 in [max(a, -12), min(b, 12)] by exact sign changes."""
    lo, hi = max(a, sp.Integer(-12)), min(b, sp.Integer(12))
    grid = [lo + sp.Rational(k, 4) for k in range(int((hi - lo) * 4) + 1)]
    g = sp.lambdify(x, curvature, MPMATH)
    roots = []
    for left, right in itertools.pairwise(grid):
        if g(mpmath.mpf(left.p) / left.q) * g(mpmath.mpf(right.p) / right.q) >= 0:
            continue
        if bool((curvature.subs(x, left) * curvature.subs(x, right)).rewrite(sp.exp) < 0):
            with mpmath.workdps(40):
                root = mpmath.findroot(g, (mpmath.mpf(left.p) / left.q, mpmath.mpf(right.p) / right.q),
                                       solver="anderson")
            roots.append((left, right, root))
    return roots


def supremum(activation: Activation, alpha: sp.Expr) -> Supremum:
    """sup f' over the real line by critical points (see the module docstring)."""
    pieces = derivative_pieces(activation, alpha)
    ends = [-sp.oo, *[p.upper for p in pieces[:-1]], sp.oo]
    candidates: list[Candidate] = []
    critical: list[tuple[sp.Expr, sp.Expr]] = []
    closed_form, bracket = True, None
    for i, piece in enumerate(pieces):
        a, b = ends[i], ends[i + 1]
        slope = sp.simplify(piece.coefficient * piece.shape) if piece.shape.has(sp.exp) else \
            piece.coefficient * piece.shape
        if not slope.has(x):
            candidates.append(Candidate(slope, sp.Interval(a, b, True, not piece.closed or b == sp.oo),
                                        True, "constant"))
            continue
        points, curvature = _critical_points(slope, a, b)
        if points is None:
            closed_form = False
            for left, right, root in _bracketed_root(curvature, a, b):
                with mpmath.workdps(40):
                    value = sp.lambdify(x, slope, MPMATH)(root)
                point = sp.Float(mpmath.nstr(root, 35), 30)
                candidates.append(Candidate(sp.Float(mpmath.nstr(value, 35), 30), point, True,
                                            "critical point"))
                bracket = (left, right)
                critical.append((point, curvature))
        else:
            for point in points:
                critical.append((point, curvature))
                candidates.append(Candidate(sp.simplify(slope.subs(x, point)), point, True,
                                            "critical point"))
        for end, side, held in ((a, "+", False), (b, "-", piece.closed and b != sp.oo)):
            candidates.append(Candidate(sp.simplify(_end_limit(slope, end, side)), end, held, "limit"))
    values = [c.value for c in candidates]
    best = sp.Max(*values)
    if isinstance(best, sp.Max):
        raise CertificationError(f"the candidates for sup f' could not be ordered: {values}")
    where = sp.Union(*[c.where if isinstance(c.where, sp.Set) else sp.FiniteSet(c.where)
                       for c in candidates if c.attained and sp.simplify(c.value - best) == 0])
    return Supremum(best, where, tuple(candidates), tuple(critical), closed_form, bracket)

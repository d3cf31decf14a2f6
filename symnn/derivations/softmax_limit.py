"""The name of softmax: ``softmax(Cz)`` tends to the arg-max indicator as ``C -> +oo``.

.. math::

    \\lim_{C \\to +\\infty} \\operatorname{softmax}(Cz)_i
        = \\frac{\\mathbb{1}[z_i = \\max_j z_j]}{|\\{j : z_j = \\max_k z_k\\}|},
    \\qquad
    \\lim_{C \\to -\\infty} \\operatorname{softmax}(Cz)_i
        = \\frac{\\mathbb{1}[z_i = \\min_j z_j]}{|\\{j : z_j = \\min_k z_k\\}|}.

Tied maxima share the limit equally. ``sympy.limit`` applied to a whole softmax entry is
not trusted (it is silently wrong on some tied maxima); the derivation divides by
``exp(C z_i)`` so that every term is a single exponential ``exp(C (z_j - z_i))`` whose
limit follows from the sign of the gap alone.

>>> import symnn
>>> d = symnn.derive("softmax-limit", z=[1, 3, 3, -2])
>>> list(d.result["plus_infinity"]), list(d.result["minus_infinity"])
([0, 1/2, 1/2, 0], [0, 0, 0, 1])
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.literal import read_literal
from symnn.core.params import Kind, Limited, Parameter, Vector
from symnn.core.registry import register
from symnn.core.sign import UndecidedError, compare
from symnn.errors import ParameterError
from symnn.sim import activations

C = sp.Symbol("C", real=True)


@dataclass(frozen=True)
class Ordering(Kind):
    """Groups of symbol names from the largest value to the smallest; names in one group tie.

    ``[[z1, z2], [z3]]`` means ``z1 = z2 > z3``.
    """

    expected = "a list of groups of names, largest first, e.g. [[z1, z2], [z3]]"

    def __call__(self, name: str, value: Any) -> list[list[sp.Symbol]]:
        if isinstance(value, str):
            value = read_literal(value, name)
        if not isinstance(value, (list, tuple)) or not value:
            raise ParameterError(name, value, self.expected)
        groups: list[list[sp.Symbol]] = []
        seen: set[str] = set()
        for group in value:
            members = group if isinstance(group, (list, tuple)) else [group]
            if not members:
                raise ParameterError(name, value, self.expected + " (an empty group)")
            symbols = []
            for member in members:
                text = member.name if isinstance(member, sp.Symbol) else member
                if not isinstance(text, str) or not text.isidentifier() or text in seen:
                    raise ParameterError(name, value, self.expected + " (each name once)")
                seen.add(text)
                symbols.append(sp.Symbol(text, real=True))
            groups.append(symbols)
        return groups


def _rank_table(z: list[sp.Expr], ranks: list[int]) -> list[list[int]]:
    """``sign(z_j - z_i)`` for every pair, from ranks (0 = largest)."""
    return [[int(np.sign(ranks[i] - ranks[j])) for j in range(len(z))] for i in range(len(z))]


def _decided_ranks(values: list[sp.Expr]) -> list[int]:
    """Rank 0 for the largest entry, equal ranks exactly for equal entries.

    Rationals are ordered exactly; other numbers through :func:`symnn.core.sign.compare`
    (verified intervals, proofs of equality); an undecidable pair is a refusal.
    """
    if all(v.is_Rational for v in values):
        distinct = sorted(set(values), reverse=True)
        position = {v: r for r, v in enumerate(distinct)}
        return [position[v] for v in values]
    try:
        order = sorted(range(len(values)), key=functools.cmp_to_key(
            lambda a, b: compare(values[b], values[a])))
        ranks = [0] * len(values)
        for previous, current in itertools.pairwise(order):
            ranks[current] = ranks[previous] + (compare(values[previous], values[current]) != 0)
    except UndecidedError as error:
        raise ParameterError("z", values, f"entries whose order can be decided ({error})") from None
    return ranks


def _order_proof(values: list[sp.Expr], ranks: list[int]) -> sp.Basic:
    """Re-decide every consecutive pair of the sorted entries: ``true`` if all agree with ``ranks``."""
    order = sorted(range(len(values)), key=lambda k: ranks[k])
    agree = all(compare(values[a], values[b]) == (1 if ranks[b] > ranks[a] else 0)
                for a, b in itertools.pairwise(order))
    return sp.true if agree else sp.false


def _terms_proof(term_limits: sp.Matrix, signs: list[list[int]], direction: int) -> sp.Basic:
    """``true`` if every term limit is 1 on a tie and ``exp(direction * sign * oo)`` otherwise."""
    expected = {sign: (sp.S.One if sign == 0 else sp.exp(direction * sign * sp.oo)) for sign in (-1, 0, 1)}
    entries = term_limits.tolist()
    agree = all(value == expected[sign] for row, sign_row in zip(entries, signs)
                for value, sign in zip(row, sign_row))
    return sp.true if agree else sp.false


def _collected_sum(terms: list[sp.Expr]) -> sp.Expr:
    """``sum(terms)`` with equal terms collected first (``k * oo = oo``, ``k * 0 = 0``)."""
    counts: dict[sp.Expr, int] = {}
    for value in terms:
        counts[value] = counts.get(value, 0) + 1
    return sp.Add(*[count * value for value, count in counts.items()])


@functools.cache
def _gap_limit(sign: int, direction: int) -> sp.Expr:
    """``lim exp(C * gap)`` for ``C -> direction * oo`` and a gap of the given sign."""
    g = sp.Symbol("g", positive=True)
    gap = sign * g
    return sp.limit(sp.exp(C * gap), C, direction * sp.oo)


@register(
    "softmax-limit",
    title="The name of softmax: limits of softmax(Cz)",
    sheets=[("nn-assignment-2", "P1"), ("seminar-1", "A2(c)")],
    parameters=[
        Parameter("z", Vector(max_length=100), None, "a concrete vector (ties allowed); absent: symbolic z"),
        Parameter("order", Limited(Ordering(), 100), None,
                  "for symbolic z: groups largest first, default [[z1, z2], [z3]]"),
    ],
)
def softmax_limit(z: list[sp.Rational] | None, order: list[list[sp.Symbol]] | None) -> Derivation:
    """Derive both limits of ``softmax(Cz)`` for a concrete or an ordered symbolic ``z``."""
    if z is not None and order is not None:
        raise ParameterError("order", order, "no ordering when z is given as numbers")
    if z is None:
        groups = order or [[sp.Symbol("z1", real=True), sp.Symbol("z2", real=True)],
                           [sp.Symbol("z3", real=True)]]
        vector = [s for group in groups for s in group]
        vector.sort(key=lambda s: (len(s.name), s.name))
        rank_of = {s: r for r, group in enumerate(groups) for s in group}
        ranks = [rank_of[s] for s in vector]
        parameters = {"order": groups}
    else:
        vector = list(z)
        ranks = _decided_ranks(vector)
        parameters = {"z": vector}
    size = len(vector)
    b = DerivationBuilder(
        "softmax-limit", "The name of softmax: limits of softmax(Cz)",
        r"$\lim_{C\to\pm\infty} \operatorname{softmax}(Cz)$ is the arg-max (arg-min) indicator,"
        r" shared equally among ties", parameters)
    b.assume(rf"$z \in \mathbb{{R}}^{{{size}}}$, $C \in \mathbb{{R}}$")
    if z is None:
        b.assume("ordering: " + r" $>$ ".join(" $=$ ".join(f"${sp.latex(s)}$" for s in g) for g in groups))
    if z is not None and not all(v.is_Rational for v in vector):
        b.claim("order of the entries", sp.true, lambda: _order_proof(vector, ranks),
                route="exact comparison: verified interval enclosures (mpmath.iv), equalities by "
                      "minimal polynomial, prime factorisation of logarithms or simplify to 0",
                reason="the ranks of the entries, largest first; an undecidable pair is refused",
                tex=r" > ".join(" = ".join(f"z_{{{k + 1}}}" for k in range(size) if ranks[k] == r)
                                for r in range(max(ranks) + 1)))
    exponentials = [sp.exp(C * zj) for zj in vector]
    total = sp.Add(*exponentials)
    softmax = sp.Matrix([e / total for e in exponentials])
    b.define("softmax of Cz", sp.Symbol("s"), softmax, reason=r"$s_i = e^{C z_i} / \sum_j e^{C z_j}$",
             tex=r"s_i(C) = \frac{e^{C z_i}}{\sum_j e^{C z_j}}")
    gap_terms: dict[sp.Expr, sp.Expr] = {}

    def term(gap: sp.Expr) -> sp.Expr:
        if gap not in gap_terms:  # exp(C g) built in canonical form: nothing to evaluate for g != 0
            product = sp.Mul(gap, C, evaluate=False) if gap.is_Rational and gap != 1 else C * gap
            gap_terms[gap] = sp.S.One if gap == 0 else sp.exp(product, evaluate=False)
        return gap_terms[gap]

    def row_sum(zi: sp.Expr) -> sp.Expr:
        """``sum_j exp(C (z_j - z_i))`` with equal terms collected (the printer orders them)."""
        counts: dict[sp.Expr, int] = {}
        for zj in vector:
            e = term(zj - zi)
            counts[e] = counts.get(e, 0) + 1
        terms = [count * e if count > 1 else e for e, count in counts.items()]
        return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]

    def reciprocal(total: sp.Expr) -> sp.Expr:
        return sp.Pow(total, -1, evaluate=False) if total.is_Add else 1 / total

    divided = sp.Matrix([reciprocal(row_sum(zi)) for zi in vector])
    b.step("divide by $e^{C z_i}$", softmax, divided, route="exp-cancel",
           reason=r"numerator and denominator divided by $e^{C z_i} > 0$: every term becomes "
                  r"a single exponential $e^{C (z_j - z_i)}$")
    signs = _rank_table(vector, ranks)
    results = {}
    for key, direction, word in (("plus_infinity", 1, "max"), ("minus_infinity", -1, "min")):
        arrow = "+oo" if direction > 0 else "-oo"
        by_sign = {sign: _gap_limit(sign, direction) for sign in (-1, 0, 1)}
        rows = [[by_sign[sign] for sign in row] for row in signs]
        term_limits = sp.Matrix(rows)
        b.claim(
            f"limits of the terms, C -> {arrow}", term_limits,
            lambda tl=term_limits, d=direction: _terms_proof(tl, signs, d),
            route="sympy.limit of each single exponential, confirmed by exp(-oo) = 0, exp(oo) = oo",
            reason=r"entry $(i, j)$ is $\lim e^{C (z_j - z_i)}$: $0$ when $z_j - z_i$ has the "
                   r"opposite sign to $C$, $1$ when $z_j = z_i$, $\infty$ otherwise",
        )
        limit = sp.Matrix([1 / _collected_sum(row) for row in rows])
        extreme = min(ranks) if direction > 0 else max(ranks)
        ties = ranks.count(extreme)
        b.claim(
            f"limit of softmax(Cz), C -> {arrow}", limit,
            lambda lim=limit, e=extreme, t=ties: sp.true if sum(lim) == 1 and all(
                lim[i] == (sp.Rational(1, t) if ranks[i] == e else 0) for i in range(size)
            ) else sp.false,
            route="algebra of limits (1/oo = 0), confirmed against the count of ties",
            reason=rf"a denominator with an $\infty$ term tends to $\infty$; otherwise it counts "
                   rf"the entries tied with $z_i$ at the {word}imum, which share the limit equally",
        )
        results[key] = limit
    return b.build(results, checker=lambda found: _check(vector, ranks, found))


def _sample(vector: list[sp.Expr], ranks: list[int], rng: np.random.Generator) -> list[sp.Expr]:
    """Concrete numbers for ``vector``: its own if numeric, else values obeying the ranks."""
    if all(v.is_number for v in vector):
        return list(vector)
    levels = sorted(rng.choice(np.arange(-20, 21), size=max(ranks) + 1, replace=False), reverse=True)
    return [sp.Integer(int(levels[r])) for r in ranks]


def _check(vector: list[sp.Expr], ranks: list[int], results: dict[str, sp.Matrix]) -> CheckReport:
    """softmax(Cz) at large |C|: mpmath at 60 digits and the simulator's stable softmax.

    ``C`` makes the smallest gap between distinct entries (distinct by the certified ranks)
    worth 200 in mpmath and 50 in float64, so every non-shared share is below ``e^-50``.
    """
    check = CrossCheck("softmax(Cz) at C = +-K: mpmath at 60 digits and the simulator (float64)", 1e-12)
    rng = np.random.default_rng(3)
    for trial in range(3 if not all(v.is_number for v in vector) else 1):
        values = _sample(vector, ranks, rng)
        with mpmath.workdps(60):
            precise_values = [mpmath.mpf(int(v.p)) / int(v.q) if v.is_Rational
                              else mpmath.mpf(sp.Float(v.evalf(70), 70)._mpf_) for v in values]
            gaps = [abs(precise_values[a] - precise_values[b]) for a in range(len(values))
                    for b in range(len(values)) if ranks[a] != ranks[b]]
            smallest = min(gaps) if gaps else mpmath.mpf(1)
            for key, direction in (("plus_infinity", 1), ("minus_infinity", -1)):
                expected = [float(v) for v in results[key]]
                cz = [direction * (200 / smallest) * v for v in precise_values]
                top = max(cz)
                weights = [mpmath.exp(c - top) for c in cz]
                total = mpmath.fsum(weights)
                check.compare(f"mpmath, {key}, trial {trial}", [float(w / total) for w in weights],
                              expected)
                floats = np.array([float(v) for v in precise_values])
                simulated = activations.softmax(direction * (50 / float(smallest)) * floats)
                check.compare(f"simulator, {key}, trial {trial}", simulated, expected)
    return check.report()

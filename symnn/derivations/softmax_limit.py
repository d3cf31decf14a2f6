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
        Parameter("z", Vector(max_length=12), None, "a concrete vector (ties allowed); absent: symbolic z"),
        Parameter("order", Limited(Ordering(), 12), None,
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
        distinct = sorted(set(vector), reverse=True)
        ranks = [distinct.index(v) for v in vector]
        parameters = {"z": vector}
    size = len(vector)
    b = DerivationBuilder(
        "softmax-limit", "The name of softmax: limits of softmax(Cz)",
        r"$\lim_{C\to\pm\infty} \operatorname{softmax}(Cz)$ is the arg-max (arg-min) indicator,"
        r" shared equally among ties", parameters)
    b.assume(rf"$z \in \mathbb{{R}}^{{{size}}}$, $C \in \mathbb{{R}}$")
    if z is None:
        b.assume("ordering: " + r" $>$ ".join(" $=$ ".join(f"${sp.latex(s)}$" for s in g) for g in groups))
    softmax = sp.Matrix([sp.exp(C * zi) / sp.Add(*[sp.exp(C * zj) for zj in vector]) for zi in vector])
    b.define("softmax of Cz", sp.Symbol("s"), softmax, reason=r"$s_i = e^{C z_i} / \sum_j e^{C z_j}$",
             tex=r"s_i(C) = \frac{e^{C z_i}}{\sum_j e^{C z_j}}")
    divided = sp.Matrix([1 / sp.Add(*[sp.exp(C * (zj - zi)) for zj in vector]) for zi in vector])
    b.step("divide by $e^{C z_i}$", softmax, divided, route="exp-cancel",
           reason=r"numerator and denominator divided by $e^{C z_i} > 0$: every term becomes "
                  r"a single exponential $e^{C (z_j - z_i)}$")
    signs = _rank_table(vector, ranks)
    results = {}
    for key, direction, word in (("plus_infinity", 1, "max"), ("minus_infinity", -1, "min")):
        arrow = "+oo" if direction > 0 else "-oo"
        term_limits = sp.Matrix(size, size, lambda i, j, d=direction: _gap_limit(signs[i][j], d))
        b.claim(
            f"limits of the terms, C -> {arrow}", term_limits,
            lambda tl=term_limits, d=direction: sp.true if all(
                tl[i, j] == (1 if signs[i][j] == 0 else sp.exp(d * signs[i][j] * sp.oo))
                for i in range(size) for j in range(size)) else sp.false,
            route="sympy.limit of each single exponential, confirmed by exp(-oo) = 0, exp(oo) = oo",
            reason=r"entry $(i, j)$ is $\lim e^{C (z_j - z_i)}$: $0$ when $z_j - z_i$ has the "
                   r"opposite sign to $C$, $1$ when $z_j = z_i$, $\infty$ otherwise",
        )
        limit = sp.Matrix([1 / sp.Add(*term_limits.row(i)) for i in range(size)])
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
    return b.build(results, checker=lambda: _check(vector, ranks, results))


def _sample(vector: list[sp.Expr], ranks: list[int], rng: np.random.Generator) -> list[sp.Rational]:
    """Concrete numbers for ``vector``: its own if numeric, else values obeying the ranks."""
    if all(v.is_number for v in vector):
        return list(vector)
    levels = sorted(rng.choice(np.arange(-20, 21), size=max(ranks) + 1, replace=False), reverse=True)
    return [sp.Integer(int(levels[r])) for r in ranks]


def _check(vector: list[sp.Expr], ranks: list[int], results: dict[str, sp.Matrix]) -> CheckReport:
    """softmax(Cz) at large |C|: mpmath at 60 digits and the simulator's stable softmax."""
    check = CrossCheck("softmax(Cz) at C = +-K: mpmath at 60 digits and the simulator (float64)", 1e-12)
    rng = np.random.default_rng(3)
    for trial in range(3 if not all(v.is_number for v in vector) else 1):
        values = _sample(vector, ranks, rng)
        gaps = [abs(a - b) for a in values for b in values if a != b]
        scale = 200 / min(gaps) if gaps else 1
        for key, direction in (("plus_infinity", 1), ("minus_infinity", -1)):
            expected = [float(v) for v in results[key]]
            with mpmath.workdps(60):
                cz = [direction * mpmath.mpf(scale) * mpmath.mpf(sp.Rational(v).p) / sp.Rational(v).q
                      for v in values]
                top = max(cz)
                weights = [mpmath.exp(c - top) for c in cz]
                total = mpmath.fsum(weights)
                precise = [float(w / total) for w in weights]
            check.compare(f"mpmath, {key}, trial {trial}", precise, expected)
            floats = np.array([float(v) for v in values])
            simulated = activations.softmax(direction * (50 / float(min(gaps) if gaps else 1)) * floats)
            check.compare(f"simulator, {key}, trial {trial}", simulated, expected)
    return check.report()

"""Exact linear programming over the rationals: phase one of the simplex method.

The one question asked here is Gordan's alternative for a rational matrix ``U`` (rows
``u_j``): exactly one of

.. math::

    \\exists w:\\ U w > 0 \\qquad\\text{or}\\qquad
    \\exists y \\ge 0,\\ \\textstyle\\sum_j y_j = 1:\\ U^T y = 0

holds. Both are decided by one phase-one simplex run on ``U^T y = 0, 1^T y = 1, y >= 0``
in exact :class:`fractions.Fraction` arithmetic (Bland's rule, so it terminates). If the
phase-one optimum is 0, ``y`` is a Farkas certificate; otherwise the optimal dual
multipliers ``(pi, t)`` satisfy ``U pi + t <= 0`` with ``t > 0``, so ``w = -pi`` has every
margin ``u_j^T w >= t > 0``. Either answer is verified exactly before it is returned.

>>> alternative = gordan([[1, 1000], [-1, -1001]])
>>> alternative.separating, alternative.w
(True, (2001, -2))
>>> [str(v) for v in gordan([[1, 0], [-1, 0]]).y]
['1/2', '1/2']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm
from numbers import Rational

from symnn.errors import CertificationError


def phase_one(
    A: Sequence[Sequence[Rational]], b: Sequence[Rational]
) -> tuple[list[Fraction], list[Fraction], Fraction]:
    """Minimise ``sum(a)`` subject to ``A y + a = b``, ``y, a >= 0`` (``b >= 0``), exactly.

    Returns ``(y, pi, optimum)``: a vertex ``y`` of the optimum, the optimal dual
    multipliers ``pi`` (``A^T pi <= 0``, ``pi <= 1``, ``b^T pi = optimum``) and the optimum.

    >>> y, pi, optimum = phase_one([[1, 1]], [2])
    >>> y, optimum
    ([Fraction(2, 1), Fraction(0, 1)], Fraction(0, 1))
    """
    m, n = len(A), len(A[0]) if A else 0
    if any(value < 0 for value in b):
        raise CertificationError("phase_one: the right-hand side b must be >= 0")
    rows = [[Fraction(v) for v in A[i]] + [Fraction(int(i == k)) for k in range(m)] + [Fraction(b[i])]
            for i in range(m)]
    cost = [Fraction(0)] * n + [Fraction(1)] * m
    basis = list(range(n, n + m))
    while True:
        reduced = [cost[j] - sum(cost[basis[i]] * rows[i][j] for i in range(m)) for j in range(n + m)]
        entering = next((j for j in range(n + m) if reduced[j] < 0), None)
        if entering is None:
            break
        candidates = [(rows[i][-1] / rows[i][entering], basis[i], i) for i in range(m)
                      if rows[i][entering] > 0]
        _, _, leaving = min(candidates)  # bounded: the objective is >= 0
        pivot = rows[leaving][entering]
        rows[leaving] = [v / pivot for v in rows[leaving]]
        for i in range(m):
            if i != leaving and rows[i][entering] != 0:
                factor = rows[i][entering]
                rows[i] = [v - factor * p for v, p in zip(rows[i], rows[leaving])]
        basis[leaving] = entering
    y = [Fraction(0)] * n
    for i, variable in enumerate(basis):
        if variable < n:
            y[variable] = rows[i][-1]
    pi = [sum(cost[basis[i]] * rows[i][n + k] for i in range(m)) for k in range(m)]
    optimum = sum(cost[basis[i]] * rows[i][-1] for i in range(m))
    return y, pi, Fraction(optimum)


@dataclass(frozen=True)
class Alternative:
    """The decided side of Gordan's alternative for ``U``, with its verified certificate.

    ``separating`` is True with ``w`` (integers, every ``u_j^T w > 0``), or False with
    ``y`` (``y >= 0``, ``sum y = 1``, ``U^T y = 0``).
    """

    separating: bool
    w: tuple[int, ...] | None = None
    y: tuple[Fraction, ...] | None = None
    margins: tuple[Fraction, ...] = ()


def gordan(U: Sequence[Sequence[Rational]]) -> Alternative:
    """Decide whether some ``w`` has ``U w > 0`` (every row), with a verified certificate.

    >>> found = gordan([[1, 2], [3, -1]])
    >>> found.w, [str(m) for m in found.margins]
    ((3, -1), ['1', '10'])
    """
    rows = [[Fraction(v) for v in row] for row in U]
    if not rows or not rows[0]:
        raise CertificationError("gordan: U must have at least one row and one column")
    count, dim = len(rows), len(rows[0])
    A = [[rows[j][k] for j in range(count)] for k in range(dim)] + [[Fraction(1)] * count]
    b = [Fraction(0)] * dim + [Fraction(1)]
    y, pi, optimum = phase_one(A, b)
    if optimum == 0:
        verify_farkas(rows, y)
        return Alternative(False, y=tuple(y))
    w = integer_direction([-p for p in pi[:dim]])
    margins = tuple(sum(row[k] * w[k] for k in range(dim)) for row in rows)
    if not all(m > 0 for m in margins):
        raise CertificationError(f"gordan: the dual direction {w} does not separate (margins {margins})")
    return Alternative(True, w=w, margins=margins)


def verify_farkas(rows: Sequence[Sequence[Fraction]], y: Sequence[Fraction]) -> None:
    """Raise unless ``y >= 0``, ``sum y = 1`` and ``sum_j y_j u_j = 0`` exactly."""
    combination = [sum(y[j] * rows[j][k] for j in range(len(rows))) for k in range(len(rows[0]))]
    if min(y) < 0 or sum(y) != 1 or any(c != 0 for c in combination):
        raise CertificationError(f"gordan: {tuple(y)} is not a Farkas certificate")


def integer_direction(v: Sequence[Fraction]) -> tuple[int, ...]:
    """The positive multiple of ``v`` with coprime integer entries.

    >>> integer_direction([Fraction(1, 2), Fraction(-3, 4)])
    (2, -3)
    """
    scale = lcm(*[Fraction(x).denominator for x in v])
    whole = [int(Fraction(x) * scale) for x in v]
    divisor = gcd(*whole) or 1
    return tuple(x // divisor for x in whole)

"""Hypothesis strategies: valid parameters of any catalogue id, and exact matrices and vectors.

``parameters(id)`` draws keyword arguments for ``symnn.derive(id, **drawn)`` from the id's
parameter declarations (:mod:`symnn.core.params`): each declared kind has a rule in
:data:`RULES`. Sizes stay small (``max_size``) so a drawn derivation is quick. A
vector or matrix parameter with a default is drawn with the default's shape (the shapes
of a network's parameters must fit together); one without a default, and kinds with no
rule (expression texts, orderings), are left out, so the derivation uses its default or
its symbolic form. A symmetric matrix kind draws positive definite matrices. Parameters
given as keywords are used as they are (a value, or a strategy).

The draws are valid for the *declarations*; a derivation may ask more than its
declarations say (labels of logistic-separable are +1 or -1, and its data separable):
give such parameters as keywords.

The exact strategies: :func:`rationals`, :func:`rational_matrices`,
:func:`symmetric_psd_matrices` (``B B^T``, positive semi-definite by construction),
:func:`probability_vectors` (non-negative Rationals that sum to exactly 1).

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(probability_vectors(3))
... def test_sums_to_one(p):
...     assert sum(p) == 1 and all(value >= 0 for value in p)
>>> test_sums_to_one()
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import sympy as sp
from hypothesis import strategies as st

from symnn.core.params import REQUIRED, Boolean, Kind, MatrixKind, Number, PositiveInteger, Vector
from symnn.core.registry import entry
from symnn.derivations.affine import Sizes
from symnn.derivations.approximation import Choice

BOUND, DENOMINATOR, MAX_SIZE = 5, 10, 4


def rationals(low: Any = -BOUND, high: Any = BOUND, max_denominator: int = DENOMINATOR) -> st.SearchStrategy:
    """Exact Rationals in ``[low, high]`` with denominators up to ``max_denominator``."""
    low, high = Fraction(str(sp.Rational(low))), Fraction(str(sp.Rational(high)))
    return st.fractions(low, high, max_denominator=max_denominator).map(
        lambda f: sp.Rational(f.numerator, f.denominator))


def rational_matrices(rows: int, cols: int, bound: Any = BOUND,
                      max_denominator: int = DENOMINATOR) -> st.SearchStrategy:
    """``rows x cols`` SymPy matrices of exact Rationals in ``[-bound, bound]``."""
    entries = st.lists(rationals(-bound, bound, max_denominator), min_size=rows * cols, max_size=rows * cols)
    return entries.map(lambda values: sp.Matrix(rows, cols, values))


def symmetric_psd_matrices(n: int, rank: int | None = None, bound: Any = 3) -> st.SearchStrategy:
    """Symmetric positive semi-definite ``n x n`` Rational matrices ``B B^T`` (``B`` is ``n x rank``)."""
    return rational_matrices(n, n if rank is None else rank, bound).map(lambda B: B * B.T)


def _positive_definite(n: int) -> st.SearchStrategy:
    return symmetric_psd_matrices(n).map(lambda A: A + sp.eye(n))


def probability_vectors(n: int, positive: bool = False) -> st.SearchStrategy:
    """Lists of ``n`` Rationals ``>= 0`` (``> 0`` if ``positive``) summing to exactly 1."""
    weights = st.lists(st.integers(1 if positive else 0, 20), min_size=n, max_size=n).filter(any)
    return weights.map(lambda w: [sp.Rational(value, sum(w)) for value in w])


def _shape(default: Any) -> tuple[int, int] | None:
    if isinstance(default, sp.MatrixBase):
        return default.shape
    if isinstance(default, (list, tuple)) and default:
        rows = [row if isinstance(row, (list, tuple)) else [row] for row in default]
        return len(rows), len(rows[0])
    return None


def _integer(kind: PositiveInteger, default: Any, max_size: int) -> st.SearchStrategy:
    high = kind.minimum + max_size - 1
    return st.integers(kind.minimum, high if kind.maximum is None else min(kind.maximum, high))


def _number(kind: Number, default: Any, max_size: int) -> st.SearchStrategy:
    low = -BOUND if kind.lower is None else sp.Rational(kind.lower)
    high = low + 2 * BOUND if kind.upper is None else sp.Rational(kind.upper)
    drawn = rationals(low, high)
    return drawn.filter(lambda v: not ((kind.lower_open and v == low) or (kind.upper_open and v == high)))


def _vector(kind: Vector, default: Any, max_size: int) -> st.SearchStrategy | None:
    size = kind.length or (len(default) if isinstance(default, (list, tuple)) else None)
    if size is None:
        return None
    if isinstance(kind, Sizes):
        return st.lists(st.integers(1, min(kind.largest, 3)), min_size=size, max_size=size)
    return st.lists(rationals(), min_size=size, max_size=size)


def _matrix(kind: MatrixKind, default: Any, max_size: int) -> st.SearchStrategy | None:
    shape = _shape(default)
    if shape is None:
        return None
    drawn = _positive_definite(shape[0]) if kind.symmetric else rational_matrices(*shape)
    return drawn.map(lambda matrix: matrix.tolist())


def _choice(kind: Choice, default: Any, max_size: int) -> st.SearchStrategy:
    return st.sampled_from(kind.options)


Rule = Callable[[Any, Any, int], "st.SearchStrategy | None"]
RULES: dict[type[Kind], Rule] = {
    PositiveInteger: _integer,
    Number: _number,
    Vector: _vector,
    MatrixKind: _matrix,
    Boolean: lambda kind, default, max_size: st.booleans(),
    Choice: _choice,
}


def _rule(kind: Kind) -> Rule | None:
    return next((RULES[cls] for cls in type(kind).__mro__ if cls in RULES), None)


def parameters(id: str, max_size: int = MAX_SIZE, **fixed: Any) -> st.SearchStrategy:
    """Keyword arguments for ``symnn.derive(id, **drawn)`` drawn from ``id``'s declarations.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, deadline=None)
    ... @given(parameters("leaky-relu-gaussian-moments"))
    ... def test_alpha_as_declared(drawn):
    ...     assert 0 <= drawn.get("alpha", 0) <= 1 and drawn.get("sigma", 1) > 0
    >>> test_alpha_as_declared()
    """
    required, optional = {}, {}
    for parameter in entry(id).parameters:
        if parameter.name in fixed:
            value = fixed[parameter.name]
            required[parameter.name] = value if isinstance(value, st.SearchStrategy) else st.just(value)
            continue
        rule = _rule(parameter.kind)
        drawn = None if rule is None else rule(parameter.kind, parameter.default, max_size)
        if drawn is None:
            continue
        (required if parameter.default is REQUIRED else optional)[parameter.name] = drawn
    return st.fixed_dictionaries(required, optional=optional)

"""core/zeros: isolated zeros in boxes (one zero proved per box), narrowed to decimal ends."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.core.zeros import narrowed, one_zero, zero_boxes, zeros_accounted_for
from symnn.errors import CertificationError

x = sp.Symbol("x", real=True)


def test_one_zero_in_a_monotone_box() -> None:
    assert one_zero(sp.exp(x) - 3, x, sp.Integer(1), sp.Integer(2))  # log 3 = 1.0986...


def test_one_zero_refuses_a_box_where_the_derivative_changes_sign() -> None:
    """x^3 - x changes sign over [-2, 2] but has three zeros there: its derivative changes sign."""
    with pytest.raises(CertificationError, match="derivative"):
        one_zero(x**3 - x, x, sp.Integer(-2), sp.Integer(2))


def test_one_zero_refuses_a_box_without_a_sign_change() -> None:
    with pytest.raises(CertificationError, match="no strict sign change"):
        one_zero(sp.exp(x) - 3, x, sp.Integer(2), sp.Integer(3))


def test_zero_boxes_isolate_each_zero_once() -> None:
    """sin has the zeros -pi, 0, pi on [-4, 4]: 0 listed exactly, the other two in boxes."""
    boxes = zero_boxes(sp.sin(x), x, -4, 4, [sp.Integer(0)])
    assert len(boxes) == 2
    assert all(lo < z < hi for (lo, hi), z in zip(boxes, (-sp.pi, sp.pi)))


def test_zeros_accounted_for_still_refuses_an_unlisted_zero() -> None:
    with pytest.raises(CertificationError, match="is not listed"):
        zeros_accounted_for(sp.sin(x), x, -4, 4, [sp.Integer(0)])


@settings(max_examples=5, deadline=None)
@given(st.fractions(Fraction(1, 20), Fraction(20), max_denominator=50).filter(lambda q: q != 1))
def test_narrowed_box_holds_the_zero(q: Fraction) -> None:
    """exp(x) - q has its one zero at log q: the box found and the narrowed box both hold it."""
    g = sp.exp(x) - sp.Rational(q.numerator, q.denominator)
    zero = sp.log(sp.Rational(q.numerator, q.denominator))
    (box,) = zero_boxes(g, x, -4, 4, [])
    lo, hi = narrowed(g, x, *box, digits=25)
    assert box[0] <= lo < zero < hi <= box[1]
    assert hi - lo == sp.Rational(2, 10**25)


def test_a_listed_zero_at_the_edge_of_a_box_is_not_taken_for_the_boxs_zero():
    """1 + 2^-200 is closer to the bisection point 1 than the enclosures resolve: undecided, not passed.

    (x - z)(x - 3) is not monotone on [0, 2], so [0, 2] is cut at 1, next to z."""
    x = sp.Symbol("x", real=True)
    zero = 1 + sp.Rational(1, 2**200)
    with pytest.raises(CertificationError, match="within 2\\^-128 of an end"):
        zeros_accounted_for((x - zero) * (x - 3), x, sp.Integer(0), sp.Integer(2), [zero])
    near = sp.Rational(9, 8)
    assert zeros_accounted_for((x - near) * (x - 3), x, sp.Integer(0), sp.Integer(2), [near])

"""Exact separability (Gordan's alternative by an exact phase-one simplex) and its use in
logistic-separable: every answer carries a certificate that is re-verified here."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.exact_lp import gordan, phase_one
from symnn.errors import ParameterError


def _margins(U: list[list[int]], w: tuple[int, ...]) -> list[int]:
    return [sum(u * v for u, v in zip(row, w)) for row in U]


def test_phase_one_reports_an_infeasible_system() -> None:
    # y1 + y2 = 1 and y1 + y2 = 2 cannot both hold: the phase-one optimum is positive
    _, pi, optimum = phase_one([[1, 1], [1, 1]], [1, 2])
    assert optimum == 1
    # the dual certificate: A^T pi <= 0 and b^T pi = optimum
    assert pi[0] + pi[1] <= 0 and pi[0] * 1 + pi[1] * 2 == optimum


def test_wide_margins_are_separable() -> None:
    # u_1 = (1, 1000), u_2 = -(1, 1001): w = (1000.5, -1) separates, the perceptron needs > 500 steps
    found = gordan([[1, 1000], [-1, -1001]])
    assert found.separating and all(m > 0 for m in _margins([[1, 1000], [-1, -1001]], found.w))


def test_opposite_points_are_not_separable_with_a_farkas_certificate() -> None:
    U = [[1, 2], [-1, -2], [3, 1]]
    found = gordan(U)
    assert not found.separating
    y = found.y
    assert min(y) >= 0 and sum(y) == 1
    assert all(sum(y[j] * U[j][k] for j in range(3)) == 0 for k in range(2))


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 5).flatmap(lambda rows: st.integers(1, 3).flatmap(
    lambda cols: st.lists(st.lists(st.integers(-4, 4), min_size=cols, max_size=cols),
                          min_size=rows, max_size=rows))))
def test_every_answer_is_certified(U: list[list[int]]) -> None:
    found = gordan(U)
    if found.separating:
        assert all(m > 0 for m in _margins(U, found.w))
    else:  # Gordan: y >= 0, y != 0 with U^T y = 0 rules out every separating w
        y = [Fraction(v) for v in found.y]
        assert min(y) >= 0 and sum(y) == 1
        assert all(sum(y[j] * U[j][k] for j in range(len(U))) == 0 for k in range(len(U[0])))


def test_logistic_separable_decides_wide_margins_exactly() -> None:
    d = symnn.derive("logistic-separable", X=[[1, 1000], [1, 1001]], y=[1, -1])
    w = d.result["separating_w"]
    assert [1 * w[0] + 1000 * w[1], -(1 * w[0] + 1001 * w[1])] == list(d.result["margins"])
    assert all(m > 0 for m in d.result["margins"])
    assert d.result["finite_maximizer"] is sp.false
    report = d.check()
    assert report.ok, report.failures()


def test_logistic_says_not_separable_only_with_a_certificate() -> None:
    with pytest.raises(ParameterError, match=r"not separable: c = \(1/2, 1/2\) .*Farkas"):
        symnn.derive("logistic-separable", X=[[1, 0], [-1, 0]], y=[1, 1])
    # the message shows the data as given: X, not the products y_j x_j
    with pytest.raises(ParameterError, match=r"got \[\[1, 2\], \[1, 2\]\].*c = \(1/2, 1/2\)"):
        symnn.derive("logistic-separable", X=[[1, 2], [1, 2]], y=[1, -1])


def test_the_exact_program_refuses_irrational_data() -> None:
    from symnn.derivations.logistic import separating_direction

    with pytest.raises(ParameterError, match="rational entries"):
        separating_direction(sp.Matrix([[sp.sqrt(2), 1], [1, 1]]), [1, -1])


def test_the_penalised_maximiser_is_enclosed_by_a_krawczyk_test(monkeypatch: pytest.MonkeyPatch) -> None:
    from symnn.derivations import logistic
    from symnn.errors import CertificationError

    d = symnn.derive("logistic-separable")
    step = next(s for s in d.steps if s.rule == "the maximiser")
    assert step.certificate.route.startswith("Krawczyk test")
    honest = logistic._maximizer
    # an approximation 1e-6 off: no box of radius 1e-20 around it holds the zero
    monkeypatch.setattr(logistic, "_maximizer", lambda *args: honest(*args) + sp.ones(2, 1) / 10**6)
    with pytest.raises(CertificationError, match="Krawczyk"):
        symnn.derive("logistic-separable")

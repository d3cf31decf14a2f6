"""Steps and cross-checks that compare two different computations: nn-nonconvex's losses
(symbolic substitution against exact unit-by-unit evaluation) and the step-size bound of
gd-convergence-quadratic (against a threshold found by running gradient descent alone)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.certify import certify
from symnn.core.mutation import with_result
from symnn.derivations.gradient_descent import stability_threshold
from symnn.derivations.nonconvex_network import NET, exact_loss
from symnn.errors import CertificationError


def test_nonconvex_loss_steps_compare_two_evaluations() -> None:
    d = symnn.derive("nn-nonconvex")
    steps = [s for s in d.steps if s.rule.startswith("loss at")]
    assert len(steps) == 3
    for step in steps:  # the symbolic Subs is not the xreplace of the same value
        assert isinstance(step.before, sp.Subs) and step.after == exact_loss(step.before.point, NET["data"])
    # by hand: the midpoint (0, 0, 0, 0, 3/2, 3/2) outputs 0, so L = (4 + 0 + 1 + 4) / 2
    assert d.result["loss_midpoint"] == sp.Rational(9, 2)
    with pytest.raises(CertificationError):
        certify(steps[2].before, sp.Rational(9, 2) + sp.Rational(1, 97), "doit-cancel")


@settings(deadline=None, max_examples=15)
@given(st.integers(1, 400), st.integers(-20, 20))
def test_gd_threshold_by_bisection_is_two_over_the_curvature(a_tenths: int, b: int) -> None:
    a = a_tenths / 10
    threshold = stability_threshold(lambda eta, x: x - eta * (2 * a * x + b), 3.0, -b / (2 * a))
    assert abs(threshold - 1 / a) <= 1e-9 * max(1.0, 1 / a)  # 2 / f'' with f'' = 2a, tolerance 1e-9


@pytest.mark.parametrize("params", [{}, {"a": "a"}, {"A": [[2, 1], [1, 3]]}])
def test_gd_check_refuses_the_bound_of_the_wrong_curvature(params: dict) -> None:
    d = symnn.derive("gd-convergence-quadratic", **params)
    assert d.check().ok
    # 2/f'' with f'' off by 1/7 of itself: the independent threshold exposes it
    assert not with_result(d, "eta_max", d.result["eta_max"] * sp.Rational(7, 8)).check().ok

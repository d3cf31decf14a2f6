"""``assert_equivalent`` and ``assert_derivation``: each failure mode is an AssertionError that says why."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.errors import ParameterError
from symnn.testing import NumericOnlyWarning, assert_derivation, assert_equivalent

x, y1, y2 = sp.symbols("x y1 y2")
REAL_X = sp.Symbol("x", real=True)


@pytest.mark.parametrize(("actual", "expected"), [
    (1 / (1 + sp.exp(-x)), sp.exp(x) / (1 + sp.exp(x))),         # exp-cancel
    ((x + 1) ** 2, x**2 + 2 * x + 1),                              # expand
    (sp.tanh(x), 2 / (1 + sp.exp(-2 * x)) - 1),
    (sp.Rational(1, 2), 0.5),                                      # a float read from its decimal text
    (sp.Matrix([[x, 1], [0, x**2]]), [[x, 1], [0, x * x]]),
    (np.array([[0.25, 1.0]]), sp.Matrix([[sp.Rational(1, 4), 1]])),
    (True, sp.true),
    (~(sp.Symbol("a") & sp.Symbol("b")), ~sp.Symbol("a") | ~sp.Symbol("b")),
    (sp.And(x > 0, x < 1), sp.Interval.open(0, 1).as_relational(x)),
    (sp.Union(sp.Interval(0, 1), sp.Interval(1, 2)), sp.Interval(0, 2)),
    (sp.Interval(0, 2 * REAL_X), sp.Interval(0, REAL_X + REAL_X)),
])
def test_equal_values_are_proved(actual, expected):
    assert assert_equivalent(actual, expected).status == "proved"


def test_a_difference_that_vanishes_at_sample_points_fails():
    # sin(pi x)^2 / 10^6 is 0 at every integer and tiny elsewhere: sampling at integers or in
    # floating point would call it equal; the counterexample must be exact.
    with pytest.raises(AssertionError) as failure:
        assert_equivalent(x**2 + sp.sin(sp.pi * x) ** 2 / 10**6, x**2)
    message = str(failure.value)
    assert "refuted by a counterexample" in message
    assert "counterexample: at x=" in message and "which is not 0" in message
    assert "reduced difference" in message and "1000000" in message  # the reduced difference is shown
    with pytest.raises(AssertionError):  # asking for numeric agreement does not let it pass either
        assert_equivalent(x**2 + sp.sin(sp.pi * x) ** 2 / 10**6, x**2, numeric=True)


def test_symbols_match_by_name_unless_strict():
    J = sp.Matrix([[sp.Symbol("y1", real=True) * (1 - sp.Symbol("y1", real=True))]])
    passed = assert_equivalent(sp.Matrix([[y1 - y1**2]]), J)
    assert passed.status == "proved" and "assumptions differ" in passed.notes[0]
    with pytest.raises(AssertionError) as failure:
        assert_equivalent(sp.Matrix([[y1 - y1**2]]), J, strict_assumptions=True)
    assert "differ only by assumptions" in str(failure.value)
    assert "y1 (no assumptions) in actual, y1 (real=True) in expected" in str(failure.value)


def test_matrix_failures_name_the_entries():
    with pytest.raises(AssertionError) as failure:
        assert_equivalent(sp.Matrix([[y1, y2], [y2, y1]]), sp.Matrix([[y1, -y2], [y2, y1]]))
    message = str(failure.value)
    assert "1 of 4 entries differ: [(0, 1)]" in message
    assert "counterexample: entry (0, 1): at y2=" in message


@pytest.mark.parametrize(("actual", "expected", "said"), [
    (sp.Matrix([[1, 2]]), sp.Matrix([[1], [2]]), "actual is a 1x2 matrix, expected is a 2x1 matrix"),
    (x, sp.Matrix([[x]]), "actual is a scalar, expected is a 1x1 matrix"),
    (sp.Interval(0, 1), x, "actual is a set, expected is a scalar"),
])
def test_shape_mismatch_is_an_assertion_error(actual, expected, said):
    with pytest.raises(AssertionError, match="shape mismatch") as failure:
        assert_equivalent(actual, expected)
    assert said in str(failure.value)


@pytest.mark.parametrize(("actual", "expected", "said"), [
    (sp.Interval(0, 1), sp.Interval.Ropen(0, 1), "the point 1 is in actual and not in expected"),
    (sp.FiniteSet(1, 2), sp.FiniteSet(1, 3), "is in actual and not in expected"),
    (True, False, "actual is True, expected is False"),
    (sp.Symbol("a") | sp.Symbol("b"), sp.Symbol("a"), "the two sides have different truth values"),
    (sp.And(x > 0, x < 1), x > 0, "is in expected and not in actual"),
])
def test_sets_and_booleans_are_refuted_with_a_witness(actual, expected, said):
    with pytest.raises(AssertionError, match="refuted") as failure:
        assert_equivalent(actual, expected)
    assert said in str(failure.value)


def test_undecided_fails_unless_numeric_is_asked_and_then_is_reported_numeric():
    positive = sp.Symbol("x", positive=True)
    # true for x > 0, and no route proves it
    actual, expected = sp.atan(1 / positive) + sp.atan(positive), sp.pi / 2
    with pytest.raises(AssertionError, match="could not be decided") as failure:
        assert_equivalent(actual, expected)
    assert "pass numeric=True" in str(failure.value)
    with pytest.warns(NumericOnlyWarning, match="not a proof"):
        passed = assert_equivalent(actual, expected, numeric=True)
    assert passed.status == "numeric" and "not a proof" in passed.reason


def test_domain_by_name_restricts_the_comparison():
    alpha = sp.Symbol("alpha", real=True)
    assert assert_equivalent(sp.Abs(alpha), alpha, domain={"alpha": sp.Interval(0, 1)}).status == "proved"
    with pytest.raises(AssertionError, match="refuted"):
        assert_equivalent(sp.Abs(alpha), alpha)


def test_text_is_refused_not_parsed():
    with pytest.raises(ParameterError, match="text is not parsed"):
        assert_equivalent("x**2", x**2)


@settings(max_examples=15, deadline=None)
@given(st.integers(-5, 5), st.integers(-5, 5))
def test_polynomial_identities_are_proved_and_perturbations_refuted(a, b):
    product = (x + a) * (x + b)
    assert assert_equivalent(product, x**2 + (a + b) * x + a * b).status == "proved"
    with pytest.raises(AssertionError, match="refuted"):
        assert_equivalent(product, x**2 + (a + b) * x + a * b + x**3 / 1000)


def test_assert_derivation_compares_named_results():
    alpha = sp.Symbol("alpha")
    derivation = assert_derivation("softmax-jacobian", {"jacobian_in_y": [[y1 - y1**2, -y1 * y2],
                                                                          [-y1 * y2, y2 - y2**2]]}, n=2)
    assert derivation.check().ok
    with pytest.raises(AssertionError, match=r"leaky-relu-gaussian-moments\[mean\]: actual differs"):
        assert_derivation("leaky-relu-gaussian-moments", {"mean": (1 + alpha) / sp.sqrt(2 * sp.pi)})
    with pytest.raises(AssertionError, match="has no result 'jacobian_y'; its results: jacobian"):
        assert_derivation("softmax-jacobian", {"jacobian_y": 0}, n=2)


def test_equations_and_the_course_sigma():
    import symnn
    from symnn.derivations.activations import sigma

    results = symnn.derive("sigmoid-identities").result
    # sigma is written out as 1/(1 + exp(-x)) before deciding, so the exp-cancel route applies
    assert assert_equivalent(sigma(x) * (1 - sigma(x)), results["sigmoid_derivative"]).status == "proved"
    reflection = sp.Eq(1 / (1 + sp.exp(x)), 1 - sigma(x))
    assert assert_equivalent(reflection, results["reflection"]).status == "proved"
    with pytest.raises(AssertionError, match="the actual side is false; the expected side holds everywhere"):
        assert_equivalent(sp.Eq(sigma(-x), 1 + sigma(x)), results["reflection"])

"""A user's own test suite written with symnn.testing, as docs/testing.md describes it.

tests/test_testing_plugin.py copies this file into a temporary directory as
``test_user_suite.py`` and runs pytest on it in a subprocess. Tests named
``test_fails_*`` fail on purpose: they show what a failure looks like.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings

import symnn
from symnn.testing import NumericOnlyWarning, assert_derivation, assert_equivalent
from symnn.testing.strategies import probability_vectors

y1, y2, y3, alpha, x = sp.symbols("y1 y2 y3 alpha x")  # plain symbols: matched by name


JACOBIAN = symnn.derive("softmax-jacobian", n=3).result["jacobian_in_y"]


def softmax_jacobian(y: np.ndarray) -> np.ndarray:
    """The user's NumPy implementation: J = diag(y) - y y^T."""
    return np.diag(y) - np.outer(y, y)


def test_numpy_jacobian_equals_the_derivation():
    # NumPy code run on an object array of symbols gives its formula, which is then proved equal
    symbolic = softmax_jacobian(np.array([y1, y2, y3], dtype=object))
    assert_equivalent(symbolic, JACOBIAN)


@settings(max_examples=10, deadline=None)
@given(probability_vectors(3, positive=True))
def test_numpy_jacobian_at_probability_vectors(p):
    # substitute symnn's own symbols (real=True): y1 = sp.Symbol("y1") would not replace them
    ys = sorted(JACOBIAN.free_symbols, key=lambda s: s.name)
    exact = JACOBIAN.subs(dict(zip(ys, p)))
    assert all(sum(exact.row(i)) == 0 for i in range(3))  # rows of a softmax Jacobian sum to 0, exactly
    floats = softmax_jacobian(np.array(p, dtype=float))
    assert np.max(np.abs(floats - np.array(exact, dtype=float))) <= 1e-15  # tolerance: a few ulps of 1


def test_student_closed_form():
    assert_derivation("leaky-relu-gaussian-moments", {"mean": (1 - alpha) / sp.sqrt(2 * sp.pi)})


def test_snapshot(symnn_snapshot):
    symnn_snapshot(symnn.derive("softmax-jacobian", n=2))


def test_numeric_fallback_is_reported():
    positive = sp.Symbol("x", positive=True)
    with pytest.warns(NumericOnlyWarning):
        passed = assert_equivalent(sp.atan(1 / positive) + sp.atan(positive), sp.pi / 2, numeric=True)
    assert passed.status == "numeric"


def test_fails_sign_error():
    wrong = sp.Matrix([[y1 * (1 - y1), y1 * y2], [-y1 * y2, y2 * (1 - y2)]])
    assert_derivation("softmax-jacobian", {"jacobian_in_y": wrong}, n=2)


def test_fails_difference_vanishing_at_sample_points():
    assert_equivalent(x**2 + sp.sin(sp.pi * x) ** 2 / 10**6, x**2)


def test_fails_shape():
    assert_equivalent(sp.Matrix([[y1, y2]]), sp.Matrix([y1, y2]))  # a row is not a column


def test_fails_undecided():
    positive = sp.Symbol("x", positive=True)
    assert_equivalent(sp.atan(1 / positive) + sp.atan(positive), sp.pi / 2)

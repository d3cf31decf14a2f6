"""Strategies of symnn.testing: drawn parameters pass the declarations; exact matrices are what they say."""

from __future__ import annotations

import itertools

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.registry import entry
from symnn.testing import strategies
from symnn.testing.strategies import parameters, probability_vectors, rational_matrices

FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("id", symnn.catalog("derivation"))
@FAST
@given(data=st.data())
def test_drawn_parameters_pass_the_declarations(id, data):
    drawn = data.draw(parameters(id))
    coerced = entry(id).coerce(drawn)  # raises ParameterError for a value the declaration refuses
    assert set(drawn) <= set(coerced)


CHEAP = ["softmax-jacobian", "affine-as-linear", "softmax-stability", "newton-one-step"]


@pytest.mark.parametrize("id", CHEAP)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_parameters_derive_and_check(id, data):
    derivation = symnn.derive(id, **data.draw(parameters(id, max_size=3)))
    assert derivation.certified and derivation.check().ok


@FAST
@given(parameters("two-layer-relu-gradients"))
def test_matrix_parameters_keep_the_default_shapes(drawn):
    defaults = {p.name: p.default for p in entry("two-layer-relu-gradients").parameters}
    for name in ("X", "W1"):
        if name in drawn:
            assert sp.Matrix(drawn[name]).shape == defaults[name].shape


@FAST
@given(parameters("softmax-jacobian", n=2))
def test_keywords_fix_a_parameter(drawn):
    assert drawn == {"n": 2}


@FAST
@given(rational_matrices(2, 3))
def test_rational_matrices_are_exact(matrix):
    assert matrix.shape == (2, 3) and all(isinstance(value, sp.Rational) for value in matrix)


@FAST
@given(strategies.symmetric_psd_matrices(3))
def test_psd_matrices_are_symmetric_with_non_negative_principal_minors(matrix):
    assert matrix == matrix.T
    # positive semi-definite: every principal minor is >= 0 (exact Rationals)
    for size in (1, 2, 3):
        for rows in itertools.combinations(range(3), size):
            assert matrix.extract(list(rows), list(rows)).det() >= 0


@FAST
@given(probability_vectors(4, positive=True))
def test_probability_vectors_sum_to_exactly_one(p):
    assert sum(p) == 1 and all(value > 0 for value in p) and len(p) == 4

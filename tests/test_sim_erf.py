"""The simulator's whole-array erf against the standard library's, entry by entry."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.sim.erf import erf
from symnn.sim.smooth_activations import gelu, normal_cdf


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=True, width=64))
def test_erf_agrees_with_math_erf_to_a_few_ulps(t):
    expected = math.erf(t)
    got = float(erf(np.array([t]))[0])
    assert abs(got - expected) <= 4 * math.ulp(max(abs(expected), 1e-300)) or abs(got - expected) <= 5e-16


def test_erf_on_a_dense_grid_and_its_shapes():
    x = np.linspace(-8, 8, 160_000).reshape(400, 400, 1)  # every centre and both sides of it
    expected = np.vectorize(math.erf)(x)
    assert erf(x).shape == x.shape
    assert float(np.max(np.abs(erf(x) - expected))) <= 5e-16  # absolute, on the whole grid
    tiny = np.array([1e-300, 1e-20, -1e-8])
    assert np.allclose(erf(tiny), [math.erf(t) for t in tiny], rtol=1e-15, atol=0)  # relative near 0


def test_gelu_uses_it_and_keeps_float32():
    x = np.linspace(-5, 5, 101, dtype=np.float32)
    assert gelu(x).dtype == np.float32 and normal_cdf(x).dtype == np.float32
    reference = np.array([t * (1 + math.erf(t / math.sqrt(2))) / 2 for t in x.astype(np.float64)])
    # absolute: 1 + erf(x/sqrt 2) cancels in the left tail, for either erf
    assert np.allclose(gelu(x.astype(np.float64)), reference, rtol=0, atol=5e-15)

"""The simulator's ELU, GELU, SiLU, hardtanh and |x|: values, derivatives, layers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.sim import (
    ELU,
    GELU,
    Abs,
    HardTanh,
    SiLU,
    absolute,
    absolute_prime,
    elu,
    elu_prime,
    gelu,
    gelu_prime,
    hardtanh,
    hardtanh_prime,
    silu,
    silu_prime,
)

# independent scalar definitions (standard library only)
SCALAR = {
    "elu": (lambda t: t if t > 0 else 0.7 * math.expm1(t), lambda v: elu(v, 0.7)),
    "gelu": (lambda t: t * (1 + math.erf(t / math.sqrt(2))) / 2, gelu),
    "silu": (lambda t: t / (1 + math.exp(-t)), silu),
    "hardtanh": (lambda t: max(-1.0, min(1.0, t)), hardtanh),
    "abs": (abs, absolute),
}
PRIMES = {"elu": lambda v: elu_prime(v, 0.7), "gelu": gelu_prime, "silu": silu_prime,
          "hardtanh": hardtanh_prime, "abs": absolute_prime}
POINTS = np.array([-30.0, -3.0, -1.5, -0.5, -1e-3, 1e-3, 0.25, 0.9, 1.7, 4.0, 30.0])


@pytest.mark.parametrize("name", list(SCALAR))
def test_values_match_the_scalar_definition(name: str) -> None:
    scalar, vector = SCALAR[name]
    expected = np.array([scalar(t) for t in POINTS])
    np.testing.assert_allclose(vector(POINTS), expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", list(SCALAR))
def test_derivatives_match_central_differences(name: str) -> None:
    """Away from kinks, f' agrees with (f(x+h) - f(x-h))/2h, h = 1e-6, to 1e-8."""
    _, vector = SCALAR[name]
    h = 1e-6
    points = POINTS[np.abs(np.abs(POINTS) - 1) > 1e-2]
    numeric = (vector(points + h) - vector(points - h)) / (2 * h)
    np.testing.assert_allclose(PRIMES[name](points), numeric, atol=1e-8)


def test_kink_conventions() -> None:
    assert elu_prime(np.array([0.0]), 0.5).tolist() == [0.5]
    assert absolute_prime(np.array([0.0])).tolist() == [-1.0]
    assert hardtanh_prime(np.array([-1.0, 1.0])).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(("layer", "prime"), [(ELU(0.7), PRIMES["elu"]), (GELU(), gelu_prime),
                                              (SiLU(), silu_prime), (HardTanh(), hardtanh_prime),
                                              (Abs(), absolute_prime)])
def test_layers_back_propagate_through_the_derivative(layer: object, prime: object) -> None:
    x = np.random.default_rng(1).normal(size=(4, 3)) * 2
    grad = np.random.default_rng(2).normal(size=(4, 3))
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(grad), grad * prime(x), rtol=1e-15)


@pytest.mark.parametrize("function", [gelu, silu, hardtanh, absolute, lambda v: elu(v, 1.0)])
def test_float32_stays_float32(function: object) -> None:
    assert function(np.ones(3, dtype=np.float32)).dtype == np.float32


@settings(max_examples=25, deadline=None)
@given(st.floats(-20, 20), st.floats(0.05, 5))
def test_elu_derivative_property(t: float, alpha: float) -> None:
    """ELU'(x) = ELU(x) + alpha for x <= 0 and 1 for x > 0 (to 1e-12)."""
    x = np.array([t])
    expected = 1.0 if t > 0 else float(elu(x, alpha)[0]) + alpha
    assert abs(float(elu_prime(x, alpha)[0]) - expected) <= 1e-12

"""The softmax family: results for the sheets' cases and general parameters, property
tests at random points, and refusals of bad parameters."""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symnn
from symnn.core.notation import vector_symbols
from symnn.errors import ParameterError
from symnn.sim import activations

R = sp.Rational


@pytest.mark.parametrize(
    ("z", "plus", "minus"),
    [
        ([1, 3, 3, -2], [0, R(1, 2), R(1, 2), 0], [0, 0, 0, 1]),
        ([2], [1], [1]),
        ([5, 5, 5], [R(1, 3)] * 3, [R(1, 3)] * 3),
        (["0.1", "-0.1"], [1, 0], [0, 1]),
        ([0, -1, 0, -1, 7], [0, 0, 0, 0, 1], [0, R(1, 2), 0, R(1, 2), 0]),
    ],
)
def test_softmax_limit_concrete(z: list, plus: list, minus: list) -> None:
    d = symnn.derive("softmax-limit", z=z)
    assert d.result["plus_infinity"] == sp.Matrix(plus)
    assert d.result["minus_infinity"] == sp.Matrix(minus)
    assert d.result["plus_infinity"].shape == (len(z), 1)
    assert d.check().ok


def test_softmax_limit_symbolic_ordering() -> None:
    d = symnn.derive("softmax-limit", order="[[z2], [z1, z3], [z4]]")
    assert list(d.result["plus_infinity"]) == [0, 1, 0, 0]
    assert list(d.result["minus_infinity"]) == [0, 0, 0, 1]
    default = symnn.derive("softmax-limit")
    assert list(default.result["plus_infinity"]) == [R(1, 2), R(1, 2), 0]
    assert default.check().ok


@given(st.lists(st.integers(-4, 4), min_size=1, max_size=6))
def test_softmax_limit_matches_large_scale_softmax(values: list[int]) -> None:
    d = symnn.derive("softmax-limit", z=values)
    z = np.array(values, dtype=float)
    gaps = [abs(a - b) for a, b in itertools.combinations(values, 2) if a != b]
    scale = 60.0 / min(gaps) if gaps else 1.0
    for key, sign in (("plus_infinity", 1), ("minus_infinity", -1)):
        expected = np.array([float(v) for v in d.result[key]])
        assert np.allclose(activations.softmax(sign * scale * z), expected, atol=1e-20, rtol=0)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"z": []}, "at least 1"),
        ({"z": "[1, nan]"}, "numbers"),
        ({"z": [1, float("nan")]}, "finite"),
        ({"z": [1, 2], "order": "[[z1], [z2]]"}, "no ordering"),
        ({"order": "[[z1], [z1]]"}, "each name once"),
        ({"order": "[[]]"}, "empty group"),
    ],
)
def test_softmax_limit_refuses(params: dict, fragment: str) -> None:
    with pytest.raises(ParameterError, match="parameter") as caught:
        symnn.derive("softmax-limit", **params)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_jacobian_concrete_n(n: int) -> None:
    d = symnn.derive("softmax-jacobian", n=n)
    z, y = vector_symbols("z", n), vector_symbols("y", n)
    assert d.result["jacobian"].shape == (n, n)
    assert d.result["jacobian"].free_symbols <= set(z)
    expected = sp.Matrix(n, n, lambda i, j: y[i] * (sp.KroneckerDelta(i, j) - y[j]))
    assert d.result["jacobian_in_y"] == expected
    assert d.check().ok


def test_jacobian_symbolic_n_uses_kronecker_delta() -> None:
    d = symnn.derive("softmax-jacobian", n="n")
    assert d.result["jacobian"].has(sp.KroneckerDelta)
    assert d.check().ok


@given(st.lists(st.floats(-30, 30, allow_nan=False), min_size=2, max_size=5))
def test_jacobian_property_against_finite_differences(values: list[float]) -> None:
    n = len(values)
    d = symnn.derive("softmax-jacobian", n=n)
    evaluate = sp.lambdify([vector_symbols("z", n)], d.result["jacobian"], "numpy")
    z = np.array(values)
    h = 1e-6
    numeric = np.column_stack([(activations.softmax(z + h * e) - activations.softmax(z - h * e)) / (2 * h)
                               for e in np.eye(n)])
    assert np.allclose(np.asarray(evaluate(z), dtype=float), numeric, atol=1e-8)  # tolerance 1e-8


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("n", [1, 2, 4])
def test_cross_entropy_gradient(n: int, one_hot: bool) -> None:
    d = symnn.derive("softmax-cross-entropy-gradient", n=n, one_hot=one_hot)
    p, t = vector_symbols("p", n), vector_symbols("t", n)
    total = sp.Add(*t)
    expected = [pi - ti for pi, ti in zip(p, t)] if one_hot else [pi * total - ti for pi, ti in zip(p, t)]
    assert d.result["gradient_in_p"] == sp.Matrix(expected)
    assert d.result["gradient"].shape == (n, 1)
    assert d.check().ok


@given(st.lists(st.floats(-20, 20, allow_nan=False), min_size=3, max_size=3),
       st.lists(st.floats(0, 2, allow_nan=False), min_size=3, max_size=3))
def test_cross_entropy_gradient_property(logits: list[float], targets: list[float]) -> None:
    d = symnn.derive("softmax-cross-entropy-gradient", n=3)
    evaluate = sp.lambdify([vector_symbols("y", 3), vector_symbols("t", 3)], d.result["gradient"], "numpy")
    y, t = np.array(logits), np.array(targets)

    def loss(v: np.ndarray) -> float:
        return float(-(t * activations.log_softmax(v)).sum())

    h = 1e-6
    numeric = np.array([(loss(y + h * e) - loss(y - h * e)) / (2 * h) for e in np.eye(3)])
    assert np.allclose(np.asarray(evaluate(y, t), dtype=float).ravel(), numeric, atol=1e-7)  # tol 1e-7


@pytest.mark.parametrize("n", [1, 2, 4, "n"])
def test_shift_invariance(n: object) -> None:
    d = symnn.derive("softmax-shift-invariance", n=n)
    assert d.check().ok
    assert sp.Symbol("c", real=True) in d.result["shifted"].free_symbols


@pytest.mark.parametrize("n", [1, 2, 6])
def test_argmax(n: int) -> None:
    d = symnn.derive("softmax-argmax", n=n)
    x = vector_symbols("x", n)
    assert d.result["differences"] == sp.Matrix(n, n, lambda i, j: x[i] - x[j])
    assert d.check().ok


@pytest.mark.parametrize("z", [[1000, 999, 998], [-1000, -1001], [1, 2, 3]])
def test_stability(z: list[int]) -> None:
    d = symnn.derive("softmax-stability", z=z)
    threshold = float(d.result["overflow_threshold"])
    assert 709.78 < threshold < 709.79
    assert -745.2 < float(d.result["underflow_threshold"]) < -745.1
    with np.errstate(over="ignore"):
        assert np.isinf(np.exp(np.nextafter(threshold, np.inf)))
    assert d.check().ok


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("softmax-jacobian", {"n": 0}),
        ("softmax-jacobian", {"n": 2.5}),
        ("softmax-jacobian", {"n": "[1]"}),
        ("softmax-cross-entropy-gradient", {"n": -1}),
        ("softmax-cross-entropy-gradient", {"one_hot": "maybe"}),
        ("softmax-argmax", {"n": "n"}),
        ("softmax-stability", {"z": []}),
        ("softmax-shift-invariance", {"n": float("nan")}),
    ],
)
def test_bad_parameters_are_refused(name: str, params: dict) -> None:
    with pytest.raises(ParameterError) as caught:
        symnn.derive(name, **params)
    assert f"parameter '{next(iter(params))}'" in str(caught.value)


def test_jacobian_beyond_the_explicit_sizes_is_an_instance_of_the_index_proof() -> None:
    from symnn.core import exppoly
    from symnn.derivations._softmax import softmax_entries

    n = 6
    d = symnn.derive("softmax-jacobian", n=n)
    assert d.steps[-1].rule == f"the {n} x {n} instance"
    assert any("Piecewise resolved" in step.certificate.route for step in d.steps)
    z = vector_symbols("z", n)
    direct = sp.Matrix(softmax_entries(z)).jacobian(z)  # SymPy's own differentiation
    assert exppoly.matrix_is_zero(direct - d.result["jacobian"])
    assert d.result["jacobian"].shape == (n, n)
    assert d.check().ok


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("n", [1, 8, 40])
def test_cross_entropy_check_fits_the_difference_error(n: int, one_hot: bool) -> None:
    """At n = 8 and 40 with |y| ~ 300 the central difference itself is off by ~1e-7 (rounding of a loss
    of size ~300 n, divided by h): the check passes within the difference's error bound, and still
    refuses a gradient in p moved by 1e-3 and a gradient moved by 1e-6 at every n."""
    from symnn.derivations.softmax_loss import _check

    d = symnn.derive("softmax-cross-entropy-gradient", n=n, one_hot=one_hot)
    with np.errstate(over="ignore", invalid="ignore"):  # the formula's own exp(y) at |y| ~ 300, not compared
        report = d.check()
    assert report.ok, report.failures()
    y, t = vector_symbols("y", n), vector_symbols("t", n)
    for key, shift, expected in (("gradient_in_p", sp.Rational(1, 1000), "gradient in p"),
                                 ("gradient", sp.Rational(1, 10**6), "mpmath derivative")):
        found = dict(d.result)
        found[key] = found[key] + sp.Matrix([shift] + [0] * (n - 1))
        with np.errstate(over="ignore", invalid="ignore"):
            failures = _check(y, t, found, one_hot).failures()
        assert any(label.startswith(expected) for label in failures), failures


def test_difference_error_bounds_the_observed_error() -> None:
    """The bound is at least the error of the float64 central difference against mpmath at 50 digits."""
    from symnn.derivations.softmax_loss import STEP, difference_error

    rng = np.random.default_rng(5)
    for n in (2, 8, 40):
        y, t = rng.normal(size=n) * 300, rng.uniform(0, 2, size=n)

        def loss(v: np.ndarray, t: np.ndarray = t) -> float:
            return float(-(t * activations.log_softmax(v)).sum())

        numeric = np.array([(loss(y + STEP * e) - loss(y - STEP * e)) / (2 * STEP) for e in np.eye(n)])
        with mpmath.workdps(50):
            top = max(mpmath.mpf(v) for v in y)
            weights = [mpmath.exp(mpmath.mpf(v) - top) for v in y]
            p = [w / mpmath.fsum(weights) for w in weights]
            exact = np.array([float(pk * mpmath.fsum(t) - tk) for pk, tk in zip(p, t)])
        assert np.all(np.abs(numeric - exact) <= difference_error(y, t, numeric))

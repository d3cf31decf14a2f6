"""The one registry of activation definitions: its f and f' against the simulator and against
SymPy's own derivative, its conventions at the kinks, its mpmath forms and simulator layers, the
three engine tables built on it, and the checks that take their functions from it."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symnn.activation_analysis import functions as analysis_functions
from symnn.activation_analysis import numeric, quadrature
from symnn.activation_analysis.table import REFUSED, TABLE
from symnn.core.activation_definitions import (
    DEFINITIONS,
    NOT_ELEMENTWISE,
    NUMPY_FUNCTIONS,
    ActivationDefinition,
)
from symnn.core.activation_functions import (
    MPMATH_FUNCTIONS,
    LReLU,
    LStep,
    ReLU,
    Step,
    sigma,
    softplus,
    written,
)
from symnn.core.certify import certify
from symnn.derivations import activations as sheet_activations
from symnn.derivations import logistic
from symnn.grading import parse as answer_parse
from symnn.matrix_calculus import functions as matrix_functions
from symnn.matrix_calculus.functions import ELEMENTWISE
from symnn.networks import activations as network_activations
from symnn.networks import check as network_check
from symnn.networks import spec as network_spec
from symnn.networks.activations import ACTIVATIONS
from symnn.networks.spec import NetworkSpec

NAMES = list(DEFINITIONS)
#: float64 against 30-digit evaluation: the simulator's functions are correct to a few ulp
#: (its erf to 1e-15 absolute), so 1e-12 relative plus 1e-13 absolute leaves a wide margin
RTOL, ATOL = 1e-12, 1e-13
RATIONALS = st.fractions(min_value=-8, max_value=8, max_denominator=64).map(sp.Rational)


def alphas(d: ActivationDefinition) -> st.SearchStrategy[sp.Expr]:
    """Rationals inside the definition's alpha range (only 0 for activations without one)."""
    if d.alpha is None:
        return st.just(sp.S.Zero)
    low, high = d.alpha.lower, d.alpha.upper
    return st.fractions(min_value=low, max_value=high, max_denominator=50).map(sp.Rational).filter(
        d.alpha.admits)


def close(exact: sp.Expr, simulated: np.ndarray) -> bool:
    value = float(sp.N(exact, 30))
    return bool(np.isclose(float(simulated[0]), value, rtol=RTOL, atol=ATOL))


@pytest.mark.parametrize("name", NAMES)
def test_sympy_f_and_f_prime_match_the_simulator(name: str) -> None:
    d = DEFINITIONS[name]

    @settings(max_examples=25, deadline=None)
    @given(z=RATIONALS, a=alphas(d))
    def check(z: sp.Rational, a: sp.Rational) -> None:
        point = np.array([float(z)])
        assert close(d.f(z, a), d.simulate(point, a)), (z, a)
        assert close(d.f_prime(z, a), d.simulate_prime(point, a)), (z, a)

    check()


@pytest.mark.parametrize("name", NAMES)
def test_f_prime_is_the_derivative_of_f_away_from_the_kinks(name: str) -> None:
    """SymPy differentiates f written out (Piecewise/exp, not the functions' own fdiff), and the
    registry's f' must equal it at exact rational points off the kinks, proved by exp-cancel."""
    d = DEFINITIONS[name]
    z = sp.Symbol("z", real=True)
    a = sp.Symbol("alpha", positive=True)
    slope = sp.diff(written(d.f(z, a)), z)

    @settings(max_examples=10, deadline=None)
    @given(t=RATIONALS, value=alphas(d))
    def check(t: sp.Rational, value: sp.Rational) -> None:
        assume(t not in d.kinks)
        at = {z: t, a: value}
        certify(slope.subs(at), written(d.f_prime(t, value)), "exp-cancel")

    check()


@pytest.mark.parametrize("name", [n for n, d in DEFINITIONS.items() if not d.kinks])
def test_f_prime_of_a_smooth_activation_is_proved_on_the_whole_line(name: str) -> None:
    d = DEFINITIONS[name]
    z = sp.Symbol("z", real=True)
    assert certify(sp.diff(written(d.f(z)), z), written(d.f_prime(z)), "exp-cancel").route == "exp-cancel"


@pytest.mark.parametrize(("name", "at", "expected"), [
    ("relu", 0, 0),                    # relu'(0) = 0
    ("leaky_relu", 0, sp.Rational(1, 5)),   # leaky_relu'(0) = alpha
    ("elu", 0, sp.Rational(1, 5)),     # elu'(0) = alpha
    ("abs", 0, -1),                    # the left derivative
    ("hardtanh", -1, 0), ("hardtanh", 1, 0),  # the flat pieces are closed
])  # fmt: skip
def test_conventions_at_the_kinks(name: str, at: int, expected: sp.Expr) -> None:
    """The conventions stated in the simulator's docstrings, in the registry and in the simulator."""
    d = DEFINITIONS[name]
    alpha = sp.Rational(1, 5)
    assert sp.Integer(at) in d.kinks
    assert d.f_prime(sp.Integer(at), alpha) == expected
    assert float(d.simulate_prime(np.array([float(at)]), alpha)[0]) == float(expected)


def test_the_sympy_functions_state_their_conventions() -> None:
    z, alpha = sp.Symbol("z"), sp.Symbol("alpha")
    assert (Step(0), LStep(0, alpha), sigma(0)) == (0, alpha, sp.Rational(1, 2))
    assert sp.diff(ReLU(z), z) == Step(z) and sp.diff(LReLU(z, alpha), z) == LStep(z, alpha)
    assert sp.diff(softplus(z), z) == sigma(z)
    assert ReLU(z).func is ReLU and Step(sp.Symbol("y", real=True)).func is Step  # unevaluated on symbols
    assert Step(sp.I).func is Step  # no sign for a non-real number


def test_the_engines_use_the_one_set_of_sympy_functions() -> None:
    assert matrix_functions.ReLU is ReLU and matrix_functions.indicator is Step
    assert matrix_functions.sigma is sigma and matrix_functions.softplus is softplus
    shared = (ReLU, Step, LReLU, LStep, sigma, softplus)
    assert tuple(getattr(network_activations, f.__name__) for f in shared) == shared
    assert analysis_functions.sigma is sigma


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n not in NOT_ELEMENTWISE])
def test_network_rows_are_the_registry_entries(name: str) -> None:
    row, d = ACTIVATIONS[name], DEFINITIONS[name]
    assert row.definition is d and row.function is d.function and row.derivative is d.derivative
    assert row.piecewise_linear == d.piecewise_linear


def test_softmax_is_apart_in_every_engine() -> None:
    assert not ACTIVATIONS["softmax"].elementwise and "softmax" not in DEFINITIONS
    assert REFUSED is NOT_ELEMENTWISE


@pytest.mark.parametrize("name", [n for n, rule in ELEMENTWISE.items() if rule.definition is not None])
def test_matrix_calculus_rows_are_the_registry_entries(name: str) -> None:
    rule, d = ELEMENTWISE[name], DEFINITIONS[name]
    x = sp.Symbol("x")
    assert rule.definition is d and rule.scalar is d.head and rule.numeric is d.numpy and rule.tex == d.tex
    assert d.head(x) == d.f(x)
    assert rule.scalar_derivative(x) == d.f_prime(x)
    assert rule.explicit(x) == written(d.f(x))


def test_matrix_calculus_activations_are_the_registry_ones() -> None:
    """Every elementwise function of the matrix engine with a registry name takes its entry."""
    assert {n for n, rule in ELEMENTWISE.items() if rule.definition is not None} == set(ELEMENTWISE) & set(
        DEFINITIONS)


def test_the_activation_table_extends_every_entry() -> None:
    assert list(TABLE) == list(DEFINITIONS)
    for name, row in TABLE.items():
        d = DEFINITIONS[name]
        assert row.definition is d and row.name == d.name and row.tex == d.tex and row.alpha is d.alpha
        assert row.numpy is d.numpy and row.numpy_prime is d.numpy_prime


@pytest.mark.parametrize("name", NAMES)
def test_the_table_pieces_are_the_registry_function(name: str) -> None:
    """The pieces of the activation table, put together, are the registry's f: exactly, at the
    kinks and on rationals around them (a drift of a piece or a closed end would show)."""
    d, row = DEFINITIONS[name], TABLE[name]
    x = sp.Symbol("x", real=True)
    points = {sp.Rational(k, 4) for k in range(-20, 21)} | set(d.kinks)
    for alpha in ([sp.Rational(1, 5), sp.Rational(7, 10)] if d.alpha else [None]):
        pieces = row.expression(alpha, x)
        a = alpha if alpha is not None else sp.S.Zero
        for t in sorted(points):
            certify(pieces.subs(x, t), written(d.f(t, a)), "exp-cancel")


#: 30-digit mpmath against 30-digit SymPy: both round the same exact value, and a rational z
#: enters mpmath rounded to 30 digits; 1e-25 relative (plus absolute, near zeros) leaves room
MP_TOL = 1e-25
FLOATS = st.floats(min_value=-30, max_value=30, allow_nan=False)


def mpf(value: sp.Rational) -> mpmath.mpf:
    """A rational as an mpmath number at the working precision."""
    return mpmath.mpf(int(value.p)) / int(value.q)


def mp_close(found: object, exact: sp.Expr) -> bool:
    """``found`` (mpmath) within MP_TOL of the 30-digit value of the SymPy number ``exact``."""
    reference = mpmath.mpf(str(sp.N(exact, 35)))
    return bool(abs(mpmath.mpf(found) - reference) <= MP_TOL * (1 + abs(reference)))


@pytest.mark.parametrize("name", NAMES)
def test_the_mpmath_form_is_f_at_30_digits(name: str) -> None:
    d = DEFINITIONS[name]

    @settings(max_examples=25, deadline=None)
    @given(z=RATIONALS, a=alphas(d))
    def check(z: sp.Rational, a: sp.Rational) -> None:
        with mpmath.workdps(30):
            assert mp_close(d.f_mp(mpf(z), mpf(a) if d.alpha else None), d.f(z, a)), (z, a)

    check()


@pytest.mark.parametrize("name", NAMES)
def test_the_mpmath_form_matches_the_simulator(name: str) -> None:
    """At float64 points (converted exactly to mpmath), with the tolerances RTOL, ATOL above."""
    d = DEFINITIONS[name]

    @settings(max_examples=25, deadline=None)
    @given(z=FLOATS, a=alphas(d))
    def check(z: float, a: sp.Rational) -> None:
        with mpmath.workdps(30):
            value = float(d.f_mp(mpmath.mpf(z), mpf(a) if d.alpha else None))
        assert np.isclose(float(d.simulate(np.array([z]), a)[0]), value, rtol=RTOL, atol=ATOL), (z, a)

    check()


@pytest.mark.parametrize("function", [ReLU, Step, LReLU, LStep, sigma, softplus])
def test_the_mpmath_namespace_is_the_sympy_functions(function: type[sp.Function]) -> None:
    """Each SymPy function's mpmath form, as ``lambdify`` finds it, against the function at 30
    digits (at the kink 0 as well: the conventions Step(0) = 0, LStep(0, alpha) = alpha)."""
    mp = MPMATH_FUNCTIONS[function.__name__]
    assert mp is function.mp

    @settings(max_examples=20, deadline=None)
    @given(z=RATIONALS | st.just(sp.S.Zero), a=RATIONALS)
    def check(z: sp.Rational, a: sp.Rational) -> None:
        args = (z, a) if function.nargs == {2} else (z,)
        with mpmath.workdps(30):
            assert mp_close(mp(*map(mpf, args)), function(*args)), args

    check()


@pytest.mark.parametrize("name", NAMES)
def test_the_registry_layer_computes_f_and_f_prime(name: str) -> None:
    """The simulator layer the registry builds: forward is f, backward of ones is f' (with the
    conventions at the kinks), against SymPy at 30 digits with RTOL, ATOL."""
    d = DEFINITIONS[name]
    points = [sp.Rational(k, 4) for k in range(-12, 13)]
    for a in ([sp.Rational(1, 5), sp.Rational(7, 10)] if d.alpha else [sp.S.Zero]):
        layer = d.layer(a if d.alpha else None)
        assert type(layer) is d.layer_type
        values = layer.forward(np.array([[float(t) for t in points]]))[0]
        slopes = layer.backward(np.ones((1, len(points))))[0]
        for t, value, slope in zip(points, values, slopes):
            assert close(d.f(t, a), np.array([value])), (t, a)
            assert close(d.f_prime(t, a), np.array([slope])), (t, a)


def test_the_checks_evaluate_with_the_core_mpmath_forms() -> None:
    """Every lambdify namespace of mpmath forms is the core's dictionary itself."""
    assert network_check._MPMATH is MPMATH_FUNCTIONS
    assert numeric.MPMATH[0] is MPMATH_FUNCTIONS and quadrature.MPMATH[0] is MPMATH_FUNCTIONS
    assert sheet_activations.MPMATH_SIGMA[0] is MPMATH_FUNCTIONS


def test_the_sheet_checks_evaluate_with_the_registry_numpy_forms() -> None:
    assert sheet_activations.NUMPY_SIGMA[0] is NUMPY_FUNCTIONS
    assert NUMPY_FUNCTIONS["sigma"] is DEFINITIONS["sigmoid"].numpy
    assert NUMPY_FUNCTIONS["tanh"] is DEFINITIONS["tanh"].numpy


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n not in NOT_ELEMENTWISE])
def test_the_network_check_builds_the_registry_layers(name: str) -> None:
    spec = NetworkSpec.build([2, 2], [name], X=[[1, -1]], t=[[0, 1]], W=[[[1, 0], [0, 1]]], b=[[0, 0]])
    model, _ = network_check.simulator(spec, [np.eye(2)], [np.zeros(2)])
    assert type(list(model)[1]) is DEFINITIONS[name].layer_type


def test_the_network_default_slope_is_the_registry_typical_value() -> None:
    typical = DEFINITIONS["leaky_relu"].alpha.typical
    assert network_spec.DEFAULT_ALPHA is typical
    assert NetworkSpec.build([1, 1], ["leaky_relu"]).alpha == typical == sp.Rational(1, 100)


def test_the_logistic_lemmas_use_the_shared_sigma() -> None:
    """The logistic route differentiates the shared sigma by its rule (a lemma there, proved in
    sigmoid-identities (c) from the exp form), with no sigma of its own."""
    assert logistic.sigma is sigma and not hasattr(logistic, "_SmoothSigma")
    t = sp.Symbol("t", real=True)
    assert logistic.SIGMA_LEMMAS.reduce(sp.Derivative(sp.log(sigma(t)), t) - sigma(-t)) == 0


def test_answers_write_sigma_with_the_shared_written_form() -> None:
    z = sp.Symbol("z", real=True)
    assert answer_parse._BUILDERS["sigma"] is sigma.explicit
    assert answer_parse.read_answer("sigma(z)", {"z": z}) == 1 / (1 + sp.exp(-z))

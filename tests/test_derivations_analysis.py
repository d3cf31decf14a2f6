"""Tests of the analysis derivations: activations, Gaussian moments, gradient descent and
Newton, convexity, logistic regression, BatchNorm.

Every case derives, certifies every step, renders LaTeX and passes its numeric cross-check;
result values are compared with the sheets' answers; bad parameters are refused.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.mutation import with_result
from symnn.derivations.activations import sigma
from symnn.errors import ParameterError, ShapeError

ALPHA = sp.Symbol("alpha", real=True)
PI = sp.pi

CASES = [
    ("sigmoid-identities", {}),
    ("relu-vs-sigmoid", {}),
    ("relu-vs-sigmoid", {"depth": 1}),
    ("relu-vs-sigmoid", {"depth": 12}),
    ("leaky-relu-gaussian-moments", {}),
    ("leaky-relu-gaussian-moments", {"alpha": 0}),
    ("leaky-relu-gaussian-moments", {"alpha": 1}),
    ("leaky-relu-gaussian-moments", {"alpha": 0.6}),
    ("leaky-relu-gaussian-moments", {"mu": "mu", "sigma": "sigma"}),
    ("leaky-relu-gaussian-moments", {"alpha": 0.1, "mu": -1, "sigma": 2}),
    ("leaky-relu-gaussian-moments", {"alpha": 0, "mu": 3, "sigma": "1/2"}),
    ("gd-convergence-quadratic", {}),
    ("gd-convergence-quadratic", {"a": "a"}),
    ("gd-convergence-quadratic", {"a": "a", "b": "b", "c": "c"}),
    ("gd-convergence-quadratic", {"a": 0.5, "b": -3, "c": 1}),
    ("gd-convergence-quadratic", {"A": [[2, 1], [1, 3]]}),
    ("gd-convergence-quadratic", {"A": [[1, 1], [1, 1]]}),
    ("gd-convergence-quadratic", {"A": [[0, 0], [0, 0]]}),
    ("gd-convergence-quadratic", {"A": [[2, 1, 0], [1, 3, 1], [0, 1, 4]]}),
    ("gd-convergence-quadratic", {"A": [[2, 1, 0, 0], [1, 3, 1, 0], [0, 1, 4, 1], [0, 0, 1, 5]]}),
    ("newton-one-step", {}),
    ("newton-one-step", {"b": [0, 0]}),
    ("newton-one-step", {"A": [[2, 0], [0, 2]], "b": [1, -1]}),
    ("newton-one-step", {"A": [[2, 1, 0], [1, 3, 1], [0, 1, 4]], "b": [1, 0, -1], "p": 7}),
    ("newton-one-step", {"p": 10**6}),
    ("convex-local-min-global", {}),
    ("mse-convex", {}),
    ("mse-convex", {"m": 1, "n": 1}),
    ("mse-convex", {"m": 5, "n": 4}),
    ("mse-convex", {"X": [[1, 2], [3, 4], [5, 6]]}),
    ("mse-convex", {"X": [[1, 2, 3]]}),
    ("nn-nonconvex", {}),
    ("logistic-separable", {}),
    ("logistic-separable", {"lambda": "lambda"}),
    ("logistic-separable", {"lambda": 3}),
    ("logistic-separable", {"X": [[1, 0], [0, 1], [-1, -1]], "y": [1, 1, -1], "lambda": 0.5}),
    ("batchnorm-batch-one", {}),
]


@pytest.mark.parametrize(("id", "params"), CASES, ids=lambda v: str(v))
def test_derives_certifies_and_checks(id: str, params: dict) -> None:
    d = symnn.derive(id, **params)
    report = d.check()
    assert d.certified and d.steps
    assert report.ok, report.failures()
    assert report.cases > 0 and report.max_error <= report.tolerance
    tex = d.latex()
    assert r"\boxed" in tex and tex.count(r"\begin{enumerate}") == tex.count(r"\end{enumerate}")


# ------------------------------------------------------------------- activations
def test_sigmoid_identities_results() -> None:
    r = symnn.derive("sigmoid-identities").result
    x = sp.Symbol("x", real=True)
    assert r["reflection"].rhs == 1 - sigma(x)
    assert r["tanh"].rhs == 2 * sigma(2 * x) - 1
    assert sp.expand(r["sigmoid_derivative"] - sigma(x) * (1 - sigma(x))) == 0
    assert sp.expand(r["tanh_derivative"] - 4 * (1 - sigma(2 * x)) * sigma(2 * x)) == 0


@settings(deadline=None, max_examples=40)
@given(st.floats(min_value=-40, max_value=40, allow_nan=False))
def test_sigmoid_identities_hold_at_50_digits(point: float) -> None:
    r = symnn.derive("sigmoid-identities").result
    x = sp.Symbol("x", real=True)
    with mpmath.workdps(50):
        s = lambda t: 1 / (1 + mpmath.exp(-t))  # noqa: E731
        t = mpmath.mpf(point)
        values = {k: sp.lambdify(x, (v.rhs if isinstance(v, sp.Eq) else v),
                                 [{"sigma": s}, "mpmath"])(t) for k, v in r.items()}
        assert abs(values["reflection"] - s(-t)) < mpmath.mpf(10) ** -45
        assert abs(values["tanh"] - mpmath.tanh(t)) < mpmath.mpf(10) ** -45
        assert abs(values["sigmoid_derivative"] - mpmath.diff(s, t)) < mpmath.mpf(10) ** -40
        assert abs(values["tanh_derivative"] - mpmath.sech(t) ** 2) < mpmath.mpf(10) ** -40


@pytest.mark.parametrize(("depth", "bound"), [(1, sp.Rational(1, 4)), (3, sp.Rational(1, 64)),
                                              (10, sp.Rational(1, 4**10))])
def test_relu_vs_sigmoid_bound(depth: int, bound: sp.Rational) -> None:
    r = symnn.derive("relu-vs-sigmoid", depth=depth).result
    assert r["gradient_bound"] == bound
    assert (r["sigma_prime_max"], r["sigma_prime_argmax"]) == (sp.Rational(1, 4), 0)
    assert (r["tanh_prime_max"], r["tanh_prime_argmax"], r["relu_prime_positive"]) == (1, 0, 1)


def test_relu_vs_sigmoid_symbolic_depth() -> None:
    d = symnn.derive("relu-vs-sigmoid")
    (L,) = d.result["gradient_bound"].free_symbols
    assert d.result["gradient_bound"] == sp.Rational(1, 4) ** L


@pytest.mark.parametrize("depth", [0, -2, 1.5, "x y"])
def test_relu_vs_sigmoid_refuses_bad_depth(depth: object) -> None:
    with pytest.raises(ParameterError, match="depth"):
        symnn.derive("relu-vs-sigmoid", depth=depth)


# ------------------------------------------------------------------- Gaussian moments
def _standard(alpha: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    return (1 - alpha) / sp.sqrt(2 * PI), (1 + alpha**2) / 2 - (1 - alpha) ** 2 / (2 * PI)


@pytest.mark.parametrize("alpha", [None, 0, 1, sp.Rational(3, 5), sp.Rational(1, 7)])
def test_leaky_relu_moments_match_the_sheet(alpha: sp.Expr | None) -> None:
    d = symnn.derive("leaky-relu-gaussian-moments", **({} if alpha is None else {"alpha": alpha}))
    a = ALPHA if alpha is None else alpha
    mean, variance = _standard(a)
    assert sp.expand(d.result["mean"] - mean) == 0
    assert sp.expand(d.result["variance"] - variance) == 0
    assert r"\sqrt{2\pi}" in d.display["mean"] or d.display["mean"] == "0"


def test_leaky_relu_general_reduces_to_standard() -> None:
    d = symnn.derive("leaky-relu-gaussian-moments", mu="mu", sigma="s")
    mu, s = sorted(d.result["mean"].free_symbols - {ALPHA}, key=str)
    for key, value in zip(("mean", "variance"), _standard(ALPHA)):
        assert sp.expand(d.result[key].subs({mu: 0, s: 1}) - value) == 0
    assert d.result["mean"].has(sp.erf)


@pytest.mark.parametrize(("alpha", "mu", "sigma"), [(0.2, 1, 2), (0, -3, 1), (1, 0.5, 0.25)])
def test_leaky_relu_general_against_quadrature(alpha: float, mu: float, sigma: float) -> None:
    r = symnn.derive("leaky-relu-gaussian-moments", alpha=alpha, mu=mu, sigma=sigma).result
    with mpmath.workdps(30):
        leaky = lambda t: t if t >= 0 else alpha * t  # noqa: E731
        density = lambda t: mpmath.npdf(t, mu, sigma)  # noqa: E731
        first = mpmath.quad(lambda t: leaky(t) * density(t), [-mpmath.inf, 0, mpmath.inf])
        second = mpmath.quad(lambda t: leaky(t) ** 2 * density(t), [-mpmath.inf, 0, mpmath.inf])
    assert abs(float(r["mean"]) - float(first)) < 1e-12
    assert abs(float(r["variance"]) - float(second - first**2)) < 1e-12


@pytest.mark.parametrize("params", [{}, {"alpha": sp.Rational(1, 3), "mu": 1, "sigma": 2}])
def test_leaky_relu_check_resolves_below_its_tolerance(params: dict) -> None:
    """The check's quadrature (25 digits) against a tolerance of 1e-20: the variance moved by
    1e-18, far below the Monte Carlo's reach, is refused; moved by 1e-22 it is accepted."""
    d = symnn.derive("leaky-relu-gaussian-moments", **params)
    for shift, refused in ((sp.Rational(1, 10**18), True), (sp.Rational(1, 10**22), False)):
        report = with_result(d, "variance", d.result["variance"] + shift).check()
        assert report.ok is not refused, report.failures()


@pytest.mark.parametrize(("params", "name"), [({"alpha": 1.5}, "alpha"), ({"alpha": -0.1}, "alpha"),
                                              ({"sigma": 0}, "sigma"), ({"sigma": -1}, "sigma")])
def test_leaky_relu_refuses_bad_parameters(params: dict, name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        symnn.derive("leaky-relu-gaussian-moments", **params)


# ------------------------------------------------------------------- gradient descent
def test_gd_sheet_answer() -> None:
    r = symnn.derive("gd-convergence-quadratic").result
    assert r["eta_max"] == sp.Rational(1, 5)
    assert r["interval"] == sp.Interval.open(0, sp.Rational(1, 5))
    assert r["L"] == 10


def test_gd_symbolic_a() -> None:
    r = symnn.derive("gd-convergence-quadratic", a="a").result
    (a,) = r["eta_max"].free_symbols
    assert r["eta_max"] == 1 / a and r["L"] == 2 * a


@pytest.mark.parametrize(("A", "eta_max"), [
    ([[2, 0], [0, 4]], sp.Rational(1, 2)),
    ([[2, 1], [1, 3]], 2 / (sp.Rational(5, 2) + sp.sqrt(5) / 2)),
    ([[1, 1], [1, 1]], sp.Integer(1)),          # a zero eigenvalue: the null space never moves
    ([[0, 0], [0, 0]], sp.oo),
])
def test_gd_matrix_eta_max(A: list, eta_max: sp.Expr) -> None:
    r = symnn.derive("gd-convergence-quadratic", A=A).result
    assert sp.simplify(r["eta_max"] - eta_max) == 0 if eta_max != sp.oo else r["eta_max"] == sp.oo
    assert r["interval"].left_open and r["interval"].inf == 0


@settings(deadline=None, max_examples=15)
@given(st.fractions(min_value=0.01, max_value=100), st.integers(-5, 5))
def test_gd_eta_max_is_one_over_a(a: object, b: int) -> None:
    d = symnn.derive("gd-convergence-quadratic", a=a, b=b, c=0)
    assert d.result["eta_max"] == 1 / sp.Rational(a.numerator, a.denominator)
    assert d.check().ok


@pytest.mark.parametrize(("params", "message"), [
    ({"a": 0}, "a number > 0"),
    ({"a": -5}, "a number > 0"),
    ({"A": [[1, 2], [3, 4]]}, "not symmetric"),
    ({"A": [[1, 2], [2, 1]]}, "positive semidefinite"),
    ({"A": [[-1, 0], [0, 0]]}, "positive semidefinite"),
    ({"A": [[1, 0], [0, 1]], "a": 3}, "not both"),
])
def test_gd_refuses(params: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        symnn.derive("gd-convergence-quadratic", **params)


# ------------------------------------------------------------------- Newton
def test_newton_one_step_results() -> None:
    r = symnn.derive("newton-one-step", A=[[3, 1], [1, 2]], b=[1, 1], p=7).result
    A, b = sp.Matrix([[3, 1], [1, 2]]), sp.Matrix([1, 1])
    assert r["newton_iterate"] == r["minimizer"] == A.inv() * b
    assert r["newton_steps"] == 1 and r["gd_one_step_possible"] is sp.false
    assert r["hessian_memory"] == 49 and r["solve_flops"] == 294
    p = sp.Symbol("p", integer=True, positive=True)
    assert r["solve_order"] == sp.O(p**3, (p, sp.oo))


def test_newton_gd_one_step_for_multiples_of_identity() -> None:
    r = symnn.derive("newton-one-step", A=[[4, 0], [0, 4]], b=[2, 1]).result
    assert r["gd_one_step_possible"] is sp.true and r["gd_contraction"] == 0


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"A": [[1, 0], [0, 0]]}, ParameterError, "positive definite"),
    ({"A": [[1, 2], [2, 1]]}, ParameterError, "positive definite"),
    ({"A": [[1, 2], [0, 1]]}, ParameterError, "not symmetric"),
    ({"b": [1, 2, 3]}, ShapeError, "length 3"),
    ({"p": 0}, ParameterError, "p"),
])
def test_newton_refuses(params: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        symnn.derive("newton-one-step", **params)


# ------------------------------------------------------------------- convexity
def test_convex_local_min_global() -> None:
    d = symnn.derive("convex-local-min-global")
    assert d.result["global"] is sp.true and d.result["gradient_at_minimum"] == 0
    assert any("Fermat" in step.rule for step in d.steps)


@pytest.mark.parametrize("X", [[[1, 2], [3, 4], [5, 6]], [[1, 2, 3]], [[0, 0], [0, 0]]])
def test_mse_hessian_numeric(X: list) -> None:
    r = symnn.derive("mse-convex", X=X).result
    M = sp.Matrix(X)
    assert r["hessian"] == 2 * M.T * M
    assert all(e >= 0 for e in r["eigenvalues"])


def test_mse_hessian_symbolic_shape() -> None:
    r = symnn.derive("mse-convex", m=4, n=3).result
    assert r["hessian"].shape == (3, 3)
    assert r["hessian"].free_symbols and r["psd"] is sp.true


@pytest.mark.parametrize(("params", "error"), [
    ({"X": [[1, 2]], "m": 3}, ShapeError), ({"X": [[1, 2]], "n": 3}, ShapeError),
    ({"m": 7}, ParameterError), ({"n": 0}, ParameterError), ({"X": [[1, 2], [3]]}, ParameterError),
])
def test_mse_refuses(params: dict, error: type) -> None:
    with pytest.raises(error):
        symnn.derive("mse-convex", **params)


def test_nn_nonconvex_breaks_jensen() -> None:
    r = symnn.derive("nn-nonconvex").result
    assert r["loss_A"] == r["loss_B"] == 0
    assert r["loss_midpoint"] == sp.Rational(9, 2) and r["jensen_gap"] > 0
    assert r["convex"] is sp.false
    assert list(r["theta_B"]) == [-1, 1, 0, 0, 2, 1]


# ------------------------------------------------------------------- logistic regression
def test_logistic_separable_results() -> None:
    d = symnn.derive("logistic-separable")
    r = d.result
    assert r["finite_maximizer"] is sp.false and r["finite_maximizer_regularized"] is sp.true
    assert all(m > 0 for m in r["margins"]) and r["supremum"] == 0
    (w1, w2) = sorted(r["gradient_regularized"].free_symbols, key=str)
    residual = r["gradient_regularized"].subs({w1: r["maximizer"][0], w2: r["maximizer"][1]})
    assert max(abs(sp.N(e, 30)) for e in residual) < 1e-20


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"lambda": 0}, ParameterError, "lambda"),
    ({"lambda": -1}, ParameterError, "lambda"),
    ({"y": [1, 1, -1, 2]}, ParameterError, "-1, 1"),
    ({"y": [1, 1, -1]}, ShapeError, "3 entries"),
    ({"X": [[1, 0], [-1, 0]], "y": [1, 1]}, ParameterError, "separable"),
])
def test_logistic_refuses(params: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        symnn.derive("logistic-separable", **params)


# ------------------------------------------------------------------- BatchNorm
def test_batchnorm_batch_one_outputs_beta() -> None:
    r = symnn.derive("batchnorm-batch-one").result
    assert r["output"] == sp.Symbol("beta", real=True)
    assert (r["centred"], r["batch_variance"], r["normalised"]) == (0, 0, 0)
    assert (r["gradient_x"], r["gradient_gamma"], r["gradient_beta"]) == (0, 0, 1)


@settings(deadline=None, max_examples=25)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=3, max_size=3))
def test_simulator_batchnorm_batch_one_is_beta(values: list) -> None:
    from symnn.sim.batchnorm import BatchNorm

    layer = BatchNorm(3)
    layer.params["beta"][:] = [0.5, -2.0, 7.0]
    layer.params["gamma"][:] = [3.0, -1.0, 0.1]
    out = layer.forward(np.array([values]), train=True)
    assert np.array_equal(out, np.array([[0.5, -2.0, 7.0]]))


@pytest.mark.parametrize("X", [
    [[0, 5], [1, 9], [1, -7], [-12, -30]],
    [[0, 3], [1, 6], [1, sp.Rational(-1, 10)], [-18, -30]],
    [[10, sp.Rational(23, 2)], [sp.Rational(27, 10), 11], [sp.Rational(-7, 10), -8],
     [sp.Rational(6, 5), sp.Rational(-7, 2)]],
])
def test_logistic_maximiser_is_proved_for_large_data(X: list) -> None:
    """Data with large entries: Newton's method from 0 alone stopped short of nsolve's tolerance
    (a raw ValueError) or left the Krawczyk test without a close enough centre; the maximiser
    is now approximated from a damped float64 Newton start and proved."""
    d = symnn.derive("logistic-separable", X=X)
    assert "maximizer" in d.result and d.check().ok
    gradient = d.result["gradient_regularized"]
    w = sorted(gradient.free_symbols, key=lambda s: s.name)
    at = dict(zip(w, d.result["maximizer"]))
    assert max(abs(float(g.xreplace(at).rewrite(sp.exp).evalf(50))) for g in gradient) < 1e-25

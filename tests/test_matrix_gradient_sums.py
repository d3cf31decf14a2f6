"""Sums of terms of different classes (a ReLU term beside a sigmoid, tanh, softplus, exp,
quadratic or norm term): certified, cross-checked, equal to the sum of the textbook gradients
of the terms; a wrong gradient for such a sum refused as refuted or undecided, never blamed on
size; and the routes that decide the entrywise comparison, each refusing a false identity."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.activation_functions import Step
from symnn.core.certify import certify
from symnn.core.mutation import perturb, refuses
from symnn.errors import CertificationError
from symnn.matrix_calculus.check import numeric_gradient
from symnn.matrix_calculus.composite import check_at, check_entrywise, derive_gradient
from symnn.matrix_calculus.entrywise import routes_for
from symnn.matrix_calculus.expression import read_typed
from symnn.matrix_calculus.routes import NAMED_ROUTES

SIGMA = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731

#: each term of f with its gradient in w as the literature writes it, X^T (...) or 2 w
TERMS = {
    "sum(sigmoid(X*w))": lambda X, w: X.T @ (SIGMA(X @ w) * (1 - SIGMA(X @ w))),
    "sum(relu(X*w))": lambda X, w: X.T @ (X @ w > 0).astype(float),
    "sum(tanh(X*w))": lambda X, w: X.T @ (1 - np.tanh(X @ w) ** 2),
    "sum(softplus(X*w))": lambda X, w: X.T @ SIGMA(X @ w),
    "sum(exp(X*w))": lambda X, w: X.T @ np.exp(X @ w),
    "w'*w": lambda X, w: 2 * w,
    "norm(relu(X*w))^2": lambda X, w: 2 * X.T @ np.maximum(X @ w, 0),
    "norm(2*X*w)": lambda X, w: 2 * X.T @ (X @ w) / np.linalg.norm(X @ w),
    "sum(w)": lambda X, w: np.ones_like(w),
    "sum(X)": lambda X, w: np.zeros_like(w),  # free of w
}
SHAPES = {"numbers": [["X", 3, 2], ["w", 2, 1]], "names": [["X", "m", "n"], ["w", "n", 1]]}
FAILING = "sum(sigmoid(X*w)) + sum(relu(X*w))"
DEFAULT_SHAPES = [["X", 5, 3], ["w", 3, 1], ["y", 5, 1]]
#: the gradient against the textbook formulas, both evaluated in floating point
TOLERANCE = 1e-9


def _textbook(terms: list[str], X: np.ndarray, w: np.ndarray) -> np.ndarray:
    return sum(TERMS[term](X, w) for term in terms)


def test_the_reported_sum_of_a_sigmoid_and_a_relu_term_certifies() -> None:
    d = symnn.derive("matrix-gradient", f=FAILING, wrt="w", shapes=DEFAULT_SHAPES)
    assert d.steps[-1].certificate.route == "chain rule of rules certified for every size"
    entrywise = check_entrywise(FAILING, DEFAULT_SHAPES, "w")
    # the given 5 x 3 sizes are small: the comparison is a proof there, term by term, each term by
    # the route of its class (sigmoid: exp-atoms, ReLU: indicators-expand)
    assert entrywise.given and entrywise.route.startswith("term by term: exp-atoms, indicators-expand; ")
    assert d.check().ok


def test_the_command_line_certifies_the_reported_sum() -> None:
    command = [sys.executable, "-m", "symnn", "check", "matrix-gradient", "--param", f"f={FAILING}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "cross-check passed" in result.stdout


def test_a_relu_term_beside_another_class_is_compared_by_the_route_for_both() -> None:
    term, _, _ = derive_gradient(FAILING, DEFAULT_SHAPES, "w")
    assert routes_for(term)[0] == "indicators-exp-atoms"
    term, _, _ = derive_gradient("sum(relu(X*w))", DEFAULT_SHAPES, "w")
    assert routes_for(term)[0] == "indicators-expand"  # one class: its own route, as before


@settings(max_examples=8, deadline=None)
@given(st.lists(st.sampled_from(sorted(TERMS)), min_size=2, max_size=3, unique=True),
       st.sampled_from(sorted(SHAPES)), st.integers(0, 2**31 - 1))
def test_sums_of_terms_are_certified_and_match_the_textbook(terms: list[str], sizes: str, seed: int) -> None:
    text = " + ".join(terms)
    d = symnn.derive("matrix-gradient", f=text, wrt="w", shapes=SHAPES[sizes])
    assert d.steps[-1].certificate.route == "chain rule of rules certified for every size", text
    report = d.check()
    assert report.ok and report.max_error < 1e-6, text
    rng = np.random.default_rng(seed)
    X, w = rng.normal(size=(3, 2)), rng.normal(size=(2, 1))
    _, matrices = read_typed(text, SHAPES[sizes])
    size_values = {s: v for s, v in zip(matrices["X"].shape, (3, 2)) if isinstance(s, sp.Symbol)}
    derived = numeric_gradient(d.result["gradient"], matrices, size_values, {"X": X, "w": w})
    assert np.max(np.abs(derived - _textbook(terms, X, w))) < TOLERANCE, text


@settings(max_examples=4, deadline=None)
@given(st.lists(st.sampled_from(sorted(TERMS)), min_size=2, max_size=3, unique=True))
def test_a_perturbed_gradient_of_a_sum_is_refuted(terms: list[str]) -> None:
    text = " + ".join(terms)
    term, matrices, gradient = derive_gradient(text, SHAPES["numbers"], "w")
    with pytest.raises(CertificationError, match="the gradient is not the entrywise derivative: at "):
        check_at(term, matrices, "w", perturb(gradient), {})


def test_the_cross_check_refuses_a_perturbed_gradient_of_the_reported_sum() -> None:
    d = symnn.derive("matrix-gradient", f=FAILING, wrt="w", shapes=DEFAULT_SHAPES)
    assert refuses(d, "gradient")


def test_a_gradient_wrong_only_on_the_kink_is_undecided_not_blamed_on_size() -> None:
    # relu'(0) = 1 instead of 0: the two differ only where an entry of X w is 0, which no
    # random rational point hits; the routes cannot reduce the difference, so: undecided
    term, matrices, gradient = derive_gradient(FAILING, SHAPES["numbers"], "w")
    at_kink = gradient.replace(Step, lambda z: 1 - Step(-z))
    assert at_kink != gradient
    with pytest.raises(CertificationError) as caught:
        check_at(term, matrices, "w", at_kink, {})
    message = str(caught.value)
    assert message.startswith("undecided whether the gradient is the entrywise derivative: route "
                              "'indicators-exp-atoms' did not reduce")
    assert "no rational point refutes it" in message
    assert "did not finish" not in message and "\n" not in message


def test_a_matrix_standing_alone_in_a_sum_is_written_out() -> None:
    # sum(w) adds a bare matrix to the sum: its grid of symbols must be hashable there
    text = "sum(X) + sum(w) + sum(relu(X*w))"
    d = symnn.derive("matrix-gradient", f=text, wrt="w", shapes=SHAPES["numbers"])
    assert d.steps[-1].certificate.route == "chain rule of rules certified for every size"
    X, w = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, -1.0]]), np.array([[1.0], [0.25]])
    _, matrices = read_typed(text, SHAPES["numbers"])
    derived = numeric_gradient(d.result["gradient"], matrices, {}, {"X": X, "w": w})
    # X w = (0.5, 0.75, -1.25): the indicator is (1, 1, 0)
    assert np.allclose(derived, X.T @ np.array([[1.0], [1.0], [0.0]]) + 1, rtol=0, atol=1e-12)


a, b, z, u = sp.symbols("a b z u")
STEP, SIGMOID = sp.Piecewise((1, z > 0), (0, True)), 1 / (1 + sp.exp(-z))
RELU = sp.Piecewise((z, z > 0), (0, True))
#: (route, a true identity of its class, a false one that differs from it in one place)
ROUTE_CASES = [
    ("cleared-expand", (a / sp.sqrt(4 * a**2 + 4 * b**2), a / (2 * sp.sqrt(a**2 + b**2))),
     (a / sp.sqrt(4 * a**2 + 4 * b**2), a / sp.sqrt(a**2 + b**2))),
    ("indicators-expand", (2 * RELU * STEP, 2 * RELU), (2 * RELU * STEP, 2 * z)),
    ("indicators-expand", (STEP**3, STEP), (STEP**2, STEP * sp.Piecewise((1, u > 0), (0, True)))),
    ("indicators-exp-atoms", (STEP + SIGMOID * (1 - SIGMOID), STEP + sp.exp(z) / (1 + sp.exp(z))**2),
     (STEP + SIGMOID * (1 - SIGMOID), STEP + sp.exp(z) / (1 + sp.exp(z)))),
    ("indicators-exp-atoms", (RELU**2 * SIGMOID, RELU * z * SIGMOID * STEP),
     (RELU**2 * SIGMOID, z**2 * SIGMOID)),
    ("indicators-exp-atoms", (1 / (1 + sp.exp(-RELU)), sp.exp(RELU) / (sp.exp(RELU) + 1)),
     (1 / (1 + sp.exp(-RELU)), sp.exp(z) / (sp.exp(z) + 1))),
]


@pytest.mark.parametrize(("route", "true", "false"), ROUTE_CASES)
def test_each_route_proves_its_class_and_refuses_a_false_identity(route, true, false) -> None:
    # a radicand's positive content leaves the root as a number; H^2 = H holds because the name
    # H of a condition stands for its truth value. Each false identity is still refused: the
    # root's factor is wrong, or the identity holds for one truth value and not the other
    assert certify(*true, NAMED_ROUTES[route]).route == route
    with pytest.raises(CertificationError, match="did not reduce"):
        certify(*false, NAMED_ROUTES[route])


@pytest.mark.parametrize("f", ["sum(relu(X*w))", "sum(sigmoid(X*w)) + sum(relu(X*w))"])
def test_elementwise_functions_at_sizes_past_the_small_ones(f: str) -> None:
    """Past the small sizes the gradient is derived again at size names and must give the
    same formula back: it does, up to the name of the bound variable in the elementwise
    derivative (each derivation makes its own), and is then proved for all sizes."""
    shapes = [["X", 20, 6], ["w", 6, 1]]
    derivation = symnn.derive("matrix-gradient", f=f, shapes=shapes)
    assert derivation.check().ok
    rng = np.random.default_rng(0)
    X, w = rng.standard_normal((20, 6)), rng.standard_normal((6, 1))
    expected = sum(TERMS[part](X, w) for part in f.split(" + "))
    _, matrices = read_typed(f, shapes)
    derived = numeric_gradient(derivation.result["gradient"], matrices, {}, {"X": X, "w": w})
    np.testing.assert_allclose(derived, expected, rtol=1e-9, atol=1e-12)


def test_a_formula_that_differs_at_size_names_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison with the derivation at size names still refuses a different formula."""
    import symnn.matrix_calculus.composite as composite

    real = composite.derive_gradient

    def differs_at_names(text, shapes, wrt):
        term, matrices, gradient = real(text, shapes, wrt)
        named = any(isinstance(s, sp.Symbol) for m in matrices.values() for s in m.shape)
        return term, matrices, 2 * gradient if named else gradient

    monkeypatch.setattr(composite, "derive_gradient", differs_at_names)
    with pytest.raises(CertificationError, match="same formula back"):
        check_entrywise("sum(relu(X*w))", [["X", 20, 6], ["w", 6, 1]], "w")

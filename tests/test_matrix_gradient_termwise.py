"""A sum of scalar terms compared with the entrywise derivative term by term: the sums that ran
out of time on one route certify; sums of two or three terms of any class certify at sizes up to
8 x 4; a wrong gradient of one term is refused naming that term, a wrong gradient of the whole
sum is refused at the step that adds the terms' gradients."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.mutation import perturb
from symnn.errors import CertificationError
from symnn.matrix_calculus.check import numeric_gradient
from symnn.matrix_calculus.composite import _check_term, check_at, check_entrywise, derive_gradient
from symnn.matrix_calculus.entrywise import routes_for
from symnn.matrix_calculus.expression import read_typed
from symnn.matrix_calculus.termwise import check_terms, summands, term_gradient

SHAPES = [["X", 8, 4], ["w", 4, 1], ["y", 8, 1]]
#: the two sums whose single route on the whole difference ran out of time
REPORTED = ["norm(relu(X*w))^2 + w'*w + sum(softplus(X*w))",
            "sum(softplus(X*w)) + norm(X*w - y)^2/2 + y'*X*w"]
#: the scalar terms a sum is drawn from (every class the engine has: ReLU, exponentials,
#: polynomials, a norm, a term free of w)
TERMS = ["sum(sigmoid(X*w))", "sum(relu(X*w))", "sum(tanh(X*w))", "sum(softplus(X*w))", "sum(exp(X*w))",
         "w'*w", "norm(X*w - y)^2/2", "norm(relu(X*w))^2", "y'*X*w", "tr(X'*X)",
         "sum(hadamard(X*w, X*w))", "norm(X*w)"]
SIZES = [(3, 2), (5, 3), (8, 4)]
SIGMA = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
#: the gradients in w of the reported sums as the literature writes them
TEXTBOOK = [lambda X, w, y: 2 * X.T @ np.maximum(X @ w, 0) + 2 * w + X.T @ SIGMA(X @ w),
            lambda X, w, y: X.T @ SIGMA(X @ w) + X.T @ (X @ w - y) + X.T @ y]


def _shapes(m: int, n: int) -> list[list[object]]:
    return [["X", m, n], ["w", n, 1], ["y", m, 1]]


@pytest.mark.parametrize("number", range(len(REPORTED)))
def test_the_reported_sums_certify_term_by_term(number: int) -> None:
    text = REPORTED[number]
    entrywise = check_entrywise(text, SHAPES, "w")
    # 8 x 4 is small enough to write out: a proof at the given sizes, one route per term
    assert entrywise.given and entrywise.termwise
    routes = entrywise.route.removeprefix("term by term: ").split("; their sum: ")[0].split(", ")
    term, _, _ = derive_gradient(text, SHAPES, "w")
    assert routes == [routes_for(part)[0] for _, part in summands(term)]
    d = symnn.derive("matrix-gradient", f=text, shapes=SHAPES)
    assert d.check().ok
    # every rule is certified for every size: the chain rule proves it, the comparison term by
    # term corroborates it, and the note says how it was compared
    assert d.steps[-1].certificate.route == "chain rule of rules certified for every size"
    assert f"({entrywise.route})." in d.notes[-1]
    rng = np.random.default_rng(number)
    X, w, y = rng.normal(size=(8, 4)), rng.normal(size=(4, 1)), rng.normal(size=(8, 1))
    _, matrices = read_typed(text, SHAPES)
    derived = numeric_gradient(d.result["gradient"], matrices, {}, {"X": X, "w": w, "y": y})
    # both sides in floating point: agreement to 1e-9 (the entries are of order 10)
    np.testing.assert_allclose(derived, TEXTBOOK[number](X, w, y), rtol=1e-9, atol=1e-9)


def test_the_terms_of_a_sum_and_their_signs() -> None:
    term, _ = read_typed("-sum(relu(X*w)) - (w'*w - y'*X*w) + norm(X*w)", SHAPES)
    assert [(sign, part.text) for sign, part in summands(term)] == [
        (-1, "sum(relu(X*w))"), (-1, "w'*w"), (1, "y'*X*w"), (1, "norm(X*w)")]
    single, _ = read_typed("norm(X*w - y)^2/2", SHAPES)
    assert summands(single) == [(1, single)]


@settings(max_examples=6, deadline=None)
@given(st.lists(st.sampled_from(TERMS), min_size=2, max_size=3, unique=True), st.sampled_from(SIZES))
def test_sums_of_terms_certify_term_by_term(terms: list[str], size: tuple[int, int]) -> None:
    text = " + ".join(terms)
    entrywise = check_entrywise(text, _shapes(*size), "w")
    assert entrywise.given and entrywise.termwise, text


@settings(max_examples=6, deadline=None)
@given(st.lists(st.sampled_from(TERMS), min_size=2, max_size=3, unique=True), st.sampled_from(SIZES),
       st.integers(0, 2))
@example(["w'*w", "y'*X*w"], (3, 2), 0)  # terms that are 1 x 1 matrices read as scalars
def test_a_wrong_gradient_of_one_term_is_refused_naming_that_term(terms, size, which) -> None:
    which %= len(terms)
    text = " + ".join(terms)
    term, matrices, gradient = derive_gradient(text, _shapes(*size), "w")
    parts = summands(term)

    def wrong_in_one(part, variable):
        right = term_gradient(part, variable)
        return perturb(sp.Matrix(right.as_explicit())) if part == parts[which][1] else right

    with pytest.raises(CertificationError) as caught:
        check_terms(term, matrices, "w", gradient, {}, _check_term, gradient_of=wrong_in_one)
    message = str(caught.value)
    assert message.startswith(("the gradient is not the entrywise derivative: at ",
                               "undecided whether the gradient is the entrywise derivative")), message
    assert message.endswith(f"(decided term by term: term {which + 1} of {len(parts)}, {terms[which]!r})")


@settings(max_examples=4, deadline=None)
@given(st.lists(st.sampled_from(TERMS), min_size=2, max_size=3, unique=True), st.sampled_from(SIZES))
def test_a_wrong_gradient_of_the_sum_is_refused_at_the_sum_step(terms, size) -> None:
    # every term's own gradient is right: what is wrong is the gradient of the whole sum
    text = " + ".join(terms)
    term, matrices, gradient = derive_gradient(text, _shapes(*size), "w")
    with pytest.raises(CertificationError) as caught:
        check_at(term, matrices, "w", perturb(gradient), {})
    message = str(caught.value)
    assert message.startswith("the gradient is not the entrywise derivative: at "), message
    assert message.endswith("(decided term by term: the gradient against the sum of the terms' gradients)")


def test_a_difference_of_terms_is_decided_with_its_signs() -> None:
    # - sum(relu(X w)): its gradient enters the sum with the sign of the term
    text = "sum(sigmoid(X*w)) - sum(relu(X*w))"
    term, matrices, gradient = derive_gradient(text, _shapes(3, 2), "w")
    route = check_at(term, matrices, "w", gradient, {})[1]
    assert route.startswith("term by term: exp-atoms, indicators-expand;")
    flipped = sp.MatAdd(*(-piece if k else piece for k, piece in enumerate(gradient.args)))
    assert flipped != gradient
    with pytest.raises(CertificationError, match="against the sum of the terms' gradients"):
        check_at(term, matrices, "w", flipped, {})


def test_a_sum_proved_only_at_the_given_sizes_says_it_was_decided_term_by_term() -> None:
    # log det is not certified for every size: the whole gradient rests on the entrywise
    # comparison at the given 2 x 2, which is made term by term
    d = symnn.derive("matrix-gradient", f="log(det(A)) + tr(A)", wrt="A", shapes=[["A", 2, 2]])
    assert d.steps[-1].certificate.route == "entrywise derivative at the given sizes, decided term by term"
    assert d.check().ok
    single = symnn.derive("matrix-gradient", f="log(det(A))", wrt="A", shapes=[["A", 2, 2]])
    assert single.steps[-1].certificate.route == "entrywise derivative at the given sizes"


def test_the_command_line_certifies_a_reported_sum() -> None:
    command = [sys.executable, "-m", "symnn", "check", "matrix-gradient", "--param", f"f={REPORTED[0]}",
               "--param", "shapes=[[X, 8, 4], [w, 4, 1], [y, 8, 1]]"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "cross-check passed" in result.stdout


def test_the_terms_must_add_up_to_the_function() -> None:
    # the linearity step checks that f is the signed sum of the terms it splits into: a term
    # with the wrong sign is refused
    from symnn.matrix_calculus.termwise import _whole

    term, _ = read_typed("w'*w - sum(relu(X*w))", SHAPES)
    parts = summands(term)
    _whole(term, parts)
    with pytest.raises(CertificationError, match="did not reduce"):
        _whole(term, [(1, part) for _, part in parts])

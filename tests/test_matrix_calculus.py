"""The matrix-calculus engine: rules, textbook gradients, symbolic sizes, hostile text, checks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symnn
from symnn.errors import ParameterError
from symnn.matrix_calculus.check import cross_check
from symnn.matrix_calculus.composite import derive_gradient
from symnn.matrix_calculus.expression import read_typed
from symnn.matrix_calculus.functions import ELEMENTWISE, apply, indicator
from symnn.matrix_calculus.numeric import KINK, finite_difference_gradient, sample_point
from symnn.matrix_calculus.verify import verify_rule

m, n, k = sp.symbols("m n k", integer=True, positive=True)

# every node kind with a shape pattern, named sizes and numbers
RULE_CASES = [
    ("add", "", ((m, n), (m, n)), (m, n)),
    ("sub", "", ((m, n), (m, n)), (m, n)),
    ("neg", "", ((m, n),), (m, n)),
    ("smul", "", (None, None), None),
    ("scale", "", (None, (m, n)), (m, n)),
    ("matmul", "", ((m, n), (n, k)), (m, k)),
    ("matmul", "", ((5, 3), (3, 1)), (5, 1)),
    ("div", "", ((m, n), None), (m, n)),
    ("div", "", (None, None), None),
    ("pow", "", (None, None), None),
    ("transpose", "", ((m, n),), (n, m)),
    ("trace", "", ((n, n),), None),
    ("entry", "", ((1, 1),), None),
    ("sum", "", ((m, n),), None),
    ("norm", "", ((m, n),), None),
    ("hadamard", "", ((m, n), (m, n)), (m, n)),
    ("inv", "", ((n, n),), (n, n)),
    ("det", "", ((n, n),), None),
    ("logdet", "", ((3, 3),), None),
] + [("apply", name, ((m, n),), (m, n)) for name in sorted(ELEMENTWISE)] + [
    ("apply", name, (None,), None) for name in sorted(ELEMENTWISE)
]


@pytest.mark.parametrize(("kind", "value", "children", "node"), RULE_CASES)
def test_every_rule_is_proved_by_explicit_expansion(kind, value, children, node):
    certificate = verify_rule(kind, value, children, node)
    assert certificate.startswith("entrywise at sizes")


def test_a_wrong_rule_is_refused(monkeypatch):
    from symnn.errors import CertificationError
    from symnn.matrix_calculus import rules

    def wrong_vjp(k, u, g, i, v):
        return g * k[1] if i == 0 else k[0].T * g  # G B instead of G B^T

    wrong = rules.Rule("matrix product", "", "expand", wrong_vjp)
    monkeypatch.setitem(rules.RULES, "matmul", wrong)
    verify_rule.cache_clear()
    try:
        with pytest.raises((CertificationError, sp.ShapeError, ValueError)):
            verify_rule("matmul", "", ((m, n), (n, n)), (m, n))
    finally:
        verify_rule.cache_clear()


X, w, y = sp.MatrixSymbol("X", 5, 3), sp.MatrixSymbol("w", 3, 1), sp.MatrixSymbol("y", 5, 1)
A, B = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("B", n, m)
S, v = sp.MatrixSymbol("S", n, n), sp.MatrixSymbol("v", n, 1)
W2, V = sp.MatrixSymbol("W", 3, 2), sp.MatrixSymbol("v", 2, 1)
X4 = sp.MatrixSymbol("X", 4, 3)

TEXTBOOK = [  # the gradients as the literature writes them
    ("norm(X*w - y)^2/2", "w", [["X", 5, 3], ["w", 3, 1], ["y", 5, 1]], X.T * (X * w - y)),
    ("tr(A*B)", "A", [["A", "m", "n"], ["B", "n", "m"]], B.T),
    ("transpose(v)*S*v", "v", [["S", "n", "n"], ["v", "n", 1]], (S + S.T) * v),
    ("log(det(S))", "S", [["S", "n", "n"]], sp.Inverse(S).T),
    ("sum(relu(X*W)*v)", "W", [["X", 4, 3], ["W", 3, 2], ["v", 2, 1]],
     X4.T * sp.HadamardProduct(sp.OneMatrix(4, 1) * V.T, apply(indicator, X4 * W2))),
]


def _same_at_integer_points(first, second, seeds=(1, 2)):
    """Equal after substituting integer matrices (sizes m, n, k = 2, 3, 2), exactly."""
    sizes = {m: 2, n: 3, k: 2}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        values = {}
        for symbol in first.atoms(sp.MatrixSymbol) | second.atoms(sp.MatrixSymbol):
            rows, cols = (int(sp.sympify(s).xreplace(sizes)) for s in symbol.shape)
            entries = rng.integers(1, 5, (rows, cols)) * rng.choice([-1, 1], (rows, cols))
            if rows == cols:
                entries = entries + 10 * np.eye(rows, dtype=int)
            values[symbol.xreplace(sizes)] = sp.ImmutableMatrix(entries.tolist())
        a = sp.Matrix(first.xreplace(sizes).xreplace(values).doit())
        b = sp.Matrix(second.xreplace(sizes).xreplace(values).doit())
        if a != b:
            return False
    return True


@pytest.mark.parametrize(("f", "wrt", "shapes", "expected"), TEXTBOOK)
def test_textbook_gradients(f, wrt, shapes, expected):
    d = symnn.derive("matrix-gradient", f=f, wrt=wrt, shapes=shapes)
    assert _same_at_integer_points(d.result["gradient"], expected)
    report = d.check()
    assert report.ok and report.max_error < 1e-6


def test_symbolic_sizes_give_a_gradient_shaped_like_the_variable():
    d = symnn.derive("matrix-gradient", f="norm(X*w - y)^2/2", wrt="w",
                     shapes=[["X", "m", "n"], ["w", "n", 1], ["y", "m", 1]])
    assert d.result["gradient"].shape == (sp.Symbol("n", integer=True, positive=True), 1)
    assert d.check().ok


def test_substituting_concrete_matrices_gives_the_numeric_gradient():
    d = symnn.derive("matrix-gradient")
    Xv = sp.Matrix([[1, 2, 0], [0, 1, 1], [2, 0, 1], [1, 1, 1], [0, 0, 3]])
    wv, yv = sp.Matrix([1, -1, 2]), sp.Matrix([1, 2, 3, 4, 5])
    value = d.result["gradient"].xreplace({X: Xv, w: wv, y: yv}).doit()
    assert sp.Matrix(value) == Xv.T * (Xv * wv - yv)


def test_sympy_input_takes_the_same_path():
    residual = X * w - y
    d = symnn.derive("matrix-gradient", f=sp.Trace(residual.T * residual) / 2, wrt="w")
    assert _same_at_integer_points(d.result["gradient"], X.T * (X * w - y))


def test_a_perturbed_gradient_fails_the_check():
    term, matrices, gradient = derive_gradient("norm(X*w - y)^2/2", [["X", 5, 3], ["w", 3, 1], ["y", 5, 1]],
                                               "w")
    assert cross_check(term, matrices, "w", gradient).ok
    assert not cross_check(term, matrices, "w", sp.Rational(8, 7) * gradient).ok


HOSTILE = [
    ("__import__('os').system('x')", "a name may not start with '_'"),
    ("X.__class__", "character '.'"),
    ("X*y", "shapes do not fit in 'X*y'"),
    ("tr(X)", "needs a square matrix"),
    ("X + 1", "matrix where a scalar is needed"),
    ("X + X*transpose(X)", "cannot add 5 x 3 'X' and 5 x 5"),
    ("norm(X*w - y)^w", "'w' is a 3 x 1 matrix where a scalar is needed"),
    ("norm(X*w - y)^sum(w)", "the exponent 'sum(w)' must be a number"),
    ("hadamard(X, w)", "cannot multiply entrywise"),
    ("eval(X)", "unknown function 'eval'"),
    ("exp(" * 40 + "X" + ")" * 40, "nested deeper"),
    ("X" + "+X" * 400, "more than"),
    ("1e5*sum(X)", "unexpected 'e5'"),
    ("sum(X)[0]", "character '['"),
    ("pi*sum(X)", "reserved name"),
    ("sum(X) ;", "character ';'"),
    ("", "a matrix expression as text"),
    ("   ", "a matrix expression as text"),
    ("sum(X", "unexpected end"),
    ("ｘ", "only ASCII"),
]


@pytest.mark.parametrize(("text", "problem"), HOSTILE)
def test_hostile_and_ill_shaped_text_is_refused_naming_the_problem(text, problem):
    with pytest.raises(ParameterError) as caught:
        symnn.derive("matrix-gradient", f=text, wrt="w", shapes=[["X", 5, 3], ["w", 3, 1], ["y", 5, 1]])
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("params", [
    ["f=X*y"], ["wrt=q"], ["shapes=[[X,0,3]]"], ["shapes=[[X,5]]"], ["shapes=[[X,5,3],[X,3,1]]"],
])
def test_the_command_line_refuses_bad_input_in_one_line(params):
    args = [sys.executable, "-m", "symnn", "check", "matrix-gradient"]
    for item in params:
        args += ["--param", item]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("params", [
    ["f=log(det(S))", "wrt=S", "shapes=[[S, N, N]]"],
    ["f=tr(Q*O)", "wrt=O", "shapes=[[Q, 3, 2], [O, 2, 3]]"],
])
def test_the_command_line_takes_the_matrix_names_sympy_reserves(params):
    """S, N, O and Q name matrices and sizes like any other letter (the shapes' names are
    labels, never SymPy symbols); the gradient is derived and cross-checked."""
    args = [sys.executable, "-m", "symnn", "check", "matrix-gradient"]
    for item in params:
        args += ["--param", item]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "cross-check passed" in result.stdout


def test_shapes_read_from_text_refuse_a_signed_or_reserved_name():
    from symnn.matrix_calculus.params import Shapes

    assert Shapes()("shapes", "[[S, N, 2]]") == [["S", "N", 2]]
    refused = {"[[-X, 2, 2]]": "a sign before the name X", "[[pi, 2, 2]]": "bad or repeated name 'pi'",
               "[[X, E, 2]]": "size 'E' of 'X'"}  # fmt: skip
    for bad, why in refused.items():
        with pytest.raises(ParameterError, match=why):
            Shapes()("shapes", bad)


def test_the_command_line_checks_the_default():
    result = subprocess.run([sys.executable, "-m", "symnn", "check", "matrix-gradient"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "passed" in result.stdout


# ---------------------------------------------------------------- random expressions
def _matrix_expression(shape: tuple[str, str], depth: int):
    """Text of a random matrix-valued expression of ``shape`` over P (r x c), Q (c x r), R (r x c)."""
    leaves = {("r", "c"): ["P", "R"], ("c", "r"): ["Q", "transpose(P)"], ("r", "r"): ["P*Q"],
              ("c", "c"): ["Q*P"]}[shape]
    if depth == 0:
        return st.sampled_from(leaves)
    smaller = _matrix_expression(shape, depth - 1)
    options = [st.sampled_from(leaves),
               st.tuples(smaller, smaller).map(lambda p: f"({p[0]} + {p[1]})"),
               st.tuples(smaller, smaller).map(lambda p: f"hadamard({p[0]}, {p[1]})"),
               st.tuples(st.sampled_from(["tanh", "sigmoid", "softplus", "exp"]), smaller)
               .map(lambda p: f"{p[0]}({p[1]})"),
               smaller.map(lambda e: f"(2*{e})")]
    if shape == ("r", "c"):
        options.append(_matrix_expression(("r", "r"), depth - 1).map(lambda e: f"({e})*R"))
    if shape == ("r", "r"):
        options.append(_matrix_expression(("r", "c"), depth - 1).map(lambda e: f"({e})*Q"))
    return st.one_of(*options)


def _scalar_expression(depth: int):
    inner = _matrix_expression(("r", "c"), depth - 1)
    return st.one_of(inner.map(lambda e: f"sum({e})"), inner.map(lambda e: f"norm({e})^2"),
                     _matrix_expression(("r", "r"), depth - 1).map(lambda e: f"tr({e})"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scalar_expression(3), st.integers(0, 2**31 - 1))
def test_random_expressions_match_finite_differences(text, seed):
    shapes = [["P", 2, 3], ["Q", 3, 2], ["R", 2, 3]]
    term, matrices = read_typed(text, shapes)
    if not term.depends_on("P"):
        return
    _, _, gradient = derive_gradient(text, shapes, "P")
    rng = np.random.default_rng(seed)
    values = sample_point(term, {"P": (2, 3), "Q": (3, 2), "R": (2, 3)}, [], rng)
    from symnn.matrix_calculus.check import numeric_gradient

    derived = numeric_gradient(gradient, matrices, {}, values)
    numeric = finite_difference_gradient(term, values, "P")
    scale = np.maximum(1.0, np.abs(numeric))
    assert np.max(np.abs(derived - numeric) / scale) < 1e-5, text


def test_a_relu_of_a_relu_finds_smooth_points_at_any_size() -> None:
    """The inner ReLU leaves exact zeros where X w < 0: the outer one is flat there, not at a
    kink, so the cross-check finds its points at 20 x 6 as well (it found none before)."""
    shapes = [["X", 20, 6], ["w", 6, 1]]
    derivation = symnn.derive("matrix-gradient", f="sum(relu(relu(X*w)))", shapes=shapes)
    assert derivation.check().ok
    term, _ = read_typed("sum(relu(X*w))", shapes)
    for seed in range(5):  # a genuine kink is still kept at a distance
        values = sample_point(term, {"X": (20, 6), "w": (6, 1)}, [], np.random.default_rng(seed))
        assert np.min(np.abs(values["X"] @ values["w"])) > KINK


def test_nesting_counts_brackets_calls_minus_signs_and_exponents() -> None:
    """The documented bound (nested 30 deep) counts what a reader sees: brackets, function
    calls, minus signs and exponents, not the grammar's inner levels (about six of them per
    bracket, which refused five nested calls before)."""
    assert symnn.derive("matrix-gradient", f="log(sum(exp((2*exp(X*w)))))").check().ok
    for depth, accepted in ((30, True), (31, False)):
        text = "sum(" + "(" * (depth - 1) + "X*w" + ")" * (depth - 1) + ")"
        if accepted:
            read_typed(text, [["X", 5, 3], ["w", 3, 1]])
        else:
            with pytest.raises(ParameterError, match="nested deeper than 30"):
                symnn.derive("matrix-gradient", f=text)
    for text in ("-" * 31 + "sum(X*w)", "sum(X*w)" + "^2" * 31):
        with pytest.raises(ParameterError, match="nested deeper than 30"):
            symnn.derive("matrix-gradient", f=text)

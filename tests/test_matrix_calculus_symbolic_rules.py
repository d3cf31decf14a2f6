"""The reverse-mode rules certified at symbolic sizes, the mistakes that certificate refuses,
and the wording of the whole gradient: proved for every size only through certified rules."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.core.certify import certify
from symnn.errors import CertificationError
from symnn.matrix_calculus import rules
from symnn.matrix_calculus.composite import prove_gradient
from symnn.matrix_calculus.expression import OPS, read_typed
from symnn.matrix_calculus.functions import ELEMENTWISE, apply, explicit, sigma
from symnn.matrix_calculus.identity import MATRIX_IDENTITY, pairing, scalar_gradient
from symnn.matrix_calculus.reverse import reverse_mode
from symnn.matrix_calculus.rules import RULES, route_of
from symnn.matrix_calculus.symbolic import GENERIC, K, M, N, certify_rule, certify_symbolic
from symnn.matrix_calculus.verify import NAMED_ROUTES, explicit_matrix, to_explicit, verify_rule

#: no matrix derivative of det at symbolic size in SymPy: these rules stay proved at explicit sizes only
UNDECIDED = {"det", "logdet"}
MATRIX_CASES = [(kind, value) for kind in sorted(GENERIC)
                for value in (sorted(ELEMENTWISE) if kind == "apply" else [""])]


def _pattern(kind: str) -> tuple[bool, ...]:
    return tuple(shape is not None for shape in GENERIC[kind])


def test_every_rule_kind_has_a_symbolic_shape_or_only_scalar_children() -> None:
    # smul and pow multiply and raise scalars: no matrix child, so no size to be general in
    assert set(RULES) - set(GENERIC) == {"smul", "pow"}


@pytest.mark.parametrize(("kind", "value"), MATRIX_CASES)
def test_every_rule_is_certified_at_symbolic_sizes_or_reported_undecided(kind: str, value: str) -> None:
    certificate = certify_symbolic(kind, value, _pattern(kind))
    if kind in UNDECIDED:
        assert not certificate.every_size
        assert certificate.text == "every size undecided"
        assert certificate.why == "SymPy has no matrix derivative of det at symbolic size"
    else:
        assert certificate.every_size, certificate
        assert certificate.text.startswith("every size (matrix-identity")


@pytest.mark.parametrize("kind", ["add", "sub", "neg", "smul", "div", "pow", "apply"])
def test_a_rule_on_scalars_has_no_sizes_and_its_explicit_certificate_is_its_proof(kind: str) -> None:
    children = (None,) if kind in ("neg", "apply") else (None, None)
    certificate = certify_rule(kind, "sigmoid" if kind == "apply" else "", children, None)
    assert certificate.every_size
    assert certificate.text.startswith("scalars, no sizes (")


def test_a_rule_at_named_sizes_names_both_certificates() -> None:
    certificate = certify_rule("matmul", "", ((M, N), (N, K)), (M, K))
    assert certificate.every_size
    assert certificate.text.startswith("every size (matrix-identity); entrywise at sizes ")


@pytest.fixture
def fresh_caches():
    certify_symbolic.cache_clear()
    verify_rule.cache_clear()
    yield
    certify_symbolic.cache_clear()
    verify_rule.cache_clear()


WRONG = [  # (kind, wrong vjp, child shapes at which the explicit expansion still accepts it)
    ("transpose", lambda k, u, g, i, v: g, ((1, 1),)),                       # the transpose dropped
    ("matmul", lambda k, u, g, i, v: g * k[1].T if i == 0 else g * k[0].T,    # A^T G -> G A^T
     ((1, 1), (1, 1))),
    ("inv", lambda k, u, g, i, v: -(sp.Inverse(k[0]) * g * sp.Inverse(k[0])), ((1, 1),)),
]


@pytest.mark.parametrize(("kind", "vjp", "square"), WRONG)
def test_a_wrong_rule_passing_at_small_sizes_is_refused_at_symbolic_sizes(
        monkeypatch, fresh_caches, kind, vjp, square) -> None:
    right = RULES[kind]
    monkeypatch.setitem(rules.RULES, kind, rules.Rule(right.name, right.reason, right.route, vjp))
    assert verify_rule(kind, "", square, (1, 1)).startswith("entrywise at sizes 1x1")
    with pytest.raises(CertificationError):
        certify_symbolic(kind, "", _pattern(kind))


def test_the_mutated_product_rule_is_refused_with_square_matrices() -> None:
    # A, B, G all n x n: G A^T is well formed, and still not the gradient of tr(G^T A B) in B
    A, B, G = (sp.MatrixSymbol(name, N, N) for name in "ABG")
    derivative = scalar_gradient(pairing(G, A * B), B)
    assert certify(derivative, A.T * G, MATRIX_IDENTITY).route == "matrix-identity"
    with pytest.raises(CertificationError):
        certify(derivative, G * A.T, MATRIX_IDENTITY)


def test_a_wrong_derivative_of_an_elementwise_function_is_refused(monkeypatch, fresh_caches) -> None:
    # sigma' written as sigma (the factor 1 - sigma dropped)
    wrong = ELEMENTWISE["sigmoid"].__class__(**{**ELEMENTWISE["sigmoid"].__dict__,
                                                "derivative": lambda a: apply(sigma, a)})
    monkeypatch.setitem(ELEMENTWISE, "sigmoid", wrong)
    with pytest.raises(CertificationError, match="sigmoid"):
        certify_symbolic("apply", "sigmoid", (True,))


def test_sympys_silent_zeros_are_not_taken_for_derivatives() -> None:
    S = sp.MatrixSymbol("S", N, N)
    # d log det S / dS = S^{-T} (Jacobi's formula), never 0; SymPy 1.14 answers 0 for the product
    # and the logarithm: the guarded derivative says it has none
    assert scalar_gradient(sp.log(sp.Determinant(S)), S) is None
    assert scalar_gradient(sp.Determinant(S), S) is None


CERTIFIED = [case for case in MATRIX_CASES if case[0] not in UNDECIDED and case[1] in ("", "sigmoid", "relu")]


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(CERTIFIED), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
def test_a_certified_rule_is_the_entrywise_derivative_at_random_sizes(case, m, n, k) -> None:
    # the identity proved at symbolic sizes, instantiated at sizes drawn here and written out:
    # each entry of the child differentiated by SymPy against the rule's formula
    kind, value = case
    sizes = {M: m, N: n, K: k}
    kids = tuple(sp.Symbol(f"s{i}", real=True) if s is None else sp.MatrixSymbol(f"C{i}", *s)
                 for i, s in enumerate(GENERIC[kind]))
    kids = tuple(kid.xreplace(sizes) for kid in kids)
    node = OPS[kind](kids, value)
    adjoint = sp.MatrixSymbol("G", *node.shape) if isinstance(node, sp.MatrixExpr) else sp.Symbol("g")
    grids = {kid: sp.ImmutableMatrix(explicit_matrix(kid.name, tuple(int(d) for d in kid.shape)))
             for kid in (*kids, adjoint) if isinstance(kid, sp.MatrixSymbol)}
    written = explicit(to_explicit(pairing(adjoint, node).xreplace(grids)))
    # a 1 x 1 norm leaves sqrt(c^2) beside c^2/sqrt(c^2), which only simplify reduces (to exactly 0)
    route = "simplify" if kind == "norm" else route_of(kind, value)
    for i, kid in enumerate(kids):
        formula = sp.sympify(RULES[kind].vjp(kids, node, adjoint, i, value))
        formula = explicit(to_explicit(formula.xreplace(grids)))
        if isinstance(kid, sp.MatrixSymbol):
            want = grids[kid].applyfunc(lambda entry: sp.diff(written, entry))
            formula = sp.Matrix(formula)
        else:
            want = sp.diff(written, kid)
        certify(formula, want, NAMED_ROUTES.get(route, route))


LEAST_SQUARES = [["X", "m", "n"], ["w", "n", 1], ["y", "m", 1]]


def test_size_names_give_a_gradient_proved_for_every_size_through_the_rules() -> None:
    d = symnn.derive("matrix-gradient", f="norm(X*w - y)^2/2", wrt="w", shapes=LEAST_SQUARES)
    rule_steps = d.steps[1:-1]
    words = ("every size (", "scalars, no sizes (")
    assert all(step.certificate.route.startswith(words) for step in rule_steps)
    assert d.steps[-1].certificate.route == "chain rule of rules certified for every size"
    (note,) = d.notes
    assert note.startswith("Proved for every size: each rule above is certified at symbolic sizes")
    assert "corroborated entrywise at sizes X 2$\\times$2" in note
    assert "Proved for every size" in d.latex()


def test_a_collected_gradient_is_collected_for_every_size() -> None:
    d = symnn.derive("matrix-gradient", f="transpose(w)*S*w", wrt="w",
                     shapes=[["S", "n", "n"], ["w", "n", 1]])
    collect = next(step for step in d.steps if step.rule == "collect common right factors")
    assert collect.certificate.route == "every size (matrix-expand)"
    assert d.notes[-1].startswith("Proved for every size")


def test_log_det_at_size_names_is_verified_at_sizes_and_not_proved_for_every_size() -> None:
    d = symnn.derive("matrix-gradient", f="log(det(S))", wrt="S", shapes=[["S", "n", "n"]])
    assert d.steps[1].certificate.route.endswith("; every size undecided")
    whole = d.steps[-1].certificate.route
    assert whole.startswith("entrywise at sizes S 1x1; S 2x2")
    assert whole.endswith(", not proved for every size")
    (note,) = d.notes
    assert note.startswith("Not proved for every size (undecided)")
    assert "Proved" not in note and "Proved for every size" not in d.latex()


def test_log_det_at_given_small_sizes_is_proved_at_those_sizes_only() -> None:
    d = symnn.derive("matrix-gradient", f="log(det(S))", wrt="S", shapes=[["S", 2, 2]])
    assert d.steps[-1].certificate.route == "entrywise derivative at the given sizes"
    (note,) = d.notes
    assert note.startswith("Proved entrywise at sizes S 2$\\times$2") and "not proved for other sizes" in note


def test_log_det_at_given_large_sizes_is_not_proved_at_those_sizes() -> None:
    d = symnn.derive("matrix-gradient", f="log(det(S))", wrt="S", shapes=[["S", 3, 3]])
    assert d.steps[-1].certificate.route.endswith(", not proved at the given sizes")


@pytest.mark.parametrize(("f", "wrt", "shapes", "proved", "every_size"), [
    ("tr(A*B)", "A", [["A", "m", "n"], ["B", "n", "m"]], True, True),
    ("tr(A*B)", "A", [["A", 40, 30], ["B", 30, 40]], True, True),
    ("log(det(S))", "S", [["S", 2, 2]], True, False),
    ("log(det(S))", "S", [["S", "n", "n"]], False, False),
    ("log(det(S))", "S", [["S", 3, 3]], False, False),
])
def test_what_the_gradient_is_proved_for(f, wrt, shapes, proved, every_size) -> None:
    term, matrices = read_typed(f, shapes)
    proof = prove_gradient(reverse_mode(term, matrices[wrt]), f, shapes, wrt)
    assert (proof.proved, proof.every_size) == (proved, every_size)

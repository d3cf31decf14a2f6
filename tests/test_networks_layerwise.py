"""The layer-by-layer certificate: the rules of the layer maps, their instances at the data
against SymPy's derivative of each example's loss, and the mistakes it refuses."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.errors import CertificationError
from symnn.networks import NetworkSpec, backprop, forward, gradients, sympy_deltas, sympy_gradient
from symnn.networks import derivation as network_derivation
from symnn.networks.layerwise import evaluate, explicit, instantiate, lemmas, output_gradient

R = sp.Rational
SIZES = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=8, deadline=None)
@given(SIZES, st.sampled_from(sorted(lemmas())))
def test_each_rule_is_the_entrywise_derivative_at_other_sizes(sizes: tuple[int, int, int], name: str) -> None:
    # SymPy's derivative of every entry, written out at these sizes, against the rule's formula
    derivative, formula = explicit(lemmas()[name], sizes)
    assert derivative.shape == formula.shape
    assert sp.expand(derivative - formula) == sp.zeros(*formula.shape)


def test_sympys_matrix_derivatives_are_the_rules() -> None:
    from symnn.networks.layerwise import A, G, W

    rules = lemmas()
    assert rules["dW"].derivative == A.T * G and rules["dA"].derivative == G * W.T
    assert rules["decay"].derivative == W


def test_a_wrong_formula_is_refused_entrywise() -> None:
    rule = lemmas()["dW"]
    wrong = dataclasses.replace(rule, formula=2 * rule.formula)
    derivative, formula = explicit(wrong, (2, 2, 2))
    assert sp.expand(derivative - formula) != sp.zeros(2, 2)


def matrix(draw, rows: int, cols: int) -> list[list[sp.Rational]]:
    entry = st.integers(-9, 9).map(lambda k: R(k, 4))
    return draw(st.lists(st.lists(entry, min_size=cols, max_size=cols), min_size=rows, max_size=rows))


PIECEWISE_LINEAR = ["identity", "relu", "leaky_relu"]
ELEMENTWISE = [*PIECEWISE_LINEAR, "sigmoid", "tanh", "softplus"]


@st.composite
def networks(draw, hidden: list[str], outputs: list[str], width: int) -> NetworkSpec:
    depth = draw(st.integers(1, 3 if width > 2 else 2))
    sizes = [draw(st.integers(1, width)) for _ in range(depth + 1)]
    output = draw(st.sampled_from(outputs))
    loss = {"softmax": draw(st.sampled_from(["squared", "cross_entropy"])),
            "sigmoid": draw(st.sampled_from(["squared", "binary_cross_entropy"]))}.get(output, "squared")
    names = [draw(st.sampled_from(hidden)) for _ in range(depth - 1)] + [output]
    m = draw(st.integers(1, width + 1))
    targets = matrix(draw, m, sizes[-1])
    if loss != "squared":
        targets = [[abs(v) / 3 for v in row] for row in targets]  # in [0, 1]
    return NetworkSpec.build(sizes, names, loss=loss, alpha=R(1, 5), l2=draw(st.sampled_from([0, R(1, 10)])),
                             X=matrix(draw, m, sizes[0]), t=targets,
                             W=[matrix(draw, sizes[k], sizes[k + 1]) for k in range(depth)],
                             b=[matrix(draw, 1, sizes[k + 1]) for k in range(depth)])


@settings(max_examples=10, deadline=None)
@given(networks(PIECEWISE_LINEAR, PIECEWISE_LINEAR, width=3))
def test_the_rules_at_the_data_are_sympys_derivative_of_each_examples_loss(spec: NetworkSpec) -> None:
    # the independent oracle: SymPy differentiates each example's whole loss (slow, small networks)
    run = forward(spec)
    rules = instantiate(spec, run, backprop(spec, run))
    assert rules.flat() == sympy_gradient(spec)
    assert all(a == b for a, b in zip(rules.delta, sympy_deltas(spec, run)))


def test_a_kink_uses_the_stated_convention_and_says_so() -> None:
    # z = 1 * 1 - 1 = 0 for the first example: relu'(0) = 0, as SymPy's Piecewise branch z <= 0
    spec = NetworkSpec.build([1, 1, 1], ["relu", "identity"], X=[[1], [2]], t=[0, 0], W=[[[1]], [[2]]],
                             b=[[-1], [0]])
    d = gradients(spec)
    assert d.result["delta1"] == sp.Matrix([[0], [4]])  # (y - t) w2 relu'(z): 0 at z = 0, 2 * 2 * 1
    assert any("exactly 0" in note for note in d.notes)
    assert d.result["dL_dW1"] == sympy_gradient(spec)[:, :1]


def test_a_wrong_backward_pass_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def doubled(spec, run):
        grads = backprop(spec, run)
        return dataclasses.replace(grads, dW=(grads.dW[0] * 2, *grads.dW[1:]))

    monkeypatch.setattr(network_derivation, "backprop", doubled)
    with pytest.raises(CertificationError, match="did not reduce"):
        symnn.derive("network-gradients", sizes=[2, 2, 1], activations=["relu", "identity"],
                     X=[[1, 2]], t=[1], W1=[[1, 0], [0, 1]], b1=[1, 1], W2=[[1], [1]], b2=[0])


def test_a_wrong_output_error_rule_is_refused() -> None:
    spec = NetworkSpec.build([2, 2], ["softmax"], loss="cross_entropy")
    _, _, derivative, rule = output_gradient(spec)
    with pytest.raises(CertificationError):
        symnn.core.certify.certify(derivative, rule.applyfunc(lambda v: 2 * v), "exp-cancel")


def test_the_elementwise_rule_takes_the_certified_slope() -> None:
    rule = lemmas()["elementwise"]
    Z, G = sp.Matrix([[R(1, 2), -1, 0]]), sp.Matrix([[3, 5, 7]])
    relu = lambda z: sp.Integer(1) if z > 0 else sp.Integer(0)  # noqa: E731 - relu'(0) = 0
    assert evaluate(rule.derivative, {"G": G, "Z": Z}, relu) == sp.Matrix([[3, 0, 0]])



@settings(max_examples=8, deadline=None)
@given(networks(ELEMENTWISE, [*ELEMENTWISE, "softmax"], width=2))
def test_every_activation_and_loss_is_certified_and_checked(spec: NetworkSpec) -> None:
    # the whole derivation: every step proved (closed forms by exp-ring), then the simulator agrees
    d = gradients(spec)
    assert d.certified
    report = d.check()
    assert report.ok, report.failures()


def test_softmax_with_squared_loss_where_e_and_exp_half_meet_is_certified():
    """exp(1/2)^2 becomes the constant E: the exp-ring route must know E = exp(1) (found by hypothesis)."""
    import sympy as sp

    from symnn.networks import gradients
    from symnn.networks.spec import NetworkSpec

    spec = NetworkSpec.build([1, 2], ["softmax"], loss="squared", X=[[0], [0]],
                             t=[[0, 0], [0, sp.Rational(1, 4)]], W=[[[0, 0]]], b=[[0, sp.Rational(1, 2)]])
    derivation = gradients(spec)
    assert derivation.certified and derivation.check().ok

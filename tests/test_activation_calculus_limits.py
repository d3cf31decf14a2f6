"""The limits of f' at the ends of the pieces: proved by a route, a wrong proposal refused,
an undecidable limit reported as undecided."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.activation_analysis import calculus
from symnn.activation_analysis.limits import CONTINUITY, DOMINANT, certified_limit, infinite_limit
from symnn.activation_analysis.table import TABLE, x
from symnn.errors import CertificationError

# the limits of f' from the definitions: sigma(+oo) = 1, tanh(+oo) = 1, Phi(+oo) = 1, e^x -> 0 at -oo
EXPECTED = {
    "elu": {-sp.oo: 0, sp.Integer(0): 1},
    "gelu": {-sp.oo: 0, sp.oo: 1},
    "silu": {-sp.oo: 0, sp.oo: 1},
    "softplus": {-sp.oo: 0, sp.oo: 1},
    "sigmoid": {-sp.oo: 0, sp.oo: 0},
    "tanh": {-sp.oo: 0, sp.oo: 0},
}


def _alpha(name):
    rule = TABLE[name]
    return rule.alpha.typical if rule.alpha else None


def _limits(name):
    return [c for c in calculus.supremum(TABLE[name], _alpha(name)).candidates if c.kind == "limit"]


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_end_limit_is_certified_by_a_named_route(name):
    limits = _limits(name)
    assert {(c.where, c.value) for c in limits} == set(EXPECTED.get(name, {}).items())
    for c in limits:
        assert c.proof is not None and c.proof.value == c.value
        assert c.proof.route == (CONTINUITY if c.where.is_finite else DOMINANT)


def test_the_write_up_has_a_limits_step_with_its_route():
    steps = symnn.derive("activation-calculus", activation="elu").steps
    (step,) = [s for s in steps if s.rule.startswith("limits of")]
    assert CONTINUITY in step.certificate.route and DOMINANT in step.certificate.route
    assert r"\lim_{x \to 0^{-}} f'(x) = 1" in step.tex and r"\lim_{x \to -\infty} f'(x) = 0" in step.tex


@pytest.mark.parametrize("wrong", [lambda value: value + 1, lambda value: sp.Integer(0)])
def test_a_wrong_proposed_limit_is_refused(monkeypatch, wrong):
    right = calculus.propose_limit

    def propose(expr, end, side):
        value = right(expr, end, side)
        return wrong(value) if end == sp.oo else value

    monkeypatch.setattr(calculus, "propose_limit", propose)
    with pytest.raises(CertificationError, match=r"softplus: .* x -> oo .* is not"):
        calculus.supremum(TABLE["softplus"], None)


@pytest.mark.parametrize("g", [sp.sin(x), x * sp.sin(x) / (1 + x**2), sp.exp(-x) * sp.cos(x), sp.sqrt(x),
                               sp.log(x) / x])
def test_an_unprovable_limit_is_undecided(g):
    with pytest.raises(CertificationError, match="undecided"):
        certified_limit(g, x, sp.oo, "-", sp.Integer(0))


def test_an_unprovable_limit_of_an_activation_names_it_and_the_end(monkeypatch):
    monkeypatch.setattr(calculus, "certified_limit", lambda *args: (_ for _ in ()).throw(
        CertificationError("undecided")))
    with pytest.raises(CertificationError, match=r"^tanh: sup f' undecided at the end x -> -oo"):
        calculus.supremum(TABLE["tanh"], None)


def test_finite_end_by_continuity_and_its_refusals():
    assert certified_limit(sp.exp(x) - 1, x, sp.Integer(0), "-", sp.Integer(0)).route == CONTINUITY
    with pytest.raises(CertificationError, match="is not 2"):  # e^0 = 1
        certified_limit(sp.exp(x), x, sp.Integer(0), "-", sp.Integer(2))
    with pytest.raises(CertificationError, match="no finite enclosure"):
        certified_limit(1 / x, x, sp.Integer(0), "+", sp.oo)
    with pytest.raises(CertificationError, match="may jump"):
        certified_limit(sp.Heaviside(x), x, sp.Integer(0), "-", sp.Integer(0))


def test_infinite_limits_with_polynomial_factors_and_erf():
    assert infinite_limit(x**7 * sp.exp(-x), x) == 0
    assert infinite_limit(x**3 * sp.exp(x - x**2), x) == 0
    assert infinite_limit((x + sp.exp(x)) / (sp.exp(x) + x**2), x) == 1
    assert infinite_limit(sp.erf(-2 * x) + 3, x) == 2


@settings(max_examples=25, deadline=None)
@given(st.fractions(min_value=-5, max_value=5), st.fractions(min_value=-5, max_value=5),
       st.integers(min_value=1, max_value=4))
def test_a_logistic_blend_tends_to_its_two_levels(b, c, k):
    # (b e^{kx} + c) / (e^{kx} + 1) = c + (b - c) sigma(kx): b at +oo, c at -oo
    b, c = sp.Rational(b.numerator, b.denominator), sp.Rational(c.numerator, c.denominator)
    g = (b * sp.exp(k * x) + c) / (sp.exp(k * x) + 1)
    assert certified_limit(g, x, sp.oo, "-", b).value == b
    assert certified_limit(g, x, -sp.oo, "+", c).value == c
    with pytest.raises(CertificationError, match="is not"):
        certified_limit(g, x, sp.oo, "-", b + 1)

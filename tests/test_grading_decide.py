"""The decision behind the grader: enclosures, index cases, counterexamples, proved/refuted/undecided."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.core import equivalence
from symnn.core.counterexample import find_counterexample, region_of
from symnn.core.equivalence import PROVED, REFUTED, UNDECIDED, decide_equal, decide_zero, on_domain
from symnn.core.indices import index_cases
from symnn.core.interval import bounds, enclose, nonzero, sign_on

X = sp.Symbol("x", real=True)
P = sp.Symbol("p", positive=True)
I, J = sp.symbols("i j", integer=True, positive=True)
Y = sp.IndexedBase("y", positive=True)
UNIT = sp.Interval(0, 1)

# --- interval enclosures ------------------------------------------------------------------------

LEAVES = st.sampled_from([X, sp.Integer(2), sp.Rational(1, 3), sp.pi, sp.E])
UNARY = [sp.exp, sp.sin, sp.cos, sp.tanh, sp.erf, sp.Abs, lambda e: sp.Heaviside(e - sp.Rational(1, 5)),
         lambda e: sp.sqrt(e**2 + 1), lambda e: sp.log(e**2 + 1)]


def _max(pair: tuple[sp.Expr, sp.Expr]) -> sp.Expr:
    """Max of the pair; the first when SymPy refuses the pair (a number such as zoo is not
    comparable: then Max cannot even be built)."""
    try:
        return sp.Max(*pair)
    except ValueError:
        return pair[0]


EXPRESSIONS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda pair: pair[0] + pair[1]),
        st.tuples(inner, inner).map(lambda pair: pair[0] * pair[1]),
        st.tuples(inner, st.integers(-3, 3)).map(lambda pair: pair[0] ** pair[1]),
        st.tuples(st.sampled_from(UNARY), inner).map(lambda pair: pair[0](pair[1])),
        st.tuples(inner, inner).map(_max),
    ),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None)
@given(EXPRESSIONS, st.fractions(-3, 3, max_denominator=50))
def test_an_enclosure_holds_the_value(expr: sp.Expr, value: object) -> None:
    """At a point, the enclosure contains the value evalf computes with 50 digits."""
    point = sp.Rational(value.numerator, value.denominator)  # type: ignore[attr-defined]
    interval = enclose(expr, {X: point}, prec=80)
    if interval is None:
        return
    try:
        exact = expr.xreplace({X: point})
    except ValueError:  # SymPy refuses e.g. Max(zoo, 0)
        return
    if exact.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return
    number = sp.N(exact, 50)
    if not number.is_real:
        return
    with mpmath.workprec(200):
        value = mpmath.mpf(str(number))
        tolerance = mpmath.mpf(10) ** -40 * (1 + abs(value))
        low, high = bounds(interval)
        assert low - tolerance <= value <= high + tolerance


@settings(max_examples=40, deadline=None)
@given(EXPRESSIONS)
def test_an_enclosure_over_a_box_holds_every_sampled_value(expr: sp.Expr) -> None:
    interval = enclose(expr, {X: UNIT}, prec=80)
    if interval is None:
        return
    for point in (sp.Integer(0), sp.Rational(1, 3), sp.Rational(5, 7), sp.Integer(1)):
        try:
            exact = expr.xreplace({X: point})
        except ValueError:  # SymPy refuses e.g. Max(zoo, 0)
            continue
        if exact.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not exact.is_real:
            continue
        with mpmath.workprec(200):
            value = mpmath.mpf(str(sp.N(exact, 40)))
            low, high = bounds(interval)
            assert low - mpmath.mpf(10) ** -30 <= value <= high + mpmath.mpf(10) ** -30


def test_nonzero_is_decided_only_when_proved() -> None:
    assert nonzero(sp.exp(-1000)) is True
    assert nonzero(sp.Rational(0)) is False
    assert nonzero(sp.log(8) - 3 * sp.log(2)) is None  # it is 0, which an enclosure cannot show
    assert nonzero(sp.sqrt(5 + 2 * sp.sqrt(6)) - sp.sqrt(2) - sp.sqrt(3)) is None
    assert nonzero(2 * sp.log(-sp.Rational(3, 7)) - sp.log(sp.Rational(9, 49))) is True  # 2*pi*I


def test_sign_on_a_domain() -> None:
    assert sign_on(X - 3, {X: UNIT}) == -1
    assert sign_on(X - sp.Rational(1, 2), {X: UNIT}) is None
    assert sign_on(sp.exp(X) - 1 + sp.Rational(1, 10**6), {X: sp.Interval(0, sp.oo)}) == 1


# --- index cases -------------------------------------------------------------------------------

def test_index_cases_cover_every_pattern_of_equalities() -> None:
    labels = [label for label, _ in index_cases(sp.KroneckerDelta(I, J) + sp.KroneckerDelta(I, 4))]
    assert len(labels) == 5 and len(set(labels)) == 5
    assert "i = j = 4" in labels and "i, j, 4 all different" in labels
    cases = dict(index_cases(sp.KroneckerDelta(I, J) * (Y[I] - Y[J])))
    assert all(case == 0 for case in cases.values())


def test_indices_cannot_take_values_outside_their_assumptions() -> None:
    labels = [label for label, _ in index_cases(sp.KroneckerDelta(I, 0) + sp.KroneckerDelta(I, J))]
    assert not any("= 0" in label for label in labels)  # i and j are positive


# --- decisions ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("expected", "given_", "domain", "status"), [
    (sp.tanh(X), 2 / (1 + sp.exp(-2 * X)) - 1, {}, PROVED),
    (X**2 - 1, (X - 1) * (X + 1), {}, PROVED),
    (sp.log(P**2), 2 * sp.log(P), {}, PROVED),  # p > 0
    (sp.log(X**2), 2 * sp.log(X), {}, REFUTED),  # x < 0 is allowed
    (sp.Abs(X), X, {X: UNIT}, PROVED),
    (sp.Abs(X), X, {}, REFUTED),
    (sp.sqrt(X**2), X, {X: sp.Interval(0, sp.oo)}, PROVED),
    (X**2, X**2 + sp.sin(sp.pi * 10**6 * X) * sp.exp(-50), {X: UNIT}, REFUTED),
    (Y[I] * (sp.KroneckerDelta(I, J) - Y[J]), Y[I] * sp.KroneckerDelta(I, J) - Y[I] * Y[J], {}, PROVED),
    (Y[I] * sp.KroneckerDelta(I, J), Y[J] * sp.KroneckerDelta(I, J), {}, PROVED),
    (Y[I], Y[J], {}, REFUTED),
])
def test_decisions(expected: sp.Expr, given_: sp.Expr, domain: dict[sp.Basic, sp.Set], status: str) -> None:
    decision = decide_equal(expected, given_, domain, seconds=20)
    assert decision.status == status, decision
    if status == REFUTED:
        point = decision.counterexample.point
        assert all(value in region_of(symbol, domain) for symbol, value in point.items()
                   if not getattr(symbol, "is_integer", False))


def test_a_route_that_cannot_prove_leaves_it_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    for route in ("exp-cancel", "simplify"):
        monkeypatch.setitem(equivalence.SOUND_ROUTES, route, lambda difference: difference)
    decision = decide_zero(sp.tanh(X) - 2 / (1 + sp.exp(-2 * X)) + 1, seconds=10)
    assert decision.status == UNDECIDED and "no counterexample was found" in decision.reason
    assert decision.equal is None


def test_on_domain_replaces_only_fixed_branches() -> None:
    fixed: dict[sp.Basic, sp.Basic] = {}
    result = on_domain(sp.Heaviside(X - 3) + sp.Heaviside(X - sp.Rational(1, 2)), {X: UNIT}, fixed)
    assert result == sp.Heaviside(X - sp.Rational(1, 2)) and fixed == {sp.Heaviside(X - 3): 0}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=4), st.integers(1, 3),
       st.integers(-3, 3).filter(bool))
def test_polynomials_proved_and_perturbations_refuted(coefficients: list[int], power: int, bump: int) -> None:
    polynomial = sum(c * X**k for k, c in enumerate(coefficients))
    assert decide_equal(polynomial, sp.expand(polynomial), {X: UNIT}).status in (PROVED,)
    perturbed = polynomial + sp.Rational(bump, 97) * X**power
    decision = decide_equal(polynomial, perturbed, {X: UNIT})
    assert decision.status == REFUTED and decision.counterexample.point[X] in UNIT


def test_counterexamples_respect_the_domain() -> None:
    found = find_counterexample(sp.Integer(0), sp.Heaviside(X - sp.Rational(9, 10)), {X: UNIT})
    assert found is not None and sp.Rational(9, 10) <= found.point[X] <= 1
    assert find_counterexample(sp.Integer(0), sp.Heaviside(X - 2), {X: UNIT}) is None


def test_integer_parameters_keep_to_their_declared_range() -> None:
    """KroneckerDelta(n, 1) is 0 for every n >= 2: no point with n = 1 may refute it."""
    n = sp.Symbol("n", integer=True, positive=True)
    from_two = {n: sp.Interval(2, sp.oo, False, True)}
    assert decide_equal(sp.Integer(0), sp.KroneckerDelta(n, 1), from_two).status != REFUTED
    decision = decide_equal(sp.Integer(0), sp.KroneckerDelta(n, 1), {})
    assert decision.status == REFUTED and decision.counterexample.point[n] == 1


def test_sizes_are_at_least_every_index() -> None:
    n = sp.Symbol("n", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    total = sp.Sum(Y[k], (k, 1, n))
    decision = decide_equal(Y[I] / total, Y[I] / total + sp.KroneckerDelta(I, 3), {})
    assert decision.status == REFUTED
    point = decision.counterexample.point
    assert point[n] >= point[I] == 3


def test_a_wrong_answer_is_refuted_before_any_route_is_tried(monkeypatch) -> None:
    """The short first search refutes a wrong answer without the routes (one of which may
    take its whole time limit to fail); a right answer still goes to them and is proved."""
    x = X
    expected = sp.tanh(x) ** 3 - 2 * sp.tanh(x)
    calls: list[int] = []
    real_prove = equivalence._prove
    monkeypatch.setattr(equivalence, "_prove", lambda *a: calls.append(1) or real_prove(*a))
    wrong = decide_equal(expected, sp.expand(expected * sp.Rational(8, 7)) + sp.Rational(1, 97))
    assert wrong.status == REFUTED and wrong.route == "counterexample" and calls == []
    right = decide_equal(expected, sp.tanh(x) * (sp.tanh(x) ** 2 - 2))
    assert right.status == PROVED and calls

"""activation-calculus: the zeros of f'' proved complete; SiLU's sup a proved enclosure."""

from __future__ import annotations

import dataclasses

import mpmath
import pytest
import sympy as sp

import symnn
from symnn.activation_analysis.calculus import decide_signs, supremum
from symnn.activation_analysis.functions import sigma
from symnn.activation_analysis.table import TABLE, Piece, x
from symnn.activation_analysis.zero_sets import tail_sign, zero_set
from symnn.errors import CertificationError

CALC = "activation-calculus"
#: (2 - x) e^x + x + 2: SiLU'' without its positive factor e^x / (e^x + 1)^3
SILU_CORE = (2 - x) * sp.exp(x) + x + 2


def _silu_peak(stretch: int = 1) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The root of 2 + u (1 - 2 s(u)) near 2.4 (u = x / stretch) and f' there, by mpmath at 40 digits,
    independently of the code under test: f'(x) = s(u) + u s(u) (1 - s(u))."""
    with mpmath.workdps(40):
        s = lambda u: 1 / (1 + mpmath.exp(-u))  # noqa: E731
        u = mpmath.findroot(lambda u: 2 + u * (1 - 2 * s(u)), 2.4)
        return u * stretch, s(u) + u * s(u) * (1 - s(u))


def _contains(box: tuple[sp.Rational, sp.Rational], value: mpmath.mpf) -> bool:
    with mpmath.workdps(40):
        return bool(mpmath.mpf(box[0].p) / box[0].q <= value <= mpmath.mpf(box[1].p) / box[1].q)


def test_silu_enclosure_holds_the_root_based_value_and_is_narrow() -> None:
    d = symnn.derive(CALC, activation="silu")
    lo, hi = d.result["sup_enclosure"].start, d.result["sup_enclosure"].end
    root, peak = _silu_peak()
    assert _contains((lo, hi), peak)
    assert hi - lo <= sp.Rational(1, 10**25)
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(str(d.result["sup_derivative"])) - peak) < mpmath.mpf(10) ** -29
        (where,) = d.result["sup_attained_at"]
        assert abs(mpmath.mpf(str(where)) - root) < mpmath.mpf(10) ** -29
    assert d.result["closed_form"] is sp.false


def test_silu_critical_points_are_proved_boxes() -> None:
    sup = supremum(TABLE["silu"], sp.Integer(0))
    (_, _, _, zeros), = sup.zero_sets
    assert zeros.exact == () and len(zeros.boxes) == 2  # f' has a minimum near -2.4 and a maximum near 2.4
    root, _ = _silu_peak()
    boxes = [c.box for c in sup.critical]
    assert _contains(boxes[1], root) and _contains((-boxes[0][1], -boxes[0][0]), root)  # h(-x) = e^-x h(x)
    assert all(hi - lo <= sp.Rational(2, 10**30) for lo, hi in boxes)


def test_a_critical_point_beyond_the_old_grid_is_found() -> None:
    """f = x sigma(x/8): f' is SiLU' of u = x/8, so its sup is SiLU's, attained at 8 x* = 19.19...,
    beyond the grid [-12, 12] the zeros of f'' used to be looked for on."""
    stretched = dataclasses.replace(TABLE["silu"], pieces=lambda a: (Piece(sp.oo, sp.Integer(1),
                                                                           x * sigma(x / 8)),))
    sup = supremum(stretched, sp.Integer(0))
    root, peak = _silu_peak(stretch=8)
    assert _contains(sup.enclosure, peak)
    assert abs(float(next(iter(sup.where))) - float(root)) < 1e-20
    assert sup.zero_sets[0][3].radius == 32


def test_an_incomplete_solveset_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """solveset answering {sqrt(2)} for GELU'' (which also vanishes at -sqrt(2)) is caught."""
    real = sp.solveset

    def forgetful(expr: sp.Expr, symbol: sp.Symbol, domain: sp.Set) -> sp.Set:
        return real(expr, symbol, domain) - sp.FiniteSet(-sp.sqrt(2))

    monkeypatch.setattr(sp, "solveset", forgetful)
    with pytest.raises(CertificationError, match="are not all"):
        supremum(TABLE["gelu"], sp.Integer(0))


def test_a_tampered_zero_set_fails_the_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    """The claim 'all critical points' redoes the proof: a zero set without SiLU's boxes fails it."""
    from symnn.derivations import activation_calculus

    real = activation_calculus.supremum

    def without_boxes(rule: object, alpha: sp.Expr) -> object:
        sup = real(rule, alpha)
        emptied = tuple((a, b, g, dataclasses.replace(z, boxes=())) for a, b, g, z in sup.zero_sets)
        return dataclasses.replace(sup, zero_sets=emptied)

    monkeypatch.setattr(activation_calculus, "supremum", without_boxes)
    with pytest.raises(CertificationError):
        symnn.derive(CALC, activation="silu")


def test_a_zero_near_15_is_found() -> None:
    """A factor e^x - 3 10^6 vanishing at log(3 10^6) = 14.91... (outside [-12, 12] and the first
    windows) is isolated, not missed; given as 15 it is refused."""
    far = sp.exp(x) - 3 * 10**6
    zeros = zero_set(far * SILU_CORE * sp.exp(-x), x, -sp.oo, sp.oo)
    assert len(zeros.boxes) == 3 and zeros.radius == 16
    assert any(lo < sp.log(3 * 10**6) < hi for lo, hi in zeros.boxes)
    with pytest.raises(CertificationError, match="not zeros"):
        zero_set(far, x, -sp.oo, sp.oo, [sp.Integer(15)])


def test_two_zeros_between_grid_points_are_both_found() -> None:
    """(x - 1/10)(x - 1/5) e^x has no sign change over [0, 1/4], yet two zeros in it."""
    g = (x - sp.Rational(1, 10)) * (x - sp.Rational(1, 5)) * sp.exp(x)
    boxes = zero_set(g, x, -sp.oo, sp.oo).boxes
    assert len(boxes) == 2
    assert boxes[0][0] < sp.Rational(1, 10) < boxes[0][1] < sp.Rational(1, 5) < boxes[1][1]
    assert zero_set(g, x, -sp.oo, sp.oo, [sp.Rational(1, 10), sp.Rational(1, 5)]).boxes == ()


def test_zero_free_tails() -> None:
    """SiLU's core is negative beyond 4 (by h(4) < 0 and h' < 0) and beyond -4 (h(-4) < 0, h' > 0)."""
    assert tail_sign(SILU_CORE, x, sp.Integer(4), 1) == -1
    assert tail_sign(SILU_CORE, x, sp.Integer(-4), -1) == -1
    assert tail_sign(SILU_CORE, x, sp.Integer(2), 1) is None  # a zero near 2.4 lies on that tail
    assert tail_sign(sp.sin(x), x, sp.Integer(4), 1) is None


def test_an_undecidable_zero_set_is_refused() -> None:
    with pytest.raises(CertificationError, match="undecided"):
        zero_set(sp.sin(x) + 2 * sp.cos(3 * x), x, -sp.oo, sp.oo)


@pytest.mark.parametrize(("relation", "decided"), [
    (sp.Lt((1 - sp.exp(sp.Symbol("t", positive=True))) * sp.exp(-sp.Symbol("t", positive=True)), 0), sp.true),
    (sp.Gt(sp.exp(sp.Symbol("t", positive=True)) - 20, 0), None),  # a zero at log 20: undecided
    (sp.Gt(sp.exp(sp.Symbol("t", positive=True)) - 1, 0), sp.true),
])
def test_decide_signs(relation: sp.Basic, decided: sp.Basic | None) -> None:
    outcome = decide_signs(relation)
    assert outcome == (relation if decided is None else decided)


@pytest.mark.parametrize(("name", "count"), [("gelu", 2), ("sigmoid", 1), ("tanh", 1), ("softplus", 0)])
def test_closed_form_critical_points_are_all(name: str, count: int) -> None:
    sup = supremum(TABLE[name], sp.Integer(0))
    (_, _, _, zeros), = sup.zero_sets
    assert len(zeros.exact) == count and zeros.boxes == ()
    d = symnn.derive(CALC, activation=name)
    assert any("critical points" in step.rule for step in d.steps)
    assert "sup_enclosure" not in d.result and d.result["closed_form"] is sp.true


def test_silu_minimum_of_f_prime_is_enclosed_with_its_sign() -> None:
    """SiLU'(-x) = 1 - SiLU'(x): f' at the critical point near -2.4 is 1 - sup f' < 0."""
    sup = supremum(TABLE["silu"], sp.Integer(0))
    low = next(c for c in sup.candidates if c.enclosure is not None and c.enclosure != sup.enclosure)
    _, peak = _silu_peak()
    with mpmath.workdps(40):
        assert _contains(low.enclosure, 1 - peak)
    assert low.enclosure[1] < 0

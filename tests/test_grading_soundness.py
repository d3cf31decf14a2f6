"""The grader says "correct" only with a proof and "incorrect" only with a counterexample.

Every wrong answer here was once graded "correct" because it agreed with the result at the
seeded sample points (or at index instances 1..3). Each refutation is checked here by an
independent evaluation: the counterexample point lies in the declared domain, and SymPy's
``evalf`` at 60 digits gives a difference far from 0 there.
"""

from __future__ import annotations

import pytest
import sympy as sp

import symnn
from symnn.core.equivalence import Decision, decide_equal
from symnn.errors import SymnnError
from symnn.grading import GradingError, UnsafeInputError
from symnn.grading.grader import grade_in_process as grade
from symnn.grading.grader import judge
from symnn.grading.parse import read_answer, result_names

LEAKY = "leaky-relu-gaussian-moments"
MEAN = "(1 - alpha)/sqrt(2*pi)"
JACOBIAN = "y_i*(KroneckerDelta(i, j) - y_j)"
UNIT, REALS = sp.Interval(0, 1), sp.Interval(-sp.oo, sp.oo)


def _read(id: str, key: str, text: str, **params: object) -> tuple[sp.Expr, sp.Expr]:
    """The derived result and the answer text built with its symbols."""
    expected = symnn.derive(id, **params).result[key]
    return expected, read_answer(text, result_names(expected))


def _refuted(expected: sp.Expr, answer: sp.Expr, domain: dict[sp.Basic, sp.Set]) -> Decision:
    decision = decide_equal(expected, answer, domain)
    assert decision.status == "refuted" and decision.counterexample is not None, decision
    return decision


def _gap(expected: sp.Expr, answer: sp.Expr, point: dict[sp.Basic, sp.Expr]) -> sp.Float:
    """|expected - answer| at ``point`` by evalf at 60 digits (independent of the interval code)."""
    integers = {s: v for s, v in point.items() if isinstance(s, sp.Symbol) and s.is_integer}
    difference = (expected - answer).xreplace(integers).doit().xreplace(point)
    return sp.Abs(sp.N(difference, 60))


@pytest.mark.parametrize("extra", ["sin(1000*pi*alpha)", "exp(-40)*sin(alpha)", "exp(-100/alpha^2)",
                                   "Heaviside(alpha - 1/2)", "Max(0, alpha - 1/2)"])
def test_leaky_mean_perturbations_are_refuted(extra: str) -> None:
    result = grade(LEAKY, f"{MEAN} + {extra}", key="mean")
    assert result.verdict == "incorrect" and not result.correct, str(result)
    assert "which is not 0" in result.message and "counterexample" in result.method
    assert "alpha in [0, 1]" in result.method
    expected, answer = _read(LEAKY, "mean", f"{MEAN} + {extra}")
    alpha = next(iter(expected.free_symbols))
    point = _refuted(expected, answer, {alpha: UNIT}).counterexample.point
    assert point[alpha] in UNIT
    assert _gap(expected, answer, point) > sp.Float("1e-400")


@pytest.mark.parametrize("extra", ["Heaviside(alpha - 3)", "Max(0, alpha - 3)"])
def test_perturbations_that_vanish_on_the_declared_domain(extra: str) -> None:
    """alpha is declared in [0, 1], where alpha - 3 < 0: there these answers equal the mean."""
    result = grade(LEAKY, f"{MEAN} + {extra}", key="mean")
    assert result.verdict == "correct", str(result)
    assert "on the domain (interval arithmetic)" in result.method and "alpha in [0, 1]" in result.method
    expected, answer = _read(LEAKY, "mean", f"{MEAN} + {extra}")
    alpha = next(iter(expected.free_symbols))
    assert judge("mean", expected, answer, {alpha: REALS}).verdict == "incorrect"  # they differ for alpha > 3
    point = _refuted(expected, answer, {alpha: REALS}).counterexample.point
    assert point[alpha] > 3 and _gap(expected, answer, point) > sp.Rational(1, 10**6)


@pytest.mark.parametrize(("extra", "index"), [("KroneckerDelta(i, 4)", 4), ("(i-1)*(i-2)*(i-3)", None)])
def test_general_index_answers_are_not_checked_on_instances(extra: str, index: int | None) -> None:
    result = grade("softmax-jacobian", f"{JACOBIAN} + {extra}", n="n")
    assert result.verdict == "incorrect", str(result)
    expected, answer = _read("softmax-jacobian", "jacobian_in_y", f"{JACOBIAN} + {extra}", n="n")
    point = _refuted(expected, answer, {}).counterexample.point
    i = next(s for s in point if str(s) == "i")
    assert point[i] >= 4 and (index is None or point[i] == index)  # 1..3 can never show it
    assert _gap(expected, answer, point) >= 1
    assert f"i={point[i]}" in result.message


def test_general_indices_are_proved_by_cases() -> None:
    result = grade("softmax-jacobian", "y_i*KroneckerDelta(j, i) - y_j*y_i", n="n")
    assert result.verdict == "correct"
    assert "2 index cases (i != j; i = j), for general indices" in result.method


def test_jacobian_in_z_for_general_n() -> None:
    expected = symnn.derive("softmax-jacobian", n="n").result["jacobian"]
    wrong = judge("jacobian", expected, expected * (1 + sp.Rational(1, 7)))
    assert wrong.verdict == "incorrect" and "n=" in wrong.message
    assert judge("jacobian", expected, sp.expand(expected)).verdict == "correct"


def test_pi_as_a_constant_value_of_alpha() -> None:
    assert grade(LEAKY, "(1 - pi/4)/sqrt(2*pi)", key="mean", alpha=sp.pi / 4).verdict == "correct"
    wrong = grade(LEAKY, "(1 - pi/3)/sqrt(2*pi)", key="mean", alpha=sp.pi / 4)
    assert wrong.verdict == "incorrect" and "which is not 0" in wrong.message
    with pytest.raises(SymnnError, match="alpha"):  # pi is not a leaky slope: it is outside [0, 1]
        grade(LEAKY, "(1 - pi)/sqrt(2*pi)", key="mean", alpha=sp.pi)


def test_a_parameter_named_like_a_constant_is_refused() -> None:
    with pytest.raises(SymnnError, match="pi"):
        grade(LEAKY, "(1 - pi)/sqrt(2*pi)", key="mean", alpha="pi")


def test_sympy_answers_match_symbols_by_name() -> None:
    alpha = sp.Symbol("alpha")  # no assumptions, while the result's alpha is real
    assert grade(LEAKY, (1 - alpha) / sp.sqrt(2 * sp.pi), key="mean").verdict == "correct"
    assert grade(LEAKY, (1 + alpha) / sp.sqrt(2 * sp.pi), key="mean").verdict == "incorrect"
    y1, y2 = sp.symbols("y1 y2")
    matrix = sp.Matrix([[y1 * (1 - y1), -y1 * y2], [-y1 * y2, y2 * (1 - y2)]])
    assert grade("softmax-jacobian", matrix, n=2).verdict == "correct"
    i, j = sp.symbols("i j")
    y = sp.IndexedBase("y")
    assert grade("softmax-jacobian", y[i] * (sp.KroneckerDelta(i, j) - y[j]), n="n").verdict == "correct"
    with pytest.raises(UnsafeInputError, match="unknown name 'beta'"):
        grade(LEAKY, sp.Symbol("beta"), key="mean")
    with pytest.raises(GradingError, match="of type dict"):
        grade(LEAKY, {"alpha": 1}, key="mean")

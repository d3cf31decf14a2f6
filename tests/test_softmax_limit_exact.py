"""softmax-limit on irrational entries: ties and order decided exactly, undecidable ties refused;
and the two exact procedures behind it (the sign of a constant, the exponential-polynomial zero test)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.core import exppoly
from symnn.core.certify import certify
from symnn.core.sign import UndecidedError, sign
from symnn.errors import CertificationError, ParameterError

R = sp.Rational
ROOT_TIE = [sp.sqrt(2) + sp.sqrt(3), sp.sqrt(5 + 2 * sp.sqrt(6)), 0]  # (sqrt 2 + sqrt 3)^2 = 5 + 2 sqrt 6


@pytest.mark.parametrize(
    ("z", "plus", "minus"),
    [
        (ROOT_TIE, [R(1, 2), R(1, 2), 0], [0, 0, 1]),
        ([sp.log(8), 3 * sp.log(2), 1], [R(1, 2), R(1, 2), 0], [0, 0, 1]),
        ([sp.pi, R(355, 113), sp.E], [0, 1, 0], [0, 0, 1]),  # 355/113 exceeds pi by 2.7e-7
        ([sp.sqrt(2), R(99, 70), -sp.sqrt(2)], [0, 1, 0], [0, 0, 1]),  # 99/70 = sqrt 2 + 7.2e-5
    ],
)
def test_irrational_entries_are_ordered_exactly(z: list, plus: list, minus: list) -> None:
    d = symnn.derive("softmax-limit", z=z)
    assert list(d.result["plus_infinity"]) == plus
    assert list(d.result["minus_infinity"]) == minus
    report = d.check()
    assert report.ok, report.summary()
    assert any(step.rule == "order of the entries" for step in d.steps)


def test_an_undecidable_tie_is_refused_in_one_line() -> None:
    hard = sp.exp(sp.pi * sp.sqrt(163)) / 10**17  # about 2.6; the next value differs by 1e-4343
    with pytest.raises(ParameterError, match=r"parameter 'z'.*order can be decided") as caught:
        symnn.derive("softmax-limit", z=[hard, hard * (1 + sp.exp(-sp.Integer(10) ** 4)), 0])
    assert "\n" not in str(caught.value)


def test_an_unsupported_function_is_refused() -> None:
    with pytest.raises(ParameterError, match="order can be decided"):
        symnn.derive("softmax-limit", z=[sp.gamma(R(1, 3)), 1])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5 + 2 * sp.sqrt(6)), 0),
        (sp.log(R(8, 27)) - 3 * sp.log(2) + 3 * sp.log(3), 0),
        (sp.log(6) - sp.log(2) - sp.log(3) + R(1, 10**30), 1),
        (sp.pi - R(355, 113), -1),
        (sp.cos(1) ** 2 + sp.sin(1) ** 2 - 1, 0),
        (sp.exp(sp.pi * sp.sqrt(163)) - 640320**3 - 744, -1),  # 7.5e-13 below the integer
    ],
)
def test_sign_of_constants(value: sp.Expr, expected: int) -> None:
    assert sign(value) == expected


def test_sign_refuses_symbols_and_unknown_functions() -> None:
    with pytest.raises(UndecidedError, match="not a constant"):
        sign(sp.Symbol("x"))
    with pytest.raises(UndecidedError, match="unsupported"):
        sign(sp.zeta(3) - 1)


@settings(max_examples=40, deadline=None)
@given(st.integers(-50, 50), st.integers(1, 50), st.integers(-50, 50), st.integers(1, 50))
def test_sign_of_rational_combinations_of_sqrt2(a: int, b: int, c: int, d: int) -> None:
    # a/b + c/d sqrt(2) has the sign decided by exact integer comparison of squares
    value = R(a, b) + R(c, d) * sp.sqrt(2)
    p, q = R(a, b), R(c, d)
    exact = 0 if (p == 0 and q == 0) else (1 if (p >= 0 and q >= 0) or (p >= 0 > q and p**2 > 2 * q**2)
                                           or (q >= 0 > p and 2 * q**2 > p**2) else -1)
    assert sign(value) == exact


def test_exppoly_proves_softmax_identities_and_refuses_false_ones() -> None:
    z = sp.symbols("z1:6", real=True)
    c = sp.Symbol("c", real=True)
    total = sp.Add(*[sp.exp(v) for v in z])
    shifted = sp.Add(*[sp.exp(v + c) for v in z])
    assert exppoly.is_zero(sp.exp(z[0] + c) / shifted - sp.exp(z[0]) / total)
    assert exppoly.is_zero(sp.exp(z[0]) / total - 1 / sp.Add(*[sp.exp(v - z[0]) for v in z]))
    jacobian_entry = sp.diff(sp.exp(z[0]) / total, z[1])
    assert exppoly.is_zero(jacobian_entry + sp.exp(z[0]) * sp.exp(z[1]) / total**2)
    assert not exppoly.is_zero(jacobian_entry - sp.exp(z[0]) * sp.exp(z[1]) / total**2)
    assert not exppoly.is_zero(sp.exp(z[0]) / total - sp.exp(z[0]) / shifted)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=2, max_size=4), st.integers(0, 3))
def test_exp_cancel_refuses_a_perturbed_step(powers: list[int], which: int) -> None:
    x = sp.Symbol("x", real=True)
    poly = sp.Add(*[k * sp.exp(p * x) for k, p in enumerate(powers, 1)])
    expanded = sp.expand(poly * (1 + sp.exp(x)))
    assert certify(poly * (1 + sp.exp(x)), expanded, "exp-cancel").route == "exp-cancel"
    with pytest.raises(CertificationError):
        certify(poly * (1 + sp.exp(x)), expanded + R(1, 97) * sp.exp(which * x), "exp-cancel")


@pytest.mark.parametrize("perturb", [lambda v: v * R(8, 7), lambda v: v + R(1, 97)])
def test_the_check_refuses_a_perturbed_limit_on_irrational_entries(perturb) -> None:
    from symnn.derivations import softmax_limit

    d = symnn.derive("softmax-limit", z=ROOT_TIE)
    results = dict(d.result)
    wrong = results["plus_infinity"].copy()
    wrong[0] = perturb(wrong[0])
    results["plus_infinity"] = wrong
    z = [sp.sympify(v) for v in ROOT_TIE]
    ranks = softmax_limit._decided_ranks(z)
    assert ranks == [0, 0, 1]
    assert softmax_limit._check(z, ranks, d.result).ok
    assert not softmax_limit._check(z, ranks, results).ok


@settings(max_examples=15, deadline=None)
@given(st.lists(st.fractions(-3, 3, max_denominator=3), min_size=1, max_size=5))
def test_terms_built_without_evaluation_print_and_convert_as_evaluated_ones(values: list) -> None:
    from symnn.core.latex import to_latex

    z = [R(v.numerator, v.denominator) for v in values]
    C = sp.Symbol("C", real=True)
    divided = symnn.derive("softmax-limit", z=z).steps[1].after
    evaluated = sp.Matrix([1 / sp.Add(*[sp.exp(C * (zj - zi)) for zj in z]) for zi in z])
    assert to_latex(divided) == to_latex(evaluated)
    assert exppoly.matrix_is_zero(divided - evaluated)

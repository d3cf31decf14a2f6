"""Every gradable result of the catalogue: itself rewritten is correct, a perturbation is refuted.

A perturbed result (scaled by 1 + 1/7, plus 1/97) must be graded ``incorrect`` with a
counterexample inside the declared domain, never ``correct``; the expanded result must
be ``correct``. This keeps the grader sound on every expression class the derivations
produce (Max/ReLU networks, sigma, Sum over a symbolic n, KroneckerDelta, erf ...).
"""

from __future__ import annotations

import functools

import pytest
import sympy as sp

import symnn
from symnn.grading.grader import declared_domain, gradable, judge
from symnn.grading.verdict import GradeResult

IDS = symnn.catalog("derivation")


@functools.cache
def _results(id: str) -> dict[str, sp.Basic]:
    return {key: value for key, value in symnn.derive(id).result.items() if gradable(value)}


def _each(value: sp.Basic, change: object) -> sp.Basic:
    return value.applyfunc(change) if isinstance(value, sp.MatrixBase) else change(value)  # type: ignore[operator]


def _judge(id: str, key: str, value: sp.Basic, answer: sp.Basic) -> GradeResult:
    return judge(f"{id}[{key}]", value, answer, declared_domain(id, {}, value), seconds=30)


@pytest.mark.slow
@pytest.mark.parametrize("id", IDS)
def test_perturbed_results_are_refuted_and_rewritten_ones_proved(id: str) -> None:
    results = _results(id)
    if not results:
        pytest.skip(f"{id} has no expression result")
    for number, (key, value) in enumerate(results.items()):
        bumped = _each(value, lambda e: sp.expand(e) * (1 + sp.Rational(1, 7)) + sp.Rational(1, 97))
        verdict = _judge(id, key, value, bumped)
        assert verdict.verdict == "incorrect", f"{id}[{key}]: {verdict}"
        if number == 0:
            rewritten = _judge(id, key, value, _each(value, sp.expand))
            assert rewritten.verdict == "correct", f"{id}[{key}]: {rewritten}"

"""Mutation test over the catalogue: a perturbed result must be refused by the cross-check.

For every derivation id (with its defaults) and every named result, the result is changed
by ``v -> 8/7 v + 1/97`` (booleans negated, matrices entrywise; see
:mod:`symnn.core.mutation`) and the derivation's check is rerun on the changed result. A
check that still passes does not judge that result: it recomputes it along the derivation's
own path, or compares a value with itself.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp

import symnn
from symnn.core.derivation import Derivation
from symnn.core.mutation import perturb, refuses, with_result
from symnn.core.registry import catalog
from symnn.errors import CheckError

#: ids whose cross-check does not yet read the derivation's results (it recomputes them),
#: so a changed result goes unnoticed; each is expected to fail until its check is rewritten
UNJUDGED: set[str] = set()

#: (id, result) whose perturbed value is still true, so the check rightly accepts it; each is
#: confirmed independently in test_a_perturbation_that_stays_true
STILL_TRUE = {
    # F and F_lambda are constant near x = 0 for the found weights (every hidden unit is off
    # there): the moved point is a counterexample with the same values
    ("relu-rescaling", "counterexample_x"),
}


@functools.cache
def _derived(id: str) -> Derivation:
    return symnn.derive(id)


def _cases() -> list:
    return [pytest.param(id, marks=pytest.mark.xfail(strict=True, reason="check does not judge "
                                                     "the results")) if id in UNJUDGED else id
            for id in catalog("derivation")]


@pytest.mark.parametrize("id", _cases())
def test_every_perturbed_result_is_refused(id: str) -> None:
    d = _derived(id)
    assert d.check().ok, d.check().failures()
    for name in d.result:
        if (id, name) not in STILL_TRUE:
            assert refuses(d, name), f"{id}: the check accepts a perturbed {name}"


def test_a_perturbation_that_stays_true() -> None:
    """The moved counterexample point of relu-rescaling, evaluated by hand in NumPy."""
    d = _derived("relu-rescaling")
    assert not refuses(d, "counterexample_x")
    (W1, b1), (W2, b2) = [[np.array(m.tolist(), dtype=float) for m in layer]
                          for layer in d.result["counterexample_weights"]]
    x = np.array(perturb(d.result["counterexample_x"]).tolist(), dtype=float)
    lam = -1.0  # lambda < 0 is symbolic in the default: any negative value
    plain = np.maximum(0, W2 @ np.maximum(0, W1 @ x + b1) + b2)[0, 0]
    scaled = np.maximum(0, W2 / lam @ np.maximum(0, lam * (W1 @ x + b1)) + b2)[0, 0]
    assert (plain, scaled) == tuple(float(v) for v in d.result["counterexample_values"])


def test_unjudged_ids_exist() -> None:
    assert set(catalog("derivation")) >= UNJUDGED


@pytest.mark.parametrize(("value", "expected"), [
    (sp.Integer(0), sp.Rational(1, 97)),
    (sp.Rational(7, 8), sp.Rational(1, 1) + sp.Rational(1, 97)),
    (sp.true, sp.false),
    (sp.false, sp.true),
    (sp.Matrix([[7, 0]]), sp.Matrix([[8 + sp.Rational(1, 97), sp.Rational(1, 97)]])),
    (sp.Tuple(0, 7), sp.Tuple(sp.Rational(1, 97), 8 + sp.Rational(1, 97))),
])
def test_perturbation_rule(value: object, expected: object) -> None:
    assert perturb(value) == expected


def test_sets_and_absent_results() -> None:
    assert perturb(sp.FiniteSet(0, 7)) == sp.FiniteSet(sp.Rational(1, 97), 8 + sp.Rational(1, 97))
    assert perturb(None) == sp.Rational(1, 97)


def test_a_symbol_is_scaled_not_negated() -> None:
    h = sp.Symbol("h", real=True)
    assert perturb(h) == sp.Rational(8, 7) * h + sp.Rational(1, 97)
    assert perturb(sp.Eq(h, 1)).rhs == 1 + sp.Rational(8, 7) - 1 + sp.Rational(1, 97)


def test_an_unchanged_perturbation_is_refused() -> None:
    with pytest.raises(CheckError, match="unchanged"):
        perturb(sp.oo)


def test_with_result_leaves_the_original_alone() -> None:
    d = _derived("gd-convergence-quadratic")
    mutant = with_result(d, "eta_max", sp.Integer(1))
    assert d.result["eta_max"] == sp.Rational(1, 5) and mutant.result["eta_max"] == 1
    assert d.check().ok and not mutant.check().ok
    with pytest.raises(CheckError, match="no result 'eta'"):
        with_result(d, "eta", 1)

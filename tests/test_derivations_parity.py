"""parity-not-linear: d = 1 (computable) to 8 and 12, symbolic d, refusals, and random linear
networks that always miss parity by at least 2^d."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
from symnn.errors import ParameterError


@pytest.mark.parametrize("d", range(2, 9))
def test_impossible_for_d_at_least_two(d: int) -> None:
    derivation = symnn.derive("parity-not-linear", d=d)
    assert derivation.result["computable"] is sp.false
    assert derivation.result["rank_A"] == d + 1
    assert derivation.result["rank_augmented"] == d + 2
    assert derivation.result["residual"] == 2**d
    routes = {step.certificate.route for step in derivation.steps}
    assert {"enumeration", "DomainMatrix rank over QQ", "product factorisation, doit"} <= routes
    assert derivation.check().ok


def test_dimension_one_is_computable() -> None:
    derivation = symnn.derive("parity-not-linear", d=1)
    assert derivation.result["computable"] is sp.true
    assert derivation.result["residual"] == 0
    W, b, v = (derivation.result[k] for k in ("W", "b", "v"))
    for x in (-1, 1):  # Phi(x) = v^T (W x + b) = x = chi(x)
        assert (v.T * (W * sp.Matrix([x]) + b))[0] == x
    assert any("d = 1" in note for note in derivation.notes)
    assert derivation.check().ok


def test_symbolic_d() -> None:
    d = sp.Symbol("d", integer=True, positive=True)
    derivation = symnn.derive("parity-not-linear", d="d")
    assert derivation.result["computable"] is sp.false
    assert derivation.result["residual"] == 2**d
    assert "rank_A" not in derivation.result
    assert any(r"d \ge 2" in a for a in derivation.assumptions)
    assert derivation.check().ok
    assert r"\prod_{i=1}^{d}" in derivation.latex()


def test_symbolic_d_proves_the_factorisation_by_induction() -> None:
    derivation = symnn.derive("parity-not-linear", d="d")
    rules = [step.rule for step in derivation.steps]
    lemma = ["sum over the cube, base case", "sum over the cube, the last coordinate",
             "sum over the cube, induction step"]
    assert all(rule in rules for rule in lemma)
    assert rules.index(lemma[-1]) < rules.index("parity sums to zero")
    assert all(step.certificate.route != "definition" for step in derivation.steps
               if step.rule in lemma)


@pytest.mark.parametrize("wrong", ["base", "split", "product"])
def test_the_induction_steps_refuse_wrong_statements(wrong: str) -> None:
    from symnn.core.certify import Route, certify
    from symnn.derivations import parity
    from symnn.errors import CertificationError

    d = sp.Symbol("d", integer=True, positive=True)
    j, e, k = parity._j, parity._e, sp.Symbol("k", integer=True, positive=True)
    g, P = sp.Function("g"), sp.IndexedBase("P")
    factor = sp.Sum(g(j, (-1) ** e), (e, 0, 1))
    cases = {
        "base": (sp.Sum(g(1, (-1) ** e), (e, 0, 1)), sp.Product(factor, (j, 1, 1)) + sp.Rational(1, 97),
                 "doit-cancel"),
        "split": (sp.Sum(sp.Sum(P[k] * g(d + 1, (-1) ** e), (e, 0, 1)), (k, 1, 2**d)),
                  sp.Sum(P[k], (k, 1, 2**d)) * factor.xreplace({j: d}),  # the wrong coordinate
                  Route("split", parity._pull_out_of_sums)),
        "product": (sp.Product(factor, (j, 1, d)) * sp.Product(factor, (j, d + 1, d + 1)),
                    sp.Product(factor, (j, 1, d + 2)), Route("products", parity._combine_products)),
    }
    before, after, route = cases[wrong]
    with pytest.raises(CertificationError):
        certify(before, after, route)


def test_default_is_the_sheet_smallest_case() -> None:
    derivation = symnn.derive("parity-not-linear")
    assert derivation.parameters["d"] == 3 and derivation.result["computable"] is sp.false


def test_d_twelve_is_derived_and_checked() -> None:
    derivation = symnn.derive("parity-not-linear", d=12)
    assert derivation.check().ok and derivation.result["rank_augmented"] == 14


@pytest.mark.parametrize("bad", [0, -1, 15, 2.5, "x+1", True])
def test_refusals(bad: object) -> None:
    with pytest.raises(ParameterError, match="parameter 'd'"):
        symnn.derive("parity-not-linear", d=bad)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_random_linear_networks_miss_parity(d: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    W, b, v = rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=n)
    cube = np.array(list(itertools.product((-1, 1), repeat=d)), dtype=float)
    chi = cube.prod(axis=1)
    phi = (cube @ W.T + b) @ v
    # orthogonality makes the squared error ||Phi||^2 + 2^d; tolerance 1e-9 for round-off
    assert abs(chi @ phi) < 1e-9
    assert np.sum((phi - chi) ** 2) >= 2.0**d - 1e-9


def test_default_checks() -> None:
    assert symnn.derive("parity-not-linear").check().ok

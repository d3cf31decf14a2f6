"""newton-one-step on matrices whose eigenvalues are roots of irreducible cubics, and at random."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symnn


def _tridiagonal(size: int) -> list[list[int]]:
    return [[2 if i == j else -1 if abs(i - j) == 1 else 0 for j in range(size)] for i in range(size)]


def _contraction(A: np.ndarray) -> float:
    low, high = np.linalg.eigvalsh(A)[[0, -1]]
    return (high - low) / (high + low)


def test_six_by_six_tridiagonal_with_cubic_eigenvalues() -> None:
    A = _tridiagonal(6)  # eigenvalues 2 - 2 cos(k pi / 7): roots of irreducible cubics
    derivation = symnn.derive("newton-one-step", A=A, b=[1] * 6)
    assert derivation.check().ok
    kappa = derivation.result["gd_contraction"]
    assert abs(float(kappa) - _contraction(np.array(A, dtype=float))) < 1e-12  # tolerance 1e-12
    assert derivation.result["minimizer"] == sp.Matrix(A).LUsolve(sp.Matrix([1] * 6))


@st.composite
def _positive_definite(draw: st.DrawFn) -> list[list[int]]:
    size = draw(st.integers(1, 4))
    B = np.array(draw(st.lists(st.integers(-3, 3), min_size=size * size, max_size=size * size)))
    B = B.reshape(size, size)
    return (B.T @ B + np.eye(size, dtype=int)).astype(int).tolist()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_positive_definite())
def test_random_positive_definite_matrices_are_derived_and_checked(A: list[list[int]]) -> None:
    derivation = symnn.derive("newton-one-step", A=A, b=[1] * len(A))
    assert derivation.check().ok
    kappa = float(derivation.result["gd_contraction"])
    assert abs(kappa - _contraction(np.array(A, dtype=float))) < 1e-9  # tolerance 1e-9

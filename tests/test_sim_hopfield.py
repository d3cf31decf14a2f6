"""The Hopfield simulator: energy, the tie rule, runs to a fixed point, refusals."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.errors import ParameterError, ShapeError
from symnn.sim import hopfield

W3 = np.array([[0.0, 1.0, -2.0], [1.0, 0.0, 3.0], [-2.0, 3.0, 0.0]])


def test_energy_and_field() -> None:
    x = np.array([1, -1, 1])
    assert hopfield.energy(W3, x) == -0.5 * float(x @ W3 @ x) == 6.0
    assert hopfield.local_field(W3, x, 0) == -3.0


def test_update_sign_and_tie_rule() -> None:
    x = np.array([1, -1, 1])
    assert hopfield.update(W3, x, 0).tolist() == [-1, -1, 1]  # h_0 = -3 < 0
    tie = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    for start in (np.array([1, 1, -1]), np.array([-1, 1, -1])):  # h_0 = 0: keep x_0
        assert hopfield.update(tie, start, 0).tolist() == start.tolist()
    assert set(hopfield.update(tie, np.array([1, 1, -1]), 0).tolist()) <= {-1, 1}


def test_run_reaches_a_fixed_point_with_non_increasing_energy() -> None:
    final, trace = hopfield.run(W3, np.array([1, -1, 1]))
    assert hopfield.is_fixed_point(W3, final)
    assert all(b <= a for a, b in itertools.pairwise(trace))
    assert trace[-1] == hopfield.energy(W3, final) < trace[0]


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 8), st.integers(0, 2**32 - 1), st.booleans())
def test_random_runs(n: int, seed: int, integer: bool) -> None:
    rng = np.random.default_rng(seed)
    W = hopfield.random_weights(n, rng, integer=integer)
    x0 = rng.choice([-1, 1], size=n)
    final, trace = hopfield.run(W, x0, order=rng.permutation(n))
    # energies are sums of at most n^2 terms of size <= 3: tolerance 1e-12 for round-off
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(trace))
    assert hopfield.is_fixed_point(W, final)
    assert set(final.tolist()) <= {-1, 1}
    flips = sum(1 for a, b in itertools.pairwise(trace) if b < a - 1e-12)
    assert flips <= 2**n - 1


def test_every_flip_lowers_energy_by_twice_the_field() -> None:
    rng = np.random.default_rng(0)
    W = hopfield.random_weights(5, rng)
    for state in itertools.product((-1, 1), repeat=5):
        x = np.array(state)
        for i in range(5):
            new = hopfield.update(W, x, i)
            change = hopfield.energy(W, new) - hopfield.energy(W, x)
            if new[i] != x[i]:
                assert change == pytest.approx(-2 * abs(hopfield.local_field(W, x, i)), abs=1e-12)
            else:
                assert change == 0


def test_random_weights_shape() -> None:
    W = hopfield.random_weights(6, rng=1, integer=True)
    assert W.shape == (6, 6) and np.array_equal(W, W.T) and not np.diag(W).any()
    assert set(np.unique(W)) <= set(range(-3, 4))


@pytest.mark.parametrize(
    ("W", "x", "error", "fragment"),
    [
        (np.zeros((2, 3)), None, ShapeError, "square"),
        (np.array([[0.0, 1.0], [2.0, 0.0]]), None, ParameterError, "not symmetric"),
        (np.eye(2), None, ParameterError, "diagonal"),
        (np.zeros((2, 2)), np.array([1, 1, 1]), ShapeError, "expected (2,)"),
        (np.zeros((2, 2)), np.array([1, 0]), ParameterError, "-1 and 1"),
    ],
)
def test_validate_refusals(W: np.ndarray, x: np.ndarray | None, error: type, fragment: str) -> None:
    with pytest.raises(error) as caught:
        hopfield.validate(W, x)
    assert fragment in str(caught.value)


def test_simulator_imports_no_sympy() -> None:
    import subprocess

    code = "import sys, symnn.sim.hopfield; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

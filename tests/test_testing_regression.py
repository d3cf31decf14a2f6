"""Ground truth for symbolic regression: sampled data sets, the srdata command, symbolic solutions."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.errors import ParameterError
from symnn.testing import is_symbolic_solution, regression_dataset, regression_keys

x, y = sp.symbols("x y", real=True)
TOLERANCE = 1e-12


def test_dataset_matches_an_independent_formula():
    # E[LeakyReLU_alpha(X)] for X ~ N(0, 1) is (1 - alpha) / sqrt(2 pi): E[max(X, 0)] = 1/sqrt(2 pi).
    data = regression_dataset("leaky-relu-gaussian-moments", "mean", n=200, seed=3)
    alpha = data.inputs[:, 0]
    assert data.variables == ("alpha",) and data.target.shape == (200,)
    assert ((alpha >= 0) & (alpha <= 1)).all()  # the declared domain of alpha
    assert np.max(np.abs(data.target - (1 - alpha) / math.sqrt(2 * math.pi))) <= TOLERANCE


def test_sigma_is_written_out_and_sampled_correctly():
    data = regression_dataset("sigmoid-identities", "sigmoid_derivative", n=50)
    assert not data.expression.atoms(sp.Function) - data.expression.atoms(sp.exp)
    s = 1 / (1 + np.exp(-data.inputs[:, 0]))
    assert np.max(np.abs(data.target - s * (1 - s))) <= TOLERANCE


def test_seed_and_noise():
    clean = regression_dataset("sigmoid-identities", "tanh_derivative", n=2000, seed=5)
    again = regression_dataset("sigmoid-identities", "tanh_derivative", n=2000, seed=5)
    noisy = regression_dataset("sigmoid-identities", "tanh_derivative", n=2000, noise=0.1, seed=5)
    assert np.array_equal(clean.target, again.target)
    assert np.array_equal(clean.inputs, noisy.inputs)
    spread = np.std(noisy.target - clean.target) / np.sqrt(np.mean(clean.target**2))
    # SRBench noise: 0.1 of the target's RMS; 2000 draws estimate it within about 2% (relative)
    assert 0.09 <= spread <= 0.11


def test_integer_variables_take_integer_values():
    data = regression_dataset("newton-one-step", "hessian_memory", n=30)
    p = data.inputs[:, 0]
    assert (p == np.round(p)).all() and (p >= 1).all()
    assert np.array_equal(data.target, p**2)


@pytest.mark.parametrize(("key", "said"), [("jacobian", "mean, variance, second_moment"), ("nope", "mean")])
def test_unknown_or_matrix_keys_are_refused(key, said):
    with pytest.raises(ParameterError, match=said):
        regression_dataset("leaky-relu-gaussian-moments", key)


def test_keys_are_scalar_results_with_variables():
    assert regression_keys("softmax-jacobian", n=2) == []
    assert "mean" in regression_keys("leaky-relu-gaussian-moments")


def test_srdata_writes_a_tsv_with_a_target_column(tmp_path):
    out = tmp_path / "mean.tsv"
    run = subprocess.run([sys.executable, "-m", "symnn", "srdata", "leaky-relu-gaussian-moments",
                          "--key", "mean", "-o", str(out), "--n", "10", "--seed", "2"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "alpha\ttarget" and len(lines) == 11
    alpha, target = map(float, lines[1].split("\t"))
    assert abs(target - (1 - alpha) / math.sqrt(2 * math.pi)) <= TOLERANCE
    bad = subprocess.run([sys.executable, "-m", "symnn", "srdata", "leaky-relu-gaussian-moments",
                          "--key", "mean", "-o", str(out), "--n", "0"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "parameter 'n'" in bad.stderr


@pytest.mark.parametrize(("candidate", "truth", "relation", "constant"), [
    (x**2 - 1, (x - 1) * (x + 1), "equal", 0),
    (x * y + 2, x * y, "offset", -2),
    (3 * sp.exp(x) / (1 + sp.exp(x)), 1 / (1 + sp.exp(-x)), "factor", sp.Rational(1, 3)),
    (sp.Symbol("x") ** 2 / 2, x**2, "factor", 2),  # matched by name
])
def test_symbolic_solutions_are_proved(candidate, truth, relation, constant):
    found = is_symbolic_solution(candidate, truth)
    assert (found.status, found.relation, found.constant) == ("proved", relation, constant)


def test_vanishing_at_sample_points_is_refuted_with_counterexamples():
    found = is_symbolic_solution(x**2 + sp.sin(sp.pi * x) ** 2 / 10**6, x**2)
    assert found.status == "refuted"
    for relation in ("equal", "offset", "factor"):
        assert f"{relation}: at x=" in found.reason


def test_offset_can_be_switched_off():
    assert is_symbolic_solution(x**2 + 3, x**2).relation == "offset"
    assert is_symbolic_solution(x**2 + 3, x**2, offset=False).status == "refuted"


def test_undecided_is_said():
    positive = sp.Symbol("x", positive=True)
    found = is_symbolic_solution(sp.atan(1 / positive), sp.pi / 2 - sp.atan(positive) + 1)
    assert found.status == "undecided" and "neither proved nor refuted" in found.reason


@settings(max_examples=10, deadline=None)
@given(st.integers(-4, 4).filter(bool), st.integers(-4, 4))
def test_scaled_and_shifted_truths(b, a):
    truth = sp.exp(x) + x**3
    assert is_symbolic_solution(truth + a, truth).status == "proved"
    assert is_symbolic_solution(b * truth, truth).status == "proved"
    assert is_symbolic_solution(truth + a * x, truth).status == ("proved" if a == 0 else "refuted")


def test_integer_symbols_start_inside_an_open_domain():
    n = sp.Symbol("n", integer=True, positive=True)  # (0, oo): the first integer is 1, not 0
    found = is_symbolic_solution(n * (n + 1), n**2 + n + 5)
    assert (found.status, found.relation, found.constant) == ("proved", "offset", 5)
    assert "n=0" not in found.reason

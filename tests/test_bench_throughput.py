"""The throughput benchmark: its FLOP count, its matrix-product list and a quick run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symnn.sim import mlp

BENCH = Path(__file__).resolve().parent.parent / "bench" / "train_throughput.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("train_throughput", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flops_of_a_dense_network_follow_the_layer_sizes(bench):
    net = mlp([784, 30, 10], "sigmoid", output="sigmoid", rng=0)
    forward = 784 * 30 + 30 * 10
    # forward and weight gradient of both layers, input gradient of the second only
    assert bench.train_flops(net) == 2 * (2 * forward + 30 * 10)


def test_step_products_have_the_shapes_of_a_real_training_step(bench):
    """Every product the benchmark times is one the network's own step performs."""
    net = bench.build_sim("CNN conv32-pool-conv64-pool-128-10")[0]
    batch = 4
    x = np.random.default_rng(0).random((batch, 1, 28, 28), dtype=np.float32)
    out = net.forward(x, train=True)
    assert out.shape == (batch, 10)
    shapes = {(a.shape, b.shape) for a, b in bench.step_products(net, batch)}
    conv2 = net.layers[3]
    assert (conv2.cols.shape, conv2.w_mat.T.shape) in shapes  # forward im2col product
    dense = net.layers[7]
    assert ((batch, 1600), dense.params["W"].shape) in shapes


def test_flops_of_the_network2_model_match_a_counted_step(bench):
    net = mlp([784, 100, 10], "sigmoid", output="sigmoid", rng=0)
    counted = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in bench.step_products(net, 10))
    assert bench.train_flops(net) * 10 == counted


@pytest.mark.slow
def test_quick_benchmark_prints_both_tables():
    run = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--threads", "1"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = run.stdout
    for name in ("784-30-10 sigmoid", "784-256-128-64-10 ReLU b128", "CNN conv32-pool-conv64-pool-128-10"):
        assert text.count(name) == 2, name  # a throughput row and a ceiling row
    assert "Matrix-product ceiling" in text and "peak memory" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("784-30-10 sigmoid")]
    ceiling, sim = (float(cell.replace(",", "")) for cell in rows[1][2:4])
    assert ceiling > 0 and sim > 0

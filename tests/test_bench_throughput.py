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
    out = net.step_forward(x)  # the training loop's step: conv2 cropped to the 10 x 10 pool2 reads
    assert out.shape == (batch, 10)
    shapes = {(a.shape, b.shape) for a, b in bench.step_products(net, batch)}
    conv2 = net.layers[3]
    assert conv2.cols.shape == (batch * 10 * 10, 288)
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
    table_rows = lambda name: [line for line in text.splitlines() if line.startswith(name + "   ")]  # noqa: E731
    for name in ("784-30-10 sigmoid", "784-256-128-64-10 ReLU b128", "CNN conv32-pool-conv64-pool-128-10"):
        assert len(table_rows(name)) == 2, name  # a throughput row and a ceiling row
    assert "Ceiling: samples/s" in text and "peak memory" in text and "Targets" in text
    assert "ISA flags" in text and "network2/s" in text
    rows = [line.split() for line in table_rows("784-30-10 sigmoid")]
    ceiling, gathering, sim = (float(cell.replace(",", "")) for cell in rows[1][2:5])
    assert ceiling > 0 and gathering > 0 and sim > 0


@pytest.mark.parametrize(
    "name", ["784-30-10 sigmoid", "784-100-10 sigmoid + L2", "784-256-128-64-10 ReLU b64"]
)
def test_network2_loop_takes_the_simulators_step(bench, name: str) -> None:
    """The third column must do the same work: one minibatch of the per-example loop moves
    the weights as one step of the simulator does (float32: within 1e-5 relative)."""
    from symnn.sim import SGD, Dense

    net, loss, lmbda = bench.build_sim(name)
    rng = np.random.default_rng(1)
    x, y = rng.random((10, 784), dtype=np.float32), rng.integers(0, 10, 10)
    n = 1000  # training-set size of the decay term
    loop = bench.Network2Loop(net, 0.5, lmbda, n)
    cost, _ = loop.update_mini_batch([(row[:, None], np.eye(10, dtype=np.float32)[k][:, None])
                                      for row, k in zip(x, y, strict=True)])  # fmt: skip
    value, _ = net.loss_and_grads(x, y, loss)
    SGD(0.5, lmbda=lmbda).step(net, n)
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    for layer, w, b in zip(dense, loop.weights, loop.biases, strict=True):
        assert np.allclose(layer.params["W"], w.T, rtol=1e-5, atol=1e-6)
        assert np.allclose(layer.params["b"], b[:, 0], rtol=1e-5, atol=1e-6)
    assert np.isclose(cost / 10, value, rtol=1e-5)  # summed per example; the loss is a mean


def test_machine_facts_name_the_isa_and_the_openblas_variables(bench, monkeypatch) -> None:
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    facts = "\n".join(bench.machine_facts())
    assert "AVX-512: " in facts and "ISA flags: " in facts
    assert "OPENBLAS_CORETYPE: set to 'Haswell'" in facts and "OPENBLAS_L2_SIZE: not set" in facts
    assert "kernel" in bench.blas_kernel() or "threadpoolctl" in bench.blas_kernel()


def test_targets_table_puts_thread_counts_side_by_side(bench) -> None:
    def result(threads: int, speed: float) -> dict:
        models = {}
        for name in bench.MODELS:
            row = {"sim": {"train": speed, "flops": 1e6, "ceiling": 2 * speed}, "torch": {"train": 100.0}}
            if not name.startswith("CNN"):
                row["network2"] = {"train": 10.0}
            models[name] = row
        return {"threads": threads, "gemm": 1e9, "models": models}

    lines = bench.targets_table([result(2, 600.0), result(1, 120.0)])
    assert "2 threads" in lines[1] and "1 thread" in lines[1]
    row = next(line for line in lines if line.startswith("784-30-10 sigmoid b10: >= 5x PyTorch"))
    assert row.split()[-4:] == ["6.00x", "yes", "1.20x", "NO"]
    gemm = next(line for line in lines if line.startswith("784-30-10 sigmoid: >= 60%"))
    # 600 samples/s x 1 MFLOP of 1 GFLOP/s; at 1 thread the products alone reach 24% (240/s)
    assert gemm.split()[-5:] == ["60%", "yes", "12%", "NO", "(<=24%)"]


def test_the_targets_table_counts_the_repeats_that_met_the_target(bench) -> None:
    """A ratio of best times can meet a target that most single repeats miss on a noisy
    machine: the table says in how many repeats the paired epochs met it, and the report
    lists every repeat's ratio."""
    name = "784-100-10 sigmoid + L2"
    row = {"sim": {"train": 510.0, "infer": 1.0, "flops": 1e6, "ceiling": 2e3, "paired": [5.1, 4.6, 4.9]},
           "torch": {"train": 100.0, "infer": 1.0}}  # fmt: skip
    result = {"threads": 1, "gemm": 1e9, "blas": "openblas", "clock": "CPU", "models": {name: row}}
    models = {other: {"sim": {"train": 1.0, "flops": 1.0, "ceiling": 1.0}} for other in bench.MODELS}
    lines = bench.targets_table([{**result, "models": {**models, name: row}}])
    cell = next(line for line in lines if line.startswith(f"{name} b10: >= 5x PyTorch"))
    assert cell.split()[-3:] == ["5.10x", "yes", "1/3"]
    assert any(line.split() == [*name.split(), "5.10x", "4.60x", "4.90x"] for line in bench.report(result))
    row["sim"]["paired"] = [5.1]  # a single repeat: nothing to count
    lines = bench.targets_table([{**result, "models": {**models, name: row}}])
    cell = next(line for line in lines if line.startswith(f"{name} b10: >= 5x"))
    assert cell.split()[-2:] == ["5.10x", "yes"]


def test_the_verdict_holds_the_target_against_the_ceiling_with_the_gather(bench) -> None:
    """A target below the products-only ceiling but above products + gather is out of reach."""
    name = "784-100-10 sigmoid + L2"
    row = {"sim": {"train": 100.0, "flops": 1e6, "ceiling": 1000.0, "gather_ceiling": 400.0},
           "torch": {"train": 90.0}}  # the target needs 5 x 90 = 450 samples/s
    line = next(line for line in bench.ceiling_report({"models": {name: row}}) if line.startswith(name))
    assert line.endswith("out of reach: above the ceiling") and "1,000" in line and "400" in line
    row["sim"]["gather_ceiling"] = 900.0
    line = next(line for line in bench.ceiling_report({"models": {name: row}}) if line.startswith(name))
    assert line.endswith("leaves 50% of the step for everything but the products and the gather")


def test_one_thread_is_timed_on_the_cpu_clock_and_the_report_says_so(bench) -> None:
    """One thread: CPU seconds (waiting for a core under load does not count); more threads:
    wall seconds, since CPU time would add the threads' seconds up."""
    assert bench.clock_for(1) == "CPU" and bench.clock_for(2) == "wall"
    result = {"threads": 1, "gemm": 1e9, "blas": "openblas", "clock": "CPU", "load": 7.25,
              "models": {}}  # fmt: skip
    assert "timed on the CPU clock (load average 7.2 at the start)" in bench.report(result)[0]


def test_the_report_shows_a_split_run_beside_the_unsplit_one(bench) -> None:
    """At two threads the CNN's minibatches are shared by two threads; the report gives the
    same loop with unsplit minibatches beside it, and says when nothing was split."""
    name = "CNN conv32-pool-conv64-pool-128-10"
    row = {"sim": {"train": 4800.0, "infer": 1.0, "flops": 1e6, "split": 2, "ceiling": 9e3},
           "sim unsplit": {"train": 3200.0, "infer": 1.0}}  # fmt: skip
    result = {"threads": 2, "gemm": 1e12, "blas": "openblas", "clock": "wall", "models": {name: row}}
    line = next(line for line in bench.report(result) if "shared by" in line)
    assert "4,800/s" in line and "3,200/s" in line and "1.50x" in line
    row["sim"]["split"] = 1
    assert any(line.startswith("no minibatch shared by threads") for line in bench.report(result))


def test_the_benchmark_cnn_is_split_at_two_blas_threads_only(bench) -> None:
    from symnn.sim.blas_threads import blas_threads
    from symnn.sim.split_batch import available_cpus

    x, y = np.zeros((4, 1, 28, 28), np.float32), np.zeros(4, np.int64)
    with blas_threads(2) as found:
        if not found:
            pytest.skip("no OpenBLAS loaded: the default split follows its thread count")
        cnn = bench.sim_runners("CNN conv32-pool-conv64-pool-128-10", x, y)["split"]
        dense = bench.sim_runners("784-30-10 sigmoid", x.reshape(4, 784), y)["split"]
    assert cnn == min(2, available_cpus()) and dense == 1
    with blas_threads(1):
        assert bench.sim_runners("CNN conv32-pool-conv64-pool-128-10", x, y)["split"] == 1

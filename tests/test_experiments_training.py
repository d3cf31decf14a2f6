"""The training experiments in quick mode, on small subsets of the real datasets.

Each experiment runs once per session (module fixture) and again for the determinism
check. The accuracy floors are far below what the quick runs reach but far above
chance (10%), so a broken layer, loss or optimiser fails them. The tests skip, saying
why, when ``SYMNN_DATA`` is not set or lacks the files; they never download.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from real_data import require_data
from waiting import wait_for

from symnn.cli import main
from symnn.experiments import results, run, without_timing

pytestmark = [pytest.mark.slow, pytest.mark.data]

DATASET = {
    "mnist-early-stopping": "mnist",
    "fashion-cnn": "fashion-mnist",
    "fashion-mlp": "fashion-mnist",
    "fashion-ffnn-sgd": "fashion-mnist",
}
FLOOR = {  # quick-mode test accuracy that a working model clears easily
    "mnist-early-stopping": 0.85,
    "fashion-cnn": 0.70,
    "fashion-mlp": 0.80,
    "fashion-ffnn-sgd": 0.70,
}
PLOTS = {
    "mnist-early-stopping": ["validation_accuracy.png"],
    "fashion-cnn": ["class_balance.png", "samples.png", "pixel_statistics.png", "accuracy_curves.png"],
    "fashion-mlp": ["loss_curves.png", "test_probabilities.png"],
    "fashion-ffnn-sgd": ["accuracy_curves.png"],
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def no_downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMNN_CACHE", str(tmp_path / "cache"))

    def refuse(url: str, timeout: float) -> Any:
        raise OSError("downloads are disabled in the tests")

    monkeypatch.setattr("symnn.data.download.urllib_fetch", refuse)


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Each experiment whose data is present, run once in quick mode with seed 0."""
    runs = {}
    for id, dataset in DATASET.items():
        try:
            require_data(dataset)
        except pytest.skip.Exception:
            continue
        out = tmp_path_factory.mktemp(id)
        runs[id] = (out, run(id, quick=True, seed=0, out=out, progress=False))
    return runs


def _get(quick_runs: dict[str, Any], id: str) -> tuple[Path, dict[str, Any]]:
    require_data(DATASET[id])
    return quick_runs[id]


@pytest.mark.parametrize("id", list(DATASET))
def test_quick_run_clears_its_accuracy_floor(quick_runs: dict[str, Any], id: str) -> None:
    _, metrics = _get(quick_runs, id)
    assert metrics["test_accuracy"] >= FLOOR[id], metrics["test_accuracy"]
    assert metrics["epochs_run"] == len(metrics["history"]["train_loss"]) >= 1
    assert metrics["config"]["quick"] is True and metrics["seed"] == 0
    assert np.all(np.isfinite(metrics["history"]["train_loss"]))


@pytest.mark.parametrize("id", list(DATASET))
def test_quick_run_writes_metrics_weights_and_plots(quick_runs: dict[str, Any], id: str) -> None:
    out, metrics = _get(quick_runs, id)
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk == metrics
    timing = metrics["timing"]
    assert timing["cpu_time_s"] > 0 and timing["blas_threads"] and set(timing["blas_threads"]) == {1}
    assert timing["wall_time_s"] > 0
    with np.load(out / "weights.npz") as weights:
        assert weights.files and all(np.all(np.isfinite(weights[k])) for k in weights.files)
    for name in PLOTS[id]:
        data = (out / name).read_bytes()
        assert data[:8] == PNG_SIGNATURE and 5_000 < len(data) < 400_000, (name, len(data))
    assert sorted(metrics["files"]) == sorted([*PLOTS[id], "weights.npz", "metrics.json"])


@pytest.mark.parametrize("id", list(DATASET))
def test_same_seed_gives_the_same_numbers(
    quick_runs: dict[str, Any], id: str, tmp_path: Path
) -> None:
    _, first = _get(quick_runs, id)
    second = run(id, quick=True, seed=0, out=tmp_path / "again", progress=False)
    assert without_timing(second) == without_timing(first)


def test_another_seed_gives_other_numbers(quick_runs: dict[str, Any], tmp_path: Path) -> None:
    _, first = _get(quick_runs, "fashion-ffnn-sgd")
    other = run("fashion-ffnn-sgd", quick=True, seed=1, out=tmp_path, progress=False)
    assert other["history"]["train_loss"] != first["history"]["train_loss"]


def test_mnist_answer_follows_from_the_numbers(quick_runs: dict[str, Any]) -> None:
    _, metrics = _get(quick_runs, "mnist-early-stopping")
    runs, answer = metrics["runs"], metrics["answer"]
    assert set(runs) == {"fixed", "early_stopping", "schedule"}
    fixed = runs["fixed"]["test_accuracy"]
    assert answer["schedule_improved"] == (runs["schedule"]["test_accuracy"] > fixed)
    assert answer["early_stopping_improved"] == (runs["early_stopping"]["test_accuracy"] > fixed)
    assert f"{100 * fixed:.2f}%" in answer["text"]
    assert runs["fixed"]["epochs_run"] == metrics["config"]["epochs"]
    assert all(r["epochs_run"] <= metrics["config"]["epochs"] for r in runs.values())


def test_fashion_cnn_exploration_numbers(quick_runs: dict[str, Any]) -> None:
    _, metrics = _get(quick_runs, "fashion-cnn")
    e = metrics["exploration"]
    assert sum(e["class_counts_train"].values()) == e["train_images"] == 3000
    assert 0.2 < e["pixel_mean"] < 0.4 and 0.3 < e["pixel_std"] < 0.4
    assert e["pixel_min"] == 0.0 and e["pixel_max"] == 1.0


def test_fashion_cnn_reports_both_predictions_and_the_chosen_one(quick_runs: dict[str, Any]) -> None:
    _, metrics = _get(quick_runs, "fashion-cnn")
    assert set(metrics["validation"]) == set(metrics["test"]) == {"one_view", "flip_averaged"}
    chosen = metrics["test"][metrics["prediction"]]
    assert (metrics["test_accuracy"], metrics["test_loss"]) == (chosen["accuracy"], chosen["loss"])
    n_val, n_test = metrics["data"]["validation"], metrics["data"]["test"]
    for view in ("one_view", "flip_averaged"):  # accuracies are counts of images over the set's size
        assert round(metrics["validation"][view]["accuracy"] * n_val, 6).is_integer()
        assert round(metrics["test"][view]["accuracy"] * n_test, 6).is_integer()
    # the kept epoch's validation accuracy, one view, is the one the history recorded for it
    kept = metrics["history"]["val_accuracy"][metrics["best_epoch"]]
    assert metrics["validation"]["one_view"]["accuracy"] == pytest.approx(kept, abs=1e-12)


def test_fashion_mlp_reports_test_losses_and_three_predictions(quick_runs: dict[str, Any]) -> None:
    _, metrics = _get(quick_runs, "fashion-mlp")
    assert len(metrics["history"]["test_loss"]) == metrics["epochs_run"]
    probabilities = np.array(metrics["samples"]["probabilities"])
    assert probabilities.shape == (3, 10) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_cli_train_writes_the_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_data("fashion-mnist")
    out = tmp_path / "run"
    status = main(["train", "fashion-ffnn-sgd", "--quick", "--epochs", "1", "--seed", "3",
                   "--out", str(out), "--no-progress"])  # fmt: skip
    assert status == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_run"] == 1 and metrics["seed"] == 3
    assert (out / "weights.npz").stat().st_size > 100_000
    assert (out / "accuracy_curves.png").read_bytes()[:8] == PNG_SIGNATURE
    printed = capsys.readouterr().out
    assert "test accuracy" in printed
    timing = metrics["timing"]  # the summary names both clocks and the BLAS threads
    assert f"{timing['wall_time_s']:.1f} s wall, {timing['cpu_time_s']:.1f} s CPU on " in printed
    assert "BLAS thread" in printed


def test_results_document_renders_every_quick_run(quick_runs: dict[str, Any]) -> None:
    """The results page is built from the runs' own numbers, the MNIST setup included."""
    require_data("mnist")
    metrics = {id: quick_runs[id][1] if id in quick_runs else None for id in results.TARGETS}
    page = results.render(metrics)
    mnist = metrics["mnist-early-stopping"]
    assert mnist["config"]["augmentation"]["max_shift_pixels"] == 1
    assert "random shifts of up to 1 pixel(s), redrawn every epoch" in page
    for how in ("fixed", "early stopping", "schedule"):
        accuracy = mnist["runs"][how.replace(" ", "_")]["test_accuracy"]
        assert f"| {how} | {100 * accuracy:.2f}% |" in page
    verdict = "yes" if mnist["test_accuracy"] >= 0.98 else "**no**"
    assert f"| >= 98.0% test with the schedule | {verdict} |" in page


def test_a_real_run_killed_after_its_first_checkpoint_resumes_to_the_same_numbers(
    tmp_path: Path,
) -> None:
    """No instrumentation: the child is killed as soon as its first checkpoint appears."""
    require_data("fashion-mnist")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SYMNN_CACHE": str(tmp_path / "c")}

    def command(out: Path) -> list[str]:
        return [sys.executable, "-m", "symnn", "train", "fashion-ffnn-sgd", "--quick", "--epochs", "5",
                "--out", str(out), "--no-progress"]  # fmt: skip

    whole = subprocess.run(command(tmp_path / "whole"), env=env, capture_output=True, text=True)
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "killed"
    child = subprocess.Popen(command(out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: (out / "checkpoints" / "train.npz").exists() or child.poll() is not None,
                 "the first checkpoint")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL and not (out / "metrics.json").exists()
    resumed = subprocess.run(command(out), env=env, capture_output=True, text=True)
    assert resumed.returncode == 0 and "resuming the unfinished run" in resumed.stderr
    first, second = (json.loads((p / "metrics.json").read_text()) for p in (tmp_path / "whole", out))
    assert without_timing(second) == without_timing(first)

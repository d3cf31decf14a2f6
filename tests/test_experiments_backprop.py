"""manual-backprop (homework-1 Q4) in full, and the results document built from runs.

Neither needs the datasets: the gradient checks run on small random float64 arrays.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symnn.cli import main
from symnn.experiments import results as results_module
from symnn.experiments import run, without_timing

OPERATIONS = [
    "matmul", "bias", "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "quadratic",
    "cross_entropy", "softmax_cross_entropy", "conv2d", "maxpool2d", "batchnorm",
    "dropout", "flatten", "weight_decay", "network",
]  # fmt: skip


@pytest.fixture(scope="module")
def backprop_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("manual-backprop")
    return out, run("manual-backprop", out=out, progress=False)


def test_every_backward_pass_matches_central_differences(backprop_run: tuple[Path, dict]) -> None:
    _, metrics = backprop_run
    errors = metrics["errors"]
    assert set(OPERATIONS) <= set(errors)
    failing = {name: error for name, error in errors.items() if not error <= 1e-6}
    assert not failing
    assert metrics["all_pass"] is True and metrics["max_error"] == max(errors.values())
    assert metrics["worst_operation"] in errors


def test_manual_backprop_writes_its_table_and_log_plot(backprop_run: tuple[Path, dict]) -> None:
    out, metrics = backprop_run
    assert json.loads((out / "metrics.json").read_text())["errors"] == metrics["errors"]
    png = (out / "relative_errors.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and 5_000 < len(png) < 400_000
    assert metrics["test_accuracy"] is None and metrics["epochs_run"] == 0


def test_manual_backprop_is_deterministic(backprop_run: tuple[Path, dict], tmp_path: Path) -> None:
    _, first = backprop_run
    assert without_timing(run("manual-backprop", out=tmp_path, progress=False)) == without_timing(first)


def test_cli_runs_manual_backprop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "manual-backprop", "--out", str(tmp_path), "--no-progress"]) == 0
    assert "relative_errors.png" in capsys.readouterr().out
    assert (tmp_path / "metrics.json").is_file()


def test_results_document_from_runs(backprop_run: tuple[Path, dict], tmp_path: Path) -> None:
    out, metrics = backprop_run
    runs = tmp_path / "runs"
    (runs / "manual-backprop").mkdir(parents=True)
    for name in ("metrics.json", "relative_errors.png"):
        (runs / "manual-backprop" / name).write_bytes((out / name).read_bytes())
    doc, figures = tmp_path / "docs" / "results.md", tmp_path / "docs" / "figures"
    assert results_module.main(["--runs", str(runs), "--doc", str(doc), "--figures", str(figures)]) == 0
    text = doc.read_text()
    assert "(figures/manual-backprop-relative_errors.png)" in text
    assert (figures / "manual-backprop-relative_errors.png").is_file()
    assert f"{metrics['errors']['conv2d']:.2e}" in text
    target = results_module.TARGETS["fashion-cnn"].text
    assert f"| `fashion-cnn` | - | - | - | - | {target} | not run |" in text


def test_results_without_any_run_fails(tmp_path: Path) -> None:
    doc = tmp_path / "results.md"
    assert results_module.main(["--runs", str(tmp_path / "none"), "--doc", str(doc),
                                "--figures", str(tmp_path / "f")]) == 1  # fmt: skip

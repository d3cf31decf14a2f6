"""The results document's time verdict: CPU time on one thread, not wall time.

The run records are small hand-made dictionaries with only the keys the document reads;
no training is run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from symnn.experiments import results

CLASSES = ["T-shirt/top", "Trouser"]


def fashion_cnn_record(accuracy: float, timing: dict[str, Any]) -> dict[str, Any]:
    """A fake fashion-cnn ``metrics.json`` (two classes, two epochs)."""
    return {
        "experiment": "fashion-cnn", "title": "Fashion-MNIST CNN", "sheets": [["nn-assignment-2", "P5"]],
        "seed": 0, "config": {"epochs": 2, "model": "Sequential([])"},
        "test_accuracy": accuracy, "epochs_run": 2, "best_epoch": 1,
        "history": {"val_accuracy": [0.9, 0.93]},
        "exploration": {
            "train_images": 12, "image_shape": [28, 28], "balanced": True, "pixel_mean": 0.3,
            "pixel_std": 0.35, "pixel_min": 0.0, "pixel_max": 1.0, "zero_pixel_fraction": 0.5,
            "class_counts_train": dict.fromkeys(CLASSES, 6), "class_counts_test": dict.fromkeys(CLASSES, 2),
            "class_mean_brightness": dict.fromkeys(CLASSES, 0.25),
        },
        "files": ["metrics.json"], "timing": timing,
    }  # fmt: skip


def met(accuracy: float, **timing: Any) -> bool:
    return results.TARGETS["fashion-cnn"].met(fashion_cnn_record(accuracy, timing))


@pytest.mark.parametrize(
    ("accuracy", "timing", "expected"),
    [
        # long wall time (a busy machine) but little CPU time: met
        (0.9301, {"wall_time_s": 5000.0, "cpu_time_s": 899.0, "blas_threads": [1]}, True),
        (0.93, {"wall_time_s": 100.0, "cpu_time_s": 900.0, "blas_threads": [1, 1]}, True),  # bounds included
        # short wall time but more CPU time than 15 min: not met
        (0.95, {"wall_time_s": 600.0, "cpu_time_s": 901.0, "blas_threads": [1]}, False),
        (0.9299, {"wall_time_s": 60.0, "cpu_time_s": 60.0, "blas_threads": [1]}, False),  # accuracy short
        # CPU time of more than one thread, or of unknown threads, is not one thread's
        (0.95, {"wall_time_s": 60.0, "cpu_time_s": 60.0, "blas_threads": [2]}, False),
        (0.95, {"wall_time_s": 60.0, "cpu_time_s": 60.0}, False),
        (0.95, {"wall_time_s": 60.0}, False),  # an older record without CPU time
    ],
)
def test_fashion_cnn_time_is_judged_on_one_threads_cpu_time(accuracy, timing, expected) -> None:
    assert met(accuracy, **timing) is expected


def test_summary_shows_wall_and_cpu_time_and_the_verdict() -> None:
    record = fashion_cnn_record(0.9312, {"wall_time_s": 3000.0, "cpu_time_s": 720.0, "blas_threads": [1]})
    text = results.render({"fashion-cnn": record})
    assert "| experiment | test accuracy | epochs | wall time | CPU time | target | met |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `fashion-cnn`"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:5] == ["93.12%", "2", "3000 s (50.0 min)", "720 s (12.0 min)"]
    assert cells[-1] == "yes" and "Targets not reached" not in text


def test_a_missed_target_names_both_times() -> None:
    record = fashion_cnn_record(0.9312, {"wall_time_s": 700.0, "cpu_time_s": 1200.0, "blas_threads": [1]})
    text = results.render({"fashion-cnn": record})
    assert "| **no** |" in text
    assert ("measured 93.12% test accuracy in 700 s (11.7 min) of wall time and 1200 s (20.0 min) "
            "of CPU time.") in text  # fmt: skip


def test_two_threads_are_named_next_to_the_cpu_time() -> None:
    record = fashion_cnn_record(0.95, {"wall_time_s": 30.0, "cpu_time_s": 50.0, "blas_threads": [2]})
    text = results.render({"fashion-cnn": record})
    assert "| 50.0 s, 2 BLAS threads |" in text and "| **no** |" in text


def test_main_writes_the_document_from_a_fake_run(tmp_path: Path) -> None:
    runs = tmp_path / "runs" / "fashion-cnn"
    runs.mkdir(parents=True)
    timing = {"wall_time_s": 1000.0, "cpu_time_s": 500.0, "blas_threads": [1]}
    (runs / "metrics.json").write_text(json.dumps(fashion_cnn_record(0.94, timing)))
    doc = tmp_path / "results.md"
    assert results.main(["--runs", str(tmp_path / "runs"), "--doc", str(doc),
                         "--figures", str(tmp_path / "figures")]) == 0  # fmt: skip
    text = doc.read_text(encoding="utf-8")
    assert "| 1000 s (16.7 min) | 500 s (8.3 min) |" in text
    assert "| `manual-backprop` | - | - | - | - |" in text  # the others are listed as not run

"""``docs/results.md`` from the experiments' ``metrics.json`` files, never typed in.

::

    python -m symnn.experiments.results [--runs out] [--doc docs/results.md]
                                        [--figures docs/figures]

reads ``RUNS/ID/metrics.json`` of every experiment, copies its PNG plots to
``FIGURES/ID-NAME.png`` and writes the document: one summary table (test accuracy,
epochs, wall time, CPU time, the target and whether it is met) and a section per
experiment. A missing run is listed as missing rather than skipped silently.

A time target is judged on the CPU time of one thread (``timing.cpu_time_s``, the process
CPU time of a run whose OpenBLAS libraries all reported one thread), not on the wall
time, which grows with whatever else the machine runs; a run without those two records
does not meet it.

>>> TARGETS["fashion-mlp"].met({"test_accuracy": 0.9, "timing": {"wall_time_s": 60.0}})
True
>>> timing = {"wall_time_s": 4000.0, "cpu_time_s": 800.0, "blas_threads": [1]}
>>> TARGETS["fashion-cnn"].met({"test_accuracy": 0.931, "timing": timing})
True
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symnn.io import write_text_atomic

__all__ = ["TARGETS", "Target", "main", "render"]


@dataclass(frozen=True)
class Target:
    """What a full run should reach, in words and as a test on its metrics."""

    text: str
    met: Callable[[dict[str, Any]], bool]


def _accuracy_at_least(threshold: float) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m.get("test_accuracy") is not None and m["test_accuracy"] >= threshold


def one_thread_cpu_time(m: dict[str, Any]) -> float | None:
    """The run's CPU time in seconds if it ran on one BLAS thread, else ``None``.

    >>> one_thread_cpu_time({"timing": {"cpu_time_s": 5.0, "blas_threads": [1]}})
    5.0
    >>> one_thread_cpu_time({"timing": {"cpu_time_s": 5.0, "blas_threads": [2]}}) is None
    True
    """
    timing = m.get("timing", {})
    threads = timing.get("blas_threads")
    if timing.get("cpu_time_s") is None or not threads or set(threads) != {1}:
        return None
    return float(timing["cpu_time_s"])


def _within_cpu_time(seconds: float) -> Callable[[dict[str, Any]], bool]:
    return lambda m: (cpu := one_thread_cpu_time(m)) is not None and cpu <= seconds


TARGETS: dict[str, Target] = {
    "mnist-early-stopping": Target(">= 98.0% test with the schedule", _accuracy_at_least(0.98)),
    "fashion-cnn": Target(
        ">= 93.0% test in <= 15 min of CPU time on one thread",
        lambda m: _accuracy_at_least(0.93)(m) and _within_cpu_time(900)(m),
    ),
    "fashion-mlp": Target(">= 89% test", _accuracy_at_least(0.89)),
    "fashion-ffnn-sgd": Target(">= 87% test", _accuracy_at_least(0.87)),
    "manual-backprop": Target("every max relative error <= 1e-6", lambda m: bool(m["all_pass"])),
}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} s ({value / 60:.1f} min)" if value >= 60 else f"{value:.1f} s"


def _cpu(m: dict[str, Any]) -> str:
    """The CPU time, with the BLAS thread counts when they are not all one.

    >>> _cpu({"timing": {"cpu_time_s": 90.0, "blas_threads": [2]}})
    '90 s (1.5 min), 2 BLAS threads'
    >>> _cpu({"timing": {"wall_time_s": 9.0}})
    'not recorded'
    """
    timing = m["timing"]
    if timing.get("cpu_time_s") is None:
        return "not recorded"
    threads = timing.get("blas_threads") or []
    if threads and set(threads) == {1}:
        return _seconds(timing["cpu_time_s"])
    counts = "/".join(map(str, threads)) if threads else "unknown"
    return f"{_seconds(timing['cpu_time_s'])}, {counts} BLAS threads"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _command(m: dict[str, Any]) -> str:
    config = m["config"]
    parts = ["symnn train", m["experiment"], f"--seed {m['seed']}"]
    if config.get("epochs") is not None:
        parts.append(f"--epochs {config['epochs']}")
    if config.get("quick"):
        parts.append("--quick")
    return " ".join(parts)


def _figures(m: dict[str, Any], prefix: str) -> list[str]:
    pngs = [name for name in m["files"] if name.endswith(".png")]
    return [f"![{m['experiment']}: {name[:-4]}]({prefix}/{m['experiment']}-{name})" for name in pngs] + [""]


def _mnist(m: dict[str, Any]) -> list[str]:
    rows = [
        [how.replace("_", " "), _pct(r["test_accuracy"]), r["epochs_run"],
         "-" if r["best_epoch"] is None else r["best_epoch"] + 1, r["stop_reason"], f"{r['final_eta']:g}",
         _seconds(m["timing"]["runs"][how]["wall_time_s"])]
        for how, r in m["runs"].items()
    ]  # fmt: skip
    header = ["run", "test accuracy", "epochs", "best epoch", "stopped by", "final eta", "wall time"]
    c = m["config"]
    shift = c.get("augmentation", {}).get("max_shift_pixels", 0)
    setup = (f"Setup: {'-'.join(map(str, c['sizes']))} {c['activation']}, {c['loss']}, eta {c['eta']:g}, "
             f"lmbda {c['lmbda']:g}, minibatch {c['batch_size']}, patience {c['patience']} epochs, eta "
             f"divided by {c['eta_factor']:g} at most {c['eta_reductions']} times; "
             + (f"training images moved by random shifts of up to {shift} pixel(s), redrawn every epoch."
                if shift else "no augmentation."))  # fmt: skip
    return [setup, "", *_table(header, rows), f"**Answer.** {m['answer']['text']}", ""]


_VIEWS = {"one_view": "the image alone", "flip_averaged": "the mean softmax of the image and its mirror"}


def _fashion_cnn(m: dict[str, Any]) -> list[str]:
    e = m["exploration"]
    counts = [[name, count, e["class_counts_test"][name], f"{e['class_mean_brightness'][name]:.3f}"]
              for name, count in e["class_counts_train"].items()]  # fmt: skip
    lines = [
        f"Exploration: {e['train_images']} training images of {e['image_shape'][0]}x"
        f"{e['image_shape'][1]} pixels; classes balanced: {'yes' if e['balanced'] else 'no'}; pixel "
        f"mean {e['pixel_mean']:.4f}, std {e['pixel_std']:.4f}, range [{e['pixel_min']:g}, "
        f"{e['pixel_max']:g}]; {100 * e['zero_pixel_fraction']:.1f}% of the pixels are 0.",
        "",
        *_table(["class", "train", "test", "mean brightness"], counts),
        f"Model: `{m['config']['model']}`; validation accuracy per epoch: "
        + ", ".join(_pct(a) for a in m["history"]["val_accuracy"])
        + f"; the weights of epoch {m['best_epoch'] + 1} were kept.",
        "",
    ]
    if "validation" in m:
        rows = [[_VIEWS.get(how, how) + (" (reported)" if how == m["prediction"] else ""),
                 _pct(m["validation"][how]["accuracy"]), _pct(m["test"][how]["accuracy"])]
                for how in m["validation"]]  # fmt: skip
        lines += _table(["prediction from", "validation accuracy", "test accuracy"], rows)
    return lines


def _fashion_mlp(m: dict[str, Any]) -> list[str]:
    s = m["samples"]
    rows = [[i, t, p, f"{max(prob):.3f}"] for i, t, p, prob in
            zip(s["index"], s["true_label"], s["predicted_label"], s["probabilities"])]  # fmt: skip
    return _table(["test image", "true class", "predicted class", "probability of the prediction"], rows)


def _fashion_ffnn(m: dict[str, Any]) -> list[str]:
    rows = [[part, m["data"][part], _pct(m[f"{part}_accuracy"]), f"{m['losses'][part]:.4f}"]
            for part in ("train", "validation", "test")]  # fmt: skip
    return _table(["set", "images", "accuracy", "mean loss"], rows)


def _manual_backprop(m: dict[str, Any]) -> list[str]:
    rows = [[name, f"{error:.2e}", "yes" if error <= m["tolerance"] else "NO"]
            for name, error in m["errors"].items()]  # fmt: skip
    return _table(["operation", "max relative error", f"<= {m['tolerance']:g}"], rows)


_SECTIONS = {
    "mnist-early-stopping": _mnist, "fashion-cnn": _fashion_cnn, "fashion-mlp": _fashion_mlp,
    "fashion-ffnn-sgd": _fashion_ffnn, "manual-backprop": _manual_backprop,
}  # fmt: skip


def render(runs: dict[str, dict[str, Any] | None], figures: str = "figures") -> str:
    """The Markdown document for ``runs`` (id -> metrics, ``None`` when missing)."""
    lines = [
        "# Measured results",
        "",
        "Generated by `python -m symnn.experiments.results` from the `metrics.json` of full",
        "runs (`symnn train ID`, default options); do not edit by hand. Runs use one OpenBLAS",
        "thread on a shared two-core machine: the wall time grows with the machine's other work",
        "and varies from run to run; the CPU time (the process's, from loading the data to the",
        "test figures, all threads summed) is what a time target is judged on.",
        "",
    ]
    summary = []
    for id, m in runs.items():
        target = TARGETS[id]
        if m is None:
            summary.append([f"`{id}`", "-", "-", "-", "-", target.text, "not run"])
            continue
        sheet = "; ".join(f"{s} {p}" for s, p in m["sheets"])
        met = "yes" if target.met(m) else "**no**"
        summary.append([f"`{id}` ({sheet})", _pct(m["test_accuracy"]), m["epochs_run"],
                        _seconds(m["timing"]["wall_time_s"]), _cpu(m), target.text, met])  # fmt: skip
    header = ["experiment", "test accuracy", "epochs", "wall time", "CPU time", "target", "met"]
    lines += _table(header, summary)
    missed = [(id, m) for id, m in runs.items() if m is not None and not TARGETS[id].met(m)]
    if missed:
        lines += ["Targets not reached:", ""]
        lines += [f"- `{id}`: target {TARGETS[id].text}; measured {_pct(m['test_accuracy'])} test "
                  f"accuracy in {_seconds(m['timing']['wall_time_s'])} of wall time and {_cpu(m)} "
                  "of CPU time." for id, m in missed]  # fmt: skip
        lines.append("")
    for id, m in runs.items():
        if m is None:
            continue
        lines += [f"## `{id}`: {m['title']}", "", f"Command: `{_command(m)}`.", ""]
        lines += _SECTIONS[id](m)
        lines += _figures(m, figures)
    return "\n".join(lines).rstrip() + "\n"


def collect(runs_dir: Path, ids: Sequence[str]) -> dict[str, dict[str, Any] | None]:
    """id -> the metrics in ``runs_dir/id/metrics.json`` (``None`` when absent)."""
    found: dict[str, dict[str, Any] | None] = {}
    for id in ids:
        path = runs_dir / id / "metrics.json"
        found[id] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Write the results document; returns 0 (1 if no run was found)."""
    parser = argparse.ArgumentParser(prog="python -m symnn.experiments.results", description=__doc__)
    parser.add_argument("--runs", default="out", help="directory holding ID/metrics.json")
    parser.add_argument("--doc", default="docs/results.md", help="the document to write")
    parser.add_argument("--figures", default="docs/figures", help="where the PNGs are copied")
    args = parser.parse_args(argv)
    runs = collect(Path(args.runs), list(TARGETS))
    figures = Path(args.figures)
    figures.mkdir(parents=True, exist_ok=True)
    for id, m in runs.items():
        for name in m["files"] if m else ():
            if name.endswith(".png"):
                shutil.copyfile(Path(args.runs) / id / name, figures / f"{id}-{name}")
    link = Path(os.path.relpath(figures, Path(args.doc).parent)).as_posix()
    write_text_atomic(args.doc, render(runs, link))
    print(f"wrote {args.doc} ({sum(m is not None for m in runs.values())} of {len(runs)} runs)")
    return 0 if any(m is not None for m in runs.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

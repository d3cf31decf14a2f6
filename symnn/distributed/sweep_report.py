"""A sweep's results: ``sweep.csv`` (one row per run) and ``sweep.png`` (accuracy per grid point).

The table has the columns ``run``, the grid names, ``seed``, ``test_accuracy``,
``epochs``, ``wall_time_s`` and ``error`` (empty for a finished run). The plot shows,
for each grid point, the mean test accuracy over its seeds as a marker with an error
bar of one sample standard deviation (ddof = 1; a point with one seed has no spread and
is drawn as the marker alone), and the number of seeds under each point.

>>> records = [{"key": "eta=0.1_seed=0", "seed": 0, "hyper": {"eta": 0.1}, "test_accuracy": 0.8,
...             "epochs_run": 1, "wall_time_s": 2.0},
...            {"key": "eta=0.1_seed=1", "seed": 1, "hyper": {"eta": 0.1}, "test_accuracy": 0.9,
...             "epochs_run": 1, "wall_time_s": 2.5}]
>>> print(table_text(records, ["eta"]), end="")
run,eta,seed,test_accuracy,epochs,wall_time_s,error
eta=0.1_seed=0,0.1,0,0.8,1,2.0,
eta=0.1_seed=1,0.1,1,0.9,1,2.5,
>>> [(point, round(mean, 6), round(std, 6), n) for point, mean, std, n in summary(records, ["eta"])]
[((0.1,), 0.85, 0.070711, 2)]
"""

from __future__ import annotations

import csv
import io
import os
import statistics
from collections.abc import Sequence
from typing import Any

__all__ = ["COLUMNS", "plot", "summary", "table_text"]

#: The columns after ``run`` and the grid names.
COLUMNS = ("seed", "test_accuracy", "epochs", "wall_time_s", "error")


def _cell(value: Any) -> Any:
    return "" if value is None else value


def table_text(records: Sequence[dict[str, Any]], names: Sequence[str]) -> str:
    """The CSV text of ``records`` (the journal's, in plan order) with grid columns ``names``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", *names, *COLUMNS])
    for record in records:
        hyper = record.get("hyper", {})
        writer.writerow([record["key"], *(_cell(hyper.get(name)) for name in names), record["seed"],
                         *(_cell(record.get(key)) for key in ("test_accuracy", "epochs_run", "wall_time_s",
                                                              "error"))])
    return buffer.getvalue()


def summary(records: Sequence[dict[str, Any]],
            names: Sequence[str]) -> list[tuple[tuple[Any, ...], float, float, int]]:
    """``(grid values, mean, sample std, seeds)`` per grid point with a test accuracy, in order.

    The standard deviation has ddof = 1, and is 0 for a point with one seed.
    """
    points: dict[tuple[Any, ...], list[float]] = {}
    for record in records:
        point = tuple(record.get("hyper", {}).get(name) for name in names)
        accuracy = record.get("test_accuracy")
        points.setdefault(point, [])
        if accuracy is not None and "error" not in record:
            points[point].append(float(accuracy))
    return [(point, statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0,
             len(values)) for point, values in points.items() if values]


def _label(names: Sequence[str], point: tuple[Any, ...]) -> str:
    return "\n".join(f"{name}={value!r}" for name, value in zip(names, point)) or "defaults"


def plot(path: str | os.PathLike[str], records: Sequence[dict[str, Any]], names: Sequence[str], *,
         experiment: str) -> None:
    """Draw the mean +- std test accuracy of each grid point to the PNG ``path``."""
    from symnn.experiments.plots import _figure, _save

    rows = summary(records, names)
    figure = _figure()
    axes = figure.add_subplot()
    if rows:
        x = list(range(len(rows)))
        means = [100 * mean for _, mean, _, _ in rows]
        stds = [100 * std for _, _, std, _ in rows]
        axes.errorbar(x, means, yerr=stds, fmt="o", markersize=7, capsize=6, elinewidth=1.5, linestyle="none")
        for position, mean, (_, _, _, count) in zip(x, means, rows):
            axes.annotate(f"n={count}", (position, mean), textcoords="offset points", xytext=(10, -4),
                          fontsize=9)
        axes.set_xticks(x, [_label(names, point) for point, *_ in rows])
        axes.set_xlim(-0.5, len(rows) - 0.5)
        seeds = max(count for *_, count in rows)
        axes.set_title(f"{experiment}: test accuracy, mean ± std over up to {seeds} seed(s)")
    else:
        axes.text(0.5, 0.5, "no finished run reports a test accuracy", ha="center", va="center",
                  transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_title(f"{experiment}: test accuracy")
    axes.set_xlabel(", ".join(names) if names else "grid point")
    axes.set_ylabel("test accuracy (%)")
    axes.grid(alpha=0.3)
    _save(figure, path)

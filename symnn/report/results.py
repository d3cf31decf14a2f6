"""Experiment results in the write-ups: the metrics table and the plots, or how to make them.

``symnn train ID --out DIR/ID`` leaves ``DIR/ID/metrics.json`` and PNG plots. Given the
results directory ``DIR``, :func:`experiment_results` typesets

* the headline numbers (``test_accuracy``, ``epochs_run`` and the other top-level values),
* a table per group of runs (a dictionary of dictionaries, e.g. ``runs``),
* a summary of each per-epoch history (epochs, first, last, best value),
* long texts (a written conclusion) as paragraphs, the configuration in one paragraph,
* every PNG of ``DIR/ID``: with a :class:`~symnn.report.pictures.Plots` collection it is
  copied beside the ``.tex`` file as ``figures/results-ID-NAME.png`` (TeX may read only
  below the ``.tex`` file's folder, see :mod:`symnn.report.pdf`); without one it is referred
  to relative to the ``.tex`` file.

Every string of ``metrics.json`` is escaped for TeX. A file name reaches TeX only when it is
made of :data:`SAFE_NAME` characters and the file starts with the PNG signature; any other
is a :class:`~symnn.errors.ReportError` naming the file, before anything is written.
Wall-clock timings and file lists are left out, so the text depends only on the results.
Without results it says which commands produce them.

>>> safe_tex_path("results/fashion-mlp/loss_curve.png")
'results/fashion-mlp/loss_curve.png'
>>> safe_tex_path("a}{x}.png")
Traceback (most recent call last):
...
symnn.errors.ReportError: refusing the file name 'a}{x}.png': TeX reads only paths of letters, \
digits, '.', '_', '-' and '/'
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from symnn.errors import ReportError
from symnn.report.texutil import breakable, code_id, escape, value

#: The characters of a path that may reach ``\includegraphics`` (no ``..`` component).
SAFE_NAME = re.compile(r"[A-Za-z0-9_/.-]+", re.ASCII)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SKIP = {"timing", "files", "experiment", "title", "sheets", "seed", "history", "config"}
_LONG_TEXT = 60


def load_metrics(path: Path) -> dict[str, Any]:
    """``metrics.json`` as a dictionary; a malformed file is a :class:`ReportError`."""
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"cannot read the results file {path}: {error}") from error
    if not isinstance(metrics, dict):
        raise ReportError(f"results file {path}: expected a JSON object, got {type(metrics).__name__}")
    return metrics


def how_to_produce(id: str, sheet_id: str, results: str) -> str:
    """The commands that produce the results of experiment ``id`` (LaTeX text)."""
    train = breakable(f"symnn train {id} --out {results}/{id}")
    report = breakable(f"symnn report {sheet_id} -o {sheet_id}.tex --results {results}")
    return (rf"To produce them, run \texttt{{{train}}} (training reads the dataset "
            rf"files, see \texttt{{docs/data.md}}), then \texttt{{{report}}}.")


def safe_tex_path(path: str) -> str:
    """``path`` if it may reach TeX as a file name; else a :class:`ReportError` naming it."""
    if (SAFE_NAME.fullmatch(path) is None or ".." in path.split("/")
            or any(part.startswith(".") for part in path.split("/") if part not in ("", "."))):
        raise ReportError(f"refusing the file name {path!r}: TeX reads only paths of letters, "
                          "digits, '.', '_', '-' and '/'")
    return path


def experiment_results(id: str, sheet_id: str, results: Path | None, base: Path | None,
                       plots: Any = None) -> str:
    """The results block of experiment ``id`` (LaTeX); ``base`` is the ``.tex`` file's folder.

    ``plots`` (a :class:`~symnn.report.pictures.Plots`) receives copies of the PNGs.
    """
    if results is None:
        return (r"\paragraph{Results.} This write-up was made without a results directory. "
                + how_to_produce(id, sheet_id, "results") + "\n")
    folder = results / id
    metrics_file = folder / "metrics.json"
    shown = breakable(folder.as_posix())
    if not metrics_file.is_file():
        why = "does not exist" if not results.is_dir() else f"holds no {code_id(id)}/metrics.json"
        return (rf"\paragraph{{Results.}} The results directory \texttt{{{breakable(results.as_posix())}}} "
                rf"{why}. " + how_to_produce(id, sheet_id, results.as_posix()) + "\n")
    metrics = load_metrics(metrics_file)
    parts = [rf"\paragraph{{Results}} (from \texttt{{{shown}/metrics.json}})."]
    parts.append(_table(["quantity", "value"], _scalars(metrics)))
    for key, group in metrics.items():
        if key not in _SKIP and _is_group(group):
            parts.append(_group_table(key, group))
    if isinstance(metrics.get("history"), dict) and metrics["history"]:
        parts.append(_history_table(metrics["history"]))
    parts.extend(rf"\paragraph{{{escape(label)}.}} {escape(text)}" for label, text in _texts(metrics))
    if isinstance(metrics.get("config"), dict):
        config = ", ".join(f"{escape(k)} = {_inline(v)}" for k, v in metrics["config"].items())
        parts.append(rf"\paragraph{{Configuration.}} {config}.")
    parts.extend(_plot(id, png, base, plots) for png in sorted(folder.glob("*.png")))
    return "\n".join(parts) + "\n"


def _is_group(item: Any) -> bool:
    return isinstance(item, dict) and bool(item) and all(isinstance(v, dict) for v in item.values())


def _scalar(item: Any) -> bool:
    return item is None or isinstance(item, (bool, int, float)) or (
        isinstance(item, str) and len(item) <= _LONG_TEXT)


def _scalars(metrics: dict[str, Any], prefix: str = "") -> list[list[str]]:
    rows = []
    for key, item in metrics.items():
        if not prefix and (key in _SKIP or _is_group(item)):
            continue
        name = f"{prefix}{key}"
        if _scalar(item):
            rows.append([code_id(name), value(item)])
        elif isinstance(item, dict) and not prefix:
            rows.extend(_scalars(item, f"{name}."))
    return rows


def _texts(metrics: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for key, item in metrics.items():
        if not prefix and key in _SKIP:
            continue
        if isinstance(item, str) and len(item) > _LONG_TEXT:
            label = prefix.rstrip(".") if key == "text" and prefix else f"{prefix}{key}"
            found.append((label.replace("_", " ").replace(".", ": ").capitalize(), item))
        elif isinstance(item, dict) and not prefix:
            found.extend(_texts(item, f"{key}."))
    return found


def _inline(item: Any) -> str:
    if isinstance(item, list):
        return "[" + ", ".join(_inline(v) for v in item) + "]"
    return value(item) if _scalar(item) else escape(str(item))


def _table(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return ""
    spec = "l" + "r" * (len(header) - 1)
    lines = [r"\begin{center}\small", rf"\begin{{tabular}}{{{spec}}}", r"\hline",
             " & ".join(header) + r" \\", r"\hline"]
    lines.extend(" & ".join(row) + r" \\" for row in rows)
    lines.extend([r"\hline", r"\end{tabular}", r"\end{center}"])
    return "\n".join(lines)


def _group_table(key: str, group: dict[str, dict[str, Any]], per_table: int = 4) -> str:
    """A dictionary of runs as a table: one column per run, one row per scalar value."""
    names = list(group)
    keys: list[str] = []
    for run in group.values():
        keys.extend(k for k, v in run.items() if _scalar(v) and k not in keys)
    tables = [rf"\paragraph{{{escape(key.replace('_', ' ').capitalize())}.}}"]
    for start in range(0, len(names), per_table):
        chunk = names[start:start + per_table]
        rows = [[code_id(k), *(value(group[name].get(k)) for name in chunk)] for k in keys]
        tables.append(_table(["", *(code_id(name) for name in chunk)], rows))
    return "\n".join(tables)


def _history_table(history: dict[str, Any]) -> str:
    rows = []
    for key, series in history.items():
        numbers = [v for v in series if isinstance(v, (int, float)) and not isinstance(v, bool)] \
            if isinstance(series, list) else []
        if not numbers:
            continue
        best = max(numbers) if "acc" in key else min(numbers)
        rows.append([code_id(key), str(len(series)), value(float(numbers[0])),
                     value(float(numbers[-1])), value(float(best))])
    return r"\paragraph{Training history.}" + "\n" + _table(
        ["series", "epochs", "first", "last", "best"], rows)


def check_results_plots(results: Path | None) -> None:
    """Refuse, before a write-up starts, a results plot whose name or contents may not reach TeX."""
    if results is not None and results.is_dir():
        for png in sorted(results.glob("*/*.png")):
            _png_bytes(png)


def _png_bytes(png: Path) -> bytes:
    safe_tex_path(png.name)
    try:
        data = png.read_bytes()
    except OSError as error:
        raise ReportError(f"cannot read the results plot {png}: {error.strerror or error}") from error
    if not data.startswith(PNG_SIGNATURE):
        raise ReportError(f"refusing the results plot {png}: it is not a PNG file")
    return data


def _plot(id: str, png: Path, base: Path | None, plots: Any) -> str:
    data = _png_bytes(png)
    if plots is not None:
        shown = plots.attach(f"results-{id}-{png.name}", data)
    else:
        path = png.resolve()
        if base is not None and path.is_relative_to(base.resolve()):
            path = Path(os.path.relpath(path, base.resolve()))
        shown = safe_tex_path(path.as_posix())
    return (r"\begin{center}" + "\n" + rf"\includegraphics[width=0.8\linewidth]{{{shown}}}\\"
            + "\n" + rf"{{\small \texttt{{{breakable(png.name)}}}}}" + "\n" + r"\end{center}")

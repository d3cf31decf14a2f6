"""The experiments' figures, drawn with matplotlib's Agg renderer and written as PNG.

matplotlib is imported only when a figure is drawn, and no global state is touched:
each function builds a :class:`matplotlib.figure.Figure` directly (no ``pyplot``),
renders it to PNG bytes and writes them atomically. Figures are small (about 640 x 400
pixels at 80 dpi) so that they can be committed with the write-ups.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "curve.png"
>>> line_plot(path, {"a": [0.5, 0.7, 0.8]}, xlabel="epoch", ylabel="accuracy", title="demo")
>>> path.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from symnn.io import write_bytes_atomic

__all__ = ["bar_plot", "image_grid", "isolated", "line_plot", "pixel_statistics_plot", "probability_plot"]

DPI = 80


def _figure(width: float = 8.0, height: float = 5.0) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _save(figure: Any, path: str | os.PathLike[str]) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    write_bytes_atomic(path, buffer.getvalue())


def line_plot(
    path: str | os.PathLike[str],
    series: dict[str, Sequence[float | None]],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    marks: dict[str, Sequence[int]] | None = None,
) -> None:
    """One line per entry of ``series`` (values per epoch, epoch 1 first).

    Lines are solid, dashed, dash-dotted, dotted in turn, so that a later series that
    coincides with an earlier one stays visible on top of it. A value with no neighbour
    to join (the only epoch of a 1-epoch run, or one between missing values) is drawn as
    a dot, since a line through one point is invisible. ``marks`` puts a dot on chosen
    0-based epochs of a series (e.g. where eta fell).
    """
    figure = _figure()
    axes = figure.add_subplot()
    for index, (label, values) in enumerate(series.items()):
        y = np.array([np.nan if v is None else v for v in values], dtype=float)
        x = np.arange(1, len(y) + 1)
        style = ("-", "--", "-.", ":")[index % 4]
        (line,) = axes.plot(x, y, style, label=label, linewidth=1.8)
        alone = isolated(y)
        axes.plot(x[alone], y[alone], "o", color=line.get_color(), markersize=6)
        for epoch in (marks or {}).get(label, ()):
            axes.plot(x[epoch], y[epoch], "o", color=line.get_color(), markersize=5)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    _save(figure, path)


def isolated(y: np.ndarray) -> np.ndarray:
    """Where ``y`` holds a finite value whose neighbours are both missing or absent.

    >>> isolated(np.array([0.5])).tolist(), isolated(np.array([1.0, np.nan, 2.0, 3.0])).tolist()
    ([True], [True, False, False, False])
    """
    finite = np.isfinite(y)
    before = np.concatenate([[False], finite[:-1]])
    after = np.concatenate([finite[1:], [False]])
    return finite & ~before & ~after


def bar_plot(
    path: str | os.PathLike[str],
    labels: Sequence[str],
    values: Sequence[float],
    *,
    ylabel: str,
    title: str,
    log: bool = False,
    line: float | None = None,
) -> None:
    """Vertical bars, optionally on a log scale, with an optional horizontal line."""
    figure = _figure()
    axes = figure.add_subplot()
    positions = np.arange(len(labels))
    heights = np.maximum(np.asarray(values, dtype=float), 1e-300) if log else values
    axes.bar(positions, heights, color="tab:blue")
    axes.set_xticks(positions, labels, rotation=45, ha="right")
    if log:
        axes.set_yscale("log")
    if line is not None:
        axes.axhline(line, color="tab:red", linestyle="--", linewidth=1)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(axis="y", alpha=0.3)
    _save(figure, path)


def image_grid(
    path: str | os.PathLike[str], images: np.ndarray, row_labels: Sequence[str], *, title: str
) -> None:
    """``images`` of shape (rows, columns, height, width) in [0, 1], one labelled row each."""
    rows, columns = images.shape[:2]
    figure = _figure(columns * 0.55 + 1.2, rows * 0.55 + 0.4)
    grid = figure.subplots(rows, columns, squeeze=False)
    for r in range(rows):
        for c in range(columns):
            axes = grid[r][c]
            axes.imshow(images[r, c], cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
            axes.set_xticks([])
            axes.set_yticks([])
        grid[r][0].set_ylabel(row_labels[r], rotation=0, ha="right", va="center", fontsize=9)
    figure.suptitle(title)
    _save(figure, path)


def pixel_statistics_plot(
    path: str | os.PathLike[str],
    histogram: np.ndarray,
    mean_image: np.ndarray,
    std_image: np.ndarray,
    *,
    title: str,
) -> None:
    """The histogram of the 256 pixel values (log scale), the mean and the std image."""
    figure = _figure(11.0, 3.6)
    left, middle, right = figure.subplots(1, 3, width_ratios=[2, 1, 1])
    left.bar(np.arange(256) / 255.0, histogram, width=1 / 255.0, color="tab:blue")
    left.set_yscale("log")
    left.set_xlabel("pixel value")
    left.set_ylabel("count")
    for axes, image, name in ((middle, mean_image, "mean"), (right, std_image, "std")):
        shown = axes.imshow(image, cmap="viridis")
        figure.colorbar(shown, ax=axes, shrink=0.8)
        axes.set_title(f"pixel {name}")
        axes.set_xticks([])
        axes.set_yticks([])
    figure.suptitle(title)
    _save(figure, path)


def probability_plot(
    path: str | os.PathLike[str],
    images: np.ndarray,
    probabilities: np.ndarray,
    true_labels: Sequence[int],
    class_names: Sequence[str],
    *,
    title: str,
) -> None:
    """For each image (height, width): the image and a bar chart of its class probabilities."""
    count = len(images)
    figure = _figure(9.0, 2.4 * count + 0.4)
    grid = figure.subplots(count, 2, width_ratios=[1, 3], squeeze=False)
    positions = np.arange(len(class_names))
    for i in range(count):
        picture, bars = grid[i]
        picture.imshow(images[i], cmap="gray_r", vmin=0.0, vmax=1.0)
        picture.set_xticks([])
        picture.set_yticks([])
        picture.set_title(f"true: {class_names[true_labels[i]]}", fontsize=9)
        colors = ["tab:green" if k == true_labels[i] else "tab:blue" for k in positions]
        bars.bar(positions, probabilities[i], color=colors)
        bars.set_ylim(0, 1)
        bars.set_xticks(positions, class_names, rotation=30, ha="right", fontsize=8)
        bars.set_ylabel("probability")
    figure.suptitle(title)
    _save(figure, path)

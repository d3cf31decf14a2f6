"""Pieces of the experiments that need no dataset: augmentation, plots, thread pinning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from symnn.experiments import plots
from symnn.experiments._threads import blas_threads
from symnn.experiments.fashion_cnn import SHIFT, augment

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _transforms(image: np.ndarray, blank: float) -> list[np.ndarray]:
    """Every flip and shift that ``augment`` may apply, the border set to ``blank``."""
    h, w = image.shape
    found = []
    for source in (image, image[:, ::-1]):
        canvas = np.full((h + 2 * SHIFT, w + 2 * SHIFT), blank, image.dtype)
        canvas[SHIFT : SHIFT + h, SHIFT : SHIFT + w] = source
        for a in range(-SHIFT, SHIFT + 1):
            for b in range(-SHIFT, SHIFT + 1):
                found.append(canvas[SHIFT - a : SHIFT - a + h, SHIFT - b : SHIFT - b + w])
    return found


def test_augment_flips_and_shifts_the_standardized_images() -> None:
    raw = np.random.default_rng(0).random((40, 28, 28)).astype(np.float32)
    images = ((raw - 0.25) / 0.5)[:, None]
    blank = (0 - 0.25) / 0.5
    out = augment(images, np.random.default_rng(1), blank)
    assert out.shape == images.shape and out.dtype == images.dtype
    flipped = 0
    for image, result in zip(images[:, 0], out[:, 0]):
        options = _transforms(image, blank)
        assert any(np.array_equal(result, t) for t in options)
        flipped += not any(np.array_equal(result, t) for t in options[: len(options) // 2])
    assert 0 < flipped < 40  # about half of them mirrored
    assert np.array_equal(out, augment(images, np.random.default_rng(1), blank))
    assert np.array_equal(images[:, 0], ((raw - 0.25) / 0.5))  # the input is left as it was


@pytest.mark.parametrize(
    "draw",
    [
        lambda p: plots.line_plot(p, {"a": [0.1, None, 0.3], "b": [0.2, 0.2]}, xlabel="x",
                                  ylabel="y", title="t", marks={"a": [0]}),
        lambda p: plots.bar_plot(p, ["u", "v"], [1e-12, 1e-7], ylabel="e", title="t", log=True,
                                 line=1e-6),
        lambda p: plots.image_grid(p, np.random.default_rng(0).random((2, 3, 28, 28)), ["a", "b"],
                                   title="t"),
        lambda p: plots.probability_plot(p, np.zeros((3, 28, 28)), np.full((3, 10), 0.1), [0, 1, 2],
                                         [str(k) for k in range(10)], title="t"),
        lambda p: plots.pixel_statistics_plot(p, np.arange(256), np.zeros((28, 28)),
                                              np.ones((28, 28)), title="t"),
    ],
)
def test_plots_write_small_pngs(draw: Callable[[Path], None], tmp_path: Path) -> None:
    path = tmp_path / "figure.png"
    draw(path)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and 3_000 < len(data) < 400_000


def test_blas_threads_restores_the_count() -> None:
    with blas_threads(1) as count:
        assert count >= 0
    with blas_threads(1):
        a = np.ones((50, 50)) @ np.ones((50, 50))
    assert a[0, 0] == 50.0

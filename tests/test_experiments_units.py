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


def _transforms(image: np.ndarray) -> list[np.ndarray]:
    """Every flip and shift that ``augment`` may apply, zero-filled."""
    h, w = image.shape
    found = []
    for source in (image, image[:, ::-1]):
        canvas = np.zeros((h + 2 * SHIFT, w + 2 * SHIFT), image.dtype)
        canvas[SHIFT : SHIFT + h, SHIFT : SHIFT + w] = source
        for a in range(-SHIFT, SHIFT + 1):
            for b in range(-SHIFT, SHIFT + 1):
                found.append(canvas[SHIFT - a : SHIFT - a + h, SHIFT - b : SHIFT - b + w])
    return found


def test_augment_flips_and_shifts_then_standardizes() -> None:
    images = np.random.default_rng(0).random((40, 28, 28)).astype(np.float32)
    out = np.empty((40, 1, 28, 28), np.float32)
    augment(images, np.random.default_rng(1), out, mean=0.25, std=0.5)
    for image, result in zip(images, out[:, 0] * 0.5 + 0.25):
        assert any(np.allclose(result, t, atol=1e-6) for t in _transforms(image))
    again = np.empty_like(out)
    augment(images, np.random.default_rng(1), again, mean=0.25, std=0.5)
    assert np.array_equal(out, again)


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

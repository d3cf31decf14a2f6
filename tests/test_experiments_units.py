"""Pieces of the experiments that need no dataset: augmentation, plots, thread pinning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from symnn.experiments import plots
from symnn.experiments.fashion_cnn import SHIFT, augment
from symnn.sim.blas_threads import blas_threads

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


def _pixels_of(path: Path, rgb: tuple[int, int, int]) -> int:
    from matplotlib.image import imread

    image = np.rint(imread(path)[..., :3] * 255).astype(int)
    return int(np.count_nonzero(np.all(np.abs(image - np.array(rgb)) <= 8, axis=-1)))


def test_a_one_epoch_curve_is_drawn_as_a_visible_point(tmp_path: Path) -> None:
    """The same figure with and without the single value: the value must add blue pixels."""
    blue = (31, 119, 180)  # matplotlib's first colour, tab:blue
    one, none = tmp_path / "one.png", tmp_path / "none.png"
    plots.line_plot(one, {"train loss": [0.7]}, xlabel="epoch", ylabel="loss", title="t")
    plots.line_plot(none, {"train loss": [None]}, xlabel="epoch", ylabel="loss", title="t")
    assert _pixels_of(one, blue) >= _pixels_of(none, blue) + 20  # a dot of about 6 px across


@pytest.mark.parametrize(
    ("values", "alone"),
    [([0.5], [True]), ([0.5, 0.6], [False, False]), ([1, None, 2, 3, None, 4], [1, 0, 0, 0, 0, 1]),
     ([None, 1, None], [0, 1, 0]), ([], [])],
)  # fmt: skip
def test_isolated_values_are_those_without_a_neighbour(values: list, alone: list) -> None:
    y = np.array([np.nan if v is None else v for v in values], dtype=float)
    assert plots.isolated(y).tolist() == [bool(a) for a in alone]


def test_a_plain_install_can_plot_and_draw_progress_bars() -> None:
    """matplotlib (the figures) and tqdm (the bars) are core dependencies, not extras."""
    import re

    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    core = {re.split(r"[<>=!~ \[]", requirement)[0] for requirement in project["dependencies"]}
    assert {"matplotlib", "tqdm", "numpy"} <= core

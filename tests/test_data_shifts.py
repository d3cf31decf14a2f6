"""Random image shifts: what moves where, what is kept, determinism and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.data import shift_images
from symnn.errors import ParameterError, ShapeError


def moves(seed: int, n: int, max_shift: int) -> tuple[np.ndarray, np.ndarray]:
    """The (dy, dx) that shift_images draws from a generator seeded with ``seed``."""
    dy, dx = np.random.default_rng(seed).integers(-max_shift, max_shift + 1, (2, n))
    return dy, dx


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 12), h=st.integers(1, 7), w=st.integers(1, 7), s=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)  # fmt: skip
def test_every_pixel_lands_where_its_shift_says(n: int, h: int, w: int, s: int, seed: int) -> None:
    images = np.random.default_rng(seed + 1).random((n, h, w)).astype(np.float32) + 1  # no zeros
    moved = shift_images(images, np.random.default_rng(seed), s)
    dy, dx = moves(seed, n, s)
    assert moved.shape == images.shape and moved.dtype == images.dtype
    for k in range(n):
        expected = np.zeros((h, w), np.float32)
        for r in range(h):
            for c in range(w):
                if 0 <= r - dy[k] < h and 0 <= c - dx[k] < w:
                    expected[r, c] = images[k, r - dy[k], c - dx[k]]
        assert np.array_equal(moved[k], expected)


def test_no_shift_is_a_copy_and_the_input_is_untouched() -> None:
    images = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    before = images.copy()
    same = shift_images(images, np.random.default_rng(0), 0)
    assert np.array_equal(same, images) and same is not images
    shift_images(images, np.random.default_rng(0), 2)
    assert np.array_equal(images, before)


def test_channels_move_together_and_flat_rows_match_images() -> None:
    rng = np.random.default_rng(3)
    images = rng.random((20, 2, 5, 5)).astype(np.float32)
    moved = shift_images(images, np.random.default_rng(9), 1)
    single = shift_images(images[:, 0], np.random.default_rng(9), 1)
    assert np.array_equal(moved[:, 0], single)  # same draws, same moves for each channel
    rows = images[:, 0].reshape(20, 25)
    flat = shift_images(rows, np.random.default_rng(9), 1, image_shape=(5, 5))
    assert flat.shape == (20, 25) and np.array_equal(flat.reshape(20, 5, 5), single)


def test_same_generator_state_same_result() -> None:
    images = np.random.default_rng(0).random((50, 4, 4))
    a = shift_images(images, np.random.default_rng(5), 1)
    b = shift_images(images, np.random.default_rng(5), 1)
    c = shift_images(images, np.random.default_rng(6), 1)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "words"),
    [
        (np.zeros((2, 3, 3)), {"max_shift": -1}, ParameterError, "max_shift"),
        (np.zeros((2, 3, 3)), {"max_shift": 1.5}, ParameterError, "max_shift"),
        (np.zeros((2, 9)), {}, ShapeError, "image_shape"),
        (np.zeros((2, 8)), {"image_shape": (3, 3)}, ShapeError, "3x3"),
        (np.zeros(5), {}, ShapeError, "(n, H, W)"),
    ],
)
def test_bad_input_is_named(images, kwargs, error, words) -> None:
    with pytest.raises(error) as caught:
        shift_images(images, np.random.default_rng(0), **kwargs)
    assert words in str(caught.value)


def test_the_uncovered_border_gets_the_fill_value() -> None:
    images = np.ones((30, 4, 4), np.float32)
    moved = shift_images(images, np.random.default_rng(2), 1, fill=-0.5)
    dy, dx = moves(2, 30, 1)
    for k in range(30):
        uncovered = 4 * (abs(dy[k]) + abs(dx[k])) - abs(dy[k] * dx[k])
        assert np.count_nonzero(moved[k] == -0.5) == uncovered
        assert np.count_nonzero(moved[k] == 1.0) == 16 - uncovered

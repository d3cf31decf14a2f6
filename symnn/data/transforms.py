"""Small array utilities for loaded datasets: a seeded hold-out split, one-hot labels and
random image shifts (training-set expansion).

>>> import numpy as np
>>> x, y = np.arange(10).reshape(5, 2), np.array([0, 1, 2, 1, 0])
>>> x_train, y_train, x_val, y_val = train_validation_split(x, y, 2, seed=0)
>>> x_train.shape, x_val.shape
((3, 2), (2, 2))
>>> one_hot(np.array([2, 0]), 3)
array([[0., 0., 1.],
       [1., 0., 0.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symnn.errors import ParameterError, ShapeError

__all__ = ["one_hot", "shift_images", "train_validation_split"]


def train_validation_split(
    x: np.ndarray, y: np.ndarray, n_validation: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out ``n_validation`` random examples: ``(x_train, y_train, x_val, y_val)``.

    The examples are drawn by a permutation from ``numpy.random.default_rng(seed)``,
    so the same seed always gives the same split; pairs ``(x[i], y[i])`` stay together
    and every example lands in exactly one part.

    >>> x = np.arange(6)
    >>> a = train_validation_split(x, x * 10, 2, seed=1)
    >>> b = train_validation_split(x, x * 10, 2, seed=1)
    >>> all((p == q).all() for p, q in zip(a, b)), bool((a[1] == a[0] * 10).all())
    (True, True)
    >>> sorted([*a[0], *a[2]]) == list(x)
    True
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ShapeError(f"x and y need the same number of examples, got {x.shape} and {y.shape}")
    if isinstance(n_validation, bool) or not isinstance(n_validation, (int, np.integer)):
        raise ParameterError("n_validation", n_validation, "an integer")
    if not 0 <= n_validation <= len(x):
        raise ParameterError("n_validation", n_validation, f"an integer from 0 to {len(x)}")
    order = np.random.default_rng(seed).permutation(len(x))
    held, kept = order[:n_validation], order[n_validation:]
    return x[kept], y[kept], x[held], y[held]


def one_hot(labels: np.ndarray, num_classes: int = 10, dtype: Any = np.float32) -> np.ndarray:
    """One-hot rows: ``result[..., k] == 1`` exactly where ``labels == k``.

    The result has the shape of ``labels`` plus a last axis of length ``num_classes``.
    Labels that are not integers in ``0..num_classes-1`` raise :class:`ParameterError`.

    >>> one_hot([1, 9], 10).argmax(axis=1)
    array([1, 9])
    >>> one_hot([3, 10], 10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'labels': got 'values from 3 to 10', ... from 0 to 9
    """
    labels = np.asarray(labels)
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise ParameterError("num_classes", num_classes, "a positive integer")
    if num_classes < 1:
        raise ParameterError("num_classes", num_classes, "a positive integer")
    if labels.size and labels.dtype.kind not in "iu":
        raise ParameterError("labels", f"an array of dtype {labels.dtype}", "integer labels")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        found = f"values from {labels.min()} to {labels.max()}"
        raise ParameterError("labels", found, f"integers from 0 to {num_classes - 1}")
    eye = np.eye(num_classes, dtype=dtype)
    return eye[labels.astype(np.intp)]


def shift_images(
    images: np.ndarray,
    rng: np.random.Generator,
    max_shift: int = 1,
    image_shape: tuple[int, int] | None = None,
    fill: float = 0.0,
) -> np.ndarray:
    """Move every image by a random (dy, dx), each uniform in ``-max_shift..max_shift``.

    This is the "artificially expanded training data" of one-pixel shifts: the uncovered
    border is filled with ``fill`` (0, blank paper, by default) and what leaves the frame
    is cut off. The shifts are drawn as ``rng.integers(-max_shift, max_shift + 1, (2, n))``
    (rows: dy, then dx), so a generator in a given state always gives the same result.

    Args:
        images: (n, H, W), (n, C, H, W) (all channels move together) or flattened rows
            (n, H * W) with ``image_shape=(H, W)``.
        rng: the generator the shifts are drawn from.
        max_shift: the largest move in pixels along each axis (0 returns a copy).
        image_shape: (H, W) of flattened rows.
        fill: the value of the uncovered border (that of a blank pixel, e.g. after
            standardization).

    Returns:
        A new array of the shape and dtype of ``images``.

    >>> image = np.zeros((1, 3, 3), np.float32)
    >>> image[0, 1, 1] = 1.0
    >>> moved = shift_images(np.repeat(image, 50, axis=0), np.random.default_rng(0))
    >>> positions = {tuple(np.argwhere(m)[0].tolist()) for m in moved}
    >>> moved.shape, float(moved.sum()), len(positions)  # every one of the 9 moves occurs
    ((50, 3, 3), 50.0, 9)
    """
    images = np.asarray(images)
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ParameterError("max_shift", max_shift, "a non-negative integer (pixels)")
    if image_shape is not None:
        h, w = image_shape
        if images.ndim != 2 or images.shape[1] != h * w:
            raise ShapeError(
                f"shift_images: got {images.shape}, expected (n, {h * w}) rows of {h}x{w} images"
            )
        moved = shift_images(images.reshape(-1, h, w), rng, max_shift, fill=fill)
        return moved.reshape(images.shape)
    if images.ndim not in (3, 4):
        raise ShapeError(
            f"shift_images: got images of shape {images.shape}, expected (n, H, W), (n, C, H, W) "
            "or (n, H * W) with image_shape=(H, W)"
        )
    n, (h, w), s = images.shape[0], images.shape[-2:], int(max_shift)
    dy, dx = rng.integers(-s, s + 1, (2, n))
    if s == 0:
        return images.copy()
    canvas = np.full((*images.shape[:-2], h + 2 * s, w + 2 * s), fill, images.dtype)
    canvas[..., s : s + h, s : s + w] = images
    out = np.empty_like(images)
    for a in range(-s, s + 1):
        for b in range(-s, s + 1):
            rows = np.flatnonzero((dy == a) & (dx == b))
            out[rows] = canvas[rows, ..., s - a : s - a + h, s - b : s - b + w]
    return out

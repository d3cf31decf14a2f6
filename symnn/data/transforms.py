"""Small array utilities for loaded datasets: a seeded hold-out split and one-hot labels.

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

__all__ = ["one_hot", "train_validation_split"]


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

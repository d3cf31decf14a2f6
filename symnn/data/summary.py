"""A first look at a dataset split: size, class balance and pixel statistics.

>>> import numpy as np
>>> images = np.array([[[0, 255]], [[255, 255]]], dtype=np.uint8)
>>> s = summarize(images, np.array([1, 0]), name="toy", split="train", class_names=("a", "b"))
>>> s.count, s.class_counts, s.pixel_mean
(2, (1, 1), 0.75)
>>> print(s)
toy (train): 2 images of 1x2 pixels
pixels in [0, 1]: mean 0.7500, std 0.4330, min 0.0000, max 1.0000
class  name  count   share
    0  a         1   50.0%
    1  b         1   50.0%
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from symnn.data.download import Fetch
from symnn.data.loader import load_dataset
from symnn.data.sources import DatasetSource, get_source

__all__ = ["DatasetSummary", "describe", "summarize"]

_BLOCK = 4096  # images per block when counting pixel values


@dataclass(frozen=True)
class DatasetSummary:
    """Counts and pixel statistics of one split; pixel values are scaled to [0, 1]."""

    name: str
    split: str
    count: int
    image_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    class_counts: tuple[int, ...]
    pixel_mean: float
    pixel_std: float
    pixel_min: float
    pixel_max: float

    def __str__(self) -> str:
        shape = "x".join(str(size) for size in self.image_shape)
        width = max([4, *(len(name) for name in self.class_names)])
        lines = [
            f"{self.name} ({self.split}): {self.count} images of {shape} pixels",
            f"pixels in [0, 1]: mean {self.pixel_mean:.4f}, std {self.pixel_std:.4f}, "
            f"min {self.pixel_min:.4f}, max {self.pixel_max:.4f}",
            f"class  {'name':<{width}}  count   share",
        ]
        for index, (name, count) in enumerate(
            zip(self.class_names, self.class_counts, strict=True)
        ):
            share = 100 * count / self.count if self.count else 0.0
            lines.append(f"{index:>5}  {name:<{width}}  {count:>5}  {share:>5.1f}%")
        return "\n".join(lines)


def summarize(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    name: str,
    split: str,
    class_names: tuple[str, ...],
) -> DatasetSummary:
    """Summarize uint8 ``images`` and integer ``labels``; statistics are exact.

    The pixel mean and standard deviation come from a histogram of the 256 pixel
    values, so they are exact and need no float copy of the images.
    """
    histogram = np.zeros(256, dtype=np.int64)
    flat = np.asarray(images, dtype=np.uint8).reshape(len(images), -1)
    for start in range(0, len(flat), _BLOCK):
        histogram += np.bincount(flat[start : start + _BLOCK].ravel(), minlength=256)
    total = int(histogram.sum())
    values = np.arange(256) / 255.0
    mean = float(histogram @ values / total) if total else 0.0
    variance = float(histogram @ (values - mean) ** 2 / total) if total else 0.0
    present = np.flatnonzero(histogram)
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(class_names))
    return DatasetSummary(
        name=name,
        split=split,
        count=len(images),
        image_shape=tuple(np.shape(images)[1:]),
        class_names=tuple(class_names),
        class_counts=tuple(int(count) for count in counts),
        pixel_mean=mean,
        pixel_std=variance**0.5,
        pixel_min=float(values[present[0]]) if total else 0.0,
        pixel_max=float(values[present[-1]]) if total else 0.0,
    )


def describe(
    name: str | DatasetSource,
    *,
    split: str = "train",
    data_dir: str | os.PathLike[str] | None = None,
    limit: int | None = None,
    download: bool = True,
    fetch: Fetch | None = None,
) -> DatasetSummary:
    """Load a split (see :func:`~symnn.data.loader.load_dataset`) and summarize it.

    ``print(describe("fashion-mnist", split="test"))`` shows 1000 images per class and
    the pixel mean and standard deviation often used to standardize inputs.
    """
    source = get_source(name)
    images, labels = load_dataset(
        source,
        data_dir=data_dir,
        split=split,
        normalize=False,
        dtype=np.uint8,
        limit=limit,
        download=download,
        fetch=fetch,
    )
    return summarize(images, labels, name=source.title, split=split, class_names=source.class_names)

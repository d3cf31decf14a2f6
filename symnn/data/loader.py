"""The public loader: a dataset split as NumPy arrays, ready for the simulator.

``load_dataset("mnist")`` finds (or downloads) and verifies the training files, reads
them and returns ``(images, labels)``: images of shape (N, 28, 28), or (N, 784) with
``flatten=True``, scaled to [0, 1] as float32; labels as int64 class indices. Where the
files are looked for is described in :mod:`symnn.data.locate`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from symnn.data.download import DEFAULT_TIMEOUT, Fetch
from symnn.data.idx import read_idx
from symnn.data.locate import SplitFiles, locate_files
from symnn.data.sources import DatasetSource, get_source
from symnn.errors import DataError, ParameterError

__all__ = ["load_dataset", "read_split"]


def read_split(source: DatasetSource, files: SplitFiles) -> tuple[np.ndarray, np.ndarray]:
    """Read and cross-check a split's files: uint8 images (N, rows, cols), uint8 labels.

    Raises :class:`DataError` if the counts differ, the image size is not the dataset's,
    or a label is not a class index.
    """
    images = read_idx(files.images, expect="images")
    labels = read_idx(files.labels, expect="labels")
    if len(images) != len(labels):
        raise DataError(
            f"{files.images} holds {len(images)} images but {files.labels} holds "
            f"{len(labels)} labels; the two files do not belong together"
        )
    if images.shape[1:] != source.image_shape:
        rows, cols = source.image_shape
        raise DataError(
            f"{files.images}: images are {images.shape[1]}x{images.shape[2]}, "
            f"expected {rows}x{cols} for {source.title}"
        )
    classes = len(source.class_names)
    if labels.size and int(labels.max()) >= classes:
        raise DataError(
            f"{files.labels}: label {int(labels.max())} is not a class index 0..{classes - 1}"
        )
    return images, labels


def _check_options(normalize: bool, dtype: Any, limit: int | None) -> np.dtype:
    try:
        target = np.dtype(dtype)
    except TypeError as error:
        raise ParameterError("dtype", dtype, "a NumPy dtype such as np.float32") from error
    if target.kind not in "fiu":
        raise ParameterError("dtype", dtype, "a numeric dtype")
    if normalize and target.kind != "f":
        raise ParameterError("dtype", dtype, "a floating dtype when normalize=True")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ParameterError("limit", limit, "a positive integer or None")
    return target


def load_dataset(
    name: str | DatasetSource,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    split: str = "train",
    normalize: bool = True,
    dtype: Any = np.float32,
    flatten: bool = False,
    limit: int | None = None,
    download: bool = True,
    fetch: Fetch | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of a dataset as ``(images, labels)``.

    name
        ``"mnist"`` or ``"fashion-mnist"``, or a :class:`DatasetSource` (for example
        from :func:`~symnn.data.custom.source_from_directory`).
    data_dir
        A directory searched first (the command line's ``--data-dir``); then come
        ``SYMNN_DATA``, the cache and, if ``download`` is true, the mirrors.
    split
        ``"train"`` (60,000 images for MNIST) or ``"test"`` (10,000).
    normalize, dtype
        Pixels are divided by 255 into [0, 1] (``dtype`` must then be floating);
        with ``normalize=False`` they keep their values 0..255, cast to ``dtype``.
    flatten
        Return images as (N, rows*cols) instead of (N, rows, cols).
    limit
        Keep only the first ``limit`` examples.
    fetch, timeout
        The download function and its timeout in seconds, see
        :mod:`symnn.data.download`.

    Labels are always int64. Missing or wrong files raise :class:`DataError`; an
    unknown name raises :class:`ParameterError`:

    >>> load_dataset("cifar-10")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'name': got 'cifar-10', ... 'fashion-mnist', 'mnist'

    A small dataset written in the MNIST layout loads the same way as MNIST itself:

    >>> import tempfile
    >>> from symnn.data import source_from_directory, write_split
    >>> pixels = np.full((3, 28, 28), 255, dtype=np.uint8)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_split(tmp, pixels, np.array([7, 0, 7], dtype=np.uint8))
    ...     tiny = source_from_directory("tiny", tmp)
    ...     x, y = load_dataset(tiny, data_dir=tmp, flatten=True, limit=2, download=False)
    >>> x.shape, x.dtype, float(x.max()), y.tolist(), y.dtype
    ((2, 784), dtype('float32'), 1.0, [7, 0], dtype('int64'))
    """
    source = get_source(name)
    target = _check_options(normalize, dtype, limit)
    files = locate_files(
        source, split, data_dir=data_dir, download=download, fetch=fetch, timeout=timeout
    )
    images, labels = read_split(source, files)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    if normalize:
        images = np.divide(images, target.type(255), dtype=target)
    else:
        images = images.astype(target, copy=False)
    if flatten:
        images = images.reshape(len(images), -1)
    return images, labels.astype(np.int64)

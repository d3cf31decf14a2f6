"""Datasets of your own in the MNIST file layout.

:func:`write_split` saves images and labels under the published MNIST file names, and
:func:`source_from_directory` describes such a directory as a
:class:`~symnn.data.sources.DatasetSource` whose checksums are those of the files it
finds there. Together they let a subset, an augmented copy or a synthetic dataset be
loaded exactly like MNIST:

>>> import tempfile, numpy as np
>>> from symnn.data import load_dataset
>>> rng = np.random.default_rng(0)
>>> with tempfile.TemporaryDirectory() as tmp:
...     for split, n in (("train", 6), ("test", 4)):
...         images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
...         _ = write_split(tmp, images, np.arange(n, dtype=np.uint8), split=split)
...     tiny = source_from_directory("tiny", tmp)
...     x, y = load_dataset(tiny, data_dir=tmp, split="test", download=False)
>>> x.shape, y.tolist()
((4, 28, 28), [0, 1, 2, 3])
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from symnn.data.idx import idx_shape, write_idx
from symnn.data.locate import SplitFiles
from symnn.data.sources import KINDS, MNIST_CLASSES, SPLITS, DatasetSource, FileSpec
from symnn.data.sources import canonical_filename as _name
from symnn.data.verify import file_digest
from symnn.errors import DataError, ParameterError, ShapeError

__all__ = ["source_from_directory", "write_split"]


def write_split(
    directory: str | os.PathLike[str],
    images: np.ndarray,
    labels: np.ndarray,
    *,
    split: str = "train",
    compress: bool = True,
) -> SplitFiles:
    """Write one split as ``<prefix>-images-idx3-ubyte[.gz]`` and ``-labels-idx1-ubyte``.

    ``images`` is (N, rows, cols) and ``labels`` (N,), both uint8; ``compress=False``
    writes the uncompressed files (the names without ``.gz``). Returns their paths.
    """
    if split not in SPLITS:
        raise ParameterError("split", split, "'train' or 'test'")
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ShapeError(
            f"expected images (N, rows, cols) and labels (N,), got {images.shape} and "
            f"{labels.shape}"
        )
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, array in zip(KINDS, (images, labels), strict=True):
        if array.dtype != np.uint8:
            raise ParameterError(kind, f"an array of dtype {array.dtype}", "dtype uint8")
        name = _name(split, kind)
        paths.append(write_idx(folder / (name if compress else name.removesuffix(".gz")), array))
    return SplitFiles(*paths)


def _spec(folder: Path, split: str, kind: str) -> FileSpec | None:
    gz = folder / _name(split, kind)
    raw = folder / gz.name.removesuffix(".gz")
    if not gz.is_file() and not raw.is_file():
        return None
    md5 = file_digest(gz, "md5") if gz.is_file() else None
    sha256 = file_digest(raw, "sha256") if raw.is_file() else None
    return FileSpec(
        gz.name,
        md5,
        gz.stat().st_size if md5 else None,
        sha256,
        raw.stat().st_size if sha256 else None,
    )


def source_from_directory(
    name: str,
    directory: str | os.PathLike[str],
    *,
    title: str | None = None,
    class_names: tuple[str, ...] = MNIST_CLASSES,
) -> DatasetSource:
    """Describe the MNIST-named IDX files in ``directory`` as a dataset called ``name``.

    The checksums recorded are those of the files as they are now, so later changes to
    them are caught. The image shape is read from an image file's header. Splits whose
    files are absent are left out; no file at all raises :class:`DataError`.
    """
    folder = Path(directory)
    files = {}
    for split in SPLITS:
        for kind in KINDS:
            spec = _spec(folder, split, kind)
            if spec is not None:
                files[(split, kind)] = spec
    images = [spec for (_, kind), spec in files.items() if kind == "images"]
    if not images:
        raise DataError(
            f"{folder}: no MNIST-named image files (such as {_name('train', 'images')})"
        )
    first = folder / (images[0].filename if images[0].md5 else images[0].raw_filename)
    shape = idx_shape(first)
    if len(shape) != 3:
        raise DataError(f"{first}: expected three dimensions (N, rows, cols), found {shape}")
    return DatasetSource(
        name=name,
        title=title or name,
        files=files,
        class_names=tuple(class_names),
        image_shape=(shape[1], shape[2]),
        directories=(name,),
    )

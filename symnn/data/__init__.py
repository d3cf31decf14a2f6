"""MNIST and Fashion-MNIST for the NumPy simulator.

``load_dataset(name, split=...)`` returns ``(images, labels)`` as NumPy arrays::

    from symnn.data import load_dataset, one_hot, train_validation_split
    x, y = load_dataset("mnist")                          # (60000, 28, 28) float32 in [0, 1]
    x_test, y_test = load_dataset("fashion-mnist", split="test", flatten=True)
    x_tr, y_tr, x_val, y_val = train_validation_split(x, y, 10_000, seed=0)
    targets = one_hot(y_tr, 10)

The files are looked for in ``data_dir`` (the command line's ``--data-dir``), then in
``$SYMNN_DATA``, then in the cache (``$SYMNN_CACHE``, ``$XDG_CACHE_HOME/symnn`` or
``~/.cache/symnn``), and are downloaded into the cache as a last resort. Every file is
checked against its published size and checksum before use.

The package imports only NumPy and the standard library.

>>> sorted(SOURCES)
['fashion-mnist', 'mnist']
"""

from __future__ import annotations

from symnn.data.custom import source_from_directory, write_split
from symnn.data.download import DownloadError, download_file, urllib_fetch
from symnn.data.idx import idx_shape, parse_idx, read_idx, write_idx
from symnn.data.loader import load_dataset, read_split
from symnn.data.locate import ENV_CACHE, ENV_DATA, SplitFiles, cache_dir, locate_files
from symnn.data.sources import (
    FASHION_MNIST_CLASSES,
    MNIST_CLASSES,
    SOURCES,
    DatasetSource,
    FileSpec,
    dataset_names,
    get_source,
)
from symnn.data.summary import DatasetSummary, describe, summarize
from symnn.data.transforms import one_hot, shift_images, train_validation_split
from symnn.data.verify import clear_digest_cache, file_digest, verify_file

__all__ = [
    "ENV_CACHE",
    "ENV_DATA",
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "SOURCES",
    "DatasetSource",
    "DatasetSummary",
    "DownloadError",
    "FileSpec",
    "SplitFiles",
    "cache_dir",
    "clear_digest_cache",
    "dataset_names",
    "describe",
    "download_file",
    "file_digest",
    "get_source",
    "idx_shape",
    "load_dataset",
    "locate_files",
    "one_hot",
    "parse_idx",
    "read_idx",
    "read_split",
    "shift_images",
    "source_from_directory",
    "summarize",
    "train_validation_split",
    "urllib_fetch",
    "verify_file",
    "write_idx",
    "write_split",
]

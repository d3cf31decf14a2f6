"""The dataset catalogue: file names, checksums, sizes, mirrors and class names.

Each dataset has four files, named as published::

    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz

The MD5 and size of every published ``.gz`` are recorded, and so are the SHA-256 and
size of the uncompressed IDX file, so an unpacked copy is verified as well.

>>> for filename in SOURCES["mnist"].expected_files():
...     print(filename)
train-images-idx3-ubyte.gz
train-labels-idx1-ubyte.gz
t10k-images-idx3-ubyte.gz
t10k-labels-idx1-ubyte.gz
>>> SOURCES["fashion-mnist"].class_names[9]
'Ankle boot'
>>> get_source("MNIST").name
'mnist'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from symnn.errors import DataError, ParameterError

__all__ = [
    "FASHION_MNIST_CLASSES",
    "KINDS",
    "MNIST_CLASSES",
    "SOURCES",
    "SPLITS",
    "DatasetSource",
    "FileSpec",
    "canonical_filename",
    "dataset_names",
    "get_source",
    "identify_digest",
]

Split = Literal["train", "test"]
Kind = Literal["images", "labels"]
SPLITS: tuple[str, ...] = ("train", "test")
KINDS: tuple[str, ...] = ("images", "labels")

MNIST_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


def canonical_filename(split: str, kind: str) -> str:
    """The published file name of one split and kind.

    >>> canonical_filename("test", "labels")
    't10k-labels-idx1-ubyte.gz'
    """
    prefix = {"train": "train", "test": "t10k"}[split]
    return f"{prefix}-{kind}-idx{3 if kind == 'images' else 1}-ubyte.gz"


@dataclass(frozen=True)
class FileSpec:
    """One dataset file: its published name and what it must hash to.

    ``md5`` and ``size`` describe the gzip-compressed file; ``raw_sha256`` and
    ``raw_size`` the uncompressed IDX file (named without ``.gz``). A ``None`` checksum
    means that form of the file is not accepted.
    """

    filename: str
    md5: str | None
    size: int | None
    raw_sha256: str | None = None
    raw_size: int | None = None

    @property
    def raw_filename(self) -> str:
        """The name of the uncompressed file: the published name without ``.gz``."""
        return self.filename.removesuffix(".gz")


@dataclass(frozen=True, eq=False)
class DatasetSource:
    """A dataset in IDX format: its files, where to download them, its classes.

    ``directories`` are the sub-directory names searched inside a data directory, in
    order (the first is where downloads are cached); the directory itself is searched
    last.
    """

    name: str
    title: str
    files: Mapping[tuple[str, str], FileSpec]
    mirrors: tuple[str, ...] = ()
    class_names: tuple[str, ...] = MNIST_CLASSES
    image_shape: tuple[int, int] = (28, 28)
    directories: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.directories:
            object.__setattr__(self, "directories", (self.name,))

    def file(self, split: str, kind: str) -> FileSpec:
        """The :class:`FileSpec` of ``split`` ("train" or "test") and ``kind``."""
        if split not in SPLITS:
            raise ParameterError("split", split, "'train' or 'test'")
        try:
            return self.files[(split, kind)]
        except KeyError:
            raise DataError(f"dataset {self.name!r} has no {split} {kind} file") from None

    def expected_files(self) -> list[str]:
        """Every published file name of the dataset, in catalogue order."""
        return [spec.filename for spec in self.files.values()]


def _spec(split: str, kind: str, md5: str, size: int, sha256: str) -> FileSpec:
    count = 60000 if split == "train" else 10000
    raw_size = 16 + count * 784 if kind == "images" else 8 + count
    return FileSpec(canonical_filename(split, kind), md5, size, sha256, raw_size)


MNIST = DatasetSource(
    name="mnist",
    title="MNIST",
    files={
        ("train", "images"): _spec("train", "images", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422,
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        ("train", "labels"): _spec("train", "labels", "d53e105ee54ea40749a09fcbcd1e9432", 28881,
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        ("test", "images"): _spec("test", "images", "9fb629c4189551a2d022fa330f9573f3", 1648877,
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        ("test", "labels"): _spec("test", "labels", "ec29112dd5afa0611ce80d1b7f02629c", 4542,
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    class_names=MNIST_CLASSES,
    directories=("mnist", "MNIST/raw"),
)  # fmt: skip

FASHION_MNIST = DatasetSource(
    name="fashion-mnist",
    title="Fashion-MNIST",
    files={
        ("train", "images"): _spec("train", "images", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880,
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        ("train", "labels"): _spec("train", "labels", "25c81989df183df01b3e8a0aad5dffbe", 29515,
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        ("test", "images"): _spec("test", "images", "bef4ecab320f06d8554ea6380940ec79", 4422102,
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        ("test", "labels"): _spec("test", "labels", "bb300cfdad3c16e7a12a480ee83cd310", 5148,
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    },
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    class_names=FASHION_MNIST_CLASSES,
    directories=("fashion-mnist", "FashionMNIST/raw"),
)  # fmt: skip

#: The catalogue: dataset name -> :class:`DatasetSource`.
SOURCES: Mapping[str, DatasetSource] = {source.name: source for source in (MNIST, FASHION_MNIST)}


def dataset_names() -> list[str]:
    """The names of the catalogued datasets.

    >>> dataset_names()
    ['fashion-mnist', 'mnist']
    """
    return sorted(SOURCES)


def get_source(name: str | DatasetSource) -> DatasetSource:
    """The catalogue entry of ``name`` (case, ``_`` and ``-`` are not significant).

    A :class:`DatasetSource` is returned unchanged. An unknown name raises
    :class:`~symnn.errors.ParameterError` listing the known names.
    """
    if isinstance(name, DatasetSource):
        return name
    key = str(name).strip().lower().replace("_", "-")
    key = {"fashionmnist": "fashion-mnist"}.get(key, key)
    if key not in SOURCES:
        known = ", ".join(repr(known) for known in dataset_names())
        raise ParameterError("name", name, f"a dataset name, one of {known}")
    return SOURCES[key]


def identify_digest(digest: str) -> str | None:
    """Name the catalogued file whose MD5 (``.gz``) or SHA-256 (raw IDX) is ``digest``.

    >>> identify_digest("bef4ecab320f06d8554ea6380940ec79")
    'the Fashion-MNIST file t10k-images-idx3-ubyte.gz'
    >>> identify_digest("0" * 32) is None
    True
    """
    for source in SOURCES.values():
        for spec in source.files.values():
            if digest == spec.md5:
                return f"the {source.title} file {spec.filename}"
            if digest == spec.raw_sha256:
                return f"the {source.title} file {spec.raw_filename}"
    return None

"""The dataset catalogue and the checksum verification of files."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from symnn.data import verify
from symnn.data.sources import (
    FASHION_MNIST_CLASSES,
    SOURCES,
    FileSpec,
    canonical_filename,
    dataset_names,
    get_source,
    identify_digest,
)
from symnn.data.verify import clear_digest_cache, file_digest, verify_file
from symnn.errors import DataError, ParameterError

NAMES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_each_dataset_lists_the_four_published_files(name: str) -> None:
    source = SOURCES[name]
    assert source.expected_files() == NAMES
    for (split, kind), spec in source.files.items():
        assert spec.filename == canonical_filename(split, kind)
        assert re.fullmatch(r"[0-9a-f]{32}", spec.md5 or "")
        assert re.fullmatch(r"[0-9a-f]{64}", spec.raw_sha256 or "")
        count = 60000 if split == "train" else 10000
        assert spec.raw_size == (16 + 784 * count if kind == "images" else 8 + count)


def test_checksums_and_sizes_are_the_published_ones() -> None:
    mnist, fashion = SOURCES["mnist"], SOURCES["fashion-mnist"]
    assert mnist.file("train", "images").md5 == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert mnist.file("test", "labels").size == 4542
    assert fashion.file("train", "images").md5 == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    assert fashion.file("test", "labels").size == 5148
    all_md5 = [spec.md5 for source in SOURCES.values() for spec in source.files.values()]
    assert len(set(all_md5)) == 8


def test_mirrors_in_order_and_class_names() -> None:
    assert SOURCES["mnist"].mirrors == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    assert SOURCES["fashion-mnist"].mirrors[0].startswith("http://fashion-mnist.s3-website")
    assert "zalandoresearch/fashion-mnist" in SOURCES["fashion-mnist"].mirrors[1]
    assert FASHION_MNIST_CLASSES[0] == "T-shirt/top"
    assert len(SOURCES["fashion-mnist"].class_names) == 10
    assert SOURCES["mnist"].class_names == tuple("0123456789")


@pytest.mark.parametrize("spelling", ["mnist", "MNIST", "Fashion-MNIST", "fashion_mnist"])
def test_names_are_matched_loosely(spelling: str) -> None:
    assert get_source(spelling).name in dataset_names()


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ParameterError) as caught:
        get_source("cifar10")
    assert "'cifar10'" in str(caught.value)
    assert "'mnist'" in str(caught.value) and "'fashion-mnist'" in str(caught.value)


def test_unknown_split_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="'train' or 'test'"):
        SOURCES["mnist"].file("validation", "images")


def test_identify_digest_knows_both_forms() -> None:
    fashion = SOURCES["fashion-mnist"].file("train", "labels")
    assert identify_digest(fashion.md5 or "") == "the Fashion-MNIST file train-labels-idx1-ubyte.gz"
    assert identify_digest(fashion.raw_sha256 or "") == (
        "the Fashion-MNIST file train-labels-idx1-ubyte"
    )


def test_digest_is_remembered_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = verify._hash_file

    def counting(path: str, algorithm: str) -> str:
        calls.append(path)
        return original(path, algorithm)

    monkeypatch.setattr(verify, "_hash_file", counting)
    clear_digest_cache()
    path = tmp_path / "file.bin"
    path.write_bytes(b"first")
    assert file_digest(path) == hashlib.md5(b"first").hexdigest()
    assert file_digest(path) == hashlib.md5(b"first").hexdigest()
    assert len(calls) == 1
    path.write_bytes(b"second, longer")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert file_digest(path) == hashlib.md5(b"second, longer").hexdigest()
    assert len(calls) == 2


def test_verify_accepts_the_right_file(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"payload")
    spec = FileSpec(path.name, hashlib.md5(b"payload").hexdigest(), 7)
    verify_file(path, spec)  # no exception
    with pytest.raises(DataError, match="no checksum is recorded"):
        verify_file(tmp_path / "t10k-labels-idx1-ubyte", spec)


def test_mislabelled_file_is_caught_by_its_checksum(tmp_path: Path) -> None:
    spec = SOURCES["mnist"].file("test", "labels")
    path = tmp_path / spec.filename
    path.write_bytes(b"not the MNIST labels")
    with pytest.raises(DataError) as caught:
        verify_file(path, spec, dataset="MNIST")
    message = str(caught.value)
    assert str(path) in message
    assert "size mismatch" in message
    assert spec.md5 in message  # expected
    assert "4542 bytes" in message and "20 bytes" in message

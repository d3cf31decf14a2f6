"""Where dataset files are looked for: the search order, the layouts, the cache."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from symnn.data import verify
from symnn.data.custom import source_from_directory, write_split
from symnn.data.locate import cache_dir, locate_files, search_places
from symnn.data.sources import SOURCES, DatasetSource
from symnn.errors import DataError


@pytest.fixture(autouse=True)
def isolated(offline_cache: Path) -> Path:
    """Every test here runs offline with a private cache."""
    return offline_cache


def _tiny(directory: Path, compress: bool = True) -> DatasetSource:
    rng = np.random.default_rng(1)
    for split, count in (("train", 5), ("test", 3)):
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=count, dtype=np.uint8)
        write_split(directory, images, labels, split=split, compress=compress)
    return source_from_directory("tiny", directory)


def _copy_into(reference: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*reference.glob("*-ubyte"), *reference.glob("*-ubyte.gz")]:
        shutil.copy2(path, folder / path.name)
    return folder


def test_explicit_dir_beats_symnn_data_beats_cache(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _tiny(tmp_path / "reference")
    explicit = _copy_into(tmp_path / "reference", tmp_path / "explicit" / "tiny")
    env = _copy_into(tmp_path / "reference", tmp_path / "env" / "tiny")
    cached = _copy_into(tmp_path / "reference", isolated / "tiny")
    monkeypatch.setenv("SYMNN_DATA", str(tmp_path / "env"))

    found = locate_files(source, "test", data_dir=tmp_path / "explicit", download=False)
    assert found.images.parent == explicit
    assert found.labels.parent == explicit
    assert locate_files(source, "test", download=False).images.parent == env
    monkeypatch.delenv("SYMNN_DATA")
    assert locate_files(source, "test", download=False).images.parent == cached


def test_an_incomplete_directory_falls_through_to_the_next_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _tiny(tmp_path / "reference")
    explicit = tmp_path / "explicit"
    explicit.mkdir()
    shutil.copy2(tmp_path / "reference" / "t10k-images-idx3-ubyte.gz", explicit)
    monkeypatch.setenv("SYMNN_DATA", str(tmp_path / "reference"))
    found = locate_files(source, "test", data_dir=explicit, download=False)
    assert found.images.parent == explicit
    assert found.labels.parent == tmp_path / "reference"


def test_symnn_data_may_list_several_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _tiny(tmp_path / "reference")
    monkeypatch.setenv("SYMNN_DATA", f"{tmp_path / 'empty'}:{tmp_path / 'reference'}")
    origins = [place.origin for place in search_places()]
    assert origins == ["SYMNN_DATA", "SYMNN_DATA", "cache"]
    assert locate_files(source, "train", download=False).images.parent == tmp_path / "reference"


def test_nested_layout_is_preferred_over_flat(tmp_path: Path) -> None:
    source = _tiny(tmp_path / "data")
    flat = locate_files(source, "train", data_dir=tmp_path / "data", download=False)
    assert flat.images == tmp_path / "data" / "train-images-idx3-ubyte.gz"
    nested = _copy_into(tmp_path / "data", tmp_path / "data" / "tiny")
    found = locate_files(source, "train", data_dir=tmp_path / "data", download=False)
    assert found.images == nested / "train-images-idx3-ubyte.gz"


def test_uncompressed_files_are_accepted_and_verified(tmp_path: Path) -> None:
    source = _tiny(tmp_path / "raw", compress=False)
    spec = source.file("test", "labels")
    assert spec.md5 is None and spec.raw_sha256 is not None
    found = locate_files(source, "test", data_dir=tmp_path / "raw", download=False)
    assert found.labels.name == "t10k-labels-idx1-ubyte"
    found.labels.write_bytes(found.labels.read_bytes()[:-1])
    with pytest.raises(DataError, match="SHA-256"):
        locate_files(source, "test", data_dir=tmp_path / "raw", download=False)


def test_mislabelled_file_in_data_dir_is_refused(tmp_path: Path) -> None:
    _tiny(tmp_path / "tiny-data")
    folder = _copy_into(tmp_path / "tiny-data", tmp_path / "data" / "mnist")
    with pytest.raises(DataError) as caught:
        locate_files("mnist", "test", data_dir=tmp_path / "data", download=False)
    message = str(caught.value)
    assert str(folder / "t10k-images-idx3-ubyte.gz") in message
    assert SOURCES["mnist"].file("test", "images").md5 in message
    assert "size mismatch" in message


def test_damaged_cache_file_says_to_delete_it(tmp_path: Path, isolated: Path) -> None:
    source = _tiny(tmp_path / "reference")
    cached = _copy_into(tmp_path / "reference", isolated / "tiny")
    (cached / "t10k-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    with pytest.raises(DataError, match="delete it to download it again"):
        locate_files(source, "test", download=False)


def test_missing_explicit_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere.*does not exist"):
        locate_files("mnist", "test", data_dir=tmp_path / "nowhere")


def test_cache_dir_environment_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMNN_CACHE", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "a"
    monkeypatch.delenv("SYMNN_CACHE")
    assert cache_dir() == tmp_path / "xdg" / "symnn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "symnn"


def test_not_found_without_download_lists_places(tmp_path: Path, isolated: Path) -> None:
    with pytest.raises(DataError) as caught:
        locate_files("fashion-mnist", "test", data_dir=tmp_path, download=False)
    message = str(caught.value)
    assert "download=False" in message
    assert str(tmp_path / "fashion-mnist") in message
    assert str(isolated / "fashion-mnist") in message
    assert "DIR/fashion-mnist/t10k-images-idx3-ubyte.gz" in message


def _make_folder(path: Path) -> None:
    path.mkdir()


def _make_fifo(path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(path)


def _make_device(path: Path) -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null on this system")
    path.symlink_to("/dev/null")


def _make_broken_link(path: Path) -> None:
    path.symlink_to(path.parent / "missing-target")


@pytest.mark.parametrize(
    ("make", "what"),
    [(_make_folder, "a directory"), (_make_fifo, "a FIFO"), (_make_device, "a character device"),
     (_make_broken_link, "a broken symbolic link")],
)  # fmt: skip
def test_an_entry_that_is_not_a_file_is_named_for_what_it_is(
    make: Callable[[Path], None], what: str, tmp_path: Path
) -> None:
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    entry = folder / "t10k-images-idx3-ubyte.gz"
    make(entry)
    with pytest.raises(DataError) as caught:
        locate_files("mnist", "test", data_dir=tmp_path / "data", download=False)
    message = str(caught.value)
    assert str(entry) in message and f"is {what}" in message and "not a regular file" in message
    assert "could not be found" not in message


def test_data_dir_that_is_a_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "mnist.gz"
    path.write_bytes(b"not a directory")
    with pytest.raises(DataError) as caught:
        locate_files("mnist", "test", data_dir=path)
    message = str(caught.value)
    assert str(path) in message and "is a file, not a directory" in message
    assert "does not exist" not in message


def test_a_huge_sparse_file_is_refused_by_its_size_without_hashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_hashing(path: str, algorithm: str) -> str:
        pytest.fail(f"{path} was hashed although its size is wrong")

    monkeypatch.setattr(verify, "_hash_file", no_hashing)
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    huge = folder / "t10k-images-idx3-ubyte.gz"
    with open(huge, "wb") as stream:
        stream.truncate(20 * 10**9)  # 20 GB, sparse: no block is written
    started = time.monotonic()
    with pytest.raises(DataError) as caught:
        locate_files("mnist", "test", data_dir=tmp_path / "data", download=False)
    assert time.monotonic() - started < 5.0
    message = str(caught.value)
    assert "size mismatch" in message and "20000000000 bytes" in message and str(huge) in message


def test_a_file_of_a_catalogued_size_is_still_hashed_and_identified(tmp_path: Path) -> None:
    spec = SOURCES["mnist"].file("test", "labels")
    fashion = SOURCES["fashion-mnist"].file("test", "labels")
    assert spec.raw_size == fashion.raw_size == 10008  # 10,000 labels after an 8-byte header
    path = tmp_path / spec.raw_filename
    path.write_bytes(b"\0" * 10008)
    with pytest.raises(DataError, match=r"checksum mismatch.*damaged"):
        verify.verify_file(path, spec)

"""The IDX reader and writer: round trips and every kind of damaged file."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from symnn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, idx_shape, parse_idx, read_idx, write_idx
from symnn.errors import DataError, ParameterError

IMAGES = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)


def _images_bytes(count: int = 3, rows: int = 4, cols: int = 5, extra: bytes = b"") -> bytes:
    header = struct.pack(">IIII", IMAGES_MAGIC, count, rows, cols)
    return header + bytes(range(count * rows * cols)) + extra


@pytest.mark.parametrize("name", ["x-images-idx3-ubyte.gz", "x-images-idx3-ubyte"])
def test_round_trip_gzip_and_raw(tmp_path: Path, name: str) -> None:
    path = write_idx(tmp_path / name, IMAGES)
    assert path.read_bytes().startswith(b"\x1f\x8b") == name.endswith(".gz")
    back = read_idx(path, expect="images")
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, IMAGES)
    assert back.flags.writeable


def test_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    gz_named_raw = write_idx(tmp_path / "raw.gz", IMAGES, compress=False)
    raw_named_gz = write_idx(tmp_path / "packed.idx", IMAGES, compress=True)
    np.testing.assert_array_equal(read_idx(gz_named_raw), IMAGES)
    np.testing.assert_array_equal(read_idx(raw_named_gz), IMAGES)


def test_writer_matches_the_mnist_header_layout(tmp_path: Path) -> None:
    labels = np.array([5, 0, 4], dtype=np.uint8)
    path = write_idx(tmp_path / "labels.idx", labels)
    assert path.read_bytes() == struct.pack(">II", LABELS_MAGIC, 3) + bytes([5, 0, 4])
    assert parse_idx(_images_bytes()).shape == (3, 4, 5)


def test_gzip_output_is_deterministic(tmp_path: Path) -> None:
    first = write_idx(tmp_path / "a.gz", IMAGES).read_bytes()
    second = write_idx(tmp_path / "b.gz", IMAGES).read_bytes()
    assert first == second


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from(["u1", "i1", ">i2", "<i4", "f4", "f8"]),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
    )
)
def test_round_trip_property(array: np.ndarray) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        back = read_idx(write_idx(Path(tmp) / "a.idx.gz", array))
    assert back.shape == array.shape
    assert back.dtype == array.dtype.newbyteorder("=")
    np.testing.assert_array_equal(back, array)


def test_writer_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = write_idx(tmp_path / "keep.gz", IMAGES)
    before = target.read_bytes()
    with pytest.raises(ParameterError, match="dtype"):
        write_idx(target, np.zeros(3, dtype=np.complex64))
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.gz"]


def test_idx_shape_reads_only_the_header(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "a.gz", IMAGES)
    assert idx_shape(path) == (3, 4, 5)
    (tmp_path / "junk").write_bytes(b"\x08\x03junk")
    with pytest.raises(DataError, match="junk"):
        idx_shape(tmp_path / "junk")


def _corrupt_cases() -> dict[str, tuple[bytes, str]]:
    good = _images_bytes()
    packed = gzip.compress(good)
    damaged = bytearray(packed)
    damaged[len(damaged) // 2] ^= 0xFF
    return {
        "labels magic": (struct.pack(">II", LABELS_MAGIC, 1) + b"\x00", "wrong magic number"),
        "not idx": (b"PK\x03\x04" + good[4:], "wrong magic number 0x504b0304"),
        "empty": (b"", "too short for an IDX header"),
        "short header": (good[:10], "header needs 16 bytes"),
        "truncated data": (good[:-7], "truncated: the header promises 60 data bytes"),
        "trailing bytes": (good + b"\x00\x01", "2 unexpected bytes"),
        "truncated gzip": (packed[:-12], "corrupt gzip data"),
        "damaged gzip": (bytes(damaged), "corrupt gzip data"),
        "garbage after gzip": (packed + b"garbage!", "corrupt gzip data"),
        "truncated inside gzip": (gzip.compress(good[:-1]), "truncated"),
        "trailing inside gzip": (gzip.compress(good + b"x"), "trailing garbage"),
    }


@pytest.mark.parametrize("case", sorted(_corrupt_cases()))
def test_every_corruption_is_refused_naming_the_file(tmp_path: Path, case: str) -> None:
    data, reason = _corrupt_cases()[case]
    path = tmp_path / f"broken-{case.replace(' ', '-')}.gz"
    path.write_bytes(data)
    with pytest.raises(DataError) as caught:
        read_idx(path, expect="images")
    message = str(caught.value)
    assert str(path) in message
    assert reason in message


def test_missing_file_is_a_data_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"absent\.gz: cannot read the file"):
        read_idx(tmp_path / "absent.gz")


def test_unknown_type_code_is_refused() -> None:
    with pytest.raises(DataError, match="not an IDX file"):
        parse_idx(bytes([0, 0, 0x0A, 1, 0, 0, 0, 0]), source="odd.idx")

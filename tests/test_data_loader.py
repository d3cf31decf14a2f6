"""The public loader on small files, the split and one-hot helpers, and describe()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.data import (
    describe,
    load_dataset,
    one_hot,
    source_from_directory,
    train_validation_split,
    write_idx,
    write_split,
)
from symnn.data.sources import DatasetSource
from symnn.errors import DataError, ParameterError, ShapeError

PIXELS = np.array([0, 51, 255], dtype=np.uint8)


@pytest.fixture(autouse=True)
def offline(offline_cache: Path) -> Path:
    """Every test here runs offline with a private cache."""
    return offline_cache


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[DatasetSource, Path]:
    images = np.zeros((4, 28, 28), dtype=np.uint8)
    images[:, 0, :3] = PIXELS
    images[:, 27, 27] = np.arange(4)
    write_split(tmp_path / "d", images, np.array([3, 1, 4, 1], dtype=np.uint8), split="train")
    return source_from_directory("tiny", tmp_path / "d"), tmp_path / "d"


def test_defaults_normalize_to_float32_in_unit_interval(tiny) -> None:
    source, folder = tiny
    x, y = load_dataset(source, data_dir=folder, download=False)
    assert x.shape == (4, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0, 0, :3], PIXELS.astype(np.float32) / np.float32(255))
    assert x.min() == 0.0 and x.max() == 1.0
    assert y.dtype == np.int64 and y.tolist() == [3, 1, 4, 1]


def test_options_flatten_limit_dtype_raw(tiny) -> None:
    source, folder = tiny
    x, y = load_dataset(source, data_dir=folder, flatten=True, limit=2, dtype=np.float64)
    assert x.shape == (2, 784) and x.dtype == np.float64 and y.tolist() == [3, 1]
    np.testing.assert_array_equal(x[:, 27 * 28 + 27], [0.0, 1 / 255])
    raw, _ = load_dataset(source, data_dir=folder, normalize=False, dtype=np.uint8)
    assert raw.dtype == np.uint8 and raw[0, 0, 2] == 255
    many, _ = load_dataset(source, data_dir=folder, limit=100)
    assert len(many) == 4


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({"split": "validation"}, "split"),
        ({"limit": 0}, "limit"),
        ({"limit": True}, "limit"),
        ({"dtype": np.uint8}, "dtype"),
        ({"dtype": "not a dtype"}, "dtype"),
    ],
)
def test_bad_options_are_parameter_errors(tiny, options, parameter) -> None:
    source, folder = tiny
    with pytest.raises(ParameterError) as caught:
        load_dataset(source, data_dir=folder, download=False, **options)
    assert caught.value.name == parameter


def test_unknown_dataset_lists_known_names() -> None:
    with pytest.raises(ParameterError, match=r"'fashion-mnist', 'mnist'"):
        load_dataset("emnist")


def _rewrite(folder: Path, name: str, array: np.ndarray) -> DatasetSource:
    write_idx(folder / name, array)
    return source_from_directory("tiny", folder)


def test_files_that_do_not_belong_together_are_refused(tiny) -> None:
    _, folder = tiny
    source = _rewrite(folder, "train-labels-idx1-ubyte.gz", np.zeros(3, dtype=np.uint8))
    with pytest.raises(DataError, match=r"4 images but .* 3 labels"):
        load_dataset(source, data_dir=folder)


def test_wrong_image_size_and_label_range_are_refused(tiny) -> None:
    _, folder = tiny
    source = _rewrite(folder, "train-labels-idx1-ubyte.gz", np.array([0, 1, 2, 10], np.uint8))
    with pytest.raises(DataError, match=r"label 10 is not a class index 0\.\.9"):
        load_dataset(source, data_dir=folder)
    small = np.zeros((4, 8, 8), dtype=np.uint8)
    source = _rewrite(folder, "train-images-idx3-ubyte.gz", small)
    assert source.image_shape == (8, 8)
    wrong = DatasetSource("tiny", "tiny", source.files)  # claims 28x28
    with pytest.raises(DataError, match="images are 8x8, expected 28x28"):
        load_dataset(wrong, data_dir=folder)


def test_describe_counts_classes_and_pixels(tiny) -> None:
    source, folder = tiny
    summary = describe(source, data_dir=folder, download=False)
    assert summary.count == 4
    assert summary.class_counts == (0, 2, 0, 1, 1, 0, 0, 0, 0, 0)
    x, _ = load_dataset(source, data_dir=folder, dtype=np.float64)
    assert summary.pixel_mean == pytest.approx(x.mean(), abs=1e-12)
    assert summary.pixel_std == pytest.approx(x.std(), abs=1e-12)
    assert "tiny (train): 4 images of 28x28 pixels" in str(summary)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), data=st.data())
def test_train_validation_split_partitions_and_is_seeded(n: int, data) -> None:
    n_val = data.draw(st.integers(0, n))
    seed = data.draw(st.integers(0, 2**32 - 1))
    x = np.arange(n) * 3
    y = np.arange(n)
    x_tr, y_tr, x_val, y_val = train_validation_split(x, y, n_val, seed)
    assert len(x_val) == n_val and len(x_tr) == n - n_val
    np.testing.assert_array_equal(x_tr, y_tr * 3)
    np.testing.assert_array_equal(x_val, y_val * 3)
    assert sorted([*y_tr, *y_val]) == list(range(n))
    again = train_validation_split(x, y, n_val, seed)
    np.testing.assert_array_equal(again[3], y_val)


def test_train_validation_split_seed_changes_the_split_and_checks_inputs() -> None:
    y = np.arange(100)
    assert not np.array_equal(
        train_validation_split(y, y, 10, 0)[3], train_validation_split(y, y, 10, 1)[3]
    )
    with pytest.raises(ShapeError):
        train_validation_split(y, y[:5], 2, 0)
    with pytest.raises(ParameterError, match="from 0 to 100"):
        train_validation_split(y, y, 101, 0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=20))
def test_one_hot_property(labels: list[int]) -> None:
    encoded = one_hot(np.array(labels, dtype=np.int64), 10)
    assert encoded.shape == (len(labels), 10)
    np.testing.assert_array_equal(encoded.sum(axis=1), np.ones(len(labels)))
    np.testing.assert_array_equal(encoded.argmax(axis=1), labels)


def test_one_hot_refuses_bad_labels() -> None:
    with pytest.raises(ParameterError, match="from 0 to 2"):
        one_hot(np.array([0, -1]), 3)
    with pytest.raises(ParameterError, match="integer labels"):
        one_hot(np.array([0.5]), 3)
    with pytest.raises(ParameterError, match="num_classes"):
        one_hot(np.array([0]), 0)

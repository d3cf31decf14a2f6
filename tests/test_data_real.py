"""The real MNIST and Fashion-MNIST files, found through SYMNN_DATA.

These tests skip, saying why, when ``SYMNN_DATA`` is not set or does not hold the
files. They never download: the cache is a private empty directory.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from real_data import require_data

from symnn.data import describe, load_dataset
from symnn.data.sources import SOURCES
from symnn.errors import DataError

pytestmark = pytest.mark.data

MNIST_TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)
MNIST_TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMNN_CACHE", str(tmp_path / "cache"))


def test_mnist_test_split() -> None:
    require_data("mnist", ["test"])
    x, y = load_dataset("mnist", split="test", download=False)
    assert x.shape == (10000, 28, 28) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    assert tuple(np.bincount(y, minlength=10)) == MNIST_TEST_COUNTS
    assert y[:5].tolist() == [7, 2, 1, 0, 4]


def test_fashion_mnist_test_split_is_balanced() -> None:
    require_data("fashion-mnist", ["test"])
    x, y = load_dataset("fashion-mnist", split="test", flatten=True, download=False)
    assert x.shape == (10000, 784)
    assert y.min() == 0 and y.max() == 9
    assert np.bincount(y, minlength=10).tolist() == [1000] * 10
    assert y[:5].tolist() == [9, 2, 1, 1, 6]


def test_mnist_training_statistics() -> None:
    require_data("mnist", ["train"])
    summary = describe("mnist", split="train", download=False)
    assert summary.count == 60000
    assert summary.class_counts == MNIST_TRAIN_COUNTS
    assert summary.pixel_mean == pytest.approx(0.1307, abs=1e-4)
    assert summary.pixel_std == pytest.approx(0.3081, abs=1e-4)


def test_fashion_mnist_training_split_is_balanced() -> None:
    require_data("fashion-mnist", ["train"])
    summary = describe("fashion-mnist", split="train", download=False)
    assert summary.class_counts == (6000,) * 10
    assert summary.pixel_mean == pytest.approx(0.2860, abs=1e-4)


def test_fashion_file_under_an_mnist_name_is_identified(tmp_path: Path) -> None:
    require_data("fashion-mnist", ["test"])
    require_data("mnist", ["test"])
    roots = [Path(entry) for entry in os.environ["SYMNN_DATA"].split(os.pathsep)]
    labels = [root / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz" for root in roots]
    fashion = next((path for path in labels if path.is_file()), None)
    if fashion is None:
        pytest.skip("the Fashion-MNIST files are not in the DIR/fashion-mnist layout")
    wrong = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    wrong.parent.mkdir()
    shutil.copyfile(fashion, wrong)
    with pytest.raises(DataError) as caught:
        load_dataset("mnist", split="test", data_dir=tmp_path, download=False)
    message = str(caught.value)
    assert str(wrong) in message
    assert SOURCES["mnist"].file("test", "labels").md5 in message
    assert SOURCES["fashion-mnist"].file("test", "labels").md5 in message
    assert "it is the Fashion-MNIST file t10k-labels-idx1-ubyte.gz" in message

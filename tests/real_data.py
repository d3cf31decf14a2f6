"""Skipping tests that need the real MNIST / Fashion-MNIST files when they are absent."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from symnn.data.sources import SOURCES


def require_data(dataset: str, splits: Iterable[str] = ("train", "test")) -> None:
    """Skip, saying why, unless ``SYMNN_DATA`` holds ``dataset``'s files of ``splits``."""
    value = os.environ.get("SYMNN_DATA", "").strip()
    if not value:
        pytest.skip("SYMNN_DATA is not set, so the MNIST / Fashion-MNIST files cannot be found")
    source = SOURCES[dataset]
    roots = [Path(entry) for entry in value.split(os.pathsep) if entry.strip()]
    folders = [root / sub for root in roots for sub in (*source.directories, ".")]
    for split in splits:
        for kind in ("images", "labels"):
            spec = source.file(split, kind)
            names = (spec.filename, spec.raw_filename)
            if not any((folder / name).is_file() for folder in folders for name in names):
                pytest.skip(f"{dataset} file {spec.filename} is absent from SYMNN_DATA={value}")

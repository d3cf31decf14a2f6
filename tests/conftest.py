"""Shared test configuration: hypothesis profiles and the real-data location."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from symnn.data import download

settings.register_profile(
    "default", deadline=None, max_examples=30,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", deadline=None, max_examples=30, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture
def offline_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No SYMNN_DATA, a private cache, and any real network access fails the test."""
    monkeypatch.delenv("SYMNN_DATA", raising=False)
    monkeypatch.setenv("SYMNN_CACHE", str(tmp_path / "cache"))

    def no_network(url: str, timeout: float) -> None:
        pytest.fail(f"a test tried to download {url}")

    monkeypatch.setattr(download, "urllib_fetch", no_network)
    return tmp_path / "cache"

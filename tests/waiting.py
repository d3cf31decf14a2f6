"""Waiting, with a deadline, for a child process to reach a point of interest."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 240.0) -> None:
    """Poll ``condition`` every 50 ms; fail the test, naming ``what``, after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)

"""Time limits hold when the first alarm's exception is swallowed and when limits nest.

Timing tolerances: a limit of s seconds must end its block after at least s seconds and
within s + 0.5 s (ten re-fire intervals, generous for a loaded machine).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.core.time_limit import REFIRE_SECONDS, active_limits, time_limit
from symnn.errors import CertificationError

SLACK = 0.5
HANDLER = signal.getsignal(signal.SIGALRM)  # whatever the test run itself has installed


def busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def assert_clean() -> None:
    """No limit left active, the timer off and the run's own handler back."""
    assert active_limits() == 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is HANDLER


def test_a_swallowed_alarm_fires_again() -> None:
    swallowed = 0
    start = time.monotonic()
    with pytest.raises(CertificationError, match="a block that swallows"), \
            time_limit(0.05, "a block that swallows"):
        try:  # like SymPy's `except Exception` around one of its attempts
            busy(5)
        except Exception:
            swallowed += 1
        busy(5)  # the next phase: the alarm must reach it
    elapsed = time.monotonic() - start
    assert swallowed == 1
    assert 0.05 <= elapsed < 0.05 + SLACK
    assert_clean()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_exception_dropped_by_python_does_not_lose_the_limit() -> None:
    """An exception raised inside a ``__del__`` is reported as unraisable and dropped."""

    class Busy:
        def __del__(self) -> None:
            busy(0.2)  # the alarm fires in here, and Python drops its exception

    start = time.monotonic()
    with pytest.raises(CertificationError), time_limit(0.05, "finalisers"):
        Busy()
        busy(5)
    assert time.monotonic() - start < 0.2 + SLACK
    assert_clean()


def test_an_inner_limit_that_ends_keeps_the_outer_one() -> None:
    start = time.monotonic()
    with pytest.raises(CertificationError, match="outer"), time_limit(0.2, "outer"):
        with time_limit(0.05, "inner"):
            pass  # ends at once: the outer limit must still be armed
        busy(5)
    assert 0.2 <= time.monotonic() - start < 0.2 + SLACK
    assert_clean()


def test_an_inner_limit_cannot_extend_the_outer_one() -> None:
    start = time.monotonic()
    with pytest.raises(CertificationError, match=r"outer did not finish within 0\.1 s"), \
            time_limit(0.1, "outer"), time_limit(5.0, "inner"):
        busy(5)
    assert time.monotonic() - start < 0.1 + SLACK
    assert_clean()


def test_an_inner_timeout_caught_inside_leaves_the_outer_block_running() -> None:
    with time_limit(5.0, "outer"):
        with pytest.raises(CertificationError, match="inner"), time_limit(0.05, "inner"):
            busy(5)
        busy(4 * REFIRE_SECONDS)  # no stray alarm of the inner limit may reach this
        assert active_limits() == 1
    assert_clean()


def test_other_errors_pass_through_and_clean_up() -> None:
    with pytest.raises(ZeroDivisionError), time_limit(1.0, "a division"):
        _ = 1 / 0
    assert_clean()


def test_no_limit_outside_the_main_thread_or_for_non_positive_seconds() -> None:
    finished = []

    def work() -> None:
        with time_limit(0.01, "in a thread"):
            busy(0.1)
        finished.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert finished == [True]
    with time_limit(0, "no limit"):
        busy(0.05)
    assert_clean()


@settings(max_examples=8, deadline=None)
@given(st.lists(st.sampled_from([0.05, 0.1, 0.15, 3.0]), min_size=1, max_size=4))
def test_nested_limits_stop_at_the_earliest_deadline(limits: list[float]) -> None:
    """Entered one after another at once, the block ends with the earliest deadline's
    error (the outermost of equal ones), after it and within the slack."""
    start = time.monotonic()
    with pytest.raises(CertificationError) as raised, contextlib.ExitStack() as stack:
        for depth, seconds in enumerate(limits):
            stack.enter_context(time_limit(seconds, f"limit {depth}"))
        busy(5)
    first = min(range(len(limits)), key=lambda i: (limits[i], i))
    assert str(raised.value) == f"limit {first} did not finish within {limits[first]:g} s"
    assert limits[first] <= time.monotonic() - start < limits[first] + SLACK
    assert_clean()


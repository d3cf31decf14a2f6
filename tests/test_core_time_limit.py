"""Time limits hold when the first alarm's exception is swallowed and when limits nest; the
alarm waits while Python runs a finaliser, a gc or weak-reference callback or the unraisable
hook; no limit is ever left behind.

Timing tolerances: a limit of s seconds must end its block after at least s seconds and
within s + 0.5 s (ten re-fire intervals, generous for a loaded machine).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.core import time_limit as time_limit_module
from symnn.core.time_limit import REFIRE_SECONDS, active_limits, inside_callback, time_limit
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


def recording_hook(monkeypatch: pytest.MonkeyPatch, seconds: float = 0.0) -> list[str]:
    """Install a ``sys.unraisablehook`` that takes ``seconds`` and records the type of each
    exception it is given and that it finished; returns the record."""
    record: list[str] = []

    def hook(unraisable: Any) -> None:
        record.append(type(unraisable.exc_value).__name__)
        busy(seconds)  # alarms fall due in here
        record.append("hook finished")

    monkeypatch.setattr(sys, "unraisablehook", hook)
    return record


class SlowCallback:
    """A garbage-collection callback that takes ``seconds`` at the end of a collection."""

    def __init__(self, seconds: float, record: list[str]) -> None:
        self.seconds, self.record = seconds, record

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            busy(self.seconds)
            self.record.append("callback finished")


@contextlib.contextmanager
def gc_callback(callback: Any) -> Iterator[None]:
    """``callback`` registered in ``gc.callbacks`` while the block runs."""
    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)


def stopped_after(what: str, at_least: float, trigger: Callable[[], object]) -> None:
    """``trigger()`` (which makes Python run a slow callback) then a busy loop, under a
    limit of 0.05 s: the block is stopped by the limit, once the callback has finished."""
    start = time.monotonic()
    with pytest.raises(CertificationError, match=what), time_limit(0.05, what):
        trigger()
        busy(5)
    assert at_least <= time.monotonic() - start < at_least + SLACK
    assert_clean()


def test_the_alarm_waits_for_a_finaliser(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``__del__`` runs to its end although the limit falls due in it: nothing is dropped
    and handed to the unraisable hook, and the next alarm stops the block."""
    record = recording_hook(monkeypatch)

    class Slow:
        def __del__(self) -> None:
            busy(0.2)
            record.append("finaliser finished")

    stopped_after("finalisers", 0.2, Slow)
    assert record == ["finaliser finished"]


def test_the_alarm_waits_for_a_garbage_collection_callback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like hypothesis's ``gc_callback``, which the alarm once interrupted in a test run (a
    collection of the youngest generation only: a full one of a large heap takes long)."""
    record = recording_hook(monkeypatch)
    with gc_callback(SlowCallback(0.2, record)):
        stopped_after("a collection", 0.2, lambda: gc.collect(0))
    assert record == ["callback finished"]


class Target:
    """An object that can have weak references (and dies with its last reference)."""


def watched(kind: str, target: Target, callback: Callable[[], None]) -> object:
    """A way of having Python call ``callback`` when ``target`` dies, by name; keep the
    result until then."""
    if kind == "function":
        return weakref.ref(target, lambda reference: callback())
    if kind == "bound method":
        class Watcher:
            def on_death(self, reference: weakref.ReferenceType) -> None:
                callback()

        return weakref.ref(target, Watcher().on_death)
    return weakref.finalize(target, callback)


@pytest.mark.parametrize("kind", ["function", "bound method", "finalize"])
def test_the_alarm_waits_for_a_weak_reference_callback(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    record = recording_hook(monkeypatch)

    def callback() -> None:
        busy(0.2)
        record.append("callback finished")

    def kill() -> object:
        target = Target()
        watch = watched(kind, target, callback)
        del target  # the callback runs here
        return watch

    stopped_after("a weak reference", 0.2, kill)
    assert record == ["callback finished"]


def test_the_alarm_never_raises_inside_the_unraisable_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another exception dropped inside the block reaches the hook in place, which runs to
    its end although the limit falls due while it runs; the block is stopped after it."""
    record = recording_hook(monkeypatch, seconds=0.3)

    class Failing:
        def __del__(self) -> None:
            raise ValueError("dropped by Python")

    stopped_after("a slow hook", 0.3, Failing)
    assert record == ["ValueError", "hook finished"]


CALLBACKS_IN_A_TEST_RUN = """
import gc, time
import pytest
from symnn.core.time_limit import time_limit
from symnn.errors import CertificationError


def busy(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


class SlowCallback:
    def __init__(self, error=None):
        self.error = error

    def __call__(self, phase, info):
        busy(0.2)
        if self.error is not None and phase == "stop":
            raise self.error

    def __repr__(self):  # what pytest's unraisable hook writes out first
        busy(0.2)
        return "<a slow callback>"


def run_with(callback):
    gc.callbacks.append(callback)
    try:
        with pytest.raises(CertificationError), time_limit(0.05, "a block"):
            gc.collect()
            busy(5)
    finally:
        gc.callbacks.remove(callback)


def test_a_limit_with_a_slow_gc_callback():
    run_with(SlowCallback())


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_limit_with_a_slow_gc_callback_that_fails():
    run_with(SlowCallback(ValueError("reported by pytest's hook")))
"""


def test_a_test_run_is_not_failed_by_an_alarm_in_a_gc_callback(tmp_path: Path) -> None:
    """The failure once seen in a test run: the alarm raised in a gc callback, Python handed
    the exception to pytest's unraisable hook, and the next alarm broke the hook ("Failed to
    process unraisable exception"). Now nothing of the alarm's reaches the hook (any
    unraisable exception is an error in this run), and the hook, given another exception,
    is not interrupted."""
    (tmp_path / "test_callbacks.py").write_text(CALLBACKS_IN_A_TEST_RUN)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-W", "error::pytest.PytestUnraisableExceptionWarning", "test_callbacks.py"]
    source = Path(time_limit_module.__file__).parents[2]  # this symnn, wherever it is
    paths = [str(source), os.environ.get("PYTHONPATH", "")]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    run = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr


def seen_from(kind: str, look: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    """Have Python call ``look`` from its own machinery, in the way named ``kind``."""

    class Finalised:
        def __del__(self) -> None:
            look()

    class Failing:
        def __del__(self) -> None:
            raise ValueError("dropped by Python")

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            look()

    if kind == "__del__":
        Finalised()
    elif kind == "gc callback":
        with gc_callback(on_collection):
            gc.collect(0)
    elif kind == "unraisable hook":
        monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: look())
        Failing()
    else:
        target = Target()
        watch = watched(kind, target, look)
        del target
        del watch


@pytest.mark.parametrize("kind", ["__del__", "gc callback", "function", "bound method", "finalize",
                                  "unraisable hook"])
def test_inside_callback_knows_where_python_calls_back(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """What the alarm handler sees, one frame deeper than the callback itself."""
    seen: list[bool] = []

    def look() -> None:
        seen.append(inside_callback(sys._getframe()))

    seen_from(kind, look, monkeypatch)
    assert seen == [True]
    assert not inside_callback(sys._getframe())


def test_a_live_weak_reference_is_not_a_callback() -> None:
    """An ordinary call given a weak reference whose object lives is no callback."""
    target = Target()

    def ordinary(reference: weakref.ReferenceType) -> bool:
        return inside_callback(sys._getframe())

    assert not ordinary(weakref.ref(target))


def test_a_block_that_ends_at_its_deadline_leaves_no_limit_behind() -> None:
    """Like the search for a counterexample, which runs until the deadline it was given: the
    alarm often arrives as such a block is being left. It may stop the block, but the limit
    never stays on the stack, even while the exception is kept (its traceback holds what was
    running); an expired limit left there would stop every later block at once."""
    kept: list[CertificationError] = []
    for _ in range(300):
        end = time.monotonic() + 0.002
        try:
            with time_limit(end - time.monotonic(), "a search"):
                busy(end - time.monotonic())
        except CertificationError as error:
            kept.append(error)
        assert active_limits() == 0, f"a limit was left behind (after {len(kept)} alarms)"
    with time_limit(1.0, "a later block"):  # not stopped at once by a limit left behind
        busy(0.1)
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


"""One wall-clock budget and a memory limit for the whole grade, and bounded answer size."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

import pytest

import symnn.cli
from symnn.core import sandbox
from symnn.core.sandbox import MemoryLimitError, TimeLimitError, run_limited
from symnn.errors import ParameterError
from symnn.grading import UnsafeInputError, grader
from symnn.grading.cli import EXIT_STATUS, add_subcommands
from symnn.grading.grader import GradeResult, grade

LEAKY = "leaky-relu-gaussian-moments"


def _deaf_loop(seconds: float) -> None:
    """Busy for ``seconds`` with SIGALRM blocked: only a kill from outside stops it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_the_child_is_killed_even_when_it_ignores_alarms() -> None:
    start = time.perf_counter()
    with pytest.raises(TimeLimitError, match="within 1 s"):
        run_limited(_deaf_loop, 60, seconds=1)
    assert time.perf_counter() - start < 10  # 1 s budget plus process start and kill


def test_memory_is_limited_in_the_child() -> None:
    with pytest.raises(MemoryLimitError, match="512 MiB"):
        run_limited(bytearray, 2**31, seconds=60, memory=2**29)
    assert run_limited(len, bytearray(10), seconds=60) == 10


def test_exceptions_come_back_with_their_type_and_message() -> None:
    with pytest.raises(ParameterError, match="parameter 'n': got 0, expected a positive integer") as caught:
        run_limited(symnn.derive, "softmax-jacobian", n=0, seconds=60)
    assert caught.value.name == "n"


def _slow_decision(*args: object, **kwargs: object) -> None:
    time.sleep(60)


def test_grade_reports_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.threading, "active_count", lambda: 1)  # fork, so the patch below is seen
    monkeypatch.setattr(grader, "judge", _slow_decision)
    start = time.perf_counter()
    result = grade(LEAKY, "(1 - alpha)/sqrt(2*pi)", key="mean", timeout=2)
    assert time.perf_counter() - start < 10
    assert result.verdict == "timeout" and not result.correct
    assert "within its budget of 2 s" in result.message


def test_grade_runs_in_a_child_and_agrees_with_the_in_process_grade() -> None:
    for answer in ("(1 - alpha)/sqrt(2*pi)", "(1 + alpha)/sqrt(2*pi)"):
        here = grader.grade_in_process(LEAKY, answer, key="mean")
        there = grade(LEAKY, answer, key="mean")
        assert (there.verdict, there.message) == (here.verdict, here.message)


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan"), "30", True])
def test_bad_timeouts_are_refused(timeout: object) -> None:
    with pytest.raises(ParameterError, match="timeout"):
        grade(LEAKY, "alpha", timeout=timeout)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "fragment"), [
    ("log(" * 700 + "alpha" + ")" * 700, "functions nested more than 8 deep"),  # 2.8 KB of nested log(
    ("sqrt(" * 39 + "alpha" + ")" * 39, "functions nested more than 8 deep"),
    ("exp(" * 9 + "alpha" + ")" * 9, "functions nested more than 8 deep"),
    ("exp(exp(exp(10)))", "numbers too large to build"),
])
def test_deep_nesting_is_refused_at_once(text: str, fragment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    children: list[object] = []
    monkeypatch.setattr(grader, "run_limited", lambda *args, **kwargs: children.append(args))
    with pytest.raises(UnsafeInputError, match=fragment):
        grade(LEAKY, text, key="mean")
    assert children == [], "refused before a grading process starts"


@pytest.mark.parametrize("function", ["sqrt", "log"])
def test_nesting_within_the_limit_finishes_within_the_budget(function: str) -> None:
    start = time.perf_counter()
    result = grade(LEAKY, f"{function}(" * 8 + "alpha" + ")" * 8, key="mean", timeout=20)
    assert time.perf_counter() - start < 25
    assert result.verdict in ("incorrect", "undecided", "timeout")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="symnn")
    add_subcommands(parser.add_subparsers(dest="command"))
    status = symnn.cli._COMMANDS["grade"](parser.parse_args(["grade", *argv]))
    return status, capsys.readouterr().out


@pytest.mark.parametrize(("verdict", "status"), [("correct", 0), ("incorrect", 1), ("undecided", 3),
                                                  ("timeout", 4)])
def test_exit_status_of_each_verdict(verdict: str, status: int, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake(id: str, answer: str, **kwargs: object) -> GradeResult:
        seen.update(kwargs)
        return GradeResult(verdict, "message", [], "method")

    monkeypatch.setattr(grader, "grade", fake)
    code, out = _run(capsys, LEAKY, "--answer", "alpha", "--timeout", "7.5")
    assert code == status == EXIT_STATUS[verdict] and out.startswith(f"{verdict}: message")
    assert seen["timeout"] == 7.5


def test_cli_through_a_subprocess() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "symnn", "grade", LEAKY, "--key", "mean", "--timeout", "abc",
         "--answer", "alpha"], capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 2 and "timeout" in completed.stderr and completed.stderr.count("\n") == 1
    answer = "--answer=(1 - alpha)/sqrt(2*pi) + sin(1000*pi*alpha)"
    completed = subprocess.run([sys.executable, "-m", "symnn", "grade", LEAKY, "--key", "mean", answer],
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 1 and completed.stdout.startswith("incorrect: ")


def test_a_process_with_threads_grades_through_the_fork_server() -> None:
    import threading

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()  # as in a notebook kernel or a task worker: forking would copy a running thread
    try:
        assert sandbox._context(()).get_start_method() in ("forkserver", "spawn")
        assert grade(LEAKY, "(1 - alpha)/sqrt(2*pi)", key="mean", timeout=60).verdict == "correct"
    finally:
        stop.set()
        worker.join()

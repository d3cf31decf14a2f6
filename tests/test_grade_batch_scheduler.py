"""grade-batch --scheduler: a cluster started as processes of its own (``dask scheduler``, ``dask worker``).

The test starts a scheduler and a worker on 127.0.0.1 the way a course would on its own
machines, runs ``python -m symnn grade-batch --scheduler tcp://127.0.0.1:PORT`` as a
separate process, and stops everything it started. A worker started with Dask's defaults
is a daemonic process that cannot start the per-answer grading process: the batch is
refused in one line naming the fix, before any answer is sent.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

DASK = Path(sys.executable).parent / "dask"
pytestmark = pytest.mark.skipif(not DASK.exists(), reason="the dask command is not installed")
HEADER = "student,id,key,params,answer\n"
RIGHT = '"[[y1 - y1**2, -y1*y2], [-y1*y2, y2 - y2**2]]"'
WRONG = '"[[y1 - y1**2, y1*y2], [-y1*y2, y2 - y2**2]]"'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _started(argv: list[str], **env: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([str(DASK), *argv], env={**os.environ, **env}, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 20)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)  # the process and the worker process its nanny started
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=wait)
                break


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(count, timeout=120)


def _grade_batch(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "symnn", "grade-batch", *argv], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "COLUMNS": "120"})


def test_grade_batch_on_a_scheduler_started_as_a_separate_process(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text(HEADER + f"ada,softmax-jacobian,,n=2,{RIGHT}\nbob,softmax-jacobian,,n=2,{WRONG}\n"
                       "cyd,softmax-jacobian,,n=2,y3\n", encoding="utf-8")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    out = tmp_path / "out"
    with _started(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]):
        with _started(["worker", address, "--nthreads", "1", "--no-dashboard"]):
            _wait_for_workers(address, 1)
            refused = _grade_batch(str(answers), "-o", str(out), "--scheduler", address)
        assert refused.returncode == 2, refused.stderr
        error = refused.stderr.strip().splitlines()[-1]
        assert error.startswith("symnn: error:") and "DASK_DISTRIBUTED__WORKER__DAEMON=False" in error
        assert not (out / "gradebook.csv").exists()

        with _started(["worker", address, "--nthreads", "1", "--no-dashboard"],
                      DASK_DISTRIBUTED__WORKER__DAEMON="False"):
            _wait_for_workers(address, 1)
            done = _grade_batch(str(answers), "-o", str(out), "--scheduler", address, "--timeout", "120")
    assert done.returncode == 0, done.stderr
    assert "3 rows (3 graded now): 1 correct, 1 incorrect, 1 unreadable" in done.stdout
    with (out / "gradebook.csv").open(encoding="utf-8") as handle:
        assert [row["verdict"] for row in csv.DictReader(handle)] == ["correct", "incorrect", "unreadable"]
    assert f"dask: scheduler {address}" in done.stderr
    # the progress bar: answers done of all, elapsed<remaining (the ETA), and a rate
    assert re.search(r"grading: 100%.*3/3 \[\d\d:\d\d<\d\d:\d\d, +[\d.]+(s/task|task/s)\]", done.stderr)

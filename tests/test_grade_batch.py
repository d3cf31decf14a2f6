"""grade-batch on a real local Dask cluster of two worker processes (started once for the module).

The expected verdicts come from how the answers are written: the softmax Jacobian
``diag(y) - y y^T`` and the leaky-ReLU mean ``(1 - alpha)/sqrt(2 pi)`` are the course's
results (docs/grading.md); a flipped sign or an added ``alpha**2`` makes them wrong.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from symnn.distributed.cluster import open_client, worker_pids
from symnn.distributed.grade_batch import JOURNAL, grade_batch

HEADER = "student,id,key,params,answer\n"
RIGHT_JACOBIAN = '"[[y1 - y1**2, -y1*y2], [-y1*y2, y2 - y2**2]]"'
WRONG_JACOBIAN = '"[[y1 - y1**2, y1*y2], [-y1*y2, y2 - y2**2]]"'
RIGHT_MEAN, WRONG_MEAN = "(1-alpha)/sqrt(2*pi)", "(1-alpha)/sqrt(2*pi) + alpha**2"


@pytest.fixture(scope="module")
def client():
    with open_client(2) as opened:
        yield opened


def _book(folder: Path) -> list[dict[str, str]]:
    with (folder / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _journal_keys(folder: Path) -> list[str]:
    lines = (folder / JOURNAL).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["key"] for line in lines]


def test_a_class_is_graded_with_per_row_verdicts_tables_feedback_and_resume(tmp_path, client):
    marker = tmp_path / "executed"
    answers = tmp_path / "answers.csv"
    answers.write_text(
        HEADER
        + f"ada,softmax-jacobian,,n=2,{RIGHT_JACOBIAN}\n"
        + f"bob,softmax-jacobian,,n=2,{WRONG_JACOBIAN}\n"
        + f"ada,leaky-relu-gaussian-moments,mean,,{WRONG_MEAN}\n"
        + f"bob,leaky-relu-gaussian-moments,mean,,{RIGHT_MEAN}\n"
        + f"eve,softmax-jacobian,,n=2,\"__import__('os').system('touch {marker}')\"\n"
        + f"mal,leaky-relu-gaussian-moments,mean,,\"open('{marker}', 'w')\"\n"
        + "fay,leaky-relu-gaussian-moments,no_such_key,,alpha\n"
        + "fay,softmax-jacobian,,n=2,q1\n"
        + "eve,softmax-jacobian,,n=2,y1\n"  # a repeated (student, id, key)
        + "gus,softmax-jacobian\n",
        encoding="utf-8")
    out = tmp_path / "out"
    batch = grade_batch(answers, out, client=client, timeout=120, progress=False)
    expected = [("ada", "correct"), ("bob", "incorrect"), ("ada", "incorrect"), ("bob", "correct"),
                ("eve", "unreadable"), ("mal", "unreadable"), ("fay", "refused"), ("fay", "unreadable"),
                ("eve", "refused"), ("gus", "refused")]
    book = _book(out)
    assert [(row["student"], row["verdict"]) for row in book] == expected
    assert [row["line"] for row in book] == [str(line) for line in range(2, 12)]
    assert batch.new == 6  # the rows that reached a worker: four answers, the unknown key, the unknown name
    assert not marker.exists()
    assert "no_such_key" in book[6]["detail"] and "unknown name 'q1'" in book[7]["detail"]
    assert "line 6" in book[8]["detail"]
    assert "at y1=" in book[1]["detail"]  # the counterexample
    assert float(book[0]["seconds"]) > 0

    summary = list(csv.reader((out / "summary.csv").open(encoding="utf-8")))
    assert summary[0] == ["student", "softmax-jacobian", "leaky-relu-gaussian-moments[mean]",
                          "leaky-relu-gaussian-moments[no_such_key]", "correct", "answers"]
    assert summary[1] == ["ada", "correct", "incorrect", "", "1", "2"]
    assert summary[2] == ["bob", "incorrect", "correct", "", "1", "2"]

    feedback = sorted(path.name for path in (out / "feedback").iterdir())
    assert feedback == ["ada.md", "bob.md", "eve.md", "fay.md", "gus.md", "mal.md"]
    ada = (out / "feedback" / "ada.md").read_text(encoding="utf-8")
    assert "Verdict: **correct**" in ada and "Verdict: **incorrect**" in ada
    assert "at alpha=" in ada and "expected:" not in ada  # the counterexample, not the expected form

    # resume: a new row and a changed answer are graded; nothing else runs again
    text = answers.read_text(encoding="utf-8").replace(WRONG_MEAN, RIGHT_MEAN)
    answers.write_text(text + f"cyd,softmax-jacobian,,n=2,{RIGHT_JACOBIAN}\n", encoding="utf-8")
    again = grade_batch(answers, out, client=client, timeout=120, progress=False, show_expected=True)
    assert again.new == 2
    book = _book(out)
    assert [row["verdict"] for row in book[:4]] == ["correct", "incorrect", "correct", "correct"]
    assert (book[-1]["student"], book[-1]["verdict"]) == ("cyd", "correct")
    keys = _journal_keys(out)
    assert len(keys) == len(set(keys)) == 8
    bob = (out / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert "expected -y1*y2, given y1*y2" in bob  # --show-expected

    # a third run has nothing to grade
    assert grade_batch(answers, out, client=client, timeout=120, progress=False).new == 0
    assert len(_journal_keys(out)) == 8


def _thread_count() -> int:
    return threading.active_count()


def test_the_time_limit_holds_inside_a_worker(tmp_path, client):
    # a Dask worker runs threads, so the grading child is started by the forkserver method there
    assert all(count > 1 for count in client.run(_thread_count).values())
    answers = tmp_path / "answers.csv"
    answers.write_text(HEADER + f"ada,softmax-jacobian,,n=40,{RIGHT_JACOBIAN}\n", encoding="utf-8")
    timeout = 0.3  # deriving the 40 x 40 Jacobian alone takes about a second of CPU
    grade_batch(answers, tmp_path / "out", client=client, timeout=timeout, progress=False)
    [row] = _book(tmp_path / "out")
    assert row["verdict"] == "timeout", row
    assert float(row["seconds"]) < timeout + 5.0  # killed at the deadline; 5 s for a loaded machine


def test_a_worker_killed_by_pid_mid_run_loses_nothing_and_grades_nothing_twice(tmp_path, client):
    # the general-n Jacobian: each grade derives the index argument (about half a second of CPU)
    right, wrong = '"y_i*KroneckerDelta(i, j) - y_i*y_j"', '"y_i*KroneckerDelta(i, j) + y_i*y_j"'
    rows = [(f"s{i}", right if i % 2 == 0 else wrong) for i in range(8)]
    answers = tmp_path / "answers.csv"
    answers.write_text(HEADER + "".join(f"{name},softmax-jacobian,,n=n,{answer}\n" for name, answer in rows),
                       encoding="utf-8")
    out = tmp_path / "out"
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["batch"] = grade_batch(answers, out, client=client, timeout=120, progress=False)
        except BaseException as error:  # reported by the main thread
            outcome["error"] = error

    before = worker_pids(client)
    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 120
    busy: list[str] = []
    while not busy and time.monotonic() < deadline:  # a worker with a grading task running now
        busy = [address for address, keys in client.processing().items() if keys]
        time.sleep(0.2)
    assert busy, "no task started"
    time.sleep(0.1)  # inside the worker's first grade
    os.kill(before[busy[0]], signal.SIGKILL)
    runner.join(timeout=600)
    assert not runner.is_alive() and "error" not in outcome, outcome
    assert before[busy[0]] not in worker_pids(client).values()
    book = _book(out)
    assert [(row["student"], row["verdict"]) for row in book] == [
        (name, "correct" if i % 2 == 0 else "incorrect") for i, (name, _) in enumerate(rows)]
    keys = _journal_keys(out)
    assert len(keys) == len(set(keys)) == len(rows)


def test_regrade_grades_the_named_verdicts_again_and_the_journal_keeps_the_old_records(tmp_path, client):
    answers = tmp_path / "answers.csv"
    answers.write_text(HEADER + f"ada,softmax-jacobian,,n=2,{RIGHT_JACOBIAN}\n"
                       + f"bob,softmax-jacobian,,n=2,{WRONG_JACOBIAN}\n"
                       + f"cyd,leaky-relu-gaussian-moments,mean,,{WRONG_MEAN}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert grade_batch(answers, out, client=client, timeout=120, progress=False).new == 3
    again = grade_batch(answers, out, client=client, timeout=120, progress=False, regrade={"incorrect"})
    assert again.new == 2  # bob and cyd, not ada
    keys = _journal_keys(out)
    assert len(keys) == 5 and len(set(keys)) == 3  # the old records stay above the new ones
    assert [row["verdict"] for row in _book(out)] == ["correct", "incorrect", "incorrect"]
    assert grade_batch(answers, out, client=client, timeout=120, progress=False, regrade={"all"}).new == 3
    assert grade_batch(answers, out, client=client, timeout=120, progress=False, regrade={"timeout"}).new == 0

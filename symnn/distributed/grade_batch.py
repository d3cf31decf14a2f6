"""A whole class graded at once on a Dask cluster: :func:`grade_batch`.

The pipeline: read the answers file (:mod:`symnn.distributed.answer_sheet`; a malformed
file is refused before any cluster starts), check the output folder, screen every row in
this process (``refused`` and ``unreadable`` rows never reach a worker), send each
remaining row to the cluster as one task (:func:`grade_row`, which calls
:func:`symnn.grading.grader.grade`: the same safe reader, the same soundness rules and the
same hard per-answer time and memory limit as ``symnn grade``, enforced in a child of the
worker), journal each verdict the moment it arrives (``OUTDIR/journal.jsonl``), and write
``gradebook.csv``, ``summary.csv`` and ``feedback/STUDENT.md``.

Started again on the same ``OUTDIR``, a batch grades only the rows the journal lacks: rows
added to the file, and rows whose params or answer changed (the journal key is the row's
(student, id, key) and a digest of both). A worker that dies mid-task has its task run
again by the Dask scheduler on another worker; the journal gets each row once.

A row's verdict is one of :data:`symnn.distributed.gradebook.VERDICTS`; the four of
``symnn grade``, and ``unreadable`` (the safe reader refused the text), ``refused`` (a bad
row: a missing field, an unknown id or result key, a bad parameter, a repeated (student,
id, key)) and ``error`` (anything else, e.g. a derivation too large; the detail says what).

>>> jacobian = "[[y1 - y1**2, -y1*y2], [-y1*y2, y2 - y2**2]]"
>>> grade_row("softmax-jacobian", jacobian, "", {"n": "2"}, 60)["verdict"]
'correct'
>>> grade_row("softmax-jacobian", "q1", "", {"n": "2"}, 60)["verdict"]
'unreadable'
>>> grade_row("softmax-jacobian", "y1", "no_such_key", {"n": "2"}, 60)["verdict"]
'refused'
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from symnn.distributed.answer_sheet import Row, read_answers, row_params, screen
from symnn.distributed.gradebook import Graded, gradebook_csv, summary_csv
from symnn.errors import ParameterError, SymnnError

#: The journal of finished gradings inside the output folder.
JOURNAL = "journal.jsonl"


def grade_row(id: str, answer: str, key: str, params: dict[str, str], timeout: float) -> dict[str, Any]:
    """Grade one answer (a Dask task): ``{"verdict", "detail", "method", "seconds"}``; never raises."""
    from symnn.grading.errors import GradingError, UnsafeInputError
    from symnn.grading.grader import grade

    start = time.perf_counter()
    try:
        result = grade(id, answer, key=key or None, timeout=timeout, **params)
        record = {"verdict": result.verdict, "detail": result.message, "method": result.method}
    except UnsafeInputError as error:
        record = {"verdict": "unreadable", "detail": str(error)}
    except ParameterError as error:
        record = {"verdict": "refused", "detail": str(error)}
    except GradingError as error:  # an unknown or ungradable key; or the grading process failed
        failed = str(error).startswith("grading failed")
        record = {"verdict": "error" if failed else "refused", "detail": str(error)}
    except SymnnError as error:
        record = {"verdict": "error", "detail": str(error)}
    except Exception as error:  # a fault of the grader itself: reported on the row, the batch goes on
        record = {"verdict": "error", "detail": f"{type(error).__name__}: {error}"}
    record["seconds"] = round(time.perf_counter() - start, 3)
    return record


def task_failed(key: str, error: BaseException) -> dict[str, Any]:
    """The record of a task that failed outside :func:`grade_row` (its workers kept dying)."""
    text = " ".join(str(error).split()) or "no message"
    return {"verdict": "error", "detail": f"the grading task failed: {type(error).__name__}: {text}"}


def _daemonic() -> bool:
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def check_workers_may_fork(client: Any) -> None:
    """Refuse (one :class:`~symnn.distributed.cluster.ClusterError` line) workers that cannot start
    the limited grading process: Dask runs nanny-started workers as daemonic processes unless
    configured otherwise."""
    from symnn.distributed.cluster import ClusterError

    daemonic = sorted(address for address, flag in client.run(_daemonic).items() if flag)
    if daemonic:
        raise ClusterError(f"the Dask worker(s) {', '.join(daemonic)} cannot start the per-answer grading "
                           "process (daemonic); start them with DASK_DISTRIBUTED__WORKER__DAEMON=False")


@dataclass
class Batch:
    """The outcome of :func:`grade_batch`: every row's verdict and the files written."""

    graded: list[Graded]
    new: int
    files: list[Path] = field(default_factory=list)


def _screened(rows: Sequence[Row]) -> tuple[dict[int, Graded], dict[str, Row]]:
    """The rows decided without grading (by line), and the rows to grade (by journal key)."""
    decided: dict[int, Graded] = {}
    todo: dict[str, Row] = {}
    first: dict[tuple[str, str, str], int] = {}
    for row in rows:
        if not row.problem and row.name in first:
            repeated = f"the same (student, id, key) as line {first[row.name]}"
            decided[row.line] = Graded(row, "refused", repeated, counted=False)
            continue
        first.setdefault(row.name, row.line)
        verdict = screen(row)
        if verdict is not None:
            decided[row.line] = Graded(row, *verdict)
        else:
            todo[row.task_key()] = row
    return decided, todo


def to_regrade(records: dict[str, dict[str, Any]], keys: Iterable[str],
               verdicts: Collection[str]) -> set[str]:
    """The journaled ``keys`` whose verdict is one of ``verdicts`` (``"all"``: every one).

    >>> sorted(to_regrade({"a": {"verdict": "timeout"}, "b": {"verdict": "correct"}}, "ab", {"timeout"}))
    ['a']
    """
    return {key for key in keys if key in records
            and ("all" in verdicts or records[key].get("verdict") in verdicts)}


def _run(todo: dict[str, Row], journal: Any, client: Any, timeout: float, progress: bool,
         workers: int | None, scheduler: str | None, announce: TextIO | None,
         regrade: Collection[str] = ()) -> dict[str, dict[str, Any]]:
    from symnn.distributed.cluster import open_client
    from symnn.distributed.tasks import run_journaled

    tasks = {key: (row.id, row.answer, row.key, row_params(row.params), timeout) for key, row in todo.items()}
    journal.repair()
    redo = to_regrade(journal.records(), tasks, regrade)
    if not redo and all(key in journal.records() for key in tasks):  # nothing to grade: no cluster needed
        return journal.records()
    given = contextlib.nullcontext(client) if client is not None else None
    with given or open_client(workers, scheduler, announce=announce) as opened:
        check_workers_may_fork(opened)
        return run_journaled(opened, grade_row, tasks, journal, on_error=task_failed, description="grading",
                             progress=progress, redo=redo)


def grade_batch(answers: str | os.PathLike[str], outdir: str | os.PathLike[str], *, client: Any = None,
                workers: int | None = None, scheduler: str | None = None, timeout: float = 30.0,
                show_expected: bool = False, progress: bool = True, announce: TextIO | None = None,
                regrade: Collection[str] = ()) -> Batch:
    """Grade every row of ``answers`` into ``outdir`` on ``client`` (or a cluster opened for the batch).

    Without ``client``, a local cluster of ``workers`` processes is started (or the
    cluster at ``scheduler`` is used), and only when some row still needs grading.
    ``regrade`` names journaled verdicts to grade again (``{"timeout"}``, or ``{"all"}``).
    """
    from symnn.distributed.feedback import feedback_markdown, feedback_name
    from symnn.distributed.journal import Journal
    from symnn.io import check_writable_dir, os_errors, write_text_atomic

    rows = read_answers(answers)
    folder = check_writable_dir(outdir)
    with os_errors(folder):
        (folder / "feedback").mkdir(parents=True, exist_ok=True)
    decided, todo = _screened(rows)
    journal = Journal(folder / JOURNAL)
    before = journal.records()
    again = to_regrade(before, todo, regrade)
    records = _run(todo, journal, client, timeout, progress, workers, scheduler, announce,
                   regrade) if todo else {}
    for key, row in todo.items():
        record = records[key]
        decided[row.line] = Graded(row, str(record["verdict"]), str(record.get("detail", "")),
                                   str(record.get("method", "")), record.get("seconds"))
    graded = [decided[row.line] for row in rows]
    files = [folder / "gradebook.csv", folder / "summary.csv"]
    write_text_atomic(files[0], gradebook_csv(graded))
    write_text_atomic(files[1], summary_csv(graded))
    by_student: dict[str, list[Graded]] = {}
    for g in graded:
        if g.row.student:
            by_student.setdefault(g.row.student, []).append(g)
    for student, theirs in by_student.items():
        path = folder / "feedback" / feedback_name(student)
        write_text_atomic(path, feedback_markdown(student, theirs, show_expected=show_expected))
        files.append(path)
    return Batch(graded, len([key for key in todo if key not in before or key in again]), files)

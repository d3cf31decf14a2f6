"""A sweep: every run of a :class:`~symnn.distributed.sweep_plan.SweepPlan` as one Dask task.

Each run trains with :func:`symnn.experiments.run` into its own directory
``OUTDIR/runs/NAME`` (its ``--out``: checkpointed every epoch, see
:mod:`symnn.experiments.rundir`) under its own OpenBLAS thread limit
(:data:`~symnn.experiments.common.BLAS_THREADS` threads, the same as ``symnn train``, so
that worker processes do not oversubscribe the cores and a run gives the numbers a
``symnn train`` of the same seed gives). Its stage and epoch lines go to
``OUTDIR/runs/NAME.log``. A finished run's record (seed, hyper-parameters, test
accuracy, epochs, wall time, the thread counts seen inside the task) is appended to
``OUTDIR/journal.jsonl`` as it arrives (:class:`~symnn.distributed.journal.Journal`).

Started again on the same ``OUTDIR``, a sweep runs only the runs the journal does not
hold as finished: a run stopped half-way resumes from its checkpoints, a failed run
(say a missing dataset) is tried again, and new seeds or grid values add runs.
``OUTDIR/sweep.json`` records the experiment, epochs and mode; another sweep there is
refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from symnn.distributed.journal import Journal
from symnn.distributed.sweep_plan import SweepPlan
from symnn.errors import ParameterError

__all__ = ["JOURNAL", "RECORD", "RUNS", "FinishedRuns", "check_output", "run_sweep", "train_one"]

JOURNAL, RECORD, RUNS = "journal.jsonl", "sweep.json", "runs"


class FinishedRuns(Journal):
    """The sweep's journal, read as its finished runs: a failed run's record does not count."""

    def records(self) -> dict[str, dict[str, Any]]:
        return {key: record for key, record in super().records().items() if "error" not in record}


def train_one(experiment: str, out: str, seed: int, epochs: int | None, quick: bool,
              data_dir: str | None, hyper: dict[str, Any], threads: int) -> dict[str, Any]:
    """One run, as a Dask task: train into ``out`` under ``threads`` OpenBLAS threads; its record.

    The record holds ``blas_threads``: the thread count each OpenBLAS library reported
    inside the task, while the run trained.
    """
    from symnn.experiments import run
    from symnn.sim.blas_threads import blas_thread_counts, blas_threads

    log = Path(out).with_name(Path(out).name + ".log")
    with open(log, "a", encoding="utf-8") as handle, contextlib.redirect_stderr(handle), \
            contextlib.redirect_stdout(handle), blas_threads(threads):
        counts = blas_thread_counts()
        metrics = run(experiment, data_dir=data_dir, epochs=epochs, seed=seed, out=out, quick=quick,
                      progress=False, **hyper)
    return {
        "seed": seed,
        "hyper": hyper,
        "test_accuracy": metrics.get("test_accuracy"),
        "epochs_run": metrics.get("epochs_run"),
        "wall_time_s": metrics.get("timing", {}).get("wall_time_s"),
        "blas_threads": counts,
    }


def check_output(out: str | os.PathLike[str], sweep: SweepPlan) -> Path:
    """``out`` created and writable, holding no other sweep; ``sweep.json`` written. Absolute path.

    Raises :class:`~symnn.errors.OutputError` naming ``out`` when it cannot be written, and
    :class:`~symnn.errors.ParameterError` when it holds a sweep of another experiment,
    epoch count or mode.
    """
    from symnn.io import check_writable_dir, os_errors, write_text_atomic

    folder = check_writable_dir(out).absolute()
    with os_errors(folder / RUNS):
        (folder / RUNS).mkdir(parents=True, exist_ok=True)
    record = folder / RECORD
    if record.exists():
        try:
            held = json.loads(record.read_text(encoding="utf-8"))["identity"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            why = f"a sweep directory ({record} is damaged: {error})"
            raise ParameterError("out", str(out), why) from None
        if held != sweep.identity():
            raise ParameterError("out", str(out), f"a directory of a sweep of {sweep.identity()} (it holds "
                                 f"one of {held}): choose another -o")
    write_text_atomic(record, json.dumps({"identity": sweep.identity(), "last": sweep.record()}) + "\n")
    return folder


def run_sweep(client: Any, sweep: SweepPlan, out: Path, *, data_dir: str | os.PathLike[str] | None = None,
              progress: bool = True, stream: TextIO = sys.stderr) -> list[dict[str, Any]]:
    """Run every run of ``sweep`` the journal lacks on ``client``; every run's record, in plan order.

    ``out`` is the directory :func:`check_output` returned. A run that fails is recorded
    with its ``error`` (one line) and tried again by the next sweep on ``out``.
    """
    from symnn.distributed.tasks import run_journaled
    from symnn.experiments.common import BLAS_THREADS

    folder = str(Path(data_dir).absolute()) if data_dir is not None else None
    tasks = {
        name: (sweep.experiment, str(out / RUNS / name), seed, sweep.epochs, sweep.quick, folder, point,
               BLAS_THREADS)
        for name, (point, seed) in sweep.runs().items()
    }  # fmt: skip
    journal = FinishedRuns(out / JOURNAL)

    def failed(key: str, error: BaseException) -> dict[str, Any]:
        point, seed = sweep.runs()[key]
        line = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        print(f"{sweep.experiment}: run {key} failed: {line}", file=stream, flush=True)
        return {"seed": seed, "hyper": point, "error": line}

    return list(run_journaled(client, train_one, tasks, journal, on_error=failed, retries=0,
                              description=f"sweep {sweep.experiment}", progress=progress).values())

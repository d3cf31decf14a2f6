"""The subcommands that spread work over a Dask cluster: ``grade-batch``.

::

    symnn grade-batch ANSWERS.csv -o OUTDIR [--workers N | --scheduler ADDR] [--timeout S] [--show-expected]

Grades every row of ANSWERS.csv (columns ``student, id, key, params, answer``) on a local
cluster of worker processes (default: one per core) or an existing Dask cluster, and
writes ``OUTDIR/gradebook.csv``, ``OUTDIR/summary.csv`` and ``OUTDIR/feedback/STUDENT.md``
(see ``docs/scale-out.md``). Exit status 0 when every row has a verdict (bad rows are
verdicts too: ``refused``, ``unreadable``); 2 with one line ``symnn: error: ...`` for a
malformed file, an unwritable OUTDIR, a bad option or an unreachable cluster.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symnn")
>>> add_subcommands(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["grade-batch", "answers.csv", "-o", "out", "--workers", "0"])
>>> _grade_batch(args)
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'workers': got 0, expected a positive integer and <= 256
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from symnn.cli import EXIT_OK, command


def _grade_batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("answers", metavar="ANSWERS.csv",
                        help="a CSV file with the columns student, id, key, params, answer")
    parser.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                        help="the folder of gradebook.csv, summary.csv, feedback/ and the journal")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", metavar="N", help="local worker processes (default: one per core)")
    where.add_argument("--scheduler", metavar="ADDR",
                       help="an existing Dask scheduler, e.g. tcp://HOST:8786 (instead of a local cluster)")
    parser.add_argument("--timeout", metavar="SECONDS", default="30",
                        help="the wall-clock budget of each answer's grade in seconds (default 30)")
    parser.add_argument("--show-expected", action="store_true",
                        help="show the expected form in the students' feedback (off: only the verdict, "
                             "the counterexample and the student's own answer)")
    parser.add_argument("--regrade", metavar="VERDICTS",
                        help="grade again the journaled rows with these verdicts, comma-separated "
                             "(e.g. timeout,undecided), or 'all'; the journal keeps the old records")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def read_regrade(text: str | None) -> frozenset[str]:
    """The verdicts of ``--regrade`` (``"timeout,undecided"``, ``"all"``), each checked.

    >>> sorted(read_regrade("timeout, undecided"))
    ['timeout', 'undecided']
    >>> read_regrade("corect")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'regrade': got 'corect', expected all, or some of correct, ...
    """
    from symnn.distributed.gradebook import VERDICTS
    from symnn.errors import ParameterError

    if text is None:
        return frozenset()
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    for verdict in sorted(chosen):
        if verdict != "all" and verdict not in VERDICTS:
            raise ParameterError("regrade", verdict, "all, or some of " + ", ".join(VERDICTS))
    if not chosen:
        raise ParameterError("regrade", text, "verdicts, e.g. timeout,undecided, or all")
    return chosen


#: Each subcommand: name, one-line help, description, its arguments.
SUBCOMMANDS: tuple[tuple[str, str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
    ("grade-batch", "grade a CSV of a class's answers on a Dask cluster; write gradebook, summary, feedback",
     "Grade every row of ANSWERS.csv (student, id, key, params, answer) like 'symnn grade', each answer "
     "under a hard time and memory limit, on a local cluster of worker processes or an existing Dask "
     "cluster. Verdicts are journaled as they arrive; run again on the same OUTDIR to grade only the "
     "rows not yet graded (and, with --regrade, the rows with the verdicts named).", _grade_batch_arguments),
)


def add_subcommands(sub: Any) -> None:
    """Add the subparsers of :data:`SUBCOMMANDS` to the ``symnn`` command line."""
    for name, helptext, description, arguments in SUBCOMMANDS:
        arguments(sub.add_parser(name, help=helptext, description=description))


@command("grade-batch")
def _grade_batch(args: argparse.Namespace) -> int:
    from symnn.core.literal import read_literal
    from symnn.core.params import Number, PositiveInteger
    from symnn.distributed.cluster import MAX_WORKERS, check_scheduler_address
    from symnn.distributed.grade_batch import grade_batch
    from symnn.distributed.gradebook import tally

    count = PositiveInteger(maximum=MAX_WORKERS)
    workers = None if args.workers is None else int(count("workers", read_literal(args.workers, "workers")))
    scheduler = None if args.scheduler is None else check_scheduler_address(args.scheduler)
    timeout = Number(0, 3600, lower_open=True)("timeout", read_literal(args.timeout, "timeout"))
    regrade = read_regrade(args.regrade)
    batch = grade_batch(args.answers, args.output, workers=workers, scheduler=scheduler,
                        timeout=float(timeout), show_expected=args.show_expected,
                        progress=not args.no_progress, announce=sys.stderr, regrade=regrade)
    counts = ", ".join(f"{count} {verdict}" for verdict, count in tally(batch.graded).items())
    print(f"{len(batch.graded)} rows ({batch.new} graded now): {counts or 'none'}")
    print(f"wrote {batch.files[0]}, {batch.files[1]} and {len(batch.files) - 2} feedback file(s)")
    return EXIT_OK

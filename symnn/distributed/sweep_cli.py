"""The ``symnn sweep`` subcommand.

::

    symnn sweep EXPERIMENT --seeds 0,1,2 [--grid NAME=V1,V2 ...] [--epochs E] [--quick]
                [--data-dir DIR] [--workers N] [--scheduler ADDR] [--no-progress] -o OUTDIR

Every option is checked before any cluster starts (the experiment, the seeds, each grid
name against the experiment's declared hyper-parameters and each value against its
bound, the cluster options, and ``OUTDIR``, created and written to); a bad one is one
line ``symnn: error: ...`` and exit 2. Then the runs go to a local cluster of ``--workers``
processes (default: one per core) or to the scheduler at ``--scheduler``, with a progress
bar (rate, ETA) and the dashboard address when there is one. At the end
``OUTDIR/sweep.csv`` and ``OUTDIR/sweep.png`` are written; the exit status is 0 when every
run finished and 1 when some failed (each named on stderr; the next sweep on ``OUTDIR``
tries them again).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from symnn.cli import EXIT_FAILED_CHECK, EXIT_OK, command

__all__ = ["add_subcommands"]

TABLE, PLOT = "sweep.csv", "sweep.png"


def add_subcommands(sub: Any) -> None:
    """Add ``sweep`` to the ``symnn`` argument parser's subcommands."""
    p = sub.add_parser(
        "sweep",
        help="run an experiment over seeds and hyper-parameter values on a Dask cluster",
        description="Run an experiment (symnn list --kind experiment -v shows its hyper-parameters) "
        "for every seed and every combination of --grid values, each run a Dask task with its own "
        "run directory under OUTDIR/runs; a sweep started again on OUTDIR runs only what is missing.",
    )
    p.add_argument("experiment", metavar="EXPERIMENT", help="an experiment id")
    p.add_argument("--seeds", required=True, metavar="S1,S2,...", help="seeds, e.g. 0,1,2")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                   help="values of a declared hyper-parameter, e.g. --grid eta=0.1,0.05 (repeatable)")
    p.add_argument("--epochs", type=int, metavar="E", help="training epochs (default: the experiment's)")
    p.add_argument("--quick", action="store_true", help="a small subset of the real data, few epochs")
    p.add_argument("--data-dir", metavar="DIR", help="directory searched first for the datasets")
    p.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDR", help="an existing Dask scheduler, e.g. tcp://HOST:8786")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="the sweep's directory")


@command("sweep")
def _sweep(args: argparse.Namespace) -> int:
    from symnn.distributed.cluster import check_scheduler_address, check_workers, open_client
    from symnn.distributed.sweep import JOURNAL, FinishedRuns, check_output, run_sweep
    from symnn.distributed.sweep_plan import plan
    from symnn.distributed.sweep_report import plot, table_text
    from symnn.io import write_text_atomic

    sweep = plan(args.experiment, args.seeds, args.grid, epochs=args.epochs, quick=args.quick)
    if args.scheduler is not None:
        check_scheduler_address(args.scheduler)
    elif args.workers is not None:
        check_workers(args.workers)
    out = check_output(args.output, sweep)
    done = len(FinishedRuns(out / JOURNAL).records().keys() & sweep.runs().keys())
    with open_client(args.workers, args.scheduler, announce=sys.stderr) as client:
        records = run_sweep(client, sweep, out, data_dir=args.data_dir, progress=not args.no_progress)
    names = list(sweep.grid)
    write_text_atomic(out / TABLE, table_text(records, names))
    plot(out / PLOT, records, names, experiment=sweep.experiment)
    failed = [record for record in records if "error" in record]
    print(f"{sweep.experiment}: {len(records) - len(failed)} of {len(records)} runs finished "
          f"({len(records) - done} run now, {done} from the journal); wrote {out / TABLE} and {out / PLOT}")
    return EXIT_FAILED_CHECK if failed else EXIT_OK

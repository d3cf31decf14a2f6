"""The ``symnn train`` subcommand.

::

    symnn train EXPERIMENT [--data-dir DIR] [--epochs N] [--seed S] [--out DIR]
                           [--param NAME=VALUE ...] [--quick] [--no-progress] [--restart]

It runs :func:`symnn.experiments.run` and prints where the output went and the
headline numbers. ``--param`` sets one of the experiment's declared hyper-parameters
(``symnn list --kind experiment -v`` shows them). Every epoch is checkpointed into
``--out``: the same command run again on an unfinished run resumes it, on a finished run
reports it without training (``--restart`` starts over). A missing dataset, an unknown id, a bad option or an
output directory that cannot be written is a :class:`~symnn.errors.SymnnError`: the
command line prints it as one line and exits 2, before any training.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from symnn.cli import EXIT_OK, command, parse_params
from symnn.errors import SymnnError


def add_subcommands(sub: Any) -> None:
    """Add ``train`` to the ``symnn`` argument parser's subcommands."""
    p = sub.add_parser(
        "train",
        help="run a training experiment and write metrics.json, weights and plots",
        description="Run one of the sheets' experiments (symnn list --kind experiment). "
        "Every epoch is checkpointed into --out; running the same command again resumes "
        "an unfinished run and reports a finished one.",
    )
    p.add_argument("experiment", metavar="EXPERIMENT", help="an experiment id")
    p.add_argument("--data-dir", metavar="DIR", help="directory searched first for the datasets")
    p.add_argument("--epochs", type=int, metavar="N", help="training epochs (default: the experiment's)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--out", metavar="DIR", help="output directory (default out/EXPERIMENT)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a declared hyper-parameter, e.g. --param eta=0.05 (symnn list -v shows them)")
    p.add_argument("--quick", action="store_true",
                   help="train on a small subset of the real data (a few thousand images)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bars (one line per epoch is still printed)")
    p.add_argument("--restart", action="store_true",
                   help="start over, discarding the checkpoints of an earlier run in --out")


def _state(args: argparse.Namespace, out: Path) -> str:
    """What ``out`` holds for this request; errors are left to ``run``, which raises them."""
    from symnn.experiments import common, rundir

    if args.restart:
        return "new"
    try:
        hyper = common.hyper_values(args.experiment, parse_params(args.param))
        request = common.request(args.experiment, args.epochs, args.seed, args.quick, hyper)
        return rundir.status(out, request)
    except SymnnError:
        return "new"


@command("train")
def _train(args: argparse.Namespace) -> int:
    from symnn.experiments import run

    hyper = parse_params(args.param)
    out = Path(args.out or f"out/{args.experiment}")
    state = _state(args, out)
    if state == "unfinished":
        print(f"[{args.experiment}] resuming the unfinished run in {out}", file=sys.stderr, flush=True)
    metrics = run(
        args.experiment, data_dir=args.data_dir, epochs=args.epochs, seed=args.seed,
        out=args.out, quick=args.quick, progress=not args.no_progress, restart=args.restart,
        **hyper,
    )  # fmt: skip
    accuracy = metrics.get("test_accuracy")
    headline = "" if accuracy is None else f"test accuracy {100 * accuracy:.2f}%, "
    numbers = f"{headline}{metrics['epochs_run']} epochs, {_times(metrics['timing'])}"
    if state == "finished":
        print(f"{args.experiment}: already finished in {out}: {numbers} (--restart trains again)")
        return EXIT_OK
    print(f"{args.experiment}: {numbers}")
    print(f"wrote {', '.join(metrics['files'])} to {out}")
    return EXIT_OK


def _times(timing: dict[str, Any]) -> str:
    """Wall time, and the CPU time with the BLAS thread count when the run recorded them.

    >>> _times({"wall_time_s": 61.25, "cpu_time_s": 58.0, "blas_threads": [1]})
    '61.2 s wall, 58.0 s CPU on 1 BLAS thread'
    >>> _times({"wall_time_s": 3.0})
    '3.0 s wall'
    """
    text = f"{timing['wall_time_s']:.1f} s wall"
    if timing.get("cpu_time_s") is None:
        return text
    threads = sorted(set(timing.get("blas_threads") or []))
    count = "" if not threads else f" on {'/'.join(map(str, threads))} BLAS thread" + "s" * (threads != [1])
    return f"{text}, {timing['cpu_time_s']:.1f} s CPU{count}"

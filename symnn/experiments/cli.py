"""The ``symnn train`` subcommand.

::

    symnn train EXPERIMENT [--data-dir DIR] [--epochs N] [--seed S] [--out DIR]
                           [--quick] [--no-progress]

It runs :func:`symnn.experiments.run` and prints where the output went and the
headline numbers. A missing dataset, an unknown id or a bad option is a
:class:`~symnn.errors.SymnnError`: the command line prints it as one line and exits 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from symnn.cli import EXIT_OK, command


def add_subcommands(sub: Any) -> None:
    """Add ``train`` to the ``symnn`` argument parser's subcommands."""
    p = sub.add_parser(
        "train",
        help="run a training experiment and write metrics.json, weights and plots",
        description="Run one of the sheets' experiments (symnn list --kind experiment).",
    )
    p.add_argument("experiment", metavar="EXPERIMENT", help="an experiment id")
    p.add_argument("--data-dir", metavar="DIR", help="directory searched first for the datasets")
    p.add_argument("--epochs", type=int, metavar="N", help="training epochs (default: the experiment's)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--out", metavar="DIR", help="output directory (default out/EXPERIMENT)")
    p.add_argument("--quick", action="store_true",
                   help="train on a small subset of the real data (a few thousand images)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


@command("train")
def _train(args: argparse.Namespace) -> int:
    from symnn.experiments import run

    metrics = run(
        args.experiment, data_dir=args.data_dir, epochs=args.epochs, seed=args.seed,
        out=args.out, quick=args.quick, progress=not args.no_progress,
    )  # fmt: skip
    out = args.out or f"out/{args.experiment}"
    accuracy = metrics.get("test_accuracy")
    headline = "" if accuracy is None else f"test accuracy {100 * accuracy:.2f}%, "
    print(f"{args.experiment}: {headline}{metrics['epochs_run']} epochs, "
          f"{metrics['timing']['wall_time_s']:.1f} s")
    print(f"wrote {', '.join(metrics['files'])} to {out}")
    return EXIT_OK

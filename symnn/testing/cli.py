"""The ``symnn srdata`` subcommand: ground-truth data of a derived formula for symbolic regression.

::

    symnn srdata ID --key RESULT_KEY -o FILE [--n N] [--noise X] [--seed S] [--param NAME=VALUE ...]

Writes a TSV with one column per variable and a ``target`` column (PMLB / SRBench
layout; :func:`symnn.testing.dataset.regression_dataset`) and prints the ground-truth
formula. Without ``--key`` the command lists the results it can sample. A bad id, key
or number prints one line ``symnn: error: ...`` and exits with 2.

>>> import argparse, tempfile, pathlib
>>> parser = argparse.ArgumentParser(prog="symnn")
>>> add_subcommands(parser.add_subparsers(dest="command"))
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> args = parser.parse_args(["srdata", "sigmoid-identities", "--key", "tanh_derivative",
...                           "-o", str(folder / "tanh.tsv"), "--n", "3"])
>>> _srdata(args)  # doctest: +ELLIPSIS
wrote 3 rows of tanh_derivative = 4*(1 - 1/(1 + exp(-2*x)))/(1 + exp(-2*x)) (variables: x) to .../tanh.tsv
0
>>> len((folder / "tanh.tsv").read_text().splitlines())
4
"""

from __future__ import annotations

import argparse
from typing import Any

from symnn.cli import EXIT_OK, command, parse_params


def add_subcommands(sub: Any) -> None:
    """Add the ``srdata`` subparser to the ``symnn`` command line."""
    parser = sub.add_parser(
        "srdata",
        help="sample a derived formula as a symbolic-regression data set (TSV with a target column)",
        description="Sample the scalar result RESULT_KEY of ID at uniformly drawn variables and write "
                    "a TSV (one column per variable, then target), the layout of PMLB and SRBench.",
    )
    parser.add_argument("id", metavar="ID", help="a catalogue id, e.g. sigmoid-identities")
    parser.add_argument("--key", metavar="RESULT_KEY", help="the result to sample (omit to list them)")
    parser.add_argument("-o", "--output", metavar="FILE", help="the TSV file to write (atomically)")
    parser.add_argument("--n", default="1000", metavar="N", help="number of rows (default 1000)")
    parser.add_argument("--noise", default="0", metavar="X",
                        help="Gaussian noise, a fraction of the target's RMS (default 0)")
    parser.add_argument("--seed", default="0", metavar="S", help="random seed (default 0)")
    parser.add_argument("--param", action="append", metavar="NAME=VALUE",
                        help="a parameter of the derivation, e.g. --param alpha=1/2")


@command("srdata")
def _srdata(args: argparse.Namespace) -> int:
    from symnn.core.literal import read_literal
    from symnn.core.params import Number, PositiveInteger
    from symnn.errors import ParameterError
    from symnn.io import write_text_atomic
    from symnn.testing.dataset import regression_dataset, regression_keys

    params = parse_params(args.param)
    if args.key is None:
        print("\n".join(regression_keys(args.id, **params)))
        return EXIT_OK
    if args.output is None:
        raise ParameterError("output", None, "a file name (-o FILE)")
    n = PositiveInteger(maximum=10**7)("n", read_literal(args.n, "n"))
    noise = Number(0, 100)("noise", read_literal(args.noise, "noise"))
    seed = PositiveInteger(minimum=0)("seed", read_literal(args.seed, "seed"))
    data = regression_dataset(args.id, args.key, n=int(n), noise=float(noise), seed=int(seed), **params)
    write_text_atomic(args.output, data.tsv())
    print(f"wrote {len(data.target)} rows of {args.key} = {data.expression} "
          f"(variables: {', '.join(data.variables)}) to {args.output}")
    return EXIT_OK

"""The ``symnn grade`` subcommand.

::

    symnn grade ID --answer EXPR [--key RESULT_KEY] [--param NAME=VALUE ...] [--timeout SECONDS]

Prints the verdict and how it was reached. Exit status:

======  ==============================================================================
status  meaning
======  ==============================================================================
0       correct: equality proved on the parameters' declared domain
1       incorrect: a counterexample (a point where the two provably differ) is shown
2       refused: the answer (unsafe or malformed), the id, a parameter or the key
3       undecided: neither proved nor refuted (the reason is shown)
4       timeout: the grade did not finish within ``--timeout`` seconds (default 30)
======  ==============================================================================

Refusals print one line ``symnn: error: ...``. An answer that starts with ``-`` is
given as ``--answer=-y1*y2``.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symnn")
>>> add_subcommands(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["grade", "softmax-jacobian", "--answer", "y_i*KroneckerDelta(i, j) - y_i*y_j",
...                           "--param", "n=n"])
>>> _grade(args)  # doctest: +ELLIPSIS
correct: the answer equals softmax-jacobian[jacobian_in_y]
method: proved: route expand reduced expected - given to 0 in each of 2 index cases (i != j; i = j), ...
0
"""

from __future__ import annotations

import argparse
from typing import Any

from symnn.cli import EXIT_FAILED_CHECK, EXIT_OK, command, parse_params

EXIT_UNDECIDED, EXIT_TIMEOUT = 3, 4
EXIT_STATUS = {"correct": EXIT_OK, "incorrect": EXIT_FAILED_CHECK, "undecided": EXIT_UNDECIDED,
               "timeout": EXIT_TIMEOUT}


def add_subcommands(sub: Any) -> None:
    """Add the ``grade`` subparser to the ``symnn`` command line."""
    parser = sub.add_parser(
        "grade",
        help="grade an answer against a derived result; exit 0 correct, 1 incorrect, 3 undecided, 4 timeout",
        description="Grade an answer (an expression, a vector [a, b] or a matrix [[a, b], [c, d]]) "
                    "against the derived result of ID. The answer is parsed, never evaluated. Exit status: "
                    "0 correct (proved), 1 incorrect (counterexample), 2 refused input, 3 undecided, "
                    "4 timeout.",
    )
    parser.add_argument("id", metavar="ID", help="a catalogue id, e.g. softmax-jacobian")
    parser.add_argument("--answer", required=True, metavar="EXPR",
                        help="the answer, e.g. 'y_i*(KroneckerDelta(i, j) - y_j)' (use --answer=-x ... "
                             "for an answer starting with '-')")
    parser.add_argument("--key", metavar="RESULT_KEY",
                        help="the result to grade against (default: the main result, or the first "
                             "result whose symbols the answer uses)")
    parser.add_argument("--param", action="append", metavar="NAME=VALUE",
                        help="a parameter of the derivation, e.g. --param n=3")
    parser.add_argument("--timeout", metavar="SECONDS", default="30",
                        help="the wall-clock budget of the whole grade in seconds (default 30)")


@command("grade")
def _grade(args: argparse.Namespace) -> int:
    from symnn.core.literal import read_literal
    from symnn.core.params import Number
    from symnn.grading.grader import grade

    timeout = Number(0, 3600, lower_open=True)("timeout", read_literal(args.timeout, "timeout"))
    params = parse_params(args.param)
    result = grade(args.id, args.answer, key=args.key, timeout=float(timeout), **params)
    print(result)
    return EXIT_STATUS[result.verdict]

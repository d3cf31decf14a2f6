"""The ``symnn grade`` subcommand.

::

    symnn grade ID --answer EXPR [--key RESULT_KEY] [--param NAME=VALUE ...]

Prints the verdict and how it was reached. Exit status: 0 when the answer is correct,
1 when it is not, 2 when the answer is refused (unsafe or malformed) or the id, a
parameter or the key is wrong; refusals print one line ``symnn: error: ...``. An answer
that starts with ``-`` is given as ``--answer=-y1*y2``.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symnn")
>>> add_subcommands(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["grade", "softmax-jacobian", "--answer", "y_i*(KroneckerDelta(i, j) - y_j)",
...                           "--param", "n=n"])
>>> _grade(args)  # doctest: +ELLIPSIS
correct: the answer equals softmax-jacobian[jacobian_in_y]
method: integer symbols instantiated over 1..3 (9 cases compared); ...
0
"""

from __future__ import annotations

import argparse
from typing import Any

from symnn.cli import EXIT_FAILED_CHECK, EXIT_OK, command, parse_params


def add_subcommands(sub: Any) -> None:
    """Add the ``grade`` subparser to the ``symnn`` command line."""
    parser = sub.add_parser(
        "grade",
        help="grade an answer against a derived result; exit 0 if correct, 1 if not",
        description="Grade an answer (an expression, a vector [a, b] or a matrix [[a, b], [c, d]]) "
                    "against the derived result of ID. The answer is parsed, never evaluated.",
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


@command("grade")
def _grade(args: argparse.Namespace) -> int:
    from symnn.grading.grader import grade

    params = parse_params(args.param)
    result = grade(args.id, args.answer, key=args.key, **params)
    print(result)
    return EXIT_OK if result.correct else EXIT_FAILED_CHECK

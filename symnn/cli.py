"""The ``symnn`` command line.

::

    symnn --version
    symnn list [--kind derivation|experiment]
    symnn derive ID|all [--param NAME=VALUE ...] [--latex] [-o FILE] [--figure FILE]
    symnn check ID|all [--param NAME=VALUE ...]

Parameter values are read by the safe literal reader (numbers, fractions, names, lists);
nothing typed on the command line is evaluated. A user mistake prints one line
``symnn: error: ...`` and exits with status 2; ``check`` exits with 1 when a cross-check
fails. Output paths are checked before any work starts, and an operating-system error
(disk full, permission denied) is one line naming the path, also exit 2.

``derive``, ``check``, ``report`` and ``notebook`` run under an address-space limit of
:data:`MEMORY_LIMIT` bytes, so that no parameter can make them take the machine's memory;
running out is one line naming the parameters that made the work large.

``symnn: error: ...`` and exits with status 2 (an unknown id names the nearest known ids);
``check`` exits with 1 when a cross-check fails. ``derive`` prints Unicode formulas
(``sympy.pretty``); output piped into a reader that stops early (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from symnn.errors import ParameterError, ResourceError, SymnnError

EXIT_OK, EXIT_FAILED_CHECK, EXIT_USAGE = 0, 1, 2
#: The address-space limit of the commands that derive (2 GiB).
MEMORY_LIMIT = 2 * 1024**3
_LIMITED = ("derive", "check", "report", "notebook")


Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a subcommand handler (other modules add ``report``, ``train`` ...)."""

    def decorate(handler: Handler) -> Handler:
        _COMMANDS[name] = handler
        return handler

    return decorate


def parse_params(pairs: Sequence[str] | None) -> dict[str, str]:
    """``["n=3", "z=[1,2]"]`` -> ``{"n": "3", "z": "[1,2]"}`` (values stay text).

    >>> parse_params(["n=3", "z=[1, 2]"])
    {'n': '3', 'z': '[1, 2]'}
    """
    params: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParameterError(name or pair, pair, "NAME=VALUE, e.g. --param n=3")
        if name in params:
            raise ParameterError(name, pair, "each parameter once")
        params[name] = value.strip()
    return params


def _ids(target: str, kind: str = "derivation") -> list[str]:
    from symnn.core.registry import catalog, entry

    if target == "all":
        return catalog(kind)
    entry(target)
    return [target]


#: Experiment parameters that ``symnn train`` takes as options of their own, not through --param.
_TRAIN_FLAGS = {"epochs": "--epochs", "seed": "--seed", "quick": "--quick"}


@command("list")
def _list(args: argparse.Namespace) -> int:
    from symnn.core.registry import catalog, entry

    items = [entry(name) for name in catalog(args.kind)]
    rows = [(name, item.kind, "; ".join(f"{sheet} {problem}" for sheet, problem in item.sheets))
            for name, item in zip(catalog(args.kind), items)]
    widths = [max((len(row[column]) for row in rows), default=0) for column in range(3)]
    for row, item in zip(rows, items):
        params = ", ".join(p.name for p in item.parameters) or "-"
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + f"  params: {params}")
        if args.verbose:
            print(f"    {item.title}")
            for parameter in item.parameters:
                flag = _TRAIN_FLAGS.get(parameter.name) if item.kind == "experiment" else None
                print(f"    {flag or '--param'} {parameter.describe()}")
    return EXIT_OK


@command("derive")
def _derive(args: argparse.Namespace) -> int:
    from symnn.core.registry import derive
    from symnn.io import check_writable_dir, check_writable_file

    params = parse_params(args.param)
    ids = _ids(args.id)
    if len(ids) > 1 and params:
        raise ParameterError(next(iter(params)), params, "no --param together with 'all'")
    if args.output:
        check_writable_file(args.output)
    if args.figure:
        from pathlib import Path

        folder = len(ids) > 1 or Path(args.figure).is_dir()
        (check_writable_dir if folder else check_writable_file)(args.figure)
    chunks = []
    figures = []
    for name in ids:
        start = time.perf_counter()
        derivation = derive(name, **params)
        if args.figure:
            figures.extend(_draw_figure(derivation, args.figure, several=len(ids) > 1))
        if args.latex:
            chunks.append(f"% {name}: derived in {time.perf_counter() - start:.2f} s\n"
                          f"\\subsection*{{{derivation.title}}}\n{derivation.latex()}")
        else:
            chunks.append(derivation.text())
    output = "\n".join(chunks)
    if args.output:
        from symnn.io import write_text_atomic

        write_text_atomic(args.output, output)
        print(f"wrote {len(ids)} derivation(s) to {args.output}")
    elif not args.figure:
        print(output)
    for path in figures:
        print(f"wrote figure {path}")
    return EXIT_OK


def _draw_figure(derivation: Any, target: str, *, several: bool) -> list[Any]:
    """Draw the figures of ``derivation`` to ``target`` (a directory when deriving several)."""
    from pathlib import Path

    from symnn import figures

    if several:
        folder = Path(target)
        if folder.suffix:
            raise ParameterError("figure", target, "a directory when deriving 'all'")
        folder.mkdir(parents=True, exist_ok=True)
        if derivation.id not in figures.figure_ids():
            return []
        return figures.draw(derivation, folder)
    return figures.draw(derivation, target)


@command("check")
def _check(args: argparse.Namespace) -> int:
    from symnn.core.registry import derive, entry, within_budget

    params = parse_params(args.param)
    ids = _ids(args.id)
    status = EXIT_OK
    for name in ids:
        derivation = derive(name, **params)
        report = within_budget(entry(name), params, derivation.check)
        print(f"{name}: {report.summary()}")
        for note in report.notes:  # what the verdict does and does not cover
            print(f"  note: {note}")
        for comparison in report.comparisons if args.verbose else ():
            mark = "ok " if comparison.passed else "BAD"
            print(f"  {mark} {comparison.label}: error {comparison.error:.3g}")
        for label, holds in report.facts if args.verbose else ():
            print(f"  {'ok ' if holds else 'BAD'} {label}")
        for failure in report.failures():
            print(f"  failed: {failure}")
        if not report.ok:
            status = EXIT_FAILED_CHECK
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    from symnn import __version__

    parser = argparse.ArgumentParser(
        prog="symnn",
        description="Neural-network course mathematics: derived by SymPy, typeset, cross-checked.",
    )
    parser.add_argument("--version", action="version", version=f"symnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    listing = sub.add_parser("list", help="list the catalogue of ids")
    listing.add_argument("--kind", choices=["derivation", "experiment"])
    listing.add_argument("-v", "--verbose", action="store_true", help="titles and parameters")
    for name, helptext in (("derive", "derive an id (or all) and print it"),
                           ("check", "derive and cross-check numerically; exit 0 only if it passes")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("id", metavar="ID", help="a catalogue id, or 'all'")
        p.add_argument("--param", action="append", metavar="NAME=VALUE",
                       help="a parameter, e.g. --param n=4 or --param z=[1,3,3,-2]")
        if name == "derive":
            p.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
            p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically)")
            p.add_argument("--figure", metavar="FILE",
                           help="draw the id's figure: FILE.tex (diagram), FILE.png/.pdf (plot), "
                                "FILE without suffix (all parts), or a directory")
        else:
            p.add_argument("-v", "--verbose", action="store_true", help="every comparison")
    _load_extensions(sub)
    return parser


def _load_extensions(sub: Any) -> None:
    """Subcommands defined in other modules (write-ups, training) register themselves here."""
    import importlib

    for module in ("symnn.report.cli", "symnn.experiments.cli", "symnn.grading.cli", "symnn.testing.cli",
                   "symnn.distributed.cli", "symnn.distributed.sweep_cli"):
        try:
            extension = importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name is not None and module.startswith(error.name):
                continue
            raise
        extension.add_subcommands(sub)


@contextlib.contextmanager
def memory_limit(limit: int = MEMORY_LIMIT) -> Iterator[None]:
    """Lower the soft address-space limit to ``limit`` bytes for the block (where the OS allows)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, AttributeError, OSError, ValueError):
        yield
        return
    lowered = soft == resource.RLIM_INFINITY or soft > limit
    if lowered:
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        if lowered:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    limit = memory_limit() if args.command in _LIMITED else contextlib.nullcontext()
    try:
        with limit:
            return _COMMANDS[args.command](args)
    except BrokenPipeError:  # the reader left (``symnn derive ID | head``): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit's flush of stdout does not fail
        return EXIT_OK
    except SymnnError as error:
        print(f"symnn: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        error = ResourceError(f"{args.command}: out of memory (limit {MEMORY_LIMIT // 1024**3} GiB)")
        print(f"symnn: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        where = f"{os.fsdecode(error.filename)}: " if error.filename is not None else ""
        print(f"symnn: error: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("symnn: interrupted", file=sys.stderr)
        return 130

"""The committed write-ups ``proofs/<sheet-id>.tex``: regenerate them, or check they are current.

``proofs/`` holds the LaTeX write-up of every sheet as the catalogue derives it today,
without experiment results. A test regenerates them and fails on any difference, so a
change in a derivation's steps or results shows up as a diff of these files. Run from the
root of the checkout::

    python -m symnn.report.proofs            # rewrite proofs/*.tex
    python -m symnn.report.proofs --check    # exit 1 and name the stale files
    symnn report all --proofs                # the same as the first, via the command line
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path

from symnn.io import write_text_atomic
from symnn.report.document import Writer
from symnn.report.layout import sheet_ids

DEFAULT_DIRECTORY = Path("proofs")


def proof_texts(target: str = "all") -> dict[str, str]:
    """``{sheet_id: LaTeX}`` for ``target`` (a sheet id or ``"all"``), derived afresh."""
    writer = Writer()
    return {id: writer.document([id]) for id in sheet_ids(target)}


def write_proofs(directory: str | Path = DEFAULT_DIRECTORY, target: str = "all") -> list[Path]:
    """Write ``directory/<sheet-id>.tex`` for ``target``; returns the paths written."""
    written = []
    for id, text in proof_texts(target).items():
        path = Path(directory) / f"{id}.tex"
        write_text_atomic(path, text)
        written.append(path)
    return written


def stale_proofs(directory: str | Path = DEFAULT_DIRECTORY) -> dict[str, str]:
    """``{file name: unified diff}`` of every proof that differs from a fresh derivation."""
    stale = {}
    for id, text in proof_texts().items():
        path = Path(directory) / f"{id}.tex"
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        if old != text:
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), f"{path} (committed)",
                                        f"{path} (derived now)", lineterm="", n=1)
            stale[path.name] = "\n".join(list(diff)[:60])
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``python -m symnn.report.proofs``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m symnn.report.proofs",
                                     description="Regenerate (or check) the write-ups in proofs/.")
    parser.add_argument("--dir", default=str(DEFAULT_DIRECTORY), help="the proofs folder (default proofs)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if any differs")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_proofs(args.dir)
        for name, diff in stale.items():
            print(f"{name} is stale:\n{diff}")
        print("proofs are current" if not stale else f"{len(stale)} stale file(s)")
        return 1 if stale else 0
    for path in write_proofs(args.dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The committed write-ups ``proofs/<sheet-id>.tex`` and their plots: regenerate or check them.

``proofs/`` holds the LaTeX write-up of every sheet as the catalogue derives it today,
without experiment results, and ``proofs/figures/fig-ID.png``, the plots the write-ups
include. A test regenerates them and fails on any difference (text or PNG bytes), so a
change in a derivation's steps, results or figures shows up as a diff of these files.
The one part of the text left out of the comparison is each numeric cross-check's
measured worst error (``MEASURED``): its digits depend on the machine's BLAS kernels
(a central difference of a float64 simulator run multiplies the run's rounding by
1/h; seen: 1.6e-10 on AMD EPYC with AVX2 kernels, 2.1e-10 on an Intel Xeon with
AVX-512 kernels, against a tolerance of 1e-9). The verdict, method, tolerance and
number of values are compared like the rest.
Run from the root of the checkout::

    python -m symnn.report.proofs            # rewrite proofs/*.tex and proofs/figures/*.png
    python -m symnn.report.proofs --check    # exit 1 and name the stale files
    symnn report all --proofs                # the same as the first, via the command line
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from symnn.io import write_bytes_atomic, write_text_atomic
from symnn.report.document import Writer
from symnn.report.layout import sheet_ids
from symnn.report.pictures import FOLDER

DEFAULT_DIRECTORY = Path("proofs")
#: A cross-check's measured worst error in a write-up (see the module docstring).
MEASURED = re.compile(r"(worst error )\$[^$]*\$")


def comparable(text: str) -> str:
    r"""``text`` with every measured worst error replaced by a dot, for the staleness check.

    >>> comparable(r"tolerance $10^{-9}$, worst error $1.6\times 10^{-10}$ over 76 values")
    'tolerance $10^{-9}$, worst error $\\cdot$ over 76 values'
    """
    return MEASURED.sub(lambda match: match.group(1) + r"$\cdot$", text)


#: The plot files of ``proofs/figures`` (others there are left alone).
PLOT_GLOB = "fig-*.png"


@dataclass(frozen=True)
class Proofs:
    """The committed files derived afresh: ``{sheet_id: LaTeX}`` and ``{file name: PNG bytes}``."""

    texts: dict[str, str]
    plots: dict[str, bytes]


def derive_proofs(target: str = "all") -> Proofs:
    """The write-ups of ``target`` (a sheet id or ``"all"``) and the plots they include."""
    writer = Writer()
    texts = {id: writer.document([id]) for id in sheet_ids(target)}
    return Proofs(texts, writer.plots.png())


def proof_texts(target: str = "all") -> dict[str, str]:
    """``{sheet_id: LaTeX}`` for ``target`` (a sheet id or ``"all"``), derived afresh."""
    writer = Writer()
    return {id: writer.document([id]) for id in sheet_ids(target)}


def write_proofs(directory: str | Path = DEFAULT_DIRECTORY, target: str = "all") -> list[Path]:
    """Write ``directory/<sheet-id>.tex`` and ``directory/figures/fig-ID.png``; returns the paths.

    With ``target="all"`` a plot file that no write-up includes any more is removed.
    """
    proofs = derive_proofs(target)
    written = []
    folder = Path(directory) / FOLDER
    for name, data in proofs.plots.items():
        write_bytes_atomic(folder / name, data)
        written.append(folder / name)
    for id, text in proofs.texts.items():
        path = Path(directory) / f"{id}.tex"
        write_text_atomic(path, text)
        written.append(path)
    if target == "all" and folder.is_dir():
        for old in sorted(folder.glob(PLOT_GLOB)):
            if old.name not in proofs.plots:
                old.unlink()
    return written


def stale_proofs(directory: str | Path = DEFAULT_DIRECTORY) -> dict[str, str]:
    """``{file name: what differs}`` of every committed file that differs from a fresh derivation.

    A write-up's entry is a unified diff; a plot's (``figures/fig-ID.png``) says whether it
    is missing, has other bytes, or is no longer included by any write-up.
    """
    proofs = derive_proofs()
    stale = {}
    for id, text in proofs.texts.items():
        path = Path(directory) / f"{id}.tex"
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        if comparable(old) != comparable(text):
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), f"{path} (committed)",
                                        f"{path} (derived now)", lineterm="", n=1)
            stale[path.name] = "\n".join(list(diff)[:60])
    folder = Path(directory) / FOLDER
    for name, data in proofs.plots.items():
        path = folder / name
        if not path.is_file():
            stale[f"{FOLDER}/{name}"] = f"{path} is missing"
        elif path.read_bytes() != data:
            stale[f"{FOLDER}/{name}"] = (f"{path} has other bytes ({path.stat().st_size} committed, "
                                         f"{len(data)} drawn now)")
    extra = sorted(path.name for path in folder.glob(PLOT_GLOB) if path.name not in proofs.plots)
    stale.update({f"{FOLDER}/{name}": f"{folder / name} is included by no write-up" for name in extra})
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``python -m symnn.report.proofs``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m symnn.report.proofs",
                                     description="Regenerate (or check) the write-ups and plots in proofs/.")
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

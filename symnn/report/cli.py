"""The ``symnn report`` and ``symnn notebook`` subcommands.

::

    symnn report SHEET|all -o FILE.tex [--pdf] [--results DIR]
    symnn report SHEET|all --html -o DIR [--results DIR]
    symnn report SHEET|all --proofs [--proofs-dir DIR]
    symnn notebook SHEET|all -o FILE.ipynb

``report`` writes a sheet's LaTeX write-up (``all``: the five sheets as parts of one
document) atomically, with the plots of its derivations as ``figures/fig-ID.png`` beside
it; ``--pdf`` also builds the PDF next to it; ``--results DIR`` adds the experiments'
metrics and plots from ``DIR/<experiment-id>/`` (a missing ``DIR`` is refused). ``--html``
writes the same content as a web page ``DIR/index.html`` with MathML and its figures
beside it (:mod:`symnn.report.html`). ``--proofs`` rewrites the committed
write-ups ``proofs/<sheet-id>.tex`` and their plots ``proofs/figures/``. An unknown sheet,
a missing TeX installation or a failed build is a :class:`~symnn.errors.SymnnError`: one
line, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from symnn.cli import EXIT_OK, command
from symnn.errors import ReportError

SHEET_HELP = "nn-assignment-2, ml-assignment-2, homework-1, exercise-sheet-6, seminar-1, or all"


def add_subcommands(sub: Any) -> None:
    """Add ``report`` and ``notebook`` to the ``symnn`` argument parser's subcommands."""
    p = sub.add_parser("report", help="write a sheet's LaTeX write-up (and its PDF)",
                       description="Typeset a whole sheet: statements, certified derivations, "
                                   "boxed results, cross-checks, simulator code, experiments.")
    p.add_argument("sheet", metavar="SHEET", help=SHEET_HELP)
    p.add_argument("-o", "--output", metavar="FILE.tex", help="the LaTeX file to write")
    p.add_argument("--pdf", action="store_true", help="also build FILE.pdf (latexmk or pdflatex)")
    p.add_argument("--html", action="store_true",
                   help="write the web edition DIR/index.html (MathML, figures beside it) to -o DIR")
    p.add_argument("--results", metavar="DIR", help="experiment results: DIR/<experiment-id>/metrics.json")
    p.add_argument("--proofs", action="store_true", help="rewrite proofs/<sheet-id>.tex instead")
    p.add_argument("--proofs-dir", metavar="DIR", default="proofs",
                   help="folder of --proofs (default proofs)")
    n = sub.add_parser("notebook", help="write a Jupyter notebook that reproduces a sheet",
                       description="Write an nbformat-4 notebook deriving and checking every "
                                   "problem of a sheet.")
    n.add_argument("sheet", metavar="SHEET", help=SHEET_HELP)
    n.add_argument("-o", "--output", metavar="FILE.ipynb", required=True, help="the notebook to write")


@command("report")
def _report(args: argparse.Namespace) -> int:
    from symnn.io import check_writable_dir, check_writable_file
    from symnn.report.document import write_sheet
    from symnn.report.layout import sheet_ids
    from symnn.report.pictures import FOLDER
    from symnn.report.results import check_results_plots

    ids = sheet_ids(args.sheet)
    if args.proofs:
        from symnn.report.proofs import write_proofs

        check_writable_dir(Path(args.proofs_dir) / FOLDER)
        for path in write_proofs(args.proofs_dir, args.sheet):
            print(f"wrote {path}")
        return EXIT_OK
    if not args.output:
        raise ReportError("report: give the output with -o FILE.tex (-o DIR with --html), or use --proofs")
    results = Path(args.results) if args.results else None
    if results is not None and not results.is_dir():
        raise ReportError(f"report: --results {results} is not a directory; expected the folder "
                          "that holds <experiment-id>/metrics.json")
    check_results_plots(results)
    if args.html:
        from symnn.report.html import write_html

        output = check_writable_dir(Path(args.output))
        *files, index = write_html(args.sheet, output, results)
        print(f"wrote {index} ({', '.join(ids)}) and {len(files)} figure(s) in {output / FOLDER}")
        return EXIT_OK
    output = check_writable_file(args.output)
    check_writable_dir(output.parent / FOLDER)
    if args.pdf:
        from symnn.report.pdf import tex_tools

        tex_tools()  # fail before deriving anything when TeX is missing
    *plots, _ = write_sheet(args.sheet, output, results)
    print(f"wrote {output} ({', '.join(ids)})"
          + (f" and {len(plots)} plot(s) in {output.parent / FOLDER}" if plots else ""))
    if args.pdf:
        from symnn.report.pdf import build_pdf

        build = build_pdf(output)
        print(f"wrote {output.with_suffix('.pdf')} ({build.tool})")
        if build.overfull:
            print(f"symnn: warning: {len(build.overfull)} overfull line(s) in the PDF, e.g. "
                  f"{build.overfull[0]}", file=sys.stderr)
    return EXIT_OK


@command("notebook")
def _notebook(args: argparse.Namespace) -> int:
    from symnn.io import check_writable_file
    from symnn.report.notebook import write_notebook

    check_writable_file(args.output)
    cells = write_notebook(args.sheet, args.output)
    print(f"wrote {args.output} ({cells} cells)")
    return EXIT_OK

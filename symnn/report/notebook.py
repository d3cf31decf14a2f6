"""A Jupyter notebook per sheet that reproduces its write-up with symnn.

The notebook is nbformat 4 JSON written with the standard library: a markdown cell per
problem (label, statement, written answer), then for every id that answers it a code cell
that derives it and ends with the derivation (Jupyter shows it once, through its
``_repr_latex_``) and one that cross-checks it and ends with the report (its
``_repr_html_`` table), followed, when the id has figures (:mod:`symnn.figures`), by a cell
showing its diagram drawn (:class:`~symnn.report.tikzsvg.TikzPicture`) and one showing
its plot; or a cell that runs the experiment with ``quick=True``. Experiment
cells carry the tag ``experiment`` (they need the dataset files); everything else runs top
to bottom as is. The first code cell turns on ``%matplotlib inline``, so that Jupyter shows
the matplotlib figure a plot cell ends with (the plots are drawn without pyplot and need
no display).

>>> nb = sheet_notebook("ml-assignment-2")
>>> nb["nbformat"], nb["cells"][0]["cell_type"]
(4, 'markdown')
>>> any('symnn.derive("gd-convergence-quadratic")' in c["source"] for c in nb["cells"])
True
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from symnn.core.registry import catalog, entry
from symnn.figures import FIGURES
from symnn.io import write_text_atomic
from symnn.report.layout import Problem, sheet, sheet_ids

EXPERIMENT_TAG = "experiment"
#: The first code cell: symnn, then Jupyter's inline display of matplotlib figures.
SETUP = "import symnn\n\n%matplotlib inline"
_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _markdown_text(latex: str) -> str:
    """LaTeX text of a statement made readable in Markdown (math stays for MathJax)."""
    return re.sub(r"\\emph\{([^}]*)\}", r"*\1*", latex)


class _Cells:
    """Collects cells with deterministic ids."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.cells: list[dict[str, Any]] = []

    def _id(self) -> str:
        return f"{self.prefix}-{len(self.cells):03d}"

    def markdown(self, text: str) -> None:
        self.cells.append({"cell_type": "markdown", "id": self._id(), "metadata": {}, "source": text})

    def code(self, source: str, tags: tuple[str, ...] = ()) -> None:
        metadata: dict[str, Any] = {"tags": list(tags)} if tags else {}
        self.cells.append({"cell_type": "code", "execution_count": None, "id": self._id(),
                           "metadata": metadata, "outputs": [], "source": source})


def _problem_cells(cells: _Cells, problem: Problem, registered: set[str]) -> None:
    text = f"## {problem.label}: {problem.title}\n\n{_markdown_text(problem.statement)}"
    if problem.answer:
        text += f"\n\n**Answer.** {_markdown_text(problem.answer)}"
    cells.markdown(text)
    for id in problem.ids:
        if id not in registered:
            cells.markdown(f"`{id}`: not yet available in this version.")
        elif entry(id).kind == "experiment":
            _experiment_cells(cells, id)
        else:
            cells.code(f'd = symnn.derive("{id}")  # with the sheet\'s parameters\n'
                       "d  # its numbered certified steps and boxed result, shown once")
            cells.code("report = d.check()  # the independent numeric cross-check\n"
                       "assert report.ok\n"
                       "report  # the verdict and every comparison")
            _figure_cells(cells, id)


def _figure_cells(cells: _Cells, id: str) -> None:
    """The diagram (drawn as SVG) and the plot (shown inline) of ``id``, if it has them."""
    item = FIGURES.get(id)
    if item is None:
        return
    if item.diagram is not None:
        cells.code("from symnn import figures\n"
                   "from symnn.report.tikzsvg import TikzPicture\n\n"
                   "# the network diagram, drawn by pdflatex and pdftocairo (its TikZ source without them)\n"
                   "TikzPicture(figures.tikz_for(d))")
    if item.plot is not None:
        cells.code("from symnn import figures\n\n"
                   "# drawn from the derivation's own result (matplotlib, headless: no pyplot)\n"
                   "figures.plot_for(d)")


def _experiment_cells(cells: _Cells, id: str) -> None:
    cells.markdown(f"**{entry(id).title}** (`{id}`). The cell below trains on the real "
                   "dataset files (see `docs/data.md`). The same run from a shell: "
                   f"`symnn train {id} --out results/{id}`.")
    cells.code(
        "# quick=True trains on a small subset of the real data for a few epochs, so that the\n"
        "# cell finishes in minutes; drop it to reproduce the numbers of the write-up.\n"
        "import symnn.experiments\n\n"
        f'metrics = symnn.experiments.run("{id}", quick=True, out="results/{id}")\n'
        '{key: metrics.get(key) for key in ("test_accuracy", "epochs_run")}',
        tags=(EXPERIMENT_TAG,),
    )


def sheet_notebook(target: str) -> dict[str, Any]:
    """The notebook (a JSON-ready dictionary) of sheet ``target`` (``"all"``: every sheet)."""
    registered = set(catalog())
    cells = _Cells(target)
    for id in sheet_ids(target):
        item = sheet(id)
        cells.markdown(
            f"# {item.title}\n\nThe sheet of {item.source}, worked by symnn: every derivation "
            "is built by SymPy from certified steps and cross-checked numerically; run the "
            "cells from top to bottom (the figure cells need matplotlib: `pip install "
            f"'symnn[plots]'`). `symnn report {id} -o {id}.tex --pdf` typesets the same "
            "material as a PDF."
        )
        cells.code(SETUP)
        for problem in item.problems:
            _problem_cells(cells, problem, registered)
    return {"cells": cells.cells, "metadata": _METADATA, "nbformat": 4, "nbformat_minor": 5}


def write_notebook(target: str, path: str | os.PathLike[str]) -> int:
    """Write the notebook of ``target`` to ``path`` atomically; returns the number of cells."""
    notebook = sheet_notebook(target)
    write_text_atomic(path, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return len(notebook["cells"])

"""Notebooks: nbformat-4 JSON whose derivation and figure cells run top to bottom."""

from __future__ import annotations

import ast
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from symnn.cli import main
from symnn.core.registry import entry
from symnn.figures import FIGURES
from symnn.report import notebook
from symnn.report.layout import sheets
from symnn.report.notebook import EXPERIMENT_TAG, SETUP, sheet_notebook
from symnn.report.tikzsvg import TikzPicture, can_draw

PLOT_CELL = "figures.plot_for(d)"
DIAGRAM_CELL = "TikzPicture(figures.tikz_for(d))"

CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def code_cells(nb: dict, *, experiments: bool = False) -> list[dict]:
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return [c for c in cells if (EXPERIMENT_TAG in c["metadata"].get("tags", [])) == experiments]


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_notebook_has_nbformat4_shape(sheet_id: str) -> None:
    nb = json.loads(json.dumps(sheet_notebook(sheet_id)))
    assert set(nb) == {"cells", "metadata", "nbformat", "nbformat_minor"}
    assert (nb["nbformat"], nb["nbformat_minor"]) == (4, 5)
    assert nb["metadata"]["kernelspec"]["language"] == "python"
    ids = [cell["id"] for cell in nb["cells"]]
    assert len(ids) == len(set(ids)) and all(CELL_ID.match(i) for i in ids)
    for cell in nb["cells"]:
        assert cell["cell_type"] in ("markdown", "code") and isinstance(cell["source"], str)
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
        else:
            assert "outputs" not in cell
    for problem in sheets()[sheet_id].problems:
        assert any(cell["source"].startswith(f"## {problem.label}: ") for cell in nb["cells"])


def test_notebook_validates_with_nbformat_when_available() -> None:
    nbformat = pytest.importorskip("nbformat", reason="nbformat is optional; the JSON shape is tested above")
    nbformat.validate(nbformat.from_dict(sheet_notebook("exercise-sheet-6")))


def run_cell(source: str, namespace: dict[str, Any], name: str) -> Any:
    """Run a code cell as Jupyter would: line magics (IPython's) skipped, the last expression's value
    returned."""
    tree = ast.parse("\n".join(line for line in source.splitlines() if not line.startswith("%")))
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, name, "exec"), namespace)
    return None if last is None else eval(compile(ast.Expression(last.value), name, "eval"), namespace)


def test_derivation_and_figure_cells_run_in_one_namespace(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    monkeypatch.setenv("MPLBACKEND", "Agg")
    had_pyplot = "matplotlib.pyplot" in sys.modules
    nb = sheet_notebook("ml-assignment-2")
    namespace: dict = {}
    shown, seconds = [], 0.0
    diagrams: list[TikzPicture] = []
    for index, cell in enumerate(code_cells(nb)):
        start = time.perf_counter()
        value = run_cell(cell["source"], namespace, f"<cell {index}>")
        if PLOT_CELL in cell["source"] or DIAGRAM_CELL in cell["source"]:
            seconds += time.perf_counter() - start
        if PLOT_CELL in cell["source"]:
            assert isinstance(value, Figure) and value.axes, "a plot cell ends with the figure"
            shown.append(namespace["d"].id)
        if DIAGRAM_CELL in cell["source"]:
            assert isinstance(value, TikzPicture) and r"\begin{tikzpicture}" in value.tikz
            diagrams.append(value)
        if cell["source"].startswith("d = symnn.derive("):
            assert value is namespace["d"], "a derivation cell ends with the derivation, shown once"
            assert "print(" not in cell["source"]
        if cell["source"].startswith("report = d.check()"):
            assert value is namespace["report"] and "passed" in value._repr_html_()
    assert capsys.readouterr().out == ""  # everything is shown through display, nothing printed
    assert len(diagrams) == 1
    if can_draw():
        assert "<svg" in (diagrams[0]._repr_svg_() or "")
    assert shown == ["two-layer-relu-gradients", "gd-convergence-quadratic"]
    assert namespace["d"].id == "gd-convergence-quadratic" and namespace["report"].ok
    assert seconds < 15, f"figure cells took {seconds:.1f} s"
    assert had_pyplot or "matplotlib.pyplot" not in sys.modules, "figure cells must not need pyplot"


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_figure_cells_follow_each_derivation_with_figures(sheet_id: str) -> None:
    cells = code_cells(sheet_notebook(sheet_id))
    assert cells[0]["source"] == SETUP and "%matplotlib inline" in SETUP
    derived = re.compile(r'^d = symnn\.derive\("([a-z0-9-]+)"\)')
    found: list[tuple[str, list[str]]] = []  # per derivation cell: the figure parts after it
    for cell in cells:
        match = derived.match(cell["source"])
        if match:
            found.append((match.group(1), []))
        elif PLOT_CELL in cell["source"] or DIAGRAM_CELL in cell["source"]:
            assert cell["source"].startswith("from symnn import figures\n")
            found[-1][1].append("plot" if PLOT_CELL in cell["source"] else "diagram")
    assert found, "every sheet derives something"
    for id, parts in found:
        assert entry(id).kind != "experiment"
        assert parts == (list(FIGURES[id].parts) if id in FIGURES else []), id
    assert any(parts for _, parts in found), "every sheet has a figure"


def test_experiment_cells_are_tagged_and_quick() -> None:
    nb = sheet_notebook("nn-assignment-2")
    cells = code_cells(nb, experiments=True)
    assert len(cells) == 2
    for cell in cells:
        assert "quick=True" in cell["source"] and cell["source"].startswith("# quick=True")
        compile(cell["source"], "<experiment cell>", "exec")
    assert not any("symnn.experiments" in c["source"] for c in code_cells(nb))


def test_unregistered_id_becomes_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notebook, "catalog", lambda: ["two-layer-relu-gradients"])
    nb = sheet_notebook("ml-assignment-2")
    sources = [cell["source"] for cell in nb["cells"]]
    assert "`gd-convergence-quadratic`: not yet available in this version." in sources
    assert not any('derive("gd-convergence-quadratic")' in s for s in sources)


def test_cli_writes_the_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nb" / "seminar-1.ipynb"
    assert main(["notebook", "seminar-1", "-o", str(path)]) == 0
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb == json.loads(json.dumps(sheet_notebook("seminar-1")))
    assert "cells)" in capsys.readouterr().out

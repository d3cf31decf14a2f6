"""Notebooks: nbformat-4 JSON whose derivation cells run top to bottom."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from symnn.cli import main
from symnn.report import notebook
from symnn.report.layout import sheets
from symnn.report.notebook import EXPERIMENT_TAG, sheet_notebook

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


def test_derivation_cells_run_in_one_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    nb = sheet_notebook("ml-assignment-2")
    namespace: dict = {}
    for index, cell in enumerate(code_cells(nb)):
        exec(compile(cell["source"], f"<cell {index}>", "exec"), namespace)
    out = capsys.readouterr().out
    assert out.count("cross-check passed") == 3
    assert namespace["d"].id == "gd-convergence-quadratic" and namespace["report"].ok


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

"""Real PDFs: every sheet builds with its figures, without overfull lines; a missing TeX is a clear error."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symnn.cli import main
from symnn.errors import ReportError
from symnn.report import pdf
from symnn.report.document import Writer
from symnn.report.layout import sheet, sheets
from symnn.report.pdf import Build, build_pdf, tex_tools

TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c6360000000020001e221bc330000000049454e44ae426082")
PROOFS = Path(__file__).resolve().parents[1] / "proofs"
HAVE_TEX = shutil.which("pdflatex") is not None
needs_tex = pytest.mark.skipif(not HAVE_TEX, reason="pdflatex is not installed (apt-get install "
                               "texlive-latex-base texlive-pictures latexmk); CI installs it")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    """The PDF of every committed write-up in proofs/, built once for the module."""
    if not HAVE_TEX:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base latexmk); CI installs it")
    folder = tmp_path_factory.mktemp("pdf")
    shutil.copytree(PROOFS / "figures", folder / "figures")
    done = {}
    for id in sheets():
        tex = folder / f"{id}.tex"
        shutil.copyfile(PROOFS / f"{id}.tex", tex)
        done[id] = build_pdf(tex)
    return done


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_every_sheet_builds_without_overfull_lines(builds: dict[str, Build], sheet_id: str) -> None:
    build = builds[sheet_id]
    assert build.pdf.read_bytes()[:5] == b"%PDF-"
    assert build.pdf.with_suffix(".tex").is_file()
    assert "Output written on" in build.log
    assert build.overfull == [], "\n".join(build.overfull)


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_every_sheet_pdf_includes_its_figures(builds: dict[str, Build], sheet_id: str) -> None:
    build = builds[sheet_id]
    tex = build.pdf.with_suffix(".tex").read_text(encoding="utf-8")
    plots = re.findall(r"\\includegraphics\[[^]]*\]\{(figures/fig-[a-z0-9-]+\.png)\}", tex)
    assert plots or r"\begin{tikzpicture}" in tex  # a sheet shows a plot, a diagram or both
    assert r"\begin{tikzpicture}" in "".join(builds[id].pdf.with_suffix(".tex").read_text(
        encoding="utf-8") for id in builds)
    log = build.log.replace("\n", "")  # TeX wraps its log at 79 characters
    for plot in plots:
        assert (build.pdf.parent / plot).is_file() and f"<{plot}, id=" in log
    assert build.pdf.read_bytes().count(b"/Subtype /Image") >= len(set(plots))


def test_build_leaves_the_pdf_and_its_log(builds: dict[str, Build]) -> None:
    folder = next(iter(builds.values())).pdf.parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{id}.{suffix}" for id in sheets() for suffix in ("tex", "pdf", "log")] + ["figures"])
    for build in builds.values():
        assert build.pdf.with_suffix(".log").read_text(encoding="utf-8") == build.log


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftohtml") is None,
                                   reason="poppler-utils is not installed; CI installs it")


@needs_poppler
@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_pdf_text_has_no_misencoded_glyphs_and_a_contents(builds: dict[str, Build], sheet_id: str) -> None:
    """OT1 prints ``<``, ``>``, ``|`` as ``¡``, ``¿``, ``—``: the T1 encoding prints them as they are."""
    pdf_file = builds[sheet_id].pdf
    text = subprocess.run(["pdftotext", str(pdf_file), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "¿" not in text and "¡" not in text
    assert "Contents" in text and "->" not in text and "+oo" not in text
    outline = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(pdf_file)], capture_output=True,
                             text=True, check=True).stdout
    bookmarks = re.findall(r"<item page=\"\d+\">([^<]*)</item>", outline)
    labels = [problem.label for problem in sheet(sheet_id).problems]
    assert [mark.split(":")[0] for mark in bookmarks] == labels


@needs_tex
def test_cli_pdf_finds_the_plots_it_drew(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "write-up" / "ml.tex"
    assert main(["report", "ml-assignment-2", "-o", str(output), "--pdf"]) == 0
    pdf = output.with_suffix(".pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and pdf.count(b"/Subtype /Image") >= 2  # the two plots (and masks)
    assert sorted(p.name for p in output.parent.iterdir()) == ["figures", "ml.log", "ml.pdf", "ml.tex"]
    assert "warning" not in capsys.readouterr().err


@needs_tex
def test_report_with_results_and_plot_builds(tmp_path: Path) -> None:
    folder = tmp_path / "results" / "fashion-mlp"
    folder.mkdir(parents=True)
    metrics = {"test_accuracy": 0.8765, "epochs_run": 2, "history": {"train_loss": [0.9, 0.5]}}
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (folder / "loss_curve.png").write_bytes(TINY_PNG)
    tex = tmp_path / "write-up" / "hw.tex"
    tex.parent.mkdir()
    problem = next(p for p in sheets()["homework-1"].problems if "fashion-mlp" in p.ids)
    writer = Writer(tmp_path / "results", tex.parent)
    body = writer.problem(problem, "homework-1", {}, set())
    document = writer.document(["ml-assignment-2"]).replace(r"\end{document}", body + r"\end{document}")
    tex.write_text(document, encoding="utf-8")
    with pytest.raises(ReportError, match=r"File `figures/fig-two-layer-relu-gradients\.png' not found"):
        build_pdf(tex)  # the plots are not drawn yet
    writer.write_figures(tex.parent / "figures")
    build = build_pdf(tex)
    log = build.log.replace("\n", "")
    assert "loss_curve.png" in log and "figures/fig-gd-convergence-quadratic.png" in log
    assert build.overfull == []


@needs_tex
def test_pdflatex_twice_without_latexmk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None if name == "latexmk" else real(name))
    tex = tmp_path / "small.tex"
    tex.write_text("\\documentclass{article}\\begin{document}x\\end{document}\n", encoding="utf-8")
    build = build_pdf(tex)
    assert build.tool == "pdflatex" and build.pdf == tmp_path / "small.pdf" and build.pdf.is_file()


@needs_tex
def test_latex_error_is_a_report_error(tmp_path: Path) -> None:
    tex = tmp_path / "broken.tex"
    tex.write_text("\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n",
                   encoding="utf-8")
    with pytest.raises(ReportError, match=r"failed on broken\.tex: Undefined control sequence"):
        build_pdf(tex)
    assert not (tmp_path / "broken.pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.log", "broken.tex"]
    assert "Undefined control sequence" in (tmp_path / "broken.log").read_text(encoding="utf-8")


def test_missing_pdflatex_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(ReportError, match=r"pdflatex not found: install texlive-latex-base and latexmk, "
                                          r"e\.g\. apt-get install"):
        tex_tools()
    monkeypatch.chdir(tmp_path)
    assert main(["report", "seminar-1", "-o", "s.tex", "--pdf"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symnn: error: pdflatex not found") and err.count("\n") == 1


#: Fewest lines of text a page of a write-up holds, unless it shows a picture or ends the sheet.
FEWEST_LINES = 6


@needs_poppler
@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_no_page_but_the_last_is_nearly_empty(builds: dict[str, Build], sheet_id: str) -> None:
    """A page of one or two lines (a sentence pushed past a display) wastes a sheet of paper."""
    pdf_file = builds[sheet_id].pdf
    text = subprocess.run(["pdftotext", "-layout", str(pdf_file), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")[:-1]  # pdftotext ends every page with a form feed
    listing = subprocess.run(["pdfimages", "-list", str(pdf_file)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    pictured = {int(row.split()[0]) for row in listing if row.split()}
    lines = [len([line for line in page.splitlines() if line.strip() and not line.strip().isdigit()])
             for page in pages]
    assert len(lines) >= 2
    sparse = [number for number, count in enumerate(lines[:-1], 1)
              if count < FEWEST_LINES and number not in pictured]
    assert sparse == [], f"{sheet_id}: pages {sparse} hold fewer than {FEWEST_LINES} lines"

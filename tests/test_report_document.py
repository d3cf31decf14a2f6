"""The write-ups: proofs/ is current (text and plots), documents are deterministic, include
their figures and are robust to missing pieces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symnn import figures
from symnn.cli import main
from symnn.core.registry import entry
from symnn.errors import ReportError
from symnn.report import document, pictures, proofs
from symnn.report.document import Writer
from symnn.report.layout import Problem, Sheet, sheet, sheets
from symnn.report.proofs import Proofs, comparable, proof_texts, stale_proofs, write_proofs
from symnn.report.results import experiment_results

PROOFS = Path(__file__).resolve().parents[1] / "proofs"


@pytest.fixture(scope="module")
def writer() -> Writer:
    """One writer for the module, so that each derivation is derived and checked once."""
    return Writer()


@pytest.fixture(scope="module")
def texts(writer: Writer) -> dict[str, str]:
    """Every sheet's write-up, as ``python -m symnn.report.proofs`` writes it."""
    return {id: writer.document([id]) for id in sheets()}


def test_proof_texts_is_the_writer_output(texts: dict[str, str]) -> None:
    assert proof_texts("seminar-1") == {"seminar-1": texts["seminar-1"]}


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_proofs_regenerate_identically(texts: dict[str, str], sheet_id: str) -> None:
    committed = (PROOFS / f"{sheet_id}.tex").read_text(encoding="utf-8")
    assert comparable(texts[sheet_id]) == comparable(committed), (
        f"proofs/{sheet_id}.tex is stale: run `python -m symnn.report.proofs` and review the diff")


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_document_has_one_section_per_problem_in_order(texts: dict[str, str], sheet_id: str) -> None:
    text = texts[sheet_id]
    positions = [text.index(rf"\section*{{{p.label}: ") for p in sheet(sheet_id).problems]
    assert positions == sorted(positions)
    assert text.startswith(r"\documentclass[11pt]{article}") and text.rstrip().endswith(r"\end{document}")
    packages = {line for line in text.splitlines() if line.startswith(r"\usepackage")}
    assert packages == {r"\usepackage[a4paper,margin=2.5cm]{geometry}", r"\usepackage{amsmath,amssymb}",
                        r"\usepackage{graphicx}", r"\usepackage{tikz}",
                        r"\usepackage[T1]{fontenc}", r"\usepackage{lmodern}",  # <, >, | print as such
                        r"\usepackage[hidelinks,bookmarksnumbered]{hyperref}  % the contents as links and "
                        r"PDF bookmarks"}
    assert r"\tableofcontents" in text
    assert all(rf"\addcontentsline{{toc}}{{section}}{{{p.label}: " in text for p in sheet(sheet_id).problems)


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_document_is_reproducible_text(texts: dict[str, str], sheet_id: str) -> None:
    text = texts[sheet_id]
    assert str(Path.cwd()) not in text and str(Path.home()) not in text and r"\today" not in text
    assert " in 0." not in text  # no step timings
    for id in sheet(sheet_id).ids():
        assert rf"\texttt{{{id}}}" in text


def test_written_answers_show_the_backing_result(texts: dict[str, str]) -> None:
    text = texts["exercise-sheet-6"]
    section = text[text.index(r"\section*{Exercise 6.3(f):"):text.index(r"\section*{Exercise 6.3(g):")]
    assert r"\paragraph{Answer.}" in section and r"\boxed{" in section
    assert "Derived in full under Exercise 6.2(c) above" in section
    assert r"\paragraph{Numeric cross-check.} Passed" in section


def test_cross_check_line_has_two_significant_digits(texts: dict[str, str]) -> None:
    lines = [line for text in texts.values() for line in text.splitlines()
             if line.startswith(r"\paragraph{Numeric cross-check.}")]
    assert lines
    for line in lines:
        assert "tolerance $" in line and "worst error $" in line


@pytest.fixture(scope="module")
def plots(writer: Writer, texts: dict[str, str]) -> dict[str, bytes]:
    """The PNG bytes of every plot the write-ups include, as ``python -m symnn.report.proofs`` draws them."""
    return writer.plots.png()


def figure_ids_shown(sheet_id: str) -> list[str]:
    """The ids of a sheet whose derivation is shown in full and has figures, in order."""
    return [id for id in sheet(sheet_id).ids() if entry(id).kind != "experiment" and id in figures.FIGURES]


def test_proof_plots_regenerate_identically(plots: dict[str, bytes]) -> None:
    folder = PROOFS / "figures"
    assert sorted(plots) == sorted(path.name for path in folder.glob("fig-*.png")), (
        "proofs/figures/ holds other plots than the write-ups include: run `python -m symnn.report.proofs`")
    stale = [name for name, data in plots.items() if (folder / name).read_bytes() != data]
    assert not stale, f"proofs/figures/{stale} differ: run `python -m symnn.report.proofs` and review them"


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_document_includes_the_figures_of_its_derivations(writer: Writer, texts: dict[str, str],
                                                         sheet_id: str) -> None:
    text, ids = texts[sheet_id], figure_ids_shown(sheet_id)
    assert ids, "every sheet has a derivation with figures"
    assert text.count(r"\paragraph{Figure.}") == len(ids)
    diagrams = [id for id in ids if "diagram" in figures.figure(id).parts]
    assert text.count(r"\begin{tikzpicture}") == text.count(r"\fitpicture{%") == len(diagrams)
    for id in diagrams:
        assert figures.tikz_for(writer.derivation(id)).rstrip("\n") + "}" in text  # the whole picture
    for id in (id for id in ids if "plot" in figures.figure(id).parts):
        line = next(line for line in text.splitlines() if line.endswith(f"{{figures/fig-{id}.png}}"))
        assert line.startswith(r"\includegraphics[width=")
        assert line.endswith(f"\\linewidth]{{figures/fig-{id}.png}}")
        assert (PROOFS / "figures" / f"fig-{id}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert text.index(r"\paragraph{Figure.}") > text.index(r"\paragraph{Numeric cross-check.}")
    lines = text.splitlines()
    for index in (i for i, line in enumerate(lines) if line.startswith(r"\paragraph{Figure.}")):
        assert lines[index + 1:index + 3] == [r"\figurefollows", r"\begin{center}"]  # no page break here


def test_plot_width_is_its_own_up_to_the_text_width(texts: dict[str, str]) -> None:
    assert r"\includegraphics[width=0.85\linewidth]{figures/fig-two-layer-relu-gradients.png}" in (
        texts["ml-assignment-2"])  # 5.35 in wide: drawn at its own size
    assert r"\includegraphics[width=\linewidth]{figures/fig-gd-convergence-quadratic.png}" in (
        texts["ml-assignment-2"])  # 10.8 in wide: shrunk to the text
    assert pictures.plot_width(pictures.TEXT_WIDTH_IN * 2) == r"\linewidth"
    assert pictures.plot_width(pictures.TEXT_WIDTH_IN / 2) == r"0.50\linewidth"


def test_repeated_derivation_has_no_second_figure(texts: dict[str, str]) -> None:
    text = texts["exercise-sheet-6"]
    section = text[text.index(r"\section*{Exercise 6.4:"):text.index(r"\section*{Exercise 6.5:")]
    assert "Derived in full under Exercise 6.3(e) above" in section and r"\paragraph{Figure.}" not in section


def test_plot_that_cannot_be_drawn_is_a_note(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def no_matplotlib(derivation: object) -> None:
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(figures, "plot_for", no_matplotlib)
    writer = Writer()
    body = writer.full("box-function")
    assert r"\begin{tikzpicture}" in body and r"\includegraphics" not in body
    assert "could not be drawn: matplotlib is needed to draw it" in body
    assert writer.write_figures(tmp_path) == [] and not list(tmp_path.iterdir())


def test_stale_proofs_are_reported(tmp_path: Path, texts: dict[str, str], plots: dict[str, bytes],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proofs, "derive_proofs", lambda: Proofs(texts, plots))
    (tmp_path / "seminar-1.tex").write_text("old\n", encoding="utf-8")
    (tmp_path / "figures").mkdir()
    first, *rest = plots
    (tmp_path / "figures" / first).write_bytes(b"old")
    (tmp_path / "figures" / "fig-retired.png").write_bytes(b"old")
    stale = stale_proofs(tmp_path)
    assert set(stale) == ({f"{id}.tex" for id in sheets()} | {f"figures/{name}" for name in plots}
                          | {"figures/fig-retired.png"})
    assert "+\\documentclass" in stale["seminar-1.tex"]
    assert "has other bytes (3 committed" in stale[f"figures/{first}"]
    assert all(stale[f"figures/{name}"].endswith("is missing") for name in rest)
    assert stale["figures/fig-retired.png"].endswith("is included by no write-up")


def test_write_proofs_writes_plots_and_removes_retired_ones(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = Proofs({"seminar-1": "text\n"}, {"fig-softmax-limit.png": b"png"})
    monkeypatch.setattr(proofs, "derive_proofs", lambda target="all": fresh)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "fig-retired.png").write_bytes(b"old")
    (tmp_path / "figures" / "notes.txt").write_text("kept\n", encoding="utf-8")
    written = write_proofs(tmp_path)
    assert written == [tmp_path / "figures" / "fig-softmax-limit.png", tmp_path / "seminar-1.tex"]
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["fig-softmax-limit.png", "notes.txt"]
    write_proofs(tmp_path, "seminar-1")  # one sheet: other sheets' plots are left alone
    assert (tmp_path / "figures" / "fig-softmax-limit.png").read_bytes() == b"png"


def test_unregistered_id_is_not_yet_available() -> None:
    problem = Problem("Problem 9", "Future work", "Something new.", ("no-such-derivation",))
    body = Writer().sheet_body(Sheet("demo", "Demo", "today", (problem,)))
    assert r"\texttt{no-such-derivation}: not yet available in this version." in body


def test_derivation_error_is_shown_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(id: str) -> None:
        raise ReportError(f"{id} refused")

    monkeypatch.setattr(document, "derive", refuse)
    body = Writer().full("softmax-limit")
    assert "could not be built: ReportError: softmax-limit refused" in body


def test_missing_results_directory_says_how_to_produce(tmp_path: Path) -> None:
    text = experiment_results("fashion-mlp", "homework-1", tmp_path / "missing", tmp_path)
    assert "does not exist" in text and "symnn train fashion-mlp --out" in text
    text = experiment_results("fashion-mlp", "homework-1", None, None)
    assert "without a results directory" in text and r"results/\allowbreak{}fashion-mlp" in text


def write_results(folder: Path) -> None:
    """A results folder of one experiment: metrics and a tiny PNG."""
    folder.mkdir(parents=True)
    metrics = {"test_accuracy": 0.8765, "epochs_run": 3, "seed": 0, "timing": {"wall_time_s": 9.9},
               "history": {"train_loss": [0.9, 0.5, 0.4], "val_accuracy": [0.7, 0.8, 0.85]},
               "runs": {"plain": {"test_accuracy": 0.8, "stop_reason": "completed"},
                        "tuned": {"test_accuracy": 0.8765, "stop_reason": "early stopping"}},
               "answer": {"text": "The tuned run is better by 7.65 percentage points, using fewer epochs."},
               "config": {"sizes": [784, 10], "eta": 0.1}}
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (folder / "loss_curve.png").write_bytes(TINY_PNG)


TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c6360000000020001e221bc330000000049454e44ae426082")


def test_results_table_and_plots(tmp_path: Path) -> None:
    write_results(tmp_path / "results" / "fashion-mlp")
    text = experiment_results("fashion-mlp", "homework-1", tmp_path / "results", tmp_path)
    assert r"\texttt{test\_accuracy} & 0.8765" in text and r"\texttt{epochs\_run} & 3" in text
    assert r"\includegraphics[width=0.8\linewidth]{results/fashion-mlp/loss_curve.png}" in text
    assert "wall" not in text and r"\paragraph{Answer.} The tuned run" in text
    assert r"\texttt{tuned}" in text and "early stopping" in text


def test_malformed_metrics_is_a_report_error(tmp_path: Path) -> None:
    folder = tmp_path / "fashion-mlp"
    folder.mkdir()
    (folder / "metrics.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match="cannot read the results file"):
        experiment_results("fashion-mlp", "homework-1", tmp_path, tmp_path)


def test_all_sheets_in_one_document(writer: Writer) -> None:
    text = writer.document(list(sheets()))
    assert text.count(r"\part*{") == len(sheets()) and text.count(r"\begin{document}") == 1


def test_cli_report_writes_tex_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out" / "ml.tex"
    (tmp_path / "empty").mkdir()
    assert main(["report", "ml-assignment-2", "-o", str(output), "--results", str(tmp_path / "empty")]) == 0
    text = output.read_text(encoding="utf-8")
    assert text.startswith(r"\documentclass")
    written = sorted(p.name for p in (tmp_path / "out" / "figures").iterdir())
    assert written == ["fig-gd-convergence-quadratic.png", "fig-two-layer-relu-gradients.png"]
    for name in written:
        assert f"{{figures/{name}}}" in text
        assert (tmp_path / "out" / "figures" / name).read_bytes() == (PROOFS / "figures" / name).read_bytes()
    out = capsys.readouterr().out
    assert f"wrote {output}" in out and "2 plot(s) in" in out


def test_cli_report_refuses_a_missing_results_directory(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "ml.tex"
    assert main(["report", "ml-assignment-2", "-o", str(output), "--results", str(tmp_path / "none")]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and f"--results {tmp_path / 'none'} is not a directory" in error[0]
    assert not output.exists()


def test_cli_report_proofs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "ml-assignment-2", "--proofs", "--proofs-dir", str(tmp_path)]) == 0
    assert comparable((tmp_path / "ml-assignment-2.tex").read_text(encoding="utf-8")) == comparable(
        (PROOFS / "ml-assignment-2.tex").read_text(encoding="utf-8"))


def test_only_the_measured_worst_errors_are_left_out_of_the_comparison() -> None:
    line = (r"Passed: central differences; tolerance $1.0\times 10^{-9}$, "
            r"worst error $1.6\times 10^{-10}$ over 76 values.")
    assert comparable(line) == comparable(line.replace("1.6", "2.1"))
    for old, new in (("Passed", "FAILED"), ("10^{-9}", "10^{-8}"), ("76", "77")):
        assert comparable(line.replace(old, new)) != comparable(line)
    committed = (PROOFS / "ml-assignment-2.tex").read_text(encoding="utf-8")
    assert comparable(committed).count(r"worst error $\cdot$") == committed.count("worst error $") > 0


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["report", "sheet-7", "-o", "x.tex"], "unknown sheet 'sheet-7'"),
        (["report", "seminar-1"], "give the output with -o FILE.tex"),
        (["notebook", "sheet-7", "-o", "x.ipynb"], "unknown sheet 'sheet-7'"),
    ],
)
def test_cli_mistakes_are_one_line(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str],
                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("symnn: error:") and fragment in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())

"""The command line: exit statuses, one-line errors, LaTeX output, atomic writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from symnn.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "list", "-v")
    assert status == 0
    assert "softmax-jacobian" in out and "homework-1 Q2" in out and "--param n:" in out


def test_derive_text_and_latex(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "derive", "softmax-jacobian", "--param", "n=2")
    assert status == 0 and "jacobian" in out and "chain rule" in out
    status, out, _ = run(capsys, "derive", "softmax-jacobian", "--param", "n=4", "--latex")
    assert status == 0 and r"\boxed" in out and r"\begin{enumerate}" in out


def test_check_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", "softmax-limit", "--param", "z=[1,3,3,-2]", "-v")
    assert status == 0 and "passed" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["derive", "softmax-jacobian", "--param", "n=0"], "parameter 'n'"),
        (["derive", "softmax-jacobian", "--param", "n=2.5"], "parameter 'n'"),
        (["derive", "softmax-limit", "--param", "z=[]"], "parameter 'z'"),
        (["derive", "softmax-limit", "--param", "z=__import__('os')"], "parameter 'z'"),
        (["derive", "softmax-limit", "--param", "z"], "NAME=VALUE"),
        (["derive", "softmax-limit", "--param", "z=1", "--param", "z=2"], "each parameter once"),
        (["derive", "no-such-id"], "unknown id"),
        (["check", "softmax-jacobian", "--param", "m=3"], "one of the parameters"),
        (["derive", "all", "--param", "n=3"], "no --param together with 'all'"),
    ],
)
def test_user_mistakes_print_one_line(capsys: pytest.CaptureFixture[str], argv: list[str],
                                      fragment: str) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err.startswith("symnn: error:") and fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_derive_all_writes_latex_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "all.tex"
    status, out, _ = run(capsys, "derive", "all", "--latex", "-o", str(target))
    assert status == 0 and "wrote" in out
    text = target.read_text()
    assert text.count(r"\subsection*") >= 6
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run([sys.executable, "-m", "symnn", "derive", "softmax-jacobian", "--param", "n=0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("symnn: error: parameter 'n'")


def test_derive_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "derive", "box-function", "--param", "h=2", "--param", "delta=1/2",
                         "--figure", str(tmp_path / "box"))
    assert status == 0
    assert (tmp_path / "box.tex").read_text().count("node") >= 4
    assert (tmp_path / "box.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote figure" in out
    status, _, err = run(capsys, "derive", "softmax-argmax", "--figure", str(tmp_path / "x.png"))
    assert status == 2 and "ids with figures" in err.replace("an id with figures", "ids with figures")


def test_check_prints_the_reports_notes(capsys: pytest.CaptureFixture[str]) -> None:
    """A verdict's qualifications are printed with it: here that ELU's linearised v leaves
    float32's range and is not required to stay in the band."""
    import symnn

    argv = ["check", "initialization-variance", "--param", "activation=elu", "--param", "alpha=1/10"]
    status, out, _ = run(capsys, *argv)
    report = symnn.derive("initialization-variance", activation="elu", alpha="1/10").check()
    assert status == 0 and report.notes
    notes = [line.removeprefix("  note: ") for line in out.splitlines() if line.startswith("  note: ")]
    assert notes == list(report.notes)
    assert any("not required" in note for note in notes)

"""What a person reads in a terminal: Unicode formulas, quiet pipes, --version, near ids, aligned lists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from symnn.cli import main
from symnn.core.registry import derive
from symnn.core.render import pretty, pretty_relation, tex_words

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("tex", "words"), [
    (r"$z \in \mathbb{R}^d$", "z ∈ ℝᵈ"),
    (r"$0 \le \alpha \le 1$", "0 ≤ α ≤ 1"),
    (r"$\operatorname{ReLU}'(0) = 0$", "ReLU'(0) = 0"),
    (r"$\frac{1}{2} \lVert w \rVert^2$", "1/2 ‖ w ‖²"),
    (r"$\frac{a + b}{2}$, $C \to \infty$", "(a + b)/2, C → ∞"),
    (r"$\mathbb{E}[Y]$ and $\text{eta\_max}$", "𝔼[Y] and eta_max"),
])  # fmt: skip
def test_tex_words(tex: str, words: str) -> None:
    assert tex_words(tex) == words


def test_pretty_relation_sets_both_sides_on_one_baseline() -> None:
    x = sp.Symbol("x")
    lines = pretty_relation(sp.Matrix([[x], [1]]), "<=", sp.Matrix([[2], [3]])).splitlines()
    assert len(lines) == 3 and "≤" in lines[1] and "≤" not in lines[0] + lines[2]
    assert pretty_relation(x, "=", "a $\\alpha$") == "x = a α"


@pytest.mark.parametrize("id", ["softmax-jacobian", "leaky-relu-gaussian-moments", "sigmoid-identities",
                                "two-layer-relu-gradients", "hopfield-lyapunov", "parity-not-linear"])
def test_derivation_text_is_unicode_without_reprs_or_tex(id: str) -> None:
    text = derive(id).text()
    assert "Matrix(" not in text and "$" not in text and not re.search(r"\\[A-Za-z]", text)
    assert "Piecewise((" not in text and "Eq(" not in text  # reprs; prose may name Piecewise
    assert text.splitlines()[0].startswith(f"{id}: ")
    # every step keeps its certificate, one numbered line each
    numbered = [line for line in text.splitlines() if re.match(r"\d+\. ", line)]
    assert len(numbered) == len(derive(id).steps)


def test_matrix_prints_as_a_picture() -> None:
    assert pretty(sp.Matrix([[1, 2], [3, 4]])).splitlines() == ["⎡1  2⎤", "⎢    ⎥", "⎣3  4⎦"]


def test_output_into_a_reader_that_stops_is_quiet() -> None:
    process = subprocess.Popen([sys.executable, "-m", "symnn", "derive", "softmax-jacobian"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    error = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0
    assert first.startswith(b"softmax-jacobian:") and "Traceback" not in error and "BrokenPipe" not in error


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', pyproject, flags=re.MULTILINE)
    assert version is not None
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"symnn {version.group(1)}"


@pytest.mark.parametrize(("typed", "meant"), [("softmax-jacobain", "softmax-jacobian"),
                                              ("hopfield-lyapunow", "hopfield-lyapunov")])
def test_unknown_id_names_the_nearest(capsys: pytest.CaptureFixture[str], typed: str, meant: str) -> None:
    assert main(["derive", typed]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"unknown id {typed!r} (did you mean {meant}" in error


def test_list_columns_are_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("; " in line for line in lines)  # an id that answers problems of two sheets
    for column in (r"(derivation|experiment)\s", r"params: "):
        assert len({re.search(column, line).start() for line in lines}) == 1  # type: ignore[union-attr]

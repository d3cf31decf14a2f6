"""Breaking wide displays: width estimates, line breaks, matrix splits, fragment rewriting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symnn.report.texfit import BUDGET, break_lines, fit_display, fit_fragment, split_matrix
from symnn.report.texwidth import split_top, width

LONG_SUM = " + ".join(f"x_{{{i}}}" for i in range(60))
ENTRY = r"\frac{{e^{{z_{{{i}}}}}}}{{1 + e^{{z_{{{j}}}}}}}"
WIDE_MATRIX = (r"\begin{bmatrix}"
               + r" \\ ".join(" & ".join(ENTRY.format(i=i, j=j) for j in range(12)) for i in range(3))
               + r"\end{bmatrix}")


def balanced(tex: str) -> bool:
    return tex.count("{") - tex.count(r"\{") == tex.count("}") - tex.count(r"\}") and (
        tex.count(r"\left") == tex.count(r"\right"))


@pytest.mark.parametrize(
    ("narrow", "wide"),
    [
        ("a + b", "a + b + c"),
        (r"\frac{1}{x}", r"\frac{1}{x_{1} + x_{2} + x_{3}}"),
        (r"e^{x}", r"e^{x_{1} + x_{2} + x_{3} + x_{4} + x_{5}}"),
        (r"\begin{bmatrix}1 & 2\end{bmatrix}", r"\begin{bmatrix}1 & 2 & 3\end{bmatrix}"),
        (r"\left(a\right)", r"\left(a + b + c\right)"),
        (r"\text{ab}", r"\text{abcdef}"),
    ],
)
def test_width_grows_with_content(narrow: str, wide: str) -> None:
    assert 0 < width(narrow) < width(wide)


def test_tokens_keep_groups_and_scripts_together() -> None:
    tokens = split_top(r"\left(a + b\right)^{2} = \frac{1}{2} \cdot c")
    assert [t.text for t in tokens] == [r"\left(a + b\right)^{2}", "=", r"\frac{1}{2}", r"\cdot", "c"]
    assert [t.kind for t in tokens] == ["atom", "rel", "atom", "bin", "atom"]


def test_short_formula_stays_on_one_line() -> None:
    assert break_lines("a = b + c") == ["a = b + c"]
    assert fit_display("a = b") == r"\[ \fitline{a = b} \]"


def test_long_sum_is_broken_before_operators() -> None:
    lines = break_lines(f"S = {LONG_SUM}", budget=200)
    assert len(lines) > 2
    assert all(line.startswith(r"\quad +") for line in lines[1:])
    assert all(width(line) <= 200 + 30 for line in lines)
    assert "".join(lines).replace(r"\quad", "").replace(" ", "") == f"S={LONG_SUM}".replace(" ", "")


def top_level(tex: str, separator: str) -> int:
    """How many ``separator`` a matrix body has outside its entries' own environments."""
    body = re.sub(r"\\begin\{aligned\}.*?\\end\{aligned\}", "", tex, flags=re.DOTALL)
    return body.count(separator)


def test_wide_matrix_keeps_its_rows_and_columns() -> None:
    """The 3 x 3 of wide entries stays one 3 x 3 matrix: only entries are broken, inside their cells."""
    entry = " + ".join(f"x_{{{i}}}" for i in range(12))
    matrix = r"\begin{bmatrix}" + r" \\ ".join(" & ".join([entry] * 3) for _ in range(3)) + r"\end{bmatrix}"
    [piece] = split_matrix(matrix, budget=BUDGET)
    assert piece.startswith(r"\begin{bmatrix}") and piece.endswith(r"\end{bmatrix}") and balanced(piece)
    assert top_level(piece, "&") == 3 * 2 and top_level(piece, r"\\[1ex]") == 2
    assert r"\end{bmatrix}" not in piece[:-len(r"\end{bmatrix}")]  # one matrix, not several blocks
    cells = re.sub(r"\\begin\{aligned\}|\\end\{aligned\}|\\quad|\\textstyle|\\\\(\[1ex\])?|&|\s", "", piece)
    assert cells == re.sub(r"\\\\|&|\s", "", matrix)  # every entry, in order, nothing else
    assert split_matrix(WIDE_MATRIX) == [WIDE_MATRIX]  # unbreakable entries: whole, for TeX to shrink
    assert split_matrix(r"\begin{bmatrix}1 & 2\end{bmatrix}") == [r"\begin{bmatrix}1 & 2\end{bmatrix}"]


def test_matrix_of_unbreakable_wide_entries_is_set_entry_by_entry() -> None:
    product = (r"\left(" + " + ".join(f"a_{{{i}}}" for i in range(8)) + r"\right) "
               + r"\sigma\left(u\right)" * 6)
    matrix = rf"\begin{{bmatrix}}{product} & {product} \\ {product} & {product}\end{{bmatrix}}"
    lines = split_matrix(matrix, budget=BUDGET)
    assert lines[0] == r"\begin{bmatrix}M_{11} & M_{12} \\ M_{21} & M_{22}\end{bmatrix},\ \text{with}"
    named = [line for line in lines if re.match(r"M_\{\d\d\}", line)]
    assert [line[:6] for line in named] == ["M_{11}", "M_{12}", "M_{21}", "M_{22}"]  # row by row
    entries = re.split(r"M_\{\d\d\}=", re.sub(r"\\quad|\\left\.|\\right\.|\s", "", "".join(lines[1:])))[1:]
    assert entries == [re.sub(r"\s", "", product)] * 4  # each entry whole, only broken over lines
    assert all(width(line) <= BUDGET + 30 for line in lines)
    shown = break_lines(f"G = {matrix}")  # inside a formula: the entries follow its line
    assert shown[:2] == ["G", rf"\quad = {lines[0]}"]
    def flat(parts: list[str]) -> str:
        return re.sub(r"\\quad|\s", "", "".join(parts))

    assert flat(shown[2:]) == flat(lines[1:])


def test_softmax_jacobian_is_never_split_into_column_blocks() -> None:
    from symnn import derive

    fitted = fit_fragment(derive("softmax-jacobian").latex())
    assert r"\left.\begin{matrix}" not in fitted and r"\end{matrix}\right." not in fitted
    proofs = Path(__file__).resolve().parents[1] / "proofs"
    committed = (proofs / "homework-1.tex").read_text(encoding="utf-8")
    assert r"\left.\begin{matrix}" not in committed and r"\end{matrix}\right." not in committed


def test_equation_of_wide_matrices_becomes_aligned_lines() -> None:
    display = fit_display(f"J = {WIDE_MATRIX}")
    assert r"\begin{aligned}" in display and balanced(display)


def test_huge_integer_is_broken_into_digit_groups() -> None:
    number = "1797693134862315708145274237317043567980705675258449965989174768" * 5
    lines = break_lines(rf"\frac{{a}}{{b}} = {number}")
    assert len(lines) > 2
    assert re.sub(r"\D", "", "".join(lines)) == number


def test_wide_boxed_result_keeps_its_box() -> None:
    display = fit_display(rf"\boxed{{\text{{s}} = {LONG_SUM}}}")
    assert display.startswith(r"\[ \fitline{\boxed{\begin{aligned}") and balanced(display)


def test_bracket_pair_is_broken_inside() -> None:
    lines = break_lines(rf"f = \left({LONG_SUM}\right)", budget=200)
    assert len(lines) > 2 and all(balanced(line) for line in lines)
    assert lines[-1].endswith(r"\right)")


def test_fragment_rewrites_only_displays() -> None:
    fragment = "\\paragraph{Result.}\n  \\[ a = b \\]\ntext $x$\n"
    assert fit_fragment(fragment) == "\\paragraph{Result.}\n  \\[ \\fitline{a = b} \\]\ntext $x$\n"

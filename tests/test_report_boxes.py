"""Boxed results: they show what the Python objects hold, under readable names, with labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn import derive
from symnn.core.latex import to_latex
from symnn.core.resultbox import abbreviated, other_symbols, result_box, rounded, value_latex
from symnn.core.resultnames import is_words, result_title
from symnn.report.layout import sheets
from symnn.report.texfit import fit_fragment

PROOFS = Path(__file__).resolve().parents[1] / "proofs"
RAW_KEY = re.compile(r"\\text\{[^{}]*\\_[^{}]*\}")  # a key such as eta\_max typeset as text


@pytest.mark.parametrize(("key", "title"), [
    ("eta_max", r"\eta_{\max}"),
    ("sigma_prime_max", r"\sigma'_{\max}"),
    ("tanh_prime_argmax", r"\operatorname{argmax} \tanh'"),
    ("theta_A", r"\theta_{A}"),
    ("delta1", r"\delta^{(1)}"),
    ("dL_dW1", r"\partial L / \partial W^{(1)}"),
    ("W", "W"),
    ("b1_matrix", r"b^{(1)} \text{ matrix}"),
    ("jacobian_in_y", r"\text{Jacobian in } y"),
    ("finite_maximizer", r"\text{finite maximizer}"),
    ("psd", r"\text{positive semidefinite}"),
    ("relu", r"\text{ReLU}"),
    ("tanh_derivative", r"\tanh \text{ derivative}"),
    ("delta_H", r"\Delta H"),
])  # fmt: skip
def test_keys_are_named_as_a_reader_writes_them(key: str, title: str) -> None:
    assert result_title(key) == title
    assert "_" not in re.sub(r"_\{[^{}]*\}", "", title)  # no underscore but a subscript's


def test_truth_values_read_yes_and_no() -> None:
    assert result_box("finite_maximizer", False) == r"\boxed{\text{finite maximizer: } \text{no}}"
    assert result_box("convex", sp.true) == r"\boxed{\text{convex: } \text{yes}}"
    assert is_words(r"\text{convex}") and not is_words(r"\eta_{\max}")


def test_boxed_floats_are_rounded_and_marked_approximate() -> None:
    long = sp.Float("1.31244451379210654098192747706", 30)
    assert result_box("maximizer", sp.Matrix([long, 2])) == (
        r"\boxed{\text{maximizer} \approx \begin{bmatrix}1.31244\\2\end{bmatrix}}")
    assert result_box("exact", sp.Rational(1, 3)) == r"\boxed{\text{exact} = \frac{1}{3}}"
    assert result_box("short", sp.Float(0.5)) == r"\boxed{\text{short} = 0.5}"
    assert rounded(sp.Integer(3)) == (3, False)


def test_display_in_other_symbols_is_followed_by_the_object() -> None:
    z = sp.Symbol("z")
    assert other_symbols("y (1 - y)", z * (1 - z)) and not other_symbols("z (1 - z)", z * (1 - z))
    box = result_box("f", z * (1 - z), display="y (1 - y)")
    assert box == r"\boxed{f = y (1 - y) = z \left(1 - z\right)}"
    assert result_box("f", z * (1 - z), display=r"z\,(1 - z)") == r"\boxed{f = z\,(1 - z)}"


def test_softmax_jacobian_box_shows_the_z_form_it_holds_and_the_y_form() -> None:
    """``result["jacobian"]`` is in z: its box ends with that object, after the y form."""
    d = derive("softmax-jacobian")
    box = d.result_box("jacobian")
    assert box.startswith(r"\boxed{\text{Jacobian} = ") and "y_{1}" in box
    shown, named = abbreviated(d.result["jacobian"])
    z = sorted(d.result["jacobian"].free_symbols, key=str)
    assert [str(v) for v in z] == ["z1", "z2", "z3"]
    assert list(named.values()) == [sum(sp.exp(v) for v in z)]
    assert shown.xreplace(named) == d.result["jacobian"]  # S stands for exactly that sum
    assert box.endswith(rf"{to_latex(shown)},\quad \text{{where }} {{S = e^{{z_{{1}}}} + e^{{z_{{2}}}} + "
                        r"e^{z_{3}}}}")
    in_y = to_latex(d.result["jacobian_in_y"])
    assert d.result_box("jacobian_in_y") == rf"\boxed{{\text{{Jacobian in }} y = {in_y}}}"


def test_object_too_long_to_print_is_described_after_its_display() -> None:
    d = derive("softmax-jacobian", n=5)  # the index formula in y; the object, 5 x 5 in z
    assert d.result["jacobian"].shape == (5, 5)
    assert d.result_box("jacobian").endswith(
        r"_{i, j = 1}^{5},\quad {\text{held as a } 5 \times 5 \text{ matrix in } "
        r"z_{1}, z_{2}, \ldots, z_{5}}}")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=4, max_size=4), st.integers(2, 4))
def test_abbreviation_names_a_sum_that_substitutes_back(coefficients: list[int], size: int) -> None:
    x = sp.symbols(f"x1:{size + 1}")
    total = sum(sp.exp(v) for v in x) + 1
    matrix = sp.Matrix(2, 2, lambda i, j: (coefficients[2 * i + j] + x[0]) * x[-1] ** (i + j + 1)
                       / total**2)
    short, named = abbreviated(matrix)
    assert short.xreplace(named) == matrix
    if named:
        assert len(to_latex(short)) < len(to_latex(matrix)) and all(s not in x for s in named)


def test_each_result_is_a_labelled_numbered_equation() -> None:
    d = derive("gd-convergence-quadratic")
    text = d.latex(label="sheet:gd")
    labels = re.findall(r"\\label\{([^{}]*)\}", text)
    assert labels == [f"sheet:gd:{name}" for name in d.result]
    assert text.count(r"\begin{equation}") == len(d.result)
    fitted = fit_fragment(text)
    assert fitted.count(r"\begin{equation} \fittagged{\boxed{") == len(d.result)
    assert value_latex(None) == (r"\text{none}", False)


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_committed_boxes_are_named_labelled_and_rounded(sheet_id: str) -> None:
    text = (PROOFS / f"{sheet_id}.tex").read_text(encoding="utf-8")
    boxes = re.findall(r"\\boxed\{.*", text)
    assert boxes
    assert not [box for box in boxes if RAW_KEY.search(box)], "a box shows a raw key"
    assert not [box for box in boxes if re.search(r"\d\.\d{7,}", box)], "a box shows a long float"
    assert not [box for box in boxes if re.search(r"\\text\{(True|False|None)\}", box)]
    labels = re.findall(r"\\label\{([^{}]*)\}", text)
    assert len(labels) == len(set(labels)) == text.count(r"\begin{equation}")
    for reference in re.findall(r"\\ref\{([^{}]*)\}", text):
        assert reference in labels

"""Notebook display: a step, a cross-check report and a TikZ picture show themselves."""

from __future__ import annotations

import pytest

from symnn.core.crosscheck import CheckReport, Comparison
from symnn.core.registry import derive
from symnn.report.tikzsvg import TikzPicture, can_draw


def test_step_displays_its_rule_formula_and_route() -> None:
    step = derive("softmax-jacobian").steps[1]
    latex = step._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$") and latex.count("$$") == 2
    assert step.formula_latex() in latex and step.certificate.route in latex


def test_check_report_html_lists_every_comparison_and_fact_escaped() -> None:
    report = CheckReport("NumPy <simulator>", 1e-9, 0.5, 6, False,
                         (Comparison("y < 1", 0.5, 3, False), Comparison("z", 0.0, 3, True)),
                         (("diverges above 2/L", True),))
    page = report._repr_html_()
    assert "Numeric cross-check FAILED" in page and "NumPy &lt;simulator&gt;" in page
    assert page.count("<tr>") == 4  # the header and three rows
    assert "<td>y &lt; 1</td><td>0.5</td><td>3</td><td>FAILED</td>" in page
    assert "<td>diverges above 2/L</td><td></td><td></td><td>holds</td>" in page
    assert report._repr_latex_().startswith(r"$\text{cross-check FAILED")


@pytest.mark.skipif(not can_draw(), reason="pdflatex or pdftocairo is not installed; CI installs them")
def test_tikz_picture_is_drawn_as_svg() -> None:
    picture = TikzPicture(r"\begin{tikzpicture}\draw (0,0) -- (2,1) node[right] {$x_1$};\end{tikzpicture}")
    svg = picture._repr_svg_() or ""
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<path" in svg

"""Typeset simulator code: mirrors agree with the simulator, and latexify's output is clean."""

from __future__ import annotations

import pytest

from symnn.report.code import FUNCTIONS, _latexify, is_clean, mirror_error, render


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_mirror_agrees_with_the_simulator(name: str) -> None:
    assert mirror_error(name) <= 1e-12


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_rendered_code_is_clean(name: str) -> None:
    rendered = render(name)
    assert is_clean(rendered.latex)
    assert rendered.latex.count("{") - rendered.latex.count(r"\{") == rendered.latex.count("}")
    assert r"\mathrm{" + name.replace("_", r"\_") + "}" in rendered.latex


@pytest.mark.parametrize("name", [n for n, f in FUNCTIONS.items() if not f.kind.endswith("loss")])
def test_mirror_is_used_exactly_when_the_simulator_source_is_mangled(name: str) -> None:
    own = _latexify(FUNCTIONS[name].simulator())
    expected = "simulator" if own is not None and is_clean(own) else "mirror"
    assert render(name).source == expected


@pytest.mark.parametrize(
    ("latex", "clean"),
    [
        (r"\mathrm{np}.\mathrm{where} \mathopen{}\left( x > 0 \mathclose{}\right)", False),
        (r"e = \frac{e}{\sum \mathopen{}\left( \mathclose{}\right)}", False),
        (r"\mathrm{relu\_prime}(x) = x > 0.\mathrm{astype} \mathopen{}\left( x \mathclose{}\right)", False),
        (r"\mathrm{relu}(x) = \mathrm{max} \mathopen{}\left( x, 0 \mathclose{}\right)", True),
    ],
)
def test_clean_predicate(latex: str, clean: bool) -> None:
    assert is_clean(latex) is clean


def test_softmax_mirror_shifts_by_the_maximum() -> None:
    latex = render("softmax").latex
    assert r"m = \mathrm{max}" in latex and r"\exp \mathopen{}\left( z_{i} - m" in latex

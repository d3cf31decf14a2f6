"""Figures: every one builds, compiles (TikZ) or is a real image (PNG), is read from its
derivation's numbers, and comes out the same bytes every time."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

import symnn
from symnn import figures
from symnn.core.registry import CATALOGUE_ORDER, catalog
from symnn.errors import ParameterError
from symnn.figures.plots import png_size
from symnn.figures.tikz import Layer, NumberFormat, document, network_tikz

EXPECTED = {
    "box-function", "universal-approximation", "forward-pass", "two-layer-relu-gradients",
    "gd-convergence-quadratic", "hopfield-lyapunov", "logistic-separable", "softmax-limit",
    "matrix-gradient", "activation-gaussian-moments", "initialization-variance",
    "network-gradients",
}
REGISTERED = set(catalog())


def needs(id: str) -> pytest.MarkDecorator:
    """Skip a test of ``id`` when that derivation is not part of this build."""
    return pytest.mark.skipif(id not in REGISTERED, reason=f"{id} is not registered in this build")


#: One case per diagram: (id, parameters).
DIAGRAMS = [
    ("box-function", {"h": 2, "delta": "1/2"}),
    ("box-function", {}),
    ("forward-pass", {"x": [1, 0.5, -1, 2]}),
    ("forward-pass", {}),
    ("two-layer-relu-gradients", {}),
]
#: One case per plot: (id, parameters), cheap ones.
PLOTS = [
    ("box-function", {"h": 2, "delta": "1/2"}),
    ("universal-approximation", {"B": 2, "width": "1/2"}),
    ("two-layer-relu-gradients", {}),
    ("gd-convergence-quadratic", {}),
    ("gd-convergence-quadratic", {"A": [[2, 1], [1, 3]]}),
    ("hopfield-lyapunov", {"n": 6}),
    ("logistic-separable", {}),
    ("softmax-limit", {"z": [1, 3, 3, -2]}),
    ("softmax-limit", {}),
    ("activation-gaussian-moments", {"activation": "relu"}),
    ("initialization-variance", {"activation": "relu"}),
]
_EDGE = re.compile(r"\\path \(l(\d+)n(\d+)\) -- node\[weight, pos=[\d.]+\] \{\$(.*?)\$\} "
                   r"\(l\d+n(\d+)\);")


def _case_id(case: tuple[str, dict]) -> str:
    id, params = case
    return id + "".join(f"-{name}" for name in params)


def edge_labels(tex: str) -> dict[tuple[int, int, int], str]:
    """``{(layer, source, target): label}`` of every edge in a diagram."""
    return {(int(k), int(i), int(j)): label for k, i, label, j in _EDGE.findall(tex)}


_cache: dict[str, Any] = {}


def derived(id: str, **params: Any) -> Any:
    """A derivation, computed once per parameter set for the whole module."""
    key = f"{id} {sorted(params.items())!r}"
    if key not in _cache:
        _cache[key] = symnn.derive(id, **params)
    return _cache[key]


# ------------------------------------------------------------------------ the table
def test_figure_ids_are_the_issue_table_in_catalogue_order() -> None:
    ids = figures.figure_ids()
    assert set(ids) == EXPECTED
    rank = {id: position for position, id in enumerate(CATALOGUE_ORDER)}
    assert ids == sorted(ids, key=lambda id: (rank.get(id, len(rank)), id))


@pytest.mark.parametrize("id", sorted(EXPECTED))
def test_every_figure_names_what_it_shows(id: str) -> None:
    item = figures.figure(id)
    assert item.parts and item.shows


# ------------------------------------------------------------------------ TikZ
@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    """All diagrams in one minimal document, compiled once by pdflatex."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed: the TikZ snippets cannot be compiled here")
    snippets = [figures.tikz_for(derived(id, **params)) for id, params in DIAGRAMS if id in REGISTERED]
    folder = tmp_path_factory.mktemp("tikz")
    (folder / "diagrams.tex").write_text(document(*snippets))
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "diagrams.tex"],
                         cwd=folder, capture_output=True, text=True, timeout=120)
    return run.returncode, run.stdout, folder / "diagrams.pdf"


def test_diagrams_compile_with_pdflatex(compiled: tuple[int, str, Path]) -> None:
    returncode, log, pdf = compiled
    assert returncode == 0, log[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "Undefined control sequence" not in log


@pytest.mark.parametrize("case", DIAGRAMS, ids=_case_id)
def test_diagram_is_a_self_contained_tikzpicture(case: tuple[str, dict]) -> None:
    id, params = case
    if id not in REGISTERED:
        pytest.skip(f"{id} is not registered in this build")
    tex = figures.tikz_for(derived(id, **params))
    assert tex.startswith(r"\begin{tikzpicture}[") and tex.endswith("\\end{tikzpicture}\n")
    assert r"\documentclass" not in tex and r"\usetikzlibrary" not in tex
    assert edge_labels(tex)


@needs("forward-pass")
def test_forward_pass_edges_carry_the_sheets_weights() -> None:
    d = derived("forward-pass", x=[1, 0.5, -1, 2])
    labels = edge_labels(figures.tikz_for(d))
    fmt = NumberFormat.for_values([*d.parameters["W1"], *d.parameters["W2"]])
    for k, W in enumerate((d.parameters["W1"], d.parameters["W2"])):
        for i in range(W.rows):
            for j in range(W.cols):
                assert labels[(k, i, j)] == fmt(W[i, j])
    assert labels[(0, 0, 0)] == "-0.2" and labels[(1, 2, 1)] == "-0.3"


@needs("forward-pass")
def test_forward_pass_nodes_show_h_and_o_only_for_numeric_x() -> None:
    d = derived("forward-pass", x=[1, 0.5, -1, 2])
    tex = figures.tikz_for(d)
    for j, value in enumerate(d.result["h"]):
        assert f"h_{{{j + 1}}} = {NumberFormat()(value)}" in tex
    assert r"o_{1} \approx 0.3870" in tex and r"o_{2} \approx 0.6130" in tex
    assert "h_{1} =" not in figures.tikz_for(derived("forward-pass"))


#: (id, parameters, changed parameters, edge, label before, label after)
CHANGES = [
    ("forward-pass", {}, {"W1": [[-0.25, 0.9, 0.4], [-0.1, 0.3, 0.4], [0.2, 0.5, -0.7],
                                 [0.2, -0.5, 0.5]]}, (0, 0, 0), "-0.2", "-0.25"),
    ("forward-pass", {}, {"W2": [[0.6, -0.2], [-0.1, 0.8], [-0.5, 0.7]]}, (1, 2, 1), "-0.3", "0.7"),
    ("two-layer-relu-gradients", {}, {"W1": [[-0.8, -0.7, 0.6], [-1.0, 0.5, 0.3]]}, (0, 1, 2), "-1", "0.3"),
    ("two-layer-relu-gradients", {}, {"w2": [0.1, -1.0, 0.25]}, (1, 2, 0), "0.5", "0.25"),
    ("box-function", {"h": 2, "delta": 1}, {"h": 3, "delta": 1}, (1, 1, 0), "-2", "-3"),
    ("box-function", {"h": 2, "delta": 1}, {"h": sp.Rational(1, 3), "delta": 1}, (1, 0, 0), "2",
     r"\frac{1}{3}"),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: f"{c[0]}-{c[3]}")
def test_edge_labels_follow_the_derivations_numbers(change: tuple) -> None:
    id, before_params, after_params, edge, before, after = change
    if id not in REGISTERED:
        pytest.skip(f"{id} is not registered in this build")
    old = edge_labels(figures.tikz_for(derived(id, **before_params)))
    new = edge_labels(figures.tikz_for(symnn.derive(id, **after_params)))
    assert (old[edge], new[edge]) == (before, after)
    assert old.keys() == new.keys()


@needs("box-function")
def test_box_diagram_writes_every_weight_and_bias() -> None:
    tex = figures.tikz_for(derived("box-function"))
    assert sorted(edge_labels(tex).values()) == sorted(["1", "1", "h", "- h"])
    assert r"b = - \delta" in tex and tex.count("b = 0") == 2


def test_number_format_is_one_style_per_picture() -> None:
    decimal = NumberFormat.for_values([sp.Rational(-1, 5), sp.Rational(9, 10), 1])
    fraction = NumberFormat.for_values([sp.Rational(-1, 5), sp.Rational(1, 3)])
    assert (decimal(sp.Rational(-1, 5)), fraction(sp.Rational(-1, 5))) == ("-0.2", r"-\frac{1}{5}")
    tex = network_tikz([Layer("in", ["a", "b"]), Layer("out", ["c"])],
                       [sp.Matrix([[sp.Rational(1, 2)], [sp.Rational(1, 3)]])])
    assert sorted(edge_labels(tex).values()) == [r"\frac{1}{2}", r"\frac{1}{3}"]


@pytest.mark.parametrize("case", DIAGRAMS, ids=_case_id)
def test_tikz_is_deterministic(case: tuple[str, dict]) -> None:
    id, params = case
    if id not in REGISTERED:
        pytest.skip(f"{id} is not registered in this build")
    assert figures.tikz_for(derived(id, **params)) == figures.tikz_for(symnn.derive(id, **params))


# ------------------------------------------------------------------------ plots
@pytest.fixture(scope="module")
def plot_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every plot case drawn once to a PNG."""
    folder = tmp_path_factory.mktemp("plots")
    drawn = {}
    for case in PLOTS:
        id, params = case
        if id in REGISTERED:
            (drawn[_case_id(case)],) = figures.draw(derived(id, **params), folder / f"{_case_id(case)}.png")
    return drawn


@pytest.mark.parametrize("case", PLOTS, ids=_case_id)
def test_plot_is_a_real_png_of_sensible_size(case: tuple[str, dict], plot_files: dict[str, Path]) -> None:
    if case[0] not in REGISTERED:
        pytest.skip(f"{case[0]} is not registered in this build")
    data = plot_files[_case_id(case)].read_bytes()
    width, height = png_size(data)
    assert 300 <= width <= 3000 and 300 <= height <= 3000
    assert len(data) > 5000  # more than a blank canvas


@pytest.mark.parametrize("case", PLOTS, ids=_case_id)
def test_plot_is_deterministic(case: tuple[str, dict], plot_files: dict[str, Path],
                               tmp_path: Path) -> None:
    id, params = case
    if id not in REGISTERED:
        pytest.skip(f"{id} is not registered in this build")
    (again,) = figures.draw(id, tmp_path / "again.png", **params)
    assert again.read_bytes() == plot_files[_case_id(case)].read_bytes()


@needs("softmax-limit")
def test_pdf_carries_no_date_or_software_name(tmp_path: Path) -> None:
    (pdf,) = figures.draw("softmax-limit", tmp_path / "limit.pdf", z=[2, 1])
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"CreationDate" not in data and b"matplotlib" not in data.lower()
    (again,) = figures.draw("softmax-limit", tmp_path / "again.pdf", z=[2, 1])
    assert again.read_bytes() == data


@needs("hopfield-lyapunov")
def test_hopfield_plot_uses_the_derivations_weights() -> None:
    from symnn.figures.limits import weights_for

    W, own = weights_for(derived("hopfield-lyapunov", W=[[0, 2, -1], [2, 0, 1], [-1, 1, 0]]))
    assert own and W.tolist() == [[0, 2, -1], [2, 0, 1], [-1, 1, 0]]
    assert weights_for(derived("hopfield-lyapunov", n=6))[0].shape == (6, 6)


@needs("two-layer-relu-gradients")
def test_activity_grid_reads_the_pre_activations() -> None:
    from symnn.figures.networks import pre_activations

    d = derived("two-layer-relu-gradients")
    p = d.parameters
    assert pre_activations(d) == p["X"] * p["W1"] + sp.ones(p["X"].rows, 1) * sp.Matrix([p["b1"]])


# ------------------------------------------------------------------------ draw()
@needs("box-function")
def test_draw_stem_directory_and_suffix(tmp_path: Path) -> None:
    d = derived("box-function", h=2, delta="1/2")
    assert figures.draw(d, tmp_path / "box") == [tmp_path / "box.tex", tmp_path / "box.png"]
    assert figures.draw(d, tmp_path / "only.tex") == [tmp_path / "only.tex"]
    assert figures.draw(d, tmp_path) == [tmp_path / "fig-box-function.tex", tmp_path / "fig-box-function.png"]
    assert (tmp_path / "box.tex").read_text() == figures.tikz_for(d)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("path, message", [("fig.tex", "plot"), ("fig.svg", "suffix")])
def test_draw_refuses_a_part_the_id_lacks(tmp_path: Path, path: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        figures.draw(derived("softmax-limit", z=[1, 2]), tmp_path / path)
    assert not list(tmp_path.iterdir())


def test_unknown_id_lists_the_ids_with_figures(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="box-function, universal-approximation"):
        figures.draw("no-such-id", tmp_path / "x.png")
    with pytest.raises(ParameterError, match="an id with figures"):
        figures.draw(derived("softmax-jacobian", n=2), tmp_path / "x.png")


def test_parameters_belong_to_an_id_not_a_derivation(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="no parameters"):
        figures.draw(derived("softmax-limit", z=[1, 2]), tmp_path / "x.png", z=[3, 4])


def test_tikz_and_plot_for_ids_without_them() -> None:
    assert figures.tikz_for(derived("softmax-jacobian", n=2)) is None
    assert figures.tikz_for(derived("softmax-limit", z=[1, 2])) is None
    if "forward-pass" in REGISTERED:
        assert figures.plot_for(derived("forward-pass")) is None

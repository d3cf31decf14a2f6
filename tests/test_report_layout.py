"""The sheet layout: every problem of the catalogue in its sheet, in the sheet's order."""

from __future__ import annotations

import pytest

from symnn.core.registry import catalog, entry
from symnn.errors import SymnnError, UnknownIdError
from symnn.report.code import FUNCTIONS
from symnn.report.layout import sheet, sheet_ids, sheets

# The problem catalogue: each sheet's ids in the sheet's order (derivations and experiments).
CATALOGUE = {
    "nn-assignment-2": ["softmax-limit", "leaky-relu-gaussian-moments", "parity-not-linear",
                        "mnist-early-stopping", "fashion-cnn"],
    "ml-assignment-2": ["two-layer-relu-gradients", "softmax-cross-entropy-gradient",
                        "gd-convergence-quadratic"],
    "homework-1": ["box-function", "universal-approximation", "softmax-jacobian", "fashion-mlp",
                   "manual-backprop"],
    "exercise-sheet-6": ["sigmoid-identities", "convex-local-min-global", "mse-convex", "nn-nonconvex",
                         "activation-necessity", "relu-vs-sigmoid", "softmax-stability",
                         "newton-one-step", "gd-convergence-quadratic", "batchnorm-batch-one",
                         "forward-pass", "fashion-ffnn-sgd"],
    "seminar-1": ["affine-as-linear", "softmax-shift-invariance", "softmax-argmax", "softmax-limit",
                  "activation-necessity", "relu-rescaling", "logistic-separable", "hopfield-lyapunov"],
    "your-own-networks": ["network-gradients"],
    "activations": ["activation-table", "activation-gaussian-moments", "initialization-variance",
                    "activation-calculus"],
    "matrix-calculus": ["matrix-gradient"],
}  # fmt: skip

# Questions asked in words: label -> the id whose derivation backs the written answer.
WRITTEN = {
    ("exercise-sheet-6", "Exercise 6.3(a)"): "activation-necessity",
    ("exercise-sheet-6", "Exercise 6.3(b)"): "relu-vs-sigmoid",
    ("exercise-sheet-6", "Exercise 6.3(c)"): "softmax-stability",
    ("exercise-sheet-6", "Exercise 6.3(d)"): "newton-one-step",
    ("exercise-sheet-6", "Exercise 6.3(e)"): "gd-convergence-quadratic",
    ("exercise-sheet-6", "Exercise 6.3(f)"): "nn-nonconvex",
    ("exercise-sheet-6", "Exercise 6.3(g)"): "newton-one-step",
    ("exercise-sheet-6", "Exercise 6.3(h)"): "batchnorm-batch-one",
    ("exercise-sheet-6", "Exercise 6.4"): "gd-convergence-quadratic",
    ("homework-1", "Problem 1(c)"): "universal-approximation",
}


@pytest.mark.parametrize("sheet_id", list(CATALOGUE))
def test_sheet_ids_follow_the_catalogue(sheet_id: str) -> None:
    assert sheet(sheet_id).ids() == CATALOGUE[sheet_id]


def test_sheet_order_and_all() -> None:
    assert list(sheets()) == list(CATALOGUE)
    assert sheet_ids("all") == list(CATALOGUE)
    assert sheet_ids("seminar-1") == ["seminar-1"]


@pytest.mark.parametrize("sheet_id", list(CATALOGUE))
def test_problems_are_well_formed(sheet_id: str) -> None:
    problems = sheet(sheet_id).problems
    labels = [p.label for p in problems]
    assert len(labels) == len(set(labels))
    for problem in problems:
        assert problem.title and problem.statement and problem.ids
        assert problem.statement.count("$") % 2 == 0
        assert set(problem.code) <= set(FUNCTIONS)
        if problem.answer:
            assert problem.answer.count("$") % 2 == 0


@pytest.mark.parametrize(("key", "backing"), list(WRITTEN.items()))
def test_written_answers_are_backed(key: tuple[str, str], backing: str) -> None:
    sheet_id, label = key
    problem = next(p for p in sheet(sheet_id).problems if p.label == label)
    assert problem.answer and backing in problem.ids


def test_batchnorm_summary_names_the_paper_result() -> None:
    problem = next(p for p in sheet("exercise-sheet-6").problems if p.label == "Exercise 6.4")
    for phrase in ("internal covariate shift", "smoother", "Lipschitz", "larger learning rates"):
        assert phrase in problem.answer


def test_every_registered_id_has_a_place_in_its_sheets() -> None:
    for id in catalog():
        for sheet_id, _ in entry(id).sheets:
            assert id in sheet(sheet_id).ids(), (id, sheet_id)


def test_unknown_sheet_is_a_symnn_error() -> None:
    with pytest.raises(UnknownIdError, match="unknown sheet 'sheet-7'; known: nn-assignment-2"):
        sheet("sheet-7")
    with pytest.raises(SymnnError):
        sheet_ids("sheet-7")

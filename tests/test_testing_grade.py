"""``symnn.grade`` accepts SymPy objects as answers, matched to the result's symbols by name."""

from __future__ import annotations

import sympy as sp

import symnn


def test_grade_accepts_sympy_objects():
    alpha, y1, y2 = sp.symbols("alpha y1 y2")  # no assumptions; symnn's carry real=True
    assert symnn.grade("leaky-relu-gaussian-moments", (1 - alpha) / sp.sqrt(2 * sp.pi), key="mean").correct
    wrong = symnn.grade("leaky-relu-gaussian-moments", (1 + alpha) / sp.sqrt(2 * sp.pi), key="mean")
    assert wrong.verdict == "incorrect"
    jacobian = sp.Matrix([[y1 - y1**2, -y1 * y2], [-y1 * y2, y2 - y2**2]])
    assert symnn.grade("softmax-jacobian", jacobian, n=2).verdict == "correct"
    flipped = symnn.grade("softmax-jacobian", jacobian + sp.Matrix([[0, 1], [0, 0]]), n=2)
    assert flipped.verdict == "incorrect" and flipped.differing_entries == [(0, 1)]

"""Cited steps: their own certificate kind, typeset as "cited: ...", and every one of the
catalogue listed in docs/core.md."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

import symnn
from symnn.core.derivation import Citation, DerivationBuilder
from symnn.core.registry import catalog

DOCS = Path(__file__).resolve().parent.parent / "docs" / "core.md"
#: parameters under which a derivation takes a path with a citation the defaults skip
VARIANTS = [("gd-convergence-quadratic", {"A": [[2, 1], [1, 3]]}), ("hopfield-lyapunov", {"n": "n"})]


def test_a_cited_step_is_typeset_as_cited() -> None:
    x = sp.Symbol("x", real=True)
    b = DerivationBuilder("demo", "Demo", sp.Eq(x, x))
    b.step("square", (x + 1) ** 2, x**2 + 2 * x + 1, reason="expand", route="expand")
    b.cite("a theorem", sp.true, theorem="intermediate value theorem", reason="continuity")
    d = b.build({"x": x})
    assert [s.rule for s in d.citations] == ["a theorem"]
    assert isinstance(d.citations[0].certificate, Citation)
    tex = d.latex()
    assert r"{\small cited: intermediate value theorem}" in tex
    assert tex.count("certified by") == 1  # the expand step only
    assert "[cited: intermediate value theorem]" in d.text()


@pytest.mark.parametrize(("id", "params"), [(id, {}) for id in catalog("derivation")] + VARIANTS)
def test_every_citation_is_listed_in_the_docs(id: str, params: dict) -> None:
    docs = DOCS.read_text()
    rows = [line for line in docs.splitlines() if line.startswith(f"| `{id}`")]
    for step in symnn.derive(id, **params).citations:
        assert any(step.certificate.theorem in row for row in rows), (
            f"{id}: the cited step {step.rule!r} ({step.certificate.theorem}) is not in docs/core.md")

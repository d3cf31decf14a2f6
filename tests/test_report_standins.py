"""ASCII stand-ins of the derivations' words (``->``, ``+oo``, ``!=``, ``eta``) are typeset as math."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symnn.core.render import text_tex, text_with_math
from symnn.report.layout import sheets

PROOFS = Path(__file__).resolve().parents[1] / "proofs"


@pytest.mark.parametrize(("words", "tex"), [
    ("C -> +oo", r"C $\to$ $+\infty$"),
    ("at -oo and +oo", r"at $-\infty$ and $+\infty$"),
    ("sigma' vanishes at +-oo", r"$\sigma$' vanishes at $\pm\infty$"),
    ("b != 0, x <= y >= z", r"b $\ne$ 0, x $\le$ y $\ge$ z"),
    ("lambda ||w||^2", r"$\lambda$ $\lVert w \rVert^2$"),
    ("outputs beta", r"outputs $\beta$"),
    ("eta_max zoom Heaviside theta2", r"eta\_max zoom Heaviside theta2"),  # not whole words: kept
    ("50% & #1 {x}", r"50\% \& \#1 \{x\}"),
])  # fmt: skip
def test_stand_ins_become_math(words: str, tex: str) -> None:
    assert text_tex(words) == tex


def test_math_pieces_are_kept() -> None:
    assert text_with_math("apply $x -> y$ then u -> v") == r"apply $x -> y$ then u $\to$ v"


def words_outside_math(tex: str) -> str:
    """The text-mode words of a write-up: math, TikZ pictures and the preamble removed."""
    tex = tex.split(r"\begin{document}", 1)[1]
    for pattern in (r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", r"\\\[.*?\\\]", r"\$[^$]*\$"):
        tex = re.sub(pattern, " ", tex, flags=re.DOTALL)
    return tex


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_committed_writeups_have_no_ascii_stand_ins_in_text(sheet_id: str) -> None:
    words = words_outside_math((PROOFS / f"{sheet_id}.tex").read_text(encoding="utf-8"))
    found = re.findall(r"->|<-|!=|(?<![\w])[+-]?oo(?![\w])|\|\|", words)
    assert found == [], f"{sheet_id}: {found}"


@pytest.mark.parametrize("sheet_id", list(sheets()))
def test_committed_boxes_have_no_long_floats(sheet_id: str) -> None:
    boxes = re.findall(r"\\boxed\{.*", (PROOFS / f"{sheet_id}.tex").read_text(encoding="utf-8"))
    assert not [box for box in boxes if re.search(r"\d\.\d{7,}", box)]

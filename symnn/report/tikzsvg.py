"""TikZ pictures drawn as SVG: for the HTML edition and for notebooks.

:func:`svg_of` compiles one ``tikzpicture`` with pdflatex on a page of its own size (a
3 pt margin) and converts it with ``pdftocairo -svg`` (poppler-utils): glyphs become
outlines, so the SVG needs no font. :class:`TikzPicture` wraps a picture for Jupyter: a
cell ending in ``TikzPicture(figures.tikz_for(d))`` shows the drawing
(``_repr_svg_``), or, where pdflatex or pdftocairo is missing, the TikZ source with a
line saying what would draw it.

>>> picture = TikzPicture(r"\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}")
>>> repr(picture).splitlines()[0]
'\\\\begin{tikzpicture}\\\\draw (0,0) -- (1,1);\\\\end{tikzpicture}'
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from symnn.errors import ReportError

#: pdflatex input that ships one TikZ picture as a page of its own size (3 pt margin).
PICTURE_PAGE = r"""\documentclass{article}
\usepackage{amsmath,amssymb}
\usepackage{tikz}
\begin{document}
\setbox0=\hbox{\kern3pt\vbox{\kern3pt\hbox{%s}\kern3pt}\kern3pt}
\pdfpagewidth=\wd0 \pdfpageheight=\dimexpr\ht0+\dp0\relax
\hoffset=-1in \voffset=-1in
\shipout\box0
\end{document}
"""
TOOLS_HINT = "apt-get install texlive-pictures poppler-utils"


def can_draw() -> bool:
    """True when pdflatex and pdftocairo are installed."""
    return shutil.which("pdflatex") is not None and shutil.which("pdftocairo") is not None


def svg_text(tikz: str) -> str:
    """The SVG of ``tikz``; a :class:`ReportError` quoting the tool that failed."""
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "picture.tex").write_text(PICTURE_PAGE % tikz, encoding="utf-8")
        for command in (["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "picture.tex"],
                        ["pdftocairo", "-svg", "picture.pdf", "picture.svg"]):
            try:
                run = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120,
                                     stdin=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired) as error:
                raise ReportError(f"{command[0]} could not draw a TikZ picture: {error}") from error
            if run.returncode != 0:
                last = (run.stdout + run.stderr).strip().splitlines()[-1:]
                raise ReportError(f"{command[0]} could not draw a TikZ picture: {' '.join(last)}")
        return (Path(work) / "picture.svg").read_text(encoding="utf-8")


def svg_of(tikz: str, target: Path) -> Path:
    """Draw ``tikz`` into the SVG file ``target`` (written atomically)."""
    from symnn.io import write_text_atomic

    write_text_atomic(target, svg_text(tikz))
    return target


class TikzPicture:
    """A TikZ picture that Jupyter shows drawn (SVG), or as its source when it cannot be drawn."""

    def __init__(self, tikz: str) -> None:
        self.tikz = tikz
        self._svg: str | None = None

    def _repr_svg_(self) -> str | None:
        if not can_draw():
            return None
        if self._svg is None:
            self._svg = svg_text(self.tikz)
        return self._svg

    def __repr__(self) -> str:
        return self.tikz.rstrip("\n") + ("" if can_draw() else f"\n% drawn when pdflatex and pdftocairo "
                                         f"are installed ({TOOLS_HINT})")

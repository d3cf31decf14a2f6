"""The figures of a derivation in a write-up: its TikZ diagram inline, its plot as a PNG file.

After a derivation that has figures (:mod:`symnn.figures`), the write-up shows them under
a paragraph **Figure.** (kept on the page of the first picture by ``\figurefollows``):

* the network diagram, the ``tikzpicture`` of :func:`symnn.figures.tikz_for` pasted into
  the document inside ``\\fitpicture`` (see :data:`PREAMBLE`), which shrinks it to the
  text width only when it is wider;
* the plot, ``\\includegraphics[width=...]{figures/fig-ID.png}``: a path relative to the
  ``.tex`` file, at the plot's own width or the text width, whichever is smaller.

The plot is built when the text is written (its width is part of the text) and kept in a
:class:`Plots` collection; :meth:`Plots.write` saves the PNGs into the ``figures/`` folder
beside the ``.tex`` file, atomically, with the bytes of :func:`symnn.figures.draw`. The
text depends only on the derivation, so it is as reproducible as the rest of a write-up.

>>> plot_width(6.6), plot_width(5.35)
('\\\\linewidth', '0.85\\\\linewidth')
>>> plot_path("softmax-limit")
'figures/fig-softmax-limit.png'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from symnn.core.render import text_tex
from symnn.errors import SymnnError
from symnn.report.texutil import code_id, escape

#: The folder of the plots, relative to the ``.tex`` file.
FOLDER = "figures"
#: The width of the text in inches: A4 (210 mm) less the two 2.5 cm margins of the preamble.
TEXT_WIDTH_IN = 160 / 25.4

#: Preamble lines: TikZ; ``\fitpicture``, which shrinks a picture only if it is too wide;
#: ``\figurefollows``, which keeps the **Figure.** paragraph on the page of its first picture
#: (as a heading is kept with its text: no break before the ``center`` that follows).
PREAMBLE = r"""\usepackage{tikz}
\newsavebox{\fitpicturebox}
\newcommand{\fitpicture}[1]{\sbox{\fitpicturebox}{#1}%
  \ifdim\wd\fitpicturebox>\linewidth\resizebox{\linewidth}{!}{\usebox{\fitpicturebox}}%
  \else\usebox{\fitpicturebox}\fi}
\makeatletter
\newcommand{\figurefollows}{\par\nopagebreak\@nobreaktrue}
\makeatother"""


def plot_path(id: str) -> str:
    """The path of the plot of ``id`` as the ``.tex`` file refers to it."""
    return f"{FOLDER}/fig-{id}.png"


def plot_width(inches: float) -> str:
    """The ``width`` of ``\\includegraphics``: the plot's own width, at most the text width."""
    fraction = inches / TEXT_WIDTH_IN
    return r"\linewidth" if fraction >= 0.995 else f"{fraction:.2f}" + r"\linewidth"


def caption(text: str) -> str:
    """A figure's plain-text description as LaTeX text, its ASCII stand-ins set as math."""
    return text_tex(text)


def diagram_block(tikz: str) -> str:
    """A ``tikzpicture`` centred, shrunk to the text width if it is wider."""
    return "\n".join([r"\begin{center}", r"\fitpicture{%", tikz.rstrip("\n") + "}", r"\end{center}"])


class Plots:
    """The plots a write-up refers to, built once per id, and saved on request.

    ``entries`` maps an id to its ``matplotlib.figure.Figure``, or to the text of the
    error that kept it from being drawn.
    """

    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}
        self.attached: dict[str, bytes] = {}

    def attach(self, name: str, data: bytes) -> str:
        """Keep a finished image (e.g. a training plot) to save as ``figures/name``; its path."""
        self.attached[name] = data
        return f"{FOLDER}/{name}"

    def get(self, derivation: Any) -> Any:
        """The plot of ``derivation`` (built on first use), or an error text."""
        if derivation.id not in self.entries:
            from symnn import figures

            try:
                self.entries[derivation.id] = figures.plot_for(derivation)
            except ImportError as error:
                self.entries[derivation.id] = f"matplotlib is needed to draw it ({error})"
            except SymnnError as error:
                self.entries[derivation.id] = f"{type(error).__name__}: {error}"
        return self.entries[derivation.id]

    def drawn(self) -> dict[str, Any]:
        """``{id: Figure}`` of every plot built without error, in the order first used."""
        return {id: item for id, item in self.entries.items() if not isinstance(item, str)}

    def png(self) -> dict[str, bytes]:
        """``{file name: PNG bytes}`` of every plot drawn (the bytes :meth:`write` writes)."""
        from symnn.figures.plots import render

        drawn = {Path(plot_path(id)).name: render(item) for id, item in self.drawn().items()}
        return {**drawn, **self.attached}

    def write(self, folder: str | Path) -> list[Path]:
        """Save every plot drawn as ``folder/fig-ID.png`` (atomically); returns the paths."""
        from symnn.figures.plots import save
        from symnn.io import write_bytes_atomic

        paths = [save(item, Path(folder) / Path(plot_path(id)).name) for id, item in self.drawn().items()]
        for name, data in self.attached.items():
            write_bytes_atomic(Path(folder) / name, data)
            paths.append(Path(folder) / name)
        return paths


def figure_block(derivation: Any, plots: Plots) -> str:
    """The **Figure.** paragraph of ``derivation`` with its diagram and plot ("" if it has none)."""
    from symnn import figures

    item = figures.FIGURES.get(derivation.id)
    if item is None:
        return ""
    lines = [r"\paragraph{Figure.} Drawn from this derivation's parameters and result by "
             rf"\texttt{{symnn.figures}}: {caption(item.shows)}.", r"\figurefollows"]
    if item.diagram is not None:
        try:
            lines.append(diagram_block(figures.tikz_for(derivation) or ""))
        except SymnnError as error:
            why = escape(f"{type(error).__name__}: {error}")
            lines.append(rf"\emph{{The diagram could not be drawn: {why}.}}")
    if item.plot is not None:
        plot = plots.get(derivation)
        if isinstance(plot, str):
            lines.append(rf"\emph{{The plot {code_id(plot_path(derivation.id))} could not be drawn: "
                         rf"{escape(plot)}.}}")
        else:
            width = plot_width(float(plot.get_size_inches()[0]))
            graphic = rf"\includegraphics[width={width}]{{{plot_path(derivation.id)}}}"
            lines.extend([r"\begin{center}", graphic, r"\end{center}"])
    return "\n".join(lines) + "\n"

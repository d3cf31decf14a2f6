"""The HTML edition of the write-ups: ``DIR/index.html``, its figures beside it.

``symnn report SHEET|all --html -o DIR`` writes one page with the content of the PDF: the
introduction, a table of contents linking to every problem (and, for ``all``, every
sheet), then each problem as :class:`~symnn.report.document.Writer` writes it for the PDF
(statement, answer, derivation with its certified steps and boxed result, cross-check,
figures, experiment results, simulator code), converted by
:class:`~symnn.report.htmltext.TextToHtml`. Math is MathML (:mod:`symnn.report.mathml`),
so the page needs neither JavaScript nor a network; a small stylesheet sits in its head.

Files beside ``index.html``, under ``figures/``:

* ``fig-ID.png``: the plots, the same bytes as beside the ``.tex`` write-up;
* ``diagram-HASH.svg``: each TikZ diagram, compiled by pdflatex and converted by
  ``pdftocairo -svg`` (:mod:`symnn.report.tikzsvg`; without them the page says that the
  diagram needs them);
* ``results-ID-NAME.png``: copies of experiment plots that lie outside ``DIR``.

Displays are not fitted to a page width as in the PDF: a formula wider than the window
scrolls inside its own box, so the page itself never gets wider than the window.

>>> page = html_page("ml-assignment-2", Path("."), pictures=False)
>>> page.startswith("<!DOCTYPE html>") and '<nav class="toc">' in page and "<script" not in page
True
"""

from __future__ import annotations

import hashlib
import html
import shutil
from collections.abc import Callable
from pathlib import Path

from symnn.errors import ReportError
from symnn.report.document import INTRODUCTION, Writer
from symnn.report.htmltext import TextToHtml
from symnn.report.layout import sheet, sheet_ids
from symnn.report.pictures import FOLDER
from symnn.report.tikzsvg import TOOLS_HINT, can_draw, svg_of

STYLE = """
body { font-family: "Latin Modern Roman", "CMU Serif", Georgia, serif; line-height: 1.45;
       margin: 0 auto; padding: 1rem; max-width: 48rem; color: #111; background: #fff; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; } .subtitle { color: #555; margin-top: 0; }
h2 { border-bottom: 1px solid #aaa; margin-top: 2.5rem; } h3 { margin-top: 2rem; }
nav.toc { background: #f6f6f4; padding: 0.5rem 1rem; border: 1px solid #ddd; }
nav.toc ul { padding-left: 1.2rem; margin: 0.2rem 0; }
.display { overflow-x: auto; overflow-y: hidden; padding: 0.3rem 0; max-width: 100%; }
.numbered { display: flex; align-items: center; gap: 1rem; overflow-x: visible; }
.numbered .formula { flex: 1 1 auto; min-width: 0; overflow-x: auto; overflow-y: hidden; }
.eqno { flex: none; color: #333; text-decoration: none; }
math[display="block"] { margin: 0.2rem 0; }
menclose[notation="box"] { border: 1px solid #222; padding: 0.25em 0.4em; }
code { font-size: 0.92em; overflow-wrap: anywhere; }
p, li { overflow-wrap: anywhere; }
.center { text-align: center; overflow-x: auto; } img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0.5rem auto; font-size: 0.92em; display: block;
        overflow-x: auto; max-width: 100%; width: max-content; }
th, td { border-top: 1px solid #bbb; border-bottom: 1px solid #bbb; padding: 0.15rem 0.6rem; }
td:not(:first-child) { text-align: right; }
"""

class Pictures:
    """TikZ pictures drawn as SVG files in ``folder`` (``None``: not drawn, said so)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.written: list[Path] = []

    def __call__(self, tikz: str) -> str:
        """The ``<img>`` of ``tikz`` (drawn on first use), or a sentence saying why there is none."""
        name = f"diagram-{hashlib.sha256(tikz.encode()).hexdigest()[:12]}.svg"
        if self.folder is None or not can_draw():
            return ("<em>The diagram is drawn for the web page by pdflatex and pdftocairo "
                    f"({TOOLS_HINT}); they are not installed.</em>")
        target = self.folder / name
        if target not in self.written:
            self.folder.mkdir(parents=True, exist_ok=True)
            svg_of(tikz, target)
            self.written.append(target)
        return f'<img class="diagram" src="{FOLDER}/{name}" alt="network diagram">'


def _images(folder: Path) -> Callable[[str], str]:
    def image(path: str) -> str:
        source = Path(path)
        if not source.is_absolute():
            return path
        copy = folder / FOLDER / f"results-{source.parent.name}-{source.name}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        return f"{FOLDER}/{copy.name}"

    return image


def _contents(headings: list[tuple[str, str, str]]) -> str:
    """The table of contents: sheets (``h2``) with their problems (``h3``) nested."""
    lines, nested = ['<nav class="toc"><strong>Contents</strong><ul>'], False
    parts = any(level == "h2" for level, _, _ in headings)
    for level, anchor, text in headings:
        if level == "h4":
            continue
        if parts and level == "h3" and not nested:
            lines[-1] = lines[-1].removesuffix("</li>")
            lines.append("<ul>")
            nested = True
        elif level == "h2" and nested:
            lines.append("</ul></li>")
            nested = False
        lines.append(f'<li><a href="#{anchor}">{text}</a></li>')
    if nested:
        lines.append("</ul></li>")
    lines.append("</ul></nav>")
    return "\n".join(lines)


def html_page(target: str, folder: Path, results: Path | None = None, pictures: bool = True,
              writer: Writer | None = None) -> str:
    """The page of a sheet (``"all"``: every sheet) whose files go to ``folder``."""
    sheets = [sheet(id) for id in sheet_ids(target)]
    writer = writer or Writer(results, folder.resolve(), fitted=False)
    converter = TextToHtml(picture=Pictures(folder / FOLDER if pictures else None),
                           image=_images(folder))
    if len(sheets) == 1:
        title, subtitle = sheets[0].title, f"The sheet of {sheets[0].source}"
    else:
        title, subtitle = "Write-ups of the exercise sheets", ", ".join(s.id for s in sheets)
    bodies = []
    for item in sheets:
        part = rf"\part*{{{item.title}}}" + "\n" if len(sheets) > 1 else ""
        bodies.append(converter.convert(part + writer.sheet_body(item)))
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
        f"<header><h1>{html.escape(title)}</h1>",
        f'<p class="subtitle">symnn &#8212; {html.escape(subtitle)}</p>',
        "</header>", converter.convert(INTRODUCTION), _contents(converter.headings), *bodies,
        "</body>", "</html>",
    ]) + "\n"


def write_html(target: str, folder: str | Path, results: Path | None = None) -> list[Path]:
    """Write ``folder/index.html`` of ``target`` and its figures; returns the figures, then the page."""
    from symnn.io import write_text_atomic

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ReportError(f"report --html: -o {folder} is a file; expected a folder for index.html")
    folder.mkdir(parents=True, exist_ok=True)
    writer = Writer(results, folder.resolve(), fitted=False)
    page = html_page(target, folder, results, writer=writer)
    plots = writer.write_figures(folder / FOLDER)
    diagrams = sorted((folder / FOLDER).glob("diagram-*.svg"))
    index = folder / "index.html"
    write_text_atomic(index, page)
    return [*plots, *diagrams, index]

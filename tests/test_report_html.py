"""The HTML edition: LaTeX to MathML, write-up text to HTML, and a sheet's page as a browser
shows it (headless chromium; those tests are skipped, saying why, where it is not installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from symnn.cli import main
from symnn.errors import ReportError
from symnn.report.htmltext import TextToHtml, slug
from symnn.report.layout import sheet
from symnn.report.mathml import display, inline, plain_text

SHEET = "ml-assignment-2"  # a diagram, two plots, an experiment-free sheet of three problems
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                    "(CI installs it: apt-get install chromium)")


def outside_annotations(page: str) -> str:
    """The page without its TeX annotations, stylesheet and the text of error elements."""
    for pattern in (r"<annotation\b.*?</annotation>", r"<style>.*?</style>"):
        page = re.sub(pattern, "", page, flags=re.DOTALL)
    return page


# ------------------------------------------------------------------ MathML
@pytest.mark.parametrize(("tex", "element"), [
    (r"\frac{a}{b}", "<mfrac>"),                       # a fraction is an mfrac
    (r"x^{2}", "<msup>"),                               # a power is a superscript
    (r"\sqrt{2}", "<msqrt>"),
    (r"\boxed{y = 1}", '<menclose notation="box">'),  # the boxed results keep their box
    (r"\left[\begin{matrix}1 & 2\\3 & 4\end{matrix}\right]", "<mtable>"),
    (r"\begin{aligned}& a = b \\ & \quad + c\end{aligned}", "<mtable>"),
    (r"\arg\max_i x_i", "<mo>arg</mo>"),
    (r"\operatorname{softmax}(z)", "<mo>softmax</mo>"),
])  # fmt: skip
def test_latex_becomes_mathml_with_its_source_annotated(tex: str, element: str) -> None:
    math = display(tex)
    assert math.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    assert element in math and "<merror>" not in math
    source = tex.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f'<annotation encoding="application/x-tex">{source}</annotation>' in math
    assert "\\" not in outside_annotations(math)


def test_spaces_around_text_in_math_are_kept() -> None:
    assert "<mtext>Jacobian\u00a0in\u00a0</mtext>" not in display(r"\text{Jacobian in } y")
    assert "<mtext>Jacobian in\u00a0</mtext>" in display(r"\text{Jacobian in } y")


def test_text_in_math_is_plain_and_escaped() -> None:
    math = inline(r"\text{eta\_max < 2 \& more} = 1")
    assert "eta_max &lt; 2 &amp; more" in outside_annotations(math)


@pytest.mark.parametrize("tex", [r"\nosuchmacro{x}", r"\frac{1}{"])
def test_what_has_no_mathml_is_an_merror(tex: str) -> None:
    assert "<merror>" in inline(tex)


def test_plain_text_resolves_the_escapes_of_the_writeups() -> None:
    assert plain_text(r"a\_b \& 50\% \textbackslash{} x\textbar{}y") == "a_b & 50% \\ x|y"


# ---------------------------------------------------------------- text
@pytest.mark.parametrize(("tex", "expected"), [
    (r"\emph{a} \textbf{b} \texttt{c\_d}", "<p><em>a</em> <strong>b</strong> <code>c_d</code></p>"),
    ("one\n\ntwo", "<p>one</p>\n<p>two</p>"),
    (r"\begin{itemize} \item a \item b \end{itemize}",
     "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>"),
    (r"{\small x} \% -- y", "<p>x % \u2013 y</p>"),
    (r"\begin{tabular}{lr}\hline a & 1 \\ b & 2 \\ \hline\end{tabular}",
     "<table><thead><tr><th>a</th><th>1</th></tr></thead><tbody><tr><td>b</td><td>2</td></tr></tbody></table>"),
])  # fmt: skip
def test_text_constructs(tex: str, expected: str) -> None:
    assert TextToHtml().convert(tex) == expected


def test_headings_get_unique_anchors() -> None:
    converter = TextToHtml()
    converter.convert(r"\section*{Problem 1: A} x \section*{Problem 1: A}")
    assert [anchor for _, anchor, _ in converter.headings] == ["problem-1-a", "problem-1-a-2"]
    assert slug("Exercise 6.3(b)") == "exercise-6-3-b"


@pytest.mark.parametrize("tex", [r"\unknowncommand{x}", r"$x", r"\begin{verbatim}x\end{verbatim}",
                                 r"\begin{tikzpicture}\end{tikzpicture}"])
def test_text_without_an_html_form_is_refused(tex: str) -> None:
    with pytest.raises(ReportError, match="html: "):
        TextToHtml().convert(tex)


# ---------------------------------------------------------------- a page
class Page(HTMLParser):
    """Collects the images, anchors, links and the balance of the page's elements."""

    VOID: ClassVar[set[str]] = {"meta", "img", "br", "mspace", "link", "hr", "input", "none", "mprescripts"}

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.anchors: set[str] = set()
        self.links: list[str] = []
        self.open: list[str] = []
        self.unbalanced: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values["src"] or "")
        if values.get("id"):
            self.anchors.add(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.unbalanced.append(tag)
        else:
            self.open.pop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``symnn report SHEET --html -o DIR`` run once for the module."""
    folder = tmp_path_factory.mktemp("html") / "site"
    assert main(["report", SHEET, "--html", "-o", str(folder)]) == 0
    return folder


def test_page_is_script_free_mathml_with_its_figures(site: Path) -> None:
    page = (site / "index.html").read_text(encoding="utf-8")
    parsed = Page()
    parsed.feed(page)
    assert parsed.unbalanced == [] and parsed.open == []
    assert "<script" not in page and "http://" not in outside_annotations(page).replace(
        'xmlns="http://www.w3.org/1998/Math/MathML"', "")
    assert page.count("<math") > 50 and "<merror>" not in page
    raw = re.findall(r"\\[A-Za-z]+", outside_annotations(page))
    assert raw == [], f"raw TeX outside annotations: {sorted(set(raw))}"
    assert parsed.images and all((site / src).is_file() for src in parsed.images)
    names = sorted(Path(src).name for src in parsed.images)
    assert "fig-two-layer-relu-gradients.png" in names and "fig-gd-convergence-quadratic.png" in names
    assert any(name.startswith("diagram-") and name.endswith(".svg") for name in names)
    assert all(link[1:] in parsed.anchors for link in parsed.links if link.startswith("#"))


def test_page_has_every_problem_and_derivation_of_the_sheet(site: Path) -> None:
    page = (site / "index.html").read_text(encoding="utf-8")
    for problem in sheet(SHEET).problems:
        assert f'href="#{slug(problem.label)}' in page
        for id in problem.ids:
            assert f"<code>{id}</code>" in page
    assert page.count('<menclose notation="box">') >= 3 and "Numeric cross-check." in page


def test_html_output_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "page"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["report", SHEET, "--html", "-o", str(target)]) == 2
    assert "it is not a folder" in capsys.readouterr().err


# ---------------------------------------------------------------- in a browser
#: Appended to a copy of the page (the page itself has no script): after loading, it
#: records the page's width against the window's, the images that did not load and the
#: formulas the browser laid out with no width.
PROBE = """<script>
window.addEventListener("load", () => {
  const root = document.documentElement;
  const result = {
    scroll: root.scrollWidth, client: root.clientWidth,
    broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
    flat: [...document.querySelectorAll("math")].filter(m => m.getBoundingClientRect().width === 0).length,
    maths: document.querySelectorAll("math").length,
  };
  document.body.setAttribute("data-probe", JSON.stringify(result));
});
</script>"""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def chromium(*arguments: str) -> str:
    assert CHROMIUM is not None
    run = subprocess.run([CHROMIUM, *FLAGS, *arguments], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@needs_chromium
@pytest.mark.parametrize("width", [1000, 480])
def test_browser_lays_the_page_out_within_the_window(site: Path, width: int) -> None:
    probe = site / "probe.html"
    page = (site / "index.html").read_text(encoding="utf-8")
    probe.write_text(page.replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    dom = chromium(f"--window-size={width},900", "--virtual-time-budget=10000", "--dump-dom",
                   probe.as_uri())
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, "the probe did not run"
    result = json.loads(found.group(1).replace("&quot;", '"'))
    assert result["broken"] == [] and result["maths"] == page.count("<math")
    assert result["flat"] == 0
    assert result["scroll"] <= result["client"], f"page {result['scroll']} px wide in {result['client']} px"


@needs_chromium
def test_browser_screenshot_of_the_page(site: Path, tmp_path: Path) -> None:
    from matplotlib.image import imread

    shot = tmp_path / "page.png"
    chromium(f"--screenshot={shot}", "--window-size=900,1400", (site / "index.html").as_uri())
    pixels = imread(shot)
    assert pixels.shape[:2] == (1400, 900)
    assert float(pixels[..., :3].std()) > 0.05  # text and formulas, not a blank page


# ---------------------------------------------------------------- numbered results
def test_boxed_results_are_numbered_anchors_and_repeats_link_back() -> None:
    converter = TextToHtml()
    page = converter.convert("\\begin{equation} \\boxed{x = 1} \\label{s:d:x} \\end{equation}\n"
                             "\\begin{equation} \\boxed{y = 2} \\label{s:d:y} \\end{equation}\n"
                             "again: \\[ \\boxed{y = 2} \\tag{\\ref{s:d:y}} \\]")
    assert re.findall(r'<div class="display numbered" id="([^"]*)">', page) == ["eq-s-d-x", "eq-s-d-y"]
    assert re.findall(r'<span class="eqno">\((\d+)\)</span>', page) == ["1", "2"]
    assert '<a class="eqno" href="#eq-s-d-y">(2)</a>' in page and "label" not in outside_annotations(page)
    with pytest.raises(ReportError, match="defined twice"):
        TextToHtml().convert("\\begin{equation} a \\label{k} \\end{equation}" * 2)
    with pytest.raises(ReportError, match="no equation above defines"):
        TextToHtml().convert("\\[ a \\tag{\\ref{k}} \\]")


def test_softmax_jacobian_in_html_keeps_its_three_rows_and_both_forms() -> None:
    from symnn.report.document import Writer

    page = TextToHtml().convert(Writer(fitted=False).full("softmax-jacobian", "homework-1"))
    box = page[page.index('id="eq-homework-1-softmax-jacobian-jacobian"'):]
    box = box[:box.index("</div>")]
    assert "<merror>" not in box
    from xml.etree import ElementTree

    math = ElementTree.fromstring(re.search(r"<math.*</math>", box, re.DOTALL).group(0))
    tag = "{http://www.w3.org/1998/Math/MathML}"
    shapes = [[len(row.findall(f"{tag}mtd")) for row in table.findall(f"{tag}mtr")]
              for table in math.iter(f"{tag}mtable")]
    assert shapes.count([3, 3, 3]) == 2  # the y form and the z form, each whole: 3 rows of 3
    assert "where" in box and "<mi>S</mi>" in box


def test_page_numbers_every_boxed_result(site: Path) -> None:
    page = (site / "index.html").read_text(encoding="utf-8")
    boxes = page.count('<menclose notation="box">')
    numbered = re.findall(r'<span class="eqno">\((\d+)\)</span>', page)
    repeats = re.findall(r'<a class="eqno" href="#([^"]*)">', page)
    assert boxes == len(numbered) + len(repeats) and numbered == [str(n) for n in range(1, len(numbered) + 1)]
    assert all(f'id="{anchor}"' in page for anchor in repeats)

"""A whole sheet's write-up as one LaTeX document, assembled from the layout and the catalogue.

For each problem of :mod:`symnn.report.layout`, in the sheet's order, the document has one
section: the statement, the written answer (for questions asked in words), then for each
id that answers it

* a derivation: its statement, numbered certified steps and boxed result
  (:meth:`~symnn.core.derivation.Derivation.latex`, displays fitted to the page by
  :mod:`symnn.report.texfit`) and the numeric cross-check line; a derivation met again
  later in the sheet shows its boxed result and refers back;
* an experiment: its results table and plots (:mod:`symnn.report.results`);
* an id not registered in this version: a sentence saying so;
* after a derivation shown in full that has figures (:mod:`symnn.figures`): its TikZ
  diagram inline and its plot ``figures/fig-ID.png`` (:mod:`symnn.report.pictures`;
  :meth:`Writer.write_figures` saves the PNGs beside the ``.tex``);

and finally the simulator functions its cross-checks use, typeset by latexify-py
(:mod:`symnn.report.code`). The text depends only on the catalogue and the results, so
the same input always gives the same document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symnn.core.registry import catalog, derive, entry
from symnn.core.render import text_tex
from symnn.errors import CheckError, SymnnError
from symnn.report.code import render
from symnn.report.layout import Problem, Sheet, sheet
from symnn.report.pictures import PREAMBLE as PICTURE_PREAMBLE
from symnn.report.pictures import Plots, figure_block
from symnn.report.results import experiment_results
from symnn.report.texfit import PREAMBLE as FIT_PREAMBLE
from symnn.report.texfit import fit_display, fit_fragment, repeated
from symnn.report.texutil import code_id, escape, sci

PREAMBLE = "\n".join([
    r"\documentclass[11pt]{article}",
    r"\usepackage[T1]{fontenc}",
    r"\usepackage{lmodern}",
    r"\usepackage[a4paper,margin=2.5cm]{geometry}",
    r"\usepackage{amsmath,amssymb}",
    r"\usepackage{graphicx}",
    FIT_PREAMBLE,
    PICTURE_PREAMBLE,
    r"% typewriter text (ids, routes) may stretch at spaces and break after hyphens",
    r"\let\symnnttfamily\ttfamily",
    r"\renewcommand{\ttfamily}{\symnnttfamily\fontdimen3\font=0.3em\fontdimen4\font=0.15em"
    r"\hyphenchar\font=`\-}",
    r"\renewcommand{\labelitemi}{$\bullet$}  % the math bullet: a Type 1 font everywhere",
    r"\tolerance=2000 \emergencystretch=3em",
    r"\setlength{\parindent}{0pt} \setlength{\parskip}{0.5ex}",
    r"\usepackage[hidelinks,bookmarksnumbered]{hyperref}  % the contents as links and PDF bookmarks",
])  # fmt: skip

INTRODUCTION = (
    r"Each result below is derived by SymPy step by step; every step names the decision "
    r"route that certified it (a step that its route cannot prove is never recorded), or, "
    r"marked \emph{cited}, the theorem from the literature it rests on; the results are "
    r"boxed. Each derivation is then cross-checked numerically against an "
    r"independent method (symnn's NumPy simulator, finite differences, mpmath, Monte Carlo "
    r"or exhaustive enumeration); the worst error is printed with two significant digits. "
    r"Written answers are backed by the derivation that supports them. Training experiments "
    r"run on symnn's own NumPy simulator."
)


def contents_heading(level: str, title: str) -> str:
    """An unnumbered ``\\part*``/``\\section*`` that is listed in the contents (and bookmarks).

    >>> print(contents_heading("section", "Problem 1: Softmax"))
    \\section*{Problem 1: Softmax}\\addcontentsline{toc}{section}{Problem 1: Softmax}
    """
    return rf"\{level}*{{{title}}}\addcontentsline{{toc}}{{{level}}}{{{title}}}"


@dataclass
class Writer:
    """Assembles write-ups; derivations are derived and checked once per writer.

    ``results`` is the results directory of the experiments (``None``: none given) and
    ``base`` the folder of the ``.tex`` file, to which plot paths are made relative.
    ``plots`` collects the plots of the derivations the documents show; the text refers
    to them as ``figures/fig-ID.png``, and :meth:`write_figures` saves them. ``fitted``
    False leaves displays as the derivations write them (the HTML edition: a browser
    lays them out itself).
    """

    results: Path | None = None
    base: Path | None = None
    plots: Plots = field(default_factory=Plots)
    fitted: bool = True
    _derived: dict[str, Any] = field(default_factory=dict)

    def derivation(self, id: str) -> Any:
        """The derivation ``id`` with its default (the sheet's) parameters, or the error text."""
        if id not in self._derived:
            try:
                self._derived[id] = derive(id)
            except SymnnError as error:
                self._derived[id] = f"{type(error).__name__}: {error}"
        return self._derived[id]

    def document(self, sheet_ids: list[str]) -> str:
        """A complete LaTeX document of the given sheets (one sheet, or several as parts)."""
        sheets = [sheet(id) for id in sheet_ids]
        if len(sheets) == 1:
            title, subtitle = escape(sheets[0].title), rf"The sheet of {escape(sheets[0].source)}"
        else:
            title, subtitle = "Write-ups of the exercise sheets", ", ".join(s.id for s in sheets)
        lines = [PREAMBLE, rf"\title{{{title}}}", r"\author{symnn}", rf"\date{{{escape(subtitle)}}}",
                 r"\begin{document}", r"\maketitle", INTRODUCTION, r"\tableofcontents", ""]
        for index, item in enumerate(sheets):
            if len(sheets) > 1:
                part = contents_heading("part", escape(item.title))
                lines.append((r"\clearpage" + "\n" if index else "") + part)
            lines.append(self.sheet_body(item))
        lines.append(r"\end{document}")
        return "\n".join(lines) + "\n"

    def sheet_body(self, item: Sheet) -> str:
        """The sections of one sheet, one per problem, in the sheet's order."""
        shown: dict[str, str] = {}
        typeset: set[str] = set()
        return "\n".join(self.problem(problem, item.id, shown, typeset) for problem in item.problems)

    def problem(self, problem: Problem, sheet_id: str, shown: dict[str, str], typeset: set[str]) -> str:
        """One problem's section; ``shown`` maps ids derived in full earlier to their label."""
        lines = [contents_heading("section", f"{escape(problem.label)}: {problem.title}"),
                 rf"\paragraph{{Problem.}} {problem.statement}"]
        if problem.answer:
            lines.append(rf"\paragraph{{Answer.}} {problem.answer}")
        registered = set(catalog())
        for id in problem.ids:
            if id not in registered:
                lines.append(rf"\subsection*{{{code_id(id)}}}" + "\n"
                             + rf"\emph{{{code_id(id)}: not yet available in this version.}}")
                continue
            item = entry(id)
            lines.append(rf"\subsection*{{{text_tex(item.title)} ({code_id(id)})}}")
            if item.kind == "experiment":
                lines.append(experiment_results(id, sheet_id, self.results, self.base, self.plots))
            elif id in shown:
                lines.append(self.result_only(id, shown[id], sheet_id))
            else:
                lines.append(self.full(id, sheet_id))
                shown[id] = problem.label
        lines.append(self.code(problem.code, typeset))
        return "\n".join(line for line in lines if line) + "\n"

    def full(self, id: str, sheet_id: str | None = None) -> str:
        """Statement, certified steps, boxed result and cross-check of derivation ``id``.

        Each boxed result is a numbered equation labelled ``SHEET:ID:KEY`` (a derivation
        may be shown in full in two sheets of one document).
        """
        derivation = self.derivation(id)
        if isinstance(derivation, str):
            return rf"\emph{{This derivation could not be built: {escape(derivation)}}}"
        text = derivation.latex(label=f"{sheet_id}:{id}" if sheet_id else None)
        return ((fit_fragment(text) if self.fitted else text) + self.check_line(derivation)
                + figure_block(derivation, self.plots))

    def display(self, formula: str, budget: float | None = None) -> str:
        """A display of ``formula``, fitted to the page unless ``fitted`` is off."""
        if not self.fitted:
            return rf"\[ {formula} \]"
        return fit_display(formula) if budget is None else fit_display(formula, budget=budget)

    def write_figures(self, folder: str | Path) -> list[Path]:
        """Save the plots of the documents written so far as ``folder/fig-ID.png``."""
        return self.plots.write(folder)

    def result_only(self, id: str, label: str, sheet_id: str | None = None) -> str:
        """The boxed result of a derivation shown in full earlier (under ``label``), each box
        numbered as it was there (``\\tag{\\ref{...}}``)."""
        derivation = self.derivation(id)
        if isinstance(derivation, str):
            return rf"\emph{{This derivation could not be built: {escape(derivation)}}}"
        prefix = f"{sheet_id}:{id}" if sheet_id else None
        boxes = [repeated(derivation.result_box(name), derivation.result_label(name, prefix), self.fitted)
                 for name in derivation.result]
        return "\n".join([rf"Derived in full under {escape(label)} above; its result:", *boxes,
                          self.check_line(derivation)])

    def check_line(self, derivation: Any) -> str:
        """The numeric cross-check: verdict, method, tolerance, worst error (two digits)."""
        try:
            report = derivation.check()
        except CheckError as error:
            return rf"\paragraph{{Numeric cross-check.}} None: {escape(str(error))}." + "\n"
        facts = len(report.facts)
        held = f"; {facts} required fact{'s' if facts != 1 else ''} checked" if facts else ""
        text = (rf"\paragraph{{Numeric cross-check.}} {'Passed' if report.ok else 'FAILED'}: "
                rf"{text_tex(report.method)}; tolerance ${sci(report.tolerance)}$, worst error "
                rf"${sci(report.max_error)}$ over {report.cases} values{held}.")
        if not report.ok:
            text += " Failed: " + "; ".join(text_tex(label) for label in report.failures()) + "."
        return text + "\n"

    def code(self, names: tuple[str, ...], typeset: set[str]) -> str:
        """The simulator functions ``names``, each typeset the first time the sheet uses it."""
        new = [name for name in names if name not in typeset]
        seen = [code_id(name) for name in names if name in typeset]
        if not names:
            return ""
        earlier = f" ({', '.join(seen)} typeset above)" if seen else ""
        lines = [r"\paragraph{Simulator code.} Functions of \texttt{symnn.sim} used here, "
                 r"typeset by latexify-py" + earlier + (":" if new else ".")]
        for name in new:
            typeset.add(name)
            rendered = render(name)
            target = code_id(rendered.target)
            if rendered.source == "simulator":
                lines.append(rf"{target}, from its own source:")
            else:
                lines.append(rf"{target}, through a scalar mirror that is tested to agree with it "
                             r"(its NumPy source does not typeset cleanly):")
            lines.append(self.display(rendered.latex, budget=400.0))
        return "\n".join(lines)


def sheet_document(sheet_id: str, results: Path | None = None, base: Path | None = None) -> str:
    """The LaTeX document of one sheet (``"all"``: every sheet, as parts of one document).

    >>> tex = sheet_document("ml-assignment-2")
    >>> tex.startswith(r"\\documentclass") and r"\\section*{Question 3:" in tex
    True
    """
    from symnn.report.layout import sheet_ids

    return Writer(results, base).document(sheet_ids(sheet_id))


def write_sheet(sheet_id: str, path: str | Path, results: Path | None = None) -> list[Path]:
    """Write the document of ``sheet_id`` to ``path`` and its plots to ``figures/`` beside it.

    The plots are written first and every file atomically, so the ``.tex`` never refers to
    a missing plot. Returns the plots written, then the ``.tex`` file.
    """
    from symnn.io import write_text_atomic
    from symnn.report.layout import sheet_ids
    from symnn.report.pictures import FOLDER

    output = Path(path)
    writer = Writer(results, output.resolve().parent)
    text = writer.document(sheet_ids(sheet_id))
    written = writer.write_figures(output.parent / FOLDER)
    write_text_atomic(output, text)
    return [*written, output]

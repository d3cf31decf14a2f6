"""Jupyter's rich display of a derivation's parts: a step, a cross-check report.

A notebook cell that ends with a :class:`~symnn.core.derivation.Step` shows its rule, its
formula and the route that certified it (``_repr_latex_``); one that ends with a
:class:`~symnn.core.crosscheck.CheckReport` shows the verdict and a table of every
comparison and required fact (``_repr_html_``, with ``_repr_latex_`` for front ends
without HTML). The :class:`~symnn.core.derivation.Derivation` itself displays through its
own ``_repr_latex_``.

>>> from symnn.core.crosscheck import CheckReport, Comparison
>>> report = CheckReport("NumPy", 1e-9, 2e-12, 4, True, (Comparison("y", 2e-12, 4, True),))
>>> "<td>y</td><td>2e-12</td><td>4</td><td>ok</td>" in check_report_html(report)
True
"""

from __future__ import annotations

import html
from typing import Any

from symnn.core.render import text_tex, text_with_math


def step_latex(step: Any) -> str:
    r"""A step as display math: its rule, its formula, and the route that proved it.

    >>> import sympy as sp
    >>> from symnn.core.certify import Certificate
    >>> from symnn.core.derivation import Step
    >>> x = sp.Symbol("x")
    >>> step = Step("square", "why", (x + 1)**2, x**2 + 2*x + 1, Certificate("expand", 0.0))
    >>> print(step_latex(step).replace(r" \qquad ", "\n"))
    $$\text{square:}\quad \left(x + 1\right)^{2} = x^{2} + 2 x + 1
    \text{(certified by \texttt{expand})}$$
    """
    return (rf"$$\text{{{text_with_math(step.rule)}:}}\quad {step.formula_latex()} \qquad "
            rf"\text{{(certified by \texttt{{{text_tex(step.certificate.route)}}})}}$$")


def check_report_latex(report: Any) -> str:
    """The cross-check's verdict in one line of LaTeX text."""
    return rf"$\text{{{text_tex(report.summary())}}}$"


def check_report_html(report: Any) -> str:
    """The verdict, then one table row per comparison and per required fact."""
    verdict = "passed" if report.ok else "FAILED"
    rows = [f"<tr><td>{html.escape(c.label)}</td><td>{c.error:.3g}</td><td>{c.count}</td>"
            f"<td>{'ok' if c.passed else 'FAILED'}</td></tr>" for c in report.comparisons]
    rows += [f"<tr><td>{html.escape(label)}</td><td></td><td></td>"
             f"<td>{'holds' if holds else 'FAILED'}</td></tr>" for label, holds in report.facts]
    head = ("<p><strong>Numeric cross-check " + verdict + f"</strong>: {html.escape(report.method)}; "
            f"worst error {report.max_error:.3g} (tolerance {report.tolerance:.3g}) over {report.cases} "
            "values.</p>")
    if not rows:
        return head
    return (head + "<table><thead><tr><th>comparison or fact</th><th>error</th><th>values</th><th></th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

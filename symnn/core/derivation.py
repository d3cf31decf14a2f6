"""The derivation model: a statement, assumptions, certified steps, a result, a check.

A :class:`Derivation` reads like a written solution: the statement, the assumptions and
conventions, numbered steps (each a named rule with its reason and the certificate that
proved it), and the named result. It prints itself as LaTeX (``latex()``, and the
``_latex`` / ``_repr_latex_`` protocols, so ``sympy.latex(d)`` and Jupyter work) and
cross-checks itself numerically (``check()``).

Derivations are built with a :class:`DerivationBuilder`; a step is refused unless its
decision route proves it:

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> b = DerivationBuilder("demo", "A square", sp.Eq((x + 1) ** 2, x**2 + 2 * x + 1))
>>> _ = b.step("binomial formula", (x + 1) ** 2, x**2 + 2 * x + 1,
...            reason="multiply out", route="expand")
>>> d = b.build({"square": x**2 + 2 * x + 1})
>>> d.steps[0].certificate.route
'expand'
>>> sp.latex(d).count(r"\\item")
1
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symnn.core.certify import Certificate, RouteLike, certify, certify_claim
from symnn.core.crosscheck import CheckReport
from symnn.core.latex import to_latex
from symnn.core.render import derivation_text, text_tex
from symnn.core.render import text_with_math as _text_with_math
from symnn.core.resultbox import labelled, result_box
from symnn.errors import CheckError

RELATIONS = {
    "=": "=",
    "<=": r"\le",
    ">=": r"\ge",
    "<": "<",
    ">": ">",
    "iff": r"\iff",
    "implies": r"\implies",
    "->": r"\to",
}


@dataclass(frozen=True)
class Citation(Certificate):
    """A step that rests on a cited theorem, not on a decision route.

    It is typeset as ``cited: <theorem>`` (never "certified by"), and
    :attr:`Derivation.citations` lists it, so a reader sees what was taken from the
    literature.

    >>> Citation("cited", 0.0, "spectral theorem").describe()
    'cited: spectral theorem'
    """

    theorem: str = ""

    def describe(self) -> str:
        """One line for reports: ``'cited: <theorem>'``."""
        return f"cited: {self.theorem}"


#: a step's displayed formula: LaTeX text, or a function of no arguments that builds it
Tex = str | Callable[[], str]


@dataclass(frozen=True)
class Step:
    """One numbered step: ``before <relation> after``, by ``rule``, because ``reason``.

    ``before`` may be ``None`` for a step that states a fact (``after``) proved by a
    computation (a claim). ``tex`` overrides the displayed formula where SymPy has no
    object for it (e.g. a sum over the cube {-1, 1}^d); it may be a function of no
    arguments returning the LaTeX, called once when the formula is first typeset (a
    derivation that is only checked never prints its matrices).
    """

    rule: str
    reason: str
    before: Any
    after: Any
    certificate: Certificate
    relation: str = "="
    tex: Tex | None = None

    @functools.cached_property
    def tex_text(self) -> str | None:
        """``tex`` as text (a function given as ``tex`` is called here, once)."""
        return self.tex() if callable(self.tex) else self.tex

    def formula_latex(self) -> str:
        """The step's formula in LaTeX."""
        if self.tex_text is not None:
            return self.tex_text
        rhs = to_latex(self.after)
        if self.before is None:
            return rhs
        return f"{to_latex(self.before)} {RELATIONS.get(self.relation, self.relation)} {rhs}"

    def _repr_latex_(self) -> str:
        from symnn.core.rich import step_latex

        return step_latex(self)

    def formula_text(self) -> str:
        """The step's formula as plain text."""
        rhs = sp.sstr(self.after) if not isinstance(self.after, str) else self.after
        if self.before is None:
            return rhs
        lhs = sp.sstr(self.before) if not isinstance(self.before, str) else self.before
        return f"{lhs} {self.relation} {rhs}"


@dataclass
class Derivation:
    """A derived, certified, typeset and cross-checkable result.

    ``result`` maps names to SymPy objects; ``check()`` runs the independent numeric
    cross-check once and caches its :class:`~symnn.core.crosscheck.CheckReport`. A
    ``checker`` that takes one argument is given ``result``, so that it judges the results
    this derivation holds (a derivation rebuilt with a changed result is judged anew, see
    :mod:`symnn.core.mutation`).
    """

    id: str
    title: str
    statement: Any
    parameters: dict[str, Any]
    assumptions: tuple[str, ...]
    conventions: tuple[str, ...]
    steps: tuple[Step, ...]
    result: dict[str, Any]
    notes: tuple[str, ...] = ()
    display: dict[str, str] = field(default_factory=dict)
    checker: Callable[..., CheckReport] | None = None
    seconds: float = 0.0
    _report: CheckReport | None = field(default=None, repr=False)

    def check(self) -> CheckReport:
        """Run (once) and return the numeric cross-check."""
        if self._report is None:
            if self.checker is None:
                raise CheckError(f"{self.id}: this derivation has no numeric cross-check")
            self._report = self.checker(self.result) if judges_result(self.checker) else self.checker()
        return self._report

    @property
    def citations(self) -> tuple[Step, ...]:
        """The steps that rest on a cited theorem rather than a decision route."""
        return tuple(step for step in self.steps if isinstance(step.certificate, Citation))

    @property
    def certified(self) -> bool:
        """True: every step carries a certificate (a step without one is never built)."""
        return all(step.certificate is not None for step in self.steps)

    # ----------------------------------------------------------------- LaTeX
    def statement_latex(self) -> str:
        """The statement in LaTeX (math mode content, or text for a string statement)."""
        return to_latex(self.statement)

    def result_latex(self, name: str) -> str:
        """The LaTeX of one result, in its display form when one was given."""
        return self.display.get(name) or to_latex(self.result[name])

    def result_box(self, name: str) -> str:
        """The boxed result ``name``, as :func:`symnn.core.resultbox.result_box` typesets it."""
        return result_box(name, self.result[name], self.display.get(name))

    def result_label(self, name: str, prefix: str | None = None) -> str:
        """The LaTeX label of the result ``name``: ``PREFIX:name`` (the prefix defaults to the id)."""
        return f"{prefix or self.id}:{name}"

    def latex(self, timings: bool = False, label: str | None = None) -> str:
        """LaTeX fragment: statement, assumptions, conventions, numbered steps, boxed result.

        Each step names the route that certified it; ``timings`` adds how long it took
        (off by default, so that the same derivation always gives the same text). Each
        boxed result is a numbered equation labelled :meth:`result_label` (``label`` is the
        prefix, by default the id), so the text can refer to it with ``\\eqref``.
        """
        lines = [rf"\paragraph{{Statement.}} {_math_or_text(self.statement)}"]
        for heading, items in (("Assumptions", self.assumptions), ("Conventions", self.conventions)):
            if items:
                lines.append(rf"\paragraph{{{heading}.}}")
                lines.append(r"\begin{itemize}")
                lines.extend(rf"  \item {item}" for item in items)
                lines.append(r"\end{itemize}")
        if self.steps:
            lines.append(r"\paragraph{Derivation.}")
            lines.append(r"\begin{enumerate}")
            for step in self.steps:
                lines.append(rf"  \item \emph{{{_text_with_math(step.rule)}.}} {step.reason}")
                lines.append(rf"  \[ {step.formula_latex()} \]")
                lines.append(rf"  {{\small {_certificate_latex(step.certificate, timings)}}}")
            lines.append(r"\end{enumerate}")
        lines.append(r"\paragraph{Result.}")
        for name in self.result:
            lines.append(labelled(self.result_box(name), self.result_label(name, label)))
        for note in self.notes:
            lines.append(rf"\paragraph{{Note.}} {note}")
        return "\n".join(lines) + "\n"

    def _latex(self, printer: Any = None) -> str:
        return self.latex()

    def _repr_latex_(self) -> str:
        rows = [rf"\text{{{_escape(self.title)}}}"]
        for number, step in enumerate(self.steps, 1):
            rows.append(rf"\text{{{number}. {_text_with_math(step.rule)}:}}\quad {step.formula_latex()}")
        rows.extend(
            self.result_box(name) for name in self.result
        )
        return "$$\\begin{gathered}" + r" \\ ".join(rows) + r"\end{gathered}$$"

    # ------------------------------------------------------------------ text
    def text(self) -> str:
        """The derivation for the terminal: Unicode words and ``sympy.pretty`` formulas."""
        return derivation_text(self)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={sp.sstr(v)}" for k, v in self.parameters.items())
        return f"<Derivation {self.id}({params}): {len(self.steps)} steps, result {list(self.result)}>"


def judges_result(checker: Callable[..., CheckReport]) -> bool:
    """True when ``checker`` takes the derivation's result as its one argument."""
    try:
        parameters = inspect.signature(checker).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


def _certificate_latex(certificate: Certificate, timings: bool) -> str:
    if isinstance(certificate, Citation):
        return rf"cited: {_text_with_math(certificate.theorem)}"
    took = rf" in {certificate.seconds:.3f}\,s" if timings else ""
    return rf"certified by \texttt{{{text_tex(certificate.route)}}}{took}"


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else sp.sstr(value)


_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&", "%": r"\%",
    "#": r"\#", "$": r"\$", "^": r"\^{}", "~": r"\~{}",
}


def _escape(text: str) -> str:
    """Plain text made safe for LaTeX text mode."""
    return "".join(_TEXT_ESCAPES.get(char, char) for char in text)


def _math_or_text(statement: Any) -> str:
    if isinstance(statement, str):
        return statement
    return rf"\[ {to_latex(statement)} \]"


class DerivationBuilder:
    """Collects certified steps and builds a :class:`Derivation`.

    Every ``step`` is proved on the spot by its route; a step that cannot be proved
    raises :class:`~symnn.errors.CertificationError` and no derivation is built.
    """

    def __init__(
        self, id: str, title: str, statement: Any, parameters: dict[str, Any] | None = None
    ) -> None:
        self.id = id
        self.title = title
        self.statement = statement
        self.parameters = dict(parameters or {})
        self._assumptions: list[str] = []
        self._conventions: list[str] = []
        self._notes: list[str] = []
        self._steps: list[Step] = []
        self._start = time.perf_counter()

    def assume(self, text: str) -> None:
        """Add an assumption (LaTeX text)."""
        self._assumptions.append(text)

    def convention(self, text: str) -> None:
        """Add a stated convention (LaTeX text), e.g. relu'(0) = 0."""
        self._conventions.append(text)

    def note(self, text: str) -> None:
        """Add a remark shown after the result."""
        self._notes.append(text)

    def step(
        self,
        rule: str,
        before: Any,
        after: Any,
        *,
        reason: str,
        route: RouteLike,
        given: dict[Any, Any] | None = None,
        tex: Tex | None = None,
    ) -> Any:
        """Certify ``before == after`` by ``route``, record the step, return ``after``.

        ``given`` maps symbols shown in the step to what they stand for (the step is
        certified with them replaced). Relations other than ``=`` go through :meth:`claim`.
        """
        certificate = certify(before, after, route, given=given)
        self._steps.append(Step(rule, reason, before, after, certificate, "=", tex))
        return after

    def claim(
        self,
        rule: str,
        fact: Any,
        proof: Callable[[], Any],
        *,
        reason: str,
        route: str,
        before: Any = None,
        relation: str = "=",
        tex: Tex | None = None,
    ) -> Any:
        """Record a fact established by ``proof()`` returning SymPy ``true``."""
        certificate = certify_claim(proof, route)
        self._steps.append(Step(rule, reason, before, fact, certificate, relation, tex))
        return fact

    def cite(
        self,
        rule: str,
        fact: Any,
        *,
        theorem: str,
        reason: str,
        relation: str = "=",
        before: Any = None,
        tex: Tex | None = None,
    ) -> Any:
        """Record a fact that rests on the cited ``theorem`` (typeset ``cited: theorem``).

        Use it only where no decision route applies (an existence theorem, say); the
        step is listed by :attr:`Derivation.citations` and in ``docs/core.md``.
        """
        self._steps.append(Step(rule, reason, before, fact, Citation("cited", 0.0, theorem),
                                relation, tex))
        return fact

    def define(self, rule: str, lhs: Any, rhs: Any, *, reason: str, tex: Tex | None = None) -> Any:
        """Record a definition ``lhs := rhs`` (nothing to prove; route ``definition``)."""
        self._steps.append(Step(rule, reason, lhs, rhs, Certificate("definition", 0.0), "=", tex))
        return rhs

    def build(
        self,
        result: dict[str, Any],
        checker: Callable[..., CheckReport] | None = None,
        display: dict[str, str] | None = None,
    ) -> Derivation:
        """The finished :class:`Derivation`."""
        return Derivation(
            id=self.id,
            title=self.title,
            statement=self.statement,
            parameters=self.parameters,
            assumptions=tuple(self._assumptions),
            conventions=tuple(self._conventions),
            steps=tuple(self._steps),
            result=dict(result),
            notes=tuple(self._notes),
            display=dict(display or {}),
            checker=checker,
            seconds=time.perf_counter() - self._start,
        )


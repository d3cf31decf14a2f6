"""Words of the derivations for a reader: ASCII stand-ins typeset as math, pretty terminal forms.

Step rules, titles and captions are written in plain words with a few ASCII stand-ins
(``C -> +oo``, ``b != 0``, ``eta``). :func:`text_tex` escapes such words for LaTeX text
mode and sets each stand-in as the math it stands for, so a write-up shows
:math:`C \\to +\\infty`, never an arrow drawn from a hyphen and a "greater than":

==============================  ====================================================
stand-in                        typeset
==============================  ====================================================
``->``, ``<-``, ``<->``         ``\\to``, ``\\leftarrow``, ``\\leftrightarrow``
``!=``, ``<=``, ``>=``          ``\\ne``, ``\\le``, ``\\ge``
``oo``, ``+oo``, ``-oo``,       ``\\infty`` with its sign (``\\pm``)
``+-oo``
``||Xw - Y||``, ``||w||^2``     ``\\lVert Xw - Y \\rVert`` (and its power)
Greek letters as whole words    the letter (``eta`` -> ``\\eta``; ``sigma'`` keeps its prime)
==============================  ====================================================

>>> text_tex("limits of the terms, C -> +oo")
'limits of the terms, C $\\\\to$ $+\\\\infty$'
>>> text_tex("the affine map is not linear when b != 0; eta_max")
'the affine map is not linear when b $\\\\ne$ 0; eta\\\\_max'

:func:`pretty` prints a SymPy object in Unicode for the terminal (``sympy.pretty``), and
:func:`pretty_relation` a step ``before <relation> after`` with both sides on one baseline.
:func:`tex_words` turns the LaTeX text of statements, assumptions and conventions into
Unicode words for the terminal (``$\\mathbb{R}^d$`` -> ``ℝ^d``); it reads the common
notation of the write-ups and leaves anything else as the name of its command.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "xi",
          "pi", "sigma", "tau", "phi", "chi", "psi", "omega")
_SYMBOLS = {
    "<->": r"\leftrightarrow", "->": r"\to", "<-": r"\leftarrow", "!=": r"\ne", "<=": r"\le",
    ">=": r"\ge", "+-oo": r"\pm\infty", "+oo": r"+\infty", "-oo": r"-\infty", "oo": r"\infty",
}  # fmt: skip
_STAND_IN = re.compile(
    r"\|\|[^|$]+\|\|(?:\^\d)?|(?<![\w])(?:\+-oo|\+oo|-oo|oo)(?![\w])|<->|->|<-|!=|<=|>="
    r"|(?<![A-Za-z_\\])(?:" + "|".join(_GREEK) + r")(?![A-Za-z0-9_])"
)
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&", "%": r"\%",
    "#": r"\#", "$": r"\$", "^": r"\^{}", "~": r"\~{}",
}  # fmt: skip


def escape(text: str) -> str:
    """Plain text made safe for LaTeX text mode (T1 encoding: ``<``, ``>``, ``|`` as they are)."""
    return "".join(_TEXT_ESCAPES.get(char, char) for char in text)


def stand_in_tex(token: str) -> str:
    """The LaTeX math of one ASCII stand-in (``"->"`` -> ``"\\to"``, ``"eta"`` -> ``"\\eta"``)."""
    norm = re.fullmatch(r"\|\|([^|$]+)\|\|(\^\d)?", token)
    if norm:
        return rf"\lVert {norm.group(1)} \rVert" + (norm.group(2) or "")
    return _SYMBOLS.get(token) or "\\" + token


def text_tex(text: str) -> str:
    """Plain words as LaTeX text, each ASCII stand-in set as math (see the module table)."""
    out, position = [], 0
    for match in _STAND_IN.finditer(text):
        out.append(escape(text[position:match.start()]))
        out.append(f"${stand_in_tex(match.group(0))}$")
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def text_with_math(text: str) -> str:
    """Words whose ``$...$`` pieces are math already: those kept, the rest through :func:`text_tex`.

    >>> print(text_with_math("substitute $p_i$ for x_i -> 0"))
    substitute $p_i$ for x\\_i $\\to$ 0
    """
    pieces = text.split("$")
    if len(pieces) % 2 == 0:  # an unmatched $: treat everything as words
        return text_tex(text)
    return "".join(f"${piece}$" if index % 2 else text_tex(piece) for index, piece in enumerate(pieces))


#: Relations of :class:`~symnn.core.derivation.Step` as the terminal shows them.
UNICODE_RELATIONS = {"=": "=", "<=": "≤", ">=": "≥", "<": "<", ">": ">", "iff": "⟺",
                     "implies": "⟹", "->": "→"}
_TEX_SYMBOLS = {
    "in": "∈", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "to": "→",
    "infty": "∞", "cdot": "·", "times": "×", "dots": "…", "ldots": "…", "cdots": "⋯", "pm": "±",
    "lVert": "‖", "rVert": "‖", "sum": "Σ", "prod": "Π", "partial": "∂", "nabla": "∇", "iff": "⟺",
    "implies": "⟹", "mapsto": "↦", "approx": "≈", "sim": "∼", "forall": "∀", "exists": "∃",
    "subseteq": "⊆", "circ": "∘", "mid": "|", "quad": " ", "qquad": "  ", "colon": ":", "emptyset": "∅",
    "langle": "⟨", "rangle": "⟩", "ell": "ℓ", "lim": "lim", "log": "log", "exp": "exp", "max": "max",
    "min": "min", "arg": "arg", "tanh": "tanh", "sup": "sup", "Pr": "Pr", "top": "ᵀ",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "xi": "ξ", "pi": "π", "sigma": "σ",
    "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Delta": "Δ",
    "Sigma": "Σ", "Phi": "Φ", "Omega": "Ω", "Gamma": "Γ", "Lambda": "Λ",
}  # fmt: skip
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "E": "𝔼", "1": "𝟙"}
_SUPERSCRIPTS = str.maketrans("0123456789+-()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿ")


def tex_words(text: str) -> str:
    """LaTeX text (with ``$...$`` math) as Unicode words for the terminal.

    >>> tex_words(r"$z \\in \\mathbb{R}^d$, $d \\ge 2$; $\\operatorname{ReLU}'(0) = 0$, $\\frac{1}{2}$")
    "z ∈ ℝᵈ, d ≥ 2; ReLU'(0) = 0, 1/2"
    """
    text = text.replace("$", "").replace(r"\,", " ").replace(r"\ ", " ").replace("~", " ")
    text = re.sub(r"\\(?:left|right|big|Big|bigl|bigr|Bigl|Bigr|displaystyle|mathopen|mathclose)(?![A-Za-z])",
                  "", text)
    text = re.sub(r"\\mathbb\{(\w)\}", lambda m: _BLACKBOARD.get(m.group(1), m.group(1)), text)
    for _ in range(3):  # nested fractions
        text = re.sub(r"\\[td]?frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: _over(m.group(1), m.group(2)), text)
    text = re.sub(r"\\(?:text|textrm|mathrm|operatorname|mathbf|mathcal|emph|textit|texttt|mbox)\{([^{}]*)\}",
                  r"\1", text)
    text = re.sub(r"\\sqrt\{([^{}]*)\}", r"√(\1)", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _TEX_SYMBOLS.get(m.group(1), m.group(1)), text)
    text = re.sub(r"\^\{?([0-9n+\-()]+)\}?(?![\w])", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    text = re.sub(r"\^d(?![\w])", "ᵈ", text)
    text = re.sub(r"\\([{}_&%#$])", r"\1", text)
    return re.sub(r"(?<!\\)[{}]", "", text)


def _over(numerator: str, denominator: str) -> str:
    wrap = [f"({part})" if re.search(r"[+\-\s]", part.strip()) else part.strip()
            for part in (numerator, denominator)]
    return f"{wrap[0]}/{wrap[1]}"


def pretty_relation(before: Any, relation: str, after: Any) -> str:
    """``before <relation> after`` in Unicode, both sides set on one baseline.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> print(pretty_relation(x**2, "<=", 1))
     2
    x  ≤ 1
    """
    from sympy.printing.pretty.pretty import PrettyPrinter
    from sympy.printing.pretty.stringpict import prettyForm, stringPict

    printer = PrettyPrinter({"use_unicode": True, "wrap_line": False})
    sides = [printer._print(_readable(side)) if not isinstance(side, str) else prettyForm(tex_words(side))
             for side in (before, after)]
    symbol = f" {UNICODE_RELATIONS.get(relation, relation)} "
    picture = prettyForm(*stringPict.next(sides[0], symbol, sides[1])).render(wrap_line=False)
    return "\n".join(line.rstrip() for line in picture.splitlines())


def _indented(block: str, prefix: str) -> list[str]:
    return [prefix + line for line in block.splitlines()]


def derivation_text(derivation: Any) -> str:
    """A derivation for the terminal: its words in Unicode, its formulas as ``sympy.pretty`` draws them."""
    params = ", ".join(f"{k}={_parameter(v)}" for k, v in derivation.parameters.items())
    lines = [f"{derivation.id}: {derivation.title}" + (f"  ({params})" if params else "")]
    lines.append("Statement:")
    lines.extend(_indented(pretty(derivation.statement), "   "))
    lines.extend(f"Assume: {tex_words(a)}" for a in derivation.assumptions)
    lines.extend(f"Convention: {tex_words(c)}" for c in derivation.conventions)
    for number, step in enumerate(derivation.steps, 1):
        lines.append(f"{number}. {tex_words(step.rule)} [{step.certificate.describe()}]")
        formula = pretty(step.after) if step.before is None else pretty_relation(
            step.before, step.relation, step.after)
        lines.extend(_indented(formula, "   "))
    lines.append("Result:")
    for name, value in derivation.result.items():
        lines.extend(_indented(pretty_relation(name, "=", value), "   "))
    lines.extend(f"Note: {tex_words(note)}" for note in derivation.notes)
    return "\n".join(lines)


def pretty(value: Any) -> str:
    """A SymPy object in Unicode for the terminal (``sympy.pretty``); LaTeX text as words.

    >>> print(pretty(sp.Matrix([[1, 2]])))
    [1  2]
    """
    if isinstance(value, str):
        return tex_words(value)
    return sp.pretty(_readable(value), use_unicode=True, wrap_line=False)


def _readable(value: Any) -> Any:
    """``value`` with symbols named in TeX (``\\varphi``) renamed in Unicode words (``φ``)."""
    symbols = getattr(value, "free_symbols", set())
    named = {s: sp.Symbol(tex_words(s.name)) for s in symbols if isinstance(s, sp.Symbol) and "\\" in s.name}
    return value.xreplace(named) if named else value


def _parameter(value: Any) -> str:
    """A parameter for the heading line: a matrix as its rows, anything else as SymPy writes it."""
    return sp.sstr(value.tolist()) if isinstance(value, sp.MatrixBase) else sp.sstr(value)

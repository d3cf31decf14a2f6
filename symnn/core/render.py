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
strings as they are.
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


def pretty(value: Any) -> str:
    """A SymPy object in Unicode for the terminal (``sympy.pretty``); a string as it is.

    >>> print(pretty(sp.Matrix([[1, 2]])))
    [1  2]
    """
    if isinstance(value, str):
        return value
    return sp.pretty(value, use_unicode=True, wrap_line=False)

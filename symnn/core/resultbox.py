"""Boxed results: what ``Derivation.result[name]`` holds, named for a reader, numbers readable.

:func:`result_box` is the one place a result is typeset. Its rules:

* the name is read from the key (:func:`symnn.core.resultnames.result_title`) and set as
  ``name = value`` (:math:`\\eta_{\\max} = 1/5`), or ``words: yes`` for a truth value;
* the value is the Python object itself; a float is rounded to :data:`BOX_DIGITS`
  significant digits and the relation becomes ``\\approx``; ``True``/``False`` read
  "yes"/"no";
* a display form given by the derivation is shown first. When it is written in other
  symbols than the object (the Jacobian of softmax in :math:`y`, the object in :math:`z`),
  the object follows it, so the box always shows what the Python object holds (one too
  long to print is described: its shape and symbols, :func:`described`);
* a long value whose entries repeat one sum is abbreviated: the sum is named :math:`S`
  and defined after the value (``where S = ...``), see :func:`abbreviated`.

>>> print(result_box("eta_max", sp.Rational(1, 5)))
\\boxed{\\eta_{\\max} = \\frac{1}{5}}
>>> print(result_box("finite_maximizer", False))
\\boxed{\\text{finite maximizer: } \\text{no}}
>>> print(result_box("x", sp.Float("0.806730442444250460732719846312", 30)))
\\boxed{x \\approx 0.80673}
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sympy as sp
from sympy.logic.boolalg import BooleanAtom

from symnn.core.latex import to_latex
from symnn.core.resultnames import is_words, result_title

#: Significant digits of a floating-point number in a boxed result.
BOX_DIGITS = 6
#: A value whose LaTeX is longer than this is abbreviated (:func:`abbreviated`).
ABBREVIATE_FROM = 300
#: The object is shown after a display in other symbols only if its LaTeX is at most this long.
SHOWN_UP_TO = 600
_TRUTH = {True: r"\text{yes}", False: r"\text{no}"}


def rounded(value: Any) -> tuple[Any, bool]:
    """``value`` with every float rounded to :data:`BOX_DIGITS` significant digits, and whether any was.

    >>> rounded(sp.Matrix([sp.Float("1.31244451379210654098192747706", 30), sp.Rational(1, 3)]))
    (Matrix([
    [1.31244],
    [    1/3]]), True)
    """
    floats = getattr(value, "atoms", lambda *_: set())(sp.Float)
    long = {f: sp.Float(f, BOX_DIGITS) for f in floats if len(_digits(f)) > BOX_DIGITS}
    return (value.xreplace(long), True) if long else (value, False)


def _digits(number: sp.Float) -> str:
    """The significant digits a float prints with (``0.500000`` -> ``5``)."""
    return sp.sstr(number).lower().split("e")[0].lstrip("-").replace(".", "").strip("0")


def abbreviated(value: Any) -> tuple[Any, dict[sp.Symbol, Any]]:
    """``value`` with its most repeated sum named ``S`` (if that shortens a long value), and the naming.

    >>> z = sp.symbols("z1:4")
    >>> total = sum(sp.exp(v) for v in z)
    >>> short, named = abbreviated(sp.Matrix(3, 3, lambda i, j: sp.exp(z[i] + z[j]) / total**2))
    >>> named
    {S: exp(z1) + exp(z2) + exp(z3)}
    >>> short[0, 1]
    exp(z1 + z2)/S**2
    """
    if not isinstance(value, (sp.Basic, sp.MatrixBase)) or len(to_latex(value)) <= ABBREVIATE_FROM:
        return value, {}
    tree = sp.ImmutableMatrix(value) if isinstance(value, sp.MatrixBase) else value
    counts = Counter(node for node in sp.preorder_traversal(tree) if isinstance(node, sp.Add)
                     and len(node.args) > 2 and not node.free_symbols.isdisjoint(value.free_symbols))
    repeated = [(count * len(to_latex(node)), node) for node, count in counts.items() if count > 1]
    if not repeated:
        return value, {}
    _, total = max(repeated, key=lambda pair: (pair[0], sp.default_sort_key(pair[1])))
    taken = {str(s) for s in value.free_symbols}
    name = next(n for n in ("S", "S_0", "S_1", "T") if n not in taken)
    symbol = sp.Symbol(name, positive=total.is_positive)
    return value.xreplace({total: symbol}), {symbol: total}


def value_latex(value: Any) -> tuple[str, bool]:
    """The LaTeX of a result's value (floats rounded, a long repeated sum named) and whether it is rounded."""
    if isinstance(value, (bool, BooleanAtom)):
        return _TRUTH[bool(value)], False
    if value is None:
        return r"\text{none}", False
    shown, approximate = rounded(value)
    short, named = abbreviated(shown)
    tex = to_latex(short)
    for symbol, total in named.items():
        # the definition braced: one unit, which a line break never cuts
        tex += rf",\quad \text{{where }} {{{to_latex(symbol)} = {to_latex(total)}}}"
    return tex, approximate


def other_symbols(display: str, value: Any) -> bool:
    """True when the object has a free symbol that ``display`` does not write (a form in other symbols).

    >>> y, z = sp.symbols("y z")
    >>> other_symbols("y (1 - y)", z * (1 - z)), other_symbols(r"z\\,(1 - z)", z * (1 - z))
    (True, False)
    """
    written = display.replace(" ", "").replace(r"\,", "")
    symbols = getattr(value, "free_symbols", set())
    return any(to_latex(symbol).replace(" ", "") not in written for symbol in symbols)


def described(value: Any) -> str:
    """Words saying what a value too long to print is (a display in other symbols stands before it).

    >>> z = sp.symbols("z1:6")
    >>> print(described(sp.Matrix(5, 5, lambda i, j: z[i] * z[j])))
    {\\text{held as a } 5 \\times 5 \\text{ matrix in } z_{1}, z_{2}, \\ldots, z_{5}}
    """
    symbols = sorted(getattr(value, "free_symbols", set()), key=sp.default_sort_key)
    names = [to_latex(symbol) for symbol in symbols]
    listed = ", ".join(names) if len(names) <= 3 else rf"{names[0]}, {names[1]}, \ldots, {names[-1]}"
    kind = (rf"\text{{held as a }} {value.rows} \times {value.cols} \text{{ matrix in }}"
            if isinstance(value, sp.MatrixBase) else r"\text{held as an expression in}")
    return f"{{{kind} {listed}}}"  # braced: one unit, which a line break never cuts


def result_box(name: str, value: Any, display: str | None = None) -> str:
    """The boxed result ``name`` (see the module's rules), math-mode LaTeX."""
    title = result_title(name)
    tex, approximate = value_latex(value)
    relation = r"\approx" if approximate else "="
    if display:
        if not other_symbols(display, value):
            tex, relation = display, "="
        elif len(tex) <= SHOWN_UP_TO:
            tex, relation = rf"{display} {relation} {tex}", "="
        else:
            tex, relation = rf"{display},\quad {described(value)}", "="
    if is_words(title) and tex in _TRUTH.values():
        return rf"\boxed{{{title[:-1]}: }} {tex}}}"
    return rf"\boxed{{{title} {relation} {tex}}}"


def labelled(box: str, label: str) -> str:
    """A boxed result as a one-line numbered equation carrying ``\\label{label}``.

    >>> labelled(r"\\boxed{x = 1}", "demo:x")
    '\\\\begin{equation} \\\\boxed{x = 1} \\\\label{demo:x} \\\\end{equation}'
    """
    return rf"\begin{{equation}} {box} \label{{{label}}} \end{{equation}}"

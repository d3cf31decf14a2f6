"""Math-mode LaTeX of the write-ups as presentation MathML, for the HTML edition.

The derivations typeset themselves with ``sympy.latex`` and the project's printer
(:mod:`symnn.core.latex`); this module turns that same LaTeX into MathML with
latex2mathml, so the web page and the PDF show one typesetting. Each formula keeps its
LaTeX source in an ``<annotation encoding="application/x-tex">`` (copy and paste, search),
the only place raw TeX may appear. A few things are done around latex2mathml:

* ``\\text{...}`` is converted here: its LaTeX escapes (``\\_``, ``\\&``, ``\\textbackslash{}``
  ...) become plain characters and the result is escaped for XML;
* ``\\mathopen{}``/``\\mathclose{}`` (spacing hints of the printer) are dropped, and
  ``\\arg`` becomes ``\\operatorname{arg}``;
* an ``aligned`` block becomes a table of rows, aligned at its ``&``;
* a control sequence latex2mathml does not know would come out as its raw name: the
  formula then becomes an ``<merror>`` naming it, which the tests refuse.

>>> "<msup><mi>x</mi><mn>2</mn></msup><mo>&#x0003C;</mo>" in inline("x^2 < 1")
True
>>> "<merror>" in inline(r"\\nosuchmacro{x}")
True
>>> "eta_max" in display(r"\\boxed{\\text{eta\\_max} = 1}")
True
"""

from __future__ import annotations

import html
import re

from symnn.report.texwidth import group_end

#: Text-mode escapes of the write-ups and the characters they stand for.
TEXT_ESCAPES = {
    r"\textbackslash{}": "\\", r"\^{}": "^", r"\~{}": "~", r"\textbar{}": "|", r"\_": "_",
    r"\&": "&", r"\%": "%", r"\#": "#", r"\$": "$", r"\{": "{", r"\}": "}", r"\,": "\u2009",
    r"\allowbreak{}": "", "$<$": "<", "$>$": ">", "~": "\u00a0", "---": "\u2014", "--": "\u2013",
    "``": "\u201c", "''": "\u201d",
}  # fmt: skip
_TEXT_ESCAPE = re.compile("|".join(re.escape(key) for key in sorted(TEXT_ESCAPES, key=len, reverse=True)))
_RAW_TEX = re.compile(r">[^<]*\\[A-Za-z]+[^<]*<")
_DROPPED = re.compile(r"\\math(open|close)\{\}")
#: Operators latex2mathml does not know, as the ``\operatorname`` it does know.
_OPERATORS = re.compile(r"\\(arg)(?![A-Za-z])")


def plain_text(tex: str) -> str:
    """Text-mode LaTeX without commands, its escapes resolved (not yet escaped for HTML).

    >>> plain_text(r"eta\\_max \\& 50\\%")
    'eta_max & 50%'
    """
    return _TEXT_ESCAPE.sub(lambda match: TEXT_ESCAPES[match.group(0)], tex)


def _take_texts(tex: str) -> tuple[str, list[str]]:
    """``tex`` with every ``\\text{...}`` replaced by a placeholder, and the texts in order."""
    texts: list[str] = []
    out, position = [], 0
    for match in re.finditer(r"\\(?:text|textrm|mbox)\{", tex):
        if match.start() < position:
            continue
        end = group_end(tex, match.end() - 1, strict=True)
        out.append(tex[position:match.start()])
        out.append(rf"\text{{symnntext{len(texts)}q}}")
        text = plain_text(tex[match.end():end - 1])  # its outer spaces kept: MathML would drop them
        texts.append(re.sub(r"^ +| +$", lambda space: "\u00a0" * len(space.group(0)), text))
        position = end
    out.append(tex[position:])
    return "".join(out), texts


def _aligned(tex: str) -> str:
    """``aligned`` blocks as arrays of two columns (right, left), which latex2mathml knows."""
    def rows(match: re.Match[str]) -> str:
        lines = [line.split("&", 1) if "&" in line else ["", line] for line in match.group(1).split(r"\\")]
        return r"\begin{array}{rl}" + r" \\ ".join(f"{a} & {{}} {b}" for a, b in lines) + r"\end{array}"

    return re.sub(r"\\begin\{aligned\}(.*?)\\end\{aligned\}", rows, tex, flags=re.DOTALL)


def mathml(tex: str, block: bool = False) -> str:
    """One formula as a ``<math>`` element (``block``: a display), its source annotated."""
    from latex2mathml.converter import convert

    source = tex.strip()
    prepared = _OPERATORS.sub(r"\\operatorname{\1}", _DROPPED.sub("", source))
    prepared, texts = _take_texts(_aligned(prepared))
    try:
        body = convert(prepared, display="block" if block else "inline")
    except Exception as error:  # latex2mathml raises plain exceptions of many kinds
        return _error(source, f"{type(error).__name__}: {error}", block)
    for index, text in enumerate(texts):
        body = body.replace(f">symnntext{index}q<", f">{html.escape(text, quote=False)}<")
    unknown = _RAW_TEX.search(body)
    if unknown:
        return _error(source, f"no MathML for {unknown.group(0)[1:-1].strip()}", block)
    head, inner = body.split(">", 1)
    inner = inner.rsplit("</math>", 1)[0]
    annotation = f'<annotation encoding="application/x-tex">{html.escape(source, quote=False)}</annotation>'
    return f"{head}><semantics>{inner}{annotation}</semantics></math>"


def _error(source: str, why: str, block: bool) -> str:
    mode = "block" if block else "inline"
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{mode}"><merror><mtext>'
            f"{html.escape(why, quote=False)}</mtext></merror></math>")


def inline(tex: str) -> str:
    """An inline formula (``$...$``) as MathML."""
    return mathml(tex, block=False)


def display(tex: str) -> str:
    """A displayed formula (``\\[...\\]``) as MathML."""
    return mathml(tex, block=True)

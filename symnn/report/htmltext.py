"""The text-mode LaTeX of the write-ups as HTML, its math as MathML.

The HTML edition shows the very text the PDF typesets: the sheet bodies that
:class:`~symnn.report.document.Writer` assembles (statements, written answers, derivations,
cross-checks, experiment tables, simulator code). That text uses a small part of LaTeX,
and :class:`TextToHtml` knows exactly that part:

* headings ``\\part*``, ``\\section*``, ``\\subsection*`` (with anchors) and ``\\paragraph``;
* ``\\addcontentsline`` dropped (the page lists its headings itself);
* ``\\emph``, ``\\textbf``, ``\\texttt``, size changes (dropped), the escapes of
  :mod:`symnn.report.texutil`, comments, blank lines between paragraphs;
* ``$...$`` and ``\\[...\\]`` through :mod:`symnn.report.mathml`; a labelled ``equation``
  (a boxed result) gets its number and an anchor (:func:`equation_id`), and a display
  ``\\tag{\\ref{...}}`` that repeats it the same number, linked back;
* the environments ``itemize``, ``enumerate``, ``center``, ``tabular`` and ``tikzpicture``
  (handed to the ``picture`` callback), ``\\includegraphics`` (to ``image``), and the
  fitting wrappers ``\\fitpicture``/``\\fitline``, which a browser does not need.

Anything else is a :class:`~symnn.errors.ReportError` naming the command, so the web
page never shows LaTeX source by accident.

>>> print(TextToHtml().convert(r"\\paragraph{Result.} $x^2$ is \\emph{even}."))  # doctest: +ELLIPSIS
<p><strong>Result.</strong> <math ...>...</math> is <em>even</em>.</p>
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from symnn.errors import ReportError
from symnn.report.mathml import TEXT_ESCAPES, display, inline
from symnn.report.texfit import fitted
from symnn.report.texwidth import group_end

#: Width (pt) at which a boxed result is broken before a relation, as in the PDF: the column
#: of the page (48rem) less the number; a narrower window scrolls the box.
RESULT_WIDTH = 520.0
_COMMAND = re.compile(r"\\([A-Za-z]+\*?|.)")
_HEADINGS = {"part*": "h2", "section*": "h3", "subsection*": "h4"}
_WRAPPERS = {"emph": "em", "textit": "em", "textbf": "strong", "texttt": "code"}
_TRANSPARENT = {"fitpicture", "fitline", "fittagged"}
_IGNORED = {"small", "scriptsize", "footnotesize", "normalsize", "centering", "figurefollows",
            "nopagebreak", "noindent", "hline", "maketitle", "allowbreak"}
_LISTS = {"itemize": "ul", "enumerate": "ol"}
_CHARACTERS = {"textbar": "|", "textbackslash": "\\", "quad": "\u2003", "ldots": "\u2026", "dots": "\u2026"}


def matching(tex: str, start: int, open: str = "{", close: str = "}") -> int:
    """The index of the bracket closing the one at ``tex[start]`` (escaped ones skipped)."""
    return group_end(tex, start, open, close, strict=True) - 1


def slug(text: str) -> str:
    """An anchor name from a heading's text: lower case, words joined by hyphens.

    >>> slug("Exercise 6.3(b): ReLU against sigmoid")
    'exercise-6-3-b-relu-against-sigmoid'
    """
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "section"


@dataclass
class TextToHtml:
    """Converts write-up LaTeX to HTML; ``headings`` collects ``(level, anchor, html)``.

    ``picture(tikz)`` returns the HTML of a TikZ picture, ``image(path)`` the ``src`` of a
    graphic; by default the picture is refused and the path kept.
    """

    picture: Callable[[str], str] | None = None
    image: Callable[[str], str] = lambda path: path
    headings: list[tuple[str, str, str]] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    _out: list[str] = field(default_factory=list)
    _para: list[str] = field(default_factory=list)
    _lists: list[bool] = field(default_factory=list)

    def convert(self, tex: str) -> str:
        """The HTML of a piece of write-up text (blocks: paragraphs, lists, displays)."""
        self._out, self._para, self._lists = [], [], []
        self._run(tex)
        self._flush()
        return "\n".join(self._out)

    def inline(self, tex: str) -> str:
        """The HTML of a piece of text that holds no blocks (a heading, a table cell)."""
        saved, self._para = self._para, []
        self._run(tex)
        text, self._para = "".join(self._para).strip(), saved
        return text

    # ----------------------------------------------------------------- blocks
    def _flush(self) -> None:
        text = re.sub(r"\s{2,}", " ", "".join(self._para).strip())
        if text:
            self._out.append(f"<p>{text}</p>")
        self._para = []

    def _block(self, html_text: str) -> None:
        self._flush()
        self._out.append(html_text)

    def _run(self, tex: str) -> None:
        index = 0
        while index < len(tex):
            index = self._token(tex, index)

    def _token(self, tex: str, index: int) -> int:
        char = tex[index]
        if char == "%":
            end = tex.find("\n", index)
            return len(tex) if end < 0 else end + 1
        if char == "\n":
            blank = re.match(r"\n[ \t]*\n\s*", tex[index:])
            if blank:
                self._flush()
                return index + blank.end()
            self._para.append(" ")
            return index + 1
        if char == "$":
            end = _dollar(tex, index + 1)
            self._para.append(inline(tex[index + 1:end]))
            return end + 1
        if char == "{":
            end = matching(tex, index)
            self._run(tex[index + 1:end])
            return end + 1
        if char == "}":
            return index + 1
        if char == "\\":
            return self._command(tex, index)
        for key in ("---", "--", "``", "''", "~"):
            if tex.startswith(key, index):
                self._para.append(TEXT_ESCAPES[key])
                return index + len(key)
        self._para.append(html.escape(char, quote=False))
        return index + 1

    def _command(self, tex: str, index: int) -> int:
        if tex.startswith(r"\[", index):
            end = tex.find(r"\]", index)
            if end < 0:
                raise ReportError(rf"html: unclosed \[ in {tex[index:index + 60]!r}")
            formula = tex[index + 2:end]
            tag = re.search(r"\\tag\{\\ref\{([^{}]*)\}\}", formula)
            if tag:
                formula = formula[:tag.start()] + formula[tag.end():]
                number = self._number(tag.group(1))
                self._block(f'<div class="display numbered"><div class="formula">{display(formula)}</div>'
                            f'<a class="eqno" href="#{equation_id(tag.group(1))}">({number})</a></div>')
            else:
                self._block(f'<div class="display">{display(formula)}</div>')
            return end + 2
        match = _COMMAND.match(tex, index)
        assert match is not None
        name, after = match.group(1), match.end()
        if after < len(tex) and tex.startswith("{}", after):
            after += 2
        escaped = "\\" + name if not name.isalpha() else rf"\{name}{{}}"
        if name == "\\":
            self._para.append("<br>")
            return after
        if len(name) == 1 and not name.isalpha():
            self._para.append(html.escape(TEXT_ESCAPES.get("\\" + name, name) if name != " " else " "))
            return after
        if escaped in TEXT_ESCAPES or name in _CHARACTERS:
            self._para.append(TEXT_ESCAPES[escaped] if escaped in TEXT_ESCAPES else _CHARACTERS[name])
            return after
        if name in _IGNORED:
            return after
        if name == "addcontentsline":  # the page has its own contents, from the headings
            for _ in range(3):
                after = matching(tex, after) + 1
            return after
        if name in ("par", "clearpage"):
            self._flush()
            return after
        if name == "begin":
            return self._environment(tex, after)
        if name == "end":
            return self._end(tex, after)
        if name == "item":
            self._flush()
            if self._lists and self._lists[-1]:
                self._out.append("</li>")
            self._out.append("<li>")
            self._lists[-1] = True
            return after
        arg_end = matching(tex, after) if tex.startswith("{", after) else -1
        if arg_end < 0 and name not in ("includegraphics",):
            raise ReportError(rf"html: no HTML form for \{name} in {tex[index:index + 60]!r}")
        if name in _TRANSPARENT:
            self._run(tex[after + 1:arg_end])
        elif name in _WRAPPERS:
            tag = _WRAPPERS[name]
            self._para.append(f"<{tag}>{self.inline(tex[after + 1:arg_end])}</{tag}>")
        elif name in _HEADINGS:
            text = self.inline(tex[after + 1:arg_end])
            anchor = self._anchor(html.unescape(re.sub("<[^>]*>", "", text)))
            self.headings.append((_HEADINGS[name], anchor, text))
            self._block(f'<{_HEADINGS[name]} id="{anchor}">{text}</{_HEADINGS[name]}>')
        elif name == "paragraph":
            self._flush()
            self._para.append(f"<strong>{self.inline(tex[after + 1:arg_end])}</strong> ")
        elif name == "includegraphics":
            return self._graphic(tex, after)
        else:
            raise ReportError(rf"html: no HTML form for \{name} in {tex[index:index + 60]!r}")
        return arg_end + 1

    def _anchor(self, text: str) -> str:
        taken = {anchor for _, anchor, _ in self.headings}
        anchor, number = slug(text), 2
        while anchor in taken:
            anchor, number = f"{slug(text)}-{number}", number + 1
        return anchor

    def _graphic(self, tex: str, after: int) -> int:
        if tex.startswith("[", after):
            after = matching(tex, after, "[", "]") + 1
        end = matching(tex, after)
        path = tex[after + 1:end]
        name = html.escape(path.rsplit("/", 1)[-1])
        self._para.append(f'<img src="{html.escape(self.image(path))}" alt="{name}">')
        return end + 1

    # ----------------------------------------------------------- environments
    def _environment(self, tex: str, after: int) -> int:
        end = matching(tex, after)
        name = tex[after + 1:end]
        if name in _LISTS:
            self._block(f"<{_LISTS[name]}>")
            self._lists.append(False)
            return end + 1
        if name == "center":
            self._block('<div class="center">')
            return end + 1
        close = rf"\end{{{name}}}"
        stop = tex.find(close, end)
        if stop < 0:
            raise ReportError(f"html: unclosed environment {name}")
        body = tex[end + 1:stop]
        if name == "tikzpicture":
            if self.picture is None:
                raise ReportError("html: a TikZ picture, and no way to draw it was given")
            self._para.append(self.picture(rf"\begin{{tikzpicture}}{body}{close}"))
        elif name == "equation":
            self._equation(body)
        elif name == "tabular":
            self._block(self._table(body[matching(body, 0) + 1:] if body.startswith("{") else body))
        else:
            raise ReportError(f"html: no HTML form for the environment {name}")
        return stop + len(close)

    def _equation(self, body: str) -> None:
        """A numbered display: its number counted here, its ``\\label`` the anchor of the box;
        a box wider than :data:`RESULT_WIDTH` is broken before a relation (one form per line)."""
        label = re.search(r"\\label\{([^{}]*)\}", body)
        if label is None:
            raise ReportError(f"html: an equation without a label: {body[:60]!r}")
        if label.group(1) in self.numbers:
            raise ReportError(f"html: the label {label.group(1)} is defined twice")
        number = self.numbers[label.group(1)] = len(self.numbers) + 1
        formula = fitted(body[:label.start()] + body[label.end():], budget=RESULT_WIDTH)
        self._block(f'<div class="display numbered" id="{equation_id(label.group(1))}"><div class="formula">'
                    f'{display(formula)}</div><span class="eqno">({number})</span></div>')

    def _number(self, label: str) -> int:
        if label not in self.numbers:
            raise ReportError(f"html: a reference to {label}, which no equation above defines")
        return self.numbers[label]

    def _end(self, tex: str, after: int) -> int:
        end = matching(tex, after)
        name = tex[after + 1:end]
        self._flush()
        if name in _LISTS:
            if self._lists.pop():
                self._out.append("</li>")
            self._out.append(f"</{_LISTS[name]}>")
        elif name == "center":
            self._out.append("</div>")
        else:
            raise ReportError(f"html: \\end{{{name}}} without its \\begin")
        return end + 1

    def _table(self, body: str) -> str:
        rows = [row.replace(r"\hline", "").strip() for row in re.split(r"\\\\", body)]
        cells = [[self.inline(cell.strip()) for cell in re.split(r"(?<!\\)&", row)] for row in rows if row]
        if not cells:
            return ""
        head = "".join(f"<th>{cell}</th>" for cell in cells[0])
        rest = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in cells[1:])
        return f'<table><thead><tr>{head}</tr></thead><tbody>{rest}</tbody></table>'


def equation_id(label: str) -> str:
    """The HTML id of the equation labelled ``label`` (``SHEET:ID:key`` -> ``eq-SHEET-ID-key``).

    >>> equation_id("seminar-1:softmax-limit:plus_infinity")
    'eq-seminar-1-softmax-limit-plus_infinity'
    """
    return "eq-" + re.sub(r"[^A-Za-z0-9_-]", "-", label)


def _dollar(tex: str, start: int) -> int:
    """The index of the ``$`` closing the inline formula that starts at ``start``."""
    index = start
    while index < len(tex):
        if tex[index] == "\\":
            index += 2
            continue
        if tex[index] == "$":
            return index
        index += 1
    raise ReportError(f"html: unclosed $ in {tex[start - 1:start + 60]!r}")

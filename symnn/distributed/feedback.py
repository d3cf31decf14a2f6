"""Each student's feedback: ``feedback/STUDENT.md``, one section per answer.

A section shows the answer as written, the verdict, the detail (for an incorrect answer
the counterexample: the point of the domain where the answer and the result differ) and
how the verdict was reached. The expected form (the ``expected:`` lines of a verdict, the
expected entry of a matrix) is shown only with ``show_expected=True`` (``--show-expected``),
for courses that publish their solutions; by default :func:`without_expected` takes it out.

File names are made from the student's name: a name of lower-case letters, digits, ``-``
and ``_`` is kept as it is; any other name (upper-case letters included, and the device
names ``con``, ``nul``, ... that Windows reserves) gets its kept part plus a digest of the
exact name, so that no name can leave the folder or collide with another, also on file
systems that ignore case (:func:`feedback_name`).

>>> feedback_name("ada"), feedback_name("../../etc/passwd")  # doctest: +ELLIPSIS
('ada.md', 'etc_passwd-....md')
>>> feedback_name("Ada").lower() != feedback_name("ada").lower()
True
>>> print(without_expected("the answer differs: at alpha=1/7, expected - answer = 1/2, which is not 0\\n"
...                        "  expected: 1 - alpha\\n  given:    alpha"))
the answer differs: at alpha=1/7, expected - answer = 1/2, which is not 0
  given:    alpha
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from symnn.distributed.gradebook import Graded, tally

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
_KEPT_AS_IS = re.compile(r"[a-z0-9_-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_ENTRY = re.compile(r"(\): )expected .*?, (given )")


def feedback_name(student: str) -> str:
    """The feedback file name of ``student`` (``NAME.md``, with a digest when the name had to change)."""
    kept = _SAFE.sub("_", student).strip("_")[:60] or "student"
    if kept != student or not _KEPT_AS_IS.fullmatch(student) or student in _RESERVED:
        kept += "-" + hashlib.sha256(student.encode()).hexdigest()[:8]
    return kept + ".md"


def without_expected(message: str) -> str:
    """A verdict's message without the expected form: ``expected:`` lines and ``expected X,`` of entries.

    >>> without_expected("  entry [0, 1] (row 1, column 2): expected -y1*y2, given y1*y2; at y1=1")
    '  entry [0, 1] (row 1, column 2): given y1*y2; at y1=1'
    """
    lines = [line for line in message.splitlines() if not line.lstrip().startswith("expected:")]
    return "\n".join(_ENTRY.sub(r"\1\2", line) for line in lines)


def _block(text: str) -> str:
    """``text`` as a fenced code block whose fence no run of backticks in it can close."""
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}text\n{text}\n{fence}"


def _title(g: Graded) -> str:
    parts = [f"key {g.row.key}"] if g.row.key else []
    parts += [f"params {' '.join(g.row.params.split())}"] if g.row.params else []
    return g.row.id + (f" ({'; '.join(parts)})" if parts else "")


def feedback_markdown(student: str, graded: Sequence[Graded], *, show_expected: bool = False) -> str:
    """The Markdown feedback of one student's answers (``graded`` holds that student's rows).

    >>> from symnn.distributed.answer_sheet import Row
    >>> text = feedback_markdown("ada", [Graded(Row(2, "ada", "x", "", "", "1 - a"), "incorrect",
    ...                          "differs at a=1\\n  expected: a\\n  given:    1 - a", "refuted")])
    >>> "expected: a" in text, "differs at a=1" in text
    (False, True)
    """
    shown = " ".join(student.split())
    counts = ", ".join(f"{count} {verdict}" for verdict, count in tally(graded).items())
    parts = [f"# Feedback for {shown}", "",
             f"{len(graded)} answer{'s' if len(graded) != 1 else ''}: {counts}."]
    for number, g in enumerate(graded, 1):
        detail = g.detail if show_expected else without_expected(g.detail)
        parts += ["", f"## {number}. {_title(g)}", "",
                  f"Your answer (line {g.row.line} of the answers file):", "", _block(g.row.answer), "",
                  f"Verdict: **{g.verdict}**"]
        if detail.strip():
            parts += ["", _block(detail)]
        if g.method:
            parts += ["", f"How it was decided: {' '.join(g.method.split())}"]
    return "\n".join(parts) + "\n"

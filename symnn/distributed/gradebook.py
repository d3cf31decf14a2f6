"""The teacher's tables of a graded batch: ``gradebook.csv`` and ``summary.csv``.

Every answer row of the input becomes one :class:`Graded` (its row, verdict, detail and
how the verdict was reached). :func:`gradebook_csv` has one line per row, in the order of
the input file, with the columns :data:`GRADEBOOK_COLUMNS`; :func:`summary_csv` is the
students x problems table of verdicts (a problem is its id, or ``id[key]`` when a result
key is named), with each student's number of correct answers.

>>> from symnn.distributed.answer_sheet import Row
>>> rows = [Graded(Row(2, "ada", "softmax-jacobian", "", "n=2", "..."), "correct", "equal", "proved"),
...         Graded(Row(3, "bob", "softmax-jacobian", "", "n=2", "..."), "incorrect", "differs", "refuted"),
...         Graded(Row(4, "bob", "sigmoid-identities", "tanh_derivative", "", "..."), "timeout", "", "")]
>>> print(summary_csv(rows), end="")
student,softmax-jacobian,sigmoid-identities[tanh_derivative],correct,answers
ada,correct,,1,1
bob,incorrect,timeout,0,2
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from symnn.distributed.answer_sheet import Row

#: Every verdict a row of the gradebook can have (``symnn grade``'s four and three of the batch's own).
VERDICTS = ("correct", "incorrect", "undecided", "timeout", "unreadable", "refused", "error")
GRADEBOOK_COLUMNS = ("student", "id", "key", "verdict", "detail", "method", "seconds", "line")


@dataclass(frozen=True)
class Graded:
    """The verdict on one answer row; ``detail`` may span lines, ``method`` says how it was reached.

    ``counted`` is False for a row that repeats an earlier row's (student, id, key): it is
    listed in the gradebook as refused, and left out of the summary.
    """

    row: Row
    verdict: str
    detail: str
    method: str = ""
    seconds: float | None = None
    counted: bool = True

    @property
    def problem(self) -> str:
        """The summary column of the row: ``id``, or ``id[key]`` when a result key is named."""
        return f"{self.row.id}[{self.row.key}]" if self.row.key else self.row.id


def one_line(text: str) -> str:
    """Several lines of text as one, joined by ``' | '``.

    >>> one_line("1 of 4 entries differ\\n  entry [0, 1]: ...")
    '1 of 4 entries differ | entry [0, 1]: ...'
    """
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def inert(cell: object) -> object:
    """A text cell a spreadsheet will not run as a formula: a leading ``= + - @`` gets a ``'``.

    Plain numbers are left alone.

    >>> inert("=1+2"), inert("-1.5"), inert("@SUM(A1)"), inert("ada")
    ("'=1+2", '-1.5', "'@SUM(A1)", 'ada')
    """
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def _csv(header: Sequence[str], lines: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([inert(cell) for cell in header])
    writer.writerows([inert(cell) for cell in line] for line in lines)
    return buffer.getvalue()


def gradebook_csv(graded: Sequence[Graded]) -> str:
    """One CSV line per answer row: :data:`GRADEBOOK_COLUMNS`."""
    return _csv(GRADEBOOK_COLUMNS, (
        (g.row.student, g.row.id, g.row.key, g.verdict, one_line(g.detail), one_line(g.method),
         "" if g.seconds is None else f"{g.seconds:.2f}", g.row.line) for g in graded))


def summary_csv(graded: Sequence[Graded]) -> str:
    """The students x problems table of verdicts, then ``correct`` and ``answers`` per student."""
    counted = [g for g in graded if g.counted]
    students = list(dict.fromkeys(g.row.student for g in counted))
    problems = list(dict.fromkeys(g.problem for g in counted))
    cells = {(g.row.student, g.problem): g.verdict for g in counted}
    lines = []
    for student in students:
        verdicts = [cells.get((student, problem), "") for problem in problems]
        lines.append([student, *verdicts, verdicts.count("correct"), sum(map(bool, verdicts))])
    return _csv(["student", *problems, "correct", "answers"], lines)


def tally(graded: Iterable[Graded]) -> dict[str, int]:
    """How many rows have each verdict (only verdicts that occur), in the order of :data:`VERDICTS`.

    >>> tally([Graded(Row(2, "a", "x", "", "", "1"), "refused", "")])
    {'refused': 1}
    """
    verdicts = [g.verdict for g in graded]
    return {verdict: verdicts.count(verdict) for verdict in VERDICTS if verdict in verdicts}

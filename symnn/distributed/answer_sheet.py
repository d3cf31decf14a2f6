"""A class's answers in one CSV file: read, bounded, and screened row by row before grading.

The file has a header with the columns ``student, id, key, params, answer`` (in any
order; other columns are ignored). ``key`` and ``params`` may be empty; ``params`` holds
``NAME=VALUE`` items separated by spaces, exactly as typed after ``--param`` on the
command line (quote an item that contains spaces: ``'z=[1, 2]'``). A malformed file (not
UTF-8, a missing header column, a bad quote, too many rows) is refused as a whole with
one :class:`AnswerSheetError` line naming the line; a bad *row* becomes a :class:`Row`
whose ``problem`` says what is wrong, and the rest of the batch goes on.

:func:`screen` decides, in the calling process and without building anything from the
text, the rows that cannot be graded: ``refused`` (a missing field, an unknown id, a
bad parameter) or ``unreadable`` (the safe answer reader refused the text).

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "answers.csv"
>>> _ = path.write_text("student,id,key,params,answer\\n"
...                     "ada,softmax-jacobian,,n=2,\\"[[y1 - y1**2, -y1*y2], [-y1*y2, y2 - y2**2]]\\"\\n"
...                     "bob,softmax-jacobian,,n=2,__import__('os')\\n")
>>> rows = read_answers(path)
>>> [(row.line, row.student, screen(row)) for row in rows]  # doctest: +ELLIPSIS
[(2, 'ada', None), (3, 'bob', ('unreadable', "answer refused: the name '__import__' ..."))]
>>> _ = path.write_text('student,id,key,params,answer\\nada,x,,,"a"b\\n')
>>> read_answers(path)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symnn.distributed.answer_sheet.AnswerSheetError: .../answers.csv line 2: malformed CSV: ',' expected after '"'
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from symnn.errors import SymnnError

COLUMNS = ("student", "id", "key", "params", "answer")
REQUIRED = ("student", "id", "answer")
#: The most answer rows one file may hold (a documented bound, docs/scale-out.md).
MAX_ROWS = 200_000
#: The longest field of a row, in characters (answers are further bounded by the reader: 4000).
MAX_FIELD = 100_000


class AnswerSheetError(SymnnError):
    """The answers file as a whole cannot be read (malformed CSV, missing columns, too large)."""


@dataclass(frozen=True)
class Row:
    """One answer: its line in the file, its fields, and what is wrong with it (``problem``)."""

    line: int
    student: str
    id: str
    key: str
    params: str
    answer: str
    problem: str = ""

    @property
    def name(self) -> tuple[str, str, str]:
        """The row's identity in the gradebook: (student, id, key)."""
        return (self.student, self.id, self.key)

    def task_key(self) -> str:
        """The journal key: the identity plus a digest of params and answer (a changed answer is new work).

        >>> Row(2, "ada", "x", "", "", "1").task_key()[:14]
        '["ada", "x", "'
        """
        digest = hashlib.sha256(f"{self.params}\0{self.answer}".encode()).hexdigest()[:16]
        return json.dumps([*self.name, digest], ensure_ascii=False)


def _refuse(path: Path, line: int, why: str) -> AnswerSheetError:
    return AnswerSheetError(f"{os.fspath(path)} line {line}: {why}")


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AnswerSheetError(f"cannot read {os.fspath(path)}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _refuse(path, line, f"not UTF-8 text (byte {error.start})") from None


def _header(path: Path, names: list[str]) -> dict[str, int]:
    columns = [name.strip().lower() for name in names]
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        expected = ", ".join(COLUMNS)
        raise _refuse(path, 1, f"missing header column(s) {', '.join(missing)} (expected {expected})")
    repeated = sorted({name for name in columns if name in COLUMNS and columns.count(name) > 1})
    if repeated:
        raise _refuse(path, 1, f"the header names {', '.join(repeated)} more than once")
    return {name: columns.index(name) for name in COLUMNS}


def _row(line: int, fields: list[str], where: dict[str, int], width: int) -> Row:
    values = {name: fields[index].strip() if index < len(fields) else "" for name, index in where.items()}
    problem = ""
    if len(fields) != width:
        problem = f"the row has {len(fields)} fields, the header {width}"
    elif missing := [name for name in REQUIRED if not values[name]]:
        problem = f"missing field(s) {', '.join(missing)}"
    return Row(line, values["student"], values["id"], values["key"], values["params"],
               fields[where["answer"]] if where["answer"] < len(fields) else "", problem)


def read_answers(path: str | os.PathLike[str]) -> list[Row]:
    """Every row of the answers file (blank lines skipped), or one :class:`AnswerSheetError`."""
    path = Path(path)
    reader = csv.reader(io.StringIO(_text(path), newline=""), strict=True)
    rows: list[Row] = []
    where: dict[str, int] = {}
    width = start = 0
    try:
        for fields in reader:
            start, end = start + 1, reader.line_num
            if any(len(field) > MAX_FIELD for field in fields):
                raise _refuse(path, start, f"a field longer than {MAX_FIELD} characters")
            if not where:
                where, width = _header(path, fields), len(fields)
            elif fields:
                if len(rows) >= MAX_ROWS:
                    raise _refuse(path, start, f"more than {MAX_ROWS} answer rows (split the file)")
                rows.append(_row(start, fields, where, width))
            start = end
    except csv.Error as error:
        raise _refuse(path, start + 1, f"malformed CSV: {error}") from None
    if not where:
        raise _refuse(path, 1, f"no header (expected the columns {', '.join(COLUMNS)})")
    return rows


def row_params(text: str) -> dict[str, str]:
    """The ``params`` field as ``{NAME: VALUE}`` text, read like repeated ``--param NAME=VALUE``.

    Items are split like a shell command line (quotes group, nothing is expanded or run).

    >>> row_params("n=3 'z=[1, 2]'")
    {'n': '3', 'z': '[1, 2]'}
    """
    from symnn.cli import parse_params
    from symnn.errors import ParameterError

    try:
        items = shlex.split(text, comments=False, posix=True)
    except ValueError as error:
        raise ParameterError("params", text, f"NAME=VALUE items separated by spaces ({error})") from None
    return parse_params(items)


def screen(row: Row) -> tuple[str, str] | None:
    """``(verdict, detail)`` for a row that cannot be graded, ``None`` for one to grade.

    Nothing is built or run from the text: the id is looked up, the parameters are read by
    the safe literal reader and checked against their declaration, and the answer is parsed
    and size-checked by the safe answer reader.
    """
    from symnn.core.registry import catalog, entry
    from symnn.grading.errors import UnsafeInputError
    from symnn.grading.parse import check_size
    from symnn.grading.syntax import parse_tree

    if row.problem:
        return ("refused", row.problem)
    known = catalog("derivation")
    if row.id not in known:
        near = difflib.get_close_matches(row.id, known, n=3, cutoff=0.6)
        return ("refused", f"unknown derivation id {row.id!r}" + (f" (did you mean {', '.join(near)}?)"
                                                                  if near else ""))
    try:
        entry(row.id).coerce(row_params(row.params))
    except SymnnError as error:
        return ("refused", " ".join(str(error).split()))
    try:
        check_size(parse_tree(row.answer))
    except UnsafeInputError as error:
        return ("unreadable", str(error))
    return None

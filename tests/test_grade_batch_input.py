"""grade-batch before any cluster: the answers file, row screening, the output tables and feedback.

Nothing here starts Dask: a malformed file, an unwritable output folder or a bad option is
refused in one line (exit 2) before a cluster is opened, which the tests make sure of by
replacing ``open_client`` with a function that fails the test.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnn.cli import main
from symnn.distributed import answer_sheet, cluster
from symnn.distributed.answer_sheet import AnswerSheetError, Row, read_answers, row_params, screen
from symnn.distributed.feedback import feedback_markdown, feedback_name, without_expected
from symnn.distributed.grade_batch import grade_row, task_failed
from symnn.distributed.gradebook import GRADEBOOK_COLUMNS, Graded, gradebook_csv, summary_csv
from symnn.errors import ParameterError, ResourceError
from symnn.grading import grader
from symnn.grading.errors import GradingError, UnsafeInputError

HEADER = "student,id,key,params,answer\n"
JACOBIAN = '"[[y1 - y1**2, -y1*y2], [-y1*y2, y2 - y2**2]]"'


def _write(tmp_path: Path, text: str, name: str = "answers.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def no_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a cluster was opened although the input was refused")

    monkeypatch.setattr(cluster, "open_client", refuse)


# --- the file as a whole -------------------------------------------------------------------------

MALFORMED = [
    # (file text, the line the message must name, a word of the reason)
    ("student,id,answer\nada,x,1\n", 1, "missing header column(s) key, params"),
    ("", 1, "no header"),
    (HEADER + "ada,softmax-jacobian,,n=2,y1\nbob,softmax-jacobian,,n=2,\"y1\"y2\n", 3, "malformed CSV"),
    (HEADER + "ada,softmax-jacobian,,n=2,y1\nbob,softmax-jacobian,,n=2,\"y1\n\n", 3, "malformed CSV"),
    ("student,id,key,params,answer,answer\n", 1, "more than once"),
]


@pytest.mark.parametrize(("text", "line", "why"), MALFORMED)
def test_a_malformed_file_is_refused_in_one_line_naming_the_line(tmp_path, text, line, why):
    path = _write(tmp_path, text)
    with pytest.raises(AnswerSheetError) as caught:
        read_answers(path)
    message = str(caught.value)
    assert "\n" not in message
    assert f"line {line}:" in message and why in message


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(HEADER.encode() + b"ada,x,,,1\nbob,x,,,\xff\n")
    with pytest.raises(AnswerSheetError, match=r"line 3: not UTF-8"):
        read_answers(path)


def test_rows_beyond_the_bound_refuse_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(answer_sheet, "MAX_ROWS", 3)
    path = _write(tmp_path, HEADER + "".join(f"s{i},softmax-jacobian,,n=2,y1\n" for i in range(4)))
    with pytest.raises(AnswerSheetError, match=r"line 5: more than 3 answer rows"):
        read_answers(path)


def test_columns_in_any_order_extra_columns_blank_lines_and_quoted_newlines(tmp_path):
    text = ("answer,when,ID,student,params,key\n"
            '"[y1,\n y2]",monday,softmax-jacobian,ada,n=2,\n'
            "\n"
            "y1,tuesday,softmax-jacobian,bob,,\n")
    rows = read_answers(_write(tmp_path, text))
    assert [(row.line, row.student, row.answer) for row in rows] == [
        (2, "ada", "[y1,\n y2]"), (5, "bob", "y1")]
    assert rows[0].params == "n=2" and rows[1].key == ""


# --- rows: refused or unreadable, decided without building anything ------------------------------

def _row(id: str = "softmax-jacobian", params: str = "n=2", answer: str = "y1", key: str = "",
         student: str = "ada") -> Row:
    return Row(2, student, id, key, params, answer)


SCREENED = [
    (_row(id="no-such-id"), "refused", "unknown derivation id 'no-such-id'"),
    (_row(id="softmax-jacobain"), "refused", "did you mean softmax-jacobian"),
    (_row(id="mnist-early-stopping"), "refused", "unknown derivation id"),  # an experiment, not gradable
    (_row(params="n=41"), "refused", "parameter 'n'"),
    (_row(params="m=2"), "refused", "'m'"),
    (_row(params="n=2 n=3"), "refused", "each parameter once"),
    (_row(params="n"), "refused", "NAME=VALUE"),
    (_row(params="n='2"), "refused", "No closing quotation"),
    (_row(params="n=__import__('os')"), "refused", "parameter 'n'"),
    (_row(answer="__import__('os').system('true')"), "unreadable", "names may not start with '_'"),
    (_row(answer="(" * 200 + "y1" + ")" * 200), "unreadable", "nest"),
    (_row(answer="exp(exp(exp(10)))"), "unreadable", "numbers too large"),
    (_row(answer="y1" + " + y1" * 2500), "unreadable", "characters"),
    (_row(answer="lambda: 0"), "unreadable", "answer refused"),
]


@pytest.mark.parametrize(("row", "verdict", "words"), SCREENED)
def test_bad_rows_are_screened_per_row(row, verdict, words):
    decided = screen(row)
    assert decided is not None
    assert decided[0] == verdict and words in decided[1], decided
    assert "\n" not in decided[1]


def test_missing_fields_and_short_rows_are_bad_rows_not_a_bad_file(tmp_path):
    rows = read_answers(_write(tmp_path, HEADER + ",softmax-jacobian,,n=2,y1\nada,softmax-jacobian\n"
                                                 "bob,softmax-jacobian,,n=2,y1\n"))
    assert screen(rows[0]) == ("refused", "missing field(s) student")
    assert screen(rows[1]) == ("refused", "the row has 2 fields, the header 5")
    assert screen(rows[2]) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("", {}),
    ("n=3", {"n": "3"}),
    ("  n=3   alpha=1/2 ", {"n": "3", "alpha": "1/2"}),
    ("n=3 'z=[1, 2]'", {"n": "3", "z": "[1, 2]"}),
    ('z="[1, 2]"', {"z": "[1, 2]"}),
])
def test_params_are_read_like_repeated_param_options(text, expected):
    assert row_params(text) == expected


@pytest.mark.parametrize("text", ["n", "=3", "n=3 n=4", "n='3", "1n=3"])
def test_bad_params_text_is_a_parameter_error(text):
    with pytest.raises(ParameterError):
        row_params(text)


def test_a_changed_answer_or_params_is_a_new_task_but_the_same_gradebook_row():
    row = _row()
    assert row.task_key() == _row().task_key()
    assert row.task_key() != _row(answer="y2").task_key()
    assert row.task_key() != _row(params="n=3").task_key()
    assert row.name == _row(answer="y2").name == ("ada", "softmax-jacobian", "")


# --- the command line refuses before any cluster ----------------------------------------------------

def test_cli_refuses_a_malformed_file_before_a_cluster(tmp_path, capsys, no_cluster):
    path = _write(tmp_path, HEADER + "ada,softmax-jacobian,,n=2,\"y1\"x\n")
    assert main(["grade-batch", str(path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "line 2: malformed CSV" in err


def test_cli_refuses_an_unwritable_output_folder_before_a_cluster(tmp_path, capsys, no_cluster):
    path = _write(tmp_path, HEADER + "ada,softmax-jacobian,,n=2," + JACOBIAN + "\n")
    blocker = _write(tmp_path, "a file", "taken")
    assert main(["grade-batch", str(path), "-o", str(blocker)]) == 2
    assert "it is not a folder" in capsys.readouterr().err
    assert main(["grade-batch", str(path), "-o", str(blocker / "sub")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "words"), [
    (["--workers", "0"], "parameter 'workers'"),
    (["--workers", "257"], "<= 256"),
    (["--workers", "two"], "parameter 'workers'"),
    (["--scheduler", "127.0.0.1:8786"], "--scheduler"),
    (["--timeout", "0"], "parameter 'timeout'"),
    (["--timeout", "7200"], "parameter 'timeout'"),
    (["--regrade", "corect"], "parameter 'regrade': got 'corect'"),
    (["--regrade", ","], "parameter 'regrade'"),
])
def test_cli_refuses_bad_options_in_one_line(tmp_path, capsys, no_cluster, option, words):
    path = _write(tmp_path, HEADER + "ada,softmax-jacobian,,n=2,y1\n")
    assert main(["grade-batch", str(path), "-o", str(tmp_path / "out"), *option]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("symnn: error:") and "\n" not in err and words in err


def test_cli_with_only_screened_rows_needs_no_cluster(tmp_path, capsys, no_cluster):
    path = _write(tmp_path, HEADER + "ada,nope,,,y1\nbob,softmax-jacobian,,n=2,__import__('os')\n")
    assert main(["grade-batch", str(path), "-o", str(tmp_path / "out"), "--no-progress"]) == 0
    assert "2 rows (0 graded now): 1 unreadable, 1 refused" in capsys.readouterr().out
    book = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open(encoding="utf-8")))
    assert [(row["student"], row["verdict"], row["line"]) for row in book] == [
        ("ada", "refused", "2"), ("bob", "unreadable", "3")]


# --- tables and feedback ------------------------------------------------------------------------------

def _graded(student: str, id: str, verdict: str, key: str = "", detail: str = "d", line: int = 2) -> Graded:
    return Graded(Row(line, student, id, key, "", "x"), verdict, detail, "how")


def test_gradebook_has_one_line_per_row_in_file_order_and_one_line_cells():
    rows = [_graded("bob", "a", "incorrect", detail="differs\n  expected: 1\n  given:    2", line=2),
            _graded("ada", "a", "correct", line=3)]
    book = list(csv.reader(io.StringIO(gradebook_csv(rows))))
    assert tuple(book[0]) == GRADEBOOK_COLUMNS
    assert [line[0] for line in book[1:]] == ["bob", "ada"]
    assert book[1][GRADEBOOK_COLUMNS.index("detail")] == "differs | expected: 1 | given:    2"


@pytest.mark.parametrize("student", ["=HYPERLINK(\"http://x\")", "+1+cmd", "@SUM(A1:A9)", "-2+3*cmd"])
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_made_inert(student):
    rows = [_graded(student, "a", "incorrect", detail="=1+1")]
    for table in (gradebook_csv(rows), summary_csv(rows)):
        cells = [cell for line in csv.reader(io.StringIO(table)) for cell in line]
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
        assert "'" + student in cells


def test_numbers_stay_numbers_in_the_tables():
    rows = [_graded("-1", "a", "correct")]
    assert list(csv.reader(io.StringIO(summary_csv(rows))))[1][0] == "-1"


def test_summary_is_students_by_problems_and_leaves_out_repeated_rows():
    rows = [_graded("ada", "a", "correct"), _graded("ada", "a", "incorrect", key="k"),
            _graded("bob", "b", "timeout"),
            Graded(Row(9, "bob", "b", "", "", "x"), "refused", "the same", counted=False)]
    table = list(csv.reader(io.StringIO(summary_csv(rows))))
    assert table == [["student", "a", "a[k]", "b", "correct", "answers"],
                     ["ada", "correct", "incorrect", "", "1", "2"],
                     ["bob", "", "", "timeout", "0", "1"]]


MATRIX_MESSAGE = ("1 of 4 entries differ from softmax-jacobian[jacobian_in_y]: [0, 1]\n"
                  "  entry [0, 1] (row 1, column 2): expected -y1*y2, given y1*y2; at y1=-3/7, y2=1/97, "
                  "expected - answer = 6/679, which is not 0")
SCALAR_MESSAGE = ("the answer could not be decided equal to m[mean]: the routes left x\n"
                  "  expected: -sqrt(2)*alpha/(2*sqrt(pi))\n  given:    alpha**2")


@pytest.mark.parametrize(("message", "hidden", "kept"), [
    (MATRIX_MESSAGE, "expected -y1*y2", ["given y1*y2", "at y1=-3/7, y2=1/97", "which is not 0"]),
    (SCALAR_MESSAGE, "-sqrt(2)*alpha/(2*sqrt(pi))", ["given:    alpha**2", "could not be decided"]),
])
def test_feedback_hides_the_expected_form_unless_the_course_shows_it(message, hidden, kept):
    graded = [_graded("ada", "softmax-jacobian", "incorrect", detail=message)]
    hiding = feedback_markdown("ada", graded)
    showing = feedback_markdown("ada", graded, show_expected=True)
    assert hidden not in hiding and hidden in showing
    assert all(part in hiding and part in showing for part in kept)
    assert hidden not in without_expected(message)


def test_feedback_answers_cannot_break_out_of_their_code_block():
    graded = [Graded(Row(2, "ada", "x", "", "", "```\n# injected heading\n````"), "unreadable", "refused")]
    text = feedback_markdown("ada", graded)
    fence = re.search(r"^(`{5,})text$", text, re.MULTILINE)
    assert fence is not None  # longer than the longest run of backticks in the answer
    assert text.count(fence.group(1)) == 2


@given(st.text(min_size=1, max_size=40))
def test_feedback_file_names_stay_in_the_folder(student):
    name = feedback_name(student)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.md", name), name
    assert name == f"{student}.md" or re.search(r"-[0-9a-f]{8}\.md$", name)


@given(st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12))
def test_distinct_students_get_distinct_feedback_files(first, second):
    if first != second:
        assert feedback_name(first).lower() != feedback_name(second).lower()  # also where case is ignored


@pytest.mark.parametrize("names", [("ada", "Ada", "ADA"), ("bo", "bO"), ("con", "nul", "lpt1")])
def test_names_differing_in_case_or_reserved_get_distinct_portable_files(names):
    files = [feedback_name(name) for name in names]
    assert len({f.lower() for f in files}) == len(names)
    assert all(f.split("-")[0].split(".")[0].lower() not in {"con", "nul", "lpt1"} or "-" in f for f in files)


# --- how a task words what went wrong ------------------------------------------------------------------

@pytest.mark.parametrize(("raised", "verdict"), [
    (UnsafeInputError("the unknown name 'q1'"), "unreadable"),
    (ParameterError("n", "17", "an integer from 1 to 16"), "refused"),
    (GradingError("softmax-jacobian has no result 'x'; its results: jacobian"), "refused"),
    (GradingError("grading failed: the process ended without a result (exit code -9)"), "error"),
    (ResourceError("softmax-jacobian: out of memory"), "error"),
    (ZeroDivisionError("division by zero"), "error"),
])
def test_a_task_turns_every_failure_into_a_row_verdict(monkeypatch, raised, verdict):
    def failing(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(grader, "grade", failing)
    record = grade_row("softmax-jacobian", "y1", "", {"n": "2"}, 30)
    assert record["verdict"] == verdict
    assert str(raised) in record["detail"] and record["seconds"] >= 0


def test_a_task_whose_workers_kept_dying_is_an_error_row():
    record = task_failed("k", RuntimeError("worker died\nthree times"))
    assert record == {"verdict": "error",
                      "detail": "the grading task failed: RuntimeError: worker died three times"}


def test_a_batch_whose_rows_are_all_journaled_starts_no_cluster(tmp_path, capsys, no_cluster):
    from symnn.distributed.grade_batch import JOURNAL
    from symnn.distributed.journal import Journal

    path = _write(tmp_path, HEADER + "ada,softmax-jacobian,,n=2," + JACOBIAN + "\nbob,nope,,,y1\n")
    [row, _] = read_answers(path)
    (tmp_path / "out").mkdir()
    Journal(tmp_path / "out" / JOURNAL).append({"key": row.task_key(), "verdict": "correct",
                                                "detail": "from an earlier run", "seconds": 1.5})
    assert main(["grade-batch", str(path), "-o", str(tmp_path / "out"), "--no-progress"]) == 0
    assert "2 rows (0 graded now): 1 correct, 1 refused" in capsys.readouterr().out
    book = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open(encoding="utf-8")))
    first = (book[0]["verdict"], book[0]["detail"], book[0]["seconds"])
    assert first == ("correct", "from an earlier run", "1.50")

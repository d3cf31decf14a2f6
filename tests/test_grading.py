"""Answer grading: the safe reader, the comparison, the verdicts and the command line."""

from __future__ import annotations

import argparse
import builtins
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn
import symnn.cli
from symnn.core import equivalence
from symnn.errors import SymnnError
from symnn.grading import GradeResult, GradingError, UnsafeInputError, parse_tree, read_answer
from symnn.grading.cli import add_subcommands
from symnn.grading.compare import compare_scalar
from symnn.grading.grader import grade_in_process as grade
from symnn.grading.parse import MAX_BITS, bit_bound
from symnn.grading.syntax import FUNCTIONS

LEAKY = "leaky-relu-gaussian-moments"
needs_leaky = pytest.mark.skipif(LEAKY not in symnn.catalog(), reason=f"{LEAKY} is not registered")
SOFTMAX_N = "exp(y{k})/(exp(y1) + exp(y2) + exp(y3)) - t{k}"
Z1, Z2 = sp.symbols("z1 z2", real=True)
NAMES = {"z1": Z1, "z2": Z2}


# --- equivalent forms are accepted -------------------------------------------------------------

@pytest.mark.parametrize("answer", ["y_i*(KroneckerDelta(i,j) - y_j)", "y_i*KroneckerDelta(i,j) - y_i*y_j",
                                    "KroneckerDelta(j, i)*y_i - y_j*y_i"])
def test_symbolic_n_jacobian_forms(answer: str) -> None:
    result = grade("softmax-jacobian", answer, n="n")
    assert result.correct, str(result)
    assert "jacobian_in_y" in result.message and result.method.startswith("proved: route ")
    assert grade("softmax-jacobian", answer, n="n", key="jacobian_in_y").correct


def test_two_by_two_jacobian_in_z_written_differently() -> None:
    answer = ("[[sigma(z1 - z2)*sigma(z2 - z1), -exp(z1 + z2)/(exp(z1) + exp(z2))**2],"
              " [-1/(2 + exp(z1 - z2) + exp(z2 - z1)), exp(z2)*exp(z1)/(exp(z1) + exp(z2))^2]]")
    result = grade("softmax-jacobian", answer, n=2)
    assert result.correct and result.differing_entries == [], str(result)
    assert "softmax-jacobian[jacobian]" in result.message and "exp-cancel" in result.method


def test_one_hot_cross_entropy_gradient() -> None:
    answer = "[" + ", ".join(SOFTMAX_N.format(k=k) for k in (1, 2, 3)) + "]"
    result = grade("softmax-cross-entropy-gradient", answer, one_hot=True)
    assert result.correct, str(result)
    assert grade("softmax-cross-entropy-gradient", "[p1 - t1, p2 - t2, p3 - t3]", one_hot=True).correct


@needs_leaky
@pytest.mark.parametrize(("answer", "key"), [("(1-alpha)/sqrt(2*pi)", None),
                                             ("(1 - alpha)*exp(-log(2*pi)/2)", "mean"),
                                             ("(1+alpha^2)/2 - (1-alpha)^2/(2*pi)", "variance")])
def test_leaky_relu_moments(answer: str, key: str | None) -> None:
    assert grade(LEAKY, answer, key=key).correct


# --- wrong answers are rejected, with the differing entries named ------------------------------

def test_wrong_sign_scalar_is_rejected() -> None:
    result = grade("softmax-jacobian", "y_i*(KroneckerDelta(i,j) + y_j)", n="n")
    assert not result.correct and result.differing_entries == []
    assert "at i=" in result.message and "which is not 0" in result.message and "expected:" in result.message
    assert str(result).startswith("incorrect: ")


@needs_leaky
def test_wrong_sign_mean_is_rejected() -> None:
    result = grade(LEAKY, "(alpha - 1)/sqrt(2*pi)")
    assert result.verdict == "incorrect" and "counterexample" in result.method


def test_swapped_entries_are_named() -> None:
    answer = "[" + ", ".join(SOFTMAX_N.format(k=k) for k in (2, 1, 3)) + "]"
    result = grade("softmax-cross-entropy-gradient", answer, one_hot=True)
    assert not result.correct and result.differing_entries == [(0, 0), (1, 0)]
    assert "2 of 3 entries differ" in result.message and "entry [0, 0] (row 1, column 1)" in result.message


def test_wrong_signs_in_a_matrix() -> None:
    result = grade("softmax-jacobian", "[[y1*(1 - y1), y1*y2], [y1*y2, y2*(1 - y2)]]", n=2)
    assert result.differing_entries == [(0, 1), (1, 0)]
    assert "expected -y1*y2, given y1*y2" in result.message
    assert "2 refuted by counterexamples" in result.method and "2 of 4 entries proved equal" in result.method


def test_a_tiny_perturbation_is_not_accepted() -> None:
    result = grade("softmax-jacobian", "y_i*(KroneckerDelta(i,j) - y_j) + 10**-40", n="n")
    assert result.verdict == "incorrect" and "expected - answer = -1/10000000000" in result.message


@pytest.mark.parametrize(("answer", "fragment"), [
    ("[[y1, y2]]", "shape mismatch: softmax-jacobian[jacobian_in_y] is 2x2, the answer is 1x2"),
    ("y1*y2", "is a 2x2 matrix; the answer is a scalar"),
    ("[1/0, 1, 1, 1]", "is 2x2, the answer is 4x1"),
])
def test_shape_mismatch(answer: str, fragment: str) -> None:
    result = grade("softmax-jacobian", answer, n=2)
    assert not result.correct and fragment in result.message and result.method == "shape comparison"


def test_row_for_column_gets_a_hint() -> None:
    result = grade("softmax-cross-entropy-gradient", "[[p1 - t1, p2 - t2, p3 - t3]]", one_hot=True)
    assert "write [[a, b, c]] for a row" in result.message


def test_undefined_answer_is_incorrect() -> None:
    assert not grade("softmax-jacobian", "y_i/0", n="n").correct


def test_numeric_agreement_is_never_correct(monkeypatch: pytest.MonkeyPatch) -> None:
    for route in ("exp-cancel", "simplify"):  # no route can prove the (true) identity any more
        monkeypatch.setitem(equivalence.SOUND_ROUTES, route, lambda difference: difference)
    result = grade("softmax-jacobian", "[[sigma(z1-z2)*sigma(z2-z1), -sigma(z1-z2)*sigma(z2-z1)],"
                   "[-sigma(z1-z2)*sigma(z2-z1), sigma(z1-z2)*sigma(z2-z1)]]", n=2)
    assert result.verdict == "undecided" and not result.correct
    assert result.undecided_entries == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert "numerically they agree at 6 seeded points" in result.method and "not a proof" in result.method


def test_compare_scalar_routes() -> None:
    x = sp.Symbol("x", real=True)
    assert compare_scalar(sp.tanh(x), 2 / (1 + sp.exp(-2 * x)) - 1).equal
    comparison = compare_scalar(x**2 - 1, (x - 1) * (x + 1))
    assert comparison.equal and comparison.decision.route == "expand"
    assert compare_scalar(2 * x, x + x).decision.route == "exact"
    assert compare_scalar(sp.Abs(x), sp.Max(x, -x)).equal
    comparison = compare_scalar(x**2, x)
    assert comparison.equal is False and comparison.decision.counterexample is not None


# --- keys and errors ---------------------------------------------------------------------------

def test_keys() -> None:
    with pytest.raises(GradingError, match="has no result 'nope'"):
        grade("softmax-jacobian", "1", key="nope")
    with pytest.raises(GradingError, match="only expressions and matrices"):
        grade("softmax-argmax", "1", key="order")
    with pytest.raises(UnsafeInputError, match="other results of softmax-jacobian"):
        grade("softmax-jacobian", "z1*y1", n=2)


def test_result_object() -> None:
    result = grade("softmax-jacobian", "[[y1*(1-y1), -y1*y2], [-y1*y2, y2*(1-y2)]]", n=2)
    assert isinstance(result, GradeResult) and result.correct
    text = str(result)
    assert text.startswith("correct: all 4 entries") and "\nmethod: 4 of 4 entries proved equal" in text


# --- the reader ------------------------------------------------------------------------------

def test_reader_is_exact_and_knows_the_notation() -> None:
    assert read_answer("0.6", {}) == sp.Rational(3, 5)
    assert read_answer("1.25e-1 + 2^-1", {}) == sp.Rational(5, 8)
    assert read_answer("-z1**2", NAMES) == -Z1**2
    lam, sig = sp.symbols("lambda sigma", real=True)
    assert read_answer("lambda*sigma(z1)", {"lambda": lam, "z1": Z1}) == lam / (1 + sp.exp(-Z1))
    assert read_answer("sigma*sigma(sigma)", {"sigma": sig}) == sig / (1 + sp.exp(-sig))
    assert read_answer("[[1, 2], [3, 4]]", {}).shape == (2, 2)
    assert read_answer("[z1, z2]", NAMES).shape == (2, 1)
    assert read_answer("Heaviside(z1, 1/2) + KroneckerDelta(1, 1) + pi + E", NAMES).has(sp.pi)


HOSTILE = [
    "__import__('os').system('touch SENTINEL')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('SENTINEL', 'w').write('x')",
    "z1.__class__",
    "exp.__globals__",
    "z1.real",
    "z1[0]",
    "(z1)[0]",
    "lambda: 0",
    "lambda z1: z1",
    "[z1 for z1 in z2]",
    "{z1: 1}",
    "{z1}",
    "9**9**9",
    "9**(9**9)",
    "z1**z2**2",
    "10**100000",
    "2**1000",
    "z1**-101",
    "1e1000",
    "z1+" * 350_000 + "z1",
    "(" * 10_000 + "z1" + ")" * 10_000,
    "(" * 41 + "z1" + ")" * 41,
    "-" * 100 + "z1",
    "exec('import os')",
    "eval('1+1')",
    "compile('1', 'f', 'eval')",
    "f'{z1}'",
    "b'abc'",
    "'z1'",
    "exp(z1=1)",
    "z1 if z2 else z3",
    "(z1 := 3)",
    "z1 = 3",
    "import os",
    "exp(*z1)",
    "exp(**z1)",
    "foo(z1)",
    "print(z1)",
    "breakpoint()",
    "getattr(z1)",
    "zz9",
    "__builtins__",
    "exp",
    "E(1)",
    "(z1)(z2)",
    "z1 @ z2",
    "z1 // z2",
    "z1 < z2",
    "z1 and z2",
    "not z1",
    "z1; z2",
    "z1 # comment",
    "...",
    "True",
    "None",
    "1" * 41,
    "0x10",
    "1_000",
    "2z1",
    "\x00",
    "ｚ1",
    "z1 \\",
    "$z1",
    "exp(exp(exp(10)))",
    "exp(100*exp(z1))",
    "exp()",
    "exp(z1, z2)",
    "Max(" + ", ".join(["z1"] * 9) + ")",
    "[[z1], [z2, z3]]",
    "[[[z1]]]",
    "[z1] + 1",
    "exp([z1])",
    "[" + ", ".join(["z1"] * 17) + "]",
    "",
    "z1 z2",
]


@pytest.fixture(scope="module")
def warm() -> None:
    grade("softmax-jacobian", "z1", n=3)  # derive once, so the timing below is the reader's


@contextlib.contextmanager
def nothing_may_run() -> Iterator[list[str]]:
    """Make imports, file access, eval/exec/compile, os.system and subprocesses fail loudly."""
    calls: list[str] = []

    def forbidden(name: str) -> Callable[..., None]:
        def refuse(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise AssertionError(f"{name} called during grading")
        return refuse

    targets = [(builtins, name) for name in ("__import__", "open", "eval", "exec", "compile")]
    targets += [(os, "system"), (subprocess, "Popen")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in targets]
    for owner, name in targets:
        setattr(owner, name, forbidden(name))
    try:
        yield calls
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(text[:24]) for text in HOSTILE])
def test_hostile_input_is_refused_before_anything_runs(text: str, warm: None, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    refused: Exception | None = None
    with nothing_may_run() as calls:
        try:
            grade("softmax-jacobian", text, n=3)
        except Exception as error:
            refused = error
    assert calls == [] and isinstance(refused, UnsafeInputError), repr(refused)
    message = str(refused)
    assert message.startswith("answer refused: ") and "\n" not in message
    assert not (tmp_path / "SENTINEL").exists()


def test_bit_bound_is_computed_before_sympy() -> None:
    assert bit_bound(parse_tree("2**100")) == 200
    assert bit_bound(parse_tree("exp(exp(exp(z1 - z1 + 10)))")) > MAX_BITS


# --- random expressions: parsed or refused, nothing else ---------------------------------------

LEAVES = st.sampled_from(["z1", "z2", "pi", "E", "oo", "0", "1", "0.6", "1e-3", "12345678901234567890",
                          "10" * 25, "q", "_x", "i"])


def _call(parts: tuple[str, list[str]]) -> str:
    return f"{parts[0]}({', '.join(parts[1])})"


TREES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "^", " ", ","]), inner).map("".join),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(st.sampled_from([*FUNCTIONS, "foo", "E"]), st.lists(inner, max_size=3)).map(_call),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(TREES)
def test_random_trees_are_read_or_refused(text: str) -> None:
    try:
        value = read_answer(text, NAMES)
    except UnsafeInputError:
        return
    assert isinstance(value, (sp.Basic, sp.MatrixBase))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="z12+-*/^()[],. ep'x_=:", max_size=30))
def test_random_text_is_read_or_refused(text: str) -> None:
    with contextlib.suppress(UnsafeInputError):
        read_answer(text, NAMES)


@settings(max_examples=20, deadline=None)
@given(TREES)
def test_an_expression_is_never_refuted_against_itself(text: str) -> None:
    try:
        value = read_answer(text, NAMES)
    except UnsafeInputError:
        return
    if not isinstance(value, sp.MatrixBase):
        assert compare_scalar(value, value, deadline=time.perf_counter() + 5).equal is not False


# --- the command line ----------------------------------------------------------------------

def run_grade(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="symnn")
    add_subcommands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["grade", *argv])
    try:
        status = symnn.cli._COMMANDS["grade"](args)
    except SymnnError as error:  # what symnn.cli.main does
        print(f"symnn: error: {error}", file=sys.stderr)
        status = symnn.cli.EXIT_USAGE
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_grade(capsys, "softmax-jacobian", "--param", "n=2",
                               "--answer", "[[y1*(1-y1), -y1*y2], [-y1*y2, y2*(1-y2)]]")
    assert status == 0 and out.startswith("correct:")
    status, out, _ = run_grade(capsys, "softmax-jacobian", "--param", "n=2", "--key", "jacobian_in_y",
                               "--answer", "[[y1*(1-y1), y1*y2], [-y1*y2, y2*(1-y2)]]")
    assert status == 1 and "entry [0, 1]" in out
    status, out, err = run_grade(capsys, "softmax-jacobian", "--answer", "__import__('os')")
    assert status == 2 and out == "" and err.count("\n") == 1 and "names may not start with '_'" in err
    status, _, err = run_grade(capsys, "softmax-jacobian", "--key", "nope", "--answer", "1")
    assert status == 2 and "has no result 'nope'" in err


def _grade_registered() -> bool:
    try:
        symnn.cli.build_parser().parse_args(["grade", "softmax-jacobian", "--answer", "1"])
    except SystemExit:
        return False
    return True


@pytest.mark.skipif(not _grade_registered(), reason="symnn.grading.cli is not loaded by symnn.cli")
def test_cli_main_and_subprocess(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert symnn.cli.main(["grade", "softmax-jacobian", "--param", "n=n",
                           "--answer", "y_i*(KroneckerDelta(i,j) - y_j)"]) == 0
    capsys.readouterr()
    sentinel = tmp_path / "SENTINEL"
    completed = subprocess.run(
        [sys.executable, "-m", "symnn", "grade", "softmax-jacobian",
         f"--answer=__import__('os').system('touch {sentinel}')"],
        capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 2 and completed.stderr.startswith("symnn: error: answer refused")
    assert not sentinel.exists()

"""The safe literal reader and the parameter kinds: table-driven, including hostile text."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symnn.core.literal import read_literal
from symnn.core.params import Boolean, MatrixKind, Number, PositiveInteger, Vector
from symnn.errors import ParameterError

R = sp.Rational


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("-0.6", R(-3, 5)),
        ("0.1", R(1, 10)),
        ("1e-3", R(1, 1000)),
        ("2.5E2", 250),
        ("3/5", R(3, 5)),
        ("-3/-5", R(3, 5)),
        (".5", R(1, 2)),
        ("[1, 3, 3, -2]", [1, 3, 3, -2]),
        ("[[1, 0.5], [0, 1]]", [[1, R(1, 2)], [0, 1]]),
        ("[]", []),
        ("true", True),
        ("False", False),
        ("alpha", sp.Symbol("alpha")),
        ("-c", -sp.Symbol("c")),
        ("  [ 1 ,2 ]  ", [1, 2]),
    ],
)
def test_reads_exact_values(text: str, expected: object) -> None:
    assert read_literal(text, "p") == expected


HOSTILE = [
    "__import__('os')", "os.system('true')", "a.b", "lambda: 1", "9**9**9", "2**10",
    "1+1", "(1)", "[1, 2", "[1,,2]", "1 2", "exec('x')", "x[0]", "{1: 2}", "'text'",
    "1/0", "--3", "1e999", "9" * 500, "[[[[[[1]]]]]]", "", "   ", "true/2", "#", ";", "\\x41",
    "f(x)", "x=1", "[1]; import os", "$(rm -rf /)",
    # numbers beyond Python's 4,300-digit conversion limit, exponents beyond any bound
    "0" * 5000 + "1", "1" * 4301, "1e99999999999", "0." + "0" * 450 + "1",
    # non-ASCII digits and letters (full-width, Arabic-Indic, superscript, Greek)
    "\uff13", "\u0663", "\u00b2", "\u03b1", "[1, \uff12]",
    # names that are constants or non-numbers elsewhere
    "nan", "NaN", "-inf", "Infinity", "oo", "zoo", "I", "pi", "E", "None", "[1, nan]",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_refuses_everything_else(text: str) -> None:
    with pytest.raises(ParameterError) as caught:
        read_literal(text, "p")
    assert "parameter 'p'" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (PositiveInteger(), 3, 3),
        (PositiveInteger(), "4", 4),
        (PositiveInteger(), np.int64(5), 5),
        (PositiveInteger(), 2.0, 2),
        (Number(), 0.6, R(3, 5)),
        (Number(), "0.6", R(3, 5)),
        (Number(), np.float32(0.5), R(1, 2)),
        (Number(0, 1), 1, 1),
        (Vector(), (1, 2.5), [1, R(5, 2)]),
        (Vector(), np.array([1.0, -2.0]), [1, -2]),
        (Boolean(), "true", True),
        (MatrixKind(), [[1, 2]], sp.Matrix([[1, 2]])),
        (MatrixKind(symmetric=True), "[[2, 1], [1, 2]]", sp.Matrix([[2, 1], [1, 2]])),
    ],
)
def test_kinds_coerce_exactly(kind: object, value: object, expected: object) -> None:
    assert kind("p", value) == expected


@pytest.mark.parametrize(
    ("kind", "value", "fragment"),
    [
        (PositiveInteger(), 0, "positive integer"),
        (PositiveInteger(), -1, "positive integer"),
        (PositiveInteger(), 2.5, "positive integer"),
        (PositiveInteger(), True, "positive integer"),
        (PositiveInteger(), "n", "positive integer"),
        (PositiveInteger(maximum=5), 6, "<= 5"),
        (Number(), float("nan"), "finite"),
        (Number(), float("inf"), "finite"),
        (Number(), "x", "real number"),
        (Number(0, 1), "1.5", "[0, 1]"),
        (Number(0, 1, lower_open=True), 0, "(0, 1]"),
        (Vector(), [], "at least 1"),
        (Vector(), 3, "list"),
        (Vector(), [[1], [2]], "list"),
        (Vector(length=4), [1, 2], "4 numbers"),
        (MatrixKind(), [[1, 2], [3]], "different lengths"),
        (MatrixKind(square=True), [[1, 2]], "square"),
        (MatrixKind(symmetric=True), [[1, 2], [3, 4]], "not symmetric"),
        (Boolean(), 1, "true or false"),
    ],
)
def test_kinds_refuse_with_a_clear_message(kind: object, value: object, fragment: str) -> None:
    with pytest.raises(ParameterError) as caught:
        kind("p", value)
    assert "parameter 'p'" in str(caught.value)
    assert fragment in str(caught.value)

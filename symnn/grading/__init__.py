"""Grading answers to the exercise sheets against symnn's derived results.

An answer is a text such as ``y_i*(KroneckerDelta(i, j) - y_j)`` or
``[[y1*(1 - y1), -y1*y2], [-y1*y2, y2*(1 - y2)]]`` (or, from Python, a SymPy object).
Text is read by a hand-written parser (nothing is evaluated; see
:mod:`symnn.grading.parse` for the whitelist and the limits), then compared with the
derived result on the parameters' declared domain: ``correct`` only with a proof,
``incorrect`` only with a counterexample, otherwise ``undecided`` — and ``timeout`` when
the whole grade overruns its wall-clock budget::

    from symnn.grading import grade
    print(grade("softmax-jacobian", "y_i*(KroneckerDelta(i, j) - y_j)", n="n"))

>>> grade("softmax-jacobian", "y_i*KroneckerDelta(i, j) - y_i*y_j", n="n").verdict
'correct'
"""

from __future__ import annotations

from symnn.grading.errors import GradingError, UnsafeInputError
from symnn.grading.grader import choose_key, declared_domain, grade, grade_in_process, judge
from symnn.grading.parse import read_answer, result_names
from symnn.grading.syntax import parse_tree
from symnn.grading.verdict import VERDICTS, GradeResult

__all__ = [
    "VERDICTS",
    "GradeResult",
    "GradingError",
    "UnsafeInputError",
    "choose_key",
    "declared_domain",
    "grade",
    "grade_in_process",
    "judge",
    "parse_tree",
    "read_answer",
    "result_names",
]

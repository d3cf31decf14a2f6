"""Grading answers to the exercise sheets against symnn's derived results.

An answer is a text such as ``y_i*(KroneckerDelta(i, j) - y_j)`` or
``[[y1*(1 - y1), -y1*y2], [-y1*y2, y2*(1 - y2)]]``. It is read by a hand-written parser
(nothing is evaluated; see :mod:`symnn.grading.parse` for the whitelist and the limits),
then compared with the derived result by a decision route and a seeded numeric test::

    from symnn.grading import grade
    print(grade("softmax-jacobian", "y_i*(KroneckerDelta(i, j) - y_j)", n="n"))

>>> grade("softmax-jacobian", "y_i*KroneckerDelta(i, j) - y_i*y_j", n="n").correct
True
"""

from __future__ import annotations

from symnn.grading.errors import GradingError, UnsafeInputError
from symnn.grading.grader import GradeResult, choose_key, grade, judge
from symnn.grading.parse import read_answer, result_names
from symnn.grading.syntax import parse_tree

__all__ = [
    "GradeResult",
    "GradingError",
    "UnsafeInputError",
    "choose_key",
    "grade",
    "judge",
    "parse_tree",
    "read_answer",
    "result_names",
]

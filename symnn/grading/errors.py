"""The errors of answer grading.

:class:`UnsafeInputError` is raised for every answer text that is refused: malformed,
hostile, too large, or naming something outside the whitelist. :class:`GradingError` is
raised when an answer cannot be graded for another reason (an unknown result key, a
result that is not an expression or a matrix). Both are :class:`~symnn.errors.SymnnError`,
so the command line prints them as one line and exits with status 2.

>>> from symnn.errors import SymnnError
>>> issubclass(UnsafeInputError, GradingError) and issubclass(GradingError, SymnnError)
True
>>> print(UnsafeInputError("string literals", 4))
answer refused: string literals (at position 4)
"""

from __future__ import annotations

from symnn.errors import SymnnError


class GradingError(SymnnError):
    """An answer cannot be graded (unknown result key, result of an ungradable type ...)."""


class UnsafeInputError(GradingError, ValueError):
    """An answer text is refused before anything is built from it.

    ``what`` says what was refused; ``position`` is the offset in the text, if known.
    The message is always a single line.
    """

    def __init__(self, what: str, position: int | None = None) -> None:
        self.what = " ".join(what.split())
        self.position = position
        where = f" (at position {position})" if position is not None else ""
        super().__init__(f"answer refused: {self.what}{where}")

"""The exceptions symnn raises.

Every error a user can cause is a :class:`SymnnError`; its message names the bad value
and what was expected, so the command line prints it as one line without a traceback.
This module imports only the standard library, so the simulator can use it too.

>>> try:
...     raise ParameterError("n", 0, "a positive integer")
... except SymnnError as error:
...     print(error)
parameter 'n': got 0, expected a positive integer
"""

from __future__ import annotations


class SymnnError(Exception):
    """Base class of every error symnn raises on purpose."""


class ParameterError(SymnnError, ValueError):
    """A parameter of a derivation or experiment is malformed or out of its domain."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"parameter {name!r}: got {value!r}, expected {expected}")


class UnknownIdError(SymnnError, KeyError):
    """An id that is not in the catalogue."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        import difflib

        self.name = name
        hint = ", ".join(known)
        near = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        guess = f" (did you mean {', '.join(near)}?)" if near else ""
        super().__init__(f"unknown {kind} {name!r}{guess}; known: {hint}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class CertificationError(SymnnError):
    """A derivation step could not be proved by its decision route."""


class CheckError(SymnnError):
    """A numeric cross-check could not be carried out."""


class ShapeError(SymnnError, ValueError):
    """Arrays or matrices whose shapes do not fit together."""


class DataError(SymnnError):
    """A dataset file is missing, corrupt, truncated or not what its name says."""


class TrainingError(SymnnError):
    """Training cannot go on (for example the loss became NaN or infinite)."""


class ReportError(SymnnError):
    """A write-up could not be produced (for example no TeX installation)."""


class ResourceError(SymnnError):
    """A computation outgrew its time or memory budget; the message names what made it large."""


class OutputError(SymnnError, OSError):
    """An output path cannot be written (a file where a folder is needed, read-only, disk full)."""

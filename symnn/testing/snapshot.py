"""Snapshots of derived results: their LaTeX and ``srepr`` in a text file beside the test.

``render(value)`` writes what a snapshot stores: for a derivation, each named result as
its LaTeX (symnn's printer) and its ``srepr`` (the exact expression tree, assumptions
included); for any other SymPy object, the same for the object. A :class:`Snapshot`
compares ``render(value)`` with the file ``__snapshots__/<test file>/<test name>.txt``
and fails with a unified diff when they differ; in update mode it writes the file.
The pytest fixture ``symnn_snapshot`` (:mod:`symnn.testing.plugin`) makes one per test.

>>> import sympy as sp
>>> print(render(sp.Symbol("y1", real=True) ** 2), end="")
latex: y_{1}^{2}
srepr: Pow(Symbol('y1', real=True), Integer(2))
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import sympy as sp

from symnn.core.latex import to_latex
from symnn.io import write_text_atomic


def _one(value: Any) -> list[str]:
    if isinstance(value, (sp.Basic, sp.MatrixBase)):
        return [f"latex: {to_latex(value)}", f"srepr: {sp.srepr(value)}"]
    return [f"latex: {to_latex(value)}", f"repr: {value!r}"]


def render(value: Any) -> str:
    """The snapshot text of a derivation (every named result) or of one value."""
    results = getattr(value, "result", None)
    if not isinstance(results, dict):
        return "\n".join(_one(value)) + "\n"
    lines = [f"# {getattr(value, 'id', type(value).__name__)}"]
    for key, result in results.items():
        lines += [f"## {key}", *_one(result)]
    return "\n".join(lines) + "\n"


def _safe(name: str) -> str:
    """A test name usable as a file name: ``test_j[2-True]`` -> ``test_j[2-True]``, ``/`` -> ``_``."""
    return re.sub(r"[^\w\[\]\-.=,+]", "_", name)[:120]


class Snapshot:
    """The snapshots of one test: ``snapshot(value, name=None)`` asserts (or records) one.

    Several snapshots in one test are numbered ``<test>.txt``, ``<test>-2.txt``, ... unless
    named.
    """

    def __init__(self, folder: Path, test: str, update: bool, option: str = "--symnn-update") -> None:
        self.folder, self.test, self.update, self.count = Path(folder), _safe(test), update, 0
        self.option = option  # the command-line option that records snapshots

    def path(self, name: str | None = None) -> Path:
        """The file of the next snapshot (or of the one called ``name``)."""
        if name is not None:
            return self.folder / f"{self.test}-{_safe(name)}.txt"
        suffix = "" if self.count == 1 else f"-{self.count}"
        return self.folder / f"{self.test}{suffix}.txt"

    def __call__(self, value: Any, name: str | None = None) -> None:
        self.count += 1
        path, text = self.path(name), render(value)
        if self.update:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(path, text)
            return
        if not path.exists():
            raise AssertionError(f"no snapshot {path}; run pytest {self.option} to record it")
        stored = path.read_text(encoding="utf-8")
        if stored != text:
            diff = difflib.unified_diff(stored.splitlines(), text.splitlines(), "stored", "now", lineterm="")
            raise AssertionError(f"snapshot {path} changed (run pytest {self.option} to accept):\n"
                                 + "\n".join(diff))

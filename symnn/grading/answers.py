"""Answers given as SymPy objects: their names, and the result's symbols put in their place.

A SymPy answer (from a notebook or a test suite) is built with the user's own symbols,
which rarely carry symnn's assumptions (``real=True``, ``positive=True``). Symbols are
matched **by name** with the symbols of the graded result (``y[i]`` by ``y_i``, as in
text answers), so ``sp.Symbol("alpha")`` stands for the result's ``alpha``. A name the
result does not have is refused, as it is for text.

>>> import sympy as sp
>>> alpha = sp.Symbol("alpha", real=True)
>>> adopt_symbols((1 - sp.Symbol("alpha")) / 2, {"alpha": alpha}).free_symbols == {alpha}
True
>>> adopt_symbols(sp.Symbol("beta"), {"alpha": alpha})
Traceback (most recent call last):
...
symnn.grading.errors.UnsafeInputError: answer refused: the unknown name 'beta' (allowed names: alpha)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from symnn.grading.errors import GradingError, UnsafeInputError
from symnn.grading.parse import natural_key, used_names
from symnn.grading.syntax import Matrix, Node


def _as_value(answer: Any) -> Any:
    if isinstance(answer, (list, tuple)):
        answer = sp.Matrix(answer)
    if isinstance(answer, sp.MatrixBase):
        return sp.Matrix(answer)
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return sp.nsimplify(answer, rational=True) if isinstance(answer, float) else sp.Integer(answer)
    if isinstance(answer, sp.Expr):
        return answer
    raise GradingError(f"an answer of type {type(answer).__name__} (expected text, a SymPy expression "
                       "or a SymPy Matrix)")


def _name(atom: Any) -> str | None:
    if isinstance(atom, sp.Indexed):
        indices = atom.indices
        return f"{atom.base.label}_{indices[0]}" if len(indices) == 1 else None
    return atom.name if isinstance(atom, sp.Symbol) else None


def _atoms(value: Any) -> list[Any]:
    """The symbols and indexed entries of ``value`` (labels of ``y[i]`` left out)."""
    atoms = value.free_symbols
    labels = {atom.base.label for atom in atoms if isinstance(atom, sp.Indexed)}
    return sorted(atoms - labels, key=sp.default_sort_key)


def answer_names(tree: Node | None, answer: Any) -> tuple[set[str], bool]:
    """The names an answer uses and whether it is a matrix (from its tree, or its SymPy value)."""
    if tree is not None:
        return set(used_names(tree)), isinstance(tree, Matrix)
    value = _as_value(answer)
    return {name for name in map(_name, _atoms(value)) if name}, isinstance(value, sp.MatrixBase)


def adopt_symbols(answer: Any, names: Mapping[str, sp.Basic]) -> Any:
    """``answer`` with each symbol replaced by the result's symbol of the same name."""
    value = _as_value(answer)
    replaced = {}
    for atom in _atoms(value):
        name = _name(atom)
        if name in names:
            replaced[atom] = names[name]
        elif not (isinstance(atom, sp.Symbol) and any(
                isinstance(other, sp.Indexed) and atom in other.indices for other in value.free_symbols)):
            allowed = ", ".join(sorted(names, key=natural_key)) or "none"
            raise UnsafeInputError(f"the unknown name {name or sp.sstr(atom)!r} (allowed names: {allowed})")
    return value.xreplace(replaced)

"""Index cases: a statement about general integer indices as finitely many generic cases.

An expression in integer index symbols ``i, j`` (positive integers of any size) and
``KroneckerDelta`` splits into the cases of which indices are equal to each other or to
an integer written in a delta: for ``KroneckerDelta(i, j) + KroneckerDelta(i, 4)`` the
cases are ``i = j = 4``, ``i = j != 4``, ``i = 4 != j``, ``j = 4 != i`` and ``i, j, 4``
all different. In each case every delta is 1 or 0, and what is left holds for *all*
index values of the case when it holds with the indices as free symbols. Indexed
entries such as ``y[i]``, ``y[j]`` are then independent unknowns (distinct indices name
distinct entries) and finite sums over a symbolic size are opaque unknowns: a
difference reduced to 0 with them free is 0 whatever their values.

>>> import sympy as sp

>>> i, j = sp.symbols("i j", integer=True, positive=True)
>>> y = sp.IndexedBase("y", positive=True)
>>> [label for label, _ in index_cases(y[i] * (sp.KroneckerDelta(i, j) - y[j]))]
['i != j', 'i = j']
>>> [case for _, case in index_cases(sp.KroneckerDelta(i, j) * y[j])]
[0, _y_i]
>>> len(index_cases(sp.KroneckerDelta(i, j) + sp.KroneckerDelta(i, 4)))
5
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sympy as sp

from symnn.core.exact import as_sympy

MAX_INDEX_SYMBOLS = 5


def _partitions(items: list[Any]) -> Iterator[list[list[Any]]]:
    """Every set partition of ``items`` (the first item's block is formed first)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1:]]


def _allowed(symbol: sp.Symbol, value: sp.Integer) -> bool:
    return not ((symbol.is_positive and value < 1) or (symbol.is_nonnegative and value < 0))


def _assignments(blocks: list[list[Any]], constants: list[sp.Integer]) -> Iterator[list[Any]]:
    """For each block, no constant (``None``) or a distinct constant every symbol may take."""
    if not blocks:
        yield []
        return
    for rest in _assignments(blocks[1:], constants):
        yield [None, *rest]
        for value in constants:
            if value not in rest and all(_allowed(symbol, value) for symbol in blocks[0]):
                yield [value, *rest]


def _delta_terms(expr: sp.Expr) -> tuple[list[sp.Symbol], list[sp.Integer]]:
    symbols: set[sp.Symbol] = set()
    constants: set[sp.Integer] = set()
    for delta in expr.atoms(sp.KroneckerDelta):
        for arg in delta.args:
            if isinstance(arg, sp.Symbol) and arg.is_integer:
                symbols.add(arg)
            elif arg.is_Integer:
                constants.add(arg)
    return sorted(symbols, key=str), sorted(constants)


def _resolve_deltas(expr: sp.Expr, classes: dict[Any, Any]) -> sp.Expr:
    """Every delta between two different classes becomes 0 (equal ones are already 1)."""

    def resolve(delta: sp.KroneckerDelta) -> sp.Expr:
        a, b = (classes.get(arg, arg) for arg in delta.args)
        known = all(isinstance(x, (sp.Symbol, sp.Integer)) for x in (a, b))
        return sp.Integer(int(a == b)) if known else delta

    return expr.replace(lambda e: isinstance(e, sp.KroneckerDelta), resolve)


def generic(expr: sp.Expr) -> sp.Expr:
    """Indexed entries and finite sums/products replaced by fresh symbols of the same sign.

    ``y[i]`` becomes the symbol ``y_i`` (positive if ``y`` is), so routes treat distinct
    entries as independent unknowns.
    """
    replaced: dict[Any, Any] = {}
    for atom in sorted(expr.atoms(sp.Indexed, sp.Sum, sp.Product), key=sp.default_sort_key):
        if isinstance(atom, sp.Indexed):
            name = f"{atom.base.label}_" + "_".join(str(index) for index in atom.indices)
        else:
            name = f"{type(atom).__name__}_{len(replaced)}"
        sign = ({"positive": True} if atom.is_positive else {"nonnegative": True} if atom.is_nonnegative
                else {"real": True} if atom.is_real else {})
        replaced[atom] = sp.Dummy(name, **sign)
    return expr.xreplace(replaced) if replaced else expr


def index_cases(expr: Any) -> list[tuple[str, sp.Expr]]:
    """The generic cases of ``expr``: (label, the case with deltas resolved, made generic).

    Without deltas between index symbols the only case is ``expr`` itself (made generic).
    """
    expr = as_sympy(expr)
    symbols, constants = _delta_terms(expr)
    if not symbols or len(symbols) > MAX_INDEX_SYMBOLS:
        return [("", generic(expr))]
    cases = []
    for partition in _partitions(symbols):
        partition = sorted((sorted(block, key=str) for block in partition), key=lambda b: str(b[0]))
        for values in _assignments(partition, constants):
            classes: dict[Any, Any] = {}
            for block, value in zip(partition, values):
                for symbol in block:
                    classes[symbol] = block[0] if value is None else value
            case = _resolve_deltas(expr.xreplace(classes), classes)
            cases.append((_label(partition, values, constants), generic(case)))
    return cases


def _label(partition: list[list[Any]], values: list[Any], constants: list[sp.Integer]) -> str:
    """``'i = j; i != 4'``: the equalities of the case, then which classes differ."""
    parts = [" = ".join([*map(str, block), *([str(value)] if value is not None else [])])
             for block, value in zip(partition, values) if len(block) > 1 or value is not None]
    distinct = [str(block[0]) if value is None else str(value) for block, value in zip(partition, values)]
    distinct += [str(value) for value in constants if value not in values]
    if len(distinct) == 2:
        parts.append(" != ".join(distinct))
    elif len(distinct) > 2:
        parts.append(f"{', '.join(distinct)} all different")
    return "; ".join(parts)

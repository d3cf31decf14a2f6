"""The whole gradient certified: equal to the entrywise derivative of the explicit function.

The chain of rules is proved rule by rule; this module proves the result as a whole. Every
matrix is written out as a grid of symbols, ``f`` is expanded to one scalar expression, each
entry of the variable is differentiated by SymPy, and the difference to the gradient
(also written out) is reduced to 0 by a decision route. Sizes given as numbers are used as
they are when the expansion is small; otherwise (and for sizes given as names) the same
derivation is repeated with size names and checked at two small assignments, after
confirming that it gives the very same formula back at the given numbers.

>>> verify_gradient("tr(A*B)", [["A", "m", "n"], ["B", "n", "m"]], "A")
'entrywise derivative at sizes A 2x2, B 2x2; A 3x2, B 2x3 (expand)'
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.core.certify import certify
from symnn.errors import CertificationError
from symnn.matrix_calculus.expression import read_typed
from symnn.matrix_calculus.functions import explicit
from symnn.matrix_calculus.reverse import collect_right_factors, reverse_mode
from symnn.matrix_calculus.rules import RULES, route_of
from symnn.matrix_calculus.verify import (
    MAX_ENTRIES,
    MAX_INVERSE,
    NAMED_ROUTES,
    all_size_assignments,
    explicit_matrix,
    to_explicit,
)

ROUTES = ("expand", "indicators-expand", "cleared-expand", "exp-atoms")


def derive_gradient(text: str, shapes: Any, wrt: str) -> tuple[Any, Any, Any]:
    """(term, matrices, gradient written with common right factors collected)."""
    term, matrices = read_typed(text, shapes)
    sweep = reverse_mode(term, matrices[wrt])
    return term, matrices, collect_right_factors(sweep.gradient)


def _generic_shapes(shapes: Any) -> tuple[list[list[Any]], dict[sp.Symbol, int]]:
    names: dict[int, sp.Symbol] = {}
    generic = []
    for name, rows, cols in shapes:
        row = []
        for size in (rows, cols):
            if isinstance(size, (str, sp.Symbol)) or int(size) == 1:
                row.append(size)
            else:
                names.setdefault(int(size), sp.Symbol(f"s{len(names)}", integer=True, positive=True))
                row.append(names[int(size)])
        generic.append([name, *row])
    return generic, {symbol: number for number, symbol in names.items()}


def _small(matrices: dict[str, sp.MatrixSymbol], inverse: bool) -> bool:
    for symbol in matrices.values():
        rows, cols = symbol.shape
        if not (rows.is_Integer and cols.is_Integer):
            return False
        if int(rows) * int(cols) > MAX_ENTRIES or (inverse and max(int(rows), int(cols)) > MAX_INVERSE):
            return False
    return True


def _routes_of(term: Any) -> list[str]:
    """The routes of the rules met in ``term``, most specific first, then the others."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if node.kind in RULES:
            route = route_of(node.kind, node.value)
            if route not in found and route != "expand":
                found.append(route)
        for child in node.children:
            walk(child)

    walk(term)
    return found + [route for route in ROUTES if route not in found]


def _certify_any(got: Any, want: Any, routes: list[str]) -> str:
    failures = []
    for route in routes:
        try:
            certify(got, want, NAMED_ROUTES.get(route, route))
        except CertificationError as error:
            failures.append(str(error))
            continue
        return route
    raise CertificationError("the gradient is not the entrywise derivative: " + failures[-1])


def _check_at(term: Any, matrices: dict[str, sp.MatrixSymbol], wrt: str, gradient: Any,
              sizes: dict[sp.Symbol, int]) -> tuple[str, str]:
    grids = {}
    for name, symbol in matrices.items():
        rows, cols = (int(sp.sympify(s).xreplace(sizes)) for s in symbol.shape)
        grids[symbol.xreplace(sizes)] = explicit_matrix(name, (rows, cols))
    f_value = explicit(to_explicit(term.expr.xreplace(sizes).xreplace(grids)))
    variable = grids[matrices[wrt].xreplace(sizes)]
    want = variable.applyfunc(lambda entry: sp.diff(f_value, entry))
    got = explicit(to_explicit(sp.sympify(gradient).xreplace(sizes).xreplace(grids)))
    if not isinstance(got, sp.MatrixBase):
        got = sp.Matrix([[got]]) if want.shape == (1, 1) else got
    route = _certify_any(sp.Matrix(got), want, _routes_of(term))
    shown = ", ".join(f"{name} {grid.rows}x{grid.cols}" for name, grid in
                      zip(matrices, grids.values()))
    return shown, route


def verify_gradient(text: str, shapes: Any, wrt: str) -> str:
    """Certify the gradient of ``text`` in ``wrt`` as a whole; return the certificate text."""
    term, matrices, gradient = derive_gradient(text, shapes, wrt)
    inverse = any(word in text for word in ("inv", "det"))
    if _small(matrices, inverse):
        shown, route = _check_at(term, matrices, wrt, gradient, {})
        return f"entrywise derivative at sizes {shown} ({route})"
    generic, numbers = _generic_shapes(shapes)
    g_term, g_matrices, g_gradient = derive_gradient(text, generic, wrt)
    if numbers and g_gradient.xreplace(numbers) != gradient:
        raise CertificationError("the derivation at size names does not give the same formula back")
    symbols = sorted({s for m in g_matrices.values() for s in m.shape if isinstance(s, sp.Symbol)},
                     key=lambda s: s.name)
    parts, routes = [], []
    for sizes in all_size_assignments(symbols):
        if inverse:
            sizes = {s: v - 1 for s, v in sizes.items()}
        shown, route = _check_at(g_term, g_matrices, wrt, g_gradient, sizes)
        parts.append(shown)
        routes.append(route)
    return f"entrywise derivative at sizes {'; '.join(parts)} ({', '.join(sorted(set(routes)))})"


def verify_same(first: Any, second: Any, matrices: dict[str, sp.MatrixSymbol]) -> str:
    """Certify that two matrix expressions agree entrywise (at sizes 2 and 3 for size names)."""
    symbols = sorted({s for m in matrices.values() for s in m.shape if isinstance(s, sp.Symbol)},
                     key=lambda s: s.name)
    numeric = not symbols and _small(matrices, inverse=False)
    for sizes in ([{}] if numeric else all_size_assignments(symbols)):
        grids = {}
        for name, symbol in matrices.items():
            rows, cols = (int(sp.sympify(s).xreplace(sizes)) for s in symbol.shape)
            grids[symbol.xreplace(sizes)] = explicit_matrix(name, (rows, cols))
        a = explicit(to_explicit(sp.sympify(first).xreplace(sizes).xreplace(grids)))
        b = explicit(to_explicit(sp.sympify(second).xreplace(sizes).xreplace(grids)))
        certify(a, b, "expand")
    return "expand"

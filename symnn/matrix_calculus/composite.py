"""The whole gradient: proved for every size by the chain rule, corroborated entrywise.

Reverse mode is the chain rule: when every rule it applied is certified at symbolic sizes
(:mod:`symnn.matrix_calculus.symbolic`), the gradient holds for every size
(:class:`GradientProof`). Independently, the result is compared with the entrywise
derivative of the written-out function (:func:`check_entrywise`): every matrix is written
out as a grid of symbols, ``f`` is expanded to one scalar expression, each entry of the
variable is differentiated by SymPy, and the difference to the gradient (also written out)
is reduced to 0 by a decision route. Sizes given as numbers are used as they are when the
expansion is small (a proof at the given sizes); otherwise (and for sizes given as names)
the same derivation is repeated with size names and checked at two small assignments, after
confirming that it gives the very same formula back at the given numbers. Two sizes are not
a proof for every size: this check corroborates, and when a rule is not certified for every
size the gradient is reported as verified at those sizes, not proved for every size.

>>> check_entrywise("tr(A*B)", [["A", "m", "n"], ["B", "n", "m"]], "A").describe()
'entrywise at sizes A 2x2, B 2x2; A 3x2, B 2x3 (expand)'
>>> term, matrices = read_typed("log(det(S))", [["S", "n", "n"]])
>>> proof = prove_gradient(reverse_mode(term, matrices["S"]), "log(det(S))", [["S", "n", "n"]], "S")
>>> proof.proved, proof.route()
(False, 'entrywise at sizes S 1x1; S 2x2 (cleared-expand), not proved for every size')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.certify import certify
from symnn.errors import CertificationError
from symnn.matrix_calculus.entrywise import decide, routes_for
from symnn.matrix_calculus.expression import read_typed
from symnn.matrix_calculus.identity import MATRIX_EXPAND
from symnn.matrix_calculus.reverse import ReverseMode, collect_right_factors, reverse_mode
from symnn.matrix_calculus.symbolic import certify_symbolic
from symnn.matrix_calculus.termwise import TERM_BY_TERM, check_terms, summands
from symnn.matrix_calculus.verify import (
    MAX_ENTRIES,
    MAX_INVERSE,
    all_size_assignments,
    grids_at,
    written_out,
)


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


def check_at(term: Any, matrices: dict[str, sp.MatrixSymbol], wrt: str, gradient: Any,
             sizes: dict[sp.Symbol, int]) -> tuple[str, str]:
    """(the sizes, the route) where ``gradient`` equals the entrywise derivative of ``term``'s
    function written out at ``sizes`` (every size name given a number); raises
    :class:`~symnn.errors.CertificationError` saying refuted or undecided
    (:func:`~symnn.matrix_calculus.entrywise.decide`). A sum of scalar terms is decided term
    by term (:func:`~symnn.matrix_calculus.termwise.check_terms`), each term by the routes
    of its class.

    >>> term, matrices = read_typed("sum(relu(X*w))", [["X", 2, 2], ["w", 2, 1]])
    >>> X, w = matrices["X"], matrices["w"]
    >>> check_at(term, matrices, "w", X.T * X * w, {})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symnn.errors.CertificationError: the gradient is not the entrywise derivative: at a rational point, ...
    >>> term, matrices = read_typed("w'*w + sum(relu(X*w))", [["X", 2, 2], ["w", 2, 1]])
    >>> check_at(term, matrices, "w", reverse_mode(term, matrices["w"]).gradient, {})[1]
    'term by term: expand, indicators-expand; their sum: matrix-expand'
    """
    if len(summands(term)) > 1:
        return check_terms(term, matrices, wrt, gradient, sizes, _check_term)
    return _check_term(term, matrices, wrt, gradient, sizes)


def _check_term(term: Any, matrices: dict[str, sp.MatrixSymbol], wrt: str, gradient: Any,
                sizes: dict[sp.Symbol, int]) -> tuple[str, str]:
    grids = grids_at(matrices, sizes)
    f_value = written_out(term.expr, sizes, grids)
    variable = grids[matrices[wrt].xreplace(sizes)]
    want = variable.applyfunc(lambda entry: sp.diff(f_value, entry))
    got = written_out(gradient, sizes, grids)
    if not isinstance(got, sp.MatrixBase):
        got = sp.Matrix([[got]]) if want.shape == (1, 1) else got
    route = decide(sp.Matrix(got), want, routes_for(term))
    shown = ", ".join(f"{name} {grid.rows}x{grid.cols}" for name, grid in
                      zip(matrices, grids.values()))
    return shown, route


@dataclass(frozen=True)
class Entrywise:
    """Where the gradient met the entrywise derivative: the sizes, the route, and whether the
    sizes were the given ones (then it is a proof at the given sizes)."""

    sizes: str
    route: str
    given: bool

    def describe(self) -> str:
        """E.g. ``'entrywise at sizes A 2x2, B 2x2 (expand)'``."""
        return f"entrywise at sizes {self.sizes} ({self.route})"

    @property
    def termwise(self) -> bool:
        """Decided term by term (a sum of scalar terms, :mod:`symnn.matrix_calculus.termwise`)."""
        return self.route.startswith(TERM_BY_TERM)


def check_entrywise(text: str, shapes: Any, wrt: str) -> Entrywise:
    """Compare the gradient of ``text`` in ``wrt`` with the entrywise derivative, exactly.

    Raises :class:`~symnn.errors.CertificationError` when they differ (or a route cannot tell).
    """
    term, matrices, gradient = derive_gradient(text, shapes, wrt)
    inverse = any(word in text for word in ("inv", "det"))
    if _small(matrices, inverse):
        shown, route = check_at(term, matrices, wrt, gradient, {})
        return Entrywise(shown, route, True)
    generic, numbers = _generic_shapes(shapes)
    g_term, g_matrices, g_gradient = derive_gradient(text, generic, wrt)
    # the same formula up to the names of bound variables (each derivation makes its own
    # Dummy in the Lambda of an elementwise derivative)
    if numbers and g_gradient.xreplace(numbers).as_dummy() != gradient.as_dummy():
        raise CertificationError("the derivation at size names does not give the same formula back")
    symbols = sorted({s for m in g_matrices.values() for s in m.shape if isinstance(s, sp.Symbol)},
                     key=lambda s: s.name)
    parts, routes = [], []
    for sizes in all_size_assignments(symbols):
        if inverse:
            sizes = {s: v - 1 for s, v in sizes.items()}
        shown, route = check_at(g_term, g_matrices, wrt, g_gradient, sizes)
        parts.append(shown)
        routes.append(route)
    return Entrywise("; ".join(parts), ", ".join(sorted(set(routes))), False)


@dataclass(frozen=True)
class GradientProof:
    """What establishes the gradient: for every size by the chain rule over rules certified at
    symbolic sizes, or only entrywise (at the given sizes, or at other sizes: undecided)."""

    every_size: bool
    entrywise: Entrywise
    undecided: tuple[str, ...]
    named: bool

    @property
    def proved(self) -> bool:
        """Proved for the sizes the problem asks about (every size, or the given numbers)."""
        return self.every_size or self.entrywise.given

    def holds(self, sweep: ReverseMode) -> bool:
        """The claim as worded by :meth:`route`: the rules of ``sweep`` certified for every size
        when that is claimed, and the entrywise comparison made (it raises when it fails)."""
        return sweep.every_size == self.every_size and bool(self.entrywise.sizes)

    def route(self) -> str:
        """The certificate's words for the step that states the whole gradient."""
        if self.every_size:
            return "chain rule of rules certified for every size"
        if self.entrywise.given:
            how = f", decided {TERM_BY_TERM}" if self.entrywise.termwise else ""
            return f"entrywise derivative at the given sizes{how}"
        return f"{self.entrywise.describe()}, {self._not_proved()}"

    def _not_proved(self) -> str:
        return "not proved for every size" if self.named else "not proved at the given sizes"

    def sentence(self) -> str:
        """One sentence for the write-up (sizes ``2x3`` as in the certificates)."""
        if self.every_size:
            return ("Proved for every size: each rule above is certified at symbolic sizes and reverse "
                    f"mode is the chain rule; corroborated {self.entrywise.describe()}.")
        rules = "; ".join(self.undecided)
        if self.entrywise.given:
            return (f"Proved {self.entrywise.describe()}, the given sizes; not proved for other sizes, "
                    f"as a rule is not certified at symbolic sizes ({rules}).")
        return (f"Not proved for every size (undecided), as a rule is not certified at symbolic sizes "
                f"({rules}). The gradient is verified {self.entrywise.describe()}, {self._not_proved()}.")


def prove_gradient(sweep: ReverseMode, text: str, shapes: Any, wrt: str) -> GradientProof:
    """The chain of certified rules of ``sweep`` and the entrywise check, as one verdict."""
    undecided = []
    for step in sweep.steps:
        if not step.every_size:
            node = step.node
            pattern = tuple(c.shape is not None for c in node.children)
            entry = f"{step.rule.name}: {certify_symbolic(node.kind, node.value, pattern).why}"
            if entry not in undecided:
                undecided.append(entry)
    named = any(isinstance(size, (str, sp.Symbol)) for _, *sizes in shapes for size in sizes)
    return GradientProof(sweep.every_size, check_entrywise(text, shapes, wrt), tuple(undecided), named)


def verify_same(first: Any, second: Any) -> str:
    """Certify that two matrix expressions are equal for every size (distributivity, ``matrix-expand``)."""
    certify(first, second, MATRIX_EXPAND)
    return "matrix-expand"

"""A sum of scalar terms compared with the entrywise derivative term by term.

When ``f = s_1 f_1 + ... + s_K f_K`` (each sign ``s_k = ±1``, each ``f_k`` a scalar term that
is not itself a sum or difference), one decision route on the whole difference has to
decide every class of term at once; its work grows with the product of what each term needs
(a ReLU term, a softplus term and a quadratic term side by side). The comparison is split:

1. **linearity** -- the derivative is linear,
   :math:`\\partial f / \\partial x = \\sum_k s_k\\, \\partial f_k / \\partial x`: a stated rule of
   calculus; that ``f`` is the sum of its terms is checked by ``matrix-expand`` (it can fail);
2. **each term** -- the engine's gradient :math:`G_k` of ``f_k`` alone (reverse mode on the
   term) is compared with the entrywise derivative of ``f_k`` by the routes of *its* class
   (:func:`~symnn.matrix_calculus.entrywise.routes_for` on the term); a refutation or an
   undecided comparison names the term;
3. **the sum** -- the gradient equals :math:`\\sum_k s_k G_k`: as matrix expressions for every
   size (``matrix-expand``), else entry by entry by the routes of ``f`` (refuted with a
   counterexample, or undecided).

Together: gradient :math:`= \\sum_k s_k G_k = \\sum_k s_k\\, \\partial f_k/\\partial x =
\\partial f/\\partial x`, at the sizes written out.

>>> from symnn.matrix_calculus.expression import read_typed
>>> term, _ = read_typed("w'*w - sum(relu(X*w)) + y'*X*w", [["X", 3, 2], ["w", 2, 1], ["y", 3, 1]])
>>> [(sign, part.text) for sign, part in summands(term)]
[(1, "w'*w"), (-1, 'sum(relu(X*w))'), (1, "y'*X*w")]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from symnn.core.certify import certify
from symnn.core.exact import as_sympy
from symnn.errors import CertificationError
from symnn.matrix_calculus.entrywise import decide, routes_for
from symnn.matrix_calculus.expression import OPS, Term
from symnn.matrix_calculus.identity import MATRIX_EXPAND
from symnn.matrix_calculus.reverse import collect_right_factors, reverse_mode
from symnn.matrix_calculus.verify import grids_at, written_out

#: the words of a comparison decided term by term
TERM_BY_TERM = "term by term"
#: check_at(term, matrices, wrt, gradient, sizes) -> (sizes shown, route), for one term
Compare = Callable[[Term, dict[str, sp.MatrixSymbol], str, Any, dict[sp.Symbol, int]], tuple[str, str]]


def summands(term: Term) -> list[tuple[int, Term]]:
    """The signed scalar terms of ``term``: through sums, differences and negations of scalars,
    and of ``1 x 1`` matrices read as a scalar (``tr(A + B) = tr(A) + tr(B)``).

    A term that is not such a sum is its own only summand.
    """
    if term.kind == "entry":
        inner = summands(term.children[0])
        if len(inner) > 1:
            return [(sign, _entry(part)) for sign, part in inner]
    if term.kind not in ("add", "sub", "neg") or not (term.shape is None or tuple(term.shape) == (1, 1)):
        return [(1, term)]
    if term.kind == "neg":
        return [(-sign, part) for sign, part in summands(term.children[0])]
    left, right = (summands(child) for child in term.children)
    flip = -1 if term.kind == "sub" else 1
    return left + [(flip * sign, part) for sign, part in right]


def _entry(part: Term) -> Term:
    """A ``1 x 1`` matrix term read as a scalar (an ``entry`` node), as the reader does."""
    if part.shape is None:
        return part
    return Term("entry", (part,), "", None, OPS["entry"]((part.expr,), ""), part.text)


def term_gradient(part: Term, wrt: sp.MatrixSymbol) -> Any:
    """The engine's gradient of one term alone (reverse mode, common right factors collected)."""
    return collect_right_factors(reverse_mode(part, wrt).gradient)


def _signed_sum(pieces: list[tuple[int, Any]], shape: tuple[Any, Any]) -> Any:
    total = sp.MatAdd(*(piece if sign == 1 else -piece for sign, piece in pieces))
    return total if total.args else sp.ZeroMatrix(*shape)


def _whole(term: Term, parts: list[tuple[int, Term]]) -> None:
    """``f`` is the signed sum of its terms (``matrix-expand``; raises when it is not)."""
    certify(term.expr, sp.Add(*(sign * part.expr for sign, part in parts)), MATRIX_EXPAND)


def _sum_route(term: Term, matrices: dict[str, sp.MatrixSymbol], wrt: str, gradient: Any,
               total: Any, sizes: dict[sp.Symbol, int]) -> str:
    """The route proving ``gradient == total`` (the signed sum of the terms' gradients)."""
    try:
        certify(as_sympy(gradient).xreplace(sizes), as_sympy(total).xreplace(sizes), MATRIX_EXPAND)
        return MATRIX_EXPAND.name
    except CertificationError:
        pass
    grids = grids_at(matrices, sizes)

    def written(matrix: Any) -> sp.Matrix:
        value = written_out(matrix, sizes, grids)
        return sp.Matrix(value) if isinstance(value, sp.MatrixBase) else sp.Matrix([[value]])

    return decide(written(gradient), written(total), routes_for(term))


def check_terms(term: Term, matrices: dict[str, sp.MatrixSymbol], wrt: str, gradient: Any,
                sizes: dict[sp.Symbol, int], compare: Compare,
                gradient_of: Callable[[Term, sp.MatrixSymbol], Any] = term_gradient) -> tuple[str, str]:
    """(the sizes, the route) for a sum decided term by term (see the module's steps); the
    route reads ``'term by term: <the route of each term, in order>; their sum: <route>'``.

    ``compare`` decides one term (:func:`~symnn.matrix_calculus.composite.check_at`);
    ``gradient_of`` gives the engine's gradient of one term. Raises
    :class:`~symnn.errors.CertificationError`: refuted or undecided, naming the term when the
    comparison of a term fails.
    """
    parts = summands(term)
    _whole(term, parts)
    variable = matrices[wrt]
    shown, routes, pieces = "", [], []
    for number, (sign, part) in enumerate(parts, start=1):
        piece = gradient_of(part, variable)
        try:
            shown, route = compare(part, matrices, wrt, piece, sizes)
        except CertificationError as error:
            raise CertificationError(f"{error} (decided term by term: term {number} of {len(parts)}, "
                                     f"{part.text!r})") from None
        routes.append(route)
        pieces.append((sign, piece))
    total = _signed_sum(pieces, variable.shape)
    try:
        summed = _sum_route(term, matrices, wrt, gradient, total, sizes)
    except CertificationError as error:
        raise CertificationError(f"{error} (decided term by term: the gradient against the sum of the "
                                 "terms' gradients)") from None
    return shown, f"{TERM_BY_TERM}: {', '.join(routes)}; their sum: {summed}"

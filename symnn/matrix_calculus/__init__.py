"""Matrix calculus: gradients of matrix expressions, derived rule by rule, certified, checked.

Give a scalar function of matrices as text (read by a whitelist reader, never evaluated)
or as a SymPy expression in ``MatrixSymbol`` objects, name the matrix to differentiate by,
and get the gradient in matrix notation with one certified step per node of the
expression (:mod:`~symnn.matrix_calculus.rules`, each rule certified at symbolic sizes, so
for every size), the whole result proved by the chain rule and corroborated against the
entrywise derivative, and a numeric cross-check.

=====================  ==================================================================
module                 contents
=====================  ==================================================================
``reader``             the grammar and its whitelist reader (text -> tree)
``expression``         shapes, SymPy objects, refusals naming the sub-expression
``functions``          the elementwise functions as a table (relu, sigmoid, tanh, ...)
``rules``              the reverse-mode rules as a table, one per node kind
``identity``           identities at symbolic sizes; SymPy's matrix derivative, guarded
``symbolic``           a rule certified at symbolic sizes, for every size
``routes``             the decision routes for entries written out in scalars
``verify``             a rule proved by explicit expansion at concrete sizes
``reverse``            the reverse sweep; common right factors collected
``entrywise``          the entrywise comparison: proved, refuted or undecided
``composite``          the whole gradient: chain rule, corroborated entrywise
``numeric``, ``check``  NumPy evaluation, finite differences, the simulator's layers
``printing``           LaTeX in the course's notation
``from_sympy``         SymPy input written in the grammar
``params``             the parameter kinds of ``matrix-gradient``
=====================  ==================================================================

>>> d = gradient("tr(A*B)", "A", [["A", "m", "n"], ["B", "n", "m"]])
>>> d.result["gradient"], d.result["gradient"].shape
(B.T, (m, n))
>>> import sympy as sp
>>> S, v = sp.MatrixSymbol("S", 3, 3), sp.MatrixSymbol("v", 3, 1)
>>> gradient(sp.Trace(v.T * S * v), v).result["gradient"]
(S + S.T)*v
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.matrix_calculus.reader import FUNCTIONS, MatrixExpressionError, read_expression

__all__ = ["FUNCTIONS", "MatrixExpressionError", "gradient", "read_expression"]


def gradient(f: Any, wrt: Any, shapes: Any = None) -> Any:
    """The certified derivation of ``∇_wrt f`` (a :class:`~symnn.core.derivation.Derivation`).

    ``f`` is text of the grammar or a SymPy expression; ``wrt`` a name or a ``MatrixSymbol``;
    ``shapes`` ``[[name, rows, cols], ...]`` (read off the matrix symbols of SymPy input).
    """
    from symnn.core.registry import derive
    from symnn.matrix_calculus.from_sympy import as_text

    if isinstance(wrt, sp.MatrixSymbol):
        wrt = wrt.name
    if isinstance(f, sp.Basic):
        f, found = as_text(f)
        shapes = shapes or found
    if shapes is None:
        raise MatrixExpressionError(str(f), "declare the shapes: [[name, rows, cols], ...]", "shapes")
    return derive("matrix-gradient", f=f, wrt=wrt, shapes=shapes)

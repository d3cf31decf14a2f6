"""A derived expression evaluated at numbers, for the cross-checks that judge a result.

Symbols are matched by name, so a checker can evaluate whatever expression a derivation
returns (its own, or a changed one) without holding the derivation's symbol objects: a
vector ``z`` given as numbers fills both the symbols ``z1, z2, ...`` and the entries
``z[k]`` of an indexed base named ``z``; other names are scalars. Sums over a concrete
range are expanded first. The value is taken at 30 digits and returned as floats.

>>> import sympy as sp

>>> z1, z2, c = sp.symbols("z1 z2 c", real=True)
>>> value_at(sp.Matrix([sp.exp(z1 + c), z2]), {"z": [0.0, 2.0]}, {"c": 1.0})
array([[2.71828183],
       [2.        ]])
>>> k = sp.Symbol("k", integer=True)
>>> float(value_at(sp.Sum(sp.IndexedBase("z")[k], (k, 1, 2)), {"z": [3.0, 4.0]}))
7.0
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.exact import as_sympy
from symnn.errors import CheckError

_ENTRY = re.compile(r"([A-Za-z]+)_?(\d+)")

#: NumPy for ``sympy.lambdify(..., modules=NUMPY_NAMESPACE)``: the module itself. lambdify prints
#: the same code as for the string ``"numpy"`` and finds the same functions, without running
#: ``from numpy import *`` (which loads numpy.testing, numpy.f2py and the other submodules
#: NumPy imports lazily, 0.1-0.2 s once per process).
NUMPY_NAMESPACE = np


def _scalar(expr: sp.Expr, vectors: dict[str, Sequence[float]], scalars: dict[str, float]) -> float:
    expr = as_sympy(expr).doit()
    expr = expr.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base.label.name in vectors and e.indices[0].is_Integer,
        lambda e: sp.Float(vectors[e.base.label.name][int(e.indices[0]) - 1], 30))
    values: dict[sp.Symbol, sp.Float] = {}
    for symbol in expr.free_symbols:
        entry = _ENTRY.fullmatch(symbol.name)
        if symbol.name in scalars:
            values[symbol] = sp.Float(scalars[symbol.name], 30)
        elif entry and entry[1] in vectors:
            values[symbol] = sp.Float(vectors[entry[1]][int(entry[2]) - 1], 30)
    number = sp.N(expr.xreplace(values), 30)
    if not number.is_number:
        raise CheckError(f"value_at: {sp.sstr(number)} has symbols without values")
    return float(sp.re(number)) if number.is_real is not False else float("nan")


def value_at(expr: Any, vectors: dict[str, Sequence[float]],
             scalars: dict[str, float] | None = None) -> np.ndarray:
    """``expr`` (an expression or a matrix) with ``vectors`` and ``scalars`` put in, as floats."""
    scalars = scalars or {}
    if isinstance(expr, sp.MatrixBase):
        return np.array([[_scalar(e, vectors, scalars) for e in row] for row in expr.tolist()])
    return np.array(_scalar(expr, vectors, scalars))


__all__ = ["value_at"]

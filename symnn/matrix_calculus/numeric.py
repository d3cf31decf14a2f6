"""Numeric evaluation of typed matrix expressions with NumPy, independent of SymPy.

:func:`evaluate` computes a :class:`~symnn.matrix_calculus.expression.Term` tree at given
arrays (any node can be overridden with a value of its own, which is how a layer's
upstream gradient is measured); :func:`finite_difference_gradient` is the central
difference of the scalar with respect to one matrix; :func:`sample_point` draws a point of
the expression's domain (square matrices near ``n I``, positive entries where a logarithm
needs them, no ReLU argument near its kink).

>>> from symnn.matrix_calculus.expression import read_typed
>>> term, _ = read_typed("tr(A*B)", [["A", 1, 2], ["B", 2, 1]])
>>> float(evaluate(term, {"A": np.array([[1.0, 2.0]]), "B": np.array([[3.0], [4.0]])}))
11.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from symnn.errors import CheckError
from symnn.matrix_calculus.expression import Term
from symnn.matrix_calculus.functions import ELEMENTWISE

KINK = 1e-3


def _sum(kids: list[Any], term: Term) -> Any:
    return np.sum(kids[0])


_NUMPY: dict[str, Callable[[list[Any], Term], Any]] = {
    "add": lambda k, t: k[0] + k[1],
    "sub": lambda k, t: k[0] - k[1],
    "neg": lambda k, t: -k[0],
    "smul": lambda k, t: k[0] * k[1],
    "scale": lambda k, t: k[0] * k[1],
    "matmul": lambda k, t: k[0] @ k[1],
    "div": lambda k, t: k[0] / k[1],
    "pow": lambda k, t: np.power(k[0], k[1]),
    "transpose": lambda k, t: k[0].T,
    "trace": lambda k, t: np.trace(k[0]),
    "entry": lambda k, t: k[0][0, 0],
    "det": lambda k, t: np.linalg.det(k[0]),
    "logdet": lambda k, t: np.log(np.linalg.det(k[0])),
    "inv": lambda k, t: np.linalg.inv(k[0]),
    "sum": _sum,
    "norm": lambda k, t: np.sqrt(np.sum(k[0] * k[0])),
    "hadamard": lambda k, t: k[0] * k[1],
    "apply": lambda k, t: ELEMENTWISE[t.value].numeric(k[0]),
}


class _Kinks:
    """The smallest nonzero |argument| met by a ReLU during one evaluation.

    An argument that is exactly 0 at a random point comes from a flat piece (such as the
    inner ReLU of relu(relu(P)) where P < 0): it stays 0 near the point, so the function is
    smooth there and finite differences hold.
    """

    def __init__(self) -> None:
        self.closest = np.inf


def evaluate(
    term: Term,
    values: dict[str, Any],
    override: dict[int, Any] | None = None,
    kinks: _Kinks | None = None,
) -> Any:
    """The value of ``term`` at ``values`` (arrays for matrices, floats for scalar names).

    ``override`` maps ``id(node)`` to a value used in place of that node.
    """
    if override and id(term) in override:
        return override[id(term)]
    if term.kind in ("matrix", "scalar"):
        return values[term.value]
    if term.kind == "number":
        return float(term.expr)
    kids = [evaluate(child, values, override, kinks) for child in term.children]
    if term.kind == "apply" and term.value == "relu" and kinks is not None:
        sizes = np.abs(np.asarray(kids[0], dtype=float))
        nonzero = sizes[sizes != 0]
        if nonzero.size:
            kinks.closest = min(kinks.closest, float(np.min(nonzero)))
    with np.errstate(all="ignore"):
        return _NUMPY[term.kind](kids, term)


def _kinds(term: Term) -> set[str]:
    found = {term.kind if term.kind != "apply" else f"apply:{term.value}"}
    for child in term.children:
        found |= _kinds(child)
    return found


def sample_point(
    term: Term, shapes: dict[str, tuple[int, int]], scalars: list[str], rng: np.random.Generator
) -> dict[str, Any]:
    """A random point where ``term`` is finite and no ReLU argument is within ``KINK`` of 0."""
    kinds = _kinds(term)
    positive = bool(kinds & {"apply:log", "logdet", "pow"})
    for _ in range(50):
        values: dict[str, Any] = {}
        for name, (rows, cols) in shapes.items():
            if rows == cols and kinds & {"inv", "det", "logdet"}:
                values[name] = rows * np.eye(rows) + 0.5 * rng.uniform(0.1, 1.0, (rows, cols))
            elif positive:
                values[name] = rng.uniform(0.5, 1.5, (rows, cols))
            else:
                values[name] = rng.standard_normal((rows, cols))
        for name in scalars:
            values[name] = float(rng.uniform(0.5, 1.5))
        kinks = _Kinks()
        value = evaluate(term, values, kinks=kinks)
        if np.all(np.isfinite(value)) and kinks.closest > KINK:
            return values
    raise CheckError("no random point was found where the expression is finite and smooth")


def finite_difference_gradient(
    term: Term, values: dict[str, Any], wrt: str, step: float = 1e-6, node: Term | None = None
) -> np.ndarray:
    """Central differences of the scalar ``term`` in each entry of ``values[wrt]``.

    With ``node``, differentiate with respect to that node's value instead (the node is
    replaced by a free matrix at its current value).
    """
    if node is not None:
        base = np.array(evaluate(node, values), dtype=float)

        def at(changed: np.ndarray) -> float:
            return float(evaluate(term, values, override={id(node): changed}))
    else:
        base = np.array(values[wrt], dtype=float)

        def at(changed: np.ndarray) -> float:
            return float(evaluate(term, {**values, wrt: changed}))

    gradient = np.zeros_like(base)
    for index in np.ndindex(base.shape):
        h = step * max(1.0, abs(base[index]))
        up, down = base.copy(), base.copy()
        up[index] += h
        down[index] -= h
        gradient[index] = (at(up) - at(down)) / (2 * h)
    return gradient

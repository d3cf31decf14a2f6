"""The numeric cross-check of a matrix gradient: finite differences and the simulator.

At random points of the domain (sizes given as names get random small values) the derived
gradient, evaluated by SymPy on explicit numbers, is compared with

* central finite differences of ``f`` computed by the independent NumPy evaluator
  (:mod:`symnn.matrix_calculus.numeric`), and
* where the variable enters as a layer, ``act(A W)`` or ``A W`` with ``A`` free of ``W``
  and ``act`` one of ReLU, sigmoid, tanh, softplus: the hand-written backward pass of
  :class:`symnn.sim.Dense` and the activation layer, fed with the layer's upstream
  gradient measured by finite differences.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.exact import as_sympy
from symnn.matrix_calculus.expression import Term
from symnn.matrix_calculus.numeric import evaluate, finite_difference_gradient, sample_point
from symnn.matrix_calculus.verify import to_explicit
from symnn.sim import Dense, ReLU, Sigmoid, Softplus, Tanh

TOLERANCE = 1e-6
POINTS = 2
LAYERS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "softplus": Softplus}


def _sizes(matrices: dict[str, sp.MatrixSymbol], rng: np.random.Generator) -> dict[sp.Symbol, int]:
    symbols = sorted({s for m in matrices.values() for s in m.shape if isinstance(s, sp.Symbol)},
                     key=lambda s: s.name)
    return {symbol: int(rng.integers(2, 5)) for symbol in symbols}


def _scalars(term: Term) -> list[str]:
    found = {term.value} if term.kind == "scalar" else set()
    for child in term.children:
        found |= set(_scalars(child))
    return sorted(found)


def numeric_gradient(gradient: Any, matrices: dict[str, sp.MatrixSymbol], sizes: dict[sp.Symbol, int],
                     values: dict[str, Any]) -> np.ndarray:
    """The SymPy gradient evaluated at the given arrays and scalar values."""
    replace: dict[Any, Any] = {}
    for name, symbol in matrices.items():
        replace[symbol.xreplace(sizes)] = sp.ImmutableMatrix(values[name].tolist())
    for name, value in values.items():
        if name not in matrices:
            replace[sp.Symbol(name, real=True)] = sp.Float(value)
    explicit = to_explicit(as_sympy(gradient).xreplace(sizes).xreplace(replace))
    if not isinstance(explicit, sp.MatrixBase):
        explicit = sp.Matrix([[explicit]])
    return np.array(sp.Matrix(explicit).evalf(30).tolist(), dtype=float)


def _layer(term: Term, wrt: str) -> tuple[Term, Term, str | None] | None:
    """(layer node, its input A, activation) when ``wrt`` occurs once, as ``act(A W)`` or ``A W``."""
    found: list[tuple[Term, Term, str | None]] = []
    occurrences = 0

    def walk(node: Term, parent: Term | None) -> None:
        nonlocal occurrences
        if node.kind == "matrix" and node.value == wrt:
            occurrences += 1
        if node.kind == "matmul" and node.children[1].kind == "matrix" and node.children[1].value == wrt \
                and not node.children[0].depends_on(wrt):
            if parent is not None and parent.kind == "apply" and parent.value in LAYERS:
                found.append((parent, node.children[0], parent.value))
            else:
                found.append((node, node.children[0], None))
        for child in node.children:
            walk(child, node)

    walk(term, None)
    return found[0] if occurrences == 1 and len(found) == 1 else None


def _simulator_gradient(term: Term, values: dict[str, Any], wrt: str,
                        layer: tuple[Term, Term, str | None]) -> np.ndarray:
    node, inputs, activation = layer
    upstream = finite_difference_gradient(term, values, wrt, node=node)
    dense = Dense(values[wrt])
    out = dense.forward(np.asarray(evaluate(inputs, values), dtype=float))
    grad = upstream
    if activation is not None:
        act = LAYERS[activation]()
        act.forward(out)
        grad = act.backward(upstream)
    dense.backward(grad, need_input_grad=False)
    return dense.grads["W"]


def cross_check(term: Term, matrices: dict[str, sp.MatrixSymbol], wrt: str, gradient: Any,
                seed: int = 0) -> CheckReport:
    """Compare the gradient with finite differences (and the simulator for a layer)."""
    rng = np.random.default_rng(seed)
    check = CrossCheck("central finite differences (NumPy evaluator) and the simulator's layers",
                       TOLERANCE)
    layer = _layer(term, wrt)
    for point in range(POINTS):
        sizes = _sizes(matrices, rng)
        shapes = {name: tuple(int(as_sympy(s).xreplace(sizes)) for s in symbol.shape)
                  for name, symbol in matrices.items()}
        values = sample_point(term, shapes, _scalars(term), rng)
        derived = numeric_gradient(gradient, matrices, sizes, values)
        shown = ", ".join(f"{n} {r}x{c}" for n, (r, c) in shapes.items())
        check.compare(f"finite differences at point {point + 1} ({shown})", derived,
                      finite_difference_gradient(term, values, wrt))
        if layer is not None:
            check.compare(f"simulator backward pass at point {point + 1}", derived,
                          _simulator_gradient(term, values, wrt, layer))
    if layer is None:
        check.note("the variable does not enter as a single layer act(A W): finite differences only")
    return check.report()

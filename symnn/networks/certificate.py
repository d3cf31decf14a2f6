"""SymPy's own derivative of the loss, the independent side of every gradient certificate.

The loss is a sum over examples, so its gradient is the sum of the per-example gradients.
SymPy differentiates the loss of *one* example, written with plain symbols for its input
``x``, target ``t`` and every parameter (``sympy.Matrix.jacobian`` with respect to the
flattened parameter vector), once; that derivative is compiled once
(``lambdify(..., cse=True)`` on SymPy objects, so it stays exact) and evaluated at every
example, and the rows are summed. The penalty ``l2/2 sum W^2`` is differentiated on its
own. The error signals are certified the same way: ``delta^(l)`` against SymPy's
derivative of one example's loss with respect to the pre-activations ``z^(l)``.

The cost grows with (examples) x (parameters), not with their product squared, and no
assumption is queried on a hot path: symbols are plain inside, facts about them (real,
positive) are stated at the edges.

>>> from symnn.networks.spec import NetworkSpec
>>> spec = NetworkSpec.build([1, 1], ["relu"], X=[[2], [-1]], t=[1, 0], W=[[[3]]], b=[[-1]])
>>> sympy_gradient(spec)
Matrix([[8, 4]])
>>> sympy_deltas(spec)[0]
Matrix([
[4],
[0]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sympy as sp
from sympy.printing.pycode import SymPyPrinter

import symnn
from symnn.networks.activations import apply
from symnn.networks.forward import Forward, data_loss, forward, penalty, pre_activations
from symnn.networks.spec import NetworkSpec, parameter_symbols


class _ExactPrinter(SymPyPrinter):
    """Python code on SymPy objects that keeps rational constants exact (not ``1/5``)."""

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"Rational({expr.p}, {expr.q})"

    def _print_Half(self, expr: sp.Rational) -> str:
        return self._print_Rational(expr)


def template(spec: NetworkSpec) -> NetworkSpec:
    """The same network with one symbolic example and symbolic parameters (plain symbols)."""
    return _template(spec)[0]


def _template(spec: NetworkSpec) -> tuple[NetworkSpec, list[sp.Symbol], list[sp.Symbol]]:
    """The spec with one example of symbols ``x``, ``t`` and symbols for every parameter."""
    xs = [sp.Symbol(f"x{i + 1}") for i in range(spec.sizes[0])]
    ts = [sp.Symbol(f"t{k + 1}") for k in range(spec.sizes[-1])]
    sizes = spec.sizes
    Ws = tuple(parameter_symbols("W", l + 1, sizes[l], sizes[l + 1]) for l in range(spec.depth))
    bs = tuple(parameter_symbols("b", l + 1, 1, sizes[l + 1]) for l in range(spec.depth))
    template = replace(spec, X=sp.Matrix([xs]), t=sp.Matrix([ts]), W=Ws, b=bs)
    return template, xs, ts


def flat_parameters(spec: NetworkSpec) -> list[sp.Expr]:
    """Every weight and bias entry in order: W1 row by row, b1, W2, b2, ..."""
    return [entry for W, b in zip(spec.W, spec.b) for part in (W, b) for entry in part]


def _per_example(derivative: sp.Matrix, symbols: list[sp.Symbol], spec: NetworkSpec,
                 inputs: sp.Matrix) -> list[sp.Matrix]:
    """``derivative`` at every example: its input row, target row and the parameters.

    Compiled once (``lambdify`` with common subexpressions, on SymPy objects: exact); a
    network whose data and parameters are the template's own symbols needs no evaluation.
    """
    values = flat_parameters(spec)
    rows = [[*inputs.row(k), *spec.t.row(k), *values] for k in range(inputs.rows)]
    if len(rows) == 1 and rows[0] == symbols:
        return [derivative]
    function = compiled(symbols, derivative)
    return [sp.Matrix(function(*row)) for row in rows]


def compiled(symbols: list[sp.Symbol], expr: sp.Matrix) -> Callable[..., Any]:
    """``expr`` as a function of ``symbols`` on SymPy objects: exact, common subexpressions shared."""
    namespace = {"Rational": sp.Rational, "symnn": symnn, "sympy": sp}
    return sp.lambdify(symbols, expr, modules=[namespace, "sympy"], cse=True, printer=_ExactPrinter,
                       docstring_limit=0)


def sympy_gradient(spec: NetworkSpec) -> sp.Matrix:
    """``dL/dtheta`` (one row, in :func:`flat_parameters` order) from SymPy's differentiation."""
    template, xs, ts = _template(spec)
    theta = flat_parameters(template)
    run = forward(template)
    loss = data_loss(template, run.Z[-1], run.A[-1])
    jacobian = sp.Matrix([loss]).jacobian(theta)
    rows = _per_example(jacobian, [*xs, *ts, *theta], spec, spec.X)
    total = sum(rows[1:], rows[0])
    if spec.l2 != 0:
        decay = sp.Matrix([penalty(template)]).jacobian(theta)
        total += decay.xreplace(dict(zip(theta, flat_parameters(spec))))
    return total


def sympy_deltas(spec: NetworkSpec, run: Forward | None = None) -> list[sp.Matrix]:
    """``delta^(l)`` of every layer: SymPy's derivative of each example's loss w.r.t. ``z^(l)``.

    ``run`` is the forward pass of ``spec`` (computed when not given).
    """
    template, _, ts = _template(spec)
    theta = flat_parameters(template)
    run = run or forward(spec)
    deltas = []
    for layer in range(spec.depth):
        zs = [sp.Symbol(f"z{j + 1}") for j in range(spec.sizes[layer + 1])]
        Z = sp.Matrix([zs])
        A = apply(spec.activations[layer], Z, spec.alpha)
        for upper in range(layer + 1, spec.depth):
            Z = pre_activations(A, template.W[upper], template.b[upper])
            A = apply(spec.activations[upper], Z, spec.alpha)
        loss = data_loss(template, Z, A)
        jacobian = sp.Matrix([loss]).jacobian(zs)
        rows = _per_example(jacobian, [*zs, *ts, *theta], spec, run.Z[layer])
        deltas.append(sp.Matrix.vstack(*rows))
    return deltas

"""The layer-by-layer certificate: each layer map differentiated once, then instantiated exactly.

Back-propagation is the chain rule applied one layer map at a time. Each map's rule is
proved once, independently of the widths and of the number of examples:

* the affine map ``Z = A W + 1 b``: for an adjoint ``G`` held fixed, SymPy's matrix
  derivative of ``<G, Z> = tr(G^T Z)`` on matrix symbols of symbolic shape (``m`` examples,
  widths ``n`` and ``p``) gives ``A^T G``, ``1^T G`` and ``G W^T``; the weight penalty
  ``1/2 tr(W^T W)`` gives ``W``;
* an elementwise map ``f`` (an undefined differentiable function): ``G ⊙ f'(Z)``; each
  activation's ``f'`` is the rule certified by its own lemma;
* the loss of one example, written out in its ``K`` output pre-activations: SymPy's
  gradient, certified against the loss's output-error rule.

Each matrix rule is certified twice: SymPy's symbolic-shape derivative equals the rule
(:data:`~symnn.matrix_calculus.identity.MATRIX_IDENTITY`), and the rule is re-derived entry by
entry, at explicit sizes, by differentiating every entry (route ``expand``). With ``G`` the
error signal of the layer above (itself certified, going down from the output), the chain rule makes each
lemma's right side the derivative of the whole loss; :func:`instantiate` evaluates them
at the forward pass exactly, and the derivation compares every value with the engine's
back-propagation. The cost is the cost of the matrix products, linear in examples x
parameters: nothing is differentiated entry by entry at the network's size.

>>> from symnn.networks.spec import NetworkSpec
>>> from symnn.networks.forward import forward
>>> from symnn.networks.backprop import backprop
>>> spec = NetworkSpec.build([1, 1], ["relu"], X=[[2], [-1]], t=[1, 0], W=[[[3]]], b=[[-1]])
>>> run = forward(spec)
>>> instantiate(spec, run, backprop(spec, run)).dW[0]
Matrix([[8]])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symnn.core.exact import as_sympy
from symnn.errors import CertificationError
from symnn.networks.activations import ACTIVATIONS, apply
from symnn.networks.backprop import Gradients
from symnn.networks.certificate import compiled
from symnn.networks.forward import Forward
from symnn.networks.losses import LOSSES
from symnn.networks.spec import NetworkSpec

M, N, P = sp.symbols("m n p", integer=True, positive=True)
A = sp.MatrixSymbol("A", M, N)
W = sp.MatrixSymbol("W", N, P)
B = sp.MatrixSymbol("b", 1, P)
G = sp.MatrixSymbol("G", M, P)
Z = sp.MatrixSymbol("Z", M, P)
f = sp.Function("f")
_BOUND = sp.Symbol("u")


@dataclass(frozen=True)
class Lemma:
    """A layer map's rule: SymPy's ``derivative`` of ``<G, map>`` and the ``formula`` it equals."""

    name: str
    derivative: Any
    formula: Any
    variable: sp.MatrixSymbol
    scalar: Callable[[dict[str, sp.Matrix]], Any]
    tex: str


def _pair(left: sp.Matrix, right: sp.Matrix) -> sp.Expr:
    """``<left, right> = sum of the entrywise products``, written out."""
    return sum((u * v for u, v in zip(left, right)), sp.Integer(0))


def _affine(v: dict[str, sp.Matrix]) -> sp.Expr:
    """``<G, A W + 1 b>`` written out on explicit matrices."""
    return _pair(v["G"], v["A"] * v["W"] + sp.ones(v["A"].rows, 1) * v["b"])


def _elementwise() -> Any:
    return ElementwiseApplyFunction(sp.Lambda(_BOUND, f(_BOUND)), Z)


@functools.lru_cache(maxsize=1)
def lemmas() -> dict[str, Lemma]:
    """The five matrix rules, each with SymPy's symbolic-shape derivative (computed once)."""
    affine = sp.Trace(G.T * (A * W + sp.OneMatrix(M, 1) * B))
    slope = sp.Lambda(_BOUND, sp.Derivative(f(_BOUND), _BOUND))

    return {item.name: item for item in (
        Lemma("dW", affine.diff(W), A.T * G, W, _affine,
              r"\nabla_W \operatorname{tr}(G^T (A W + \mathbf{1} b)) = A^T G"),
        Lemma("db", affine.diff(B), sp.OneMatrix(1, M) * G, B, _affine,
              r"\nabla_b \operatorname{tr}(G^T (A W + \mathbf{1} b)) = \mathbf{1}^T G"),
        Lemma("dA", affine.diff(A), G * W.T, A, _affine,
              r"\nabla_A \operatorname{tr}(G^T (A W + \mathbf{1} b)) = G W^T"),
        Lemma("decay", (sp.Trace(W.T * W) / 2).diff(W), W, W,
              lambda v: _pair(v["W"], v["W"]) / 2,
              r"\nabla_W \tfrac12 \operatorname{tr}(W^T W) = W"),
        Lemma("elementwise", sp.Trace(G.T * _elementwise()).diff(Z),
              sp.HadamardProduct(G, ElementwiseApplyFunction(slope, Z)), Z,
              lambda v: _pair(v["G"], v["Z"].applyfunc(f)),
              r"\nabla_Z \operatorname{tr}(G^T f(Z)) = G \odot f'(Z)"),
    )}


def explicit(lemma: Lemma, sizes: tuple[int, int, int]) -> tuple[sp.Matrix, sp.Matrix]:
    """``(entrywise derivative, the formula)`` at explicit sizes ``(m, n, p)``: every entry of
    the variable differentiated by SymPy, and the lemma's formula evaluated on the same grid."""
    m, n, p = sizes
    grid = {name: sp.Matrix(*shape, lambda i, j, name=name: sp.Symbol(f"{name}_{i + 1}{j + 1}"))
            for name, shape in (("A", (m, n)), ("W", (n, p)), ("b", (1, p)), ("G", (m, p)),
                                ("Z", (m, p)))}
    value = lemma.scalar(grid)
    variable = grid[lemma.variable.name]
    derivative = variable.applyfunc(lambda entry: sp.diff(value, entry))
    return derivative, evaluate(lemma.formula, grid)


def evaluate(expr: Any, values: dict[str, sp.Matrix], slope: Callable[[sp.Expr], sp.Expr] | None = None
             ) -> Any:
    """A matrix expression of the lemmas at explicit matrices ``values`` (by name).

    ``slope`` is the certified ``f'`` put in for ``Derivative(f(u), u)`` (``f`` itself when
    not given: SymPy's derivative object is kept).
    """
    if isinstance(expr, sp.MatrixSymbol):
        return values[expr.name]
    if isinstance(expr, sp.OneMatrix):
        rows, cols = expr.shape
        count = values["A"].rows if "A" in values else values["G"].rows
        return sp.ones(1 if rows == 1 else count, 1 if cols == 1 else count)
    if isinstance(expr, sp.Transpose):
        return evaluate(expr.arg, values, slope).T
    if isinstance(expr, sp.MatMul):
        parts = [evaluate(arg, values, slope) for arg in expr.args]
        return functools.reduce(lambda x, y: x * y, parts)
    if isinstance(expr, sp.MatAdd):
        parts = [evaluate(arg, values, slope) for arg in expr.args]
        return functools.reduce(lambda x, y: x + y, parts)
    if isinstance(expr, sp.HadamardProduct):
        parts = [evaluate(arg, values, slope) for arg in expr.args]
        return functools.reduce(lambda x, y: x.multiply_elementwise(y), parts)
    if isinstance(expr, ElementwiseApplyFunction):
        inner = evaluate(expr.expr, values, slope)
        body, bound = expr.function.expr, expr.function.variables[0]
        if slope is not None and body != sp.Derivative(f(bound), bound):
            raise CertificationError(f"the elementwise factor {body} is not f'")
        rule = slope or (lambda v: body.xreplace({bound: v}).doit())
        return inner.applyfunc(rule)
    if isinstance(expr, sp.MatrixExpr):
        raise CertificationError(f"no explicit value for the matrix expression {expr}")
    return as_sympy(expr)


def output_gradient(spec: NetworkSpec) -> tuple[list[sp.Symbol], list[sp.Symbol], sp.Matrix, sp.Matrix]:
    """``(z, t, SymPy's gradient of one example's loss w.r.t. z, the loss's output-error rule)``."""
    K = spec.sizes[-1]
    zs = [sp.Symbol(f"z{k + 1}") for k in range(K)]
    ts = [sp.Symbol(f"t{k + 1}") for k in range(K)]
    a = list(apply(spec.activations[-1], sp.Matrix([zs]), spec.alpha))
    loss = LOSSES[spec.loss]
    value = loss.value(a, zs, ts)
    derivative = sp.Matrix([[sp.diff(value, z) for z in zs]])
    rule = sp.Matrix([loss.delta(a, zs, ts, spec.activations[-1], spec.alpha)])
    return zs, ts, derivative, rule


def instantiate(spec: NetworkSpec, run: Forward, grads: Gradients) -> Gradients:
    """Every error signal and gradient from the lemmas, at the data, going down from the output.

    ``delta^(L)``: SymPy's gradient of each example's loss at its output row. Below it,
    ``delta^(l)`` is the elementwise lemma at ``G = `` the ``dA`` lemma at the certified
    ``delta^(l+1)``; ``dL/dW`` and ``dL/db`` are the ``dW`` (plus ``l2`` times ``decay``) and
    ``db`` lemmas at ``G = delta^(l)``.
    """
    rules = lemmas()
    zs, ts, derivative, _ = output_gradient(spec)
    at = compiled([*zs, *ts], derivative)
    Z_L = run.Z[-1]
    top = sp.Matrix.vstack(*(sp.Matrix(at(*Z_L.row(k), *spec.t.row(k))) for k in range(Z_L.rows)))
    deltas = [top]
    for layer in range(spec.depth - 2, -1, -1):
        upper = {"G": grads.delta[layer + 1], "W": spec.W[layer + 1]}
        back = evaluate(rules["dA"].derivative, upper)
        slope = _slope(spec, layer)
        deltas.insert(0, evaluate(rules["elementwise"].derivative, {"G": back, "Z": run.Z[layer]},
                                  slope))
    dW, db = [], []
    for layer in range(spec.depth):
        here = {"A": run.A[layer], "W": spec.W[layer], "b": spec.b[layer], "G": grads.delta[layer]}
        value = evaluate(rules["dW"].derivative, here)
        if spec.l2 != 0:
            value = value + spec.l2 * evaluate(rules["decay"].derivative, here)
        dW.append(value)
        db.append(evaluate(rules["db"].derivative, here))
    return Gradients(tuple(deltas), tuple(dW), tuple(db))


def _slope(spec: NetworkSpec, layer: int) -> Callable[[sp.Expr], sp.Expr]:
    rule = ACTIVATIONS[spec.activations[layer]].derivative
    return lambda z: rule(z, spec.alpha)

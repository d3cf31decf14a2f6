"""The numeric cross-check: the same network in the simulator, and central differences.

The network is rebuilt from :mod:`symnn.sim` parts with the same weights in float64:
``Dense`` layers and the activation layers, the loss summed over the examples
(``Quadratic``; ``SoftmaxCrossEntropy`` on the logits for a softmax output with
cross-entropy; ``CrossEntropy`` after a final ``Sigmoid``), and the weight penalty added
by hand (``l2/2 sum W^2`` to the loss, ``l2 W`` to the weight gradients). Its hand-written
backward pass must give the derived gradients, and central differences of its loss must
too. A symbolic network is checked at seeded rational values of its symbols.

>>> from symnn.networks.spec import NetworkSpec
>>> from symnn.networks.forward import forward
>>> from symnn.networks.backprop import backprop
>>> spec = NetworkSpec.build([2, 2], ["softmax"], loss="cross_entropy", X=[[1, 2]], t=[[0, 1]],
...                          W=[[[1, -1], [0, 2]]], b=[[0, 1]])
>>> run = forward(spec)
>>> cross_check(spec, run, backprop(spec, run)).ok
True
"""

from __future__ import annotations

import random
from typing import Any, ClassVar

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from symnn.core.activation_functions import MPMATH_FUNCTIONS
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.networks.activations import ACTIVATIONS
from symnn.networks.backprop import Gradients
from symnn.networks.forward import Forward
from symnn.networks.spec import NetworkSpec
from symnn.sim.activations import Softmax, softmax
from symnn.sim.base import Layer
from symnn.sim.layers import Dense
from symnn.sim.losses import CrossEntropy, Quadratic, SoftmaxCrossEntropy
from symnn.sim.network import Sequential

#: Central differences are taken for at most this many parameters (a seeded sample).
MAX_DIFFERENCES = 120

#: mpmath versions of the engine's own functions, for evaluating closed forms (the core's).
_MPMATH = MPMATH_FUNCTIONS


def activation_layer(name: str, alpha: sp.Expr) -> Layer:
    """The simulator layer of the activation ``name``: the registry entry's, or the row-wise Softmax.

    >>> activation_layer("leaky_relu", sp.Rational(1, 10)).forward(np.array([[-1.0, 1.0]]))
    array([[-0.1,  1. ]])
    """
    definition = ACTIVATIONS[name].definition
    return Softmax() if definition is None else definition.layer(alpha)


class _Unordered(MpmathPrinter):
    """mpmath code with the terms of each sum in SymPy's order as built: sorting a sum of closed
    forms evaluates every term numerically first (seconds for a small network); for the same
    reason the compiled function gets no docstring (it would print the expression)."""

    _default_settings: ClassVar[dict[str, Any]] = {**MpmathPrinter._default_settings, "order": "none"}


def floats(value: object) -> np.ndarray:
    """A SymPy matrix or number as float64: exact numbers directly, closed forms evaluated by
    mpmath at 30 digits (compiled once per matrix, common subexpressions shared)."""
    matrix = sp.Matrix(value) if isinstance(value, sp.MatrixBase) else sp.Matrix([[value]])
    entries = list(matrix)
    if all(isinstance(v, sp.Rational) for v in entries):
        return np.array([float(v) for v in entries]).reshape(matrix.shape)
    with mpmath.workdps(30):
        compiled = sp.lambdify([], entries, modules=[_MPMATH, "mpmath"], cse=True, docstring_limit=0,
                               printer=_Unordered({"fully_qualified_modules": False, "inline": True,
                                                   "allow_unknown_functions": True}))
        numbers = [float(v) for v in compiled()]
    return np.array(numbers).reshape(matrix.shape)


def simulator(spec: NetworkSpec, W: list[np.ndarray], b: list[np.ndarray]) -> tuple[Sequential, object]:
    """The network in :mod:`symnn.sim` (Dense and activation layers) and its summed loss; for
    softmax with cross-entropy the softmax sits in the loss, so the model ends at the logits."""
    layers: list[object] = []
    for weights, bias, name in zip(W, b, spec.activations):
        layers += [Dense(weights.copy(), bias.copy()), activation_layer(name, spec.alpha)]
    if spec.loss == "cross_entropy":
        return Sequential(layers[:-1]), SoftmaxCrossEntropy(reduction="sum")
    if spec.loss == "binary_cross_entropy":
        return Sequential(layers), CrossEntropy(reduction="sum")
    return Sequential(layers), Quadratic(reduction="sum")


def _loss(spec: NetworkSpec, x: np.ndarray, t: np.ndarray, W: list[np.ndarray], b: list[np.ndarray]) -> float:
    model, loss = simulator(spec, W, b)
    decay = 0.5 * float(spec.l2) * sum(float(np.vdot(w, w)) for w in W)
    return loss.fn(model.forward(x), t) + decay


def _at_values(spec: NetworkSpec, run: Forward, grads: Gradients) -> tuple[dict, str]:
    """Seeded rational values for the symbols of a symbolic network (empty for a numeric one)."""
    free = sorted(set().union(*(m.free_symbols for m in (spec.X, spec.t, *spec.W, *spec.b))), key=str)
    rng = random.Random(15)
    at = {s: sp.Float(rng.randint(-19, 19) / 10, 30) for s in free}
    if spec.loss != "squared":  # targets of the cross-entropies in [0, 1]
        at.update({s: sp.Float(rng.randint(0, 10) / 10, 30) for s in spec.t.free_symbols})
    note = (f"symbols set to seeded values in [-1.9, 1.9] ({len(free)} of them), evaluated with "
            "30-digit floats" if free else "")
    return at, note


def cross_check(spec: NetworkSpec, run: Forward, grads: Gradients) -> CheckReport:
    """The simulator's float64 backward pass and central differences against the derivation."""
    check = CrossCheck("simulator backprop (Dense and activation layers, loss summed), float64; "
                       "central differences", 1e-9)
    at, note = _at_values(spec, run, grads)
    if note:
        check.note(note)

    def value(matrix: object) -> np.ndarray:
        return floats(matrix.xreplace(at) if at else matrix)

    x, t = value(spec.X), value(spec.t)
    W, b = [value(w) for w in spec.W], [value(v)[0] for v in spec.b]
    model, loss = simulator(spec, W, b)
    cost, simulated = model.loss_and_grads(x, t, loss)
    cost += 0.5 * float(spec.l2) * sum(float(np.vdot(w, w)) for w in W)
    output = model.forward(x)
    if spec.loss == "cross_entropy":
        output = softmax(output)
    check.compare("outputs A_L", output, value(run.A[-1]))
    signal = x
    for index, part in enumerate(model):  # Dense, activation, Dense, ...: Z1, A1, Z2, ...
        signal = part.forward(signal)
        layer, activated = divmod(index, 2)
        if activated:
            check.compare(f"A{layer + 1} (simulator {spec.activations[layer]})", signal,
                          value(run.A[layer + 1]))
        else:
            check.compare(f"Z{layer + 1} (simulator Dense)", signal, value(run.Z[layer]))
    check.compare("loss", cost, float(sp.N(run.loss.xreplace(at) if at else run.loss, 30)))
    kinked = _deepest_kink(spec, run, value)
    if kinked:
        check.note(f"layer {kinked} has a ReLU pre-activation exactly 0, which float64 may round to "
                   "either side: the gradients of layers 1 .. " + str(kinked) + " are not compared "
                   "with the simulator (they are certified exactly)")
    for layer in range(kinked, spec.depth):
        dW = simulated[f"{2 * layer}.W"] + float(spec.l2) * W[layer]
        check.compare(f"dL_dW{layer + 1} (simulator backprop)", dW, value(grads.dW[layer]))
        check.compare(f"dL_db{layer + 1} (simulator backprop)", simulated[f"{2 * layer}.b"][None, :],
                      value(grads.db[layer]))
        delta = value(grads.delta[layer])  # dL/dZ: its column sums are dL/db, A^T delta is dL/dW
        check.compare(f"delta{layer + 1}: column sums against the simulator's dL_db{layer + 1}",
                      delta.sum(axis=0, keepdims=True), simulated[f"{2 * layer}.b"][None, :])
        check.compare(f"delta{layer + 1}: A^T delta against the simulator's dL_dW{layer + 1}",
                      value(run.A[layer]).T @ delta, simulated[f"{2 * layer}.W"])
    _differences(check, spec, run, grads, x, t, W, b, value)
    return check.report()


def _deepest_kink(spec: NetworkSpec, run: Forward, value: object) -> int:
    """The deepest layer (1-based; 0 for none) with a ReLU-like pre-activation exactly 0."""
    return max((layer + 1 for layer, name in enumerate(spec.activations)
                if name in ("relu", "leaky_relu") and (value(run.Z[layer]) == 0).any()), default=0)


def _differences(check: CrossCheck, spec: NetworkSpec, run: Forward, grads: Gradients, x: np.ndarray,
                 t: np.ndarray, W: list[np.ndarray], b: list[np.ndarray], value: object) -> None:
    """Central differences of the simulator's loss, away from the kinks of ReLU-like units."""
    kinked = [np.abs(value(run.Z[layer])) for layer, name in enumerate(spec.activations)
              if name in ("relu", "leaky_relu")]
    margin = min((float(z.min()) for z in kinked), default=1.0)
    if margin == 0.0:
        check.note("a pre-activation of a ReLU unit is exactly 0: there the derivative is the stated "
                   "convention and a central difference sees the mean of both sides, so the "
                   "gradients are checked against the simulator only")
        return
    h = min(1e-6, 1e-3 * margin)
    slots = [(kind, layer, index) for layer in range(spec.depth)
             for kind, array in (("W", W[layer]), ("b", b[layer])) for index in np.ndindex(array.shape)]
    if len(slots) > MAX_DIFFERENCES:
        slots = random.Random(13).sample(slots, MAX_DIFFERENCES)
        check.note(f"central differences at {MAX_DIFFERENCES} seeded parameters")
    derived = {(kind, layer): value(grads.dW[layer] if kind == "W" else grads.db[layer])
               for kind, layer, _ in slots}  # each gradient evaluated once
    for kind, layer, index in slots:
        up, down = ({"W": [w.copy() for w in W], "b": [v.copy() for v in b]} for _ in range(2))
        up[kind][layer][index] += h
        down[kind][layer][index] -= h
        upper, lower = _loss(spec, x, t, up["W"], up["b"]), _loss(spec, x, t, down["W"], down["b"])
        numeric = (upper - lower) / (2 * h)
        # float64 round-off of the two losses, divided by 2h, on top of the method's 1e-5
        tolerance = 1e-5 + 64 * np.finfo(float).eps * (1 + abs(upper)) / h
        exact = derived[kind, layer]
        where = index if kind == "W" else (0, *index)
        check.compare(f"d{kind}{layer + 1}{list(index)} (central difference)", numeric, exact[where],
                      tolerance=tolerance)


def loss_along_gradient(spec: NetworkSpec, run: Forward, grads: Gradients,
                        steps: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The simulator's loss at ``theta - eta g / |g|`` for each ``eta`` in ``steps``, the loss at
    ``theta`` and the slope ``-|g|`` the derived gradient predicts (symbols at seeded values)."""
    at, _ = _at_values(spec, run, grads)

    def value(matrix: object) -> np.ndarray:
        return floats(matrix.xreplace(at) if at else matrix)

    x, t = value(spec.X), value(spec.t)
    W, b = [value(w) for w in spec.W], [value(v)[0] for v in spec.b]
    gW, gb = [value(g) for g in grads.dW], [value(g)[0] for g in grads.db]
    norm = float(np.sqrt(sum(np.vdot(g, g) for g in (*gW, *gb)))) or 1.0
    losses = np.array([_loss(spec, x, t, [w - eta * g / norm for w, g in zip(W, gW)],
                             [v - eta * g / norm for v, g in zip(b, gb)]) for eta in steps])
    return losses, _loss(spec, x, t, W, b), -norm

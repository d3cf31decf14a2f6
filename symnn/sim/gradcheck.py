"""Gradient checking: every hand-written backward pass against central differences.

For a layer with output y the check uses the scalar L = sum(y * g) with a fixed random
``g`` (standard normal from ``np.random.default_rng([seed, 1])``, a stream independent
of data drawn with ``default_rng(seed)``), so dL/dy = g, and compares the layer's
backward pass with

.. math:: \\frac{\\partial L}{\\partial \\theta_i} \\approx
          \\frac{L(\\theta + h e_i) - L(\\theta - h e_i)}{2h},\\qquad h = 10^{-6},

for the input and for every parameter, in float64. The reported number is the
relative error in the max norm,

.. math:: \\frac{\\max_i |a_i - n_i|}{\\max(\\max_i |a_i|, \\max_i |n_i|, 10^{-3})},

with ``a`` the analytic and ``n`` the numeric gradient. The floor 1e-3 makes the test
absolute (at 1e-9) for gradients that are essentially zero, such as BatchNorm's input
gradient for a batch of two, where the central differences' rounding noise (about
1e-10 for h = 1e-6) would otherwise dominate. Inputs are drawn away from the
kinks of ReLU, leaky ReLU and max pooling (|x| >= 0.1, distinct window values), where
the derivative would not exist.

>>> table = manual_backprop_table(seed=0)
>>> all(error <= 1e-6 for error in table.values()), "conv2d" in table
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from symnn.errors import ParameterError
from symnn.sim import activations as act
from symnn.sim.base import Layer
from symnn.sim.batchnorm import BatchNorm
from symnn.sim.conv import Conv2D
from symnn.sim.layers import Dense, Dropout, Flatten
from symnn.sim.losses import CrossEntropy, Loss, Quadratic, SoftmaxCrossEntropy
from symnn.sim.network import Sequential
from symnn.sim.optimizers import l2_penalty
from symnn.sim.pooling import MaxPool2D

__all__ = [
    "check_layer", "check_loss", "check_network", "manual_backprop_table",
    "numerical_gradient", "relative_error",
]  # fmt: skip


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-3) -> float:
    """max|a - n| / max(max|a|, max|n|, floor); any matching shapes.

    >>> round(relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.002])), 6)
    0.000999
    """
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if a.shape != n.shape:
        raise ParameterError("analytic gradient shape", a.shape, f"the numeric shape {n.shape}")
    if a.size == 0:
        return 0.0
    scale = max(float(np.abs(a).max()), float(np.abs(n).max()), floor)
    return float(np.abs(a - n).max() / scale)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of ``f()`` with respect to every entry of ``x`` (changed in place
    and restored); returns an array of ``x``'s shape.

    >>> x = np.array([1.0, 2.0])
    >>> np.round(numerical_gradient(lambda: float((x ** 2).sum()), x), 6)
    array([2., 4.])
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat, out = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ParameterError("x", x.shape, "a contiguous array that can be changed in place")
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        plus = f()
        flat[i] = saved - h
        minus = f()
        flat[i] = saved
        out[i] = (plus - minus) / (2 * h)
    return grad


G_STREAM = 1  # g comes from default_rng([seed, 1]): independent of data drawn with default_rng(seed)


def _require_float64(*arrays: np.ndarray) -> None:
    for array in arrays:
        if array.dtype != np.float64:
            raise ParameterError("dtype", array.dtype, "float64 for gradient checks")


def check_layer(layer: Layer, x: np.ndarray, seed: int = 0, train: bool = True) -> dict[str, float]:
    """Relative errors of ``layer``'s backward pass: {"input": ..., param name: ...}.

    >>> check_layer(act.Tanh(), np.array([[0.3, -0.7]]))["input"] < 1e-8
    True
    """
    x = np.array(x, dtype=np.float64)
    _require_float64(*layer.params.values())
    y = layer.forward(x, train)
    g = np.random.default_rng([seed, G_STREAM]).standard_normal(y.shape)
    analytic = {"input": layer.backward(g)}
    analytic.update({k: v.copy() for k, v in layer.grads.items()})

    def f() -> float:
        return float(np.vdot(layer.forward(x, train), g))

    errors = {"input": relative_error(analytic["input"], numerical_gradient(f, x))}
    for name, p in layer.params.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(f, p))
    return errors


def check_loss(loss: Loss, output: np.ndarray, target: np.ndarray, fused: bool = False) -> float:
    """Relative error of ``loss.delta`` (``fused``: of ``CrossEntropy.delta_z`` with respect
    to the pre-sigmoid ``output``).

    >>> check_loss(Quadratic("sum"), np.array([[0.2, 0.9]]), np.array([[0.0, 1.0]])) < 1e-8
    True
    """
    z = np.array(output, dtype=np.float64)
    if fused:
        analytic = loss.delta_z(act.sigmoid(z), target)  # type: ignore[attr-defined]
        numeric = numerical_gradient(lambda: loss.fn(act.sigmoid(z), target), z)
        return relative_error(analytic, numeric)
    return relative_error(loss.delta(z, target), numerical_gradient(lambda: loss.fn(z, target), z))


def check_network(model: Sequential, x: np.ndarray, y: np.ndarray, loss: Loss) -> dict[str, float]:
    """Relative error of every gradient of ``loss(model(x), y)``, keyed "i.name" and "input"."""
    x = np.array(x, dtype=np.float64)
    _require_float64(*model.named_parameters().values())
    out = model.forward(x, train=True)
    _, delta, fused = model.output_delta(out, y, loss)
    analytic = {"input": model.backward(delta, skip_last=fused)}
    analytic.update({k: v.copy() for k, v in model.gradients().items()})

    def f() -> float:
        return loss.fn(model.forward(x, train=True), y)

    errors = {"input": relative_error(analytic["input"], numerical_gradient(f, x))}
    for key, p in model.named_parameters().items():
        errors[key] = relative_error(analytic[key], numerical_gradient(f, p))
    return errors


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.1, 1.0, shape) * rng.choice([-1.0, 1.0], shape)


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape) * 0.1


def manual_backprop_table(seed: int = 0) -> dict[str, float]:
    """Operation name -> max relative error of its backward pass (all should be <= 1e-6).

    Covers matmul (Dense weights and input), bias, every activation with a backward pass
    (unit step has none: its derivative is 0 almost everywhere), the three losses and
    the fused sigmoid/cross-entropy delta, conv2d (with and without stride and padding),
    max pooling (plain and overlapping), batch norm (dense and spatial, train and eval),
    dropout with a fixed mask, flatten, the L2 weight-decay gradient, and a whole small
    convolutional network.
    """
    rng = np.random.default_rng(seed)

    def worst(*tables: dict[str, float]) -> float:
        return max(max(t.values()) for t in tables)

    x = _away_from_zero(rng, (4, 5))
    labels = rng.integers(0, 5, 4)
    soft = rng.dirichlet(np.ones(5), 4) * 1.5
    probs = rng.uniform(0.05, 0.95, (4, 5))
    table = {
        "matmul": worst(check_layer(Dense(rng.standard_normal((5, 3))), x, seed)),
        "bias": check_layer(Dense(rng.standard_normal((5, 3)), rng.standard_normal(3)), x)["b"],
        "identity": check_layer(act.Identity(), x)["input"],
        "sigmoid": check_layer(act.Sigmoid(), x)["input"],
        "tanh": check_layer(act.Tanh(), x)["input"],
        "relu": check_layer(act.ReLU(), x)["input"],
        "leaky_relu": check_layer(act.LeakyReLU(0.1), x)["input"],
        "softmax": check_layer(act.Softmax(), x)["input"],
        "quadratic": check_loss(Quadratic("sum"), x, probs),
        "cross_entropy": check_loss(CrossEntropy("sum"), probs, (probs > 0.5) * 1.0),
        "cross_entropy_sigmoid_fused": check_loss(CrossEntropy(), x, probs, fused=True),
        "softmax_cross_entropy": max(
            check_loss(SoftmaxCrossEntropy("sum"), x, labels),
            check_loss(SoftmaxCrossEntropy(), x, soft),
        ),
    }
    images = rng.standard_normal((2, 2, 5, 5))
    table["conv2d"] = worst(
        check_layer(Conv2D(rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)), images),
        check_layer(Conv2D(rng.standard_normal((2, 2, 2, 3)), None, stride=2, padding=1), images),
    )
    table["maxpool2d"] = worst(
        check_layer(MaxPool2D(2), _distinct(rng, (2, 2, 5, 4))),
        check_layer(MaxPool2D(3, stride=2), _distinct(rng, (1, 2, 5, 5))),
    )
    bn = BatchNorm(5)
    bn.params["gamma"][:] = rng.uniform(0.5, 1.5, 5)
    bn.buffers["running_var"][:] = rng.uniform(0.5, 1.5, 5)
    table["batchnorm"] = worst(check_layer(bn, x), check_layer(bn, x, train=False))
    table["batchnorm_spatial"] = worst(check_layer(BatchNorm(2, spatial=True), images))
    mask = (rng.random((4, 5)) > 0.5) / 0.5
    table["dropout"] = check_layer(Dropout(0.5, fixed_mask=mask), x)["input"]
    table["flatten"] = check_layer(Flatten(), images)["input"]
    table["weight_decay"] = _check_weight_decay(rng)
    net = Sequential([
        Conv2D(rng.standard_normal((2, 1, 3, 3)) * 0.3, rng.standard_normal(2), padding=1),
        act.ReLU(), MaxPool2D(2), Flatten(), Dense(rng.standard_normal((8, 3)) * 0.3, None),
        act.Sigmoid(),
    ])  # fmt: skip
    x_net = rng.standard_normal((2, 1, 4, 4))
    table["network"] = worst(check_network(net, x_net, labels[:2] % 3, CrossEntropy()))
    return table


def _check_weight_decay(rng: np.random.Generator, lmbda: float = 0.7, n: int = 3) -> float:
    """The optimisers' decay term (lmbda / n) W against the gradient of l2_penalty."""
    model = Sequential([Dense(rng.standard_normal((3, 2)), rng.standard_normal(2))])
    W = model[0].params["W"]
    numeric = numerical_gradient(lambda: l2_penalty(model, lmbda, n), W)
    return relative_error(lmbda / n * W, numeric)

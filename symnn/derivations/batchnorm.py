"""BatchNorm with a batch of one (exercise-sheet-6 6.3(h)).

In training mode BatchNorm normalises each feature with the statistics of the batch,

.. math:: \\mu_B = \\frac1m \\sum_{i=1}^m x_i,\\quad
          \\sigma_B^2 = \\frac1m \\sum_{i=1}^m (x_i - \\mu_B)^2,\\quad
          y_i = \\gamma \\frac{x_i - \\mu_B}{\\sqrt{\\sigma_B^2 + \\epsilon}} + \\beta .

For :math:`m = 1` the mean is the input itself, so :math:`x_1 - \\mu_B = 0` and
:math:`y_1 = \\beta` whatever the input: the layer's output, and the gradient that flows
back through it, carry no information about :math:`x`.

>>> import symnn
>>> symnn.derive("batchnorm-batch-one").result["output"]
beta
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.core.registry import register
from symnn.sim import BatchNorm


def _batchnorm(x: sp.IndexedBase, i: sp.Symbol, m: sp.Expr, gamma: sp.Expr, beta: sp.Expr,
               eps: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(mu_B, sigma_B^2, y_1) of a batch x_1..x_m as unevaluated sums."""
    mean = sp.Sum(x[i], (i, 1, m)) / m
    var = sp.Sum((x[i] - mean) ** 2, (i, 1, m)) / m
    return mean, var, gamma * (x[1] - mean) / sp.sqrt(var + eps) + beta


@register("batchnorm-batch-one", title="BatchNorm with a batch of one outputs beta",
          sheets=[("exercise-sheet-6", "6.3(h)")])
def batchnorm_batch_one() -> Derivation:
    """With m = 1: mu_B = x_1, sigma_B^2 = 0, x_hat = 0, y = beta for every input."""
    x, i = sp.IndexedBase("x", real=True), sp.Symbol("i", integer=True, positive=True)
    m = sp.Symbol("m", integer=True, positive=True)
    gamma, beta = sp.Symbol("gamma", real=True), sp.Symbol("beta", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    mean, var, output = _batchnorm(x, i, m, gamma, beta, eps)
    b = DerivationBuilder("batchnorm-batch-one", "BatchNorm with a batch of one outputs beta",
                          r"With batch size $m = 1$, BatchNorm in training mode outputs $\beta$ "
                          r"whatever the input")
    b.assume(r"one feature, batch $x_1, \dots, x_m$; $\gamma, \beta \in \mathbb{R}$, "
             r"$\epsilon > 0$; training mode (batch statistics)")
    b.convention(r"$\sigma_B^2$ is the biased batch variance (divide by $m$), as in the paper")
    b.define("BatchNorm", sp.Symbol("y_1"), output, reason=r"normalise with the batch mean and "
             r"variance, then scale by $\gamma$ and shift by $\beta$")
    one = {m: 1}
    mean1 = b.step("batch mean at m = 1", mean.subs(one), x[1], route="doit-cancel",
                   reason=r"$\mu_B = \frac11 \sum_{i=1}^1 x_i = x_1$")
    centred = b.step("centred input", x[1] - mean.subs(one), sp.Integer(0), route="doit-cancel",
                     reason=r"$x_1 - \mu_B = x_1 - x_1$")
    var1 = b.step("batch variance at m = 1", var.subs(one), sp.Integer(0), route="doit-cancel",
                  reason=r"the only deviation is $x_1 - \mu_B = 0$")
    x_hat = b.step("normalised input", (x[1] - mean.subs(one)) / sp.sqrt(var.subs(one) + eps),
                   sp.Integer(0), route="doit-cancel",
                   reason=r"$\hat x_1 = 0 / \sqrt{0 + \epsilon} = 0$ "
                          r"($\epsilon > 0$ keeps it defined)")
    y1 = b.step("output", output.subs(one), beta, route="doit-cancel",
                reason=r"$y_1 = \gamma \cdot 0 + \beta$: the input has disappeared")
    grads = sp.Matrix([sp.Derivative(output.subs(one), v) for v in (x[1], gamma, beta)])
    slopes = b.step("gradients", grads, grads.doit().applyfunc(sp.cancel), route="doit-cancel",
           reason=r"$\partial y_1 / \partial x_1 = 0$ and $\partial y_1 / \partial \gamma = 0$: "
                  r"nothing flows back to earlier layers and $\gamma$ never learns",
           tex=r"\left(\frac{\partial y_1}{\partial x_1}, \frac{\partial y_1}{\partial \gamma}, "
               r"\frac{\partial y_1}{\partial \beta}\right) = (0, 0, 1)")
    b.note(r"The running statistics then see $\sigma_B^2 = 0$ at every step, so evaluation "
           r"mode normalises with a variance estimated from nothing; use a larger batch, or a "
           r"per-example normalisation (layer or group norm).")
    result = {"output": y1, "batch_mean": mean1, "centred": centred, "batch_variance": var1,
              "normalised": x_hat, "gradient_x": slopes[0], "gradient_gamma": slopes[1],
              "gradient_beta": slopes[2]}
    return b.build(result, checker=_check)


def _check(result: dict) -> CheckReport:
    """The simulator's BatchNorm in train mode on batches of one, against the derived values."""
    check = CrossCheck("the simulator's BatchNorm (symnn.sim) in train mode, batch size 1; its "
                       "batch statistics read from the running buffers of a fresh layer", 1e-12)
    x = sp.IndexedBase("x", real=True)
    gamma, beta = sp.Symbol("gamma", real=True), sp.Symbol("beta", real=True)
    derived = {name: sp.lambdify([x[1], gamma, beta], value, NUMPY_NAMESPACE)
               for name, value in result.items()}
    rng = np.random.default_rng(0)
    for scale in (1e-3, 1.0, 1e3, 1e8):
        layer = BatchNorm(5)
        layer.params["gamma"][:] = g = rng.normal(size=5) * 3
        layer.params["beta"][:] = bt = rng.normal(size=5)
        inputs = rng.normal(size=(1, 5)) * scale
        output = layer.forward(inputs, train=True)[0]
        mom = layer.momentum
        simulated = {
            "output": output, "batch_mean": layer.buffers["running_mean"] / mom,
            "centred": layer.x_hat[0] / layer.inv_std, "normalised": layer.x_hat[0],
            "batch_variance": (layer.buffers["running_var"] - (1 - mom)) / mom,
            "gradient_x": layer.backward(np.ones((1, 5)))[0],
            "gradient_gamma": layer.grads["gamma"], "gradient_beta": layer.grads["beta"],
        }
        for name, values in simulated.items():
            expected = np.broadcast_to(derived[name](inputs[0], g, bt), (5,))
            check.compare(f"{name} for inputs of size {scale:g}", expected, values,
                          tolerance=1e-12 if name != "batch_mean" else 1e-9)
    check.compare("output equals beta (input of size 1e8)", output, bt)
    image = BatchNorm(3, spatial=True)
    image.params["beta"][:] = rng.normal(size=3)
    check.compare("spatial BatchNorm on one 1x1 image equals beta",
                  image.forward(rng.normal(size=(1, 3, 1, 1)))[0, :, 0, 0], image.params["beta"])
    pair = layer.forward(rng.normal(size=(2, 5)), train=True)
    check.require("contrast: a batch of two is not constant", bool(np.all(pair[0] != pair[1])))
    return check.report()

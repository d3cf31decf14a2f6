"""Variance-preserving initialisation for any activation in the table.

For ``z' = sum_j w_j f(z_j)`` with ``n`` inputs, ``w_j`` iid with mean 0 and variance
``v``, independent of ``z_j ~ N(0, q)``:

.. math:: \\operatorname{Var} z' = \\sum_{j,k} \\mathbb{E}[w_j w_k]\\,\\mathbb{E}[f(z_j) f(z_k)]
          = n\\, v\\, \\mathbb{E}[f(z)^2],

so the variance is preserved (``Var z' = q``) exactly when ``v = q / (n E[f(z)^2])``. For a
positively homogeneous ``f`` (identity, ReLU, leaky ReLU, |x|) ``E[f(z)^2] = q E[f(Z)^2]``
and the answer does not depend on ``q``: ``1/n``, ``2/n`` (He), ``2/((1 + alpha^2) n)``.
For other activations the linearisation ``f(z) ~ f(0) + f'(0) z`` gives the
approximation ``v = 1/(n f'(0)^2)`` (tanh: ``1/n``, sigmoid: ``16/n``).

:func:`simulate` pushes Gaussian inputs through random ``symnn.sim`` Dense layers and
records the pre-activation variance per layer.

>>> import numpy as np
>>> from symnn.activation_analysis.table import TABLE
>>> ratios = simulate(TABLE["relu"], 0, 2.0, inputs=500, width=64, depth=5)
>>> bool(0.5 < ratios[-1] < 2)
True
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from symnn.activation_analysis.table import Activation
from symnn.core.certify import Route
from symnn.sim.layers import Dense

n = sp.Symbol("n", integer=True, positive=True)
v = sp.Symbol("v", positive=True)
q = sp.Symbol("q", positive=True)
j, k = sp.symbols("j k", integer=True, positive=True)
#: Gaussian inputs of the simulation
INPUTS = 1_000


def _collapse(difference: sp.Expr) -> sp.Expr:
    """Sum a Kronecker delta over its index range; the range conditions on the outer index are true."""
    def outer(total: sp.Sum) -> sp.Expr:
        (index, lo, hi), = total.limits[-1:]
        body = sp.Sum(total.function, *total.limits[:-1]).doit() if len(total.limits) > 1 else \
            total.function.doit()
        decided = body.subs({sp.Le(index, hi): sp.true, sp.Ge(index, lo): sp.true,
                             sp.Le(lo, index): sp.true, sp.Ge(hi, index): sp.true})
        return sp.Sum(sp.piecewise_fold(decided), (index, lo, hi)).doit()

    return sp.cancel(difference.replace(lambda e: isinstance(e, sp.Sum), outer))


#: its answer remembered per difference: every initialisation derivation sums the same double sum
COLLAPSE = Route("Kronecker delta summed over 1..n (the range decides j <= n), cancel",
                 functools.lru_cache(maxsize=64)(_collapse))


def double_sum(second_moment: sp.Expr) -> sp.Expr:
    """``sum_j sum_k E[w_j w_k] E[f(z_j) f(z_k)]`` with ``E[w_j w_k] = v delta_jk``."""
    return sp.Sum(v * sp.KroneckerDelta(j, k) * second_moment, (k, 1, n), (j, 1, n))


def simulate(activation: Activation, alpha: float, weight_scale: float, *, inputs: int = INPUTS,
             width: int = 256, depth: int = 30, seed: int = 0) -> np.ndarray:
    """Var z_l / Var z_0 for l = 1..depth: z_0 ~ N(0, 1), z_l = f(z_{l-1}) W_l, W_l ~ N(0, s/width).

    ``weight_scale`` is ``s = width * v``; the layers are ``symnn.sim`` Dense layers without
    bias, in float32. Returns the ratios, shape (depth,).

    The ratio's spread comes from the random weights, set by the width (a relative
    fluctuation of about ``sqrt(2/width)`` per layer); the ``inputs`` only estimate each
    variance, from ``inputs * width`` values (with 1,000 inputs the final ratio has a standard
    deviation under 1% over input draws for the same weights).
    """
    (ratios,) = simulate_scales(activation, alpha, [(weight_scale, inputs)], width=width, depth=depth,
                                seed=seed)
    return ratios


def simulate_scales(activation: Activation, alpha: float, runs: list[tuple[float, int]], *,
                    width: int = 256, depth: int = 30, seed: int = 0) -> list[np.ndarray]:
    """:func:`simulate` for several ``(weight_scale, inputs)`` through the same random weights.

    The inputs are drawn once (as many rows as the largest run asks for; a smaller run takes
    the first rows) and each layer's standard normal weights once, scaled by
    ``sqrt(s/width)`` for each run; so a run with the most inputs gives exactly what
    :func:`simulate` gives for its scale alone, and the others cost only their products.

    >>> from symnn.activation_analysis.table import TABLE
    >>> he, double = simulate_scales(TABLE["relu"], 0, [(2.0, 500), (4.0, 100)], width=64, depth=5)
    >>> bool(np.array_equal(he, simulate(TABLE["relu"], 0, 2.0, inputs=500, width=64, depth=5)))
    True
    >>> bool(double[-1] > 8 * he[-1] / 2)  # 2^5 = 32 times the variance, up to the inputs' noise
    True
    """
    rng = np.random.default_rng(seed)
    drawn = rng.standard_normal((max(rows for _, rows in runs), width), dtype=np.float32)
    z = [drawn[:rows] for _, rows in runs]
    start = [float(values.var()) for values in z]
    std = [np.float32(np.sqrt(scale / width)) for scale, _ in runs]
    ratios: list[list[float]] = [[] for _ in runs]
    for _ in range(depth):
        standard = rng.standard_normal((width, width), dtype=np.float32)
        for i, found in enumerate(ratios):
            if len(found) == depth:
                continue
            layer = Dense(standard * std[i])
            with np.errstate(over="ignore", invalid="ignore"):  # a run far from v may leave float32
                z[i] = layer.forward(activation.simulate(z[i], alpha).astype(np.float32, copy=False))
                found.append(float(z[i].var()) / start[i])
            if not np.isfinite(found[-1]) or found[-1] == 0:
                found.extend([found[-1]] * (depth - len(found)))
        if all(len(found) == depth for found in ratios):
            break
    return [np.array(found) for found in ratios]


__all__ = ["COLLAPSE", "INPUTS", "double_sum", "j", "k", "n", "q", "simulate", "simulate_scales", "v"]

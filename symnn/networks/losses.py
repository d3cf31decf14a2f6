"""The losses of the engine, per example, summed over the examples (never averaged).

===========================  ==========================================  ==================
name                         per-example loss                            output activation
===========================  ==========================================  ==================
``squared``                  :math:`\\tfrac12 \\lVert a - t \\rVert^2`          any
``cross_entropy``            :math:`-\\sum_k t_k \\log \\operatorname{softmax}(z)_k`  softmax
``binary_cross_entropy``     :math:`-\\sum_k t_k \\log a_k + (1 - t_k)\\log(1 - a_k)`  sigmoid
===========================  ==========================================  ==================

Each :class:`Loss` gives the loss of one example from its output row ``a`` (and its
pre-activation row ``z``), and the output error ``delta_L = dl/dz`` the back-propagation
starts from; :mod:`symnn.networks.certificate` proves that rule against SymPy's own
derivative.

>>> a, z, t = [sp.Rational(1, 2)], [sp.Integer(0)], [sp.Integer(1)]
>>> LOSSES["binary_cross_entropy"].value(a, z, t)
log(2)
>>> LOSSES["binary_cross_entropy"].delta(a, z, t, "sigmoid", 0)
[-1/2]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symnn.networks.activations import ACTIVATIONS

Row = list[sp.Expr]


def _squared(a: Row, z: Row, t: Row) -> sp.Expr:
    return sp.Rational(1, 2) * sum(((u - v) ** 2 for u, v in zip(a, t)), sp.Integer(0))


def _cross_entropy(a: Row, z: Row, t: Row) -> sp.Expr:
    log_total = sp.log(sum((sp.exp(v) for v in z), sp.Integer(0)))
    return sum((-v * (u - log_total) for u, v in zip(z, t)), sp.Integer(0))


def _binary_cross_entropy(a: Row, z: Row, t: Row) -> sp.Expr:
    return -sum((v * sp.log(u) + (1 - v) * sp.log(1 - u) for u, v in zip(a, t)), sp.Integer(0))


def _squared_delta(a: Row, z: Row, t: Row, output: str, alpha: sp.Expr) -> Row:
    g = [u - v for u, v in zip(a, t)]
    if output == "softmax":  # the softmax Jacobian: y_k (g_k - sum_j g_j y_j)
        dot = sum((u * v for u, v in zip(g, a)), sp.Integer(0))
        return [u * (v - dot) for u, v in zip(a, g)]
    rule = ACTIVATIONS[output].derivative
    return [u * rule(v, alpha) for u, v in zip(g, z)]


def _cross_entropy_delta(a: Row, z: Row, t: Row, output: str, alpha: sp.Expr) -> Row:
    total = sum(t, sp.Integer(0))
    return [u * total - v for u, v in zip(a, t)]


def _binary_delta(a: Row, z: Row, t: Row, output: str, alpha: sp.Expr) -> Row:
    return [u - v for u, v in zip(a, t)]


@dataclass(frozen=True)
class Loss:
    """One loss: its value per example, its output error, the output it needs, its notation."""

    name: str
    value: Callable[[Row, Row, Row], sp.Expr]
    delta: Callable[[Row, Row, Row, str, sp.Expr], Row]
    output: str | None
    tex: str
    delta_tex: str


LOSSES: dict[str, Loss] = {item.name: item for item in (
    Loss("squared", _squared, _squared_delta, None,
         r"L = \tfrac12 \sum_k \lVert a^{(L)}_k - t_k \rVert^2",
         r"\delta^{(L)} = (A^{(L)} - T) \odot f_L'(Z^{(L)})"),
    Loss("cross_entropy", _cross_entropy, _cross_entropy_delta, "softmax",
         r"L = -\sum_k \sum_j T_{kj} \log \operatorname{softmax}(z^{(L)}_k)_j",
         r"\delta^{(L)} = A^{(L)} \odot (T \mathbf{1}) \mathbf{1}^T - T"),
    Loss("binary_cross_entropy", _binary_cross_entropy, _binary_delta, "sigmoid",
         r"L = -\sum_{k,j} T_{kj} \log A^{(L)}_{kj} + (1 - T_{kj}) \log (1 - A^{(L)}_{kj})",
         r"\delta^{(L)} = A^{(L)} - T"),
)}

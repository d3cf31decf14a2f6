"""The forward pass of a :class:`~symnn.networks.spec.NetworkSpec`, all examples at once.

.. math::

    A^{(0)} = X,\\qquad Z^{(l)} = A^{(l-1)} W^{(l)} + \\mathbf{1} b^{(l)},\\qquad
    A^{(l)} = f_l(Z^{(l)}),\\qquad
    L = \\sum_k \\ell(a^{(L)}_k, t_k) + \\frac{\\lambda}{2} \\sum_l \\lVert W^{(l)} \\rVert^2.

Exact numbers stay exact (Rationals through piecewise-linear activations, closed forms
such as ``tanh(3/5)`` otherwise); symbols stay symbols.

>>> from symnn.networks.spec import NetworkSpec
>>> spec = NetworkSpec.build([1, 1], ["relu"], X=[[2]], t=[1], W=[[[3]]], b=[[-1]])
>>> run = forward(spec)
>>> run.Z[0], run.A[1], run.loss
(Matrix([[5]]), Matrix([[5]]), 8)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symnn.networks.activations import apply
from symnn.networks.losses import LOSSES
from symnn.networks.spec import NetworkSpec


@dataclass(frozen=True)
class Forward:
    """``Z[l]`` (layer l + 1's pre-activations), ``A[l]`` (``A[0] = X``), the loss and its parts."""

    Z: tuple[sp.Matrix, ...]
    A: tuple[sp.Matrix, ...]
    data_loss: sp.Expr
    penalty: sp.Expr

    @property
    def loss(self) -> sp.Expr:
        """The data loss plus the weight penalty."""
        return self.data_loss + self.penalty

    @property
    def output(self) -> sp.Matrix:
        """The network's outputs, one row per example."""
        return self.A[-1]


def pre_activations(A: sp.Matrix, W: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    """``A W + 1 b``: the bias row added to every example's row."""
    return A * W + sp.ones(A.rows, 1) * b


def penalty(spec: NetworkSpec) -> sp.Expr:
    """``l2/2`` times the sum of the squared weights (biases are not penalised)."""
    if spec.l2 == 0:
        return sp.Integer(0)
    return spec.l2 / 2 * sum((w**2 for W in spec.W for w in W), sp.Integer(0))


def data_loss(spec: NetworkSpec, Z: sp.Matrix, A: sp.Matrix) -> sp.Expr:
    """The loss summed over the examples (rows) of the output layer."""
    value = LOSSES[spec.loss].value
    return sum((value(list(A.row(k)), list(Z.row(k)), list(spec.t.row(k))) for k in range(A.rows)),
               sp.Integer(0))


def forward(spec: NetworkSpec) -> Forward:
    """Every layer's ``Z`` and ``A`` and the loss."""
    Zs, As = [], [spec.X]
    for W, b, name in zip(spec.W, spec.b, spec.activations):
        Zs.append(pre_activations(As[-1], W, b))
        As.append(apply(name, Zs[-1], spec.alpha))
    return Forward(tuple(Zs), tuple(As), data_loss(spec, Zs[-1], As[-1]), penalty(spec))

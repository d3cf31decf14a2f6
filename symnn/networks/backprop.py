"""Back-propagation: the delta recursion on whole matrices (rows are examples).

.. math::

    \\delta^{(L)} = \\frac{\\partial L}{\\partial A^{(L)}} \\odot f_L'(Z^{(L)}),\\qquad
    \\delta^{(l)} = (\\delta^{(l+1)} W^{(l+1)T}) \\odot f_l'(Z^{(l)}),

    \\frac{\\partial L}{\\partial W^{(l)}} = A^{(l-1)T} \\delta^{(l)} + \\lambda W^{(l)},\\qquad
    \\frac{\\partial L}{\\partial b^{(l)}} = \\mathbf{1}^T \\delta^{(l)}.

The output error comes from the loss's own rule (:mod:`symnn.networks.losses`: for
softmax with cross-entropy it is ``A Σt - T``). Row ``k`` of ``delta[l]`` is the
derivative of example ``k``'s loss with respect to its pre-activations ``z^(l+1)_k``.

>>> from symnn.networks.spec import NetworkSpec
>>> from symnn.networks.forward import forward
>>> spec = NetworkSpec.build([1, 1], ["relu"], X=[[2]], t=[1], W=[[[3]]], b=[[-1]])
>>> grads = backprop(spec, forward(spec))
>>> grads.delta[0], grads.dW[0], grads.db[0]
(Matrix([[4]]), Matrix([[8]]), Matrix([[4]]))
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symnn.networks.activations import derivative
from symnn.networks.forward import Forward
from symnn.networks.losses import LOSSES
from symnn.networks.spec import NetworkSpec


@dataclass(frozen=True)
class Gradients:
    """``delta[l]``, ``dW[l]`` and ``db[l]`` of layer ``l + 1`` (shapes of ``Z``, ``W``, ``b``)."""

    delta: tuple[sp.Matrix, ...]
    dW: tuple[sp.Matrix, ...]
    db: tuple[sp.Matrix, ...]

    def flat(self) -> sp.Matrix:
        """Every gradient entry in parameter order (W1 row by row, b1, W2, b2, ...), one row."""
        entries: list[sp.Expr] = []
        for dW, db in zip(self.dW, self.db):
            entries.extend(dW)
            entries.extend(db)
        return sp.Matrix([entries])


def output_error(spec: NetworkSpec, run: Forward) -> sp.Matrix:
    """``delta^(L)``: the loss's rule applied to each example's output row."""
    rule = LOSSES[spec.loss].delta
    Z, A = run.Z[-1], run.A[-1]
    rows = [rule(list(A.row(k)), list(Z.row(k)), list(spec.t.row(k)), spec.activations[-1], spec.alpha)
            for k in range(A.rows)]
    return sp.Matrix(rows)


def backprop(spec: NetworkSpec, run: Forward) -> Gradients:
    """The delta recursion from the output layer down, then each layer's gradients."""
    deltas = [output_error(spec, run)]
    for layer in range(spec.depth - 2, -1, -1):
        back = deltas[0] * spec.W[layer + 1].T
        slope = derivative(spec.activations[layer], run.Z[layer], spec.alpha)
        deltas.insert(0, back.multiply_elementwise(slope))
    ones = sp.ones(1, spec.X.rows)
    dW = tuple(run.A[layer].T * deltas[layer] + spec.l2 * spec.W[layer] for layer in range(spec.depth))
    db = tuple(ones * delta for delta in deltas)
    return Gradients(tuple(deltas), dW, db)

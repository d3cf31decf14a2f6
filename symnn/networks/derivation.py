"""The derivation of a :class:`~symnn.networks.spec.NetworkSpec`: lemmas, forward pass, deltas, gradients.

The registered id ``network-gradients`` (:mod:`symnn.derivations.network_gradients`) reads
its keyword parameters into a spec and calls :func:`derive_network`; :func:`symnn.networks.gradients`
calls it directly. The check judges the derivation's own results: the loss, every gradient
and every error signal are compared with the simulator's backward pass.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sympy as sp

from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.networks.backprop import Gradients, backprop
from symnn.networks.check import cross_check
from symnn.networks.forward import Forward, forward
from symnn.networks.layerwise import instantiate
from symnn.networks.losses import LOSSES
from symnn.networks.spec import NetworkSpec
from symnn.networks.typeset import (
    certified_route,
    forward_steps,
    gradient_blocks,
    lemma_steps,
    map_lemma_steps,
)


def described(spec: NetworkSpec, values: dict[str, Any]) -> dict[str, Any]:
    """The parameters a derivation reports: the structure, then every value given, coerced."""
    shown: dict[str, Any] = {"sizes": list(spec.sizes), "activations": list(spec.activations),
                             "loss": spec.loss}
    exact = {"alpha": spec.alpha, "l2": spec.l2, "X": spec.X, "t": spec.t}
    exact.update({f"W{l + 1}": W for l, W in enumerate(spec.W)})
    exact.update({f"b{l + 1}": b for l, b in enumerate(spec.b)})
    shown.update({name: value for name, value in exact.items() if values.get(name) is not None})
    return shown


def derive_network(spec: NetworkSpec, parameters: dict[str, Any] | None = None) -> Derivation:
    """The derivation of :class:`NetworkSpec` ``spec``: lemmas, forward pass, deltas, gradients."""
    run = forward(spec)
    grads = backprop(spec, run)
    b = DerivationBuilder("network-gradients", "Back-propagation through a "
                          + "-".join(map(str, spec.sizes)) + " network", _statement(spec),
                          parameters or {})
    m = spec.X.rows
    b.assume(rf"{m} example{'s' if m != 1 else ''} as the rows of $X$ and $T$; layer $l$ computes "
             r"$A^{(l)} = f_l(A^{(l-1)} W^{(l)} + \mathbf{1} b^{(l)})$ with $A^{(0)} = X$")
    b.assume("activations " + ", ".join(rf"$f_{l + 1} = $ {name.replace('_', ' ')}"
                                        for l, name in enumerate(spec.activations)))
    if spec.symbolic:
        b.assume("symbols are real numbers; the derivative is taken where every activation is "
                 "differentiable")
    b.convention(r"$\operatorname{ReLU}'(0) = 0$ and $\operatorname{LReLU}'(0) = \alpha$ (the "
                 r"simulator's choice); the loss is summed over the examples, not averaged")
    if spec.l2 != 0:
        b.convention(rf"weight decay $\frac{{\lambda}}{{2}} \sum_l \lVert W^{{(l)}} \rVert^2$ with "
                     rf"$\lambda = {sp.latex(spec.l2)}$, biases not penalised")
    b.convention(r"the layer rules compose by the chain rule: $L$ depends on $W^{(l)}$, $b^{(l)}$ and "
                 r"$A^{(l-1)}$ only through $Z^{(l)}$, so with $G = \delta^{(l)} = \partial L/\partial "
                 r"Z^{(l)}$ held fixed their gradients are those of $\operatorname{tr}(G^T Z^{(l)})$")
    lemma_steps(b, spec)
    forward_steps(b, spec, run)
    map_lemma_steps(b, spec)
    route = certified_route(spec, run)
    for rule, before, after, reason, tex in gradient_blocks(spec, grads, instantiate(spec, run, grads)):
        b.step(rule, before, after, reason=reason, route=route, tex=tex)
    kinks = [layer + 1 for layer, name in enumerate(spec.activations)
             if name in ("relu", "leaky_relu") and any(z == 0 for z in run.Z[layer])]
    if kinks:
        b.note("A pre-activation is exactly 0 in layer " + ", ".join(map(str, kinks)) + ": there the "
               "activation has no derivative, and the certified rule gives the stated convention "
               r"($\operatorname{ReLU}'(0) = 0$, $\operatorname{LReLU}'(0) = \alpha$: SymPy's "
               r"derivative of the Piecewise form on its branch $z \le 0$); the simulator makes the "
               "same choice.")
    result: dict[str, Any] = {"loss": run.loss}
    result.update({f"dL_dW{l + 1}": grads.dW[l] for l in range(spec.depth)})
    result.update({f"dL_db{l + 1}": grads.db[l] for l in range(spec.depth)})
    result.update({f"delta{l + 1}": grads.delta[l] for l in range(spec.depth)})
    return b.build(result, checker=lambda given: cross_check(spec, *_judged(spec, run, given)))


def _judged(spec: NetworkSpec, run: Forward, result: dict[str, Any]) -> tuple[Forward, Gradients]:
    """The forward pass and the gradients as the derivation's ``result`` states them."""
    layers = range(spec.depth)
    stated = Gradients(delta=tuple(result[f"delta{l + 1}"] for l in layers),
                       dW=tuple(result[f"dL_dW{l + 1}"] for l in layers),
                       db=tuple(result[f"dL_db{l + 1}"] for l in layers))
    return dataclasses.replace(run, data_loss=result["loss"], penalty=sp.Integer(0)), stated


def _statement(spec: NetworkSpec) -> str:
    loss = LOSSES[spec.loss].tex
    decay = r" + \frac{\lambda}{2} \sum_l \lVert W^{(l)} \rVert^2" if spec.l2 != 0 else ""
    return (rf"For the {'-'.join(map(str, spec.sizes))} network with ${loss}{decay}$, find "
            r"$\partial L / \partial W^{(l)}$, $\partial L / \partial b^{(l)}$ and the error signals "
            r"$\delta^{(l)} = \partial L / \partial Z^{(l)}$ for every layer $l$.")

"""Certified back-propagation for a network a user brings (``network-gradients``).

Any fully connected network: sizes, one activation per layer (``identity, relu,
leaky_relu, sigmoid, tanh, softplus``; ``softmax`` in the output layer), a loss summed over
the examples (``squared``, ``cross_entropy`` on a softmax output, ``binary_cross_entropy``
on a sigmoid output), optional weight decay ``l2/2 sum W^2``, data and weights exact or
symbolic. The engine is :mod:`symnn.networks`; this module states and typesets it.

.. math::

    \\delta^{(L)} = \\frac{\\partial L}{\\partial A^{(L)}} \\odot f_L'(Z^{(L)}),\\quad
    \\delta^{(l)} = (\\delta^{(l+1)} W^{(l+1)T}) \\odot f_l'(Z^{(l)}),\\quad
    \\frac{\\partial L}{\\partial W^{(l)}} = A^{(l-1)T} \\delta^{(l)} + \\lambda W^{(l)}.

Each activation's derivative rule, each error signal and each gradient is certified
against SymPy's own derivative of the loss (see :mod:`symnn.networks.certificate`).

>>> import symnn
>>> d = symnn.derive("network-gradients", sizes=[1, 1], activations=["relu"], X=[[2]], t=[1],
...                  W1=[[3]], b1=[-1])
>>> d.result["dL_dW1"], d.result["dL_db1"], d.result["loss"]
(Matrix([[8]]), Matrix([[4]]), 8)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.params import Kind, Parameter
from symnn.core.registry import register
from symnn.errors import ParameterError
from symnn.networks import (
    ACTIVATIONS,
    LOSSES,
    MAX_DEPTH,
    NetworkSpec,
    backprop,
    certified_route,
    cross_check,
    forward,
    sizes_of,
    sympy_deltas,
    sympy_gradient,
    template,
)
from symnn.networks.typeset import forward_steps, gradient_blocks, lemma_steps


class _AsGiven(Kind):
    """Passed through unchanged: :meth:`NetworkSpec.build` checks it and names the parameter."""

    def __init__(self, expected: str) -> None:
        self.expected = expected

    def __call__(self, name: str, value: Any) -> Any:
        return value


_PARAMETERS = [
    Parameter("sizes", _AsGiven("a list of at least two positive integers"), [2, 2, 1],
              "input width, hidden widths ..., output width"),
    Parameter("activations", _AsGiven("a list of names: " + ", ".join(ACTIVATIONS)),
              ["tanh", "identity"], "one activation per layer; softmax in the output layer only"),
    Parameter("loss", _AsGiven("one of " + ", ".join(LOSSES)), "squared",
              "squared, cross_entropy (softmax output) or binary_cross_entropy (sigmoid output)"),
    Parameter("alpha", _AsGiven("a real number"), None, "slope of leaky_relu below 0 (default 1/100)"),
    Parameter("l2", _AsGiven("a number >= 0"), None, "weight decay: adds l2/2 times the sum of squared "
              "weights (not biases)"),
    Parameter("X", _AsGiven("a matrix of numbers"), None, "inputs, one example per row; absent: one "
              "symbolic example x1 .. xn"),
    Parameter("t", _AsGiven("a matrix of numbers"), None, "targets, one row per example (a list for "
              "one output); absent: t1 .. tK"),
    *(Parameter(f"{letter}{layer}", _AsGiven("a matrix of numbers"), None,
                f"layer {layer}'s {'weights, width in x width out' if letter == 'W' else 'bias row'}; "
                f"absent: symbols {letter}{layer}_..")
      for layer in range(1, MAX_DEPTH + 1) for letter in ("W", "b")),
]


def spec_from_parameters(values: dict[str, Any]) -> NetworkSpec:
    """The :class:`NetworkSpec` of the keyword parameters (W1 .. W6, b1 .. b6 by layer)."""
    widths = sizes_of(values["sizes"])
    depth = len(widths) - 1
    for layer in range(depth + 1, MAX_DEPTH + 1):
        for name in (f"W{layer}", f"b{layer}"):
            if values.get(name) is not None:
                raise ParameterError(name, values[name], f"no {name}: sizes {widths} has {depth} layers")
    W = [values.get(f"W{layer}") for layer in range(1, depth + 1)]
    b = [values.get(f"b{layer}") for layer in range(1, depth + 1)]
    return NetworkSpec.build(values["sizes"], values["activations"], loss=values["loss"],
                             alpha=values["alpha"], l2=values["l2"], X=values["X"], t=values["t"],
                             W=W, b=b)


@register("network-gradients", title="Certified back-propagation for any fully connected network",
          sheets=[], parameters=_PARAMETERS)
def network_gradients(**values: Any) -> Derivation:
    """Loss, every gradient and every error signal of the network the parameters describe."""
    spec = spec_from_parameters(values)
    return derive_network(spec, described(spec, values))


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
    lemma_steps(b, spec)
    forward_steps(b, spec, run)
    route = certified_route(spec, run)
    if route == "exact":
        proved, derivative, deltas = None, sympy_gradient(spec), sympy_deltas(spec, run)
    else:
        symbolic = template(spec)
        symbolic_run = forward(symbolic)
        proved = backprop(symbolic, symbolic_run)
        derivative, deltas = sympy_gradient(symbolic), sympy_deltas(symbolic, symbolic_run)
    for rule, before, after, reason, tex in gradient_blocks(spec, grads, derivative, deltas, proved):
        b.step(rule, before, after, reason=reason, route=route, tex=tex)
    result: dict[str, Any] = {"loss": run.loss}
    result.update({f"dL_dW{l + 1}": grads.dW[l] for l in range(spec.depth)})
    result.update({f"dL_db{l + 1}": grads.db[l] for l in range(spec.depth)})
    result.update({f"delta{l + 1}": grads.delta[l] for l in range(spec.depth)})
    return b.build(result, checker=lambda: cross_check(spec, run, grads))


def _statement(spec: NetworkSpec) -> str:
    loss = LOSSES[spec.loss].tex
    decay = r" + \frac{\lambda}{2} \sum_l \lVert W^{(l)} \rVert^2" if spec.l2 != 0 else ""
    return (rf"For the {'-'.join(map(str, spec.sizes))} network with ${loss}{decay}$, find "
            r"$\partial L / \partial W^{(l)}$, $\partial L / \partial b^{(l)}$ and the error signals "
            r"$\delta^{(l)} = \partial L / \partial Z^{(l)}$ for every layer $l$.")

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

from symnn.core.derivation import Derivation
from symnn.core.params import Kind, Parameter
from symnn.core.registry import register
from symnn.errors import ParameterError
from symnn.networks import ACTIVATIONS, LOSSES, MAX_DEPTH, NetworkSpec, sizes_of
from symnn.networks.derivation import derive_network, described
from symnn.networks.spec import MAX_EXAMPLES, MAX_WIDTH


class _AsGiven(Kind):
    """Passed through unchanged: :meth:`NetworkSpec.build` checks it and names the parameter."""

    def __init__(self, expected: str, bound: str) -> None:
        self.expected = expected
        self._bound = bound

    def bound(self) -> str:
        return self._bound

    def __call__(self, name: str, value: Any) -> Any:
        return value


_PARAMETERS = [
    Parameter("sizes", _AsGiven("a list of at least two positive integers",
                                        f"{MAX_DEPTH + 1} widths, each at most {MAX_WIDTH}"), [2, 2, 1],
              "input width, hidden widths ..., output width"),
    Parameter("activations", _AsGiven("a list of names: " + ", ".join(ACTIVATIONS),
                                              f"at most {MAX_DEPTH} names"),
              ["tanh", "identity"], "one activation per layer; softmax in the output layer only"),
    Parameter("loss", _AsGiven("one of " + ", ".join(LOSSES), "one name"), "squared",
              "squared, cross_entropy (softmax output) or binary_cross_entropy (sigmoid output)"),
    Parameter("alpha", _AsGiven("a real number", "a number, |x| <= 1000000"), None,
              "slope of leaky_relu below 0 (default 1/100)"),
    Parameter("l2", _AsGiven("a number >= 0", "a number, |x| <= 1000000"), None,
              "weight decay: adds l2/2 times the sum of squared weights (not biases)"),
    Parameter("X", _AsGiven("a matrix of numbers", f"at most {MAX_EXAMPLES} rows x {MAX_WIDTH}"), None,
              "inputs, one example per row; absent: one symbolic example x1 .. xn"),
    Parameter("t", _AsGiven("a matrix of numbers", f"at most {MAX_EXAMPLES} rows x {MAX_WIDTH}"), None,
              "targets, one row per example (a list for one output); absent: t1 .. tK"),
    *(Parameter(f"{letter}{layer}", _AsGiven("a matrix of numbers", f"at most {MAX_WIDTH} x {MAX_WIDTH}"),
                None,
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

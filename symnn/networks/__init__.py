"""Back-propagation for any fully connected network, derived and certified in SymPy.

A pipeline of small modules: a validated :class:`NetworkSpec` (:mod:`.spec`), the forward
pass (:mod:`.forward`), the delta recursion (:mod:`.backprop`), the layer-by-layer
certificate (:mod:`.layerwise`: each layer map's rule proved once for any size, then
evaluated exactly at the data), SymPy's derivative of each example's whole loss as an
independent oracle (:mod:`.certificate`), the simulator cross-check (:mod:`.check`), and
the steps a write-up shows (:mod:`.typeset`). Activations and losses
are rule tables (:mod:`.activations`, :mod:`.losses`). The registered id
``network-gradients`` (:mod:`symnn.derivations.network_gradients`) is the keyword
interface; :func:`gradients` is the Python one.

>>> from symnn import networks
>>> spec = networks.NetworkSpec.build([2, 1], ["sigmoid"], loss="binary_cross_entropy",
...                                   X=[[1, -1]], t=[1], W=[[[0], [0]]], b=[[0]])
>>> d = networks.gradients(spec)
>>> d.result["dL_dW1"].T, d.check().ok
(Matrix([[-1/2, 1/2]]), True)
"""

from symnn.networks.activations import ACTIVATIONS
from symnn.networks.backprop import Gradients, backprop
from symnn.networks.certificate import flat_parameters, sympy_deltas, sympy_gradient, template
from symnn.networks.check import cross_check, loss_along_gradient
from symnn.networks.forward import Forward, forward
from symnn.networks.losses import LOSSES
from symnn.networks.spec import MAX_DEPTH, NetworkSpec, sizes_of
from symnn.networks.typeset import certified_route

__all__ = [
    "ACTIVATIONS", "LOSSES", "MAX_DEPTH", "Forward", "Gradients", "NetworkSpec", "backprop",
    "certified_route", "cross_check", "flat_parameters", "forward", "gradients", "loss_along_gradient",
    "sizes_of",
    "sympy_deltas", "sympy_gradient", "template",
]


def gradients(spec: NetworkSpec):  # type: ignore[no-untyped-def]
    """The certified derivation (a :class:`~symnn.core.derivation.Derivation`) of ``spec``."""
    from symnn.networks.derivation import derive_network

    return derive_network(spec)

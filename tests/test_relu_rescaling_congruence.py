"""relu-rescaling's last step rewrites the hidden units by the proved homogeneity: it proves the
sheet's identity at larger widths, and refuses a network that differs in one weight or one unit."""

from __future__ import annotations

import pytest
import sympy as sp

import symnn
from symnn.core.certify import certify
from symnn.core.notation import vector_symbols
from symnn.derivations import relu_rescaling as rescaling
from symnn.derivations.affine import layer_symbols
from symnn.errors import CertificationError

SIZES = [3, 4, 3, 2]


def _networks() -> tuple:
    lam = sp.Symbol("lambda", positive=True)
    layers = [layer_symbols(k, SIZES[k], SIZES[k - 1]) for k in range(1, len(SIZES))]
    x = sp.Matrix(vector_symbols("x", SIZES[0]))
    (W1, b1), (W2, b2) = layers[:2]
    plain = rescaling._network(layers, x, evaluate=False)
    scaled = rescaling._network([(lam * W1, lam * b1), (W2 / lam, b2), *layers[2:]], x, evaluate=False)
    hidden = rescaling._relu(W1 * x + b1, evaluate=False)
    scaled_hidden = rescaling._relu(lam * W1 * x + lam * b1, evaluate=False)
    return lam, layers, x, plain, scaled, rescaling._congruence(scaled_hidden, lam * hidden)


def test_deeper_network_is_certified_by_the_rewrite() -> None:
    d = symnn.derive("relu-rescaling", sizes=SIZES)
    step = next(s for s in d.steps if s.rule == "the network is unchanged")
    assert step.certificate.route == "hidden units rewritten by step 2, then expand"
    assert d.check().ok


@pytest.mark.parametrize("mutation", ["weight", "bias", "scale"])
def test_the_rewrite_refuses_a_different_network(mutation: str) -> None:
    lam, layers, x, plain, scaled, route = _networks()
    (W1, b1), (W2, b2), (W3, b3) = layers
    if mutation == "weight":  # one third-layer weight scaled by 1 + 1/7
        W3 = W3.copy()
        W3[0, 0] = W3[0, 0] * sp.Rational(8, 7)
        other = rescaling._network([(W1, b1), (W2, b2), (W3, b3)], x, evaluate=False)
    elif mutation == "bias":  # the second-layer bias shifted by 1/97
        other = rescaling._network([(W1, b1), (W2, b2 + sp.ones(SIZES[2], 1) / 97), (W3, b3)], x,
                                   evaluate=False)
    else:  # the second layer not divided by lambda: the network differs
        other = rescaling._network([(lam * W1, lam * b1), (W2, b2), (W3, b3)], x, evaluate=False)
    assert certify(scaled, plain, route).route.startswith("hidden units")
    with pytest.raises(CertificationError):
        certify(scaled, other, route)

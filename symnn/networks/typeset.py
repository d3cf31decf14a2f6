"""The steps of a network derivation, as a written solution shows them.

:func:`lemma_steps` proves each activation's derivative rule (and, for cross-entropy, the
log-sum-exp form of the loss); :func:`map_lemma_steps` proves the rules of the layer maps
and the output error (:mod:`symnn.networks.layerwise`); :func:`forward_steps` records the
forward pass layer by layer; :func:`gradient_blocks` pairs every error signal and gradient
of the delta recursion with those rules at the data, to be certified as whole matrices.

>>> from symnn.networks.spec import NetworkSpec
>>> from symnn.networks.forward import forward
>>> spec = NetworkSpec.build([1, 1], ["tanh"], X=[[1]], t=[0], W=[[[1]]], b=[[0]])
>>> certified_route(spec, forward(spec)).name
'exp-ring'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from symnn.core import exppoly
from symnn.core.certify import Route, RouteLike
from symnn.core.derivation import DerivationBuilder, Tex
from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.matrix_calculus.identity import MATRIX_IDENTITY
from symnn.networks.activations import ACTIVATIONS
from symnn.networks.backprop import Gradients
from symnn.networks.forward import Forward
from symnn.networks.layerwise import explicit, lemmas, output_gradient
from symnn.networks.losses import LOSSES
from symnn.networks.spec import NetworkSpec

#: the explicit sizes (m, n, p) at which each matrix rule is also derived entry by entry
LEMMA_SIZES = ((2, 3, 2), (3, 1, 2))


def _expand_cancel(difference: sp.Expr) -> sp.Expr:
    """Every function application (tanh, sigma, exp, log, steps) made a plain symbol, then
    ``expand``; if that leaves something, ``cancel`` it.

    Both decide the identity of rational functions of the atoms taken as independent
    variables, which implies the identity for the atoms' values.
    """
    atoms = sorted(difference.atoms(sp.Function), key=sp.default_sort_key)
    plain = difference.xreplace({atom: sp.Dummy() for atom in atoms})
    expanded = sp.expand(plain)
    return expanded if expanded == 0 else sp.cancel(expanded)


def _exp_ring(difference: sp.Expr) -> sp.Expr:
    """0 when :func:`symnn.core.exppoly.is_zero` proves it (a rational function of exponentials,
    ``exp(a) exp(b) = exp(a + b)`` known, other functions as atoms); else :func:`_expand_cancel`."""
    return sp.Integer(0) if exppoly.is_zero(difference) else _expand_cancel(difference)


#: Rational functions of the atoms (exp, log, tanh, sigma, steps, symbols) taken as independent
#: variables: a polynomial identity is decided by ``expand``, the rest by ``cancel``.
EXPAND_CANCEL = Route("expand-cancel", lambda d: d.applyfunc(_expand_cancel)
                      if isinstance(d, sp.MatrixBase) else _expand_cancel(d))
#: Closed forms at the data: the exponential-polynomial zero test first (it knows that
#: ``exp(1/2) exp(1) = exp(3/2)``, which atoms taken as independent variables do not), then
#: :data:`EXPAND_CANCEL` for an entry it does not settle.
EXP_RING = Route("exp-ring", lambda d: d.applyfunc(_exp_ring) if isinstance(d, sp.MatrixBase)
                 else _exp_ring(d))


def certified_route(spec: NetworkSpec, run: Forward) -> RouteLike:
    """``exact`` when every value is a rational number, else :data:`EXP_RING`."""
    values = [*run.A[-1], run.loss]
    return "exact" if all(isinstance(v, sp.Rational) for v in values) else EXP_RING


def shown(value: Any) -> str:
    r"""LaTeX of a value; closed forms of numbers keep SymPy's term order as built (sorting
    them evaluates every term numerically, seconds for a small network).

    >>> print(shown(sp.Matrix([[sp.tanh(sp.Rational(1, 2)) + 1]])))
    \begin{bmatrix}1 + \tanh{\left(\frac{1}{2} \right)}\end{bmatrix}
    """
    entries = list(value) if isinstance(value, sp.MatrixBase) else [as_sympy(value)]
    closed = any(not e.free_symbols and not isinstance(e, sp.Rational) for e in entries)
    return to_latex(value, order="none") if closed else to_latex(value)


def shown_as(prefix: str, value: Any) -> Callable[[], str]:
    r"""``prefix`` followed by :func:`shown` of ``value``, typeset when the step is first printed.

    >>> shown_as("L = ", sp.Rational(1, 2))()
    'L = \\frac{1}{2}'
    """
    return lambda: prefix + shown(value)


def lemma_steps(b: DerivationBuilder, spec: NetworkSpec) -> None:
    """One certified step per activation used: ``f'(z)`` equals SymPy's derivative of ``f``."""
    z = sp.Symbol("z", real=True)
    for name in dict.fromkeys(spec.activations):
        activation = ACTIVATIONS[name]
        if not activation.elementwise:
            continue
        kind = sp.Piecewise if activation.piecewise_linear else sp.exp
        written = activation.function(z, spec.alpha).rewrite(kind)
        rule = activation.derivative(z, spec.alpha).rewrite(kind)
        b.step(f"derivative of {name.replace('_', ' ')}", sp.diff(written, z), rule,
               reason=rf"SymPy differentiates ${activation.tex}$ written out", route=activation.route,
               tex=activation.derivative_tex)
    if spec.loss == "cross_entropy":
        K = spec.sizes[-1]
        zs = [sp.Symbol(f"z{k + 1}", real=True) for k in range(K)]
        total = sum(sp.exp(v) for v in zs)
        b.step("log of softmax", sp.Matrix([[sp.log(sp.exp(v) / total) for v in zs]]),
               sp.Matrix([[v - sp.log(total) for v in zs]]),
               reason=r"$\log \operatorname{softmax}(z)_k = z_k - \log \sum_j e^{z_j}$, the form in "
               "which the loss is written", route="log-expand",
               tex=r"\log \operatorname{softmax}(z)_k = z_k - \log \sum_j e^{z_j}")


def forward_steps(b: DerivationBuilder, spec: NetworkSpec, run: Forward) -> None:
    """The forward pass: ``Z^(l)`` and ``A^(l)`` for every layer, then the loss."""
    for layer, name in enumerate(spec.activations, 1):
        Z, A = run.Z[layer - 1], run.A[layer]
        b.define(f"layer {layer}: pre-activations", sp.Symbol(f"Z^({layer})"), Z,
                 reason=rf"$Z^{{({layer})}} = A^{{({layer - 1})}} W^{{({layer})}} + \mathbf{{1}} "
                 rf"b^{{({layer})}}$, all examples at once",
                 tex=shown_as(rf"Z^{{({layer})}} = ", Z))
        b.define(f"layer {layer}: activations", sp.Symbol(f"A^({layer})"), A,
                 reason=rf"$A^{{({layer})}} = f_{{{layer}}}(Z^{{({layer})}})$ with $f_{{{layer}}}$ = "
                 f"{name.replace('_', ' ')}", tex=shown_as(rf"A^{{({layer})}} = ", A))
    b.define("loss", sp.Symbol("L"), run.loss, reason="summed over the examples",
             tex=shown_as("L = ", run.loss))


def map_lemma_steps(b: DerivationBuilder, spec: NetworkSpec) -> None:
    """The rules of the layer maps (matrices of any size) and the output error of one example."""
    rules = lemmas()
    used = ["dW", "db"] + (["dA", "elementwise"] if spec.depth > 1 else []) + (["decay"] if spec.l2 else [])
    for name in used:
        lemma = rules[name]
        b.step(f"layer map rule {name}", lemma.derivative, lemma.formula,
               reason="SymPy's matrix derivative on matrix symbols of any shape ($m$ examples, "
               r"widths $n$ and $p$), the adjoint $G$ held fixed", route=MATRIX_IDENTITY, tex=lemma.tex)
        for sizes in LEMMA_SIZES:
            derivative, formula = explicit(lemma, sizes)
            b.step(f"layer map rule {name}, entrywise at m, n, p = {sizes}", derivative, formula,
                   reason="every entry of the variable differentiated by SymPy, the rule on the same "
                   "grid of symbols", route="expand",
                   tex=rf"{lemma.tex}\quad \text{{entry by entry at }} (m, n, p) = {sizes}")
    _, _, derivative, rule = output_gradient(spec)
    b.step("output error of one example", derivative, rule,
           reason=rf"SymPy's gradient of one example's loss ${LOSSES[spec.loss].tex}$ written out in "
           r"its output pre-activations $z$ (targets $t$); the loss's rule", route="exp-cancel",
           tex=rf"\frac{{\partial \ell}}{{\partial z}} = {to_latex(rule)}")


def gradient_blocks(spec: NetworkSpec, grads: Gradients, lemma_side: Gradients
                    ) -> list[tuple[str, Any, Any, str, Tex]]:
    """``(rule, the lemmas at the data, back-propagated value, reason, tex)`` from the output down.

    ``lemma_side`` is :func:`~symnn.networks.layerwise.instantiate`: SymPy's derivatives of the
    layer maps evaluated at the forward pass and the error signal of the layer above.
    """
    L = spec.depth
    steps = []
    for layer in range(L, 0, -1):
        delta = grads.delta[layer - 1]
        if layer == L:
            formula = LOSSES[spec.loss].delta_tex
            if spec.loss == "squared" and spec.activations[-1] == "softmax":
                formula = (r"\delta^{(L)}_k = a_k \odot (g_k - (g_k \cdot a_k) \mathbf{1}^T),\ "
                           r"g = A^{(L)} - T")
            reason = ("the loss's output error; certified against SymPy's gradient of each example's "
                      "loss at its output row")
        else:
            formula = (rf"\delta^{{({layer})}} = (\delta^{{({layer + 1})}} W^{{({layer + 1})T}}) \odot "
                       rf"f_{{{layer}}}'(Z^{{({layer})}})")
            reason = (rf"the delta recursion, the chain rule through layer {layer + 1}: certified against "
                      rf"the rules dA (at $G = \delta^{{({layer + 1})}}$) and elementwise (with the "
                      rf"certified $f_{{{layer}}}'$) at the data")
        steps.append((f"error signal delta{layer}", lemma_side.delta[layer - 1], delta, reason,
                      shown_as(rf"{formula} = ", delta)))
    decay = rf" + {to_latex(spec.l2)} W^{{(l)}}" if spec.l2 != 0 else ""
    plus = " and decay" if spec.l2 != 0 else ""
    for layer in range(L, 0, -1):
        steps.append((f"dL/dW{layer}", lemma_side.dW[layer - 1], grads.dW[layer - 1],
                      rf"the chain rule through $Z^{{({layer})}}$: certified against the rule dW{plus} at "
                      rf"$G = \delta^{{({layer})}}$, $A = A^{{({layer - 1})}}$, summed over the examples",
                      shown_as(rf"\frac{{\partial L}}{{\partial W^{{({layer})}}}} = A^{{({layer - 1})T}} "
                               rf"\delta^{{({layer})}}{decay.replace('(l)', f'({layer})')} = ",
                               grads.dW[layer - 1])))
        steps.append((f"dL/db{layer}", lemma_side.db[layer - 1], grads.db[layer - 1],
                      rf"certified against the rule db at $G = \delta^{{({layer})}}$",
                      shown_as(rf"\frac{{\partial L}}{{\partial b^{{({layer})}}}} = \mathbf{{1}}^T "
                               rf"\delta^{{({layer})}} = ", grads.db[layer - 1])))
    return steps

"""One forward pass of a 4-3-2 network without biases (exercise-sheet-6 6.5).

.. math::

    z = x W^{(1)},\\qquad h = \\operatorname{ReLU}(z),\\qquad s = h W^{(2)},\\qquad
    o_k = \\operatorname{softmax}(s)_k = \\frac{e^{s_k}}{\\sum_j e^{s_j}}
        = \\frac{1}{\\sum_j e^{s_j - s_k}}.

A thin use of the network engine (:mod:`symnn.networks`): the sheet's network is a
``NetworkSpec`` (ReLU then softmax, zero biases) and its forward pass gives ``z``, ``h``, ``s``
and ``o``; ``h`` is shown as ``max(0, z)``, as the sheet writes ReLU. The check runs the
engine's simulator model of the same network.
The sheet's input values sit in a figure that is missing, so the input is symbolic
(``x1 .. x4``) unless a numeric ``x`` is given; every intermediate value is shown.

>>> import symnn
>>> d = symnn.derive("forward-pass", x=[1, 0, 0, 0])
>>> d.result["h"]
Matrix([[0, 9/10, 2/5]])
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.core.notation import vector_symbols
from symnn.core.params import MatrixKind, Parameter, Vector
from symnn.core.registry import register
from symnn.errors import ShapeError
from symnn.networks import NetworkSpec, forward
from symnn.networks.activations import ReLU, softmax_row
from symnn.networks.check import floats, simulator

#: The sheet's weights as printed (read exactly from the decimal text).
SHEET_W1 = "[[-0.2, 0.9, 0.4], [-0.1, 0.3, 0.4], [0.2, 0.5, -0.7], [0.2, -0.5, 0.5]]"
SHEET_W2 = "[[0.6, -0.2], [-0.1, 0.8], [-0.5, -0.3]]"

STATEMENT = (r"$h = \operatorname{ReLU}(x W^{(1)})$, $o = \operatorname{softmax}(h W^{(2)})$ "
             r"(no biases), with every intermediate value")


@register(
    "forward-pass",
    title="Forward pass of a fully connected ReLU-softmax network",
    sheets=[("exercise-sheet-6", "6.5")],
    parameters=[
        Parameter("x", Vector(symbolic=True, max_length=6), None,
                  "the input row (4 numbers for the sheet's W1); absent: symbolic x1..x4"),
        Parameter("W1", MatrixKind(max_rows=6, max_cols=6), MatrixKind()("W1", SHEET_W1),
                  "input-to-hidden weights"),
        Parameter("W2", MatrixKind(max_rows=6, max_cols=6), MatrixKind()("W2", SHEET_W2),
                  "hidden-to-output weights"),
    ],
)
def forward_pass(x: list | None, W1: sp.Matrix, W2: sp.Matrix) -> Derivation:
    """Every intermediate value of ``o = softmax(ReLU(x W1) W2)``, symbolic or numeric x."""
    n, p = W1.shape
    if W2.rows != p:
        raise ShapeError(f"W2 has shape {W2.shape} but W1 has shape {W1.shape}: "
                         f"W2 needs {p} rows, one per hidden unit")
    if x is not None and len(x) != n:
        raise ShapeError(f"x has {len(x)} entries but W1 has shape {W1.shape}: x needs {n}")
    x_row = sp.Matrix([vector_symbols("x", n) if x is None else x])
    symbolic = bool(x_row.free_symbols)
    b = DerivationBuilder("forward-pass", "Forward pass of a ReLU-softmax network", STATEMENT,
                          {"x": x, "W1": W1, "W2": W2})
    b.assume(rf"$x \in \mathbb{{R}}^{{1\times{n}}}$ a row, $W^{{(1)}} \in \mathbb{{Q}}^{{{n}\times{p}}}$, "
             rf"$W^{{(2)}} \in \mathbb{{Q}}^{{{p}\times{W2.cols}}}$, no bias parameters")
    b.convention(r"$\operatorname{ReLU}(z) = \max(0, z)$ entrywise; softmax along the row")
    b.note("The sheet's figure with the input values is missing, so "
           + (rf"the pass is derived for a symbolic input $x = (x_1, \dots, x_{{{n}}})$; give "
              "x=[...] for numbers." if x is None else "this pass uses the input given."))

    def shown(name: str, formula: Callable[[], sp.Matrix], value: Callable[[], sp.Matrix]
              ) -> Callable[[], str]:
        """The LaTeX of ``name = formula = value``, built when the step is first typeset."""
        return lambda: rf"{name} = {to_latex(formula())}" + ("" if symbolic else f" = {to_latex(value())}")

    z_s, h_s, s_s = (sp.Matrix([vector_symbols(letter, size)])
                     for letter, size in (("z", p), ("h", p), ("s", W2.cols)))
    spec = network(x_row, W1, W2)
    run = forward(spec)
    z = run.Z[0]
    per_unit = sp.Matrix([[sum(x_row[i] * W1[i, j] for i in range(n)) for j in range(p)]])
    b.step("pre-activations", per_unit, z, reason=r"$z_j = \sum_i x_i W^{(1)}_{ij}$, one row "
           "times the weight matrix", route="expand",
           tex=lambda: rf"z = x W^{{(1)}} = {to_latex(z)}")
    h = as_max(run.A[1])
    b.define("hidden layer", h_s, h, reason=r"$h_j = \operatorname{ReLU}(z_j) = \max(0, z_j)$",
             tex=shown("h", lambda: as_max(z_s.applyfunc(ReLU)), lambda: h))
    s = as_max(run.Z[1])
    b.define("logits", s_s, s, reason=r"$s_k = \sum_j h_j W^{(2)}_{jk}$",
             tex=shown("s", lambda: h_s * W2, lambda: s))
    in_s = sp.Matrix([softmax_row(list(s_s))])
    b.define("softmax", sp.Symbol("o"), as_max(run.A[2]),
             reason=r"$o_k = e^{s_k} / \sum_j e^{s_j}$",
             tex=shown("o", lambda: in_s, lambda: s_s.applyfunc(lambda v: 1 / sum(sp.exp(u - v) for u in s))))
    logits = dict(zip(s_s, s))
    b.step("outputs sum to one", sum(in_s), sp.Integer(1), reason="the numerators add up to the "
           "denominator", route="exp-cancel", given=logits)
    shifted = s_s.applyfunc(lambda v: 1 / sum(sp.exp(u - v) for u in s_s))
    b.step("shifted form", in_s, shifted, reason=r"divide numerator and denominator by $e^{s_k}$: "
           r"$o_k = 1 / \sum_j e^{s_j - s_k}$ (the form that cannot overflow)", route="exp-cancel",
           given=logits)
    o = shifted.xreplace(logits)
    result = {"h": h, "o": o, "z": z, "s": s}
    display = {"o": to_latex(shifted) + r",\ \text{with } s \text{ as below}"} if symbolic else {}
    if not symbolic:
        result["o_decimal"] = o.evalf(15)
        b.note("Decimal outputs: $o \\approx " + to_latex(o.evalf(6)) + "$.")
    return b.build(result, checker=lambda given: _check(spec, given), display=display)


def network(x_row: sp.Matrix, W1: sp.Matrix, W2: sp.Matrix) -> NetworkSpec:
    """The sheet's network in the engine: ReLU then softmax, zero biases, the input row ``x``."""
    n, p = W1.shape
    spec = NetworkSpec.build([n, p, W2.cols], ["relu", "softmax"], W=[W1, W2],
                             b=[sp.zeros(1, p), sp.zeros(1, W2.cols)])
    return dataclasses.replace(spec, X=x_row)  # x may hold the sheet's real symbols x1 .. xn


def as_max(matrix: sp.Matrix) -> sp.Matrix:
    """The engine's ``ReLU(z)`` written ``max(0, z)``, as the sheet writes it."""
    return matrix.replace(ReLU, _max_with_zero)


@functools.lru_cache(maxsize=256)
def _max_with_zero(z: sp.Expr) -> sp.Expr:
    """``Max(0, z)``, built once per ``z``: the layers repeat the same ``ReLU(z_j)`` many times,
    and SymPy's ``Max`` compares its arguments anew each time it is built."""
    return sp.Max(0, z)


def _check(spec: NetworkSpec, result: dict) -> CheckReport:
    """The simulator's layers for the spec (the engine's model: Dense, ReLU, Dense, Softmax)
    against the derivation's z, h, s, o at 30 digits."""
    check = CrossCheck("simulator forward pass in float64 vs the derived expressions at 30 digits",
                       1e-12)
    free = sorted(spec.X.free_symbols, key=str)
    rng = np.random.default_rng(6)
    samples = [rng.normal(size=len(free)) * scale for scale in (0.5, 1.0, 3.0, 10.0)] if free else [[]]
    weights = [floats(W) for W in spec.W]
    model, _ = simulator(spec, weights, [np.zeros(W.shape[1]) for W in weights])
    for sample in samples:
        at = {s: sp.Rational(float(v)) for s, v in zip(free, sample)}
        point = floats(spec.X.xreplace(at))
        values, layer_input = [], point
        for layer in model:  # Dense, ReLU, Dense, Softmax: z, h, s, o
            layer_input = layer.forward(layer_input)
            values.append(layer_input)
        label = "x = " + np.array2string(point[0], precision=3)
        for name, simulated in zip(("z", "h", "s", "o"), values):
            derived = np.array([float(as_sympy(v).xreplace(at).evalf(30)) for v in result[name]])
            check.compare(f"{name} at {label}", simulated[0], derived)
        if "o_decimal" in result:
            check.compare(f"o_decimal at {label}", values[-1][0],
                          np.array([float(v) for v in result["o_decimal"]]))
    return check.report()

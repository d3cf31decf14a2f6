"""Affine layers: biases as linear maps, stacks without activation, ReLU rescaling.

Column convention of seminar-1: ``A^k x = W^k x + b^k``.

.. math::

    w^T x + b = \\begin{bmatrix} w \\\\ b \\end{bmatrix}^T \\begin{bmatrix} x \\\\ 1 \\end{bmatrix},
    \\qquad
    W^2 (W^1 x + b^1) + b^2 = (W^2 W^1) x + (W^2 b^1 + b^2),
    \\qquad
    \\max(0, \\lambda z) = \\lambda \\max(0, z)\\ (\\lambda > 0).

>>> import symnn
>>> symnn.derive("activation-necessity", sizes=[1, 1, 1]).result["W"]
Matrix([[W1_11*W2_11]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.literal import read_literal
from symnn.core.notation import vector_symbols
from symnn.core.params import Limited, Parameter, PositiveInteger, Vector
from symnn.core.registry import register
from symnn.errors import ParameterError
from symnn.sim.activations import Identity
from symnn.sim.layers import Dense

MATRIX_EXPAND = Route("expand (matrix expressions)",
                      lambda diff: sp.S.Zero if sp.expand(diff).is_ZeroMatrix else sp.expand(diff))


@dataclass(frozen=True)
class Sizes(Vector):
    """Layer widths ``[n0, n1, ..., nk]``: integers from 1 to ``largest``, at least two of them."""

    min_length: int = 2
    largest: int = 9

    @property
    def expected(self) -> str:  # type: ignore[override]
        return (f"a list of at least {self.min_length} layer widths, integers from 1 to "
                f"{self.largest}")

    def __call__(self, name: str, value: Any) -> list[int]:
        items = read_literal(value, name) if isinstance(value, str) else value
        if isinstance(items, tuple):
            items = list(items)
        if (not isinstance(items, list) or len(items) < self.min_length
                or any(isinstance(v, bool) or not isinstance(v, (int, sp.Integer)) for v in items)
                or any(not 1 <= int(v) <= self.largest for v in items)):
            raise ParameterError(name, value, self.expected)
        return [int(v) for v in items]


def layer_symbols(layer: int, rows: int, cols: int) -> tuple[sp.Matrix, sp.Matrix]:
    """``W^layer`` (rows x cols) and ``b^layer`` (rows x 1) as matrices of real symbols.

    >>> layer_symbols(2, 1, 2)
    (Matrix([[W2_11, W2_12]]), Matrix([[b2_1]]))
    """
    W = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"W{layer}_{i + 1}{j + 1}", real=True))
    b = sp.Matrix(rows, 1, lambda i, _: sp.Symbol(f"b{layer}_{i + 1}", real=True))
    return W, b


def _matrix_symbols(sizes: list[int]) -> tuple[list, list, sp.MatrixSymbol]:
    W = [sp.MatrixSymbol(f"W^{{({k})}}", sizes[k], sizes[k - 1]) for k in range(1, len(sizes))]
    b = [sp.MatrixSymbol(f"b^{{({k})}}", sizes[k], 1) for k in range(1, len(sizes))]
    return W, b, sp.MatrixSymbol("x", sizes[0], 1)


def numeric_layers(sizes: list[int], rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(rng.normal(size=(sizes[k], sizes[k - 1])), rng.normal(size=sizes[k]))
            for k in range(1, len(sizes))]


def symbol_values(layers: list[tuple[np.ndarray, np.ndarray]]) -> dict[sp.Symbol, sp.Float]:
    values = {}
    for k, (W, b) in enumerate(layers, 1):
        Ws, bs = layer_symbols(k, *W.shape)
        values.update({s: float(v) for s, v in zip(Ws, W.ravel())})
        values.update({s: float(v) for s, v in zip(bs, b)})
    return values


@register(
    "activation-necessity",
    title="Without activation, stacked affine layers are one affine layer",
    sheets=[("exercise-sheet-6", "6.3(a)"), ("seminar-1", "A3(a)")],
    parameters=[Parameter("sizes", Limited(Sizes(largest=4), 5), [2, 3, 2],
                          "layer widths n0 (input), n1, ..., nk: k = len - 1 layers")],
)
def activation_necessity(sizes: list[int]) -> Derivation:
    """Compose ``k`` affine layers with identity activation into ``W x + b``."""
    Wm, bm, xm = _matrix_symbols(sizes)
    k = len(sizes) - 1
    b = DerivationBuilder("activation-necessity", "Affine layers compose to one affine layer",
                          r"With $f = \mathrm{id}$, $x^{(k)} = A^{k} \circ \dots \circ A^{1} x = W x + b$ "
                          r"with $W = W^{(k)} \cdots W^{(1)}$", {"sizes": sizes})
    b.assume(rf"$A^{{l}} x = W^{{(l)}} x + b^{{(l)}}$, $W^{{(l)}} \in \mathbb{{R}}^{{n_l \times "
             rf"n_{{l-1}}}}$, widths $n = {tuple(sizes)}$, activation $f(x) = x$")
    x = sp.Matrix(vector_symbols("x", sizes[0]))
    W_total, b_total = sp.eye(sizes[0]), sp.zeros(sizes[0], 1)
    W_sym, b_sym = sp.Identity(sizes[0]), sp.ZeroMatrix(sizes[0], 1)
    for layer in range(1, k + 1):
        W, bias = layer_symbols(layer, sizes[layer], sizes[layer - 1])
        previous = W_total * x + b_total
        W_total, b_total = W * W_total, W * b_total + bias
        b.step(f"layer {layer}", W * previous + bias, W_total * x + b_total, route="expand",
               reason=r"distribute $W^{(l)}$ over the previous affine map and collect",
               tex=rf"x^{{({layer})}} = {to_latex(Wm[layer - 1] * (W_sym * xm + b_sym) + bm[layer - 1])}"
                   rf" = {to_latex((Wm[layer - 1] * W_sym) * xm + (Wm[layer - 1] * b_sym + bm[layer - 1]))}")
        W_sym, b_sym = Wm[layer - 1] * W_sym, Wm[layer - 1] * b_sym + bm[layer - 1]
        if layer == 1:
            W_sym, b_sym = Wm[0], bm[0]
    nested = xm
    for layer in range(k):
        nested = Wm[layer] * nested + bm[layer]
    b.step("for all widths", nested, W_sym * xm + b_sym, route=MATRIX_EXPAND,
           reason="the same identity with matrix symbols, whatever the widths")
    b.note("So depth adds nothing without a nonlinearity: the stack computes an affine map and "
           "cannot represent e.g. XOR or any other function that no single affine layer can.")
    result = {"W": W_total, "b": b_total, "W_formula": W_sym, "b_formula": b_sym}
    return b.build(result, checker=lambda found: _check_composition(sizes, found))


def _check_composition(sizes: list[int], result: dict) -> CheckReport:
    """Random weights: the simulator's Dense + Identity stack against the one composed layer."""
    check = CrossCheck("simulator (Dense + Identity per layer, row convention x W^T + b) vs the "
                       "composed single layer at random weights, entrywise and as matrix formulas",
                       1e-12)
    rng = np.random.default_rng(sum(sizes))
    Wm, bm, _ = _matrix_symbols(sizes)
    for trial in range(3):
        layers = numeric_layers(sizes, rng)
        values = symbol_values(layers)
        matrices = {**{Wm[k]: sp.Matrix(W_l) for k, (W_l, _) in enumerate(layers)},
                    **{bm[k]: sp.Matrix(b_l) for k, (_, b_l) in enumerate(layers)}}
        x = rng.normal(size=(5, sizes[0]))
        out = x
        for W_l, b_l in layers:
            out = Identity().forward(Dense(W_l.T, b_l).forward(out))
        for label, W, b in (("entrywise", result["W"].xreplace(values), result["b"].xreplace(values)),
                            ("matrix formula", result["W_formula"].xreplace(matrices).doit(),
                             result["b_formula"].xreplace(matrices).doit())):
            W_num = np.array(sp.Matrix(W).tolist(), dtype=float)
            b_num = np.array(sp.Matrix(b).tolist(), dtype=float)[:, 0]
            check.compare(f"trial {trial}: stack vs composed layer ({label})", out,
                          Dense(W_num.T, b_num).forward(x))
    return check.report()


@register(
    "affine-as-linear",
    title="An affine map is a linear map on the extended input",
    sheets=[("seminar-1", "A1")],
    parameters=[Parameter("n", PositiveInteger(maximum=12), sp.Integer(3), "the input dimension"),
                Parameter("m", PositiveInteger(maximum=12), sp.Integer(2),
                          "the number of neurons of the layer form")],
)
def affine_as_linear(n: sp.Integer, m: sp.Integer) -> Derivation:
    """``w^T x + b = [w; b]^T [x; 1]`` and ``W x + b = [W b] [x; 1]``."""
    n, m = int(n), int(m)
    x, w = sp.Matrix(vector_symbols("x", n)), sp.Matrix(vector_symbols("w", n))
    bias = sp.Symbol("b", real=True)
    w_ext, x_ext = w.col_join(sp.Matrix([bias])), x.col_join(sp.Matrix([1]))
    b = DerivationBuilder("affine-as-linear", "An affine map is linear on [x; 1]",
                          sp.Eq(sp.Symbol("y"), sp.Function("f")((w.T * x)[0] + bias)), {"n": n, "m": m})
    b.assume(rf"$x, w \in \mathbb{{R}}^{{{n}}}$, $b \in \mathbb{{R}}$; extend $x$ by a constant 1")
    b.step("the neuron", (w.T * x)[0] + bias, (w_ext.T * x_ext)[0], route="expand",
           reason=r"the bias is the weight of the constant input $x_{n+1} = 1$",
           tex=r"w^T x + b = \begin{bmatrix} w \\ b \end{bmatrix}^T \begin{bmatrix} x \\ 1 "
               rf"\end{{bmatrix}} = {to_latex((w_ext.T * x_ext)[0])}")
    W, bvec = layer_symbols(1, m, n)
    W_ext = W.row_join(bvec)
    b.step("a layer", W * x + bvec, W_ext * x_ext, route="expand",
           reason=r"append $b$ as a last column of $W$", tex=r"W x + b = [\,W \mid b\,] "
           r"\begin{bmatrix} x \\ 1 \end{bmatrix}")
    z, z2 = sp.Matrix(vector_symbols("z", n + 1)), sp.Matrix(vector_symbols("u", n + 1))
    alpha, beta = sp.symbols("alpha beta", real=True)
    b.step("the extended map is linear", (w_ext.T * (alpha * z + beta * z2))[0],
           alpha * (w_ext.T * z)[0] + beta * (w_ext.T * z2)[0], route="expand",
           reason=r"$\tilde w^T(\alpha z + \beta u) = \alpha \tilde w^T z + \beta \tilde w^T u$ for "
                  r"all $z, u \in \mathbb{R}^{n+1}$",
           tex=r"\tilde w^T(\alpha z + \beta u) = \alpha\, \tilde w^T z + \beta\, \tilde w^T u")
    b.step("the affine map is not linear when b != 0", ((w.T * sp.zeros(n, 1))[0] + bias), bias,
           route="exact", reason=r"it sends $0$ to $b$", tex=r"w^T 0 + b = b")
    b.note(r"Geometrically: the decision boundary $\{x \in \mathbb{R}^n : w^T x + b = 0\}$ is an "
           r"affine hyperplane; it is the intersection of the hyperplane "
           r"$\{z \in \mathbb{R}^{n+1} : \tilde w^T z = 0\}$ through the origin, with normal "
           r"$\tilde w = (w, b)$, and the plane $z_{n+1} = 1$ where the extended inputs live.")
    result = {"w_extended": w_ext, "x_extended": x_ext, "W_extended": W_ext}
    return b.build(result, checker=lambda found: _check_extension(n, m, found))


def _check_extension(n: int, m: int, result: dict) -> CheckReport:
    """Random numbers: Dense(W, b) on x against Dense([W b]) without bias on [x, 1]."""
    check = CrossCheck("simulator Dense with bias on x vs Dense without bias on [x, 1]", 1e-12)
    rng = np.random.default_rng(n + 10 * m)
    xs, ws = vector_symbols("x", n), vector_symbols("w", n)
    for trial in range(3):
        W, b = rng.normal(size=(m, n)), rng.normal(size=m)
        values = symbol_values([(W, b)])
        extended = np.array(result["W_extended"].xreplace(values).tolist(), dtype=float)
        x = rng.normal(size=(6, n))
        ones = np.hstack([x, np.ones((6, 1))])
        check.compare(f"trial {trial}: layer", Dense(extended.T).forward(ones), Dense(W.T, b).forward(x))
        at = {**dict(zip(ws, W[0])), sp.Symbol("b", real=True): b[0], **dict(zip(xs, x[0]))}
        w_ext = np.array(result["w_extended"].xreplace(at).tolist(), dtype=float)[:, 0]
        x_ext = np.array(result["x_extended"].xreplace(at).tolist(), dtype=float)[:, 0]
        check.compare(f"trial {trial}: x extended by 1", x_ext, ones[0])
        check.compare(f"trial {trial}: neuron", w_ext @ ones[0], Dense(W[:1].T, b[:1]).forward(x[:1])[0, 0])
    return check.report()

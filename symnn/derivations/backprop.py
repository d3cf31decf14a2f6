"""Exact gradients of a two-layer ReLU network by matrix back-propagation (ml-assignment-2 Q1).

The network of the sheet, with the examples ``x_k`` stacked as the rows of ``X``:

.. math::

    Z = X W^{(1)} + \\mathbf{1} b^{(1)},\\quad A = \\operatorname{ReLU}(Z),\\quad
    y = A\\, w^{(2)T} + b^{(2)}\\mathbf{1},\\quad r = y - t,\\quad
    L = \\tfrac12 r^T r,

    \\frac{\\partial L}{\\partial w^{(2)}} = r^T A,\\quad
    \\frac{\\partial L}{\\partial b^{(2)}} = \\mathbf{1}^T r,\\quad
    \\Delta = (r\\, w^{(2)}) \\odot \\mathbb{1}[Z > 0],\\quad
    \\frac{\\partial L}{\\partial W^{(1)}} = X^T \\Delta,\\quad
    \\frac{\\partial L}{\\partial b^{(1)}} = \\mathbf{1}^T \\Delta.

A thin use of the back-propagation engine :mod:`symnn.networks` (a 2-p-1 network with
ReLU and identity activations and the squared loss). Every backward step is certified
(route ``exact``, on Rationals) against SymPy's own derivative of each example's loss,
taken once and compared as one matrix; ``relu'(0) = 0``, as the simulator has it.

>>> import symnn
>>> d = symnn.derive("two-layer-relu-gradients")
>>> d.result["dL_db2"], d.result["dL_dw2"]
(-683/250, Matrix([[73/625, 0, 96/625]]))
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from symnn.core.crosscheck import CheckReport
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.params import Limited, MatrixKind, Number, Parameter, Vector
from symnn.core.registry import register
from symnn.errors import ShapeError
from symnn.networks import Forward, Gradients, NetworkSpec, backprop, cross_check, forward
from symnn.networks.activations import ReLU
from symnn.networks.layerwise import instantiate
from symnn.networks.spec import MAX_EXAMPLES, MAX_WIDTH
from symnn.networks.typeset import lemma_steps, map_lemma_steps

#: The sheet's numbers, as printed on the sheet (read exactly from this decimal text).
SHEET = {
    "X": "[[0.6, -1.0], [0.8, -1.0], [-0.4, 0.9], [0.2, 0.0]]",
    "t": "[-0.8, -0.1, 0.9, 0.7]",
    "W1": "[[-0.8, -0.7, 0.6], [-1.0, 0.5, -1.0]]",
    "b1": "[-0.2, -1.0, -0.7]",
    "w2": "[0.1, -1.0, 0.5]",
    "b2": "-0.7",
}
_KINDS = {
    "X": MatrixKind(allow_vector=True, max_rows=MAX_EXAMPLES, max_cols=MAX_WIDTH),
    "t": Vector(max_length=MAX_EXAMPLES),
    "W1": MatrixKind(allow_vector=True, max_rows=MAX_WIDTH, max_cols=MAX_WIDTH),
    "b1": Vector(max_length=MAX_WIDTH), "w2": Vector(max_length=MAX_WIDTH), "b2": Number(),
}
#: at most this many scalars per parameter (counted before reading): 256 examples of 4 inputs,
#: or fewer examples of more; a hidden layer of up to 32 units
_ENTRIES = {"X": 4 * MAX_EXAMPLES, "t": MAX_EXAMPLES, "W1": 8 * MAX_WIDTH, "b1": MAX_WIDTH, "w2": MAX_WIDTH,
            "b2": 1}
_DOCS = {
    "X": "inputs x_k as the rows of an m x n matrix", "t": "the m targets",
    "W1": "first-layer weights, n x p", "b1": "first-layer biases, p of them",
    "w2": "output weights, p of them", "b2": "the output bias",
}
L = sp.Symbol("L")


def check_shapes(X: sp.Matrix, t: list, W1: sp.Matrix, b1: list, w2: list) -> None:
    """Raise :class:`ShapeError`, naming the shapes, unless the parameters fit together.

    >>> check_shapes(sp.ones(4, 2), [0] * 4, sp.ones(3, 3), [0] * 3, [0] * 3)
    Traceback (most recent call last):
    ...
    symnn.errors.ShapeError: W1 has shape (3, 3) but X has shape (4, 2): W1 needs 2 rows
    """
    m, n = X.shape
    p = W1.cols
    problems = [
        (len(t) != m, f"t has {len(t)} entries but X has shape {X.shape}: t needs {m}"),
        (W1.rows != n, f"W1 has shape {W1.shape} but X has shape {X.shape}: W1 needs {n} rows"),
        (len(b1) != p, f"b1 has {len(b1)} entries but W1 has shape {W1.shape}: b1 needs {p}"),
        (len(w2) != p, f"w2 has {len(w2)} entries but W1 has shape {W1.shape}: w2 needs {p}"),
    ]
    for bad, message in problems:
        if bad:
            raise ShapeError(message)


@register(
    "two-layer-relu-gradients",
    title="Gradients of a two-layer ReLU network by matrix back-propagation",
    sheets=[("ml-assignment-2", "Q1")],
    parameters=[Parameter(name, Limited(_KINDS[name], _ENTRIES[name]),
                          _KINDS[name](name, SHEET[name]), _DOCS[name])
                for name in SHEET],
)
def two_layer_relu_gradients(X: sp.Matrix, t: list, W1: sp.Matrix, b1: list, w2: list,
                             b2: sp.Rational) -> Derivation:
    """Exact dL/dW1, dL/dw2, dL/db1, dL/db2 of ``L = 1/2 sum_k (y_k - t_k)^2``."""
    check_shapes(X, t, W1, b1, w2)
    m, n = X.shape
    p = W1.cols
    t_col, b1_row = sp.Matrix(t), sp.Matrix([b1])
    k = sp.Symbol("k", integer=True, positive=True)
    y_k, t_k = sp.IndexedBase("y"), sp.IndexedBase("t")
    statement = sp.Eq(L, sp.Rational(1, 2) * sp.Sum((y_k[k] - t_k[k]) ** 2, (k, 1, m)))
    b = DerivationBuilder("two-layer-relu-gradients", "Gradients of a two-layer ReLU network",
                          statement, {"X": X, "t": t, "W1": W1, "b1": b1, "w2": w2, "b2": b2})
    b.assume(rf"$X \in \mathbb{{Q}}^{{{m}\times{n}}}$ with rows $x_k$, "
             rf"$W^{{(1)}} \in \mathbb{{Q}}^{{{n}\times{p}}}$, $b^{{(1)}}, w^{{(2)}}$ rows of "
             rf"length {p}, $t \in \mathbb{{Q}}^{{{m}}}$, $b^{{(2)}} \in \mathbb{{Q}}$ (exact)")
    b.assume(r"$y_k = w^{(2)} f(x_k W^{(1)} + b^{(1)})^T + b^{(2)}$ with $f = \operatorname{ReLU}$")
    b.convention(r"$\operatorname{ReLU}'(0) = 0$ (the simulator's choice; at $z = 0$ ReLU has no "
                 r"derivative, SymPy differentiates $\operatorname{Piecewise}(z, z > 0;\ 0)$)")
    b.convention(r"the loss carries the factor $\frac12$, so $\partial L/\partial y_k = y_k - t_k$")

    # ---------------------------------------------------------------- forward pass
    def mat(name: str, value: sp.Matrix, formula: str) -> Callable[[], str]:
        return lambda: rf"{name} = {formula} = {to_latex(value)}"

    spec = NetworkSpec.build([n, p, 1], ["relu", "identity"], X=X, t=t, W=[W1, sp.Matrix(w2)],
                             b=[b1_row, [[b2]]])
    run = forward(spec)
    Z = run.Z[0]
    rows, weights = X.tolist(), W1.T.tolist()  # each example's row, each unit's column
    per_example = sp.Matrix([[sum((x * w for x, w in zip(row, column)), b1[j])
                              for j, column in enumerate(weights)] for row in rows])
    b.step("pre-activations, all examples at once", per_example, Z,
           reason=r"stacking the rows $x_k W^{(1)} + b^{(1)}$ gives one matrix product",
           route="exact", tex=mat("Z", Z, r"X W^{(1)} + \mathbf{1} b^{(1)}"))
    A = run.A[1]
    b.define("hidden activations", sp.Symbol("A"), A, reason=r"$A = \max(Z, 0)$ entrywise",
             tex=mat("A", A, r"\operatorname{ReLU}(Z)"))
    y = run.A[2]
    sheet_y = sp.Matrix([sum((w * ReLU(z) for w, z in zip(w2, per_example.row(r))), b2)
                         for r in range(m)])
    b.step("outputs", sheet_y, y, reason=r"$y_k = w^{(2)} f(x_k W^{(1)} + b^{(1)})^T + b^{(2)}$ "
           "for every k, as one matrix product", route="exact",
           tex=mat("y", y, r"A\, w^{(2)T} + b^{(2)} \mathbf{1}"))
    r = y - t_col
    b.define("residuals", sp.Symbol("r"), r, reason=r"$r_k = y_k - t_k$", tex=mat("r", r, "y - t"))
    loss = run.loss
    b.step("loss", sp.Rational(1, 2) * sum((sheet_y[q] - t[q]) ** 2 for q in range(m)), loss,
           reason=r"$L = \frac12 \sum_k (y_k - t_k)^2 = \frac12 r^T r$", route="exact",
           tex=lambda: rf"L = \tfrac12 r^T r = {to_latex(loss)}")

    # ---------------------------------------------------------------- backward pass
    # the engine's rules: each layer map's derivative proved once for every size, then
    # evaluated at the data and the error signal of the layer above (symnn.networks.layerwise)
    lemma_steps(b, spec)
    map_lemma_steps(b, spec)
    grads = backprop(spec, run)
    rules = instantiate(spec, run, grads)
    b.step("output error", rules.delta[1], r, reason=r"$\partial L/\partial y_k = y_k - t_k = r_k$: "
           "the output error rule at every example, certified against SymPy's gradient of each "
           "example's loss", route="exact", tex=r"\frac{\partial L}{\partial y} = y - t = r")
    delta = grads.delta[0]
    backward = [
        ("dL/dw2 from the residuals", rules.dW[1].T, grads.dW[1].T, "w^{(2)}", r"r^T A",
         r"$\partial y_k/\partial w^{(2)}_j = A_{kj}$, summed over the examples: the rule dW at $G = r$"),
        ("dL/db2 = sum of the residuals", rules.db[1][0], grads.db[1][0], "b^{(2)}",
         r"\mathbf{1}^T r", r"$\partial y_k/\partial b^{(2)} = 1$: the rule db at $G = r$"),
        ("error at the pre-activations", rules.delta[0], delta, "Z",
         r"\Delta = (r\, w^{(2)}) \odot \mathbb{1}[Z > 0]",
         r"chain rule through $y = A w^{(2)T} + b^{(2)}$ and $A = \operatorname{ReLU}(Z)$, "
         r"with $\operatorname{ReLU}'(z) = \mathbb{1}[z > 0]$: the rules dA and elementwise"),
        ("dL/dW1 from Delta", rules.dW[0], grads.dW[0], "W^{(1)}", r"X^T \Delta",
         r"$\partial Z_{kj}/\partial W^{(1)}_{ij} = X_{ki}$: the rule dW at $G = \Delta$"),
        ("dL/db1 = column sums of Delta", rules.db[0], grads.db[0], "b^{(1)}",
         r"\mathbf{1}^T \Delta", r"$\partial Z_{kj}/\partial b^{(1)}_j = 1$ for every example $k$: "
         r"the rule db at $G = \Delta$"),
    ]
    for rule, proved, value, wrt, formula, why in backward:
        b.step(rule, proved, value,
               reason=why + " (the layer rules above at the data, one matrix)", route="exact",
               tex=lambda wrt=wrt, formula=formula, value=value:
               rf"\frac{{\partial L}}{{\partial {wrt}}} = {formula} = {to_latex(value)}")
    zeros = [(q + 1, j + 1) for q in range(m) for j in range(p) if Z[q, j] == 0]
    if zeros:
        b.note("Pre-activations exactly 0 at (k, j) = " + ", ".join(map(str, zeros))
               + r": there ReLU has no derivative and the gradient uses $\operatorname{ReLU}'(0) = 0$,"
               " as the simulator does; a central difference sees the average of the two sides.")
    result = {"loss": loss, "dL_dW1": grads.dW[0], "dL_dw2": grads.dW[1].T, "dL_db1": grads.db[0],
              "dL_db2": grads.db[1][0], "Z": Z, "A": A, "y": y, "r": r, "Delta": delta}
    return b.build(result, checker=lambda given: _check(spec, given))


def _check(spec: NetworkSpec, result: dict) -> CheckReport:
    """The engine's cross-check of the stated results: the simulator's float64 backward pass
    (Dense + ReLU + Dense, Quadratic sum) and central differences of its loss."""
    run = Forward(Z=(result["Z"], result["y"]), A=(spec.X, result["A"], result["y"]),
                  data_loss=result["loss"], penalty=sp.Integer(0))
    stated = Gradients(delta=(result["Delta"], result["r"]),
                       dW=(result["dL_dW1"], result["dL_dw2"].T),
                       db=(result["dL_db1"], sp.Matrix([[result["dL_db2"]]])))
    return cross_check(spec, run, stated)

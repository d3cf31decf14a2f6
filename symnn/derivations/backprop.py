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

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.params import Limited, MatrixKind, Number, Parameter, Vector
from symnn.core.registry import register
from symnn.errors import ShapeError
from symnn.networks import Forward, NetworkSpec, backprop, forward, sympy_deltas, sympy_gradient
from symnn.sim.activations import ReLU
from symnn.sim.layers import Dense
from symnn.sim.losses import Quadratic
from symnn.sim.network import Sequential

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
    "X": MatrixKind(allow_vector=True), "t": Vector(), "W1": MatrixKind(allow_vector=True),
    "b1": Vector(), "w2": Vector(), "b2": Number(),
}
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
    parameters=[Parameter(name, Limited(_KINDS[name], {"X": 44, "t": 4, "W1": 121}.get(name, 11)),
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
    def mat(name: str, value: sp.Matrix, formula: str) -> str:
        return rf"{name} = {formula} = {to_latex(value)}"

    spec = NetworkSpec.build([n, p, 1], ["relu", "identity"], X=X, t=t, W=[W1, sp.Matrix(w2)],
                             b=[b1_row, [[b2]]])
    run = forward(spec)
    Z = run.Z[0]
    per_example = sp.Matrix(m, p, lambda r, j: sum(X[r, i] * W1[i, j] for i in range(n)) + b1[j])
    b.step("pre-activations, all examples at once", per_example, Z,
           reason=r"stacking the rows $x_k W^{(1)} + b^{(1)}$ gives one matrix product",
           route="exact", tex=mat("Z", Z, r"X W^{(1)} + \mathbf{1} b^{(1)}"))
    A = run.A[1]
    b.define("hidden activations", sp.Symbol("A"), A, reason=r"$A = \max(Z, 0)$ entrywise",
             tex=mat("A", A, r"\operatorname{ReLU}(Z)"))
    y = run.A[2]
    sheet_y = sp.Matrix([sum(w2[j] * sp.Max(per_example[r, j], 0) for j in range(p)) + b2
                         for r in range(m)])
    b.step("outputs", sheet_y, y, reason=r"$y_k = w^{(2)} f(x_k W^{(1)} + b^{(1)})^T + b^{(2)}$ "
           "for every k, as one matrix product", route="exact",
           tex=mat("y", y, r"A\, w^{(2)T} + b^{(2)} \mathbf{1}"))
    r = y - t_col
    b.define("residuals", sp.Symbol("r"), r, reason=r"$r_k = y_k - t_k$", tex=mat("r", r, "y - t"))
    loss = run.loss
    b.step("loss", sp.Rational(1, 2) * sum((sheet_y[q] - t[q]) ** 2 for q in range(m)), loss,
           reason=r"$L = \frac12 \sum_k (y_k - t_k)^2 = \frac12 r^T r$", route="exact",
           tex=rf"L = \tfrac12 r^T r = {to_latex(loss)}")

    # ---------------------------------------------------------------- backward pass
    # every example's term has the same form, and y_k appears in its own term only: one
    # generic term, differentiated once, proves the rule for all of them
    y_k, t_k = sp.symbols("y_k t_k")
    b.step("output error", sp.Derivative(sp.Rational(1, 2) * (y_k - t_k) ** 2, y_k), y_k - t_k,
           reason=r"differentiate $\frac12\sum_k (y_k - t_k)^2$: $\partial L/\partial y = y - t = r$",
           route="doit-cancel", tex=r"\frac{\partial L}{\partial y} = y - t = r")
    grads = backprop(spec, run)
    direct = sympy_derivatives(spec, run)
    delta = grads.delta[0]
    backward = [
        ("dL_dw2", "dL/dw2 from the residuals", grads.dW[1].T, "w^{(2)}", r"r^T A",
         r"$\partial y_k/\partial w^{(2)}_j = A_{kj}$, summed over the examples"),
        ("dL_db2", "dL/db2 = sum of the residuals", grads.db[1][0], "b^{(2)}", r"\mathbf{1}^T r",
         r"$\partial y_k/\partial b^{(2)} = 1$"),
        ("Delta", "error at the pre-activations", delta, "Z",
         r"\Delta = (r\, w^{(2)}) \odot \mathbb{1}[Z > 0]",
         r"chain rule through $y = A w^{(2)T} + b^{(2)}$ and $A = \operatorname{ReLU}(Z)$, "
         r"with $\operatorname{ReLU}'(z) = \mathbb{1}[z > 0]$"),
        ("dL_dW1", "dL/dW1 from Delta", grads.dW[0], "W^{(1)}", r"X^T \Delta",
         r"$\partial Z_{kj}/\partial W^{(1)}_{ij} = X_{ki}$"),
        ("dL_db1", "dL/db1 = column sums of Delta", grads.db[0], "b^{(1)}",
         r"\mathbf{1}^T \Delta", r"$\partial Z_{kj}/\partial b^{(1)}_j = 1$ for every example $k$"),
    ]
    for key, rule, value, wrt, formula, why in backward:
        b.step(rule, direct[key], value,
               reason=why + "; certified against SymPy's derivative of each example's loss, "
               "one matrix",
               route="exact",
               tex=rf"\frac{{\partial L}}{{\partial {wrt}}} = {formula} = {to_latex(value)}")
    zeros = [(q + 1, j + 1) for q in range(m) for j in range(p) if Z[q, j] == 0]
    if zeros:
        b.note("Pre-activations exactly 0 at (k, j) = " + ", ".join(map(str, zeros))
               + r": there ReLU has no derivative and the gradient uses $\operatorname{ReLU}'(0) = 0$,"
               " as the simulator does; a central difference sees the average of the two sides.")
    result = {"loss": loss, "dL_dW1": grads.dW[0], "dL_dw2": grads.dW[1].T, "dL_db1": grads.db[0],
              "dL_db2": grads.db[1][0], "Z": Z, "A": A, "y": y, "r": r, "Delta": delta}
    return b.build(result, checker=lambda given: _check(X, t, W1, b1, w2, b2, given))


def sympy_derivatives(spec: NetworkSpec, run: Forward) -> dict[str, object]:
    """SymPy's own derivatives of L at the sheet's parameters, keyed like the result.

    The loss of one example is differentiated once with respect to every parameter (and
    to the pre-activations, for Delta) and evaluated exactly at each example
    (:mod:`symnn.networks.certificate`).
    """
    flat = sympy_gradient(spec)
    (n, p) = spec.W[0].shape
    dW1 = sp.Matrix(n, p, list(flat[: n * p]))
    db1 = sp.Matrix(1, p, list(flat[n * p : n * p + p]))
    dw2 = sp.Matrix(1, p, list(flat[n * p + p : n * p + 2 * p]))
    return {"dL_dW1": dW1, "dL_db1": db1, "dL_dw2": dw2, "dL_db2": flat[n * p + 2 * p],
            "Delta": sympy_deltas(spec, run)[0]}


def _floats(value: object) -> np.ndarray:
    return np.array(sp.Matrix(value).tolist() if isinstance(value, sp.MatrixBase) else value,
                    dtype=float)


def _check(X: sp.Matrix, t: list, W1: sp.Matrix, b1: list, w2: list, b2: sp.Rational,
           result: dict) -> CheckReport:
    """The simulator's float64 back-propagation, and central differences of its loss."""
    check = CrossCheck("simulator backprop (Dense + ReLU + Dense, Quadratic sum), float64; "
                       "central differences", 1e-9)
    x, target = _floats(X), _floats(t).reshape(-1, 1)
    params = {"W1": _floats(W1), "b1": _floats(b1), "w2": _floats(w2), "b2": np.array([float(b2)])}

    def network(values: dict[str, np.ndarray]) -> Sequential:
        return Sequential([Dense(values["W1"], values["b1"]), ReLU(),
                           Dense(values["w2"].reshape(-1, 1), values["b2"])])

    def loss_of(values: dict[str, np.ndarray]) -> float:
        return Quadratic(reduction="sum").fn(network(values).forward(x), target)

    net = network(params)
    cost, grads = net.loss_and_grads(x, target, Quadratic(reduction="sum"))
    check.compare("Z = X W1 + b1", net[0].forward(x), _floats(result["Z"]))
    check.compare("activations A = ReLU(Z)", net[1].forward(net[0].forward(x)), _floats(result["A"]))
    check.compare("outputs y", net.forward(x), _floats(result["y"]))
    check.compare("residuals r = y - t", net.forward(x) - target, _floats(result["r"]).reshape(-1, 1))
    check.compare("loss", cost, float(result["loss"]))
    delta = _floats(result["Delta"])  # dL/dZ: its column sums are dL/db1, X^T Delta is dL/dW1
    check.compare("Delta: column sums against the simulator's dL_db1", delta.sum(axis=0), grads["0.b"])
    check.compare("Delta: X^T Delta against the simulator's dL_dW1", x.T @ delta, grads["0.W"])
    simulated = {"dL_dW1": grads["0.W"], "dL_db1": grads["0.b"][None, :],
                 "dL_dw2": grads["2.W"].T, "dL_db2": grads["2.b"][0]}
    for key, value in simulated.items():
        check.compare(f"{key} (simulator backprop)", value, _floats(result[key]))
    Z = _floats(result["Z"])
    nonzero = np.abs(Z[Z != 0])
    h = min(1e-6, 0.25 * float(nonzero.min()) / (1.0 + np.abs(x).sum())) if nonzero.size else 1e-6
    kinked = set(np.nonzero((Z == 0).any(axis=0))[0].tolist())
    names = {"W1": "dL_dW1", "b1": "dL_db1", "w2": "dL_dw2", "b2": "dL_db2"}
    for name, key in names.items():
        exact = _floats(result[key]).reshape(params[name].shape)
        for index in np.ndindex(params[name].shape):
            if name in ("W1", "b1") and index[-1] in kinked:
                continue
            up = {k: v.copy() for k, v in params.items()}
            down = {k: v.copy() for k, v in params.items()}
            up[name][index] += h
            down[name][index] -= h
            numeric = (loss_of(up) - loss_of(down)) / (2 * h)
            check.compare(f"d{name}{list(index)} (central difference)", numeric, exact[index],
                          tolerance=1e-5)
    if kinked:
        check.note(f"hidden units {sorted(j + 1 for j in kinked)} have a pre-activation exactly 0; "
                   "their W1 and b1 entries are checked against the simulator only")
    return check.report()

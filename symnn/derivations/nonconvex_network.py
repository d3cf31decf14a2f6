"""The loss of a neural network is not convex (exercise-sheet-6 6.2(c), 6.3(f)).

Swapping the two hidden units of a ReLU network maps a global minimum of the quadratic
loss to another one; the midpoint of the two has a strictly higher loss, which a convex
function cannot have (Jensen).

>>> import symnn
>>> symnn.derive("nn-nonconvex").result["loss_midpoint"]
9/2
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.notation import vector_symbols
from symnn.core.registry import register
from symnn.sim import Dense, Quadratic, ReLU, Sequential

#: two hidden ReLU units, one input, one linear output; data fitted exactly by theta_A
NET = {"data": [(-1, 2), (0, 0), (1, 1), (2, 2)],
       "A": {"w": (1, -1), "b": (0, 0), "v": (1, 2)}}


@register("nn-nonconvex", title="The loss of a neural network is not convex",
          sheets=[("exercise-sheet-6", "6.2(c)"), ("exercise-sheet-6", "6.3(f)")])
def nn_nonconvex() -> Derivation:
    """Two weight-space-symmetric global minima whose midpoint has a higher loss."""
    w, bias, v = (vector_symbols(s, 2) for s in ("w", "b", "v"))
    params = [*w, *bias, *v]
    relu = lambda z: sp.Max(0, z)  # noqa: E731
    net = lambda x: sum(v[j] * relu(w[j] * x + bias[j]) for j in range(2))  # noqa: E731
    data = [(sp.Integer(x), sp.Integer(t)) for x, t in NET["data"]]
    loss = sp.Rational(1, 2) * sum((net(x) - t) ** 2 for x, t in data)
    theta_a = [sp.Integer(p) for key in ("w", "b", "v") for p in NET["A"][key]]
    swap = {w[0]: w[1], w[1]: w[0], bias[0]: bias[1], bias[1]: bias[0], v[0]: v[1], v[1]: v[0]}
    theta_b = [s.xreplace(dict(zip(params, theta_a))) for s in
               (swap[p] for p in params)]
    mid = [(a + c) / 2 for a, c in zip(theta_a, theta_b)]
    b = DerivationBuilder("nn-nonconvex", "The loss of a neural network is not convex",
                          r"$L(\theta) = \frac12\sum_k (f_\theta(x_k) - t_k)^2$ with "
                          r"$f_\theta(x) = \sum_{j=1}^2 v_j \operatorname{ReLU}(w_j x + b_j)$ "
                          r"violates Jensen's inequality, so it is not convex")
    b.assume("data $(x_k, t_k)$: " + ", ".join(f"$({x}, {t})$" for x, t in data))
    b.convention(r"the loss carries the factor $\frac12$; $\operatorname{ReLU}(z) = \max(0, z)$")
    b.define("loss", sp.Symbol(r"L(\theta)"), loss, reason="one input, two hidden ReLU units, a "
             "linear output without bias", tex=r"L(\theta) = \frac12 \sum_k \Big(\sum_j v_j "
             r"\max(0, w_j x_k + b_j) - t_k\Big)^2")
    b.step("hidden-unit swap symmetry", loss.xreplace(swap), loss, route="exact",
           reason=r"exchanging $(w_1, b_1, v_1) \leftrightarrow (w_2, b_2, v_2)$ permutes "
                  "the terms",
           tex=r"L(P\theta) = L(\theta)")
    values = {}
    for name, theta in (("A", theta_a), ("B", theta_b), ("midpoint", mid)):
        value = exact_loss(theta, NET["data"])
        values[name] = b.step(rf"loss at $\theta_{{{name}}}$", sp.Subs(loss, params, theta), value,
                              route="doit-cancel",
                              reason=rf"$\theta_{{\text{{{name}}}}} = "
                                     rf"{sp.latex(sp.Tuple(*theta))}$ in the order "
                                     r"$(w_1, w_2, b_1, b_2, v_1, v_2)$",
                              tex=rf"L(\theta_{{\text{{{name}}}}}) = {sp.latex(value)}")
    average = (values["A"] + values["B"]) / 2
    b.claim("global minima", sp.Tuple(values["A"], values["B"]),
            lambda: sp.And(sp.Eq(values["A"], 0), sp.Eq(values["B"], 0)),
            route="exact evaluation; L >= 0 as a sum of squares",
            reason=r"$L \ge 0$ everywhere, so both are global minima",
            tex=r"L(\theta_A) = L(\theta_B) = 0 = \min L")
    b.claim("Jensen fails", sp.Gt(values["midpoint"], average),
            lambda: values["midpoint"] > average,
            route="exact rational comparison", relation=">",
            reason=r"with $\alpha = \frac12$: $L(\frac12\theta_A + \frac12\theta_B) > "
                   r"\frac12 L(\theta_A) + \frac12 L(\theta_B)$",
            tex=rf"L\big(\tfrac12\theta_A + \tfrac12\theta_B\big) = {sp.latex(values['midpoint'])}"
                rf" > {sp.latex(average)} = \tfrac12 L(\theta_A) + \tfrac12 L(\theta_B)")
    b.note("Weight-space symmetry (6.3(f)): each minimum has copies under permutations of the "
           "hidden units, separated by regions of higher loss; the copies are equally good, but "
           "the surface between them is non-convex, which hinders the optimisation.")
    result = {"loss_A": values["A"], "loss_B": values["B"], "loss_midpoint": values["midpoint"],
              "jensen_gap": values["midpoint"] - average, "convex": sp.false,
              "theta_A": sp.Tuple(*theta_a), "theta_B": sp.Tuple(*theta_b)}
    return b.build(result, checker=_check_nonconvex)


def exact_loss(theta: list, data: list) -> sp.Rational:
    """``1/2 sum_k (f_theta(x_k) - t_k)^2`` in exact rational arithmetic, unit by unit.

    An evaluation apart from the symbolic loss, so that the step ``L(theta) = value``
    compares two computations.

    >>> exact_loss([1, -1, 0, 0, 1, 2], NET["data"])
    0
    """
    w1, w2, b1, b2, v1, v2 = (Fraction(str(t)) for t in theta)
    total = Fraction(0)
    for x, t in data:
        output = v1 * max(Fraction(0), w1 * x + b1) + v2 * max(Fraction(0), w2 * x + b2)
        total += (output - t) ** 2
    return sp.Rational(total.numerator, total.denominator) / 2


def _network(theta: list) -> Sequential:
    w1, w2, b1, b2, v1, v2 = (float(t) for t in theta)
    return Sequential([Dense(np.array([[w1, w2]]), np.array([b1, b2])), ReLU(),
                       Dense(np.array([[v1], [v2]]))])


def _check_nonconvex(result: dict) -> CheckReport:
    """The simulator's Dense + ReLU network at theta_A, theta_B and along the segment."""
    theta_a, theta_b = list(result["theta_A"]), list(result["theta_B"])
    check = CrossCheck("the simulator's Sequential(Dense, ReLU, Dense) and its Quadratic loss "
                       "(1/2 sum of squares)", 1e-12)
    x = np.array([[float(p)] for p, _ in NET["data"]])
    t = np.array([[float(q)] for _, q in NET["data"]])

    quadratic = Quadratic(reduction="sum")

    def loss(theta: list) -> float:
        return float(quadratic.fn(_network(theta).forward(x), t))

    mid = [(float(a) + float(c)) / 2 for a, c in zip(theta_a, theta_b)]
    for name, theta in (("A", theta_a), ("B", theta_b), ("midpoint", mid)):
        check.compare(f"loss at theta_{name}", loss(theta), float(result[f"loss_{name}"]))
    segment = [loss([(1 - s) * float(a) + s * float(c) for a, c in zip(theta_a, theta_b)])
               for s in np.linspace(0, 1, 101)]
    check.require("the loss is positive strictly inside the segment", min(segment[1:-1]) > 0)
    gap = segment[50] - 0.5 * (segment[0] + segment[-1])
    check.compare("Jensen gap at the midpoint", float(result["jensen_gap"]), gap)
    check.require("not convex, as the simulator's Jensen gap shows", bool(result["convex"]) is not (gap > 0))
    check.require("theta_B is theta_A with the hidden units swapped",
                  theta_b == [theta_a[k] for k in (1, 0, 3, 2, 5, 4)])
    return check.report()

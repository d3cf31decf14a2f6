"""The Hopfield energy is a Lyapunov function of sequential updates (seminar-1 A5).

For symmetric ``W`` with zero diagonal, updating neuron ``i`` from ``x_i`` to ``x_i'``
changes ``H(x) = -x^T W x / 2`` by

.. math:: \\Delta H = -(x_i' - x_i) \\sum_{j \\ne i} w_{ij} x_j = -(x_i' - x_i)\\, h_i,

which is ``0`` when ``x_i`` stays and ``-2 |h_i| < 0`` when it flips to ``sign(h_i)``. With
finitely many states the network reaches a fixed point.

>>> import symnn
>>> symnn.derive("hopfield-lyapunov", n=2).result["delta_H"][0]
w_12*x2*(-x'_1 + x1)
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.notation import vector_symbols
from symnn.core.params import MatrixKind, Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.errors import ParameterError
from symnn.sim import hopfield

TIE_RULE = (r"$\operatorname{sign}(0) := $ keep $x_i$: a neuron with $h_i = 0$ does not change "
            r"(SymPy's and NumPy's $\operatorname{sign}(0) = 0$ would leave $\{-1, 1\}^n$)")
STATEMENT = (r"$\mathcal{H}(x(t+1)) \le \mathcal{H}(x(t))$ for $\mathcal{H}(x) = -\frac12 x^T W x$, "
             r"$W = W^T$, $w_{ii} = 0$, under sequential updates $x_i \leftarrow "
             r"\operatorname{sign}(\sum_{j \ne i} w_{ij} x_j)$")
_h = sp.Symbol("h_i", real=True)
_hz = sp.Symbol("h_i", real=True, nonzero=True)
_xi, _yi = sp.Symbol("x_i", real=True), sp.Symbol("x_i'", real=True)


def _sign_split(z: sp.Symbol) -> Route:
    s = sp.Dummy("s", positive=True)
    return Route(f"case split {z} > 0, {z} = 0, {z} < 0",
                 lambda diff: sp.Add(*[sp.Abs(diff.xreplace({z: c})) for c in (s, sp.S.Zero, -s)]))


def symmetric_weights(n: int) -> sp.Matrix:
    """The symmetric ``n x n`` matrix of symbols ``w_ij = w_ji`` with zero diagonal.

    >>> symmetric_weights(2)
    Matrix([
    [   0, w_12],
    [w_12,    0]])
    """
    return sp.Matrix(n, n, lambda i, j: 0 if i == j else
                     sp.Symbol(f"w_{min(i, j) + 1}{max(i, j) + 1}", real=True))


def energy_changes(W: sp.Matrix) -> tuple[sp.Matrix, sp.Matrix, list, list]:
    """``H(x') - H(x)`` for an update of each neuron, expanded and in the factored form."""
    n = W.rows
    x, y = vector_symbols("x", n), [sp.Symbol(f"x'_{i + 1}", real=True) for i in range(n)]
    X = sp.Matrix(x)

    def energy(v: sp.Matrix) -> sp.Expr:
        return -sp.Rational(1, 2) * (v.T * W * v)[0]

    raw = sp.Matrix([energy(sp.Matrix([y[k] if k == i else x[k] for k in range(n)])) - energy(X)
                     for i in range(n)])
    factored = sp.Matrix([-(y[i] - x[i]) * sum(W[i, j] * x[j] for j in range(n) if j != i)
                          for i in range(n)])
    return raw, factored, x, y


@register(
    "hopfield-lyapunov",
    title="The Hopfield energy never increases",
    sheets=[("seminar-1", "A5")],
    parameters=[
        Parameter("n", PositiveInteger(minimum=2, maximum=9, symbolic=True), sp.Integer(3),
                  "the number of neurons; a name for general n"),
        Parameter("W", MatrixKind(symmetric=True, max_rows=9, max_cols=9), None,
                  "numeric symmetric weights with zero diagonal (absent: symbols w_ij)"),
    ],
)
def hopfield_lyapunov(n: sp.Integer | sp.Symbol, W: sp.Matrix | None) -> Derivation:
    """Delta H of one sequential update, its sign in both cases, and the fixed point."""
    if W is not None:
        if any(W[i, i] != 0 for i in range(W.rows)):
            raise ParameterError("W", W.tolist(), "a symmetric matrix with zero diagonal")
        n = sp.Integer(W.rows)
    general = isinstance(n, sp.Symbol)
    b = DerivationBuilder("hopfield-lyapunov", "The Hopfield energy never increases", STATEMENT,
                          {"n": n, "W": W})
    b.assume(r"$x \in \{-1, 1\}^n$, $w_{ij} = w_{ji}$, $w_{ii} = 0$; one neuron $i$ is updated, "
             r"$x_i' \in \{-1, 1\}$, the others keep their values")
    b.convention(TIE_RULE)
    if general:
        delta_H = _general(b, n)
    else:
        weights = symmetric_weights(int(n))
        raw, factored, _, _ = energy_changes(weights)
        b.step("energy change of one update", raw, factored, route="expand",
               reason=r"expand $-\frac12 x'^T W x' + \frac12 x^T W x$ with $x'$ differing from $x$ "
                      r"only in entry $i$; symmetry pairs $w_{ij}$ with $w_{ji}$, and $w_{ii} = 0$ "
                      r"removes the $x_i^2$ terms",
               tex=rf"\Delta H_i = -(x_i' - x_i) \sum_{{j \ne i}} w_{{ij}} x_j,\quad "
                   rf"\Delta H_1 = {to_latex(factored[0])}")
        delta_H = factored
    _cases(b, n)
    result = {"delta_H": delta_H, "delta_H_flip": -2 * sp.Abs(_h)}
    if W is not None:
        result["delta_H"] = delta_H.xreplace(dict(zip(symmetric_weights(int(n)), W)))
    sizes = list(range(2, 7)) if general else [int(n)]
    return b.build(result, checker=lambda: _check(sizes, W))


def _general(b: DerivationBuilder, n: sp.Symbol) -> sp.Expr:
    R, w_ii = sp.Symbol("R", real=True), sp.Symbol("w_ii", real=True)
    blocks = -sp.Rational(1, 2) * (R + 2 * _xi * _h + w_ii * _xi**2)

    def instances() -> sp.Boolean:
        for size in range(2, 7):
            W = symmetric_weights(size)
            x = sp.Matrix(vector_symbols("x", size))
            for i in range(size):
                others = [j for j in range(size) if j != i]
                rest = sum(x[j] * W[j, k] * x[k] for j in others for k in others)
                field = sum(W[i, j] * x[j] for j in others)
                split = blocks.xreplace({R: rest, _xi: x[i], _h: field, w_ii: W[i, i]})
                if sp.expand(-(x.T * W * x)[0] / 2 - split) != 0:
                    return sp.false
        return sp.true

    b.claim("split off neuron i", sp.Eq(sp.Symbol("H"), blocks), instances,
            reason=r"split $\sum_{j,k}$ by whether $j = i$ or $k = i$; by symmetry the two mixed "
                   r"parts are equal. Here $R = \sum_{j, k \ne i} x_j w_{jk} x_k$ and "
                   r"$h_i = \sum_{j \ne i} w_{ij} x_j$ do not involve $x_i$ (checked by expand "
                   r"for n = 2..6 and every i)", route="expand at n = 2..6, every i",
            tex=r"\mathcal{H}(x) = -\tfrac12\Bigl(R + 2 x_i h_i + w_{ii} x_i^2\Bigr)")
    b.step("energy change of one update", blocks.xreplace({_xi: _yi}) - blocks,
           -(_yi - _xi) * _h, route="expand", given={w_ii: 0},
           reason=r"$R$ and $h_i$ are the same before and after; $w_{ii} = 0$",
           tex=r"\mathcal{H}(x') - \mathcal{H}(x) = -(x_i' - x_i)\, h_i")
    i, j = sp.symbols("i j", integer=True, positive=True)
    x, xp, w = sp.IndexedBase("x"), sp.IndexedBase("x'"), sp.IndexedBase("w")
    b.note(rf"In index form, since $w_{{ii}} = 0$: $\Delta H = -(x'_i - x_i) \sum_{{j=1}}^{{{n}}} "
           r"w_{ij} x_j$ (the $j = i$ term vanishes).")
    return -(xp[i] - x[i]) * sp.Sum(w[i, j] * x[j], (j, 1, n))


def _cases(b: DerivationBuilder, n: sp.Expr) -> None:
    change = -(_yi - _xi) * _h
    b.step("no flip", change, sp.S.Zero, route="expand", given={_yi: _xi},
           reason=r"$x_i' = x_i$ (also when $h_i = 0$, by the tie rule)",
           tex=r"x_i' = x_i:\ \Delta H = 0")
    b.step("flip", change, -2 * sp.Abs(_h), route=_sign_split(_h),
           given={_yi: sp.sign(_h), _xi: -sp.sign(_h)},
           reason=r"a flip happens only when $h_i \ne 0$ and then $x_i' = \operatorname{sign}(h_i) "
                  r"= -x_i$, so $\Delta H = -2 \operatorname{sign}(h_i) h_i$",
           tex=r"x_i' = -x_i = \operatorname{sign}(h_i):\ \Delta H = -2|h_i|")
    b.claim("H never increases", sp.Le(-2 * sp.Abs(_h), 0), lambda: sp.Le(-2 * sp.Abs(_h), 0),
            reason="both cases", route="sign analysis", relation="<=",
            tex=r"\Delta H \in \{0, -2|h_i|\},\quad \Delta H \le 0")
    b.claim("every flip lowers H strictly", sp.Lt(-2 * sp.Abs(_hz), 0),
            lambda: sp.Lt(-2 * sp.Abs(_hz), 0), reason=r"flips need $h_i \ne 0$",
            route="sign analysis, h_i != 0", tex=r"h_i \ne 0 \implies -2|h_i| < 0")
    flips = sp.Integer(2) ** n - 1
    b.claim("a fixed point is reached", sp.Le(sp.Symbol("flips"), flips),
            lambda: sp.Lt(-2 * sp.Abs(_hz), 0), relation="<=",
            reason=rf"H strictly decreases along the flips, so no state repeats; there are "
                   rf"$2^{{{n}}}$ states, so at most ${to_latex(flips)}$ flips happen; then a whole "
                   r"sweep changes nothing: every $x_i = \operatorname{sign}(h_i)$ or $h_i = 0$",
            route="strict decrease on a finite set", tex=rf"\#\text{{flips}} \le {to_latex(flips)}")


def _check(sizes: list[int], W: sp.Matrix | None) -> CheckReport:
    """The simulator's sequential dynamics from random starts on random symmetric weights."""
    check = CrossCheck("simulator Hopfield dynamics (symnn.sim.hopfield): energy changes per "
                       "update against the derived Delta H", 1e-9)
    rng = np.random.default_rng(5)
    for n in sizes:
        _, factored, x, y = energy_changes(symmetric_weights(n))
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        symbols = [symmetric_weights(n)[i, j] for i, j in pairs]
        formula = sp.lambdify([x, y, symbols], list(factored), "numpy")
        matrices = ([np.array(W.tolist(), dtype=float)] if W is not None else
                    [hopfield.random_weights(n, rng), hopfield.random_weights(n, rng, integer=True)])
        for weights in matrices:
            derived, simulated, flips = [], [], 0
            for _ in range(20):
                state = rng.choice([-1, 1], size=n)
                final, trace = hopfield.run(weights, state, order=rng.permutation(n))
                check.require(f"n = {n}: energy never increases",
                              all(b <= a + 1e-12 for a, b in itertools.pairwise(trace)))
                check.require(f"n = {n}: the run ends at a fixed point",
                              hopfield.is_fixed_point(weights, final))
                upper = [weights[i, j] for i, j in pairs]
                for i in range(n):
                    new = hopfield.update(weights, state, i)
                    derived.append(formula(state, new, upper)[i])
                    simulated.append(hopfield.energy(weights, new) - hopfield.energy(weights, state))
                flips = max(flips, sum(1 for a, b in itertools.pairwise(trace) if b < a))
            check.compare(f"n = {n}: Delta H of single updates", derived, simulated)
            check.require(f"n = {n}: at most 2^n - 1 flips in a run", flips <= 2**n - 1)
    return check.report()

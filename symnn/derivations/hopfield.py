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
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.core.notation import vector_symbols
from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.core.params import MatrixKind, Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.core.sums import sum_split_route
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
    display = {"delta_H": r"-(x_i' - x_i) \sum_{j \ne i} w_{ij} x_j"} if general else {}
    return b.build(result, checker=lambda found: _check(sizes, W, n, found), display=display)


class w(sp.Function):
    """The symmetric weight ``w(i, j) = w(j, i)``: arguments kept in a canonical order."""

    is_real = True

    @classmethod
    def eval(cls, a: sp.Expr, b: sp.Expr) -> sp.Expr | None:
        if sp.default_sort_key(a) > sp.default_sort_key(b):
            return cls(b, a)
        return None


def _off(term: sp.Expr, v: sp.Symbol, i: sp.Symbol, n: sp.Symbol) -> sp.Expr:
    """``sum_{v != i} term`` as the two ranges ``1..i-1`` and ``i+1..n``."""
    return sp.Sum(term, (v, 1, i - 1)) + sp.Sum(term, (v, i + 1, n))


def _general(b: DerivationBuilder, n: sp.Symbol) -> sp.Expr:
    i, j, k = sp.symbols("i j k", integer=True, positive=True)
    x, xp = sp.IndexedBase("x", real=True), sp.IndexedBase("x'", real=True)

    def energy(v: sp.IndexedBase) -> sp.Expr:
        return -sp.Rational(1, 2) * sp.Sum(v[j] * w(j, k) * v[k], (k, 1, n), (j, 1, n))

    rest = sp.expand(_off(_off(x[j] * w(j, k) * x[k], k, i, n), j, i, n))
    field = _off(w(i, j) * x[j], j, i, n)
    b.step("split off neuron i", energy(x),
           -sp.Rational(1, 2) * (rest + 2 * x[i] * field + w(i, i) * x[i] ** 2),
           route=sum_split_route(i, n),
           reason=r"split each range $1..n$ at $i$ ($1 \le i \le n$): $j = i$ or $k = i$ gives "
                  r"the two mixed parts, equal since $w_{ij} = w_{ji}$; "
                  r"$R = \sum_{j, k \ne i} x_j w_{jk} x_k$ and $h_i = \sum_{j \ne i} w_{ij} x_j$",
           tex=r"\mathcal{H}(x) = -\tfrac12 \sum_{j,k=1}^{n} x_j w_{jk} x_k = "
               r"-\tfrac12\Bigl(R + 2 x_i h_i + w_{ii} x_i^2\Bigr)")
    change = -(xp[i] - x[i]) * field
    b.step("energy change of one update", energy(xp) - energy(x), change,
           route=sum_split_route(i, n, facts={w(i, i): 0}, agree=(xp, x)),
           reason=r"split both energies at $i$; $x'_j = x_j$ for $j \ne i$, so $R$ and $h_i$ "
                  r"are the same before and after, and $w_{ii} = 0$",
           tex=r"\mathcal{H}(x') - \mathcal{H}(x) = -(x_i' - x_i)\, h_i")
    return change


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
    _termination(b, n)


def _termination(b: DerivationBuilder, n: sp.Expr) -> None:
    """Strict decrease along the flips, 2^n states, so at most 2^n - 1 flips."""
    t, i = sp.Symbol("t", integer=True), sp.Symbol("i", integer=True, positive=True)
    a, m = sp.Symbol("a", integer=True, nonnegative=True), sp.Symbol("m", integer=True, positive=True)
    H, delta = sp.Function("H_flip"), sp.Function("delta", positive=True)
    b.step("telescoping over flips", sp.Sum(H(t + 1) - H(t), (t, a, a + m - 1)), H(a + m) - H(a),
           route="doit-cancel", reason=r"$\mathcal{H}_t$ is the energy after the $t$-th flip",
           tex=r"\sum_{t=a}^{a+m-1} (\mathcal{H}_{t+1} - \mathcal{H}_t) = \mathcal{H}_{a+m} - "
               r"\mathcal{H}_a")
    gap = -sp.Sum(delta(t), (t, a, a + m - 1))
    b.claim("no state repeats", sp.Lt(gap, 0), lambda: as_sympy(bool(gap.is_negative)),
            route="sign of a nonempty sum of positive terms", relation="<",
            reason=r"each flip lowers $\mathcal{H}$ by $\delta_t = 2|h_i| > 0$, so for $m \ge 1$ "
                   r"$\mathcal{H}_{a+m} < \mathcal{H}_a$: the two states differ, as equal states "
                   "have equal energy",
            tex=r"\mathcal{H}_{a+m} - \mathcal{H}_a = -\sum_{t=a}^{a+m-1} \delta_t < 0")
    states = b.step("number of states", sp.Product(2, (i, 1, n)), 2**n, route="doit-cancel",
                    reason=r"each of the $n$ neurons is $-1$ or $1$",
                    tex=rf"|\{{-1, 1\}}^n| = \prod_{{i=1}}^{{n}} 2 = {sp.latex(2**n)}")
    flips, slack = sp.Symbol("flips", integer=True), sp.Symbol("u", integer=True, nonnegative=True)
    b.cite("distinct states", sp.Le(flips + 1, states), theorem="pigeonhole principle",
           relation="<=", reason=r"the start and the state after each flip are pairwise distinct "
                                 r"elements of $\{-1, 1\}^n$",
           tex=rf"\#\text{{flips}} + 1 \le {sp.latex(states)}")
    bound = states - 1
    b.claim("a fixed point is reached", sp.Le(flips, bound),
            lambda: sp.Le(states - 1 - slack, bound), relation="<=",
            route="exact: flips = 2^n - 1 - u with a slack u >= 0",
            reason=r"after the last flip a whole sweep changes nothing: every "
                   r"$x_i = \operatorname{sign}(h_i)$ or $h_i = 0$, a fixed point",
            tex=rf"\#\text{{flips}} \le {to_latex(bound)}")


def _check(sizes: list[int], W: sp.Matrix | None, n: sp.Expr, result: dict) -> CheckReport:
    """The simulator's sequential dynamics from random starts on random symmetric weights."""
    check = CrossCheck("simulator Hopfield dynamics (symnn.sim.hopfield): energy changes per "
                       "update against the derived Delta H", 1e-9)
    rng = np.random.default_rng(5)
    flip = sp.lambdify(_h, result["delta_H_flip"], NUMPY_NAMESPACE)
    for size in sizes:
        formula = _numeric_deltas(result["delta_H"], n, size)
        matrices = ([np.array(W.tolist(), dtype=float)] if W is not None else
                    [hopfield.random_weights(size, rng), hopfield.random_weights(size, rng, integer=True)])
        for weights in matrices:
            derived, simulated, flipped, lowered, flips = [], [], [], [], 0
            for _ in range(20):
                state = rng.choice([-1, 1], size=size)
                final, trace = hopfield.run(weights, state, order=rng.permutation(size))
                check.require(f"n = {size}: energy never increases",
                              all(b <= a + 1e-12 for a, b in itertools.pairwise(trace)))
                check.require(f"n = {size}: the run ends at a fixed point",
                              hopfield.is_fixed_point(weights, final))
                for i in range(size):
                    new = hopfield.update(weights, state, i)
                    change = hopfield.energy(weights, new) - hopfield.energy(weights, state)
                    derived.append(formula(weights, state, new)[i])
                    simulated.append(change)
                    if new[i] != state[i]:
                        flipped.append(flip(hopfield.local_field(weights, state, i)))
                        lowered.append(change)
                flips = max(flips, sum(1 for a, b in itertools.pairwise(trace) if b < a))
            check.compare(f"n = {size}: Delta H of single updates", derived, simulated)
            check.compare(f"n = {size}: Delta H of the flips against -2 |h_i|", flipped, lowered)
            check.require(f"n = {size}: at most 2^n - 1 flips in a run", flips <= 2**size - 1)
    return check.report()


def _numeric_deltas(delta_H: Any, n: sp.Expr, size: int) -> Any:
    """The derived Delta H of updating each neuron, as ``f(W, x, x') -> list`` on NumPy arrays."""
    x = vector_symbols("x", size)
    xp = [sp.Symbol(f"x'_{k + 1}", real=True) for k in range(size)]
    weights = symmetric_weights(size)
    if isinstance(n, sp.Symbol):  # the general index form: instantiate n and i, expand the sums
        index = sp.Symbol("i", integer=True, positive=True)
        base, primed = sp.IndexedBase("x", real=True), sp.IndexedBase("x'", real=True)
        names = {**{base[k + 1]: x[k] for k in range(size)}, **{primed[k + 1]: xp[k] for k in range(size)}}
        exprs = [delta_H.subs({n: size, index: i + 1}).doit().replace(
                     lambda e: isinstance(e, w), lambda e: weights[int(e.args[0]) - 1, int(e.args[1]) - 1])
                 .xreplace(names) for i in range(size)]
    else:
        exprs = list(delta_H)
    pairs = [(a, c) for a in range(size) for c in range(a + 1, size)]
    function = sp.lambdify([x, xp, [weights[a, c] for a, c in pairs]], exprs, NUMPY_NAMESPACE)
    return lambda W, state, new: function(state, new, [W[a, c] for a, c in pairs])

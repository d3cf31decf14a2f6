"""A linear network cannot compute parity on the cube for d >= 2 (nn-assignment-2 P3).

``Phi(x) = v^T (W x + b) = a^T x + c`` is affine whatever ``n, W, b, v`` are, and the parity
``chi(x) = x_1 x_2 ... x_d`` is orthogonal to every affine function on ``{-1, 1}^d`` when
``d >= 2``:

.. math::

    \\sum_{x \\in \\{-1,1\\}^d} \\chi(x) = \\prod_{i=1}^d \\sum_{x_i = \\pm 1} x_i = 0,\\qquad
    \\sum_{x} \\chi(x)\\, x_i = 2 \\prod_{j \\ne i} \\sum_{x_j = \\pm 1} x_j = 0,

so ``Phi = chi`` would give ``2^d = sum chi^2 = sum chi Phi = 0``. For a general d the
factorisation of the sum over the cube is proved by induction on d (base case, splitting off
the last coordinate, combining the products). For a concrete d the
``2^d`` equations ``a^T x + c = chi(x)`` are shown inconsistent by exact ranks. For
``d = 1``, ``chi(x) = x`` is computed by ``n = 1, W = 1, b = 0, v = 1``.

>>> import symnn
>>> symnn.derive("parity-not-linear", d=3).result["computable"]
False
>>> symnn.derive("parity-not-linear", d=1).result["computable"]
True
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp
from sympy.polys.matrices import DomainMatrix
from sympy.simplify.simplify import product_simplify

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.notation import vector_symbols
from symnn.core.params import Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.sim.activations import Identity
from symnn.sim.layers import Dense

STATEMENT = (r"For $d \ge 2$ there are no $n, W, b, v$ with $v^T(Wx + b) = \chi(x) = "
             r"\prod_{i=1}^d x_i$ for every $x \in \{-1, 1\}^d$; for $d = 1$ there are.")
MATRIX_EXPAND = Route("expand (matrix expressions)",
                      lambda diff: sp.S.Zero if sp.expand(diff).is_ZeroMatrix else sp.expand(diff))
_e, _j = sp.Symbol("e", integer=True, nonnegative=True), sp.Symbol("j", integer=True, positive=True)


def cube(d: int) -> list[tuple[int, ...]]:
    """The ``2^d`` points of ``{-1, 1}^d``.

    >>> cube(2)
    [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    """
    return list(itertools.product((-1, 1), repeat=d))


def _parity(x: tuple[int, ...]) -> int:
    value = 1
    for coordinate in x:
        value *= coordinate
    return value


@register(
    "parity-not-linear",
    title="A linear network cannot compute parity",
    sheets=[("nn-assignment-2", "P3")],
    parameters=[Parameter("d", PositiveInteger(maximum=14, symbolic=True), sp.Integer(3),
                          "the dimension of the cube; a name for general d >= 2")],
)
def parity_not_linear(d: sp.Integer | sp.Symbol) -> Derivation:
    """Prove that no linear network computes parity on ``{-1, 1}^d`` for ``d >= 2``."""
    b = DerivationBuilder("parity-not-linear", "A linear network cannot compute parity",
                          STATEMENT, {"d": d})
    b.assume(r"$n \ge 1$, $W \in \mathbb{R}^{n\times d}$, $b, v \in \mathbb{R}^n$ arbitrary")
    _collapse(b, d)
    if d == 1:
        return _dimension_one(b)
    general = isinstance(d, sp.Symbol)
    if general:
        b.assume(rf"${d} \ge 2$ (for ${d} = 1$ derive with d=1: parity is then computable)")
        _factorisation(b, d)
    _orthogonality(b, d)
    if not general:
        ranks = _linear_system(b, int(d))
    residual = sp.Integer(2) ** d
    result = {"computable": sp.false, "residual": residual}
    if not general:
        result.update(ranks)
    b.note("Every linear network is an affine map, and affine maps are orthogonal to parity on the "
           "cube; the best one (least squares) is the constant 0, with squared error $2^d$.")
    dims = [2, 3, 5, 8] if general else [int(d)]
    return b.build(result, checker=lambda found: _check(dims, d, found))


def _collapse(b: DerivationBuilder, d: sp.Expr) -> None:
    n = sp.Symbol("n", integer=True, positive=True)
    W, x = sp.MatrixSymbol("W", n, d), sp.MatrixSymbol("x", d, 1)
    bias, v = sp.MatrixSymbol("b", n, 1), sp.MatrixSymbol("v", n, 1)
    b.step("a linear network is affine", v.T * (W * x + bias), (W.T * v).T * x + v.T * bias,
           reason=r"distribute; so $\Phi(x) = a^T x + c$ with $a = W^T v$, $c = v^T b$",
           route=MATRIX_EXPAND)


def _pull_out_of_sums(difference: sp.Expr) -> sp.Expr:
    done = difference.doit()
    return sp.cancel(sp.expand(done.replace(lambda e: isinstance(e, sp.Sum), sp.factor_terms)))


def _combine_products(difference: sp.Expr) -> sp.Expr:
    return sp.cancel(sp.Add(*[product_simplify(term) for term in sp.Add.make_args(difference)]))


def _factorisation(b: DerivationBuilder, d: sp.Symbol) -> None:
    """Certify ``sum_{x in {-1,1}^d} prod_j g_j(x_j) = prod_j sum_{t = +-1} g_j(t)`` by induction on d."""
    g, P, k = sp.Function("g"), sp.IndexedBase("P"), sp.Symbol("k", integer=True, positive=True)
    factor = sp.Sum(g(_j, (-1) ** _e), (_e, 0, 1))  # s_j = g_j(1) + g_j(-1)
    last = factor.xreplace({_j: d + 1})
    cube_sum = sp.Sum(P[k], (k, 1, 2**d))  # F(d), P_k = prod_j g_j(x_j) at the k-th point
    b.step("sum over the cube, base case", sp.Sum(g(1, (-1) ** _e), (_e, 0, 1)),
           sp.Product(factor, (_j, 1, 1)), route="doit-cancel",
           reason=r"for $d = 1$ the cube is $\{-1, 1\}$: $F(1) = g_1(1) + g_1(-1) = s_1$",
           tex=r"F(1) = \sum_{x_1 = \pm 1} g_1(x_1) = \prod_{j=1}^{1} s_j")
    b.step("sum over the cube, the last coordinate", sp.Sum(sp.Sum(P[k] * g(d + 1, (-1) ** _e),
                                                                    (_e, 0, 1)), (k, 1, 2**d)),
           cube_sum * last, route=Route("doit, factor constants out of sums, cancel", _pull_out_of_sums),
           reason=r"$\{-1,1\}^{d+1} = \{-1,1\}^d \times \{-1,1\}$: with $P_k = \prod_{j \le d} "
                  r"g_j(x_j)$ at the $k$-th point of $\{-1,1\}^d$, the inner sum is $P_k s_{d+1}$ and "
                  r"$s_{d+1}$ leaves the outer sum, so $F(d + 1) = F(d)\, s_{d+1}$",
           tex=r"F(d+1) = \sum_{k=1}^{2^d} \sum_{t = \pm 1} P_k\, g_{d+1}(t) = F(d)\, s_{d+1}")
    b.step("sum over the cube, induction step",
           sp.Product(factor, (_j, 1, d)) * sp.Product(factor, (_j, d + 1, d + 1)),
           sp.Product(factor, (_j, 1, d + 1)), route=Route("product_simplify (adjacent ranges)",
                                                           _combine_products),
           reason=r"if $F(d) = \prod_{j \le d} s_j$ then $F(d + 1) = \prod_{j \le d} s_j \cdot s_{d+1} "
                  r"= \prod_{j \le d+1} s_j$; with the base case, by induction on $d$: "
                  r"$\sum_{x \in \{-1,1\}^d} \prod_j g_j(x_j) = \prod_j \sum_{t = \pm 1} g_j(t)$ "
                  r"(used below with $g_j(t) = t$, and $g_i(t) = t^2$, $g_j(t) = t$ for $j \ne i$)",
           tex=r"\prod_{j=1}^{d} s_j \cdot s_{d+1} = \prod_{j=1}^{d+1} s_j")


def _orthogonality(b: DerivationBuilder, d: sp.Expr) -> None:
    general = isinstance(d, sp.Symbol)
    pm_sum = sp.Sum((-1) ** _e, (_e, 0, 1))  # the sum over x_j in {-1, 1} of x_j
    at_least_two = {d: sp.Symbol("m", integer=True, nonnegative=True) + 2}
    by_lemma = " (the factorisation proved by induction above)" if general else ""
    b.claim("parity sums to zero", sp.Eq(sp.Product(pm_sum, (_j, 1, d)), 0),
            lambda: sp.Eq(sp.Product(pm_sum, (_j, 1, d)).doit(), 0),
            reason=r"the sum over the cube factorises, $\sum_x \prod_i x_i = \prod_i "
                   r"\sum_{x_i = \pm 1} x_i$" + by_lemma + r", and every factor is $1 - 1 = 0$",
            route="product factorisation, doit",
            tex=r"\sum_{x \in \{-1,1\}^d} \chi(x) = \prod_{i=1}^{d} \sum_{x_i = \pm 1} x_i = 0")
    b.claim("parity is orthogonal to each coordinate",
            sp.Eq(2 * sp.Product(pm_sum, (_j, 1, d - 1)), 0),
            lambda: sp.Eq((2 * sp.Product(pm_sum, (_j, 1, d - 1))).doit().xreplace(at_least_two), 0),
            reason=r"$\chi(x) x_i = \prod_{j \ne i} x_j$ since $x_i^2 = 1$: the sum over $x_i$ gives "
                   r"2 and the other $d - 1 \ge 1$ factors vanish" + by_lemma,
            route="product factorisation, doit, d >= 2",
            tex=r"\sum_{x} \chi(x)\, x_i = 2 \prod_{j \ne i} \sum_{x_j = \pm 1} x_j = 0"
                r"\quad (i = 1, \dots, d)")
    b.claim("the squared norm of parity", sp.Eq(sp.Product(sp.Sum(1, (_e, 0, 1)), (_j, 1, d)), 2**d),
            lambda: sp.Eq(sp.Product(sp.Sum(((-1) ** _e) ** 2, (_e, 0, 1)), (_j, 1, d)).doit(), 2**d),
            reason=r"$\chi(x)^2 = \prod_i x_i^2 = 1$ at each of the $2^d$ points",
            route="product factorisation, doit", tex=r"\sum_{x} \chi(x)^2 = 2^d")
    if not general:
        points = _cube_array(int(d))
        chi = points.prod(axis=1)
        b.claim("the three sums by enumeration", sp.true,
                lambda: sp.true if (int(chi.sum()) == 0 and not np.any(chi @ points)
                                    and int((chi * chi).sum()) == 2 ** int(d)) else sp.false,
                reason=rf"all {2 ** int(d)} points of the cube, exact integers", route="enumeration",
                tex=rf"\text{{checked at all }} {2 ** int(d)} \text{{ points of }} \{{-1,1\}}^{{{d}}}")
    a, c = sp.IndexedBase("a"), sp.Symbol("c")
    i = sp.Symbol("i", integer=True, positive=True)
    S = sp.IndexedBase("S")
    lhs = sp.Sum(a[i] * S[i], (i, 1, d)) + c * S[0]
    b.step("parity is orthogonal to every affine function", lhs, sp.Integer(0),
           reason=r"$\sum_x \chi(x)(a^T x + c) = \sum_i a_i S_i + c S_0$ with "
                  r"$S_i = \sum_x \chi(x) x_i = 0$ and $S_0 = \sum_x \chi(x) = 0$",
           route="doit-cancel", given={S[i]: 0, S[0]: 0})
    two_d = sp.Integer(2) ** d
    b.claim("contradiction", sp.Ne(two_d, 0), lambda: sp.Ne(two_d, 0),
            reason=r"if $\Phi = \chi$ on the cube, $2^d = \sum_x \chi^2 = \sum_x \chi \Phi = 0$; "
                   "so no network computes parity", route="sign analysis",
            tex=r"2^d = \sum_x \chi(x)^2 = \sum_x \chi(x)\Phi(x) = 0 \text{ is impossible}")


def _cube_array(d: int) -> np.ndarray:
    """The points of ``{-1, 1}^d`` as rows of an int64 array, in the order of :func:`cube`."""
    bits = (np.arange(2**d)[:, None] >> np.arange(d - 1, -1, -1)[None, :]) & 1
    return (2 * bits - 1).astype(np.int64)


def _gram(d: int) -> DomainMatrix:
    """``[A | chi]^T [A | chi]`` over QQ, with ``A = [x_1 .. x_d, 1]`` (one row per point).

    The product is taken in int64, exact here: every entry is a sum of ``2^d <= 2^14``
    terms of absolute value 1.
    """
    points = _cube_array(d)
    augmented = np.hstack([points, np.ones((2**d, 1), dtype=np.int64), points.prod(axis=1, keepdims=True)])
    gram = augmented.T @ augmented
    return DomainMatrix([[sp.QQ(int(v)) for v in row] for row in gram], gram.shape, sp.QQ)


def _linear_system(b: DerivationBuilder, d: int) -> dict[str, sp.Expr]:
    gram = _gram(d)
    rank_a, rank_aug = gram[: d + 1, : d + 1].rank(), gram.rank()
    b.claim("the columns are orthogonal", sp.Eq(sp.Symbol("G"), 2**d * sp.eye(d + 2)),
            lambda: sp.true if gram.to_Matrix() == 2**d * sp.eye(d + 2) else sp.false,
            reason=r"the Gram matrix of the columns $x_1, \dots, x_d, \mathbf{1}, \chi$ of the "
                   r"augmented system, computed exactly (DomainMatrix over $\mathbb{Q}$)",
            route="DomainMatrix product over QQ",
            tex=rf"[A \mid \chi]^T [A \mid \chi] = 2^{{{d}}} I_{{{d + 2}}}")
    b.claim("the system is inconsistent", sp.Lt(rank_a, rank_aug),
            lambda: sp.Lt(gram[: d + 1, : d + 1].rank(), gram.rank()),
            reason=rf"the {2**d} equations $a^T x + c = \chi(x)$ in {d + 1} unknowns: "
                   r"$\operatorname{rank} A = \operatorname{rank} A^T A$ is smaller than the rank "
                   r"of the augmented matrix, so there is no solution (Rouch\'e--Capelli)",
            route="DomainMatrix rank over QQ",
            tex=rf"\operatorname{{rank}} A = {rank_a} < {rank_aug} = "
                rf"\operatorname{{rank}}\,[A \mid \chi]")
    return {"rank_A": sp.Integer(rank_a), "rank_augmented": sp.Integer(rank_aug)}


def _dimension_one(b: DerivationBuilder) -> Derivation:
    x1 = vector_symbols("x", 1)[0]
    b.claim("Phi(x) = x computes parity", sp.Eq(sp.Function("Phi")(x1), x1),
            lambda: sp.true if all(1 * (1 * p[0] + 0) == _parity(p) for p in cube(1)) else sp.false,
            reason=r"with $n = 1$, $W = 1$, $b = 0$, $v = 1$: $\Phi(x_1) = x_1 = \chi(x_1)$ at "
                   r"$x_1 = \pm 1$", route="enumeration")
    gram = _gram(1)
    b.claim("the system is consistent", sp.Eq(gram[:2, :2].rank(), gram.rank()),
            lambda: sp.Eq(gram[:2, :2].rank(), gram.rank()),
            reason=r"$\chi = x_1$ is a column of $A$, so the ranks agree",
            route="DomainMatrix rank over QQ",
            tex=r"\operatorname{rank} A = 2 = \operatorname{rank}\,[A \mid \chi]")
    b.note("For d = 1 parity is the identity, which a linear network computes; the impossibility "
           "needs two coordinates (then parity is orthogonal to every affine map).")
    result = {"computable": sp.true, "residual": sp.Integer(0), "W": sp.Matrix([[1]]),
              "b": sp.Matrix([0]), "v": sp.Matrix([1])}
    return b.build(result, checker=lambda found: _check([1], sp.Integer(1), found))


def _check(dims: list[int], d_param: sp.Expr, found: dict[str, sp.Basic]) -> CheckReport:
    """Least squares over the whole cube in NumPy, and random linear networks in the simulator;
    the derived residual, verdict, ranks and (d = 1) network against them."""
    check = CrossCheck("exhaustive enumeration: NumPy least squares and ranks; random linear networks "
                       "(Dense, Identity, Dense) in the simulator", 1e-9)
    residual_of_d = found["residual"]
    rng = np.random.default_rng(3)
    for d in dims:
        points = _cube_array(d).astype(float)
        chi = points.prod(axis=1)
        design = np.hstack([points, np.ones((len(points), 1))])
        coef, *_ = np.linalg.lstsq(design, chi, rcond=None)
        residual = float(np.sum((design @ coef - chi) ** 2))
        best = np.zeros(d + 1) if d >= 2 else np.array([1.0, 0.0])
        derived = float(as_sympy(residual_of_d).subs(as_sympy(d_param), d))
        check.compare(f"d = {d}: least-squares residual vs the derived one", residual, derived)
        check.compare(f"d = {d}: least-squares coefficients (a, c)", coef, best)
        check.require(f"d = {d}: computable is {residual < 1e-9} (least-squares residual {residual:.3g})",
                      bool(found["computable"]) == (residual < 1e-9))
        if "rank_A" in found:
            check.compare(f"d = {d}: ranks of A and [A | chi] (NumPy)",
                          [float(found["rank_A"]), float(found["rank_augmented"])],
                          [np.linalg.matrix_rank(design),
                           np.linalg.matrix_rank(np.column_stack([design, chi]))])
        if "W" in found:
            W, bias, v = (np.array(found[key].tolist(), dtype=float) for key in ("W", "b", "v"))
            check.compare(f"d = {d}: the derived network v^T(Wx + b) against parity",
                          ((points @ W.T + bias.T) @ v)[:, 0], chi)
        for _ in range(3):
            width = int(rng.integers(1, 6))
            first = Dense(rng.normal(size=(d, width)), rng.normal(size=width))
            second = Dense(rng.normal(size=(width, 1)))
            phi = second.forward(Identity().forward(first.forward(points)))[:, 0]
            if d >= 2:
                check.require(f"d = {d}: a random width-{width} network misses parity "
                              f"(squared error >= 2^d)", np.sum((phi - chi) ** 2) >= 2.0**d - 1e-9)
                check.compare(f"d = {d}: sum of chi * Phi", float(np.dot(chi, phi)), 0.0)
    return check.report()

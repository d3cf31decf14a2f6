"""Convexity (exercise-sheet-6 6.2(a), (b)): local minima of convex functions, and the MSE.

* ``convex-local-min-global``: at a local minimum of a differentiable f the gradient is 0
  (Fermat's rule, by a first-order Taylor expansion), and the first-order
  characterisation :math:`f(y) \\ge f(x^*) + \\nabla f(x^*)^T (y - x^*)` then gives
  :math:`f(y) \\ge f(x^*)`.
* ``mse-convex``: :math:`\\nabla^2_w \\|Xw - Y\\|^2 = 2X^TX` and
  :math:`v^T (2X^TX) v = 2\\|Xv\\|^2 \\ge 0`.

The third part of 6.2, ``nn-nonconvex`` (a network's loss is not convex), is in
:mod:`nonconvex_network`.

>>> import symnn
>>> symnn.derive("mse-convex", m=2, n=2).result["psd"]
True
"""

from __future__ import annotations

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
from symnn.derivations.gradient_descent import roots_latex, spectrum
from symnn.errors import ShapeError

DOIT_EXPAND = Route("doit, expand (polynomials)", lambda d: sp.expand(d.doit()))


@register("convex-local-min-global", title="A local minimum of a convex function is global",
          sheets=[("exercise-sheet-6", "6.2(a)")])
def convex_local_min_global() -> Derivation:
    """Fermat's rule plus the first-order characterisation: :math:`f(y) \\ge f(x^*)`."""
    n, i = sp.Symbol("n", integer=True, positive=True), sp.Symbol("i", integer=True, positive=True)
    g, y, x = sp.IndexedBase("g"), sp.IndexedBase("y"), sp.IndexedBase("x^*")
    fy, fx = sp.Symbol("f(y)"), sp.Symbol("f(x^*)")
    b = DerivationBuilder("convex-local-min-global", "A local minimum of a convex function is "
                          "global", r"If $f: \mathbb{R}^n \to \mathbb{R}$ is convex and "
                          r"differentiable and $x^*$ is a local minimum, then $f(x^*) \le f(y)$ "
                          r"for every $y$.")
    b.assume(r"$f$ convex and differentiable; $f(x^*) \le f(x)$ for $\|x - x^*\| < \varepsilon$")
    b.assume(r"first-order characterisation: $f(y) \ge f(x) + \nabla f(x)^T (y - x)$")
    t = sp.Symbol("t", real=True)
    f = sp.Function("f")
    xs, d, xv = (sp.symbols(f"{s}1:4", real=True) for s in ("x^*_", "d", "x"))
    b.step("directional derivative", sp.Subs(sp.Derivative(f(*[a + t * e for a, e in zip(xs, d)]),
                                                           t), t, 0),
           sum(e * sp.Subs(sp.Derivative(f(*xv), v), xv, xs) for e, v in zip(d, xv)),
           route="doit-cancel", reason=r"$\varphi(t) = f(x^* + t d)$ has $\varphi'(0) = "
                                       r"\nabla f(x^*)^T d$ (chain rule, shown for $n = 3$)")
    c, tp = sp.Symbol("c", real=True, nonzero=True), sp.Symbol("t", positive=True)
    phi = sp.Function("varphi")
    taylor = phi(-c * tp).series(tp, 0, 2).removeO()
    slope = taylor.coeff(tp).replace(lambda e: isinstance(e, sp.Subs), lambda e: c)
    b.claim("Fermat's rule", sp.Eq(sp.Symbol(r"\nabla f(x^*)"), 0),
            lambda: as_sympy(bool(slope.is_negative)),
            route="first-order Taylor series of phi(-c t) and the sign of its t-coefficient",
            reason=rf"if $c = \varphi'(0) \ne 0$ then $\varphi(-ct) = \varphi(0) + "
                   rf"({sp.latex(slope)})\, t + o(t) < \varphi(0)$ for small $t > 0$, "
                   r"contradicting the local minimum;"
                   r" so $\nabla f(x^*)^T d = 0$ for every $d$")
    remainder = sp.Sum(g[i] * (y[i] - x[i]), (i, 1, n))
    b.step("first-order characterisation at x*", fx + remainder, fx, given={g[i]: 0},
           route="doit-cancel", reason=r"with $g = \nabla f(x^*) = 0$ the linear term vanishes")
    b.claim("global minimum", fx, lambda: sp.Eq(remainder.xreplace({g[i]: 0}).doit(), 0),
            route="the two previous lines", relation=">=", before=fy,
            reason=r"$f(y) \ge f(x^*) + \nabla f(x^*)^T(y - x^*) = f(x^*)$ for every $y$")
    result = {"gradient_at_minimum": sp.Integer(0), "global": sp.true}
    b.note("Without convexity the first inequality fails: a stationary point can be a local "
           "minimum only (the cross-check shows one).")
    return b.build(result, checker=_check_local_global)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _check_local_global(result: dict) -> CheckReport:
    """Random convex functions: GD's local minimiser against the minimum over a dense grid."""
    check = CrossCheck("gradient descent in NumPy against a dense grid, on random convex "
                       "functions q(x - m)^2 + sum_j c_j softplus(w_j x + b_j)", 1e-3)
    rng = np.random.default_rng(0)
    trials = 6
    q, m = rng.uniform(0.2, 2, (trials, 1)), rng.uniform(-5, 5, (trials, 1))
    c, w, bias = rng.uniform(0, 3, (trials, 4)), rng.normal(size=(trials, 4)) * 2, rng.normal(
        size=(trials, 4))

    def f(x: np.ndarray) -> np.ndarray:
        """Row i: function i at the points x[i] (shape (trials, points)); the softplus terms
        are added one j at a time, in the order a sum over j adds them."""
        terms = c[:, :1] * _softplus(w[:, :1] * x + bias[:, :1])
        for j in range(1, c.shape[1]):
            terms = terms + c[:, j:j + 1] * _softplus(w[:, j:j + 1] * x + bias[:, j:j + 1])
        return q * (x - m) ** 2 + terms

    cw, twice_q = c * w, 2 * q[:, 0]

    def grad(x: np.ndarray) -> np.ndarray:
        slopes = cw / (1 + np.exp(-(w * x[:, None] + bias)))
        return twice_q * (x - m[:, 0]) + slopes.sum(-1)

    step = 1 / (2 * q[:, 0] + (c * w * w).sum(-1) / 4)
    x = rng.uniform(-15, 15, trials)
    for _ in range(3000):
        x = x - step * grad(x)
    grid = np.linspace(-20, 20, 100_001)
    values = f(np.broadcast_to(grid, (trials, grid.size)))
    a, other, s = rng.uniform(-20, 20, (3, trials, 200))
    s = np.abs(s) / 20
    check.require("Jensen holds on 200 random pairs for each function",
                  bool(np.all(f(s * a + (1 - s) * other) <= s * f(a) + (1 - s) * f(other) + 1e-9)))
    check.compare("GD stopped where the gradient is the derived value at a minimum", grad(x),
                  np.full(trials, float(result["gradient_at_minimum"])), tolerance=1e-9)
    check.require("the local minimum is global, as f(GD point) <= every grid value shows",
                  bool(result["global"]) is bool(np.all(f(x[:, None])[:, 0] <= values.min(1) + 1e-12)))
    check.compare("GD minimisers against the grid argmins", x, grid[values.argmin(1)],
                  tolerance=1e-3)
    check.compare("GD minimum values against the grid minima", f(x[:, None])[:, 0], values.min(1),
                  tolerance=1e-6)
    x = 2.0
    for _ in range(2000):
        x -= 0.01 * (4 * x**3 - 6 * x + 1)
    gap = float(x**4 - 3 * x**2 + x) - float((grid**4 - 3 * grid**2 + grid).min())
    check.require("contrast: on the non-convex x^4 - 3x^2 + x GD from 2 stops at a local "
                  "minimum above the global one", gap > 1)
    check.note(f"non-convex contrast: local minimum at x = {x:.4f}, {gap:.3f} above the global")
    return check.report()


@register(
    "mse-convex",
    title="The squared error is convex in the weights",
    sheets=[("exercise-sheet-6", "6.2(b)")],
    parameters=[
        Parameter("m", PositiveInteger(maximum=6), None, "rows of a symbolic X (default 3)"),
        Parameter("n", PositiveInteger(maximum=6), None, "columns of a symbolic X (default 2)"),
        Parameter("X", MatrixKind(allow_vector=True, max_rows=8, max_cols=8), None,
                  "a numeric X (replaces m, n)"),
    ],
)
def mse_convex(m: sp.Integer | None, n: sp.Integer | None, X: sp.Matrix | None) -> Derivation:
    """Hessian :math:`2X^TX` of :math:`\\|Xw - Y\\|^2` and :math:`v^T 2X^TX v = 2\\|Xv\\|^2`."""
    numeric = X is not None
    if numeric:
        for name, given, actual in (("m", m, X.rows), ("n", n, X.cols)):
            if given is not None and given != actual:
                raise ShapeError(f"mse-convex: {name} = {given} but X has shape {X.shape}")
    else:
        rows, cols = int(m or 3), int(n or 2)
        X = sp.Matrix(rows, cols, lambda r, s: sp.Symbol(f"X_{r + 1}{s + 1}", real=True))
    w, Y, v = (sp.Matrix(vector_symbols(s, k)) for s, k in (("w", X.cols), ("y", X.rows),
                                                              ("v", X.cols)))
    residual = X * w - Y
    loss = sum(r**2 for r in residual)
    b = DerivationBuilder("mse-convex", "The squared error is convex in the weights",
                          r"$L(w) = \|Xw - Y\|_2^2$ is a convex function of $w$",
                          {"X": X} if numeric else {"m": X.rows, "n": X.cols})
    b.assume(rf"$X \in \mathbb{{R}}^{{{X.rows} \times {X.cols}}}$"
             + (rf" $= {to_latex(X)}$" if numeric else r" with real entries $X_{ij}$")
             + r", $Y \in \mathbb{R}^" + f"{{{X.rows}}}$")
    b.define("loss", sp.Symbol("L(w)"), loss, reason=r"$\sum_i \big((Xw)_i - Y_i\big)^2$",
             tex=r"L(w) = \sum_{i} \Big(\sum_j X_{ij} w_j - Y_i\Big)^2")
    gradient = b.step("gradient", sp.Matrix([sp.Derivative(loss, wj) for wj in w]),
                      2 * X.T * residual, route=DOIT_EXPAND,
                      reason=r"$\partial_{w_j} \sum_i r_i^2 = 2\sum_i r_i X_{ij}$",
                      tex=r"\nabla_w L = 2 X^T (X w - Y)")
    hessian = b.step("Hessian", sp.Matrix(X.cols, X.cols,
                                          lambda j, k: sp.Derivative(gradient[j], w[k])),
                     2 * X.T * X, route=DOIT_EXPAND, reason="differentiate the gradient again; "
                                                            "it does not depend on $w$ or $Y$",
                     tex=rf"\nabla_w^2 L = 2 X^T X = {to_latex(2 * X.T * X)}")
    Xv = X * v
    form = b.step("quadratic form", (v.T * hessian * v)[0, 0], 2 * sum(e**2 for e in Xv),
                  route="expand", reason=r"$v^T (2X^TX) v = 2 (Xv)^T (Xv) = 2\|Xv\|^2$",
                  tex=r"v^T \nabla^2 L\, v = 2\|Xv\|^2 = 2\sum_i \Big(\sum_j X_{ij} v_j\Big)^2")
    b.claim("positive semidefinite", sp.Ge(sp.Symbol("v^T H v"), 0),
            lambda: as_sympy(bool(form.is_nonnegative)), route="sum of squares of real terms",
            reason="a sum of squares of real numbers, for every $v$: the Hessian is PSD for every "
                   "$w$, and the second-order characterisation gives convexity",
            tex=r"v^T \nabla^2 L\, v \ge 0 \quad \forall v")
    b.cite("convex", sp.true, theorem="second-order characterisation of convexity",
           reason=r"a twice differentiable function on $\mathbb{R}^n$ whose Hessian is positive "
                  r"semidefinite everywhere is convex", tex=r"\nabla^2 L \succeq 0 \implies L \text{ convex}")
    result = {"gradient": gradient, "hessian": hessian, "quadratic_form": form, "psd": sp.true,
              "convex": sp.true}
    if numeric:
        eigenvalues = spectrum(hessian, "X")
        b.claim("eigenvalues", sp.Tuple(*eigenvalues),
                lambda: sp.And(*[e.is_nonnegative for e in eigenvalues]),
                route="real_roots of the characteristic polynomial",
                reason="all eigenvalues of $2X^TX$ are non-negative",
                tex=rf"\lambda(2X^TX) = {roots_latex(eigenvalues)}")
        result["eigenvalues"] = sp.Tuple(*eigenvalues)
    return b.build(result, checker=lambda found: _check_mse(X, w, Y, v, found, numeric))


def _check_mse(X: sp.Matrix, w: sp.Matrix, Y: sp.Matrix, v: sp.Matrix, result: dict,
               numeric: bool) -> CheckReport:
    """Finite-difference Hessian and gradient of the NumPy loss; eigvalsh; 2 ||Xv||^2."""
    check = CrossCheck("central differences of the NumPy loss ||Xw - Y||^2; numpy eigvalsh", 1e-6)
    rng = np.random.default_rng(0)
    entries = sorted(X.free_symbols, key=str)
    arguments = [entries, list(Y), list(w), list(v)]
    hessian, gradient, form = (sp.lambdify(arguments, result[k], NUMPY_NAMESPACE)
                               for k in ("hessian", "gradient", "quadratic_form"))
    for trial in range(1 if numeric else 3):
        values = rng.normal(size=len(entries))
        Xn = np.array(sp.lambdify([entries], X, NUMPY_NAMESPACE)(values), dtype=float)
        Yn, wn, vn = (rng.normal(size=k) for k in (Xn.shape[0], Xn.shape[1], Xn.shape[1]))
        at = (values, Yn, wn, vn)
        H = np.array(hessian(*at), dtype=float)

        def loss(p: np.ndarray, Xn=Xn, Yn=Yn) -> float:
            return float(np.sum((Xn @ p - Yn) ** 2))

        h, k = 1e-3, Xn.shape[1]
        eye = np.eye(k) * h
        fd = np.array([[(loss(wn + eye[i] + eye[j]) - loss(wn + eye[i] - eye[j])
                         - loss(wn - eye[i] + eye[j]) + loss(wn - eye[i] - eye[j])) / (4 * h * h)
                        for j in range(k)] for i in range(k)])
        grad = np.array([(loss(wn + eye[i]) - loss(wn - eye[i])) / (2 * h) for i in range(k)])
        check.compare(f"X sample {trial}: Hessian against finite differences", H, fd)
        check.compare(f"X sample {trial}: gradient against finite differences",
                      np.array(gradient(*at), dtype=float).ravel(), grad)
        check.compare(f"X sample {trial}: v^T H v against 2 ||X v||^2", float(form(*at)),
                      2 * float(np.sum((Xn @ vn) ** 2)), tolerance=1e-10)
        fd_eig, eig = np.linalg.eigvalsh(fd), np.linalg.eigvalsh(H)
        check.require(f"X sample {trial}: PSD as eigvalsh of the difference Hessian shows",
                      bool(result["psd"]) is bool(fd_eig.min() >= -1e-6 * max(1, fd_eig.max())))
        a, c, t = rng.normal(size=(3, 50, k))
        t = np.abs(t[:, :1]) / (1 + np.abs(t[:, :1]))
        jensen = all(loss(s * p + (1 - s) * q) <= s * loss(p) + (1 - s) * loss(q) + 1e-9
                     for p, q, s in zip(a, c, t[:, 0]))
        check.require(f"X sample {trial}: convex, as Jensen on 50 random pairs shows",
                      bool(result["convex"]) is jensen)
        if numeric:
            check.compare("exact eigenvalues against eigvalsh",
                          [float(e) for e in result["eigenvalues"]], eig, tolerance=1e-9)
    return check.report()

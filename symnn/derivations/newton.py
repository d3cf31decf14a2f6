"""Newton's method on a strictly convex quadratic (exercise-sheet-6 6.3(d), (g)).

For :math:`f(x) = \\tfrac12 x^T A x - b^T x` with :math:`A` symmetric positive definite,
one Newton step :math:`x_1 = x_0 - A^{-1}\\nabla f(x_0)` lands on the minimiser
:math:`A^{-1} b` from every start, while gradient descent contracts only by a factor per
step; the price is the :math:`p \\times p` Hessian (:math:`O(p^2)` memory, :math:`O(p^3)`
to solve).

>>> import symnn
>>> symnn.derive("newton-one-step").result["newton_steps"]
1
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.core.notation import vector_symbols
from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.core.params import MatrixKind, Parameter, PositiveInteger, Vector
from symnn.core.polysum import polynomial_sums
from symnn.core.registry import register
from symnn.derivations.gradient_descent import ETA, gradient_and_hessian, roots_latex, spectrum
from symnn.errors import ShapeError


@register(
    "newton-one-step",
    title="Newton's method solves a strictly convex quadratic in one step",
    sheets=[("exercise-sheet-6", "6.3(d)"), ("exercise-sheet-6", "6.3(g)")],
    parameters=[
        Parameter("A", MatrixKind(symmetric=True, max_rows=6, max_cols=6), sp.Matrix([[3, 1], [1, 2]]),
                  "a symmetric positive definite matrix: f = x^T A x / 2 - b^T x"),
        Parameter("b", Vector(max_length=6), [sp.Integer(1), sp.Integer(1)], "the linear term"),
        Parameter("p", PositiveInteger(maximum=10**9, symbolic=True), None,
                  "the number of parameters for the cost statement (absent: symbolic p)"),
    ],
)
def newton_one_step(A: sp.Matrix, b: list | None, p: sp.Expr | None) -> Derivation:
    """One Newton step reaches the minimiser ``A^{-1} b`` from every start; GD does not.

    .. math:: x_1 = x_0 - (\\nabla^2 f)^{-1} \\nabla f(x_0) = x_0 - A^{-1}(A x_0 - b) = A^{-1} b
    """
    roots = spectrum(A, strict=True)
    size = A.rows
    bvec = sp.zeros(size, 1) if b is None else sp.Matrix(b)
    if bvec.rows != size:
        raise ShapeError(f"newton-one-step: b has length {bvec.rows}, A has shape {A.shape}")
    p = sp.Symbol("p", integer=True, positive=True) if p is None else p
    x, x0 = sp.Matrix(vector_symbols("x", size)), sp.Matrix(vector_symbols("x0_", size))
    f = sp.expand((x.T * A * x)[0, 0] / 2 - (bvec.T * x)[0, 0])
    d = DerivationBuilder("newton-one-step", "Newton's method solves a strictly convex quadratic "
                          "in one step", rf"Newton's method on $f(x) = {sp.latex(f)}$ reaches "
                          r"$\arg\min f$ in one step from every $x_0$; gradient descent does not",
                          {"A": A, "b": bvec, "p": p})
    d.convention(r"$f = \frac12 x^T A x - b^T x$, so $\nabla f = Ax - b$ and $\nabla^2 f = A$")
    grad, hessian = gradient_and_hessian(d, f, x, A * x - bvec, A)
    d.claim("strict convexity", sp.Tuple(*roots), lambda: sp.And(*[r.is_positive for r in roots]),
            route="real_roots of the characteristic polynomial",
            reason=r"every eigenvalue of $\nabla^2 f = A$ is positive: a unique minimiser",
            tex=rf"\lambda(A) = {roots_latex(roots)} > 0")
    minimizer = A.LUsolve(bvec)
    step = sp.MatAdd(x0, sp.MatMul(-1, hessian.inv(), grad.subs(dict(zip(x, x0))),
                                   evaluate=False), evaluate=False)
    newton = d.step("Newton step", step, minimizer, route="expand",
                    reason=r"$x_1 = x_0 - (\nabla^2 f)^{-1} \nabla f(x_0) = "
                           r"x_0 - A^{-1}(A x_0 - b)$: every $x_0$ cancels",
                    tex=rf"x_1 = {to_latex(x0)} - {to_latex(hessian.inv())}"
                        rf"{to_latex(grad.subs(dict(zip(x, x0))))} = {to_latex(minimizer)}")
    d.step("stationary", grad.subs(dict(zip(x, newton))), sp.zeros(size, 1), route="exact",
           reason=r"$\nabla f(x_1) = 0$ and $f$ is strictly convex: $x_1 = x^*$",
           tex=rf"\nabla f(x_1) = A x_1 - b = {to_latex(A)}{to_latex(newton)} - "
               rf"{to_latex(bvec)} = 0")
    e = sp.Matrix(vector_symbols("e", size))
    d.step("GD error recursion", e - ETA * (A * (minimizer + e) - bvec),
           (sp.eye(size) - ETA * A) * e, route="expand",
           reason=r"$e_{k+1} = x_{k+1} - x^* = (I - \eta A) e_k$")
    one_step = sp.solve(list(sp.eye(size) - ETA * A), ETA, dict=True)
    d.claim("GD in one step", sp.Tuple(*[s[ETA] for s in one_step]),
            lambda: as_sympy(bool(one_step) == (len(set(roots)) == 1)),
            route="solve I - eta A = 0",
            reason="one GD step reaches $x^*$ from every start only if $I = \\eta A$, i.e. only "
                   "when all eigenvalues are equal",
            tex=r"\{\eta : I - \eta A = 0\} = "
                + sp.latex(sp.FiniteSet(*[s[ETA] for s in one_step])))
    low, high = roots[0], roots[-1]
    best = 2 / (low + high)
    # Radical eigenvalues are rationalised; roots of irreducible cubics and beyond (CRootOf)
    # stay generators, for which (high - low)/(high + low) is what cancel can prove.
    exact_roots = not any(r.has(sp.CRootOf) for r in (low, high))
    kappa = sp.radsimp(sp.simplify(1 - best * low)) if exact_roots else (high - low) / (high + low)
    d.step("best fixed GD step", 1 - ETA * low, kappa, given={ETA: best}, route="cancel",
           reason=r"$\eta = 2/(\lambda_{\min} + \lambda_{\max})$ balances $|1 - \eta\lambda|$ at "
                  r"both ends: $\|e_k\| \le \kappa^k \|e_0\|$ with $\kappa = "
                  r"\frac{\lambda_{\max} - \lambda_{\min}}{\lambda_{\max} + \lambda_{\min}}$")
    cost = _newton_cost(d, p)
    result = {"newton_iterate": newton, "minimizer": minimizer, "newton_steps": sp.Integer(1),
              "gd_one_step_possible": as_sympy(bool(one_step)), "gd_contraction": kappa, **cost}
    return d.build(result, checker=lambda found: _check_newton(A, bvec, p, x0, found))


def _newton_cost(d: DerivationBuilder, p: sp.Expr) -> dict[str, sp.Expr]:
    """Hessian memory and the flop count of Gaussian elimination, for general and given p."""
    n, k = sp.Symbol("p", integer=True, positive=True), sp.Symbol("k", integer=True, positive=True)
    d.step("Hessian memory", sp.Sum(sp.Sum(1, (k, 1, n)), (sp.Symbol("j"), 1, n)), n**2,
           route="doit-cancel", reason="$p \\times p$ entries ($p(p+1)/2$ distinct by symmetry), "
                                       "against $p$ for the gradient")
    elimination = sp.Sum((n - k) * (2 * (n - k) + 3), (k, 1, n - 1))
    back = sp.Sum(2 * (n - k) + 1, (k, 1, n))
    general = d.step("flops to solve H d = g", elimination + back,
                     polynomial_sums(elimination + back), route="doit-cancel",
                     reason="Gaussian elimination: pivot $k$ updates $p - k$ rows of $p - k + 1$ "
                            "entries (a multiply and a subtract each) after one division; back "
                            "substitution costs $2(p - k) + 1$ per unknown")
    order = sp.O(general, (n, sp.oo))
    d.claim("order", order, lambda: sp.Eq(sp.limit(general / n**3, n, sp.oo), sp.Rational(2, 3)),
            route="limit of flops / p^3", reason="leading term $\\frac23 p^3$: cubic per step, "
                                                 "for a network with millions of parameters "
                                                 "out of reach")
    flops = general.subs(n, p)
    if not isinstance(p, sp.Symbol):
        d.step(f"at p = {p}", sp.Subs(general, n, p), flops, route="doit-cancel",
               reason="the count for the given number of parameters")
    return {"hessian_memory": p**2, "hessian_distinct_entries": p * (p + 1) / 2,
            "solve_flops": flops, "solve_flops_general": general, "solve_order": order}


def _count_elimination(M: list[list[float]], rhs: list[float]) -> tuple[list[float], int]:
    """Gaussian elimination without pivoting, counting every +, -, *, /."""
    n, flops = len(M), 0
    M, rhs = [row[:] for row in M], rhs[:]
    for k in range(n - 1):
        for i in range(k + 1, n):
            factor = M[i][k] / M[k][k]
            flops += 1
            for j in range(k + 1, n):
                M[i][j] -= factor * M[k][j]
                flops += 2
            rhs[i] -= factor * rhs[k]
            flops += 2
    solution = [0.0] * n
    for i in reversed(range(n)):
        total = rhs[i]
        for j in range(i + 1, n):
            total -= M[i][j] * solution[j]
            flops += 2
        solution[i] = total / M[i][i]
        flops += 1
    return solution, flops


def _check_newton(A: sp.Matrix, b: sp.Matrix, p: sp.Expr, x0: sp.Matrix, result: dict) -> CheckReport:
    """Newton and GD in NumPy (iteration counts); flops counted by running elimination."""
    check = CrossCheck("Newton and gradient descent in NumPy; flops counted by running "
                       "Gaussian elimination; Hessian entries counted", 1e-9)
    M, v = np.array(A.tolist(), dtype=float), np.array(b, dtype=float).ravel()
    solution = np.linalg.solve(M, v)
    star = np.array(result["minimizer"], dtype=float).ravel()
    check.compare("minimiser against numpy.linalg.solve", star, solution)
    iterate = sp.lambdify([list(x0)], result["newton_iterate"], NUMPY_NAMESPACE)
    eig = np.linalg.eigvalsh(M)
    eta = 2 / (eig[0] + eig[-1])
    check.compare("gd_contraction against eigvalsh", float(result["gd_contraction"]),
                  (eig[-1] - eig[0]) / (eig[-1] + eig[0]))
    check.require("GD reaches x* in one step only for equal eigenvalues",
                  bool(result["gd_one_step_possible"]) is bool(eig[-1] - eig[0] <= 1e-12 * eig[-1]))
    for seed in range(3):
        start = np.random.default_rng(seed).normal(size=v.size) * 5
        x1 = start - np.linalg.solve(M, M @ start - v)
        check.compare(f"start {seed}: one Newton step lands on the minimiser", x1, solution)
        check.compare(f"start {seed}: the derived Newton iterate", np.ravel(iterate(start)), x1)
        x, newton_steps = start, 0
        while np.linalg.norm(x - solution) > 1e-10 * max(1.0, np.linalg.norm(start)) and newton_steps < 50:
            x, newton_steps = x - np.linalg.solve(M, M @ x - v), newton_steps + 1
        check.compare(f"start {seed}: Newton steps needed", float(result["newton_steps"]), newton_steps, 0.0)
        x, steps = start, 0
        while np.linalg.norm(x - solution) > 1e-10 * np.linalg.norm(start - solution) and steps < 100_000:
            x, steps = x - eta * (M @ x - v), steps + 1
        check.note(f"start {seed}: gradient descent needed {steps} steps, Newton {newton_steps}")
        kappa = float(result["gd_contraction"])
        if kappa == 0:
            check.require(f"start {seed}: A = lambda I, GD also needs one step", steps <= 1)
        else:
            check.require(f"start {seed}: GD needs more than one step", steps > 1)
            check.require(f"start {seed}: GD steps within the kappa^k bound",
                          0 < kappa < 1 and steps <= math.ceil(math.log(1e-10) / math.log(kappa)) + 1)
    _check_cost(check, p, result)
    return check.report()


def _check_cost(check: CrossCheck, p: sp.Expr, result: dict) -> None:
    """Hessian entries and elimination flops counted for p = 1..8 (and the given p)."""
    general = result["solve_flops_general"]
    (n,) = general.free_symbols
    symbolic = isinstance(p, sp.Symbol)
    sizes = sorted({*range(1, 9), *([] if symbolic or p > 40 else [int(p)])})
    rng = np.random.default_rng(1)
    counted = {}
    for size in [*sizes, 20, 40]:
        Q = rng.normal(size=(size, size))
        H = Q @ Q.T + size * np.eye(size)
        rhs = rng.normal(size=size)
        solution, counted[size] = _count_elimination(H.tolist(), rhs.tolist())
        if size in sizes:
            check.compare(f"p = {size}: elimination solves H d = g", solution, np.linalg.solve(H, rhs))
            check.compare(f"p = {size}: counted flops against the formula", counted[size],
                          float(general.subs(n, size)), tolerance=0.0)
    at = [(size, {p: size}) for size in sizes] if symbolic else [(int(p), {})] if p <= 40 else []
    for size, values in at:
        entries = [(i, j) for i in range(size) for j in range(size)]
        check.compare(f"p = {size}: Hessian memory against the entries of a p x p array",
                      float(result["hessian_memory"].subs(values)), np.zeros((size, size)).size, 0.0)
        check.compare(f"p = {size}: distinct Hessian entries against the pairs i <= j",
                      float(result["hessian_distinct_entries"].subs(values)),
                      len({(min(e), max(e)) for e in entries}), 0.0)
        check.compare(f"p = {size}: solve_flops against the count", float(result["solve_flops"]
                      .subs(values)), counted.get(size, _count_elimination(
                          (np.eye(size) * 2).tolist(), [1.0] * size)[1]), 0.0)
    growth = math.log(counted[40] / counted[20]) / math.log(2)
    order = result["solve_order"].expr
    check.require(f"the order's degree {sp.degree(order, n)} is the counted growth exponent "
                  f"{growth:.2f} rounded", sp.degree(order, n) == round(growth))

"""Gradient descent on quadratics (ml-assignment-2 Q3; exercise-sheet-6 6.3(e)).

On a quadratic the gradient-descent error obeys :math:`e_{n+1} = (1 - \\eta\\lambda) e_n`
along every eigen-direction of the Hessian, so GD converges from every start iff
:math:`|1 - \\eta\\lambda| < 1` for every positive curvature :math:`\\lambda`:

.. math:: 0 < \\eta < \\frac{2}{L},\\qquad L = \\lambda_{\\max}(\\nabla^2 f).

For :math:`f = 5x^2 + 2`, :math:`L = 10` and :math:`0 < \\eta < 1/5`.  Newton's method is in
:mod:`symnn.derivations.newton`.

>>> import symnn
>>> symnn.derive("gd-convergence-quadratic").result["interval"]
Interval.open(0, 1/5)
>>> symnn.derive("gd-convergence-quadratic", A=[[2, 0], [0, 4]]).result["eta_max"]
1/2
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.notation import vector_symbols
from symnn.core.params import MatrixKind, Number, Parameter
from symnn.core.registry import register
from symnn.errors import ParameterError

ETA = sp.Symbol("eta", real=True)
CURVATURE = sp.Symbol("L", positive=True)
SHEET = (sp.Integer(5), sp.Integer(0), sp.Integer(2))


def spectrum(A: sp.Matrix, name: str = "A", strict: bool = False) -> list[sp.Expr]:
    """Exact real eigenvalues of a symmetric matrix, ascending (radicals or ``CRootOf``).

    Refuses a matrix with a negative eigenvalue (or a zero one when ``strict``).

    >>> spectrum(sp.Matrix([[2, 1], [1, 2]]))
    [1, 3]
    """
    lam = sp.Symbol("lambda")
    roots = sp.real_roots(A.charpoly(lam).as_expr(), lam) if A.rows else []
    lowest = roots[0] if roots else sp.Integer(0)
    if lowest.is_negative or (strict and lowest.is_zero):
        kind = "positive definite" if strict else "positive semidefinite"
        raise ParameterError(name, A.tolist(), f"a symmetric {kind} matrix (it has the "
                             f"eigenvalue {sp.sstr(lowest)})")
    return roots


def roots_latex(roots: list[sp.Expr]) -> str:
    r"""Exact roots in LaTeX; ``CRootOf`` roots are shown with their decimal values.

    >>> print(roots_latex(sp.real_roots(sp.Symbol("x") ** 2 - 2)))
    \left( - \sqrt{2}, \  \sqrt{2}\right)
    """
    if not any(isinstance(r, sp.CRootOf) for r in roots):
        return sp.latex(sp.Tuple(*roots))
    polys = sorted({r.poly.as_expr() for r in roots if isinstance(r, sp.CRootOf)}, key=str)
    equations = r",\ ".join(f"{sp.latex(poly)} = 0" for poly in polys)
    decimals = sp.latex(sp.Tuple(*[r.evalf(8) for r in roots]))
    return rf"\text{{roots of }} {equations} \approx {decimals}"


def _contraction_interval(b: DerivationBuilder) -> sp.Interval:
    """Solve |1 - eta L| < 1 as two linear inequalities, for a curvature L > 0."""
    r = 1 - ETA * CURVATURE
    upper = sp.solve_univariate_inequality(r < 1, ETA, relational=False)
    lower = sp.solve_univariate_inequality(r > -1, ETA, relational=False)
    # (a, oo) and (-oo, b) intersect in (a, b); SymPy leaves it unevaluated for a symbolic L
    interval = sp.Interval(upper.inf, lower.sup, upper.left_open, lower.right_open)
    b.claim("contraction iff |1 - eta L| < 1", interval,
            lambda: sp.And(upper.sup == sp.oo, lower.inf == -sp.oo, interval.measure.is_positive),
            route="solve_univariate_inequality on -1 < 1 - eta L and 1 - eta L < 1",
            reason=r"$e_n = r^n e_0 \to 0$ for every $e_0$ iff $|r| < 1$",
            tex=rf"|1 - \eta L| < 1 \iff \eta \in {sp.latex(interval)}")
    return interval


@register(
    "gd-convergence-quadratic",
    title="Step sizes for which gradient descent converges on a quadratic",
    sheets=[("ml-assignment-2", "Q3"), ("exercise-sheet-6", "6.3(e)")],
    parameters=[
        Parameter("a", Number(symbolic=True), SHEET[0], "coefficient of x^2 (> 0)"),
        Parameter("b", Number(symbolic=True), SHEET[1], "coefficient of x"),
        Parameter("c", Number(symbolic=True), SHEET[2], "constant term"),
        Parameter("A", MatrixKind(symmetric=True, max_rows=6, max_cols=6), None,
                  "a symmetric PSD matrix for f = x^T A x / 2 (replaces a, b, c)"),
    ],
)
def gd_convergence_quadratic(a: sp.Expr, b: sp.Expr, c: sp.Expr, A: sp.Matrix | None) -> Derivation:
    """The supremum ``eta_max`` of step sizes that converge from every start, and ``interval``."""
    if A is not None:
        if (a, b, c) != SHEET:
            raise ParameterError("A", A.tolist(), "either a matrix A or the coefficients a, b, c, "
                                 "not both")
        return _gd_matrix(A)
    if isinstance(a, sp.Symbol):
        a = sp.Symbol(a.name, positive=True)
    elif not a.is_positive:
        raise ParameterError("a", a, "a number > 0: f = a x^2 + b x + c must be strictly convex "
                             "(for a <= 0 it has no minimum and gradient descent cannot converge)")
    x, n = sp.Symbol("x", real=True), sp.Symbol("x_n", real=True)
    f = a * x**2 + b * x + c
    d = DerivationBuilder("gd-convergence-quadratic", "Step sizes for which gradient descent "
                          "converges on a quadratic", rf"For which $\eta$ does $x_{{n+1}} = x_n - "
                          rf"\eta f'(x_n)$ converge to $\arg\min f$ from every $x_0$, where "
                          rf"$f(x) = {sp.latex(f)}$?", {"a": a, "b": b, "c": c})
    d.assume(r"$a > 0$ (strictly convex), $\eta$ a fixed real step size")
    slope = d.step("derivative", sp.Derivative(f, x), 2 * a * x + b, reason="differentiate",
                   route="doit-cancel")
    L = d.step("curvature L = f''", sp.Derivative(f, x, 2), 2 * a, reason="differentiate twice",
               route="doit-cancel")
    (minimizer,) = sp.solve(slope, x)
    d.step("minimiser x*", sp.Subs(slope, x, minimizer), sp.Integer(0),
           reason=rf"$f'(x^*) = 0$ at $x^* = {sp.latex(minimizer)}$", route="doit-cancel")
    r = 1 - ETA * L
    d.step("error recursion", n - ETA * slope.subs(x, n) - minimizer, r * (n - minimizer),
           reason=r"$e_{n+1} = x_{n+1} - x^* = (1 - \eta L)\, e_n$", route="cancel")
    interval = _contraction_interval(d).subs(CURVATURE, L)
    eta_max = sp.radsimp(interval.sup)
    _at_the_bound(d, r, eta_max)
    result = {"eta_max": eta_max, "interval": sp.Interval.open(0, eta_max), "L": L,
              "contraction_factor": r, "minimizer": minimizer}
    return d.build(result, checker=lambda found: _check_scalar(a, b, c, found))


def _at_the_bound(d: DerivationBuilder, r: sp.Expr, eta_max: sp.Expr) -> None:
    d.step(r"at $\eta = \eta_{\max}$", r.subs(ETA, sp.Symbol(r"\eta_{\max}")), sp.Integer(-1),
           given={sp.Symbol(r"\eta_{\max}"): eta_max}, route="cancel",
           reason=r"$r = -1$: $e_n = (-1)^n e_0$ oscillates with constant amplitude and does "
                  r"not converge; for $\eta > \eta_{\max}$, $|r| > 1$ and it diverges")


def _gd_matrix(A: sp.Matrix) -> Derivation:
    roots = spectrum(A)
    size = A.rows
    x = sp.Matrix(vector_symbols("x", size))
    f = sp.expand((x.T * A * x)[0, 0] / 2)
    d = DerivationBuilder("gd-convergence-quadratic", "Step sizes for which gradient descent "
                          "converges on a quadratic", r"For which $\eta$ does $x_{n+1} = x_n - "
                          r"\eta \nabla f(x_n)$ converge from every $x_0$, where "
                          rf"$f(x) = \frac12 x^T A x$, $A = {sp.latex(A)}$?", {"A": A})
    d.convention(r"$f = \frac12 x^T A x$, so $\nabla f = A x$ and $\nabla^2 f = A$ "
                 r"(for $x^T A x$ they would be $2Ax$ and $2A$)")
    grad, _ = gradient_and_hessian(d, f, x, A * x, A)
    d.step("GD update", x - ETA * grad, (sp.eye(size) - ETA * A) * x,
           reason=r"$x_{n+1} = (I - \eta A) x_n$", route="expand")
    d.claim("eigenvalues of A", sp.Tuple(*roots),
            lambda: sp.And(len(roots) == size, *[r.is_nonnegative for r in roots]),
            route="real_roots of the characteristic polynomial",
            reason=r"$A$ is symmetric, so $A = Q \Lambda Q^T$ with real $\lambda_i \ge 0$ (PSD)",
            tex=rf"\lambda(A) = {roots_latex(roots)}")
    d.cite("diagonalise A", sp.Symbol("A"), theorem="spectral theorem for symmetric matrices",
           reason=r"an orthogonal $Q$ with $A = Q \Lambda Q^T$, $\Lambda$ the eigenvalues",
           tex=r"A = Q \Lambda Q^T,\quad Q^T Q = I")
    y, lam = sp.Symbol("y_i", real=True), sp.Symbol("lambda_i", real=True)
    d.step("eigen-coordinates", y - ETA * lam * y, (1 - ETA * lam) * y, route="expand",
           reason=r"in $y = Q^T x$ each coordinate evolves alone: $y_{i, n+1} = "
                  r"(1 - \eta\lambda_i) y_{i, n}$")
    generic = _contraction_interval(d)
    positive = sorted({r for r in roots if r.is_positive}, key=lambda r: r.evalf(30))
    if len(positive) < len(set(roots)):
        d.step("null space", 1 - ETA * lam, sp.Integer(1), given={lam: 0}, route="exact",
               reason=r"for $\lambda_i = 0$ the coordinate never moves; $f$ does not depend on "
                      r"it, so the iterates still converge to a minimiser (converges trivially)")
    if positive:
        interval = sp.Intersection(*[generic.subs(CURVATURE, r) for r in positive])
        eta_max = sp.radsimp(interval.sup)
        d.claim("intersection over the eigenvalues", sp.Interval.open(0, eta_max),
                lambda: sp.Eq(interval.sup, 2 / positive[-1]),
                route="Intersection of the intervals (0, 2/lambda_i)",
                reason=r"every positive $\lambda_i$ must contract; the largest is the binding one",
                tex=rf"\eta \in {sp.latex(sp.Interval.open(0, eta_max))} = "
                    r"\left(0, \frac{2}{\lambda_{\max}}\right)")
        _at_the_bound(d, 1 - ETA * positive[-1], eta_max)
    else:
        eta_max = sp.oo
        d.note(r"$A = 0$: $f$ is constant and every $\eta > 0$ leaves a minimiser in place.")
    result = {"eta_max": eta_max, "interval": sp.Interval.open(0, eta_max),
              "L": positive[-1] if positive else sp.Integer(0), "eigenvalues": sp.Tuple(*roots)}
    display = {}
    if any(isinstance(r, sp.CRootOf) for r in roots):
        top = sp.latex(positive[-1].evalf(8))
        display = {"eigenvalues": roots_latex(roots), "L": rf"\lambda_{{\max}} \approx {top}",
                   "eta_max": rf"\frac{{2}}{{\lambda_{{\max}}}} \approx "
                              rf"{sp.latex(eta_max.evalf(8))}",
                   "interval": r"\left(0, \frac{2}{\lambda_{\max}}\right)"}
    return d.build(result, checker=lambda found: _check_matrix(A, found), display=display)


def gradient_and_hessian(d: DerivationBuilder, f: sp.Expr, x: sp.Matrix, grad: sp.Matrix,
                          hessian: sp.Matrix) -> tuple[sp.Matrix, sp.Matrix]:
    """Certify the gradient and Hessian of the quadratic ``f`` (shown compactly)."""
    size = x.rows
    d.step("gradient", sp.Matrix([sp.Derivative(f, xi) for xi in x]), grad,
           reason="differentiate", route="doit-cancel",
           tex=rf"\nabla f(x) = {to_latex(grad)}")
    d.step("Hessian", sp.Matrix(size, size, lambda i, j: sp.Derivative(f, x[i], x[j])), hessian,
           reason="differentiate twice", route="doit-cancel",
           tex=rf"\nabla^2 f(x) = {to_latex(hessian)}")
    return grad, hessian


def _run(step: float, grad, x0: np.ndarray, steps: int) -> np.ndarray:
    path = [x0]
    x = x0
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run may overflow
        for _ in range(steps):
            x = x - step * grad(x)
            path.append(x)
    return np.array(path)


def stability_threshold(step: Callable[[float, Any], Any], x0: Any, star: Any,
                        iterations: int = 400) -> float:
    """The largest step size for which ``iterations`` GD steps shrink the error, by bisection.

    Only runs of gradient descent are used (no formula for the bound): ``step(eta, x)``
    is one update.

    >>> round(stability_threshold(lambda eta, x: x - eta * 10 * x, 1.0, 0.0), 9)
    0.2
    """

    def shrinks(eta: float) -> bool:
        x = x0
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run may overflow
            for _ in range(iterations):
                x = step(eta, x)
            return bool(np.linalg.norm(np.asarray(x - star)) < np.linalg.norm(np.asarray(x0 - star)))

    low, high = 0.0, 1.0
    while shrinks(high):
        low, high = high, 2 * high
    for _ in range(80):
        middle = (low + high) / 2
        low, high = (middle, high) if shrinks(middle) else (low, middle)
    return low


def _check_scalar(a: sp.Expr, b: sp.Expr, c: sp.Expr, result: dict) -> CheckReport:
    """GD in NumPy at 0.99, 1.01 and exactly 1 times eta_max; the threshold found by bisection."""
    check = CrossCheck("gradient descent in NumPy just below, just above and at eta_max; the "
                       "stability threshold found by bisection on GD runs alone", 1e-9)
    a_values = [sp.Rational(1, 2), sp.Integer(5), sp.Integer(40)] if a.free_symbols else [a]
    b_values = [sp.Integer(0), sp.Integer(3)] if b.free_symbols else [b]
    c_value = sp.Integer(2) if c.free_symbols else c
    for av in a_values:
        for bv in b_values:
            values = {a: av, b: bv, c: c_value}
            af, bf, cf = float(av), float(bv), float(c_value)
            eta_max = float(result["eta_max"].subs(values))
            star = float(result["minimizer"].subs(values))
            grad = lambda x, af=af, bf=bf: 2 * af * x + bf  # noqa: E731
            f = lambda x, af=af, bf=bf, cf=cf: af * x * x + bf * x + cf  # noqa: E731
            label = f"a={av}, b={bv}"
            check.compare(f"{label}: minimiser against a zero of the gradient", grad(star), 0.0)
            check.compare(f"{label}: L against the second difference of f", float(result["L"].subs(values)),
                          f(1.0) - 2 * f(0.0) + f(-1.0))
            threshold = stability_threshold(lambda eta, x, grad=grad: x - eta * grad(x), star + 1.0, star)
            check.compare(f"{label}: eta_max against the GD stability threshold", eta_max, threshold)
            interval = result["interval"].subs(values)
            check.compare(f"{label}: interval ends against 0 and the threshold",
                          [float(interval.inf), float(interval.sup)], [0.0, threshold])
            check.require(f"{label}: the interval is open", bool(interval.left_open and interval.right_open))
            for eta in (0.3 * threshold, 1.5 * threshold):
                factor = float(result["contraction_factor"].subs({**values, ETA: eta}))
                x0 = star + 2.0
                check.compare(f"{label}: contraction factor at eta = {eta:.3g} against one GD step",
                              factor, (x0 - eta * grad(x0) - star) / (x0 - star))
            for x0 in (star + 1.0, star - 7.5, star + 100.0):
                below = _run(0.99 * eta_max, grad, np.array(x0), 3000) - star
                above = _run(1.01 * eta_max, grad, np.array(x0), 3000) - star
                at = _run(eta_max, grad, np.array(x0), 1000) - star
                label = f"a={av}, b={bv}, x0={x0:g}"
                check.require(f"{label}: converges at 0.99 eta_max",
                              abs(below[-1]) < 1e-9 * abs(below[0]))
                check.require(f"{label}: diverges at 1.01 eta_max",
                              abs(above[-1]) > 1e6 * abs(above[0]))
                check.compare(f"{label}: constant amplitude at eta_max", np.abs(at) / abs(at[0]),
                              np.ones(at.size), tolerance=1e-9)
                check.require(f"{label}: sign alternates at eta_max",
                              bool(np.all(np.sign(at[1:]) == -np.sign(at[:-1]))))
    return check.report()


def _check_matrix(A: sp.Matrix, result: dict) -> CheckReport:
    """NumPy eigvalsh for 2/lambda_max; GD below, above and at the bound; null space fixed."""
    check = CrossCheck("numpy.linalg.eigvalsh; gradient descent in NumPy just below, just above "
                       "and at eta_max", 1e-7)
    M = np.array(A.tolist(), dtype=float)
    eig, vectors = np.linalg.eigh(M)
    check.compare("eigenvalues (exact against eigvalsh)",
                  [float(r) for r in result["eigenvalues"]], eig)
    if result["eta_max"] == sp.oo:
        check.require("A = 0: GD never moves", bool(np.all(M == 0)))
        return check.report()
    eta_max = float(result["eta_max"])
    check.compare("eta_max against 2 / max eigvalsh", eta_max, 2 / eig[-1])
    check.compare("L against max eigvalsh", float(result["L"]), eig[-1])
    top_start = vectors[:, -1]
    threshold = stability_threshold(lambda eta, x: x - eta * (M @ x), top_start, np.zeros_like(top_start))
    check.compare("eta_max against the GD stability threshold (bisection on GD runs)", eta_max, threshold)
    interval = result["interval"]
    check.compare("interval ends against 0 and eta_max", [float(interval.inf), float(interval.sup)],
                  [0.0, threshold])
    positive = eig[eig > 1e-12 * eig[-1]]
    rate = max(abs(1 - 0.99 * eta_max * positive))
    steps = min(100_000, int(math.log(1e-12) / math.log(rate)) + 10)
    null = vectors[:, eig <= 1e-12 * eig[-1]]
    for seed in range(3):
        x0 = np.random.default_rng(seed).normal(size=M.shape[0]) * 3
        below = _run(0.99 * eta_max, lambda x: M @ x, x0, steps)
        check.require(f"start {seed}: gradient -> 0 at 0.99 eta_max",
                      np.linalg.norm(M @ below[-1]) < 1e-9 * max(1.0, np.linalg.norm(M @ x0)))
        if null.size:
            check.compare(f"start {seed}: null-space component unchanged", null.T @ below[-1],
                          null.T @ x0)
        above = _run(1.01 * eta_max, lambda x: M @ x, x0, 3000)
        check.require(f"start {seed}: diverges at 1.01 eta_max",
                      np.linalg.norm(above[-1]) > 1e6 * np.linalg.norm(x0))
        top = _run(eta_max, lambda x: M @ x, x0, 500) @ vectors[:, -1]
        check.compare(f"start {seed}: top eigen-component keeps its amplitude at eta_max",
                      np.abs(top) / abs(top[0]), np.ones(top.size), tolerance=1e-7)
    return check.report()

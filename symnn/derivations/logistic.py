"""Logistic regression on separable data (seminar-1, Assignment 4).

With :math:`p(y \\mid x; w) = \\sigma(y\\, w^T x)` the log-likelihood is
:math:`\\ell(w) = \\sum_j \\log \\sigma(y_j w^T x_j) < 0`. If a :math:`w` separates the data
(every margin :math:`m_j = y_j w^T x_j > 0`), then along :math:`\\alpha w`

.. math:: \\frac{d}{d\\alpha} \\ell(\\alpha w) = \\sum_j m_j\\, \\sigma(-\\alpha m_j) > 0,
          \\qquad \\lim_{\\alpha \\to \\infty} \\ell(\\alpha w) = 0 = \\sup \\ell,

so no finite :math:`w` maximises :math:`\\ell`. The penalised
:math:`J(w) = \\ell(w) - \\lambda \\|w\\|^2` has the Hessian
:math:`-\\sum_j \\sigma(z_j)\\sigma(-z_j) x_j x_j^T - 2\\lambda I \\prec 0` and
:math:`J(w) \\le -\\lambda\\|w\\|^2`: a unique finite maximiser.

>>> import symnn
>>> d = symnn.derive("logistic-separable")
>>> d.result["finite_maximizer"], d.result["finite_maximizer_regularized"]
(False, True)
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.certify import ROUTES, Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.exact_lp import gordan
from symnn.core.latex import to_latex
from symnn.core.notation import vector_symbols
from symnn.core.params import MatrixKind, Number, Parameter, Vector
from symnn.core.registry import register
from symnn.core.sign import UndecidedError
from symnn.core.zeros import unique_zero
from symnn.derivations.activations import NUMPY_SIGMA, sigma
from symnn.errors import ParameterError, ShapeError
from symnn.sim import activations

DEFAULT_X = sp.Matrix([[2, 1], [1, 3], [-1, -2], [-3, 1]])
DEFAULT_Y = [sp.Integer(1), sp.Integer(1), sp.Integer(-1), sp.Integer(-1)]


def _lemma_reduce(difference: Any) -> Any:
    """Derivatives by the shared ``sigma``'s own rule ``sigma' = sigma (1 - sigma)`` (its ``fdiff``):
    here a lemma, proved in sigmoid-identities (c) from ``1 / (1 + e^{-x})`` without that rule;
    then ``sigma(-u) = 1 - sigma(u)`` (sigmoid-identities (a)), then expand."""
    difference = difference.doit()
    reflected = difference.replace(
        lambda e: isinstance(e, sigma) and e.args[0].could_extract_minus_sign(),
        lambda e: 1 - sigma(-e.args[0]))
    return sp.expand(reflected)


#: derivatives by sigma' = sigma(1 - sigma), then sigma(-u) = 1 - sigma(u), then expand
#: (sigmoid-identities (c) and (a))
SIGMA_LEMMAS = Route("doit with sigma' = sigma(1 - sigma), expand", _lemma_reduce)
LOG_EXPAND = Route("rewrite(exp), log-expand", lambda d: ROUTES["log-expand"](d.rewrite(sp.exp)))


@functools.lru_cache(maxsize=64)
def _log_form(expr: sp.Expr) -> sp.Expr:
    """log sigma(t) as -log(1 + e^{-t}), whose sign SymPy's assumptions decide (built once per
    expression: the claims "never attained" and "coercive" both sign the log-likelihood)."""
    return sp.expand_log(expr.rewrite(sp.exp), force=True)


def separating_direction(X: sp.Matrix, y: list) -> sp.Matrix:
    """An integer ``w`` with every margin ``y_j x_j^T w > 0``, decided by an exact linear program.

    Refuses non-separable data with the Farkas certificate (``c >= 0``, ``sum c = 1``,
    ``sum_j c_j y_j x_j = 0``), which rules out every ``w``: ``sum_j c_j (y_j x_j^T w) = 0``.

    >>> separating_direction(sp.Matrix([[1, 1000], [1, 1001]]), [1, -1]).T
    Matrix([[2001, -2]])
    """
    if not all(entry.is_Rational for entry in X):
        raise ParameterError("X", X.tolist(), "rational entries (separability is decided by an "
                             "exact linear program over the rationals)")
    U = sp.Matrix([[y[j] * X[j, k] for k in range(X.cols)] for j in range(X.rows)])
    alternative = gordan(U.tolist())
    if not alternative.separating:
        c = sp.Tuple(*[sp.Rational(v.numerator, v.denominator) for v in alternative.y])
        raise ParameterError("X", X.tolist(), "data separable by a hyperplane through the origin; "
                             f"not separable: c = {sp.sstr(c)} >= 0 has sum_j c_j y_j x_j = 0 "
                             "(Farkas certificate, checked exactly)")
    return sp.Matrix(alternative.w)


@register(
    "logistic-separable",
    title="Logistic regression on separable data",
    sheets=[("seminar-1", "A4")],
    parameters=[
        Parameter("X", MatrixKind(max_rows=20, max_cols=6), DEFAULT_X, "the feature vectors x_j as rows"),
        Parameter("y", Vector(max_length=20), DEFAULT_Y, "the classes y_j in {-1, 1}"),
        Parameter("lambda", Number(0, lower_open=True, symbolic=True), sp.Rational(1, 10),
                  "the weight of the penalty lambda ||w||^2 (> 0)"),
    ],
)
def logistic_separable(X: sp.Matrix, y: list, **rest: Any) -> Derivation:
    """No finite maximiser on separable data; a unique one with ``lambda ||w||^2``."""
    lam = rest["lambda"]
    if isinstance(lam, sp.Symbol):
        lam = sp.Symbol(lam.name, positive=True)
    if len(y) != X.rows:
        raise ShapeError(f"logistic-separable: y has {len(y)} entries, X has {X.rows} rows")
    if any(v not in (1, -1) for v in y):
        raise ParameterError("y", y, "classes in {-1, 1}")
    U = sp.Matrix([[y[j] * X[j, k] for k in range(X.cols)] for j in range(X.rows)])
    direction = separating_direction(X, y)
    w, alpha = sp.Matrix(vector_symbols("w", X.cols)), sp.Symbol("alpha", positive=True)
    z = [(U[j, :] * w)[0] for j in range(X.rows)]
    loglik = sum(sp.log(sigma(zj)) for zj in z)
    b = DerivationBuilder("logistic-separable", "Logistic regression on separable data",
                          r"On separable data $\ell(w) = \sum_j \log\sigma(y_j w^T x_j)$ has no "
                          r"finite maximiser; $\ell(w) - \lambda\|w\|^2$ has exactly one",
                          {"X": X, "y": sp.Tuple(*y), "lambda": lam})
    b.assume(rf"data $X = {to_latex(X)}$, $y = {sp.latex(sp.Tuple(*y))}$; $\lambda > 0$")
    b.define("log-likelihood", sp.Symbol(r"\ell(w)"), loglik, reason=r"$\log p(y_j \mid x_j; w)$ "
             r"summed over the data", tex=r"\ell(w) = " + to_latex(loglik))
    margins = list(U * direction)
    b.claim("separating direction", sp.Tuple(*margins), lambda: sp.And(*[m > 0 for m in margins]),
            route="exact simplex (phase one) over the rationals; margins checked exactly",
            reason=rf"$w = {sp.latex(direction.T)}^T$ has every margin $m_j = y_j w^T x_j > 0$",
            tex=rf"m = {sp.latex(sp.Tuple(*margins))} > 0")
    along = sum(sp.log(sigma(alpha * m)) for m in margins)
    b.step("along alpha w", along, -sum(sp.log(1 + sp.exp(-alpha * m)) for m in margins),
           route=LOG_EXPAND, reason=r"$\ell(\alpha w) = \sum_j \log\sigma(\alpha m_j) = "
                                    r"-\sum_j \log(1 + e^{-\alpha m_j})$")
    slope = b.step("derivative in alpha", sp.Derivative(along, alpha),
                   sum(m * sigma(-alpha * m) for m in margins), route=SIGMA_LEMMAS,
                   reason=r"$\frac{d}{d\alpha}\log\sigma(\alpha m) = m(1 - \sigma(\alpha m)) = "
                          r"m\,\sigma(-\alpha m)$")
    b.claim("strictly increasing", sp.Gt(slope, 0), lambda: as_sympy(bool(slope.is_positive)),
            route="every term m_j sigma(-alpha m_j) is positive", relation=">",
            reason=r"$m_j > 0$ and $\sigma > 0$: $\alpha \mapsto \ell(\alpha w)$ strictly "
                   "increases",
            tex=rf"\frac{{d}}{{d\alpha}} \ell(\alpha w) = {to_latex(slope)} > 0")
    positive = sp.Symbol("m", positive=True)
    term_limit = sp.limit(sp.log(sigma(alpha * positive)).rewrite(sp.exp), alpha, sp.oo)
    supremum = sp.Add(*[term_limit.xreplace({positive: m}) for m in margins])
    b.claim("limit per term", supremum,
            lambda: sp.And(sp.Eq(term_limit, 0), *[m > 0 for m in margins]),
            route="sympy.limit of log sigma(alpha m) for a symbol m > 0; every m_j > 0",
            reason=r"$\log\sigma(\alpha m_j) \to 0$ for each $j$, so $\ell(\alpha w) \to 0$",
            tex=r"\lim_{\alpha\to\infty} \ell(\alpha w) = \sum_j \lim_{\alpha\to\infty} "
                rf"\log\sigma(\alpha m_j) = {sp.latex(supremum)}")
    b.claim("never attained", sp.Lt(sp.Symbol(r"\ell(w)"), supremum),
            lambda: as_sympy(bool(_log_form(loglik - supremum).is_negative)),
            route="each log sigma(t) = -log(1 + e^{-t}) is negative", relation="<",
            reason=r"$\sigma < 1$, so $\ell(w) < 0 = \sup \ell$ for every finite $w$: no maximiser",
            tex=rf"\ell(w) < {sp.latex(supremum)} \quad \forall w")
    regularized = _regularized(b, X, U, w, z, loglik, lam)
    result = {"margins": sp.Tuple(*margins), "separating_w": direction, "slope_along_w": slope,
              "supremum": supremum, "finite_maximizer": sp.false, **regularized,
              "finite_maximizer_regularized": sp.true}
    display = {"hessian_regularized": rf"-\sum_j \sigma(z_j)\sigma(-z_j)\, x_j x_j^T - "
                                      rf"{sp.latex(2 * lam)} I,\quad z_j = y_j w^T x_j"}
    return b.build(result, checker=lambda found: _check(X, y, w, alpha, lam, found), display=display)


def _regularized(b: DerivationBuilder, X: sp.Matrix, U: sp.Matrix, w: sp.Matrix, z: list,
                 loglik: sp.Expr, lam: sp.Expr) -> dict[str, Any]:
    """Gradient, Hessian and negative definiteness of J = l - lambda ||w||^2; its maximiser."""
    objective = loglik - lam * (w.T * w)[0, 0]
    n, rows = X.cols, X.rows
    gradient = sp.Matrix([sum(U[j, i] * sigma(-z[j]) for j in range(rows)) - 2 * lam * w[i]
                          for i in range(n)])
    b.step("gradient of J", sp.Matrix([sp.Derivative(objective, wi) for wi in w]), gradient,
           route=SIGMA_LEMMAS, reason=r"$\nabla J = \sum_j y_j x_j\,\sigma(-z_j) - 2\lambda w$, "
                                      r"$z_j = y_j w^T x_j$",
           tex=r"\nabla J(w) = " + to_latex(gradient))
    weights = [sigma(zj) * sigma(-zj) for zj in z]
    hessian = sp.Matrix(n, n, lambda i, k: -sum(weights[j] * X[j, i] * X[j, k] for j in range(rows))
                        - (2 * lam if i == k else 0))
    b.step("Hessian of J", sp.Matrix(n, n, lambda i, k: sp.Derivative(gradient[i], w[k])), hessian,
           route=SIGMA_LEMMAS, reason=r"$\nabla^2 J = -\sum_j \sigma(z_j)\sigma(-z_j)\, x_j x_j^T "
                                      r"- 2\lambda I$ (using $y_j^2 = 1$)",
           tex=r"\nabla^2 J = -\sum_j \sigma(z_j)\sigma(-z_j)\, x_j x_j^T - 2\lambda I")
    v = sp.Matrix(vector_symbols("v", n))
    form = (-sum(weights[j] * ((X[j, :] * v)[0]) ** 2 for j in range(rows))
            - 2 * lam * (v.T * v)[0, 0])
    b.step("quadratic form", (v.T * hessian * v)[0, 0], form, route="expand",
           reason=r"$v^T \nabla^2 J\, v = -\sum_j \sigma(z_j)\sigma(-z_j)(x_j^T v)^2 - "
                  r"2\lambda\|v\|^2$",
           tex=r"v^T \nabla^2 J\, v = -\sum_j \sigma(z_j)\sigma(-z_j)(x_j^T v)^2 - 2\lambda\|v\|^2")
    data_part = form + 2 * lam * (v.T * v)[0, 0]
    b.claim("negative definite", sp.Lt(sp.Symbol(r"v^T \nabla^2 J v"), 0),
            lambda: sp.And(bool(data_part.is_nonpositive or sp.expand(data_part).is_nonpositive),
                           bool(lam.is_positive)),
            route="sign of each term (sigma > 0, lambda > 0)", relation="<",
            reason=r"the data part is $\le 0$ and $-2\lambda\|v\|^2 < 0$ for $v \ne 0$: $J$ is "
                   "strictly concave, so it has at most one maximiser",
            tex=r"v^T \nabla^2 J\, v \le -2\lambda\|v\|^2 < 0 \quad (v \ne 0)")
    b.claim("coercive", sp.Le(sp.Symbol("J(w)"), -lam * (w.T * w)[0, 0]),
            lambda: as_sympy(bool(_log_form(loglik).is_nonpositive)),
            route="l(w) <= 0 term by term", relation="<=",
            reason=r"$J(w) \le -\lambda\|w\|^2 \to -\infty$: the superlevel sets are bounded",
            tex=rf"J(w) \le -{sp.latex(lam)}\,\|w\|^2")
    b.cite("exactly one maximiser", sp.Symbol("w^*"), theorem="extreme value theorem; a strictly "
           "concave function has at most one maximiser",
           reason=r"the continuous $J$ attains its maximum on a bounded closed superlevel set, and "
                  r"strict concavity leaves room for one maximiser only",
           tex=r"\exists!\, w^* = \arg\max_w J(w)")
    found = {"gradient_regularized": gradient, "hessian_regularized": hessian}
    if not lam.free_symbols:
        maximizer = _maximizer(gradient, w, U, lam)
        center = [sp.Rational(value) for value in maximizer]
        b.claim("the maximiser", maximizer, lambda: as_sympy(unique_zero(
                    gradient, hessian, list(w), center, RADIUS)),
                route="Krawczyk test in interval arithmetic (mpmath.iv) around the sympy.nsolve "
                      "approximation",
                reason=r"$\nabla J$ has exactly one zero within $10^{-20}$ of the approximation "
                       r"$\tilde w$ (in each coordinate); a zero of $\nabla J$ is the maximiser",
                tex=rf"\|w^* - \tilde w\|_\infty \le 10^{{-20}},\quad "
                    rf"\tilde w \approx {sp.latex(maximizer.evalf(8).T)}^T")
        found["maximizer"] = maximizer
    return found


RADIUS = sp.Rational(1, 10**20)


def _maximizer(gradient: sp.Matrix, w: sp.Matrix, U: sp.Matrix, lam: sp.Expr) -> sp.Matrix:
    """The zero of the gradient of the strictly concave J, to 40 digits: Newton's method with
    step halving in float64 from 0 (it converges for every such J), then SymPy's ``nsolve``
    from there (Newton from 0 itself can stop short of its tolerance when the data are large).
    Only an approximation: the Krawczyk test then proves the zero near it."""
    rows = np.array(U.tolist(), dtype=float)
    start = _newton_ascent(rows, np.ones(rows.shape[0]), float(lam), np.zeros(rows.shape[1]))
    equations = [e.rewrite(sp.exp) for e in gradient]
    try:
        return sp.nsolve(equations, list(w), [sp.Float(v, 40) for v in start], prec=40)
    except ValueError as error:  # nsolve's "could not find root within given tolerance"
        raise UndecidedError(f"no approximation of the maximiser to 40 digits was found to test "
                             f"({error})") from None


def _check(X: sp.Matrix, y: list, w: sp.Matrix, alpha: sp.Symbol, lam: sp.Expr,
           result: dict) -> CheckReport:
    """The log-likelihood along alpha w in NumPy; Newton's method in NumPy for the maximiser."""
    check = CrossCheck("NumPy log-likelihood along alpha w; central differences of J for its "
                       "gradient (tolerance 1e-5) and Hessian (1e-3); Newton's method in NumPy from "
                       "three starts for the penalised maximiser (tolerance 1e-7)", 1e-3)
    Xn, yn = np.array(X.tolist(), dtype=float), np.array([float(v) for v in y])
    direction = np.array(result["separating_w"], dtype=float).ravel()
    margins = np.array([float(m) for m in result["margins"]])
    check.compare("margins against y_j x_j^T w in NumPy", margins, yn * (Xn @ direction), 1e-12)
    check.require("every margin of w is positive", bool(np.all(yn * (Xn @ direction) > 0)))
    alphas = np.linspace(0, 20 / margins.min(), 401)
    ell = -np.logaddexp(0, -np.outer(alphas, margins)).sum(1)
    unbounded = bool(np.all(np.diff(ell) > 0) and np.all(ell < 0))
    check.require("l(alpha w) strictly increases and stays below 0 on the grid", unbounded)
    check.compare("l(alpha w) at the end of the grid against the supremum", ell[-1],
                  float(result["supremum"]), tolerance=1e-6)
    check.require("no finite maximiser, as observed along alpha w",
                  bool(result["finite_maximizer"]) is not unbounded)
    slope = sp.lambdify(alpha, result["slope_along_w"], NUMPY_SIGMA)
    h = 1e-6
    for a in alphas[[40, 100, 200]]:
        numeric = (np.logaddexp(0, -(a - h) * margins).sum()
                   - np.logaddexp(0, -(a + h) * margins).sum()) / (2 * h)
        check.compare(f"d/dalpha at alpha = {a:.3g} against central differences", slope(a), numeric,
                      tolerance=1e-5)
    samples = [lam] if not lam.free_symbols else [sp.Rational(1, 10), sp.Integer(1)]
    for value in samples:
        _check_penalised(check, Xn, yn, w, lam, value, result)
    return check.report()


def _check_penalised(check: CrossCheck, Xn: np.ndarray, yn: np.ndarray, w: sp.Matrix,
                     lam: sp.Expr, value: sp.Expr, result: dict) -> None:
    """Gradient and Hessian of J against differences of J; Newton's method for w*."""
    lf, size = float(value), Xn.shape[1]

    def J(v: np.ndarray) -> float:
        return float(-np.logaddexp(0, -yn * (Xn @ v)).sum() - lf * v @ v)

    at = {lam: value} if lam.free_symbols else {}
    both = sp.lambdify([list(w)], [result["gradient_regularized"].subs(at),
                                   result["hessian_regularized"].subs(at)], NUMPY_SIGMA)
    rng = np.random.default_rng(0)
    scale = 1 / max(1.0, float(np.abs(Xn).max()))
    for k in range(2):
        v, h, eye = rng.normal(size=size) * scale, 1e-5 * scale, np.eye(size)
        numeric = [(J(v + h * e) - J(v - h * e)) / (2 * h) for e in eye]
        check.compare(f"lambda = {value}: grad J at sample {k} against central differences",
                      np.ravel(both(v)[0]), numeric, tolerance=1e-5)
        H = 1e-3 * scale
        second = [[(J(v + H * (e + f)) - J(v + H * (e - f)) - J(v - H * (e - f)) + J(v - H * (e + f)))
                   / (4 * H * H) for f in eye] for e in eye]
        check.compare(f"lambda = {value}: Hessian of J at sample {k} against second differences",
                      np.array(both(v)[1], dtype=float), second, tolerance=1e-3)
    ends = [_newton_ascent(Xn, yn, lf, rng.normal(size=size) * 3 * scale) for _ in range(3)]
    converged = all(np.linalg.norm(end - ends[0]) < 1e-9 * max(1.0, np.linalg.norm(ends[0]))
                    for end in ends)
    check.require(f"lambda = {value}: a unique finite maximiser, as Newton's method finds",
                  bool(result["finite_maximizer_regularized"]) is converged)
    if "maximizer" in result and not lam.free_symbols:
        target = np.array(result["maximizer"], dtype=float).ravel()
        for start, end in enumerate(ends):
            check.compare(f"lambda = {value}: Newton's method from start {start} reaches w*", end,
                          target, tolerance=1e-7)


def _newton_ascent(Xn: np.ndarray, yn: np.ndarray, lf: float, v: np.ndarray) -> np.ndarray:
    """Newton ascent with step halving on J(w) = sum log sigma(y_j w^T x_j) - lambda ||w||^2."""

    def J(u: np.ndarray) -> float:
        return float(-np.logaddexp(0, -yn * (Xn @ u)).sum() - lf * u @ u)

    for _ in range(200):
        z = yn * (Xn @ v)
        g = (activations.sigmoid(-z) * yn) @ Xn - 2 * lf * v
        weights = activations.sigmoid(z) * activations.sigmoid(-z)
        H = -(Xn.T * weights) @ Xn - 2 * lf * np.eye(v.size)
        step = -np.linalg.solve(H, g)
        t = 1.0
        while J(v + t * step) < J(v) and t > 1e-12:
            t /= 2
        v = v + t * step
        if np.linalg.norm(t * step) <= 1e-15 * max(1.0, np.linalg.norm(v)):
            break
    return v

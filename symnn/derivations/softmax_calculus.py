"""Derivatives of softmax: its Jacobian and the softmax-cross-entropy gradient.

.. math::

    J_{ij} = \\frac{\\partial y_i}{\\partial z_j} = y_i(\\delta_{ij} - y_j),
    \\qquad
    \\frac{\\partial E}{\\partial y_i} = p_i \\sum_k t_k - t_i.

Up to ``n = 4`` the matrices are written out and certified as matrices; beyond that the
index argument (general ``n``, ``1 <= i, j <= n``) is certified once and the ``n x n``
matrix is checked to be its instance, so the cost grows with the size of the result.

>>> import symnn
>>> symnn.derive("softmax-jacobian", n=2).check().ok
True
>>> [step.rule for step in symnn.derive("softmax-jacobian", n=6).steps][-1]
'the 6 x 6 instance'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.notation import index_symbols, vector_symbols
from symnn.core.numeric_value import NUMPY_NAMESPACE, value_at
from symnn.core.params import Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.derivations._softmax import resolve_index_range, softmax_entries
from symnn.sim import activations

JACOBIAN_STATEMENT = sp.Eq(
    sp.IndexedBase("J")[sp.Symbol("i"), sp.Symbol("j")],
    sp.IndexedBase("y")[sp.Symbol("i")]
    * (sp.KroneckerDelta(sp.Symbol("i"), sp.Symbol("j")) - sp.IndexedBase("y")[sp.Symbol("j")]),
)


# Up to this n the matrices are written out and certified entry by entry; beyond it the
# index argument is certified once and the n x n matrix is checked to be its instance.
EXPLICIT_UP_TO = 4


def _vector_z(size: int) -> str:
    """``z = (z_1, ..., z_n)`` in LaTeX, written out for one or two entries."""
    if size > 2:
        return rf"z = (z_1, \dots, z_{{{size}}})"
    entries = ", ".join(f"z_{{{k}}}" for k in range(1, size + 1))
    return f"z = ({entries})"


@register(
    "softmax-jacobian",
    title="The Jacobian of softmax",
    sheets=[("homework-1", "Q2")],
    parameters=[
        Parameter("n", PositiveInteger(maximum=40, symbolic=True), 3,
                  "the length of z; a name for general n"),
    ],
)
def softmax_jacobian(n: sp.Integer | sp.Symbol) -> Derivation:
    """Derive ``J_ij = y_i (delta_ij - y_j)`` via the log-derivative, for integer or symbolic n."""
    if isinstance(n, sp.Symbol):
        return _jacobian_general(n)
    if int(n) > EXPLICIT_UP_TO:
        return _jacobian_instance(int(n))
    z = vector_symbols("z", n)
    y = vector_symbols("y", n)
    softmax = softmax_entries(z)
    stands_for = dict(zip(y, softmax))
    total = sp.Add(*[sp.exp(zk) for zk in z])
    size = int(n)
    b = DerivationBuilder("softmax-jacobian", "The Jacobian of softmax", JACOBIAN_STATEMENT,
                          {"n": n})
    b.assume(rf"${_vector_z(size)} \in \mathbb{{R}}^{{{size}}}$, $y = \operatorname{{softmax}}(z)$")
    b.convention(r"$\delta_{ij}$ is the Kronecker delta: 1 if $i = j$, else 0")
    b.define("softmax", sp.Matrix(y), sp.Matrix(softmax), reason=r"$y_i = e^{z_i} / \sum_k e^{z_k}$")
    log_y = sp.Matrix([zi - sp.log(total) for zi in z])
    b.step("take logarithms", sp.Matrix([sp.log(s) for s in softmax]), log_y,
           reason=r"$\log y_i = z_i - \log \sum_k e^{z_k}$ (the hint: differentiate $\log y_i$)",
           route="log-expand")
    derivative = sp.Matrix(size, size, lambda i, j: sp.Derivative(log_y[i], z[j]))
    delta_form = sp.Matrix(size, size, lambda i, j: sp.KroneckerDelta(i, j) - sp.exp(z[j]) / total)
    b.step("log-derivative", derivative, delta_form,
           reason=r"$\partial z_i/\partial z_j = \delta_{ij}$ and "
                  r"$\partial \log S/\partial z_j = e^{z_j}/S$",
           route="doit-cancel")
    in_y = sp.Matrix(size, size, lambda i, j: sp.KroneckerDelta(i, j) - y[j])
    b.step("substitute $e^{z_j}/S = y_j$", delta_form, in_y,
           reason="the softmax definition", route="exp-cancel", given=stands_for)
    jacobian_y = sp.Matrix(size, size, lambda i, j: y[i] * (sp.KroneckerDelta(i, j) - y[j]))
    b.step("chain rule", sp.Matrix(softmax).jacobian(z), jacobian_y,
           reason=r"$\partial y_i/\partial z_j = y_i\, \partial \log y_i / \partial z_j$; the left "
                  "side is SymPy's direct Jacobian of softmax",
           route="exp-cancel", given=stands_for)
    jacobian = jacobian_y.xreplace(stands_for)
    return b.build(
        {"jacobian": jacobian, "jacobian_in_y": jacobian_y},
        checker=lambda found: _check_jacobian(z, found["jacobian"], in_y=found["jacobian_in_y"]),
        display={"jacobian": sp.latex(jacobian_y)},
    )


def _check_jacobian(z: list[sp.Symbol], jacobian: sp.Matrix,
                    evaluate: Callable[[np.ndarray], Any] | None = None,
                    in_y: sp.Matrix | None = None) -> CheckReport:
    """Finite differences of the simulator's softmax (float64) and mpmath at 50 digits.

    ``evaluate`` computes the derived Jacobian at a point (default: ``jacobian`` lambdified);
    ``in_y``, the Jacobian written in ``y``, is evaluated at the simulator's softmax.
    The mpmath derivative is a central difference with step ``1e-20`` at 50 digits, whose
    error ``O(1e-40)`` is far below the tolerance.
    """
    check = CrossCheck("central differences of the simulator's softmax; mpmath at 50 digits", 1e-7)
    evaluate = evaluate or sp.lambdify([z], jacobian, NUMPY_NAMESPACE)
    rng = np.random.default_rng(0)
    size = len(z)
    points = [rng.normal(size=size) * scale for scale in (1.0, 5.0, 30.0)] + [np.zeros(size)]
    h = 1e-6
    for point in points:
        numeric = np.empty((size, size))
        for j in range(size):
            step = np.zeros(size)
            step[j] = h
            numeric[:, j] = (activations.softmax(point + step) - activations.softmax(point - step)) / (2 * h)
        check.compare(f"finite differences at |z| ~ {np.abs(point).max():.1f}",
                      np.asarray(evaluate(point), dtype=float), numeric)
        if in_y is not None:
            check.compare(f"J in y at the simulator's softmax, |z| ~ {np.abs(point).max():.1f}",
                          value_at(in_y, {"y": activations.softmax(point)}), numeric)
    with mpmath.workdps(50):
        point = [mpmath.mpf(v) for v in rng.normal(size=size)]
        step = mpmath.mpf(10) ** -20

        def softmax_at(shift: int, t: mpmath.mpf) -> list[mpmath.mpf]:
            shifted = [p + (t if k == shift else 0) for k, p in enumerate(point)]
            total = mpmath.fsum(mpmath.exp(s) for s in shifted)
            return [mpmath.exp(s) / total for s in shifted]

        exact = np.empty((size, size))
        for j in range(size):
            up, down = softmax_at(j, step), softmax_at(j, -step)
            exact[:, j] = [float((a - b) / (2 * step)) for a, b in zip(up, down)]
        derived = np.asarray(evaluate(np.array([float(p) for p in point])), dtype=float)
        check.compare("mpmath derivative at 50 digits", derived, exact, tolerance=1e-13)
    return check.report()


def _jacobian_instance(size: int) -> Derivation:
    """The index argument of :func:`_jacobian_general` once, then the ``size x size`` instance."""
    b = DerivationBuilder("softmax-jacobian", "The Jacobian of softmax", JACOBIAN_STATEMENT,
                          {"n": sp.Integer(size)})
    b.assume(rf"${_vector_z(size)} \in \mathbb{{R}}^{{{size}}}$, $y = \operatorname{{softmax}}(z)$")
    b.convention(r"$\delta_{ij}$ is the Kronecker delta: 1 if $i = j$, else 0")
    b.assume(r"the steps are proved for a general size $n$ and indices $1 \le i, j \le n$")
    i, j, _, formula, _ = _index_steps(b, sp.Symbol("n", integer=True, positive=True))
    y_indexed = sp.IndexedBase("y", positive=True)
    z, y = vector_symbols("z", size), vector_symbols("y", size)
    jacobian_y = sp.Matrix(size, size, lambda a, c: y[a] * (sp.KroneckerDelta(a, c) - y[c]))

    y_i, y_j = y_indexed[i], y_indexed[j]

    def is_instance() -> sp.Basic:
        entries = jacobian_y.tolist()
        return sp.true if all(
            formula.xreplace({y_i: y[a], y_j: y[c], i: a + 1, j: c + 1}) == entries[a][c]
            for a in range(size) for c in range(size)) else sp.false

    b.claim(f"the {size} x {size} instance", sp.Eq(sp.Symbol("J"), jacobian_y, evaluate=False),
            is_instance, route="instance of the index formula: i, j = 1..n substituted, exact comparison",
            reason=rf"steps 2-5 hold for every $n$ and every $1 \le i, j \le n$; at $n = {size}$ each "
                   r"entry of $J$ is the formula at its $(i, j)$",
            tex=rf"J_{{ij}} = y_i(\delta_{{ij}} - y_j),\quad 1 \le i, j \le {size}")
    softmax = softmax_entries(z)
    stands_for = dict(zip(y, softmax))
    jacobian = jacobian_y.xreplace(stands_for)

    def evaluate(point: np.ndarray) -> np.ndarray:
        """The proved formula at every (i, j) at once, at y = the derived softmax of ``point``."""
        values = np.asarray(y_of_z(point), dtype=float)
        return entry(values[:, None], values[None, :], np.eye(size))

    def check(found: dict[str, sp.Matrix]) -> CheckReport:
        nonlocal y_of_z, entry
        y_of_z = sp.lambdify([z], softmax, NUMPY_NAMESPACE)
        delta = sp.Symbol("delta")
        entry = sp.lambdify([y_i, y_j, delta], formula.xreplace({sp.KroneckerDelta(i, j): delta}),
                            NUMPY_NAMESPACE)
        report = _check_jacobian(z, jacobian, evaluate)
        return _check_entries(report, found, size)

    y_of_z: Callable = print
    entry: Callable = print
    return b.build(
        {"jacobian": jacobian, "jacobian_in_y": jacobian_y},
        checker=check,
        display={"jacobian": rf"\left[y_i(\delta_{{ij}} - y_j)\right]_{{i, j = 1}}^{{{size}}}",
                 "jacobian_in_y": rf"\left[y_i(\delta_{{ij}} - y_j)\right]_{{i, j = 1}}^{{{size}}}"},
    )


def _check_entries(report: CheckReport, found: dict[str, sp.Matrix], size: int) -> CheckReport:
    """``report`` and the corner and middle entries of both derived matrices against central
    differences of the simulator's softmax at one point."""
    check = CrossCheck(report.method + "; entries of the derived matrices", report.tolerance)
    check.extend(report.comparisons)
    point = np.random.default_rng(2).normal(size=size)
    h = 1e-6
    for a, c in {(0, 0), (0, size - 1), (size - 1, 0), (size // 2, size // 2)}:
        step = np.zeros(size)
        step[c] = h
        numeric = (activations.softmax(point + step)[a] - activations.softmax(point - step)[a]) / (2 * h)
        check.compare(f"entry ({a + 1}, {c + 1}) of J", value_at(found["jacobian"][a, c], {"z": point}),
                      numeric)
        check.compare(f"entry ({a + 1}, {c + 1}) of J in y",
                      value_at(found["jacobian_in_y"][a, c], {"y": activations.softmax(point)}), numeric)
    return check.report()


def _jacobian_general(n: sp.Symbol) -> Derivation:
    b = DerivationBuilder("softmax-jacobian", "The Jacobian of softmax", JACOBIAN_STATEMENT, {"n": n})
    b.assume(rf"$z \in \mathbb{{R}}^{{{n}}}$ for a general size ${n}$; indices $1 \le i, j \le {n}$")
    b.convention(r"$\delta_{ij}$ is the Kronecker delta: 1 if $i = j$, else 0")
    i, j, _, result, jacobian = _index_steps(b, n)
    return b.build(
        {"jacobian": jacobian, "jacobian_in_y": result},
        checker=lambda found: _check_general(n, i, j, found),
        display={"jacobian": sp.latex(result)},
    )


def _index_steps(b: DerivationBuilder, n: sp.Symbol) -> tuple:
    """The certified index argument for a general size ``n``: ``(i, j, z, J in y, J in z)``."""
    i, j, k = index_symbols()
    z = sp.IndexedBase("z", real=True)
    y = sp.IndexedBase("y", positive=True)
    total = sp.Sum(sp.exp(z[k]), (k, 1, n))
    softmax_i = sp.exp(z[i]) / total
    b.define("softmax", y[i], softmax_i, reason=r"$y_i = e^{z_i} / \sum_{k=1}^n e^{z_k}$")
    log_y = z[i] - sp.log(total)
    b.step("take logarithms", sp.log(softmax_i), log_y,
           reason=r"$\log y_i = z_i - \log \sum_k e^{z_k}$", route="log-expand")
    delta_form = sp.KroneckerDelta(i, j) - sp.exp(z[j]) / total
    in_range = Route(
        f"doit, Piecewise resolved under 1 <= j <= {n}, cancel",
        lambda d: sp.cancel(resolve_index_range(d.doit().doit(), j, n)),
    )
    b.step("log-derivative", sp.Derivative(log_y, z[j]), delta_form,
           reason=r"$\partial z_k/\partial z_j = \delta_{jk}$, and the sum keeps only $k = j$",
           route=in_range)
    b.step("substitute $e^{z_j}/S = y_j$", delta_form, sp.KroneckerDelta(i, j) - y[j],
           reason="the softmax definition", route="exp-cancel",
           given={y[j]: sp.exp(z[j]) / total})
    result = y[i] * (sp.KroneckerDelta(i, j) - y[j])
    b.step("chain rule", sp.Derivative(softmax_i, z[j]), result,
           reason=r"$\partial y_i/\partial z_j = y_i\, \partial \log y_i / \partial z_j$",
           route=in_range, given={y[i]: softmax_i, y[j]: sp.exp(z[j]) / total})
    return i, j, z, result, result.xreplace({y[i]: softmax_i, y[j]: sp.exp(z[j]) / total})


def _check_general(n: sp.Symbol, i: sp.Symbol, j: sp.Symbol, found: dict[str, sp.Expr]) -> CheckReport:
    """Instantiate both general formulas at n = 2..5 and compare with finite differences."""
    check = CrossCheck("general formulas (in z, and in y at the simulator's softmax) at n = 2..5 "
                       "against finite differences of the simulator", 1e-7)
    rng = np.random.default_rng(1)
    h = 1e-6
    for size in range(2, 6):
        point = rng.normal(size=size) * 3
        vectors = {"z": point, "y": activations.softmax(point)}
        numeric = np.empty((size, size))
        for c in range(size):
            step = np.zeros(size)
            step[c] = h
            numeric[:, c] = (activations.softmax(point + step) - activations.softmax(point - step)) / (2 * h)
        for key in ("jacobian", "jacobian_in_y"):
            formula = np.array([[float(value_at(found[key].subs({n: size, i: a + 1, j: c + 1}), vectors))
                                 for c in range(size)] for a in range(size)])
            check.compare(f"{key}, n = {size}", formula, numeric)
    return check.report()

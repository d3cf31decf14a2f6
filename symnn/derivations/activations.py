"""Sigmoid and tanh: the identities of exercise-sheet-6 6.1, and the sigmoid as SymPy sees it.

Every identity between sigmoid, tanh and their derivatives becomes, after
``rewrite(exp)``, an identity between rational functions of :math:`e^x`, which
``cancel`` decides (the ``exp-cancel`` route). The logistic sigmoid is the SymPy
function :class:`~symnn.activation_analysis.functions.sigma` of the activation table,
which prints as :math:`\\sigma` and rewrites to exponentials; (c) is the table's
``f' = f(1 - f)`` for the sigmoid:

.. math::

    \\sigma(x) = \\frac{1}{1 + e^{-x}}, \\qquad \\sigma'(x) = \\sigma(x)(1 - \\sigma(x)).

The vanishing-gradient bound (``relu-vs-sigmoid``) is in :mod:`vanishing_gradients`.

>>> import symnn
>>> d = symnn.derive("sigmoid-identities")
>>> d.result["sigmoid_derivative"]
(1 - sigma(x))*sigma(x)
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from symnn.activation_analysis.functions import sigma
from symnn.activation_analysis.table import TABLE, F
from symnn.core.activation_definitions import NUMPY_FUNCTIONS
from symnn.core.activation_functions import MPMATH_FUNCTIONS
from symnn.core.certify import ROUTES, Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.core.registry import register
from symnn.sim import activations

#: rewrite(exp), evaluate derivatives, then decide with cancel.
DIFF_EXP_CANCEL = Route("rewrite(exp), doit, exp-cancel",
                        lambda d: ROUTES["exp-cancel"](d.rewrite(sp.exp).doit()))
X = sp.Symbol("x", real=True)
#: ``lambdify`` modules: the registry's simulator functions (``sigma`` is the simulator's sigmoid)
NUMPY_SIGMA = [NUMPY_FUNCTIONS, NUMPY_NAMESPACE]
#: ``lambdify`` modules: the core's mpmath forms (``sigma`` is ``1 / (1 + exp(-t))`` in mpmath)
MPMATH_SIGMA = [MPMATH_FUNCTIONS, "mpmath"]


def _identities(x: sp.Symbol) -> list[sp.Eq]:
    d = sp.Derivative
    return [sp.Eq(sigma(-x), 1 - sigma(x), evaluate=False),
            sp.Eq(sp.tanh(x), 2 * sigma(2 * x) - 1, evaluate=False),
            sp.Eq(d(sigma(x), x), (1 - sigma(x)) * sigma(x), evaluate=False),
            sp.Eq(d(sp.tanh(x), x), sp.Mul(4, 1 - sigma(2 * x), sigma(2 * x), evaluate=False),
                  evaluate=False)]


@register("sigmoid-identities", title="Identities of the sigmoid and tanh",
          sheets=[("exercise-sheet-6", "6.1")])
def sigmoid_identities() -> Derivation:
    """Prove 6.1 (a)-(d) step by step with the ``exp-cancel`` route.

    .. math:: \\sigma(-x) = 1 - \\sigma(x),\\quad \\tanh x = 2\\sigma(2x) - 1,\\quad
              \\sigma' = \\sigma(1-\\sigma) = \\sigma(-x)\\sigma(x),\\quad
              \\tanh' = 4(1 - \\sigma(2x))\\sigma(2x)
    """
    x, e = X, sp.exp
    items = ", ".join(f"({c}) ${to_latex(eq)}$" for c, eq in zip("abcd", _identities(x)))
    b = DerivationBuilder("sigmoid-identities", "Identities of the sigmoid and tanh",
                          rf"For every $x \in \mathbb{{R}}$: {items}.")
    b.assume(r"$x \in \mathbb{R}$")
    b.define("logistic sigmoid", sigma(x), 1 / (1 + e(-x)), reason=r"the definition of $\sigma$")
    # (a)
    b.step("(a) definition at -x", sigma(-x), 1 / (1 + e(x)), reason=r"replace $x$ by $-x$",
           route="exp-cancel")
    expanded = e(-x) / (e(-x) + 1)
    b.step("(a) multiply by $e^{-x}/e^{-x}$", 1 / (1 + e(x)), expanded,
           reason=r"numerator and denominator times $e^{-x}$", route="exp-cancel")
    reflection = b.step("(a) add and subtract 1", expanded, 1 - sigma(x),
                        reason=r"$\frac{e^{-x}}{1 + e^{-x}} = 1 - \frac{1}{1 + e^{-x}}$",
                        route="exp-cancel")
    # (b)
    ratio = (1 - e(-2 * x)) / (1 + e(-2 * x))
    b.step("(b) common denominator", 2 * sigma(2 * x) - 1, ratio,
           reason=r"$\frac{2}{1 + e^{-2x}} - 1 = \frac{1 - e^{-2x}}{1 + e^{-2x}}$",
           route="exp-cancel")
    hyperbolic = (e(x) - e(-x)) / (e(x) + e(-x))
    b.step("(b) multiply by $e^{x}/e^{x}$", ratio, hyperbolic,
           reason=r"numerator and denominator times $e^{x}$", route="exp-cancel")
    tanh_form = b.step("(b) definition of tanh", sp.tanh(x), 2 * sigma(2 * x) - 1,
                       reason=r"$\tanh x = \frac{e^x - e^{-x}}{e^x + e^{-x}}$, the line above",
                       route="exp-cancel")
    # (c)
    quotient = e(-x) / (1 + e(-x)) ** 2
    b.step("(c) quotient rule", sp.Derivative(sigma(x), x), quotient,
           reason=r"$\frac{d}{dx}(1 + e^{-x})^{-1} = e^{-x}(1 + e^{-x})^{-2}$",
           route=DIFF_EXP_CANCEL)
    in_f = TABLE["sigmoid"].in_f(F, 0).subs(F, sigma(x))
    sigma_prime = b.step("(c) factor", quotient, in_f,
                         reason=r"$\frac{1}{1 + e^{-x}} \cdot \frac{e^{-x}}{1 + e^{-x}}$ and (a)",
                         route="exp-cancel")
    b.step("(c) use (a)", sigma_prime, sigma(-x) * sigma(x), reason=r"$1 - \sigma(x) = \sigma(-x)$",
           route="exp-cancel")
    # (d)
    b.step("(d) use (b)", sp.Derivative(sp.tanh(x), x), sp.Derivative(2 * sigma(2 * x) - 1, x),
           reason=r"$\tanh x = 2\sigma(2x) - 1$", route=DIFF_EXP_CANCEL)
    tanh_prime = b.step("(d) chain rule and (c)", sp.Derivative(2 * sigma(2 * x) - 1, x),
                        sp.Mul(4, 1 - sigma(2 * x), sigma(2 * x), evaluate=False),
                        reason=r"$\frac{d}{dx}\sigma(2x) = 2\sigma'(2x) = "
                               r"2(1 - \sigma(2x))\sigma(2x)$",
                        route=DIFF_EXP_CANCEL)
    result = {"reflection": sp.Eq(sigma(-x), reflection, evaluate=False),
              "tanh": sp.Eq(sp.tanh(x), tanh_form, evaluate=False),
              "sigmoid_derivative": sigma_prime,
              "sigmoid_derivative_reflected": sigma(-x) * sigma(x),
              "tanh_derivative": sp.Mul(*tanh_prime.args)}
    return b.build(result, checker=lambda found: _check_identities(x, found),
                   display={"tanh_derivative": to_latex(tanh_prime)})


def _check_identities(x: sp.Symbol, result: dict[str, sp.Expr]) -> CheckReport:
    """Simulator sigmoid/tanh at random points and |x| = 30; mpmath at 50 digits."""
    check = CrossCheck("simulator sigmoid/tanh and central differences (float64); "
                       "mpmath at 50 digits", 1e-8)
    points = np.concatenate([np.random.default_rng(0).normal(size=40) * 6,
                             [-30.0, -1.0, 0.0, 1.0, 30.0]])
    sim = {name: sp.lambdify(x, expr.rhs if isinstance(expr, sp.Eq) else expr, NUMPY_SIGMA)
           for name, expr in result.items()}
    sig, tanh = activations.sigmoid, activations.tanh
    check.compare("(a) sigma(-x) against 1 - sigma(x)", sig(-points), sim["reflection"](points),
                  tolerance=1e-14)
    check.compare("(b) tanh(x) against 2 sigma(2x) - 1", tanh(points), sim["tanh"](points),
                  tolerance=1e-14)
    h = 1e-5
    for name, function in (("sigmoid_derivative", sig), ("sigmoid_derivative_reflected", sig),
                           ("tanh_derivative", tanh)):
        numeric = (function(points + h) - function(points - h)) / (2 * h)
        check.compare(f"{name} against central differences", sim[name](points), numeric)
    check.compare("(d) against the simulator's tanh_prime = 1 - tanh^2",
                  sim["tanh_derivative"](points), activations.tanh_prime(points), tolerance=1e-14)
    with mpmath.workdps(50):
        # the left-hand sides from the definition sigma.mp = 1 / (1 + e^{-t}), derivatives numerically
        exact = {"reflection": lambda t: sigma.mp(-t), "tanh": mpmath.tanh,
                 "sigmoid_derivative": lambda t: mpmath.diff(sigma.mp, t),
                 "tanh_derivative": lambda t: mpmath.diff(mpmath.tanh, t)}
        exact["sigmoid_derivative_reflected"] = exact["sigmoid_derivative"]
        for name, truth in exact.items():
            expr = result[name]
            derived = sp.lambdify(x, expr.rhs if isinstance(expr, sp.Eq) else expr, MPMATH_SIGMA)
            errors = []
            for point in points[::3]:
                t = mpmath.mpf(float(point))
                value, reference = derived(t), truth(t)
                errors.append(float(abs(value - reference) / max(1, abs(reference))))
            check.compare(f"{name} at 50 digits", errors, np.zeros(len(errors)), tolerance=1e-40)
    return check.report()

"""The gradient of the fused softmax-cross-entropy loss.

.. math::

    E = -\\sum_k t_k \\log \\frac{e^{y_k}}{\\sum_i e^{y_i}}, \\qquad
    \\frac{\\partial E}{\\partial y_i} = p_i \\sum_k t_k - t_i
    \\;\\overset{\\text{one-hot}}{=}\\; p_i - t_i .

>>> import symnn
>>> d = symnn.derive("softmax-cross-entropy-gradient", n=2, one_hot=True)
>>> d.result["gradient"].shape, d.check().ok
((2, 1), True)
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.notation import vector_symbols
from symnn.core.numeric_value import NUMPY_NAMESPACE, value_at
from symnn.core.params import Boolean, Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.derivations._softmax import softmax_entries
from symnn.sim import activations

STATEMENT = (r"$E = -\sum_k t_k \log \frac{e^{y_k}}{\sum_i e^{y_i}}$ has "
             r"$\frac{\partial E}{\partial y_i} = p_i \sum_k t_k - t_i$, and $p_i - t_i$ for a one-hot $t$")


@register(
    "softmax-cross-entropy-gradient",
    title="The gradient of softmax + cross-entropy",
    sheets=[("ml-assignment-2", "Q2")],
    parameters=[
        Parameter("n", PositiveInteger(maximum=40), 3, "the number of outputs"),
        Parameter("one_hot", Boolean(), False, "simplify further for a one-hot target"),
    ],
)
def softmax_cross_entropy_gradient(n: sp.Integer, one_hot: bool) -> Derivation:
    """Derive dE/dy_i for soft targets, and for one-hot targets when ``one_hot``."""
    size = int(n)
    y = vector_symbols("y", size)
    t = vector_symbols("t", size)
    p = vector_symbols("p", size)
    softmax = softmax_entries(y)
    stands_for = dict(zip(p, softmax))
    total = sp.Add(*[sp.exp(yk) for yk in y])
    target_sum = sp.Add(*t)
    b = DerivationBuilder("softmax-cross-entropy-gradient", "The gradient of softmax + cross-entropy",
                          STATEMENT, {"n": n, "one_hot": one_hot})
    b.assume(rf"logits $y \in \mathbb{{R}}^{{{size}}}$, targets $t \in \mathbb{{R}}^{{{size}}}$")
    if one_hot:
        b.assume(r"$t$ is one-hot: one entry is 1, the others 0, so $\sum_k t_k = 1$")
    b.convention(r"$p = \operatorname{softmax}(y)$; $\log$ is the natural logarithm")
    loss = -sp.Add(*[tk * sp.log(sk) for tk, sk in zip(t, softmax)])
    b.define("the loss", sp.Symbol("E"), loss, reason="softmax followed by cross-entropy")
    expanded = -sp.Add(*[tk * yk for tk, yk in zip(t, y)]) + target_sum * sp.log(total)
    b.step("log of a quotient", loss, expanded, route="log-expand",
           reason=r"$\log p_k = y_k - \log \sum_i e^{y_i}$; the sums of $t_k$ collect")
    derivative = sp.Matrix([sp.Derivative(expanded, yi) for yi in y])
    raw = sp.Matrix([-ti + target_sum * sp.exp(yi) / total for ti, yi in zip(t, y)])
    b.step("differentiate", derivative, raw, route="doit-cancel",
           reason=r"$\partial y_k / \partial y_i = \delta_{ki}$ and "
                  r"$\partial \log \sum e^{y} / \partial y_i = e^{y_i} / \sum e^{y}$")
    gradient_p = sp.Matrix([pi * target_sum - ti for pi, ti in zip(p, t)])
    b.step("substitute $p_i$", raw, gradient_p, route="exp-cancel", given=stands_for,
           reason=r"$p_i = e^{y_i} / \sum_k e^{y_k}$")
    if one_hot:
        last = {t[-1]: 1 - sp.Add(*t[:-1])}
        one_hot_p = sp.Matrix([pi - ti for pi, ti in zip(p, t)])
        b.step("one-hot target", gradient_p, one_hot_p,
               route=Route("substitute sum t_k = 1, cancel", sp.cancel), given=last,
               reason=r"$\sum_k t_k = 1$")
        gradient_p = one_hot_p
    gradient = gradient_p.xreplace(stands_for)
    return b.build(
        {"gradient": gradient, "gradient_in_p": gradient_p, "loss": loss},
        checker=lambda found: _check(y, t, found, one_hot),
        display={"gradient": sp.latex(gradient_p)},
    )


def _targets(rng: np.random.Generator, size: int, one_hot: bool) -> np.ndarray:
    if one_hot:
        return np.eye(size)[rng.integers(size)]
    return rng.uniform(0, 2, size=size)


#: the step of the central differences
STEP = 1e-6
EPS = float(np.finfo(float).eps)


def difference_error(logits: np.ndarray, target: np.ndarray, reference: np.ndarray,
                     h: float = STEP) -> np.ndarray:
    """A bound on the error of the central difference ``reference`` of ``-t . log_softmax(y)``, per entry.

    .. math::

        \\frac{(n + 2)\\,\\varepsilon L}{h} + \\frac{\\varepsilon (|y_k| + h)}{h} |g_k|
        + \\frac{h^2}{60} \\Bigl|\\sum_k t_k\\Bigr|, \\qquad
        L = \\sum_k |t_k| \\bigl(|y_k - \\max y| + \\log n + 1\\bigr):

    the rounding of the two loss values (each entry of the log-softmax is good to
    ``eps (|y_k - max y| + log n + 1)``, the sums add ``n eps`` relative), the rounding of
    ``y_k +- h`` (which changes the step), and the truncation ``h^2 |E'''| / 6`` with
    ``|d^3 log sum e^y / dy_k^3| = |p (1 - p)(1 - 2p)| <= 1/10``.

    >>> bound = difference_error(np.array([300.0, -300.0]), np.array([0.0, 1.0]), np.zeros(2))
    >>> bool(1e-7 < bound.max() < 1e-5)
    True
    """
    size = len(logits)
    spread = np.abs(target) @ (np.abs(logits - logits.max()) + np.log(size) + 1)
    return ((size + 2) * EPS * spread / h + EPS * (np.abs(logits) + h) / h * np.abs(reference)
            + h**2 / 60 * abs(target.sum()))


def _check(y: list[sp.Symbol], t: list[sp.Symbol], found: dict[str, sp.Expr], one_hot: bool) -> CheckReport:
    """Central differences of the loss built on the simulator's log-softmax, each within twice its
    error bound (:func:`difference_error`); mpmath at 50 digits; the gradient in p at the simulator's
    softmax; the loss against the simulator's."""
    check = CrossCheck("central differences (h = 1e-6) of -t . log_softmax(y) (simulator), each "
                       "entry within twice the difference's error bound (n + 2) eps L / h + "
                       "eps (|y_k| + h) |g_k| / h + h^2 |sum t| / 60, L = sum |t_k| (|y_k - max y| + "
                       "log n + 1); mpmath at 50 digits (1e-13); the loss and the gradient in p at the "
                       "simulator's values", 1e-7)
    gradient = found["gradient"]
    evaluate = sp.lambdify([y, t], gradient, NUMPY_NAMESPACE)
    rng = np.random.default_rng(11)
    size = len(y)
    h = STEP
    for scale in (1.0, 10.0, 300.0):
        logits, target = rng.normal(size=size) * scale, _targets(rng, size, one_hot)

        def loss(v: np.ndarray, target: np.ndarray = target) -> float:
            return float(-(target * activations.log_softmax(v)).sum())

        numeric = np.array([(loss(logits + h * e) - loss(logits - h * e)) / (2 * h) for e in np.eye(size)])
        bound = 2 * difference_error(logits, target, numeric, h)
        tolerance = float(np.max(bound / np.maximum(1.0, np.abs(numeric))))
        derived = np.asarray(evaluate(logits, target), dtype=float).ravel()
        vectors = {"y": logits, "t": target, "p": activations.softmax(logits)}
        check.compare(f"gradient in p, |y| ~ {scale} (tolerance {tolerance:.2g} from the error bound)",
                      value_at(found["gradient_in_p"], vectors).ravel(), numeric, tolerance)
        check.compare(f"loss, |y| ~ {scale}", value_at(found["loss"], vectors), loss(logits))
        if scale < 100:
            check.compare(f"finite differences, |y| ~ {scale} (tolerance {tolerance:.2g} from the error "
                          "bound)", derived, numeric, tolerance)
        else:
            check.note(f"|y| ~ {scale}: the lambdified formula overflows; compared in mpmath only")
    with mpmath.workdps(50):
        logits, target = rng.normal(size=size) * 300, _targets(rng, size, one_hot)
        point = [mpmath.mpf(v) for v in logits]

        def mp_loss(v: list) -> mpmath.mpf:
            top = max(v)
            log_total = top + mpmath.log(mpmath.fsum(mpmath.exp(w - top) for w in v))
            return -mpmath.fsum(tk * (w - log_total) for tk, w in zip(target, v))

        exact = [float(mpmath.diff(lambda s, k=k: mp_loss([v + (s if m == k else 0)
                                                            for m, v in enumerate(point)]), 0))
                 for k in range(size)]
        values = {**{yk: sp.Float(v, 60) for yk, v in zip(y, point)},
                  **{tk: sp.Float(v, 60) for tk, v in zip(t, target)}}
        derived = [float(entry.xreplace(values).evalf(50)) for entry in gradient]
        check.compare("mpmath derivative at |y| ~ 300, 50 digits", derived, exact, tolerance=1e-13)
    return check.report()

"""Numerical stability of softmax: why the naive formula fails and why the max-shift is exact.

In float64, :math:`e^u` overflows to ``inf`` for :math:`u > \\log(\\text{max float})
\\approx 709.78` and underflows to 0 below :math:`\\approx -745.13`, so the naive
:math:`e^{z_i} / \\sum_j e^{z_j}` returns ``nan`` (``inf/inf`` or ``0/0``) at
:math:`|z| \\sim 1000`. Shifting by :math:`m = \\max_j z_j` changes nothing exactly
(shift invariance) yet keeps every exponent :math:`\\le 0` and the denominator
:math:`\\ge 1`:

.. math::

    \\operatorname{softmax}(z) = \\operatorname{softmax}(z - m\\mathbf{1}), \\qquad
    \\log \\sum_j e^{z_j} = m + \\log \\sum_j e^{z_j - m}.

>>> import symnn
>>> symnn.derive("softmax-stability").check().ok
True
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.notation import real_symbol, vector_symbols
from symnn.core.numeric_value import value_at
from symnn.core.params import Parameter, Vector
from symnn.core.registry import register
from symnn.derivations._softmax import softmax_entries
from symnn.errors import CheckError
from symnn.sim import activations

DEFAULT_Z = [sp.Integer(1000), sp.Integer(999), sp.Integer(998)]


def naive_softmax(z: np.ndarray) -> np.ndarray:
    """The textbook formula in float64, without the max-shift (it fails on large |z|)."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        e = np.exp(z)
        return e / e.sum()


def _exp_float64(u: float) -> float:
    with np.errstate(over="ignore", under="ignore"):
        return float(np.exp(np.float64(u)))


@register(
    "softmax-stability",
    title="Overflow in softmax and the exact max-shift",
    sheets=[("exercise-sheet-6", "6.3(c)")],
    parameters=[Parameter("z", Vector(max_length=20), DEFAULT_Z, "scores to try the naive formula on")],
)
def softmax_stability(z: list[sp.Rational]) -> Derivation:
    """Derive the float64 overflow thresholds and the exactness of the max-shift."""
    size = len(z)
    x = vector_symbols("z", size)
    m = real_symbol("m")
    b = DerivationBuilder(
        "softmax-stability", "Overflow in softmax and the exact max-shift",
        r"$\operatorname{softmax}(z) = \operatorname{softmax}(z - m\mathbf{1})$ with "
        r"$m = \max_j z_j$ is exact and never overflows", {"z": z})
    b.assume(r"IEEE 754 double precision (float64)")
    largest = sp.Integer(int(np.finfo(np.float64).max))
    if sp.Mul(1 - sp.Rational(1, 2**53), 2**1024) != largest:  # pragma: no cover - not IEEE 754
        raise CheckError("this platform's float64 is not IEEE 754 double precision")
    overflow = 1024 * sp.log(2) + sp.log(1 - sp.Rational(1, 2**53))
    underflow = -1075 * sp.log(2)  # half the smallest subnormal, 2**-1074, rounds to 0
    written = sp.Mul(1 - sp.Rational(1, 2**53), sp.Pow(2, 1024, evaluate=False), evaluate=False)
    b.step("the largest float64", written, sp.exp(overflow), route="cancel",
           reason=r"$\text{max float} = (1 - 2^{-53})\, 2^{1024}$, read off NumPy's float64")
    u = real_symbol("u")
    b.claim("overflow threshold", sp.Eq(sp.Symbol("u_max"), overflow),
            lambda: sp.true if _exp_float64(np.nextafter(float(overflow.evalf(30)), np.inf)) == np.inf
            and np.isfinite(_exp_float64(float(overflow.evalf(30)) - 1e-9)) else sp.false,
            route="exp evaluated in float64 on both sides of log(max float)",
            reason=rf"$e^u$ exceeds the largest float64 $\approx {sp.latex(largest.evalf(5))}$ when "
                   rf"$u > \log(\text{{max float}}) \approx {overflow.evalf(6)}$")
    b.claim("underflow threshold", sp.Eq(sp.Symbol("u_min"), underflow),
            lambda: sp.true if _exp_float64(float(underflow.evalf(30)) - 1e-3) == 0.0
            and _exp_float64(float(underflow.evalf(30)) + 1e-3) > 0.0 else sp.false,
            route="exp evaluated in float64 on both sides of log(min subnormal / 2)",
            reason=rf"$e^u$ rounds to $0$ below $u \approx {underflow.evalf(6)}$; "
                   r"then $\sum_j e^{z_j} = 0$ and the quotient is $0/0$")
    naive = naive_softmax(np.array([float(v) for v in z]))
    b.note(rf"In float64 the naive formula gives {np.array2string(naive, precision=4)} for "
           rf"$z = ({', '.join(sp.latex(v) for v in z)})$ (computed when this derivation was built).")
    softmax = sp.Matrix(softmax_entries(x))
    shifted = sp.Matrix(softmax_entries([xi - m for xi in x]))
    b.step("shift by m", softmax, shifted, route="exp-cancel",
           reason=r"shift invariance with $c = -m$: the factor $e^{-m}$ cancels, for any $m$")
    b.claim("no overflow after the shift", sp.Le(sp.exp(sp.Symbol("z_i") - m), 1),
            lambda: sp.true if sp.exp(u).is_positive and sp.diff(sp.exp(u), u).is_positive
            and sp.exp(0) == 1 else sp.false,
            route="exp is positive and increasing (its derivative is positive), exp(0) = 1",
            reason=r"with $m = \max_j z_j$ every exponent $z_j - m \le 0$, so $0 < e^{z_j - m} \le 1$",
            relation="<=")
    b.claim("no 0/0 after the shift", sp.Ge(sp.Symbol("S_m"), 1),
            lambda: sp.true if sp.exp(0) == 1 else sp.false,
            route="the term j = argmax is exp(0) = 1",
            reason=r"the term of the maximal entry is $e^{0} = 1$, so the denominator is at least 1")
    total = sp.Add(*[sp.exp(xi) for xi in x])
    shifted_total = sp.Add(*[sp.exp(xi - m) for xi in x])
    b.step("factor exp(m) out of the sum", total, sp.exp(m) * shifted_total, route="exp-cancel",
           reason=r"$e^{z_j} = e^{m} e^{z_j - m}$")
    log_sum_exp = m + sp.log(shifted_total)
    b.step("log-sum-exp", sp.log(sp.exp(m) * shifted_total), log_sum_exp, route="log-expand",
           reason=r"$\log(ab) = \log a + \log b$ for $a, b > 0$: the stable log-sum-exp")
    return b.build(
        {"shifted": shifted, "log_sum_exp": sp.Eq(sp.log(total), log_sum_exp),
         "overflow_threshold": overflow, "underflow_threshold": underflow},
        checker=lambda found: _check(z, found),
    )


def _check(z: list[sp.Rational], found: dict[str, sp.Basic]) -> CheckReport:
    """Naive float64 fails, the simulator's shifted softmax matches mpmath at 50 digits; the
    derived shifted softmax and both sides of log-sum-exp at the given scores against mpmath;
    the thresholds against float64's exp and log of its largest number."""
    check = CrossCheck("naive vs shifted softmax in float64 against mpmath at 50 digits; the derived "
                       "formulas at 30 digits against mpmath; the thresholds in float64", 1e-14)
    given = np.array([float(v) for v in z])
    with mpmath.workdps(50):
        exps = [mpmath.exp(mpmath.mpf(v)) for v in given]
        exact = [float(e / mpmath.fsum(exps)) for e in exps]
        log_total = float(mpmath.log(mpmath.fsum(exps)))
    for m in (float(given.max()), 0.0, 17.5):
        check.compare(f"derived shifted softmax, m = {m:g}",
                      value_at(found["shifted"], {"z": given}, {"m": m}).ravel(), exact)
        law = found["log_sum_exp"]
        check.compare(f"derived log-sum-exp, both sides, m = {m:g}",
                      [float(value_at(side, {"z": given}, {"m": m})) for side in (law.lhs, law.rhs)],
                      [log_total, log_total])
    overflow, underflow = float(found["overflow_threshold"]), float(found["underflow_threshold"])
    check.compare("overflow threshold against NumPy's log of the largest float64", overflow,
                  float(np.log(np.finfo(np.float64).max)))
    check.require("exp overflows just above the overflow threshold and not 1e-9 below it",
                  _exp_float64(np.nextafter(overflow, np.inf)) == np.inf
                  and np.isfinite(_exp_float64(overflow - 1e-9)))
    check.require("exp is 0 in float64 1e-3 below the underflow threshold and positive 1e-3 above it",
                  _exp_float64(underflow - 1e-3) == 0.0 and _exp_float64(underflow + 1e-3) > 0.0)
    rng = np.random.default_rng(13)
    cases = [np.array([float(v) for v in z])]
    cases += [rng.normal(size=4) + offset for offset in (1000.0, -1000.0, 0.0)]
    for values in cases:
        with mpmath.workdps(50):
            exps = [mpmath.exp(mpmath.mpf(v)) for v in values]
            exact = [float(e / mpmath.fsum(exps)) for e in exps]
        stable = activations.softmax(values)
        check.compare(f"shifted softmax at max |z| = {np.abs(values).max():.0f}", stable, exact)
        if np.abs(values).max() > 800:
            check.require(f"naive softmax fails (nan) at max |z| = {np.abs(values).max():.0f}",
                          bool(np.isnan(naive_softmax(values)).any()))
    return check.report()

"""Properties of softmax: shift invariance and the arg-max it preserves.

.. math::

    \\operatorname{softmax}(x + c\\mathbf{1}) = \\operatorname{softmax}(x), \\qquad
    \\arg\\max_i \\operatorname{softmax}(x)_i = \\arg\\max_i \\log\\operatorname{softmax}(x)_i
    = \\arg\\max_i x_i.

>>> import symnn
>>> symnn.derive("softmax-shift-invariance", n=3).check().ok
True
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.notation import index_symbols, real_symbol, vector_symbols
from symnn.core.numeric_value import value_at
from symnn.core.params import Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.derivations._softmax import softmax_entries
from symnn.sim import activations

SIZE = Parameter("n", PositiveInteger(maximum=40, symbolic=True), 3, "the length of x; a name for general n")


def _pull_constant_out_of_sums(difference: sp.Expr) -> sp.Expr:
    expanded = sp.expand(difference, power_exp=True)
    factored = expanded.replace(lambda e: isinstance(e, sp.Sum), sp.factor_terms)
    return sp.cancel(factored)


PULL_OUT = Route("expand exponentials, factor constants out of sums, cancel", _pull_constant_out_of_sums)


@register(
    "softmax-shift-invariance",
    title="Softmax is invariant to adding the same number to all scores",
    sheets=[("seminar-1", "A2(a)")],
    parameters=[SIZE],
)
def softmax_shift_invariance(n: sp.Integer | sp.Symbol) -> Derivation:
    """Derive ``softmax(x + c 1) = softmax(x)`` for integer or symbolic ``n`` and symbolic ``c``."""
    c = real_symbol("c")
    b = DerivationBuilder(
        "softmax-shift-invariance", "Softmax is invariant to adding the same number to all scores",
        r"$\operatorname{softmax}(x + c\mathbf{1}) = \operatorname{softmax}(x)$ for every $c \in \mathbb{R}$",
        {"n": n})
    b.assume(rf"$x \in \mathbb{{R}}^{{{sp.latex(n)}}}$, $c \in \mathbb{{R}}$")
    if isinstance(n, sp.Symbol):
        i, _, k = index_symbols()
        x = sp.IndexedBase("x", real=True)
        shifted = sp.exp(x[i] + c) / sp.Sum(sp.exp(x[k] + c), (k, 1, n))
        plain = sp.exp(x[i]) / sp.Sum(sp.exp(x[k]), (k, 1, n))
        symbols: list[sp.Expr] = []
    else:
        symbols = vector_symbols("x", n)
        shifted = sp.Matrix(softmax_entries([xi + c for xi in symbols]))
        plain = sp.Matrix(softmax_entries(symbols))
    b.define("softmax of the shifted scores", sp.Symbol("s"), shifted,
             reason=r"the definition with $x_i + c$ in place of $x_i$",
             tex=r"\operatorname{softmax}(x + c\mathbf{1})_i = \frac{e^{x_i + c}}{\sum_k e^{x_k + c}}")
    b.step("exponential of a sum, factor exp(c)", shifted, plain, route=PULL_OUT,
           reason=r"$e^{x_i + c} = e^c e^{x_i}$; the common factor $e^c > 0$ cancels",
           tex=r"\frac{e^{c}\, e^{x_i}}{e^{c} \sum_k e^{x_k}} = \frac{e^{x_i}}{\sum_k e^{x_k}}")
    return b.build({"shifted": shifted, "softmax": plain},
                   checker=lambda found: _check_shift(n, found))


def _entries(expr: sp.Expr, n: sp.Integer | sp.Symbol, size: int, vectors: dict, scalars: dict) -> np.ndarray:
    """A derived softmax vector at numbers: the matrix itself, or the general entry at i = 1..size."""
    if isinstance(n, sp.Symbol):
        i = index_symbols()[0]
        return np.array([value_at(expr.xreplace({n: size, i: a}), vectors, scalars)
                         for a in range(1, size + 1)], dtype=float)
    return value_at(expr, vectors, scalars).ravel()


def _check_shift(n: sp.Integer | sp.Symbol, found: dict[str, sp.Expr]) -> CheckReport:
    """Simulator softmax of x and x + c, including shifts of size 500 and 1000; both derived
    vectors at those numbers."""
    check = CrossCheck("the simulator's softmax at x and x + c; mpmath at 50 digits; the derived "
                       "vectors at the same numbers", 1e-12)
    rng = np.random.default_rng(5)
    sizes = range(1, 7) if isinstance(n, sp.Symbol) else [int(n)]
    for size in sizes:
        x = rng.normal(size=size) * 3
        for c in (-1000.0, -3.5, 0.0, 2.25, 500.0):
            check.compare(f"n = {size}, c = {c}", activations.softmax(x + c), activations.softmax(x))
            check.compare(f"derived shifted softmax, n = {size}, c = {c}",
                          _entries(found["shifted"], n, size, {"x": x}, {"c": c}), activations.softmax(x + c))
        check.compare(f"derived softmax, n = {size}", _entries(found["softmax"], n, size, {"x": x}, {}),
                      activations.softmax(x))
        with mpmath.workdps(50):
            c = mpmath.mpf(123)
            exact = [mpmath.exp(v + c) / mpmath.fsum(mpmath.exp(w + c) for w in x) for v in x]
        check.compare(f"mpmath, n = {size}", activations.softmax(x), [float(e) for e in exact])
    return check.report()


@register(
    "softmax-argmax",
    title="Softmax and log-softmax keep the arg max",
    sheets=[("seminar-1", "A2(b)")],
    parameters=[Parameter("n", PositiveInteger(maximum=40), 3, "the length of x")],
)
def softmax_argmax(n: sp.Integer) -> Derivation:
    """Derive that softmax and log-softmax order their entries as ``x`` does."""
    x = vector_symbols("x", n)
    softmax = softmax_entries(x)
    total = sp.Add(*[sp.exp(xi) for xi in x])
    b = DerivationBuilder(
        "softmax-argmax", "Softmax and log-softmax keep the arg max",
        r"$\arg\max_i \operatorname{softmax}(x)_i = \arg\max_i \log\operatorname{softmax}(x)_i"
        r" = \arg\max_i x_i$", {"n": n})
    b.assume(rf"$x \in \mathbb{{R}}^{{{n}}}$")
    log_softmax = sp.Matrix([xi - sp.log(total) for xi in x])
    b.step("log-softmax", sp.Matrix([sp.log(s) for s in softmax]), log_softmax, route="log-expand",
           reason=r"$\log \operatorname{softmax}(x)_i = x_i - \log \sum_k e^{x_k}$: the same "
                  r"constant is subtracted from every $x_i$")
    differences = sp.Matrix(int(n), int(n), lambda i, j: x[i] - x[j])
    b.step("differences are kept", sp.Matrix(int(n), int(n), lambda i, j: log_softmax[i] - log_softmax[j]),
           differences, route="expand",
           reason=r"$\log \operatorname{softmax}_i - \log \operatorname{softmax}_j = x_i - x_j$, so "
                  r"log-softmax orders its entries exactly as $x$")
    u = sp.Symbol("u", real=True)
    b.claim("exp is strictly increasing", sp.Gt(sp.diff(sp.exp(u), u), 0, evaluate=False),
            lambda: sp.true if sp.diff(sp.exp(u), u).is_positive else sp.false,
            route="derivative e^u is positive (SymPy assumptions)",
            reason=r"$\frac{d}{du} e^u = e^u > 0$, so $\operatorname{softmax}_i = "
                   r"e^{\log \operatorname{softmax}_i}$ orders its entries as log-softmax does")
    s_i, s_j, x_i, x_j = sp.symbols("s_i s_j x_i x_j", real=True)
    equivalence = sp.logic.boolalg.Equivalent(sp.Gt(s_i, s_j), sp.Gt(x_i, x_j))
    return b.build({"log_softmax": log_softmax, "differences": differences, "order": equivalence},
                   checker=lambda found: _check_argmax(int(n), found))


def _check_argmax(size: int, found: dict[str, sp.Basic]) -> CheckReport:
    """Random vectors with ties: the arg-max sets of x, softmax(x), log_softmax(x) agree; the
    derived log-softmax and differences at those vectors; the derived order law on pairs."""
    check = CrossCheck("arg-max sets of x, the simulator's softmax and log-softmax; the derived "
                       "log-softmax, differences and order law at the same numbers", 1e-12)
    rng = np.random.default_rng(7)
    agree = True
    derived, expected_differences = [], []
    for _ in range(200):
        x = rng.integers(-3, 4, size=size).astype(float) * rng.choice([1.0, 100.0])
        expected = set(np.flatnonzero(x == x.max()))
        soft, log_soft = activations.softmax(x), activations.log_softmax(x)
        agree &= set(np.flatnonzero(soft == soft.max())) == expected
        agree &= set(np.flatnonzero(log_soft == log_soft.max())) == expected
        derived.append(log_soft - log_soft[0])
        expected_differences.append(x - x[0])
    check.compare("log-softmax differences equal x differences", derived, expected_differences)
    order, held = found["order"], True
    for x in rng.normal(size=(5, size)) * 4:
        soft, log_soft = activations.softmax(x), activations.log_softmax(x)
        check.compare("derived log-softmax against the simulator's", value_at(found["log_softmax"],
                                                                               {"x": x}).ravel(), log_soft)
        check.compare("derived differences", value_at(found["differences"], {"x": x}),
                      x[:, None] - x[None, :])
        for a in range(size):
            for c in range(size):
                law = order.xreplace({sp.Symbol(name, real=True): sp.Float(value) for name, value in
                                      (("s_i", soft[a]), ("s_j", soft[c]), ("x_i", x[a]), ("x_j", x[c]))})
                held &= law == sp.true
    check.require("the derived order law holds for every pair of entries of 5 vectors", held)
    check.require("arg-max sets agree on 200 vectors with ties", agree)
    return check.report()

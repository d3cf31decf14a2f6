"""Vanishing gradients (exercise-sheet-6 6.3(b)): sigmoid and tanh against ReLU.

The derivative of the sigmoid is at most 1/4 and that of tanh at most 1, both proved
symbolically (critical points, second-derivative test, limits, and a sum of squares for
the global bound); through L sigmoid layers with weights |w_k| <= 1 the chain rule
therefore bounds the gradient by (1/4)^L, while an active ReLU passes it on unchanged.

>>> import symnn
>>> symnn.derive("relu-vs-sigmoid", depth=3).result["gradient_bound"]
1/64
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symnn.core.certify import ROUTES, Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.core.params import Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.derivations.activations import DIFF_EXP_CANCEL, X, sigma
from symnn.sim import Dense, ReLU, Sigmoid, Tanh, activations


@register("relu-vs-sigmoid", title="Vanishing gradients: sigmoid and tanh against ReLU",
          sheets=[("exercise-sheet-6", "6.3(b)")],
          parameters=[Parameter("depth", PositiveInteger(maximum=200, symbolic=True), None,
                                "the number L of layers; absent for a symbolic L")])
def relu_vs_sigmoid(depth: sp.Integer | sp.Symbol | None) -> Derivation:
    """Maximise sigma' and tanh' symbolically; bound the gradient through L sigmoid layers.

    .. math:: \\max_x \\sigma'(x) = \\sigma'(0) = \\tfrac14,\\quad \\max_x \\tanh'(x) = 1,
              \\quad \\Big|\\frac{\\partial a_L}{\\partial a_0}\\Big| \\le \\big(\\tfrac14\\big)^L
              \\text{ for } |w_k| \\le 1.
    """
    L = sp.Symbol("L", integer=True, positive=True) if depth is None else depth
    x, u = X, sp.Symbol("u", positive=True)
    statement = sp.And(sp.Le(sp.Derivative(sigma(x), x), sp.Rational(1, 4)),
                       sp.Le(sp.Derivative(sp.tanh(x), x), 1))
    b = DerivationBuilder("relu-vs-sigmoid", "Vanishing gradients: sigmoid and tanh against ReLU",
                          statement, {"depth": L})
    b.assume(r"$x \in \mathbb{R}$; a chain of $L$ scalar layers $a_k = \sigma(z_k)$, "
             r"$z_k = w_k a_{k-1} + b_k$ with $|w_k| \le 1$")
    b.convention(r"$\operatorname{ReLU}'(0) = 0$ (the simulator's choice)")
    maxima = {}
    for name, f, first in (("sigma", sigma(x), sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
                           ("tanh", sp.tanh(x), 1 - sp.tanh(x) ** 2)):
        maxima[name] = _maximise_derivative(b, name, f, first, x)
    b.step(r"$\sigma'$ in $u = e^{-x}$", sp.Derivative(sigma(x), x), u / (1 + u) ** 2,
           given={u: sp.exp(-x)}, route=DIFF_EXP_CANCEL,
           reason=r"$u = e^{-x}$ runs over all of $(0, \infty)$ as $x$ runs over $\mathbb{R}$")
    gap = b.step("sum of squares for sigma'", sp.Rational(1, 4) - u / (1 + u) ** 2,
                 sp.factor(sp.Rational(1, 4) - u / (1 + u) ** 2),
                 reason=r"with $u = e^{-x} > 0$, $\sigma'(x) = u/(1+u)^2$; the right side is a "
                        r"square over a positive number, so $\sigma' \le \frac14$ on all of "
                        r"$\mathbb{R}$", route="cancel")
    b.claim("global bound for sigma'", sp.Le(sp.Derivative(sigma(x), x), maxima["sigma"][1]),
            lambda: as_sympy(bool(gap.is_nonnegative)), route="is_nonnegative of the square",
            reason="the previous line is non-negative for every $u > 0$")
    b.step("1 - tanh' is a square", 1 - sp.Derivative(sp.tanh(x), x), sp.tanh(x) ** 2,
           reason=r"$\tanh' = 1 - \tanh^2$, so $\tanh' \le 1$ on all of $\mathbb{R}$",
           route=DIFF_EXP_CANCEL)
    relu = sp.Piecewise((x, x > 0), (0, True))
    relu_prime = b.step("ReLU'", sp.Derivative(relu, x), sp.Piecewise((1, x > 0), (0, True)),
                        reason=r"$\operatorname{ReLU}(x) = x$ for $x > 0$ and $0$ for $x < 0$",
                        route=Route("doit, piecewise", lambda d: ROUTES["piecewise"](d.doit())))
    relu_slope = relu_prime.subs(x, sp.Symbol("x", positive=True))
    b.claim("ReLU' on x > 0", sp.Eq(sp.Symbol("ReLU'(x)"), relu_slope),
            lambda: sp.Eq(relu_slope, 1), route="the branch x > 0",
            reason="on $x > 0$ the slope is 1 at every depth: nothing shrinks",
            tex=rf"\operatorname{{ReLU}}'(x) = {sp.latex(relu_slope)} \quad (x > 0)")
    bound = _chain_bound(b, L, maxima["sigma"][1])
    result = {"sigma_prime_max": maxima["sigma"][1], "sigma_prime_argmax": maxima["sigma"][0],
              "tanh_prime_max": maxima["tanh"][1], "tanh_prime_argmax": maxima["tanh"][0],
              "relu_prime_positive": relu_slope, "gradient_bound": bound,
              "tanh_gradient_bound": sp.Pow(maxima["tanh"][1], L)}
    b.note(r"With ReLU the factor of an active unit is $w_k \cdot 1$: the activation does not "
           r"shrink the gradient, while every sigmoid layer multiplies it by at most $\frac14$.")
    return b.build(result, checker=lambda found: _check_vanishing(L, found))


def _maximise_derivative(b: DerivationBuilder, name: str, f: sp.Expr, first: sp.Expr,
                         x: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """Critical points of f', second-derivative test, limits at +-oo; returns (argmax, max)."""
    tex = r"\sigma" if name == "sigma" else r"\tanh"
    b.step(f"{name}'", sp.Derivative(f, x), first, reason="differentiate", route=DIFF_EXP_CANCEL)
    second = sp.together(sp.diff(first, x)) if name == "sigma" else sp.factor(sp.diff(first, x))
    b.step(f"{name}''", sp.Derivative(first, x), second, reason="differentiate again",
           route=DIFF_EXP_CANCEL)
    critical = sp.solveset(second, x, sp.S.Reals)  # the zeros of second
    b.claim(f"critical points of {name}'", critical,
            lambda: sp.And(critical.is_FiniteSet, len(critical) == 1,
                           *[sp.Eq(second.subs(x, p), 0) for p in critical]),
            route="solveset over the reals", reason=rf"the only zero of ${tex}''$",
            tex=rf"\{{x \in \mathbb{{R}} : {tex}''(x) = 0\}} = {to_latex(critical)}")
    (point,) = critical
    curvature = sp.diff(second, x).subs(x, point)  # the third derivative, from the certified second
    b.claim(f"second-derivative test for {name}'", sp.Lt(curvature, 0),
            lambda: sp.Lt(curvature, 0), route="sign of the third derivative at the critical point",
            reason=rf"${tex}'''({sp.latex(point)}) < 0$: a strict local maximum",
            tex=rf"{tex}'''({sp.latex(point)}) = {sp.latex(curvature)} < 0")
    v = sp.Symbol("v", positive=True)  # v = e^x: x -> oo is v -> oo, x -> -oo is v -> 0+
    rational = sp.cancel(first.rewrite(sp.exp).subs(sp.exp(x), v))
    ends = [sp.limit(rational, v, sp.oo), sp.limit(rational, v, 0, "+")]
    peak = b.step(f"maximum of {name}'", sp.Subs(first, x, point), first.subs(x, point),
                  reason=rf"the only critical point; ${tex}' \to {sp.latex(ends[0])}$ at "
                         r"$\pm\infty$, so it is the global maximum", route="doit-cancel")
    b.claim(f"{name}' vanishes at +-oo", sp.Tuple(*ends),
            lambda: sp.And(*[sp.Lt(end, peak) for end in ends]),
            route="limits of the rational function of v = e^x at v -> oo and v -> 0+",
            reason="both limits lie below the critical value",
            tex=rf"\lim_{{x \to \pm\infty}} {tex}'(x) = {sp.latex(ends[0])} < {sp.latex(peak)}")
    return point, peak


def _chain_bound(b: DerivationBuilder, L: sp.Expr, slope: sp.Expr) -> sp.Expr:
    """The chain rule through L sigmoid layers and the (1/4)^L bound."""
    a0, w, bias = (sp.Symbol(name, real=True) for name in ("a_0", "w_k", "b_k"))
    previous = sp.Function("a_{k-1}")(a0)
    z = w * previous + bias
    b.step("chain rule through layer k", sp.Derivative(sigma(z), a0),
           w * sigma(z) * (1 - sigma(z)) * sp.Derivative(previous, a0),
           reason=r"$\frac{\partial a_k}{\partial a_0} = w_k \sigma'(z_k)\,"
                  r"\frac{\partial a_{k-1}}{\partial a_0}$ for any earlier layers",
           route=DIFF_EXP_CANCEL)
    k = sp.Symbol("k", integer=True, positive=True)
    factor = sp.Function("g")
    depths = range(1, 7) if isinstance(L, sp.Symbol) else [int(L)]

    def unrolled() -> sp.Boolean:
        facts = []
        for n in depths:
            value = sp.Integer(1)  # da_0/da_0
            for layer in range(1, n + 1):
                value = factor(layer) * value
            facts.append(sp.Eq(value, sp.Product(factor(k), (k, 1, n)).doit()))
        return sp.And(*facts)

    wk, zk = sp.IndexedBase("w")[k], sp.IndexedBase("z")[k]
    product = sp.Product(wk * sp.Function("sigma'")(zk), (k, 1, L))
    b.claim("induction over the layers", product, unrolled, route="recursion unrolled for L = "
            + ", ".join(map(str, depths)), reason=r"start from $\partial a_0/\partial a_0 = 1$ and "
            "apply the previous step once per layer",
            tex=rf"\frac{{\partial a_{{{sp.latex(L)}}}}}{{\partial a_0}} = "
                rf"\prod_{{k=1}}^{{{sp.latex(L)}}} w_k\, \sigma'(z_k)")
    bound = b.step("product of the maxima", sp.Product(slope, (k, 1, L)),
                   sp.Product(slope, (k, 1, L)).doit(),
                   reason=r"each factor has $|w_k \sigma'(z_k)| \le \frac14$", route="doit-cancel")
    b.claim("vanishing gradient bound", sp.Le(sp.Abs(sp.Symbol("D_L")), bound),
            lambda: sp.And(slope <= sp.Rational(1, 4), slope >= 0),
            route="product of L factors in [0, 1/4]", relation="<=",
            reason="every factor lies in $[0, \\frac14]$ when $|w_k| \\le 1$",
            tex=rf"\left|\frac{{\partial a_{{{sp.latex(L)}}}}}{{\partial a_0}}\right| \le "
                rf"{to_latex(bound)}")
    return bound


def _backprop_chain(layers: list, a0: float) -> float:
    out = np.array([[a0]])
    for layer in layers:
        out = layer.forward(out)
    grad = np.ones_like(out)
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return float(grad[0, 0])


def _check_vanishing(L: sp.Expr, result: dict[str, sp.Expr]) -> CheckReport:
    """Grid maxima of finite differences; back-propagation through L simulator layers."""
    check = CrossCheck("grid maximum of central differences; back-propagation through chains "
                       "of the simulator's Dense + Sigmoid/Tanh/ReLU layers", 1e-9)
    grid = np.linspace(-10, 10, 20001)
    h = 1e-5
    for name, function in (("sigma", activations.sigmoid), ("tanh", activations.tanh)):
        slope = (function(grid + h) - function(grid - h)) / (2 * h)
        check.compare(f"max of {name}' on a grid", slope.max(), float(result[f"{name}_prime_max"]))
        spacing = grid[1] - grid[0]
        check.require(f"argmax of {name}' on a grid within one grid spacing of the derived one",
                      abs(grid[slope.argmax()] - float(result[f"{name}_prime_argmax"])) <= spacing)
    depths = [1, 2, 5, 10, 20] if isinstance(L, sp.Symbol) else [int(L)]
    rng = np.random.default_rng(0)
    for n in depths:
        bound = float(result["gradient_bound"].subs(L, n))
        a0 = 0.7
        # biases that put every pre-activation at z_k = 0 attain the bound
        tight = [Dense(np.ones((1, 1)), np.array([-a0 if k == 0 else -0.5])) for k in range(n)]
        chain = [layer for dense in tight for layer in (dense, Sigmoid())]
        check.compare(f"L = {n}: gradient / bound at z_k = 0",
                      _backprop_chain(chain, a0) / bound, 1.0, tolerance=1e-12)
        worst = 0.0
        for _ in range(20):
            chain = [layer for _ in range(n) for layer in
                     (Dense(rng.uniform(-1, 1, (1, 1)), rng.normal(size=1) * 2), Sigmoid())]
            worst = max(worst, abs(_backprop_chain(chain, float(rng.normal()))) / bound)
        check.require(f"L = {n}: |gradient| <= (1/4)^L for 20 random chains with |w| <= 1",
                      worst <= 1 + 1e-12)
        tanh_chain = [layer for _ in range(n)
                      for layer in (Dense(np.ones((1, 1)), np.zeros(1)), Tanh())]
        check.compare(f"L = {n}: tanh chain at z_k = 0 keeps the gradient 1",
                      _backprop_chain(tanh_chain, 0.0), float(result["tanh_prime_max"]) ** n,
                      tolerance=1e-12)
        check.compare(f"L = {n}: tanh gradient bound against the tanh chain at z_k = 0",
                      float(result["tanh_gradient_bound"].subs(L, n)), _backprop_chain(tanh_chain, 0.0),
                      tolerance=1e-12)
        relu_chain = [layer for _ in range(n)
                      for layer in (Dense(np.ones((1, 1)), np.ones(1)), ReLU())]
        check.compare(f"L = {n}: active ReLU chain keeps the gradient 1",
                      _backprop_chain(relu_chain, 0.5), float(result["relu_prime_positive"]) ** n,
                      tolerance=0.0)
    return check.report()

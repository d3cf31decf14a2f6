"""ReLU networks are invariant under positive rescaling of a layer (seminar-1 A3(b)).

.. math::

    (W^1, b^1, W^2, b^2) \\mapsto (\\lambda W^1, \\lambda b^1, W^2/\\lambda, b^2),\\ \\lambda > 0,

leaves :math:`F(x) = f(W^2 f(W^1 x + b^1) + b^2)` with :math:`f = \\operatorname{ReLU}`
unchanged, by the positive homogeneity :math:`\\max(0, \\lambda z) = \\lambda \\max(0, z)`;
for :math:`\\lambda < 0` it fails.

>>> import symnn
>>> symnn.derive("relu-rescaling").check().ok
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from symnn.core.certify import Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.notation import vector_symbols
from symnn.core.params import Limited, Number, Parameter
from symnn.core.registry import register
from symnn.derivations.affine import Sizes, layer_symbols, numeric_layers, symbol_values
from symnn.errors import ParameterError
from symnn.sim.activations import ReLU
from symnn.sim.layers import Dense


def _relu(v: sp.Matrix, evaluate: bool = True) -> sp.Matrix:
    """``max(0, v)`` entrywise; ``evaluate=False`` skips SymPy's attempt to decide the sign
    (for symbolic weights it cannot, and the attempt costs most of the derivation)."""
    return v.applyfunc(lambda e: sp.Max(0, e, evaluate=evaluate))


def _network(layers: list[tuple[sp.Matrix, sp.Matrix]], x: sp.Matrix, evaluate: bool = True) -> sp.Matrix:
    """``f(W^k ... f(W^1 x + b^1) ... + b^k)`` with ``f = ReLU`` after every layer (the sheet's F)."""
    for W, b in layers:
        x = _relu(W * x + b, evaluate)
    return x


def _homogeneity(lam: sp.Expr) -> Route:
    """Rewrite ``max(0, a)`` as ``c max(0, a / c)`` for the positive factors ``c`` of ``a``
    (``lam`` where it divides every term, then the positive rational content); expand."""

    def pull(*args: sp.Expr) -> sp.Expr:
        args = tuple(sp.expand(a) for a in args)
        if len(args) != 2 or 0 not in args:
            return sp.Max(*args)
        inner, factor = (args[0] if args[1] == 0 else args[1]), sp.Integer(1)
        if lam.free_symbols and not sp.expand(inner / lam).has(lam):
            inner, factor = sp.expand(inner / lam), lam
        content, primitive = inner.as_content_primitive()
        return factor * content * sp.Max(0, primitive)

    return Route("ReLU homogeneity (step 1), then expand",
                 lambda diff: sp.expand(diff.replace(sp.Max, pull)))


def _congruence(scaled_hidden: sp.Matrix, proved: sp.Matrix) -> Route:
    """Replace each hidden unit of the rescaled network by its value proved in step 2
    (``f(lambda a_k) = lambda f(a_k)``), then expand: the second layer's inputs then agree
    term by term, and so do all later layers."""
    rewrite = dict(zip(scaled_hidden, proved))

    def rebuild(expr: sp.Expr) -> sp.Expr:
        if expr in rewrite:
            return rewrite[expr]
        if not expr.args:
            return expr
        args = [rebuild(arg) for arg in expr.args]
        if all(new is old for new, old in zip(args, expr.args)):
            return expr
        if isinstance(expr, sp.Max):  # rebuilt as it was made: without a sign decision
            return sp.Max(*args, evaluate=False)
        return expr.func(*args)

    def reduce(diff: sp.Expr) -> sp.Expr:
        rewritten = rebuild(diff)
        return rewritten if rewritten == 0 else sp.expand(rewritten)

    return Route("hidden units rewritten by step 2, then expand", reduce)


def _sign_split(z: sp.Symbol) -> Route:
    s = sp.Dummy("s", positive=True)
    return Route("case split z > 0, z = 0, z < 0",
                 lambda diff: sp.Add(*[sp.Abs(diff.xreplace({z: c})) for c in (s, sp.S.Zero, -s)]))


@register(
    "relu-rescaling",
    title="Rescaling the layers of a ReLU network",
    sheets=[("seminar-1", "A3(b)")],
    parameters=[Parameter("sizes", Limited(Sizes(min_length=3, largest=8), 5), [2, 3, 2],
                          "layer widths [n0, n1, n2, ...]"),
                Parameter("lambda", Number(symbolic=True), None,
                          "the scale, nonzero (absent: a symbolic lambda > 0)")],
)
def relu_rescaling(sizes: list[int], **params: Any) -> Derivation:
    """``(lam W1, lam b1, W2 / lam, b2)`` leaves ``F`` unchanged for ``lam > 0``, not for ``lam < 0``."""
    given = params["lambda"]
    if given is not None and not given.free_symbols and given == 0:
        raise ParameterError("lambda", given, "a nonzero number (W2 / lambda is undefined at 0)")
    if given is None or given.free_symbols:
        lam = sp.Symbol("lambda" if given is None else str(given), positive=True)
    else:
        lam = given
    b = DerivationBuilder("relu-rescaling", "Rescaling the layers of a ReLU network",
                          r"$F(x) = f(W^{(2)} f(W^{(1)} x + b^{(1)}) + b^{(2)})$ with $f = "
                          r"\operatorname{ReLU}$ is unchanged by $(W^{(1)}, b^{(1)}, W^{(2)}) \to "
                          r"(\lambda W^{(1)}, \lambda b^{(1)}, W^{(2)} / \lambda)$ iff $\lambda > 0$",
                          {"sizes": sizes, "lambda": given})
    b.assume(rf"widths $n = {tuple(sizes)}$; $F = f \circ A^{{{len(sizes) - 1}}} \circ \dots "
             r"\circ f \circ A^1$, later layers untouched; $\lambda \ne 0$")
    b.convention(r"$f(z) = \max(0, z)$ entrywise")
    layers = [layer_symbols(k, sizes[k], sizes[k - 1]) for k in range(1, len(sizes))]
    x = sp.Matrix(vector_symbols("x", sizes[0]))
    F = _network(layers, x, evaluate=False)
    (W1, b1), (W2, b2) = layers[:2]
    scaled = [(lam * W1, lam * b1), (W2 / lam, b2), *layers[2:]]
    F_scaled = _network(scaled, x, evaluate=False)
    result: dict[str, Any] = {"F": F, "F_rescaled": F_scaled}
    if lam.is_positive:
        z, mu = sp.Symbol("z", real=True), sp.Symbol("lambda", positive=True)
        b.step("ReLU is positively homogeneous", sp.Max(0, mu * z), mu * sp.Max(0, z),
               route=_sign_split(z), reason=r"for $\lambda > 0$: both sides are $\lambda z$ if "
               r"$z > 0$ and $0$ if $z \le 0$")
        hidden = _relu(W1 * x + b1, evaluate=False)
        scaled_hidden = _relu(lam * W1 * x + lam * b1, evaluate=False)
        b.step("hidden layer", scaled_hidden, lam * hidden,
               route=_homogeneity(lam), reason=r"$f(\lambda (W^{(1)} x + b^{(1)})) = \lambda "
               r"f(W^{(1)} x + b^{(1)})$ by step 1",
               tex=r"f(\lambda W^{(1)} x + \lambda b^{(1)}) = \lambda f(W^{(1)} x + b^{(1)}) = "
                   r"\lambda h")
        h = sp.Matrix(vector_symbols("h", sizes[1]))
        b.step("output layer", (W2 / lam) * (lam * h) + b2, W2 * h + b2, route="expand",
               reason=r"$\lambda^{-1} \lambda = 1$",
               tex=r"\tfrac{1}{\lambda} W^{(2)} (\lambda h) + b^{(2)} = W^{(2)} h + b^{(2)}")
        b.step("the network is unchanged", F_scaled, F, route=_congruence(scaled_hidden, lam * hidden),
               reason="steps 1-3 entry by entry, the later layers see the same input",
               tex=r"F_\lambda(x) = F(x) \text{ for every } x")
        result["invariant"] = sp.true
    else:
        result["invariant"] = sp.false
    bad = lam if lam.is_negative else sp.Symbol("lambda", negative=True)
    point, weights, values = _counterexample(sizes, bad)
    b.claim("a counterexample for " + ("every lambda < 0" if bad.free_symbols else f"lambda = {bad}"),
            sp.Ne(*values), lambda: sp.true if _differ(*_evaluate(sizes, weights, point, bad))
            else sp.false,
            reason=rf"small integer weights found by a seeded search; at $x = {to_latex(point.T)}$ "
                   rf"the first output is $F(x) = {to_latex(values[0])}$ but "
                   rf"$F_\lambda(x) = {to_latex(values[1])}$ (exact)",
            route="exact evaluation, sign of the difference",
            tex=rf"F(x) = {to_latex(values[0])} \ne {to_latex(values[1])} = F_{{\lambda}}(x)")
    b.note(r"For $\lambda < 0$, $\max(0, \lambda z) = |\lambda| \max(0, -z)$: the hidden "
           r"units switch sides, so the rescaled network computes a different function.")
    result.update({"counterexample_x": point, "counterexample_values": sp.Tuple(*values),
                   "counterexample_weights": sp.Tuple(*[sp.Tuple(W, c) for W, c in weights])})
    return b.build(result, checker=lambda found: _check_rescaling(sizes, lam, bad, found))


def _evaluate(sizes: list[int], weights: list, point: sp.Matrix, lam: sp.Expr) -> tuple:
    (W1, b1), (W2, b2), *rest = weights
    plain = _network(weights, point)[0]
    scaled = _network([(lam * W1, lam * b1), (W2 / lam, b2), *rest], point)[0]
    return plain, scaled


def _differ(plain: sp.Expr, scaled: sp.Expr) -> bool:
    """True when SymPy decides that ``plain - scaled`` is nonzero (for every admissible lambda)."""
    return bool(sp.expand(plain - scaled).is_nonzero)


def _counterexample(sizes: list[int], lam: sp.Expr) -> tuple[sp.Matrix, list, tuple]:
    rng = np.random.default_rng(0)
    for _ in range(1000):
        weights = [(sp.Matrix(rng.integers(-2, 3, size=(sizes[k], sizes[k - 1])).tolist()),
                    sp.Matrix(rng.integers(-2, 3, size=(sizes[k], 1)).tolist()))
                   for k in range(1, len(sizes))]
        point = sp.Matrix(rng.integers(-2, 3, size=(sizes[0], 1)).tolist())
        values = _evaluate(sizes, weights, point, lam)
        if _differ(*values):
            return point, weights, values
    raise ParameterError("sizes", sizes, "widths for which a counterexample exists")  # pragma: no cover


_FLOAT_OPS = {sp.Add: sum, sp.Mul: np.prod, sp.Max: max}


def _float_value(expr: sp.Expr, memo: dict[sp.Expr, float]) -> float:
    """``expr`` (sums, products, powers, Max of symbols in ``memo`` and numbers) in float64,
    each shared subexpression once: a walk of the derived network in its own structure."""
    if expr in memo:
        return memo[expr]
    if expr.is_Number:
        value = float(expr)
    elif expr.is_Pow:
        value = _float_value(expr.base, memo) ** _float_value(expr.exp, memo)
    else:
        value = float(_FLOAT_OPS[type(expr)]([_float_value(arg, memo) for arg in expr.args]))
    memo[expr] = value
    return value


def _check_rescaling(sizes: list[int], lam: sp.Expr, bad: sp.Expr, found: dict[str, Any]) -> CheckReport:
    """The simulator (Dense + ReLU per layer) with and without rescaling: the derived F and
    F_lambda, the verdict, and the counterexample (its weights, point and values)."""
    check = CrossCheck("simulator ReLU networks (Dense + ReLU per layer) at random weights", 1e-12)
    rng = np.random.default_rng(sum(sizes))
    derived = (found["F"], found["F_rescaled"])
    weights, point = found["counterexample_weights"], found["counterexample_x"]
    values = tuple(found["counterexample_values"])
    unchanged = True

    def run(layers: list, x: np.ndarray) -> np.ndarray:
        for W, c in layers:
            x = ReLU().forward(Dense(np.asarray(W, dtype=float).T, np.asarray(c, dtype=float).ravel())
                               .forward(x))
        return x

    scales = [0.37, 2.5, 10.0] if lam.free_symbols else [float(lam)] * (3 if lam > 0 else 5)
    differ = False
    for scale in scales:
        layers = numeric_layers(sizes, rng)
        x = rng.normal(size=(20, sizes[0]))
        (W1, b1), (W2, b2), *rest = layers
        rescaled = run([(scale * W1, scale * b1), (W2 / scale, b2), *rest], x)
        at = {**symbol_values(layers), **dict(zip(vector_symbols("x", sizes[0]), x[0]))}
        at.update({s: scale for s in lam.free_symbols})
        memo = {name: float(value) for name, value in at.items()}
        check.compare(f"lambda = {scale}: derived F and F_lambda vs the simulator",
                      [[_float_value(v, memo) for v in expr] for expr in derived],
                      [run(layers, x[:1])[0], rescaled[0]])
        if scale > 0:
            check.compare(f"lambda = {scale}: rescaled vs original", rescaled, run(layers, x))
        else:
            differ = differ or bool(np.any(np.abs(rescaled - run(layers, x)) > 1e-9))
        unchanged = unchanged and bool(np.allclose(rescaled, run(layers, x), rtol=1e-12, atol=1e-12))
    if lam.is_negative:
        check.require(f"lambda = {lam}: some random network changes under the rescaling", differ)
    check.require(f"invariant is {unchanged}: the simulator's networks are "
                  f"{'' if unchanged else 'not '}all unchanged", bool(found["invariant"]) == unchanged)
    (W1, b1), (W2, b2), *rest = weights
    at = np.array(point.T.tolist(), dtype=float)
    for value in ([-1.0, -0.3, -7.0] if bad.free_symbols else [float(bad)]):
        exact = [float(v.xreplace({bad: value})) for v in values]
        plain = run(weights, at)[0, 0]
        scaled = run([(value * np.array(W1.tolist(), dtype=float),
                       value * np.array(b1.tolist(), dtype=float)),
                      (np.array(W2.tolist(), dtype=float) / value, b2), *rest], at)[0, 0]
        check.compare(f"counterexample at lambda = {value} (F, F_lambda)", [plain, scaled], exact)
        check.require(f"counterexample at lambda = {value}: the simulator's F and F_lambda differ",
                      abs(plain - scaled) > 1e-9)
    return check.report()

"""Calculus of an activation: f', f' written in f, and the supremum of f' (``activation-calculus``).

A thin use of :mod:`symnn.activation_analysis.calculus`: the derivative piece by piece,
``f'`` as a function of ``f`` where one exists (``sigma' = f(1 - f)``,
``tanh' = 1 - f^2``, ``softplus' = 1 - e^{-f}``) or a witness that none does, and
``sup f'`` from the critical points of ``f'``, with the vanishing-gradient factor
``(sup f')^L`` over ``L`` layers.

>>> import symnn
>>> r = symnn.derive("activation-calculus", activation="tanh").result
>>> r["derivative_in_f"], r["sup_derivative"], r["sup_attained_at"]
(1 - f**2, 1, {0})
"""

from __future__ import annotations

import bisect
import itertools

import numpy as np
import sympy as sp

from symnn.activation_analysis.calculus import DIGITS, enclosed_value, piece_route, piece_slope, supremum
from symnn.activation_analysis.kinds import ALPHA, activation_parameter
from symnn.activation_analysis.limits import CONTINUITY, DOMINANT, certified_limit
from symnn.activation_analysis.table import TABLE, Activation, F, derivative_pieces, x
from symnn.activation_analysis.zero_sets import zero_set
from symnn.core.certify import ROUTES, Route
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.registry import register
from symnn.core.zeros import one_zero

DIFF = Route("rewrite(exp), doit, exp-cancel", lambda d: ROUTES["exp-cancel"](d.rewrite(sp.exp).doit()))
SLOPE = sp.Symbol("f'", real=True)
DEPTH = sp.Symbol("L", integer=True, positive=True)


def derivative_expression(activation: Activation, alpha: sp.Expr) -> sp.Expr:
    """f'(x) as one expression; at a kink, the derivative of the piece that holds it."""
    pieces = derivative_pieces(activation, alpha)
    slopes = [piece_slope(p) for p in pieces]
    if len(pieces) == 1:
        return slopes[0]
    return sp.Piecewise(*[(s, x <= p.upper if p.closed else x < p.upper)
                          for s, p in zip(slopes[:-1], pieces[:-1])], (slopes[-1], True))


@register("activation-calculus", title="Derivative of an activation and the supremum of f'",
          sheets=[("activations", "Calculus")], parameters=[activation_parameter("gelu"), ALPHA])
def activation_calculus(activation: str, alpha: sp.Expr | None) -> Derivation:
    """f', f' in terms of f, sup f' by critical points, and (sup f')^L."""
    rule = TABLE[activation]
    a = rule.numeric_alpha(alpha)
    f = rule.expression(a)
    b = DerivationBuilder("activation-calculus", f"Calculus of {activation}",
                          rf"$f = {rule.tex}$: $f'$, $f'$ in terms of $f$, and $\sup f'$",
                          {"activation": sp.Symbol(activation), "alpha": a} if rule.alpha else
                          {"activation": sp.Symbol(activation)})
    b.assume(r"$x \in \mathbb{R}$" + (rf"; $\alpha = {sp.latex(a)}$" if rule.alpha else ""))
    if len(rule.pieces(a)) > 1:
        b.convention(r"at a kink $f'$ is the derivative of the piece that holds the kink "
                     r"(as the simulator: $\operatorname{ReLU}'(0) = 0$)")
    b.define("activation", sp.Function("f")(x), f, reason="the table's definition")
    for piece in rule.pieces(a):
        if piece.shape.has(x) and piece.coefficient != 0:
            b.step("differentiate" + ("" if len(rule.pieces(a)) == 1 else
                                      " on the last piece" if piece.upper == sp.oo else
                                      f" on the piece up to x = {sp.sstr(piece.upper)}"),
                   sp.Derivative(piece.coefficient * piece.shape, x),
                   derivative_pieces(rule, a)[rule.pieces(a).index(piece)].coefficient
                   * derivative_pieces(rule, a)[rule.pieces(a).index(piece)].shape,
                   reason="the chain and product rules", route=DIFF)
    derivative = derivative_expression(rule, a)
    in_f = _in_f(b, rule, a, f, derivative)
    sup = _supremum(b, rule, a)
    factor = b.define("vanishing-gradient factor over depth $L$", sp.Symbol(r"\prod_l f'(z_l)"),
                      sup.value**DEPTH,
                      reason=r"each of the $L$ factors $f'(z_l)$ of the chain rule is at most "
                             r"$\sup f'$ (for $f' \ge 0$)")
    result = {"derivative": derivative, "derivative_in_f": in_f, "sup_derivative": sup.value,
              "sup_attained_at": sup.where, "vanishing_factor": factor,
              "closed_form": sp.true if sup.closed_form else sp.false}
    display = {} if in_f is not None else {"derivative_in_f": r"\text{none (see the witness step)}"}
    if not sup.closed_form:
        result["sup_enclosure"] = sp.Interval(*sup.enclosure)
        display["sup_enclosure"] = _interval_tex(sup.enclosure) + r"\ \text{(proved enclosure)}"
    return b.build(result, checker=lambda found: _check(rule, a, found), display=display)


def _in_f(b: DerivationBuilder, rule: Activation, a: sp.Expr, f: sp.Expr,
          derivative: sp.Expr) -> sp.Expr | None:
    if rule.in_f is not None:
        h = rule.in_f(F, a)
        if len(rule.pieces(a)) == 1:
            return b.step("$f'$ in terms of $f$", derivative, h, given={F: f}, route="exp-cancel",
                          reason=rf"substitute $f = {sp.latex(f)}$")
        return b.step("$f'$ in terms of $f$", SLOPE, h, route=piece_route(rule, a, F),
                      reason="on each piece and at each kink, $f$ determines $f'$")
    kind, x1, x2 = rule.no_f_form
    v1, v2 = (derivative.subs(x, p).rewrite(sp.exp) for p in (x1, x2))
    if kind == "equal values":
        b.claim("no form in $f$: a witness", sp.And(sp.Eq(f.subs(x, x1), f.subs(x, x2)), sp.Ne(v1, v2)),
                lambda: sp.And(sp.Eq(f.subs(x, x1), f.subs(x, x2)), sp.Ne(v1, v2)),
                route="exact values", reason=rf"$f({sp.latex(x1)}) = f({sp.latex(x2)})$ but the "
                                             r"slopes differ, so $f'$ is no function of $f$")
    else:
        b.claim("$f'$ changes sign", sp.And(sp.Lt(v1, 0), sp.Gt(v2, 0)),
                lambda: sp.And(sp.Lt(v1, 0), sp.Gt(v2, 0)), route="exact sign of constants",
                reason=rf"exact signs of $f'$ at $x = {sp.latex(x1)}$ and $x = {sp.latex(x2)}$")
        b.cite("no form in $f$", sp.Symbol(r"f' \ne h(f)"), theorem="intermediate value theorem",
               reason=r"$f$ has a strict minimum between the two points; a level just above it is "
                      r"taken on both sides of the minimum, with $f' < 0$ on one side and $f' > 0$ on "
                      r"the other, so $f'$ is no function of $f$")
    return None


def decimal(value: sp.Rational) -> str:
    """An exact decimal fraction ``k / 10^m`` written out in digits.

    >>> decimal(sp.Rational(-5, 4))
    '-1.25'
    """
    digits = next((d for d in range(4 * len(str(value.q))) if 10**d % value.q == 0), None)
    if digits is None:
        raise ValueError(f"{value} is not a decimal fraction")
    whole, part = divmod(abs(value.p) * 10**digits // value.q, 10**digits)
    fraction = f"{part:0{digits}d}".rstrip("0")
    return ("-" if value < 0 else "") + f"{whole}" + (f".{fraction}" if fraction else "")


def _interval_tex(box: tuple[sp.Rational, sp.Rational]) -> str:
    return rf"\left[{decimal(box[0])},\ {decimal(box[1])}\right]"


def _supremum(b: DerivationBuilder, rule: Activation, a: sp.Expr):
    sup = supremum(rule, a)
    for c in sup.critical:
        if c.box is None:
            b.step(f"critical point of $f'$ at $x = {sp.latex(c.point)}$", c.curvature.subs(x, c.point),
                   sp.Integer(0), route="exp-cancel", reason=r"$f''$ vanishes there")
    boxes = [c for c in sup.critical if c.box is not None]
    if sup.zero_sets:
        exact = [c.point for c in sup.critical if c.box is None]  # in increasing order
        shown = [sp.latex(p) for p in exact] + [f"x_{k}" for k in range(1, len(boxes) + 1)]
        b.claim("all critical points" if shown else "no critical points",
                sp.FiniteSet(*exact, *[sp.Symbol(f"x_{k}") for k in range(1, len(boxes) + 1)]),
                lambda: bool(all(zero_set(g, x, lo, hi, zeros.exact) == zeros
                                       for lo, hi, g, zeros in sup.zero_sets)),
                route="factor; signs by assumptions; interval arithmetic on a window and the tails",
                reason="; ".join(rf"on $({sp.latex(lo)}, {sp.latex(hi)})$: " + zeros.proof()
                                 for lo, hi, _, zeros in sup.zero_sets),
                tex=(rf"f''(x) = 0 \iff x \in \left\{{{', '.join(shown)}\right\}}" if shown else
                     r"f''(x) \ne 0 \text{ for all } x"))
    for k, c in enumerate(boxes, start=1):
        b.claim(rf"a zero of $f''$ enclosed, $x_{k} \approx {sp.latex(sp.Float(c.point, 12))}$",
                sp.Interval(*c.box), lambda c=c: bool(one_zero(c.curvature, x, *c.box)),
                route="interval signs of f'' at the ends and of f''' over the box",
                reason=r"$f''$ has strict opposite signs at the decimal ends and $f'''$ one sign "
                       r"between them: exactly one zero",
                tex=rf"x_{k} \in {_interval_tex(c.box)}")
        value = next(d for d in sup.candidates if d.where == c.point)
        b.claim(f"$f'(x_{k})$ enclosed", sp.Interval(*value.enclosure),
                lambda c=c, value=value: sp.Eq(sp.Interval(*enclosed_value(c.slope, c.box)),
                                               sp.Interval(*value.enclosure)),
                route="interval arithmetic over the root's box",
                reason=rf"$f'$ over the box of $x_{k}$, rounded outward to {DIGITS} decimals",
                tex=rf"f'(x_{k}) \in {_interval_tex(value.enclosure)}")
    _limits(b, sup)
    b.cite(r"$\sup f'$ is a candidate", sp.Symbol(r"\sup f' \in \{\text{critical values, limits}\}"),
           theorem="extreme value theorem; Fermat's theorem on interior extrema",
           reason=r"$f'$ is continuous on each piece: its supremum there is taken at an interior "
                  r"zero of $f''$ or approached at an end of the piece")
    names = {c.point: f"x_{k}" for k, c in enumerate(boxes, start=1)}
    listed = ", ".join(f"$f'({names[d.where]})$" if d.enclosure else f"${sp.latex(d.value)}$"
                       for d in sup.candidates)
    if sup.closed_form:
        values = [c.value if c.enclosure is None else c.enclosure[1] for c in sup.candidates]
        b.claim(r"$\sup f'$ over the critical values and the limits at the ends of the pieces",
                sp.Eq(sp.Symbol(r"\sup f'"), sup.value),
                lambda: sp.And(*[sp.Ge(sup.value, v) for v in values])
                & sp.Or(*[sp.Eq(sup.value, v) for v in values]),
                route="exact comparison of the candidates", reason="candidates: " + listed)
        return sup
    top = next(c for c in sup.candidates if c.enclosure == sup.enclosure)
    b.claim(r"$\sup f'$ over the critical values and the limits at the ends of the pieces",
            sp.Interval(*sup.enclosure),
            lambda: sp.And(*[sp.Gt(top.low, c.high) for c in sup.candidates if c is not top]),
            route="exact comparison of the enclosure's lower end with the other candidates",
            reason=f"candidates: {listed}; the lower end of the enclosure of $f'({names[top.where]})$ "
                   f"exceeds every other candidate: a proved enclosure, not a closed form "
                   f"(its midpoint to {DIGITS} digits: ${sp.latex(sup.value)}$)",
            tex=rf"\sup f' \in {_interval_tex(sup.enclosure)}")
    return sup


LIMIT_REASONS = {
    CONTINUITY: r"at a finite end $f'$ has a finite interval enclosure on a closed one-sided box, so the "
                r"elementary expression is continuous there and the limit is its value",
    DOMINANT: r"at an infinite end numerator and denominator are divided by the fastest-growing term "
              r"$x^j e^{P(x)}$ of the denominator; then $x^j e^{P(x)} \to 0$ for a negative leading "
              r"coefficient of $P$, $\operatorname{erf}(t) \to \pm 1$, and the limits of sums, products "
              r"and a quotient with a nonzero limit below",
}


def _limits(b: DerivationBuilder, sup) -> None:
    """One step for the limits of f' at the ends of the pieces, each re-proved by its route."""
    limits = [c for c in sup.candidates if c.proof is not None]
    if not limits:
        return
    routes = sorted({c.proof.route for c in limits})
    b.claim("limits of $f'$ at the ends of the pieces", sp.FiniteSet(*[c.value for c in limits]),
            lambda: bool(all(certified_limit(c.slope, x, c.where, c.proof.side, c.value) == c.proof
                                   for c in limits)),
            route="; ".join(routes),
            reason="; ".join(LIMIT_REASONS[route] for route in routes),
            tex=r",\quad ".join(c.proof.tex() for c in limits))


def _check(rule: Activation, a: sp.Expr, result: dict) -> CheckReport:
    """Central differences of the simulator's f; its f'; a grid maximum of f' on [-40, 40]."""
    check = CrossCheck("central differences (h = 1e-6) and the simulator's derivative at 200 "
                       "points; grid maximum of the simulator's f' on [-40, 40] (step 1e-3); the "
                       "simulator's f' at the points of the supremum; the factor at L = 1, 2, 3", 1e-6)
    derivative, in_f, sup = result["derivative"], result["derivative_in_f"], result["sup_derivative"]
    kinks = [float(p.upper) for p in rule.pieces(a)[:-1]]
    points = np.random.default_rng(0).normal(size=200) * 3
    points = points[np.min(np.abs(points[:, None] - np.array(kinks or [1e9])[None, :]), axis=1) > 1e-3]
    numeric = sp.lambdify(x, derivative.rewrite(sp.exp), "mpmath")
    derived = np.array([float(numeric(p)) for p in points])
    h = 1e-6
    differences = (rule.simulate(points + h, a) - rule.simulate(points - h, a)) / (2 * h)
    check.compare("f' against central differences", derived, differences)
    check.compare("f' against the simulator's derivative", derived, rule.simulate_prime(points, a),
                  tolerance=1e-12)
    if in_f is not None:
        h_of_f = sp.lambdify(F, in_f.rewrite(sp.exp), np)
        values = np.broadcast_to(np.asarray(h_of_f(rule.simulate(points, a)), dtype=float), points.shape)
        check.compare("h(f(x)) against the simulator's f'", values, rule.simulate_prime(points, a),
                      tolerance=1e-12)
    grid = np.arange(-40, 40, 1e-3)
    top = float(np.max(rule.simulate_prime(grid, a)))
    check.require(f"grid maximum {top:.12g} <= sup f' + 1e-12", top <= float(sup) + 1e-12)
    check.require(f"grid maximum {top:.12g} within 1e-6 of sup f'", abs(top - float(sup)) <= 1e-6)
    check.require("closed_form is true exactly when sup f' is an exact number (no decimal value)",
                  bool(result["closed_form"]) == (sup.is_number and not sup.has(sp.Float)))
    if "sup_enclosure" in result:
        low, high = (float(end) for end in result["sup_enclosure"].boundary)
        check.require(f"the enclosure [{low:.12g}, {high:.12g}] holds sup f' and is within 1e-6 of "
                      "the grid maximum", low <= float(sup) <= high and top <= high + 1e-12
                      and top >= low - 1e-6)
    inside, outside = _probes(result["sup_attained_at"], np.concatenate([points, grid[::500]]))
    check.compare("the simulator's f' where the supremum is attained against sup f'",
                  rule.simulate_prime(inside, a), np.full(inside.shape, float(sup)), tolerance=1e-9)
    check.require("the simulator's f' is below sup f' - 1e-9 just outside the ends of that set",
                  bool(np.all(rule.simulate_prime(outside, a) < float(sup) - 1e-9)))
    factor = result["vanishing_factor"]
    check.compare("vanishing factor at L = 1, 2, 3 against the grid maximum to those powers",
                  [float(factor.subs(DEPTH, depth)) for depth in (1, 2, 3)],
                  [top**depth for depth in (1, 2, 3)])
    return check.report()


def _probes(attained: sp.Set, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of ``attained`` (its finite ends and the given points in it), and points 1e-3
    outside its finite ends."""
    ends = [e for e in attained.boundary if e.is_finite]
    near = [float(e) + side for e in ends for side in (-1e-3, 1e-3)]
    inside = [float(e) for e in ends if attained.contains(e) == sp.true]
    inside += [p for p, held in zip([*near, *points], _members(attained, [*near, *points])) if held]
    outside = [p for p, held in zip(near, _members(attained, near, sp.false)) if held]
    return np.array(inside, dtype=float), np.array(outside, dtype=float)


def _members(attained: sp.Set, points: list[float], verdict: sp.Basic = sp.true) -> list[bool]:
    """For each point ``p``: does ``attained.contains(p)`` give ``verdict``? Exactly, with one
    ``contains`` per gap between the finite ends of the set (a finite union of intervals and
    points is in or out on the whole of each gap), and one per point within 1e-9 of an end.

    >>> _members(sp.Interval.Lopen(0, 2), [-1.0, 0.0, 1.0, 2.0, 3.0])
    [False, False, True, True, False]
    """
    ends = sorted({e for e in attained.boundary if e.is_finite}, key=float)
    inner = [(a + b) / 2 for a, b in itertools.pairwise(ends)]
    within = [ends[0] - 1, *inner, ends[-1] + 1] if ends else [sp.Integer(0)]
    gaps = [attained.contains(p) == verdict for p in within]
    floats = [float(e) for e in ends]
    found = []
    for p in points:
        if any(abs(p - e) <= 1e-9 * max(1.0, abs(e)) for e in floats):
            found.append(attained.contains(sp.Float(p)) == verdict)
        else:
            found.append(gaps[bisect.bisect(floats, p)])
    return found

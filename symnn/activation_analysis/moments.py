"""Gaussian moments of any activation in the table: the engine behind the moment derivations.

For ``G = mu + sigma Z``, ``Z ~ N(0, 1)``, each piece ``c_i g_i(x)`` of ``f`` lives on
``z`` between the cuts ``(b - mu)/sigma`` of the kinks ``b``; ``E[f(G)^p]`` splits into
one integral per piece (certified case by case between the cuts) and each is evaluated
by the certified antiderivatives of :mod:`.gaussian_integrals`:

.. math:: \\mathbb{E}[f(G)^p] = \\sum_i c_i^p \\int_{\\gamma_{i-1}}^{\\gamma_i} g_i(\\mu + \\sigma z)^p
          \\varphi(z)\\, dz, \\qquad \\operatorname{Var} f(G) = \\mathbb{E}[f(G)^2] - \\mathbb{E}[f(G)]^2.

Where a piece has no antiderivative here, the moment is a 30-digit number with its error
bound (:mod:`.numeric`), or, for symbolic ``mu``/``sigma``, the integral itself, and
``closed_form`` is false. ``E[f(G)] = f(0)`` at ``mu = 0`` when ``f - f(0)`` is odd.

>>> import sympy as sp
>>> from symnn.core.derivation import DerivationBuilder
>>> b = DerivationBuilder("demo", "demo", "demo")
>>> m = gaussian_moments(b, TABLE["gelu"], None, sp.Integer(0), sp.Integer(1))
>>> m.mean, m.closed["mean"], m.closed["second_moment"]
(1/(2*sqrt(pi)), True, True)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from symnn.activation_analysis import gaussian_integrals as gi
from symnn.activation_analysis.erf_square import whole_line_steps
from symnn.activation_analysis.erf_terms import DIFF
from symnn.activation_analysis.growth import linear_growth
from symnn.activation_analysis.numeric import DIGITS, confirms, expectation
from symnn.activation_analysis.table import TABLE, Activation, x
from symnn.core.certify import ROUTES, Route
from symnn.core.derivation import DerivationBuilder
from symnn.core.latex import to_latex

Z, PHI = gi.Z, gi.PHI
VARIANCE_TEX = r"\operatorname{Var} Y = \mathbb{E}[Y^2] - \mathbb{E}[Y]^2"
MEAN_SYMBOL = sp.Symbol(r"\mathbb{E}[Y]")
NAMES = {1: "mean", 2: "second moment"}
#: the largest proved error accepted for a 30-digit value, relative to max(1, |v|)
NUMERIC_TOLERANCE = 1e-28


#: the route ``doit-cancel``, its answer remembered per difference: the steps ``F_k' = z^k phi``
#: recur in every moment derivation, and the route's answer for one difference never changes
DOIT_CANCEL = Route("doit-cancel", functools.lru_cache(maxsize=256)(ROUTES["doit-cancel"]))


@dataclass
class Moments:
    """What the engine found: the moments, which are closed forms, and numeric error bounds."""

    mean: sp.Expr
    second_moment: sp.Expr
    variance: sp.Expr
    closed: dict[str, bool]
    bounds: dict[str, float] = field(default_factory=dict)
    held_forms: dict[str, sp.Expr] = field(default_factory=dict)
    cut: sp.Expr | None = None

    @property
    def closed_form(self) -> bool:
        """True when mean, second moment and variance are all closed forms."""
        return all(self.closed.values())


def cuts_of(activation: Activation, alpha: sp.Expr, mu: sp.Expr, sigma: sp.Expr) -> tuple[sp.Expr, ...]:
    """The cuts ``(b - mu)/sigma`` in z of the kinks ``b`` (in increasing order)."""
    return tuple(sp.cancel((p.upper - mu) / sigma) for p in activation.pieces(alpha)[:-1])


def piece_integrals(activation: Activation, alpha: sp.Expr, X: sp.Expr, cuts: tuple[sp.Expr, ...],
                    power: int) -> tuple[sp.Expr, sp.Expr]:
    """The whole-line integral of ``f(X)^power phi`` and its split into one integral per piece."""
    pieces = activation.pieces(alpha)
    ends = (-sp.oo, *cuts, sp.oo)
    if len(pieces) == 1:
        whole = sp.Integral((pieces[0].coefficient * pieces[0].shape.subs(x, X)) ** power * PHI,
                            (Z, -sp.oo, sp.oo))
        return whole, whole
    branches = [(p.coefficient * p.shape.subs(x, X), ends[i] <= Z)
                for i, p in reversed(list(enumerate(pieces))) if i > 0]
    f_of_x = sp.Piecewise(*branches, (pieces[0].coefficient * pieces[0].shape.subs(x, X), True))
    whole = sp.Integral(f_of_x**power * PHI, (Z, -sp.oo, sp.oo))
    parts = sp.Add(*[p.coefficient**power * sp.Integral(p.shape.subs(x, X) ** power * PHI,
                                                         (Z, ends[i], ends[i + 1]))
                     for i, p in enumerate(pieces)])
    return whole, parts


def _integrals(expr: sp.Expr) -> list[sp.Integral]:
    return list(expr.atoms(sp.Integral))


def _closed(parts: sp.Expr) -> bool:
    return all(gi.integrable(integral) for integral in _integrals(parts))


def standard_normal_steps(b: DerivationBuilder, extra: list[tuple[str, sp.Expr]]) -> None:
    """Define phi; certify F_0, F_1, F_2, their values at -oo and +oo, and further antiderivatives."""
    b.define("standard normal density and distribution", sp.Symbol(r"\varphi(z)"), PHI,
             reason=r"$\Phi(z) = \frac12\left(1 + \operatorname{erf}(z/\sqrt2)\right)$, "
                    r"$\Phi' = \varphi$")
    for k, F in enumerate(gi.ANTIDERIVATIVES):
        b.step(rf"antiderivative $F_{k}$ of $z^{k} \varphi$", sp.Derivative(F, Z), Z**k * PHI,
               reason=r"differentiate; $\varphi'(z) = -z\varphi(z)$", route=DOIT_CANCEL)
    limits, moments = gi.polynomial_limits(), gi.normal_moments()
    b.claim("values at -oo and +oo", sp.Tuple(*[sp.Tuple(*pair) for pair in limits]),
            lambda: sp.And(*[sp.Eq(lo, 0) & sp.Eq(hi, m) for (lo, hi), m in zip(limits, moments)]),
            route="substitution of +-oo, sympy.limit for z phi(z); +oo against the N(0, 1) "
                  "moments",
            reason=r"$\operatorname{erf}(\pm\infty) = \pm1$ and $z^k\varphi(z) \to 0$; "
                   r"$F_k(+\infty) - F_k(-\infty) = \mathbb{E}[Z^k] = "
                   r"\frac{d^k}{dt^k} e^{t^2/2}\big|_{t=0}$",
            tex=r"(F_0, F_1, F_2)(-\infty) = (0, 0, 0),\ (F_0, F_1, F_2)(+\infty) = "
                + sp.latex(sp.Tuple(*[hi for _, hi in limits])))
    for kind, parameter in extra:
        if gi.whole_line_only(kind, parameter):
            whole_line_steps(b, kind, parameter)
            continue
        shown = to_latex(gi.integrand(kind, parameter) / PHI)
        plain = kind in ("exp", "z erf") and not (kind == "z erf" and parameter[1] != 0)
        b.step(rf"antiderivative of ${shown}\,\varphi$", sp.Derivative(gi.antiderivative(kind, parameter), Z),
               gi.integrand(kind, parameter), route=DOIT_CANCEL if plain else DIFF,
               reason=r"differentiate; $\operatorname{erf}'(u) = \frac{2}{\sqrt\pi} e^{-u^2}$")


def gaussian_moments(b: DerivationBuilder, activation: Activation, alpha: sp.Expr | None,
                     mu: sp.Expr, sigma: sp.Expr, *, hold: bool = False,
                     split_reason: Callable[[int, sp.Expr], str] | None = None) -> Moments:
    """Add the steps for E[f(G)], E[f(G)^2] and Var f(G) to ``b``; return the :class:`Moments`.

    ``hold`` keeps ``Phi(c)`` and ``phi(c)`` as symbols in the shown steps (one cut only);
    ``split_reason(power, cut)`` words the split step.
    """
    alpha = activation.resolve_alpha(alpha)
    standard = mu == 0 and sigma == 1
    X = mu + sigma * Z
    cuts = cuts_of(activation, alpha, mu, sigma)
    split = {p: piece_integrals(activation, alpha, X, cuts, p) for p in (1, 2)}
    closed = {p: _closed(split[p][1]) for p in (1, 2)}
    if any(closed.values()):
        needed = [split[p][1] for p in (1, 2) if closed[p]]
        standard_normal_steps(b, gi.kinds_used([i for e in needed for i in _integrals(e)]))
    for cut, piece in zip(cuts, activation.pieces(alpha)):
        if not standard and any(closed.values()):
            b.step("sign of X" if piece.upper == 0 else f"X against {sp.sstr(piece.upper)}",
                   X - piece.upper, sigma * (Z - cut), route="cancel",
                   reason=rf"$\sigma > 0$, so $X \ge {sp.latex(piece.upper)} \iff z \ge "
                          rf"{sp.latex(cut)}$" if piece.upper != 0 else
                          r"$\sigma > 0$, so $X \ge 0 \iff z \ge c$")
    held = hold and not standard and len(cuts) == 1 and all(closed.values())
    values = {}
    if held:
        values = {gi.HELD_CDF: gi.normal_cdf(cuts[0]), gi.HELD_PDF: PHI.subs(Z, cuts[0])}
        b.define("shorthand", sp.Tuple(gi.HELD_CDF, gi.HELD_PDF), sp.Tuple(*values.values()),
                 reason=rf"$\Phi$ and $\varphi$ at $c = {sp.latex(cuts[0])}$")
    found: dict[int, sp.Expr] = {}
    shown: dict[int, sp.Expr] = {}
    bounds: dict[str, float] = {}
    for power in (1, 2):
        name = NAMES[power]
        whole, parts = split[power]
        if closed[power]:
            if parts != whole:
                reason = (split_reason(power, cuts[0]) if split_reason else
                          rf"${activation.tex}$ is one expression on each interval between "
                          rf"the cuts $z = {', '.join(sp.latex(c) for c in cuts)}$")
                b.step(f"{name}: split at z = c", whole, parts, route=gi.split_route(cuts),
                       reason=reason)
            value = tidy(gi.evaluate(parts, held), alpha, held)
            extra = gi.kinds_used(_integrals(parts))
            lemma = any(gi.whole_line_only(kind, parameter) for kind, parameter in extra)
            shown[power] = b.step(f"{name}: evaluate the branches", parts, value,
                                  route=gi.FTC_LEMMA if lemma else gi.FTC,
                                  given=values if held else None,
                                  reason=r"$\int_a^b g\,\varphi = F(b) - F(a)$ with the "
                                         r"antiderivatives above" if extra else
                                         r"$\int_a^b z^k \varphi = F_k(b) - F_k(a)$")
            found[power] = tidy(shown[power].xreplace(values), alpha)
            continue
        if power == 1 and mu == 0 and activation.odd_about is not None:
            found[1] = _odd_mean(b, activation, alpha, sigma)
            closed[1] = True
            continue
        numeric = not (mu.free_symbols or sigma.free_symbols or alpha.free_symbols)
        if numeric:
            f = activation.expression(alpha)
            kinks = tuple(p.upper for p in activation.pieces(alpha)[:-1])
            if not bounds:
                growth_claim(b, activation, f, kinks)
            found[power], bounds[name.replace(" ", "_")] = numeric_moment(b, activation, f, mu, sigma,
                                                                           kinks, power)
        else:
            found[power] = whole
            b.note(rf"No closed form is derived for $\mathbb{{E}}[{activation.tex}(G)^{power}]$ "
                   r"with symbolic parameters: it is left as the integral.")
    result_closed = {"mean": closed[1], "second_moment": closed[2], "variance": all(closed.values())}
    if all(closed.values()):
        spread = b.step("variance", shown.get(2, found[2]) - MEAN_SYMBOL**2,
                        shown.get(2, found[2]) - shown.get(1, found[1]) ** 2, route="expand",
                        given={MEAN_SYMBOL: shown.get(1, found[1])},
                        reason=r"$\operatorname{Var} Y = \mathbb{E}[Y^2] - \mathbb{E}[Y]^2$",
                        tex=VARIANCE_TEX if held else None)
        variance = tidy(spread.xreplace(values), alpha)
    else:
        variance = found[2] - found[1] ** 2
        if not variance.free_symbols and not variance.has(sp.Integral):
            variance = sp.Float(sp.N(variance, DIGITS + 5), DIGITS)
            first, second = bounds.get("mean", 0.0), bounds.get("second_moment", 0.0)
            propagated = second + 2 * abs(float(found[1])) * first + first**2
            rounding = 10.0 ** (1 - DIGITS) * max(1.0, abs(float(variance)))  # v2 - v1^2 rounded to 30 digits
            bounds["variance"] = (propagated + rounding) * (1 + 1e-9)  # covers the float sums' own rounding
    held_forms = {"mean": shown.get(1), "second_moment": shown.get(2)} if held else {}
    return Moments(found[1], found[2], variance, result_closed, bounds, held_forms,
                   cuts[0] if len(cuts) == 1 else None)


def growth_claim(b: DerivationBuilder, activation: Activation, f: sp.Expr,
                 kinks: tuple[sp.Expr, ...]) -> None:
    """The certified claim ``|f(x)| <= A + B|x|`` that bounds the tails of the numeric moments."""
    growth = linear_growth(f, kinks)
    b.claim("linear growth of f", sp.Le(sp.Abs(f), growth.constant + growth.slope * sp.Abs(x)),
            lambda: linear_growth.__wrapped__(f, kinks) == growth,  # the enclosures again, uncached
            route="interval arithmetic on each piece",
            reason=rf"outward-rounded enclosures over the whole real line, piece by piece: "
                   rf"{growth.argument}",
            tex=rf"|{activation.tex}(x)| \le {sp.latex(growth.constant)} + "
                rf"{sp.latex(growth.slope)}\,|x|")


def numeric_moment(b: DerivationBuilder, activation: Activation, f: sp.Expr, mu: sp.Expr, sigma: sp.Expr,
                   kinks: tuple[sp.Expr, ...], power: int) -> tuple[sp.Float, float]:
    """A certified claim: ``E[f(G)^power]`` is within a proved ``epsilon`` of a 30-digit ``v``."""
    value, bound = expectation(f, mu, sigma, kinks, power=power)

    def enclosed() -> bool:  # a fresh enclosure at higher precision, not the cached one
        return (bound <= NUMERIC_TOLERANCE * max(1.0, abs(float(value)))
                and confirms(f, mu, sigma, kinks, power, value, bound))

    moment = rf"\mathbb{{E}}[{activation.tex}(G)^{power}]"
    symbol = sp.Symbol("E[f(G)]" if power == 1 else "E[f(G)²]")
    b.claim(f"{NAMES[power]}: enclosure", sp.Le(sp.Abs(symbol - value), sp.Float(bound, 2)), enclosed,
            route="Arb ball quadrature on |z| <= 13 (proved remainder), tails by the growth bound",
            reason=r"the integral over $|z| \le 13$ (split at the kinks) is a ball with a proved radius; "
                   rf"the tails $|z| > 13$ are bounded through the growth of ${activation.tex}$; "
                   "the midpoint is rounded to 30 digits",
            tex=rf"\left|{moment} - {sp.latex(value)}\right| \le {sp.latex(sp.Float(bound, 2))}")
    b.note(rf"No closed form is derived for ${moment}$: it is the 30-digit number "
           rf"${sp.latex(value)}$ with the proved error bound ${sp.latex(sp.Float(bound, 2))}$. "
           "The value is not exact.")
    return value, bound


def reflection_route(inner: str) -> Route:
    """``Integral(g phi, R) - c``: substituting ``z -> -z`` over the whole line leaves the integral
    of the even part ``(g(z) + g(-z)) phi(z) / 2``; that part must be ``c phi`` (by ``inner``),
    and ``int phi = 1``."""
    def reduce(difference: sp.Expr) -> sp.Expr:
        integrals = list(difference.atoms(sp.Integral))
        if len(integrals) != 1 or integrals[0].limits[0][1:] != (-sp.oo, sp.oo):
            return difference
        (integral,) = integrals
        g = integral.function.subs(integral.limits[0][0], Z)
        even = sp.cancel((g + g.subs(Z, -Z)) / 2 / PHI)
        return ROUTES[inner](even + (difference - integral))

    return Route(f"substitute z -> -z over the whole line, the even part against c phi, {inner}", reduce)


def _odd_mean(b: DerivationBuilder, activation: Activation, alpha: sp.Expr, sigma: sp.Expr) -> sp.Expr:
    """E[f(sigma Z)] = f(0) when f - f(0) is odd: certified oddness, then the reflection z -> -z."""
    c = activation.odd_about
    f = activation.expression(alpha)
    route = "piecewise" if f.has(sp.Piecewise) else "exp-cancel"
    b.step("$f - f(0)$ is odd", (f.subs(x, -x) - c) + (f - c), sp.Integer(0), route=route,
           reason=rf"$f(0) = {sp.latex(c)}$; rewrite in $e^x$ and cancel")
    mean = sp.Integral(f.subs(x, sigma * Z) * PHI, (Z, -sp.oo, sp.oo))
    return b.step("mean by symmetry", mean, c, route=reflection_route(route),
                  reason=r"substitute $z \to -z$: the integral equals that of the even part "
                         r"$\frac12\left(f(\sigma z) + f(-\sigma z)\right)\varphi(z) = f(0)\,\varphi(z)$, "
                         r"and $\int \varphi = 1$")


def tidy(expr: sp.Expr, alpha: sp.Expr, held: bool = False) -> sp.Expr:
    """Expanded and collected in alpha (and in the held Phi(c), phi(c)); a denominator that
    expanding turned into a sum is factored back."""
    expr = sp.expand(sp.powsimp(sp.expand(expr)))
    expr = sp.Add(*[sp.numer(t) / sp.factor(sp.denom(t)) if sp.denom(t).is_Add else t
                    for t in sp.Add.make_args(expr)])
    if held:
        return sp.collect(expr, [alpha, gi.HELD_CDF, gi.HELD_PDF] if alpha.free_symbols else
                          [gi.HELD_CDF, gi.HELD_PDF])
    return sp.collect(expr, alpha) if isinstance(alpha, sp.Symbol) else expr


__all__ = ["TABLE", "Moments", "gaussian_moments", "piece_integrals", "standard_normal_steps", "tidy"]

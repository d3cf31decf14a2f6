"""Integrals against the standard normal density by certified antiderivatives.

An integrand ``g(z) phi(z)`` whose ``g`` is a sum of terms ``c z^k`` (``k <= 2``),
``c e^{s z}``, ``c z Phi(b z)`` and the other erf terms of :mod:`.erf_terms` is integrated
over any interval by the fundamental theorem of calculus, with these antiderivatives (each
certified by differentiating it); a term ``erf(kz + c)`` over the whole line by the lemma
of :mod:`.erf_terms`:

.. math::

    (\\Phi)' = \\varphi,\\quad (-\\varphi)' = z\\varphi,\\quad (\\Phi - z\\varphi)' = z^2\\varphi,
    \\quad \\bigl(e^{s^2/2}\\Phi(z - s)\\bigr)' = e^{sz}\\varphi,\\quad
    \\Bigl(-\\varphi\\,\\Phi(bz) + \\tfrac{b\\operatorname{erf}(a z)}{4 a \\sqrt{\\pi}}\\Bigr)'
    = z \\varphi\\, \\Phi(bz),\\ a = \\sqrt{(1 + b^2)/2}.

No call to ``integrate``: the integrals are read off the antiderivatives' values.

>>> import sympy as sp
>>> evaluate(sp.Integral(Z**2 * PHI, (Z, -sp.oo, sp.oo)))
1
>>> sp.radsimp(evaluate(sp.Integral(Z * PHI * normal_cdf(Z), (Z, -sp.oo, sp.oo))))
sqrt(pi)/(2*pi)
"""

from __future__ import annotations

import itertools
from functools import cache, lru_cache

import sympy as sp

from symnn.activation_analysis import erf_square, erf_terms
from symnn.activation_analysis.erf_terms import CDF, PHI, Z
from symnn.core.certify import ROUTES, Route

#: antiderivatives F_k of z^k phi(z), k = 0, 1, 2
ANTIDERIVATIVES = (CDF, -PHI, CDF - Z * PHI)
#: Phi(c) and phi(c) held as symbols, so that general results stay readable
HELD_CDF, HELD_PDF = sp.Symbol(r"\Phi(c)", positive=True), sp.Symbol(r"\varphi(c)", positive=True)


def normal_cdf(argument: sp.Expr) -> sp.Expr:
    """Phi(argument) = (1 + erf(argument / sqrt 2)) / 2.

    >>> normal_cdf(sp.Integer(0))
    1/2
    """
    return CDF.subs(Z, argument)


def antiderivative(kind: str, parameter: sp.Expr) -> sp.Expr:
    """An antiderivative of ``g(z) phi(z)`` for the term kinds of :func:`classify`.

    ``("z^k", k)``: the F_k above; ``("exp", s)``: ``e^{s^2/2} Phi(z - s)``; the erf kinds
    of :mod:`.erf_terms` (``("z erf", (k, 0))``: ``-phi erf(k z) + k erf(a z) / (a sqrt(2 pi))``
    with ``a = sqrt(1/2 + k^2)``, by parts, then the Gaussian integral of ``e^{-a^2 z^2}``).

    >>> antiderivative("exp", sp.Integer(1))
    (erf(sqrt(2)*(z - 1)/2)/2 + 1/2)*exp(1/2)
    """
    if kind == "z^k":
        return ANTIDERIVATIVES[int(parameter)]
    if kind == "exp":
        return sp.exp(parameter**2 / 2) * normal_cdf(Z - parameter)
    return erf_terms.antiderivative(kind, parameter)


def integrand(kind: str, parameter: sp.Expr) -> sp.Expr:
    """``g(z) phi(z)`` whose antiderivative :func:`antiderivative` gives."""
    if kind in erf_terms.KINDS:
        return erf_terms.integrand(kind, parameter)
    shape = {"z^k": lambda: Z**parameter, "exp": lambda: sp.exp(parameter * Z)}[kind]()
    return shape * PHI


def classify(term: sp.Expr) -> tuple[sp.Expr, str, sp.Expr]:
    """``c * g(z)`` as ``(c, kind, parameter)``, or :class:`ValueError` when no kind fits.

    >>> classify(3 * Z**2), classify(-sp.exp(2 * Z))
    ((3, 'z^k', 2), (-1, 'exp', 2))
    """
    coeff, shape = term.as_independent(Z, as_Add=False)
    if shape == 1:
        return coeff, "z^k", sp.Integer(0)
    if shape == Z:
        return coeff, "z^k", sp.Integer(1)
    if shape.is_Pow and shape.base == Z and shape.exp == 2:
        return coeff, "z^k", sp.Integer(2)
    if isinstance(shape, sp.exp):
        s = sp.cancel(shape.args[0] / Z)
        if not s.has(Z):
            return coeff, "exp", s
    found = erf_terms.classify_erf(shape)
    if found is not None:
        return coeff, *found
    raise ValueError(f"no antiderivative here for ({shape}) phi(z)")


@cache
def _limits() -> tuple[tuple[sp.Expr, sp.Expr], ...]:
    """(F_k(-oo), F_k(+oo)): substitution where it is defined, ``sympy.limit`` otherwise."""
    return tuple((value_at(F, -sp.oo), value_at(F, sp.oo)) for F in ANTIDERIVATIVES)


def value_at(F: sp.Expr, end: sp.Expr) -> sp.Expr:
    """``F(end)``, by substitution if that is finite, else by limits (:func:`.erf_terms.value_at`)."""
    return erf_terms.value_at(F, Z, end)


def polynomial_limits() -> tuple[tuple[sp.Expr, sp.Expr], ...]:
    """The values of ``F_0, F_1, F_2`` at ``-oo`` and ``+oo``."""
    return _limits()


@cache
def normal_moments() -> tuple[sp.Expr, ...]:
    """E[Z^k], k = 0, 1, 2, from the moment-generating function ``e^{t^2/2}`` (independent of F_k).

    >>> normal_moments()
    (1, 0, 1)
    """
    t = sp.Symbol("t")
    mgf = sp.exp(t**2 / 2)
    return tuple(sp.diff(mgf, t, k).subs(t, 0) for k in range(3))


def _term_antiderivative(term: sp.Expr, point: sp.Expr, held: bool) -> sp.Expr:
    """One term ``c * g(z)`` of the integrand (divided by phi): its antiderivative at ``point``."""
    coeff, kind, parameter = classify(term)
    if kind == "z^k":
        k = int(parameter)
        if point in (sp.oo, -sp.oo):
            return coeff * _limits()[k][point == sp.oo]
        if held:
            return coeff * (HELD_CDF, -HELD_PDF, HELD_CDF - point * HELD_PDF)[k]
    return coeff * value_at(antiderivative(kind, parameter), point)


def kinds_used(integrals: list[sp.Integral]) -> list[tuple[str, sp.Expr]]:
    """The (kind, parameter) pairs other than z^k that the integrals need, in order of appearance."""
    found: list[tuple[str, sp.Expr]] = []
    for integral in integrals:
        (variable, _, _), = integral.limits
        for term in antiderivative_terms(integral.function.subs(variable, Z)):
            _, kind, parameter = classify(term)
            if kind != "z^k" and (kind, parameter) not in found:
                found.append((kind, parameter))
    return found


@lru_cache(maxsize=1024)  # pure: each integral is classified, evaluated and certified
def antiderivative_terms(integrand: sp.Expr) -> tuple[sp.Expr, ...]:
    """The additive terms of ``integrand / phi`` after expanding powers and exponentials."""
    ratio = sp.expand(sp.powsimp(sp.expand(sp.cancel(integrand / PHI)), combine="exp"),
                      power_exp=True)
    ratio = sp.expand(ratio.replace(sp.exp, lambda arg: sp.exp(sp.expand(arg)).expand()))
    return sp.Add.make_args(ratio)


def whole_line_only(kind: str, parameter: sp.Expr) -> bool:
    """True for an erf term without an antiderivative here: its integral is known over the whole
    line only, by a lemma (:func:`.erf_square.whole_line_steps`).

    >>> whole_line_only("erf", sp.Tuple(1, 0)), whole_line_only("z erf", sp.Tuple(1, 0))
    (True, False)
    """
    return kind in erf_terms.KINDS and not erf_terms.has_antiderivative(kind, parameter)


def _term_integral(term: sp.Expr, lo: sp.Expr, hi: sp.Expr, held: bool) -> sp.Expr:
    """One term over (lo, hi): ``F(hi) - F(lo)``, or a lemma's value over the whole line."""
    coeff, kind, parameter = classify(term)
    if whole_line_only(kind, parameter):
        if (lo, hi) != (-sp.oo, sp.oo):
            raise ValueError(f"{kind} over ({lo}, {hi}): only the whole line is known")
        return coeff * erf_square.whole_line_value(kind, parameter)
    return _term_antiderivative(term, hi, held) - _term_antiderivative(term, lo, held)


def ftc(integral: sp.Integral, held: bool = False) -> sp.Expr:
    """Integral of ``g(z) phi(z)`` over (lo, hi) as ``F(hi) - F(lo)``, term by term."""
    (variable, lo, hi), = integral.limits
    terms = antiderivative_terms(integral.function.subs(variable, Z))
    return sp.Add(*[_term_integral(t, lo, hi, held) for t in terms])


def integrable(integral: sp.Integral) -> bool:
    """True when every term of the integrand divided by phi has an antiderivative above (or,
    over the whole line, a lemma of :mod:`.erf_square`)."""
    (variable, lo, hi), = integral.limits
    try:
        for term in antiderivative_terms(integral.function.subs(variable, Z)):
            if not whole_line_only(*classify(term)[1:]) or (lo, hi) != (-sp.oo, sp.oo):
                _term_antiderivative(term, sp.Integer(0), False)
    except ValueError:
        return False
    return True


def evaluate(expr: sp.Expr, held: bool = False) -> sp.Expr:
    """Replace every ``Integral`` in ``expr`` by its value from the antiderivatives."""
    return expr.replace(lambda e: isinstance(e, sp.Integral), lambda e: ftc(e, held))


FTC = Route("fundamental theorem of calculus with the antiderivatives above, exp-cancel",
            lambda d: ROUTES["exp-cancel"](evaluate(d)))
#: the same, where a term is integrated over the whole line by a lemma of :mod:`.erf_square`
FTC_LEMMA = Route("fundamental theorem of calculus with the antiderivatives and the lemma above, "
                  "exp-cancel", lambda d: ROUTES["exp-cancel"](evaluate(d)))


def split_route(cuts: tuple[sp.Expr, ...]) -> Route:
    """Integrands over (-oo, oo) agree on every interval between the cuts ``c_1 < ... < c_m``.

    Sub-range integrals become indicators; on the j-th interval each comparison of ``z``
    with a cut or a limit is decided by the order of the cuts (proved: every gap
    ``c_{i+1} - c_i`` must be positive), and what remains must cancel to 0.
    """
    def full_line(integral: sp.Integral) -> sp.Expr:
        (variable, lo, hi), = integral.limits
        inside = sp.And(variable >= lo, variable <= hi)
        return sp.Piecewise((integral.function.subs(variable, Z), inside), (0, True))

    flipped = {sp.Ge: sp.Le, sp.Gt: sp.Lt, sp.Le: sp.Ge, sp.Lt: sp.Gt}

    def decide(relation: sp.Basic, interval: int) -> sp.Basic:
        """``relation`` decided on one interval when it compares z with a cut (in any form)."""
        if type(relation) not in flipped:
            return relation
        difference = sp.expand(relation.lhs - relation.rhs)
        slope = difference.coeff(Z)
        rest = sp.expand(difference - slope * Z)
        if rest.has(Z) or not slope.is_number or slope == 0:
            return relation
        kind = type(relation) if slope > 0 else flipped[type(relation)]
        point = sp.cancel(-rest / slope)
        if point in (sp.oo, -sp.oo):
            return sp.true if issubclass(kind, (sp.Le, sp.Lt)) == (point == sp.oo) else sp.false
        matches = [k for k, cut in enumerate(cuts) if sp.cancel(point - cut) == 0]
        if not matches:
            return relation
        above = matches[0] < interval  # z lies above this cut on the interval
        return sp.true if issubclass(kind, (sp.Ge, sp.Gt)) == above else sp.false

    def reduce(difference: sp.Expr) -> sp.Expr:
        gaps = [b - a for a, b in itertools.pairwise(cuts)]
        if not all(sp.cancel(gap).is_positive for gap in gaps):
            return sp.Tuple(*gaps)  # the order of the cuts is not proved: not 0
        integrand = difference.replace(lambda e: isinstance(e, sp.Integral), full_line)
        total = sp.Integer(0)
        for interval in range(len(cuts) + 1):
            decided = integrand.replace(lambda e: isinstance(e, sp.core.relational.Relational),
                                        lambda e, j=interval: decide(e, j))
            total += sp.Abs(sp.cancel(sp.piecewise_fold(decided)))
        return total

    shown = ", ".join(sp.sstr(cut) for cut in cuts)
    return Route(f"integrands agree on both sides of z = {shown}", reduce)

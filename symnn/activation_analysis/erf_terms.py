"""Normal integrals of the error function: the terms behind the moments of GELU.

With ``phi`` the standard normal density and ``e = erf(z/sqrt 2) = 2 Phi(z) - 1``, these
terms ``g(z) phi(z)`` have elementary antiderivatives (each certified by differentiating it):

.. math::

    \\Bigl(-\\varphi\\operatorname{erf}(kz + c) + \\tfrac{k}{a\\sqrt{2\\pi}} e^{-c^2/(2a^2)}
    \\operatorname{erf}\\bigl(az + \\tfrac{kc}{a}\\bigr)\\Bigr)' = z\\varphi\\operatorname{erf}(kz + c),
    \\quad a = \\sqrt{\\tfrac12 + k^2},

    \\bigl(-z e\\varphi + \\tfrac{e^2}{4} - \\varphi^2\\bigr)' = z^2 e\\varphi,\\qquad
    \\Bigl(-z e^2\\varphi + \\tfrac{e^3}{6} - 2e\\varphi^2 + \\tfrac{\\operatorname{erf}(\\sqrt6 z/2)}
    {\\sqrt3\\,\\pi}\\Bigr)' = z^2 e^2\\varphi.

A term ``erf(kz + c) phi(z)`` has none (its antiderivative is Owen's T function); over
the whole line its integral is the lemma

.. math:: \\mathbb{E}[\\operatorname{erf}(c + kZ)] = \\operatorname{erf}\\bigl(c/\\sqrt{1 + 2k^2}\\bigr),

derived in :func:`lemma_steps`: ``erf(c + kz) + 1`` is an integral in ``u`` of
``(2/sqrt pi) e^{-(u + kz)^2}``, the order of integration is exchanged (Tonelli: the
integrand is nonnegative), and the two Gaussian integrals left are done by certified
antiderivatives. The terms ``erf(kz)^2 phi``, ``z^2 erf(kz) phi`` and ``z^2 erf(kz)^2 phi``
at other ``k > 0`` are classified here too; they have no antiderivative here, and their
whole-line integrals are the lemmas of :mod:`.erf_square`. With ``c != 0`` they are not
classified (no closed form is derived).

>>> classify_erf(Z * sp.erf(2 * Z + 1))
('z erf', (2, 1))
>>> classify_erf(Z**2 * sp.erf(3 * Z) ** 2), classify_erf(Z**2 * sp.erf(3 * Z + 1) ** 2)
(('z^2 erf^2', (3, 0)), None)
>>> whole_line_value("erf", sp.Tuple(sp.sqrt(2) / 2, sp.Integer(0)))
0
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from symnn.core.certify import ROUTES, Route

Z = sp.Symbol("z", real=True)
U = sp.Symbol("u", real=True)
PHI = sp.exp(-(Z**2) / 2) / sp.sqrt(2 * sp.pi)
CDF = (1 + sp.erf(Z / sp.sqrt(2))) / 2
#: erf(z / sqrt 2), the only argument for which the z^2 terms have antiderivatives here
HALF = sp.sqrt(2) / 2
E = sp.erf(HALF * Z)
KINDS = ("erf", "z erf", "z^2 erf", "z^2 erf^2", "erf^2")


def affine(argument: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """``(k, c)`` with ``argument = k z + c``, ``k != 0``; None when it is not of that form."""
    k = sp.expand(sp.diff(argument, Z))
    c = sp.expand(argument - k * Z)
    if k.has(Z) or c.has(Z) or k == 0:
        return None
    return k, c


def classify_erf(shape: sp.Expr) -> tuple[str, sp.Tuple] | None:
    """``(kind, parameter)`` of a shape ``erf(kz + c)``, ``z erf(kz + c)``, ``z^2 e``, ``z^2 e^2``.

    >>> classify_erf(Z**2 * sp.erf(sp.sqrt(2) * Z / 2) ** 2)
    ('z^2 erf^2', (sqrt(2)/2, 0))
    """
    powers = [arg for arg in sp.Mul.make_args(shape) if arg == Z or (arg.is_Pow and arg.base == Z)]
    power = sum(1 if arg == Z else arg.exp for arg in powers)
    rest = sp.Mul(*[arg for arg in sp.Mul.make_args(shape) if arg not in powers])
    squared = rest.is_Pow and rest.exp == 2
    inner = rest.base if squared else rest
    if not isinstance(inner, sp.erf) or (found := affine(inner.args[0])) is None:
        return None
    k, c = found
    kind = {(0, False): "erf", (1, False): "z erf", (2, False): "z^2 erf", (2, True): "z^2 erf^2",
            (0, True): "erf^2"}.get((int(power), bool(squared)))
    if kind is None or (kind not in ("erf", "z erf") and (c != 0 or not k.is_positive)):
        return None
    return kind, sp.Tuple(k, c)


def has_antiderivative(kind: str, parameter: sp.Tuple) -> bool:
    """True when :func:`antiderivative` knows an elementary antiderivative of the term: ``z erf``
    always, ``z^2 erf`` and ``z^2 erf^2`` at ``k = 1/sqrt 2`` only (the others are whole-line
    lemmas, see :mod:`.erf_square`).

    >>> has_antiderivative("z^2 erf^2", sp.Tuple(HALF, 0)), has_antiderivative("z^2 erf^2", sp.Tuple(1, 0))
    (True, False)
    """
    return kind == "z erf" or (kind in ("z^2 erf", "z^2 erf^2") and sp.cancel(parameter[0] - HALF) == 0)


def antiderivative(kind: str, parameter: sp.Tuple) -> sp.Expr:
    """An antiderivative of ``g(z) phi(z)`` (not for ``erf``: it has none; see the lemma).

    >>> antiderivative("z^2 erf", sp.Tuple(HALF, 0))
    -sqrt(2)*z*exp(-z**2/2)*erf(sqrt(2)*z/2)/(2*sqrt(pi)) + erf(sqrt(2)*z/2)**2/4 - exp(-z**2)/(2*pi)
    """
    if kind == "z^2 erf" and has_antiderivative(kind, parameter):
        return -Z * E * PHI + E**2 / 4 - PHI**2
    if kind == "z^2 erf^2" and has_antiderivative(kind, parameter):
        return -Z * E**2 * PHI + E**3 / 6 - 2 * E * PHI**2 + sp.erf(sp.sqrt(6) * Z / 2) / (sp.sqrt(3) * sp.pi)
    if not has_antiderivative(kind, parameter):
        raise ValueError(f"no elementary antiderivative here for {kind}(z) phi(z) at {parameter}")
    k, c = parameter
    a = sp.sqrt(sp.Rational(1, 2) + k**2)
    return -PHI * sp.erf(k * Z + c) + k * sp.exp(-(c**2) / (2 * a**2)) * sp.erf(a * Z + k * c / a) / (
        a * sp.sqrt(2 * sp.pi))


def integrand(kind: str, parameter: sp.Tuple) -> sp.Expr:
    """``g(z) phi(z)`` for one kind."""
    k, c = parameter
    power, squared = {"erf": (0, 1), "z erf": (1, 1), "z^2 erf": (2, 1), "z^2 erf^2": (2, 2),
                      "erf^2": (0, 2)}[kind]
    return Z**power * sp.erf(k * Z + c) ** squared * PHI


def whole_line_value(kind: str, parameter: sp.Tuple) -> sp.Expr:
    """The lemma's value ``erf(c / sqrt(1 + 2k^2))`` of the integral of ``erf(kz + c) phi`` over R."""
    if kind != "erf":
        raise ValueError(f"{kind}: use its antiderivative")
    k, c = parameter
    return sp.erf(c / sp.sqrt(1 + 2 * k**2))


@cache  # pure: z phi(z) recurs in the antiderivatives of every moment derivation
def _limit_at_infinity(g: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    return sp.limit(g, variable, sp.oo)


@cache
def value_at(F: sp.Expr, variable: sp.Symbol, end: sp.Expr) -> sp.Expr:
    """``F(end)``: by substitution where that is finite; else term by term, each term's limit the
    product of the limits of its error-function factors (by substitution) and of the rest
    (``sympy.limit`` of the rest's factors that depend on the variable, times its constant),
    which is the limit of the product when all of them are finite. A limit at ``-oo`` is taken
    as the limit at ``oo`` of the term at ``-variable`` (so ``z phi(z)`` is one limit at both ends).

    >>> value_at(-Z * sp.erf(Z) ** 2 * PHI, Z, sp.oo)
    0
    """
    value = F.subs(variable, end)
    if value.is_finite or end not in (sp.oo, -sp.oo):
        return value
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(F)):
        value = term.subs(variable, end)
        if not value.is_finite:
            term = term if end == sp.oo else term.subs(variable, -variable)
            bounded = [f for f in sp.Mul.make_args(term) if (f.base if f.is_Pow else f).func == sp.erf]
            ends = [f.subs(variable, sp.oo) for f in bounded]
            constant, varying = sp.Mul(*[f for f in sp.Mul.make_args(term) if f not in bounded]) \
                .as_independent(variable, as_Mul=True)
            rest = constant * _limit_at_infinity(varying, variable)  # the constant kept out of gruntz
            value = sp.Mul(rest, *ends) if all(e.is_finite for e in [rest, *ends]) else \
                sp.limit(term, variable, sp.oo)
        total += value
    return total


def exp_normal(difference: sp.Expr) -> sp.Expr:
    """Derivatives done, expand, combine the exponentials of each term and cancel their exponents,
    then exp-cancel: ``e^{u^2/(1+s)} e^{s u^2/(1+s)}`` becomes ``e^{u^2}``. An integral is left
    as it is (never handed to ``integrate``), so a difference holding one is not 0.

    >>> s = sp.Symbol("s", positive=True)
    >>> exp_normal(sp.exp(Z**2 / (1 + s)) * sp.exp(s * Z**2 / (1 + s)) - sp.exp(Z**2))
    0
    """
    done = difference.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit())
    if done.has(sp.Integral):
        return done
    terms = sp.Add.make_args(sp.expand(done))
    combined = sp.Add(*[sp.powsimp(term, combine="exp") for term in terms])
    return ROUTES["exp-cancel"](combined.replace(sp.exp, lambda e: sp.exp(sp.cancel(sp.expand(e)))))


#: differentiate, then :func:`exp_normal`
DIFF = Route("doit, exponentials combined, exp-cancel", exp_normal)


def by_antiderivatives(*pairs: tuple[sp.Expr, sp.Symbol]) -> Route:
    """Each integral in a listed variable whose integrand is ``F'`` (by :func:`exp_normal`) is
    replaced by ``F(b) - F(a)`` (inner integrals first); what remains must cancel to 0."""
    def one(function: sp.Expr, variable: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> sp.Expr | None:
        for F, var in pairs:
            if var == variable and exp_normal(sp.diff(F, var) - function) == 0:
                return value_at(F, var, hi) - value_at(F, var, lo)
        return None

    def value(integral: sp.Integral) -> sp.Expr:
        function = integral.function
        for number, (variable, lo, hi) in enumerate(integral.limits):  # innermost first
            done = one(function, variable, lo, hi)
            if done is None:
                return sp.Integral(function, *integral.limits[number:])
            function = done
        return function

    def reduce(difference: sp.Expr) -> sp.Expr:
        return exp_normal(difference.replace(lambda e: isinstance(e, sp.Integral), value))

    return Route("F' = integrand, then F(b) - F(a), inner integral first; exponentials "
                 "combined, exp-cancel", reduce)


def lemma_steps(b, parameter: sp.Tuple) -> sp.Expr:
    """Derive ``E[erf(c + kZ)] = erf(c / sqrt(1 + 2k^2))`` in ``b`` (a DerivationBuilder)."""
    k, c = parameter
    r, a = sp.sqrt(1 + 2 * k**2), sp.sqrt(sp.Rational(1, 2) + k**2)
    kernel = 2 / sp.sqrt(sp.pi) * sp.exp(-((U + k * Z) ** 2))
    shown = sp.latex(sp.erf(k * Z + c))
    b.step(rf"${shown}$ as an integral in $u$", sp.Integral(kernel, (U, -sp.oo, c)),
           sp.erf(k * Z + c) + 1, route=by_antiderivatives((sp.erf(U + k * Z), U)),
           reason=r"$\frac{d}{du}\operatorname{erf}(u + kz) = \frac{2}{\sqrt\pi} e^{-(u + kz)^2}$, "
                  r"$\operatorname{erf}(-\infty) = -1$")
    inner = sp.Integral(kernel * PHI, (Z, -sp.oo, sp.oo))
    b.cite("exchange the order of integration",
           sp.Eq(sp.Integral((sp.erf(k * Z + c) + 1) * PHI, (Z, -sp.oo, sp.oo)),
                 sp.Integral(inner, (U, -sp.oo, c)), evaluate=False), theorem="Tonelli's theorem",
           reason="the integrand is nonnegative")
    F_inner = (2 / sp.sqrt(sp.pi) * sp.exp(-(U**2) / (2 * a**2)) * sp.erf(a * Z + k * U / a)
               / (2 * a * sp.sqrt(2)))
    value = b.step("the two Gaussian integrals", sp.Integral(inner, (U, -sp.oo, c)) - 1,
                   whole_line_value("erf", parameter),
                   route=by_antiderivatives((F_inner, Z), (sp.erf(U / r), U)),
                   reason=rf"complete the square in $z$; $\int_{{-\infty}}^c \frac{{2}}{{\sqrt\pi\,"
                          rf"{sp.latex(r)}}} e^{{-u^2/{sp.latex(r**2)}}}\,du = "
                          rf"\operatorname{{erf}}(c/{sp.latex(r)}) + 1$; $\int\varphi = 1$")
    return value


__all__ = ["CDF", "DIFF", "KINDS", "PHI", "Z", "antiderivative", "by_antiderivatives", "classify_erf",
           "exp_normal", "has_antiderivative", "integrand", "lemma_steps", "value_at", "whole_line_value"]

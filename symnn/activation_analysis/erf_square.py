"""Normal integrals over the whole line of ``erf(kz)^2``, ``z^2 erf(kz)`` and ``z^2 erf(kz)^2``.

For ``k > 0`` the terms ``erf(kz)^2 phi``, ``z^2 erf(kz) phi`` and ``z^2 erf(kz)^2 phi`` have
no elementary antiderivative (at ``k = 1/sqrt 2`` the last two do, see :mod:`.erf_terms`);
over the whole line they are

.. math::

    \\mathbb{E}[\\operatorname{erf}(kZ)^2] = \\tfrac4\\pi \\arctan\\sqrt{1 + 4k^2} - 1,\\qquad
    \\mathbb{E}[Z^2 \\operatorname{erf}(kZ)] = 0,

    \\mathbb{E}[Z^2 \\operatorname{erf}(kZ)^2] = \\mathbb{E}[\\operatorname{erf}(kZ)^2]
    + \\frac{8k^2}{\\pi (1 + 2k^2) \\sqrt{1 + 4k^2}},

derived in :func:`whole_line_steps`. The first: ``erf(kz)^2`` is the integral over
``t in [0, k]`` of its ``t``-derivative ``h(t, z) = (4z/sqrt pi) erf(tz) e^{-t^2 z^2}``;
``h phi >= 0`` (certified), so the order of integration may be exchanged (cited: Tonelli's
theorem); the Gaussian integral in ``z`` is done by an antiderivative found by parts and
the one in ``t`` by SymPy's antiderivative of ``4/(pi (1 + u^2))`` after the substitution
``u = sqrt(1 + 4t^2)``, each certified by differentiating it. The second: the integrand is
odd. The third: by parts, ``(-z g phi)' = z^2 g phi - g phi - z g' phi`` (Stein's identity
``E[Z^2 g] = E[g] + E[Z g']``), with ``z g'(z) = k h(k, z)``. At ``k = sigma/sqrt 2`` this
gives ``E[Phi(sigma Z)^2] = arctan(sqrt(1 + 2 sigma^2))/pi``, and so the second moment of
GELU at ``N(0, sigma^2)``.

>>> k = sp.Symbol("k", positive=True)
>>> whole_line_value("erf^2", sp.Tuple(k, 0))
4*atan(sqrt(4*k**2 + 1))/pi - 1
>>> whole_line_value("z^2 erf^2", sp.Tuple(sp.sqrt(2) / 2, 0))
1/3 + 2*sqrt(3)/(3*pi)
"""

from __future__ import annotations

from functools import cache

import sympy as sp
from sympy.integrals.rationaltools import ratint

from symnn.activation_analysis import erf_terms
from symnn.activation_analysis.erf_terms import PHI, Z, by_antiderivatives, exp_normal, value_at
from symnn.core.certify import Route

#: the variable of the integral in k, t in [0, k]
T = sp.Symbol("t", positive=True)
#: the substitution u = sqrt(1 + 4 t^2) that makes the integral in t rational
U = sp.Symbol("u", positive=True)
#: h(t, z) = d/dt erf(tz)^2
KERNEL = 4 * Z / sp.sqrt(sp.pi) * sp.erf(T * Z) * sp.exp(-(T**2) * Z**2)
#: whole-line values of these kinds; the others are in :mod:`.erf_terms`
KINDS = ("erf^2", "z^2 erf", "z^2 erf^2")


def inner_antiderivative(t: sp.Expr = T) -> sp.Expr:
    """An antiderivative in ``z`` of ``h(t, z) phi(z)``: by parts (``z e^{-(1 + 2t^2) z^2/2}`` is
    a derivative), then the Gaussian integral of ``e^{-(1 + 4t^2) z^2/2}``.

    >>> sp.simplify(sp.diff(inner_antiderivative(), Z) - KERNEL * PHI)
    0
    """
    a2, b = 1 + 2 * t**2, sp.sqrt(1 + 4 * t**2)
    return (-4 * sp.erf(t * Z) * sp.exp(-(t**2) * Z**2) * PHI / (a2 * sp.sqrt(sp.pi))
            + 4 * t * sp.erf(b * Z / sp.sqrt(2)) / (sp.pi * a2 * b))


@cache
def inner_value() -> sp.Expr:
    """``int h(t, z) phi(z) dz`` over the line: the antiderivative's values at ``-oo`` and ``+oo``.

    >>> inner_value()
    8*t/(pi*(2*t**2 + 1)*sqrt(4*t**2 + 1))
    """
    F = inner_antiderivative()
    return sp.factor(value_at(F, Z, sp.oo) - value_at(F, Z, -sp.oo))


@cache
def outer_antiderivative() -> tuple[sp.Expr, sp.Expr]:
    """``(rational integrand in u, antiderivative in t)``: ``inner_value`` with ``t = sqrt(u^2 - 1)/2``
    times ``dt/du`` is rational; SymPy's ``ratint`` integrates it, and ``u = sqrt(1 + 4t^2)`` is put back.

    >>> outer_antiderivative()
    (4/(pi*(u**2 + 1)), 4*atan(sqrt(4*t**2 + 1))/pi)
    """
    t_of_u = sp.sqrt(U**2 - 1) / 2
    rational = sp.factor(sp.cancel(inner_value().subs(T, t_of_u) * sp.diff(t_of_u, U)))
    return rational, ratint(rational, U).subs(U, sp.sqrt(1 + 4 * T**2))


def whole_line_value(kind: str, parameter: sp.Tuple) -> sp.Expr:
    """The integral of ``g(z) phi(z)`` over the line, for ``g`` in :data:`KINDS` and ``erf`` (the lemma
    of :mod:`.erf_terms`), from the antiderivatives above.

    >>> whole_line_value("z^2 erf", sp.Tuple(3, 0))
    0
    """
    if kind == "erf":
        return erf_terms.whole_line_value(kind, parameter)
    k, c = parameter
    if kind not in KINDS or c != 0:
        raise ValueError(f"{kind} at {parameter}: no whole-line value here")
    if kind == "z^2 erf":
        return sp.Integer(0)
    A = outer_antiderivative()[1]
    square = value_at(A, T, k) - value_at(A, T, sp.Integer(0))
    return square if kind == "erf^2" else square + k * inner_value().subs(T, k)


def linear_by_antiderivative(F: sp.Expr) -> Route:
    """Integrals over one interval in ``z`` are combined into one (linearity); its integrand must be
    ``F'`` (by :func:`.erf_terms.exp_normal`), and it is replaced by ``F(b) - F(a)``."""
    def combine(difference: sp.Expr) -> sp.Expr:
        integrals, rest = [], sp.Integer(0)
        for term in sp.Add.make_args(difference):
            found = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Integral)]
            coefficient = term / found[0] if len(found) == 1 else None
            if coefficient is None or coefficient.has(Z):
                rest += term
            else:
                integrals.append((coefficient, found[0]))
        limits = {integral.limits for _, integral in integrals}
        if len(limits) != 1:
            return difference
        (one,) = limits
        whole = sp.Integral(sp.Add(*[c * i.function for c, i in integrals]), *one)
        return by_antiderivatives((F, Z)).reduce(whole + rest)

    return Route("integrals over the same interval combined (linearity), then F' = integrand, "
                 "F(b) - F(a); exponentials combined, exp-cancel", combine)


def _odd(difference: sp.Expr) -> sp.Expr:
    """The one whole-line integral of ``difference`` is 0 when its integrand ``g`` has ``g(-z) = -g(z)``."""
    integrals = list(difference.atoms(sp.Integral))
    if len(integrals) != 1 or integrals[0].limits != ((Z, -sp.oo, sp.oo),):
        return difference
    (integral,) = integrals
    g = integral.function
    if exp_normal(g + g.subs(Z, -Z)) != 0:
        return difference
    return exp_normal(difference.subs(integral, 0))


#: an odd integrand over the whole line
ODD = Route("substitute z -> -z over the whole line: g(-z) + g(z) = 0 by exp-cancel", _odd)


def _nonnegative() -> sp.Basic:
    """``h(t, z) phi(z) >= 0`` for ``t > 0``: sign assumptions at ``z = y``, ``-y`` (``y > 0``) and 0."""
    y = sp.Symbol("y", positive=True)
    g = KERNEL * PHI
    return sp.true if (g.subs(Z, y).is_nonnegative and g.subs(Z, -y).is_nonnegative
                       and g.subs(Z, 0) == 0) else sp.false


def square_steps(b, k: sp.Expr) -> sp.Expr:
    """Derive ``E[erf(kZ)^2] = (4/pi) arctan(sqrt(1 + 4k^2)) - 1`` in ``b`` (a DerivationBuilder)."""
    square = sp.erf(k * Z) ** 2
    b.step(rf"${sp.latex(square)}$ as an integral in $t$", sp.Integral(KERNEL, (T, 0, k)), square,
           route=by_antiderivatives((sp.erf(T * Z) ** 2, T)),
           reason=r"the integrand is $h(t, z) = \frac{\partial}{\partial t}\operatorname{erf}(tz)^2 = "
                  rf"{sp.latex(KERNEL)}$, and $\operatorname{{erf}}(0) = 0$")
    b.claim("the integrand is nonnegative", sp.Integer(0), _nonnegative, before=KERNEL * PHI,
            relation=">=", route="SymPy's sign assumptions at z = y, z = -y (y > 0) and z = 0, t > 0",
            reason=r"$\operatorname{erf}$ is odd and positive on $(0, \infty)$, so $z\operatorname{erf}(tz) "
                   r"\ge 0$ for $t > 0$")
    inner = sp.Integral(KERNEL * PHI, (Z, -sp.oo, sp.oo))
    b.cite("exchange the order of integration",
           sp.Eq(sp.Integral(square * PHI, (Z, -sp.oo, sp.oo)), sp.Integral(inner, (T, 0, k)),
                 evaluate=False), theorem="Tonelli's theorem", reason="the integrand is nonnegative")
    J = b.step("the Gaussian integral in z", inner, inner_value(),
               route=by_antiderivatives((inner_antiderivative(), Z)),
               reason=r"by parts: $z e^{-(1 + 2t^2) z^2/2}$ is a derivative, and "
                      r"$\int e^{-(1 + 4t^2) z^2/2}\,dz$ is an error function")
    rational, A = outer_antiderivative()
    return b.step("the integral in t", sp.Integral(J, (T, 0, k)), whole_line_value("erf^2", sp.Tuple(k, 0)),
                  route=by_antiderivatives((A, T)),
                  reason=rf"with $u = \sqrt{{1 + 4t^2}}$ the integrand is ${sp.latex(rational)}$ in $u$; "
                         r"SymPy's antiderivative of a rational function (\texttt{ratint}), put back "
                         rf"in $t$, is ${sp.latex(A)}$ (certified by differentiating it in $t$)")


def whole_line_steps(b, kind: str, parameter: sp.Tuple) -> sp.Expr:
    """Derive the whole-line integral of ``g(z) phi(z)`` for one kind (and ``erf``) in ``b``; return
    its value."""
    if kind == "erf":
        return erf_terms.lemma_steps(b, parameter)
    k, _ = parameter
    g = erf_terms.integrand(kind, parameter) / PHI
    if kind == "z^2 erf":
        return b.step(rf"${sp.latex(g)}\,\varphi$ is odd", sp.Integral(g * PHI, (Z, -sp.oo, sp.oo)),
                      whole_line_value(kind, parameter), route=ODD,
                      reason=r"substitute $z \to -z$; the integral converges, "
                             r"$|z^2 \operatorname{erf}(kz)| \le z^2$")
    square = square_steps(b, k)
    if kind == "erf^2":
        return square
    e2 = sp.erf(k * Z) ** 2
    H = -Z * e2 * PHI + k * inner_antiderivative(k)
    b.step("integrate by parts (Stein's identity)", sp.Integral(g * PHI, (Z, -sp.oo, sp.oo)),
                  sp.Integral(e2 * PHI, (Z, -sp.oo, sp.oo)) + k * inner_value().subs(T, k),
                  route=linear_by_antiderivative(H),
                  reason=r"$(-z g \varphi)' = z^2 g \varphi - g \varphi - z g' \varphi$ with $g = "
                         rf"{sp.latex(e2)}$ (each integral converges: $|g| \le 1$), and "
                         rf"$z g'(z) = k\,h(k, z)$, $k = {sp.latex(k)}$, whose integral is the one in "
                         r"$z$ above at $t = k$")
    return whole_line_value(kind, parameter)


__all__ = ["KERNEL", "KINDS", "ODD", "T", "inner_antiderivative", "inner_value", "linear_by_antiderivative",
           "outer_antiderivative", "square_steps", "whole_line_steps", "whole_line_value"]

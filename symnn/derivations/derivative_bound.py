"""sup |f'| on an interval by its critical points, and the step-network error bounds.

The largest value of :math:`|f'|` on :math:`[-B, B]` is taken at an endpoint or at a zero
of :math:`f''` (cited: extreme value theorem, Fermat's theorem). ``solveset`` proposes
the zeros; :func:`symnn.core.zeros.zeros_accounted_for` proves they are all of them;
the maximum is then checked exactly to be attained and to bound every candidate.

>>> M, critical = sup_abs_derivative(sp.exp(-x**2), sp.Integer(3))
>>> M, critical
(sqrt(2)*exp(-1/2), {-sqrt(2)/2, sqrt(2)/2})
>>> is_the_maximum(sp.diff(sp.exp(-x**2), x), M / 2, [-3, 3, *critical])
False
"""

from __future__ import annotations

import itertools

import sympy as sp

from symnn.core.derivation import DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.core.zeros import zeros_accounted_for
from symnn.errors import CertificationError

x = sp.Symbol("x", real=True)


def sup_abs_derivative(fx: sp.Expr, B: sp.Expr) -> tuple[sp.Expr, sp.Set]:
    """``max |f'|`` on ``[-B, B]``: over the endpoints and the zeros of ``f''`` (by solveset)."""
    slope = fx.diff(x)
    critical = sp.solveset(slope.diff(x), x, sp.Interval(-B, B))
    if critical is not sp.S.EmptySet and not isinstance(critical, sp.FiniteSet):
        raise CertificationError(f"solveset did not isolate the zeros of f'': {critical}")
    candidates = [-B, B, *critical]
    return sp.Max(*[sp.Abs(slope.subs(x, c)) for c in candidates]), critical


def error_bounds(b: DerivationBuilder, fx: sp.Expr, B: sp.Expr, width: sp.Expr,
                  points: list[sp.Expr], M: sp.Expr, critical: sp.Set) -> sp.Expr:
    """sup |f'| by its critical points (zeros verified by interval arithmetic); the bounds."""
    slope = fx.diff(x)
    b.cite("where $|f'|$ is largest", sp.Symbol("M"), theorem="extreme value theorem; Fermat's "
           "theorem on interior extrema", reason=r"$f'$ is continuous on $[-B, B]$, so $|f'|$ "
           r"attains its maximum, at an endpoint or at an interior zero of $f''$",
           tex=r"M = \max\{|f'(c)| : c \in \{-B, B\} \cup \{f''(c) = 0\}\}")
    b.claim("the zeros of $f''$", critical,
            lambda: as_sympy(zeros_accounted_for(slope.diff(x), x, -B, B, list(critical))),
            route="exact zeros (simplify); no other zero, by outward-rounded interval arithmetic "
                  "(mpmath.iv) with bisection",
            reason=r"solveset proposes them; each is checked to be a zero, and on every piece "
                   r"$X$ of $[-B, B]$ either $0 \notin f''(X)$, or $0 \notin f^{(3)}(X)$ ($f''$ "
                   r"strictly monotone) with a listed zero in $X$ or one sign at its ends",
            tex=rf"\{{c \in [-B, B] : f''(c) = 0\}} = {to_latex(critical)}")
    b.claim("sup $|f'|$ on $[-B, B]$", sp.Eq(sp.Symbol("M"), M),
            lambda: is_the_maximum(slope, M, [-B, B, *critical]),
            route="exact comparison of |f'| at the endpoints and zeros of f''",
            reason=r"$M$ is attained at one of the candidates and is $\ge$ the value at each",
            tex=rf"M = \sup_{{[-B, B]}} |f'| = {to_latex(M)}")
    b.cite("mean value theorem", sp.Symbol("e"), theorem="mean value theorem",
           reason=r"on the cell of $x$, $g(x) = f(x_k)$ and $f(x) - f(x_k) = f'(\xi)(x - x_k)$ "
                  r"for some $\xi$ between them",
           tex=r"|f(x) - g(x)| = |f'(\xi)|\,|x - x_k| \le M\,|x - x_k|")
    cells = list(itertools.pairwise(points))
    bound = width * M
    b.claim("error bound (left endpoints)", sp.Le(sp.Symbol("e"), bound),
            lambda: sp.And(sp.Ge(M, 0), *[sp.Le(M * (q - p), bound) for p, q in cells]),
            route="exact: M >= 0 and M (x_{k+1} - x_k) <= w M on every cell", relation="<=",
            reason=r"$|x - x_k| \le x_{k+1} - x_k \le w$ on every cell",
            tex=rf"|f(x) - g(x)| \le M\,(x_{{k+1}} - x_k) \le w M = {to_latex(bound)}")
    b.claim("error bound (midpoints)", sp.Le(sp.Symbol("e"), bound / 2),
            lambda: sp.And(sp.Ge(M, 0), *[sp.Le(M * (q - p) / 2, bound / 2) for p, q in cells]),
            route="exact: M (x_{k+1} - x_k) / 2 <= w M / 2 on every cell", relation="<=",
            reason=r"with heights $f(m_k)$ at the cell midpoints, $|x - m_k| \le "
                   r"(x_{k+1} - x_k)/2 \le w/2$",
            tex=rf"|f(x) - g_{{\text{{mid}}}}(x)| \le \tfrac{{w}}{{2}} M = {to_latex(bound / 2)}")
    return bound


def is_the_maximum(slope: sp.Expr, M: sp.Expr, candidates: list[sp.Expr]) -> sp.Boolean:
    """``M`` equals ``|f'|`` at some candidate (the same expression, or simplify to 0) and is
    >= it at every one."""
    values = [sp.Abs(slope.subs(x, c)) for c in candidates]
    attained = any(value == M for value in values) or any(sp.simplify(value - M) == 0 for value in values)
    return sp.And(as_sympy(attained), *[sp.Ge(M, value) for value in values])

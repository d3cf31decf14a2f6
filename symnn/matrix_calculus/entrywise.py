"""The gradient against the entrywise derivative: proved, refuted, or undecided.

Both sides are explicit matrices of scalar expressions (every matrix written out as a grid
of symbols). The verdict is one of three:

* **proved** -- a decision route reduces every entry of the difference to 0. The routes are
  tried in the order of :func:`routes_for`: the routes of the rules met, then the others; a
  ReLU term beside a term of another class (a sigmoid) needs the conditions *and* the
  exponentials named, and ``indicators-exp-atoms``, which does both, stands for them all;
* **refuted** -- at a point with rational coordinates an entry of the difference is a
  nonzero number, evaluated by SymPy to 30 significant digits that it guarantees
  (``evalf(strict=True)``, which refuses rather than guesses when it cannot separate the
  value from 0): a counterexample, found after the first route fails;
* **undecided** -- no route reduces the difference and no point refutes it. The message
  names the first route (the one for the class of ``f``) and why it did not decide.

A refutation or an undecided comparison raises :class:`~symnn.errors.CertificationError`
with that verdict in one line.

>>> x = sp.Symbol("x")
>>> step, sigmoid = sp.Piecewise((1, x > 0), (0, True)), 1 / (1 + sp.exp(-x))
>>> decide(sp.Matrix([step + sigmoid * (1 - sigmoid)]),
...        sp.Matrix([step + sp.exp(-x) / (1 + sp.exp(-x))**2]), ["indicators-exp-atoms", "expand"])
'indicators-exp-atoms'
>>> decide(sp.Matrix([step * sigmoid]), sp.Matrix([sigmoid]), ["indicators-exp-atoms"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symnn.errors.CertificationError: the gradient is not the entrywise derivative: at x = -5/6, entry (1, 1) ...
"""

from __future__ import annotations

import random
from typing import Any

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from symnn.core.certify import certify
from symnn.errors import CertificationError
from symnn.matrix_calculus.routes import NAMED_ROUTES
from symnn.matrix_calculus.rules import RULES, route_of

#: every route the comparison may use, in the order tried after the routes of the rules met
ROUTES = ("expand", "indicators-expand", "cleared-expand", "exp-atoms")
#: the rational points tried for a counterexample, and the digits SymPy must guarantee
POINTS, DIGITS = 6, 30
REFUTED = "the gradient is not the entrywise derivative"


def routes_for(term: Any) -> list[str]:
    """The routes for the entrywise comparison of ``term``'s gradient, most specific first.

    The routes of the rules met in ``term`` (other than ``expand``) come first, then the
    other routes of :data:`ROUTES`. When the ReLU's ``indicators-expand`` meets another of
    them, ``indicators-exp-atoms`` decides both classes at once and takes the place of every
    route of :data:`ROUTES`: it names the conditions as ``indicators-expand`` does, then
    decides what is left with the exponential-polynomial zero test and by naming the
    exponentials and clearing the denominators as ``exp-atoms`` and ``cleared-expand`` do,
    so they would only repeat its work on a difference it left nonzero.
    """
    found: list[str] = []

    def walk(node: Any) -> None:
        if node.kind in RULES:
            route = route_of(node.kind, node.value)
            if route not in found and route != "expand":
                found.append(route)
        for child in node.children:
            walk(child)

    walk(term)
    if "indicators-expand" in found and len(found) > 1:
        return ["indicators-exp-atoms", *(route for route in found if route not in ROUTES)]
    return found + [route for route in ROUTES if route not in found]


def _value(number: Any) -> sp.Float | None:
    """``number`` to :data:`DIGITS` guaranteed digits, or None (not a real number, or not
    separable from 0)."""
    if not isinstance(number, sp.Expr) or not number.is_number:
        return None
    if number.is_Rational:
        return sp.Float(number, DIGITS)
    try:
        value = number.evalf(DIGITS, strict=True)
    except (PrecisionExhausted, ValueError, TypeError, ZeroDivisionError):
        return None
    return value if value.is_Float else None


def _point(symbols: list[sp.Symbol], rng: random.Random) -> dict[sp.Symbol, sp.Rational]:
    return {s: sp.Rational(rng.choice((-1, 1)) * rng.randint(1, 16), rng.randint(2, 9)) for s in symbols}


def counterexample(got: sp.MatrixBase, want: sp.MatrixBase, seed: int = 0) -> str | None:
    """Where ``got`` and ``want`` differ, shown in words; None when no point of
    :data:`POINTS` rational points shows a difference (which proves nothing).

    >>> x = sp.Symbol("x")
    >>> counterexample(sp.Matrix([[x**2, 1]]), sp.Matrix([[x**2, sp.exp(x) / sp.exp(x)]])) is None
    True
    """
    symbols = sorted(got.free_symbols | want.free_symbols, key=sp.default_sort_key)
    rng = random.Random(seed)
    for _ in range(POINTS):
        point = _point(symbols, rng)
        for index in range(want.rows * want.cols):
            a, b = got[index].xreplace(point), want[index].xreplace(point)
            difference = _value(a - b)
            if difference is None or difference.is_zero:
                continue
            shown_a, shown_b = _value(a), _value(b)
            if shown_a is None or shown_b is None:
                continue
            at = ", ".join(f"{s} = {v}" for s, v in point.items()) if len(point) <= 3 else \
                "a rational point"
            row, col = divmod(index, want.cols)
            return (f"at {at}, entry ({row + 1}, {col + 1}) is {float(shown_a):.6g} "
                    f"against {float(shown_b):.6g}")
    return None


def decide(got: sp.MatrixBase, want: sp.MatrixBase, routes: list[str]) -> str:
    """The route that proves ``got == want`` entry by entry; raises
    :class:`~symnn.errors.CertificationError` saying *refuted* (with a counterexample) or
    *undecided* (with the first route's reason)."""
    failures: list[tuple[str, str]] = []
    for route in routes:
        try:
            certify(got, want, NAMED_ROUTES.get(route, route))
        except CertificationError as error:
            failures.append((route, str(error)))
            if len(failures) == 1:
                found = counterexample(got, want)
                if found is not None:
                    raise CertificationError(f"{REFUTED}: {found}") from None
            continue
        return route
    reason, others = " ".join(failures[0][1].split()), [route for route, _ in failures[1:]]
    tried = f" (also tried: {', '.join(others)})" if others else ""
    raise CertificationError(f"undecided whether the gradient is the entrywise derivative: {reason}{tried}; "
                             "no rational point refutes it")

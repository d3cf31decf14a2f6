"""Is ``expected - given`` zero on the whole declared domain? Proved, refuted or undecided.

:func:`decide_equal` returns a :class:`Decision`:

* **proved** — a decision route reduced the difference to exactly 0 in every index case
  (:mod:`symnn.core.indices`: general indices, not instances), after the piecewise
  functions whose branch is fixed on the domain were replaced by that branch (the sign
  of their argument proved on the domain by interval arithmetic);
* **refuted** — a point of the domain where the difference is provably not 0
  (:mod:`symnn.core.counterexample`), which is returned;
* **undecided** — neither, with the reason. Agreement at sample points is never a proof.

The domain maps symbols to SymPy intervals (a parameter ``alpha`` in ``[0, 1]``); other
symbols range over what their assumptions say (``positive`` is ``(0, oo)``), integer
symbols over the positive integers.

==============  ===================================================  ===================
class           route                                                decides
==============  ===================================================  ===================
polynomials     ``expand``                                           identity
rational funcs  ``cancel``                                           identity
exponentials    ``exp-cancel``: ``rewrite(exp)``, ``powsimp``,       identity when 0
                ``cancel``
logarithms      ``expand-log``: ``expand_log`` (only where the       identity when 0
                assumptions allow it), ``cancel``
piecewise       ``expand``; after a failed search ``piecewise``:     identity when 0
                cases of ``Piecewise``, restricted to the domain
                for one variable
anything        ``simplify``, accepted only when it returns 0        identity when 0
==============  ===================================================  ===================

>>> import sympy as sp

>>> alpha = sp.Symbol("alpha", real=True)
>>> mean = (1 - alpha) / sp.sqrt(2 * sp.pi)
>>> unit = {alpha: sp.Interval(0, 1)}
>>> decide_equal(mean, mean + sp.Heaviside(alpha - 3), unit).status
'proved'
>>> decision = decide_equal(mean, mean + sp.exp(-100 / alpha**2), unit)
>>> decision.status, decision.counterexample.point
('refuted', {alpha: 2701/7919})
>>> decide_equal(sp.log(alpha**2), 2 * sp.log(alpha)).status  # alpha may be negative
'refuted'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.certify import ROUTES
from symnn.core.counterexample import POINTS, Counterexample, find_counterexample, region_of, unknowns
from symnn.core.exact import as_sympy
from symnn.core.indices import index_cases
from symnn.core.interval import sign_on
from symnn.core.time_limit import time_limit

PROVED, REFUTED, UNDECIDED = "proved", "refuted", "undecided"
ROUTE_SECONDS, SEARCH_SECONDS = 5.0, 10.0
#: a first, short search before the routes (FIRST_POINTS points, at most FIRST_SEARCH_SECONDS): a
#: wrong answer is refuted at once (a route may take its whole ROUTE_SECONDS to fail on one)
FIRST_SEARCH_SECONDS, FIRST_POINTS = 0.1, 3
_PIECEWISE = (sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign, sp.Piecewise)
_EXPONENTIAL = {sp.exp, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos}
SOUND_ROUTES: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "expand": sp.expand,
    "cancel": sp.cancel,
    "exp-cancel": ROUTES["exp-cancel"],
    "expand-log": lambda d: sp.cancel(sp.expand(sp.expand_log(d))),
    "piecewise": ROUTES["piecewise"],
    "simplify": sp.simplify,
}


@dataclass(frozen=True)
class Decision:
    """The outcome: ``status`` is :data:`PROVED`, :data:`REFUTED` or :data:`UNDECIDED`.

    ``route`` names what decided (the routes that proved every case, or
    ``counterexample``); ``reason`` is one line; ``cases`` counts the index cases.
    """

    status: str
    route: str
    reason: str
    counterexample: Counterexample | None = None
    cases: int = 1

    @property
    def equal(self) -> bool | None:
        """True (proved), False (refuted) or None (undecided)."""
        return {PROVED: True, REFUTED: False}.get(self.status)


def choose_route(difference: sp.Expr) -> str:
    """The route of ``difference``'s expression class (see the table above)."""
    symbols = unknowns(difference)
    if difference.has(*_PIECEWISE):
        return "expand"  # the costly ``piecewise`` route waits until no counterexample was found
    if not symbols or difference.is_polynomial(*symbols):
        return "expand"
    if difference.is_rational_function(*symbols):
        return "cancel"
    functions = {type(applied) for applied in difference.atoms(sp.Function)}
    if sp.log in functions:
        return "expand-log"
    return "exp-cancel" if functions <= _EXPONENTIAL else "simplify"


def box_of(expr: sp.Basic, domain: Mapping[Any, sp.Set]) -> dict[Any, sp.Set]:
    """Each real unknown of ``expr`` with its region (complex unknowns are left out)."""
    return {s: region_of(s, domain) for s in unknowns(expr) if s.is_real or s in domain}


def on_domain(expr: sp.Expr, domain: Mapping[Any, sp.Set], fixed: dict[Any, Any] | None = None) -> sp.Expr:
    """Replace each Abs, sign, Heaviside, Max, Min whose branch is fixed on the domain.

    The replacements made are recorded in ``fixed`` (if given).

    >>> x = sp.Symbol("x", real=True)
    >>> on_domain(sp.Abs(x - 2) + sp.Max(0, x - 3), {x: sp.Interval(0, 1)})
    2 - x
    """
    box = box_of(expr, domain)

    def branch(e: sp.Expr) -> sp.Expr:
        value = _branch(e)
        if fixed is not None and value is not e:
            fixed[e] = value
        return value

    def _branch(e: sp.Expr) -> sp.Expr:
        if isinstance(e, (sp.Max, sp.Min)):
            larger = 1 if isinstance(e, sp.Max) else -1
            for candidate in e.args:
                if all(other == candidate or sign_on(larger * (candidate - other), box) == 1
                       for other in e.args):
                    return candidate
            return e
        sign = sign_on(e.args[0], box)
        if sign is None:
            return e
        if isinstance(e, sp.Heaviside):
            return sp.Integer(int(sign > 0))
        return sp.Integer(sign) if isinstance(e, sp.sign) else sign * e.args[0]

    return expr.replace(lambda e: isinstance(e, (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min)), branch)


def _piecewise_on(expr: sp.Expr, domain: Mapping[Any, sp.Set]) -> sp.Expr:
    """The ``piecewise`` route restricted to the domain of the one variable of ``expr``."""
    symbols = unknowns(expr)
    region = region_of(symbols[0], domain) if len(symbols) == 1 and symbols[0].is_real else None
    if not isinstance(region, sp.Interval):
        return ROUTES["piecewise"](expr)
    rewritten = expr.replace(lambda e: isinstance(e, _PIECEWISE[:-1]), lambda e: e.rewrite(sp.Piecewise))
    folded = sp.piecewise_fold(rewritten)
    if not isinstance(folded, sp.Piecewise):
        return sp.simplify(folded)
    for value, part in folded.as_expr_set_pairs(region):
        points = list(part) if isinstance(part, sp.FiniteSet) else None
        if part.is_empty:
            continue
        if points is not None:
            if any(sp.simplify(value.subs(symbols[0], point)) != 0 for point in points):
                return folded
        elif sp.simplify(value) != 0:
            return folded
    return sp.Integer(0)


def _run(route: str, case: sp.Expr, domain: Mapping[Any, sp.Set], deadline: float) -> Any:
    """``route`` applied to ``case`` within the time left (None if it fails or overruns)."""
    seconds = min(ROUTE_SECONDS, deadline - time.perf_counter())
    if seconds <= 0:
        return None
    reducer = (lambda d: _piecewise_on(d, domain)) if route == "piecewise" else SOUND_ROUTES[route]
    try:
        with time_limit(seconds, f"route {route!r}"):
            return reducer(case)
    except Exception:  # a route that fails or overruns proves nothing (SymPy raises many kinds)
        return None


def _prove(cases: list[tuple[str, sp.Expr]], domain: Mapping[Any, sp.Set], deadline: float,
           routes: Callable[[sp.Expr], list[str]], used: dict[str, str]) -> list[tuple[str, Any]]:
    """Try ``routes(case)`` on every case not yet proved; returns what is left unproved."""
    left = []
    for label, case in cases:
        if label in used:
            continue
        reduced = None
        for route in routes(case):
            reduced = _run(route, case, domain, deadline)
            if reduced == 0:
                used[label] = route
                break
        else:
            left.append((label, reduced))
    return left


def decide_equal(expected: Any, given: Any, domain: Mapping[Any, sp.Set] | None = None, *,
                 seconds: float = 30.0) -> Decision:
    """Decide whether ``expected == given`` everywhere on ``domain`` (see the module text)."""
    deadline = time.perf_counter() + seconds
    domain = domain or {}
    expected, given = as_sympy(expected), as_sympy(given)
    difference = expected - given
    if difference == 0 or expected == given:
        return Decision(PROVED, "exact", "route exact: the two sides are the same SymPy expression")
    fixed: dict[Any, Any] = {}
    cases = [(label, on_domain(case, domain, fixed)) for label, case in index_cases(difference)]
    found = _search(expected, given, domain, min(deadline, time.perf_counter() + FIRST_SEARCH_SECONDS),
                    FIRST_POINTS)
    if found is not None:
        return Decision(REFUTED, "counterexample", found.describe(), found, len(cases))
    used: dict[str, str] = {}
    left = _prove(cases, domain, deadline, lambda case: [choose_route(case)], used)
    if not left:
        return _proved(used, [label for label, _ in cases], fixed)
    found = _search(expected, given, domain, min(deadline, time.perf_counter() + SEARCH_SECONDS))
    if found is not None:
        return Decision(REFUTED, "counterexample", found.describe(), found, len(cases))
    left = _prove(cases, domain, deadline,
                  lambda case: ["piecewise", "simplify"] if case.has(*_PIECEWISE) else ["simplify"], used)
    if not left:
        return _proved(used, [label for label, _ in cases], fixed)
    label, reduced = left[0]
    where = f" in the case {label}" if label else ""
    if reduced is None:
        what = "the routes did not finish within the time left" if time.perf_counter() >= deadline \
            else "the routes failed"
    else:
        shown = sp.sstr(reduced)
        what = f"the routes left {shown if len(shown) <= 80 else shown[:80] + '...'}"
    reason = f"{what}{where}, and no counterexample was found"
    return Decision(UNDECIDED, ", ".join(dict.fromkeys(used.values())) or "none", reason, None, len(cases))


def _search(expected: sp.Expr, given: sp.Expr, domain: Mapping[Any, sp.Set], until: float,
            points: int = POINTS) -> Any:
    """A proved counterexample among ``points`` points, found before ``until``
    (``time.perf_counter``), or None."""
    if until <= time.perf_counter():
        return None
    try:
        with time_limit(until - time.perf_counter(), "the search for a counterexample"):
            return find_counterexample(expected, given, domain, points=points, deadline=until)
    except Exception:  # a search cut short finds nothing
        return None


def _proved(used: dict[str, str], labels: list[str], fixed: dict[Any, Any]) -> Decision:
    routes, cases = ", ".join(dict.fromkeys(used.values())), len(labels)
    split = f" in each of {cases} index cases ({'; '.join(labels)}), for general indices" if cases > 1 else ""
    branches = "; ".join(f"{sp.sstr(atom)} = {sp.sstr(value)}" for atom, value in list(fixed.items())[:3])
    domain = f", after {branches} on the domain (interval arithmetic)" if fixed else ""
    reason = f"route {routes} reduced expected - given to 0{split}{domain}"
    return Decision(PROVED, routes, reason, None, cases)


def decide_zero(difference: Any, domain: Mapping[Any, sp.Set] | None = None, *,
                seconds: float = 30.0) -> Decision:
    """:func:`decide_equal` of ``difference`` and 0.

    >>> x = sp.Symbol("x", real=True)
    >>> decide_zero(sp.tanh(x) - 2 / (1 + sp.exp(-2 * x)) + 1).route
    'exp-cancel'
    """
    return decide_equal(difference, sp.Integer(0), domain, seconds=seconds)


"""The decision routes of the matrix-calculus engine, for entries written out in scalars.

Each route reduces a difference ``before - after`` of explicit entries (every matrix written
out as a grid of symbols) to an expression that must be exactly 0; each can fail, since a
nonzero difference never reduces to 0. Names stand in for the atoms a route does not
expand (a condition, an exponential): an identity that holds for *every* value of the
names (every 0/1 value, for the name of a condition) holds in particular at the values the
atoms take.

=========================  ================================================================
route                      decides
=========================  ================================================================
``cleared-expand``         rational functions (and their square roots, the radicands written
                           alike): the denominators cleared, then ``expand``
``indicators-expand``      piecewise-polynomial identities: each condition a 0/1 name ``H``
                           (so ``H^2 = H``)
``exp-atoms``              rational functions of exponentials: each exponential a name,
                           each summand one reduced quotient, the numerators over equal
                           denominators added, then what is left cleared
``indicators-exp-atoms``   the two together: each condition a 0/1 name, then each
                           exponential a name (a sigmoid term beside a ReLU term), the
                           denominators cleared, ``H^2 = H``
=========================  ================================================================

>>> import sympy as sp
>>> z = sp.Symbol("z")
>>> step = sp.Piecewise((1, z > 0), (0, True))
>>> sigmoid = 1 / (1 + sp.exp(-z))
>>> from symnn.core.certify import certify
>>> certify(step + sigmoid * (1 - sigmoid), step + sp.exp(z) / (1 + sp.exp(z))**2, INDICATORS_EXP_ATOMS).route
'indicators-exp-atoms'
>>> certify(step + sigmoid, step + sp.exp(z) / (1 + sp.exp(z))**2, INDICATORS_EXP_ATOMS)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symnn.errors.CertificationError: route 'indicators-exp-atoms' did not reduce before - after to 0: ...
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.core import exppoly
from symnn.core.certify import Route
from symnn.core.exact import as_sympy


def _radicands(expr: Any, indicators: frozenset[sp.Dummy] = frozenset()) -> Any:
    """Each radicand (the base of a fractional power) expanded, with ``H^k = H`` for the 0/1
    names ``indicators``, and its common factors taken out, so that a positive number leaves
    the root: ``sqrt(4 a + 4 b) = 2 sqrt(a + b)``. Each step is an identity.

    >>> a, b = sp.symbols("a b")
    >>> _radicands(a / sp.sqrt(4 * a**2 + 4 * b**2))
    a/(2*sqrt(a**2 + b**2))
    """
    def fractional(e: Any) -> bool:
        return e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer and not e.base.is_number

    def written_alike(e: Any) -> Any:
        return sp.factor_terms(_idempotent(sp.expand(e.base), indicators)) ** e.exp

    return expr.replace(fractional, written_alike)


def _clear_denominators(difference: Any, indicators: frozenset[sp.Dummy] = frozenset()) -> Any:
    """Multiply by every polynomial denominator (as a fresh name), expand, put it back, expand;
    the radicands first written alike (:func:`_radicands`).

    The result is 0 exactly when the difference is 0 wherever its denominators are nonzero.
    """
    difference = _radicands(as_sympy(difference), indicators)
    powers: dict[Any, int] = {}
    for power in difference.atoms(sp.Pow):
        if power.exp.is_Integer and power.exp < 0 and not power.base.is_number:
            powers[power.base] = max(powers.get(power.base, 0), -int(power.exp))
    if not powers:
        return sp.expand(difference)
    names = {base: sp.Dummy("D") for base in powers}
    multiplier = sp.Mul(*(names[base] ** k for base, k in powers.items()))
    cleared = sp.expand(difference.xreplace(names) * multiplier)
    if any(p.exp.is_negative and p.base in names.values() for p in cleared.atoms(sp.Pow)):
        return sp.cancel(difference)
    return sp.expand(cleared.xreplace({name: base for base, name in names.items()}))


def _indicators_named(difference: Any) -> tuple[Any, frozenset[sp.Dummy]]:
    """Each two-branch Piecewise ``(a if c else b)`` becomes ``b + (a - b) H_c``, with one new
    name ``H_c`` per condition: equal to the Piecewise when ``H_c`` is the truth value of ``c``.
    Returns the expression and the names."""
    names: dict[Any, sp.Dummy] = {}

    def switch(piece: sp.Piecewise) -> Any:
        (a, condition), (b, _) = piece.args
        name = names.setdefault(condition, sp.Dummy("H"))
        return b + (a - b) * name

    def two_branch(e: Any) -> bool:
        return isinstance(e, sp.Piecewise) and len(e.args) == 2 and e.args[1].cond == sp.true

    return as_sympy(difference).replace(two_branch, switch), frozenset(names.values())


def _idempotent(expanded: Any, names: frozenset[sp.Dummy]) -> Any:
    """Every power ``H^k`` (``k >= 1``) of a 0/1 name made ``H``, then expand: the value is the
    same whenever each name is 0 or 1.

    >>> h, x = sp.Dummy("H"), sp.Symbol("x")
    >>> _idempotent(sp.expand(2 * (h * x) * h - 2 * h * x), frozenset({h}))
    0
    """
    if not names:
        return expanded
    return sp.expand(expanded.replace(
        lambda e: e.is_Pow and e.base in names and e.exp.is_Integer and e.exp > 0, lambda e: e.base))


def _indicators_expand(difference: Any) -> Any:
    """The conditions as 0/1 names, then expand with ``H^k = H``: a polynomial that vanishes
    identically in the ``H_c`` vanishes for every truth value of the conditions."""
    replaced, names = _indicators_named(difference)
    return replaced if replaced.has(sp.Piecewise) else _idempotent(sp.expand(replaced), names)


def _exp_atoms_cleared(difference: Any, indicators: frozenset[sp.Dummy] = frozenset()) -> Any:
    """Each ``exp(a)`` becomes a new name ``E_a`` (and ``exp(-a)`` becomes ``1/E_a``); the
    rational function of these names is then decided by clearing denominators. A rational
    function that vanishes identically vanishes at ``E_a = exp(a)``."""
    difference = as_sympy(difference)
    names: dict[Any, Any] = {}
    for power in sorted(difference.atoms(sp.exp), key=sp.default_sort_key):
        argument = power.args[0]
        if -argument in names:
            names[argument] = 1 / names[-argument]
        else:
            names[argument] = sp.Dummy("E")
    replaced = difference.xreplace({sp.exp(a): name for a, name in names.items()})
    left = _summands_over_common_denominators(replaced)
    return left if left == 0 else _clear_denominators(left, indicators)


def _summands_over_common_denominators(difference: Any) -> Any:
    """Each summand of ``difference`` written as one reduced quotient ``p/q`` (``cancel``),
    the numerators over the same ``q`` added and expanded: the same rational function, and 0
    when the summands cancel in groups that share a denominator. Clearing every denominator
    at once multiplies out a product of all of them; this costs one small ``cancel`` per
    summand (a row of ``X^T sigma(X w)`` against its entrywise derivative).

    >>> e, x = sp.Dummy("E"), sp.Symbol("x")
    >>> _summands_over_common_denominators(x * (1 - 1 / (e + 1)) / (e + 1) - x * e / (e + 1)**2)
    0
    """
    groups: dict[Any, list[Any]] = {}
    for summand in sp.Add.make_args(difference):
        numerator, denominator = sp.fraction(sp.cancel(summand))
        groups.setdefault(denominator, []).append(numerator)
    return sp.Add(*(sp.expand(sp.Add(*numerators)) / denominator
                    for denominator, numerators in groups.items()))


def _indicators_exp_atoms(difference: Any) -> Any:
    """The conditions as 0/1 names; the rational function of exponentials that is left is
    decided by the exponential-polynomial zero test (:mod:`symnn.core.exppoly`, the names
    its atoms), else by naming each exponential and clearing denominators."""
    replaced, names = _indicators_named(difference)
    if replaced.has(sp.Piecewise):
        return replaced
    if exppoly.is_zero(replaced):
        return sp.S.Zero
    return _idempotent(_exp_atoms_cleared(replaced, names), names)


#: a rational function is 0 when it is 0 after its denominators are cleared
CLEARED = Route("cleared-expand", _clear_denominators)
#: a piecewise-linear identity: conditions as 0/1 names, then expand
INDICATORS = Route("indicators-expand", _indicators_expand)
#: a rational function of exponentials, each exponential a name
EXP_ATOMS = Route("exp-atoms", _exp_atoms_cleared)
#: a piecewise rational function of exponentials: conditions as 0/1 names, then exponentials
INDICATORS_EXP_ATOMS = Route("indicators-exp-atoms", _indicators_exp_atoms)
NAMED_ROUTES = {route.name: route for route in (CLEARED, INDICATORS, EXP_ATOMS, INDICATORS_EXP_ATOMS)}

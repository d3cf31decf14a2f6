"""A decision route for identities between sums over a symbolic range ``1..n``.

``sum_split_route(i, n)`` proves ``before = after`` where both sides are sums (possibly
multiple) over ``1..n`` and over the pieces ``1..i-1`` and ``i+1..n``, for an index
``1 <= i <= n``. It reduces ``before - after`` by three rules, each an identity:

1. split: every range ``v = 1..n`` becomes ``1..i-1``, the term ``v = i``, and ``i+1..n``;
2. (optional) ``agree``: vectors ``(new, old)`` equal off ``i``, so inside a sum whose
   range of ``v`` excludes ``i``, ``new[v]`` is replaced by ``old[v]``;
3. normal form: linearity (``sum(a + b) = sum a + sum b``, factors free of the summation
   indices pulled out) and renaming of the bound indices in order.

The step is certified when the normal form is exactly ``0``.

>>> n = sp.Symbol("n", integer=True, positive=True)
>>> i, j = sp.symbols("i j", integer=True, positive=True)
>>> a = sp.IndexedBase("a")
>>> rest = sp.Sum(a[j], (j, 1, i - 1)) + sp.Sum(a[j], (j, i + 1, n))
>>> from symnn.core.certify import certify
>>> certify(sp.Sum(a[j], (j, 1, n)), rest + a[i], sum_split_route(i, n)).route
'split sums over 1..n at i, linearity'
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.core.certify import Route
from symnn.errors import CertificationError


def split_at(expr: Any, at: sp.Expr, top: sp.Expr) -> Any:
    """Split every summation range ``1..top`` of ``expr`` at ``at`` (valid for ``1 <= at <= top``).

    >>> j, n, i = sp.symbols("j n i", integer=True, positive=True)
    >>> split_at(sp.Sum(j, (j, 1, n)), i, n)
    i + Sum(j, (j, 1, i - 1)) + Sum(j, (j, i + 1, n))
    """

    def piece(total: sp.Sum) -> Any:
        limits = list(total.limits)
        for position, (v, lo, hi) in enumerate(limits):
            if lo == 1 and hi == top:
                rest = limits[:position] + limits[position + 1:]
                middle = total.function.subs(v, at)
                return (sp.Sum(total.function, *rest, (v, 1, at - 1))
                        + (sp.Sum(middle, *rest) if rest else middle)
                        + sp.Sum(total.function, *rest, (v, at + 1, top)))
        return total

    previous = None
    while previous != expr:
        previous, expr = expr, expr.replace(lambda e: isinstance(e, sp.Sum), piece)
    return expr


def agree_off(expr: Any, at: sp.Expr, top: sp.Expr, new: sp.IndexedBase, old: sp.IndexedBase) -> Any:
    """Inside sums whose range of ``v`` excludes ``at``, replace ``new[v]`` by ``old[v]``."""

    def replace(total: sp.Sum) -> Any:
        function = total.function
        for v, lo, hi in total.limits:
            if any(v in inner.variables for inner in function.atoms(sp.Sum)):
                raise CertificationError(f"sum route: the index {v} is bound twice")
            if (lo, hi) in ((1, at - 1), (at + 1, top)):
                function = function.replace(lambda e, v=v: isinstance(e, sp.Indexed) and e.base == new
                                            and e.indices == (v,), lambda e, v=v: old[v])
        return sp.Sum(function, *total.limits)

    return expr.replace(lambda e: isinstance(e, sp.Sum), replace)


def flatten(expr: Any) -> Any:
    """Sums of sums as single sums with several ranges: linearity, constants pulled out.

    An inner sum's indices are renamed apart first, so no index is captured.

    >>> j, k, n = sp.symbols("j k n", integer=True, positive=True)
    >>> flatten(sp.Sum(2 * j * sp.Sum(k, (k, 1, j)), (j, 1, n)))
    2*Sum(_k*j, (_k, 1, j), (j, 1, n))
    """
    if isinstance(expr, (sp.Add, sp.Mul)):
        return sp.expand(type(expr)(*[flatten(arg) for arg in expr.args]))
    if not isinstance(expr, sp.Sum):
        return expr
    out = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(flatten(expr.function))):
        factor, rest = term.as_independent(*expr.variables, as_Add=False)
        limits = list(expr.limits)
        inner = [f for f in sp.Mul.make_args(rest) if isinstance(f, sp.Sum)]
        if len(inner) > 1:
            raise CertificationError("sum route: a product of sums is not normalised")
        if inner:
            renamed = inner[0].xreplace({v: sp.Dummy(str(v), integer=True) for v in inner[0].variables})
            others = sp.Mul(*[f for f in sp.Mul.make_args(rest) if f is not inner[0]])
            rest, limits = others * renamed.function, [*renamed.limits, *limits]
        out += factor * sp.Sum(rest, *limits)
    return out


def normal_form(expr: Any) -> Any:
    """Flattened sums (:func:`flatten`) with their indices renamed ``t0, t1, ...`` in order."""

    def rename(total: sp.Sum) -> Any:
        names = {v: sp.Symbol(f"t{m}", integer=True) for m, v in enumerate(total.variables)}
        return sp.Sum(total.function.xreplace(names), *[(names[v], lo, hi) for v, lo, hi in total.limits])

    flat = flatten(sp.expand(expr))
    if any(total.function.has(sp.Sum) for total in flat.atoms(sp.Sum)):
        raise CertificationError("sum route: a nested sum is left after flattening")
    return sp.expand(flat.replace(lambda e: isinstance(e, sp.Sum), rename))


def sum_split_route(at: sp.Expr, top: sp.Expr, facts: dict | None = None,
                    agree: tuple[sp.IndexedBase, sp.IndexedBase] | None = None) -> Route:
    """The route: split at ``at``, apply ``facts`` (e.g. ``w_ii = 0``), ``agree``, normal form."""
    name = f"split sums over 1..{top} at {at}, linearity"
    if facts:
        name += ", " + ", ".join(f"{sp.sstr(k)} = {sp.sstr(v)}" for k, v in facts.items())
    if agree:
        name += f", {agree[0]}_j = {agree[1]}_j for j != {at}"

    def reduce(difference: Any) -> Any:
        split = split_at(difference, at, top).xreplace(facts or {})
        if agree:
            split = agree_off(split, at, top, *agree)
        return normal_form(split)

    return Route(name, reduce)

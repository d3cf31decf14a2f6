"""Mutations of derived results: a changed result must be refused by the cross-check.

A cross-check that recomputes the result along the same code path, or compares a value
with itself, passes whatever the derivation says. This module makes that visible: it
rebuilds a :class:`~symnn.core.derivation.Derivation` with one result perturbed and reruns
its checker, which must then fail.

The perturbation of a number or expression ``v`` is

.. math:: v \\mapsto \\tfrac87 v + \\tfrac1{97},

applied entrywise to matrices, tuples and dictionaries and to the end points of an
interval and to the elements of a finite set; an absent result (``None``) becomes
the constant ``1/97``; a boolean is negated, a relation ``a = b`` becomes ``a = perturbed(b)``, an
order term ``O(g)`` becomes ``O(g x)``.

>>> import sympy as sp
>>> perturb(sp.Integer(7))
777/97
>>> perturb(sp.true)
False
>>> perturb(sp.Interval.open(0, sp.Rational(1, 5)))
Interval.open(1/97, 811/3395)
>>> import symnn
>>> refuses(symnn.derive("gd-convergence-quadratic"), "eta_max")
True
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sympy as sp
from sympy.logic.boolalg import Boolean

from symnn.core.derivation import Derivation
from symnn.core.exact import as_sympy
from symnn.errors import CheckError, SymnnError

SCALE = sp.Rational(8, 7)
SHIFT = sp.Rational(1, 97)


def perturb(value: Any) -> Any:
    """``value`` changed by ``v -> 8/7 v + 1/97`` (entrywise); booleans negated.

    Raises :class:`~symnn.errors.CheckError` for a value the rule does not change (an
    infinity) or a kind it does not know.
    """
    changed = _perturb(value)
    if changed == value:
        raise CheckError(f"perturb: {sp.sstr(value)} is unchanged by v -> 8/7 v + 1/97")
    return changed


def _perturb(value: Any) -> Any:
    if isinstance(value, bool) or value in (sp.true, sp.false):
        return sp.false if value else sp.true
    if isinstance(value, sp.Rel):
        return type(value)(value.lhs, _perturb(value.rhs), evaluate=False)
    if isinstance(value, sp.MatrixBase):
        return value.applyfunc(_perturb)
    if isinstance(value, sp.MatrixExpr):
        return sp.MatMul(SCALE, value)
    if isinstance(value, Boolean) and not isinstance(value, sp.Expr):  # a Symbol is both
        return sp.Not(value)
    if isinstance(value, (sp.Tuple, tuple, list)):
        return type(value)(*[_perturb(v) for v in value]) if isinstance(value, sp.Tuple) else (
            type(value)(_perturb(v) for v in value))
    if isinstance(value, (sp.Dict, dict)):
        return type(value)({key: _perturb(v) for key, v in dict(value).items()})
    if value is None:  # an absent result ("none exists") becomes a claimed constant
        return SHIFT
    if isinstance(value, sp.FiniteSet):
        return sp.FiniteSet(*[_perturb(v) for v in value])
    if isinstance(value, sp.Interval):
        return sp.Interval(_perturb(value.start), _perturb(value.end), value.left_open,
                           value.right_open)
    if isinstance(value, sp.Order):
        variable = value.variables[0]
        return sp.Order(value.expr * variable, *value.args[1:])
    if isinstance(value, (int, float, sp.Expr)):
        return SCALE * as_sympy(value) + SHIFT
    raise CheckError(f"perturb: no rule for a {type(value).__name__}")


def with_result(derivation: Derivation, name: str, value: Any) -> Derivation:
    """A copy of ``derivation`` whose result ``name`` is ``value`` (its check not yet run)."""
    if name not in derivation.result:
        raise CheckError(f"{derivation.id}: no result {name!r}; results: {', '.join(derivation.result)}")
    return dataclasses.replace(derivation, result={**derivation.result, name: value}, _report=None)


def refuses(derivation: Derivation, name: str) -> bool:
    """True when the check of ``derivation`` with result ``name`` perturbed does not pass.

    A checker that raises a :class:`~symnn.errors.SymnnError` on the changed result also
    refuses it; any other exception is a defect of the checker and propagates.
    """
    mutant = with_result(derivation, name, perturb(derivation.result[name]))
    try:
        return not mutant.check().ok
    except SymnnError:
        return True

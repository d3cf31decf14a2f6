"""Derivations made once per process and handed out as fresh copies.

``activation-table`` derives every activation's moments and initialisation through the ids
``activation-gaussian-moments`` and ``initialization-variance``, which a catalogue run also
derives on their own with the same inputs. Their factories are pure functions of those
inputs (the activation's name and numbers or symbols), so :func:`derived_once` keeps each
:class:`~symnn.core.derivation.Derivation` and returns a copy: its own dictionaries and its
own check, not yet run (every copy runs its check when asked). The steps are frozen and
hold immutable SymPy objects, so nothing done to a copy reaches the kept derivation.

>>> import sympy as sp
>>> from symnn.core.derivation import DerivationBuilder
>>> @derived_once
... def square(n: int):
...     b = DerivationBuilder("square", "A square", "n^2")
...     return b.build({"square": sp.Integer(n) ** 2})
>>> first, second = square(3), square(3)
>>> first is second, first.steps is second.steps, first.result == second.result
(False, True, True)
>>> first.result["square"] = 0
>>> square(3).result["square"]
9
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from symnn.core.derivation import Derivation

__all__ = ["derived_once", "fresh"]


def fresh(derivation: Derivation) -> Derivation:
    """A copy of ``derivation`` with its own parameters, results and display, and no check run."""
    return dataclasses.replace(derivation, parameters=dict(derivation.parameters),
                               result=dict(derivation.result), display=dict(derivation.display),
                               _report=None)


def derived_once(factory: Callable[..., Derivation]) -> Callable[..., Derivation]:
    """``factory`` made once per distinct (hashable) arguments, returned as :func:`fresh` copies;
    ``cache_clear()`` forgets them (for a test that changes what the factory calls)."""
    kept = functools.lru_cache(maxsize=128)(factory)

    @functools.wraps(factory)
    def derive(*args: Any, **kwargs: Any) -> Derivation:
        return fresh(kept(*args, **kwargs))

    derive.cache_clear = kept.cache_clear  # type: ignore[attr-defined]
    return derive

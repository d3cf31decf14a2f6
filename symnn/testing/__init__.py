"""Symbolic regression tests: assertions, snapshots and strategies for a user's own suite.

* :func:`assert_equivalent` — an assertion that passes only on a proof (or, when asked,
  on numeric agreement reported as such);
* :func:`assert_derivation` — a catalogue id derived, cross-checked and compared;
* :func:`regression_dataset`, :func:`is_symbolic_solution` — ground truth for
  symbolic-regression tools;
* :mod:`symnn.testing.strategies` — hypothesis strategies (needs ``hypothesis``);
* :mod:`symnn.testing.plugin` — the pytest plugin with the ``symnn_snapshot`` fixture.

>>> import sympy as sp
>>> from symnn.testing import assert_equivalent
>>> x = sp.Symbol("x")
>>> assert_equivalent(x**2 - 1, (x - 1) * (x + 1)).status
'proved'
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Equivalence", "NumericOnlyWarning", "RegressionData", "Solution", "assert_derivation",
           "assert_equivalent", "is_symbolic_solution", "regression_dataset", "regression_keys"]

# Loaded lazily: the pytest plugin (symnn.testing.plugin) is imported by every pytest run
# where symnn is installed, and must not import SymPy for runs that never use it.
_LAZY = {
    "Equivalence": "symnn.testing.assertions",
    "NumericOnlyWarning": "symnn.testing.assertions",
    "assert_equivalent": "symnn.testing.assertions",
    "assert_derivation": "symnn.testing.derivations",
    "RegressionData": "symnn.testing.dataset",
    "regression_dataset": "symnn.testing.dataset",
    "regression_keys": "symnn.testing.dataset",
    "Solution": "symnn.testing.solution",
    "is_symbolic_solution": "symnn.testing.solution",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symnn.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

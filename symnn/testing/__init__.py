"""Symbolic regression tests: assertions, snapshots and strategies for a user's own suite.

* :func:`assert_equivalent` — an assertion that passes only on a proof (or, when asked,
  on numeric agreement reported as such);
* :func:`assert_derivation` — a catalogue id derived, cross-checked and compared;
* :func:`regression_dataset`, :func:`is_symbolic_solution` — ground truth for
  symbolic-regression tools;
* :mod:`symnn.testing.strategies` — hypothesis strategies (needs ``hypothesis``);
* :mod:`symnn.testing.plugin` — the pytest plugin with the ``symnn_snapshot`` fixture.

>>> import sympy as sp
>>> assert_equivalent(sp.Symbol("x") ** 2 - 1, (sp.Symbol("x") - 1) * (sp.Symbol("x") + 1)).status
'proved'
"""

from __future__ import annotations

from symnn.testing.assertions import Equivalence, NumericOnlyWarning, assert_equivalent
from symnn.testing.derivations import assert_derivation

__all__ = ["Equivalence", "NumericOnlyWarning", "assert_derivation", "assert_equivalent"]

"""Numeric cross-checks: compare a derived result with an independent computation.

A :class:`CrossCheck` collects comparisons (arrays of numbers, or plain yes/no facts such
as "gradient descent diverged") and turns them into a :class:`CheckReport`. The error of a
comparison is the mixed relative error

.. math:: e = \\max_k \\frac{|a_k - b_k|}{\\max(1, |b_k|)},

so it is relative for large values and absolute near zero.

>>> check = CrossCheck("mpmath at 50 digits", tolerance=1e-12)
>>> check.compare("sum", [0.1 + 0.2], [0.3])
>>> report = check.report()
>>> report.ok, report.max_error < 1e-15
(True, True)
>>> check.require("a fact that does not hold", False)
>>> check.report().ok
False
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Comparison:
    """One comparison: what was compared, the worst error and the number of values."""

    label: str
    error: float
    count: int
    passed: bool


@dataclass(frozen=True)
class CheckReport:
    """The outcome of a numeric cross-check.

    ``ok`` is true when every comparison is within ``tolerance`` and every required fact
    holds; ``max_error`` is the worst mixed relative error over all comparisons.
    """

    method: str
    tolerance: float
    max_error: float
    cases: int
    ok: bool
    comparisons: tuple[Comparison, ...] = ()
    facts: tuple[tuple[str, bool], ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line: verdict, method, worst error against the tolerance."""
        verdict = "passed" if self.ok else "FAILED"
        return (
            f"cross-check {verdict}: {self.method}; max error {self.max_error:.3g} "
            f"(tolerance {self.tolerance:.3g}) over {self.cases} values"
        )

    def _repr_html_(self) -> str:
        from symnn.core.rich import check_report_html

        return check_report_html(self)

    def _repr_latex_(self) -> str:
        from symnn.core.rich import check_report_latex

        return check_report_latex(self)

    def failures(self) -> list[str]:
        """Labels of the comparisons and facts that did not pass."""
        bad = [c.label for c in self.comparisons if not c.passed]
        return bad + [label for label, holds in self.facts if not holds]


def mixed_relative_error(actual: object, expected: object) -> float:
    """Worst ``|a - b| / max(1, |b|)`` over the entries; ``inf`` for NaN or a shape mismatch."""
    a = np.asarray(actual, dtype=float)
    b = np.asarray(expected, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    error = np.abs(a - b) / np.maximum(1.0, np.abs(b))
    if not np.all(np.isfinite(error)):
        return float("inf")
    return float(error.max())


@dataclass
class CrossCheck:
    """Accumulates comparisons for one derivation's cross-check."""

    method: str
    tolerance: float
    _comparisons: list[Comparison] = field(default_factory=list)
    _facts: list[tuple[str, bool]] = field(default_factory=list)
    _notes: list[str] = field(default_factory=list)

    def compare(
        self, label: str, actual: object, expected: object, tolerance: float | None = None
    ) -> None:
        """Compare two arrays of numbers (any shapes that match)."""
        limit = self.tolerance if tolerance is None else tolerance
        error = mixed_relative_error(actual, expected)
        count = int(np.asarray(expected, dtype=float).size)
        self._comparisons.append(Comparison(label, error, count, error <= limit))

    def require(self, label: str, holds: bool) -> None:
        """Record a yes/no fact that must hold (e.g. "the iteration diverged")."""
        self._facts.append((label, bool(holds)))

    def note(self, text: str) -> None:
        """Record an observation for the report."""
        self._notes.append(text)

    def extend(self, comparisons: Iterable[Comparison]) -> None:
        """Add comparisons made elsewhere."""
        self._comparisons.extend(comparisons)

    def report(self) -> CheckReport:
        """The :class:`CheckReport` of everything recorded so far."""
        errors = [c.error for c in self._comparisons]
        max_error = max(errors) if errors else 0.0
        ok = all(c.passed for c in self._comparisons) and all(h for _, h in self._facts)
        ok = ok and bool(self._comparisons or self._facts)
        return CheckReport(
            method=self.method,
            tolerance=self.tolerance,
            max_error=max_error,
            cases=sum(c.count for c in self._comparisons) + len(self._facts),
            ok=ok,
            comparisons=tuple(self._comparisons),
            facts=tuple(self._facts),
            notes=tuple(self._notes),
        )

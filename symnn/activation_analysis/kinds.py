"""The parameter kind ``activation``: a name from the table, compared as text, never parsed.

>>> ActivationName()("activation", "gelu")
'gelu'
>>> ActivationName()("activation", "softmax")
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'activation': got 'softmax', expected an elementwise \
activation (softmax is not elementwise (it maps a vector to a vector))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.activation_analysis.table import TABLE, lookup
from symnn.core.exact import shortened
from symnn.core.params import Kind, Number, Parameter
from symnn.errors import ParameterError


@dataclass(frozen=True)
class ActivationName(Kind):
    """One activation of :data:`~symnn.activation_analysis.table.TABLE`, by name."""

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(TABLE)

    def bound(self) -> str:
        return f"one of {len(TABLE)} names"

    def __call__(self, name: str, value: Any) -> str:
        text = value.name if isinstance(value, sp.Symbol) else value
        if not isinstance(text, str) or len(text) > 40:
            raise ParameterError(name, shortened(value), self.expected)
        return lookup(text.strip()).name


def activation_parameter(default: str) -> Parameter:
    """The parameter ``activation`` with its default."""
    return Parameter("activation", ActivationName(), default, "the activation, by name")



ALPHA = Parameter("alpha", Number(-10, 10, symbolic=True), None,
                  "the activation's parameter (leaky_relu: [0, 1], elu: (0, 10]); absent: "
                  "symbolic, or a typical value where a number is needed")
MU = Parameter("mu", Number(-100, 100, symbolic=True), sp.Integer(0), "the mean of G")
SIGMA = Parameter("sigma", Number(0, 100, lower_open=True, symbolic=True), sp.Integer(1),
                  "the standard deviation of G (> 0)")

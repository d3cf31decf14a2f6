"""Every activation at once: E f(Z), Var f(Z) and the variance-preserving v (``activation-table``).

One row per activation of the table, at ``Z ~ N(0, 1)`` (leaky ReLU with alpha = 1/100,
ELU with alpha = 1), each taken from its own certified derivations
``activation-gaussian-moments`` and ``initialization-variance``; numeric values are
marked, and linearised weight variances too.

>>> import symnn
>>> row = symnn.derive("activation-table").result["relu"]
>>> row[2]
2/n
"""

from __future__ import annotations

import sympy as sp

from symnn.activation_analysis.table import TABLE
from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.latex import to_latex
from symnn.core.registry import derive, register
from symnn.derivations.activation_moments import TOLERANCE, check_moments
from symnn.derivations.initialization_variance import judge_weight

SHOWN_DIGITS = 6


def _cell(value: sp.Expr) -> str:
    if value.has(sp.Float):
        return r"\approx " + to_latex(sp.N(value, SHOWN_DIGITS))
    return to_latex(value)


@register("activation-table", title="Moments and initialisation of every activation",
          sheets=[("activations", "Table")])
def activation_table() -> Derivation:
    """The rows (E f(Z), Var f(Z), v) of all activations, from their own derivations."""
    b = DerivationBuilder("activation-table", "Moments and initialisation of every activation",
                          r"For every activation $f$ of the table: $\mathbb{E} f(Z)$, "
                          r"$\operatorname{Var} f(Z)$ for $Z \sim N(0, 1)$, and the weight "
                          r"variance $v$ that preserves the pre-activation variance")
    b.assume(r"leaky ReLU with $\alpha = 1/100$, ELU with $\alpha = 1$")
    result, display, derivations = {}, {}, {}
    for name, rule in TABLE.items():
        alpha = {"alpha": rule.alpha.typical} if rule.alpha else {}
        moments = derive("activation-gaussian-moments", activation=name, **alpha)
        init = derive("initialization-variance", activation=name, **alpha)
        derivations[name] = (moments, init)
        row = (moments.result["mean"], moments.result["variance"], init.result["weight_variance"])
        b.define(f"{name}: from activation-gaussian-moments and initialization-variance",
                 sp.Symbol(f"{name}"), sp.Tuple(*row),
                 reason=f"{len(moments.steps)} and {len(init.steps)} certified steps there")
        result[name] = sp.Tuple(*row)
        linear = "" if init.result["exact"] else r"\ (\text{linearised})"
        display[name] = rf"\left({_cell(row[0])},\ {_cell(row[1])},\ {_cell(row[2])}{linear}\right)"
    b.note(r"Each row is $(\mathbb{E} f(Z),\ \operatorname{Var} f(Z),\ v)$; $\approx$ marks a "
           r"numeric value (30 digits and its error bound in \texttt{activation-gaussian-moments}), "
           r"shown to 6 digits; a linearised $v = 1/(n f'(0)^2)$ is an approximation.")
    return b.build(result, checker=lambda found: _check(derivations, found), display=display)


def _check(derivations: dict[str, tuple[Derivation, Derivation]], result: dict[str, sp.Tuple]) -> CheckReport:
    """Each row: E f(Z) and Var f(Z) against quadrature and Monte Carlo, v by n v E[f(Z)^2] = 1
    (quadrature) or n v f'(0)^2 = 1 (linearised)."""
    check = CrossCheck("each row's mean and variance against float64 Gauss-Legendre quadrature (to "
                       "1e-12) and Monte Carlo through the simulator; its v against that quadrature "
                       "of E[f(Z)^2] or the simulator's f'(0)", TOLERANCE)
    for name, rule in TABLE.items():
        init = derivations[name][1]
        mean, variance, weight = result[name]
        a = rule.resolve_alpha(rule.alpha.typical if rule.alpha else None)
        report = check_moments(rule, a, sp.Integer(0), sp.Integer(1),
                               {"mean": mean, "variance": variance, "second_moment": variance + mean**2,
                                "closed_form": not (mean.has(sp.Float) or variance.has(sp.Float))})
        check.extend(report.comparisons)
        check.require(f"{name}: the row's mean and variance pass the moment check", report.ok)
        judge_weight(check, rule, a, weight, bool(init.result["exact"]), f"{name}'s v")
    return check.report()

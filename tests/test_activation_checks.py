"""Every activation passes ``symnn check`` with the defaults of every id of the engine, and the
stability slope behind the initialisation band agrees with an independent computation."""

from __future__ import annotations

import mpmath
import pytest

import symnn
from symnn.activation_analysis.table import TABLE
from symnn.derivations.initialization_variance import stability_slope, stable_depth

IDS = ["activation-gaussian-moments", "initialization-variance", "activation-calculus"]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TABLE))
@pytest.mark.parametrize("id", IDS)
def test_every_activation_passes_its_check(id: str, name: str) -> None:
    """All 33 cases (about 5 minutes on a loaded machine: the simulated GELU layers dominate)."""
    d = symnn.derive(id, activation=name)
    report = d.check()
    assert d.certified and report.ok, report.failures()


@pytest.mark.parametrize(("id", "name"), [("initialization-variance", "silu"),
                                         ("activation-gaussian-moments", "gelu")])
def test_the_cases_that_failed_before_pass(id: str, name: str) -> None:
    d = symnn.derive(id, activation=name)
    report = d.check()
    assert d.certified and report.ok, report.failures()


SCALAR = {"tanh": mpmath.tanh, "silu": lambda t: t / (1 + mpmath.exp(-t)),
          "gelu": lambda t: t * mpmath.ncdf(t), "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t))}


@pytest.mark.parametrize("name", list(SCALAR))
def test_stability_slope_is_the_derivative_of_the_variance_map(name: str) -> None:
    """kappa against d/dq log E[f(sqrt(q) Z)^2] at q = 1 by numerical differentiation (to 1e-8)."""
    f = SCALAR[name]
    with mpmath.workdps(25):
        def second(q: mpmath.mpf) -> mpmath.mpf:
            return mpmath.quad(lambda z: f(mpmath.sqrt(q) * z) ** 2 * mpmath.npdf(z),
                               [-mpmath.inf, 0, mpmath.inf])

        expected = mpmath.diff(second, 1) / second(1)
    assert abs(stability_slope(TABLE[name], 0) - float(expected)) < 1e-8


def test_the_band_holds_over_fewer_layers_when_the_fixed_point_is_unstable() -> None:
    assert stable_depth(0.99, 256, 30) == 30
    assert stable_depth(1.5, 256, 30) < stable_depth(1.1, 256, 30) < 30
    # 2 sqrt(2/256) kappa^l <= log 4 exactly at the returned depth, not one layer later
    depth = stable_depth(1.2, 256, 30)
    start = 2 * (2 / 256) ** 0.5
    assert start * 1.2**depth <= mpmath.log(4) < start * 1.2 ** (depth + 1)

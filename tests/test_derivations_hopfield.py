"""hopfield-lyapunov: Delta H for n = 2..6 and symbolic n, exhaustive exact checks of the
formula, a numeric W, and refusals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

import symnn
from symnn.core.notation import vector_symbols
from symnn.derivations.hopfield import symmetric_weights
from symnn.errors import ParameterError


@pytest.mark.parametrize("n", range(2, 7))
def test_delta_h_concrete(n: int) -> None:
    d = symnn.derive("hopfield-lyapunov", n=n)
    delta_H = d.result["delta_H"]
    assert delta_H.shape == (n, 1)
    rules = [s.rule for s in d.steps]
    assert rules[:3] == ["energy change of one update", "no flip", "flip"]
    assert d.steps[-1].tex.endswith(str(2**n - 1))
    assert d.check().ok


@pytest.mark.parametrize("n", [2, 3, 4])
def test_delta_h_is_the_energy_difference_everywhere(n: int) -> None:
    d = symnn.derive("hopfield-lyapunov", n=n)
    W = symmetric_weights(n)
    rng = np.random.default_rng(n)
    values = {s: sp.Rational(int(v), 3) for s, v in
              zip(sorted(W.free_symbols, key=str), rng.integers(-6, 7, size=n * n))}
    Wn = W.xreplace(values)
    x, xp = vector_symbols("x", n), [sp.Symbol(f"x'_{i + 1}", real=True) for i in range(n)]
    energy = lambda v: -(v.T * Wn * v)[0] / 2  # noqa: E731
    for state in itertools.product((-1, 1), repeat=n):
        for i in range(n):
            for new in (-1, 1):
                after = list(state)
                after[i] = new
                expected = energy(sp.Matrix(after)) - energy(sp.Matrix(state))
                at = {**values, **dict(zip(x, state)), xp[i]: new}
                assert d.result["delta_H"][i].xreplace(at) == expected


def test_symbolic_n() -> None:
    d = symnn.derive("hopfield-lyapunov", n="n")
    assert isinstance(d.result["delta_H"].args[-1], sp.Sum) or d.result["delta_H"].has(sp.Sum)
    assert d.steps[0].certificate.route == "expand at n = 2..6, every i"
    assert d.result["delta_H_flip"] == -2 * sp.Abs(sp.Symbol("h_i", real=True))
    assert d.check().ok


def test_numeric_weights() -> None:
    W = [[0, 1, -2], [1, 0, 3], [-2, 3, 0]]
    d = symnn.derive("hopfield-lyapunov", W=W)
    x1, x2, x3 = vector_symbols("x", 3)
    assert sp.expand(d.result["delta_H"][0] + (sp.Symbol("x'_1", real=True) - x1) * (x2 - 2 * x3)) == 0
    assert d.parameters["n"] == 3 and d.check().ok


def test_tie_rule_stated() -> None:
    d = symnn.derive("hopfield-lyapunov")
    assert any("keep $x_i$" in c for c in d.conventions)
    assert r"\Delta H \le 0" in d.latex()


@pytest.mark.parametrize(("params", "fragment"), [
    ({"n": 1}, "parameter 'n'"), ({"n": 10}, "parameter 'n'"),
    ({"W": [[1, 0], [0, 0]]}, "zero diagonal"), ({"W": [[0, 1], [2, 0]]}, "symmetric"),
])
def test_refusals(params: dict, fragment: str) -> None:
    with pytest.raises(ParameterError, match=fragment):
        symnn.derive("hopfield-lyapunov", **params)

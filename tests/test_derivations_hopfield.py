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
    assert d.steps[0].certificate.route == "split sums over 1..n at i, linearity"
    assert "x'_j = x_j for j != i" in d.steps[1].certificate.route
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


# ------------------------------------------------------------------- general n, symbolically
def _instance(expr: sp.Expr, size: int, at: int) -> sp.Expr:
    """The general result at n = size, i = at, with w(j, k) as the symbols w_jk."""
    from symnn.derivations.hopfield import w

    n, i = sp.Symbol("n", integer=True, positive=True), sp.Symbol("i", integer=True, positive=True)
    W = symmetric_weights(size)
    x, xp = sp.IndexedBase("x", real=True), sp.IndexedBase("x'", real=True)
    names = {x[k + 1]: s for k, s in enumerate(vector_symbols("x", size))}
    names[xp[at]] = sp.Symbol("y")
    out = expr.subs({n: size, i: at}).doit()
    out = out.replace(lambda e: isinstance(e, w), lambda e: W[int(e.args[0]) - 1, int(e.args[1]) - 1])
    return out.xreplace(names)


@pytest.mark.parametrize("size", [2, 3, 5])
def test_general_delta_h_instantiates_to_the_energy_difference(size: int) -> None:
    d = symnn.derive("hopfield-lyapunov", n="n")
    W, x = symmetric_weights(size), sp.Matrix(vector_symbols("x", size))
    energy = lambda v: -(v.T * W * v)[0] / 2  # noqa: E731
    for at in range(1, size + 1):
        updated = x.copy()
        updated[at - 1] = sp.Symbol("y")
        assert sp.expand(_instance(d.result["delta_H"], size, at) - (energy(updated) - energy(x))) == 0


def test_a_wrong_split_is_refused() -> None:
    from symnn.core.certify import certify
    from symnn.core.sums import sum_split_route
    from symnn.derivations.hopfield import w
    from symnn.errors import CertificationError

    n = sp.Symbol("n", integer=True, positive=True)
    i, j, k = sp.symbols("i j k", integer=True, positive=True)
    x = sp.IndexedBase("x", real=True)
    full = sp.Sum(x[j] * w(j, k) * x[k], (k, 1, n), (j, 1, n))
    off = lambda t, v: sp.Sum(t, (v, 1, i - 1)) + sp.Sum(t, (v, i + 1, n))  # noqa: E731
    rest, field = off(off(x[j] * w(j, k) * x[k], k), j), off(w(i, j) * x[j], j)
    route = sum_split_route(i, n)
    assert certify(full, rest + 2 * x[i] * field + w(i, i) * x[i] ** 2, route)
    with pytest.raises(CertificationError):  # one mixed part instead of two
        certify(full, rest + x[i] * field + w(i, i) * x[i] ** 2, route)
    with pytest.raises(CertificationError):  # the diagonal term forgotten
        certify(full, rest + 2 * x[i] * field, route)


@pytest.mark.parametrize("n", ["n", 4])
def test_termination_has_its_own_steps(n: object) -> None:
    d = symnn.derive("hopfield-lyapunov", n=n)
    steps = {s.rule: s for s in d.steps}
    assert {"telescoping over flips", "no state repeats", "number of states", "distinct states",
            "a fixed point is reached"} <= set(steps)
    assert [s.certificate.theorem for s in d.citations] == ["pigeonhole principle"]
    assert steps["a fixed point is reached"].certificate.route != steps[
        "every flip lowers H strictly"].certificate.route
    states = 2 ** sp.Symbol("n", integer=True, positive=True) if n == "n" else 2**n
    assert steps["number of states"].after == states
    assert "cited: pigeonhole principle" in d.latex()

"""Ground-truth data for symbolic regression: samples of a derived formula, SRBench/PMLB style.

``regression_dataset(id, key)`` derives ``id``, takes the scalar result ``key`` (one that
depends on variables; :func:`regression_keys` lists them), samples its variables
uniformly from their domains and evaluates the formula: the inputs, the ``target``
column, the ground-truth expression (the course's ``sigma`` written out as
``1/(1 + exp(-x))``) and the variable names. It is written as a TSV
with a ``target`` column (``symnn srdata``), the layout of PMLB and SRBench's Feynman
and Strogatz sets; :func:`symnn.testing.is_symbolic_solution` then judges a recovered
formula against ``expression``.

===========================  =====================================================
variable                     sampled from
===========================  =====================================================
declared parameter           its declared interval (``alpha`` in ``[0, 1]``)
real symbol                  ``[-3, 3]``, cut to its assumptions (``positive``: ``(0, 3]``)
integer symbol               the integers from its lower bound (or 1), ten of them
===========================  =====================================================

Noise follows SRBench: ``target + N(0, (noise * RMS(target))^2)``.

>>> data = regression_dataset("leaky-relu-gaussian-moments", "mean", n=4, seed=1)
>>> data.variables, data.inputs.shape
(('alpha',), (4, 1))
>>> bool(((0 <= data.inputs) & (data.inputs <= 1)).all())
True
>>> data.tsv().splitlines()[0]
'alpha\\ttarget'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from symnn.core.counterexample import region_of
from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.core.registry import derive
from symnn.errors import ParameterError
from symnn.grading.grader import declared_domain
from symnn.grading.parse import natural_key
from symnn.testing.values import first_integer, written_out

WINDOW, INTEGERS, ROUNDS = 3, 10, 20


@dataclass(frozen=True)
class RegressionData:
    """``inputs`` (``n x k``), ``target`` (``n``), the ground-truth ``expression``, ``variables``."""

    inputs: np.ndarray
    target: np.ndarray
    expression: sp.Expr
    variables: tuple[str, ...]

    def tsv(self) -> str:
        """The data as tab-separated text, variables then ``target``, 17 significant digits."""
        rows = ["\t".join([*self.variables, "target"])]
        for values, target in zip(self.inputs, self.target):
            rows.append("\t".join(f"{value:.17g}" for value in [*values, target]))
        return "\n".join(rows) + "\n"


def _variables(value: Any) -> list[sp.Symbol] | None:
    """The variables of a scalar result, or None if it is not a formula of plain symbols."""
    if not isinstance(value, sp.Expr) or isinstance(value, (sp.MatrixExpr, sp.Order)):
        return None
    atoms = value.free_symbols
    if not atoms or any(not isinstance(atom, sp.Symbol) for atom in atoms) or value.has(sp.Sum, sp.Product):
        return None
    if written_out(value).atoms(AppliedUndef):
        return None  # a function without a definition
    return sorted(atoms, key=lambda s: natural_key(s.name))


def regression_keys(id: str, **params: Any) -> list[str]:
    """The results of ``id`` that :func:`regression_dataset` can sample.

    >>> regression_keys("leaky-relu-gaussian-moments")
    ['mean', 'variance', 'second_moment']
    """
    return [key for key, value in derive(id, **params).result.items() if _variables(value)]


def _sampler(symbol: sp.Symbol, region: sp.Set) -> Any:
    """A function ``rng, n -> values`` drawing ``symbol`` from ``region`` (see the table)."""
    if not isinstance(region, sp.Interval):
        raise ParameterError(symbol.name, region, "a variable whose domain is an interval")
    low, high = region.start, region.end
    if symbol.is_integer:
        first = first_integer(region)
        last = first + INTEGERS - 1 if not high.is_finite else min(int(sp.floor(high)), first + INTEGERS - 1)
        return lambda rng, n: rng.integers(first, last + 1, size=n).astype(float)
    a = float(low) if low.is_finite else min(-WINDOW, float(high) - 2 * WINDOW)
    b = float(high) if high.is_finite else max(WINDOW, a + 2 * WINDOW)
    return lambda rng, n: rng.uniform(a, b, size=n)


def regression_dataset(id: str, key: str, n: int = 1000, noise: float = 0.0, seed: int = 0,
                       **params: Any) -> RegressionData:
    """``n`` samples of ``derive(id, **params).result[key]`` at uniformly drawn variables."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError("n", n, "a positive integer number of samples")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < np.inf:
        raise ParameterError("noise", noise, "a finite number >= 0")
    results = derive(id, **params).result
    variables = _variables(results.get(key))
    if variables is None:
        keys = [name for name, value in results.items() if _variables(value)]
        raise ParameterError("key", key, f"a scalar result of {id} that depends on variables: "
                             f"{', '.join(keys) or '(none with these parameters)'}")
    expression = written_out(results[key])
    domain = declared_domain(id, params, expression)
    samplers = [_sampler(s, region_of(s, domain)) for s in variables]
    function = sp.lambdify(variables, expression, modules=NUMPY_NAMESPACE)
    rng = np.random.default_rng(seed)
    inputs, target = np.empty((0, len(variables))), np.empty(0)
    for _ in range(ROUNDS):
        drawn = np.column_stack([sample(rng, n) for sample in samplers])
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(function(*drawn.T), dtype=complex), (n,))
        keep = np.isfinite(values) & (values.imag == 0)
        inputs, target = np.vstack([inputs, drawn[keep]]), np.concatenate([target, values.real[keep]])
        if len(target) >= n:
            break
    else:
        raise ParameterError("key", key, f"a result of {id} that is finite and real at most sampled points")
    inputs, target = inputs[:n], target[:n]
    if noise:
        target = target + rng.normal(0.0, noise * np.sqrt(np.mean(target**2)), size=n)
    return RegressionData(inputs, target, expression, tuple(s.name for s in variables))

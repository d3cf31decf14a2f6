"""The runs of a sweep: an experiment over the product of seeds and hyper-parameter values.

:func:`plan` reads ``--seeds 0,1,2`` and ``--grid NAME=V1,V2`` items and checks them all
before any cluster starts: the experiment must exist, each grid name must be one of its
declared hyper-parameters (:func:`symnn.experiments.common.hyper_parameters`), each value
is read by that parameter's kind (the safe literal reader: nothing is evaluated) within
its documented bound, and no value is given twice. Each run is named after its grid
values and seed, e.g. ``eta=0.05_seed=1``: the name is its journal key and the name of
its run directory.

>>> sweep = plan("fashion-ffnn-sgd", "0,1", ["eta=0.1,0.05"], epochs=1, quick=True)
>>> list(sweep.runs())
['eta=0.1_seed=0', 'eta=0.1_seed=1', 'eta=0.05_seed=0', 'eta=0.05_seed=1']
>>> sweep.runs()["eta=0.05_seed=1"]
({'eta': 0.05}, 1)
>>> plan("fashion-ffnn-sgd", "0", ["lr=0.1"], epochs=1, quick=True)
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'lr': got 'lr=0.1', expected a hyper-parameter of \
fashion-ffnn-sgd: eta, batch_size
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from symnn.errors import ParameterError

__all__ = ["MAX_RUNS", "MAX_SEEDS", "MAX_VALUES", "SweepPlan", "parse_seeds", "plan", "run_name"]

#: Documented bounds: seeds per sweep, values per grid name, runs per sweep.
MAX_SEEDS, MAX_VALUES, MAX_RUNS = 100, 50, 1000


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep runs: ``experiment`` with ``epochs`` and ``quick`` fixed, over seeds x grid."""

    experiment: str
    seeds: tuple[int, ...]
    grid: dict[str, tuple[Any, ...]]
    epochs: int | None
    quick: bool

    def points(self) -> list[dict[str, Any]]:
        """The grid points (one dict of values each), in the order of the ``--grid`` items.

        >>> SweepPlan("x", (0,), {"eta": (0.1, 0.2), "batch_size": (8,)}, None, False).points()
        [{'eta': 0.1, 'batch_size': 8}, {'eta': 0.2, 'batch_size': 8}]
        """
        names = list(self.grid)
        return [dict(zip(names, values)) for values in itertools.product(*self.grid.values())]

    def runs(self) -> dict[str, tuple[dict[str, Any], int]]:
        """Every run, by name: ``(hyper-parameter values, seed)``; grid point first, then seed."""
        return {run_name(point, seed): (point, seed) for point in self.points() for seed in self.seeds}

    def identity(self) -> dict[str, Any]:
        """What every run of the sweep shares (an output directory holds one sweep)."""
        return {"experiment": self.experiment, "epochs": self.epochs, "quick": self.quick}

    def record(self) -> dict[str, Any]:
        """The plan as JSON-ready data."""
        return {**asdict(self), "seeds": list(self.seeds), "grid": {k: list(v) for k, v in self.grid.items()}}


def run_name(point: dict[str, Any], seed: int) -> str:
    """``NAME=VALUE_..._seed=S``: the journal key and directory name of one run.

    >>> run_name({"eta": 0.001, "batch_size": 64}, 2)
    'eta=0.001_batch_size=64_seed=2'
    """
    return "_".join([*(f"{name}={value!r}" for name, value in point.items()), f"seed={seed}"])


def _items(text: str, what: str, limit: int) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise ParameterError(what, text, "values separated by commas, e.g. 0,1,2")
    if len(items) > limit:
        raise ParameterError(what, text, f"at most {limit} values (got {len(items)})")
    return items


def _distinct(name: str, text: str, values: list[Any]) -> tuple[Any, ...]:
    if len(set(values)) != len(values):
        raise ParameterError(name, text, "each value once")
    return tuple(values)


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"0,1,2"`` -> ``(0, 1, 2)``: integers >= 0, each once, at most :data:`MAX_SEEDS`.

    >>> parse_seeds("0, 1,2")
    (0, 1, 2)
    >>> parse_seeds("0,-1")
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'seeds': got -1, expected an integer >= 0 and <= 2147483647
    """
    from symnn.core.params import PositiveInteger

    kind = PositiveInteger(minimum=0)
    return _distinct("seeds", text, [int(kind("seeds", item)) for item in _items(text, "seeds", MAX_SEEDS)])


def _grid(experiment: str, items: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    from symnn.experiments.common import hyper_parameters, hyper_values

    declared = hyper_parameters(experiment)
    grid: dict[str, tuple[Any, ...]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError("grid", item, "NAME=V1,V2,..., e.g. --grid eta=0.1,0.05")
        if name not in declared:
            known = ", ".join(declared) or "(none)"
            raise ParameterError(name, item, f"a hyper-parameter of {experiment}: {known}")
        if name in grid:
            raise ParameterError(name, item, "each grid name once")
        read = [hyper_values(experiment, {name: value})[name] for value in _items(values, name, MAX_VALUES)]
        grid[name] = _distinct(name, values, read)
    return grid


def plan(experiment: str, seeds: str, grid: Sequence[str] = (), *, epochs: int | None = None,
         quick: bool = False) -> SweepPlan:
    """Check every option of a sweep and return its plan; a bad one is one :class:`ParameterError`.

    ``seeds`` is the ``--seeds`` text, ``grid`` the ``--grid`` items. Raises
    :class:`~symnn.errors.UnknownIdError` for an id that is not an experiment.
    """
    from symnn.core.registry import entry
    from symnn.experiments.common import hyper_parameters

    hyper_parameters(experiment)  # refuses an unknown experiment first
    if epochs is not None:
        if "epochs" not in {p.name for p in entry(experiment).parameters}:
            raise ParameterError("epochs", epochs, f"no epochs: {experiment} does not train a network")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ParameterError("epochs", epochs, "a positive integer")
    sweep = SweepPlan(experiment, parse_seeds(seeds), _grid(experiment, grid), epochs, bool(quick))
    count = len(sweep.seeds) * len(sweep.points())
    if count > MAX_RUNS:
        raise ParameterError("grid", list(grid), f"at most {MAX_RUNS} runs (seeds x grid values: {count})")
    return sweep

"""Running an experiment: options, data, output files and the ``metrics.json`` record.

An experiment is a function ``runner(ctx: Context) -> dict`` registered with
``@register(id, kind="experiment", ...)``. :func:`run` checks the options, calls the
runner with one OpenBLAS thread (see :mod:`symnn.experiments._threads`) and writes
``DIR/metrics.json`` atomically. The runner returns at least

* ``test_accuracy`` (float or ``None``) and ``epochs_run`` (int);
* ``history``: per-epoch lists of losses and accuracies;
* ``config``: the hyperparameters it used;

and may return more keys. Every wall-clock number goes under the one key ``timing``, so
two runs with the same seed give dictionaries that are equal once ``timing`` is removed
(:func:`without_timing`).

>>> without_timing({"test_accuracy": 0.9, "timing": {"wall_time_s": 1.5}})
{'test_accuracy': 0.9}
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symnn.core.params import Boolean, Parameter, PositiveInteger
from symnn.errors import ParameterError, UnknownIdError
from symnn.experiments._threads import blas_threads
from symnn.io import write_bytes_atomic, write_text_atomic

__all__ = [
    "BLAS_THREADS", "Context", "experiment_parameters", "history_record", "run", "save_npz",
    "to_json", "without_timing",
]  # fmt: skip

BLAS_THREADS = 1


def experiment_parameters(epochs: int | None) -> list[Parameter]:
    """The declared parameters: ``epochs`` (when the experiment trains), ``seed``, ``quick``."""
    declared = [
        Parameter("seed", PositiveInteger(minimum=0), 0, "seed of every random choice"),
        Parameter("quick", Boolean(), False, "a small real-data subset, for CI"),
    ]
    if epochs is not None:
        declared.insert(0, Parameter("epochs", PositiveInteger(), epochs, "training epochs"))
    return declared


@dataclass
class Context:
    """What a runner gets: the options of the run and helpers for its output directory.

    Attributes:
        id: the experiment id.
        data_dir: the ``--data-dir`` directory searched first for the datasets.
        epochs: the epochs asked for (``None``: the experiment's default, see
            :meth:`choose_epochs`).
        seed: drives the data split, the initial weights and the shuffling.
        out: the output directory (created by :func:`run`).
        quick: train on a small subset of the real data (a few thousand images).
        progress: show progress bars and one line per stage on stderr.
        written: names of the files written so far, in order.
    """

    id: str
    data_dir: Path | None
    epochs: int | None
    seed: int
    out: Path
    quick: bool = False
    progress: bool = True
    written: list[str] = field(default_factory=list)

    def load(
        self, name: str, split: str, *, flatten: bool = False, limit: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)`` of a dataset split, float32 in [0, 1] (see ``load_dataset``)."""
        from symnn.data import load_dataset

        return load_dataset(name, data_dir=self.data_dir, split=split, flatten=flatten, limit=limit)

    def choose_epochs(self, full: int, quick: int) -> int:
        """The epochs asked for, else ``quick`` in quick mode and ``full`` otherwise."""
        if self.epochs is not None:
            return self.epochs
        return quick if self.quick else full

    def say(self, message: str) -> None:
        """One line on stderr when progress is shown."""
        if self.progress:
            print(f"[{self.id}] {message}", file=sys.stderr, flush=True)

    def path(self, name: str) -> Path:
        """``out / name``, recorded in :attr:`written`."""
        if name not in self.written:
            self.written.append(name)
        return self.out / name

    def save_weights(self, arrays: dict[str, np.ndarray], name: str = "weights.npz") -> None:
        """Write ``arrays`` (keys like ``"0.W"``) to ``out/name`` atomically."""
        save_npz(self.path(name), arrays)


def save_npz(path: str | os.PathLike[str], arrays: dict[str, np.ndarray]) -> None:
    """An uncompressed ``.npz`` of ``arrays``, written atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_bytes_atomic(path, buffer.getvalue())


def history_record(history: Any) -> tuple[dict[str, Any], list[float]]:
    """A :class:`~symnn.sim.History` as (JSON-ready numbers, per-epoch wall times).

    The epoch times are split off so that the numbers of two equal runs compare equal.
    """
    data = history.to_dict()
    times = data.pop("epoch_time")
    return data, [float(t) for t in times]


def to_json(value: Any) -> str:
    """``value`` as indented JSON; NumPy scalars and arrays become numbers and lists."""

    def default(item: Any) -> Any:
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, np.ndarray):
            return item.tolist()
        if isinstance(item, Path):
            return str(item)
        raise TypeError(f"cannot write {type(item).__name__} to JSON")

    return json.dumps(value, indent=2, default=default) + "\n"


def without_timing(metrics: dict[str, Any]) -> dict[str, Any]:
    """``metrics`` without its wall-clock ``timing`` key (what a seed reproduces)."""
    return {key: value for key, value in metrics.items() if key != "timing"}


def _integer(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(name, value, f"an integer >= {minimum}")
    return int(value)


def run(
    id: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    epochs: int | None = None,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    quick: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Run experiment ``id``, write ``out/metrics.json`` (default ``out/ID``); return the metrics.

    The output directory is created when the first file is written, so a run that
    fails before (a missing dataset) leaves nothing behind.

    ``epochs=None`` takes the experiment's default (its declared ``epochs`` parameter,
    or a smaller number in quick mode).
    Raises :class:`~symnn.errors.UnknownIdError` for an id that is not an experiment,
    :class:`~symnn.errors.ParameterError` for bad options and
    :class:`~symnn.errors.DataError` when a dataset is missing or damaged.
    """
    from symnn.core.registry import catalog, entry

    experiments = catalog("experiment")
    if id not in experiments:
        raise UnknownIdError("experiment", id, experiments)
    item = entry(id)
    declared = {p.name: p for p in item.parameters}
    if epochs is not None and "epochs" in declared:
        epochs = _integer("epochs", epochs, 1)
    elif epochs is not None:
        raise ParameterError("epochs", epochs, f"no epochs: {id} does not train a network")
    seed = _integer("seed", seed, 0)
    out_dir = Path("out") / id if out is None else Path(out)
    if data_dir is not None:
        data_dir = Path(data_dir)
    ctx = Context(id, data_dir, epochs, seed, out_dir, bool(quick), bool(progress))
    start = time.perf_counter()
    with blas_threads(BLAS_THREADS):
        result = item.factory(ctx)
    timing = {**result.pop("timing", {}), "wall_time_s": time.perf_counter() - start}
    config = {"seed": seed, "quick": bool(quick), "blas_threads": BLAS_THREADS}
    config.update(result.pop("config", {}))
    metrics = {
        "experiment": id,
        "title": item.title,
        "sheets": [list(pair) for pair in item.sheets],
        "seed": seed,
        "config": config,
        **result,
        "files": [*ctx.written, "metrics.json"],
        "timing": timing,
    }
    write_text_atomic(out_dir / "metrics.json", to_json(metrics))
    return json.loads(to_json(metrics))

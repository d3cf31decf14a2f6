"""Running an experiment: options, data, output files and the ``metrics.json`` record.

An experiment is a function ``runner(ctx: Context) -> dict`` registered with
``@register(id, kind="experiment", ...)``. :func:`run` checks the options and the
output directory (:mod:`symnn.experiments.rundir`), calls the runner with one OpenBLAS
thread (see :mod:`symnn.sim.blas_threads`), writes ``DIR/metrics.json`` atomically
and only then draws the figures the runner asked for (:meth:`Context.figure`), so that a
plotting failure cannot lose the metrics. The runner trains through
:meth:`Context.train_options`, which checkpoints every epoch into ``DIR/checkpoints``: a
run killed at any point and started again resumes there and ends with the same numbers.
The runner returns at least

* ``test_accuracy`` (float or ``None``) and ``epochs_run`` (int);
* ``history``: per-epoch lists of losses and accuracies;
* ``config``: the hyperparameters it used;

and may return more keys. Besides ``epochs``, ``seed`` and ``quick`` an experiment may
declare hyper-parameters (``eta``, ``batch_size``, ...) as bounded
:class:`~symnn.core.params.Parameter` objects; :func:`run` reads them by their declared
kinds (``run("fashion-mlp", eta=0.01)``, or ``--param eta=0.01`` on the command line),
refuses a name the experiment does not declare, and hands the values to the runner as
:attr:`Context.hyper`, the declared defaults for the others.

Every clock reading goes under the one key ``timing`` (``wall_time_s``; ``cpu_time_s``, the
process CPU time of :func:`time.process_time`, all threads summed; ``blas_threads``, the
thread count each OpenBLAS library reported during the run), so two runs with the same seed
give dictionaries that are equal once ``timing`` is removed (:func:`without_timing`).

>>> without_timing({"test_accuracy": 0.9, "timing": {"wall_time_s": 1.5}})
{'test_accuracy': 0.9}
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symnn.core.params import Boolean, Number, Parameter, PositiveInteger
from symnn.errors import ParameterError, ReportError, SymnnError, TrainingError, UnknownIdError
from symnn.experiments import rundir
from symnn.io import write_bytes_atomic, write_text_atomic
from symnn.sim.blas_threads import blas_thread_counts, blas_threads

__all__ = [
    "BLAS_THREADS", "RUN_PARAMETERS", "Context", "batch_size", "experiment_parameters", "history_record",
    "hyper_parameters", "hyper_values", "learning_rate", "run", "save_npz", "to_json", "without_timing",
]  # fmt: skip

BLAS_THREADS = 1
#: The parameters of every run; the other declared parameters are hyper-parameters.
RUN_PARAMETERS = ("epochs", "seed", "quick")


def experiment_parameters(epochs: int | None, *hyper: Parameter) -> list[Parameter]:
    """The declared parameters: ``epochs`` (when the experiment trains), ``seed``, ``quick``, ``hyper``.

    >>> [p.name for p in experiment_parameters(10, learning_rate(0.1))]
    ['epochs', 'seed', 'quick', 'eta']
    """
    declared = [
        Parameter("seed", PositiveInteger(minimum=0), 0, "seed of every random choice"),
        Parameter("quick", Boolean(), False, "a small real-data subset, for CI"),
    ]
    if epochs is not None:
        declared.insert(0, Parameter("epochs", PositiveInteger(), epochs, "training epochs"))
    return [*declared, *hyper]


def learning_rate(default: float) -> Parameter:
    """The hyper-parameter ``eta``: the (initial) learning rate, in (0, 10]."""
    return Parameter("eta", Number(lower=0, lower_open=True, upper=10), default, "learning rate eta")


def batch_size(default: int) -> Parameter:
    """The hyper-parameter ``batch_size``: images per minibatch, from 1 to 4096."""
    return Parameter("batch_size", PositiveInteger(maximum=4096), default, "images per minibatch")


def hyper_parameters(id: str) -> dict[str, Parameter]:
    """The hyper-parameters experiment ``id`` declares, by name (an unknown id is refused).

    >>> sorted(hyper_parameters("fashion-ffnn-sgd"))
    ['batch_size', 'eta']
    """
    from symnn.core.registry import catalog, entry

    experiments = catalog("experiment")
    if id not in experiments:
        raise UnknownIdError("experiment", id, experiments)
    return {p.name: p for p in entry(id).parameters if p.name not in RUN_PARAMETERS}


def _plain(parameter: Parameter, value: Any) -> Any:
    """``value`` read by ``parameter``'s kind, as a Python ``int`` (integer kinds) or ``float``."""
    if value is None:
        return None
    exact = parameter.coerce(value)
    return int(exact) if isinstance(parameter.kind, PositiveInteger) else float(exact)


def hyper_values(id: str, given: dict[str, Any]) -> dict[str, Any]:
    """Every hyper-parameter of ``id``: ``given`` ones read by their kinds, the others' defaults.

    A name ``id`` does not declare is refused with one line listing the declared ones;
    values are read by the safe literal reader (text from the command line included),
    bounded, and returned as Python numbers.

    >>> hyper_values("fashion-ffnn-sgd", {"eta": "0.05"})
    {'eta': 0.05, 'batch_size': 32}
    >>> hyper_values("fashion-ffnn-sgd", {"lr": 1})
    Traceback (most recent call last):
    ...
    symnn.errors.ParameterError: parameter 'lr': got 1, expected a hyper-parameter of fashion-ffnn-sgd: \
eta, batch_size
    """
    declared = hyper_parameters(id)
    for name, value in given.items():
        if name not in declared:
            known = ", ".join(declared) or "(none)"
            raise ParameterError(name, value, f"a hyper-parameter of {id}: {known}")
    values = {}
    for name, parameter in declared.items():
        values[name] = _plain(parameter, given.get(name, parameter.default))
    return values


def request(id: str, epochs: int | None, seed: int, quick: bool, hyper: dict[str, Any]) -> rundir.Request:
    """The :class:`~symnn.experiments.rundir.Request` of a run; it names the changed hyper-parameters."""
    defaults = hyper_values(id, {})
    changed = {name: value for name, value in hyper.items() if value != defaults.get(name)}
    return rundir.Request(id, epochs, seed, bool(quick), changed)


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
        progress: show progress bars (one line per stage and per epoch is shown anyway).
        hyper: the experiment's hyper-parameters (:func:`hyper_values`): ``ctx.hyper["eta"]``.
        written: names of the files written so far, in order.
        figures: the figures to draw once the metrics are written, as
            ``(name, draw)`` with ``draw(path)``.
    """

    id: str
    data_dir: Path | None
    epochs: int | None
    seed: int
    out: Path
    quick: bool = False
    progress: bool = True
    hyper: dict[str, Any] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    figures: list[tuple[str, Callable[[Path], None]]] = field(default_factory=list)

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
        """One line on stderr."""
        print(f"[{self.id}] {message}", file=sys.stderr, flush=True)

    def train_options(self, epochs: int, name: str = "train", val_label: str = "val") -> dict[str, Any]:
        """The keyword arguments of :func:`symnn.sim.train` that wire a run to ``out``.

        Every epoch is checkpointed to ``out/checkpoints/NAME.npz`` (one name per network
        an experiment trains) and resumed from there; progress bars follow
        :attr:`progress`, and one line per epoch is printed either way, the validation
        numbers called ``val_label``.
        """
        from symnn.sim.train import epoch_summary

        def line(epoch: int, history: Any) -> None:
            print(epoch_summary(epoch, epochs, history, val_label), file=sys.stderr, flush=True)

        return {
            "checkpoint_path": self.out / rundir.CHECKPOINTS / f"{name}.npz",
            "progress": self.progress,
            "val_label": val_label,
            "on_epoch_end": None if self.progress else line,
        }

    def figure(self, name: str, draw: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Draw ``draw(out / name, *args, **kwargs)`` after the metrics are written."""
        self.figures.append((name, lambda path: draw(path, *args, **kwargs)))

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
    restart: bool = False,
    **hyper: Any,
) -> dict[str, Any]:
    """Run experiment ``id``, write ``out/metrics.json`` (default ``out/ID``); return the metrics.

    ``hyper`` sets declared hyper-parameters (:func:`hyper_values`), e.g. ``eta=0.01``.

    ``out`` is created and checked before any work; a run that fails before its first
    checkpoint (a missing dataset) leaves nothing behind. If ``out`` holds an unfinished
    run of the same request (id, epochs, seed, quick, hyper-parameters) it is resumed from its checkpoints;
    a finished one is not run again: its metrics are read back. ``restart=True`` starts
    over. ``epochs=None`` takes the experiment's default (its declared ``epochs``
    parameter, or a smaller number in quick mode).

    Raises :class:`~symnn.errors.UnknownIdError` for an id that is not an experiment,
    :class:`~symnn.errors.ParameterError` for bad options or an ``out`` that cannot be
    written, :class:`~symnn.errors.DataError` when a dataset is missing or damaged,
    :class:`~symnn.errors.TrainingError` when ``out`` holds another request's run or a
    write fails during the run, and :class:`~symnn.errors.ReportError` when a figure
    cannot be drawn (the metrics and weights are written by then; running the same
    request again draws the figures without training again).
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
    values = hyper_values(id, hyper)
    out_dir = Path("out") / id if out is None else Path(out)
    if data_dir is not None:
        data_dir = Path(data_dir)
    asked = request(id, epochs, seed, quick, values)
    created = rundir.prepare(out_dir)
    state = "new" if restart else rundir.status(out_dir, asked)
    if state == "finished":
        try:
            return json.loads((out_dir / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):  # damaged since: the run is done again
            state = "unfinished"
    ctx = Context(id, data_dir, epochs, seed, out_dir, bool(quick), bool(progress), values)
    try:
        rundir.begin(out_dir, asked, restart)
        metrics = _train_and_write(ctx, item)
        rundir.finish(out_dir)
    except SymnnError:
        if state == "new":
            rundir.undo(out_dir, created)
        raise
    except OSError as error:
        where = error.filename if error.filename is not None else out_dir
        raise TrainingError(
            f"cannot write {where}: {error.strerror or error}; the checkpoints in {out_dir} are "
            "kept: run the same command again to resume"
        ) from error
    return metrics


def _train_and_write(ctx: Context, item: Any) -> dict[str, Any]:
    """Call the runner, write ``metrics.json``, then draw the figures."""
    start, cpu_start = time.perf_counter(), time.process_time()
    with blas_threads(BLAS_THREADS):
        threads = blas_thread_counts()  # what OpenBLAS reports inside the limit
        result = item.factory(ctx)
    timing = {**result.pop("timing", {}), "wall_time_s": time.perf_counter() - start,
              "cpu_time_s": time.process_time() - cpu_start, "blas_threads": threads}  # fmt: skip
    config = {"seed": ctx.seed, "quick": ctx.quick, "blas_threads": BLAS_THREADS}
    config.update(result.pop("config", {}))
    metrics = {
        "experiment": ctx.id,
        "title": item.title,
        "sheets": [list(pair) for pair in item.sheets],
        "seed": ctx.seed,
        "config": config,
        **result,
        "files": [*ctx.written, *(name for name, _ in ctx.figures), "metrics.json"],
        "timing": timing,
    }
    write_text_atomic(ctx.out / "metrics.json", to_json(metrics))
    failures = []
    for name, draw in ctx.figures:
        try:
            draw(ctx.path(name))
        except Exception as error:  # any failure: the metrics are safe, say which figure and why
            failures.append(f"{ctx.out / name} ({type(error).__name__}: {error})")
    if failures:
        raise ReportError(
            f"could not draw {'; '.join(failures)}; metrics.json and the weights are written: "
            "run the same command again to draw the figures without training again"
        )
    return json.loads(to_json(metrics))

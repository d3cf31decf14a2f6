"""Atomic training checkpoints: everything needed to resume a run bit for bit.

A checkpoint is one ``.npz`` file (no pickles) holding the arrays

* ``model/<i.name>``: parameters and buffers of the network;
* ``opt/<slot.index>``: the optimiser's state (momentum velocities, Adam moments);
* ``best/<i.name>``: the weights early stopping would restore;

and ``meta``: one JSON string with the completed epoch count, the shuffling
generator's state, the layers' own state (dropout generators), the optimiser's and the
schedule's scalars, the early-stopping tracker, the history and a fingerprint of the
run (data size, batch size, seed, parameter shapes) that a resume must match.

It is written to a temporary file in the same directory and moved over the old one
with :func:`os.replace`, so a run killed while saving leaves the previous checkpoint
intact; the temporary file such a kill leaves behind (``.NAME.XXXXXXXX.tmp``) is
deleted by the next write of the same checkpoint. :class:`RunState` gathers the
objects of a run and turns them into such a file and back.

>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
>>> write_checkpoint(path, {"model/0.W": np.eye(2)}, {"epoch": 1})
>>> arrays, meta = read_checkpoint(path)
>>> meta["epoch"], arrays["model/0.W"].tolist()
(1, [[1.0, 0.0], [0.0, 1.0]])

The file a write killed half-way leaves behind goes with the next write:

>>> orphan = os.path.join(os.path.dirname(path), ".run.npz.k1ll3d_x.tmp")
>>> _ = open(orphan, "wb").write(b"half a checkpoint")
>>> write_checkpoint(path, {"model/0.W": np.eye(2)}, {"epoch": 2})
>>> sorted(os.listdir(os.path.dirname(path)))
['run.npz']
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from symnn.errors import TrainingError
from symnn.sim.history import History

if TYPE_CHECKING:
    from symnn.sim.network import Sequential
    from symnn.sim.optimizers import Optimizer
    from symnn.sim.schedules import EarlyStopping, Schedule

__all__ = ["RunState", "read_checkpoint", "write_checkpoint"]

FORMAT = "symnn.sim checkpoint 1"


def write_checkpoint(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Save ``arrays`` and the JSON-ready ``meta`` to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(path)
    payload = {**arrays, "meta": np.array(json.dumps({"format": FORMAT, **meta}))}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_orphans(path: Path) -> None:
    """Delete the temporary files of earlier, killed writes of the checkpoint ``path``."""
    orphan = re.compile(re.escape(f".{path.name}.") + r"[A-Za-z0-9_]{8}\.tmp")
    for candidate in path.parent.glob(f".{path.name}.*.tmp"):
        if orphan.fullmatch(candidate.name) and candidate.is_file():
            candidate.unlink(missing_ok=True)


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(arrays, meta)`` from a file written by :func:`write_checkpoint`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        meta = json.loads(str(arrays.pop("meta")))
    except (OSError, ValueError, KeyError) as error:
        raise TrainingError(f"checkpoint {str(path)!r} cannot be read: {error}") from error
    if meta.get("format") != FORMAT:
        raise TrainingError(
            f"checkpoint {str(path)!r} has format {meta.get('format')!r}, expected {FORMAT!r}"
        )
    return arrays, meta


def split(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The entries under ``prefix/``, with the prefix removed.

    >>> split({"opt/v.0": 1, "model/0.W": 2}, "opt")
    {'v.0': 1}
    """
    start = prefix + "/"
    return {k[len(start) :]: v for k, v in arrays.items() if k.startswith(start)}


def join(prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Prefix every key with ``prefix/`` (inverse of :func:`split`).

    >>> join("best", {"0.W": 1})
    {'best/0.W': 1}
    """
    return {f"{prefix}/{k}": v for k, v in arrays.items()}


class RunState:
    """Everything a training checkpoint saves and restores (used by ``train``)."""

    def __init__(
        self,
        model: Sequential,
        optimizer: Optimizer,
        schedule: Schedule | None,
        stopper: EarlyStopping | None,
        rng: np.random.Generator,
        history: History,
        best: dict[str, np.ndarray] | None,
    ) -> None:
        self.model, self.optimizer, self.schedule = model, optimizer, schedule
        self.stopper, self.rng, self.history, self.best = stopper, rng, history, best

    def save(self, path: str | os.PathLike, epoch: int, fingerprint: dict) -> None:
        opt_scalars, opt_arrays = self.optimizer.state_dict()
        arrays = {**join("model", self.model.get_weights()), **join("opt", opt_arrays)}
        if self.best is not None:
            arrays.update(join("best", self.best))
        meta = {
            "epoch": epoch, "fingerprint": fingerprint, "rng": self.rng.bit_generator.state,
            "layers": [layer.extra_state() for layer in self.model.layers],
            "optimizer": opt_scalars, "history": self.history.to_dict(),
            "schedule": None if self.schedule is None else self.schedule.state_dict(),
            "stopper": None if self.stopper is None else self.stopper.state_dict(),
        }  # fmt: skip
        write_checkpoint(path, arrays, meta)

    def load(self, path: str | os.PathLike, fingerprint: dict) -> int:
        arrays, meta = read_checkpoint(path)
        if meta["fingerprint"] != fingerprint:
            raise TrainingError(
                f"checkpoint {str(path)!r} belongs to another run ({meta['fingerprint']}, this "
                f"run is {fingerprint}): delete it, choose another path or pass resume=False"
            )
        self.model.set_weights(split(arrays, "model"))
        self.optimizer.load_state_dict(meta["optimizer"], split(arrays, "opt"))
        for layer, extra in zip(self.model.layers, meta["layers"], strict=True):
            layer.load_extra_state(extra)
        self.rng.bit_generator.state = meta["rng"]
        restored = History.from_dict(meta["history"])
        self.history.__dict__.update(restored.__dict__)
        if self.schedule is not None and meta["schedule"] is not None:
            self.schedule.load_state_dict(meta["schedule"])
        if self.stopper is not None and meta["stopper"] is not None:
            self.stopper.load_state_dict(meta["stopper"])
        best = split(arrays, "best")
        self.best = best or None
        return int(meta["epoch"])

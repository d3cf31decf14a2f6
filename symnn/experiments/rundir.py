"""The output directory of a run: checked before training, resumable, cleaned on start.

``symnn train EXPERIMENT --out DIR`` keeps in ``DIR``, besides the results,

* ``run.json``: the request (experiment, epochs, seed, quick, the hyper-parameters
  changed from their defaults) and the state,
  ``"unfinished"`` until the metrics and every figure are written, then ``"finished"``;
* ``checkpoints/NAME.npz``: the training checkpoints (:mod:`symnn.sim.checkpoint`),
  written after every epoch and removed once the run is finished.

Running the same request again on ``DIR`` resumes an unfinished run from its checkpoints
and reports a finished one without training; another request is refused unless the
directory is started over (``--restart``). Before anything else :func:`prepare` creates
``DIR``, proves that a file can be written there, and deletes the temporary files
(``.NAME.XXXXXXXX.tmp``) that a run killed during an atomic write leaves behind.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
>>> request = Request("fashion-mlp", epochs=None, seed=0, quick=True)
>>> created = prepare(out)
>>> status(out, request)
'new'
>>> begin(out, request, restart=False)
>>> status(out, request)
'unfinished'
>>> _ = (out / "metrics.json").write_text("{}")  # the run writes its metrics, then
>>> finish(out)
>>> status(out, request)
'finished'
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from symnn.errors import ParameterError, TrainingError
from symnn.io import write_text_atomic

__all__ = ["CHECKPOINTS", "RECORD", "Request", "begin", "finish", "prepare", "status", "undo"]

RECORD = "run.json"
CHECKPOINTS = "checkpoints"
#: the temporary names of the atomic writers (``tempfile.mkstemp`` adds 8 characters)
_TEMPORARY = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")


@dataclass(frozen=True)
class Request:
    """What a run was asked to do; a resume must ask for the same."""

    experiment: str
    epochs: int | None
    seed: int
    quick: bool
    hyper: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """The request in words.

        >>> Request("fashion-mlp", None, 0, True).describe()
        'fashion-mlp with seed 0, the default epochs, quick'
        >>> Request("fashion-mlp", 2, 0, False, {"eta": 0.01}).describe()
        'fashion-mlp with seed 0, 2 epochs, full, eta=0.01'
        """
        epochs = "the default epochs" if self.epochs is None else f"{self.epochs} epochs"
        changed = "".join(f", {name}={value}" for name, value in self.hyper.items())
        mode = "quick" if self.quick else "full"
        return f"{self.experiment} with seed {self.seed}, {epochs}, {mode}{changed}"


def _unwritable(out: Path, error: OSError) -> ParameterError:
    where = error.filename if error.filename is not None else out
    return ParameterError("out", str(out), f"a directory that can be written ({where}: {error.strerror})")


def prepare(out: Path) -> list[Path]:
    """Create ``out`` and ``out/checkpoints``, check both take a file, remove stale temporaries.

    Returns the directories it created (so that :func:`undo` can take them away again).
    Raises :class:`~symnn.errors.ParameterError` naming the path when ``out`` is a file,
    lies under a file, is read-only or cannot be created.
    """
    created: list[Path] = []
    try:
        for directory in (out, out / CHECKPOINTS):
            _make_writable_dir(out, directory, created)
    except ParameterError:
        _remove_created(created)
        raise
    return created


def _make_writable_dir(out: Path, directory: Path, created: list[Path]) -> None:
    """Create ``directory`` (noting what was created), prove it takes a file, clean it."""
    from symnn.data.verify import describe_non_file

    missing = []
    probe = directory
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    try:
        for path in reversed(missing):
            path.mkdir()
            created.append(path)
    except OSError as error:
        raise _unwritable(out, error) from error
    if not directory.is_dir():
        what = describe_non_file(directory) or "a file"
        raise ParameterError("out", str(out), f"a directory that can be written ({directory} is {what})")
    try:
        handle, name = tempfile.mkstemp(prefix=".write-check.", suffix=".tmp", dir=directory)
        os.close(handle)
        os.unlink(name)
    except OSError as error:
        raise _unwritable(out, error) from error
    _remove_temporaries(directory)


def _remove_temporaries(directory: Path) -> list[Path]:
    """Delete the leftovers of atomic writes that were killed half-way."""
    removed = []
    for path in sorted(directory.iterdir()):  # listed just after a file was written there
        if _TEMPORARY.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _record(out: Path) -> dict | None:
    path = out / RECORD
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        Request(**record["request"])
        if record["state"] not in ("unfinished", "finished"):
            raise ValueError(f"state {record['state']!r}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TrainingError(
            f"{path} is not a run record ({error}): pass --restart to start over in {out}"
        ) from error
    return record


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def status(out: Path, request: Request) -> str:
    """``"new"``, ``"unfinished"`` or ``"finished"``: what ``out`` holds for ``request``.

    Raises :class:`~symnn.errors.TrainingError` when ``out`` holds a run of another request.
    """
    record = _record(out)
    if record is None:
        return "new"
    held = Request(**record["request"])
    if held != request:
        raise TrainingError(
            f"{out} holds {_article(record['state'])} run of {held.describe()}; this command asks for "
            f"{request.describe()}: pass --restart to start over in {out}, or choose another --out"
        )
    if record["state"] == "finished" and (out / "metrics.json").is_file():
        return "finished"
    return "unfinished"


def begin(out: Path, request: Request, restart: bool) -> None:
    """Record ``request`` as unfinished; with ``restart`` first drop every checkpoint."""
    if restart:
        shutil.rmtree(out / CHECKPOINTS, ignore_errors=True)
        (out / CHECKPOINTS).mkdir(exist_ok=True)
        (out / RECORD).unlink(missing_ok=True)
    if _record(out) is None:
        record = {"request": asdict(request), "state": "unfinished"}
        write_text_atomic(out / RECORD, json.dumps(record) + "\n")


def finish(out: Path) -> None:
    """Mark the run finished and remove its checkpoints."""
    record = _record(out)
    assert record is not None, "finish() after begin()"
    write_text_atomic(out / RECORD, json.dumps({**record, "state": "finished"}) + "\n")
    shutil.rmtree(out / CHECKPOINTS, ignore_errors=True)


def undo(out: Path, created: list[Path]) -> None:
    """Take away a new run that failed before its first checkpoint (a missing dataset).

    The record goes, and so do the directories :func:`prepare` created, if empty.
    """
    if any((out / CHECKPOINTS).glob("*.npz")):
        return
    (out / RECORD).unlink(missing_ok=True)
    _remove_created(created)


def _remove_created(created: list[Path]) -> None:
    """Remove the directories in ``created`` that are empty, deepest first."""
    for directory in sorted(created, key=lambda path: len(path.parts), reverse=True):
        try:
            directory.rmdir()
        except OSError:
            continue

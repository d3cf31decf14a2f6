"""Run keyed tasks on a Dask client, journal each result as it arrives, show progress.

:func:`run_journaled` submits one task per key not yet in the journal, writes each
result to the journal the moment it comes back (so a stopped batch loses nothing), and
shows a progress bar with rate and ETA. A task whose worker dies is rescheduled by the
Dask scheduler on another worker; ``retries`` more attempts are allowed for a task that
raises. A task that still fails is journaled through ``on_error`` (it must return a
record), never aborting the others.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from symnn.distributed.journal import Journal


def _progress(total: int, initial: int, description: str, show: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=description, unit="task", disable=not show,
                dynamic_ncols=True, smoothing=0.1)


def run_journaled(client: Any, function: Callable[..., dict[str, Any]], tasks: Mapping[str, tuple[Any, ...]],
                  journal: Journal, *, on_error: Callable[[str, BaseException], dict[str, Any]],
                  description: str = "tasks", progress: bool = True, retries: int = 1,
                  resources: Iterable[str] = (), redo: Collection[str] = ()) -> dict[str, dict[str, Any]]:
    """Run ``function(*tasks[key])`` for each key the journal lacks or ``redo`` names; every record, by key.

    ``function`` returns a record (a JSON-able dict); ``key`` is added to it. A key run again
    gets a new record; the journal keeps the old one above it (the last record wins).
    """
    journal.repair()
    done = journal.records()
    todo = [key for key in tasks if key not in done or key in redo]
    from distributed import as_completed

    bar = _progress(len(tasks), len(tasks) - len(todo), description, progress)
    try:
        futures = {client.submit(function, *tasks[key], pure=False, retries=retries,
                                 key=f"symnn-{abs(hash((key, id(tasks))))}-{index}"): key
                   for index, key in enumerate(todo)}
        for future in as_completed(futures):
            key = futures[future]
            try:
                record = dict(future.result())
            except Exception as error:  # the task's own failure, after its retries
                record = dict(on_error(key, error))
            record["key"] = key
            journal.append(record)
            done[key] = record
            bar.update(1)
    finally:
        bar.close()
    return {key: done[key] for key in tasks if key in done}

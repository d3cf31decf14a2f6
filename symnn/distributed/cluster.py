"""A Dask client: a local cluster of worker processes by default, an existing scheduler by address.

:func:`open_client` is a context manager. Without ``scheduler`` it starts a
``distributed.LocalCluster`` of ``workers`` worker *processes* with one thread each (a
SymPy grading or a training run holds the GIL, so threads would not run in parallel);
with ``scheduler="tcp://HOST:PORT"`` it connects to a cluster started elsewhere with
Dask's own tools (``dask scheduler`` / ``dask worker``, ``dask-ssh``, Kubernetes, a job
queue). Every failure to start or reach a cluster is one :class:`ClusterError` line.

>>> check_workers(2)
2
>>> check_workers(0)
Traceback (most recent call last):
...
symnn.distributed.cluster.ClusterError: --workers: got 0, expected an integer from 1 to 256
>>> check_scheduler_address("tcp://127.0.0.1:8786")
'tcp://127.0.0.1:8786'
>>> check_scheduler_address("127.0.0.1")
Traceback (most recent call last):
...
symnn.distributed.cluster.ClusterError: --scheduler: got '127.0.0.1', expected an address such as tcp://HOST:8786
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from symnn.errors import SymnnError

#: The most worker processes a local cluster may start (a documented bound).
MAX_WORKERS = 256
#: Seconds to wait for an existing scheduler to answer.
CONNECT_SECONDS = 20.0
_ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx)://[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")


class ClusterError(SymnnError):
    """A Dask cluster could not be started or reached, or Dask is not installed."""


def check_workers(workers: Any) -> int:
    """``workers`` as an integer from 1 to :data:`MAX_WORKERS`, else a one-line error."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise ClusterError(f"--workers: got {workers!r}, expected an integer from 1 to {MAX_WORKERS}")
    return workers


def check_scheduler_address(address: str) -> str:
    """A scheduler address ``PROTOCOL://HOST:PORT``, else a one-line error."""
    if not isinstance(address, str) or not _ADDRESS.match(address.strip()):
        raise ClusterError(f"--scheduler: got {address!r}, expected an address such as tcp://HOST:8786")
    return address.strip()


def default_workers() -> int:
    """One worker process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as error:  # pragma: no cover - dask is a dependency
        raise ClusterError("Dask distributed is not installed: pip install 'dask[distributed]'") from error
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker",
                 "distributed.core", "distributed.comm", "distributed.http.proxy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # worker processes start children of their own (the time- and memory-limited grading process)
    import dask

    dask.config.set({"distributed.worker.daemon": False})
    return distributed


def dashboard_link(client: Any) -> str | None:
    """The address of the cluster's dashboard, or ``None`` when it has none (bokeh missing)."""
    try:
        import bokeh  # noqa: F401  (the dashboard needs it)
    except ImportError:
        return None
    with contextlib.suppress(Exception):
        return str(client.dashboard_link) or None
    return None


@contextlib.contextmanager
def open_client(workers: int | None = None, scheduler: str | None = None, *,
                memory_per_worker: str | int = "auto", announce: TextIO | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for the block; the local cluster (if any) is closed after it.

    ``workers`` is the number of local worker processes (default: one per core) and is
    ignored when ``scheduler`` names an existing cluster. ``announce`` (e.g.
    ``sys.stderr``) receives one line naming the cluster and its dashboard.
    """
    if scheduler is not None:
        address = check_scheduler_address(scheduler)
    else:
        count = check_workers(default_workers() if workers is None else workers)
    distributed = _distributed()
    cluster = None
    try:
        if scheduler is not None:
            client = distributed.Client(address, timeout=CONNECT_SECONDS)
            where = f"scheduler {address}"
        else:
            cluster = distributed.LocalCluster(
                n_workers=count, threads_per_worker=1, processes=True, memory_limit=memory_per_worker,
                dashboard_address="127.0.0.1:0", host="127.0.0.1", silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
            where = f"local cluster of {count} worker process{'es' if count != 1 else ''}"
    except (OSError, TimeoutError) as error:
        if cluster is not None:
            cluster.close()
        target = address if scheduler is not None else "a local cluster"
        why = str(error).splitlines()[0] if str(error) else repr(error)
        raise ClusterError(f"cannot reach {target}: {why}") from None
    try:
        if announce is not None:
            link = dashboard_link(client)
            print(f"dask: {where}" + (f"; dashboard {link}" if link else ""), file=announce, flush=True)
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


def worker_pids(client: Any) -> dict[str, int]:
    """The process id of each worker, by worker address (for tests that stop a worker)."""
    return dict(client.run(os.getpid))


if __name__ == "__main__":  # pragma: no cover - manual smoke test
    with open_client(2, announce=sys.stderr) as client:
        print(worker_pids(client))

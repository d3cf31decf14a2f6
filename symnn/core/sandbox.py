"""Run a function in a child process with a hard wall-clock limit and a memory limit.

SymPy cannot be interrupted reliably from inside (a C-level loop or a long ``gcd`` ignores
alarms until it returns), so a bound that must hold is enforced from outside:
:func:`run_limited` runs ``function(*args, **kwargs)`` in a child process, limits the
child's address space with ``resource.setrlimit(RLIMIT_AS)``, waits at most ``seconds``
for the result, and kills the child at the deadline. The value (or the exception) comes
back pickled. A single-threaded caller is forked (the child starts at once, with the
caller's modules and caches); a caller running threads (a notebook kernel, a task
worker) uses the ``forkserver`` method, whose children re-import the main module, so a
script must then keep its work under ``if __name__ == "__main__":``.

* the function returns in time: its value is returned;
* it raises: the same exception type is raised here, with the same message;
* the deadline passes: the child is killed (``SIGKILL``) and :class:`TimeLimitError`
  is raised;
* the address space is limited to ``memory`` bytes, or to what a forked child already
  maps plus a quarter of ``memory`` if that is more;
* it runs out of memory (``MemoryError``): :class:`MemoryLimitError`;
* it dies without a result: :class:`LimitError`.

The function and its arguments must be picklable (a module-level function). Modules
named in ``preload`` are imported once into the fork server, so each child starts with
them loaded (the first call names them; later calls share that server).

>>> run_limited(pow, 2, 10, seconds=60)
1024
>>> import time
>>> run_limited(time.sleep, 30, seconds=0.5)
Traceback (most recent call last):
...
symnn.core.sandbox.TimeLimitError: did not finish within 0.5 s (the process was stopped)
>>> run_limited(bytearray, 4 * 2**30, seconds=60, memory=2**30)
Traceback (most recent call last):
...
symnn.core.sandbox.MemoryLimitError: ran out of its memory limit of 1 GiB
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Sequence
from typing import Any

from symnn.errors import SymnnError

DEFAULT_SECONDS, DEFAULT_MEMORY = 30.0, 2 * 2**30
_STARTED: list[Any] = []


class LimitError(SymnnError):
    """A child process ran over its time or memory limit."""


class TimeLimitError(LimitError):
    """The wall-clock limit passed; the child was killed."""


class MemoryLimitError(LimitError):
    """The child ran out of memory."""


def _address_space() -> int:
    """The bytes of address space this process maps now (0 where ``/proc`` is missing)."""
    import os

    try:
        with open("/proc/self/statm") as status:
            return int(status.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(memory: int | None) -> None:
    """Limit the address space to ``memory`` bytes (at least a quarter of it beyond what is mapped)."""
    if memory is None:
        return
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = max(memory, _address_space() + memory // 4)  # a forked child starts with its parent's map
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def _portable(error: BaseException) -> tuple[Any, ...]:
    """An exception as (type, args, attributes, text), checked to pickle."""
    import pickle

    state = (type(error), error.args, dict(getattr(error, "__dict__", {})), str(error))
    try:
        pickle.dumps(state)
    except Exception:
        return (RuntimeError, (f"{type(error).__name__}: {error}",), {}, str(error))
    return state


def _child(connection: Any, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
           memory: int | None) -> None:
    try:
        _limit_memory(memory)
        outcome: tuple[str, Any] = ("ok", function(*args, **kwargs))
    except MemoryError:
        outcome = ("memory", None)
    except BaseException as error:  # every failure goes back to the parent
        outcome = ("error", _portable(error))
    try:
        connection.send(outcome)
    except MemoryError:
        connection.send(("memory", None))
    except Exception as error:  # an unpicklable value
        connection.send(("error", _portable(error)))
    connection.close()


def _context(preload: Sequence[str]) -> Any:
    """``fork`` from a single-threaded process (fast, no re-import), else ``forkserver``/``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if not _STARTED and context.get_start_method() == "forkserver":
        context.set_forkserver_preload(list(preload))
    _STARTED.append(True)
    return context


def _rebuild(state: tuple[Any, ...]) -> BaseException:
    kind, args, attributes, text = state
    try:
        error = kind.__new__(kind)
        error.args = args
        error.__dict__.update(attributes)
        str(error)
    except Exception:
        return RuntimeError(text)
    return error


def _gib(memory: int) -> str:
    return f"{memory / 2**30:g} GiB" if memory >= 2**30 else f"{memory / 2**20:g} MiB"


def run_limited(function: Callable[..., Any], *args: Any, seconds: float = DEFAULT_SECONDS,
                memory: int | None = DEFAULT_MEMORY, preload: Sequence[str] = (), **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` in a child process, at most ``seconds`` and ``memory`` bytes."""
    context = _context(preload)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args, kwargs, memory), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(seconds):
            try:
                status, payload = receiver.recv()
            except (EOFError, OSError):
                status, payload = "died", None
        else:
            status, payload = "timeout", None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if status == "ok":
        return payload
    if status == "error":
        raise _rebuild(payload)
    if status == "timeout":
        raise TimeLimitError(f"did not finish within {seconds:g} s (the process was stopped)")
    if status == "memory":
        limit = f"its memory limit of {_gib(memory)}" if memory else "memory"
        raise MemoryLimitError(f"ran out of {limit}")
    raise LimitError(f"the process ended without a result (exit code {process.exitcode})")

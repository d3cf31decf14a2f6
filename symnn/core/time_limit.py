"""Time limits on blocks of SymPy work, kept by ``SIGALRM`` in the main thread.

A limit raises :class:`~symnn.errors.CertificationError` inside its block once its time is
up. Two things make a single alarm unreliable, and this module handles both:

* **The exception can be swallowed.** SymPy catches ``Exception`` in many places, and an
  exception raised inside a garbage-collection callback or a ``__del__`` is dropped by
  Python. So the alarm keeps firing every :data:`REFIRE_SECONDS` after the deadline, raising
  again each time, until the block has ended.
* **Limits nest.** A route may run a sign proof with a limit of its own. There is one
  interval timer per process, so every active limit is kept on a stack and the timer is set
  for the earliest deadline among them; when an inner block ends, the outer deadlines still
  hold (the inner one can never extend them).

A block that is ending is marked done before anything else in its cleanup, and the alarm
never raises for it, nor for anything inside it, from then on: the cleanup itself cannot be
interrupted by its own limit. Outside the main thread (or without ``SIGALRM``) the block
runs without a limit, since SymPy cannot be interrupted from another thread.

>>> import time
>>> try:
...     with time_limit(0.05, "a busy loop"):
...         while True:
...             pass
... except CertificationError as error:
...     print(error)
a busy loop did not finish within 0.05 s
>>> with time_limit(1.0, "a quick block"):
...     total = sum(range(10))
>>> total, active_limits()
(45, 0)
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from symnn.errors import CertificationError

__all__ = ["REFIRE_SECONDS", "active_limits", "time_limit"]

#: after a deadline, the alarm fires again this often until the block has ended
REFIRE_SECONDS = 0.05


@dataclass
class _Limit:
    deadline: float  # time.monotonic()
    seconds: float
    what: str
    done: bool = False


_stack: list[_Limit] = []  # the main thread's active limits, outermost first
_previous_handler: list[Any] = []  # the SIGALRM handler to restore when the stack empties


def active_limits() -> int:
    """How many time limits are active (nested blocks) in this thread."""
    return len(_stack) if threading.current_thread() is threading.main_thread() else 0


def _on_alarm(signum: int, frame: Any) -> None:
    """Raise for the outermost limit whose time is up, skipping everything from the first
    block that is ending onwards (its cleanup must run)."""
    now = time.monotonic()
    for limit in _stack:
        if limit.done:
            return
        if limit.deadline <= now:
            raise CertificationError(f"{limit.what} did not finish within {limit.seconds:g} s")


def _arm() -> None:
    """Set the timer for the earliest deadline of the active limits (then every
    REFIRE_SECONDS while it is not lifted)."""
    live = [limit.deadline for limit in _stack if not limit.done]
    if not live:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    signal.setitimer(signal.ITIMER_REAL, max(min(live) - time.monotonic(), 1e-6), REFIRE_SECONDS)


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`CertificationError` ("WHAT did not finish within SECONDS s") if the
    block runs longer than ``seconds``; ``seconds <= 0`` sets no limit (callers check the
    time left themselves). Nested limits all hold."""
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return
    depth = len(_stack)
    limit = _Limit(time.monotonic() + seconds, float(seconds), what)
    if depth == 0:
        _previous_handler[:] = [signal.signal(signal.SIGALRM, _on_alarm)]
    _stack.append(limit)
    try:
        _arm()
        yield
    finally:
        limit.done = True  # first: from here on the alarm does not raise for this block
        del _stack[depth:]  # also inner limits whose own cleanup was cut short
        if depth == 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, _previous_handler.pop())
        else:
            _arm()

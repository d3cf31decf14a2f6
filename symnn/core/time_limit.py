"""Time limits on blocks of SymPy work, kept by ``SIGALRM`` in the main thread.

A limit raises :class:`~symnn.errors.CertificationError` inside its block once its time is
up. Four things make a single alarm unreliable, and this module handles each of them:

* **The exception can be swallowed.** SymPy catches ``Exception`` in many places. So the
  alarm keeps firing every :data:`REFIRE_SECONDS` after the deadline, raising again each
  time, until the block has ended.
* **Some code must not be interrupted.** Python calls a ``__del__``, a garbage-collection
  callback (``gc.callbacks``), a weak reference's callback and ``sys.unraisablehook`` from
  its own machinery, wherever the block happens to be; an exception raised in the first
  three is dropped and handed to the hook, and a hook interrupted halfway (pytest's, while
  it writes its report) fails as a whole. So the alarm never raises while one of them is
  running: the handler looks through the interrupted frame and its callers, and if one of
  them is such a call (see :func:`inside_callback`) it returns at once; the next alarm,
  :data:`REFIRE_SECONDS` later, reaches the block. (A generator that the garbage collector
  closes is not recognised: an exception raised in its cleanup is still dropped and
  reported, and the next alarm reaches the block all the same.)
* **Limits nest.** A route may run a sign proof with a limit of its own. There is one
  interval timer per process, so every active limit is kept on a stack and the timer is set
  for the earliest deadline among them; when an inner block ends, the outer deadlines still
  hold (the inner one can never extend them).
* **A limit must never be left behind.** The alarm never raises while a limit is being
  entered or left (its ``__enter__`` and ``__exit__``, also found in the frame chain): an
  exception there would skip the cleanup, and an expired limit left on the stack would stop
  every later block at once. This is not rare: a block that runs until its own deadline
  (the search for a counterexample does) ends just as the alarm arrives. A block that is
  ending is also marked done first, and the alarm never raises for it, nor for anything
  inside it, from then on.

Outside the main thread (or without ``SIGALRM``) the block runs without a limit, since
SymPy cannot be interrupted from another thread.

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

import functools
import gc
import signal
import sys
import threading
import time
import types
import weakref
from dataclasses import dataclass
from typing import Any

from symnn.errors import CertificationError

__all__ = ["REFIRE_SECONDS", "active_limits", "inside_callback", "time_limit"]

#: after a deadline, the alarm fires again this often until the block has ended
REFIRE_SECONDS = 0.05
_UNWRAP = 8  # how many layers (bound method, functools.partial, __call__) _code_of looks through


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


def _code_of(target: Any) -> types.CodeType | None:
    """The code Python runs when it calls ``target`` (a function, a bound method, a
    ``functools.partial`` or an object whose ``__call__`` is written in Python), or None
    (a builtin)."""
    for _ in range(_UNWRAP):
        if isinstance(target, types.FunctionType):
            return target.__code__
        if isinstance(target, types.MethodType):
            target = target.__func__
        elif isinstance(target, functools.partial):
            target = target.func
        elif callable(target):
            target = type(target).__call__
        else:
            return None
    return None


def _callback_codes() -> set[types.CodeType]:
    """The code of every garbage-collection callback and of ``sys.unraisablehook``."""
    codes = (_code_of(target) for target in [*gc.callbacks, sys.unraisablehook])
    return {code for code in codes if code is not None}


def _dead_reference(value: Any) -> bool:
    """Whether ``value`` is a weak reference whose object is gone (what Python passes to
    the reference's callback)."""
    return issubclass(type(value), weakref.ReferenceType) and value() is None


def _called_back_with_a_dead_reference(frame: types.FrameType) -> bool:
    """Whether one of the first two parameters of ``frame``'s function (the reference, or
    ``self`` and the reference) holds a dead weak reference."""
    names = frame.f_code.co_varnames[:min(frame.f_code.co_argcount, 2)]
    if not names:
        return False
    arguments = frame.f_locals
    return any(_dead_reference(arguments.get(name)) for name in names)


def inside_callback(frame: types.FrameType | None) -> bool:
    """Whether ``frame`` or one of its callers is a ``__del__``, a garbage-collection
    callback, a weak reference's callback or ``sys.unraisablehook``: code that Python calls
    from its own machinery, where an exception is dropped or breaks the hook.

    A ``__del__`` is known by its name, a callback and the hook by their code (looked up in
    ``gc.callbacks`` and ``sys.unraisablehook`` when asked), a weak reference's callback by
    the dead reference it was called with.

    >>> import sys
    >>> inside_callback(sys._getframe())
    False
    """
    codes = _callback_codes()
    chain = []
    while frame is not None:
        if frame.f_code.co_name == "__del__" or frame.f_code in codes:
            return True
        chain.append(frame)
        frame = frame.f_back
    return any(_called_back_with_a_dead_reference(caller) for caller in chain)


def _entering_or_leaving(frame: types.FrameType | None) -> bool:
    """Whether ``frame`` or one of its callers is entering or leaving a limit."""
    while frame is not None:
        if frame.f_code in _OWN_CODES:
            return True
        frame = frame.f_back
    return False


def _on_alarm(signum: int, frame: Any) -> None:
    """Raise for the outermost limit whose time is up, skipping everything from the first
    block that is ending onwards (its cleanup must run); not while a limit is entered or
    left, nor while Python runs a callback of its own (:func:`inside_callback`): the next
    alarm reaches the block."""
    now = time.monotonic()
    for limit in _stack:
        if limit.done:
            return
        if limit.deadline <= now:
            if _entering_or_leaving(frame) or inside_callback(frame):
                return
            raise CertificationError(f"{limit.what} did not finish within {limit.seconds:g} s")


def _arm() -> None:
    """Set the timer for the earliest deadline of the active limits (then every
    REFIRE_SECONDS while it is not lifted)."""
    live = [limit.deadline for limit in _stack if not limit.done]
    if not live:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    signal.setitimer(signal.ITIMER_REAL, max(min(live) - time.monotonic(), 1e-6), REFIRE_SECONDS)


class _TimeLimit:
    """The context manager of one :func:`time_limit` block (entered once). A class, not a
    generator: the handler knows its ``__enter__`` and ``__exit__`` by their code, and no
    cleanup waits in a suspended generator for the garbage collector."""

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds, self.what = float(seconds), what
        self.limit: _Limit | None = None
        self.depth = 0

    def __enter__(self) -> None:
        """Push the limit and set the timer (the alarm never raises in here)."""
        usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
        if not usable or self.seconds <= 0:
            return
        self.depth = len(_stack)
        if self.depth == 0:
            _previous_handler[:] = [signal.signal(signal.SIGALRM, _on_alarm)]
        self.limit = _Limit(time.monotonic() + self.seconds, self.seconds, self.what)
        _stack.append(self.limit)
        try:
            _arm()
        except BaseException:  # another signal's exception (Ctrl-C): leave nothing behind
            self.__exit__()
            raise

    def __exit__(self, *exc_info: object) -> None:
        """Pop the limit (and any inner one whose own cleanup was cut short); lift the timer
        or set it for the outer deadlines (the alarm never raises in here)."""
        if self.limit is None:
            return
        self.limit.done = True  # first: from here on the alarm does not raise for this block
        del _stack[self.depth:]
        if self.depth == 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, _previous_handler.pop())
        else:
            _arm()


#: the code of entering and leaving a limit, where the alarm never raises
_OWN_CODES = frozenset({_TimeLimit.__enter__.__code__, _TimeLimit.__exit__.__code__})


def time_limit(seconds: float, what: str) -> _TimeLimit:
    """Raise :class:`CertificationError` ("WHAT did not finish within SECONDS s") if the
    ``with`` block runs longer than ``seconds``; ``seconds <= 0`` sets no limit (callers
    check the time left themselves). Nested limits all hold."""
    return _TimeLimit(seconds, what)

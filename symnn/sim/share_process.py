"""A share of each minibatch run in a helper process (for :mod:`symnn.sim.split_batch`).

Threads of one Python process take turns holding the interpreter lock between NumPy
calls, and a convolutional step is a few hundred NumPy calls: on a two-core virtual
machine each hand-over of the lock cost about 10 us, which made a thread's half of the
benchmark CNN's step take 13.5 ms where a process's took 10.8 ms (alone: 8.4-10 ms).
:class:`ProcessShare` therefore runs a share in a process of its own:

* the process is started once (``python -c`` calling :func:`serve`: a fresh
  interpreter that imports NumPy and ``symnn.sim`` only, so neither a fork of a process
  with threads nor a second run of the user's script, as ``multiprocessing``'s spawn
  would do for a script without a ``__main__`` guard) and kept for later runs of the
  same Python process (:func:`idle_workers`); it talks over a socket pair and ends
  when its parent closes it or exits;
* for each run it receives a copy of the layers' structure (a few kB: no parameters,
  no arrays of the last step) and the loss, and one shared-memory block holds the
  parameters, the share's gradients, inputs, targets and outputs (:class:`Layout`);
  its layers' work arrays (im2col's matrix, a pooling's argmax) stay with the process
  for its next run, which saves their page faults;
* each step the parent copies the current parameters and the share's rows into the
  block and sends ``(rows, factor)`` through a pipe; the process runs forward, the
  loss gradient and backward on one OpenBLAS thread, leaves the gradients and outputs
  in the block and answers ``"ok"`` (or the exception it raised, which the parent
  raises again).

The process computes what a thread would (the same code on the same numbers, one BLAS
thread), so a seed gives the same run either way.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path
from typing import Any

import numpy as np

from symnn.errors import TrainingError

__all__ = [
    "IDLE_LIMIT", "Layout", "ProcessShare", "end_idle_workers", "idle_workers", "processes_allowed",
    "run_share", "serve",
]  # fmt: skip

IDLE_LIMIT = 4  # helper processes kept for later runs
SERVE = "import sys; from symnn.sim.share_process import serve; serve(int(sys.argv[1]))"
START_TIMEOUT = 60.0  # seconds for a new process to import NumPy and report ready
END_TIMEOUT = 5.0  # seconds an idle helper has to end at exit before it is killed
SPIN = 0.002  # seconds a side polls for the other's message before it sleeps
_IDLE: list[Any] = []  # (process, connection) pairs waiting for a run
_IDLE_LOCK = threading.Lock()
atexit.register(lambda: end_idle_workers())  # the name is looked up at exit (tests replace it)


def processes_allowed() -> bool:
    """True where helper processes can be started: POSIX systems (the socket pair's end
    is passed to the child as a file descriptor)."""
    return os.name == "posix"


def idle_workers() -> int:
    """How many helper processes wait for a run."""
    with _IDLE_LOCK:
        return sum(process.poll() is None for process, _ in _IDLE)


@dataclass(frozen=True)
class Layout:
    """Where each array lies in the shared block: ``(offset, shape, dtype)`` per name."""

    name: str
    arrays: dict[str, tuple[int, tuple[int, ...], str]]

    @staticmethod
    def plan(shapes: dict[str, tuple[tuple[int, ...], Any]]) -> tuple[dict[str, Any], int]:
        """Offsets for ``shapes`` (each start aligned to 64 bytes) and the size in bytes.

        >>> Layout.plan({"a": ((3,), np.float32), "b": ((2, 2), np.float64)})
        ({'a': (0, (3,), '<f4'), 'b': (64, (2, 2), '<f8')}, 128)
        """
        arrays, offset = {}, 0
        for key, (shape, dtype) in shapes.items():
            arrays[key] = (offset, tuple(int(s) for s in shape), np.dtype(dtype).str)
            offset += -(-int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize // 64) * 64
        return arrays, max(offset, 64)

    def views(self, buffer: Any) -> dict[str, np.ndarray]:
        """The arrays of the layout over ``buffer``."""
        return {key: np.ndarray(shape, np.dtype(dtype), buffer, offset)
                for key, (offset, shape, dtype) in self.arrays.items()}  # fmt: skip


class ProcessShare:
    """One share of every minibatch of ``replica`` (a copy of the model's layers) run in
    a helper process; :meth:`submit` starts a share, :meth:`collect` waits for it and
    returns the share's parameter gradients, in ``replica.parameters()`` order."""

    def __init__(self, replica: Any, loss: Any, fused: bool) -> None:
        self.pairs = list(replica.parameters())
        self.dtype = replica.dtype
        self.process, self.connection = _take_worker()
        self.block: SharedMemory | None = None
        self.views: dict[str, np.ndarray] = {}
        self.rows, self.out, self.pending = 0, np.empty((0, 0)), False
        try:
            self._send(("model", _picklable(replica), loss, fused))
            self._answer()
        except BaseException:
            self._discard()
            raise

    def submit(
        self, x: np.ndarray, target: np.ndarray, gradient: Any, factor: float, out: np.ndarray
    ) -> None:
        """Start the share ``x`` (rows of inputs) with ``target`` and ``factor``; its
        outputs go to ``out`` in :meth:`collect`. (``gradient`` is the loss's own
        ``gradient`` or ``gradient_z``, which the process takes from its copy of the loss.)"""
        views = self.views
        if not views or views["x"].shape[0] < x.shape[0] or views["x"].shape[1:] != x.shape[1:] \
                or views["t"].shape[1:] != target.shape[1:] or views["t"].dtype != target.dtype \
                or views["out"].shape[1:] != out.shape[1:]:  # fmt: skip
            self._configure(x, target, out.shape[1])
            views = self.views
        for (layer, name), shared in zip(self.pairs, views["params"], strict=True):
            np.copyto(shared, layer.params[name])
        rows = self.rows = x.shape[0]
        views["x"][:rows] = x
        views["t"][:rows] = target
        self.out = out
        self._send(("step", rows, float(factor)))
        self.pending = True

    def collect(self) -> list[np.ndarray]:
        """Wait for the share started last; return its parameter gradients."""
        self._answer()
        self.pending = False
        self.out[...] = self.views["out"][: self.rows]
        return self.views["grads"]

    def close(self) -> None:
        """Free the shared block; the process waits for another run (or ends, past
        :data:`IDLE_LIMIT` or when it failed)."""
        if self.connection is None:
            return
        if self.pending:  # an answer was not read (an interrupted step): the pipe is not in step
            self._discard()
            return
        try:
            self._send(("done",))
            self._answer()
        except TrainingError:
            self._discard()
        else:
            with _IDLE_LOCK:
                keep = len(_IDLE) < IDLE_LIMIT
                if keep:
                    _IDLE.append((self.process, self.connection))
            if not keep:
                self._discard()
        self.connection = None
        self._free_block()

    def _configure(self, x: np.ndarray, target: np.ndarray, k: int) -> None:
        """A new shared block for shares of up to ``x.shape[0]`` rows and ``k`` outputs,
        sent to the process."""
        self._free_block()
        rows = x.shape[0]
        shapes: dict[str, tuple[tuple[int, ...], Any]] = {}
        for i, (layer, name) in enumerate(self.pairs):
            shapes[f"p{i}"] = (layer.params[name].shape, layer.params[name].dtype)
            shapes[f"g{i}"] = (layer.grads[name].shape, layer.grads[name].dtype)
        shapes["x"] = ((rows, *x.shape[1:]), self.dtype)
        shapes["t"] = ((rows, *target.shape[1:]), target.dtype)
        shapes["out"] = ((rows, int(k)), self.dtype)
        arrays, size = Layout.plan(shapes)
        self.block = SharedMemory(create=True, size=size)
        layout = Layout(self.block.name, arrays)
        views = layout.views(self.block.buf)
        count = len(self.pairs)
        self.views = {"params": [views[f"p{i}"] for i in range(count)],
                      "grads": [views[f"g{i}"] for i in range(count)],
                      "x": views["x"], "t": views["t"], "out": views["out"]}  # fmt: skip
        self._send(("buffers", layout, np.geterr()))
        self._answer()

    def _send(self, message: tuple) -> None:
        try:
            self.connection.send(message)
        except (EOFError, OSError) as error:
            self._ended(error)

    def _ended(self, error: BaseException) -> None:
        """Raise the error for a helper process that is gone (it cannot be used again)."""
        code = self.process.poll()
        self._discard()
        raise TrainingError(
            f"the helper process that trains a share of each minibatch ended (exit code {code}); "
            "train with step_threads=1 to keep every step in this process"
        ) from error

    def _answer(self) -> Any:
        """The process's answer to the last message; raises what the process raised."""
        if self.connection is None:
            raise TrainingError("the helper process was closed")
        try:
            _await(self.connection)
            reply = self.connection.recv()
        except (EOFError, OSError) as error:
            self._ended(error)
        if reply[0] == "error":
            raise reply[1]
        return reply[1] if len(reply) > 1 else None

    def _free_block(self) -> None:
        self.views = {}
        if self.block is not None:
            self.block.close()
            with contextlib.suppress(FileNotFoundError):
                self.block.unlink()
            self.block = None

    def _discard(self) -> None:
        """End the process (it cannot be trusted with another run)."""
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(5)
        with contextlib.suppress(Exception):
            self.connection.close()
        self.connection = None
        self._free_block()


def run_share(calls: tuple[list[Any], list[Any]], x: np.ndarray, target: np.ndarray,
              gradient: Any, factor: float, out: np.ndarray,
              errors: dict[str, str] | None = None) -> None:  # fmt: skip
    """Forward, loss gradient and backward of one share through ``calls`` (a model's
    ``step_calls``), its outputs into ``out``; under NumPy error state ``errors`` if
    given (the state is per thread and per process: a helper takes its caller's)."""
    with np.errstate(**errors) if errors else contextlib.nullcontext():
        forwards, backwards = calls
        a = x
        for forward in forwards:
            a = forward(a)
        delta = gradient(a, target, factor)
        for backward, need_input_grad in backwards:
            delta = backward(delta, need_input_grad)
        out[...] = a


def _picklable(replica: Any) -> Any:
    """A copy of ``replica`` to send to the helper: its structure only. Parameters and
    gradients become empty arrays of their dtype (the helper points them at the shared
    block); the step lists it caches (closures do not pickle) and its layers' arrays from
    the last step (a ReLU's output, a pooling's argmax: several MB for a CNN) are left
    out. ``replica`` itself is not changed (its layers share the model's parameters).
    """
    layers = []
    for layer in replica.layers:
        twin = copy.copy(layer)
        for name in [name for name, value in vars(twin).items() if isinstance(value, np.ndarray)]:
            del twin.__dict__[name]
        twin.__dict__.pop("_work", None)
        twin.params = {name: np.empty(0, value.dtype) for name, value in layer.params.items()}
        twin.grads = {name: np.empty(0, value.dtype) for name, value in layer.grads.items()}
        layers.append(twin)
    return type(replica)(layers)


def _await(connection: Connection) -> None:
    """Return when ``connection`` has a message: by polling for up to :data:`SPIN`
    seconds (a sleeping process takes tens of microseconds to wake on a virtual machine),
    then by sleeping until one comes."""
    if connection.poll(0):
        return
    give_up = time.perf_counter() + SPIN
    while time.perf_counter() < give_up:
        if connection.poll(0):
            return
    connection.poll(None)


def end_idle_workers() -> None:
    """End the waiting helper processes: each reads end-of-file on its socket and returns
    (run at interpreter exit, so that none outlives its parent or is left unwaited for)."""
    with _IDLE_LOCK:
        idle = list(_IDLE)
        _IDLE.clear()
    for _, connection in idle:
        with contextlib.suppress(OSError):
            connection.close()
    for process, _ in idle:
        try:
            process.wait(END_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _take_worker() -> tuple[Any, Any]:
    """An idle helper process, or a new one."""
    with _IDLE_LOCK:
        while _IDLE:
            process, connection = _IDLE.pop()
            if process.poll() is None:
                return process, connection
            connection.close()
    ours, theirs = socket.socketpair()
    package = str(Path(__file__).resolve().parents[2])  # the folder that holds symnn
    path = os.pathsep.join([package, *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env,
        )  # fmt: skip
    except OSError as error:
        ours.close()
        raise TrainingError(f"could not start a helper process: {error}") from error
    finally:
        theirs.close()
    connection = Connection(ours.detach())
    if not connection.poll(START_TIMEOUT):
        process.kill()
        connection.close()
        raise TrainingError(f"the helper process did not start within {START_TIMEOUT:.0f} s")
    try:
        connection.recv()  # ("ready",)
    except (EOFError, OSError) as error:
        connection.close()
        raise TrainingError(f"the helper process ended at its start (exit code {process.wait()})") from error
    return process, connection


def _serve(connection: Any) -> None:
    """The helper process: answer the parent's messages until it says nothing more."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from symnn.sim.blas_threads import blas_threads
    from symnn.sim.blas_warmup import warm_up_blas

    with blas_threads(1):
        warm_up_blas()
        connection.send(("ready",))
        state: dict[str, Any] = {}
        while True:
            try:
                _await(connection)
                message = connection.recv()
            except (EOFError, OSError):
                return
            try:
                reply = _handle(state, message)
            except BaseException as error:  # sent back and raised in the parent
                try:
                    connection.send(("error", error))
                except Exception:
                    connection.send(("error", TrainingError(f"helper process: {error!r}")))
                continue
            connection.send(reply)


def _handle(state: dict[str, Any], message: tuple) -> tuple:
    kind = message[0]
    if kind == "model":
        _, replica, loss, fused = message
        work = state.get("work", [])
        state.clear()
        for layer, (kind_before, arrays) in zip(replica.layers, work):
            if type(layer) is kind_before:  # uninitialised work arrays: any content will do
                layer._work = arrays
        state.update(replica=replica, fused=fused,
                     gradient=loss.gradient_z if fused else loss.gradient)  # fmt: skip
        return ("ok",)
    if kind == "buffers":
        _, layout, errors = message
        if "block" in state:
            state.pop("block").close()
        block = state["block"] = SharedMemory(name=layout.name)
        # attaching registered the block with this process's resource tracker, which would
        # unlink it (and warn) when this process ends: the parent owns and unlinks it
        resource_tracker.unregister(block._name, "shared_memory")  # type: ignore[attr-defined]
        views = layout.views(block.buf)
        replica = state["replica"]
        for i, (layer, name) in enumerate(replica.parameters()):
            layer.params[name], layer.grads[name] = views[f"p{i}"], views[f"g{i}"]
        state.update(views=views, errors=errors, calls=replica.step_calls(state["fused"]))
        return ("ok",)
    if kind == "step":
        _, rows, factor = message
        views = state["views"]
        run_share(state["calls"], views["x"][:rows], views["t"][:rows], state["gradient"], factor,
                  views["out"][:rows], state["errors"])  # fmt: skip
        return ("ok",)
    if kind == "done":  # the layers' work arrays are kept for the next run's copy
        layers = state["replica"].layers if "replica" in state else []
        work = [(type(layer), layer.__dict__.get("_work", {})) for layer in layers]
        state.pop("views", None)
        if "block" in state:
            state.pop("block").close()
        state.clear()
        state["work"] = work
        return ("ok",)
    raise TrainingError(f"helper process: unknown message {kind!r}")


def serve(descriptor: int) -> None:
    """The helper process's main: serve the parent on the socket ``descriptor``."""
    _serve(Connection(descriptor))

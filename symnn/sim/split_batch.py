"""Training steps split among helpers: each runs its share of the minibatch.

With OpenBLAS allowed two threads, only the matrix products of a step use both cores;
im2col, the col2im additions, max pooling and the activations are single-threaded
NumPy passes, and for the benchmark's convolutional network they are about 40% of the
step, so a second core made its training only 1.07-1.1x faster. :class:`SplitSteps`
runs the step as data parallelism instead: the minibatch's rows are cut into one share
per core, the calling thread and each helper (a process of its own,
:mod:`symnn.sim.share_process`, or a thread) run forward, the loss gradient and backward
on their share through their own copy of the layers, each product on one BLAS thread,
and the shares' parameter gradients are added into the model's own. (Threads take
turns holding the interpreter lock between NumPy calls: on the two-core machine of the
measurements a thread's half step took 13.5 ms where a process's took 10.8 ms.)

It is the same minibatch gradient: every layer allowed here (:data:`PER_EXAMPLE`)
computes each example's output from that example alone and its parameter gradients as
sums over the examples, and each share's loss gradient is scaled by its share of the
rows (factor x rows_k / rows with the loss's own 1 / rows_k), so the shares' gradients
sum to the minibatch's. Only the order of the floating-point additions changes (a sum
per share, then their sum), so the numbers agree with an unsplit step to rounding, not
bit for bit. The cut depends only on the thread count, so a seed still gives the same
numbers at the same thread count. Networks with a layer that couples the examples of a
minibatch (``BatchNorm``'s batch statistics) or draws random numbers (``Dropout``,
whose masks would come from the generator in another order), and layer classes this
module does not know (subclasses included), are never split.

>>> import numpy as np
>>> from symnn.sim import SoftmaxCrossEntropy, mlp
>>> net = mlp([4, 8, 3], "relu", rng=0)
>>> x, y = np.ones((6, 4), np.float32), np.array([0, 1, 2, 0, 1, 2])
>>> loss = SoftmaxCrossEntropy()
>>> splitter = SplitSteps(net, loss, parts=2)
>>> out = np.empty((6, 3), np.float32)
>>> splitter.step(x, y, loss.gradient, 1.0, out)
>>> split_gradient = net.gradients()["0.W"].copy()
>>> splitter.close()
>>> _, whole = net.loss_and_grads(x, y, loss)
>>> bool(np.allclose(split_gradient, whole["0.W"], rtol=1e-5, atol=1e-7))
True
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from symnn.errors import ParameterError, TrainingError
from symnn.sim.activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, UnitStep
from symnn.sim.blas_threads import blas_thread_counts
from symnn.sim.conv import Conv2D
from symnn.sim.layers import Dense, Flatten
from symnn.sim.losses import CrossEntropy, Loss, Quadratic, SoftmaxCrossEntropy
from symnn.sim.network import Sequential
from symnn.sim.pooling import MaxPool2D
from symnn.sim.share_process import ProcessShare, processes_allowed, run_share
from symnn.sim.smooth_activations import ELU, GELU, Abs, HardTanh, SiLU, Softplus

__all__ = [
    "HELPERS", "MAX_PARTS", "MIN_ROWS", "MIN_WORK", "PER_EXAMPLE", "ROW_LOSSES", "SplitSteps", "ThreadShare",
    "available_cpus", "forward_work", "split_parts",
]  # fmt: skip

#: Layer classes (exactly these, not subclasses) whose training step treats the examples
#: of a minibatch independently and draws no random numbers.
PER_EXAMPLE: tuple[type, ...] = (Dense, Conv2D, MaxPool2D, Flatten, Identity, UnitStep, Sigmoid,
                                 Tanh, ReLU, LeakyReLU, Softmax, Softplus, ELU, GELU, SiLU,
                                 HardTanh, Abs)  # fmt: skip
#: Loss classes (exactly these) whose gradient's row i depends on row i of the output and
#: target alone, divided by the number of rows for ``reduction="mean"``.
ROW_LOSSES: tuple[type, ...] = (Quadratic, CrossEntropy, SoftmaxCrossEntropy)
HELPERS = ("auto", "processes", "threads")
MAX_PARTS = 64  # bound of ``step_threads``: shares per step
MIN_ROWS = 16  # rows per share below which a step is not split (the hand-over costs more)
#: Multiply-adds per step (forward products, all examples) above which splitting pays.
MIN_WORK = 50_000_000


def split_parts(
    model: Sequential, loss: Loss, batch_size: int, sample: np.ndarray, requested: int | None = None
) -> int:
    """How many shares the training loop cuts each minibatch of ``model`` into (1: none).

    ``requested`` (``train``'s ``step_threads``): ``None`` decides: as many as OpenBLAS
    threads are set (and CPUs this process may use), when every layer is of
    :data:`PER_EXAMPLE` and the loss of :data:`ROW_LOSSES`, each share has at least
    :data:`MIN_ROWS` rows and the forward products of a minibatch (counted on
    ``sample``, one input row) are at least :data:`MIN_WORK` multiply-adds. A number
    asks for that many shares (1 never splits) and is refused for a network that
    cannot be split.

    >>> from symnn.sim import SoftmaxCrossEntropy, mlp
    >>> net, row = mlp([4, 2], rng=0), np.zeros((1, 4), np.float32)
    >>> split_parts(net, SoftmaxCrossEntropy(), 64, row, requested=2)
    2
    >>> split_parts(net, SoftmaxCrossEntropy(), 64, row, requested=1)
    1
    """
    coupled: list[Any] = [layer for layer in model.layers if type(layer) not in PER_EXAMPLE]
    if type(loss) not in ROW_LOSSES:
        coupled.append(loss)
    if requested is not None:
        if not (isinstance(requested, (int, np.integer)) and 1 <= requested <= MAX_PARTS):
            raise ParameterError("step_threads", requested, f"an integer from 1 to {MAX_PARTS}, or None")
        if requested > 1 and coupled:
            allowed = ", ".join(kind.__name__ for kind in PER_EXAMPLE + ROW_LOSSES)
            why = f"{coupled[0]!r} is not one of the layers and losses a minibatch can be split over"
            raise ParameterError("step_threads", requested, f"1 or None for this network: {why} ({allowed})")
        return min(int(requested), batch_size)
    if coupled:
        return 1
    parts = min(max(blas_thread_counts(), default=1), available_cpus())
    if parts > 1 and (batch_size // parts < MIN_ROWS or forward_work(model, sample) * batch_size < MIN_WORK):
        return 1
    return parts


def available_cpus() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def forward_work(model: Sequential, sample: np.ndarray) -> int:
    """Multiply-adds of the products of ``model``'s forward pass for one example
    (``sample``: one row of input): Dense in x out, Conv2D outputs x kernel size.

    >>> from symnn.sim import mlp
    >>> forward_work(mlp([784, 30, 10], rng=0), np.zeros((1, 784), np.float32))
    23820
    """
    work, x = 0, sample
    for layer in model.layers:
        y = layer.forward(x, False)
        if isinstance(layer, Dense):
            work += layer.params["W"].size
        elif isinstance(layer, Conv2D):
            work += y[0].size * int(np.prod(layer.params["W"].shape[1:]))
        x = y
    return work


class SplitSteps:
    """Training steps of ``model`` with each minibatch cut into ``parts`` shares: the
    calling thread runs the first, ``parts - 1`` helpers the others; :meth:`close` ends
    them.

    ``loss`` is the training loop's (its ``gradient`` or ``gradient_z`` is passed to
    :meth:`step`; its reduction says how a share's delta is scaled). The model's layers
    run the first share; copies of them (the same parameters, gradients and work arrays
    of their own) run the others, in helper processes (``helpers="processes"``: no
    interpreter lock between the shares, :mod:`symnn.sim.share_process`) or threads of
    this process (``"threads"``); ``"auto"`` takes processes where this process may
    start them (not inside a daemonic process) and threads otherwise. Call :meth:`step`
    with OpenBLAS set to one thread (:func:`~symnn.sim.blas_threads.blas_threads`), as
    the training loop does.
    """

    def __init__(self, model: Sequential, loss: Loss, parts: int, helpers: str = "auto") -> None:
        if parts < 2:
            raise ParameterError("parts", parts, "at least 2 (one share needs no split)")
        if helpers not in HELPERS:
            raise ParameterError("helpers", helpers, f"one of {HELPERS}")
        self.parts, self.mean = parts, loss.reduction == "mean"
        processes = helpers == "processes" or (helpers == "auto" and processes_allowed())
        self.kind = "processes" if processes else "threads"
        fused = model.fuses(loss)
        self.calls = model.step_calls(fused)
        self.parameters = list(model.parameters())
        self.helpers: list[Any] = []
        try:
            for _ in range(parts - 1):
                self.helpers.append(self._helper(model, loss, fused, fallback=helpers == "auto"))
        except BaseException:
            self.close()
            raise
        self.open = True

    def _helper(self, model: Sequential, loss: Loss, fused: bool, fallback: bool) -> Any:
        """A helper of :attr:`kind`; a thread when a process cannot start and ``fallback``."""
        if self.kind == "processes":
            try:
                return ProcessShare(_replica(model), loss, fused)
            except TrainingError:
                if not fallback:
                    raise
                self.kind = "threads"
        return ThreadShare(_replica(model), loss, fused)

    def step(
        self,
        x: np.ndarray,
        target: np.ndarray,
        gradient: Callable[[np.ndarray, np.ndarray, Any], np.ndarray],
        factor: float,
        out: np.ndarray,
    ) -> None:
        """Forward and backward of the minibatch ``x``: the model's layers then hold its
        gradients (each scaled by ``factor``, as ``gradient(output, target, factor)``
        scales its delta); the outputs are written into ``out`` (rows of ``x``)."""
        if not self.open:
            raise ParameterError("SplitSteps", "closed", "an open splitter")
        rows = x.shape[0]
        parts = min(self.parts, rows)
        cuts = [rows * k // parts for k in range(parts + 1)]
        scale = (lambda a, b: factor * (b - a) / rows) if self.mean else (lambda a, b: factor)
        started, failures, shares = [], [], []
        try:
            for helper, a, b in zip(self.helpers, cuts[1:-1], cuts[2:]):
                helper.submit(x[a:b], target[a:b], gradient, scale(a, b), out[a:b])
                started.append(helper)
            b = cuts[1]
            run_share(self.calls, x[:b], target[:b], gradient, scale(0, b), out[:b])
        except BaseException as error:
            failures.append(error)
        for helper in started:  # every started share is waited for, whatever failed
            try:
                shares.append(helper.collect())
            except BaseException as error:
                failures.append(error)
        if failures:
            raise failures[0]
        for grads in shares:
            for (layer, name), grad in zip(self.parameters, grads, strict=True):
                np.add(layer.grads[name], grad, out=layer.grads[name])

    def close(self) -> None:
        """End the helpers (the splitter cannot step afterwards)."""
        self.open = False
        for helper in self.helpers:
            helper.close()
        self.helpers = []

    def __enter__(self) -> SplitSteps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ThreadShare:
    """One share of every minibatch run by a thread of this process through ``replica``."""

    def __init__(self, replica: Sequential, loss: Loss, fused: bool) -> None:
        self.calls = replica.step_calls(fused)
        self.grads = [layer.grads[name] for layer, name in replica.parameters()]
        self.pool = ThreadPoolExecutor(1, "symnn-share")
        self.future: Any = None

    def submit(self, x: np.ndarray, target: np.ndarray, gradient: Callable[..., np.ndarray],
               factor: float, out: np.ndarray) -> None:  # fmt: skip
        """Start the share (NumPy's error state is per thread: it takes the caller's)."""
        self.future = self.pool.submit(run_share, self.calls, x, target, gradient, factor, out, np.geterr())

    def collect(self) -> list[np.ndarray]:
        """Wait for the share; return its parameter gradients."""
        self.future.result()
        return self.grads

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _replica(model: Sequential) -> Sequential:
    """A copy of ``model`` for another thread: the same parameter arrays (its layers share
    the ``params`` dictionaries, so the optimiser's updates reach it), gradients and work
    arrays of its own, no in-place weight update."""
    layers = []
    for layer in model.layers:
        twin = copy.copy(layer)
        for attribute in ("_work", "update_in_place", "_zeros"):
            twin.__dict__.pop(attribute, None)
        twin.grads = {name: np.zeros_like(value) for name, value in layer.grads.items()}
        layers.append(twin)
    return Sequential(layers)

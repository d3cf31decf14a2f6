"""Minibatch training with validation, schedules, early stopping and checkpoints.

:func:`train` is network2's ``SGD`` loop made reproducible: every epoch redraws the
inputs (if ``augment`` is given), shuffles the training set with
``np.random.default_rng(seed)``, runs forward, loss, backward and one optimiser step
per minibatch (the last one may be smaller), then evaluates on the validation set,
lets the schedule change eta, updates early stopping and writes a checkpoint. A run
killed at any point and started again with the same arguments resumes from the last
checkpoint and ends with the same numbers, bit for bit, as a run that was never
interrupted (same machine, same thread count).

>>> import numpy as np
>>> from symnn.sim import SoftmaxCrossEntropy, mlp
>>> from symnn.sim.optimizers import SGD
>>> rng = np.random.default_rng(0)
>>> x = rng.standard_normal((200, 4)).astype(np.float32)
>>> y = (x[:, 0] > 0).astype(np.int64)
>>> net = mlp([4, 8, 2], "tanh", rng=0)
>>> history = train(net, SoftmaxCrossEntropy(), SGD(eta=0.5), x, y, epochs=5,
...                 batch_size=20, seed=0, x_val=x, y_val=y, progress=False)
>>> history.epochs, history.val_accuracy[-1] > 0.9
(5, True)
"""

from __future__ import annotations

import inspect
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any, NamedTuple

import numpy as np

from symnn.errors import ParameterError, ShapeError, TrainingError
from symnn.sim.base import as_float_array
from symnn.sim.blas_threads import blas_threads
from symnn.sim.blas_warmup import warm_up_blas
from symnn.sim.checkpoint import RunState
from symnn.sim.divergence import Divergence
from symnn.sim.history import History
from symnn.sim.inplace import InPlaceUpdates
from symnn.sim.losses import CrossEntropy, Loss, Quadratic, is_labels, one_hot
from symnn.sim.network import Sequential, predicted_labels
from symnn.sim.optimizers import Optimizer
from symnn.sim.progress import ProgressBar
from symnn.sim.schedules import EarlyStopping, Schedule
from symnn.sim.split_batch import SplitSteps, split_parts

__all__ = ["AUGMENT_STREAM", "Evaluation", "History", "epoch_summary", "evaluate", "train"]

AUGMENT_STREAM = 1  # third word of the seed of an epoch's augmentation generator
EPOCH_BLOCK = 8192  # rows per block when the epoch's cost is computed from its outputs
BLOCK_BYTES = 4 << 20  # inputs gathered at a time for the minibatches (whole minibatches)
DIVERGENCE = Divergence()


class Evaluation(NamedTuple):
    """Mean cost per example and fraction classified correctly."""

    loss: float
    accuracy: float


def _targets(loss: Loss, y: np.ndarray, k: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """(targets for the loss, integer labels for accuracy) from labels or one-hot rows."""
    y = np.asarray(y)
    if is_labels(y):
        if isinstance(loss, (Quadratic, CrossEntropy)):  # convert once, not per batch
            dense = y.reshape(-1, 1).astype(dtype) if k == 1 else one_hot(y, k, dtype)
            return dense, y
        return y, y
    if y.ndim != 2 or y.shape[1] != k:
        raise ShapeError(f"targets of shape {y.shape}: expected labels (n,) or (n, {k})")
    return y.astype(dtype, copy=False), predicted_labels(y)


def _check_data(x: np.ndarray, y: np.ndarray, what: str) -> None:
    if x.ndim < 2 or np.shape(y)[:1] != x.shape[:1] or x.shape[0] == 0:
        raise ShapeError(
            f"{what}: got inputs of shape {x.shape} and targets of shape {np.shape(y)}, "
            "expected (n, features...) and (n,) or (n, K) with the same n >= 1"
        )


def evaluate(
    model: Sequential, loss: Loss, x: np.ndarray, y: np.ndarray, batch_size: int = 1000
) -> Evaluation:
    """Mean cost per example and accuracy of ``model`` (evaluation mode) on ``x``, ``y``.

    >>> from symnn.sim import Dense, Quadratic, Sequential
    >>> net = Sequential([Dense(np.eye(2))])
    >>> evaluate(net, Quadratic(), np.eye(2), np.array([0, 1]))
    Evaluation(loss=0.0, accuracy=1.0)
    """
    x = np.asarray(x)
    _check_data(x, y, "evaluate")
    total, correct, n = 0.0, 0, x.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in range(0, n, batch_size):
            out = model.forward(x[i : i + batch_size], train=False)
            targets, labels = _targets(loss, y[i : i + batch_size], out.shape[1], out.dtype)
            value = loss.fn(out, targets)
            total += value * out.shape[0] if loss.reduction == "mean" else value
            correct += int(np.count_nonzero(predicted_labels(out) == labels))
    return Evaluation(total / n, correct / n)


def train(
    model: Sequential,
    loss: Loss,
    optimizer: Optimizer,
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    early_stopping_patience: int | None = None,
    schedule: Schedule | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    progress: bool = True,
    resume: bool = True,
    on_epoch_end: Callable[[int, History], None] | None = None,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    val_label: str = "val",
    divergence: Divergence | None = DIVERGENCE,
    step_threads: int | None = None,
) -> History:
    """Train ``model`` in place by minibatch gradient descent; return the history.

    Args:
        x_train: inputs (n, ...) in any numeric dtype (cast per batch to the model's).
        y_train: integer labels (n,) or targets (n, K).
        epochs, batch_size, seed: the run; ``seed`` drives the shuffling.
        x_val, y_val: validation set, evaluated after every epoch.
        early_stopping_patience: stop after this many epochs without a gain in
            validation accuracy and restore the best epoch's weights (needs ``x_val``).
        schedule: changes ``optimizer.eta`` after each epoch from the validation accuracy
            (training accuracy without ``x_val``); ``schedule.done`` ends training.
        checkpoint_path: ``.npz`` written atomically after every epoch; with ``resume``
            an existing one is continued (it must come from the same data sizes, batch
            size, seed and architecture).
        progress: show a progress bar (tqdm if installed).
        on_epoch_end: called as ``on_epoch_end(epoch, history)`` after each checkpoint.
        augment: redraws the training inputs at the start of every epoch, called as
            ``augment(x_train, rng)`` with ``rng = np.random.default_rng([seed, epoch,
            AUGMENT_STREAM])`` (so a resumed run redraws the same epoch); it returns the
            epoch's inputs, of the shape of ``x_train`` (e.g. :func:`symnn.data.shift_images`).
        val_label: what the progress lines call ``x_val`` (e.g. ``"test"``).

        divergence: the rule that stops a diverging run after an epoch (cost NaN or
            infinite, or more than 5 times the reference; see
            :class:`~symnn.sim.divergence.Divergence`), or ``None``.
        step_threads: cores that share each minibatch's forward and backward pass (this
            thread and helper processes, :mod:`symnn.sim.split_batch`; the gradients agree
            with an unsplit step to rounding). ``None`` decides: as many as OpenBLAS has
            threads, for a network whose layers treat examples independently and whose
            step is large enough (a convolutional network, not a batch-10 MLP); 1 never
            splits.

    Raises:
        TrainingError: the run diverged (the message names the epoch, the rule, the
            first minibatch whose cost is not finite, eta and the checkpoint kept), or the
            checkpoint belongs to another run.
    """
    x_train = np.asarray(x_train)
    _check_data(x_train, y_train, "train")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ParameterError(name, value, "a positive integer")
    if (x_val is None) != (y_val is None):
        raise ParameterError("x_val/y_val", "only one given", "both or neither")
    if augment is not None and not callable(augment):
        raise ParameterError("augment", augment, "a function augment(x_train, rng) -> inputs")
    if x_val is not None:
        x_val = np.asarray(x_val)
        _check_data(x_val, y_val, "validation")
    if early_stopping_patience is not None and x_val is None:
        raise ParameterError("early_stopping_patience", early_stopping_patience, "x_val and y_val")
    n = x_train.shape[0]
    try:
        k = model.forward(x_train[:1], train=False).shape[1]
    except ShapeError as error:
        raise ShapeError(f"x_train of shape {x_train.shape} does not fit the model: {error}") from error
    parts = split_parts(model, loss, batch_size, as_float_array(x_train[:1], model.dtype), step_threads)
    targets, labels = _targets(loss, y_train, k, model.dtype)
    rng = np.random.default_rng(seed)
    stopper = EarlyStopping(early_stopping_patience) if early_stopping_patience else None
    state = RunState(model, optimizer, schedule, stopper, rng, History(), None)
    shapes = {key: list(v.shape) for key, v in model.get_weights().items()}
    fingerprint = {"n": n, "batch_size": int(batch_size), "seed": int(seed),
                   "val": _size(x_val), "shapes": shapes}  # fmt: skip
    start = 0
    if checkpoint_path is not None and resume and os.path.exists(checkpoint_path):
        start = state.load(checkpoint_path, fingerprint)
    history, stopped = state.history, state.history.stop_reason != "completed"
    dtype = model.dtype
    outputs = np.empty((n, k), dtype)  # the epoch's outputs: its cost and accuracy in one go
    fused = model.fuses(loss)  # decided once: the same for every minibatch
    warm_up_blas()  # once per process: OpenBLAS's mid-sized products are faster after it
    gradient = _scaled_gradient(loss.gradient_z if fused else loss.gradient)  # type: ignore[attr-defined]
    splitter = SplitSteps(model, loss, parts) if parts > 1 and not stopped and start < epochs else None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), splitter or nullcontext():
        for epoch in range(start, 0 if stopped else epochs):
            t0 = time.perf_counter()
            inputs = x_train if augment is None else _augmented(augment, x_train, seed, epoch)
            order = rng.permutation(n)
            optimizer.bind(model)  # the parameter vector is checked here, not at every step
            # eta for SGD and Momentum, folded into the loss's scaling: one pass fewer per step
            factor = float(optimizer.gradient_factor)
            scaled = factor != 1.0
            bar = ProgressBar(-(-n // batch_size), f"epoch {epoch + 1}/{epochs}", progress)
            in_place = InPlaceUpdates(model, optimizer, n) if scaled and splitter is None else None
            # the last minibatch goes through the optimiser: the layers then hold its gradients
            disarm_at = (n - 1) // batch_size * batch_size if in_place and in_place.layers else -1
            forwards, backwards = model.step_calls(fused)  # model.step_forward / step_backward
            try:
                with blas_threads(1) if splitter else nullcontext():  # one per share
                    for j, block, block_targets in _blocks(inputs, targets, order, batch_size, dtype):
                        for i in range(0, block.shape[0], batch_size):
                            if j + i == disarm_at:
                                in_place.disarm()  # type: ignore[union-attr]
                            a, t = block[i : i + batch_size], block_targets[i : i + batch_size]
                            if splitter is not None:
                                splitter.step(a, t, gradient, factor, outputs[j + i : j + i + a.shape[0]])
                            else:
                                for forward in forwards:
                                    a = forward(a)
                                delta = gradient(a, t, factor)
                                for backward, need_input_grad in backwards:
                                    delta = backward(delta, need_input_grad)
                                outputs[j + i : j + i + a.shape[0]] = a
                            optimizer.apply(n, scaled)
                            bar.update()
            finally:
                if in_place is not None:
                    in_place.disarm()
            bar.close()
            if scaled:  # the layers' gradients: those of the last minibatch, as after backward
                optimizer.unscale()
            cost, correct = _epoch_figures(loss, outputs, targets, labels, order)
            if epoch == 0:
                history.initial_loss = _cost(loss, outputs[:batch_size], targets[order[:batch_size]])
            val = evaluate(model, loss, x_val, y_val) if x_val is not None else None
            eta = optimizer.eta
            metric = val.accuracy if val is not None else correct / n
            history.append(
                train_loss=cost, train_accuracy=correct / n, eta=eta,
                val_loss=None if val is None else val.loss,
                val_accuracy=None if val is None else val.accuracy,
                epoch_time=time.perf_counter() - t0,
            )  # fmt: skip
            if divergence is not None:
                finite = math.isfinite(cost)
                bad = None if finite else _first_bad_batch(loss, outputs, targets[order], batch_size)
                _stop_if_diverged(divergence, history, epoch, eta, checkpoint_path, bad)
            if schedule is not None:
                optimizer.eta = schedule.update(optimizer.eta, metric)
            if stopper is not None and stopper.update(metric):
                state.best = model.get_weights()
                history.best_epoch = epoch
            if progress:
                print(epoch_summary(epoch, epochs, history, val_label), file=sys.stderr, flush=True)
            if stopper is not None and stopper.should_stop:
                history.stop_reason = "early stopping"
            elif schedule is not None and schedule.done:
                history.stop_reason = "schedule exhausted"
            if checkpoint_path is not None:
                state.save(checkpoint_path, epoch + 1, fingerprint)
            if on_epoch_end is not None:
                on_epoch_end(epoch, history)
            if history.stop_reason != "completed":
                break
    if state.best is not None:
        model.set_weights(state.best)
    return history


def _scaled_gradient(gradient: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """``gradient(output, target, factor)``: the loss's own when it takes ``factor`` (the
    built-in losses fold it into their scaling), else its gradient times ``factor``."""
    try:
        takes_factor = "factor" in inspect.signature(gradient).parameters
    except (TypeError, ValueError):  # no signature to read (a builtin or extension callable)
        takes_factor = False
    if takes_factor:
        return gradient

    def times_factor(output: np.ndarray, target: np.ndarray, factor: Any) -> np.ndarray:
        delta = gradient(output, target)
        return delta if factor == 1.0 else delta * factor

    return times_factor


def _blocks(
    inputs: np.ndarray, targets: np.ndarray, order: np.ndarray, batch_size: int, dtype: Any
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """``(start, inputs, targets)`` of the epoch in ``order``, a block of whole minibatches
    (about BLOCK_BYTES of inputs) gathered and cast to ``dtype`` in one call each, so that
    a minibatch is a view of its block rather than two gathers and a cast of its own."""
    row_bytes = max(1, inputs[:1].size) * np.dtype(dtype).itemsize
    rows = min(order.shape[0], max(1, BLOCK_BYTES // (row_bytes * batch_size)) * batch_size)
    block = np.empty((rows, *inputs.shape[1:]), dtype)  # reused: no page faults per block
    for j in range(0, order.shape[0], rows):
        ids = order[j : j + rows]
        out = block[: ids.shape[0]]
        if inputs.dtype == dtype:  # "clip": ids are in range, and "raise" buffers out (a copy more)
            np.take(inputs, ids, axis=0, out=out, mode="clip")
        else:
            out[...] = inputs[ids]
        yield j, out, targets[ids]


def _cost(loss: Loss, outputs: np.ndarray, targets: np.ndarray) -> float:
    """Mean cost per example of ``outputs`` (computed in float64, a block of rows at a time)."""
    total = 0.0
    for i in range(0, outputs.shape[0], EPOCH_BLOCK):
        block = outputs[i : i + EPOCH_BLOCK].astype(np.float64)
        value = loss.fn(block, targets[i : i + EPOCH_BLOCK])
        total += value * block.shape[0] if loss.reduction == "mean" else value
    return total / outputs.shape[0]


def _epoch_figures(
    loss: Loss, outputs: np.ndarray, targets: np.ndarray, labels: np.ndarray, order: np.ndarray
) -> tuple[float, int]:
    """(mean cost, number correct) of the epoch's outputs, row i from example ``order[i]``."""
    correct = int(np.count_nonzero(predicted_labels(outputs) == labels[order]))
    return _cost(loss, outputs, targets[order]), correct


def _first_bad_batch(loss: Loss, outputs: np.ndarray, targets: np.ndarray, batch_size: int) -> int | None:
    """1-based number of the epoch's first minibatch whose cost is not finite (``None`` if
    every one is finite); ``targets`` in the epoch's order."""
    for b, i in enumerate(range(0, outputs.shape[0], batch_size)):
        if not math.isfinite(_cost(loss, outputs[i : i + batch_size], targets[i : i + batch_size])):
            return b + 1
    return None


def _stop_if_diverged(
    divergence: Divergence,
    history: History,
    epoch: int,
    eta: float,
    checkpoint_path: str | os.PathLike | None,
    bad_batch: int | None,
) -> None:
    """Raise :class:`TrainingError` if ``divergence`` says the run has diverged."""
    reason = divergence.reason(history)
    if reason is None:
        return
    where = "" if bad_batch is None else f" in batch {bad_batch}"
    kept = ("" if checkpoint_path is None or epoch == 0
            else f"; the checkpoint of epoch {epoch} in {str(checkpoint_path)!r} is kept")  # fmt: skip
    raise TrainingError(
        f"training diverged at epoch {epoch + 1}: {reason}{where}: lower eta (now {eta:g}) or "
        f"check the scaling of the inputs and the initial weights{kept}"
    )


def epoch_summary(epoch: int, epochs: int, history: History, val_label: str = "val") -> str:
    """One line on the 0-based ``epoch`` just appended to ``history`` (the bar disappears).

    >>> h = History()
    >>> h.append(train_loss=0.5, train_accuracy=0.8, eta=0.1, val_loss=0.6, val_accuracy=0.75,
    ...          epoch_time=1.25)
    >>> epoch_summary(0, 3, h, "test").split(", ")[2:]
    ['test loss 0.6000', 'test accuracy 0.7500', 'eta 0.1', '1.2 s']
    """
    val = history.val_accuracy[-1]
    return (f"epoch {epoch + 1}/{epochs}: train loss {history.train_loss[-1]:.4f}, "
            f"train accuracy {history.train_accuracy[-1]:.4f}"
            + ("" if val is None else
               f", {val_label} loss {history.val_loss[-1]:.4f}, {val_label} accuracy {val:.4f}")
            + f", eta {history.eta[-1]:g}, {history.epoch_time[-1]:.1f} s")  # fmt: skip


def _augmented(
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray],
    x_train: np.ndarray,
    seed: int,
    epoch: int,
) -> np.ndarray:
    """The epoch's training inputs from ``augment``, checked to keep the shape."""
    inputs = np.asarray(augment(x_train, np.random.default_rng([seed, epoch, AUGMENT_STREAM])))
    if inputs.shape != x_train.shape:
        raise ShapeError(
            f"augment returned inputs of shape {inputs.shape} for training inputs of shape "
            f"{x_train.shape}: it must keep the shape (one redrawn input per example)"
        )
    return inputs


def _size(x: np.ndarray | None) -> int | None:
    return None if x is None else int(x.shape[0])

"""Training steps split across threads (:mod:`symnn.sim.split_batch`).

* a split step leaves in the layers the gradient of the whole minibatch (every share
  count, uneven cuts, a share of one row, both reductions, the fused sigmoid and
  cross-entropy start, a convolutional network with fused pooling steps): within
  float32 rounding, relative error at most 1e-5 of the largest entry (sums of at most
  a few hundred terms regrouped once), and so are the outputs (a product of fewer rows
  may go through other BLAS kernels, which round differently);
* ``train`` with ``step_threads=2`` follows an unsplit run to rounding (weights after
  two epochs within 1e-4 relative) and repeats itself bit for bit;
* the rule: a network with a layer or loss that couples the examples is never split and
  a request to split it is refused, a small step is not split by default, OpenBLAS's
  thread count is restored after the epoch.

Shares run in helper processes (:mod:`symnn.sim.share_process`):

* a process share computes, bit for bit, what a thread share computes (the same code
  on the same numbers, one OpenBLAS thread each), and a training run split over
  processes repeats a run split over threads;
* the helper process is kept for the next run and reused, with its layers' work
  arrays: another architecture or batch after it computes what a new helper would;
* the copy of the model sent to a helper holds its structure only (a few kB);
* failures are one clear error or a fallback: an exception inside the helper's share is
  raised again in the parent (and the next step still reads its own answer), a helper
  that died is a ``TrainingError`` naming ``step_threads=1``, a helper that cannot start
  makes ``helpers="auto"`` use threads (and ``"processes"`` raise);
* a helper ends when its parent ends, leaves no shared memory behind (no warning of the
  resource tracker) and no process unwaited for (no ResourceWarning).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.errors import ParameterError, TrainingError
from symnn.sim import (
    SGD,
    BatchNorm,
    Conv2D,
    CrossEntropy,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Quadratic,
    ReLU,
    Sequential,
    SoftmaxCrossEntropy,
    mlp,
    share_process,
    split_batch,
    train,
)  # fmt: skip
from symnn.sim.blas_threads import blas_thread_counts, blas_threads
from symnn.sim.split_batch import SplitSteps, forward_work, split_parts

FAST = settings(max_examples=25, deadline=None, database=None)
RTOL = 1e-5  # of the largest gradient entry: float32 sums regrouped once
needs_processes = pytest.mark.skipif(
    not share_process.processes_allowed(), reason="helper processes need POSIX"
)


def small_cnn(seed: int = 0) -> Sequential:
    rng = np.random.default_rng(seed)
    return Sequential([
        Conv2D.init(1, 4, 3, rng, dtype=np.float32), MaxPool2D(2), ReLU(),
        Flatten(), Dense.init(4 * 4 * 4, 5, rng, dtype=np.float32),
    ])  # fmt: skip


def whole_step(net: Sequential, loss, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, dict]:
    """Outputs and gradients of the unsplit training step, as the training loop takes it."""
    fused = net.fuses(loss)
    out = net.step_forward(x)
    net.step_backward(net.output_gradient(out, y, loss)[0], skip_last=fused)
    return out.copy(), {k: v.copy() for k, v in net.gradients().items()}


def split_step(net: Sequential, loss, x: np.ndarray, y: np.ndarray, parts: int) -> tuple[np.ndarray, dict]:
    fused = net.fuses(loss)
    out = np.empty((x.shape[0], net.forward(x[:1]).shape[1]), x.dtype)
    gradient = loss.gradient_z if fused else loss.gradient
    with SplitSteps(net, loss, parts) as splitter:
        splitter.step(x, y, gradient, 1.0, out)
    return out, {k: v.copy() for k, v in net.gradients().items()}


def assert_close(split: np.ndarray, whole: np.ndarray, what: str) -> None:
    scale = max(float(np.abs(whole).max()), 1e-30)
    error = float(np.abs(split - whole).max())
    assert error <= RTOL * scale, f"{what}: {error:.3g} > {RTOL} x {scale:.3g}"


def assert_same_gradients(split: dict, whole: dict) -> None:
    assert split.keys() == whole.keys()
    for key in whole:
        assert_close(split[key], whole[key], key)


@FAST
@given(rows=st.integers(1, 23), parts=st.integers(2, 5), seed=st.integers(0, 2**16),
       kind=st.sampled_from(["softmax-mean", "softmax-sum", "quadratic", "sigmoid-ce"]))  # fmt: skip
def test_split_step_is_the_minibatch_gradient(rows, parts, seed, kind):
    rng = np.random.default_rng(seed)
    if kind == "sigmoid-ce":
        net, loss = mlp([6, 5, 3], "tanh", output="sigmoid", rng=seed), CrossEntropy()
        y = rng.random((rows, 3)).astype(np.float32)
    else:
        net = mlp([6, 5, 3], "relu", rng=seed)
        loss = {"softmax-mean": SoftmaxCrossEntropy(), "softmax-sum": SoftmaxCrossEntropy("sum"),
                "quadratic": Quadratic()}[kind]  # fmt: skip
        y = (
            rng.integers(0, 3, rows)
            if kind.startswith("softmax")
            else rng.random((rows, 3)).astype(np.float32)
        )
    x = rng.standard_normal((rows, 6)).astype(np.float32)
    out_whole, whole = whole_step(net, loss, x, y)
    out_split, split = split_step(net, loss, x, y, parts)
    assert_close(out_split, out_whole, "outputs")
    assert_same_gradients(split, whole)


@FAST
@given(rows=st.integers(2, 9), seed=st.integers(0, 2**16))
def test_split_cnn_step_is_the_minibatch_gradient(rows, seed):
    net, loss = small_cnn(seed), SoftmaxCrossEntropy()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 1, 10, 10)).astype(np.float32)
    y = rng.integers(0, 5, rows)
    out_whole, whole = whole_step(net, loss, x, y)
    out_split, split = split_step(net, loss, x, y, 2)
    assert_close(out_split, out_whole, "outputs")
    assert_same_gradients(split, whole)


def cnn_run(step_threads: int | None) -> tuple[dict, list]:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((90, 1, 10, 10)).astype(np.float32)
    y = rng.integers(0, 5, 90)
    net = small_cnn(1)
    history = train(net, SoftmaxCrossEntropy(), SGD(0.05), x, y, epochs=2, batch_size=32, seed=0,
                    progress=False, step_threads=step_threads)  # fmt: skip
    return net.get_weights(), history.train_loss


def test_training_split_follows_the_unsplit_run_and_repeats_itself():
    whole, whole_loss = cnn_run(1)
    split, split_loss = cnn_run(2)
    again, again_loss = cnn_run(2)
    for key in whole:
        assert np.array_equal(split[key], again[key]), key
        scale = float(np.abs(whole[key]).max())
        assert float(np.abs(split[key] - whole[key]).max()) <= 1e-4 * scale, key
    assert split_loss == again_loss
    assert np.allclose(split_loss, whole_loss, rtol=1e-4)


def test_the_threads_count_of_openblas_is_restored():
    before = blas_thread_counts()
    cnn_run(2)
    assert blas_thread_counts() == before


@pytest.mark.parametrize(
    "layer", [BatchNorm(3, dtype=np.float32), Dropout(0.5, rng=0), type("MyReLU", (ReLU,), {})()]
)
def test_networks_that_couple_examples_are_never_split(layer):
    net = Sequential([Dense.init(4, 3, 0, dtype=np.float32), layer, Dense.init(3, 2, 0, dtype=np.float32)])
    row = np.zeros((1, 4), np.float32)
    assert split_parts(net, SoftmaxCrossEntropy(), 64, row, None) == 1
    with pytest.raises(ParameterError, match="step_threads"):
        split_parts(net, SoftmaxCrossEntropy(), 64, row, 2)


def test_a_loss_of_another_class_is_never_split():
    class MyLoss(SoftmaxCrossEntropy):
        """Could couple the rows: the splitter does not know."""

    net, row = mlp([4, 3], rng=0), np.zeros((1, 4), np.float32)
    assert split_parts(net, MyLoss(), 64, row, None) == 1
    with pytest.raises(ParameterError, match="MyLoss"):
        split_parts(net, MyLoss(), 64, row, 2)


@pytest.mark.parametrize("bad", [0, -1, 65, 2.5, "2"])
def test_step_threads_is_checked(bad):
    net, row = mlp([4, 3], rng=0), np.zeros((1, 4), np.float32)
    with pytest.raises(ParameterError, match="step_threads"):
        split_parts(net, SoftmaxCrossEntropy(), 64, row, bad)


def test_the_default_splits_large_steps_on_several_blas_threads_only():
    cnn = Sequential([
        Conv2D.init(1, 32, 3, 0, dtype=np.float32), MaxPool2D(2), ReLU(),
        Conv2D.init(32, 64, 3, 0, dtype=np.float32), MaxPool2D(2), ReLU(), Flatten(),
        Dense.init(1600, 10, 0, dtype=np.float32),
    ])  # fmt: skip
    image, digit = np.zeros((1, 1, 28, 28), np.float32), np.zeros((1, 784), np.float32)
    assert forward_work(cnn, image) == 26 * 26 * 32 * 9 + 11 * 11 * 64 * 288 + 1600 * 10
    loss = SoftmaxCrossEntropy()
    with blas_threads(2) as found:
        if not found:
            pytest.skip("no OpenBLAS loaded: the default follows its thread count")
        assert split_parts(cnn, loss, 64, image) == min(2, split_batch.available_cpus())
        assert split_parts(mlp([784, 30, 10], rng=0), loss, 10, digit) == 1  # a small step
        assert split_parts(cnn, loss, 16, image) == 1  # shares under MIN_ROWS rows
    with blas_threads(1):
        assert split_parts(cnn, loss, 64, image) == 1


@pytest.mark.parametrize("bad", ["process", "", None, 2])
def test_the_helper_kind_is_checked(bad):
    with pytest.raises(ParameterError, match="helpers"):
        SplitSteps(mlp([4, 3], rng=0), SoftmaxCrossEntropy(), 2, bad)


@pytest.mark.parametrize("parts", [1, 0, -3])
def test_a_split_needs_two_shares(parts):
    with pytest.raises(ParameterError, match="parts"):
        SplitSteps(mlp([4, 3], rng=0), SoftmaxCrossEntropy(), parts)


def test_a_closed_splitter_refuses_to_step():
    net = mlp([4, 3], rng=0)
    splitter = SplitSteps(net, SoftmaxCrossEntropy(), 2)
    splitter.close()
    with pytest.raises(ParameterError, match="closed"):
        splitter.step(
            np.zeros((4, 4)), np.zeros(4, int), SoftmaxCrossEntropy().gradient, 1.0, np.zeros((4, 3))
        )


def test_the_helper_threads_take_the_callers_error_state():
    """exp overflows to inf in a saturated sigmoid: silenced in train, in every thread."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 5)) * 1e4).astype(np.float32)
    y = rng.random((64, 2)).astype(np.float32)
    net = mlp([5, 4, 2], "sigmoid", output="sigmoid", rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(net, CrossEntropy(), SGD(0.1), x, y, epochs=1, batch_size=64, seed=0, progress=False,
              step_threads=2, divergence=None)  # fmt: skip
    assert all(np.isfinite(v).all() for v in net.get_weights().values())


def data(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((rows, 1, 10, 10)).astype(np.float32), rng.integers(0, 5, rows)


def wide_cnn(seed: int = 0) -> Sequential:
    """Another architecture for the same inputs: more channels, other work arrays."""
    rng = np.random.default_rng(seed)
    return Sequential([
        Conv2D.init(1, 7, 3, rng, dtype=np.float32), ReLU(), MaxPool2D(2),
        Flatten(), Dense.init(7 * 4 * 4, 5, rng, dtype=np.float32),
    ])  # fmt: skip


def split_gradients(helpers: str, x: np.ndarray, y: np.ndarray, model=small_cnn) -> tuple[np.ndarray, dict]:
    net, loss = model(), SoftmaxCrossEntropy()
    out = np.empty((x.shape[0], 5), np.float32)
    with SplitSteps(net, loss, 2, helpers) as splitter:
        assert splitter.kind == helpers
        splitter.step(x, y, loss.gradient, 0.5, out)
    return out, {k: v.copy() for k, v in net.gradients().items()}


@needs_processes
def test_a_process_share_computes_what_a_thread_share_computes():
    x, y = data(13)
    out_p, grads_p = split_gradients("processes", x, y)
    out_t, grads_t = split_gradients("threads", x, y)
    assert np.array_equal(out_p, out_t)
    for key in grads_t:
        assert np.array_equal(grads_p[key], grads_t[key]), key


def run(helpers: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Two epochs of ``train`` split in two, its helpers ``"processes"`` or ``"threads"``
    (the default, "auto", takes threads where processes are not allowed)."""
    monkeypatch.setattr(split_batch, "processes_allowed", lambda: helpers == "processes")
    x, y = data(100, seed=1)
    net = small_cnn(2)
    train(net, SoftmaxCrossEntropy(), SGD(0.05), x, y, epochs=2, batch_size=32, seed=0,
          progress=False, step_threads=2)  # fmt: skip
    return net.get_weights()


@needs_processes
def test_training_over_processes_repeats_training_over_threads(monkeypatch):
    processes, threads = run("processes", monkeypatch), run("threads", monkeypatch)
    for key in threads:
        assert np.array_equal(processes[key], threads[key]), key


@needs_processes
def test_the_helper_process_is_kept_and_reused():
    split_gradients("processes", *data(8))
    waiting = share_process.idle_workers()
    assert waiting >= 1
    net = small_cnn()
    splitter = SplitSteps(net, SoftmaxCrossEntropy(), 2, "processes")
    try:
        assert share_process.idle_workers() == waiting - 1  # taken, not started anew
    finally:
        splitter.close()
    assert share_process.idle_workers() == waiting


@needs_processes
@pytest.mark.parametrize("first, then", [(small_cnn, wide_cnn), (wide_cnn, small_cnn)])
@pytest.mark.parametrize("rows_first, rows_then", [(40, 9), (9, 40)])
def test_a_reused_helper_computes_another_model_as_a_new_one_would(first, then, rows_first, rows_then):
    """The helper keeps its layers' work arrays for its next run: a run of another
    architecture or batch after it computes, bit for bit, what a thread share does."""
    split_gradients("processes", *data(rows_first, seed=2), model=first)
    x, y = data(rows_then, seed=3)
    out_p, grads_p = split_gradients("processes", x, y, model=then)
    out_t, grads_t = split_gradients("threads", x, y, model=then)
    assert np.array_equal(out_p, out_t)
    for key in grads_t:
        assert np.array_equal(grads_p[key], grads_t[key]), key


@needs_processes
def test_an_error_in_the_helpers_share_is_raised_in_the_parent():
    x, y = data(8)
    y[4:] = 99  # only the helper's share has labels out of range
    net, loss = small_cnn(), SoftmaxCrossEntropy()
    with SplitSteps(net, loss, 2, "processes") as splitter, pytest.raises(IndexError):
        splitter.step(x, y, loss.gradient, 1.0, np.empty((8, 5), np.float32))


@needs_processes
def test_a_helper_that_died_is_one_clear_error():
    x, y = data(8)
    net, loss = small_cnn(), SoftmaxCrossEntropy()
    splitter = SplitSteps(net, loss, 2, "processes")
    try:
        helper = splitter.helpers[0]
        helper.process.kill()
        helper.process.wait(10)
        with pytest.raises(TrainingError, match=r"helper process .* ended .* step_threads=1"):
            splitter.step(x, y, loss.gradient, 1.0, np.empty((8, 5), np.float32))
    finally:
        splitter.close()


@needs_processes
def test_a_helper_that_cannot_start_falls_back_to_threads(monkeypatch):
    monkeypatch.setattr(share_process, "SERVE", "import sys; sys.exit(3)")
    monkeypatch.setattr(share_process, "_IDLE", [])  # no process to reuse
    net, loss = small_cnn(), SoftmaxCrossEntropy()
    with pytest.raises(TrainingError, match="exit code 3"):
        SplitSteps(net, loss, 2, "processes")
    with SplitSteps(net, loss, 2, "auto") as splitter:
        assert splitter.kind == "threads"
        x, y = data(8)
        splitter.step(x, y, loss.gradient, 1.0, np.empty((8, 5), np.float32))


SCRIPT = """
import numpy as np
from symnn.sim import Dense, SoftmaxCrossEntropy, Sequential
from symnn.sim.split_batch import SplitSteps
net, loss = Sequential([Dense.init(4, 3, 0, dtype=np.float32)]), SoftmaxCrossEntropy()
splitter = SplitSteps(net, loss, 2, "processes")
x, y, out = np.ones((6, 4), np.float32), np.zeros(6, np.int64), np.empty((6, 3), np.float32)
splitter.step(x, y, loss.gradient, 1.0, out)
print(splitter.helpers[0].process.pid, flush=True)
splitter.close()
"""


@needs_processes
def test_a_helper_ends_with_its_parent_and_leaves_nothing_behind():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "leaked" not in done.stderr and "resource_tracker" not in done.stderr, done.stderr
    pid = int(done.stdout.split()[-1])
    for _ in range(100):  # the helper reads end-of-file on its socket and returns
        if not os.path.exists(f"/proc/{pid}") or "zombie" in _state(pid):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"helper process {pid} still running after its parent ended")


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            return next((line.lower() for line in status if line.startswith("State")), "")
    except OSError:
        return "gone"


@needs_processes
def test_after_a_failed_step_the_helper_is_still_in_step_with_its_parent():
    """The parent's own share fails: the helper's share is still waited for, so the next
    step reads the next answer, not the previous one."""
    x, y = data(8)
    bad = y.copy()
    bad[:4] = 99  # only the parent's share has labels out of range
    net, loss = small_cnn(), SoftmaxCrossEntropy()
    out = np.empty((8, 5), np.float32)
    with SplitSteps(net, loss, 2, "processes") as splitter:
        with pytest.raises(IndexError):
            splitter.step(x, bad, loss.gradient, 0.5, out)
        splitter.step(x, y, loss.gradient, 0.5, out)
        after = {k: v.copy() for k, v in net.gradients().items()}
    _, expected = split_gradients("threads", x, y)
    for key in expected:
        assert np.array_equal(after[key], expected[key]), key


@needs_processes
def test_idle_helpers_end_at_exit_without_a_resource_warning():
    """An idle helper is ended and waited for at interpreter exit (-X dev shows every
    ResourceWarning, such as a subprocess still running when its Popen is collected)."""
    done = subprocess.run([sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", SCRIPT],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ResourceWarning" not in done.stderr and "still running" not in done.stderr, done.stderr


def test_the_copy_sent_to_a_helper_holds_the_structure_only():
    """Neither the last step's arrays (a ReLU's output, a pooling's argmax) nor the
    parameters and gradients are pickled (the helper finds those in the shared block):
    the copy weighs a few kB whatever the model's size and the batch it last ran; the
    copy the parent keeps still shares the model's parameters."""
    import pickle

    from symnn.sim.share_process import _picklable
    from symnn.sim.split_batch import _replica

    rng = np.random.default_rng(0)
    net = Sequential([*small_cnn().layers, ReLU(), Dense.init(5, 40_000, rng, dtype=np.float32)])
    net.step_forward(np.ones((256, 1, 10, 10), np.float32))  # caches of a large batch
    parameter_bytes = sum(layer.params[name].nbytes for layer, name in net.parameters())
    replica = _replica(net)
    sent = pickle.loads(pickle.dumps(_picklable(replica)))
    assert len(pickle.dumps(_picklable(replica))) < 20_000 < parameter_bytes
    assert [type(layer) for layer in sent.layers] == [type(layer) for layer in net.layers]
    for (layer, name), (copy, copy_name) in zip(net.parameters(), sent.parameters(), strict=True):
        assert name == copy_name and copy.params[name].dtype == layer.params[name].dtype
    for (layer, name), (twin, _) in zip(net.parameters(), replica.parameters(), strict=True):
        assert twin.params[name] is layer.params[name]
    assert net.layers[2].out is not None  # the model's own layers keep theirs

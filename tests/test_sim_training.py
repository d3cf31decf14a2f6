"""Training: determinism, resume after a kill, early stopping, schedules, divergence, errors."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from symnn.errors import ParameterError, ShapeError, TrainingError
from symnn.sim import (
    SGD,
    Adam,
    BatchNorm,
    Conv2D,
    CrossEntropy,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Momentum,
    PlateauDivide,
    Quadratic,
    ReLU,
    Sequential,
    SoftmaxCrossEntropy,
    StepDecay,
    evaluate,
    mlp,
    train,
)


def blobs(n: int = 240, d: int = 6, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k Gaussian clusters in d dimensions, float32 inputs and integer labels."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)) * 2
    y = rng.integers(0, k, n)
    return (centres[y] + rng.standard_normal((n, d))).astype(np.float32), y


def regularised_net(seed: int = 0) -> Sequential:
    """Dense, BatchNorm, dropout: every kind of state a checkpoint must carry."""
    rng = np.random.default_rng(seed)
    return Sequential([
        Dense.init(6, 16, rng, dtype=np.float32), BatchNorm(16, dtype=np.float32), ReLU(),
        Dropout(0.2, rng=seed), Dense.init(16, 3, rng, dtype=np.float32),
    ])  # fmt: skip


def run(tmp: Path | None, **overrides) -> tuple[Sequential, object]:
    x, y = blobs()
    options = dict(epochs=3, batch_size=32, seed=7, x_val=x[:60], y_val=y[:60], progress=False,
                   early_stopping_patience=5, schedule=PlateauDivide(patience=1))  # fmt: skip
    options.update(overrides)
    if tmp is not None:
        options["checkpoint_path"] = tmp / "run.npz"
    net = regularised_net()
    history = train(net, SoftmaxCrossEntropy(), Momentum(0.1, 0.9, lmbda=0.5), x, y, **options)
    return net, history


def same_run(a: tuple[Sequential, object], b: tuple[Sequential, object]) -> None:
    (net_a, hist_a), (net_b, hist_b) = a, b
    wa, wb = net_a.get_weights(), net_b.get_weights()
    assert wa.keys() == wb.keys()
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)  # bit for bit
    da, db = hist_a.to_dict(), hist_b.to_dict()
    da.pop("epoch_time"), db.pop("epoch_time")  # wall-clock times differ
    assert da == db


def test_training_learns_separable_clusters() -> None:
    x, y = blobs()
    net = mlp([6, 16, 3], "tanh", rng=0)
    history = train(net, SoftmaxCrossEntropy(), SGD(0.5), x, y, epochs=10, batch_size=16,
                    seed=0, x_val=x, y_val=y, progress=False)  # fmt: skip
    assert history.epochs == 10 and history.stop_reason == "completed"
    assert history.val_accuracy[-1] >= 0.9
    assert history.train_loss[-1] < history.train_loss[0]
    assert evaluate(net, SoftmaxCrossEntropy(), x, y).accuracy == history.val_accuracy[-1]
    json.dumps(history.to_dict())  # JSON-ready


def _plain_loop(net: Sequential, x: np.ndarray, y: np.ndarray, opt: Momentum, batch: int, seed: int,
                scaled: bool) -> None:
    """One epoch written with the public per-step calls: shuffle with the seed, forward,
    the output delta (times eta if ``scaled``, else the optimiser multiplies), backward, step."""
    order, loss = np.random.default_rng(seed).permutation(len(x)), CrossEntropy()
    targets = np.eye(3, dtype=np.float32)[y]
    for i in range(0, len(x), batch):
        idx = order[i : i + batch]
        out = net.forward(x[idx], train=True)
        # scaled: eta folded into the loss's 1/batch, as train() asks of the loss
        delta = loss.gradient_z(out, targets[idx], opt.eta) if scaled else loss.delta_z(out, targets[idx])
        net.backward(delta, input_grad=False, skip_last=True)
        opt.bind(net)
        opt.apply(len(x), scaled)


def test_train_is_the_plain_minibatch_loop_bit_for_bit() -> None:
    """One epoch of ``train`` against the loop it stands for: bit for bit when the plain
    loop also hands the optimiser eta times the delta (what ``train`` does for SGD and
    Momentum), and within float32 rounding of network2's loop, which scales the gradients
    after back-propagation instead."""
    x, y = blobs()
    nets = [mlp([6, 12, 3], "sigmoid", output="sigmoid", rng=1) for _ in range(3)]
    batch = 25  # 240 rows: the last minibatch is smaller
    train(nets[0], CrossEntropy(), Momentum(0.3, 0.5, lmbda=2.0), x, y, epochs=1, batch_size=batch,
          seed=4, progress=False)  # fmt: skip
    _plain_loop(nets[1], x, y, Momentum(0.3, 0.5, lmbda=2.0), batch, 4, scaled=True)
    _plain_loop(nets[2], x, y, Momentum(0.3, 0.5, lmbda=2.0), batch, 4, scaled=False)
    wa, wb, wc = (net.get_weights() for net in nets)
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert not all(np.array_equal(wa[k], wc[k]) for k in wa)  # the rounding does differ
    for k in wa:  # 10 steps of float32 rounding (eps 1.2e-7) on weights of order 1
        np.testing.assert_allclose(wa[k], wc[k], rtol=1e-5, atol=1e-6)


def test_scaled_gradients_are_unscaled_after_training() -> None:
    """After ``train`` the layers hold the last minibatch's true gradients (to rounding),
    though SGD's steps were given eta times them."""
    x, y = blobs()
    net = mlp([6, 12, 3], "sigmoid", output="sigmoid", rng=1)
    opt = SGD(0.5)
    train(net, CrossEntropy(), opt, x[:25], y[:25], epochs=1, batch_size=25, seed=0, progress=False)
    after = net.get_weights()
    grads = {f"{i}.{name}": layer.grads[name].copy() for i, layer in enumerate(net.layers)
             for name in layer.params}  # fmt: skip
    fresh = mlp([6, 12, 3], "sigmoid", output="sigmoid", rng=1)
    _, expected = fresh.loss_and_grads(x[:25], np.eye(3, dtype=np.float32)[y[:25]], CrossEntropy())
    for k in expected:
        np.testing.assert_allclose(grads[k], expected[k], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(after[k], fresh.get_weights()[k] - 0.5 * expected[k], rtol=1e-5,
                                   atol=1e-6)  # fmt: skip


def test_minibatches_do_not_depend_on_how_the_inputs_are_gathered(monkeypatch) -> None:
    """Blocks of one minibatch each, and float64 inputs cast in the block, give the run
    of float32 inputs gathered in one block: the same rows reach the layers."""
    training = importlib.import_module("symnn.sim.train")  # the module, not the function

    x, y = blobs()
    reference = run(None)
    monkeypatch.setattr(training, "BLOCK_BYTES", 1)
    same_run(reference, run(None))
    net = regularised_net()
    history = train(net, SoftmaxCrossEntropy(), Momentum(0.1, 0.9, lmbda=0.5), x.astype(np.float64), y,
                    epochs=3, batch_size=32, seed=7, x_val=x[:60], y_val=y[:60], progress=False,
                    early_stopping_patience=5, schedule=PlateauDivide(patience=1))  # fmt: skip
    same_run(reference, (net, history))


def test_same_seed_same_numbers_and_other_seed_other_numbers() -> None:
    same_run(run(None), run(None))
    _, other = run(None, seed=8)
    _, base = run(None)
    assert other.train_loss != base.train_loss


def test_resume_after_kill_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    class Killed(Exception):
        pass

    def kill_after_first_epoch(epoch: int, history: object) -> None:
        if epoch == 0:
            raise Killed

    with pytest.raises(Killed):
        run(tmp_path, on_epoch_end=kill_after_first_epoch)
    assert (tmp_path / "run.npz").exists()
    assert not list(tmp_path.glob("*.tmp"))  # the atomic write left no temporary file
    resumed = run(tmp_path)  # same arguments: continues from epoch 2
    same_run(resumed, run(None))


@pytest.mark.parametrize("optimizer", [SGD(0.05, lmbda=1.0), Adam(0.01), Momentum(0.05)])
def test_resume_is_exact_for_every_optimizer(tmp_path: Path, optimizer) -> None:
    x, y = blobs(96)
    rng = np.random.default_rng(1)
    net = lambda: Sequential([  # noqa: E731
        Conv2D(rng.standard_normal((2, 1, 2, 2)).astype(np.float32) * 0.5), ReLU(),
        MaxPool2D(2), Flatten(), Dense(np.full((2, 3), 0.1, np.float32)),
    ])  # fmt: skip
    images = np.concatenate([x[:, :4], x[:, 1:5], x[:, 2:6], x[:, :4] / 2], axis=1)
    images = images.reshape(96, 1, 4, 4)
    base = net()
    start = base.get_weights()

    def fit(model: Sequential, path: Path | None, epochs: int) -> object:
        opt = type(optimizer)(**{k: v for k, v in vars(optimizer).items() if k in ("eta", "lmbda")})
        return train(model, SoftmaxCrossEntropy(), opt, images, y, epochs=epochs, batch_size=10,
                     seed=3, checkpoint_path=path, progress=False, schedule=StepDecay(1, 0.5))

    fit(base, None, 3)
    interrupted = net()
    interrupted.set_weights(start)
    fit(interrupted, tmp_path / "c.npz", 1)
    fit(interrupted, tmp_path / "c.npz", 3)
    w1, w2 = base.get_weights(), interrupted.get_weights()
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)


def test_checkpoint_of_another_run_is_refused(tmp_path: Path) -> None:
    run(tmp_path, epochs=1)
    with pytest.raises(TrainingError, match="another run"):
        run(tmp_path, batch_size=16)


def test_early_stopping_stops_and_restores_the_best_weights() -> None:
    x, y = blobs()
    x_val, y_val = x[:40], (y[:40] + 1) % 3  # validation labels the network cannot learn
    net = mlp([6, 8, 3], "tanh", rng=0)
    snapshots = []
    history = train(net, SoftmaxCrossEntropy(), SGD(0.5), x, y, epochs=30, batch_size=16,
                    seed=0, x_val=x_val, y_val=y_val, early_stopping_patience=3, progress=False,
                    on_epoch_end=lambda e, h: snapshots.append(net.get_weights()))  # fmt: skip
    best = int(np.argmax(history.val_accuracy))
    assert history.stop_reason == "early stopping"
    assert history.epochs == best + 4  # three epochs without a gain after the best one
    assert history.best_epoch == best
    assert all(np.array_equal(net.get_weights()[k], v) for k, v in snapshots[best].items())


def test_divergence_raises_a_training_error_naming_epoch_and_eta() -> None:
    x, y = blobs()
    net = mlp([6, 16, 3], "relu", rng=0)
    message = r"diverged at epoch 1: the training cost became (nan|inf) in batch \d+: lower eta \(now 1e\+06"
    with pytest.raises(TrainingError, match=message):
        train(net, Quadratic(), SGD(1e6), x * 100, y, epochs=3, batch_size=8, seed=0,
              progress=False)  # fmt: skip


def test_bad_inputs() -> None:
    x, y = blobs()
    net = mlp([6, 4, 3], "tanh", rng=0)
    with pytest.raises(ShapeError, match=r"\(240, 6\).*\(239,\)"):
        train(net, SoftmaxCrossEntropy(), SGD(0.1), x, y[:-1], epochs=1, batch_size=8, seed=0)
    with pytest.raises(ShapeError, match=r"\(240, 5\).*\(batch, 6\)"):
        train(net, SoftmaxCrossEntropy(), SGD(0.1), x[:, :5], y, epochs=1, batch_size=8, seed=0)
    with pytest.raises(ParameterError, match="batch_size"):
        train(net, SoftmaxCrossEntropy(), SGD(0.1), x, y, epochs=1, batch_size=0, seed=0)
    with pytest.raises(ParameterError, match="x_val"):
        train(net, SoftmaxCrossEntropy(), SGD(0.1), x, y, epochs=1, batch_size=8, seed=0,
              early_stopping_patience=2)  # fmt: skip
    with pytest.raises(ParameterError, match="eta"):
        SGD(-1.0)


def test_network2_style_run_with_one_hot_targets_and_plain_progress(capsys, monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name == "tqdm":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    x, y = blobs(60)
    targets = np.eye(3)[y]
    net = mlp([6, 10, 3], "sigmoid", output="sigmoid", rng=0)
    history = train(net, CrossEntropy(), SGD(1.0, lmbda=0.1), x, targets, epochs=2, batch_size=10,
                    seed=0, progress=True)  # fmt: skip
    assert history.epochs == 2 and history.val_accuracy == [None, None]
    assert "6/6" in capsys.readouterr().err  # the plain stderr bar reached the last batch


def test_augment_redraws_the_inputs_every_epoch_from_the_seed() -> None:
    x, _ = blobs()
    calls: list[tuple[int, float]] = []

    def jitter(inputs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        noise = rng.standard_normal(inputs.shape).astype(np.float32)
        calls.append((inputs.shape[0], float(noise[0, 0])))
        return inputs + 0.1 * noise

    first = run(None, augment=jitter)
    draws = [value for _, value in calls]
    assert len(calls) == 3 and len(set(draws)) == 3  # one new draw per epoch
    assert all(size == len(x) for size, _ in calls)
    expected = [float(np.random.default_rng([7, e, 1]).standard_normal(1)[0]) for e in range(3)]
    assert draws == pytest.approx(expected, rel=1e-6)  # seeded by (seed, epoch, stream)
    same_run(first, run(None, augment=jitter))
    _, plain = run(None)
    assert first[1].train_loss != plain.train_loss  # the redrawn inputs were trained on


def test_resume_after_kill_with_augmentation_matches(tmp_path: Path) -> None:
    def jitter(inputs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return inputs + 0.1 * rng.standard_normal(inputs.shape).astype(np.float32)

    def kill_after_second_epoch(epoch: int, history: object) -> None:
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, augment=jitter, on_epoch_end=kill_after_second_epoch)
    same_run(run(tmp_path, augment=jitter), run(None, augment=jitter))


def test_augment_must_keep_the_shape_and_be_callable() -> None:
    with pytest.raises(ShapeError, match="augment returned inputs of shape"):
        run(None, augment=lambda inputs, rng: inputs[:-1])
    with pytest.raises(ParameterError, match="augment"):
        run(None, augment="shift")

"""nn-assignment-2 P5: explore Fashion-MNIST, then train a convolutional network.

Exploration (before any training): the class balance of the training and test splits
(bar chart), a grid of random training images per class, and the pixel statistics
(histogram of the 256 grey levels, mean and standard-deviation images, the mean and
std used to standardize the inputs, the mean brightness of each class).

Model: conv 32 3x3 (padding 1) - max-pool 2 - batch norm - ReLU - conv 64 3x3 (padding 1)
- max-pool 2 - batch norm - ReLU - dense 256 - ReLU - dropout - dense 10,
softmax-cross-entropy against label-smoothed targets (s = 0.1), Adam with eta falling
as a cosine from 2e-3 to 0 over 12 epochs, minibatches of 64, on 55,000 training
images standardized with the training mean and std and redrawn every epoch with random
left-right flips; 5,000 held-out training images are the validation set,
whose best epoch's weights are kept. The network's prediction is the class of the
largest mean softmax over the image and its left-right mirror (:func:`flip_averaged`);
the softmax of the image alone is reported beside it. (Chosen on validation accuracy
among the recipes and the two predictions in docs/experiments.md; ``SCHEDULE``,
``SMOOTHING``, ``SHIFT`` and ``PREDICTION`` select the other candidates.)
Reported: the test accuracy on the 10,000 test images and the per-epoch curves.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symnn.core.registry import register
from symnn.errors import ParameterError
from symnn.experiments.common import Context, batch_size, experiment_parameters, history_record, learning_rate
from symnn.experiments.plots import bar_plot, image_grid, line_plot, pixel_statistics_plot
from symnn.sim.schedules import Schedule

EPOCHS, QUICK_EPOCHS = 12, 2
ETA, BATCH_SIZE, DROPOUT, HIDDEN = 2e-3, 64, 0.5, 256
SCHEDULE = "cosine"  # eta_0 (1 + cos(pi e / epochs)) / 2; "step": times DECAY every DECAY_STEP epochs
DECAY_STEP, DECAY = 5, 0.3
SHIFT = 0  # augmentation: random left-right flips, and shifts of up to SHIFT pixels
SMOOTHING = 0.1  # label smoothing: targets (1 - s) one_hot + s / 10
PREDICTION = "flip_averaged"  # or "one_view": the softmax of the image alone
N_VALIDATION = 5000
QUICK = {"train": 3000, "validation": 500, "test": 1000}
GRID_COLUMNS = 8


def explore(ctx: Context, x: np.ndarray, y: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    """Class balance, sample grid and pixel statistics: three PNGs and their numbers."""
    from symnn.data import FASHION_MNIST_CLASSES, summarize

    names = FASHION_MNIST_CLASSES
    pixels = np.rint(x * 255).astype(np.uint8)
    summary = summarize(pixels, y, name="fashion-mnist", split="train", class_names=names)
    test_counts = np.bincount(y_test, minlength=len(names))
    ctx.figure(
        "class_balance.png", bar_plot, names, summary.class_counts, ylabel="training images",
        title=f"Fashion-MNIST class balance ({summary.count} training images)",
    )  # fmt: skip
    rng = np.random.default_rng(ctx.seed)
    picks = [rng.choice(np.flatnonzero(y == k), GRID_COLUMNS, replace=False) for k in range(len(names))]
    ctx.figure("samples.png", image_grid, x[np.array(picks)], names,
               title="Fashion-MNIST: random training images per class")
    histogram = np.bincount(pixels.ravel(), minlength=256)
    mean_image, std_image = x.mean(axis=0, dtype=np.float64), x.std(axis=0, dtype=np.float64)
    ctx.figure("pixel_statistics.png", pixel_statistics_plot, histogram, mean_image, std_image,
               title="Fashion-MNIST training pixels")
    class_brightness = [float(x[y == k].mean(dtype=np.float64)) for k in range(len(names))]
    return {
        "train_images": summary.count,
        "image_shape": list(summary.image_shape),
        "class_counts_train": dict(zip(names, summary.class_counts)),
        "class_counts_test": dict(zip(names, test_counts.tolist())),
        "balanced": len(set(summary.class_counts)) == 1 and len(set(test_counts.tolist())) == 1,
        "pixel_mean": summary.pixel_mean,
        "pixel_std": summary.pixel_std,
        "pixel_min": summary.pixel_min,
        "pixel_max": summary.pixel_max,
        "zero_pixel_fraction": float(histogram[0] / histogram.sum()),
        "class_mean_brightness": dict(zip(names, class_brightness)),
    }


def augment(images: np.ndarray, rng: np.random.Generator, blank: float) -> np.ndarray:
    """Randomly flipped and shifted copies of the standardized (N, 1, H, W) ``images``.

    Each image is mirrored left-right with probability 1/2 and moved by (dy, dx), each
    uniform in -SHIFT..SHIFT, the uncovered border set to ``blank`` (the standardized
    value of a blank pixel). The training loop calls it once per epoch.

    >>> images = np.arange(4.0).reshape(1, 1, 1, 4)
    >>> sorted({float(augment(images, np.random.default_rng(s), 0.0)[0, 0, 0, 0]) for s in range(8)})
    [0.0, 3.0]
    """
    from symnn.data import shift_images

    flip = rng.random(len(images)) < 0.5
    flipped = np.where(flip[:, None, None, None], images[..., ::-1], images)
    return shift_images(flipped, rng, SHIFT, fill=blank)


class Cosine(Schedule):
    """eta after epoch e of ``epochs``: eta_0 (1 + cos(pi e / epochs)) / 2, from eta_0 down to 0.

    eta_0 is the learning rate of the first call.

    >>> schedule, eta = Cosine(4), 1.0
    >>> [round(eta := schedule.update(eta, None), 4) for _ in range(4)]
    [0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, epochs: int) -> None:
        if not (isinstance(epochs, int) and epochs >= 1):
            raise ParameterError("epochs", epochs, "a positive integer")
        self.total, self.epochs, self.start = epochs, 0, None

    def update(self, eta: float, metric: float | None) -> float:
        """Count one epoch; return eta_0 (1 + cos(pi epochs / total)) / 2."""
        if self.start is None:
            self.start = eta
        self.epochs += 1
        return self.start * (1 + math.cos(math.pi * min(self.epochs, self.total) / self.total)) / 2


def smoothed(labels: np.ndarray, k: int, s: float, dtype: Any = np.float32) -> np.ndarray:
    """Label-smoothed targets (1 - s) one_hot(labels) + s / k, rows of sum 1.

    >>> smoothed(np.array([1]), 4, 0.2).tolist()
    [[0.05000000074505806, 0.8500000238418579, 0.05000000074505806, 0.05000000074505806]]
    """
    targets = np.full((len(labels), k), s / k, dtype)
    targets[np.arange(len(labels)), labels] += 1 - s
    return targets


def flip_averaged(model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """Cost and accuracy of the mean softmax over each image and its left-right mirror.

    The prediction is argmax_k p_k with p = (softmax f(x) + softmax f(mirror x)) / 2 and
    the cost is the mean of -ln p_y; an :class:`~symnn.sim.Evaluation` like
    :func:`~symnn.sim.evaluate`.
    """
    from symnn.sim import Evaluation, Softmax

    softmax = Softmax()
    p = (softmax.forward(model.predict(x)) + softmax.forward(model.predict(x[..., ::-1]))) / 2
    cost = -np.mean(np.log(p[np.arange(len(y)), y].astype(np.float64)))
    return Evaluation(float(cost), float(np.mean(np.argmax(p, axis=1) == y)))


def _schedule_record() -> Any:
    return SCHEDULE if SCHEDULE == "cosine" else {"every": DECAY_STEP, "factor": DECAY}


def build_model(seed: int) -> Any:
    """The convolutional network, float32, initialised from ``seed``.

    Each convolution is followed by max pooling, then batch normalization, then ReLU.
    Pooling before the ReLU gives the same network as after it (max and ReLU commute:
    relu(max x) = max relu(x)) with the normalization and the ReLU on a quarter of the
    numbers. The convolutions have no bias: the normalization subtracts the mean of
    every channel, so a bias would cancel (a constant passes through the max), and
    ``beta`` takes its place.

    >>> build_model(0)[:4]  # doctest: +NORMALIZE_WHITESPACE
    [Conv2D(W=(32, 1, 3, 3), stride=1, padding=1), MaxPool2D(2, stride=2),
     BatchNorm(32, spatial=True), ReLU()]
    """
    from symnn.sim import BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU, Sequential

    rng = np.random.default_rng(seed)
    f32 = np.float32
    return Sequential([
        Conv2D.init(1, 32, 3, rng=rng, padding=1, scale=np.sqrt(2 / 9), bias=False, dtype=f32),
        MaxPool2D(2), BatchNorm(32, spatial=True, dtype=f32), ReLU(),  # 32 x 14 x 14
        Conv2D.init(32, 64, 3, rng=rng, padding=1, scale=np.sqrt(2 / 288), bias=False, dtype=f32),
        MaxPool2D(2), BatchNorm(64, spatial=True, dtype=f32), ReLU(), Flatten(),  # 64 x 7 x 7
        Dense.init(64 * 7 * 7, HIDDEN, rng, scale=np.sqrt(2 / 3136), dtype=f32), ReLU(),
        Dropout(DROPOUT, rng=seed + 1), Dense.init(HIDDEN, 10, rng, dtype=f32),
    ])  # fmt: skip


@register(
    "fashion-cnn",
    kind="experiment",
    title="Fashion-MNIST: data exploration and a convolutional network",
    sheets=[("nn-assignment-2", "P5")],
    parameters=experiment_parameters(EPOCHS, learning_rate(ETA), batch_size(BATCH_SIZE)),
)
def fashion_cnn(ctx: Context) -> dict[str, Any]:
    """Explore the data, train the network, evaluate it on the test set."""
    from symnn.data import train_validation_split
    from symnn.sim import Adam, SoftmaxCrossEntropy, StepDecay, evaluate, train

    epochs = ctx.choose_epochs(EPOCHS, QUICK_EPOCHS)
    eta, size = ctx.hyper["eta"], ctx.hyper["batch_size"]
    x, y = ctx.load("fashion-mnist", "train", limit=QUICK["train"] if ctx.quick else None)
    x_test, y_test = ctx.load("fashion-mnist", "test", limit=QUICK["test"] if ctx.quick else None)
    ctx.say(f"exploring {len(x)} training images")
    exploration = explore(ctx, x, y, y_test)
    mean, std = np.float32(exploration["pixel_mean"]), np.float32(exploration["pixel_std"])
    standardize = lambda images: ((images - mean) / std)[:, None]  # noqa: E731  NCHW
    n_val = QUICK["validation"] if ctx.quick else N_VALIDATION
    x_train, y_train, x_val, y_val = train_validation_split(x, y, n_val, seed=ctx.seed)
    model, loss = build_model(ctx.seed), SoftmaxCrossEntropy()
    blank = float((0 - mean) / std)  # a blank pixel, standardized
    ctx.say(f"training the network for {epochs} epochs on {len(x_train)} images")
    targets = smoothed(y_train, 10, SMOOTHING) if SMOOTHING else y_train
    schedule = Cosine(epochs) if SCHEDULE == "cosine" else StepDecay(DECAY_STEP, DECAY)
    history = train(
        model, loss, Adam(eta), standardize(x_train), targets, epochs=epochs,
        batch_size=size, seed=ctx.seed, x_val=standardize(x_val), y_val=y_val,
        schedule=schedule, early_stopping_patience=epochs + 1,
        augment=lambda images, rng: augment(images, rng, blank), **ctx.train_options(epochs),
    )  # fmt: skip
    record, epoch_times = history_record(history)
    views = {"one_view": lambda x, y: evaluate(model, loss, x, y),
             "flip_averaged": lambda x, y: flip_averaged(model, x, y)}  # fmt: skip
    val = {how: view(standardize(x_val), y_val)._asdict() for how, view in views.items()}
    tests = {how: view(standardize(x_test), y_test)._asdict() for how, view in views.items()}
    test = tests[PREDICTION]
    ctx.save_weights(model.get_weights())
    ctx.figure(
        "accuracy_curves.png", line_plot,
        {"train (running)": record["train_accuracy"], "validation": record["val_accuracy"]},
        xlabel="epoch", ylabel="accuracy", title="Fashion-MNIST convolutional network: accuracy",
    )  # fmt: skip
    ctx.say(f"test accuracy {100 * test['accuracy']:.2f}%")
    return {
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "prediction": PREDICTION,
        "validation": val,
        "test": tests,
        "epochs_run": history.epochs,
        "best_epoch": history.best_epoch,
        "history": record,
        "exploration": exploration,
        "data": {"train": len(y_train), "validation": len(y_val), "test": len(y_test)},
        "config": {
            "epochs": epochs, "model": repr(model), "optimizer": "Adam", "eta": eta,
            "eta_schedule": _schedule_record(), "label_smoothing": SMOOTHING, "batch_size": size,
            "hidden": HIDDEN, "dropout": DROPOUT, "input_standardization": [float(mean), float(std)],
            "augmentation": {"horizontal_flip": 0.5, "max_shift_pixels": SHIFT},
        },
        "timing": {"epoch_time_s": epoch_times},
    }

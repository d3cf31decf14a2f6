"""nn-assignment-2 P4: early stopping and a variable learning rate on MNIST.

The network is network2's: 784-100-10 sigmoid units, cross-entropy on the sigmoid
outputs, L2 regularisation (lmbda = 5.0, cost C_0 + lmbda / (2n) sum w^2), minibatches
of 10 and eta = 0.5, trained on 50,000 of the 60,000 training images; the other 10,000
are the validation set. The training images are expanded as in network2's book
("artificially expanding the training data"): every epoch each one is moved by a random
one-pixel shift (dy, dx in -1..1, blank border), redrawn from the seed. It is trained
three ways from the same initial weights, shuffling and shifts:

1. ``fixed``: every one of the epoch budget's epochs;
2. ``early_stopping``: stop after 5 epochs without a gain in validation accuracy and
   restore the best epoch's weights;
3. ``schedule``: on each such plateau divide eta by 10; after three divisions the next
   plateau ends training; the best epoch's weights are restored.

The epoch budget (``--epochs``, default 60) is the fixed run's length and the upper
limit of the two others. The test accuracy of the three runs answers the sheet's
question "did the performance improve?"; the answer is computed from the numbers.

Why the shifts: with the plain 50,000 images the schedule run's best validation
accuracy was 97.8-98.1% (seeds 0-2), and no change of eta, lmbda, patience, plateau
criterion or restart rule raised its mean by more than 0.05 point; one-pixel shifts
raised every seed's, to 98.1-98.5% (see docs/experiments.md). The choice was made on
validation accuracy.
"""

from __future__ import annotations

import itertools
from typing import Any

from symnn.core.params import Number, Parameter, PositiveInteger
from symnn.core.registry import register
from symnn.experiments.common import Context, batch_size, experiment_parameters, history_record, learning_rate
from symnn.experiments.plots import line_plot

EPOCHS, QUICK_EPOCHS = 60, 8
SIZES = [784, 100, 10]
ETA, LMBDA, BATCH_SIZE = 0.5, 5.0, 10
PATIENCE, QUICK_PATIENCE = 5, 2
FACTOR, REDUCTIONS = 10.0, 3
MAX_SHIFT = 1  # pixels: training images move by dy, dx in -1..1, redrawn every epoch
N_VALIDATION = 10_000
QUICK = {"train": 6000, "validation": 1000, "test": 2000}
RUNS = ("fixed", "early_stopping", "schedule")
HYPER = (
    learning_rate(ETA),
    Parameter("lmbda", Number(lower=0, upper=1000), LMBDA, "L2 strength: cost C_0 + lmbda / (2n) sum w^2"),
    batch_size(BATCH_SIZE),
    Parameter("patience", PositiveInteger(maximum=100), None,
              f"epochs without a validation gain before stopping or dividing eta ({PATIENCE}; "
              f"{QUICK_PATIENCE} with quick)"),
    Parameter("hidden", PositiveInteger(maximum=1000), SIZES[1], "sigmoid units of the hidden layer"),
)


def _data(ctx: Context) -> dict[str, Any]:
    from symnn.data import train_validation_split

    limit = QUICK["train"] if ctx.quick else None
    x, y = ctx.load("mnist", "train", flatten=True, limit=limit)
    n_val = QUICK["validation"] if ctx.quick else N_VALIDATION
    x_train, y_train, x_val, y_val = train_validation_split(x, y, n_val, seed=ctx.seed)
    x_test, y_test = ctx.load("mnist", "test", flatten=True, limit=QUICK["test"] if ctx.quick else None)
    return {"train": (x_train, y_train), "validation": (x_val, y_val), "test": (x_test, y_test)}


def _sizes(ctx: Context) -> list[int]:
    """784, the hidden width, 10."""
    return [SIZES[0], ctx.hyper["hidden"], SIZES[-1]]


def _train_one(ctx: Context, how: str, data: dict[str, Any], epochs: int, patience: int) -> Any:
    """Train one of the three variants; returns (model, history)."""
    from symnn.data import shift_images
    from symnn.sim import SGD, CrossEntropy, PlateauDivide, mlp, train

    model = mlp(_sizes(ctx), "sigmoid", output="sigmoid", rng=ctx.seed)
    options: dict[str, Any] = {}
    if how == "early_stopping":
        options["early_stopping_patience"] = patience
    elif how == "schedule":
        options["schedule"] = PlateauDivide(
            factor=FACTOR, max_reductions=REDUCTIONS, patience=patience, stop_when_exhausted=True
        )
        # a tracker that never stops training (its patience exceeds the budget) but
        # remembers and restores the best epoch's weights
        options["early_stopping_patience"] = epochs + 1
    x_train, y_train = data["train"]
    x_val, y_val = data["validation"]
    history = train(
        model, CrossEntropy(), SGD(ctx.hyper["eta"], lmbda=ctx.hyper["lmbda"]), x_train, y_train,
        epochs=epochs, batch_size=ctx.hyper["batch_size"], seed=ctx.seed, x_val=x_val, y_val=y_val,
        augment=lambda x, rng: shift_images(x, rng, MAX_SHIFT, image_shape=(28, 28)), **options,
        **ctx.train_options(epochs, name=how),
    )  # fmt: skip
    return model, history


def _answer(runs: dict[str, dict[str, Any]], budget: int) -> dict[str, Any]:
    """The sheet's question, answered from the measured numbers."""
    fixed = runs["fixed"]["test_accuracy"]
    lines, improved = [], {}
    labels = {"early_stopping": "Early stopping", "schedule": "Early stopping with the schedule"}
    for how, label in labels.items():
        accuracy, epochs = runs[how]["test_accuracy"], runs[how]["epochs_run"]
        gain = accuracy - fixed
        improved[how] = gain > 0
        verb = "improved" if gain > 0 else "did not improve" if gain < 0 else "left unchanged"
        lines.append(
            f"{label} {verb} the test accuracy: {100 * accuracy:.2f}% against {100 * fixed:.2f}% "
            f"for {budget} fixed epochs ({100 * gain:+.2f} points), using {epochs} epochs."
        )
    return {
        "early_stopping_improved": improved["early_stopping"],
        "schedule_improved": improved["schedule"],
        "text": " ".join(lines),
    }


@register(
    "mnist-early-stopping",
    kind="experiment",
    title="MNIST with early stopping and a plateau learning-rate schedule (network2)",
    sheets=[("nn-assignment-2", "P4")],
    parameters=experiment_parameters(EPOCHS, *HYPER),
)
def mnist_early_stopping(ctx: Context) -> dict[str, Any]:
    """Train the three variants, evaluate them on the test set, plot the validation curves."""
    from symnn.sim import CrossEntropy, evaluate

    epochs = ctx.choose_epochs(EPOCHS, QUICK_EPOCHS)
    patience = ctx.hyper["patience"] or (QUICK_PATIENCE if ctx.quick else PATIENCE)
    data = _data(ctx)
    runs: dict[str, dict[str, Any]] = {}
    times: dict[str, Any] = {}
    weights: dict[str, Any] = {}
    for how in RUNS:
        ctx.say(f"training the {how.replace('_', ' ')} variant (at most {epochs} epochs)")
        model, history = _train_one(ctx, how, data, epochs, patience)
        test = evaluate(model, CrossEntropy(), *data["test"])
        record, epoch_times = history_record(history)
        runs[how] = {
            "test_accuracy": test.accuracy, "test_loss": test.loss, "epochs_run": history.epochs,
            "best_epoch": history.best_epoch, "stop_reason": history.stop_reason,
            "final_eta": record["eta"][-1], "history": record,
        }  # fmt: skip
        times[how] = {"wall_time_s": sum(epoch_times), "epoch_time_s": epoch_times}
        weights.update({f"{how}/{key}": value for key, value in model.get_weights().items()})
        ctx.say(f"{how}: test accuracy {100 * test.accuracy:.2f}% after {history.epochs} epochs")
    ctx.save_weights(weights)
    eta = runs["schedule"]["history"]["eta"]
    labels = {"schedule": "schedule (dots: eta divided by 10)", "fixed": "fixed epochs",
              "early_stopping": "early stopping"}  # drawn in this order, the last on top
    ctx.figure(
        "validation_accuracy.png", line_plot,
        {label: runs[how]["history"]["val_accuracy"] for how, label in labels.items()},
        xlabel="epoch", ylabel="validation accuracy",
        title=f"MNIST {'-'.join(map(str, _sizes(ctx)))}: validation accuracy",
        marks={labels["schedule"]: [i for i, (a, b) in enumerate(itertools.pairwise(eta)) if b < a]},
    )  # fmt: skip
    main = runs["schedule"]
    return {
        "test_accuracy": main["test_accuracy"],
        "epochs_run": main["epochs_run"],
        "history": main["history"],
        "runs": runs,
        "answer": _answer(runs, epochs),
        "data": {part: len(pair[1]) for part, pair in data.items()},
        "config": {
            "epochs": epochs, "sizes": _sizes(ctx), "activation": "sigmoid", "loss": "cross-entropy",
            "eta": ctx.hyper["eta"], "lmbda": ctx.hyper["lmbda"], "batch_size": ctx.hyper["batch_size"],
            "patience": patience,
            "eta_factor": FACTOR, "eta_reductions": REDUCTIONS, "main_run": "schedule",
            "augmentation": {"max_shift_pixels": MAX_SHIFT, "redrawn": "every epoch"},
        },
        "timing": {"runs": times},
    }

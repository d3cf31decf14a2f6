"""exercise-sheet-6 6.6(b),(c): a feed-forward network trained by plain SGD for 10 epochs.

(b) The 60,000 Fashion-MNIST training images are split at random (seeded) into 50,000
for training and 10,000 for validation; the 10,000 test images are the test set.
(c) A network with two hidden ReLU layers (784-256-128-10, softmax-cross-entropy) is
trained by plain minibatch SGD (no momentum, no weight decay) for exactly 10 epochs.
Reported: the accuracy on the train, validation and test sets after training (the
train accuracy is measured on the whole training set with the final weights), and the
per-epoch curves.
"""

from __future__ import annotations

from typing import Any

from symnn.core.registry import register
from symnn.experiments.common import Context, batch_size, experiment_parameters, history_record, learning_rate
from symnn.experiments.plots import line_plot

EPOCHS, QUICK_EPOCHS = 10, 5
SIZES = [784, 256, 128, 10]
ETA, BATCH_SIZE = 0.1, 32
N_VALIDATION = 10_000
QUICK = {"train": 6000, "validation": 1000, "test": 1000}


@register(
    "fashion-ffnn-sgd",
    kind="experiment",
    title="Fashion-MNIST feed-forward network, plain SGD, train/validation/test split",
    sheets=[("exercise-sheet-6", "6.6")],
    parameters=experiment_parameters(EPOCHS, learning_rate(ETA), batch_size(BATCH_SIZE)),
)
def fashion_ffnn_sgd(ctx: Context) -> dict[str, Any]:
    """Split, train for the fixed number of epochs, report the three accuracies."""
    from symnn.data import train_validation_split
    from symnn.sim import SGD, SoftmaxCrossEntropy, evaluate, mlp, train

    epochs = ctx.choose_epochs(EPOCHS, QUICK_EPOCHS)
    eta, size = ctx.hyper["eta"], ctx.hyper["batch_size"]
    x, y = ctx.load("fashion-mnist", "train", flatten=True, limit=QUICK["train"] if ctx.quick else None)
    n_val = QUICK["validation"] if ctx.quick else N_VALIDATION
    x_train, y_train, x_val, y_val = train_validation_split(x, y, n_val, seed=ctx.seed)
    x_test, y_test = ctx.load("fashion-mnist", "test", flatten=True,
                              limit=QUICK["test"] if ctx.quick else None)
    model = mlp(SIZES, "relu", rng=ctx.seed)
    loss = SoftmaxCrossEntropy()
    ctx.say(f"training {'-'.join(map(str, SIZES))} by SGD for {epochs} epochs")
    history = train(
        model, loss, SGD(eta), x_train, y_train, epochs=epochs, batch_size=size,
        seed=ctx.seed, x_val=x_val, y_val=y_val, **ctx.train_options(epochs),
    )  # fmt: skip
    record, epoch_times = history_record(history)
    scores = {
        name: evaluate(model, loss, xs, ys)
        for name, (xs, ys) in {"train": (x_train, y_train), "validation": (x_val, y_val),
                               "test": (x_test, y_test)}.items()
    }  # fmt: skip
    ctx.save_weights(model.get_weights())
    ctx.figure(
        "accuracy_curves.png", line_plot,
        {"train (running, during the epoch)": record["train_accuracy"],
         "validation": record["val_accuracy"]},
        xlabel="epoch", ylabel="accuracy",
        title=f"Fashion-MNIST {'-'.join(map(str, SIZES))}, plain SGD: accuracy",
    )  # fmt: skip
    ctx.say(", ".join(f"{name} {100 * s.accuracy:.2f}%" for name, s in scores.items()))
    return {
        "test_accuracy": scores["test"].accuracy,
        "train_accuracy": scores["train"].accuracy,
        "validation_accuracy": scores["validation"].accuracy,
        "losses": {name: s.loss for name, s in scores.items()},
        "epochs_run": history.epochs,
        "history": record,
        "data": {"train": len(y_train), "validation": len(y_val), "test": len(y_test)},
        "config": {
            "epochs": epochs, "sizes": SIZES, "activation": "relu",
            "loss": "softmax-cross-entropy", "optimizer": "SGD", "eta": eta,
            "batch_size": size,
        },
        "timing": {"epoch_time_s": epoch_times},
    }

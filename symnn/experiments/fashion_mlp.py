"""homework-1 Q3: a dense 784-256-128-64-10 ReLU network on Fashion-MNIST.

Three hidden ReLU layers of 256, 128 and 64 units and ten logits trained with the fused
softmax-cross-entropy loss by Adam (eta multiplied by 0.3 every 7 epochs) on all
60,000 training images. After every epoch the network is evaluated on the 10,000 test
images; nothing is chosen by the test set (the epochs and the schedule are fixed in
advance), it only supplies the test-loss curve the sheet asks for. Reported: train and
test loss and accuracy per epoch (one plot of the two loss curves), the final test
accuracy, and three test images (drawn with the seed) with the predicted class
probabilities (a second plot).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symnn.core.registry import register
from symnn.experiments.common import Context, batch_size, experiment_parameters, history_record, learning_rate
from symnn.experiments.plots import line_plot, probability_plot

EPOCHS, QUICK_EPOCHS = 20, 3
SIZES = [784, 256, 128, 64, 10]
ETA, DECAY_STEP, DECAY, BATCH_SIZE = 1e-3, 7, 0.3, 64
QUICK = {"train": 10000, "test": 2000}
SAMPLES = 3


def _samples(ctx: Context, model: Any, x_test: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    """Three random test images with their predicted class probabilities."""
    from symnn.data import FASHION_MNIST_CLASSES
    from symnn.sim import softmax

    rng = np.random.default_rng(ctx.seed)
    index = np.sort(rng.choice(len(x_test), SAMPLES, replace=False))
    probabilities = softmax(model.predict(x_test[index]).astype(np.float64))
    ctx.figure(
        "test_probabilities.png", probability_plot, x_test[index].reshape(-1, 28, 28),
        probabilities, y_test[index].tolist(), FASHION_MNIST_CLASSES,
        title="Fashion-MNIST MLP: predicted class probabilities of three test images",
    )  # fmt: skip
    return {
        "index": index.tolist(),
        "true_label": [FASHION_MNIST_CLASSES[k] for k in y_test[index]],
        "predicted_label": [FASHION_MNIST_CLASSES[k] for k in probabilities.argmax(axis=1)],
        "probabilities": np.round(probabilities, 6).tolist(),
    }


@register(
    "fashion-mlp",
    kind="experiment",
    title="Fashion-MNIST with a dense 784-256-128-64-10 ReLU network",
    sheets=[("homework-1", "Q3")],
    parameters=experiment_parameters(EPOCHS, learning_rate(ETA), batch_size(BATCH_SIZE)),
)
def fashion_mlp(ctx: Context) -> dict[str, Any]:
    """Train the network, plot the train and test loss curves and three predictions."""
    from symnn.sim import Adam, SoftmaxCrossEntropy, StepDecay, evaluate, mlp, train

    epochs = ctx.choose_epochs(EPOCHS, QUICK_EPOCHS)
    eta, size = ctx.hyper["eta"], ctx.hyper["batch_size"]
    x_train, y_train = ctx.load("fashion-mnist", "train", flatten=True,
                                limit=QUICK["train"] if ctx.quick else None)
    x_test, y_test = ctx.load("fashion-mnist", "test", flatten=True,
                              limit=QUICK["test"] if ctx.quick else None)
    model = mlp(SIZES, "relu", rng=ctx.seed)
    loss = SoftmaxCrossEntropy()
    ctx.say(f"training {'-'.join(map(str, SIZES))} for {epochs} epochs on {len(x_train)} images")
    history = train(
        model, loss, Adam(eta), x_train, y_train, epochs=epochs, batch_size=size,
        seed=ctx.seed, x_val=x_test, y_val=y_test, schedule=StepDecay(DECAY_STEP, DECAY),
        **ctx.train_options(epochs, val_label="test"),
    )  # fmt: skip
    record, epoch_times = history_record(history)
    record["test_loss"] = record.pop("val_loss")
    record["test_accuracy"] = record.pop("val_accuracy")
    test = evaluate(model, loss, x_test, y_test)
    ctx.save_weights(model.get_weights())
    ctx.figure(
        "loss_curves.png", line_plot,
        {"train loss": record["train_loss"], "test loss": record["test_loss"]},
        xlabel="epoch", ylabel="mean cross-entropy",
        title="Fashion-MNIST 784-256-128-64-10 ReLU: train and test loss",
    )  # fmt: skip
    samples = _samples(ctx, model, x_test, y_test)
    ctx.say(f"test accuracy {100 * test.accuracy:.2f}%")
    return {
        "test_accuracy": test.accuracy,
        "test_loss": test.loss,
        "epochs_run": history.epochs,
        "history": record,
        "samples": samples,
        "data": {"train": len(y_train), "test": len(y_test)},
        "config": {
            "epochs": epochs, "sizes": SIZES, "activation": "relu",
            "loss": "softmax-cross-entropy", "optimizer": "Adam", "eta": eta,
            "eta_decay": {"every": DECAY_STEP, "factor": DECAY}, "batch_size": size,
        },
        "timing": {"epoch_time_s": epoch_times},
    }

"""A network as a sequence of layers: feedforward, backprop, parameters, prediction.

``Sequential.forward`` feeds a batch through the layers (network2's ``feedforward``);
``backward`` propagates dL/d(output) back (``backprop``), leaving dL/dp in each layer's
``grads``. The dtype follows the parameters: a float64 network (the derivations'
cross-checks) computes in float64, a float32 one (training) casts its input to float32.

Parameters are addressed as ``"i.name"``: layer index and parameter name, e.g. ``"0.W"``.

>>> import numpy as np
>>> from symnn.sim import Dense, Quadratic, ReLU
>>> net = Sequential([Dense(np.eye(2), np.zeros(2)), ReLU(), Dense(np.ones((2, 1)))])
>>> net.forward(np.array([[1.0, -2.0]]))
array([[1.]])
>>> loss, grads = net.loss_and_grads(np.array([[1.0, -2.0]]), np.array([[0.0]]), Quadratic("sum"))
>>> loss, grads["2.W"].ravel().tolist(), grads["0.b"].tolist()
(0.5, [1.0, 0.0], [1.0, 0.0])
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from symnn.errors import ParameterError
from symnn.sim.activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from symnn.sim.base import Layer, as_float_array
from symnn.sim.fusion import fuse_steps
from symnn.sim.layers import Dense, as_generator
from symnn.sim.losses import CrossEntropy, Loss, SoftmaxCrossEntropy

__all__ = ["Sequential", "mlp", "predicted_labels"]


class Sequential:
    """Layers applied in order; ``x`` (batch, ...) -> output (batch, K).

    Args:
        layers: objects following the :class:`~symnn.sim.base.Layer` protocol.
    """

    def __init__(self, layers: Iterable[Layer]) -> None:
        self.layers = list(layers)
        if not self.layers:
            raise ParameterError("layers", self.layers, "at least one layer")
        for layer in self.layers:
            if not (callable(getattr(layer, "forward", None)) and hasattr(layer, "params")):
                raise ParameterError("layers", layer, "layers with forward, backward and params")
        trainable = [i for i, layer in enumerate(self.layers) if layer.params]
        self._first_trainable = trainable[0] if trainable else len(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __repr__(self) -> str:
        return "Sequential([" + ", ".join(map(repr, self.layers)) + "])"

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the first parameter (float64 for a network without parameters)."""
        for layer, name in self.parameters():
            return layer.params[name].dtype
        return np.dtype(np.float64)

    def astype(self, dtype: Any) -> Sequential:
        """Convert every layer to ``dtype`` in place; return self."""
        for layer in self.layers:
            layer.astype(dtype)
        return self

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        """Output of the network for the batch ``x`` (cast to the parameters' dtype).

        Overflow to infinity (exp(-x) in a sigmoid for x << 0, giving exactly 0) is
        silenced here once, not in every layer.
        """
        x = as_float_array(x, self.dtype)
        with np.errstate(over="ignore"):
            for layer in self.layers:
                x = layer.forward(x, train)
        return x

    feedforward = forward
    __call__ = forward

    def backward(
        self, grad: np.ndarray, input_grad: bool = True, skip_last: bool = False
    ) -> np.ndarray | None:
        """Back-propagate dL/d(output); return dL/dx (``None`` if not ``input_grad``).

        ``skip_last`` starts below the last layer (``grad`` is then dL/d(its input)).
        Without ``input_grad`` the layers in front of the first trainable one are skipped.
        """
        stop = 0 if input_grad else self._first_trainable
        start = len(self.layers) - (2 if skip_last else 1)
        for i in range(start, stop - 1, -1):
            layer = self.layers[i]
            if isinstance(layer, Layer):
                grad = layer.backward(grad, input_grad or i > stop)
            else:
                grad = layer.backward(grad)
        return grad if input_grad else None

    def step_forward(self, x: np.ndarray) -> np.ndarray:
        """:meth:`forward` in training mode through the layers' ``step_forward`` (inputs
        already checked and cast, as in the training loop)."""
        for forward in self._steps()[0]:
            x = forward(x)
        return x

    def step_backward(self, grad: np.ndarray, skip_last: bool = False) -> None:
        """``backward(grad, input_grad=False, skip_last=skip_last)`` through the layers'
        ``step_backward``, right after :meth:`step_forward`."""
        for backward, need_input_grad in self.step_calls(skip_last)[1]:
            grad = backward(grad, need_input_grad)

    def step_calls(self, skip_last: bool = False) -> tuple[list[Any], list[tuple[Any, bool]]]:
        """What :meth:`step_forward` and :meth:`step_backward` call, in order: the forward
        calls, and the backward calls with their ``need_input_grad``; for a loop that runs
        many steps through the same layers (the training loop takes them once per epoch).

        >>> from symnn.sim import CrossEntropy
        >>> net = mlp([3, 2, 2], "sigmoid", output="sigmoid", rng=0)
        >>> forwards, backwards = net.step_calls(skip_last=net.fuses(CrossEntropy()))
        >>> len(forwards), [need for _, need in backwards]
        (4, [True, True, False])
        """
        forwards, backwards = self._steps()
        stop = self._first_trainable
        last = len(self.layers) - (2 if skip_last else 1)
        return forwards, [(backwards[i], i > stop) for i in range(last, stop - 1, -1)]

    def _steps(self) -> tuple[list[Any], list[Any]]:
        """The layers' step_forward and step_backward (forward/backward for objects that
        only follow the layer protocol), looked up once per layer list; a ReLU next to a
        max pooling runs inside the pooling's pass, and a convolution in front of a max
        pooling computes only what the pooling reads (:mod:`symnn.sim.fusion`)."""
        key = tuple(map(id, self.layers))
        cached = self.__dict__.get("_step_calls")
        if cached is None or cached[0] != key:
            forwards = [getattr(layer, "step_forward", None) or (lambda x, f=layer.forward: f(x, True))
                        for layer in self.layers]  # fmt: skip
            backwards = [getattr(layer, "step_backward", None) or _protocol_backward(layer)
                         for layer in self.layers]  # fmt: skip
            fuse_steps(self.layers, forwards, backwards)
            cached = self._step_calls = (key, forwards, backwards)
        return cached[1], cached[2]

    def output_delta(
        self, output: np.ndarray, target: np.ndarray, loss: Loss
    ) -> tuple[float, np.ndarray, bool]:
        """``(cost, delta, fused)``: the loss value and the gradient to back-propagate.

        ``fused`` is true for :class:`CrossEntropy` after a final :class:`Sigmoid`: then
        ``delta`` is a - y with respect to the sigmoid's input (network2's output delta).
        """
        if self.fuses(loss):
            return loss.fn(output, target), loss.delta_z(output, target), True
        value, delta = loss.fn_and_delta(output, target)
        return value, delta, False

    def output_gradient(self, output: np.ndarray, target: np.ndarray, loss: Loss) -> tuple[np.ndarray, bool]:
        """``(delta, fused)`` of :meth:`output_delta` without the cost's value, for a target
        already checked and converted (see :meth:`Loss.gradient <symnn.sim.Loss.gradient>`).
        """
        if self.fuses(loss):
            return loss.gradient_z(output, target), True
        return loss.gradient(output, target), False

    def fuses(self, loss: Loss) -> bool:
        """True for CrossEntropy after a final Sigmoid (back-propagation then starts below
        the Sigmoid with a - y); refuses a Softmax before SoftmaxCrossEntropy.

        >>> from symnn.sim import CrossEntropy
        >>> mlp([2, 1], output="sigmoid", rng=0).fuses(CrossEntropy())
        True
        """
        last = self.layers[-1]
        if isinstance(loss, SoftmaxCrossEntropy) and isinstance(last, Softmax):
            raise ParameterError(
                "loss", loss, "logits: SoftmaxCrossEntropy applies softmax itself, so drop "
                "the final Softmax layer"
            )
        return isinstance(loss, CrossEntropy) and isinstance(last, Sigmoid)

    def loss_and_grads(
        self, x: np.ndarray, y: np.ndarray, loss: Loss, train: bool = True
    ) -> tuple[float, dict[str, np.ndarray]]:
        """Forward, loss and backward in one call; returns (cost, {"i.name": dL/dp}).

        The gradients are views of the layers' ``grads`` (copy them to keep them).
        """
        output = self.forward(x, train=train)
        value, delta, fused = self.output_delta(output, y, loss)
        self.backward(delta, input_grad=False, skip_last=fused)
        return value, self.gradients()

    def parameters(self) -> Iterator[tuple[Layer, str]]:
        """(layer, name) for every trainable array, in layer order."""
        for layer in self.layers:
            for name in layer.params:
                yield layer, name

    def named_parameters(self) -> dict[str, np.ndarray]:
        """{"i.name": parameter array} (the arrays themselves, not copies)."""
        return {f"{i}.{k}": v for i, lay in enumerate(self.layers) for k, v in lay.params.items()}

    def gradients(self) -> dict[str, np.ndarray]:
        """{"i.name": gradient array} from the last backward pass (views)."""
        return {f"{i}.{k}": v for i, lay in enumerate(self.layers) for k, v in lay.grads.items()}

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, keyed "i.name"."""
        out = {k: v.copy() for k, v in self.named_parameters().items()}
        for i, layer in enumerate(self.layers):
            out.update({f"{i}.{k}": v.copy() for k, v in getattr(layer, "buffers", {}).items()})
        return out

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy arrays from :meth:`get_weights`-style ``weights`` into the layers in place."""
        for i, layer in enumerate(self.layers):
            for store in (layer.params, getattr(layer, "buffers", {})):
                for k, v in store.items():
                    key = f"{i}.{k}"
                    if key not in weights or np.shape(weights[key]) != v.shape:
                        got = np.shape(weights[key]) if key in weights else "missing"
                        raise ParameterError(f"weights[{key!r}]", got, f"shape {v.shape}")
                    v[...] = weights[key]

    def predict(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Outputs in evaluation mode, computed ``batch_size`` rows at a time."""
        x = np.asarray(x)
        parts = [self.forward(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0,), self.dtype)

    def predict_classes(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Predicted class labels (batch,): argmax of the output, or output > 1/2 for K = 1."""
        return predicted_labels(self.predict(x, batch_size))


def predicted_labels(output: np.ndarray) -> np.ndarray:
    """argmax over classes; for a single output unit, 1 where it exceeds 1/2.

    >>> predicted_labels(np.array([[0.1, 0.9], [0.8, 0.2]])), predicted_labels(np.array([[0.7]]))
    (array([1, 0]), array([1]))
    """
    if output.shape[1] == 1:
        return (output[:, 0] > 0.5).astype(np.intp)
    return output.argmax(axis=1)


_ACTIVATIONS: dict[str, type[Layer]] = {
    "identity": Identity, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU,
    "leaky_relu": LeakyReLU, "softmax": Softmax,
}  # fmt: skip


def _protocol_backward(layer: Any) -> Any:
    """``backward(grad, need_input_grad)`` of an object following the layer protocol
    (called with the gradient alone, as :meth:`Sequential.backward` does)."""
    if isinstance(layer, Layer):
        return layer.backward
    return lambda grad, need: layer.backward(grad)


def mlp(
    sizes: list[int],
    activation: str = "sigmoid",
    output: str | None = None,
    rng: np.random.Generator | int | None = None,
    dtype: Any = np.float32,
) -> Sequential:
    """Fully connected network: Dense layers of ``sizes`` with ``activation`` between them.

    ``output`` is the activation after the last Dense layer (``None``: logits, for
    :class:`SoftmaxCrossEntropy`; ``"sigmoid"`` for network2's :class:`CrossEntropy`).
    Weights are N(0, 1/n_in) (N(0, 2/n_in) before ReLU), biases zero.

    >>> mlp([784, 30, 10], "sigmoid", output="sigmoid", rng=0)
    Sequential([Dense(W=(784, 30), b=(30,)), Sigmoid(), Dense(W=(30, 10), b=(10,)), Sigmoid()])
    """
    names = [activation] + ([output] if output else [])
    for name in names:
        if name not in _ACTIVATIONS:
            raise ParameterError("activation", name, f"one of {sorted(_ACTIVATIONS)}")
    if len(sizes) < 2:
        raise ParameterError("sizes", sizes, "at least an input and an output size")
    rng = as_generator(rng)
    layers: list[Layer] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        gain = 2.0 if activation in ("relu", "leaky_relu") else 1.0
        layers.append(Dense.init(n_in, n_out, rng, scale=np.sqrt(gain / n_in), dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(_ACTIVATIONS[activation]())
    if output:
        layers.append(_ACTIVATIONS[output]())
    return Sequential(layers)


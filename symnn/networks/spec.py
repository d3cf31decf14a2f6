"""A network to differentiate: sizes, activations, loss, data and weights, validated.

A :class:`NetworkSpec` is built from Python objects (``NetworkSpec.build``) or from the
keyword parameters of ``symnn.derive("network-gradients", ...)``; every value is checked
and a bad one is refused with one line naming the parameter. Layer ``l`` computes
``A_l = f_l(A_{l-1} W_l + 1 b_l)`` with ``W_l`` of shape (width in, width out) and the
examples as the rows of ``A_0 = X``.

Omitted weights and biases are symbolic: ``W{l}_{i}{j}`` and ``b{l}_{j}`` (indices from 1;
``W{l}_{i},{j}`` when a layer is wider than 9). Omitted ``X`` and ``t`` give one symbolic
example, the row ``x1 .. xn`` with targets ``t1 .. tK``.

>>> spec = NetworkSpec.build([2, 3, 1], ["relu", "identity"])
>>> spec.depth, spec.W[0].shape, spec.W[0][0, 1], spec.X
(2, (2, 3), W1_12, Matrix([[x1, x2]]))
>>> NetworkSpec.build([2, 0, 1], ["relu", "identity"])
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'sizes': got [2, 0, 1], expected a list of at least \
two positive integers
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.core.activation_definitions import DEFINITIONS
from symnn.core.literal import read_literal
from symnn.core.params import MatrixKind, Number, to_exact
from symnn.errors import ParameterError, ShapeError
from symnn.networks.activations import ACTIVATIONS
from symnn.networks.losses import LOSSES

#: The deepest network the keyword interface takes (parameters W1 .. W6, b1 .. b6).
MAX_DEPTH = 6
#: the widest layer, and the most examples, a derivation takes (checked before any work)
MAX_WIDTH, MAX_EXAMPLES = 32, 256
#: the leaky-ReLU slope when none is given: the registry's typical value, 1/100
DEFAULT_ALPHA = DEFINITIONS["leaky_relu"].alpha.typical


def parameter_symbols(letter: str, layer: int, rows: int, cols: int) -> sp.Matrix:
    """The plain symbols ``W{layer}_{i}{j}`` of one weight matrix (``b`` for a bias row)."""
    sep = "," if max(rows, cols) > 9 else ""
    if letter == "b":
        return sp.Matrix(1, cols, lambda _, j: sp.Symbol(f"b{layer}_{j + 1}"))
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{letter}{layer}_{i + 1}{sep}{j + 1}"))


def _name(what: str, value: Any, known: Sequence[str]) -> str:
    text = value.name if isinstance(value, sp.Symbol) else value
    if not isinstance(text, str) or text not in known:
        raise ParameterError(what, value, "one of " + ", ".join(known))
    return text


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        value = read_literal(value, "activations")
    if not isinstance(value, (list, tuple)) or not value:
        raise ParameterError("activations", value, "a list of names, one per layer")
    return [_name("activations", item, list(ACTIVATIONS)) for item in value]


def sizes_of(value: Any) -> list[int]:
    """The layer widths ``sizes`` as ints, or a :class:`ParameterError` naming ``sizes``."""
    expected = "a list of at least two positive integers"
    items = read_literal(value, "sizes") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not 2 <= len(items) <= MAX_DEPTH + 1:
        raise ParameterError("sizes", value, expected + f" (at most {MAX_DEPTH + 1})")
    try:
        numbers = [to_exact("sizes", item, expected) for item in items]
    except ParameterError:
        raise ParameterError("sizes", value, expected) from None
    if any(not n.is_integer or n <= 0 for n in numbers):
        raise ParameterError("sizes", value, expected)
    if any(n > MAX_WIDTH for n in numbers):
        raise ParameterError("sizes", value, expected + f" (each at most {MAX_WIDTH})")
    return [int(n) for n in numbers]


def _bounded(name: str) -> MatrixKind:
    """The matrix kind of ``name``: examples (``X``, ``t``) have up to MAX_EXAMPLES rows."""
    rows = MAX_EXAMPLES if name in ("X", "t") else MAX_WIDTH
    return MatrixKind(allow_vector=True, max_rows=rows, max_cols=max(MAX_WIDTH, MAX_EXAMPLES))


def _matrix(name: str, value: Any, shape: tuple[int, int]) -> sp.Matrix:
    matrix = _bounded(name)(name, value)
    if matrix.shape != shape:
        raise ShapeError(f"{name} has shape {matrix.shape}, expected {shape}")
    return matrix


def _targets(value: Any, examples: int, width: int) -> sp.Matrix:
    matrix = _bounded("t")("t", value)
    if matrix.rows == 1 and width == 1 and matrix.cols == examples:
        matrix = matrix.T  # a list of numbers: one target per example
    if matrix.shape != (examples, width):
        raise ShapeError(f"t has shape {matrix.shape}, expected ({examples}, {width}): one row of "
                         f"{width} per example (a plain list when the output width is 1)")
    return matrix


@dataclass(frozen=True)
class NetworkSpec:
    """A validated network: ``sizes``, per-layer ``activations``, ``loss``, data and weights.

    ``X`` (m x n) and ``t`` (m x K) hold the examples as rows; ``W[l]`` and ``b[l]`` (1 x width)
    are layer ``l + 1``'s parameters, exact numbers or plain symbols.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    alpha: sp.Expr
    l2: sp.Expr
    X: sp.Matrix
    t: sp.Matrix
    W: tuple[sp.Matrix, ...]
    b: tuple[sp.Matrix, ...]

    @property
    def depth(self) -> int:
        """The number of layers with weights."""
        return len(self.W)

    @property
    def symbolic(self) -> bool:
        """True when a weight, bias, input or target is a symbol."""
        return any(m.free_symbols for m in (self.X, self.t, *self.W, *self.b))

    @classmethod
    def build(cls, sizes: Any, activations: Any, *, loss: Any = "squared", alpha: Any = None,
              l2: Any = None, X: Any = None, t: Any = None, W: Sequence[Any] | None = None,
              b: Sequence[Any] | None = None) -> NetworkSpec:
        """Check every part and build the spec (``W``/``b``: lists with ``None`` for symbolic)."""
        widths = sizes_of(sizes)
        names = _names(activations)
        depth = len(widths) - 1
        if len(names) != depth:
            raise ParameterError("activations", names, f"{depth} names, one per layer of sizes "
                                 f"{widths}")
        if "softmax" in names[:-1]:
            raise ParameterError("activations", names, "softmax in the output layer only")
        loss_name = _name("loss", loss, list(LOSSES))
        needs = LOSSES[loss_name].output
        if needs is not None and names[-1] != needs:
            raise ParameterError("loss", loss_name, f"a loss that fits the output activation "
                                 f"{names[-1]} ({loss_name} needs a {needs} output)")
        slope = Number()("alpha", DEFAULT_ALPHA if alpha is None else alpha)
        decay = Number(lower=0)("l2", 0 if l2 is None else l2)
        weights, biases = list(W or [None] * depth), list(b or [None] * depth)
        if len(weights) != depth or len(biases) != depth:
            raise ShapeError(f"{depth} layers need {depth} weight matrices and {depth} bias rows")
        Ws = tuple(parameter_symbols("W", layer + 1, widths[layer], widths[layer + 1])
                   if value is None else _matrix(f"W{layer + 1}", value, (widths[layer], widths[layer + 1]))
                   for layer, value in enumerate(weights))
        bs = tuple(parameter_symbols("b", layer + 1, 1, widths[layer + 1])
                   if value is None else _matrix(f"b{layer + 1}", value, (1, widths[layer + 1]))
                   for layer, value in enumerate(biases))
        if X is None:
            inputs = sp.Matrix([[sp.Symbol(f"x{i + 1}") for i in range(widths[0])]])
        else:
            inputs = _matrix("X", X, (_bounded("X")("X", X).rows, widths[0]))
        if t is None:
            if X is not None:
                raise ParameterError("t", None, "targets t, one row per example of X")
            targets = sp.Matrix([[sp.Symbol(f"t{k + 1}") for k in range(widths[-1])]])
        else:
            targets = _targets(t, inputs.rows, widths[-1])
        return cls(tuple(widths), tuple(names), loss_name, slope, decay, inputs, targets, Ws, bs)

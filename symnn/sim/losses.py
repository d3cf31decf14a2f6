"""Cost functions as small classes with ``fn`` (the value) and ``delta`` (its gradient).

Each loss takes the network ``output`` of shape (batch, K) and a ``target`` that is
either an array of the same shape (one-hot or soft targets) or integer class labels of
shape (batch,). ``reduction="sum"`` adds the per-example costs (the written derivations
use it); ``reduction="mean"`` (the default, for training) divides by the batch size.

* :class:`Quadratic`: C = 1/2 sum_k (a_k - y_k)^2 (with the 1/2), dC/da = a - y.
* :class:`CrossEntropy` on sigmoid outputs a in (0, 1):
  C = -sum_k [y_k ln a_k + (1 - y_k) ln(1 - a_k)], dC/da = (a - y) / (a (1 - a)).
  After a final :class:`~symnn.sim.Sigmoid` layer the network fuses the two and uses
  ``delta_z`` = a - y, the gradient with respect to the pre-activation (network2's
  ``delta``), which is exact and never divides by a(1 - a).
* :class:`SoftmaxCrossEntropy` on logits z: C = -sum_k t_k log softmax(z)_k,
  dC/dz_i = p_i sum_k t_k - t_i (p = softmax z), which is p - t for one-hot t.

>>> import numpy as np
>>> loss = SoftmaxCrossEntropy(reduction="sum")
>>> z = np.array([[0.0, 0.0]])
>>> round(loss.fn(z, np.array([0])), 6), loss.delta(z, np.array([0]))
(0.693147, array([[-0.5,  0.5]]))
>>> Quadratic(reduction="sum").fn(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]]))
2.5
"""

from __future__ import annotations

import math

import numpy as np

from symnn.errors import ParameterError, ShapeError
from symnn.sim.base import as_float_array

__all__ = ["CrossEntropy", "Loss", "Quadratic", "SoftmaxCrossEntropy", "one_hot"]


def one_hot(labels: np.ndarray, k: int, dtype: object = np.float64) -> np.ndarray:
    """Integer labels (batch,) -> one-hot rows (batch, k).

    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        bad = (int(labels.min()), int(labels.max()))
        raise ParameterError("labels (min, max)", bad, f"labels in [0, {k})")
    out = np.zeros((labels.shape[0], k), dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def is_labels(target: np.ndarray) -> bool:
    """True for a 1-D integer array (class labels)."""
    return target.ndim == 1 and target.dtype.kind in "iu"


FEW_CLASSES = 32  # up to this many classes, a batch's softmax gradient is computed class-major


def _factor(factor: float) -> float:
    """``factor`` as a float, refused unless it is a finite real number.

    >>> _factor(2)
    2.0
    """
    try:
        value = float(factor)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(factor, (str, bytes)) or not math.isfinite(value):
        raise ParameterError("factor", factor, "a finite real number (eta, for SGD)")
    return value


def _few_classes_delta(z: np.ndarray, target: np.ndarray, scale: float) -> np.ndarray:
    """:meth:`SoftmaxCrossEntropy.gradient` for a batch of logits (batch, K) with few
    classes, computed on a class-major copy (K, batch): each reduction over the classes is
    then K - 1 whole-row operations rather than one short reduction per example (3x faster
    at 128 x 10). The numbers are those of the row-wise computation but for the order in
    which each row's exponentials are summed.

    >>> z = np.array([[0.0, np.log(3.0)], [5.0, 5.0]])
    >>> _few_classes_delta(z, np.array([1, 0]), 1.0)
    array([[ 0.25, -0.25],
           [-0.5 ,  0.5 ]])
    """
    batch = z.shape[0]
    e = np.ascontiguousarray(z.T)  # (K, batch)
    e -= np.maximum.reduce(e, axis=0)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=0)  # p = softmax(z), one column per example
    if is_labels(target):  # element (label, i) of the class-major array, i = 0..batch-1
        column = e.reshape(-1)
        at = target.astype(np.intp) * batch  # intp: a uint8 label times batch overflows
        at += np.arange(batch)
        column[at] -= 1
    else:
        e *= target.sum(axis=1)
        e -= target.T
    return np.ascontiguousarray(_times(e, scale).T)


def _times(delta: np.ndarray, scale: float) -> np.ndarray:
    """``delta`` (a new array) times ``scale`` in place, rounded once to its dtype.

    >>> _times(np.array([1.0, 2.0]), 0.5)
    array([0.5, 1. ])
    """
    if scale != 1.0:
        delta *= delta.dtype.type(scale)
    return delta


class Loss:
    """Base class: ``fn(output, target) -> float``, ``delta(output, target) -> ndarray``."""

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in ("mean", "sum"):
            raise ParameterError("reduction", reduction, "'mean' or 'sum'")
        self.reduction = reduction

    def _prepare(self, output: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        output = as_float_array(output)
        target = np.asarray(target)
        if output.ndim != 2:
            raise ShapeError(
                f"{type(self).__name__}: got output of shape {output.shape}, expected (batch, K)"
            )
        if is_labels(target):
            if target.shape[0] != output.shape[0]:
                raise ShapeError(
                    f"{type(self).__name__}: got labels of shape {target.shape} for output of "
                    f"shape {output.shape}, expected ({output.shape[0]},)"
                )
            return output, target
        if target.shape != output.shape:
            raise ShapeError(
                f"{type(self).__name__}: got target of shape {target.shape}, expected the "
                f"output shape {output.shape} or labels of shape ({output.shape[0]},)"
            )
        return output, target.astype(output.dtype, copy=False)

    def _dense_target(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        return one_hot(target, output.shape[1], output.dtype) if is_labels(target) else target

    def _scale(self, output: np.ndarray) -> float:
        return 1.0 / output.shape[0] if self.reduction == "mean" else 1.0

    def fn(self, output: np.ndarray, target: np.ndarray) -> float:
        """The cost, summed or averaged over the batch."""
        raise NotImplementedError

    def delta(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dC/d(output), shape of ``output``."""
        return self.gradient(*self._prepare(output, target))

    def gradient(self, output: np.ndarray, target: np.ndarray, factor: float = 1.0) -> np.ndarray:
        """``factor`` times :meth:`delta`, for an ``output`` and a ``target`` already checked
        and converted (labels, or rows of the output's dtype): the training loop checks its
        data once and calls this for every minibatch. The built-in losses fold ``factor``
        (eta, for SGD) into their own scaling by the batch size: one pass, one rounding.
        A subclass may leave ``factor`` out of its signature; the loop then multiplies."""
        raise NotImplementedError

    def fn_and_delta(self, output: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        """``(fn(output, target), delta(output, target))``, sharing work where possible."""
        return self.fn(output, target), self.delta(output, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class Quadratic(Loss):
    """C = 1/2 sum_k (a_k - y_k)^2 per example; dC/da = a - y.

    >>> Quadratic().delta(np.array([[1.0, 2.0]]), np.array([[0.0, 1.0]]))
    array([[1., 1.]])
    """

    def fn(self, output: np.ndarray, target: np.ndarray) -> float:
        """1/2 sum (a - y)^2, summed or averaged over the batch."""
        output, target = self._prepare(output, target)
        diff = output - self._dense_target(output, target)
        return float(0.5 * np.vdot(diff, diff) * self._scale(output))

    def gradient(self, output: np.ndarray, target: np.ndarray, factor: float = 1.0) -> np.ndarray:
        """(a - y) (divided by the batch size for "mean"), times ``factor``; shape of ``output``."""
        diff = np.subtract(output, self._dense_target(output, target))
        return _times(diff, self._scale(output) * _factor(factor))


class CrossEntropy(Loss):
    """Cross-entropy of sigmoid outputs a in (0, 1) against targets y in [0, 1].

    ``a`` is clipped to [eps, 1 - eps] (eps = machine epsilon of its dtype) inside the
    logarithms and in ``delta``, so a saturated unit gives a large finite cost.

    >>> loss = CrossEntropy(reduction="sum")
    >>> round(loss.fn(np.array([[0.5]]), np.array([[1.0]])), 6)
    0.693147
    >>> a, y = np.array([[0.5]]), np.array([[1.0]])
    >>> loss.delta(a, y), loss.delta_z(a, y)
    (array([[-2.]]), array([[-0.5]]))
    """

    def _clipped(self, output: np.ndarray) -> np.ndarray:
        eps = np.finfo(output.dtype).eps
        return np.minimum(np.maximum(output, eps), 1 - eps)

    def fn(self, output: np.ndarray, target: np.ndarray) -> float:
        """-sum [y ln a + (1 - y) ln(1 - a)], summed or averaged over the batch."""
        output, target = self._prepare(output, target)
        y = self._dense_target(output, target)
        a = self._clipped(output)
        total = -(np.vdot(y, np.log(a)) + np.vdot(1 - y, np.log1p(-a)))
        return float(total * self._scale(output))

    def gradient(self, output: np.ndarray, target: np.ndarray, factor: float = 1.0) -> np.ndarray:
        """dC/da = (a - y) / (a (1 - a)) times ``factor``, shape of ``output``."""
        y = self._dense_target(output, target)
        a = self._clipped(output)
        return _times((a - y) / (a * (1 - a)), self._scale(output) * _factor(factor))

    def delta_z(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dC/dz = a - y for a = sigmoid(z): the gradient to feed below a final Sigmoid."""
        return self.gradient_z(*self._prepare(output, target))

    def gradient_z(self, output: np.ndarray, target: np.ndarray, factor: float = 1.0) -> np.ndarray:
        """``factor`` times :meth:`delta_z`, for a checked and converted target (see
        :meth:`Loss.gradient`)."""
        delta = np.subtract(output, self._dense_target(output, target))
        return _times(delta, self._scale(output) * _factor(factor))


class SoftmaxCrossEntropy(Loss):
    """Fused softmax and cross-entropy on logits z (batch, K); stable for any |z|.

    Targets: integer labels (batch,), one-hot rows, or soft targets t (batch, K).
    dC/dz_i = p_i sum_k t_k - t_i with p = softmax(z).

    >>> loss = SoftmaxCrossEntropy()
    >>> loss.fn(np.array([[1000.0, 0.0]]), np.array([0]))
    0.0
    >>> loss.delta(np.array([[0.0, 0.0]]), np.array([[0.5, 0.5]]))
    array([[0., 0.]])
    """

    def _prepare(self, output: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        output, target = super()._prepare(output, target)
        if output.shape[1] == 0:
            raise ShapeError("SoftmaxCrossEntropy: got logits with no classes (shape "
                             f"{output.shape}); a softmax needs at least one")
        return output, target

    def fn(self, output: np.ndarray, target: np.ndarray) -> float:
        """-sum_k t_k log softmax(z)_k, summed or averaged over the batch."""
        return self.fn_and_delta(output, target, need_delta=False)[0]

    def gradient(self, output: np.ndarray, target: np.ndarray, factor: float = 1.0) -> np.ndarray:
        """dC/dz = p sum_k t_k - t (p = softmax z) times ``factor``, shape of the logits."""
        scale = self._scale(output) * _factor(factor)
        batch, classes = output.shape
        if classes <= min(batch, FEW_CLASSES):
            return _few_classes_delta(output, target, scale)
        e, sums = self._exp_shifted(output)[1:]
        return self._delta_from(e, sums, target, scale)

    def _exp_shifted(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z - max z, exp of it, its row sums): softmax without overflow."""
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        return shifted, e, e.sum(axis=1, keepdims=True)

    def _delta_from(self, e: np.ndarray, sums: np.ndarray, target: np.ndarray, scale: float) -> np.ndarray:
        """p sum_k t_k - t, in place in ``e`` (p = e / sums), times ``scale``."""
        e /= sums  # p = softmax(z)
        if is_labels(target):
            e[np.arange(e.shape[0]), target] -= 1
        else:
            e *= target.sum(axis=1, keepdims=True)
            e -= target
        return _times(e, scale)

    def fn_and_delta(
        self, output: np.ndarray, target: np.ndarray, need_delta: bool = True
    ) -> tuple[float, np.ndarray]:
        """Cost and dC/dz from one softmax (delta is None unless ``need_delta``)."""
        z, target = self._prepare(output, target)
        shifted, e, sums = self._exp_shifted(z)
        log_p = shifted - np.log(sums)
        scale = self._scale(z)
        if is_labels(target):
            value = (0.0 - float(log_p[np.arange(z.shape[0]), target].sum())) * scale
        else:
            value = (0.0 - float(np.vdot(target, log_p))) * scale
        if not need_delta:
            return value, None  # type: ignore[return-value]
        return value, self._delta_from(e, sums, target, scale)


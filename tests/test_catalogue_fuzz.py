"""Every catalogue id over values drawn within its declared parameters: derive and check either
pass, or refuse with a ParameterError naming one of the id's parameters (a ShapeError naming a
given one when given parameters do not fit together); a result the derivation
itself calls undecided is accepted. A failed check on accepted parameters is a defect (the user
would read "check failed" for a right answer, or a wrong answer would pass unseen).

The draws are deterministic (``derandomize``, no example database). ``SYMNN_FUZZ_EXAMPLES``
raises the number of examples per id for a longer run by hand.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symnn
from symnn.activation_analysis.kinds import ActivationName
from symnn.activation_analysis.table import TABLE
from symnn.core.params import Boolean, Limited, MatrixKind, Number, PositiveInteger, Vector
from symnn.core.registry import catalog, entry
from symnn.errors import CertificationError, ParameterError, ShapeError

#: the training experiments: minutes of training each, tested in tests/test_experiments_*.py
TRAINING = {"mnist-early-stopping", "fashion-cnn", "fashion-mlp", "fashion-ffnn-sgd", "manual-backprop"}
IDS = [item.id if hasattr(item, "id") else item for item in catalog()]
FUZZED = [name for name in IDS if name not in TRAINING]
EXAMPLES = int(os.environ.get("SYMNN_FUZZ_EXAMPLES", "3"))
#: integers are drawn from the minimum to the minimum + SPAN (sizes, depths: the cost grows fast)
SPAN = 4
#: the largest |x| drawn for a number without tighter bounds
REACH = 10
#: tighter spans where each size costs seconds (a symbolic m x n X)
SPANS = {"mse-convex": 1}
#: shapes for matrices and vectors without a default to copy
SHAPES = {("gd-convergence-quadratic", "A"): (2, 2), ("hopfield-lyapunov", "W"): (3, 3),
          ("mse-convex", "X"): (3, 2), ("forward-pass", "x"): (4,), ("softmax-limit", "z"): (3,)}
#: entries drawn from a fixed set where the derivation asks for labels
LABELS = {("logistic-separable", "y"): st.sampled_from([sp.Integer(1), sp.Integer(-1)])}
ALPHAS = [sp.Rational(1, 100), sp.Rational(1, 7), sp.Rational(1, 2), sp.Integer(1), sp.Integer(7)]


def exact_entries() -> st.SearchStrategy[sp.Rational]:
    """Small exact numbers: k / q with |k| <= 30 and q in 1, 2, 5, 10."""
    return st.builds(sp.Rational, st.integers(-30, 30), st.sampled_from([1, 2, 5, 10]))


def number(kind: Number) -> st.SearchStrategy[sp.Rational]:
    """An exact number inside ``kind``'s interval, cut to [-REACH, REACH] (open ends avoided)."""
    low, high, low_open, high_open = kind._interval()
    low, high = max(sp.nsimplify(low), -REACH), min(sp.nsimplify(high), REACH)
    if low < -REACH + 1 and high > REACH - 1:
        low_open = high_open = False
    first, last = (1 if low_open else 0), (999 if high_open else 1000)
    return st.integers(first, last).map(lambda k: low + (high - low) * sp.Rational(k, 1000))


def shaped(kind: Any, shape: tuple[int, ...], elements: st.SearchStrategy) -> st.SearchStrategy:
    """A list (or list of rows) of ``shape``; symmetric matrices mirror their upper triangle."""
    if len(shape) == 1:
        return st.lists(elements, min_size=shape[0], max_size=shape[0])
    rows, cols = shape
    matrices = st.lists(st.lists(elements, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    if getattr(kind, "symmetric", False):
        return matrices.map(lambda m: [[m[min(i, j)][max(i, j)] for j in range(cols)] for i in range(rows)])
    return matrices


def _shape(default: Any) -> tuple[int, ...] | None:
    if isinstance(default, sp.MatrixBase):
        return default.shape
    if isinstance(default, (list, tuple)):
        return (len(default),)
    return None


def values(id_: str, name: str, kind: Any, default: Any) -> st.SearchStrategy | None:
    """A strategy of valid-looking values for one parameter (``None``: keep the default)."""
    if isinstance(kind, Limited):
        kind = kind.kind
    if isinstance(kind, PositiveInteger):
        span = SPANS.get(id_, SPAN)
        return st.integers(kind.minimum, min(kind.maximum, kind.minimum + span)).map(sp.Integer)
    if isinstance(kind, Number):
        return number(kind)
    if isinstance(kind, Boolean):
        return st.booleans()
    if isinstance(kind, ActivationName):
        return st.sampled_from(sorted(TABLE))
    if hasattr(kind, "options"):
        return st.sampled_from(kind.options)
    if hasattr(kind, "largest"):  # layer widths
        return st.lists(st.integers(1, min(kind.largest, 3)), min_size=kind.min_length, max_size=4)
    if isinstance(kind, (Vector, MatrixKind)):
        shape = SHAPES.get((id_, name)) or _shape(default)
        if shape is None:
            return None
        return shaped(kind, shape, LABELS.get((id_, name), exact_entries()))
    return None


@st.composite
def parameters(draw: st.DrawFn, id_: str) -> dict[str, Any]:
    """Some of ``id_``'s parameters (each given or left at its default); alpha follows the activation."""
    given_: dict[str, Any] = {}
    for parameter in entry(id_).parameters:
        if parameter.name == "alpha" and any(p.name == "activation" for p in entry(id_).parameters):
            continue
        strategy = values(id_, parameter.name, parameter.kind, parameter.default)
        if strategy is not None and draw(st.booleans()):
            given_[parameter.name] = draw(strategy)
    activation = given_.get("activation")
    if activation is not None and TABLE[activation].alpha and draw(st.booleans()):
        given_["alpha"] = draw(st.sampled_from(ALPHAS))
    return given_


def undecided(text: str) -> bool:
    return "undecided" in text.lower()


@pytest.mark.parametrize("id_", FUZZED)
def test_check_passes_or_refuses_by_name(id_: str) -> None:
    declared = [parameter.name for parameter in entry(id_).parameters]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(parameters(id_))
    def run(given_: dict[str, Any]) -> None:
        try:
            report = symnn.derive(id_, **given_).check()
        except ParameterError as error:  # e.g. labels y that make the default X not separable name X
            assert any(f"parameter '{name}'" in str(error) for name in declared), str(error)
            return
        except ShapeError as error:  # given parameters that do not fit together, named in the message
            assert any(name in str(error) for name in given_), str(error)
            return
        except CertificationError as error:
            assert undecided(str(error)), f"{id_} {given_}: {error}"
            return
        failures = report.failures()
        assert report.ok or all(undecided(label) for label in failures), f"{id_} {given_}: {failures}"

    run()


def test_every_id_but_the_training_runs_is_fuzzed() -> None:
    assert set(FUZZED) | TRAINING == set(IDS) and not TRAINING - set(IDS)
    assert "activation-table" in FUZZED and "network-gradients" in FUZZED

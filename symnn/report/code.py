"""The simulator's NumPy functions, typeset through latexify-py.

:data:`FUNCTIONS` lists the simulator functions the write-ups show. :func:`render` asks
latexify-py for the LaTeX of the simulator function itself and keeps it when it is
clean; latexify mangles NumPy idioms (``np.where``, ``.sum(axis=...)``, ``.astype``,
methods of loss classes), and then the scalar mirror of the same name in
:mod:`symnn.report.mirrors` is typeset instead. :func:`mirror_error` measures how far a
mirror is from its simulator function on a fixed set of inputs (the tests require
agreement to 1e-12).

>>> render("sigmoid_prime").source
'simulator'
>>> render("relu").source, render("relu").latex
('mirror', '\\\\mathrm{relu}(x) = \\\\mathrm{max} \\\\mathopen{}\\\\left( x, 0 \\\\mathclose{}\\\\right)')
>>> mirror_error("softmax") < 1e-12
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from symnn.report import mirrors

#: Fragments of latexify output that mean the NumPy source did not translate into math.
MANGLED = (r"\mathrm{np}", "as\\_float\\_array", "astype", "dtype", r"\mathrm{self}", "keepdims",
           r"\mathrm{axis}", r"\mathopen{}\left( \mathclose{}\right)", r".\mathrm")  # fmt: skip


@dataclass(frozen=True)
class CodeFunction:
    """A simulator function shown in the write-ups.

    ``target`` is the dotted path of the simulator function (a loss is its class's ``fn``
    with ``reduction="sum"``); ``kind`` says how its mirror is called: ``"elementwise"``
    (one number), ``"vector"`` (``z, n, i``), ``"loss"`` (``a, y, n``) or
    ``"probability-loss"`` (a loss whose outputs lie in (0, 1)).
    """

    name: str
    target: str
    kind: str
    options: dict[str, float] = field(default_factory=dict)

    def simulator(self) -> Callable[..., Any]:
        """The simulator function (or the bound ``fn`` of a loss with summed reduction)."""
        module, _, attribute = self.target.rpartition(".")
        if self.kind.endswith("loss"):
            module, _, cls = module.rpartition(".")
            return getattr(getattr(importlib.import_module(module), cls)(reduction="sum"), attribute)
        return getattr(importlib.import_module(module), attribute)

    def mirror(self) -> Callable[..., Any]:
        """The scalar mirror of the same name in :mod:`symnn.report.mirrors`."""
        return getattr(mirrors, self.name)


_A = "symnn.sim.activations"
_L = "symnn.sim.losses"
FUNCTIONS: dict[str, CodeFunction] = {
    item.name: item
    for item in (
        CodeFunction("sigmoid", f"{_A}.sigmoid", "elementwise"),
        CodeFunction("sigmoid_prime", f"{_A}.sigmoid_prime", "elementwise"),
        CodeFunction("tanh", f"{_A}.tanh", "elementwise"),
        CodeFunction("tanh_prime", f"{_A}.tanh_prime", "elementwise"),
        CodeFunction("relu", f"{_A}.relu", "elementwise"),
        CodeFunction("relu_prime", f"{_A}.relu_prime", "elementwise"),
        CodeFunction("leaky_relu", f"{_A}.leaky_relu", "elementwise", {"alpha": 0.1}),
        CodeFunction("unit_step", f"{_A}.unit_step", "elementwise", {"at_zero": 1.0}),
        CodeFunction("softmax", f"{_A}.softmax", "vector"),
        CodeFunction("log_softmax", f"{_A}.log_softmax", "vector"),
        CodeFunction("quadratic", f"{_L}.Quadratic.fn", "loss"),
        CodeFunction("cross_entropy", f"{_L}.CrossEntropy.fn", "probability-loss"),
        CodeFunction("softmax_cross_entropy", f"{_L}.SoftmaxCrossEntropy.fn", "loss"),
    )
}


@dataclass(frozen=True)
class Rendered:
    """The LaTeX of one function and where it came from (``"simulator"`` or ``"mirror"``)."""

    name: str
    latex: str
    source: str
    target: str


def is_clean(latex: str) -> bool:
    """True when latexify's output contains none of the :data:`MANGLED` fragments."""
    return not any(fragment in latex for fragment in MANGLED)


def _latexify(function: Callable[..., Any]) -> str | None:
    import latexify

    try:
        return latexify.get_latex(function, use_math_symbols=True)
    except Exception:  # latexify refuses code it cannot translate (methods, comprehensions ...)
        return None


@cache
def render(name: str) -> Rendered:
    """The typeset form of simulator function ``name``: its own LaTeX if clean, else its mirror's."""
    item = FUNCTIONS[name]
    own = None if item.kind.endswith("loss") else _latexify(item.simulator())
    if own is not None and is_clean(own):
        return Rendered(name, own, "simulator", item.target)
    mirrored = _latexify(item.mirror())
    if mirrored is None or not is_clean(mirrored):
        raise ValueError(f"the mirror of {name} does not render cleanly: {mirrored}")
    return Rendered(name, mirrored, "mirror", item.target)


def _inputs(kind: str) -> list[tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(0)
    if kind == "elementwise":
        grid = np.concatenate([np.linspace(-40.0, 40.0, 161), [-1e-300, 0.0, 1e-300, 700.0, -745.0]])
        return [(grid,)]
    if kind == "vector":
        return [(z,) for z in (rng.normal(size=5) * 3, np.array([1000.0, 1000.0, -5.0]), np.zeros(4))]
    if kind == "probability-loss":
        return [(rng.uniform(0.01, 0.99, 4), rng.uniform(0, 1, 4)) for _ in range(5)]
    return [(rng.normal(size=4) * 5, rng.dirichlet(np.ones(4))) for _ in range(5)]


def mirror_error(name: str) -> float:
    """Worst ``|mirror - simulator| / max(1, |simulator|)`` over fixed inputs for ``name``."""
    item = FUNCTIONS[name]
    simulator, mirror, worst = item.simulator(), item.mirror(), 0.0
    for inputs in _inputs(item.kind):
        if item.kind == "elementwise":
            expected = np.asarray(simulator(inputs[0], **item.options), dtype=float)
            actual = np.array([mirror(float(x), **item.options) for x in inputs[0]], dtype=float)
        elif item.kind == "vector":
            z = inputs[0]
            expected = np.asarray(simulator(z), dtype=float)
            actual = np.array([mirror(list(z), len(z), i) for i in range(len(z))], dtype=float)
        else:
            a, y = inputs
            expected = np.array(simulator(a[None, :], y[None, :]), dtype=float)
            actual = np.array(mirror(list(a), list(y), len(a)), dtype=float)
        worst = max(worst, float(np.max(np.abs(actual - expected) / np.maximum(1.0, np.abs(expected)))))
    return worst

"""The one registry: problem ids mapped to the factories that derive or run them.

Derivation modules register themselves with :func:`register`; the command line, the
write-ups and the tests iterate this table instead of dispatching by hand.

>>> "softmax-jacobian" in catalog()
True
>>> entry("softmax-jacobian").sheets
(('homework-1', 'Q2'),)
>>> derive("softmax-jacobian", n=2).result["jacobian"].shape
(2, 2)
>>> derive("softmax-jacobian", m=2)
Traceback (most recent call last):
...
symnn.errors.ParameterError: parameter 'm': got 2, expected one of the parameters of \
softmax-jacobian: n
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from symnn.core.params import REQUIRED, Parameter
from symnn.errors import ParameterError, UnknownIdError

KINDS = ("derivation", "experiment")
# The order of the problem catalogue (shared/PROBLEMS.md); ids not listed come last.
CATALOGUE_ORDER = (
    "softmax-limit", "softmax-shift-invariance", "softmax-argmax", "softmax-jacobian",
    "softmax-cross-entropy-gradient", "softmax-stability", "leaky-relu-gaussian-moments",
    "sigmoid-identities", "parity-not-linear", "two-layer-relu-gradients", "network-gradients",
    "gd-convergence-quadratic", "newton-one-step", "box-function", "universal-approximation",
    "activation-necessity", "affine-as-linear", "relu-rescaling", "relu-vs-sigmoid",
    "convex-local-min-global", "mse-convex", "nn-nonconvex", "forward-pass",
    "batchnorm-batch-one", "logistic-separable", "hopfield-lyapunov",
    "mnist-early-stopping", "fashion-cnn", "fashion-mlp", "fashion-ffnn-sgd", "manual-backprop",
)
_MODULES = ("symnn.derivations", "symnn.experiments")


@dataclass(frozen=True)
class CatalogEntry:
    """One id of the catalogue: what it is, where the sheets ask for it, its parameters."""

    id: str
    kind: str
    title: str
    sheets: tuple[tuple[str, str], ...]
    parameters: tuple[Parameter, ...]
    factory: Callable[..., Any]

    def parameter(self, name: str, value: Any = None) -> Parameter:
        """The declared parameter ``name`` or a :class:`ParameterError` (showing ``value``)."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "(none)"
        raise ParameterError(name, value, f"one of the parameters of {self.id}: {known}")

    def coerce(self, given: dict[str, Any]) -> dict[str, Any]:
        """Every declared parameter's value: coerced if given, else its default."""
        for name, value in given.items():
            self.parameter(name, value)
        values: dict[str, Any] = {}
        for parameter in self.parameters:
            if parameter.name in given:
                values[parameter.name] = parameter.coerce(given[parameter.name])
            elif parameter.default is REQUIRED:
                raise ParameterError(parameter.name, None, f"a value ({parameter.kind.expected})")
            elif parameter.default is None:
                values[parameter.name] = None
            else:
                values[parameter.name] = parameter.coerce(parameter.default)
        return values


_ENTRIES: dict[str, CatalogEntry] = {}
def register(
    id: str,
    *,
    title: str,
    sheets: Iterable[tuple[str, str]],
    parameters: Iterable[Parameter] = (),
    kind: str = "derivation",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``factory(**parameters)`` under ``id``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")

    def decorate(factory: Callable[..., Any]) -> Callable[..., Any]:
        if id in _ENTRIES and _ENTRIES[id].factory is not factory:
            raise ValueError(f"id {id!r} is registered twice")
        _ENTRIES[id] = CatalogEntry(id, kind, title, tuple(sheets), tuple(parameters), factory)
        return factory

    return decorate


def _load() -> None:
    for module in _MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


def catalog(kind: str | None = None) -> list[str]:
    """Every registered id (of one ``kind``, if given), in catalogue order."""
    _load()
    rank = {name: position for position, name in enumerate(CATALOGUE_ORDER)}
    ids = sorted(_ENTRIES, key=lambda name: (rank.get(name, len(rank)), name))
    return [key for key in ids if kind is None or _ENTRIES[key].kind == kind]


def entry(id: str) -> CatalogEntry:
    """The :class:`CatalogEntry` of ``id``, or :class:`UnknownIdError` listing the known ids."""
    _load()
    if id not in _ENTRIES:
        raise UnknownIdError("id", id, list(_ENTRIES))
    return _ENTRIES[id]


def derive(id: str, **parameters: Any) -> Any:
    """Derive ``id`` with the given parameters; returns a :class:`~symnn.core.derivation.Derivation`."""
    item = entry(id)
    if item.kind != "derivation":
        raise UnknownIdError("derivation", id, catalog("derivation"))
    values = item.coerce(parameters)
    return item.factory(**values)

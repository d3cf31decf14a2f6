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
from symnn.errors import CertificationError, ParameterError, ResourceError, UnknownIdError

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

    def too_large(self, given: dict[str, Any], what: str) -> ResourceError:
        """A :class:`ResourceError` saying that ``what`` ran out, naming the size parameters given."""
        sized = [p for p in self.parameters if p.name in given]
        if sized:
            named = "; ".join(f"{p.name}={_shown(given[p.name])} (allowed: {bound_of(p)})" for p in sized)
            hint = f"the size comes from {named}: try smaller values"
        else:
            hint = "with the default parameters"
        return ResourceError(f"{self.id}: {what}; {hint}")


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:30] + "..." + text[-6:]


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
    return within_budget(item, parameters, lambda: item.factory(**values))


def within_budget(item: CatalogEntry, given: dict[str, Any], work: Callable[[], Any]) -> Any:
    """``work()``, its time-out or memory exhaustion re-raised as a one-line :class:`ResourceError`.

    The message names the parameters given to ``item`` (the ones that make the work large)
    with their bounds.

    >>> within_budget(entry("softmax-jacobian"), {"n": "12"}, lambda: bytearray(2**62))
    Traceback (most recent call last):
    ...
    symnn.errors.ResourceError: softmax-jacobian: out of memory; the size comes from n=12 \
(allowed: an integer from 1 to 40, or a symbol): try smaller values
    """
    try:
        return work()
    except CertificationError as error:
        if "did not finish within" not in str(error):
            raise
        raise item.too_large(given, str(error)) from error
    except (MemoryError, OverflowError) as error:
        raise item.too_large(given, "out of memory" if isinstance(error, MemoryError)
                             else f"a number too large to compute with ({error})") from error


BOUNDS_INTRODUCTION = """\
# Parameter bounds

Generated from the registry by `python -m symnn.core.registry > docs/bounds.md`; a test
keeps it current. Every parameter of every derivation has a bound, checked while its
value is read, before any derivation work starts: a value outside it is refused with one
line naming the parameter and the bound. The bounds keep each derivation within its
routes' time budget and far below the 2 GiB address-space limit under which `symnn derive`,
`check`, `report` and `notebook` run (a derivation that still runs out of time or memory
says which parameters made it large). Symbol names are ASCII (`[A-Za-z][A-Za-z0-9_]*`) and
not one of `nan, inf, infinity, none, null` (any case) or `oo, zoo, I, pi, E, S, N, O, Q`;
numbers have at most 200 digits and exponents at most 200; NaN and infinities are refused.
The names in `matrix-gradient`'s `shapes` and `wrt` are labels of matrices and sizes,
never SymPy symbols: `S`, `N`, `O` and `Q` are names like any other there; the matrix
reader's constants (`pi`, `E`, `e`, `I`, `oo`, `zoo`, `nan`, `NaN`, `inf`, `Infinity`)
and its function names are refused.

| id | parameter | kind | bound |
|---|---|---|---|
"""


def bound_of(parameter: Parameter) -> str | None:
    """The bound of ``parameter``'s values: its kind's, or the finite list of its ``options``."""
    options = getattr(parameter.kind, "options", None)
    if parameter.kind.bound() is None and options:
        return "one of " + ", ".join(options)
    return parameter.kind.bound()


def bounds_markdown(kind: str = "derivation") -> str:
    """The table of every parameter's bound (``docs/bounds.md``), from the registry.

    >>> print(next(line for line in bounds_markdown().splitlines() if "`n` | PositiveInteger" in line))
    | softmax-shift-invariance | `n` | PositiveInteger | an integer from 1 to 40, or a symbol |
    """
    rows = []
    for id in catalog(kind):
        for parameter in entry(id).parameters:
            bound = (bound_of(parameter) or "unbounded").replace("|", "\\|")
            rows.append(f"| {id} | `{parameter.name}` | {type(parameter.kind).__name__} | {bound} |")
    return BOUNDS_INTRODUCTION + "\n".join(rows) + "\n"


if __name__ == "__main__":  # run as a script, this file is a second module: use the real one
    from symnn.core import registry

    print(registry.bounds_markdown(), end="")

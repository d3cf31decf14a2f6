"""symnn: the mathematics of introductory neural-network courses, derived by SymPy.

Each problem of the exercise sheets has a stable id. A derivation is built by SymPy step
by step, renders itself as LaTeX and cross-checks itself against an independent numeric
method::

    import symnn
    symnn.catalog()                              # every id
    d = symnn.derive("softmax-jacobian", n=3)
    d.result["jacobian"]                         # a SymPy Matrix
    d.latex()                                    # statement, numbered steps, boxed result
    d.check().ok                                 # numeric cross-check

The public names are loaded lazily, so ``import symnn.sim`` (the NumPy simulator) does
not import SymPy.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["CatalogEntry", "Derivation", "SymnnError", "catalog", "derive", "entry", "grade"]

_LAZY = {
    "catalog": "symnn.core.registry",
    "derive": "symnn.core.registry",
    "entry": "symnn.core.registry",
    "CatalogEntry": "symnn.core.registry",
    "Derivation": "symnn.core.derivation",
    "SymnnError": "symnn.errors",
    "grade": "symnn.grading",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'symnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])

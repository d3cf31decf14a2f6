"""The derivations, one module per topic; importing this package registers them all.

Every public module of this package (a name without a leading underscore) is imported,
and each registers its ids with :func:`symnn.core.registry.register`.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

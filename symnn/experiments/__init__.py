"""The sheets' training experiments, run by the NumPy simulator on the real datasets.

Each experiment module registers one experiment id (``kind="experiment"``) in the
catalogue; importing this package imports them all. :func:`run` runs one and writes its
output directory::

    import symnn.experiments as ex
    metrics = ex.run("fashion-mlp", quick=True, out="out/fashion-mlp")
    metrics["test_accuracy"], metrics["epochs_run"], metrics["history"]["test_loss"]

The command line is ``symnn train EXPERIMENT [--data-dir DIR] [--epochs N] [--seed S]
[--out DIR] [--param NAME=VALUE ...] [--quick] [--no-progress] [--restart]``. Every epoch is checkpointed into
the output directory, and the same call on an unfinished run resumes it
(:mod:`symnn.experiments.rundir`); ``docs/experiments.md`` describes what each
experiment reports.
"""

import importlib
import pkgutil

from symnn.experiments.common import Context, run, without_timing

__all__ = ["Context", "run", "without_timing"]

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name not in ("cli", "results"):
        importlib.import_module(f"{__name__}.{_module.name}")

"""homework-1 Q4: every hand-written backward pass against central differences.

:func:`symnn.sim.gradcheck.manual_backprop_table` runs each operation of the simulator
(matmul, bias, the activations, the losses, convolution, pooling, normalization,
dropout, flatten, weight decay and a whole small network) forward in float64, takes
its hand-written backward pass, and compares it with central differences
(h = 1e-6). The relative error in the max norm of every operation must be at most
``TOLERANCE``. Reported: the table (``errors``), the worst error, whether all pass,
and a bar plot on a log scale. No data and no training are needed.
"""

from __future__ import annotations

from typing import Any

from symnn.core.registry import register
from symnn.experiments.common import Context, experiment_parameters
from symnn.experiments.plots import bar_plot

TOLERANCE = 1e-6


@register(
    "manual-backprop",
    kind="experiment",
    title="Hand-written back-propagation checked against finite differences",
    sheets=[("homework-1", "Q4")],
    parameters=experiment_parameters(None),
)
def manual_backprop(ctx: Context) -> dict[str, Any]:
    """The table of maximum relative errors, one per operation."""
    from symnn.sim.gradcheck import manual_backprop_table

    table = manual_backprop_table(seed=ctx.seed)
    worst = max(table, key=table.__getitem__)
    ok = all(error <= TOLERANCE for error in table.values())
    ctx.figure(
        "relative_errors.png", bar_plot, list(table), list(table.values()),
        ylabel="max relative error", log=True, line=TOLERANCE,
        title=f"Backward passes against central differences (float64; dashed: {TOLERANCE:g})",
    )  # fmt: skip
    ctx.say(f"{len(table)} operations, worst {worst} {table[worst]:.2e}: {'pass' if ok else 'FAIL'}")
    return {
        "test_accuracy": None,
        "epochs_run": 0,
        "history": {},
        "errors": table,
        "max_error": table[worst],
        "worst_operation": worst,
        "tolerance": TOLERANCE,
        "all_pass": ok,
        "config": {"dtype": "float64", "step": 1e-6, "operations": len(table)},
    }

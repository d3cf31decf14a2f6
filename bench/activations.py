"""Wall time of the activation engines, one row per case, against their targets.

Run ``python bench/activations.py`` (or ``python bench/activations.py gelu silu`` for some
activations only). Every activation of the table is derived by
``activation-gaussian-moments`` at N(0, 1), at N(1/2, 3/2^2), at N(0, 2^2), with symbolic
sigma and with symbolic mu, sigma; a
case whose results are all closed forms has the target 2 s, a case with a numeric (30-digit
mpmath) result or an integral left symbolic 3 s.
``activation-calculus`` and ``initialization-variance`` (derivation only, no simulation)
are timed too. ``python bench/activations.py --catalogue`` instead derives and checks the whole
catalogue with its defaults in one process (as ``bench/derive.py`` does) and prints the four
ids of the activation engine and ``leaky-relu-gaussian-moments`` (the sheet id on the same
moment engine), derive, check, wall and CPU seconds, against their joint target of 1.3 s.
Figures are wall-clock seconds on a shared machine (the first case also pays for imports):
treat differences under 1.2x as noise; the CPU column shows the work.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

TARGETS = {"closed form": 2.0, "numeric": 3.0, "activation ids in the catalogue": 1.3}
ENGINE_IDS = ("leaky-relu-gaussian-moments", "activation-calculus", "activation-gaussian-moments",
              "activation-table", "initialization-variance")


def catalogue() -> None:
    """The ids of the engine, in the catalogue run of ``bench/derive.py`` (one process)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import derive as bench

    import symnn

    print(bench.machine())
    rows = {}
    for name in symnn.catalog("derivation"):
        derived, checked, cpu, _, ok = bench.time_one(name, {})
        if name in ENGINE_IDS:
            rows[name] = (derived, checked, cpu, ok)
    print(f"{'id':30} {'derive':>8} {'check':>8} {'total':>8} {'cpu':>8}  verdict")
    for name, (derived, checked, cpu, ok) in rows.items():
        print(f"{name:30} {derived:8.3f} {checked:8.3f} {derived + checked:8.3f} {cpu:8.3f}  "
              f"{'ok' if ok else 'CHECK FAILED'}")
    wall = sum(d + c for d, c, _, _ in rows.values())
    cpu = sum(row[2] for row in rows.values())
    target = TARGETS["activation ids in the catalogue"]
    print(f"activation ids (defaults, in the catalogue run): {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"(target <= {target:g} s: wall {'met' if wall <= target else 'NOT met'}, "
          f"CPU {'met' if cpu <= target else 'NOT met'})")


def main() -> None:
    if sys.argv[1:] == ["--catalogue"]:
        catalogue()
        return
    import symnn
    from symnn.activation_analysis.table import TABLE

    names = sys.argv[1:] or list(TABLE)
    symnn.derive("activation-gaussian-moments", activation="relu")  # imports and caches
    print(f"{'id':30} {'activation':11} {'parameters':18} {'seconds':>8} {'kind':12} target")
    slow = 0
    for name in names:
        for params in ({}, {"mu": "1/2", "sigma": "3/2"}, {"sigma": "2"}, {"sigma": "sigma"},
                       {"mu": "mu", "sigma": "sigma"}):
            start = time.perf_counter()
            d = symnn.derive("activation-gaussian-moments", activation=name, **params)
            seconds = time.perf_counter() - start
            kind = "closed form" if bool(d.result["closed_form"]) else "numeric"
            ok = seconds < TARGETS[kind]
            slow += not ok
            shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "N(0, 1)"
            print(f"{'activation-gaussian-moments':30} {name:11} {shown:18} {seconds:8.2f} {kind:12} "
                  f"< {TARGETS[kind]:g} s {'ok' if ok else 'SLOW'}")
    for id in ("activation-calculus", "initialization-variance"):
        for name in names:
            start = time.perf_counter()
            symnn.derive(id, activation=name)
            print(f"{id:30} {name:11} {'':18} {time.perf_counter() - start:8.2f}")
    print(f"moment cases over target: {slow}")


if __name__ == "__main__":
    main()

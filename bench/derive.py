"""Wall time of every derivation and its cross-check, and how it grows with the result.

Run ``python bench/derive.py`` (``--quick`` skips the largest point of each family and the
command-line timing; ``--scale-only`` prints only the machine and the scale table). Prints:

1. the machine (CPU model, cores, load average, Python, SymPy, NumPy);
2. one row per catalogue id with its defaults (derive, check, total, steps), all in one
   process, the softmax family's total and the whole catalogue's, each against its target;
3. a scale table per family: each size derived and checked in a fresh process (imports and
   the catalogue loaded before the clock starts), the number of expression nodes the
   derivation writes (every step's two sides and every result, counted once each), the
   seconds, and the growth exponent ``b`` of ``seconds ~ nodes^b`` fitted by least squares
   over the family's points, against the target ``b <= 1.2`` and the family's time target
   (the CPU seconds of the process are printed beside the wall seconds: on a loaded machine
   they show the work itself);
4. the wall time of ``symnn derive softmax-jacobian --param n=4 --latex`` with start-up.

New engines join the scale table by adding a :class:`Family` to ``FAMILIES`` (a name, the
id, the sizes, a function from size to parameters, an optional target for the largest
size, and, where nodes do not measure the work, a size of its own). Figures are wall-clock
seconds on a shared machine: treat differences under 1.2x as noise.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGETS = {"softmax family": 3.0, "each derivation": 2.0, "catalogue": 6.0, "cli start-up": 2.0,
           "growth exponent": 1.2}
EXTRA_CASES = [
    ("softmax-jacobian", {"n": 4}),
    ("softmax-jacobian", {"n": "n"}),
    ("softmax-cross-entropy-gradient", {"one_hot": True}),
]
POINT_TIMEOUT = 300.0


def _integers(count: int, seed: int = 13) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(-20, 20) for _ in range(count)]


def _examples(count: int) -> dict[str, str]:
    """``count`` examples for the two-layer network, one decimal each (exact after parsing)."""
    rng = random.Random(count)
    rows = [[rng.randint(-10, 10) / 10, rng.randint(-10, 10) / 10] for _ in range(count)]
    targets = [rng.randint(-10, 10) / 10 for _ in range(count)]
    return {"X": json.dumps(rows), "t": json.dumps(targets)}


def _network(count: int) -> dict[str, str]:
    """A 2-3-1 ReLU network with exact weights and ``count`` examples, for ``network-gradients``."""
    rng = random.Random(count)
    rows = [[rng.randint(-10, 10) / 10, rng.randint(-10, 10) / 10] for _ in range(count)]
    targets = [rng.randint(-10, 10) / 10 for _ in range(count)]
    return {"sizes": "[2, 3, 1]", "activations": "[relu, identity]", "X": json.dumps(rows),
            "t": json.dumps(targets), "W1": "[[0.5, -0.3, 0.8], [0.2, 0.7, -0.6]]",
            "b1": "[0.1, -0.2, 0.05]", "W2": "[[0.4], [-0.9], [0.3]]", "b2": "[0.1]"}


def _least_squares(n: int) -> dict[str, Any]:
    """``matrix-gradient`` of least squares with X of n x n."""
    return {"f": "norm(X*w - y)^2/2", "wrt": "w", "shapes": [["X", n, n], ["w", n, 1], ["y", n, 1]]}


@dataclass(frozen=True)
class Family:
    """One row group of the scale table: ``id`` derived at ``params(size)`` for each size."""

    name: str
    id: str
    sizes: tuple[Any, ...]
    params: Callable[[Any], dict[str, Any]]
    target: tuple[Any, float] | None = None  # (size, seconds derived and checked) to meet
    work: Callable[[Any], int] | None = None  # the size to fit against, when not the nodes


FAMILIES = [
    Family("softmax-jacobian n", "softmax-jacobian", (8, 16, 32), lambda n: {"n": n}, (32, 2.0)),
    Family("softmax-limit entries", "softmax-limit", (25, 50, 100), lambda n: {"z": _integers(n)},
           (100, 1.0)),
    Family("relu-rescaling sizes", "relu-rescaling", ((2, 3, 2), (3, 5, 4, 3), (4, 8, 6, 4)),
           lambda s: {"sizes": list(s)}, ((3, 5, 4, 3), 1.0)),
    Family("parity-not-linear d (work: 2^d points)", "parity-not-linear", (10, 12, 14),
           lambda d: {"d": d}, None, lambda d: 2**d),
    Family("two-layer-relu-gradients examples", "two-layer-relu-gradients", (16, 64, 128),
           _examples, (128, 3.0)),
    Family("network-gradients examples (2-3-1 ReLU)", "network-gradients", (16, 64, 128), _network,
           (128, 3.0)),
    Family("matrix-gradient least squares n (work: n^2 entries)", "matrix-gradient", (4, 16, 64),
           _least_squares, (64, 2.0), lambda n: n * n),  # the rule is proved once for symbolic sizes
]


def nodes(value: Any) -> int:
    """Expression nodes in ``value`` (a SymPy object, a matrix, or a container of them)."""
    import sympy as sp

    if isinstance(value, sp.MatrixBase):
        return sum(nodes(entry) for entry in value)
    if isinstance(value, (list, tuple)):
        return sum(nodes(item) for item in value)
    if isinstance(value, sp.Basic):
        return sum(1 for _ in sp.preorder_traversal(value))
    return 1


def written_nodes(derivation: Any) -> int:
    """Nodes of everything a derivation writes: both sides of each step and each result."""
    return (sum(nodes(step.before) + nodes(step.after) for step in derivation.steps)
            + sum(nodes(value) for value in derivation.result.values()))


def time_one(name: str, params: dict[str, object]) -> tuple[float, float, float, int, bool]:
    """Seconds to derive and to check ``name``, CPU seconds of both, steps, check verdict."""
    import symnn

    start, cpu = time.perf_counter(), time.process_time()
    derivation = symnn.derive(name, **params)
    derived = time.perf_counter()
    report = derivation.check()
    return (derived - start, time.perf_counter() - derived, time.process_time() - cpu,
            len(derivation.steps), report.ok)


def point(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """One scale point in this (fresh) process: seconds derived and checked, nodes, verdict."""
    import symnn

    symnn.catalog()  # imports outside the clock
    start, cpu = time.perf_counter(), time.process_time()
    derivation = symnn.derive(name, **params)
    ok = derivation.check().ok
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "nodes": written_nodes(derivation), "ok": ok}


def fresh_point(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """:func:`point` in a subprocess (a fresh interpreter: no SymPy cache carried over)."""
    command = [sys.executable, str(Path(__file__)), "--point", name, json.dumps(params)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=POINT_TIMEOUT,
                              env=dict(os.environ), check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": math.inf, "cpu": math.inf, "nodes": 0, "ok": False,
                "error": f"over {POINT_TIMEOUT:.0f} s"}
    if done.returncode != 0:
        lines = (done.stderr.strip() or "no output").splitlines()
        return {"seconds": math.inf, "cpu": math.inf, "nodes": 0, "ok": False, "error": lines[-1][:80]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def growth_exponent(sizes: list[float], seconds: list[float]) -> float:
    """Least-squares slope of ``log seconds`` against ``log size``."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else math.nan


def _verdict(seconds: float, cpu: float, target: float) -> str:
    wall = "met" if seconds < target else "NOT met"
    return f"target < {target:g} s: wall {wall}, CPU {'met' if cpu < target else 'NOT met'}"


def scale_table(quick: bool) -> None:
    """Print each family's points (fresh process each) and its fitted growth exponents."""
    print(f"\nscale (fresh process per point; seconds = derive + check, wall and CPU; exponent b of "
          f"seconds ~ size^b, target b <= {TARGETS['growth exponent']})")
    print(f"{'family':40} {'size':>14} {'nodes':>9} {'wall s':>8} {'cpu s':>8}  verdict")
    for family in FAMILIES:
        sizes = family.sizes[:-1] if quick else family.sizes
        fitted: list[tuple[float, float, float]] = []
        for size in sizes:
            result = fresh_point(family.id, family.params(size))
            shown = "x".join(map(str, size)) if isinstance(size, tuple) else str(size)
            verdict = "ok" if result["ok"] else ("FAILED " + result.get("error", "check"))
            if family.target and size == family.target[0]:
                verdict += f" ({_verdict(result['seconds'], result['cpu'], family.target[1])})"
            print(f"{family.name:40} {shown:>14} {result['nodes']:>9} {result['seconds']:8.2f} "
                  f"{result['cpu']:8.2f}  {verdict}")
            if result["ok"]:
                work = family.work(size) if family.work else result["nodes"]
                fitted.append((work, result["seconds"], result["cpu"]))
        if len(fitted) >= 2:
            works = [w for w, _, _ in fitted]
            wall = growth_exponent(works, [s for _, s, _ in fitted])
            cpu = growth_exponent(works, [c for _, _, c in fitted])
            limit = TARGETS["growth exponent"]
            against = "work" if family.work else "nodes"
            print(f"{'':40} {'growth exponent':>14} vs {against}: b = {wall:.2f} wall "
                  f"({'met' if wall <= limit else 'NOT met'}), {cpu:.2f} CPU "
                  f"({'met' if cpu <= limit else 'NOT met'})")


def cli_seconds(repeats: int) -> float:
    """Best wall time of the command line deriving the n = 4 Jacobian as LaTeX."""
    command = [sys.executable, "-m", "symnn", "derive", "softmax-jacobian", "--param", "n=4", "--latex"]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=dict(os.environ))
        best = min(best, time.perf_counter() - start)
    return best


def machine() -> str:
    """CPU model, cores, load, Python, SymPy and NumPy versions."""
    import numpy
    import sympy

    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor() or "unknown CPU")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    return (f"machine: {cpu}, {os.cpu_count()} cores, load average {load:.1f} (other processes add "
            f"noise); Python {platform.python_version()}, SymPy {sympy.__version__}, "
            f"NumPy {numpy.__version__}")


def catalogue_table() -> None:
    """Every id with its defaults, in one process, against the per-derivation targets."""
    start_import = time.perf_counter()
    import symnn

    ids = symnn.catalog("derivation")
    print(f"import symnn + catalogue: {time.perf_counter() - start_import:.2f} s, {len(ids)} derivations")
    print(f"{'id':34} {'params':22} {'derive':>8} {'check':>8} {'total':>8} {'cpu':>8} {'steps':>5}  verdict")
    totals = {"softmax family": 0.0, "catalogue": 0.0}
    cpu_totals = dict(totals)
    failures = []
    for name, params in [(name, {}) for name in ids] + EXTRA_CASES:
        derive_s, check_s, cpu, steps, ok = time_one(name, params)
        total = derive_s + check_s
        if not params:
            for key in ("catalogue", "softmax family") if name.startswith("softmax") else ("catalogue",):
                totals[key] += total
                cpu_totals[key] += cpu
        within = total <= TARGETS["each derivation"]
        verdict = ("ok" if ok else "CHECK FAILED") + ("" if within else " SLOW")
        if not (ok and within):
            failures.append(name)
        shown = ",".join(f"{k}={v}" for k, v in params.items()) or "defaults"
        print(f"{name:34} {shown:22} {derive_s:8.3f} {check_s:8.3f} {total:8.3f} {cpu:8.3f} {steps:5d}  "
              f"{verdict}")
    for key in ("softmax family", "catalogue"):
        print(f"{key} (defaults, one process, derived and checked): {totals[key]:.2f} s wall, "
              f"{cpu_totals[key]:.2f} s CPU ({_verdict(totals[key], cpu_totals[key], TARGETS[key])})")
    if failures:
        print("over target or failing:", ", ".join(failures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="command-line runs (best is kept)")
    parser.add_argument("--quick", action="store_true", help="skip the largest sizes and the CLI timing")
    parser.add_argument("--scale-only", action="store_true", help="only the scale table")
    parser.add_argument("--point", nargs=2, metavar=("ID", "PARAMS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.point:
        print(json.dumps(point(args.point[0], json.loads(args.point[1]))))
        return 0
    print(machine())
    if not args.scale_only:
        catalogue_table()
    scale_table(args.quick)
    if not (args.quick or args.scale_only):
        cli = cli_seconds(args.repeats)
        print(f"\nsymnn derive softmax-jacobian --param n=4 --latex: {cli:.2f} s wall including start-up "
              f"(best of {args.repeats}; target < {TARGETS['cli start-up']:.0f} s): "
              f"{'met' if cli < TARGETS['cli start-up'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

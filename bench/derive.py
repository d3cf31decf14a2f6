"""Wall time of every derivation and its cross-check, in one process.

Run ``python bench/derive.py``. Prints one row per id (derive, check, total, steps), the
total of the softmax family and of the whole catalogue, and the wall time of
``symnn derive softmax-jacobian --param n=4 --latex`` including interpreter start-up,
each against its target. Figures are wall-clock seconds on a shared machine: treat
differences under 1.2x as noise.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

TARGETS = {"softmax family": 3.0, "each derivation": 2.0, "cli start-up": 2.0}
EXTRA_CASES = [
    ("softmax-jacobian", {"n": 4}),
    ("softmax-jacobian", {"n": "n"}),
    ("softmax-cross-entropy-gradient", {"one_hot": True}),
]


def time_one(name: str, params: dict[str, object]) -> tuple[float, float, int, bool]:
    """Seconds to derive and to check ``name``; number of steps; whether the check passed."""
    import symnn

    start = time.perf_counter()
    derivation = symnn.derive(name, **params)
    derived = time.perf_counter()
    report = derivation.check()
    return derived - start, time.perf_counter() - derived, len(derivation.steps), report.ok


def cli_seconds(repeats: int) -> float:
    """Best wall time of the command line deriving the n = 4 Jacobian as LaTeX."""
    command = [sys.executable, "-m", "symnn", "derive", "softmax-jacobian", "--param", "n=4", "--latex"]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=dict(os.environ))
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="command-line runs (best is kept)")
    args = parser.parse_args()
    start_import = time.perf_counter()
    import symnn

    ids = symnn.catalog("derivation")
    print(f"import symnn + catalogue: {time.perf_counter() - start_import:.2f} s, {len(ids)} derivations")
    print(f"{'id':34} {'params':22} {'derive':>8} {'check':>8} {'total':>8} {'steps':>5}  verdict")
    cases = [(name, {}) for name in ids] + EXTRA_CASES
    totals: dict[str, float] = {"softmax family": 0.0, "catalogue": 0.0}
    failures = []
    for name, params in cases:
        derive_s, check_s, steps, ok = time_one(name, params)
        total = derive_s + check_s
        if not params:
            totals["catalogue"] += total
            if name.startswith("softmax"):
                totals["softmax family"] += total
        within = total <= TARGETS["each derivation"]
        verdict = ("ok" if ok else "CHECK FAILED") + ("" if within else " SLOW")
        if not (ok and within):
            failures.append(name)
        shown = ",".join(f"{k}={v}" for k, v in params.items()) or "defaults"
        print(f"{name:34} {shown:22} {derive_s:8.3f} {check_s:8.3f} {total:8.3f} {steps:5d}  {verdict}")
    family = totals["softmax family"]
    print(f"softmax family (defaults): {family:.2f} s (target < {TARGETS['softmax family']:.0f} s): "
          f"{'met' if family < TARGETS['softmax family'] else 'NOT met'}")
    print(f"whole catalogue derived and checked in one process: {totals['catalogue']:.2f} s")
    cli = cli_seconds(args.repeats)
    print(f"symnn derive softmax-jacobian --param n=4 --latex: {cli:.2f} s wall including start-up "
          f"(best of {args.repeats}; target < {TARGETS['cli start-up']:.0f} s): "
          f"{'met' if cli < TARGETS['cli start-up'] else 'NOT met'}")
    if failures:
        print("over target or failing:", ", ".join(failures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time the textbook matrix gradients: derived (every rule and the whole result certified) and checked.

Run ``python bench/matrix_calculus.py``. Each case runs in a fresh process (so no rule
certificate is cached from an earlier case; the catalogue is loaded before the clock starts)
and prints the seconds to derive, to check,
the total, the process CPU seconds, and the target (2 s per case, judged on wall time, and on
CPU time when the machine is loaded: the load average is printed). Treat differences under
1.2x as noise.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import sympy

TARGET = 2.0
CASES = [
    ("least squares", "norm(X*w - y)^2/2", "w", [["X", 5, 3], ["w", 3, 1], ["y", 5, 1]]),
    ("least squares, sizes m, n", "norm(X*w - y)^2/2", "w", [["X", "m", "n"], ["w", "n", 1], ["y", "m", 1]]),
    ("trace", "tr(A*B)", "A", [["A", "m", "n"], ["B", "n", "m"]]),
    ("quadratic form", "transpose(w)*S*w", "w", [["S", "n", "n"], ["w", "n", 1]]),
    ("ReLU layer", "sum(relu(X*W)*v)", "W", [["X", 4, 3], ["W", 3, 2], ["v", 2, 1]]),
    ("sigmoid layer", "sum(sigmoid(X*W))", "W", [["X", "m", "n"], ["W", "n", "k"]]),
    ("log-determinant", "log(det(S))", "S", [["S", "n", "n"]]),
    ("sigmoid and ReLU terms", "sum(sigmoid(X*w)) + sum(relu(X*w))", "w", [["X", 5, 3], ["w", 3, 1]]),
]
CHILD = """
import json, sys, time
import symnn
f, wrt, shapes = json.loads(sys.argv[1])
symnn.catalog()  # load the catalogue first: a one-time cost of the library, not of the case
start, cpu = time.perf_counter(), time.process_time()
d = symnn.derive("matrix-gradient", f=f, wrt=wrt, shapes=shapes)
derived = time.perf_counter()
ok = d.check().ok
print(json.dumps([derived - start, time.perf_counter() - derived, time.process_time() - cpu, ok]))
"""


def main() -> int:
    """Print one row per case and whether every case met the target."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {load:.1f}, Python {platform.python_version()}, SymPy {sympy.__version__}")
    loaded = load > (os.cpu_count() or 1)
    print(f"{'case':28} {'derive s':>9} {'check s':>8} {'total s':>8} {'cpu s':>6}  target {TARGET:g} s"
          + (" (judged on CPU time: the machine is loaded)" if loaded else ""))
    met = True
    for name, f, wrt, shapes in CASES:
        run = subprocess.run([sys.executable, "-c", CHILD, json.dumps([f, wrt, shapes])],
                             capture_output=True, text=True)  # fmt: skip
        if run.returncode != 0:  # refused or crashed: say so in its row, go on with the others
            last = (run.stderr.strip().splitlines() or ["no message"])[-1]
            print(f"{name:28} {'-':>9} {'-':>8} {'-':>8} {'-':>6}  REFUSED: {last[:120]}")
            met = False
            continue
        derive_s, check_s, cpu_s, ok = json.loads(run.stdout.strip().splitlines()[-1])
        total = derive_s + check_s
        within = (cpu_s if loaded else total) < TARGET
        met = met and ok and within
        verdict = "met" if ok and within else ("check FAILED" if not ok else "MISSED")
        print(f"{name:28} {derive_s:9.2f} {check_s:8.2f} {total:8.2f} {cpu_s:6.2f}  {verdict}")
    print("every case within target" if met else "some cases missed the target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

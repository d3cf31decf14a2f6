"""Wall time of certified back-propagation: the sheet's network, exact larger networks, symbolic.

Run ``python bench/networks.py``. Prints, for each family, one row per size: the weights,
the examples, the seconds to derive and certify (wall and CPU), the seconds of the numeric
cross-check (wall), and the fitted growth exponent of the derive-and-certify wall time
against the size, each against its target (derived and certified, the check not included):

* ``two-layer-relu-gradients`` with 16 / 64 / 128 examples (target < 3 s at 128);
* ``network-gradients`` with exact rational data, 64 examples, ReLU networks of growing
  width up to <= 1,000 weights (target < 10 s at the largest);
* a symbolic 2-3-2-1 network (tanh, sigmoid, identity; target < 5 s).

The rules of the layer maps are SymPy matrix derivatives computed once per process; a
warm-up derivation (reported on its own line) pays for them before the tables.

Figures are wall-clock seconds on a shared machine: treat differences under 1.2x as noise.
"""

from __future__ import annotations

import argparse
import math
import random
import time


def timed(name: str, params: dict[str, object]) -> tuple[float, float, float, bool]:
    """Seconds to derive and certify (wall, CPU), seconds to check (wall); whether it passed."""
    import symnn

    start, cpu = time.perf_counter(), time.process_time()
    derivation = symnn.derive(name, **params)
    derived, derived_cpu = time.perf_counter(), time.process_time()
    report = derivation.check()
    return derived - start, derived_cpu - cpu, time.perf_counter() - derived, report.ok


def rows(m: int, n: int, rng: random.Random) -> list[list[str]]:
    """``m`` rows of ``n`` decimals with two digits in [-2, 2] (read exactly)."""
    return [[f"{rng.randint(-200, 200) / 100}" for _ in range(n)] for _ in range(m)]


def sheet_case(m: int) -> dict[str, object]:
    """The sheet's weights with ``m`` seeded examples."""
    rng = random.Random(m)
    return {"X": rows(m, 2, rng), "t": rows(1, m, rng)[0]}


def exact_case(width: int, m: int = 64) -> tuple[dict[str, object], int]:
    """A seeded [width, width, 4] ReLU network with ``m`` examples, and its number of weights."""
    rng = random.Random(width)
    sizes = [width, width, 4]
    params: dict[str, object] = {"sizes": sizes, "activations": ["relu", "identity"],
                                 "X": rows(m, width, rng), "t": rows(m, 4, rng)}
    for layer in range(len(sizes) - 1):
        params[f"W{layer + 1}"] = rows(sizes[layer], sizes[layer + 1], rng)
        params[f"b{layer + 1}"] = rows(1, sizes[layer + 1], rng)[0]
    weights = sum(sizes[k] * sizes[k + 1] for k in range(len(sizes) - 1))
    return params, weights


def exponent(sizes: list[float], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) against log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def family(title: str, cases: list[tuple[float, int, int, str, dict[str, object]]], target: float) -> bool:
    """One table: a row per case (size, weights, examples, id, parameters), then the verdict."""
    print(f"\n{title}")
    print(f"{'size':>6} {'weights':>8} {'examples':>9} {'wall':>7} {'cpu':>7} {'check':>7}  verdict")
    sizes, walls = [], []
    for size, weights, examples, name, params in cases:
        wall, cpu, check, ok = timed(name, params)
        sizes.append(size)
        walls.append(wall)
        print(f"{size:>6g} {weights:>8} {examples:>9} {wall:7.2f} {cpu:7.2f} {check:7.2f}  "
              f"{'ok' if ok else 'CHECK FAILED'}")
    met = walls[-1] < target
    growth = f"; growth exponent {exponent(sizes, walls):.2f}" if len(sizes) > 1 else ""
    print(f"largest {walls[-1]:.2f} s (derived and certified, wall) against the target {target:g} s: "
          f"{'met' if met else 'MISSED'}{growth}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="8,16,28", help="input and hidden widths of the exact case")
    args = parser.parse_args()
    import symnn

    symnn.catalog()
    start = time.perf_counter()
    symnn.derive("two-layer-relu-gradients")  # the layer rules are derived once per process
    warm = time.perf_counter() - start
    print(f"warm-up: the sheet's derivation, the layer rules derived once: {warm:.2f} s")
    sheet = [(m, 2 * 3 + 3, m, "two-layer-relu-gradients", sheet_case(m)) for m in (16, 64, 128)]
    results = [family("two-layer-relu-gradients, the sheet's 2-3-1 network (size = examples)", sheet, 3.0)]
    cases = []
    for width in (int(w) for w in args.widths.split(",")):
        params, weights = exact_case(width)
        cases.append((weights, weights, 64, "network-gradients", params))
    results.append(family("network-gradients, exact ReLU network [w, w, 4], 64 examples (size = weights)",
                          cases, 10.0))
    symbolic = {"sizes": [2, 3, 2, 1], "activations": ["tanh", "sigmoid", "identity"]}
    results.append(family("network-gradients, symbolic 2-3-2-1 (size = weights)",
                          [(14, 14, 1, "network-gradients", symbolic)], 5.0))
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Wall time of certified back-propagation: the sheet's network, exact larger networks, symbolic.

Run ``python bench/networks.py``. Prints, for each family, one row per size (derive, check,
total seconds) and the fitted growth exponent of the total against the size, each against
its target:

* ``two-layer-relu-gradients`` with 16 / 64 / 128 examples (target < 3 s at 128);
* ``network-gradients`` with exact rational data, 64 examples, ReLU networks of growing
  width up to <= 1,000 weights (target < 10 s at the largest);
* a symbolic 2-3-2-1 network (tanh, sigmoid, identity; target < 5 s).

Figures are wall-clock seconds on a shared machine: treat differences under 1.2x as noise.
"""

from __future__ import annotations

import argparse
import math
import random
import time

TARGETS = {"two-layer-relu-gradients": (128, 3.0), "exact ReLU network, 64 examples": (None, 10.0),
           "symbolic 2-3-2-1": (None, 5.0)}


def timed(name: str, params: dict[str, object]) -> tuple[float, float, bool]:
    """Seconds to derive and to check; whether the check passed."""
    import symnn

    start = time.perf_counter()
    derivation = symnn.derive(name, **params)
    derived = time.perf_counter()
    report = derivation.check()
    return derived - start, time.perf_counter() - derived, report.ok


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


def family(title: str, cases: list[tuple[float, str, dict[str, object]]], target: float) -> bool:
    print(f"\n{title}")
    print(f"{'size':>8} {'derive':>8} {'check':>8} {'total':>8}  verdict")
    sizes, totals, met = [], [], True
    for size, name, params in cases:
        derive_s, check_s, ok = timed(name, params)
        total = derive_s + check_s
        sizes.append(size)
        totals.append(total)
        print(f"{size:>8g} {derive_s:8.2f} {check_s:8.2f} {total:8.2f}  {'ok' if ok else 'CHECK FAILED'}")
    largest = totals[-1]
    met = largest < target
    growth = f"growth exponent {exponent(sizes, totals):.2f}" if len(sizes) > 1 else ""
    print(f"largest {largest:.2f} s against the target {target:g} s: {'met' if met else 'MISSED'}; {growth}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="4,8,12", help="input and hidden widths of the exact case")
    args = parser.parse_args()
    import symnn

    symnn.catalog()
    results = [family("two-layer-relu-gradients (size = examples)",
                      [(m, "two-layer-relu-gradients", sheet_case(m)) for m in (16, 64, 128)], 3.0)]
    cases = []
    for width in (int(w) for w in args.widths.split(",")):
        params, weights = exact_case(width)
        cases.append((weights, "network-gradients", params))
    results.append(family("network-gradients, exact ReLU network [w, w, 4], 64 examples (size = weights)",
                          cases, 10.0))
    symbolic = {"sizes": [2, 3, 2, 1], "activations": ["tanh", "sigmoid", "identity"]}
    results.append(family("network-gradients, symbolic 2-3-2-1 (size = weights)",
                          [(14, "network-gradients", symbolic)], 5.0))
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

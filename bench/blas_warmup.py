"""Training in a fresh process with and without the once-per-process BLAS warm-up.

    python bench/blas_warmup.py [--quick]

``symnn.sim.train`` multiplies two 512 x 512 matrices once per process before its first
epoch (:mod:`symnn.sim.blas_warmup`): on some machines OpenBLAS runs mid-sized products
two to three times slower until a process has done one such product. Each measurement
here is a new Python process (so nothing has warmed OpenBLAS before ``train``) that
trains one epoch of a model on synthetic MNIST-shaped data; ``SYMNN_BLAS_WARMUP=0``
turns the warm-up off. The two settings alternate, the best of the repeats is kept, and
the ratio is samples/s with the warm-up over samples/s without (the warm-up's own
product is inside the timing). One thread: CPU seconds of the process; two: wall
seconds. Ratios under 1.2x either way count as ties.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIE = 1.2
MODELS = {  # name in train_throughput: samples per run (full run)
    "784-100-10 sigmoid + L2": 3_000,
    "784-256-128-64-10 ReLU b64": 12_800,
    "784-256-128-64-10 ReLU b128": 12_800,
    "CNN conv32-pool-conv64-pool-128-10": 1_280,
}


def child(name: str, samples: int, threads: int) -> None:
    """One fresh process: build the model, train one epoch, print samples/s as JSON."""
    import numpy as np
    from train_throughput import MODELS as BATCHES
    from train_throughput import build_sim

    from symnn.sim import SGD, train

    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    net, loss, lmbda = build_sim(name)
    data = x.reshape(-1, 1, 28, 28) if name.startswith("CNN") else x
    clock = time.process_time if threads == 1 else time.perf_counter
    t0 = clock()
    train(net, loss, SGD(0.01, lmbda=lmbda), data, y, epochs=1, batch_size=BATCHES[name][0], seed=0,
          progress=False)  # fmt: skip
    print(json.dumps({"samples_per_s": samples / (clock() - t0)}))


def measure(name: str, samples: int, threads: int, warm: bool) -> float:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
               SYMNN_BLAS_WARMUP="1" if warm else "0")  # fmt: skip
    out = subprocess.run([sys.executable, __file__, "--child", name, str(samples), str(threads)],
                         env=env, capture_output=True, text=True, check=False)  # fmt: skip
    if out.returncode:
        sys.exit(f"benchmark subprocess for {name!r} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])["samples_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, one repeat")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, samples, threads = args.child
        return child(name, int(samples), int(threads))
    sys.path.insert(0, str(ROOT / "bench"))
    from train_throughput import machine_facts

    start = time.perf_counter()
    print(f"symnn training in fresh processes, with and without the BLAS warm-up, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, {'quick' if args.quick else 'full'} run")  # fmt: skip
    print("\n".join(machine_facts()))
    print("load average at start (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    repeats = 1 if args.quick else 3
    print(f"\nsamples/s of one epoch in a new process, best of {repeats}; ratio = with / without; "
          f"|ratio| < {TIE}x counts as a tie")  # fmt: skip
    print(f"{'model':36s} {'threads':>7s} {'without/s':>10s} {'with/s':>10s} {'ratio':>6s}  verdict")
    for threads in (1, 2):
        for name, samples in MODELS.items():
            samples //= 4 if args.quick else 1
            best = {False: 0.0, True: 0.0}
            for _ in range(repeats):  # alternate, so that load from other processes hits both
                for warm in (False, True):
                    best[warm] = max(best[warm], measure(name, samples, threads, warm))
            ratio = best[True] / best[False]
            word = "faster with it" if ratio >= TIE else "slower with it" if ratio <= 1 / TIE else "tie"
            print(f"{name:36s} {threads:7d} {best[False]:10,.0f} {best[True]:10,.0f} {ratio:5.2f}x  {word}")
    print("load average at end (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"benchmark wall time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

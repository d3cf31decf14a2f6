"""The once-per-process BLAS warm-up: it runs once, can be turned off, and changes no result."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import numpy as np

from symnn.sim import SGD, Quadratic, mlp, train

FRESH_PROCESS = r"""
import json, sys
import numpy as np
from symnn.sim.blas_warmup import warm_up_blas
rng = np.random.default_rng(0)
pairs = [(rng.random((b, i), dtype=dtype), rng.standard_normal((i, o)).astype(dtype))
         for dtype in (np.float32, np.float64)
         for b, i, o in ((10, 784, 100), (64, 784, 256), (128, 256, 128), (3, 5, 7))]
before = [a @ b for a, b in pairs]
first, second = warm_up_blas(), warm_up_blas()
after = [a @ b for a, b in pairs]
print(json.dumps({"first": first, "second": second,
                  "equal": [bool(np.array_equal(x, y)) for x, y in zip(before, after)]}))
"""


def _fresh(env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS], env=env, capture_output=True,
                         text=True, check=True, timeout=120)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_warm_up_runs_once_and_changes_no_product() -> None:
    """In a fresh process: the first call does the product, the second does nothing, and
    products before and after it are equal bit for bit (float32 and float64)."""
    env = {k: v for k, v in os.environ.items() if k != "SYMNN_BLAS_WARMUP"}
    result = _fresh(env)
    assert (result["first"], result["second"]) == (True, False)
    assert all(result["equal"]) and len(result["equal"]) == 8


def test_the_warm_up_can_be_turned_off() -> None:
    result = _fresh(dict(os.environ, SYMNN_BLAS_WARMUP="0"))
    assert (result["first"], result["second"]) == (False, False)


def test_train_asks_for_the_warm_up(monkeypatch) -> None:
    training = importlib.import_module("symnn.sim.train")  # the module, not the function
    calls = []
    monkeypatch.setattr(training, "warm_up_blas", lambda: calls.append(1))
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    train(mlp([3, 2], "sigmoid", rng=0), Quadratic(), SGD(0.1), x, y, epochs=1, batch_size=5, seed=0,
          progress=False)  # fmt: skip
    assert calls == [1]

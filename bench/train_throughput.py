"""Training and inference throughput of the NumPy simulator against PyTorch (CPU).

    python bench/train_throughput.py [--quick] [--threads N]

Both frameworks train the same architectures, from the same initial weights, on the
same synthetic MNIST-shaped data (uniform pixels, random labels, fixed seed), with the
same batch size, loss and plain SGD, and the same per-batch work (forward, loss value,
backward, update, accuracy count). Each thread count runs in its own subprocess whose
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS are set before NumPy is
imported (PyTorch also gets torch.set_num_threads). Without --threads, 2 and 1 threads
are measured. Throughputs are the best of several repeats, simulator and PyTorch
alternating (other processes share the cores, so single runs are noisy; the load
average is printed). With one thread the timings are CPU seconds of the worker process
(time.process_time: the time other processes hold the core is not counted, for either
framework), with two they are wall seconds. Ratios under 1.2x either way count as ties.

With two threads ``train`` shares each minibatch of the CNN between this process and a
helper process (its default ``step_threads=None``; :mod:`symnn.sim.split_batch`); the
report gives the same loop with unsplit minibatches (``step_threads=1``, OpenBLAS on
two threads) beside it.

The peak memory (ru_maxrss) of one Fashion-MNIST-sized CNN epoch (60,000 x 1 x 28 x 28
float32 training images plus a 10,000-image validation pass) is measured in a separate
subprocess (plus the peak of the helper processes, VmHWM). PyTorch is imported only
here, never by symnn.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIE = 1.2
MODELS = {  # name: (batch size, target ratio for training throughput)
    "784-30-10 sigmoid": (10, 5.0),
    "784-100-10 sigmoid + L2": (10, 5.0),
    "784-256-128-64-10 ReLU b64": (64, 1.5),
    "784-256-128-64-10 ReLU b128": (128, 1.5),
    "CNN conv32-pool-conv64-pool-128-10": (64, 1.5),
}
SAMPLES = {10: 12_000, 64: 32_000, 128: 32_000, "cnn": 3_200}  # per repeat, full run
N2_SAMPLES = 2_000  # per repeat for the per-example loop
REPEATS = 5  # alternating repeats of a full run, the best of each side kept (the machine is shared)
LMBDA = 5.0
ISA_FLAGS = ("avx512f", "avx512_bf16", "avx2", "fma", "avx")
OPENBLAS_TUNING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # a user's machine sets neither


# --------------------------------------------------------------------------- models
def build_sim(name: str):
    import numpy as np

    from symnn.sim import (
        Conv2D,
        CrossEntropy,
        Dense,
        Flatten,
        MaxPool2D,
        ReLU,
        Sequential,
        SoftmaxCrossEntropy,
        mlp,
    )  # fmt: skip

    f32 = np.float32
    if name.startswith("784-30-10"):
        return mlp([784, 30, 10], "sigmoid", output="sigmoid", rng=0), CrossEntropy(), 0.0
    if name.startswith("784-100-10"):
        return mlp([784, 100, 10], "sigmoid", output="sigmoid", rng=0), CrossEntropy(), LMBDA
    if name.startswith("784-256"):
        return mlp([784, 256, 128, 64, 10], "relu", rng=0), SoftmaxCrossEntropy(), 0.0
    rng = np.random.default_rng(0)  # pooling before ReLU: the same function (they commute)
    net = Sequential([
        Conv2D.init(1, 32, 3, rng, scale=np.sqrt(2 / 9), dtype=f32), MaxPool2D(2), ReLU(),
        Conv2D.init(32, 64, 3, rng, scale=np.sqrt(2 / 288), dtype=f32), MaxPool2D(2), ReLU(),
        Flatten(), Dense.init(1600, 128, rng, scale=np.sqrt(2 / 1600), dtype=f32), ReLU(),
        Dense.init(128, 10, rng, scale=np.sqrt(2 / 128), dtype=f32),
    ])  # fmt: skip
    return net, SoftmaxCrossEntropy(), 0.0


def to_torch(net):
    """The same architecture and initial weights as a torch.nn.Sequential."""
    import torch

    from symnn.sim import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sigmoid

    layers = []
    for layer in net.layers:
        if isinstance(layer, Dense):
            W = layer.params["W"]
            lin = torch.nn.Linear(W.shape[0], W.shape[1])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W.T.copy()))
                lin.bias.copy_(torch.from_numpy(layer.params["b"]))
            layers.append(lin)
        elif isinstance(layer, Conv2D):
            W = layer.params["W"]
            conv = torch.nn.Conv2d(W.shape[1], W.shape[0], W.shape[2])
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(W))
                conv.bias.copy_(torch.from_numpy(layer.params["b"]))
            layers.append(conv)
        else:
            kind = {Sigmoid: torch.nn.Sigmoid, ReLU: torch.nn.ReLU, Flatten: torch.nn.Flatten}
            layers.append(torch.nn.MaxPool2d(2) if isinstance(layer, MaxPool2D)
                          else kind[type(layer)]())  # fmt: skip
    return torch.nn.Sequential(*layers)


def train_flops(net) -> int:
    """Matrix-product FLOPs per training sample: those of :func:`step_products` at batch 1
    (forward, weight gradient, bias sums done as products, input gradient except for the
    first layer); elementwise work is not counted."""
    return product_flops(step_products(net, 1))


def product_flops(pairs: list[tuple]) -> int:
    """FLOPs of the products ``a @ b`` of ``pairs`` (2 per multiply-add)."""
    return sum(2 * a.size * (b.shape[1] if b.ndim == 2 else 1) for a, b in pairs)


# --------------------------------------------------------------------------- worker
class Accumulated(tuple):
    """A weight-gradient product (x^T, delta) that SGD's step adds into W itself (one BLAS
    gemm: :mod:`symnn.sim.inplace`) rather than writing to a gradient array."""

    into = None


def step_products(net, batch: int) -> list[tuple]:
    """The matrix products of one training step of ``net`` at ``batch``, as the simulator
    issues them under SGD: (left, right) operand pairs with the same shapes, dtypes and
    transposed views (forward, weight gradient, bias sum as a product, input gradient
    except for the first layer; a convolution in front of a pooling that drops its last
    rows and columns over the rows and columns the pooling reads, as the training loop
    crops it); an :class:`Accumulated` pair is added into its weights."""
    import numpy as np

    from symnn.sim import Conv2D, Dense, inplace
    from symnn.sim.blas import accumulating_gemm
    from symnn.sim.conv import FEW_CHANNELS
    from symnn.sim.fusion import crop_for_pooling

    in_place = accumulating_gemm(np.float32) is not None

    def arr(*shape):
        return np.random.default_rng(0).random(shape, dtype=np.float32)

    def covered(h: int, pool) -> int:
        """Rows of an h x h output that the pooling after it (or after its activation) reads."""
        return h if pool is None else pool.covered(h)

    # the convolutions the training loop crops to the rows and columns a pooling reads
    cropped = set(crop_for_pooling(net.layers, [None] * len(net.layers)))
    pairs, first, shape = [], True, (1, 28, 28)
    for index, layer in enumerate(net.layers):
        if isinstance(layer, Dense):
            n_in, n_out = layer.params["W"].shape
            x, W, delta = arr(batch, n_in), arr(n_in, n_out), arr(batch, n_out)
            gradient = (x.T, delta)
            if in_place and W.size >= inplace.MIN_ENTRIES:
                gradient = Accumulated(gradient)
                gradient.into = W
            pairs += [(x, W), gradient] + ([] if first else [(delta, W.T)])
            first = False
        elif isinstance(layer, Conv2D):
            c_out, c_in, k, _ = layer.params["W"].shape
            h = shape[1] - k + 1
            pool = next((nxt for nxt in net.layers[index + 1 : index + 3]
                         if type(nxt).__name__ == "MaxPool2D"), None)  # fmt: skip
            kept = covered(h, pool) if index in cropped else h
            fold = c_in < FEW_CHANNELS
            m, kk = batch * kept * kept, c_in * k * k + fold
            w_mat, delta = arr(c_out, kk), arr(m, c_out)
            if fold:  # few channels: cols kept transposed in memory, dW = (cols^T delta)^T
                cols_t = arr(kk, m)
                pairs += [(cols_t.T, w_mat.T), (cols_t, delta)]
            else:
                cols = arr(m, kk)
                pairs += [(cols, w_mat.T), (delta.T, cols), (np.ones(m, np.float32), delta)]
            if not first:  # one product per kernel offset, over the rows a pooling sends gradient to
                rows = covered(h, pool) ** 2 * batch
                kernels = w_mat[:, : c_in * k * k].reshape(c_out, k, k, c_in)
                pairs += [(delta[:rows], kernels[:, i, j, :]) for i in range(k) for j in range(k)]
            shape, first = (c_out, h, h), False
        elif type(layer).__name__ == "MaxPool2D":
            shape = (shape[0], shape[1] // 2, shape[2] // 2)
    return pairs


def products_ceiling(net, batch: int, repeats: int, data=None) -> dict[str, float]:
    """Samples/s of a training loop that did nothing but the step's matrix products
    (``"products"``), and of one that also gathered each minibatch's rows from the
    shuffled training set ``data`` as the simulator does, a block of minibatches per
    ``np.take`` (``"gather"``): no implementation that issues these products through
    NumPy's BLAS and shuffles its data every epoch can train faster."""
    import numpy as np

    from symnn.sim.blas import accumulate_product
    from symnn.sim.train import _blocks

    pairs = step_products(net, batch)
    steps = max(20, int(2e9 / product_flops(pairs)))  # about a second at 2 GFLOP/s

    def products() -> None:
        for pair in pairs:
            if type(pair) is Accumulated:
                accumulate_product(pair.into, pair[0].T, pair[1], -1e-9, 1.0)
            else:
                pair[0] @ pair[1]

    def run() -> None:
        for _ in range(steps):
            products()

    run()
    result = {"products": steps * batch / min(timed(run) for _ in range(3 * repeats))}
    if data is not None:
        rows = min(data.shape[0], steps * batch)
        labels = np.zeros(data.shape[0], np.int64)
        order = np.random.default_rng(1).permutation(data.shape[0])[:rows]

        def run_gathering() -> None:
            for _, block, _ in _blocks(data, labels, order, batch, np.float32):
                for _ in range(0, block.shape[0], batch):
                    products()

        run_gathering()
        result["gather"] = rows / min(timed(run_gathering) for _ in range(3 * repeats))
    return result


def gemm_rate(repeats: int) -> float:
    import numpy as np

    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    a @ a
    best = min(timed(lambda: a @ a) for _ in range(3 * repeats))
    return 2 * 1024**3 / best


CLOCKS = {"wall": time.perf_counter, "CPU": time.process_time}
CLOCK = "wall"  # the worker of one thread switches to "CPU" (see clock_for)


def clock_for(threads: int) -> str:
    """The clock the timings of ``threads`` threads use: CPU seconds of the process for
    one thread (a loaded machine then takes cores away without adding to the figures,
    for the simulator and PyTorch alike), wall seconds for more (CPU time would add the
    threads' seconds up)."""
    return "CPU" if threads == 1 else "wall"


def timed(run, *args) -> float:
    """Seconds of ``run(*args)`` on the worker's clock (``CLOCK``)."""
    clock = CLOCKS[CLOCK]
    t0 = clock()
    run(*args)
    return clock() - t0


def sim_runners(name: str, x, y, step_threads: int | None = None) -> dict:
    """{"train": f(k), "infer": f(k)} for the simulator, plus its FLOPs per sample and the
    number of threads ``train`` shares each minibatch among (``split``; 1: not split)."""
    from symnn.sim import SGD, split_parts, train

    batch = MODELS[name][0]
    net, loss, lmbda = build_sim(name)
    fit = lambda k: train(net, loss, SGD(0.01, lmbda=lmbda), x[:k], y[:k], epochs=1,  # noqa: E731
                          batch_size=batch, seed=0, progress=False, step_threads=step_threads)  # fmt: skip
    return {"train": fit, "infer": lambda k: net.predict(x[:k], batch), "flops": train_flops(net),
            "split": split_parts(net, loss, batch, x[:1], step_threads)}  # fmt: skip


def torch_runners(name: str, x, y) -> dict:
    """The same loop in PyTorch: shuffle, forward, loss, backward, SGD step, accuracy."""
    import numpy as np
    import torch

    batch = MODELS[name][0]
    net, _, lmbda = build_sim(name)
    model = to_torch(net)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    sigmoid = "sigmoid" in name
    decay = [p for n_, p in model.named_parameters() if n_.endswith("weight")]
    rest = [p for n_, p in model.named_parameters() if not n_.endswith("weight")]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": lmbda / x.shape[0]},
                           {"params": rest}], lr=0.01)  # fmt: skip

    def fit(k: int) -> None:
        model.train()
        order = torch.from_numpy(np.random.default_rng(0).permutation(k))
        total, correct = 0.0, 0
        for i in range(0, k, batch):
            idx = order[i : i + batch]
            xb, yb = xt[idx], yt[idx]
            opt.zero_grad()
            out = model(xb)
            if sigmoid:
                target = torch.nn.functional.one_hot(yb, 10).float()
                loss = torch.nn.functional.binary_cross_entropy(out, target, reduction="sum")
                loss = loss / len(idx)
            else:
                loss = torch.nn.functional.cross_entropy(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += int((out.argmax(1) == yb).sum())

    def infer(k: int) -> None:
        model.eval()
        with torch.inference_mode():
            for i in range(0, k, batch):
                model(xt[i : i + batch])

    return {"train": fit, "infer": infer}


class Network2Loop:
    """network2.py's ``update_mini_batch`` (Nielsen): back-propagation one example at a
    time, column vectors, weights (out, in), the gradients of a minibatch summed in
    Python lists, then the L2-decayed update. Float32 like the simulator; the hidden
    activation is the model's (sigmoid, or ReLU with a softmax cross-entropy output), the
    output delta is a - y (cross-entropy after a sigmoid, or softmax cross-entropy)."""

    def __init__(self, net, eta: float, lmbda: float, n: int) -> None:
        from symnn.sim import Dense, Sigmoid

        dense = [layer for layer in net.layers if isinstance(layer, Dense)]
        self.weights = [layer.params["W"].T.copy() for layer in dense]
        self.biases = [layer.params["b"][:, None].copy() for layer in dense]
        self.sigmoid = any(isinstance(layer, Sigmoid) for layer in net.layers)
        self.eta, self.lmbda, self.n = eta, lmbda, n

    def hidden(self, z):
        import numpy as np

        return 1.0 / (1.0 + np.exp(-z)) if self.sigmoid else np.maximum(z, 0)

    def hidden_prime(self, z, a):
        return a * (1 - a) if self.sigmoid else (z > 0).astype(z.dtype)

    def output(self, z):
        import numpy as np

        if self.sigmoid:
            return 1.0 / (1.0 + np.exp(-z))
        e = np.exp(z - z.max())
        return e / e.sum()

    def backprop(self, x, y):
        """(nabla_b, nabla_w, cost, correct) of one example (x: column, y: one-hot column)."""
        import numpy as np

        activation, activations, zs = x, [x], []
        last = len(self.weights) - 1
        for i, (b, w) in enumerate(zip(self.biases, self.weights, strict=True)):
            z = w @ activation + b
            zs.append(z)
            activation = self.output(z) if i == last else self.hidden(z)
            activations.append(activation)
        a = activations[-1]
        if self.sigmoid:
            cost = float(np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a))))
        else:
            cost = float(-np.log(a[int(np.argmax(y)), 0]))
        delta = a - y
        nabla_b, nabla_w = [delta], [delta @ activations[-2].T]
        for i in range(2, len(self.weights) + 1):
            delta = (self.weights[-i + 1].T @ delta) * self.hidden_prime(zs[-i], activations[-i])
            nabla_b.insert(0, delta)
            nabla_w.insert(0, delta @ activations[-i - 1].T)
        return nabla_b, nabla_w, cost, int(np.argmax(a) == np.argmax(y))

    def update_mini_batch(self, batch) -> tuple[float, int]:
        import numpy as np

        nabla_b = [np.zeros_like(b) for b in self.biases]
        nabla_w = [np.zeros_like(w) for w in self.weights]
        total, correct = 0.0, 0
        for x, y in batch:
            delta_b, delta_w, cost, right = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_b, strict=True)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_w, strict=True)]
            total, correct = total + cost, correct + right
        m, eta = len(batch), np.float32(self.eta)
        decay = np.float32(1 - self.eta * self.lmbda / self.n)
        self.weights = [decay * w - (eta / m) * nw for w, nw in zip(self.weights, nabla_w, strict=True)]
        self.biases = [b - (eta / m) * nb for b, nb in zip(self.biases, nabla_b, strict=True)]
        return total, correct


def network2_runner(name: str, x, y):
    """One epoch of :class:`Network2Loop` over ``k`` examples, or ``None`` for the CNN."""
    import numpy as np

    if name.startswith("CNN"):
        return None
    batch = MODELS[name][0]
    net, _, lmbda = build_sim(name)
    columns = [row[:, None] for row in x]
    targets = [np.eye(10, dtype=np.float32)[label][:, None] for label in y]

    def fit(k: int) -> None:
        loop = Network2Loop(net, 0.01, lmbda, k)
        order = np.random.default_rng(0).permutation(k)
        for i in range(0, k, batch):
            loop.update_mini_batch([(columns[j], targets[j]) for j in order[i : i + batch]])

    return fit


def worker(threads: int, quick: bool) -> None:
    import numpy as np

    repeats = 1 if quick else REPEATS
    rng = np.random.default_rng(0)
    n_max = max(SAMPLES.values()) // (8 if quick else 1)
    x = rng.random((n_max, 784), dtype=np.float32)
    y = rng.integers(0, 10, n_max)
    global CLOCK
    CLOCK = clock_for(threads)
    result = {"threads": threads, "gemm": gemm_rate(repeats), "models": {}, "blas": blas_kernel(),
              "clock": CLOCK, "load": os.getloadavg()[0]}  # fmt: skip
    try:
        import torch

        torch.set_num_threads(threads)
        capability = torch.backends.cpu.get_cpu_capability()
        result["torch"] = (f"{torch.__version__} (kernels: MKL and oneDNN, CPU capability "
                           f"{capability}; not affected by OPENBLAS_*)")  # fmt: skip
    except ImportError:
        result["torch"] = None
    for name, (batch, _) in MODELS.items():
        cnn = name.startswith("CNN")
        n = SAMPLES["cnn" if cnn else batch] // (8 if quick else 1)
        data = x.reshape(-1, 1, 28, 28) if cnn else x
        runners = {"sim": sim_runners(name, data, y)}
        if result["torch"]:
            runners["torch"] = torch_runners(name, data, y)
        if runners["sim"]["split"] > 1:  # the same loop with unsplit minibatches, side by side
            runners["sim unsplit"] = sim_runners(name, data, y, step_threads=1)
        for run in runners.values():  # warm-up
            run["train"](5 * batch)
            run["infer"](5 * batch)
        best = {(who, what): float("inf") for who in runners for what in ("train", "infer")}
        paired = []  # PyTorch's training time / the simulator's, within one repeat
        for _ in range(repeats):  # alternate, so that load from other processes hits both
            seconds = {key: timed(runners[key[0]][key[1]], n) for key in best}
            best = {key: min(best[key], seconds[key]) for key in best}
            if "torch" in runners:
                paired.append(seconds["torch", "train"] / seconds["sim", "train"])
        row = {who: {what: n / best[who, what] for what in ("train", "infer")} for who in runners}
        row["sim"]["paired"] = paired
        loop = network2_runner(name, data, y)
        if loop is not None:  # far slower: fewer samples, the best of the repeats
            k = max(N2_SAMPLES // (8 if quick else 1), 5 * batch)
            loop(5 * batch)
            row["network2"] = {"train": k / min(timed(loop, k) for _ in range(repeats))}
        row["sim"]["flops"], row["sim"]["split"] = runners["sim"]["flops"], runners["sim"]["split"]
        ceilings = products_ceiling(build_sim(name)[0], batch, repeats, data)
        row["sim"]["ceiling"], row["sim"]["gather_ceiling"] = ceilings["products"], ceilings["gather"]
        result["models"][name] = row
    print(json.dumps(result))


def memory_worker(quick: bool) -> None:
    import resource

    import numpy as np

    from symnn.sim import SGD, train

    rng = np.random.default_rng(0)
    x = rng.random((60_000, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 60_000)
    x_val, y_val = rng.random((10_000, 1, 28, 28), dtype=np.float32), y[:10_000]
    n = 6_000 if quick else 60_000
    net, loss, _ = build_sim("CNN")
    t0 = time.perf_counter()
    train(net, loss, SGD(0.01), x[:n], y[:n], epochs=1, batch_size=64, seed=0, x_val=x_val,
          y_val=y_val, progress=False)  # fmt: skip
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"peak_bytes": peak, "trained": n, "seconds": seconds,
                      "helper_peak_bytes": helper_peaks()}))  # fmt: skip


def helper_peaks() -> list[int]:
    """Peak resident bytes (VmHWM) of the helper processes that shared the minibatches."""
    from symnn.sim import share_process

    peaks = []
    for process, _ in share_process._IDLE:
        try:
            with open(f"/proc/{process.pid}/status", encoding="utf-8") as status:
                line = next(line for line in status if line.startswith("VmHWM"))
            peaks.append(int(line.split()[1]) * 1024)
        except (OSError, StopIteration):
            continue
    return peaks


# --------------------------------------------------------------------------- parent
def run_child(args: list[str], threads: int, env: dict[str, str] | None = None) -> dict:
    env = dict(os.environ if env is None else env, OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               PYTHONPATH=str(ROOT))  # fmt: skip
    out = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True,
                         text=True, check=False)  # fmt: skip
    if out.returncode:
        sys.exit(f"benchmark subprocess {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def blas_kernel() -> str:
    """The BLAS library, version and kernel NumPy uses in this process (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to name the kernel)"
    import numpy as np

    np.ones(1) @ np.ones(1)  # load the BLAS
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return "; ".join(f"{p['internal_api']} {p['version']}, kernel {p.get('architecture')}, "
                     f"{p['num_threads']} thread(s)" for p in pools) or "none found"  # fmt: skip


def machine_facts() -> list[str]:
    """CPU model, its vector instruction sets, NumPy's BLAS build and the OpenBLAS tuning
    variables of the environment: what the figures below hold for."""
    import numpy as np

    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    field = lambda key: next((line.split(":", 1)[1].strip() for line in info.splitlines()  # noqa: E731
                              if line.startswith(key)), "")  # fmt: skip
    flags = set(field("flags").split())
    have = [f for f in ISA_FLAGS if f in flags]
    avx512 = "AVX-512: yes" if "avx512f" in flags else "AVX-512: no"
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    lines = [f"machine: {field('model name') or platform.processor()}, {os.cpu_count()} cores "
             "(shared: other processes add noise); Python " + platform.python_version(),
             f"ISA flags: {' '.join(have) or 'none of ' + ', '.join(ISA_FLAGS)} ({avx512})",
             f"numpy {np.__version__}: BLAS {config.get('name')} {config.get('version')}"]  # fmt: skip
    others = sorted(k for k in os.environ if k.startswith("OPENBLAS_") and k != "OPENBLAS_NUM_THREADS")
    for var in dict.fromkeys([*OPENBLAS_TUNING, *others]):
        value = os.environ.get(var)
        lines.append(f"{var}: " + (f"set to {value!r}" if value else "not set"))
    return lines


def verdict(ratio: float) -> str:
    if ratio >= TIE:
        return "simulator faster"
    return "PyTorch faster" if ratio <= 1 / TIE else "tie"


def report(result: dict) -> list[str]:
    t, gemm = result["threads"], result["gemm"]
    clock = result.get("clock", "wall")
    lines = [f"threads = {t}   timed on the {clock} clock (load average {result.get('load', 0):.1f} at "
             "the start)   "
             f"float32 GEMM (1024^3, NumPy): {gemm / 1e9:.1f} GFLOP/s   "
             f"BLAS: {result['blas']}", ""]  # fmt: skip
    head = (f"{'model':36s} {'batch':>5s} {'train sim/s':>12s} {'torch/s':>10s} {'ratio':>7s} "
            f"{'verdict':>17s} {'target':>7s} {'met':>4s} {'infer sim/s':>12s} {'torch/s':>10s} "
            f"{'ratio':>7s} {'GEMM frac':>9s} {'network2/s':>10s} {'sim/n2':>7s}")  # fmt: skip
    lines += [head, "-" * len(head)]
    for name, row in result["models"].items():
        batch, target = MODELS[name]
        sim = row["sim"]
        frac = sim["train"] * sim["flops"] / gemm
        if "torch" in row:
            r_train = sim["train"] / row["torch"]["train"]
            r_inf = sim["infer"] / row["torch"]["infer"]
            cells = (f"{row['torch']['train']:10,.0f} {r_train:6.2f}x {verdict(r_train):>17s} "
                     f"{'>=' + format(target, 'g'):>7s} {'yes' if r_train >= target else 'NO':>4s} "
                     f"{sim['infer']:12,.0f} {row['torch']['infer']:10,.0f} {r_inf:6.2f}x")  # fmt: skip
        else:
            dash = "-"
            cells = (f"{dash:>10s} {dash:>7s} {dash:>17s} {dash:>7s} {dash:>4s} "
                     f"{sim['infer']:12,.0f} {dash:>10s} {dash:>7s}")  # fmt: skip
        n2 = row.get("network2", {}).get("train")
        loop = "-".rjust(10) + " " + "-".rjust(7) if n2 is None else f"{n2:10,.0f} {sim['train'] / n2:6.1f}x"
        lines.append(f"{name:36s} {batch:5d} {sim['train']:12,.0f} {cells} {frac:8.0%} {loop}")
    paired = {name: row["sim"].get("paired", []) for name, row in result["models"].items()}
    if any(len(ratios) > 1 for ratios in paired.values()):
        lines.append("training ratio in each repeat (the simulator's epoch and PyTorch's timed one "
                     "after the other):")
        lines += [f"  {name:34s} " + " ".join(f"{r:.2f}x" for r in ratios)
                  for name, ratios in paired.items() if len(ratios) > 1]  # fmt: skip
    split = [(name, row) for name, row in result["models"].items() if row["sim"].get("split", 1) > 1]
    for name, row in split:
        unsplit = row["sim unsplit"]["train"]
        lines.append(f"{name}: each minibatch shared by {row['sim']['split']} threads (train's default "
                     f"step_threads=None, OpenBLAS on 1 thread each): {row['sim']['train']:,.0f}/s; "
                     f"unsplit (step_threads=1, OpenBLAS on {t} threads): {unsplit:,.0f}/s, "
                     f"split / unsplit {row['sim']['train'] / unsplit:.2f}x")  # fmt: skip
    if not split:
        lines.append("no minibatch shared by threads (train's default keeps every step whole here)")
    return [*lines, "", *ceiling_report(result)]


def ceiling_report(result: dict) -> list[str]:
    """What each target asks for against the ceilings of its model: the step's matrix
    products alone, and those products plus the gather of the minibatch's rows."""
    head = (f"{'model':36s} {'products only/s':>15s} {'+ gather/s':>10s} {'sim/s':>10s} "
            f"{'sim/ceiling':>11s} {'target needs/s':>14s} {'needs/ceiling':>13s}  verdict")  # fmt: skip
    lines = ["Ceiling: samples/s of a loop doing only the step's matrix products (same shapes "
             "and views as the", "simulator, through NumPy's BLAS), and of that loop also "
             "gathering each minibatch's rows from the", "shuffled training set as the "
             "simulator does (+ gather; the ceiling below is this one); the target needs",
             "target ratio x PyTorch's samples/s.", head, "-" * len(head)]  # fmt: skip
    for name, row in result["models"].items():
        sim = row["sim"]
        ceiling = sim.get("gather_ceiling") or sim["ceiling"]
        cells = (f"{name:36s} {sim['ceiling']:15,.0f} {ceiling:10,.0f} {sim['train']:10,.0f} "
                 f"{sim['train'] / ceiling:11.0%}")  # fmt: skip
        if "torch" not in row:
            lines.append(cells)
            continue
        needs = MODELS[name][1] * row["torch"]["train"]
        share = needs / ceiling
        if needs <= sim["train"]:
            word = "met"
        elif share > 1:
            word = "out of reach: above the ceiling"
        else:
            word = f"leaves {1 - share:.0%} of the step for everything but the products and the gather"
        lines.append(f"{cells} {needs:14,.0f} {share:13.0%}  {word}")
    return lines


def targets_table(results: list[dict]) -> list[str]:
    """Every target of the benchmark with its figure at each thread count, side by side."""
    threads = [r["threads"] for r in results]
    head = f"{'target':52s} " + " ".join(f"{str(t) + ' thread' + 's' * (t > 1):>16s}" for t in threads)
    lines = ["Targets (figure and whether it is met, per thread count):", head, "-" * len(head)]

    def row(label: str, cell) -> None:
        lines.append(f"{label:52s} " + " ".join(f"{cell(r):>16s}" for r in results))

    def ratio(name: str, key: str, target: float):
        def cell(result: dict) -> str:
            data = result["models"][name]
            if key not in data:
                return "-"
            value = data["sim"]["train"] / data[key]["train"]
            paired = data["sim"].get("paired", []) if key == "torch" else []
            repeats = f" {sum(r >= target for r in paired)}/{len(paired)}" if len(paired) > 1 else ""
            return f"{value:.2f}x {'yes' if value >= target else 'NO'}{repeats}"
        return cell

    label = lambda name: name if f" b{MODELS[name][0]}" in name else f"{name} b{MODELS[name][0]}"  # noqa: E731
    for name, (_, target) in MODELS.items():
        row(f"{label(name)}: >= {target:g}x PyTorch", ratio(name, "torch", target))
    for name in MODELS:
        if not name.startswith("CNN"):
            row(f"{label(name)}: >= 4x network2 loop", ratio(name, "network2", 4.0))
    for name in MODELS:
        if not name.startswith("CNN"):
            def frac(result: dict, name: str = name) -> str:
                sim = result["models"][name]["sim"]
                ceiling = "gather_ceiling" if "gather_ceiling" in sim else "ceiling"
                value, most = (sim[key] * sim["flops"] / result["gemm"] for key in ("train", ceiling))
                if value >= 0.6:
                    return f"{value:.0%} yes"
                return f"{value:.0%} NO" + (f" (<={most:.0%})" if most < 0.6 else "")
            row(f"{name}: >= 60% of the GEMM bound", frac)
    lines.append("(k/n after a ratio to PyTorch: in k of the n repeats the simulator's epoch and "
                 "PyTorch's, timed one after the other, met the target; <=X%: the GEMM fraction of "
                 "the loop of the step's matrix products and the gather of the minibatches alone: a "
                 "target above it is out of reach on this machine through NumPy's BLAS)")
    return lines


def run_all(threads: list[int], quick: list[str], env: dict[str, str]) -> list[dict]:
    """One worker subprocess per thread count, with ``env`` as its environment."""
    return [run_child(["--worker", str(t), *quick], t, env) for t in threads]


def print_results(results: list[dict], quick: bool) -> None:
    torch_version = results[0]["torch"]
    print(f"PyTorch: {torch_version}" if torch_version else
          "PyTorch: not installed (pip install torch==2.13.0 for the comparison); "
          "simulator figures only")  # fmt: skip
    print("Samples/s are the best of " + ("1 repeat" if quick else f"{REPEATS} repeats") +
          f"; ratio = simulator / PyTorch; |ratio| < {TIE}x counts as a tie; network2/s: "
          "network2.py's per-example loop in NumPy, sim/n2: simulator / that loop.\n")  # fmt: skip
    for result in results:
        print("\n".join(report(result)), "\n")
    print("\n".join(targets_table(results)), "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, one repeat")
    parser.add_argument("--threads", type=int, help="one thread count (default: 2 and 1)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.quick)
    if args.memory:
        return memory_worker(args.quick)
    sys.path.insert(0, str(ROOT))
    quick = ["--quick"] if args.quick else []
    start = time.perf_counter()
    print(f"symnn simulator vs PyTorch, {datetime.datetime.now():%Y-%m-%d %H:%M}, "
          f"{'quick' if args.quick else 'full'} run")  # fmt: skip
    print("\n".join(machine_facts()))
    print("load average at start (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    threads = [args.threads] if args.threads else [2, 1]
    print_results(run_all(threads, quick, dict(os.environ)), args.quick)
    tuned = [var for var in OPENBLAS_TUNING if os.environ.get(var)]
    if tuned:  # a user's machine sets neither: measure that too, for this command only
        print(f"=== again with {' and '.join(tuned)} unset (OpenBLAS picks its kernel itself) ===")
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_TUNING}
        print_results(run_all(threads, quick, env), args.quick)
    memory = run_child(["--memory", *quick], 2)
    gib = memory["peak_bytes"] / 2**30
    print(f"peak memory (ru_maxrss) of a Fashion-MNIST-sized CNN epoch (60,000 x 1 x 28 x 28 "
          f"float32 in memory, {memory['trained']:,} trained, 10,000 validated, batch 64, "
          f"2 threads): {gib:.2f} GiB ({'under' if gib < 2 else 'OVER'} the 2 GiB limit), "
          f"{memory['seconds']:.1f} s")  # fmt: skip
    helpers = memory.get("helper_peak_bytes", [])
    if helpers:
        total = gib + sum(helpers) / 2**30
        verdict = "under" if total < 2 else "OVER"
        print(f"  plus the helper process{'es' * (len(helpers) > 1)} that shared the minibatches: "
              + ", ".join(f"{b / 2**30:.2f} GiB" for b in helpers)
              + f" (together {total:.2f} GiB, {verdict} the 2 GiB limit)")  # fmt: skip
    print("load average at end (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"benchmark wall time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

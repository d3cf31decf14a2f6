"""Throughput of ``symnn grade-batch``: the same answers graded by 1 and by 2 worker processes.

Run ``python bench/grade_batch.py`` (``--answers 200`` by default). The answers are a
seeded mix of right and wrong solutions to two course results (the 2x2 softmax Jacobian
and the leaky-ReLU Gaussian mean), one student per answer. For each worker count a local
cluster is started, warmed up (one answer per worker, so that each worker's grading
fork server has imported SymPy), and then the whole batch is graded and timed from the
first task submitted to the last verdict journaled. Prints answers/s for each count,
the mean wall seconds one answer takes in its worker, the CPU seconds one answer takes
in its grading process (``--cpu-only`` prints only that), and the ratio 2 workers / 1
worker against its aim (>= 1.7x on 2 free cores).

Figures are wall-clock on the machine it runs on: with other work on the cores, the
ratio measures the cores that were free, not the batch. Where Linux shares the CPU per
session (``autogroup``, printed in the first line), every process of this bench (its
workers and their grading processes too) shares one session's slice of a busy machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from pathlib import Path

AIM = 1.7
ANSWERS = [
    ("softmax-jacobian", "", "n=2", '"[[y1 - y1**2, -y1*y2], [-y1*y2, y2 - y2**2]]"'),
    ("softmax-jacobian", "", "n=2", '"[[y1 - y1**2, y1*y2], [-y1*y2, y2 - y2**2]]"'),
    ("softmax-jacobian", "", "n=2", '"[[y1*(1 - y1), -y1*y2], [-y2*y1, y2*(1 - y2)]]"'),
    ("leaky-relu-gaussian-moments", "mean", "", "(1-alpha)/sqrt(2*pi)"),
    ("leaky-relu-gaussian-moments", "mean", "", "(1-alpha)/sqrt(2*pi) + alpha**2"),
    ("leaky-relu-gaussian-moments", "mean", "", "(1 - alpha)*exp(-log(2*pi)/2)"),
]


def autogroup() -> str:
    """Whether Linux shares the CPU per session (autogroup): then this bench's processes share one slice."""
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as flag:
            shared = flag.read().strip() == "1"
    except OSError:
        return "CPU shared per session: unknown"
    return "CPU shared per session (autogroup): " + ("yes" if shared else "no")


def answers_file(folder: Path, count: int, seed: int = 0) -> Path:
    """A CSV of ``count`` answers drawn (seeded) from :data:`ANSWERS`, one student each."""
    rng = random.Random(seed)
    lines = ["student,id,key,params,answer"]
    for number in range(count):
        id, key, params, answer = rng.choice(ANSWERS)
        lines.append(f"s{number:05d},{id},{key},{params},{answer}")
    path = folder / "answers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cpu_per_answer(repeats: int = 2) -> float:
    """Mean CPU seconds (user + system) of the work of one grading process, each kind of answer in turn.

    The work is timed in this process (``grade_in_process``, its derivation cache cleared before
    each answer as in a fresh grading process), so it does not depend on which process a grading
    child is started from. CPU time does not grow when other work shares the cores, so it is the
    figure to plan with; starting the grading process adds a little to it.
    """
    from symnn.distributed.answer_sheet import row_params
    from symnn.grading import grader

    start, count = time.process_time(), 0
    for _ in range(repeats):
        for id, key, params, answer in ANSWERS:
            grader._derive_cached.cache_clear()
            grader.grade_in_process(id, answer.strip('"'), key=key or None, seconds=120, **row_params(params))
            count += 1
    return (time.process_time() - start) / count


def measure(workers: int, answers: Path, folder: Path, timeout: float) -> tuple[float, float, float]:
    """(seconds to start the cluster, seconds to grade the batch, mean seconds per answer in its process)."""
    from symnn.distributed.cluster import open_client
    from symnn.distributed.grade_batch import grade_batch

    start = time.perf_counter()
    with open_client(workers) as client:
        client.wait_for_workers(workers)
        started = time.perf_counter() - start
        warm = folder / f"warm-{workers}.csv"
        warm.write_text("".join(answers.read_text(encoding="utf-8").splitlines(keepends=True)[:workers + 1]),
                        encoding="utf-8")
        grade_batch(warm, folder / f"warm-{workers}", client=client, timeout=timeout, progress=False)
        start = time.perf_counter()
        batch = grade_batch(answers, folder / f"out-{workers}", client=client, timeout=timeout, progress=True)
        graded = time.perf_counter() - start
    seconds = [g.seconds for g in batch.graded if g.seconds is not None]
    with (folder / f"out-{workers}" / "gradebook.csv").open(encoding="utf-8") as handle:
        verdicts = {row["verdict"] for row in csv.DictReader(handle)}
    if not verdicts <= {"correct", "incorrect"}:
        raise SystemExit(f"unexpected verdicts with {workers} worker(s): {sorted(verdicts)}")
    return started, graded, sum(seconds) / len(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200, help="answers in the batch (default 200)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-answer budget in seconds")
    parser.add_argument("--cpu-only", action="store_true",
                        help="only the CPU seconds one answer takes in its grading process")
    args = parser.parse_args()
    print(f"grade-batch: {args.answers} answers; cores available: {len(os.sched_getaffinity(0))}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {autogroup()}")
    if args.cpu_only:
        print(f"CPU seconds per answer in its grading process: {cpu_per_answer():.2f}")
        return
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        answers = answers_file(folder, args.answers)
        for workers in (1, 2):
            rows.append((workers, *measure(workers, answers, folder, args.timeout)))
    print(f"\n{'workers':>7} {'start s':>8} {'batch s':>8} {'answers/s':>10} {'s/answer':>9}")
    for workers, started, graded, mean in rows:
        print(f"{workers:>7} {started:8.1f} {graded:8.1f} {args.answers / graded:10.2f} {mean:9.2f}")
    print(f"CPU seconds per answer in its grading process: {cpu_per_answer():.2f}")
    ratio = rows[0][2] / rows[1][2]
    verdict = "met" if ratio >= AIM else "NOT met"
    print(f"\nratio 2 workers / 1 worker: {ratio:.2f}x (aim >= {AIM}x): {verdict}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

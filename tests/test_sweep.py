"""``symnn sweep``: checks before any cluster, runs on a real local cluster, resume, CSV and plot."""

from __future__ import annotations

import csv
import json

import pytest
from real_data import require_data

from symnn.cli import main
from symnn.distributed import cluster
from symnn.distributed.sweep import JOURNAL, RUNS, check_output, run_sweep
from symnn.distributed.sweep_plan import plan
from symnn.errors import ParameterError
from symnn.experiments import run
from symnn.sim.blas_threads import _controls, blas_thread_counts

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def client():
    with cluster.open_client(2) as opened:
        yield opened


def _no_cluster(*args, **kwargs):
    raise AssertionError("a cluster was started although an option was bad")


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["fashion-ffnn-sgd", "--seeds", "0", "--grid", "lr=0.1"], "eta, batch_size"),
        (["fashion-ffnn-sgd", "--seeds", "0", "--grid", "seed=1,2"], "eta, batch_size"),
        (["manual-backprop", "--seeds", "0", "--grid", "eta=0.1"], "(none)"),
        (["fashion-ffnn-sgd", "--seeds", "0", "--grid", "eta=-1"], "(0, 10]"),
        (["fashion-ffnn-sgd", "--seeds", "0", "--grid", "eta=0.1,1/10"], "each value once"),
        (["fashion-ffnn-sgd", "--seeds", "0", "--grid", "batch_size=0"], "positive integer"),
        (["fashion-ffnn-sgd", "--seeds", "0", "--grid", "eta=__import__('os')"], "eta"),
        (["fashion-ffnn-sgd", "--seeds", "0", "--grid", "eta=0.1", "--grid", "eta=0.2"],
         "each grid name once"),
        (["fashion-ffnn-sgd", "--seeds", "0,0"], "each value once"),
        (["fashion-ffnn-sgd", "--seeds", "0,,1"], "separated by commas"),
        (["manual-backprop", "--seeds", "0", "--epochs", "2"], "does not train"),
        (["no-such-experiment", "--seeds", "0"], "no-such-experiment"),
        (["fashion-ffnn-sgd", "--seeds", "0", "--workers", "0"], "--workers"),
        (["fashion-ffnn-sgd", "--seeds", "0", "--scheduler", "localhost"], "--scheduler"),
    ],
)
def test_bad_options_are_one_line_before_any_cluster_or_output(arguments, named, tmp_path, monkeypatch,
                                                               capsys):
    monkeypatch.setattr(cluster, "open_client", _no_cluster)
    out = tmp_path / "sweep"
    assert main(["sweep", *arguments, "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("symnn: error: ") and error.count("\n") == 1
    assert named in error
    assert not out.exists()


def test_unwritable_output_is_refused_before_any_cluster(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cluster, "open_client", _no_cluster)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["sweep", "manual-backprop", "--seeds", "0", "-o", str(blocker / "sweep")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(blocker) in error


def test_a_directory_of_another_sweep_is_refused(tmp_path):
    check_output(tmp_path, plan("fashion-ffnn-sgd", "0", epochs=1, quick=True))
    with pytest.raises(ParameterError, match="choose another -o"):
        check_output(tmp_path, plan("fashion-ffnn-sgd", "0", epochs=2, quick=True))
    more = plan("fashion-ffnn-sgd", "0,1", ["eta=0.5"], epochs=1, quick=True)
    check_output(tmp_path, more)  # other seeds and grid values: more runs of the same sweep


def _set_two_threads() -> list[int]:
    for setter, _ in _controls():
        setter(2)
    return blas_thread_counts()


def test_sweep_without_data_runs_each_seed_once_under_one_blas_thread_and_resumes(client, tmp_path):
    before = client.run(_set_two_threads)
    if not all(before.values()):
        pytest.skip("no OpenBLAS library found in the workers, so the thread limit cannot be observed")
    assert all(counts == [2] * len(counts) for counts in before.values())
    sweep = plan("manual-backprop", "0,1,2")
    out = check_output(tmp_path / "sweep", sweep)
    records = run_sweep(client, sweep, out, progress=False)
    assert [record["key"] for record in records] == ["seed=0", "seed=1", "seed=2"]
    for record in records:
        assert "error" not in record
        assert record["blas_threads"] and set(record["blas_threads"]) == {1}  # the limit, inside the task
        metrics = json.loads((out / RUNS / record["key"] / "metrics.json").read_text())
        assert metrics["seed"] == record["seed"] and metrics["all_pass"] is True
    after_tasks = client.run(blas_thread_counts).values()
    assert all(counts == [2] * len(counts) for counts in after_tasks)  # the workers' own count is restored

    journal = out / JOURNAL
    lines = journal.read_text().splitlines()
    assert len(lines) == 3
    assert run_sweep(client, sweep, out, progress=False) == records  # nothing to run
    assert journal.read_text().splitlines() == lines

    kept = [line for line in lines if json.loads(line)["key"] != "seed=1"]
    journal.write_text("".join(line + "\n" for line in kept))
    again = run_sweep(client, sweep, out, progress=False)
    after = journal.read_text().splitlines()
    assert after[:2] == kept and len(after) == 3
    assert json.loads(after[2])["key"] == "seed=1"  # only the run whose line was deleted ran again
    assert [record["key"] for record in again] == ["seed=0", "seed=1", "seed=2"]


def test_a_failed_run_is_recorded_and_tried_again(client, tmp_path):
    sweep = plan("manual-backprop", "0")
    out = check_output(tmp_path / "sweep", sweep)
    other = out / RUNS / "seed=0"
    other.mkdir()
    record = {"request": {"experiment": "manual-backprop", "epochs": None, "seed": 5, "quick": False},
              "state": "unfinished"}
    (other / "run.json").write_text(json.dumps(record))  # another request's run: the task refuses it
    messages = tmp_path / "stderr.txt"
    with open(messages, "w") as stream:
        first = run_sweep(client, sweep, out, progress=False, stream=stream)
    assert len(first) == 1 and first[0]["error"].startswith("TrainingError")
    assert "run seed=0 failed: TrainingError" in messages.read_text()
    (other / "run.json").unlink()
    second = run_sweep(client, sweep, out, progress=False)
    assert "error" not in second[0] and second[0]["seed"] == 0  # tried again, not taken as finished
    assert len((out / JOURNAL).read_text().splitlines()) == 2


def test_command_line_writes_the_table_and_the_plot(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", "manual-backprop", "--seeds", "3", "--workers", "1", "--no-progress",
                 "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "1 of 1 runs finished (1 run now, 0 from the journal)" in captured.out
    assert "dask: local cluster of 1 worker process" in captured.err
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert [(row["run"], row["seed"], row["test_accuracy"], row["epochs"], row["error"]) for row in rows] == [
        ("seed=3", "3", "", "0", "")]
    assert float(rows[0]["wall_time_s"]) > 0
    assert (out / "sweep.png").read_bytes()[:8] == PNG


@pytest.mark.slow
def test_real_data_grid_gives_the_numbers_of_a_single_run(client, tmp_path):
    require_data("fashion-mnist")
    import os

    data = os.environ["SYMNN_DATA"].split(os.pathsep)[0]
    sweep = plan("fashion-ffnn-sgd", "0,1", ["eta=0.1,0.05"], epochs=1, quick=True)
    out = check_output(tmp_path / "sweep", sweep)
    records = run_sweep(client, sweep, out, progress=False)
    assert [record["key"] for record in records] == [
        "eta=0.1_seed=0", "eta=0.1_seed=1", "eta=0.05_seed=0", "eta=0.05_seed=1"]
    single = run("fashion-ffnn-sgd", epochs=1, seed=1, quick=True, out=tmp_path / "single", progress=False,
                 data_dir=data, eta=0.05)
    assert records[3]["test_accuracy"] == single["test_accuracy"]  # one BLAS thread both: bit for bit
    assert single["config"]["eta"] == 0.05 and records[3]["epochs_run"] == 1
    from symnn.distributed.sweep_report import plot, summary, table_text

    rows = list(csv.DictReader(table_text(records, ["eta"]).splitlines()))
    assert [float(row["eta"]) for row in rows] == [0.1, 0.1, 0.05, 0.05]
    means = summary(records, ["eta"])
    assert [point for point, *_ in means] == [(0.1,), (0.05,)]
    pair = records[0]["test_accuracy"], records[1]["test_accuracy"]
    assert means[0][1] == pytest.approx(sum(pair) / 2, abs=1e-12)
    assert means[0][2] == pytest.approx(abs(pair[0] - pair[1]) / 2**0.5, abs=1e-12)  # sample std of two
    plot(tmp_path / "sweep.png", records, ["eta"], experiment="fashion-ffnn-sgd")
    assert (tmp_path / "sweep.png").read_bytes()[:8] == PNG


class _Stopped(BaseException):
    """Stands for a kill right after the first checkpoint (nothing catches it)."""


@pytest.mark.slow
def test_an_interrupted_run_resumes_from_its_checkpoint(client, tmp_path, monkeypatch):
    require_data("fashion-mnist")
    from symnn.sim import checkpoint

    sweep = plan("fashion-ffnn-sgd", "0", epochs=2, quick=True)
    out = check_output(tmp_path / "sweep", sweep)
    write = checkpoint.write_checkpoint

    def stop_after_writing(*args, **kwargs):
        write(*args, **kwargs)
        raise _Stopped

    monkeypatch.setattr(checkpoint, "write_checkpoint", stop_after_writing)
    with pytest.raises(_Stopped):
        run("fashion-ffnn-sgd", epochs=2, seed=0, quick=True, out=out / RUNS / "seed=0", progress=False)
    monkeypatch.setattr(checkpoint, "write_checkpoint", write)
    assert json.loads((out / RUNS / "seed=0" / "run.json").read_text())["state"] == "unfinished"

    (record,) = run_sweep(client, sweep, out, progress=False)
    log = (out / RUNS / "seed=0.log").read_text()
    assert "epoch 2/2" in log and "epoch 1/2" not in log  # the task trained the second epoch only
    whole = run("fashion-ffnn-sgd", epochs=2, seed=0, quick=True, out=tmp_path / "whole", progress=False)
    assert record["test_accuracy"] == whole["test_accuracy"] and record["epochs_run"] == 2


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_sweep_on_a_scheduler_started_as_a_separate_process(tmp_path, capsys):
    import subprocess
    import sys

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], **quiet)
    worker = subprocess.Popen([*dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                               "--no-dashboard", "--local-directory", str(tmp_path / "worker")], **quiet)
    try:
        out = tmp_path / "sweep"
        assert main(["sweep", "manual-backprop", "--seeds", "4", "--scheduler", address, "--no-progress",
                     "-o", str(out)]) == 0
        assert f"dask: scheduler {address}" in capsys.readouterr().err
        rows = list(csv.DictReader((out / "sweep.csv").open()))
        assert [(row["run"], row["error"]) for row in rows] == [("seed=4", "")]
        assert json.loads((out / RUNS / "seed=4" / "metrics.json").read_text())["seed"] == 4
    finally:
        for process in (worker, scheduler):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

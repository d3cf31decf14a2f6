"""``symnn train --out DIR``: killed runs resume to the same numbers, finished runs stay finished.

The experiments run on small random datasets written here in the MNIST file layout and
put in the catalogue under the real names (so no test needs the real files or a
network). A run is killed with SIGKILL by its PID, in a child process paused right
after a checkpoint or in the middle of writing one, and the same command is run again;
its metrics must equal those of a run that was never interrupted (apart from the wall
times), and the weights must be equal bit for bit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from waiting import wait_for

from symnn.cli import main
from symnn.data import sources
from symnn.data.custom import source_from_directory, write_split
from symnn.experiments import without_timing

TRAIN, TEST = 1100, 60  # more than the quick runs' 1,000 validation images
EXPERIMENTS = ["fashion-ffnn-sgd", "fashion-mlp", "mnist-early-stopping", "fashion-cnn"]
EPOCHS = {"fashion-ffnn-sgd": 3, "fashion-mlp": 3, "mnist-early-stopping": 3, "fashion-cnn": 2}

CHILD = """
import io, os, sys, time
from pathlib import Path
import numpy as np
from symnn.data import sources
from symnn.data.custom import source_from_directory
from symnn.sim import checkpoint

data = Path(sys.argv[1])
for name in ("mnist", "fashion-mnist"):
    sources.SOURCES[name] = source_from_directory(name, data / name)
pause = os.environ.get("SYMNN_TEST_PAUSE")
marker = os.environ.get("SYMNN_TEST_MARKER")
if pause:
    when, count = pause.split(":")
    seen = [0]

    def wait_to_be_killed():
        staged = Path(marker + ".tmp")  # written whole, then renamed: never read half-written
        staged.write_text(str(os.getpid()))
        os.replace(staged, marker)
        time.sleep(600)

    if when == "after":  # the COUNT-th checkpoint is complete
        write = checkpoint.write_checkpoint

        def paused_write(*args, **kwargs):
            write(*args, **kwargs)
            seen[0] += 1
            if seen[0] == int(count):
                wait_to_be_killed()

        checkpoint.write_checkpoint = paused_write
    else:  # the COUNT-th checkpoint is written to its temporary file, not yet moved
        savez = np.savez

        def paused_savez(file, *args, **kwargs):
            savez(file, *args, **kwargs)
            if not isinstance(file, io.BytesIO):
                seen[0] += 1
                if seen[0] == int(count):
                    file.flush()
                    wait_to_be_killed()

        np.savez = paused_savez
from symnn.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _write_tiny(root: Path) -> None:
    rng = np.random.default_rng(7)
    for name in ("mnist", "fashion-mnist"):
        for split, count in (("train", TRAIN), ("test", TEST)):
            images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
            labels = rng.permutation(np.arange(count) % 10).astype(np.uint8)
            write_split(root / name, images, labels, split=split)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Random MNIST-layout files for both datasets, 1,100 training and 60 test images."""
    root = tmp_path_factory.mktemp("tiny-data")
    _write_tiny(root)
    return root


@pytest.fixture
def catalogue(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny files stand in for MNIST and Fashion-MNIST in this process; no downloads."""
    for name in ("mnist", "fashion-mnist"):
        monkeypatch.setitem(sources.SOURCES, name, source_from_directory(name, tiny / name))
    monkeypatch.setenv("SYMNN_DATA", "")
    monkeypatch.setenv("SYMNN_CACHE", str(tmp_path / "cache"))
    return tiny


def _argv(id: str, out: Path, tiny: Path, *extra: str) -> list[str]:
    return ["train", id, "--quick", "--epochs", str(EPOCHS[id]), "--data-dir", str(tiny),
            "--out", str(out), "--no-progress", *extra]  # fmt: skip


def _child(
    id: str, out: Path, tiny: Path, pause: str | None = None, marker: Path | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SYMNN_DATA": "",
           "SYMNN_CACHE": str(out.parent / "cache"), "MPLBACKEND": "Agg"}  # fmt: skip
    if pause is not None:
        env.update(SYMNN_TEST_PAUSE=pause, SYMNN_TEST_MARKER=str(marker))
    command = [sys.executable, "-c", CHILD, str(tiny), *_argv(id, out, tiny)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_when_paused(child: subprocess.Popen[str], marker: Path) -> None:
    """SIGKILL the child by its PID once it reports that it has reached the pause."""
    try:
        wait_for(lambda: marker.exists() or child.poll() is not None, "the run to pause")
        assert child.poll() is None, f"the run ended before its pause: {child.communicate()}"
        assert int(marker.read_text()) == child.pid
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL


def _weights(out: Path) -> dict[str, np.ndarray]:
    with np.load(out / "weights.npz") as data:
        return {key: data[key] for key in data.files}


Reference = Callable[[str], tuple[Path, int]]


@pytest.fixture(scope="module")
def reference(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """``reference(id)``: the experiment run once without interruption, through the command line.

    Gives the output directory and the number of epochs trained; each id runs at most once.
    """
    outs: dict[str, tuple[Path, int]] = {}

    def get(id: str) -> tuple[Path, int]:
        if id not in outs:
            out = tmp_path_factory.mktemp("reference") / id
            child = _child(id, out, tiny)
            _, stderr = child.communicate()
            assert child.returncode == 0, stderr
            outs[id] = (out, _epoch_lines(stderr))
        return outs[id]

    return get


def _epoch_lines(stderr: str) -> int:
    return sum(line.startswith("epoch ") for line in stderr.splitlines())


def _same_run(out: Path, reference: Path) -> None:
    metrics = json.loads((out / "metrics.json").read_text())
    expected = json.loads((reference / "metrics.json").read_text())
    assert without_timing(metrics) == without_timing(expected)
    weights, expected_weights = _weights(out), _weights(reference)
    assert weights.keys() == expected_weights.keys()
    assert all(np.array_equal(weights[k], expected_weights[k]) for k in weights)
    assert json.loads((out / "run.json").read_text())["state"] == "finished"
    assert not (out / "checkpoints").exists()


PAUSES = {  # where each experiment is killed
    "fashion-ffnn-sgd": "after:1",
    "fashion-mlp": "during:2",
    "mnist-early-stopping": "after:4",  # the second of its three networks, after one epoch
    "fashion-cnn": "after:1",
}


@pytest.mark.parametrize(
    "id", [pytest.param(id, marks=pytest.mark.slow) if id == "fashion-cnn" else id for id in EXPERIMENTS]
)
def test_a_killed_run_resumes_to_the_same_metrics(
    id: str, tiny: Path, reference: Reference, tmp_path: Path
) -> None:
    out, marker = tmp_path / "run", tmp_path / "paused"
    _kill_when_paused(_child(id, out, tiny, PAUSES[id], marker), marker)
    assert not (out / "metrics.json").exists()
    assert json.loads((out / "run.json").read_text())["state"] == "unfinished"
    assert list((out / "checkpoints").glob("*.npz"))
    orphans = list((out / "checkpoints").glob(".*.tmp"))
    assert bool(orphans) == PAUSES[id].startswith("during")  # a kill mid-write leaves one

    child = _child(id, out, tiny)
    _, stderr = child.communicate()
    assert child.returncode == 0, stderr
    assert f"resuming the unfinished run in {out}" in stderr
    full_out, full_epochs = reference(id)
    assert 0 < _epoch_lines(stderr) < full_epochs  # the checkpointed epochs are not trained again
    assert not any(path.exists() for path in orphans)
    _same_run(out, full_out)


def test_a_finished_run_is_reported_and_not_retrained(
    catalogue: Path, reference: Reference, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    id = "fashion-ffnn-sgd"
    out = tmp_path / "run"
    assert main(_argv(id, out, catalogue)) == 0
    first = capsys.readouterr()
    assert first.err.count("epoch ") == EPOCHS[id]
    before = (out / "metrics.json").read_bytes()
    assert main(_argv(id, out, catalogue)) == 0
    again = capsys.readouterr()
    assert f"already finished in {out}" in again.out and "--restart" in again.out
    assert "epoch " not in again.err
    assert (out / "metrics.json").read_bytes() == before
    assert main(_argv(id, out, catalogue, "--restart")) == 0
    restarted = capsys.readouterr()
    assert restarted.err.count("epoch ") == EPOCHS[id] and "already finished" not in restarted.out
    _same_run(out, reference(id)[0])


def test_another_request_on_the_same_directory_is_refused(
    catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(_argv("fashion-ffnn-sgd", out, catalogue)) == 0
    capsys.readouterr()
    assert main(_argv("fashion-ffnn-sgd", out, catalogue, "--seed", "1")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"symnn: error: {out} holds a finished run")
    assert "seed 0" in err and "seed 1" in err and "--restart" in err and "epoch " not in err


def test_stale_temporary_files_are_removed_on_the_next_start(
    catalogue: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)
    stale = [out / ".metrics.json.ab12cd34.tmp", out / "checkpoints" / ".train.npz.x_y9z8w7.tmp"]
    mine = [out / "notes.tmp", out / ".notes.tmp"]
    for path in [*stale, *mine]:
        path.write_bytes(b"left over")
    assert main(_argv("fashion-ffnn-sgd", out, catalogue)) == 0
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in mine)


def _a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("in the way\n")
    return path


def _under_a_file(tmp_path: Path) -> Path:
    return _a_file(tmp_path) / "run"


def _read_only(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        return Path("/sys/symnn-out")  # not writable even by root
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "run"


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        (_a_file, "is a file"),
        (_under_a_file, "Not a directory"),
        (_read_only, ""),
        (lambda tmp_path: Path("/proc/symnn-out/run"), "No such file or directory"),
    ],
)
def test_an_output_directory_that_cannot_be_written_is_one_line_before_training(
    where: Callable[[Path], Path], reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_data(*args: Any, **kwargs: Any) -> Any:
        pytest.fail("the data were loaded before the output directory was checked")

    monkeypatch.setattr("symnn.data.load_dataset", no_data)
    out = where(tmp_path)
    status = main(["train", "fashion-mlp", "--quick", "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("symnn: error: ") and str(out) in err and reason in err


def test_a_missing_dataset_leaves_no_output_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMNN_DATA", "")
    monkeypatch.setenv("SYMNN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "deep" / "run"
    status = main(["train", "fashion-mlp", "--quick", "--data-dir", str(tmp_path), "--out", str(out),
                   "--no-progress"])  # fmt: skip
    assert status == 2 and "could not be found" in capsys.readouterr().err
    assert not (tmp_path / "deep").exists()


def test_metrics_survive_a_failing_figure_and_a_rerun_draws_it_without_training(
    catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from symnn.experiments import plots

    def no_matplotlib(*args: Any, **kwargs: Any) -> Any:
        raise ImportError("No module named 'matplotlib'")

    id, out = "fashion-mlp", tmp_path / "run"
    with monkeypatch.context() as patch:
        patch.setattr(plots, "_figure", no_matplotlib)
        assert main(_argv(id, out, catalogue)) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("symnn: error: could not draw") and "ImportError" in err
    assert str(out / "loss_curves.png") in err and str(out / "test_probabilities.png") in err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_run"] == EPOCHS[id] and len(metrics["history"]["test_loss"]) == EPOCHS[id]
    assert (out / "weights.npz").exists() and not (out / "loss_curves.png").exists()

    assert main(_argv(id, out, catalogue)) == 0
    rerun = capsys.readouterr()
    assert "resuming the unfinished run" in rerun.err and "epoch " not in rerun.err
    again = json.loads((out / "metrics.json").read_text())
    assert without_timing(again) == without_timing(metrics)
    assert again["timing"]["epoch_time_s"] == metrics["timing"]["epoch_time_s"]  # not retrained
    assert (out / "loss_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("progress", [False, True])
def test_one_line_per_epoch_naming_the_test_numbers_truly(
    progress: bool, catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _argv("fashion-mlp", tmp_path / "run", catalogue)
    assert main(argv if not progress else [a for a in argv if a != "--no-progress"]) == 0
    err = capsys.readouterr().err.splitlines()
    lines = [line for line in err if line.startswith("epoch ") and ": train loss" in line]
    assert [line.split(":")[0] for line in lines] == [f"epoch {k}/3" for k in (1, 2, 3)]
    assert all("test loss" in line and "test accuracy" in line for line in lines)
    assert not any("val " in line for line in lines)


def test_a_full_disk_during_training_is_one_line_and_keeps_the_checkpoints(
    catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from symnn.sim import checkpoint

    write, calls = checkpoint.write_checkpoint, []

    def fills_the_disk(path: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        write(path, *args, **kwargs)

    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        patch.setattr(checkpoint, "write_checkpoint", fills_the_disk)
        assert main(_argv("fashion-ffnn-sgd", out, catalogue)) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("symnn: error: cannot write ") and str(out / "checkpoints" / "train.npz") in err
    assert "No space left on device" in err and "resume" in err
    assert (out / "checkpoints" / "train.npz").exists() and not (out / "metrics.json").exists()
    assert main(_argv("fashion-ffnn-sgd", out, catalogue)) == 0  # room again: it resumes
    assert "resuming the unfinished run" in capsys.readouterr().err


@pytest.mark.parametrize("record", ["{not json", '{"request": {"experiment": "x"}}', '["a list"]',
                                    '{"request": {"experiment": "fashion-ffnn-sgd", "epochs": 3, '
                                    '"seed": 0, "quick": true}, "state": "half"}'])  # fmt: skip
def test_a_damaged_run_record_is_one_line_and_restart_recovers(
    record: str, catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text(record)
    assert main(_argv("fashion-ffnn-sgd", out, catalogue)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(out / "run.json") in err and "--restart" in err
    assert main(_argv("fashion-ffnn-sgd", out, catalogue, "--restart")) == 0
    assert json.loads((out / "run.json").read_text())["state"] == "finished"

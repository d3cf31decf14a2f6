"""``symnn train`` and ``symnn.experiments.run``: the catalogue and the user's mistakes.

None of these tests needs the datasets: a missing dataset is simulated with an empty
data directory, no ``SYMNN_DATA``, an empty cache and a download that always fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import symnn
from symnn.cli import main
from symnn.errors import DataError, ParameterError, UnknownIdError
from symnn.experiments import run

EXPERIMENTS = ["mnist-early-stopping", "fashion-cnn", "fashion-mlp", "fashion-ffnn-sgd",
               "manual-backprop"]  # fmt: skip


@pytest.fixture
def no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory, no SYMNN_DATA, an empty cache, downloads that fail."""
    monkeypatch.setenv("SYMNN_DATA", "")
    monkeypatch.setenv("SYMNN_CACHE", str(tmp_path / "cache"))

    def offline(url: str, timeout: float) -> Any:
        raise OSError("network unreachable")

    monkeypatch.setattr("symnn.data.download.urllib_fetch", offline)
    empty = tmp_path / "empty"
    empty.mkdir()
    return empty


def test_every_experiment_is_in_the_catalogue() -> None:
    assert symnn.catalog("experiment") == EXPERIMENTS or set(EXPERIMENTS) <= set(
        symnn.catalog("experiment")
    )
    for id in EXPERIMENTS:
        assert symnn.entry(id).kind == "experiment" and symnn.entry(id).sheets


@pytest.mark.parametrize("id", [e for e in EXPERIMENTS if e != "manual-backprop"])
def test_missing_dataset_is_one_clear_error_and_exit_2(
    id: str, no_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    status = main(["train", id, "--data-dir", str(no_data), "--out", str(out), "--quick",
                   "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("symnn: error: dataset ") and err.count("symnn: error") == 1
    assert "could not be found or downloaded" in err and str(no_data) in err
    assert "network unreachable" in err and "Traceback" not in err
    assert not out.exists()


def test_missing_dataset_raises_data_error_from_the_api(no_data: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'mnist' could not be found"):
        run("mnist-early-stopping", data_dir=no_data, out=tmp_path / "o", quick=True, progress=False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "no-such-experiment"], "unknown experiment 'no-such-experiment'"),
        (["train", "softmax-jacobian"], "unknown experiment 'softmax-jacobian'"),
        (["train", "fashion-mlp", "--epochs", "0"], "parameter 'epochs': got 0"),
        (["train", "fashion-mlp", "--seed", "-1"], "parameter 'seed': got -1"),
        (["train", "manual-backprop", "--epochs", "3"], "does not train"),
    ],
)
def test_bad_requests_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symnn: error:") and message in err


def test_api_errors_are_typed(tmp_path: Path) -> None:
    with pytest.raises(UnknownIdError):
        run("nope", out=tmp_path)
    with pytest.raises(ParameterError):
        run("fashion-mlp", epochs=2.5, out=tmp_path)  # type: ignore[arg-type]


def test_train_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["train", "--help"])
    assert exit.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--data-dir", "--epochs", "--seed", "--out", "--quick"):
        assert option in help_text

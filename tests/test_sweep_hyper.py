"""The experiments' declared hyper-parameters: defaults, bounds, reading, and a resume that asks for them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnn.cli import main
from symnn.core.registry import catalog, entry
from symnn.errors import ParameterError, TrainingError
from symnn.experiments import common, fashion_cnn, fashion_ffnn_sgd, fashion_mlp, mnist_early_stopping, rundir

#: What docs/experiments.md states as each experiment's values (the defaults must keep them).
DOCUMENTED = {
    "mnist-early-stopping": {"eta": 0.5, "lmbda": 5.0, "batch_size": 10, "patience": None, "hidden": 100},
    "fashion-cnn": {"eta": 2e-3, "batch_size": 64},
    "fashion-mlp": {"eta": 1e-3, "batch_size": 64},
    "fashion-ffnn-sgd": {"eta": 0.1, "batch_size": 32},
    "manual-backprop": {},
}


@pytest.mark.parametrize("id", catalog("experiment"))
def test_defaults_are_the_documented_values_and_every_one_is_bounded(id):
    values = common.hyper_values(id, {})
    assert values == DOCUMENTED[id]
    assert all(type(values[name]) is type(DOCUMENTED[id][name]) for name in values)  # 5.0 stays a float
    for parameter in common.hyper_parameters(id).values():
        assert parameter.kind.bound() and parameter.doc


def _defaults(id: str) -> dict:
    return common.hyper_values(id, {})


def test_defaults_are_the_modules_constants():
    for id, module in (("fashion-cnn", fashion_cnn), ("fashion-mlp", fashion_mlp),
                       ("fashion-ffnn-sgd", fashion_ffnn_sgd)):
        assert _defaults(id) == {"eta": module.ETA, "batch_size": module.BATCH_SIZE}
    m = mnist_early_stopping
    assert _defaults("mnist-early-stopping") == {
        "eta": m.ETA, "lmbda": m.LMBDA, "batch_size": m.BATCH_SIZE, "patience": None, "hidden": m.SIZES[1]}


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ({"lr": 0.1}, "hyper-parameter of fashion-ffnn-sgd: eta, batch_size"),
        ({"eta": 0}, r"\(0, 10\]"),
        ({"eta": 11}, r"\(0, 10\]"),
        ({"eta": "nan"}, "eta"),
        ({"batch_size": 4097}, "4096"),
        ({"batch_size": 2.5}, "positive integer"),
        ({"eta": "__import__('os').system('true')"}, "eta"),
    ],
)
def test_bad_hyper_parameters_are_refused_naming_them(given, match):
    with pytest.raises(ParameterError, match=match):
        common.hyper_values("fashion-ffnn-sgd", given)


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=1e-6, max_value=10, allow_nan=False))
def test_a_learning_rate_is_read_back_as_the_same_float(eta):
    assert common.hyper_values("fashion-mlp", {"eta": repr(eta)})["eta"] == eta
    assert common.hyper_values("fashion-mlp", {"eta": eta})["eta"] == eta


def test_a_resume_must_ask_for_the_same_hyper_parameters(tmp_path):
    asked = common.request("fashion-ffnn-sgd", 1, 0, True, {"eta": 0.05, "batch_size": 32})
    assert asked.hyper == {"eta": 0.05}  # only what differs from the defaults is recorded
    assert common.request("fashion-ffnn-sgd", 1, 0, True, _defaults("fashion-ffnn-sgd")).hyper == {}
    rundir.prepare(tmp_path)
    rundir.begin(tmp_path, asked, restart=False)
    assert rundir.status(tmp_path, asked) == "unfinished"
    stored = json.loads((tmp_path / rundir.RECORD).read_text())["request"]
    assert rundir.Request(**stored) == asked
    with pytest.raises(TrainingError, match=r"eta=0\.05; this command asks for .* quick: pass --restart"):
        rundir.status(tmp_path, common.request("fashion-ffnn-sgd", 1, 0, True, {}))


def test_a_record_from_before_hyper_parameters_still_reads():
    old = {"experiment": "fashion-mlp", "epochs": None, "seed": 0, "quick": True}
    assert rundir.Request(**old) == common.request("fashion-mlp", None, 0, True, _defaults("fashion-mlp"))


def test_train_refuses_an_undeclared_parameter_in_one_line(tmp_path, capsys):
    assert main(["train", "manual-backprop", "--param", "eta=0.1", "--out", str(tmp_path / "run")]) == 2
    error = capsys.readouterr().err
    assert error == ("symnn: error: parameter 'eta': got '0.1', expected a hyper-parameter of "
                     "manual-backprop: (none)\n")
    assert not (tmp_path / "run").exists()


def test_list_shows_the_hyper_parameters(capsys):
    assert main(["list", "--kind", "experiment", "-v"]) == 0
    shown = capsys.readouterr().out
    assert "--param lmbda: a real number in [0, 1000]" in shown
    assert entry("fashion-cnn").parameter("batch_size").default == 64


@pytest.mark.slow
def test_train_with_a_hyper_parameter_trains_with_it(tmp_path, capsys):
    from real_data import require_data

    require_data("fashion-mnist")
    out = tmp_path / "run"
    assert main(["train", "fashion-ffnn-sgd", "--quick", "--epochs", "1", "--no-progress",
                 "--param", "eta=0.02", "--param", "batch_size=50", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["eta"] == 0.02 and metrics["config"]["batch_size"] == 50
    assert metrics["history"]["eta"] == [0.02]  # the rate the optimiser actually used


def test_the_documented_table_states_every_hyper_parameter_and_its_bound():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "experiments.md").read_text(encoding="utf-8")
    table = text.split("## Hyper-parameters", 1)[1].split("\n## ", 1)[0]
    rows, current = {}, None
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5 and cells[1].startswith("`"):
            current = cells[0].strip("`") or current
            rows[current, cells[1].strip("`")] = cells
    declared = {(id, name): parameter for id in catalog("experiment")
                for name, parameter in common.hyper_parameters(id).items()}
    assert set(rows) == set(declared)
    for key, parameter in declared.items():
        assert rows[key][3] in parameter.kind.bound()  # "(0, 10]", "1 to 4096", ...
        default = DOCUMENTED[key[0]][key[1]]
        assert default is None or float(rows[key][2]) == default

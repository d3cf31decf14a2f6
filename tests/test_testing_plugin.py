"""The pytest plugin and a user's suite, run as pytest subprocesses on a temporary directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUITE = Path(__file__).resolve().parent / "testing_sample" / "user_suite.py"
PASSING = ["test_numpy_jacobian_equals_the_derivation", "test_numpy_jacobian_at_probability_vectors",
           "test_student_closed_form", "test_snapshot", "test_numeric_fallback_is_reported"]
FAILING = {
    "test_fails_sign_error": ["softmax-jacobian[jacobian_in_y]: actual differs from expected",
                              "1 of 4 entries differ: [(0, 1)]", "counterexample: entry (0, 1): at y1="],
    "test_fails_difference_vanishing_at_sample_points": ["refuted by a counterexample", "which is not 0"],
    "test_fails_shape": ["actual is a 1x2 matrix, expected is a 2x1 matrix (shape mismatch)"],
    "test_fails_undecided": ["equivalence could not be decided", "pass numeric=True"],
}


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest on ``folder`` with only the symnn plugin (whatever else is installed)."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "symnn.testing.plugin", "-rA", "-q",
                           "-p", "no:cacheprovider", "--rootdir", str(folder), str(folder), *args],
                          capture_output=True, text=True, env=env, cwd=folder, timeout=600)


def outcomes(output: str) -> dict[str, str]:
    return {name: status for status, name in re.findall(r"^(PASSED|FAILED) \S+::(\w+)", output, re.M)}


@pytest.fixture
def user_suite(tmp_path: Path) -> Path:
    shutil.copy(SUITE, tmp_path / "test_user_suite.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    return tmp_path


def test_the_entry_point_is_declared():
    declared = (ROOT / "pyproject.toml").read_text()
    assert '[project.entry-points.pytest11]\nsymnn = "symnn.testing.plugin"\n' in declared


def test_a_user_suite_passes_and_fails_as_documented(user_suite):
    run = run_pytest(user_suite, "--symnn-update")
    seen = outcomes(run.stdout)
    assert {name: seen.get(name) for name in PASSING} == dict.fromkeys(PASSING, "PASSED"), run.stdout[-3000:]
    assert {name: seen.get(name) for name in FAILING} == dict.fromkeys(FAILING, "FAILED"), run.stdout[-3000:]
    for name, phrases in FAILING.items():
        section = run.stdout.split(f"_ {name} _", 1)[1].split("\n____", 1)[0]
        for phrase in phrases:
            assert phrase in section, (name, phrase, section[-2000:])
    stored = user_suite / "__snapshots__" / "test_user_suite" / "test_snapshot.txt"
    text = stored.read_text()
    assert "# softmax-jacobian\n## jacobian\n" in text and "## jacobian_in_y\nlatex: \\begin{bmatrix}" in text
    assert "Symbol('y1', real=True)" in text  # srepr keeps the assumptions


def test_snapshots_record_compare_and_show_a_diff(user_suite):
    stored = user_suite / "__snapshots__" / "test_user_suite" / "test_snapshot.txt"
    missing = run_pytest(user_suite, "-k", "test_snapshot")
    assert outcomes(missing.stdout) == {"test_snapshot": "FAILED"}
    assert "no snapshot" in missing.stdout and "run pytest --symnn-update to record it" in missing.stdout
    recorded = run_pytest(user_suite, "-k", "test_snapshot", "--symnn-update")
    assert outcomes(recorded.stdout) == {"test_snapshot": "PASSED"} and stored.exists()
    assert outcomes(run_pytest(user_suite, "-k", "test_snapshot").stdout) == {"test_snapshot": "PASSED"}
    text = stored.read_text()
    stored.write_text(text.replace("Symbol('y1', real=True)", "Symbol('y1', positive=True)", 1))
    changed = run_pytest(user_suite, "-k", "test_snapshot")
    assert outcomes(changed.stdout) == {"test_snapshot": "FAILED"}
    assert "changed (run pytest --symnn-update to accept)" in changed.stdout
    assert "-srepr: " in changed.stdout and "+srepr: " in changed.stdout and "positive=True" in changed.stdout


def test_snapshot_in_process(tmp_path):
    import sympy as sp

    from symnn.testing.snapshot import Snapshot

    x = sp.Symbol("x", real=True)
    Snapshot(tmp_path, "test_a[1]", update=True)(x**2)
    stored = (tmp_path / "test_a[1].txt").read_text()
    assert stored == "latex: x^{2}\nsrepr: Pow(Symbol('x', real=True), Integer(2))\n"
    Snapshot(tmp_path, "test_a[1]", update=False)(x**2)
    with pytest.raises(AssertionError, match=r"(?s)changed.*-latex: x\^\{2\}.*\+latex: x\^\{3\}"):
        Snapshot(tmp_path, "test_a[1]", update=False)(x**3)
    second = Snapshot(tmp_path, "test_b", update=True)
    second(x), second(x + 1), second(x, name="named")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test_a[1].txt", "test_b-2.txt", "test_b-named.txt",
                                                          "test_b.txt"]

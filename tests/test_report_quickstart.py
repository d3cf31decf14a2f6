"""The quickstart's terminal sessions are the program's own output: each ``$ symnn ...`` of
docs/quickstart.md is run (in an empty folder) and must print what the page shows."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from symnn.cli import main

QUICKSTART = Path(__file__).resolve().parents[1] / "docs" / "quickstart.md"
#: Commands the page shows but this test does not run, and why.
NOT_RUN = {
    "symnn train manual-backprop": "its output holds a wall-clock time",
    "symnn report homework-1": "it needs the results of the training run above",
}


def sessions() -> list[tuple[str, list[str], int]]:
    """``(command, output lines, exit status)`` of every ``$ symnn`` line of the page's shell blocks.

    A ``$ echo $?`` after a command gives its exit status (otherwise 0).
    """
    found: list[tuple[str, list[str], int]] = []
    language, status_next, in_session = None, False, False
    for line in QUICKSTART.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            language, in_session = (None if language is not None else line[3:]), False
        elif language != "":  # outside a block, or a Python block
            continue
        elif line == "$ echo $?":
            status_next = True
        elif status_next:
            command, output, _ = found[-1]
            found[-1], status_next = (command, output, int(line)), False
        elif line.startswith("$ "):
            found.append((line[2:], [], 0))
            in_session = True
        elif in_session:  # a block of output alone (after a Python block) is not a session
            found[-1][1].append(line)
    return found


def test_every_session_is_run_or_says_why_not() -> None:
    commands = [command for command, _, _ in sessions()]
    assert len(commands) >= 6
    assert all(any(command.startswith(skip) for command in commands) for skip in NOT_RUN)


@pytest.mark.parametrize("index", range(len(sessions())))
def test_session_prints_what_the_page_shows(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    command, expected, status_shown = sessions()[index]
    if any(command.startswith(skip) for skip in NOT_RUN) or not command.startswith("symnn "):
        pytest.skip(NOT_RUN.get(" ".join(command.split()[:3]), "not a symnn command"))
    monkeypatch.chdir(tmp_path)
    argv, _, pipe = command.partition(" | ")
    status = main(shlex.split(argv)[1:])
    printed = capsys.readouterr()
    lines = (printed.out + printed.err).splitlines()
    if pipe:
        assert pipe.startswith("head -")
        lines = lines[:int(pipe.split("-")[1])]
    assert (status, lines) == (status_shown, expected)

"""The Dask foundation: a real local cluster of worker processes, the journal, keyed tasks."""

from __future__ import annotations

import json

import pytest

from symnn.distributed.cluster import ClusterError, check_scheduler_address, open_client, worker_pids
from symnn.distributed.journal import Journal
from symnn.distributed.tasks import run_journaled


def _square(x: int) -> dict[str, int]:
    return {"value": x * x}


def _fail_on_three(x: int) -> dict[str, int]:
    if x == 3:
        raise ValueError("three is refused")
    return {"value": x}


def test_journal_keeps_whole_records_and_cuts_a_torn_line(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append({"key": "a", "n": 1})
    journal.append({"key": "b", "n": 2})
    journal.append({"key": "a", "n": 3})
    with open(journal.path, "a", encoding="utf-8") as handle:
        handle.write('{"key": "c", "n"')
    assert journal.records() == {"a": {"key": "a", "n": 3}, "b": {"key": "b", "n": 2}}
    assert journal.repair() == len('{"key": "c", "n"')
    journal.append({"key": "c", "n": 4})
    lines = journal.path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["a", "b", "a", "c"]


def test_journal_record_without_key_is_refused(tmp_path):
    with pytest.raises(ValueError, match="key"):
        Journal(tmp_path / "j.jsonl").append({"n": 1})


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "http://x:1", "tcp://host", "", "tcp://a b:1"])
def test_bad_scheduler_addresses_are_refused_in_one_line(address):
    with pytest.raises(ClusterError, match="--scheduler") as caught:
        check_scheduler_address(address)
    assert "\n" not in str(caught.value)


def test_local_cluster_of_two_processes_runs_journaled_tasks_once(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append({"key": "0", "value": -1})  # already done: must not run again
    tasks = {str(i): (i,) for i in range(6)}
    with open_client(2) as client:
        pids = worker_pids(client)
        assert len(set(pids.values())) == 2
        records = run_journaled(client, _square, tasks, journal, progress=False,
                                on_error=lambda key, error: {"error": str(error)})
        again = run_journaled(client, _fail_on_three, {**tasks, "3b": (3,)}, journal, progress=False,
                              retries=0, on_error=lambda key, error: {"error": str(error)})
    assert records["0"]["value"] == -1
    assert [records[str(i)]["value"] for i in range(1, 6)] == [1, 4, 9, 16, 25]
    assert again["3b"] == {"key": "3b", "error": "three is refused"}
    assert len(journal.path.read_text().splitlines()) == 7


def test_a_local_cluster_announces_its_dashboard_and_the_page_answers():
    import io
    import re
    import urllib.request

    said = io.StringIO()
    with open_client(1, announce=said):
        line = said.getvalue()
        match = re.search(r"dashboard (http://127\.0\.0\.1:\d+/status)", line)
        assert line.startswith("dask: local cluster of 1 worker process") and match, line
        with urllib.request.urlopen(match.group(1), timeout=30) as page:
            assert page.status == 200 and b"<html" in page.read(4096).lower()

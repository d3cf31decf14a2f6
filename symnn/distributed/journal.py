"""An append-only journal of finished tasks: one JSON object a line, flushed and synced.

A batch that is stopped (a killed process, a lost machine) and started again reads the
journal and does only the tasks it does not hold, so nothing is lost and nothing is done
twice. Each record names its task by ``key``; the last record of a key wins. A line cut
short by a crash (no final newline, or not valid JSON) is the one record being written
when the process died: it is ignored, and the file is cut back to the last whole line
before anything is appended.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "journal.jsonl"
>>> journal = Journal(path)
>>> journal.append({"key": "ada/softmax-jacobian/", "verdict": "correct"})
>>> sorted(Journal(path).records())
['ada/softmax-jacobian/']
>>> with open(path, "a") as torn:
...     _ = torn.write('{"key": "bob/x/", "verd')
>>> sorted(Journal(path).records())
['ada/softmax-jacobian/']
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from symnn.io import os_errors


class Journal:
    """The journal file at ``path`` (created on the first append)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _whole_lines(self) -> tuple[list[dict[str, Any]], int]:
        """The whole records and the byte length of the part of the file they take."""
        if not self.path.exists():
            return [], 0
        with os_errors(self.path, "read"):
            data = self.path.read_bytes()
        records, good = [], 0
        for line in data.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break
            try:
                record = json.loads(line)
            except ValueError:
                break
            if not isinstance(record, dict) or "key" not in record:
                break
            records.append(record)
            good += len(line)
        return records, good

    def records(self) -> dict[str, dict[str, Any]]:
        """Every finished task's record, by key (the last record of a key wins)."""
        return {str(record["key"]): record for record in self._whole_lines()[0]}

    def repair(self) -> int:
        """Cut a torn last line off the file; the number of bytes removed."""
        if not self.path.exists():
            return 0
        _, good = self._whole_lines()
        size = self.path.stat().st_size
        if good < size:
            with os_errors(self.path), open(self.path, "r+b") as handle:
                handle.truncate(good)
        return size - good

    def append(self, record: dict[str, Any]) -> None:
        """Add one record (it must have a ``key``), flushed and synced before returning."""
        if "key" not in record:
            raise ValueError("a journal record needs a 'key'")
        line = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n"
        with os_errors(self.path), open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

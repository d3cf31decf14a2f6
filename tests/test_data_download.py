"""Downloading into the cache, with simulated mirrors: never the real network."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from waiting import wait_for

from symnn.data import download
from symnn.data.custom import source_from_directory, write_split
from symnn.data.download import DownloadError, download_file
from symnn.data.loader import load_dataset
from symnn.data.locate import locate_files
from symnn.data.sources import SOURCES, DatasetSource, FileSpec
from symnn.errors import DataError

REAL_FETCH = download.urllib_fetch  # kept before the fixture below replaces it
MIRRORS = ("https://mirror-a.invalid/data/", "https://mirror-b.invalid/")


@pytest.fixture(autouse=True)
def cache(offline_cache: Path) -> Path:
    """Every test here runs offline with a private cache."""
    return offline_cache


@pytest.fixture
def served(tmp_path: Path) -> tuple[DatasetSource, dict[str, bytes]]:
    """A tiny dataset with two mirrors, and the bytes a server would send per file."""
    server = tmp_path / "server"
    images = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28).astype(np.uint8)
    for split in ("train", "test"):
        write_split(server, images, np.array([2, 1, 2], dtype=np.uint8), split=split)
    source = dataclasses.replace(source_from_directory("tiny", server), mirrors=MIRRORS)
    return source, {path.name: path.read_bytes() for path in server.glob("*.gz")}


def _files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_good_download_lands_in_the_cache_and_is_reused(served, cache: Path) -> None:
    source, files = served
    urls: list[str] = []

    def fetch(url: str, timeout: float) -> list[bytes]:
        urls.append(url)
        data = files[url.rsplit("/", 1)[1]]
        return [data[:100], data[100:]]

    x, y = load_dataset(source, split="test", fetch=fetch)
    assert x.shape == (3, 28, 28) and y.tolist() == [2, 1, 2]
    assert urls[0] == "https://mirror-a.invalid/data/t10k-images-idx3-ubyte.gz"
    assert _files_in(cache) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    load_dataset(source, split="test", fetch=fetch)
    assert len(urls) == 2  # the second load found both files in the cache


def test_a_failing_mirror_is_skipped(served, cache: Path) -> None:
    source, files = served

    def fetch(url: str, timeout: float) -> list[bytes]:
        if "mirror-a" in url:
            raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)  # type: ignore[arg-type]
        return [files[url.rsplit("/", 1)[1]]]

    _, y = load_dataset(source, split="train", fetch=fetch)
    assert y.tolist() == [2, 1, 2]
    assert (cache / "tiny" / "train-labels-idx1-ubyte.gz").is_file()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: [data[:-5]], "incomplete"),
        (lambda data: [data, b"extra"], "more than the expected"),
        (lambda data: [bytes(len(data))], "MD5"),
    ],
    ids=["truncated", "too long", "corrupt"],
)
def test_bad_downloads_leave_nothing_in_the_cache(served, cache: Path, damage, reason) -> None:
    source, files = served

    def fetch(url: str, timeout: float) -> list[bytes]:
        return damage(files[url.rsplit("/", 1)[1]])

    with pytest.raises(DataError) as caught:
        load_dataset(source, split="test", fetch=fetch)
    assert reason in str(caught.value)
    assert "mirror-b.invalid" in str(caught.value)
    assert _files_in(cache) == []


def test_connection_dropped_midway_leaves_nothing(served, cache: Path) -> None:
    source, files = served

    def fetch(url: str, timeout: float) -> Iterator[bytes]:
        yield files[url.rsplit("/", 1)[1]][:50]
        raise ConnectionResetError("connection reset by peer")

    with pytest.raises(DataError, match="connection reset by peer"):
        load_dataset(source, split="test", fetch=fetch)
    assert _files_in(cache) == []


def test_unexpected_errors_propagate_but_still_clean_up(tmp_path: Path) -> None:
    spec = FileSpec("f.gz", "0" * 32, 10)

    def fetch(url: str, timeout: float) -> Iterator[bytes]:
        yield b"12345"
        raise RuntimeError("bug in fetch")

    with pytest.raises(RuntimeError, match="bug in fetch"):
        download_file(spec, MIRRORS, tmp_path / "dl", fetch=fetch)
    assert _files_in(tmp_path / "dl") == []


def test_download_error_records_every_attempt(tmp_path: Path) -> None:
    spec = FileSpec("f.gz", "0" * 32, 10)
    seen: list[float] = []

    def fetch(url: str, timeout: float) -> list[bytes]:
        seen.append(timeout)
        raise TimeoutError("timed out")

    with pytest.raises(DownloadError) as caught:
        download_file(spec, MIRRORS, tmp_path, fetch=fetch, timeout=2.5)
    assert [url for url, _ in caught.value.attempts] == [m.rstrip("/") + "/f.gz" for m in MIRRORS]
    assert seen == [2.5, 2.5]


def test_offline_message_tells_where_to_put_the_files(cache: Path) -> None:
    def offline(url: str, timeout: float) -> list[bytes]:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(DataError) as caught:
        load_dataset("mnist", split="test", fetch=offline)
    message = str(caught.value)
    assert message.startswith("dataset 'mnist' could not be found or downloaded")
    assert "SYMNN_DATA=DIR" in message and "--data-dir DIR" in message
    for name in SOURCES["mnist"].expected_files():
        assert f"DIR/mnist/{name}" in message
    for mirror in SOURCES["mnist"].mirrors:
        assert mirror in message
    assert "Temporary failure in name resolution" in message
    assert str(cache / "mnist") in message
    assert _files_in(cache) == []


def test_default_fetch_streams_a_local_url(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "f.gz").write_bytes(b"0123456789")
    spec = FileSpec("f.gz", hashlib.md5(b"0123456789").hexdigest(), 10)
    missing = (tmp_path / "empty").as_uri() + "/"
    path = download_file(spec, [missing, mirror.as_uri()], tmp_path / "dl", fetch=REAL_FETCH)
    assert path.read_bytes() == b"0123456789"
    assert _files_in(tmp_path / "dl") == ["f.gz"]


def test_default_fetch_reports_http_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)

    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        mirror = f"http://127.0.0.1:{server.server_port}/data/"
        with pytest.raises(DownloadError) as caught:
            download_file(FileSpec("f.gz", "0" * 32, 10), [mirror], tmp_path, fetch=REAL_FETCH)
    finally:
        server.shutdown()
        server.server_close()
    assert caught.value.attempts == [(mirror + "f.gz", "HTTP 404 Not Found")]
    assert _files_in(tmp_path) == []


def test_unwritable_cache_is_a_download_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    spec = FileSpec("f.gz", "0" * 32, 10)
    with pytest.raises(DownloadError, match="cannot create the directory"):
        download_file(spec, MIRRORS, blocker / "sub", fetch=lambda url, timeout: [b""])


KILLED_DOWNLOAD = """
import sys, time
from symnn.data.download import download_file
from symnn.data.sources import FileSpec

def fetch(url, timeout):
    yield b"x" * 200_000  # more than a write buffer: it reaches the file
    time.sleep(600)  # stalls until it is killed

download_file(FileSpec("t10k-labels-idx1-ubyte.gz", "0" * 32, 10**6), ["https://m.invalid/"],
              sys.argv[1], fetch=fetch)
"""


def test_a_killed_download_leaves_a_part_file_that_the_next_start_removes(
    served, cache: Path, tmp_path: Path
) -> None:
    source, _ = served
    folder = cache / source.directories[0]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", KILLED_DOWNLOAD, str(folder)], env=env)
    try:
        wait_for(lambda: child.poll() is not None
                  or any(p.stat().st_size == 200_000 for p in folder.glob(".*.part")),
                  "the download to write its first chunk")
        assert child.poll() is None, "the download ended on its own"
        (part,) = folder.glob(".*.part")
        assert download.remove_stale_parts(folder) == []  # a live download keeps its file
        assert part.exists()
    finally:
        child.kill()  # SIGKILL: no handler runs, the file stays behind
        child.wait()
    assert child.returncode == -signal.SIGKILL and part.exists()
    with pytest.raises(DataError, match="could not be found"):
        locate_files(source, "test", download=False)  # the next start
    assert not part.exists()


def test_only_download_part_names_are_removed(tmp_path: Path) -> None:
    keep = [tmp_path / "notes.part", tmp_path / ".x.part", tmp_path / "a.gz.a1b2c3d4.part"]
    stale = tmp_path / ".a.gz.a1b2c3d4.part"
    for path in [*keep, stale]:
        path.write_bytes(b"1")
    assert download.remove_stale_parts(tmp_path) == [stale]
    assert all(path.exists() for path in keep)
    assert download.remove_stale_parts(tmp_path / "missing") == []

"""Downloading dataset files from their public mirrors, safely.

Each mirror is tried in turn. The response is streamed into a temporary file in the
target directory while its MD5 and size are computed; only a file with the recorded
size and MD5 is moved into place (``os.replace``, atomic on one file system). On any
failure the temporary file is removed, so the cache never holds a partial or wrong
file. A download killed outright cannot remove its ``.part`` file; the downloader holds
an exclusive lock on it while it writes, so :func:`remove_stale_parts` (run before every
search of the cache and every download) deletes exactly the ``.part`` files that no
live download holds.

The network access itself is one function, ``fetch(url, timeout)``, returning an
iterable of byte chunks. :func:`urllib_fetch` is the default; passing another callable
makes the downloader testable without a network:

>>> import tempfile, hashlib, pathlib
>>> from symnn.data.sources import FileSpec
>>> spec = FileSpec("hello.gz", hashlib.md5(b"hello").hexdigest(), 5)
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = download_file(spec, ["https://example.org/"], tmp,
...                          fetch=lambda url, timeout: [b"hel", b"lo"])
...     path.name, path.read_bytes()
('hello.gz', b'hello')
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # not on Windows: a .part is then stale once it is an hour old
    fcntl = None  # type: ignore[assignment]

from symnn.data.sources import FileSpec
from symnn.errors import DataError

__all__ = [
    "DEFAULT_TIMEOUT", "DownloadError", "Fetch", "download_file", "remove_stale_parts", "urllib_fetch",
]  # fmt: skip

#: ``fetch(url, timeout)`` -> iterable of byte chunks; raises ``OSError`` on failure.
Fetch = Callable[[str, float], Iterable[bytes]]

DEFAULT_TIMEOUT = 30.0
_CHUNK = 1 << 16
_USER_AGENT = "symnn-data/0.1 (+urllib)"
#: the temporary names ``download_file`` gives (``tempfile.mkstemp`` adds 8 characters)
_PART = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.part")
_STALE_AGE_S = 3600.0


class DownloadError(DataError):
    """Every mirror failed; ``attempts`` holds ``(url, reason)`` for each."""

    def __init__(self, filename: str, attempts: list[tuple[str, str]]) -> None:
        self.filename = filename
        self.attempts = attempts
        tried = "; ".join(f"{url}: {reason}" for url, reason in attempts) or "no mirrors known"
        super().__init__(f"could not download {filename} ({tried})")


def urllib_fetch(url: str, timeout: float) -> Iterator[bytes]:
    """Stream ``url`` with :mod:`urllib`, yielding chunks; HTTP errors raise ``OSError``."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        while chunk := response.read(_CHUNK):
            yield chunk


def _lock(handle: int) -> None:
    """Hold an exclusive lock on the open ``.part`` file until it is closed."""
    if fcntl is not None:
        with contextlib.suppress(OSError):  # a file system without locks: merely unprotected
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _is_stale(path: Path) -> bool:
    """No live download holds ``path`` (its lock is free; without locks: an hour old)."""
    if fcntl is None:
        import time

        return time.time() - path.stat().st_mtime > _STALE_AGE_S
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(handle)
    return True


def remove_stale_parts(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete the ``.part`` files of killed downloads in ``directory``; return them.

    A ``.part`` file that a running download holds is left alone, and so is every
    file whose name is not one that :func:`download_file` gives.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = Path(tmp, ".hello.gz.a1b2c3d4.part").write_bytes(b"hel")
    ...     _ = Path(tmp, "notes.part").write_bytes(b"mine")
    ...     [p.name for p in remove_stale_parts(tmp)], sorted(os.listdir(tmp))
    (['.hello.gz.a1b2c3d4.part'], ['notes.part'])
    """
    removed = []
    try:
        entries = sorted(Path(directory).iterdir())
    except OSError:  # no such directory yet, or unreadable: nothing to clean
        return removed
    for path in entries:
        if not _PART.fullmatch(path.name):
            continue
        try:
            if path.is_file() and not path.is_symlink() and _is_stale(path):
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # gone meanwhile, or not ours to remove
    return removed


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        text = f"HTTP {error.code} {error.reason}"
    elif isinstance(error, urllib.error.URLError):
        text = str(error.reason)
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


class _Mismatch(Exception):
    """The downloaded bytes are not the recorded file."""


def _copy(stream: Iterable[bytes], out: BinaryIO, spec: FileSpec) -> None:
    assert spec.md5 is not None and spec.size is not None
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    for chunk in stream:
        received += len(chunk)
        if received > spec.size:
            raise _Mismatch(f"more than the expected {spec.size} bytes")
        digest.update(chunk)
        out.write(chunk)
    if received != spec.size:
        raise _Mismatch(f"incomplete: {received} of {spec.size} bytes")
    if digest.hexdigest() != spec.md5:
        raise _Mismatch(f"MD5 {digest.hexdigest()} instead of {spec.md5}")


def _close(stream: Iterable[bytes]) -> None:
    close = getattr(stream, "close", None)
    if callable(close):
        close()


def download_file(
    spec: FileSpec,
    mirrors: Sequence[str],
    directory: str | os.PathLike[str],
    *,
    fetch: Fetch | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Download ``spec.filename`` from the first mirror that serves the right bytes.

    Returns the path of the verified file in ``directory`` (created if needed). If no
    mirror succeeds, raises :class:`DownloadError` listing each URL and why it failed;
    nothing is left behind in ``directory``.
    """
    fetch = fetch or urllib_fetch
    target = Path(directory) / spec.filename
    attempts: list[tuple[str, str]] = []
    if spec.md5 is None or spec.size is None:
        raise DownloadError(spec.filename, [("-", "no MD5 recorded, so it cannot be verified")])
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        attempts.append((str(target.parent), f"cannot create the directory: {error.strerror}"))
        raise DownloadError(spec.filename, attempts) from error
    remove_stale_parts(target.parent)
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + spec.filename
        try:
            handle, temp = tempfile.mkstemp(
                dir=target.parent, prefix=f".{spec.filename}.", suffix=".part"
            )
        except OSError as error:
            attempts.append((str(target.parent), f"cannot write there: {error.strerror}"))
            raise DownloadError(spec.filename, attempts) from error
        try:
            _lock(handle)
            with os.fdopen(handle, "wb") as out:
                stream = fetch(url, timeout)
                try:
                    _copy(stream, out, spec)
                finally:
                    _close(stream)
                out.flush()
                os.chmod(temp, 0o644)
                os.replace(temp, target)  # still locked, so no cleaner removes it first
            return target
        except (OSError, http.client.HTTPException, ValueError, _Mismatch) as error:
            attempts.append((url, _reason(error)))
        finally:
            Path(temp).unlink(missing_ok=True)
    raise DownloadError(spec.filename, attempts)

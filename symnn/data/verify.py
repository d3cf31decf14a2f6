"""Checking dataset files against their recorded size and checksum.

A published ``.gz`` file is checked by its MD5, an uncompressed IDX file by its
SHA-256. The size is compared first, from one ``stat``: a file of the wrong size is
refused without reading it (a 20 GB sparse file costs nothing), and only a file of some
catalogued size is hashed to say which file it really is. Hashing a 26 MB file takes a
noticeable fraction of a second, so each digest is remembered in memory, keyed by the
file's real path and its modification time, size and inode: loading the same file
again costs one ``stat``. Editing or replacing the file changes the key, and the file
is hashed again. A name that is not a regular file (a folder, a FIFO, a device) is
described, never opened:

>>> describe_non_file("/dev/null")
'a character device'

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = pathlib.Path(tmp, "hello.txt")
...     _ = path.write_bytes(b"hello")
...     file_digest(path)
'5d41402abc4b2a76b9719d911017c592'
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from symnn.data.sources import SOURCES, FileSpec, identify_digest
from symnn.errors import DataError

__all__ = ["clear_digest_cache", "describe_non_file", "expected_digest", "file_digest", "verify_file"]

_CHUNK = 1 << 20
#: (real path, algorithm) -> (mtime_ns, size, inode, hex digest)
_MEMO: dict[tuple[str, str], tuple[int, int, int, str]] = {}


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def describe_non_file(path: str | os.PathLike[str]) -> str | None:
    """What ``path`` is when it exists but is not a regular file, else ``None``.

    Symbolic links are followed; one whose target is missing is "a broken symbolic link".
    Nothing is opened, so a FIFO cannot block the caller.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a broken symbolic link" if os.path.islink(path) else None
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if stat.S_ISREG(mode):
        return None
    return next((text for test, text in _KINDS if test(mode)), "not a regular file")


def _catalogued_sizes() -> set[int]:
    """Every size a catalogued file (``.gz`` or raw) has."""
    sizes = set()
    for source in SOURCES.values():
        for spec in source.files.values():
            sizes.update(size for size in (spec.size, spec.raw_size) if size is not None)
    return sizes


def _hash_file(path: str, algorithm: str) -> str:
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_digest(path: str | os.PathLike[str], algorithm: str = "md5") -> str:
    """The hex digest of the file at ``path``, remembered per path and modification time."""
    name = os.fspath(path)
    try:
        status = os.stat(name)
        key = (os.path.realpath(name), algorithm)
        stamp = (status.st_mtime_ns, status.st_size, status.st_ino)
        remembered = _MEMO.get(key)
        if remembered is not None and remembered[:3] == stamp:
            return remembered[3]
        value = _hash_file(name, algorithm)
    except OSError as error:
        raise DataError(f"{name}: cannot read the file: {error.strerror}") from error
    _MEMO[key] = (*stamp, value)
    return value


def clear_digest_cache() -> None:
    """Forget every remembered digest, so the next verification hashes again."""
    _MEMO.clear()


def expected_digest(spec: FileSpec, filename: str) -> tuple[str, str, int] | None:
    """``(algorithm, digest, size)`` a file called ``filename`` must have, or ``None``.

    The published name is checked by MD5, the name without ``.gz`` by SHA-256.
    ``None`` means that form of the file has no recorded checksum.

    >>> from symnn.data.sources import SOURCES
    >>> expected_digest(SOURCES["mnist"].file("test", "labels"), "t10k-labels-idx1-ubyte")
    ('sha256', 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2', 10008)
    """
    if filename == spec.filename and spec.md5 is not None and spec.size is not None:
        return "md5", spec.md5, spec.size
    if filename == spec.raw_filename and spec.raw_sha256 is not None and spec.raw_size is not None:
        return "sha256", spec.raw_sha256, spec.raw_size
    return None


def verify_file(path: str | os.PathLike[str], spec: FileSpec, *, dataset: str = "") -> None:
    """Raise :class:`DataError` unless ``path`` has the size and checksum ``spec`` records.

    The message names the file, the expected and the actual checksum and size, and,
    when the file is another catalogued file (say a Fashion-MNIST file saved under an
    MNIST name), which file it really is.
    """
    target = Path(path)
    expected = expected_digest(spec, target.name)
    if expected is None:
        raise DataError(f"{target}: no checksum is recorded for a file of this name")
    what_it_is = describe_non_file(target)
    if what_it_is is not None:
        raise DataError(f"{target}: is {what_it_is}, not a regular file; expected the dataset file")
    algorithm, digest, size = expected
    try:
        actual_size = target.stat().st_size
    except OSError as error:
        raise DataError(f"{target}: cannot read the file: {error.strerror}") from error
    label = algorithm.upper().replace("SHA256", "SHA-256")
    what = f"{dataset} {target.name}".strip()
    if actual_size != size and actual_size not in _catalogued_sizes():
        raise DataError(
            f"{target}: size mismatch for {what}: expected {label} {digest} ({size} bytes), "
            f"found {actual_size} bytes (not hashed); the file is damaged, truncated, or another "
            "file saved under this name. Replace it with the published file."
        )
    actual = file_digest(target, algorithm)
    if actual == digest and actual_size == size:
        return
    identity = identify_digest(actual)
    verdict = (
        f"it is {identity}, saved under the wrong name"
        if identity
        else "the file is damaged, truncated, or another file saved under this name"
    )
    raise DataError(
        f"{target}: checksum mismatch for {what}: expected {label} {digest} ({size} bytes), "
        f"found {label} {actual} ({actual_size} bytes); {verdict}. "
        f"Replace it with the published file."
    )

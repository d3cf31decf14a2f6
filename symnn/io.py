"""Output files: checked before the work starts, written atomically, errors in one line.

A reader never sees a half-written file, and a failed write leaves the old file
untouched. Overwriting keeps what the user set up: a symbolic link is written through to
its target (the link stays a link) and an existing file keeps its permission bits.

:func:`check_writable_file` and :func:`check_writable_dir` refuse, before any long
computation, an output path that cannot be written: a folder where a file is needed, a
path under a file, a read-only or virtual folder (``/proc``), a full disk. Every
:class:`OSError` of a write becomes an :class:`~symnn.errors.OutputError` naming the path.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> write_text_atomic(path, "hello\\n")
>>> path.read_text()
'hello\\n'
>>> check_writable_file(path / "under-a-file.tex")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symnn.errors.OutputError: cannot write .../note.txt/under-a-file.tex: .../note.txt is a file, not a folder
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from symnn.errors import OutputError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _why(error: OSError) -> str:
    return error.strerror or str(error)


@contextlib.contextmanager
def os_errors(path: str | os.PathLike[str], doing: str = "write") -> Iterator[None]:
    """Turn any :class:`OSError` inside the block into a one-line :class:`OutputError` naming ``path``."""
    try:
        yield
    except OutputError:
        raise
    except OSError as error:
        raise OutputError(f"cannot {doing} {os.fspath(path)}: {_why(error)}") from error


def _existing_ancestor(folder: Path) -> Path:
    """The deepest part of ``folder`` that exists (``folder`` itself, a parent, or the root)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(folder.anchor or ".")


def _probe(folder: Path, shown: str | os.PathLike[str]) -> None:
    """Create and remove a file in ``folder``: the only test that read-only mounts and /proc pass honestly."""
    with os_errors(shown):
        handle, probe = tempfile.mkstemp(prefix=".symnn-probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
        space = os.statvfs(folder)
        if space.f_bavail == 0 and space.f_blocks > 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _check_folder(folder: Path, shown: str | os.PathLike[str]) -> None:
    """Refuse ``folder`` unless it is, or can be made as, a writable folder (errors name ``shown``)."""
    base = _existing_ancestor(folder)
    if not base.is_dir():
        raise OutputError(f"cannot write {os.fspath(shown)}: {base} is a file, not a folder")
    _probe(base, shown)


def check_writable_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path` if a folder can be created there and written to.

    Nothing is created: when ``path`` does not exist yet, its deepest existing parent must be
    a writable folder. Otherwise an :class:`OutputError` says why, naming the path.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write into {os.fspath(path)}: it is not a folder")
    _check_folder(folder, path)
    return folder


def check_writable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path` if a file can be (over)written there; else :class:`OutputError`.

    A symbolic link counts as the file it points to.
    """
    target = Path(path)
    real = target.resolve() if target.is_symlink() else target
    if real.is_dir():
        raise OutputError(f"cannot write {os.fspath(path)}: it is a folder, not a file")
    if real.exists() and not real.is_file():
        raise OutputError(f"cannot write {os.fspath(path)}: it is not a regular file")
    _check_folder(real.parent, path)
    return target


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    A symbolic link at ``path`` is followed (the file it points to is replaced), and an
    existing file's permission bits are kept; a new file gets ``0o666`` less the umask.
    """
    with os_errors(path):
        target = Path(path)
        if target.is_symlink():
            target = target.resolve()
        mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else 0o666 & ~_umask()
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` atomically (see :func:`write_bytes_atomic`)."""
    write_bytes_atomic(path, text.encode("utf-8"))

"""Finding a dataset's files on disk, or downloading them into the cache.

The search order for each file is

1. the ``data_dir`` argument (the command line's ``--data-dir DIR``);
2. the directories in the ``SYMNN_DATA`` environment variable (several may be given,
   separated by ``os.pathsep``);
3. the cache: ``$SYMNN_CACHE``, else ``$XDG_CACHE_HOME/symnn``, else ``~/.cache/symnn``;
4. a download from the dataset's mirrors into the cache.

Inside a data directory ``DIR`` a file of dataset ``mnist`` is looked for as
``DIR/mnist/<file>``, then ``DIR/MNIST/raw/<file>`` (the torchvision layout), then
``DIR/<file>``; ``<file>`` is the published ``.gz`` name or the same name without
``.gz``. Every file found is verified against its recorded size and checksum before
it is used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from symnn.data.download import DEFAULT_TIMEOUT, DownloadError, Fetch, download_file, remove_stale_parts
from symnn.data.sources import DatasetSource, FileSpec, get_source
from symnn.data.verify import describe_non_file, expected_digest, verify_file
from symnn.errors import DataError

__all__ = ["ENV_CACHE", "ENV_DATA", "SearchPlace", "SplitFiles", "cache_dir", "locate_files"]

ENV_DATA = "SYMNN_DATA"
ENV_CACHE = "SYMNN_CACHE"


class SplitFiles(NamedTuple):
    """The verified image and label files of one split."""

    images: Path
    labels: Path


@dataclass(frozen=True)
class SearchPlace:
    """A directory to search, where it came from, and whether it is the cache."""

    origin: str
    directory: Path
    is_cache: bool = False

    def folders(self, source: DatasetSource) -> list[Path]:
        """The folders searched here for ``source``'s files, in order."""
        if self.is_cache:
            return [self.directory / source.directories[0]]
        return [*(self.directory / sub for sub in source.directories), self.directory]


def cache_dir() -> Path:
    """The download cache: ``$SYMNN_CACHE``, ``$XDG_CACHE_HOME/symnn`` or ``~/.cache/symnn``.

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"SYMNN_CACHE": "/tmp/symnn-example-cache"}):
    ...     print(cache_dir())
    /tmp/symnn-example-cache
    """
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "symnn"
    return Path.home() / ".cache" / "symnn"


def search_places(data_dir: str | os.PathLike[str] | None = None) -> list[SearchPlace]:
    """The places searched, in order: ``data_dir``, ``SYMNN_DATA``, the cache."""
    places = []
    if data_dir is not None:
        places.append(SearchPlace("--data-dir", Path(data_dir).expanduser()))
    for entry in os.environ.get(ENV_DATA, "").split(os.pathsep):
        if entry.strip():
            places.append(SearchPlace(ENV_DATA, Path(entry.strip()).expanduser()))
    places.append(SearchPlace("cache", cache_dir(), is_cache=True))
    return places


def _find(source: DatasetSource, spec: FileSpec, place: SearchPlace) -> Path | None:
    for folder in place.folders(source):
        for name in (spec.filename, spec.raw_filename):
            path = folder / name
            if expected_digest(spec, name) is None:
                continue
            what_it_is = describe_non_file(path)
            if what_it_is is not None:
                raise DataError(
                    f"{path} ({place.origin}) is {what_it_is}, not a regular file: expected "
                    f"the {source.title} file {name}; remove or rename it"
                )
            if not path.is_file():
                continue
            try:
                verify_file(path, spec, dataset=source.title)
            except DataError as error:
                if place.is_cache:
                    hint = "It is in the cache: delete it to download it again."
                    raise DataError(f"{error} {hint}") from error
                raise
            return path
    return None


def _not_a_directory(path: Path) -> str:
    """Why ``path`` cannot be searched: "does not exist" or what it is instead.

    >>> _not_a_directory(Path("/dev/null"))
    'is a character device, not a directory'
    """
    if not os.path.lexists(path):
        return "does not exist"
    what_it_is = describe_non_file(path)
    return f"is {what_it_is or 'a file'}, not a directory"


def _describe_search(source: DatasetSource, places: list[SearchPlace]) -> list[str]:
    lines = []
    for place in places:
        if place.is_cache and not os.environ.get(ENV_DATA, "").strip():
            lines.append(f"  ({ENV_DATA} is not set)")
        missing = "" if place.directory.is_dir() else f", {_not_a_directory(place.directory)}"
        folders = ", ".join(str(folder) for folder in place.folders(source))
        lines.append(f"  {folders}  ({place.origin}{missing})")
    return lines


def _not_found(
    source: DatasetSource,
    missing: FileSpec,
    places: list[SearchPlace],
    download: bool,
    failure: DownloadError | None,
) -> DataError:
    lines = [
        f"dataset {source.name!r} could not be found or downloaded: "
        f"{missing.filename} is in none of the places searched.",
        f"Searched for {missing.filename} (or {missing.raw_filename}) in:",
        *_describe_search(source, places),
    ]
    if not download:
        lines.append("Downloading was switched off (download=False).")
    elif not source.mirrors:
        lines.append("No download mirrors are known for this dataset.")
    elif failure is not None:
        lines.append("Downloading it failed from every mirror:")
        lines.extend(f"  {url}: {reason}" for url, reason in failure.attempts)
    lines.append("To use files you already have, put them in a directory DIR as")
    lines.extend(f"  DIR/{source.directories[0]}/{name}" for name in source.expected_files())
    lines.append(f"and pass --data-dir DIR (data_dir=DIR in Python) or set {ENV_DATA}=DIR.")
    return DataError("\n".join(lines))


def locate_files(
    name: str | DatasetSource,
    split: str = "train",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    fetch: Fetch | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> SplitFiles:
    """Find (or download) and verify the image and label files of one split.

    Raises :class:`DataError` if ``data_dir`` does not exist, if a file found has the
    wrong checksum, or if a file is nowhere to be found and cannot be downloaded; that
    message lists the places searched and the expected layout.
    """
    source = get_source(name)
    specs = [source.file(split, kind) for kind in ("images", "labels")]
    if data_dir is not None and not Path(data_dir).expanduser().is_dir():
        why = _not_a_directory(Path(data_dir).expanduser())
        raise DataError(f"data directory {os.fspath(data_dir)} (--data-dir) {why}")
    places = search_places(data_dir)
    remove_stale_parts(cache_dir() / source.directories[0])
    found: list[Path] = []
    for spec in specs:
        path = next((p for place in places if (p := _find(source, spec, place))), None)
        if path is None:
            if not download:
                raise _not_found(source, spec, places, download, None)
            try:
                target = cache_dir() / source.directories[0]
                path = download_file(spec, source.mirrors, target, fetch=fetch, timeout=timeout)
            except DownloadError as failure:
                raise _not_found(source, spec, places, download, failure) from failure
        found.append(path)
    return SplitFiles(*found)

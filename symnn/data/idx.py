"""Reading and writing IDX files, the format MNIST and Fashion-MNIST are published in.

An IDX file is a big-endian header followed by the array data in row-major order:

* a magic number ``00 00 TT NN``: two zero bytes, a type code ``TT`` (``0x08`` for
  uint8) and the number of dimensions ``NN``;
* ``NN`` dimension sizes, each a big-endian unsigned 32-bit integer;
* the elements, big-endian.

MNIST images therefore start with magic ``0x00000803`` (uint8, three dimensions:
count, rows, columns) and labels with ``0x00000801`` (uint8, one dimension: count).
Files may be gzip-compressed; compression is detected from the magic bytes ``1f 8b``,
not from the file name. Every defect (wrong magic, too few or too many bytes, corrupt
gzip) is refused with a :class:`~symnn.errors.DataError` that names the file.

>>> import tempfile, numpy as np
>>> with tempfile.TemporaryDirectory() as tmp:
...     images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
...     path = write_idx(f"{tmp}/tiny-images-idx3-ubyte.gz", images)
...     back = read_idx(path, expect="images")
>>> back.shape, back.dtype, bool((back == images).all())
((2, 3, 4), dtype('uint8'), True)
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Literal

import numpy as np

from symnn.errors import DataError, ParameterError

__all__ = [
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "idx_shape",
    "parse_idx",
    "read_idx",
    "read_idx_bytes",
    "write_idx",
]

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
GZIP_MAGIC = b"\x1f\x8b"

#: IDX type code -> big-endian NumPy dtype.
_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in _TYPES.items()}
_EXPECTED = {"images": IMAGES_MAGIC, "labels": LABELS_MAGIC}

Expect = Literal["images", "labels"]


def read_idx_bytes(path: str | os.PathLike[str]) -> bytes:
    """Return the IDX bytes of ``path``, decompressed if the file is gzip-compressed.

    Raises :class:`DataError` if the file cannot be read or its gzip data is corrupt.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise DataError(f"{os.fspath(path)}: cannot read the file: {error.strerror}") from error
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        reason = str(error) or type(error).__name__
        raise DataError(f"{os.fspath(path)}: corrupt gzip data ({reason})") from error


def parse_idx(data: bytes, *, source: str = "<bytes>", expect: Expect | None = None) -> np.ndarray:
    """Decode IDX bytes into a native-endian array; ``source`` names the data in errors.

    ``expect="images"`` or ``"labels"`` demands the MNIST magic number of that kind.

    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]), expect="labels")
    array([7, 8, 9], dtype=uint8)
    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8]), source="x.idx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symnn.errors.DataError: x.idx: truncated: the header promises 3 data bytes ... only 2 follow
    """
    if len(data) < 4:
        raise DataError(f"{source}: truncated: {len(data)} bytes, too short for an IDX header")
    magic = int.from_bytes(data[:4], "big")
    if expect is not None and magic != _EXPECTED[expect]:
        raise DataError(
            f"{source}: wrong magic number 0x{magic:08x}, expected 0x{_EXPECTED[expect]:08x} "
            f"(IDX {expect}); this is not an MNIST {expect} file"
        )
    zero, code, ndim = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zero != 0 or code not in _TYPES or ndim == 0:
        raise DataError(f"{source}: wrong magic number 0x{magic:08x}; this is not an IDX file")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(
            f"{source}: truncated: the header needs {header_size} bytes for {ndim} "
            f"dimension(s) but the file has {len(data)}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = _TYPES[code]
    count = math.prod(shape)
    expected = count * dtype.itemsize
    present = len(data) - header_size
    described = f"{'x'.join(map(str, shape))} {dtype.newbyteorder('=').name}"
    if present < expected:
        raise DataError(
            f"{source}: truncated: the header promises {expected} data bytes ({described}) "
            f"but only {present} follow"
        )
    if present > expected:
        raise DataError(
            f"{source}: {present - expected} unexpected bytes after the {expected} data bytes "
            f"the header describes ({described}); trailing garbage"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: str | os.PathLike[str], *, expect: Expect | None = None) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) into a native-endian NumPy array.

    ``expect="images"`` demands magic ``0x00000803`` and ``expect="labels"`` demands
    ``0x00000801``. Raises :class:`DataError` naming the file for any defect.
    """
    return parse_idx(read_idx_bytes(path), source=os.fspath(path), expect=expect)


def idx_shape(path: str | os.PathLike[str]) -> tuple[int, ...]:
    """The shape recorded in the header of an IDX file, reading only the header.

    The file is not validated beyond its header; use :func:`read_idx` for that.
    """
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if compressed else raw
            head = stream.read(4)
            ndim = head[3] if len(head) == 4 else 0
            dims = stream.read(4 * ndim)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{os.fspath(path)}: cannot read the IDX header ({error})") from error
    if ndim == 0 or head[:2] != b"\0\0" or len(dims) != 4 * ndim:
        raise DataError(f"{os.fspath(path)}: not an IDX file (bad or truncated header)")
    return struct.unpack(f">{ndim}I", dims)


def _encode(array: np.ndarray) -> bytes:
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        names = ", ".join(dtype.name for dtype in _CODES)
        raise ParameterError("array", f"an array of dtype {array.dtype}", f"one of {names}")
    if not 1 <= array.ndim <= 255:
        raise ParameterError("array", f"an array of {array.ndim} dimensions", "1 to 255 dims")
    if max(array.shape) >= 2**32:
        raise ParameterError("array", f"shape {array.shape}", "dimensions below 2**32")
    header = bytes([0, 0, _CODES[native], array.ndim]) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + np.ascontiguousarray(array, dtype=_TYPES[_CODES[native]]).tobytes()


def write_idx(
    path: str | os.PathLike[str], array: np.ndarray, *, compress: bool | None = None
) -> Path:
    """Write ``array`` as an IDX file and return its path.

    ``compress=None`` gzips when the name ends in ``.gz``. The file is written to a
    temporary file in the same directory and moved into place, so a reader never sees
    a partly written file. The gzip header carries no name or time stamp, so equal
    arrays give byte-identical files. Supported dtypes: uint8, int8, int16, int32,
    float32 and float64.
    """
    target = Path(path)
    payload = _encode(np.asarray(array))
    if compress if compress is not None else target.name.endswith(".gz"):
        payload = gzip.compress(payload, compresslevel=6, mtime=0)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target

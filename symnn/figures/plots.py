"""Shared plotting helpers: a fixed style, figures without pyplot, deterministic saving.

Matplotlib is imported only when a plot is made. Figures are built as
``matplotlib.figure.Figure`` objects (no pyplot, no global figure list, no GUI backend);
saving renders through Agg (PNG) or matplotlib's PDF backend into memory and writes the
bytes atomically. The style is fixed (matplotlib's defaults plus :data:`RC`, whatever the
user's ``matplotlibrc`` says) and the files carry no software name or date, so the same
data always gives the same bytes.

>>> png_size(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8) + (640).to_bytes(4, "big") + (480).to_bytes(4, "big"))
(640, 480)
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from symnn.core.numeric_value import NUMPY_NAMESPACE
from symnn.errors import ParameterError
from symnn.io import write_bytes_atomic

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Style settings on top of matplotlib's defaults.
RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8.0,
    "legend.framealpha": 0.9,
    "lines.linewidth": 1.6,
    "figure.dpi": 100.0,
    "savefig.dpi": 130.0,
    "svg.hashsalt": "symnn",
}
#: Metadata that replaces matplotlib's defaults (software name and version, dates).
METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}
FORMATS = tuple(METADATA)
#: Size of one panel, inches.
PANEL = (4.0, 3.2)


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Matplotlib's default style plus :data:`RC`, for building and saving a figure."""
    import matplotlib

    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(RC)
        yield


def panels(count: int, *, rows: int = 1, size: tuple[float, float] = PANEL) -> tuple[Figure, list[Axes]]:
    """A new figure with ``count`` axes on ``rows`` rows, laid out by the constrained layout."""
    from matplotlib.figure import Figure

    columns = -(-count // rows)
    figure = Figure(figsize=(size[0] * columns, size[1] * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for extra in axes[count:]:
        extra.remove()
    return figure, axes[:count]


def render(figure: Figure, fmt: str = "png") -> bytes:
    """The bytes of ``figure`` as PNG or PDF, without dates or a software name."""
    if fmt not in METADATA:
        raise ParameterError("format", fmt, f"one of {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    with style():
        figure.savefig(buffer, format=fmt, metadata=METADATA[fmt], dpi=RC["savefig.dpi"],
                       facecolor="white")
    return buffer.getvalue()


def save(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` atomically to ``path`` (PNG or PDF, chosen by the suffix)."""
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    write_bytes_atomic(target, render(figure, fmt))
    return target


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, read from its IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file (bad signature)")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def as_float(value: Any) -> float:
    """A real SymPy number (or anything ``float`` takes) as a float."""
    return float(sp.N(value, 30)) if isinstance(value, sp.Basic) else float(value)


def numeric_function(expr: sp.Expr, symbol: sp.Symbol) -> Callable[[np.ndarray], np.ndarray]:
    """``expr`` as a vectorised NumPy function of ``symbol`` (Heaviside and Piecewise included).

    >>> x = sp.Symbol("x")
    >>> numeric_function(sp.Piecewise((1, x > 0), (0, True)), x)(np.array([-1.0, 2.0]))
    array([0., 1.])
    """
    function = sp.lambdify(symbol, expr, modules=NUMPY_NAMESPACE)

    def evaluate(points: np.ndarray) -> np.ndarray:
        values = np.asarray(function(np.asarray(points, dtype=float)), dtype=float)
        return np.broadcast_to(values, np.shape(points)).astype(float)

    return evaluate


def limit_lines(axis: Axes, values: list[float], *, color: str = "0.35", label: str = "") -> None:
    """Dotted horizontal lines at ``values`` (the first one labelled ``label``)."""
    for index, value in enumerate(sorted(set(values))):
        axis.axhline(value, color=color, linestyle=":", linewidth=1.0, label=label if index == 0 else None)


def subscript(name: str, index: int) -> str:
    """Mathtext ``name_{index}`` for legends: ``subscript('z', 2) == '$z_{2}$'``."""
    return f"${name}_{{{index}}}$"


def tuple_tex(values: Any) -> str:
    """Mathtext of a vector as a tuple (mathtext has no matrices): ``(2, \\frac{1}{2})``."""
    from symnn.core.latex import to_latex

    return "(" + ", ".join(to_latex(v) for v in values) + ")"

"""Small LaTeX helpers of the write-ups: escaping text and printing numbers reproducibly.

>>> escape("leaky_relu at 10^6 samples & 50%")
'leaky\\\\_relu at 10\\\\^{}6 samples \\\\& 50\\\\%'
>>> sci(3.8756942100093283e-11), sci(0.0), sci(1e-12)
('3.9\\\\times 10^{-11}', '0', '1.0\\\\times 10^{-12}')
>>> value(0.97883), value(45), value(None), value(True)
('0.9788', '45', '--', 'yes')
>>> code_id("softmax-cross-entropy-gradient")
'\\\\texttt{softmax-cross-entropy-gradient}'
"""

from __future__ import annotations

import math
from typing import Any

_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&", "%": r"\%",
    "#": r"\#", "$": r"\$", "^": r"\^{}", "~": r"\~{}", "<": "$<$", ">": "$>$",
}  # fmt: skip


def escape(text: str) -> str:
    """Plain text made safe for LaTeX text mode; control characters (line breaks too) become spaces.

    >>> print(escape("two" + chr(10) + "lines {x}"))
    two lines \\{x\\}
    """
    return "".join(_ESCAPES.get(char, " " if char < " " or char == "\x7f" else char) for char in str(text))


def code_id(name: str) -> str:
    """An id or file name in typewriter type (the preamble lets it break at hyphens)."""
    return rf"\texttt{{{escape(name)}}}"


def breakable(text: str) -> str:
    """Escaped text whose paths may break after ``/`` and ``_`` (for long file names).

    >>> breakable("out/run_1")
    'out/\\\\allowbreak{}run\\\\_\\\\allowbreak{}1'
    """
    return escape(text).replace("/", r"/\allowbreak{}").replace(r"\_", r"\_\allowbreak{}")


def sci(number: float) -> str:
    """``number`` with two significant digits in math-mode scientific notation.

    Two digits keep the text reproducible across machines while still telling a
    rounding error from a real discrepancy.
    """
    if number == 0:
        return "0"
    if math.isnan(number):
        return r"\mathrm{NaN}"
    if math.isinf(number):
        return r"\infty" if number > 0 else r"-\infty"
    mantissa, exponent = f"{number:.1e}".split("e")
    return rf"{mantissa}\times 10^{{{int(exponent)}}}"


def value(item: Any) -> str:
    """A metric for a table: four significant digits for floats, text escaped."""
    if item is None:
        return "--"
    if isinstance(item, bool):
        return "yes" if item else "no"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        return f"${sci(item)}$" if item != 0 and not 1e-3 <= abs(item) < 1e6 else f"{item:.4g}"
    return escape(str(item))

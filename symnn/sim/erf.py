"""The error function on whole arrays: Taylor polynomials about the points of a 1/8 grid.

``erf`` is odd, and ``erf(x)`` rounds to 1 in double precision for ``x >= 6``. On
``[0, 6]`` each ``x`` is within 1/16 of a centre ``c = k/8``; there

.. math:: \\operatorname{erf}(c + u) = \\sum_{j=0}^{13} a_j u^j + R, \\qquad
          a_j = \\frac{\\operatorname{erf}^{(j)}(c)}{j!}, \\quad
          \\operatorname{erf}^{(j)}(c) = \\frac{2}{\\sqrt\\pi} (-1)^{j-1} H_{j-1}(c) e^{-c^2},

with ``H`` the Hermite polynomials (``H_{n+1} = 2cH_n - 2nH_{n-1}``). The coefficients are
computed once, at import, by mpmath at 30 digits; the remainder is below
``|u|^14/14! max|erf^(14)| < 1e-20``, so the result is as good as the double-precision
arithmetic of 14 Horner steps (a few units in the last place). One call costs about 30
NumPy passes over the array, against one Python call per entry for ``math.erf``.

>>> import math
>>> x = np.linspace(-7, 7, 10001)
>>> float(np.max(np.abs(erf(x) - [math.erf(t) for t in x]))) < 1e-15
True
>>> erf(np.array([0.0, np.inf, -np.inf, np.nan])).tolist(), float(erf(np.float64(6.5)))
([0.0, 1.0, -1.0, nan], 1.0)
"""

from __future__ import annotations

import mpmath
import numpy as np

STEP = 8  # centres k / STEP
EDGE = 6.0  # erf(x) rounds to 1 in double precision beyond
DEGREE = 13


def _coefficients() -> np.ndarray:
    """``a[k, j]`` = erf^(j)(k/8) / j!, for the centres 0, 1/8, ..., 6."""
    rows = []
    with mpmath.workdps(30):
        for k in range(int(EDGE * STEP) + 1):
            c = mpmath.mpf(k) / STEP
            scale = 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-c * c)
            hermite = [mpmath.mpf(1), 2 * c]  # H_0, H_1
            for n in range(1, DEGREE):
                hermite.append(2 * c * hermite[n] - 2 * n * hermite[n - 1])
            row = [mpmath.erf(c)]
            row += [scale * (-1) ** (j - 1) * hermite[j - 1] / mpmath.factorial(j)
                    for j in range(1, DEGREE + 1)]
            rows.append([float(value) for value in row])
    return np.array(rows).T.copy()  # one contiguous row per power: a gather per Horner step


_A = _coefficients()


def erf(x: np.ndarray) -> np.ndarray:
    """``erf`` entry by entry, in float64 (NaN stays NaN, +-inf gives +-1)."""
    shape = np.shape(x)
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    a = np.abs(x)
    finite = np.where(a <= EDGE, a, EDGE)  # NaN and the far tail go to the last centre
    centre = np.rint(finite * STEP).astype(np.intp)
    u = finite - centre / STEP
    total = _A[DEGREE][centre]
    for j in range(DEGREE - 1, -1, -1):
        total *= u
        total += _A[j][centre]
    total[a > EDGE] = 1.0
    total = np.copysign(total, x)
    total[np.isnan(x)] = np.nan
    return total.reshape(shape)


__all__ = ["erf"]

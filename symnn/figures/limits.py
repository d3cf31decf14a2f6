"""Where things end up: softmax(Cz) as C -> +-oo (nn-assignment-2 P1) and Hopfield
updates down to a fixed point (seminar-1 A5).

``limit_plot`` (``softmax-limit``): each component of ``softmax(Cz)`` is computed by the
simulator's stable softmax on a grid of ``C`` wide enough (``|C| <= 6 / smallest gap of
z``) that the curves settle; the dotted levels are the derivation's limits
``result["plus_infinity"]`` (right half) and ``result["minus_infinity"]`` (left half),
labelled with their exact values. Tied components draw on top of each other, so each tie
is drawn in its own dash pattern and named in the legend: they share the limit equally.
A symbolic ``z`` (an ordering, largest group first) is drawn at ``k, k - 1, ..., 1`` for
its ``k`` groups.

``energy_plot`` (``hopfield-lyapunov``): :func:`symnn.sim.hopfield.run` (sequential
updates in the fixed order ``1, ..., n``, until a whole sweep changes nothing) from a few
random starts; the energy ``H(x) = -x^T W x / 2`` after every single-neuron update. The
curves never rise (a flip lowers ``H`` by ``2 |h_i|``, the derivation's
``result["delta_H_flip"]``) and each ends at a fixed point, starred once the simulator
confirms it. The weights are the derivation's ``W`` when it has one, otherwise a random
symmetric matrix with zero diagonal (:func:`symnn.sim.hopfield.random_weights`, fixed
seed) of the derivation's size ``n`` (:data:`SYMBOLIC_SIZE` neurons for a symbolic ``n``).

>>> import symnn
>>> sample_vector(symnn.derive("softmax-limit"))
([2, 2, 1], ['z_{1}', 'z_{2}', 'z_{3}'])
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from symnn.core.derivation import Derivation
from symnn.core.latex import to_latex
from symnn.figures.plots import as_float, panels, style, tuple_tex
from symnn.sim import hopfield
from symnn.sim.activations import softmax

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

DASHES = ("-", (0, (5, 3)), (0, (1, 2)), (0, (7, 2, 1, 2)))
#: How far the curves go: exp(-SETTLE) is what is left of a losing component at |C|max.
SETTLE = 6.0


def sample_vector(d: Derivation) -> tuple[list[sp.Expr], list[str]]:
    """The vector ``z`` drawn (the derivation's own, or values obeying its ordering) and names."""
    z = d.parameters.get("z")
    if z is not None:
        return list(z), [f"z_{{{i + 1}}}" for i in range(len(z))]
    groups = d.parameters["order"]
    level = {s: sp.Integer(len(groups) - rank) for rank, group in enumerate(groups) for s in group}
    symbols = sorted(level, key=lambda s: (len(s.name), s.name))
    return [level[s] for s in symbols], [to_latex(s) for s in symbols]


def limit_plot(d: Derivation) -> Figure:
    """``softmax(Cz)_i`` against ``C`` with both limits and the sharing of ties."""
    z, names = sample_vector(d)
    plus, minus = list(d.result["plus_infinity"]), list(d.result["minus_infinity"])
    values = np.array([as_float(v) for v in z])
    gaps = [abs(a - b) for a in values for b in values if a != b]
    reach = SETTLE / min(gaps) if gaps else SETTLE
    C = np.linspace(-reach, reach, 721)
    curves = softmax(C[:, None] * values[None, :], axis=-1)
    seen: Counter[sp.Expr] = Counter()
    with style():
        figure, (axis,) = panels(1, size=(6.6, 3.9))
        for i, (value, name) in enumerate(zip(z, names)):
            tied = [names[j] for j in range(len(z)) if z[j] == value and j != i]
            dash = DASHES[seen[value] % len(DASHES)]
            seen[value] += 1
            label = f"${name} = {to_latex(value)}$" + (f" (tied with ${', '.join(tied)}$)" if tied else "")
            axis.plot(C, curves[:, i], color=f"C{i % 10}", linestyle=dash,
                      linewidth=2.4 - 0.6 * min(seen[value] - 1, 2), label=label)
        for limits, (start, end), side in ((plus, (0, reach), "right"), (minus, (-reach, 0), "left")):
            for level in sorted(set(limits), key=as_float):
                axis.hlines(as_float(level), start, end, color="0.35", linestyle=":", linewidth=1.0)
                x = end if side == "right" else start
                axis.annotate(f"${to_latex(level)}$", (x, as_float(level)), fontsize=8,
                              xytext=(3 if side == "right" else -3, 2), textcoords="offset points",
                              ha="left" if side == "right" else "right", va="bottom")
        axis.set_xlim(-1.12 * reach, 1.12 * reach)
        axis.set_ylim(-0.05, 1.08)
        axis.set_xlabel("$C$")
        axis.set_ylabel(r"$\mathrm{softmax}(Cz)_i$")
        axis.set_title(rf"$z = {tuple_tex(z)}$: $C \to +\infty$ gives ${tuple_tex(plus)}$, "
                       rf"$C \to -\infty$ gives ${tuple_tex(minus)}$", fontsize=9)
        axis.legend(fontsize=7, loc="center left")
    return figure


# ------------------------------------------------------------------ Hopfield
RUNS = 5
SEED = 7
#: Neurons drawn when the derivation's ``n`` is a symbol.
SYMBOLIC_SIZE = 8


def weights_for(d: Derivation) -> tuple[np.ndarray, bool]:
    """The weight matrix drawn and whether it is the derivation's own (else sampled).

    >>> import symnn
    >>> W, own = weights_for(symnn.derive("hopfield-lyapunov", W=[[0, 1], [1, 0]]))
    >>> W.tolist(), own
    ([[0.0, 1.0], [1.0, 0.0]], True)
    """
    W = d.parameters.get("W")
    if W is not None:
        return np.array(W.tolist(), dtype=float), True
    n = d.parameters["n"]
    size = SYMBOLIC_SIZE if isinstance(n, sp.Symbol) else int(n)
    return hopfield.random_weights(size, rng=SEED), False


def energy_plot(d: Derivation) -> Figure:
    """Energy against the number of single-neuron updates, for :data:`RUNS` random starts."""
    W, own = weights_for(d)
    n = W.shape[0]
    rng = np.random.default_rng(SEED + 1)
    with style():
        figure, (axis,) = panels(1, size=(6.4, 3.8))
        for run in range(RUNS):
            start = rng.choice([-1, 1], size=n)
            final, trace = hopfield.run(W, start, order=np.arange(n))
            steps = np.arange(len(trace))
            flips = int(np.sum(np.diff(trace) < 0))
            axis.step(steps, trace, where="post", color=f"C{run}", linewidth=1.5,
                      label=f"run {run + 1}: {flips} flips")
            axis.plot([steps[0]], [trace[0]], "o", color=f"C{run}", markersize=4)
            if hopfield.is_fixed_point(W, final):
                axis.plot([steps[-1]], [trace[-1]], "*", color=f"C{run}", markersize=11,
                          markeredgecolor="black", markeredgewidth=0.5)
        for sweep in range(1, int(axis.get_xlim()[1] // n) + 1):
            axis.axvline(sweep * n, color="0.85", linewidth=0.8, zorder=0)
        axis.set_xlabel(f"single-neuron updates (one sweep = {n} updates, grey lines)")
        axis.set_ylabel(r"$H(x) = -\frac{1}{2} x^T W x$")
        where = "the given W" if own else f"random symmetric W with n = {n} (seed {SEED})"
        flip = to_latex(d.result["delta_H_flip"]) if "delta_H_flip" in d.result else r"-2|h_i|"
        axis.set_title(rf"the energy never increases; a flip of neuron $i$ changes it by ${flip}$"
                       f"\nstars: fixed points reached; {where}", fontsize=9)
        axis.legend(fontsize=7, loc="upper right")
    return figure

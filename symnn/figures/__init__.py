"""The figures the sheets ask for: network diagrams in TikZ and plots in matplotlib.

Each figure is drawn from a derivation's own parameters and result (and the simulator),
so a figure never disagrees with its derivation. :data:`FIGURES` is the one table: an
id maps to a *diagram* (a function returning a ``tikzpicture`` snippet) and/or a *plot*
(a function returning a ``matplotlib.figure.Figure``).

Public API::

    figure_ids()                      # ids that have a figure, in catalogue order
    draw(d_or_id, path, **params)     # write the figure file(s); returns the paths
    tikz_for(d)                       # the TikZ snippet of d, or None
    plot_for(d)                       # the matplotlib Figure of d, or None (notebooks)

What ``draw`` writes depends on ``path``:

==========================  ============================================================
``path``                    files written
==========================  ============================================================
``NAME.tex``                the diagram (a ``tikzpicture`` snippet for ``\\input``)
``NAME.png`` / ``NAME.pdf`` the plot
``NAME`` (no suffix)        every part: ``NAME.tex`` (diagram) and ``NAME.png`` (plot)
an existing directory       every part, named ``fig-ID.tex`` and ``fig-ID.png`` in it
==========================  ============================================================

A path asking for a part the id does not have (``.tex`` for a plot-only id) is a
:class:`~symnn.errors.ParameterError`, and so is an id without figures.

>>> figure_ids()[:2]
['softmax-limit', 'two-layer-relu-gradients']
>>> import symnn
>>> tikz_for(symnn.derive("softmax-jacobian", n=2)) is None
True
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symnn.core.derivation import Derivation
from symnn.errors import ParameterError
from symnn.figures import activations, approximation, expression_tree, limits, networks, optimization
from symnn.figures.plots import save
from symnn.io import write_text_atomic

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure as PlotFigure

__all__ = ["FIGURES", "Figure", "draw", "figure_ids", "plot_for", "tikz_for"]

DIAGRAM_SUFFIXES = (".tex",)
PLOT_SUFFIXES = (".png", ".pdf")


@dataclass(frozen=True)
class Figure:
    """The figure(s) of one id: what they show, and the functions that draw them."""

    id: str
    shows: str
    diagram: Callable[[Derivation], str] | None = None
    plot: Callable[[Derivation], PlotFigure] | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """``("diagram", "plot")`` or the one of them this id has."""
        return tuple(name for name in ("diagram", "plot") if getattr(self, name) is not None)


FIGURES: dict[str, Figure] = {item.id: item for item in (
    Figure("box-function", "the unit-step network with its weights and biases; the box it computes",
           diagram=networks.box_diagram, plot=approximation.box_plot),
    Figure("universal-approximation", "f with its step-network approximation at two widths; "
           "the error against the bound", plot=approximation.approximation_plot),
    Figure("forward-pass", "the 4-3-2 network with its weights; x, h and o on the nodes",
           diagram=networks.forward_pass_diagram),
    Figure("two-layer-relu-gradients", "the 2-3-1 ReLU network with its weights and biases; "
           "which ReLUs are active per sample", diagram=networks.two_layer_diagram,
           plot=networks.relu_activity_plot),
    Figure("network-gradients", "the network with its layers, activations, weights and biases; "
           "the loss along the derived gradient", diagram=networks.network_diagram,
           plot=networks.gradient_plot),
    Figure("gd-convergence-quadratic", "gradient-descent iterates below, at and above the bound "
           "on the step size", plot=optimization.gd_plot),
    Figure("hopfield-lyapunov", "the energy against the update count for random runs, down to "
           "fixed points", plot=limits.energy_plot),
    Figure("logistic-separable", "the log-likelihood along alpha w, with and without the "
           "penalty lambda ||w||^2", plot=optimization.likelihood_plot),
    Figure("softmax-limit", "softmax(Cz) against C: both limits and the sharing of ties",
           plot=limits.limit_plot),
    Figure("activation-gaussian-moments", "f and f' from the simulator; the density of f(G) "
           "from 200,000 draws with the derived mean", plot=activations.activation_plot),
    Figure("initialization-variance", "the pre-activation variance over 30 random layers at "
           "v/2, v and 2v", plot=activations.initialization_plot),
    Figure("matrix-gradient", "the expression tree of f; in blue the nodes the adjoint passes on "
           "its way to the variable", diagram=expression_tree.expression_tree_diagram),
)}


def figure_ids() -> list[str]:
    """The ids that have figures, in the catalogue's order."""
    from symnn.core.registry import CATALOGUE_ORDER

    rank = {name: position for position, name in enumerate(CATALOGUE_ORDER)}
    return sorted(FIGURES, key=lambda name: (rank.get(name, len(rank)), name))


def figure(id: str) -> Figure:
    """The :class:`Figure` entry of ``id``, or a :class:`ParameterError` listing the ids."""
    if id not in FIGURES:
        raise ParameterError("id", id, "an id with figures: " + ", ".join(figure_ids()))
    return FIGURES[id]


def _derivation(derivation_or_id: Derivation | str, params: dict[str, Any]) -> Derivation:
    if isinstance(derivation_or_id, Derivation):
        if params:
            raise ParameterError(next(iter(params)), params[next(iter(params))],
                                 "no parameters when a derivation is given (they are its own)")
        figure(derivation_or_id.id)
        return derivation_or_id
    from symnn.core.registry import derive

    figure(derivation_or_id)
    return derive(derivation_or_id, **params)


def targets(id: str, path: str | os.PathLike[str]) -> list[tuple[str, Path]]:
    """The ``(part, file)`` pairs :func:`draw` writes for ``id`` at ``path`` (see the module doc)."""
    item, target = figure(id), Path(path)
    if target.is_dir():
        target = target / f"fig-{id}"
    elif target.suffix:
        suffix = target.suffix.lower()
        part = "diagram" if suffix in DIAGRAM_SUFFIXES else "plot" if suffix in PLOT_SUFFIXES else None
        if part is None:
            raise ParameterError("path", str(path), "a file ending in .tex (diagram), .png or .pdf "
                                 "(plot), a name without suffix, or a directory")
        if part not in item.parts:
            raise ParameterError("path", str(path), f"a file for a part {id} has: "
                                 + " or ".join(_SUFFIX_HINTS[p] for p in item.parts))
        return [(part, target)]
    return [(part, target.with_name(target.name + _DEFAULT_SUFFIX[part])) for part in item.parts]


_DEFAULT_SUFFIX = {"diagram": ".tex", "plot": ".png"}
_SUFFIX_HINTS = {"diagram": ".tex (its diagram)", "plot": ".png or .pdf (its plot)"}


def draw(derivation_or_id: Derivation | str, path: str | os.PathLike[str], **params: Any) -> list[Path]:
    """Write the figure(s) of a derivation (or of ``derive(id, **params)``) at ``path``.

    Returns the files written. Diagrams are ``tikzpicture`` snippets (``.tex``) needing
    ``\\usepackage{tikz}`` (and ``amsmath``); plots are PNG or PDF. Every file is
    written atomically.
    """
    d = _derivation(derivation_or_id, params)
    written = []
    for part, target in targets(d.id, path):
        if part == "diagram":
            write_text_atomic(target, tikz_for(d) or "")
        else:
            save(plot_for(d), target)
        written.append(target)
    return written


def tikz_for(derivation: Derivation) -> str | None:
    """The ``tikzpicture`` snippet of ``derivation``'s diagram, or None when it has none."""
    item = FIGURES.get(derivation.id)
    return None if item is None or item.diagram is None else item.diagram(derivation)


def plot_for(derivation: Derivation) -> PlotFigure | None:
    """The ``matplotlib.figure.Figure`` of ``derivation``'s plot, or None when it has none."""
    item = FIGURES.get(derivation.id)
    return None if item is None or item.plot is None else item.plot(derivation)

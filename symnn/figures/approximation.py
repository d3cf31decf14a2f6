"""Plots of unit-step networks: the box (homework-1 1(a)) and universal approximation (1(b)).

``box_plot`` draws the function the derivation's network computes, ``result["f"]``, with
the two neurons' contributions ``v_j H(w_j x + b_j)`` read from ``result["weights"]`` and
``result["biases"]``. Between the jumps the network is constant; at a jump the exact value
of ``f`` (the derivation's ``H(0)`` convention) is a filled dot and the other one-sided
limit an open dot. A symbolic height or width is drawn at 1, with the ticks named after
the symbols (``h``, ``delta``).

``approximation_plot`` draws ``f`` with the derivation's step network
``result["network"]`` at the given width and at half of it (a second derivation; twice
it when half would need more cells than the derivation allows), and
beside them the error ``|f - g|`` on ``[-B, B]`` against each derivation's bound
``result["error_bound"]``.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from symnn.core.derivation import Derivation
from symnn.core.exact import as_sympy
from symnn.core.latex import to_latex
from symnn.errors import ParameterError
from symnn.figures.networks import by_layer, in_order
from symnn.figures.plots import as_float, numeric_function, panels, style

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Value given to a symbolic height or width in a plot.
SAMPLE = sp.Integer(1)


def shown(expr: sp.Expr) -> str:
    """LaTeX of a step-network expression with ``Heaviside(z, H0)`` printed as ``H(z)``.

    >>> x = sp.Symbol("x")
    >>> shown(2 * sp.Heaviside(x - 1, 1))
    '2 H\\\\left(x - 1\\\\right)'
    """
    return to_latex(expr.replace(sp.Heaviside, lambda *args: sp.Function("H")(args[0])))


def _variable(expr: sp.Expr) -> sp.Symbol:
    """The input symbol ``x`` of a network expression (a new one for a constant)."""
    found = [s for s in expr.free_symbols if s.name == "x"]
    return found[0] if found else sp.Symbol("x", real=True)


def _step_function(axis: Axes, expr: sp.Expr, x: sp.Symbol, jumps: list[sp.Expr],
                   values: dict[sp.Symbol, sp.Expr], **style_: Any) -> list[sp.Expr]:
    """Draw a piecewise-constant ``expr`` with jumps only at ``jumps``; return its levels.

    Flat segments between the jumps; at a jump a filled dot at the exact value and an open
    dot at each one-sided level that differs from it. ``values`` gives symbols numbers.
    """
    margin = sp.Max(jumps[-1] - jumps[0], 1) / 2
    cuts = [jumps[0] - margin, *jumps, jumps[-1] + margin]
    where = [as_float(c.xreplace(values)) for c in cuts]
    levels = [expr.subs(x, (a + b) / 2) for a, b in itertools.pairwise(cuts)]
    at_jumps = [expr.subs(x, p) for p in jumps]
    drawn = [as_float(v.xreplace(values)) for v in levels]
    for number, (a, b, level) in enumerate(zip(where, where[1:], drawn)):
        axis.plot([a, b], [level, level], **{**style_, **({"label": None} if number else {})})
    colour = style_.get("color", "black")
    for k, exact in enumerate(at_jumps, start=1):
        value = as_float(exact.xreplace(values))
        if drawn[k - 1] == drawn[k] == value:
            continue
        axis.plot([where[k]], [value], "o", color=colour, markersize=5.5)
        for side in {drawn[k - 1], drawn[k]} - {value}:
            axis.plot([where[k]], [side], "o", color=colour, markerfacecolor="white", markersize=5.5)
    return [*levels, *at_jumps]


def neuron_tex(v: sp.Expr, w: sp.Expr, x: sp.Symbol, b: sp.Expr) -> str:
    """``v H(w x + b)`` in LaTeX, written in the order ``w x`` then ``b``.

    >>> x, delta = sp.symbols("x delta")
    >>> neuron_tex(sp.Integer(-2), sp.Integer(1), x, -delta)
    '-2 H(x - \\\\delta)'
    """
    inner = to_latex(w * x)
    if b != 0:
        inner += f" - {to_latex(-b)}" if b.could_extract_minus_sign() else f" + {to_latex(b)}"
    factor = {1: "", -1: "-"}.get(v, to_latex(v) + " ") if v.is_number else to_latex(v) + " "
    return f"{factor}H({inner})"


def _name_levels(axis: Axes, levels: list[sp.Expr], values: dict[sp.Symbol, sp.Expr]) -> None:
    """y ticks at ``levels``, written exactly (symbols by name)."""
    distinct: dict[float, sp.Expr] = {}
    for level in levels:
        distinct.setdefault(as_float(level.xreplace(values)), level)
    ticks = sorted(distinct)
    axis.set_yticks(ticks, [f"${to_latex(distinct[t])}$" for t in ticks])


def box_plot(d: Derivation) -> Figure:
    """The box ``f(x)`` of ``box-function`` (right) and the two step neurons that make it (left)."""
    f = d.result["f"]
    x = _variable(f)
    weights, biases = by_layer(d.result["weights"]), by_layer(d.result["biases"])
    first, second = in_order(weights[("w", 1)]), in_order(weights[("w", 2)])
    hidden_bias, (output_bias,) = in_order(biases[("b", 1)]), in_order(biases[("b", 2)])
    symbols = {s for e in (f, *first, *second, *hidden_bias) for s in as_sympy(e).free_symbols} - {x}
    values = {s: SAMPLE for s in symbols}
    jumps = sorted({sp.solve(w * x + b, x)[0] for w, b in zip(first, hidden_bias)},
                   key=lambda p: as_float(p.xreplace(values)))
    with style():
        figure, (left, right) = panels(2, size=(4.0, 3.2))
        levels, terms = [], []
        for j, (w, b, v) in enumerate(zip(first, hidden_bias, second)):
            terms.append(neuron_tex(v, w, x, b))
            levels += _step_function(left, v * sp.Heaviside(w * x + b, 1), x, jumps, values,
                                     color=f"C{j}", linewidth=1.8, linestyle="-" if j == 0 else "--",
                                     label=f"neuron {j + 1}: ${terms[-1]}$")
        bias = output_bias if output_bias != 0 else None
        total = " + ".join(terms + ([to_latex(bias)] if bias is not None else [])).replace("+ -", "- ")
        output = _step_function(right, f, x, jumps, values, color="black", linewidth=2.2,
                                label=f"$f(x) = {total}$")
        for axis, title, ticks in ((left, "hidden step neurons, weighted", levels),
                                   (right, "their sum: the box", output)):
            _name_levels(axis, ticks, values)
            low, high = axis.get_ylim()
            axis.set_ylim(low, high + 0.45 * (high - low))
            axis.set_xticks([as_float(p.xreplace(values)) for p in jumps],
                            [f"${to_latex(p)}$" for p in jumps])
            axis.set_xlabel("$x$")
            axis.set_title(title)
            axis.legend(loc="upper center", fontsize=7)
        if values:
            figure.suptitle("symbols drawn at 1", fontsize=8)
    return figure


def approximation_plot(d: Derivation) -> Figure:
    """``f`` and its step networks at ``width`` and ``width / 2``; the errors against the bounds."""
    from symnn.core.registry import derive

    try:
        other = derive(d.id, **{**d.parameters, "width": d.parameters["width"] / 2})
    except ParameterError:  # too many cells: compare with a coarser network instead
        other = derive(d.id, **{**d.parameters, "width": d.parameters["width"] * 2})
    B = d.parameters["B"]
    grid = np.linspace(-as_float(B), as_float(B), 4001)[:-1]
    x = _variable(d.result["network"])
    target = approximated(d, x)
    exact = numeric_function(target, x)(grid)
    with style():
        figure, (left, right) = panels(2, size=(4.6, 3.4))
        left.plot(grid, exact, color="black", linewidth=2.0, label=f"$f(x) = {to_latex(target)}$")
        for item, colour in ((d, "C0"), (other, "C3")):
            width, network = item.parameters["width"], item.result["network"]
            g = numeric_function(network, x)(grid)
            boxes = len(network.atoms(sp.Heaviside)) + 1
            left.plot(grid, g, color=colour, linewidth=1.1,
                      label=f"step network $g$, width ${to_latex(width)}$ ({boxes} boxes)")
            right.plot(grid, np.abs(exact - g), color=colour, linewidth=0.9,
                       label=f"$|f - g|$, width ${to_latex(width)}$")
            bound = item.result["error_bound"]
            right.axhline(as_float(bound), color=colour, linestyle="--", linewidth=1.3,
                          label=f"bound $w\\,\\sup|f'| = {to_latex(bound)}$")
        left.set_xlabel("$x$")
        left.set_title(f"boxes approximate $f$ on $[-{to_latex(B)}, {to_latex(B)}]$")
        left.legend(loc="best", fontsize=7)
        right.set_xlabel("$x$")
        right.set_ylim(0, 1.6 * as_float(d.result["error_bound"]))
        right.set_title("the error stays below the bound")
        right.legend(loc="upper center", fontsize=7, ncol=2)
    return figure


def approximated(d: Derivation, x: sp.Symbol) -> sp.Expr:
    """The function ``f`` that ``universal-approximation`` approximates, in the symbol ``x``."""
    if "f" in d.result:
        expr = d.result["f"]
    else:
        from symnn.derivations.approximation import FUNCTIONS

        expr = FUNCTIONS[d.parameters["f"]]
    return expr.xreplace({s: x for s in expr.free_symbols if s.name == "x"})

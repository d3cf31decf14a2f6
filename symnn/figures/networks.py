"""Network diagrams (TikZ) and the ReLU activity grid, drawn from a derivation's numbers.

Every number in these pictures is read from the derivation: its coerced parameters
(``d.parameters``) and its result (``d.result``); none is typed here.

==============================  =========================================================
id                              figure
==============================  =========================================================
``box-function``                1 - 2 - 1 unit-step network with its weights and biases
``forward-pass``                4 - 3 - 2 ReLU-softmax network; h and o on the nodes
``two-layer-relu-gradients``    2 - 3 - 1 ReLU network with weights and biases; and a grid
                                of which hidden ReLUs are active for each sample
``network-gradients``           the network a user brings: its layers, activations, weights
                                (numbers, or the symbols W{l}_{ij}) and biases; and the
                                simulator's loss along the derived gradient with its tangent
==============================  =========================================================

>>> import symnn
>>> tex = box_diagram(symnn.derive("box-function", h=2, delta=0.5))
>>> "{$b = -0.5$}" in tex and "{$-2$}" in tex
True
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import sympy as sp

from symnn.core.derivation import Derivation
from symnn.figures.plots import panels, style
from symnn.figures.tikz import Layer, NumberFormat, matrix_numbers, network_tikz

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

_ENTRY = re.compile(r"^([wb])(\d)(?:_(\d+))?$")


def by_layer(entries: Any) -> dict[tuple[str, int], dict[int, Any]]:
    """``{w1_2: v}``-style names grouped as ``{("w", 1): {2: v}}`` (a missing index is 1)."""
    groups: dict[tuple[str, int], dict[int, Any]] = {}
    for key, value in dict(entries).items():
        match = _ENTRY.match(str(key))
        if match is None:
            raise ValueError(f"cannot place {key!r}: expected names like w1_2, b1_1 or b2")
        letter, layer, index = match.groups()
        groups.setdefault((letter, int(layer)), {})[int(index or 1)] = value
    return groups


def in_order(group: dict[int, Any]) -> list[Any]:
    """The values of one group of :func:`by_layer`, by index."""
    return [group[k] for k in sorted(group)]


def _with_bias(fmt: NumberFormat, bias: Any) -> str:
    return f"b = {fmt(bias)}"


def box_diagram(d: Derivation) -> str:
    """The unit-step network of ``box-function``: x -> two step neurons -> a summing output."""
    weights, biases = by_layer(d.result["weights"]), by_layer(d.result["biases"])
    first, second = in_order(weights[("w", 1)]), in_order(weights[("w", 2)])
    hidden_bias, output_bias = in_order(biases[("b", 1)]), in_order(biases[("b", 2)])
    fmt = NumberFormat.for_values([*first, *second, *hidden_bias, *output_bias])
    layers = [
        Layer("input", ["x"]),
        Layer(r"unit steps $H$", [f"H_{{{j + 1}}}" for j in range(len(first))],
              above=[_with_bias(fmt, b) for b in hidden_bias]),
        Layer("output (sum)", [r"\Sigma"], above=[_with_bias(fmt, b) for b in output_bias],
              below=["f(x)"]),
    ]
    return network_tikz(layers, [sp.Matrix([first]), sp.Matrix(second)], number_format=fmt)


def equation(name: str, value: Any, fmt: NumberFormat) -> str:
    """``name = value``, or ``name \\approx value`` for a number shown rounded."""
    text = fmt(value)
    return f"{name} {text}" if text.startswith(r"\approx") else f"{name} = {text}"


def forward_pass_diagram(d: Derivation) -> str:
    """The ReLU-softmax network of ``forward-pass`` with x, h and o on the nodes (numeric x)."""
    W1, W2 = d.parameters["W1"], d.parameters["W2"]
    x = d.parameters.get("x")
    shown = x is not None
    h, o = list(d.result["h"]), list(d.result["o"])
    fmt = NumberFormat.for_values([*matrix_numbers([W1, W2]), *(x or []), *(h if shown else [])])

    def values(name: str, items: list[Any]) -> list[str | None]:
        return [equation(f"{name}_{{{i + 1}}}", v, fmt) for i, v in enumerate(items)] if shown else []

    layers = [
        Layer(r"input $x$", [f"x_{{{i + 1}}}" for i in range(W1.rows)], below=values("x", x or [])),
        Layer(r"hidden $h = \mathrm{ReLU}(x W^{(1)})$", [f"h_{{{j + 1}}}" for j in range(W1.cols)],
              below=values("h", h)),
        Layer(r"output $o = \mathrm{softmax}(h W^{(2)})$", [f"o_{{{k + 1}}}" for k in range(W2.cols)],
              below=values("o", o)),
    ]
    return network_tikz(layers, [W1, W2], number_format=fmt, layer_sep=4.6, node_sep=2.1)


def _two_layer(d: Derivation) -> tuple[sp.Matrix, sp.Matrix, list[Any], list[Any], Any]:
    p = d.parameters
    return p["X"], p["W1"], list(p["b1"]), list(p["w2"]), p["b2"]


def two_layer_diagram(d: Derivation) -> str:
    """The ReLU network of ``two-layer-relu-gradients`` with every weight and bias."""
    _, W1, b1, w2, b2 = _two_layer(d)
    fmt = NumberFormat.for_values([*matrix_numbers([W1]), *b1, *w2, b2])
    layers = [
        Layer(r"input $x_k$", [f"x_{{k,{i + 1}}}" for i in range(W1.rows)]),
        Layer(r"hidden ReLU", [f"a_{{{j + 1}}}" for j in range(W1.cols)],
              above=[_with_bias(fmt, b) for b in b1]),
        Layer(r"output (linear)", ["y_k"], above=[_with_bias(fmt, b2)]),
    ]
    return network_tikz(layers, [W1, sp.Matrix(w2)], number_format=fmt, layer_sep=4.4)


def pre_activations(d: Derivation) -> sp.Matrix:
    """``Z = X W1 + 1 b1``: the derivation's own ``Z`` when it reports one."""
    if "Z" in d.result:
        return d.result["Z"]
    X, W1, b1, _, _ = _two_layer(d)
    return X * W1 + sp.ones(X.rows, 1) * sp.Matrix([b1])


def relu_activity_plot(d: Derivation) -> Figure:
    """A samples x hidden-units grid: which ReLUs are active (Z > 0), with each Z written in.

    ``Z = 0`` is drawn as its own (hatched) case: ReLU has no derivative there and the
    derivation uses ``relu'(0) = 0``, so the unit passes no gradient, as an inactive one.
    """
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    Z = pre_activations(d)
    X = d.parameters["X"]
    fmt = NumberFormat.for_values(list(Z))
    state = np.array([[1 if z > 0 else 0 if z < 0 else 0.5 for z in row] for row in Z.tolist()])
    colours = ListedColormap(["#d9d9d9", "#fdd49e", "#74c476"])
    with style():
        figure, (axis,) = panels(1, size=(1.6 + 1.25 * Z.cols, 1.3 + 0.55 * Z.rows))
        axis.imshow(state, cmap=colours, vmin=0, vmax=1, aspect="auto")
        for (k, j), z in np.ndenumerate(np.array(Z.tolist(), dtype=object)):
            axis.text(j, k, f"${fmt(z)}$", ha="center", va="center", fontsize=9)
            if z == 0:
                axis.add_patch(_hatch(j, k))
        axis.set_xticks(range(Z.cols), [f"unit {j + 1} ($a_{{{j + 1}}}$)" for j in range(Z.cols)])
        samples = [", ".join(fmt(v) for v in X.row(k)) for k in range(Z.rows)]
        axis.set_yticks(range(Z.rows), [f"$x_{{{k + 1}}} = ({s})$" for k, s in enumerate(samples)])
        axis.grid(False)
        axis.set_xticks(np.arange(Z.cols + 1) - 0.5, minor=True)
        axis.set_yticks(np.arange(Z.rows + 1) - 0.5, minor=True)
        axis.grid(which="minor", color="white", linewidth=2)
        axis.tick_params(which="minor", length=0)
        axis.set_title(r"active ReLUs: $Z = X W^{(1)} + b^{(1)}$ per sample and unit")
        handles = [Patch(color="#74c476", label="active, Z > 0"),
                   Patch(color="#d9d9d9", label="inactive, Z < 0")]
        if (state == 0.5).any():
            handles.append(Patch(facecolor="#fdd49e", hatch="//", label="Z = 0 (relu'(0) = 0)"))
        axis.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.2 / Z.rows),
                    ncol=len(handles), frameon=False)
    return figure


def _hatch(j: int, k: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.5, k - 0.5), 1, 1, fill=False, hatch="//", edgecolor="#b07020", linewidth=0)


def network_diagram(d: Derivation) -> str:
    """The network of ``network-gradients``: every layer, weight and bias (numbers or symbols)."""
    from symnn.networks.spec import parameter_symbols

    sizes, names = d.parameters["sizes"], d.parameters["activations"]
    weights = [d.parameters.get(f"W{l}", parameter_symbols("W", l, sizes[l - 1], sizes[l]))
               for l in range(1, len(sizes))]
    biases = [list(d.parameters.get(f"b{l}", parameter_symbols("b", l, 1, sizes[l])))
              for l in range(1, len(sizes))]
    fmt = NumberFormat.for_values([*matrix_numbers(weights), *(v for row in biases for v in row)])
    layers = [Layer(r"input $x$", [f"x_{{{i + 1}}}" for i in range(sizes[0])])]
    for l, (name, bias) in enumerate(zip(names, biases), 1):
        caption = f"layer {l}: {name.replace('_', ' ')}"
        layers.append(Layer(caption, [f"a^{{({l})}}_{{{j + 1}}}" for j in range(sizes[l])],
                            above=[_with_bias(fmt, v) for v in bias]))
    return network_tikz(layers, weights, number_format=fmt, layer_sep=4.4)


def _spec(d: Derivation) -> Any:
    from symnn.networks import NetworkSpec

    p = d.parameters
    depth = len(p["sizes"]) - 1
    return NetworkSpec.build(p["sizes"], p["activations"], loss=p["loss"], alpha=p.get("alpha"),
                             l2=p.get("l2"), X=p.get("X"), t=p.get("t"),
                             W=[p.get(f"W{l}") for l in range(1, depth + 1)],
                             b=[p.get(f"b{l}") for l in range(1, depth + 1)])


def gradient_plot(d: Derivation) -> Figure:
    """The simulator's loss along the unit direction of the derived gradient, and the tangent
    line whose slope the gradient predicts: they touch at the current weights."""
    import numpy as np

    from symnn.networks import Gradients, forward, loss_along_gradient

    spec = _spec(d)
    depth = spec.depth
    grads = Gradients(tuple(d.result[f"delta{l}"] for l in range(1, depth + 1)),
                      tuple(d.result[f"dL_dW{l}"] for l in range(1, depth + 1)),
                      tuple(d.result[f"dL_db{l}"] for l in range(1, depth + 1)))
    steps = np.linspace(-0.5, 0.5, 101)
    losses, at_zero, slope = loss_along_gradient(spec, forward(spec), grads, steps)
    with style():
        figure, (axis,) = panels(1)
        axis.plot(steps, losses, label="simulator loss $L(\\theta - \\eta\\, g/\\|g\\|)$")
        axis.plot(steps, at_zero + slope * steps, "--", label="tangent, slope $-\\|g\\|$ (derived)")
        axis.set_xlabel("step $\\eta$ along the negative gradient")
        axis.set_ylabel("loss")
        axis.set_title("the derived gradient is the slope of the loss")
        axis.legend()
    return figure

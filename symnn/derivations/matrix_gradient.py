"""The gradient of a matrix expression, derived node by node in reverse mode and certified.

For a scalar function ``f`` of declared matrices, ``∇_W f`` (shaped like ``W``,
``(∇_W f)_{ij} = ∂f/∂W_{ij}``) is derived by handing the adjoint down the expression tree,
one rule of :mod:`symnn.matrix_calculus.rules` per node, each rule certified at symbolic
sizes (so for every size) and again by explicit expansion at concrete sizes; reverse mode
being the chain rule, the gradient then holds for every size. It is corroborated against
the entrywise derivative of the written-out function and cross-checked by finite
differences and, where the variable enters as a layer, by the simulator's backward pass.
A rule not certified at symbolic sizes (the determinant's) leaves the gradient verified at
explicit sizes only, and the write-up says so.

.. math:: \\nabla_w \\tfrac12 \\|Xw - y\\|^2 = X^T (Xw - y)

>>> import symnn
>>> d = symnn.derive("matrix-gradient")
>>> d.result["gradient"]
X.T*(X*w - y)
>>> d.check().ok
True
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sympy as sp

from symnn.core.crosscheck import CheckReport, CrossCheck
from symnn.core.derivation import Derivation, DerivationBuilder
from symnn.core.exact import as_sympy
from symnn.core.params import Parameter
from symnn.core.registry import register
from symnn.matrix_calculus.check import POINTS, TOLERANCE, cross_check, numeric_gradient
from symnn.matrix_calculus.composite import GradientProof, prove_gradient, verify_same
from symnn.matrix_calculus.expression import Term, read_typed
from symnn.matrix_calculus.from_sympy import as_text
from symnn.matrix_calculus.numeric import evaluate, sample_point
from symnn.matrix_calculus.params import ExpressionText, MatrixName, Shapes
from symnn.matrix_calculus.printing import gradient_symbol, matrix_latex
from symnn.matrix_calculus.reader import MatrixExpressionError
from symnn.matrix_calculus.reverse import collect_right_factors, reverse_mode
from symnn.matrix_calculus.symbolic import certify_rule

DEFAULT_F = "norm(X*w - y)^2/2"
DEFAULT_SHAPES = [["X", 5, 3], ["w", 3, 1], ["y", 5, 1]]


def _shape_tex(shapes: list[list[Any]]) -> str:
    parts = [rf"{name} \in \mathbb{{R}}^{{{rows} \times {cols}}}" for name, rows, cols in shapes]
    return "$" + "$, $".join(parts) + "$"


@register(
    "matrix-gradient",
    title="The gradient of a matrix expression",
    sheets=[],
    parameters=[
        Parameter("f", ExpressionText(), DEFAULT_F,
                  "the scalar function: text of the grammar (docs/your-own-problems.md) or SymPy"),
        Parameter("wrt", MatrixName(), "w", "the matrix to differentiate by"),
        Parameter("shapes", Shapes(), DEFAULT_SHAPES,
                  "[[name, rows, cols], ...]; sizes are numbers or names (read off SymPy input)"),
    ],
)
def matrix_gradient(f: Any, wrt: str, shapes: list[list[Any]]) -> Derivation:
    """Derive ``∇_wrt f`` in matrix notation, one certified rule per node."""
    text = f
    if isinstance(f, sp.Basic):
        text, found = as_text(f)
        shapes = found if shapes == DEFAULT_SHAPES else shapes
    if wrt not in {name for name, _, _ in shapes}:
        declared = ", ".join(name for name, _, _ in shapes)
        raise MatrixExpressionError(wrt, f"the variable must be a declared matrix: {declared}", "wrt")
    term, matrices = read_typed(text, shapes)
    variable = matrices[wrt]
    sweep = reverse_mode(term, variable)
    function_tex = matrix_latex(term.expr)
    b = DerivationBuilder("matrix-gradient", "The gradient of a matrix expression",
                          rf"Find $\nabla_{{{wrt}}} f$ for $f = {function_tex}$.",
                          {"f": text, "wrt": wrt, "shapes": shapes})
    b.assume(_shape_tex(shapes) + "; names not declared as matrices are real scalars")
    if "log" in text:
        b.assume("the arguments of logarithms are positive (for log det: det > 0)")
    if "relu" in text:
        b.convention(r"$\operatorname{ReLU}'(0) = 0$, so $\operatorname{ReLU}'(x) = \mathbb{1}(x > 0)$")
    b.convention(rf"$\nabla_{{{wrt}}} f$ has the shape of ${wrt}$: "
                 rf"$(\nabla_{{{wrt}}} f)_{{ij}} = \partial f / \partial {wrt}_{{ij}}$; "
                 r"$\odot$ is the entrywise product, $\mathbf{1}$ a matrix of ones")
    b.define("the function", sp.Symbol("f"), term.expr, reason="as given",
             tex=rf"f = {function_tex}")
    for step in sweep.steps:
        node, child = step.node, step.child
        shapes_of = tuple(c.shape for c in node.children)
        b.claim(step.rule.name, step.adjoint,
                lambda n=node, s=shapes_of: bool(certify_rule(n.kind, n.value, s, n.shape).text),
                reason=step.rule.reason, route=step.certificate,
                tex=lambda c=child, a=step.adjoint: rf"{gradient_symbol(matrix_latex(c.expr))} = "
                                                    rf"{matrix_latex(a)}")
    gradient = sweep.gradient
    if len(sweep.contributions) > 1:
        b.note(rf"${wrt}$ occurs {len(sweep.contributions)} times: its gradient is the sum of the "
               "adjoints that reach its occurrences (the multivariable chain rule).")
    collected = collect_right_factors(gradient)
    gradient_tex = matrix_latex(collected)
    if collected != gradient:
        b.claim("collect common right factors", collected,
                lambda: bool(verify_same(gradient, collected)), reason="distributivity",
                route="every size (matrix-expand)", before=gradient,
                tex=lambda: rf"{matrix_latex(gradient)} = {gradient_tex}")
    proof = prove_gradient(sweep, text, shapes, wrt)
    b.claim("the whole gradient", collected, lambda: proof.holds(sweep), reason=_whole_reason(proof, wrt),
            route=proof.route(), tex=rf"\nabla_{{{wrt}}} f = {gradient_tex}")
    b.note(re.sub(r"(\d)x(\d)", r"\1$\\times$\2", proof.sentence()))
    return b.build(
        {"gradient": collected, "function": term.expr},
        checker=lambda found: _check(term, matrices, wrt, found),
        display={"gradient": gradient_tex, "function": function_tex},
    )


def _whole_reason(proof: GradientProof, wrt: str) -> str:
    if proof.every_size:
        return r"reverse mode is the chain rule, and each rule above holds for every size"
    return rf"$\nabla_{{{wrt}}} f$ against the entrywise derivative of the written-out $f$"


def _check(term: Term, matrices: dict[str, sp.MatrixSymbol], wrt: str, result: dict[str, Any]) -> CheckReport:
    """The gradient against finite differences and the simulator; the function, evaluated
    at the same kind of random points, against the NumPy evaluator of the parsed expression."""
    gradient = cross_check(term, matrices, wrt, result["gradient"])
    check = CrossCheck(gradient.method + "; the function against the NumPy evaluator", TOLERANCE)
    check.extend(gradient.comparisons)
    for label, holds in gradient.facts:
        check.require(label, holds)
    rng = np.random.default_rng(1)
    for point in range(POINTS):
        sizes = {s: int(rng.integers(2, 5)) for m in matrices.values() for s in m.shape
                 if isinstance(s, sp.Symbol)}
        shapes = {name: tuple(int(as_sympy(d).xreplace(sizes)) for d in symbol.shape)
                  for name, symbol in matrices.items()}
        scalars = sorted(str(s) for s in term.expr.free_symbols if isinstance(s, sp.Symbol)
                         and s not in sizes)
        values = sample_point(term, shapes, scalars, rng)
        check.compare(f"function at point {point + 1}", numeric_gradient(result["function"], matrices,
                                                                         sizes, values),
                      np.atleast_2d(evaluate(term, values)))
    return check.report()

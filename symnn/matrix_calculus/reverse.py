"""Reverse-mode differentiation of a typed matrix expression, one certified rule per node.

Starting from ``∂f/∂f = 1`` at the root, every node hands its adjoint ``G`` to those of its
children that depend on the variable, by the node's rule (:mod:`symnn.matrix_calculus.rules`);
each rule is certified for every size (:func:`~symnn.matrix_calculus.symbolic.certify_rule`:
at symbolic sizes, and again entrywise at explicit sizes). The gradient is the sum of the
adjoints that reach the variable's occurrences; reverse mode is the chain rule, so when every
rule it applied holds for every size, so does the gradient (:attr:`ReverseMode.every_size`).

>>> from symnn.matrix_calculus.expression import read_typed
>>> term, matrices = read_typed("norm(X*w - y)^2/2", [["X", 5, 3], ["w", 3, 1], ["y", 5, 1]])
>>> reverse_mode(term, matrices["w"]).gradient
X.T*(X*w - y)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symnn.matrix_calculus.expression import Term
from symnn.matrix_calculus.rules import RULES, Rule
from symnn.matrix_calculus.symbolic import certify_rule


@dataclass(frozen=True)
class RuleStep:
    """One application of a rule: the node, the child that receives ``adjoint``, the proof
    (its words, and whether it holds for every size)."""

    node: Term
    child: Term
    adjoint: Any
    rule: Rule
    certificate: str
    every_size: bool


@dataclass(frozen=True)
class ReverseMode:
    """The steps of a reverse sweep, the variable's adjoints and their sum."""

    steps: tuple[RuleStep, ...]
    contributions: tuple[Any, ...]
    gradient: Any

    @property
    def every_size(self) -> bool:
        """Every rule applied is certified for every size (the chain rule then proves the gradient)."""
        return all(step.every_size for step in self.steps)


def reverse_mode(term: Term, wrt: sp.MatrixSymbol) -> ReverseMode:
    """The gradient of the scalar ``term`` with respect to the matrix ``wrt``, rule by rule."""
    if not term.depends_on(wrt.name):
        return ReverseMode((), (), sp.ZeroMatrix(*wrt.shape))
    steps: list[RuleStep] = []
    contributions: list[Any] = []
    queue: list[tuple[Term, Any]] = [(term, sp.Integer(1))]
    while queue:
        node, adjoint = queue.pop(0)
        rule = RULES[node.kind]
        kids = tuple(child.expr for child in node.children)
        for index, child in enumerate(node.children):
            if not child.depends_on(wrt.name) or index in rule.constant:
                continue
            share = rule.vjp(kids, node.expr, adjoint, index, node.value)
            certificate = certify_rule(node.kind, node.value, tuple(c.shape for c in node.children),
                                       node.shape)
            steps.append(RuleStep(node, child, share, rule, certificate.text, certificate.every_size))
            if child.kind == "matrix":
                contributions.append(share)
            else:
                queue.append((child, share))
    gradient = contributions[0] if len(contributions) == 1 else sp.MatAdd(*contributions)
    return ReverseMode(tuple(steps), tuple(contributions), gradient)


def collect_right_factors(expr: Any) -> Any:
    """``A C + B C`` written ``(A + B) C`` for terms that end in the same factor.

    >>> S, w = sp.MatrixSymbol("S", 3, 3), sp.MatrixSymbol("w", 3, 1)
    >>> collect_right_factors(sp.MatAdd(S.T * w, S * w))
    (S + S.T)*w
    """
    if not isinstance(expr, sp.MatAdd):
        return expr
    groups: dict[Any, list[Any]] = {}
    order: list[Any] = []
    for term in expr.args:
        if isinstance(term, sp.MatMul) and len(term.args) >= 2 and isinstance(term.args[-1], sp.MatrixExpr):
            left = sp.MatMul(*term.args[:-1]) if len(term.args) > 2 else term.args[0]
            key = term.args[-1]
        else:
            left, key = None, term
        if key not in groups:
            order.append(key)
            groups[key] = []
        groups[key].append(left)
    pieces = []
    for key in order:
        lefts = groups[key]
        if len(lefts) >= 2 and all(isinstance(left, sp.MatrixExpr) for left in lefts):
            pieces.append(sp.MatMul(sp.MatAdd(*lefts), key))
        else:
            pieces.extend(key if left is None else sp.MatMul(left, key) for left in lefts)
    return pieces[0] if len(pieces) == 1 else sp.MatAdd(*pieces)

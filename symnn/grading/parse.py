"""The safe answer reader: answer text to a SymPy object, without evaluating the text.

The text is tokenised and parsed by hand (:mod:`symnn.grading.syntax`) into a small tree;
then, still before any SymPy object exists,

* every name is checked against the names of the result being graded (plus the
  constants ``pi``, ``E``, ``oo``); an unknown name is refused with the allowed list;
* a size bound is computed for every number the answer could produce (literals, sums,
  products, powers, ``exp`` of a constant ...); beyond :data:`MAX_BITS` bits the answer is
  refused, so towers like ``exp(exp(exp(10)))`` never reach SymPy.

Only then is the tree turned into SymPy objects, node by node, with whitelisted
constructors (``sp.Add``, ``sp.Mul``, ``sp.Pow``, ``sp.exp`` ...), under a time limit.

>>> import sympy as sp
>>> z1, z2 = sp.symbols("z1 z2", real=True)
>>> read_answer("exp(z1)/(exp(z1) + exp(z2))", {"z1": z1, "z2": z2})
exp(z1)/(exp(z1) + exp(z2))
>>> read_answer("[0.6, 1/4]", {})
Matrix([
[3/5],
[1/4]])
>>> read_answer("z3 + 1", {"z1": z1, "z2": z2})
Traceback (most recent call last):
...
symnn.grading.errors.UnsafeInputError: answer refused: the unknown name 'z3' (allowed names: z1, z2; \
constants: pi, E, oo) (at position 0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from symnn.core.activation_functions import sigma
from symnn.core.time_limit import time_limit
from symnn.errors import CertificationError
from symnn.grading.errors import UnsafeInputError
from symnn.grading.syntax import (
    CONSTANTS,
    FUNCTIONS,
    Call,
    Matrix,
    Name,
    Neg,
    Node,
    Num,
    Power,
    Product,
    Sum,
    parse_tree,
    walk,
)

MAX_BITS = 10_000
BUILD_SECONDS = 2.0
_CONSTANTS: dict[str, sp.Basic] = {"pi": sp.pi, "E": sp.E, "oo": sp.oo}
# ``sigma`` builds the shared sigmoid written out (``sigma.explicit``: 1 / (1 + exp(-x))), not the
# unevaluated function: an answer parses to exponentials as it always has, which the size bound
# above counts (sigma as exp) and the comparison decides as written
_BUILDERS: dict[str, Callable[..., Any]] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh,
    "sigma": sigma.explicit, "erf": sp.erf, "Abs": sp.Abs, "Max": sp.Max, "Min": sp.Min,
    "Heaviside": sp.Heaviside, "KroneckerDelta": sp.KroneckerDelta,
}


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that puts ``z2`` before ``z10``.

    >>> sorted(["z10", "z2", "alpha"], key=natural_key)
    ['alpha', 'z2', 'z10']
    """
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def result_names(value: Any) -> dict[str, sp.Basic]:
    """The names an answer may use for ``value``: its symbols, and ``y_i`` for each ``y[i]``.

    >>> i = sp.Symbol("i", integer=True, positive=True)
    >>> sorted(result_names(2 * sp.IndexedBase("y")[i]))
    ['i', 'y_i']
    """
    atoms = getattr(value, "free_symbols", set())
    indexed = [atom for atom in atoms if isinstance(atom, sp.Indexed)]
    labels = {item.base.label for item in indexed}
    symbols = {atom for atom in atoms if isinstance(atom, sp.Symbol) and atom not in labels}
    names: dict[str, sp.Basic] = {s.name: s for s in symbols if s.name.isidentifier() and s.name[0] != "_"}
    for item in indexed:
        if len(item.indices) == 1 and item.indices[0] in symbols:
            names[f"{item.base.label}_{item.indices[0]}"] = item
    return names


def used_names(tree: Node) -> list[str]:
    """The names (not function names) an answer tree uses, in natural order."""
    return sorted({node.name for node in walk(tree) if isinstance(node, Name)}, key=natural_key)


def _check_names(tree: Node, names: Mapping[str, sp.Basic]) -> None:
    for node in walk(tree):
        if not isinstance(node, Name) or node.name in names or node.name in CONSTANTS:
            continue
        if node.name in FUNCTIONS:
            raise UnsafeInputError(f"the function {node.name!r} without arguments (write {node.name}(x))",
                                   node.pos)
        allowed = ", ".join(sorted(names, key=natural_key)) or "none"
        raise UnsafeInputError(f"the unknown name {node.name!r} (allowed names: {allowed}; "
                               f"constants: {', '.join(CONSTANTS)})", node.pos)


def _tower(bits: float) -> float:
    """Bits of ``exp(a)`` (and of ``1/exp(a)``) when ``|a| <= 2**bits``."""
    return 1.45 * 2.0 ** min(bits, 1000.0) + 2


def _bounds(node: Node) -> tuple[float, float]:
    """``(upper, height)``: ``|value| <= 2**upper``, and ``2**-height <= |value| <= 2**height`` if not 0."""
    if isinstance(node, Num):
        bits = float(max(1, node.numerator.bit_length(), node.denominator.bit_length()))
        return bits, bits
    if isinstance(node, Name):
        return 2.0, 2.0
    if isinstance(node, Neg):
        return _bounds(node.operand)
    if isinstance(node, Sum):
        parts = [_bounds(term) for _, term in node.terms]
        return max(u for u, _ in parts) + len(parts), sum(h for _, h in parts) + len(parts)
    if isinstance(node, Product):
        parts = [(divide, *_bounds(factor)) for divide, factor in node.factors]
        return sum(h if divide else u for divide, u, h in parts), sum(h for _, _, h in parts)
    if isinstance(node, Power):
        upper, height = _bounds(node.base)
        exponent = node.exponent.operand if isinstance(node.exponent, Neg) else node.exponent
        if isinstance(exponent, Num):
            times = max(1, math.ceil(exponent.numerator / exponent.denominator))
            return (height if isinstance(node.exponent, Neg) else upper) * times, height * times
        times = 2.0 ** min(_bounds(node.exponent)[0], 1000.0)
        return height * times, height * times
    if isinstance(node, Call):
        parts = [_bounds(arg) for arg in node.args]
        upper, height = max(u for u, _ in parts), max(h for _, h in parts)
        if node.function in ("exp", "sigma"):
            return _tower(upper), _tower(upper)
        if node.function == "log":
            return math.log2(height + 1) + 1, height + 1
        if node.function in ("Abs", "Max", "Min", "sqrt"):
            return upper, height + 1
        return 1.0, height + 1  # sin, cos, tanh, erf, Heaviside, KroneckerDelta: bounded values
    raise UnsafeInputError("a vector or matrix inside an expression")


def bit_bound(node: Node) -> float:
    """A bound on the size in bits of any number SymPy could fold the answer into.

    Symbols count as 2 bits: if parts of an answer cancel to a constant, that constant is
    the answer's value at some point, and the bound holds there.

    >>> bit_bound(parse_tree("2**10"))
    20.0
    >>> bit_bound(parse_tree("exp(exp(exp(10)))")) > MAX_BITS
    True
    """
    if isinstance(node, Matrix):
        return max(bit_bound(entry) for row in node.rows for entry in row)
    upper, height = _bounds(node)
    return max(upper, height)


def _build(node: Node, names: Mapping[str, sp.Basic]) -> Any:
    if isinstance(node, Num):
        return sp.Rational(node.numerator, node.denominator)
    if isinstance(node, Name):
        return names[node.name] if node.name in names else _CONSTANTS[node.name]
    if isinstance(node, Neg):
        return -_build(node.operand, names)
    if isinstance(node, Sum):
        return sp.Add(*(_build(term, names) * sign for sign, term in node.terms))
    if isinstance(node, Product):
        factors = [_build(factor, names) for _, factor in node.factors]
        return sp.Mul(*(sp.Pow(f, -1) if divide else f for (divide, _), f in zip(node.factors, factors)))
    if isinstance(node, Power):
        return sp.Pow(_build(node.base, names), _build(node.exponent, names))
    if isinstance(node, Call):
        return _BUILDERS[node.function](*(_build(arg, names) for arg in node.args))
    return sp.Matrix([[_build(entry, names) for entry in row] for row in node.rows])


def check_size(tree: Node) -> None:
    """Refuse an answer whose numbers could exceed :data:`MAX_BITS` bits (no SymPy is used)."""
    bits = bit_bound(tree)
    if bits > MAX_BITS:
        shown = "more than 10**300" if math.isinf(bits) else f"about {bits:.3g}"
        raise UnsafeInputError(f"numbers too large to build ({shown} bits; the limit is {MAX_BITS}), "
                               "e.g. a power tower or exp of a huge number")


def build_answer(tree: Node, names: Mapping[str, sp.Basic]) -> Any:
    """Check names and sizes of a parsed answer, then build it as a SymPy object."""
    _check_names(tree, names)
    check_size(tree)
    try:
        with time_limit(BUILD_SECONDS, "building the answer"):
            return _build(tree, names)
    except CertificationError:
        raise UnsafeInputError(f"an answer that takes longer than {BUILD_SECONDS:g} s to build") from None


def read_answer(text: str, names: Mapping[str, sp.Basic]) -> Any:
    """Parse ``text`` and build it with the symbols ``names`` (a SymPy Expr or Matrix)."""
    return build_answer(parse_tree(text), names)

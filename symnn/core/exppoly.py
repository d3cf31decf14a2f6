"""An exact zero test for rational functions of exponentials, linear in the expression's size.

An expression built with ``+``, ``*`` and integer powers from rationals, exponentials and
other atoms (symbols, ``log(...)``, ``sqrt(2)``, ...) is mapped to a fraction ``N / D`` of
*exponential polynomials*: finite sums ``sum c * prod g_k^(q_k)`` with rational ``c`` and
``q_k``, where each generator ``g_k`` is ``exp(t_k)`` for a term ``t_k`` of an expanded
exponent (``exp(2 z - x / 3) = g_z^2 g_x^(-1/3)``) or an atom with an integer power.
These sums form a ring (the group algebra of the exponent vectors), and evaluating the
generators is a ring homomorphism, so ``N = 0`` in the ring proves the expression is 0
wherever it is defined. The converse fails only through relations the map forgets (for
example ``log(exp(x)) = x``): :func:`is_zero` then answers False and the caller falls back
to a slower route. Shared subexpressions are converted once, and sums over one common
denominator add their numerators, so a softmax entry with ``n`` terms costs ``O(n)``.

>>> import sympy as sp
>>> z1, z2, c = sp.symbols("z1 z2 c", real=True)
>>> S = sp.exp(z1) + sp.exp(z2)
>>> is_zero(sp.exp(z1 + c) / (sp.exp(z1 + c) + sp.exp(z2 + c)) - sp.exp(z1) / S)
True
>>> is_zero(sp.exp(z1) / S - 1 / (1 + sp.exp(z2 - z1)))
True
>>> is_zero(sp.exp(2 * z1) - sp.exp(z1))
False
>>> is_zero(sp.E / (1 + sp.exp(sp.Rational(1, 2))) - sp.exp(sp.Rational(3, 2)) / sp.exp(sp.Rational(1, 2))
...         / (1 + sp.exp(sp.Rational(1, 2))))  # the constant E is exp(1)
True
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.core.exact import as_sympy

Monomial = tuple[tuple[int, Any], ...]  # sorted (generator, exponent) pairs, exponents nonzero
Poly = dict[Monomial, Any]
Fraction = tuple[Poly, dict[int, int]]  # numerator, {denominator factor: multiplicity}
ONE: Poly = {(): sp.S.One}


class _Unsupported(Exception):
    """The expression leaves the class this test decides (e.g. a Float coefficient)."""


def _mono_mul(a: Monomial, b: Monomial) -> Monomial:
    if not a:
        return b
    if not b:
        return a
    merged = dict(a)
    for generator, power in b:
        total = merged.get(generator, 0) + power
        if total == 0:
            merged.pop(generator, None)
        else:
            merged[generator] = total
    return tuple(sorted(merged.items()))


def _accumulate(total: Poly, monomial: Monomial, coefficient: Any) -> None:
    value = total.get(monomial, 0) + coefficient
    if value == 0:
        total.pop(monomial, None)
    else:
        total[monomial] = value


def _add(p: Poly, q: Poly) -> Poly:
    total = dict(p)
    for monomial, coefficient in q.items():
        _accumulate(total, monomial, coefficient)
    return total


def _mul(p: Poly, q: Poly) -> Poly:
    if p is ONE or q == ONE:
        return q if p is ONE else p
    product: Poly = {}
    for ma, ca in p.items():
        for mb, cb in q.items():
            _accumulate(product, _mono_mul(ma, mb), ca * cb)
    return product


def _is_monomial(p: Poly) -> bool:
    return len(p) == 1


def _invert_monomial(p: Poly) -> Poly:
    ((monomial, coefficient),) = p.items()
    return {tuple((g, -e) for g, e in monomial): 1 / coefficient}


class _Converter:
    """Maps SymPy expressions to fractions of exponential polynomials, memoised.

    A fraction is ``(numerator, denominator)`` with the denominator kept as a product of
    factors ``{factor id: multiplicity}``: sums take the least common multiple of their
    denominators, so ``a/S - b/S**2`` costs no product of ``S`` with itself.
    """

    def __init__(self) -> None:
        self.generators: dict[Any, int] = {}
        self.factors: dict[tuple, int] = {}
        self.factor_polys: list[Poly] = []
        self.memo: dict[sp.Expr, Fraction] = {}

    def generator(self, key: Any) -> int:
        return self.generators.setdefault(key, len(self.generators))

    def factor(self, poly: Poly) -> Fraction:
        """``1 / poly`` as a fraction (a monomial is inverted in place)."""
        if not poly:
            raise _Unsupported("division by 0")
        if _is_monomial(poly):
            return _invert_monomial(poly), {}
        key = tuple(sorted(poly.items()))
        if key not in self.factors:
            self.factors[key] = len(self.factor_polys)
            self.factor_polys.append(poly)
        return ONE, {self.factors[key]: 1}

    def expand(self, denominator: dict[int, int]) -> Poly:
        product = ONE
        for index, multiplicity in denominator.items():
            for _ in range(multiplicity):
                product = _mul(product, self.factor_polys[index])
        return product

    def convert(self, expr: sp.Expr) -> Fraction:
        cached = self.memo.get(expr)
        if cached is None:
            cached = self.memo[expr] = self._convert(expr)
        return cached

    def _convert(self, expr: sp.Expr) -> Fraction:
        if expr.is_Rational:
            return ({(): expr}, {}) if expr != 0 else ({}, {})
        if expr.is_Float:
            raise _Unsupported("a Float")
        if expr.is_Add:
            return self._sum(expr.args)
        if expr.is_Mul:
            numerator, denominator = ONE, {}
            for arg in expr.args:
                n, d = self.convert(arg)
                numerator, denominator = _mul(numerator, n), _times(denominator, d, 1)
            return numerator, denominator
        if expr.is_Pow and expr.exp.is_Integer:
            n, d = self.convert(expr.base)
            power = int(expr.exp)
            if power < 0:
                inverse, extra = self.factor(n)
                n, d, power = _mul(self.expand(d), inverse), extra, -power
            numerator = ONE
            for _ in range(power):
                numerator = _mul(numerator, n)
            return numerator, _times({}, d, power)
        if isinstance(expr, sp.exp) or (expr.is_Pow and expr.base is sp.E):
            return self._exponential(expr.exp if expr.is_Pow else expr.args[0]), {}
        if expr is sp.E:  # SymPy's exp(1), e.g. from exp(1/2)**2: the same generator as exp(1/2)
            return self._exponential(sp.S.One), {}
        return {((self.generator(expr), 1),): sp.S.One}, {}

    def _sum(self, terms: tuple[sp.Expr, ...]) -> Fraction:
        converted = [self.convert(term) for term in terms]
        common: dict[int, int] = {}
        for _, d in converted:
            for index, multiplicity in d.items():
                common[index] = max(common.get(index, 0), multiplicity)
        numerator: Poly = {}
        for n, d in converted:
            missing = {index: m - d.get(index, 0) for index, m in common.items() if m > d.get(index, 0)}
            numerator = _add(numerator, _mul(n, self.expand(missing)))
        return numerator, common

    def _exponential(self, argument: sp.Expr) -> Poly:
        powers: dict[int, Any] = {}
        for coefficient, rest in _linear_terms(argument):
            if not coefficient.is_Rational:
                raise _Unsupported("a non-rational coefficient in an exponent")
            generator = self.generator(("exp", rest))
            powers[generator] = powers.get(generator, 0) + coefficient
        return {tuple(sorted((g, e) for g, e in powers.items() if e != 0)): sp.S.One}


def _linear_terms(expr: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    """``expr = sum c * t`` as ``[(c, t)]``, distributing products over one sum factor.

    >>> a, b, c = sp.symbols("a b c")
    >>> _linear_terms(3 * c * (a - 2 * b) + 1)
    [(1, 1), (3, a*c), (-6, b*c)]
    """
    terms = []
    for term in sp.Add.make_args(expr):
        coefficient, rest = term.as_coeff_Mul()
        sums = [factor for factor in sp.Mul.make_args(rest) if factor.is_Add]
        if not sums:
            terms.append((coefficient, rest))
            continue
        others = sp.Mul(*[factor for factor in sp.Mul.make_args(rest) if factor is not sums[0]])
        for inner, inner_rest in _linear_terms(sums[0]):
            terms.extend((coefficient * inner * c2, r2) for c2, r2 in _linear_terms(inner_rest * others))
    return terms


def _times(a: dict[int, int], b: dict[int, int], power: int) -> dict[int, int]:
    """The denominator ``a * b**power`` (multiplicities add)."""
    total = dict(a)
    for index, multiplicity in b.items():
        total[index] = total.get(index, 0) + power * multiplicity
    return total


def is_zero(expr: Any) -> bool:
    """True when ``expr`` is proved 0 as a rational function of exponentials (see above)."""
    try:
        numerator, _ = _Converter().convert(as_sympy(expr))
    except _Unsupported:
        return False
    return not numerator


def matrix_is_zero(entries: Any) -> bool:
    """:func:`is_zero` for every entry, sharing one conversion table across the entries."""
    converter = _Converter()
    try:
        return all(not converter.convert(as_sympy(entry))[0] for entry in entries)
    except _Unsupported:
        return False

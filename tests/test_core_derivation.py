"""The derivation core: certification routes, the builder, LaTeX output, the registry."""

from __future__ import annotations

import pytest
import sympy as sp

import symnn
from symnn.core.certify import Route, certify, certify_claim, time_limit
from symnn.core.crosscheck import CrossCheck, mixed_relative_error
from symnn.core.derivation import DerivationBuilder
from symnn.errors import CertificationError, CheckError, ParameterError, UnknownIdError

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", positive=True)
sigma = 1 / (1 + sp.exp(-x))


@pytest.mark.parametrize(
    ("before", "after", "route"),
    [
        ((x + 1) ** 2, x**2 + 2 * x + 1, "expand"),
        ((x**2 - 1) / (x - 1), x + 1, "cancel"),
        (sp.tanh(x), 2 * sigma.subs(x, 2 * x) - 1, "exp-cancel"),
        (sp.diff(sigma, x), sigma * (1 - sigma), "exp-cancel"),
        (sp.log(y**2 * sp.exp(x)), 2 * sp.log(y) + x, "log-expand"),
        (sp.Derivative(x**3, x), 3 * x**2, "doit-cancel"),
        (sp.Subs(sp.Max(0, x - y) ** 2, (x, y), (3, 1)), 4, "doit-cancel"),
        (sp.Subs(sp.Derivative(x**3, x), x, 2), 12, "doit-cancel"),
        (sp.Matrix([[sp.Rational(1, 2), 1]]), sp.Matrix([[sp.Rational(2, 4), 1]]), "exact"),
        (sp.Piecewise((x, x > 0), (0, True)) + sp.Piecewise((-x, x <= 0), (0, True)), sp.Abs(x),
         "piecewise"),
    ],
)
def test_routes_prove_true_steps(before: object, after: object, route: str) -> None:
    assert certify(before, after, route).route == route


@pytest.mark.parametrize(
    ("before", "after", "route"),
    [
        ((x + 1) ** 2, x**2 + 1, "expand"),
        (sp.tanh(x), 2 * sigma - 1, "exp-cancel"),
        (sp.Subs(sp.Max(0, x + y), (x, y), (1, -3)), 1, "doit-cancel"),
        (sp.Subs(sp.Max(0, x - y) ** 2, (x, y), (3, 1)), 1, "doit-cancel"),
        (sp.Matrix([1, 2]), sp.Matrix([1, 3]), "exact"),
        (sp.Matrix([1, 2]), sp.Matrix([1, 2, 3]), "exact"),
        (x, x, "no-such-route"),
    ],
)
def test_routes_refuse_false_steps(before: object, after: object, route: str) -> None:
    with pytest.raises(CertificationError):
        certify(before, after, route)


def test_a_route_that_does_not_decide_proves_nothing() -> None:
    # expand cannot see that sin^2 + cos^2 = 1: the step is refused, not accepted
    with pytest.raises(CertificationError, match="did not reduce"):
        certify(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1, "expand")


def test_custom_route_and_given_substitution() -> None:
    p = sp.Symbol("p")
    route = Route("replace p, cancel", sp.cancel)
    assert certify(p * (1 - p), sp.diff(sigma, x), route, given={p: sigma}).route == route.name
    with pytest.raises(CertificationError):
        certify(p, sigma, route)


def test_claims_need_sympy_true() -> None:
    assert certify_claim(lambda: sp.true, "fact").seconds >= 0
    with pytest.raises(CertificationError):
        certify_claim(lambda: sp.Gt(x, 0), "undecided")
    with pytest.raises(CertificationError):
        certify_claim(lambda: sp.false, "false")


def test_time_limit_interrupts_a_long_route() -> None:
    import time

    with pytest.raises(CertificationError, match="did not finish"), time_limit(0.05, "busy loop"):
        end = time.perf_counter() + 5
        while time.perf_counter() < end:
            pass


def test_builder_refuses_an_uncertified_step() -> None:
    b = DerivationBuilder("demo", "demo", sp.Eq(x, x))
    with pytest.raises(CertificationError):
        b.step("wrong", x + 1, x, reason="none", route="expand")


def test_latex_has_every_part_and_escapes_text() -> None:
    b = DerivationBuilder("demo", "demo_title", sp.Eq((x + 1) ** 2, x**2 + 2 * x + 1))
    b.assume(r"$x \in \mathbb{R}$")
    b.convention("relu'(0) = 0")
    b.step("multiply out (a+b)^2", (x + 1) ** 2, x**2 + 2 * x + 1, reason="binomial", route="expand")
    d = b.build({"the_result": x**2 + 2 * x + 1})
    tex = d.latex()
    for fragment in (r"\paragraph{Statement.}", r"\paragraph{Assumptions.}", r"\paragraph{Conventions.}",
                     r"\begin{enumerate}", r"\boxed{\text{the result} =", r"\label{demo:the_result}",
                     r"(a+b)\^{}2", "expand"):
        assert fragment in tex
    assert sp.latex(d) == tex
    assert d._repr_latex_().startswith("$$")
    assert "demo" in repr(d)
    with pytest.raises(CheckError):
        d.check()


def test_crosscheck_tolerance_and_facts() -> None:
    check = CrossCheck("m", 1e-3)
    check.compare("close", [1.0, 2.0], [1.0, 2.0005])
    assert check.report().ok
    check.compare("far", [1.0], [1.1])
    report = check.report()
    assert not report.ok and report.failures() == ["far"]
    assert abs(report.max_error - 0.1 / 1.1) < 1e-12
    assert mixed_relative_error([float("nan")], [1.0]) == float("inf")
    assert mixed_relative_error([1.0, 2.0], [1.0]) == float("inf")
    assert not CrossCheck("empty", 1.0).report().ok


def test_registry_lists_and_refuses() -> None:
    ids = symnn.catalog()
    assert len(ids) == len(set(ids))
    assert {"softmax-jacobian", "softmax-limit", "softmax-stability"} <= set(ids)
    with pytest.raises(UnknownIdError, match="known:"):
        symnn.derive("softmax-jacobien")
    with pytest.raises(ParameterError, match="one of the parameters"):
        symnn.derive("softmax-jacobian", size=3)


@pytest.mark.parametrize("name", symnn.catalog("derivation"))
def test_every_derivation_builds_certifies_typesets_and_checks(name: str) -> None:
    d = symnn.derive(name)
    assert d.id == name
    assert d.result, "a derivation must have a result"
    assert d.steps and d.certified
    assert all(s.certificate.route for s in d.steps)
    assert r"\boxed" in d.latex()
    report = d.check()
    assert report.ok, report.failures()
    assert report.max_error <= report.tolerance

"""The package never evaluates text: no ``eval``/``exec``/``compile``, and SymPy's parsers
(``sympify``, ``S(...)``, ``parse_expr``) are called only inside ``core.exact.as_sympy``,
which refuses strings. Answers and parameters are read by the project's own parsers."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import symnn

PACKAGE = Path(symnn.__file__).parent
SYMPY_PARSERS = {"sympify", "parse_expr", "S", "parse_latex"}
BUILTINS = {"eval", "exec", "compile", "__import__"}
ALLOWED = {("core/exact.py", "sympify")}  # as_sympy: text refused before it


def text_evaluations(source: str) -> Iterator[tuple[str, int]]:
    """(name, line) of every call that could evaluate text, and every import of a SymPy parser."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in SYMPY_PARSERS:
                yield func.attr, node.lineno
            elif isinstance(func, ast.Name) and func.id in SYMPY_PARSERS | BUILTINS:
                yield func.id, node.lineno
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sympy.parsing"):
            yield node.module or "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in SYMPY_PARSERS - {"S"}:
                    yield alias.name, node.lineno


def test_the_scanner_finds_each_kind() -> None:
    source = ("import sympy as sp\nfrom sympy.parsing.sympy_parser import parse_expr\nsp.sympify(x)\n"
              "sp.S('x')\neval(t)\nexec(t)\n")  # fmt: skip
    assert sorted(name for name, _ in text_evaluations(source)) == sorted(
        ["sympy.parsing.sympy_parser", "sympify", "S", "eval", "exec"])
    assert list(text_evaluations("sp.S.One\nre.compile('a')\nclass F:\n    def eval(cls): pass\n")) == []


def test_no_module_evaluates_text() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        calls = text_evaluations(path.read_text(encoding="utf-8"))
        found += [f"{where}:{line} {name}" for name, line in calls if (where, name) not in ALLOWED]
    assert found == [], "text may reach an evaluator (use symnn.core.exact.as_sympy): " + ", ".join(found)

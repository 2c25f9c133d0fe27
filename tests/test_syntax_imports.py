"""The syntax layer's modules import one another in one direction only: a circle among them (secrets ⇄ classify ⇄
meta ⇄ errors, as there once was) makes any of them impossible to load or change alone."""

from __future__ import annotations

import ast
from pathlib import Path

SYNTAX = Path(__file__).parent.parent / "vdbgsh" / "syntax"
PACKAGE = "vdbgsh.syntax"


def syntax_imports() -> dict[str, set[str]]:
    """Each module of vdbgsh/syntax/ and the modules of it that it imports, at the top or inside a function."""
    modules = {path.stem for path in SYNTAX.glob("*.py") if path.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name in modules:
        imported: set[str] = set()
        for node in ast.walk(ast.parse((SYNTAX / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from .words import x, from . import words
                    base = f"{PACKAGE}.{base}" if base else PACKAGE
                if base == PACKAGE:
                    imported |= {alias.name for alias in node.names}
                elif base.startswith(PACKAGE + "."):
                    imported.add(base.split(".")[2])
            elif isinstance(node, ast.Import):
                imported |= {a.name.split(".")[2] for a in node.names if a.name.startswith(PACKAGE + ".")}
        graph[name] = imported & modules
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module, and modules importing themselves (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group: list[str] = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1 or module in graph[module]:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_walk_sees_function_level_imports() -> None:
    graph = syntax_imports()
    assert {"secrets", "errors"} <= graph.keys()
    assert "words" in graph["request"]
    assert "classify" in graph["transaction"]  # imported inside a function there


def test_syntax_has_no_import_cycle() -> None:
    assert cycles(syntax_imports()) == []

"""The layers call downward only, and no module imports itself back through others (DESIGN.md, README's Layout):
a circle (secrets ⇄ classify ⇄ meta ⇄ errors in syntax/, session ⇄ transaction_block, as there once were) makes
any of its modules impossible to load or change alone.

Read from the source (every import, those inside functions too), not from what happens to be loaded.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "vdbgsh"

# Lower numbers are lower layers; a module may import its own layer and those below it.
RANKS = {
    "vdbgsh": 0,
    "errors": 0,
    "config": 0,
    "private_files": 0,
    "transport": 0,
    "schema": 1,
    "syntax": 2,
    "hmp": 2,
    "guard": 2,
    "plan": 3,
    "complete": 4,
    "render": 4,
    "events": 4,
    "transcript": 4,
    "guest": 4,
    "transaction_block": 5,
    "session": 5,
    "secret_asking": 5,  # the session's asking for a secret given as '-'
    "agent": 5,  # the guest agent: its schema, help and conveniences, beside the session
    "link": 6,
    "ui": 7,
    "cli": 8,
    "fleet": 8,  # exec across many guests: called by cli, calls cli.environment and cli.guard_rails
    "__main__": 9,
}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "vdbgsh":
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield submodule if submodule in known else node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.split(".")[0] == "vdbgsh")


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {target for target in imports(path, known) if target in known} - {name} for name, path in known.items()
    }


def test_every_module_has_a_layer() -> None:
    assert {layer(name) for name in modules()} <= set(RANKS)


def test_layers_import_only_downward() -> None:
    upward = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        for target in sorted(targets)
        if RANKS[layer(target)] > RANKS[layer(name)]
    ]
    assert upward == []


def test_no_module_imports_itself_back() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = [stack.pop()]
            while component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(edges):
        if name not in index:
            visit(name)
    assert cycles == []

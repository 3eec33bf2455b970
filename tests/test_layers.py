"""The package's layers import downwards only (DESIGN.md, "Package layout"), and no module
imports one that imports it back. Imports inside functions count: they are edges too."""

from __future__ import annotations

import ast
from pathlib import Path

import literate

SRC = Path(literate.__file__).parent
# lowest first; a module may import its own layer and the layers below it
LAYERS = [
    {"errors", "io", "lines", "paths", "lazy", "clock"},
    {"data"},
    {"plora"},
    {"training"},
    {"lm"},
    {"sentinel"},
    {"reader"},
    {"serve"},
    {"cli", "cli_bench", "cli_data", "demo", "__init__", "__main__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every ``literate.*`` module ``path`` imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("literate"):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("literate"))
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in SRC.rglob("*.py")}
    return {
        m: {i for i in imports(p) if i in files and i not in (m, "literate")}
        for m, p in files.items()
    }


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_top_level_module_has_a_layer():
    names = {top(m) for m in graph()}
    assert names <= set(RANK), f"add these to LAYERS: {sorted(names - set(RANK))}"


def test_layers_import_downwards_only():
    upward = [
        f"{m} imports {i}"
        for m, deps in graph().items()
        for i in deps
        if RANK[top(i)] > RANK[top(m)]
    ]
    assert not upward, "\n".join(sorted(upward))


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for d in sorted(g[m]):
            # a package's __init__ re-exporting its own modules is not a cycle
            if m == d.rsplit(".", 1)[0] or d == m.rsplit(".", 1)[0]:
                continue
            if state.get(d) == 1:
                cycles.append(" → ".join([*stack[stack.index(d) :], d]))
            elif d not in state:
                visit(d, [*stack, d])
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def test_a_planted_upward_import_is_caught(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from literate.reader.page import Page\n")
    assert "literate.reader.page" in imports(bad)

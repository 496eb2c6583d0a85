"""The dependency direction of docs/ARCHITECTURE.md: engine ← data ← specs ← db ← jobs ← services ← web ← main.

Each layer may import only the layers below it; the engine imports NumPy only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
LAYERS = ["engine", "data", "specs", "db", "jobs", "services", "web", "main"]
# Modules outside the stack: settings are readable by everyone above the data layer,
# and the CLI sits on top of main.
SHARED = {"config": 2}  # config may be imported from `specs` upwards (index in LAYERS)
TOP_ONLY = {"cli", "cluster_cli"}
ENGINE_THIRD_PARTY = {"numpy"}


def _layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _app_modules() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _module_layer(path: Path) -> str:
    relative = path.relative_to(APP).with_suffix("")
    return relative.parts[0]


@pytest.mark.parametrize("path", _app_modules(), ids=lambda p: str(p.relative_to(APP)))
def test_module_imports_only_lower_layers(path: Path) -> None:
    layer = _module_layer(path)
    if layer in ("__init__",) or layer in TOP_ONLY:
        return
    assert layer in LAYERS or layer in SHARED, f"{path.name} is in no known layer"
    rank = LAYERS.index(layer) if layer in LAYERS else SHARED[layer]
    for name in _imports(path):
        if not name.startswith("app."):
            continue
        target = _layer_of(name)
        assert target not in TOP_ONLY, f"{path.relative_to(APP)} imports the CLI"
        if target in SHARED:
            assert rank >= SHARED[target], f"{path.relative_to(APP)} may not import {name}"
            continue
        assert target in LAYERS, f"{path.relative_to(APP)} imports unknown {name}"
        assert LAYERS.index(target) <= rank, (
            f"{path.relative_to(APP)} ({layer}) imports {name} ({target}), against the dependency direction"
        )


def test_engine_imports_numpy_only() -> None:
    for path in sorted((APP / "engine").rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "app":
                assert name.startswith("app.engine"), f"{path.name} imports {name}"
                continue
            import sys

            is_stdlib = top in sys.stdlib_module_names or top == "__future__"
            assert is_stdlib or top in ENGINE_THIRD_PARTY, f"engine/{path.name} imports {name}"


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    """The checker itself must fail on an upward import, or it proves nothing."""
    bad = tmp_path / "bad.py"
    bad.write_text("from app.web.pages import router\n")
    assert "app.web.pages" in _imports(bad)
    assert LAYERS.index(_layer_of("app.web.pages")) > LAYERS.index("data")


def _module_name(path: Path) -> str:
    relative = path.relative_to(APP.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the app modules it imports at run time (function bodies included;
    `if TYPE_CHECKING:` blocks, which never run, left out)."""
    modules = {_module_name(path): path for path in _app_modules()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        tree = ast.parse(path.read_text(), filename=str(path))
        typing_only = {
            id(inner)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
            for inner in ast.walk(block)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # `from app.jobs import threads` imports a module
                    target = f"{node.module}.{alias.name}"
                    edges.add(target if target in modules else node.module)
        graph[name] = {edge for edge in edges if edge in modules and edge != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or through others (lazy imports count)."""
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_catches_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]

"""The dependency direction of DESIGN.md: engine ← data ← specs ← db ← jobs ← web ← main.

Each layer may import only the layers below it; the engine imports NumPy only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
LAYERS = ["engine", "data", "specs", "db", "jobs", "web", "main"]
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

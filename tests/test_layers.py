"""The layers import one way (docs/architecture.md): graph <- etl, queries <- app.

Every import of every module is read (top-level and inside functions), so a lazy import cannot
hide a dependency against the arrows.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("graph", "etl", "queries", "app")
ALLOWED = {
    "graph": {"graph"},
    "etl": {"graph", "etl"},
    "queries": {"graph", "queries"},
    "app": {"graph", "etl", "queries", "app"},
}


def imported_layers(path: Path) -> list[tuple[int, str]]:
    """(line, layer) of each import of one of our layers in a module."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        out += [(node.lineno, n.split(".")[0]) for n in names if n.split(".")[0] in LAYERS]
    return out


def violations(layer: str) -> list[str]:
    found = []
    for path in sorted((REPO / layer).rglob("*.py")):
        for line, other in imported_layers(path):
            if other not in ALLOWED[layer]:
                found.append(f"{path.relative_to(REPO)}:{line}: {layer} imports {other}")
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_imports_only_the_layers_below_it(layer):
    found = violations(layer)
    assert not found, "\n".join(found)


def test_the_check_sees_a_lazy_import_against_the_arrows(tmp_path, monkeypatch):
    probe = REPO / "graph" / "_layer_probe.py"
    probe.write_text("def f():\n    from queries import ANALYSES\n    import etl.pipeline\n", encoding="utf-8")
    try:
        assert [v.split(": ", 1)[1] for v in violations("graph")] == ["graph imports queries", "graph imports etl"]
    finally:
        probe.unlink()

"""The layers import one way (docs/architecture.md): graph <- etl, queries <- app, all inside the
one installed package `creditgraph` (pyproject maps `creditgraph.graph` to `graph/`, and so on).

Every import of every module is read (top-level and inside functions), so a lazy import cannot
hide a dependency against the arrows; an import of a bare `graph`/`etl`/`queries`/`app` (the
folders' own names, which do not install) is an error anywhere in the repository.
"""
from __future__ import annotations

import ast
import importlib.util
import tomllib
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
CODE_DIRS = (*LAYERS, "tests", "bench", "scripts")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of each absolute import in a module (``from creditgraph import x`` gives
    ``creditgraph.x``)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "creditgraph":
                out += [(node.lineno, f"creditgraph.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, node.module))
    return out


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "creditgraph" and len(parts) > 1 and parts[1] in LAYERS else None


def violations(layer: str) -> list[str]:
    found = []
    for path in sorted((REPO / layer).rglob("*.py")):
        for line, module in imported_modules(path):
            other = layer_of(module)
            if other is not None and other not in ALLOWED[layer]:
                found.append(f"{path.relative_to(REPO)}:{line}: {layer} imports {other}")
    return found


def bare_layer_imports() -> list[str]:
    found = []
    for folder in CODE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            for line, module in imported_modules(path):
                if module.split(".")[0] in LAYERS:
                    found.append(f"{path.relative_to(REPO)}:{line}: import {module} (use creditgraph.{module})")
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_imports_only_the_layers_below_it(layer):
    found = violations(layer)
    assert not found, "\n".join(found)


def test_the_check_sees_a_lazy_import_against_the_arrows():
    probe = REPO / "graph" / "_layer_probe.py"
    probe.write_text("def f():\n    from creditgraph.queries import ANALYSES\n    import creditgraph.etl.pipeline\n"
                     "    from creditgraph import app\n", encoding="utf-8")
    try:
        assert [v.split(": ", 1)[1] for v in violations("graph")] == [
            "graph imports queries", "graph imports etl", "graph imports app"]
    finally:
        probe.unlink()


def test_nothing_imports_the_folders_by_their_bare_names():
    found = bare_layer_imports()
    assert not found, "\n".join(found)


def test_the_layers_install_inside_creditgraph_only():
    """Every folder of a layer that holds Python is a listed subpackage, mapped into `creditgraph`; the
    installed package resolves to these folders, and no top-level `graph` or `app` is installed."""
    tool = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(tool["packages"])
    assert tool["package-dir"] == {f"creditgraph.{layer}": layer for layer in LAYERS}
    for layer in LAYERS:
        for folder in [REPO / layer, *(p for p in (REPO / layer).rglob("*") if p.is_dir())]:
            if folder.name != "__pycache__" and any(folder.glob("*.py")):
                rel = folder.relative_to(REPO).as_posix().replace("/", ".")
                assert f"creditgraph.{rel}" in listed, f"{folder.relative_to(REPO)} is not in [tool.setuptools] packages"
        spec = importlib.util.find_spec(f"creditgraph.{layer}")
        assert spec is not None and Path(spec.origin).parent == REPO / layer


def test_no_module_patches_the_import_path():
    patches = ("sys.path." + "insert", "sys.path." + "append")  # split, so this file does not match itself
    found = [f"{p.relative_to(REPO)}" for folder in CODE_DIRS for p in (REPO / folder).rglob("*.py")
             if any(s in p.read_text(encoding="utf-8") for s in patches)]
    assert not found, found


def test_no_module_of_the_package_is_above_600_lines():
    """Small modules (issue 16): split a module that grows past 600 lines by what its parts do."""
    big = [f"{p.relative_to(REPO)}: {n} lines" for layer in LAYERS for p in sorted((REPO / layer).rglob("*.py"))
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600]
    assert not big, big

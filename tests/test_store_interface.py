"""The store interface is sealed: the layers above it (etl, queries, app) use its public
operations only, and the per-label Cypher files generated from templates do not drift."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from queries import cypher_gen

REPO = Path(__file__).resolve().parents[1]
ABOVE_THE_STORE = ("etl", "queries", "app")


def _violations(path: Path) -> list[str]:
    """``x.dialect`` reads and ``store._private`` calls in one module."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else ""
            if node.attr == "dialect":
                out.append(f"{path.relative_to(REPO)}:{node.lineno}: reads .dialect")
            elif owner in ("store", "g", "graph", "s") and node.attr.startswith("_") and not node.attr.startswith("__"):
                out.append(f"{path.relative_to(REPO)}:{node.lineno}: {owner}.{node.attr}")
    return out


@pytest.mark.parametrize("package", ABOVE_THE_STORE)
def test_no_dialect_branches_or_private_store_calls_above_the_store(package):
    found = [v for path in sorted((REPO / package).rglob("*.py")) for v in _violations(path)]
    assert not found, "\n".join(found)


def test_the_checker_sees_a_dialect_branch(tmp_path):
    bad = REPO / "tests" / "artifacts" / "_dialect_probe.py"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text("def f(store):\n    return store._columns('x') if store.dialect == 'ladybug' else None\n",
                   encoding="utf-8")
    try:
        assert len(_violations(bad)) == 2
    finally:
        bad.unlink()


def test_generated_cypher_files_match_their_templates():
    stale = cypher_gen.stale()
    assert not stale, f"regenerate with `python -m queries.cypher_gen`: {[p.name for p in stale]}"


def test_every_generated_query_is_registered_for_both_stores():
    from graph import cypher

    names = {p.name.split(".")[0] for p in cypher_gen.expand()}
    registry = cypher.registry()
    assert names and names <= set(registry)
    assert all(set(registry[n].texts) == {"ladybug", "neo4j"} for n in names)

"""The store interface is sealed: the layers above it (etl, queries, app) use its public
operations only, and the per-label Cypher files generated from templates do not drift."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from creditgraph.queries import cypher_gen

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


def test_per_label_variants_are_expanded_in_memory_for_every_label_and_both_stores():
    from creditgraph.graph import cypher

    expanded = cypher_gen.expand()
    assert not [p for p in expanded if p.exists()], "expanded variants must not be committed as files"
    registry = cypher.registry()
    for template, (_, slots) in cypher_gen.EXPANSIONS.items():
        for path, _text in expanded.items():
            name = path.name.split(".")[0]
            assert set(registry[name].texts) == {"ladybug", "neo4j"}
        first = dict(zip(slots, (labels[0] for labels in slots.values())))
        name = cypher_gen.query_name(template, **first)
        for dialect in ("ladybug", "neo4j"):
            source = (cypher_gen.TEMPLATES / f"{template}.{dialect}.cypher.tmpl").read_text(encoding="utf-8")
            for k, v in first.items():
                snippet = cypher_gen.SNIPPETS[k][v][dialect] if k in cypher_gen.SNIPPETS else v
                source = source.replace("{{" + k + "}}", snippet)
            # what runs is the template, expanded (without its comment lines: graph.cypher.without_comments)
            assert registry[name].text(dialect).endswith(cypher.without_comments(source))


def test_a_changed_template_changes_what_runs(tmp_path, monkeypatch):
    """No copy can drift: the registry reads the templates themselves."""
    from creditgraph.graph import cypher

    templates = tmp_path / "templates"
    templates.mkdir()
    for f in cypher_gen.TEMPLATES.iterdir():
        (templates / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    tmpl = templates / "neighborhood.neo4j.cypher.tmpl"
    text = tmpl.read_text(encoding="utf-8")
    assert "ORDER BY hops" in text
    tmpl.write_text(text.replace("ORDER BY hops", "ORDER BY hops, drifted"), encoding="utf-8")
    monkeypatch.setattr(cypher_gen, "TEMPLATES", templates)
    cypher.registry.cache_clear()
    try:
        assert "ORDER BY hops, drifted" in cypher.get("neighborhood_enterprise").text("neo4j")
    finally:
        monkeypatch.undo()
        cypher.registry.cache_clear()

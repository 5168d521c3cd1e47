"""Neo4j's own linter (@neo4j-cypher/language-support, run by Node) on every Neo4j text.

These tests run the real `node tools/cypher-lint/lint.mjs`, never a mock. They
skip, with the reason, where Node or the npm package is missing; CI installs
both (`npm ci --prefix tools/cypher-lint`) and sets CREDITGRAPH_REQUIRE_LINT=1,
which turns that skip into a failure.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from creditgraph.app import lint
from creditgraph.graph.model import MODEL

REQUIRED = os.environ.get("CREDITGRAPH_REQUIRE_LINT") == "1"
# Warnings that mean a query does not fit the graph model (a typo, a wrong direction).
MODEL_MISMATCH = ("is not present in the database", "has no incoming", "has no outgoing")


@pytest.fixture(scope="module")
def linter_available():
    why = lint.linter_missing()
    if why:
        if REQUIRED:
            pytest.fail(f"CREDITGRAPH_REQUIRE_LINT=1 but the Cypher linter cannot run: {why}", pytrace=False)
        pytest.skip(f"Cypher linter not available: {why}")


def _json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.stdout.strip(), f"no output from the linter; stderr:\n{proc.stderr}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def repository_lint(linter_available) -> tuple[subprocess.CompletedProcess, dict]:
    """`python -m creditgraph.app.lint --json`, exactly as CI runs it (plus --json)."""
    proc = subprocess.run([sys.executable, "-m", "creditgraph.app.lint", "--json"], cwd=lint.ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=600)
    return proc, _json(proc)


PROBES = [
    {"name": "probe:clean", "params": {"uid": "STRING"},
     "text": "MATCH (n:Enterprise {uid: $uid})<-[:HOLDS_SHARES]-(p:Person) RETURN p.name AS name"},
    {"name": "probe:broken", "params": {}, "text": "MATCH (n:Enterprise RETURN n"},
    {"name": "probe:unknown_label", "params": {}, "text": "MATCH (n:Company) RETURN n.uid AS uid"},
    {"name": "probe:undeclared_param", "params": {}, "text": "MATCH (n:Enterprise {uid: $uid}) RETURN n.uid AS uid"},
    {"name": "probe:ladybug_function", "params": {}, "text": "RETURN list_concat([1], [2]) AS l"},
    {"name": "probe:wrong_direction", "params": {},
     "text": "MATCH (e:Enterprise)-[:LEGAL_REP]->(p:Person) RETURN p.uid AS uid"},
]


@pytest.fixture(scope="module")
def probes(linter_available) -> tuple[subprocess.CompletedProcess, dict[str, list[dict]]]:
    proc = lint.run_linter(lint.lint_document(PROBES), "--json")
    found: dict[str, list[dict]] = {q["name"]: [] for q in PROBES}
    for d in _json(proc)["diagnostics"]:
        found[d["query"]].append(d)
    return proc, found


def test_every_repository_query_lints_clean(repository_lint):
    proc, result = repository_lint
    errors = [d for d in result["diagnostics"] if d["severity"] == "ERROR"]
    mismatches = [d for d in result["diagnostics"] if any(m in d["message"] for m in MODEL_MISMATCH)]
    assert proc.returncode == 0 and not errors, json.dumps(errors, ensure_ascii=False, indent=1)
    assert not mismatches, json.dumps(mismatches, ensure_ascii=False, indent=1)
    names = {q["name"] for q in lint.collect_neo4j_queries()}
    assert result["queries"] == len(names)
    assert any(n.startswith("query:enterprise_by_uid") for n in names)
    assert all(f"store:upsert_nodes:{label}" in names for label in MODEL.nodes)
    # what a load, refresh and verify read: the store's keyed reads and the snapshot scopes
    assert all(f"store:keyed_nodes:{label}" in names for label in MODEL.nodes)
    assert all(f"store:keyed_edges:{rtype}:{a}->{b}:by_{by}" in names
               for rtype, rel in MODEL.rels.items() for a, b in rel.pairs for by in ("src", "dst"))
    assert {"refresh:scoped_enterprises", "refresh:scoped_penalties", "etl:graph_directory"} <= names


def test_broken_query_fails_the_lint_step_naming_it(linter_available):
    proc = lint.run_linter(lint.lint_document([PROBES[0], PROBES[1]]))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("ERROR ")]
    assert lines and all(line.startswith("ERROR probe:broken:1:") for line in lines), proc.stdout
    assert "probe:clean" not in proc.stdout


def test_probe_diagnostics(probes):
    proc, found = probes
    assert proc.returncode == 1
    assert found["probe:clean"] == []
    assert any(d["severity"] == "ERROR" and "Invalid input" in d["message"] for d in found["probe:broken"])
    # an unknown label is a warning from this linter (it does not fail the step on its own)
    [w] = found["probe:unknown_label"]
    assert w["severity"] == "WARNING" and "Label Company is not present" in w["message"]
    assert any(d["severity"] == "ERROR" and "Parameter $uid is not defined" in d["message"]
               for d in found["probe:undeclared_param"])
    assert any(d["severity"] == "ERROR" and "list_concat" in d["message"] for d in found["probe:ladybug_function"])
    assert found["probe:wrong_direction"] and all(d["severity"] == "WARNING" for d in found["probe:wrong_direction"])


def test_warnings_alone_do_not_fail(linter_available):
    proc = lint.run_linter(lint.lint_document([PROBES[2]]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING probe:unknown_label:1:" in proc.stdout


def test_schema_comes_from_the_model():
    schema = lint.schema_for_lint()
    assert set(MODEL.nodes) <= set(schema["labels"])
    assert set(schema["relationshipTypes"]) == set(MODEL.rels)
    assert {"uid", "name", "ratio", "score"} <= set(schema["propertyKeys"])
    pairs = {(g["relType"], g["from"], g["to"]) for g in schema["graphSchema"]}
    assert pairs == {(t, a, b) for t, r in MODEL.rels.items() for a, b in r.pairs}

"""Lint every Neo4j Cypher text of the project with Neo4j's own linter.

The linter is the npm package ``@neo4j-cypher/language-support`` (pinned in
``tools/cypher-lint/package.json``), run by Node through
``tools/cypher-lint/lint.mjs``. This module gathers the texts:

* every statement the Neo4j store can send (:func:`graph.neo4j_store.generated_statements`);
* every text a load or refresh sends through ``store.run`` (:func:`etl.refresh.neo4j_statements`);
* the Neo4j text of every named query in ``queries/cypher`` (``NAME.cypher`` or
  ``NAME.neo4j.cypher``), with the parameters its ``// params:`` header declares;

and the schema they are checked against, taken from the graph model (labels,
relationship types, property keys, which labels each relationship type joins).
Syntax errors, semantic errors, unknown functions or procedures and undeclared
``$parameters`` are errors and fail the run; unknown labels, types or
properties and patterns the model does not allow are warnings.

Usage::

    npm ci --prefix tools/cypher-lint     # once
    python -m creditgraph.app.lint                  # exit status 0: no errors
    python -m creditgraph.app.lint --json           # machine-readable diagnostics
    python -m creditgraph.app.lint --dump           # the JSON document fed to the linter
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from creditgraph import queries as _queries  # noqa: F401  (registers the named queries)
from creditgraph.graph import cypher
from creditgraph.graph.model import MODEL, GraphModel

ROOT = Path(__file__).resolve().parent.parent
LINT_DIR = ROOT / "tools" / "cypher-lint"
LINT_SCRIPT = LINT_DIR / "lint.mjs"
PACKAGE = "@neo4j-cypher/language-support"
INSTALL_HINT = "npm ci --prefix tools/cypher-lint"
CYPHER_VERSION = "CYPHER 5"


def schema_for_lint(model: GraphModel = MODEL) -> dict:
    """The linter's ``DbSchema`` built from the graph model (plus the store's ``GraphMeta`` node)."""
    from creditgraph.graph.neo4j_store import META

    props: dict[str, None] = {}
    for node in model.nodes.values():
        props.update(dict.fromkeys(node.properties))
    for rel in model.rels.values():
        props.update(dict.fromkeys(rel.properties))
    props.update(dict.fromkeys(("k", "v")))  # GraphMeta
    return {
        "labels": [*model.nodes, META],
        "relationshipTypes": list(model.rels),
        "propertyKeys": list(props),
        "graphSchema": [
            {"from": a, "to": b, "relType": rtype} for rtype, rel in model.rels.items() for a, b in rel.pairs
        ],
        "defaultLanguage": CYPHER_VERSION,
    }


def named_queries(registry: dict[str, cypher.NamedQuery] | None = None) -> list[dict]:
    """The Neo4j variant of every named query, with its declared parameters."""
    registry = cypher.registry() if registry is None else registry
    out = []
    for name, q in sorted(registry.items()):
        path = Path(q.paths["neo4j"])
        try:
            where = path.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            where = path.name
        out.append({"name": f"query:{name} ({where})", "text": q.text("neo4j"), "params": dict(q.params)})
    return out


def collect_neo4j_queries(model: GraphModel = MODEL) -> list[dict]:
    """Every Neo4j Cypher text of the project: ``{"name", "text", "params": {name: type}}``."""
    from creditgraph.etl.refresh import neo4j_statements
    from creditgraph.graph.neo4j_store import generated_statements

    return [*({"name": f"store:{s['name']}", "text": s["text"], "params": s["params"]}
              for s in generated_statements(model)), *neo4j_statements(model), *named_queries()]


def lint_document(queries: list[dict] | None = None, schema: dict | None = None) -> dict:
    return {
        "schema": schema_for_lint() if schema is None else schema,
        "queries": collect_neo4j_queries() if queries is None else queries,
    }


def linter_missing() -> str | None:
    """Why the linter cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "Node.js (`node`) is not on PATH: install Node 20 or newer"
    if not (LINT_DIR / "node_modules" / PACKAGE / "package.json").is_file():
        return f"the linter package is not installed in {LINT_DIR / 'node_modules'}: run `{INSTALL_HINT}`"
    if not LINT_SCRIPT.is_file():
        return f"{LINT_SCRIPT} is missing"
    return None


def run_linter(document: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``node tools/cypher-lint/lint.mjs ARGS`` on a document; output is captured."""
    return subprocess.run(
        ["node", str(LINT_SCRIPT), *args, "-"],
        input=json.dumps(document, ensure_ascii=False),
        capture_output=True, text=True, encoding="utf-8", timeout=timeout, cwd=LINT_DIR,
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    unknown = [a for a in argv if a not in ("--json", "--dump", "--no-catalogue", "-h", "--help")]
    if unknown or "-h" in argv or "--help" in argv:
        print(__doc__.split("Usage::")[1].rstrip(), file=sys.stderr if unknown else sys.stdout)
        return 2 if unknown else 0
    document = lint_document()
    if "--dump" in argv:
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    why = linter_missing()
    if why:
        print(f"app.lint: cannot lint: {why}", file=sys.stderr)
        return 2
    proc = run_linter(document, *[a for a in argv if a in ("--json", "--no-catalogue")])
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())

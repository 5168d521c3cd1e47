#!/usr/bin/env bash
# The whole test suite: installs what it needs (Debian chromium + CJK fonts for the
# browser tests, Node for Neo4j's Cypher linter, Java 17 + Maven for the local Neo4j
# server, the Python packages), lints every Neo4j query, builds the Neo4j launcher,
# then runs pytest, which starts the local Neo4j server (scripts/neo4j.sh) when
# NEO4J_URI is not set and stops it at the end. Extra arguments go to pytest.
source "$(dirname "$0")/_common.sh"
command -v node >/dev/null || apt_install nodejs npm
command -v java >/dev/null || apt_install openjdk-17-jdk-headless
command -v mvn >/dev/null || apt_install maven
apt_install chromium fonts-noto-cjk
python_env "[test]"
npm ci --prefix tools/cypher-lint --no-audit --no-fund --loglevel=error
export CREDITGRAPH_REQUIRE_LINT=1 CREDITGRAPH_REQUIRE_BROWSER=1 CREDITGRAPH_REQUIRE_NEO4J=1
python -m ruff check .               # style and complexity (pyproject [tool.ruff])
bash scripts/typecheck.sh          # types (pyproject [tool.mypy], on the creditgraph package)
python -m creditgraph.app.lint
[ -n "${NEO4J_URI:-}" ] || neo4j_local_build_and_guard
python -m pytest "$@"

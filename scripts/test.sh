#!/usr/bin/env bash
# The whole test suite: installs what it needs (Debian chromium + CJK fonts for the
# browser tests, Node for Neo4j's Cypher linter, the Python packages), lints every
# Neo4j query, then runs pytest. Extra arguments go to pytest.
source "$(dirname "$0")/_common.sh"
command -v node >/dev/null || apt_install nodejs npm
apt_install chromium fonts-noto-cjk
python_env "[test]"
npm ci --prefix tools/cypher-lint --no-audit --no-fund --loglevel=error
export CREDITGRAPH_REQUIRE_LINT=1 CREDITGRAPH_REQUIRE_BROWSER=1
python -m graph.lint
python -m pytest "$@"

#!/usr/bin/env bash
# mypy on the package under the names it installs with (creditgraph.graph, .etl, .queries, .app).
# The layers live in the design's top-level folders and setuptools maps them into `creditgraph`
# (pyproject [tool.setuptools.package-dir]); mypy cannot follow that mapping, so it reads them
# through a tree of links under .mypy_cache/ (errors are reported at those paths). Extra
# arguments go to mypy; settings are in pyproject [tool.mypy].
set -euo pipefail
cd "$(dirname "$0")/.."
tree=.mypy_cache/package/creditgraph
mkdir -p "$tree"
for layer in graph etl queries app; do ln -sfn "../../../$layer" "$tree/$layer"; done
MYPYPATH=.mypy_cache/package exec "${PYTHON:-python}" -m mypy "$@" "$tree"

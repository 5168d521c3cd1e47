#!/usr/bin/env bash
# The main job on the embedded default: generate demo data, load it, serve the app.
#   bash scripts/demo.sh [--enterprises N] [--port 8501]
source "$(dirname "$0")/_common.sh"
python_env ""
exec creditgraph demo "$@"

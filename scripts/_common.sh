# Shared set-up for scripts/demo.sh and scripts/test.sh (sourced, not run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
VENV=${CREDITGRAPH_VENV:-.venv}

apt_install() {  # apt_install PKG... : install Debian packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python_env() {  # python_env EXTRAS : a virtual environment with creditgraph installed
  if ! $PY -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "creditgraph needs Python >= 3.11 (found $($PY --version))" >&2; exit 1
  fi
  [ -x "$VENV/bin/python" ] || $PY -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  # setuptools prints a notice for every editable install of a package-dir mapping (the layers map into
  # `creditgraph`): shown only when the install fails
  local out
  if ! out=$("$VENV/bin/python" -m pip install -q -e ".$1" 2>&1); then echo "$out" >&2; exit 1; fi
  export PATH="$PWD/$VENV/bin:$PATH"
}

neo4j_local_build_and_guard() {  # build the local Neo4j launcher; whatever this run starts is stopped on exit
  local t0=$SECONDS
  bash scripts/neo4j.sh build
  echo "Neo4j launcher ready ($((SECONDS - t0))s)"
  if ! bash scripts/neo4j.sh status >/dev/null 2>&1; then
    trap 'bash scripts/neo4j.sh stop' EXIT  # a server left by a killed pytest session goes too
  fi
}

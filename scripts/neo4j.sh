#!/usr/bin/env bash
# A local Neo4j Community 5.26 server for the tests and the demo (tools/neo4j-launcher: embedded Neo4j,
# Bolt on 127.0.0.1 and a free port, authentication on, no HTTP).
#
#   bash scripts/neo4j.sh build    # compile the launcher (Maven; first time downloads the Neo4j jars)
#   bash scripts/neo4j.sh start    # build if needed, start, wait for Bolt, print the bolt:// URI
#   bash scripts/neo4j.sh status   # running (exit 0) or not (exit 3)
#   bash scripts/neo4j.sh env      # export lines: eval "$(bash scripts/neo4j.sh env)"
#   bash scripts/neo4j.sh stop     # SIGTERM to the server's process group, wait; nothing left running
#
# Data, logs and credentials live in $CREDITGRAPH_NEO4J_HOME (default data/neo4j-test):
#   env   NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD (mode 600; the password is random, made at first start)
#   pid   the server's process id (it leads its own process group)
# Heap: CREDITGRAPH_NEO4J_HEAP (default 1g); page cache: CREDITGRAPH_NEO4J_PAGECACHE (default 256m); port: CREDITGRAPH_NEO4J_PORT (default 0: a free one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

LAUNCHER=tools/neo4j-launcher
JAR=$LAUNCHER/target/neo4j-launcher.jar
HOME_DIR=${CREDITGRAPH_NEO4J_HOME:-data/neo4j-test}
HEAP=${CREDITGRAPH_NEO4J_HEAP:-1g}
PAGECACHE=${CREDITGRAPH_NEO4J_PAGECACHE:-256m}
PORT=${CREDITGRAPH_NEO4J_PORT:-0}
START_TIMEOUT=${CREDITGRAPH_NEO4J_START_TIMEOUT:-180}

say() { echo "neo4j.sh: $*" >&2; }

built() {  # the jar and its libraries exist and are newer than the sources
  [ -f "$JAR" ] && [ -d "$LAUNCHER/target/lib" ] || return 1
  [ -z "$(find "$LAUNCHER/pom.xml" "$LAUNCHER/src" -newer "$JAR" -type f 2>/dev/null)" ]
}

build() {
  built && return 0
  command -v mvn >/dev/null || { say "Maven (mvn) is not installed: apt-get install maven openjdk-17-jdk-headless"; exit 1; }
  command -v java >/dev/null || { say "Java 17 is not installed: apt-get install openjdk-17-jdk-headless"; exit 1; }
  say "building the Neo4j launcher (the first build downloads the Neo4j jars from Maven Central)"
  # offline first: a second build on this machine needs nothing from the network
  if ! mvn -q -B -o -f "$LAUNCHER/pom.xml" package >/dev/null 2>&1; then
    mvn -q -B -f "$LAUNCHER/pom.xml" package
  fi
  built || { say "the build left no $JAR"; exit 1; }
}

pid_of() {  # the server's pid when it runs
  local pid
  [ -f "$HOME_DIR/pid" ] || return 1
  pid=$(cat "$HOME_DIR/pid")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

uri() { sed -n 's/^NEO4J_URI=//p' "$HOME_DIR/env"; }

password() {  # the stored password, or a new random one
  if [ -f "$HOME_DIR/env" ] && grep -q '^NEO4J_PASSWORD=' "$HOME_DIR/env"; then
    sed -n 's/^NEO4J_PASSWORD=//p' "$HOME_DIR/env"
  else
    python3 -c 'import secrets; print(secrets.token_hex(16))'
  fi
}

start() {
  if pid=$(pid_of); then echo "$(uri)"; return 0; fi
  build
  mkdir -p "$HOME_DIR"
  local pw; pw=$(password)
  local out="$HOME_DIR/launcher.out"
  : >"$out"
  # setsid: the server leads its own process group, so stop can signal all of it
  NEO4J_PASSWORD="$pw" setsid java "-Xmx$HEAP" "-Dcreditgraph.pagecache=$PAGECACHE" -XX:+UseG1GC -cp "$JAR:$LAUNCHER/target/lib/*" \
    creditgraph.Neo4jLauncher "$HOME_DIR/server" "$PORT" >"$out" 2>"$HOME_DIR/launcher.err" </dev/null &
  local pid=$!
  echo "$pid" >"$HOME_DIR/pid"
  local waited=0
  until grep -q '^READY ' "$out"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the server exited before it was ready; last lines of $HOME_DIR/launcher.err:"
      tail -n 20 "$HOME_DIR/launcher.err" >&2
      rm -f "$HOME_DIR/pid"; exit 1
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      say "the server was not ready after ${START_TIMEOUT}s; stopping it (logs in $HOME_DIR/server/logs)"
      stop; exit 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  local bolt; bolt=$(sed -n 's/^READY //p' "$out" | head -n 1)
  (umask 077; printf 'NEO4J_URI=%s\nNEO4J_USER=neo4j\nNEO4J_PASSWORD=%s\n' "$bolt" "$pw" >"$HOME_DIR/env")
  echo "$bolt"
}

stop() {
  local pid
  if ! pid=$(pid_of); then rm -f "$HOME_DIR/pid"; return 0; fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "the server did not stop within 60s: killing it"
    kill -KILL -- "-$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$HOME_DIR/pid"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  status)
    if pid=$(pid_of); then echo "running (pid $pid) at $(uri)"; else echo "not running"; exit 3; fi ;;
  env)
    pid_of >/dev/null || { say "not running: bash scripts/neo4j.sh start"; exit 3; }
    sed 's/^/export /' "$HOME_DIR/env" ;;
  *) echo "usage: $0 build|start|stop|status|env" >&2; exit 2 ;;
esac

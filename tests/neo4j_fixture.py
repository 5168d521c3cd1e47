"""The Neo4j side of the tests: a server for the session, and stores on a wiped database.

``neo4j_server()`` (behind the session fixture ``neo4j_server`` in conftest.py)
gives the :class:`graph.config.Neo4jSettings` of the server the tests use:

* ``NEO4J_URI`` set: that server (``NEO4J_USER`` or ``NEO4J_USERNAME``,
  ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``); nothing is started;
* otherwise the project's own local server (``scripts/neo4j.sh``: Neo4j
  Community 5.26, embedded, Bolt on 127.0.0.1), started in
  ``CREDITGRAPH_NEO4J_HOME`` (default ``data/neo4j-test``) and stopped at the
  end of the session; one that was already running is used and left running.

When no server can be had, the Neo4j tests skip with the reason, except in CI
(``CI=true``) or with ``CREDITGRAPH_REQUIRE_NEO4J=1``, where that is an error.

``neo4j_store_factory(settings)`` gives a :class:`graph.neo4j_store.Neo4jStore`
on an empty database with the model's schema. The database is WIPED
(``MATCH (n) DETACH DELETE n``); as a guard against pointing the suite at a real
graph by mistake, one holding more than ``MAX_WIPE`` nodes is refused unless
``CREDITGRAPH_NEO4J_WIPE=1`` (not for the project's own local server, whose data
folder is scratch).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "neo4j.sh"
SKIP_REASON = "no Neo4j server: NEO4J_URI is not set and the local one could not be started"
MAX_WIPE = 100_000
LOCAL_URIS: set[str] = set()  # the project's own scratch servers: wiped without the MAX_WIPE guard


def required() -> bool:
    """CI and CREDITGRAPH_REQUIRE_NEO4J=1: a Neo4j test may not skip."""
    env = os.environ
    return env.get("CI", "").lower() == "true" or env.get("CREDITGRAPH_REQUIRE_NEO4J") == "1"


def unavailable(reason: str):
    """Skip, or fail where a server is required."""
    if required():
        pytest.fail(f"Neo4j is required here (CI or CREDITGRAPH_REQUIRE_NEO4J=1): {reason}", pytrace=False)
    pytest.skip(reason)


def env_settings():
    """Neo4jSettings from the environment only (a local creditgraph.toml cannot redirect the tests)."""
    from creditgraph.graph.config import Neo4jSettings

    env = os.environ
    return Neo4jSettings(
        uri=env.get("NEO4J_URI") or None,
        user=env.get("NEO4J_USER", env.get("NEO4J_USERNAME", "neo4j")),
        password=env.get("NEO4J_PASSWORD"),
        database=env.get("NEO4J_DATABASE") or None,
    )


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of the credentials file scripts/neo4j.sh writes."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


class LocalServer:
    """The project's local server through scripts/neo4j.sh (start, stop, credentials)."""

    def __init__(self, home: Path | None = None):
        self.home = Path(home or os.environ.get("CREDITGRAPH_NEO4J_HOME") or REPO / "data" / "neo4j-test")
        self.env = {**os.environ, "CREDITGRAPH_NEO4J_HOME": str(self.home)}
        self.started_here = False

    def _script(self, command: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(SCRIPT), command], env=self.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def running(self) -> bool:
        return self._script("status", 30).returncode == 0

    def start(self) -> None:
        was_running = self.running()
        res = self._script("start", 900)  # the first build downloads the Neo4j jars
        if res.returncode != 0:
            tail = (res.stderr or res.stdout).strip().splitlines()[-5:]
            raise RuntimeError("scripts/neo4j.sh start failed: " + " | ".join(tail))
        self.started_here = not was_running

    def stop(self) -> None:
        if self.started_here:
            self._script("stop", 120)

    def settings(self):
        from creditgraph.graph.config import Neo4jSettings

        env = read_env_file(self.home / "env")
        LOCAL_URIS.add(env["NEO4J_URI"])
        return Neo4jSettings(uri=env["NEO4J_URI"], user=env.get("NEO4J_USER", "neo4j"),
                             password=env["NEO4J_PASSWORD"], database=None)


def neo4j_server():
    """A generator for the session fixture: yields Neo4jSettings, stops what it started."""
    settings = env_settings()
    if settings.uri:
        yield settings
        return
    server = LocalServer()
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        yield exc  # the tests that ask for a store turn this into a skip or a failure
        return
    try:
        yield server.settings()
    finally:
        server.stop()


def neo4j_store_factory(settings=None):
    """A Neo4jStore on a wiped test database with the schema created.

    ``settings``: from the session fixture (``neo4j_server``); without it, the
    environment's (skipping when NEO4J_URI is not set).
    """
    if isinstance(settings, BaseException):
        unavailable(f"{SKIP_REASON} ({settings})")
    settings = settings or env_settings()
    if not settings.uri:
        unavailable(SKIP_REASON)
    from creditgraph.graph.neo4j_store import Neo4jStore

    store = Neo4jStore.from_settings(settings, connection_timeout=15.0)
    try:
        total = int(store.run("MATCH (n) RETURN count(n) AS c")["c"].iloc[0])
        guarded = settings.uri not in LOCAL_URIS
        if guarded and total > MAX_WIPE and os.environ.get("CREDITGRAPH_NEO4J_WIPE") != "1":
            pytest.fail(
                f"{store!r} holds {total} nodes; the tests wipe the database. "
                "Point NEO4J_URI/NEO4J_DATABASE at a test database, or set CREDITGRAPH_NEO4J_WIPE=1.",
                pytrace=False)
        wipe(store)
        store.create_schema()
    except BaseException:
        store.close()
        raise
    return store


def wipe(store) -> None:
    """Delete every node and relationship, in batches (one huge transaction needs a large heap)."""
    while int(store.run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c", write=True)["c"].iloc[0]):
        pass

"""The Neo4j side of the store contract tests.

``neo4j_store_factory()`` gives a :class:`graph.neo4j_store.Neo4jStore` on an
empty test database with the model's schema, or skips the test (with a
visible reason) when no server is configured. Use it from a fixture, e.g.::

    @pytest.fixture(params=["embedded", "neo4j"])
    def store(request, tmp_path):
        if request.param == "neo4j":
            s = neo4j_store_factory()
        else:
            s = EmbeddedStore(tmp_path / "graph")
        yield s
        s.close()

Configuration (environment only, so a local ``creditgraph.toml`` cannot point
the tests at another server): ``NEO4J_URI``, ``NEO4J_USER`` (or
``NEO4J_USERNAME``), ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``. The database is
WIPED (``MATCH (n) DETACH DELETE n``); as a guard against pointing the suite at
a real graph by mistake, a database holding more than ``MAX_WIPE`` nodes is
refused unless ``CREDITGRAPH_NEO4J_WIPE=1``.
"""
from __future__ import annotations

import os

import pytest

SKIP_REASON = "NEO4J_URI is not set: the Neo4j contract tests need a server (see README: Neo4j)"
MAX_WIPE = 100_000


def neo4j_settings():
    from graph.config import Neo4jSettings

    env = os.environ
    return Neo4jSettings(
        uri=env.get("NEO4J_URI") or None,
        user=env.get("NEO4J_USER", env.get("NEO4J_USERNAME", "neo4j")),
        password=env.get("NEO4J_PASSWORD"),
        database=env.get("NEO4J_DATABASE") or None,
    )


def neo4j_store_factory():
    """A Neo4jStore on a wiped test database with the schema created; skips without NEO4J_URI."""
    settings = neo4j_settings()
    if not settings.uri:
        pytest.skip(SKIP_REASON)
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore.from_settings(settings, connection_timeout=15.0)
    try:
        total = int(store.run("MATCH (n) RETURN count(n) AS c")["c"].iloc[0])
        if total > MAX_WIPE and os.environ.get("CREDITGRAPH_NEO4J_WIPE") != "1":
            pytest.fail(
                f"{store!r} holds {total} nodes; the contract tests wipe the database. "
                "Point NEO4J_URI/NEO4J_DATABASE at a test database, or set CREDITGRAPH_NEO4J_WIPE=1.",
                pytrace=False)
        store.run("MATCH (n) DETACH DELETE n", write=True)
        store.create_schema()
    except BaseException:
        store.close()
        raise
    return store

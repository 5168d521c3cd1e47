"""Shared fixtures: stores (embedded, and Neo4j: the server at NEO4J_URI or a local one the session starts) and paths."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"


def graph_roots(folder: Path, depth: int = 4) -> list[Path]:
    """Embedded graph roots (folders with a published ``CURRENT``) under ``folder``."""
    return sorted(p.parent for i in range(1, depth + 1) for p in folder.glob("/".join(["*"] * (i - 1) + ["CURRENT"])))


@pytest.fixture(autouse=True)
def every_graph_verifies_after_the_test(request, tmp_path):
    """`creditgraph verify`'s checks on every embedded graph a test leaves in its tmp_path: after each
    load, re-load, refresh and kill the suite runs, the published graph must be sound (issue 13)."""
    yield
    if request.node.get_closest_marker("corrupts_graph"):
        return
    import dataclasses

    from creditgraph.etl.pipeline import last_counts
    from creditgraph.graph import snapshots
    from creditgraph.graph.config import load_settings
    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.graph.verify import verify

    for root in graph_roots(tmp_path):
        version = snapshots.current_name(root)
        if version is None or not (root / version).exists():
            continue
        settings = dataclasses.replace(load_settings(), store="embedded", db_path=root)
        with EmbeddedStore(root, read_only=True) as store:
            report = verify(store, sample=500, expected_counts=last_counts(settings, version))
        assert report.ok, f"graph {root} ({version}) fails verify after the test: {report.lines()}"


@pytest.fixture
def extract(tmp_path) -> Path:
    """The small hand-made extract of tests/test_etl_load.py (every quirk of real extracts) in ``tmp_path / "src"``."""
    from tests.test_etl_load import write_extract

    return write_extract(tmp_path / "src")


@pytest.fixture
def embedded_store(tmp_path):
    from creditgraph.graph.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "graph")
    yield store
    store.close()


@pytest.fixture(scope="session")
def neo4j_server():
    """Neo4jSettings of the session's server: NEO4J_URI's, or the local one (scripts/neo4j.sh) started
    on first use and stopped at the end of the session (see tests/neo4j_fixture.py)."""
    from tests.neo4j_fixture import neo4j_server as server

    yield from server()


@pytest.fixture
def neo4j_store(neo4j_server):
    """A Neo4j store on a wiped database with the schema (skips without a server, fails in CI)."""
    from tests.neo4j_fixture import neo4j_store_factory

    s = neo4j_store_factory(neo4j_server)
    yield s
    s.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request, tmp_path):
    """The store contract runs on both stores (the Neo4j server is started only when asked for)."""
    if request.param == "embedded":
        from creditgraph.graph.embedded import EmbeddedStore

        s = EmbeddedStore(tmp_path / "graph")
    else:
        from tests.neo4j_fixture import neo4j_store_factory

        s = neo4j_store_factory(request.getfixturevalue("neo4j_server"))
    yield s
    s.close()


@pytest.fixture(params=["embedded", "neo4j"])
def target(request, tmp_path, monkeypatch):
    """``(settings, open_graph)`` for a graph the pipeline loads on either store (id key ``test-key``;
    Neo4j: the session's server, wiped, with the run records under ``tmp_path``)."""
    import dataclasses

    from creditgraph.graph.config import load_settings

    if request.param == "embedded":
        from creditgraph.graph.embedded import EmbeddedStore

        s = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key="test-key")
        return s, lambda: EmbeddedStore(s.db_path, read_only=True)
    from creditgraph.graph.neo4j_store import Neo4jStore
    from tests.neo4j_fixture import neo4j_store_factory

    server = request.getfixturevalue("neo4j_server")
    neo4j_store_factory(server).close()  # wiped, schema created
    monkeypatch.setenv("CREDITGRAPH_RUNS", str(tmp_path / "runs"))
    return (dataclasses.replace(load_settings(), store="neo4j", neo4j=server, id_key="test-key"),
            lambda: Neo4jStore.from_settings(server))


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real registry rows not found at {REALDATA} (they live only on developer machines)")
    return REALDATA

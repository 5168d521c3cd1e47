"""Shared fixtures: stores (embedded always, Neo4j when NEO4J_URI is set) and paths."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"


@pytest.fixture
def embedded_store(tmp_path):
    from graph.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "graph")
    yield store
    store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request, tmp_path):
    """The store contract runs on both stores; Neo4j is skipped without a server."""
    if request.param == "embedded":
        from graph.embedded import EmbeddedStore

        s = EmbeddedStore(tmp_path / "graph")
    else:
        from tests.neo4j_fixture import neo4j_store_factory

        s = neo4j_store_factory()
    yield s
    s.close()


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real registry rows not found at {REALDATA} (they live only on developer machines)")
    return REALDATA

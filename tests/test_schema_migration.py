"""A graph written by an older model opens under the current one with its values moved
(LEGAL_REP ``since`` → ``valid_from``, schema version 2), on both stores."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from importlib import resources

from creditgraph.graph.model import MODEL, load_model


def old_model():
    """The model as version 1 had it: LEGAL_REP with ``since`` and no interval."""
    text = resources.files("creditgraph.graph").joinpath("schema.yaml").read_text(encoding="utf-8")
    text = text.replace(f"version: {MODEL.version}\n", "version: 1\n")
    text = text.replace("valid_from: {type: DATE, label_zh: 任职起始日期, renamed_from: since}", "since: {type: DATE, label_zh: 任职日期}")
    return load_model(text)


def test_the_old_model_is_what_version_1_was():
    old = old_model()
    assert "since" in old.rel("LEGAL_REP").properties and "valid_from" not in old.rel("LEGAL_REP").properties
    assert MODEL.renamed() == [("LEGAL_REP", "since", "valid_from")]


def write_old(store_cls, **kw):
    from creditgraph.queries.testing import load

    s = store_cls(**kw, model=old_model())
    load(s, [("Person", "ID:1", {"name": "甲"}), ("Person", "ID:2", {"name": "乙"}), ("Enterprise", "E", {"name": "e"})],
         [("LEGAL_REP", "ID:1", "E", {"since": "2018-01-01", "position": "执行董事"}), ("LEGAL_REP", "ID:2", "E", {})])
    s.close()


def read_reps(s) -> list:
    df = s.run("MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise) RETURN p.uid AS pid, r.valid_from AS f, r.position AS pos "
               "ORDER BY pid")
    return [[p, None if pd.isna(f) else pd.Timestamp(f).date(), None if pd.isna(pos) else pos]
            for p, f, pos in df.itertuples(index=False)]


EXPECTED = [["ID:1", dt.date(2018, 1, 1), "执行董事"], ["ID:2", None, None]]


def test_embedded_graph_of_version_1_is_migrated_on_a_writable_open(tmp_path):
    from creditgraph.graph.embedded import EmbeddedStore

    write_old(EmbeddedStore, root=tmp_path / "g")
    with EmbeddedStore(tmp_path / "g") as s:
        assert read_reps(s) == EXPECTED
        assert "since" not in s.stored_properties("LEGAL_REP")
        assert s.schema_version()["model_version"] == MODEL.version
        # the adjacency is intact after the re-created edges: keyed reads from both ends agree
        assert sorted(s.edges_by("LEGAL_REP", "Person", "Enterprise", ["E"], by="dst")["src"]) == ["ID:1", "ID:2"]
        assert s.edges_by("LEGAL_REP", "Person", "Enterprise", ["ID:1"])["dst"].tolist() == ["E"]


@pytest.mark.neo4j
def test_neo4j_graph_of_version_1_is_migrated(neo4j_server):
    from creditgraph.graph.neo4j_store import Neo4jStore
    from tests.neo4j_fixture import neo4j_store_factory

    neo4j_store_factory(neo4j_server).close()  # wiped
    write_old(lambda model: Neo4jStore.from_settings(neo4j_server, model=model))
    with Neo4jStore.from_settings(neo4j_server) as s:
        s.create_schema()
        assert read_reps(s) == EXPECTED
        assert s.run("MATCH ()-[r:LEGAL_REP]->() WHERE r.since IS NOT NULL RETURN count(r) AS c")["c"].iloc[0] == 0


def test_a_reader_of_an_older_graph_is_told_to_upgrade_and_an_upgrade_migrates_it(tmp_path):
    from creditgraph.graph import snapshots
    from creditgraph.graph.embedded import EmbeddedStore, OlderGraph, new_snapshot

    with new_snapshot(tmp_path / "g", copy_current=False, model=old_model()) as s:
        from creditgraph.queries.testing import load

        load(s, [("Person", "ID:1", {"name": "甲"}), ("Enterprise", "E", {"name": "e"})],
             [("LEGAL_REP", "ID:1", "E", {"since": "2018-01-01"})])
    with pytest.raises(OlderGraph, match="model version 1.*creditgraph schema"):
        EmbeddedStore(tmp_path / "g", read_only=True)
    old = snapshots.current_name(tmp_path / "g")
    with new_snapshot(tmp_path / "g"):
        pass  # what `creditgraph schema` does: a new snapshot, migrated on its writable open
    assert snapshots.current_name(tmp_path / "g") != old
    with EmbeddedStore(tmp_path / "g", read_only=True) as s:
        assert read_reps(s) == [["ID:1", dt.date(2018, 1, 1), None]]

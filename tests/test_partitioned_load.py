"""A chunked load into an empty graph is resolved and written in enterprise partitions (``etl.partitioned``,
issue 20): the graph, reject report and counts must be those of a load of the whole extract in one batch,
however many partitions, on both stores."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.etl import partitioned, synth
from creditgraph.graph import embedded_files
from creditgraph.etl.pipeline import run_load
from creditgraph.graph.config import load_settings
from tests.test_chunked_load import REALDATA_PROFILE, cfg, same_graph, synthetic  # noqa: F401 (a fixture)
from tests.test_load_sequences import dump


def _manifest(root: Path) -> dict:
    runs = sorted((root / "runs").glob("*/manifest.json"))
    return json.loads(runs[-1].read_text(encoding="utf-8"))


def _spread(graph: dict, rtype: str, parts: int) -> int:
    """People of ``rtype`` edges into enterprises of different partitions (what crosses partitions)."""
    edges = pd.DataFrame(graph[f"{rtype}:Person->Enterprise"])
    edges = edges[edges["src"].str.startswith("ID:")]
    edges["part"] = partitioned._bucket(edges["dst"], edges.index.to_numpy(), parts)
    return int((edges.groupby("src")["part"].nunique() > 1).sum())


def test_sixty_four_partitions_give_the_graph_of_one_batch(synthetic, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(partitioned, "partition_count", lambda enterprises, per_part: partitioned.MAX_PARTS)
    # and every large table written by several COPYs, each checkpointed (FileCopy._copy_pieces)
    monkeypatch.setattr(embedded_files, "COPY_PIECE_ROWS", 3000)
    same_graph(synthetic, tmp_path, [2500])
    m = _manifest(tmp_path / "chunks-2500")
    assert m["partitions"] == partitioned.MAX_PARTS and "partitions" not in _manifest(tmp_path / "whole")
    graph = dump(tmp_path / "chunks-2500")
    # the extract has what crosses partitions: people in companies of several partitions, shareholders
    # named by name, enterprises named by others before their own row
    assert _spread(graph, "LEGAL_REP", partitioned.MAX_PARTS) >= 10
    assert _spread(graph, "HOLDS_SHARES", partitioned.MAX_PARTS) >= 10
    assert sum(1 for e in graph["Enterprise"] if e["uid"].startswith("UNR:")) > 0
    assert sum(1 for a in graph["Address"] if a["cluster"]) > 0
    assert len(graph["Person"]) > 2 * 3000 and len(graph["LEGAL_REP:Person->Enterprise"]) > 2 * 3000
    # a second load of the same extract (now diffed against the graph) writes nothing
    again = run_load(synthetic, "canonical", cfg(tmp_path / "chunks-2500", 2500))
    assert again.status == "unchanged" and not list((tmp_path / "chunks-2500" / "runs").glob("*.staging"))


def test_the_partition_count_follows_the_chunk_size():
    assert partitioned.partition_count(0, 1000) == 1
    assert partitioned.partition_count(5000, 1000) == 5
    assert partitioned.partition_count(5001, 1000) == 6
    assert partitioned.partition_count(10_000_000, 100_000) == partitioned.MAX_PARTS


def test_frames_out_of_build_order_are_refused():
    assert partitioned._numbered(["00010", "00010", "00012"], "x") == ["00010#0000", "00010#0001", "00012#0000"]
    with pytest.raises(RuntimeError, match="out of slot order"):
        partitioned._numbered(["00012", "00010"], "Person")


def test_rows_go_to_the_partition_of_their_enterprise():
    directory = pd.DataFrame({"uid": ["91330100MA0000001A", "91330100MA0000002B"], "subject_id": ["S1", "S2"],
                              "name_key": ["甲公司", "乙公司"], "province": ["33", "33"], "region": ["330100"] * 2}, dtype="string")
    ents = pd.DataFrame({"uid": directory["uid"].to_numpy()}, index=[5, 9])
    reps = pd.DataFrame({"enterprise_ref": [pd.NA, pd.NA, "91330100MA0000002B"], "enterprise_subject_id": ["S1", pd.NA, pd.NA],
                         "enterprise_name": [pd.NA, "乙公司", pd.NA]}, dtype="string", index=[0, 1, 2])
    e = partitioned.row_parts("enterprises", ents, directory, 7)
    r = partitioned.row_parts("legal_reps", reps, directory, 7)
    assert r.tolist() == [e[0], e[1], e[1]]  # by subject id, by name, by code


@pytest.mark.neo4j
def test_a_partitioned_load_into_neo4j_gives_the_graph_of_one_batch(tmp_path, neo4j_server):
    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.graph.neo4j_store import Neo4jStore
    from tests.neo4j_fixture import neo4j_store_factory
    from tests.test_store_contract import snapshot

    src = tmp_path / "src"
    synth.generate(800, 9, src, bad_rows=0.03)
    whole = run_load(src, "canonical", cfg(tmp_path / "whole", None))
    neo4j_store_factory(neo4j_server).close()  # wiped, schema created
    settings = dataclasses.replace(load_settings(), store="neo4j", neo4j=neo4j_server, db_path=tmp_path / "neo4j-runs",
                                   id_key="chunk-key", chunk_rows=200)
    rep = run_load(src, "canonical", settings)
    assert json.loads(Path(rep.manifest).read_text(encoding="utf-8"))["partitions"] == 4
    assert rep.graph == whole.graph and rep.tables == whole.tables and rep.rejects == whole.rejects
    neo = Neo4jStore.from_settings(neo4j_server)
    with EmbeddedStore(tmp_path / "whole", read_only=True) as emb:
        try:
            assert snapshot(neo) == snapshot(emb)
        finally:
            neo.close()


@pytest.mark.realdata
def test_real_registry_rows_load_the_same_graph_in_partitions(realdata, tmp_path):
    same_graph(realdata / "registry", tmp_path, [20_000], str(REALDATA_PROFILE))
    assert _manifest(tmp_path / "chunks-20000")["partitions"] > 1

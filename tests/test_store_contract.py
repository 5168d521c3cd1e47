"""The store contract, run on every store (Neo4j only when NEO4J_URI is set)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import creditgraph.queries  # noqa: F401  (registers the named queries some contract tests run)
from creditgraph.graph.model import MODEL
from creditgraph.graph.store import MissingEndpoints


def enterprises(n: int, start: int = 0) -> pd.DataFrame:
    i = np.arange(start, start + n)
    return pd.DataFrame({
        "uid": [f"E{k:07d}" for k in i],
        "name": [f"浙江测试{k}号科技有限公司" for k in i],
        "capital": i * 1000.0,
        "founded": pd.to_datetime("2010-01-01") + pd.to_timedelta(i % 3000, unit="D"),
        "resolved": i % 2 == 0,
    })


def snapshot(store) -> dict:
    """Everything observable: counts plus every property of every node and edge."""
    out = {"counts": store.counts()}
    for label, node in MODEL.nodes.items():
        cols = ", ".join(f"n.{p} AS {p}" for p in node.properties)
        df = store.run(f"MATCH (n:{label}) RETURN {cols} ORDER BY n.uid")
        out[label] = df.astype(object).where(df.notna(), None).to_dict("records")
    out["edges"] = store.edges().sort_values(["type", "src", "dst"]).astype(str).to_dict("records")
    return out


def test_schema_created_and_versioned(store):
    store.create_schema()  # a second call is harmless
    v = store.schema_version()
    assert v["model_version"] == MODEL.version
    assert v["signature"] == MODEL.signature
    assert set(store.counts()) == set(MODEL.nodes) | set(MODEL.rels)


def test_upsert_same_batch_twice_is_idempotent(store):
    e = enterprises(500)
    p = pd.DataFrame({"uid": ["ID:a", "ID:b"], "name": ["张伟", "张伟"], "birth_year": [1970, 1985]})
    r = pd.DataFrame({"src": ["ID:a", "ID:b", "ID:a"], "dst": ["E0000000", "E0000001", "E0000002"],
                      "ratio": [0.5, 0.25, 1.0], "subscribed": [1e5, 5e4, 2e5]})
    first = [store.upsert_nodes("Enterprise", e), store.upsert_nodes("Person", p),
             store.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", r)]
    assert [x.inserted for x in first] == [500, 2, 3]
    before = snapshot(store)
    again = [store.upsert_nodes("Enterprise", e), store.upsert_nodes("Person", p),
             store.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", r)]
    assert [x.inserted for x in again] == [0, 0, 0]
    assert [x.updated for x in again] == [500, 2, 3]
    assert snapshot(store) == before


def test_upsert_updates_given_columns_only(store):
    store.upsert_nodes("Enterprise", enterprises(3))
    store.upsert_nodes("Enterprise", pd.DataFrame({"uid": ["E0000001"], "status": ["吊销"]}))
    df = store.run("MATCH (n:Enterprise {uid: 'E0000001'}) RETURN n.name AS name, n.status AS status")
    assert df.to_dict("records") == [{"name": "浙江测试1号科技有限公司", "status": "吊销"}]


def test_batch_with_repeated_and_existing_keys_does_not_crash(store):
    """LadybugDB crashes on a COPY meeting an existing key: the store must guard it."""
    store.upsert_nodes("Enterprise", enterprises(10))
    batch = pd.concat([enterprises(5, start=8), enterprises(2, start=12)], ignore_index=True)
    batch.loc[batch.index[-1], "name"] = "最后一行为准"
    res = store.upsert_nodes("Enterprise", batch)
    assert (res.inserted, res.updated) == (4, 2)  # E10..E13 new, E8, E9 existing
    assert store.counts()["Enterprise"] == 14
    name = store.run("MATCH (n:Enterprise {uid: 'E0000013'}) RETURN n.name AS name")["name"].iloc[0]
    assert name == "最后一行为准"  # the later duplicate wins


def test_chinese_text_round_trips(store):
    names = ["杭州市西湖区某某贸易有限公司", "（香港）國際控股集團", "𠮷野家餐饮", "ÅBC—测试\u3000全角"]
    df = pd.DataFrame({"uid": [f"C{i}" for i in range(len(names))], "name": names, "address": names[::-1]})
    store.upsert_nodes("Enterprise", df)
    got = store.run("MATCH (n:Enterprise) RETURN n.uid AS uid, n.name AS name, n.address AS address ORDER BY n.uid")
    assert got["name"].tolist() == names
    assert got["address"].tolist() == names[::-1]


def test_types_round_trip(store):
    store.upsert_nodes("Enterprise", enterprises(2))
    got = store.run("MATCH (n:Enterprise {uid: 'E0000001'}) RETURN n.founded AS founded, n.capital AS capital, n.resolved AS resolved")
    assert pd.Timestamp(got["founded"].iloc[0]).date() == dt.date(2010, 1, 2)
    assert got["capital"].iloc[0] == 1000.0
    assert not got["resolved"].iloc[0]


def test_relationship_to_missing_node_is_refused_or_skipped(store):
    store.upsert_nodes("Enterprise", enterprises(2))
    store.upsert_nodes("Person", pd.DataFrame({"uid": ["ID:a"], "name": ["李娜"]}))
    bad = pd.DataFrame({"src": ["ID:a", "ID:nobody"], "dst": ["E0000000", "E0000001"], "position": ["执行董事", "经理"]})
    with pytest.raises(MissingEndpoints, match="ID:nobody"):
        store.upsert_relationships("LEGAL_REP", "Person", "Enterprise", bad)
    res = store.upsert_relationships("LEGAL_REP", "Person", "Enterprise", bad, on_missing="skip")
    assert (res.inserted, res.skipped) == (1, 1)


def test_relationship_pair_must_exist_in_model(store):
    with pytest.raises(ValueError, match="does not connect"):
        store.upsert_relationships("LEGAL_REP", "Enterprise", "Person", pd.DataFrame({"src": ["a"], "dst": ["b"]}))


def test_delete_nodes_and_relationships(store):
    store.upsert_nodes("Enterprise", enterprises(4))
    r = pd.DataFrame({"src": ["E0000000", "E0000001", "E0000002"], "dst": ["E0000001", "E0000002", "E0000003"], "ratio": [1.0, 0.5, 0.3]})
    store.upsert_relationships("HOLDS_SHARES", "Enterprise", "Enterprise", r)
    assert store.delete_relationships("HOLDS_SHARES", "Enterprise", "Enterprise", r.iloc[[0]]) == 1
    assert store.counts()["HOLDS_SHARES"] == 2
    assert store.delete_nodes("Enterprise", ["E0000002", "not-there"]) == 1  # takes its two edges along
    c = store.counts()
    assert (c["Enterprise"], c["HOLDS_SHARES"]) == (3, 0)
    assert set(store.node_keys("Enterprise")) == {"E0000000", "E0000001", "E0000003"}


def test_edge_writes_by_ends_touch_that_edge_only(store):
    """Updates and deletes address an edge by (src, dst): a person's other edges, other people's
    edges to the same enterprise, and pairs with no edge between them are left alone."""
    store.upsert_nodes("Enterprise", enterprises(4))
    store.upsert_nodes("Person", pd.DataFrame({"uid": ["ID:a", "ID:b"], "name": ["王芳", "王芳"]}))
    store.upsert_relationships("LEGAL_REP", "Person", "Enterprise", pd.DataFrame({
        "src": ["ID:a", "ID:a", "ID:a", "ID:b"], "dst": ["E0000000", "E0000001", "E0000002", "E0000001"],
        "position": ["执行董事"] * 4}))

    def positions():
        e = store.run("MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise) RETURN p.uid AS src, e.uid AS dst, r.position AS position")
        return dict(zip(zip(e["src"], e["dst"]), e["position"]))

    # (ID:b, E0000000) and (ID:a, E0000003) name existing nodes with no edge between them
    store.update_relationships("LEGAL_REP", "Person", "Enterprise", pd.DataFrame({
        "src": ["ID:a", "ID:b", "ID:a"], "dst": ["E0000001", "E0000000", "E0000003"], "position": ["经理", "监事", "监事"]}))
    assert positions() == {("ID:a", "E0000000"): "执行董事", ("ID:a", "E0000001"): "经理",
                           ("ID:a", "E0000002"): "执行董事", ("ID:b", "E0000001"): "执行董事"}
    store.delete_known_relationships("LEGAL_REP", "Person", "Enterprise",
                                     pd.DataFrame({"src": ["ID:a"], "dst": ["E0000000"]}))
    assert store.delete_relationships("LEGAL_REP", "Person", "Enterprise",
                                      pd.DataFrame({"src": ["ID:a", "ID:b"], "dst": ["E0000002", "E0000000"]})) == 1
    assert positions() == {("ID:a", "E0000001"): "经理", ("ID:b", "E0000001"): "执行董事"}
    assert store.counts()["LEGAL_REP"] == 2


def test_named_query_takes_declared_parameters(store):
    store.upsert_nodes("Enterprise", enterprises(3))
    df = store.query("enterprise_by_uid", {"uid": "E0000002"})
    assert df["name"].tolist() == ["浙江测试2号科技有限公司"]
    hostile = "E0000002' OR 1=1 //"
    assert store.query("enterprise_by_uid", {"uid": hostile}).empty
    with pytest.raises(ValueError, match="missing"):
        store.query("enterprise_by_uid", {})


def test_edges_and_counts(store):
    store.upsert_nodes("Enterprise", enterprises(3))
    store.upsert_nodes("Region", pd.DataFrame({"uid": ["330211"], "name": ["镇海区"], "level": ["county"]}))
    store.upsert_relationships("REGISTERED_IN", "Enterprise", "Region",
                               pd.DataFrame({"src": ["E0000000", "E0000001"], "dst": ["330211", "330211"]}))
    e = store.edges(["REGISTERED_IN"])
    assert sorted(e["src"]) == ["E0000000", "E0000001"] and set(e["type"]) == {"REGISTERED_IN"}
    assert store.counts()["REGISTERED_IN"] == 2


def test_meta_round_trip(store):
    store.set_meta("graph_version", "v7")
    store.set_meta("graph_version", "v8")
    assert store.get_meta("graph_version") == "v8"
    assert store.get_meta("never-set") is None


@pytest.mark.slow
def test_one_million_row_batch(store):
    n = 1_000_000
    i = np.arange(n)
    df = pd.DataFrame({"uid": pd.Series(i).map("P{:07d}".format), "name": np.where(i % 2, "张伟", "王芳"), "birth_year": 1950 + i % 50})
    assert store.upsert_nodes("Person", df).inserted == n
    res = store.upsert_nodes("Person", df.iloc[::100].assign(name="李强"))
    assert (res.inserted, res.updated) == (0, n // 100)
    assert store.counts()["Person"] == n
    got = store.run("MATCH (p:Person) WHERE p.name = '李强' RETURN count(p) AS c")["c"].iloc[0]
    assert got == n // 100


def test_diff_fetches_stored_edges_by_either_end(store):
    """The refresh diff reads stored edges by the keys of one end; keys without edges, or naming
    no node, yield nothing, and each (type, source label) pair is read on its own."""
    from creditgraph.etl.graphdiff import fetch_rels

    store.upsert_nodes("Enterprise", enterprises(4))
    store.upsert_nodes("Person", pd.DataFrame({"uid": ["ID:a", "ID:b"], "name": ["王芳", "王芳"]}))
    store.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", pd.DataFrame(
        {"src": ["ID:a", "ID:a", "ID:b"], "dst": ["E0000000", "E0000001", "E0000001"], "ratio": [0.6, 0.4, 0.6]}))
    store.upsert_relationships("HOLDS_SHARES", "Enterprise", "Enterprise", pd.DataFrame(
        {"src": ["E0000002"], "dst": ["E0000001"], "ratio": [0.0]}))
    keys = pd.Series(["ID:a", "ID:nobody", "E0000003"])
    by_src = fetch_rels(store, "HOLDS_SHARES", "Person", "Enterprise", keys, by="src", cols=["ratio"])
    assert sorted(zip(by_src["src"], by_src["dst"], by_src["ratio"])) == [("ID:a", "E0000000", 0.6), ("ID:a", "E0000001", 0.4)]
    ents = pd.Series(["E0000001", "E0000003"])  # E0000003 exists but has no holder
    people = fetch_rels(store, "HOLDS_SHARES", "Person", "Enterprise", ents, by="dst")
    firms = fetch_rels(store, "HOLDS_SHARES", "Enterprise", "Enterprise", ents, by="dst")
    assert sorted(zip(people["src"], people["dst"])) == [("ID:a", "E0000001"), ("ID:b", "E0000001")]
    assert list(zip(firms["src"], firms["dst"])) == [("E0000002", "E0000001")]
    assert fetch_rels(store, "HOLDS_SHARES", "Enterprise", "Enterprise", pd.Series(["E0000003"]), by="src").empty


def test_keyed_reads_by_key_by_property_and_as_arrow(store):
    """The public reads the ETL, refresh and verify use: the same rows from either store."""
    store.upsert_nodes("Enterprise", enterprises(3))
    store.upsert_nodes("Person", pd.DataFrame({"uid": ["ID:a", "NM:E0000001:王芳", "ID:c"], "name": ["王芳", "王芳", "李娜"],
                                               "phone": ["13800000001", None, "13800000003"]}))
    by_key = store.nodes_by("Enterprise", "uid", pd.Series(["E0000002", "E0000000", "nobody", None, "E0000000"]), ["name"])
    assert sorted(zip(by_key["uid"], by_key["name"])) == [("E0000000", "浙江测试0号科技有限公司"), ("E0000002", "浙江测试2号科技有限公司")]
    named = store.nodes_by("Person", "name", ["王芳", "张伟"], ["name", "phone"])
    assert sorted(named["uid"]) == ["ID:a", "NM:E0000001:王芳"] and set(named["name"]) == {"王芳"}
    assert store.nodes_by("Person", "name", [], ["name"]).empty
    store.upsert_relationships("LEGAL_REP", "Person", "Enterprise", pd.DataFrame({"src": ["ID:a", "ID:a"],
                                                                                  "dst": ["E0000000", "E0000001"]}))
    reps = store.edges_by("LEGAL_REP", "Person", "Enterprise", ["E0000001", "E0000002"], by="dst")
    assert list(zip(reps["src"], reps["dst"])) == [("ID:a", "E0000001")]
    tbl = store.run_arrow("MATCH (e:Enterprise) RETURN e.uid AS uid ORDER BY uid")
    assert tbl.column("uid").to_pylist() == ["E0000000", "E0000001", "E0000002"]
    assert store.query("enterprise_by_uid", {"uid": "E0000001"}, scan=True)["uid"].tolist() == ["E0000001"]


def test_a_process_holds_many_embedded_graphs_open_at_once(tmp_path):
    """An app following versions, or a test session, keeps graphs open: the engine reserves address space
    per open database (8 TiB by default, about 15 per process); creditgraph asks for less, so 40 fit."""
    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.queries.testing import load

    root = tmp_path / "g"
    with EmbeddedStore(root) as s:
        load(s, [("Enterprise", "E1", {"name": "甲"})])
    opened = [EmbeddedStore(root, read_only=True) for _ in range(40)]
    try:
        assert {s.counts()["Enterprise"] for s in opened} == {1}
    finally:
        for s in opened:
            s.close()

"""Neighbourhoods and paths on small hand-built graphs, checked by hand and against networkx."""
from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest

from creditgraph.queries import neighborhood, paths
from creditgraph.queries.testing import load

AP = {"kind": "administrative_penalty", "decided": "2023-05-01", "status": "active"}

# 甲(E1) and 乙(E2) sit at a declared cluster address; 甲 and 丁(E4) share a phone.
NODES = [
    ("Person", "ID:zw1", {"name": "张伟"}), ("Person", "ID:zw2", {"name": "张伟"}),
    ("Person", "NM:E3:张伟", {"name": "张伟"}), ("Person", "ID:li", {"name": "李四"}),
    ("Enterprise", "E1", {"name": "甲公司"}), ("Enterprise", "E2", {"name": "乙公司"}),
    ("Enterprise", "E3", {"name": "丙公司"}), ("Enterprise", "E4", {"name": "丁公司"}),
    ("PenaltyEvent", "AP:1", AP),
    ("PenaltyEvent", "AO:2", {"kind": "abnormal_operation", "decided": "2022-01-01", "status": "repaired"}),
    ("PenaltyEvent", "AP:3", AP),
    ("Address", "ADDR:c", {"text": "某园区1号", "cluster": True}), ("Address", "ADDR:x", {"text": "某路2号", "cluster": False}),
    ("Phone", "13912345678", {"masked": "139****5678"}),
]
RELS = [
    ("LEGAL_REP", "ID:zw1", "E1", {"position": "执行董事"}), ("LEGAL_REP", "ID:zw2", "E2"),
    ("LEGAL_REP", "NM:E3:张伟", "E3"), ("LEGAL_REP", "ID:li", "E4"),
    ("HOLDS_SHARES", "ID:zw1", "E3", {"ratio": 0.4}), ("HOLDS_SHARES", "E4", "E2", {"ratio": 0.3}),
    ("PENALIZED", "E1", "AP:1"), ("PENALIZED", "E1", "AO:2"), ("PENALIZED", "E2", "AP:3"),
    ("HAS_ADDRESS", "E1", "ADDR:c"), ("HAS_ADDRESS", "E2", "ADDR:c"),
    ("HAS_ADDRESS", "E3", "ADDR:x"), ("HAS_ADDRESS", "E4", "ADDR:x"),
    ("HAS_PHONE", "E1", "13912345678"), ("HAS_PHONE", "E4", "13912345678"),
]


@pytest.fixture
def g(embedded_store):
    load(embedded_store, NODES, RELS)
    return embedded_store


def hops_of(result) -> dict[str, int]:
    return dict(zip(result.table["uid"], result.table["hops"]))


def test_neighborhood_one_hop_excludes_repaired_events(g):
    r = neighborhood(g, "E1", hops=1)
    assert hops_of(r) == {"E1": 0, "ID:zw1": 1, "AP:1": 1, "ADDR:c": 1, "13912345678": 1}
    r = neighborhood(g, "E1", hops=1, include_history=True)
    assert hops_of(r)["AO:2"] == 1
    assert r.table.set_index("uid").loc["AO:2", "status"] == "repaired"
    assert "[已信用修复]" in r.table.set_index("uid").loc["AO:2", "caption"]


def test_neighborhood_two_hops_and_paths(g):
    r = neighborhood(g, "E1", hops=2)
    h = hops_of(r)
    assert {u for u, k in h.items() if k == 2} == {"E3", "E2", "E4"}
    row = r.table.index[r.table["uid"] == "E3"][0]
    assert r.evidence[row].paths_text == "甲公司 <-[法定代表人]- 张伟(自然人) -[持股 40%]-> 丙公司"
    row = r.table.index[r.table["uid"] == "E4"][0]
    assert r.evidence[row].paths_text == "甲公司 -[联系电话]-> 139****5678 <-[联系电话]- 丁公司"
    # the subgraph holds every shortest-path relationship, stored direction kept
    rels = set(map(tuple, r.subgraph.rels[["src", "dst", "type"]].values.tolist()))
    assert ("ID:zw1", "E3", "HOLDS_SHARES") in rels and ("E1", "AP:1", "PENALIZED") in rels


def test_neighborhood_rel_types_and_limit(g):
    r = neighborhood(g, "E1", hops=2, rel_types=["LEGAL_REP", "HOLDS_SHARES"])
    assert hops_of(r) == {"E1": 0, "ID:zw1": 1, "E3": 2}
    r = neighborhood(g, "E1", hops=3, limit=3)
    assert len(r.table) == 4 and r.table["hops"].tolist() == sorted(r.table["hops"])
    with pytest.raises(ValueError, match="unknown relationship"):
        neighborhood(g, "E1", rel_types=["KNOWS"])
    with pytest.raises(ValueError, match="hops"):
        neighborhood(g, "E1", hops=5)
    with pytest.raises(KeyError, match="no node"):
        neighborhood(g, "nobody")


def test_name_only_people_do_not_join_companies(g):
    # 张伟 of 甲 (ID:zw1), 张伟 of 乙 (ID:zw2) and the name-only 张伟 of 丙 are three people
    r = neighborhood(g, "ID:zw1", hops=2, rel_types=["LEGAL_REP", "HOLDS_SHARES"])
    assert set(r.table["uid"]) == {"ID:zw1", "E1", "E3", "NM:E3:张伟"}
    r = paths(g, "E1", "E2", rel_types=["LEGAL_REP", "HOLDS_SHARES"])
    assert r.table.empty


def test_shortest_paths_between_parties(g):
    r = paths(g, "E1", "E2")
    assert r.table["hops"].tolist() == [2]
    assert r.table["path"][0] == "甲公司 -[住所]-> 某园区1号(集中办公区) <-[住所]- 乙公司"
    assert bool(r.table["via_cluster_address"][0])
    r = paths(g, "ID:li", "E3")
    assert r.table["path"].tolist() == ["李四(自然人) -[法定代表人]-> 丁公司 -[住所]-> 某路2号 <-[住所]- 丙公司"]


def test_all_paths_are_simple_and_bounded(g):
    r = paths(g, "E1", "E2", all_paths=True, max_hops=4)
    texts = r.table["path"].tolist()
    assert texts[0] == "甲公司 -[住所]-> 某园区1号(集中办公区) <-[住所]- 乙公司"
    assert "甲公司 -[联系电话]-> 139****5678 <-[联系电话]- 丁公司 -[持股 30%]-> 乙公司" in texts
    assert all(len(set(n)) == len(n) for n in r.table["nodes"])
    assert r.table["hops"].max() <= 4
    assert len(paths(g, "E1", "E2", all_paths=True, max_hops=2)) == 1


def test_paths_take_parties_only(g):
    with pytest.raises(ValueError, match="Enterprise or Person"):
        paths(g, "E1", "ADDR:c")
    with pytest.raises(ValueError, match="same"):
        paths(g, "E1", "E1")


# --- against networkx on random graphs ---------------------------------------------------

def random_graph(seed: int):
    rnd = random.Random(seed)
    ents = [f"E{i}" for i in range(12)]
    ppl = [f"ID:p{i}" for i in range(8)]
    nodes = [("Enterprise", e, {"name": e}) for e in ents] + [("Person", p, {"name": p}) for p in ppl]
    pairs = set()
    rels = []
    for _ in range(26):
        if rnd.random() < 0.6:
            a, b, t = rnd.choice(ppl), rnd.choice(ents), rnd.choice(["LEGAL_REP", "HOLDS_SHARES"])
        else:
            a, b, t = rnd.choice(ents), rnd.choice(ents), "HOLDS_SHARES"
        if a == b or frozenset((a, b)) in pairs:
            continue  # no parallel edges: networkx path lists stay comparable
        pairs.add(frozenset((a, b)))
        rels.append((t, a, b, {"ratio": 0.1} if t == "HOLDS_SHARES" else {}))
    G = nx.Graph()
    G.add_nodes_from(ents + ppl)
    G.add_edges_from((a, b) for _, a, b, _ in rels)
    return nodes, rels, G, ents, ppl


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_against_networkx(embedded_store, seed):
    nodes, rels, G, ents, ppl = random_graph(seed)
    load(embedded_store, nodes, rels)
    for centre in ("E0", "ID:p0"):
        for hops in (1, 2, 3):
            want = nx.single_source_shortest_path_length(G, centre, cutoff=hops)
            assert hops_of(neighborhood(embedded_store, centre, hops=hops)) == want
    for a, b in itertools.combinations(["E0", "E1", "E5", "ID:p1", "ID:p3"], 2):
        try:
            want = sorted(nx.all_shortest_paths(G, a, b))
        except nx.NetworkXNoPath:
            want = []
        want = [p for p in want if len(p) - 1 <= 6]
        got = paths(embedded_store, a, b, limit=1000)
        assert sorted(got.table["nodes"].tolist()) == want
        simple = sorted(nx.all_simple_paths(G, a, b, cutoff=4))
        got = paths(embedded_store, a, b, all_paths=True, max_hops=4, limit=10_000)
        assert sorted(got.table["nodes"].tolist()) == simple
        assert got.table["hops"].tolist() == sorted(got.table["hops"])

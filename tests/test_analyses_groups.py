"""Risk groups and risk propagation: by hand and against networkx (components, personalised PageRank)."""
from __future__ import annotations

import random

import networkx as nx
import pandas as pd
import pytest

from creditgraph.queries import risk_groups, risk_propagation
from creditgraph.queries.testing import load


def ev(uid, status="active"):
    return ("PenaltyEvent", uid, {"kind": "administrative_penalty", "decided": "2024-01-01", "status": status})


# Group 1: 张三 represents E1 and E2 and holds E3; E1 has two active events, E3 one repaired.
# Group 2: 李四 represents E4 and E5, no events.  Group 3: 王五 represents E6 alone (one enterprise).
NODES = [
    ("Person", "ID:zs", {"name": "张三"}), ("Person", "ID:ls", {"name": "李四"}), ("Person", "ID:ww", {"name": "王五"}),
    *[("Enterprise", f"E{i}", {"name": f"E{i}公司"}) for i in range(1, 7)],
    ev("AP:1"), ev("AP:2"), ev("AP:3", status="repaired"),
]
RELS = [
    ("LEGAL_REP", "ID:zs", "E1"), ("LEGAL_REP", "ID:zs", "E2"), ("HOLDS_SHARES", "ID:zs", "E3", {"ratio": 0.5}),
    ("LEGAL_REP", "ID:ls", "E4"), ("LEGAL_REP", "ID:ls", "E5"), ("LEGAL_REP", "ID:ww", "E6"),
    ("PENALIZED", "E1", "AP:1"), ("PENALIZED", "E1", "AP:2"), ("PENALIZED", "E3", "AP:3"),
]
COLS = ["enterprises", "people", "penalised_enterprises", "events", "members"]


def test_groups_by_hand(embedded_store):
    load(embedded_store, NODES, RELS)
    r = risk_groups(embedded_store)
    assert r.table[COLS].values.tolist() == [[3, 1, 1, 2, ["E1", "E2", "E3"]], [2, 1, 0, 0, ["E4", "E5"]]]
    assert r.table["group_id"].tolist() == [1, 2]
    assert r.table["member_names"][0] == ["E1公司", "E2公司", "E3公司"]
    h = risk_groups(embedded_store, include_history=True)
    assert h.table[COLS].values.tolist()[0] == [3, 1, 2, 3, ["E1", "E3", "E2"]]   # penalised members first
    assert len(risk_groups(embedded_store, min_size=1)) == 3
    assert len(risk_groups(embedded_store, rel_types=["HOLDS_SHARES"])) == 0     # E3 alone with 张三
    ev = r.evidence[0]
    assert set(map(tuple, ev.rels[["src", "dst", "type"]].values.tolist())) == {
        ("ID:zs", "E1", "LEGAL_REP"), ("ID:zs", "E2", "LEGAL_REP"), ("ID:zs", "E3", "HOLDS_SHARES")}


def random_world(seed: int):
    rnd = random.Random(seed)
    ents = [f"E{i:02d}" for i in range(30)]
    ppl = [f"ID:p{i:02d}" for i in range(15)]
    nodes = [("Enterprise", e, {"name": e}) for e in ents] + [("Person", p, {"name": p}) for p in ppl]
    rels, seen = [], set()
    for _ in range(35):
        a = rnd.choice(ppl + ents)
        b = rnd.choice(ents)
        if a == b or (a, b) in seen or (b, a) in seen:
            continue
        seen.add((a, b))
        if a.startswith("ID:") and rnd.random() < 0.5:
            rels.append(("LEGAL_REP", a, b, {}))
        else:
            rels.append(("HOLDS_SHARES", a, b, {"ratio": 0.1}))
    events: dict[str, int] = {}
    for i, e in enumerate(rnd.sample(ents, 8)):
        k = rnd.randint(1, 3)
        events[e] = k
        for j in range(k):
            nodes.append(ev(f"AP:{i}-{j}"))
            rels.append(("PENALIZED", e, f"AP:{i}-{j}", {}))
    G = nx.Graph()
    G.add_edges_from((a, b) for t, a, b, _ in rels if t != "PENALIZED")
    return nodes, rels, G, events


@pytest.mark.parametrize("seed", [1, 2])
def test_against_networkx(embedded_store, seed):
    nodes, rels, G, events = random_world(seed)
    load(embedded_store, nodes, rels)
    # components
    want = []
    for comp in nx.connected_components(G):
        ents = sorted(u for u in comp if not u.startswith("ID:"))
        if len(ents) >= 2:
            want.append((len(ents), sum(events.get(e, 0) for e in ents), set(ents)))
    got = risk_groups(embedded_store).table
    assert sorted((n, e, frozenset(m)) for n, e, m in zip(got["enterprises"], got["events"], got["members"])) == \
        sorted((n, e, frozenset(m)) for n, e, m in want)
    # personalised PageRank seeded by event counts (restart and dangling mass go to the seeds)
    seeds = {u: events.get(u, 0) for u in G}
    if not any(seeds.values()):
        pytest.skip("no seed in the graph")
    pr = nx.pagerank(G, alpha=0.85, personalization=seeds, tol=1e-13, max_iter=1000)
    r = risk_propagation(embedded_store, top=1000, include_seeds=True)
    got = dict(zip(r.table["uid"], r.table["score"]))
    assert got.keys() == set(G)
    for u, s in pr.items():
        assert got[u] == pytest.approx(s, abs=1e-8), u
    # hops to the nearest seed, as networkx counts them
    dist = nx.multi_source_dijkstra_path_length(G, {u for u, k in seeds.items() if k})
    hops = {u: (None if pd.isna(h) else int(h)) for u, h in zip(r.table["uid"], r.table["hops_to_seed"])}
    assert hops == {u: dist.get(u) for u in got}


def test_propagation_by_hand(embedded_store):
    load(embedded_store, NODES, RELS)
    r = risk_propagation(embedded_store, labels=("Enterprise",))
    # only the group of E1 holds a seed; E4–E6 get nothing and sort last by score
    assert r.table["uid"].tolist()[:2] in (["E2", "E3"], ["E3", "E2"])
    assert r.table.set_index("uid").loc["E2", "score"] == pytest.approx(r.table.set_index("uid").loc["E3", "score"])
    assert r.table.set_index("uid").loc["E4", "score"] == 0.0
    assert r.table.set_index("uid").loc["E2", "nearest_seed"] == "E1"
    h = risk_propagation(embedded_store, labels=("Enterprise",), include_history=True)
    assert "E3" not in set(h.table["uid"])          # E3 is a seed once its repaired event counts
    with pytest.raises(ValueError, match="alpha"):
        risk_propagation(embedded_store, alpha=1.0)

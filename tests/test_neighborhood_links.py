"""The graph explorer's subgraph holds every relationship among the nodes it shows (issue 17), not
only the shortest-path tree: a person heading ten companies, a phone ten companies share, a mutual
shareholding. Runs on both stores."""
from __future__ import annotations

import pytest

from creditgraph.queries.neighborhood import neighborhood
from creditgraph.queries.testing import load

N = 10
COMPANIES = [f"91330100MA2CLUS{i:03d}" for i in range(N)]
HUB = "ID:hub"
PHONE = "13912345678"


def cluster():
    """Ten companies with one legal representative and one phone; two of them hold shares in each other;
    one more person (not a hub) represents the first company only."""
    nodes = [("Person", HUB, {"name": "张露乐"}), ("Person", "ID:other", {"name": "李四"}),
             ("Phone", PHONE, {"masked": "139****5678"})]
    nodes += [("Enterprise", u, {"name": f"上海禄百匠科技{i}有限公司"}) for i, u in enumerate(COMPANIES)]
    rels = [("LEGAL_REP", HUB, u) for u in COMPANIES]
    rels += [("HAS_PHONE", u, PHONE) for u in COMPANIES]
    rels += [("HOLDS_SHARES", COMPANIES[1], COMPANIES[2], {"ratio": 0.4}),
             ("HOLDS_SHARES", COMPANIES[2], COMPANIES[1], {"ratio": 0.3}),
             ("HOLDS_SHARES", "ID:other", COMPANIES[0], {"ratio": 1.0})]
    return nodes, rels


def expected_links(rels, shown: set[str], types: set[str]) -> set[tuple[str, str, str]]:
    return {(t, a, b) for t, a, b, *_ in rels if t in types and a in shown and b in shown}


@pytest.mark.parametrize("hops", [1, 2])
def test_every_relationship_among_the_shown_nodes_is_drawn(store, hops):
    nodes, rels = cluster()
    load(store, nodes, rels)
    res = neighborhood(store, COMPANIES[0], hops=hops)
    shown = set(res.subgraph.nodes["uid"])
    drawn = {(r.type, r.src, r.dst) for r in res.subgraph.rels.itertuples()}
    want = expected_links(rels, shown, {"LEGAL_REP", "HAS_PHONE", "HOLDS_SHARES"})
    assert drawn == want
    if hops == 2:
        assert shown >= {HUB, PHONE, *COMPANIES}
        assert sum(1 for t, a, _ in drawn if t == "LEGAL_REP" and a == HUB) == N
        assert sum(1 for t, _, b in drawn if t == "HAS_PHONE" and b == PHONE) == N
        assert {("HOLDS_SHARES", COMPANIES[1], COMPANIES[2]), ("HOLDS_SHARES", COMPANIES[2], COMPANIES[1])} <= drawn
        # more lines than a tree could have: the picture shows the shared links
        assert len(drawn) > len(shown) - 1


def test_the_drawn_links_keep_their_properties_and_follow_the_chosen_kinds(store):
    nodes, rels = cluster()
    load(store, nodes, rels)
    res = neighborhood(store, COMPANIES[1], hops=2, rel_types=["HOLDS_SHARES", "LEGAL_REP"])
    r = res.subgraph.rels
    assert set(r["type"]) == {"HOLDS_SHARES", "LEGAL_REP"}  # no phone line: HAS_PHONE was not chosen
    back = r[(r["src"] == COMPANIES[2]) & (r["dst"] == COMPANIES[1])]
    assert back["props"].iloc[0]["ratio"] == pytest.approx(0.3)
    assert back["caption"].iloc[0].endswith("30%")


def test_edges_out_reads_several_types_at_once(store):
    """The store operation under the drawing: every edge of the asked types leaving the keyed nodes, a
    property a type lacks as null, a key without such edges absent."""
    nodes, rels = cluster()
    load(store, nodes, rels)
    df = store.edges_out("Person", [HUB, "ID:other", "ID:nobody"], ["LEGAL_REP", "HOLDS_SHARES"], cols=["ratio"])
    got = sorted((r.src, r.type, r.dst) for r in df.itertuples())
    assert got == sorted([(HUB, "LEGAL_REP", u) for u in COMPANIES] + [("ID:other", "HOLDS_SHARES", COMPANIES[0])])
    ratio = df.set_index(["src", "type"])["ratio"]
    assert ratio[("ID:other", "HOLDS_SHARES")].item() == pytest.approx(1.0)
    assert ratio[(HUB, "LEGAL_REP")].isna().all()
    assert store.edges_out("Phone", [PHONE], ["LEGAL_REP"]).empty  # no such type leaves a phone

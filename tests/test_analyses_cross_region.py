"""Cross-region joint-penalty links on a hand-built graph, at province, city and county level."""
from __future__ import annotations

import pytest

from creditgraph.queries import cross_region_links
from creditgraph.queries.testing import load


def ent(uid, region):
    return ("Enterprise", uid, {"name": f"{uid}公司", "region": region})


def ev(uid, decided="2024-01-01", kind="administrative_penalty", status="active"):
    return ("PenaltyEvent", uid, {"kind": kind, "decided": decided, "status": status})


# 张三 (ID:x) represents ZA (Ningbo Zhenhai 330211) and holds shares in JB (Nanjing 320102), ZC (Hangzhou
# 330102), ZD (Ningbo Beilun 330212), ZE (Zhenhai again) and ZF (Nanjing, never penalised).
# O (Shanghai, clean) holds G1 (Shanghai) and G2 (Hefei 340102); their events are serious_illegal.
# D1 (Shanghai) holds shares in D2 (Nanjing) directly; both penalised.
# A name-only 李雷 node represents N1 (Shanghai) and N2 (Zhengzhou): a name is no connector.
# 杨二 (ID:y) represents H1 (Shanghai) and H2 (Jinan 370102), whose only event is repaired.
# 孔三 (ID:k) represents K1 (Shanghai) and holds K2 (Shanghai, clean), which holds K3 (Zhengzhou): 3 hops.
NODES = [
    ("Person", "ID:x", {"name": "张三"}), ("Person", "ID:y", {"name": "杨二"}), ("Person", "ID:k", {"name": "孔三"}),
    ("Person", "NM:N1:李雷", {"name": "李雷"}),
    ent("ZA", "330211"), ent("JB", "320102"), ent("ZC", "330102"), ent("ZD", "330212"), ent("ZE", "330211"),
    ent("ZF", "320102"), ent("O", "310101"), ent("G1", "310101"), ent("G2", "340102"), ent("D1", "310101"),
    ent("D2", "320102"), ent("N1", "310101"), ent("N2", "410102"), ent("H1", "310101"), ent("H2", "370102"),
    ent("K1", "310101"), ent("K2", "310101"), ent("K3", "410102"),
    ev("AP:za"), ev("AP:jb", decided="2020-01-01"), ev("AP:zc"), ev("AP:zd"), ev("AP:ze"),
    ev("SI:g1", kind="serious_illegal"), ev("SI:g2", kind="serious_illegal"), ev("AP:d1"), ev("AP:d2"),
    ev("AP:n1"), ev("AP:n2"), ev("AP:h1"), ev("AP:h2", status="repaired"), ev("AP:k1"), ev("AP:k3"),
    ("Region", "330211", {"name": "镇海区", "level": "county"}),
]
RELS = [
    ("LEGAL_REP", "ID:x", "ZA"), ("HOLDS_SHARES", "ID:x", "JB", {"ratio": 0.2}),
    ("HOLDS_SHARES", "ID:x", "ZC", {"ratio": 0.3}), ("HOLDS_SHARES", "ID:x", "ZD", {"ratio": 0.1}),
    ("HOLDS_SHARES", "ID:x", "ZE", {"ratio": 0.4}), ("HOLDS_SHARES", "ID:x", "ZF", {"ratio": 0.5}),
    ("HOLDS_SHARES", "O", "G1", {"ratio": 0.6}), ("HOLDS_SHARES", "O", "G2", {"ratio": 0.7}),
    ("HOLDS_SHARES", "D1", "D2", {"ratio": 0.5}),
    ("LEGAL_REP", "NM:N1:李雷", "N1"), ("LEGAL_REP", "NM:N1:李雷", "N2"),
    ("LEGAL_REP", "ID:y", "H1"), ("LEGAL_REP", "ID:y", "H2"),
    ("LEGAL_REP", "ID:k", "K1"), ("HOLDS_SHARES", "ID:k", "K2", {"ratio": 1.0}),
    ("HOLDS_SHARES", "K2", "K3", {"ratio": 0.9}),
    *[("PENALIZED", e, f"AP:{e.lower()}") for e in ("ZA", "JB", "ZC", "ZD", "ZE", "D1", "D2", "N1", "N2", "H1",
                                                     "H2", "K1", "K3")],
    ("PENALIZED", "G1", "SI:g1"), ("PENALIZED", "G2", "SI:g2"),
]

PROVINCE = {("JB", "ZA"), ("JB", "ZC"), ("JB", "ZD"), ("JB", "ZE"), ("G1", "G2"), ("D1", "D2")}
CITY = {("ZA", "ZC"), ("ZC", "ZD"), ("ZC", "ZE")}
COUNTY = {("ZA", "ZD"), ("ZD", "ZE")}


@pytest.fixture
def g(embedded_store):
    load(embedded_store, NODES, RELS)
    return embedded_store


def pairs(result) -> set:
    return set(zip(result.table["a"], result.table["b"]))


def test_levels(g):
    assert pairs(cross_region_links(g, level="province")) == PROVINCE
    assert pairs(cross_region_links(g, level="city")) == PROVINCE | CITY
    r = cross_region_links(g, level="county")
    assert pairs(r) == PROVINCE | CITY | COUNTY      # ZA–ZE share a county: never a link
    differs = dict(zip(zip(r.table["a"], r.table["b"]), r.table["differs_at"]))
    assert {p for p, d in differs.items() if d == "province"} == PROVINCE
    assert {p for p, d in differs.items() if d == "city"} == CITY
    assert {p for p, d in differs.items() if d == "county"} == COUNTY


def test_row_shows_both_sides_and_the_path(g):
    t = cross_region_links(g, level="province").table.set_index(["a", "b"])
    row = t.loc[("JB", "ZA")]
    assert (row["a_region"], row["b_region"], row["b_region_name"]) == ("320102", "330211", "镇海区")
    assert row["a_events"] == ["AP:jb"] and row["b_events"] == ["AP:za"]
    assert row["hops"] == 2 and row["connectors"] == ["ID:x"] and row["connector_names"] == ["张三"]
    assert row["path"] == "JB公司 <-[持股 20%]- 张三(自然人) -[法定代表人]-> ZA公司"
    assert t.loc[("G1", "G2"), "path"] == "G1公司 <-[持股 60%]- O公司 -[持股 70%]-> G2公司"
    assert t.loc[("D1", "D2"), "hops"] == 1 and t.loc[("D1", "D2"), "path"] == "D1公司 -[持股 50%]-> D2公司"


def test_evidence_holds_both_penalties(g):
    r = cross_region_links(g, level="province")
    rid = int(r.table.index[(r.table["a"] == "G1") & (r.table["b"] == "G2")][0])
    ev = r.evidence[rid]
    assert {"G1", "G2", "O", "SI:g1", "SI:g2"} == set(ev.nodes["uid"])
    assert ("G2", "SI:g2", "PENALIZED") in set(map(tuple, ev.rels[["src", "dst", "type"]].values.tolist()))


def test_name_only_people_never_connect(g):
    for level in ("province", "county"):
        for hops in (2, 4):
            assert not {p for p in pairs(cross_region_links(g, level=level, max_hops=hops)) if "N1" in p or "N2" in p}


def test_history_window_kinds_and_hops(g):
    assert ("H1", "H2") not in pairs(cross_region_links(g))
    assert ("H1", "H2") in pairs(cross_region_links(g, include_history=True))
    # JB's event is four years before the others
    assert pairs(cross_region_links(g, window_days=365)) == {("G1", "G2"), ("D1", "D2")}
    assert pairs(cross_region_links(g, kinds=["serious_illegal"])) == {("G1", "G2")}
    assert pairs(cross_region_links(g, max_hops=1)) == {("D1", "D2")}
    r = cross_region_links(g, max_hops=3)
    assert pairs(r) == PROVINCE | {("K1", "K3")}
    row = r.table.set_index(["a", "b"]).loc[("K1", "K3")]
    assert row["hops"] == 3 and row["connectors"] == ["ID:k", "K2"]
    assert row["path"] == "K1公司 <-[法定代表人]- 孔三(自然人) -[持股 100%]-> K2公司 -[持股 90%]-> K3公司"
    with pytest.raises(ValueError, match="level"):
        cross_region_links(g, level="township")
    with pytest.raises(ValueError, match="kind"):
        cross_region_links(g, kinds=["parking_ticket"])

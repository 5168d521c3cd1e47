"""Shell-company candidates on a hand-built graph: each signal, the score, the cluster and the decoys."""
from __future__ import annotations

import pytest

from creditgraph.queries import shell_company_candidates
from creditgraph.queries.testing import load

UNREACHABLE = "通过登记的住所或者经营场所无法联系的"


def ent(uid, founded, **props):
    return ("Enterprise", uid, {"name": f"{uid}公司", "founded": founded, **props})


# 王五 (ID:h) represents S1..S5, founded within 121 days, and S6, founded years earlier.
# S1..S3 sit at one ordinary address; S1 is listed unreachable (active), S2 too but repaired.
# S4's shareholders paid 1% in; S4 and S5 hold shares in each other; S5 was deregistered after 245 days.
# C1..C4 sit at a declared cluster address with their own representatives (a decoy).
# U1 and U2 share a phone but no representative; S1 and S2 share a phone through their common one.
# Five name-only 张伟 each represent one company founded within days of each other (a decoy).
NODES = [
    ("Person", "ID:h", {"name": "王五"}),
    ent("S1", "2024-01-01"), ent("S2", "2024-02-01"), ent("S3", "2024-03-01"), ent("S4", "2024-04-01"),
    ent("S5", "2024-05-01", status="注销", dissolved="2025-01-01"), ent("S6", "2019-01-01"),
    ("Address", "ADDR:x", {"text": "某路8号", "cluster": False}),
    ("Address", "ADDR:c", {"text": "某园区1号", "cluster": True}),
    ("PenaltyEvent", "AO:1", {"kind": "abnormal_operation", "decided": "2024-06-01", "status": "active",
                              "reason": UNREACHABLE}),
    ("PenaltyEvent", "AO:2", {"kind": "abnormal_operation", "decided": "2024-06-01", "status": "repaired",
                              "reason": UNREACHABLE}),
    ("Person", "ID:inv", {"name": "赵六"}),
    *[ent(f"C{i}", f"2024-01-0{i}") for i in range(1, 5)],
    *[("Person", f"ID:c{i}", {"name": f"代表{i}"}) for i in range(1, 5)],
    ent("U1", "2015-01-01"), ent("U2", "2016-01-01"),
    ("Person", "ID:u1", {"name": "甲"}), ("Person", "ID:u2", {"name": "乙"}),
    ("Phone", "13912345678", {}), ("Phone", "13800001111", {}),
    *[ent(f"N{i}", f"2024-01-0{i}") for i in range(1, 6)],
    *[("Person", f"NM:N{i}:张伟", {"name": "张伟"}) for i in range(1, 6)],
]
RELS = [
    *[("LEGAL_REP", "ID:h", s) for s in ("S1", "S2", "S3", "S4", "S5", "S6")],
    *[("HAS_ADDRESS", s, "ADDR:x") for s in ("S1", "S2", "S3")],
    ("PENALIZED", "S1", "AO:1"), ("PENALIZED", "S2", "AO:2"),
    ("HOLDS_SHARES", "ID:inv", "S4", {"ratio": 1.0, "subscribed": 1_000_000.0, "paid": 10_000.0}),
    ("HOLDS_SHARES", "ID:inv", "S1", {"ratio": 1.0, "subscribed": 1_000_000.0, "paid": 1_000_000.0}),
    ("HOLDS_SHARES", "S4", "S5", {"ratio": 0.3}), ("HOLDS_SHARES", "S5", "S4", {"ratio": 0.2}),
    *[("HAS_ADDRESS", f"C{i}", "ADDR:c") for i in range(1, 5)],
    *[("LEGAL_REP", f"ID:c{i}", f"C{i}") for i in range(1, 5)],
    ("LEGAL_REP", "ID:u1", "U1"), ("LEGAL_REP", "ID:u2", "U2"),
    ("HAS_PHONE", "U1", "13912345678"), ("HAS_PHONE", "U2", "13912345678"),
    ("HAS_PHONE", "S1", "13800001111"), ("HAS_PHONE", "S2", "13800001111"),
    *[("LEGAL_REP", f"NM:N{i}:张伟", f"N{i}") for i in range(1, 6)],
]

# hub .35, shared address .20, unreachable .15, low paid-in .10, circular .10, shared contact .05, short life .05
EXPECTED = {
    "S1": (0.70, ["hub_legal_rep", "shared_address", "unreachable"]),
    "S2": (0.55, ["hub_legal_rep", "shared_address"]),
    "S3": (0.55, ["hub_legal_rep", "shared_address"]),
    "S4": (0.55, ["hub_legal_rep", "low_paid_in", "circular_holding"]),
    "S5": (0.50, ["hub_legal_rep", "circular_holding", "short_life"]),
}


@pytest.fixture
def g(embedded_store):
    load(embedded_store, NODES, RELS)
    return embedded_store


def scores(result) -> dict:
    return {u: (s, list(k)) for u, s, k in zip(result.table["uid"], result.table["score"], result.table["signal_keys"])}


def test_signals_and_scores(g):
    r = shell_company_candidates(g)
    got = scores(r)
    assert got.keys() == EXPECTED.keys()
    for uid, (score, keys) in EXPECTED.items():
        assert got[uid][0] == pytest.approx(score), uid
        assert got[uid][1] == keys, uid
    t = r.table.set_index("uid")
    assert t.loc["S1", "signals"] == "法定代表人集中注册多家企业、多家企业同一住所、登记住所无法联系"
    assert t.loc["S1", "hub_persons"] == ["ID:h"] and t.loc["S1", "hub_names"] == ["王五"]
    assert t.loc["S1", "address"] == "某路8号"


def test_one_cluster_strongest_first(g):
    r = shell_company_candidates(g)
    assert set(r.table["cluster_id"]) == {1} and set(r.table["cluster_size"]) == {5}
    assert r.table["uid"].tolist() == ["S1", "S2", "S3", "S4", "S5"]   # score, then uid
    c = r.extras["clusters"].iloc[0]
    assert c["members"] == ["S1", "S2", "S3", "S4", "S5"] and c["hub_persons"] == ["ID:h"]
    assert c["score_max"] == pytest.approx(0.70)


def test_decoys_and_single_signals_not_flagged(g):
    r = shell_company_candidates(g)
    # S6 (same person, founded 5 years earlier), cluster-address companies, same-name 张伟 companies,
    # and U1/U2 (shared phone only: 0.05) stay out
    assert not set(r.table["uid"]) & {"S6", "C1", "C2", "C3", "C4", "U1", "U2", "N1", "N2", "N3", "N4", "N5"}
    low = scores(shell_company_candidates(g, min_score=0.05))
    assert low["U1"] == (pytest.approx(0.05), ["shared_contact"]) and low["U2"][1] == ["shared_contact"]
    assert "shared_contact" not in low["S1"][1]   # S1 and S2 share a phone through their common representative
    assert not {"S6", "C1", "N1"} & low.keys()


def test_thresholds_are_parameters(g):
    # a 4-company threshold over 60 days: S1..S3 (Jan–Mar) do not make 4 within 60 days, so no hub at all
    r = shell_company_candidates(g, min_companies=4, window_days=60, min_score=0.01)
    assert all("hub_legal_rep" not in k for k in r.table["signal_keys"])
    # a 2-company shared-address threshold does not make the cluster address count
    r = shell_company_candidates(g, min_shared_address=2, min_score=0.2)
    assert not {"C1", "C2", "C3", "C4"} & set(r.table["uid"])
    # paid-in threshold: 1% passes 0.05, fails 0.005
    assert "low_paid_in" not in scores(shell_company_candidates(g, max_paid_ratio=0.005, min_score=0.4))["S4"][1]
    # short life: 245 days fails a 200-day threshold
    assert "short_life" not in scores(shell_company_candidates(g, short_life_days=200, min_score=0.4))["S5"][1]
    # weights
    r = shell_company_candidates(g, weights={"hub_legal_rep": 0.0})
    assert set(r.table["uid"]) == set()
    with pytest.raises(ValueError, match="unknown signal"):
        shell_company_candidates(g, weights={"tall_building": 1.0})


def test_history_counts_repaired_listing(g):
    r = shell_company_candidates(g, include_history=True)
    got = scores(r)
    assert got["S2"] == (pytest.approx(0.70), ["hub_legal_rep", "shared_address", "unreachable"])


def test_evidence_shows_the_signals(g):
    r = shell_company_candidates(g)
    rid = int(r.table.index[r.table["uid"] == "S4"][0])
    ev = r.evidence[rid]
    rels = set(map(tuple, ev.rels[["src", "dst", "type"]].values.tolist()))
    assert {("ID:h", "S4", "LEGAL_REP"), ("S4", "S5", "HOLDS_SHARES"), ("S5", "S4", "HOLDS_SHARES"),
            ("ID:inv", "S4", "HOLDS_SHARES")} <= rels
    assert any("实缴" in line and "1%" in line for line in ev.path_lines)
    rid = int(r.table.index[r.table["uid"] == "S1"][0])
    ev = r.evidence[rid]
    assert "AO:1" in set(ev.nodes["uid"]) and "ADDR:x" in set(ev.nodes["uid"])

"""Small hand-built graphs shared by tests (a helper module, not a test file)."""
from __future__ import annotations

from creditgraph.graph.identifiers import make_uscc
from creditgraph.queries.search import name_query_key

E1 = make_uscc("91330100MA2CHK001")
E3 = make_uscc("91330100MA2CHK003")
E4 = make_uscc("91330200MA2CHK004")
E5 = make_uscc("91330281MA2CHK005")
E6 = make_uscc("91330100MA2CHK006")
E7 = make_uscc("91330100MA2CHK007")
REG = "330100000012345"


def ent(uid, name, **kw):
    return ("Enterprise", uid, {"name": name, "name_key": name_query_key(name), "status": "存续", **kw})


def world():
    nodes = [
        ent(E1, "杭州甲乙建设工程有限公司", uscc=E1),
        ent("REG:" + REG, "杭州老字号商贸有限公司", reg_no=REG),
        ent(E3, "杭州明远国际贸易发展有限公司", uscc=E3),
        ent(E4, "宁波海丰贸易有限公司", uscc=E4, region="330203"),
        ent(E5, "宁波海丰贸易有限公司", uscc=E5, region="330281"),
        ent(E6, "杭州丙丁市政工程有限公司", uscc=E6),
        ent(E7, "杭州问题企业有限公司", uscc=E7),
        ("Person", "ID:p1", {"name": "王五"}),
        ("Address", "ADDR:1", {"text": "杭州市西湖区文三路1号"}),
        ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2024-03-01", "status": "active"}),
        ("PenaltyEvent", "AO:1", {"kind": "abnormal_operation", "decided": "2024-05-01", "status": "active"}),
        ("PenaltyEvent", "AO:2", {"kind": "abnormal_operation", "decided": "2020-05-01", "status": "removed"}),
    ]
    rels = [
        ("LEGAL_REP", "ID:p1", E1), ("LEGAL_REP", "ID:p1", E3),  # two bidders, one legal representative
        ("HAS_ADDRESS", E1, "ADDR:1"), ("HAS_ADDRESS", E6, "ADDR:1"),  # and another at the same address
        ("HOLDS_SHARES", "ID:p1", E7, {"ratio": 0.5}), ("PENALIZED", E7, "AP:1"),  # risk two hops from E1
        ("PENALIZED", E6, "AO:1"), ("PENALIZED", E6, "AO:2"),  # E6 on the abnormal list now (and once before)
    ]
    return nodes, rels

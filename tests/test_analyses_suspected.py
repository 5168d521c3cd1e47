"""Suspected relations: parties sharing an address, a phone or an e-mail (hand-built graph)."""
from __future__ import annotations

import pytest

from creditgraph.queries import suspected_relations
from creditgraph.queries.testing import load

# 甲(E1) shares an ordinary address and a phone with 乙(E2), an e-mail with 丙(E3), and a declared
# cluster address with 丁(E4); person 张三 shares E1's phone.
NODES = [
    ("Enterprise", "E1", {"name": "甲公司"}), ("Enterprise", "E2", {"name": "乙公司", "status": "存续"}),
    ("Enterprise", "E3", {"name": "丙公司"}), ("Enterprise", "E4", {"name": "丁公司"}),
    ("Person", "ID:zs", {"name": "张三"}),
    ("Address", "ADDR:x", {"text": "某路8号", "cluster": False}), ("Address", "ADDR:c", {"text": "某园区1号", "cluster": True}),
    ("Phone", "13912345678", {}), ("Email", "boss@example.com", {}),
]
RELS = [
    ("HAS_ADDRESS", "E1", "ADDR:x"), ("HAS_ADDRESS", "E2", "ADDR:x"),
    ("HAS_PHONE", "E1", "13912345678"), ("HAS_PHONE", "E2", "13912345678"), ("HAS_PHONE", "ID:zs", "13912345678"),
    ("HAS_EMAIL", "E1", "boss@example.com"), ("HAS_EMAIL", "E3", "boss@example.com"),
    ("HAS_ADDRESS", "E1", "ADDR:c"), ("HAS_ADDRESS", "E4", "ADDR:c"),
]


@pytest.fixture
def g(embedded_store):
    load(embedded_store, NODES, RELS)
    return embedded_store


def test_shared_identifiers(g):
    r = suspected_relations(g, "E1")
    t = r.table
    assert t["uid"].tolist() == ["E2", "E3", "ID:zs"]            # most shared first; cluster-address 丁 left out
    assert t["shared"].tolist() == [2, 1, 1]
    row = t.set_index("uid").loc["E2"]
    assert row["via"] == "同一住所、同一电话" and row["identifiers"] == "某路8号、139****5678"
    assert t.set_index("uid").loc["E3", "identifiers"] == "b***@example.com"
    assert t.set_index("uid").loc["ID:zs", "label"] == "Person"
    assert r.evidence[0].path_lines == ["甲公司 -[住所]-> 某路8号 <-[住所]- 乙公司",
                                        "甲公司 -[联系电话]-> 139****5678 <-[联系电话]- 乙公司"]
    assert "13912345678" not in r.table.to_string()


def test_from_a_person_and_errors(g):
    r = suspected_relations(g, "ID:zs")
    assert r.table["uid"].tolist() == ["E1", "E2"]
    assert suspected_relations(g, "E4").table.empty             # only a cluster address in common
    with pytest.raises(ValueError, match="Enterprise or Person"):
        suspected_relations(g, "ADDR:x")

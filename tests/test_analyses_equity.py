"""Equity penetration and its reverse on hand-built ownership structures (ratios worked out by hand)."""
from __future__ import annotations

import pytest

from creditgraph.queries import controlled_by, equity_penetration
from creditgraph.queries.testing import load


def ent(uid):
    return ("Enterprise", uid, {"name": f"{uid}公司"})


def person(uid, name):
    return ("Person", uid, {"name": name})


def hold(src, dst, ratio=None, **props):
    return ("HOLDS_SHARES", src, dst, {"ratio": ratio, **props} if ratio is not None else props)


# Two owners reach T along several paths:
#   张三 60% A, 李四 40% A; 张三 20% B, A 50% B, 王五 30% B; A 30% T, B 70% T.
#   张三: A→T 0.6×0.3 + B→T 0.2×0.7 + A→B→T 0.6×0.5×0.7 = 0.18 + 0.14 + 0.21 = 0.53
#   李四: 0.4×0.3 + 0.4×0.5×0.7 = 0.12 + 0.14 = 0.26;  王五: 0.3×0.7 = 0.21 (sum 1.0)
MULTI_NODES = [person("ID:zs", "张三"), person("ID:ls", "李四"), person("ID:ww", "王五"), ent("A"), ent("B"), ent("T")]
MULTI_RELS = [hold("ID:zs", "A", 0.6), hold("ID:ls", "A", 0.4), hold("ID:zs", "B", 0.2), hold("A", "B", 0.5),
              hold("ID:ww", "B", 0.3), hold("A", "T", 0.3), hold("B", "T", 0.7)]

# A cycle A→B→C→A: X 60% A, C 40% A; A 50% B, Y 50% B; B 100% C; A 100% T.
#   X: T←A←X = 1.0×0.6 = 0.6;  Y: T←A←C←B←Y = 1.0×0.4×1.0×0.5 = 0.2 (the walk never passes A twice)
CYCLE_NODES = [person("ID:x", "徐一"), person("ID:y", "杨二"), ent("A"), ent("B"), ent("C"), ent("T")]
CYCLE_RELS = [hold("ID:x", "A", 0.6), hold("C", "A", 0.4), hold("A", "B", 0.5), hold("ID:y", "B", 0.5),
              hold("B", "C", 1.0), hold("A", "T", 1.0)]


def ratios(result, key="owner"):
    return dict(zip(result.table[key], result.table["effective_ratio"]))


def test_multiple_paths_sum(embedded_store):
    load(embedded_store, MULTI_NODES, MULTI_RELS)
    r = equity_penetration(embedded_store, "T")
    assert r.table["owner"].tolist() == ["ID:zs", "ID:ls", "ID:ww"]
    got = ratios(r)
    assert got["ID:zs"] == pytest.approx(0.53, abs=1e-9)
    assert got["ID:ls"] == pytest.approx(0.26, abs=1e-9)
    assert got["ID:ww"] == pytest.approx(0.21, abs=1e-9)
    row = r.table.set_index("owner").loc["ID:zs"]
    assert (row["paths"], row["shortest_hops"], bool(row["is_controller"]), row["control"]) == (3, 2, True, "majority")
    assert not r.table.set_index("owner").loc["ID:ls", "is_controller"]
    lines = r.evidence[0].path_lines
    assert "张三(自然人) -[持股 60%]-> A公司 -[持股 50%]-> B公司 -[持股 70%]-> T公司" in lines
    assert lines[-1].endswith("= 53%")


def test_controlled_by_multiple_paths(embedded_store):
    load(embedded_store, MULTI_NODES, MULTI_RELS)
    r = controlled_by(embedded_store, "ID:zs")
    # A 0.6; B 0.2 + 0.6×0.5 = 0.5; T 0.53
    assert r.table["uid"].tolist() == ["A", "T", "B"]
    got = ratios(r, "uid")
    assert got == pytest.approx({"A": 0.6, "T": 0.53, "B": 0.5}, abs=1e-9)
    t = r.table.set_index("uid")
    assert t.loc["B", "direct_ratio"] == pytest.approx(0.2) and t.loc["B", "paths"] == 2
    assert t["controlled"].tolist() == [True, True, True]
    assert not controlled_by(embedded_store, "ID:ls").table.set_index("uid")["controlled"].any()


def test_shareholding_cycle(embedded_store):
    load(embedded_store, CYCLE_NODES, CYCLE_RELS)
    r = equity_penetration(embedded_store, "T")
    assert ratios(r) == pytest.approx({"ID:x": 0.6, "ID:y": 0.2}, abs=1e-9)
    y = r.table.set_index("owner").loc["ID:y"]
    assert (y["paths"], y["shortest_hops"]) == (1, 4)
    assert r.table["control"].tolist() == ["majority", ""]
    # the cycle is walked around, never through twice: every evidence path is simple
    for rid in r.table["row_id"]:
        assert all(len(set(p)) == len(p) for p in r.evidence[rid].paths)
    # the reverse: X → A 0.6 → B 0.3 → C 0.3, and T 0.6; the walk stops before A again
    d = controlled_by(embedded_store, "ID:x")
    assert ratios(d, "uid") == pytest.approx({"A": 0.6, "T": 0.6, "B": 0.3, "C": 0.3}, abs=1e-9)
    assert d.table["uid"].tolist() == ["A", "T", "B", "C"]


def test_cycle_of_three_enterprises_only(embedded_store):
    # A→B→C→A with nobody else: seen from A, B reaches it along B→C→A and C along C→A
    load(embedded_store, [ent("A"), ent("B"), ent("C")],
         [hold("A", "B", 0.5), hold("B", "C", 0.4), hold("C", "A", 0.3)])
    r = equity_penetration(embedded_store, "A")
    assert r.table.empty                     # every holder has holders: no ultimate owner
    d = controlled_by(embedded_store, "A")
    assert ratios(d, "uid") == pytest.approx({"B": 0.5, "C": 0.2}, abs=1e-12)


def test_depth_limit_reports_truncated_holders(embedded_store):
    load(embedded_store, CYCLE_NODES, CYCLE_RELS)
    r = equity_penetration(embedded_store, "T", depth=2)
    assert ratios(r) == pytest.approx({"ID:x": 0.6})
    tr = r.extras["truncated"].set_index("owner")["effective_ratio"]
    assert tr.to_dict() == pytest.approx({"C": 0.4})
    d = controlled_by(embedded_store, "ID:x", depth=2)
    assert ratios(d, "uid") == pytest.approx({"A": 0.6, "T": 0.6, "B": 0.3})
    with pytest.raises(ValueError, match="depth"):
        equity_penetration(embedded_store, "T", depth=0)


def test_ratio_from_subscribed_capital_and_plurality(embedded_store):
    # no ratios given: 300 and 100 of 400 subscribed → 75% / 25%; then a plurality controller
    load(embedded_store, [person("ID:a", "甲"), person("ID:b", "乙"), person("ID:c", "丙"), ent("S"), ent("P")],
         [hold("ID:a", "S", subscribed=300.0), hold("ID:b", "S", subscribed=100.0),
          hold("ID:a", "P", 0.3), hold("ID:b", "P", 0.25), hold("ID:c", "P", 0.45)])
    assert ratios(equity_penetration(embedded_store, "S")) == pytest.approx({"ID:a": 0.75, "ID:b": 0.25})
    p = equity_penetration(embedded_store, "P")
    assert p.table["owner"].tolist() == ["ID:c", "ID:a", "ID:b"]
    assert p.table["control"].tolist() == ["plurality", "", ""]


def test_same_name_people_stay_apart(embedded_store):
    # two 张伟 without ID number, each named by a different company: two owners, not one of 70%
    load(embedded_store, [person("NM:A:张伟", "张伟"), person("NM:B:张伟", "张伟"), ent("A"), ent("B"), ent("T")],
         [hold("NM:A:张伟", "A", 1.0), hold("NM:B:张伟", "B", 1.0), hold("A", "T", 0.4), hold("B", "T", 0.3)])
    r = equity_penetration(embedded_store, "T")
    assert ratios(r) == pytest.approx({"NM:A:张伟": 0.4, "NM:B:张伟": 0.3})
    assert r.table["control"].tolist() == ["plurality", ""]


def test_rejects_people_as_targets(embedded_store):
    load(embedded_store, MULTI_NODES, MULTI_RELS)
    with pytest.raises(ValueError, match="Enterprise"):
        equity_penetration(embedded_store, "ID:zs")
    with pytest.raises(KeyError):
        controlled_by(embedded_store, "nobody")

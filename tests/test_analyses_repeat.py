"""Repeat offenders (enterprise and person level) and phoenix cases on hand-built graphs."""
from __future__ import annotations

import pytest

from creditgraph.queries import phoenix_cases, repeat_offenders
from creditgraph.queries.testing import load


def ent(uid, **props):
    return ("Enterprise", uid, {"name": f"{uid}公司", **props})


def ev(uid, decided, status="active", kind="administrative_penalty"):
    return ("PenaltyEvent", uid, {"kind": kind, "decided": decided, "status": status})


def pen(e, *events):
    return [("PENALIZED", e, v) for v in events]


# E1: 3 active events within 730 days (2022-01-01 .. 2023-06-01: 516 days)       -> offender
# E2: 3 active events over 800 days                                               -> not (window)
# E3: 3 events within a year, one repaired                                         -> only with history
# E4: 4 events, 3 of them within 730 days (2023-01-01 .. 2024-12-01)               -> 3 in window, 4 in all
ENT_NODES = [
    ent("E1"), ent("E2"), ent("E3"), ent("E4"),
    ev("AP:11", "2022-01-01"), ev("AP:12", "2022-09-01"), ev("SI:13", "2023-06-01", kind="serious_illegal"),
    ev("AP:21", "2020-01-01"), ev("AP:22", "2021-01-01"), ev("AP:23", "2022-03-11"),
    ev("AP:31", "2023-01-01"), ev("AP:32", "2023-05-01"), ev("AP:33", "2023-09-01", status="repaired"),
    ev("AP:41", "2018-01-01"), ev("AP:42", "2023-01-01"), ev("AP:43", "2024-01-01"), ev("AP:44", "2024-12-01"),
]
ENT_RELS = [*pen("E1", "AP:11", "AP:12", "SI:13"), *pen("E2", "AP:21", "AP:22", "AP:23"),
            *pen("E3", "AP:31", "AP:32", "AP:33"), *pen("E4", "AP:41", "AP:42", "AP:43", "AP:44")]


def test_enterprise_level(embedded_store):
    load(embedded_store, ENT_NODES, ENT_RELS)
    r = repeat_offenders(embedded_store)
    t = r.table.set_index("uid")
    assert set(t.index) == {"E1", "E4"}
    assert (t.loc["E1", "events_in_window"], t.loc["E1", "events_total"]) == (3, 3)
    assert (t.loc["E4", "events_in_window"], t.loc["E4", "events_total"]) == (3, 4)
    assert str(t.loc["E4", "window_start"])[:10] == "2023-01-01" and str(t.loc["E4", "window_end"])[:10] == "2024-12-01"
    assert t.loc["E1", "kinds"] == "administrative_penalty、serious_illegal"
    assert t.loc["E1", "statuses"] == "active"
    # evidence: the enterprise and its events
    rid = int(r.table.index[r.table["uid"] == "E1"][0])
    assert set(r.evidence[rid].rels["dst"]) == {"AP:11", "AP:12", "SI:13"}


def test_enterprise_level_parameters_and_history(embedded_store):
    load(embedded_store, ENT_NODES, ENT_RELS)
    assert set(repeat_offenders(embedded_store, window_days=800).table["uid"]) == {"E1", "E2", "E4"}
    assert set(repeat_offenders(embedded_store, min_events=4, window_days=3000).table["uid"]) == {"E4"}
    h = repeat_offenders(embedded_store, include_history=True).table.set_index("uid")
    assert set(h.index) == {"E1", "E3", "E4"}
    assert h.loc["E3", "statuses"] == "active、repaired"           # the repaired one is marked
    with pytest.raises(ValueError, match="level"):
        repeat_offenders(embedded_store, level="region")


# People:
# 张三 (ID:mover) was legal representative of A (penalised, revoked 2022-01-01), then of B (founded
#   2022-06-01, penalised 2023) and C (founded 2023-06-01, 516 days after: outside the phoenix window).
# 李四 (ID:one) is behind one penalised company only.
# 王五 (ID:sh) holds shares in A and represents D (penalised): two penalised companies, roles differ.
# Two name-only 张伟 represent F and G (both penalised): a name is not a person.
# Two 赵六 with different ID numbers represent H and K (both penalised): two people.
# 钱七 (ID:rep) represents R1 (penalised) and R2 (its only event repaired).
PEOPLE_NODES = [
    ("Person", "ID:mover", {"name": "张三", "id_masked": "330203********1234"}), ("Person", "ID:one", {"name": "李四"}),
    ("Person", "ID:sh", {"name": "王五"}), ("Person", "NM:F:张伟", {"name": "张伟"}),
    ("Person", "NM:G:张伟", {"name": "张伟"}), ("Person", "ID:z1", {"name": "赵六"}), ("Person", "ID:z2", {"name": "赵六"}),
    ("Person", "ID:rep", {"name": "钱七"}),
    ent("A", status="吊销", founded="2015-01-01", dissolved="2022-01-01"), ent("B", founded="2022-06-01"),
    ent("C", founded="2023-06-01"), ent("D", founded="2010-01-01"), ent("L", founded="2012-01-01"),
    ent("F"), ent("G"), ent("H"), ent("K"), ent("R1"), ent("R2"),
    ev("AP:a", "2021-03-01"), ev("AP:b", "2023-03-01"), ev("AP:d", "2020-03-01"), ev("AP:l", "2020-03-01"),
    ev("AP:f", "2020-01-01"), ev("AP:g", "2020-01-01"), ev("AP:h", "2020-01-01"), ev("AP:k", "2020-01-01"),
    ev("AP:r1", "2020-01-01"), ev("AP:r2", "2020-01-01", status="repaired"),
]
PEOPLE_RELS = [
    ("LEGAL_REP", "ID:mover", "A"), ("LEGAL_REP", "ID:mover", "B"), ("LEGAL_REP", "ID:mover", "C"),
    ("LEGAL_REP", "ID:one", "L"),
    ("HOLDS_SHARES", "ID:sh", "A", {"ratio": 0.2}), ("LEGAL_REP", "ID:sh", "D"),
    ("LEGAL_REP", "NM:F:张伟", "F"), ("LEGAL_REP", "NM:G:张伟", "G"),
    ("LEGAL_REP", "ID:z1", "H"), ("LEGAL_REP", "ID:z2", "K"),
    ("LEGAL_REP", "ID:rep", "R1"), ("LEGAL_REP", "ID:rep", "R2"),
    *pen("A", "AP:a"), *pen("B", "AP:b"), *pen("D", "AP:d"), *pen("L", "AP:l"), *pen("F", "AP:f"),
    *pen("G", "AP:g"), *pen("H", "AP:h"), *pen("K", "AP:k"), *pen("R1", "AP:r1"), *pen("R2", "AP:r2"),
]


@pytest.fixture
def people(embedded_store):
    load(embedded_store, PEOPLE_NODES, PEOPLE_RELS)
    return embedded_store


def test_person_level(people):
    r = repeat_offenders(people, level="person")
    t = r.table.set_index("uid")
    assert set(t.index) == {"ID:mover", "ID:sh"}     # not 张伟 (no ID), not the two 赵六, not 钱七 (repaired)
    assert t.loc["ID:mover", "enterprise_uids"] == ["A", "B"] and t.loc["ID:mover", "enterprises"] == 2
    assert t.loc["ID:mover", "id_masked"] == "330203********1234"
    assert t.loc["ID:sh", "enterprise_uids"] == ["A", "D"] and t.loc["ID:sh", "roles"] == ["HOLDS_SHARES", "LEGAL_REP"]
    assert t.loc["ID:mover", "events"] == 2
    rid = int(r.table.index[r.table["uid"] == "ID:sh"][0])
    assert r.evidence[rid].path_lines == ["王五(自然人) -[持股 20%]-> A公司 -[受到处罚]-> 行政处罚2021-03-01",
                                          "王五(自然人) -[法定代表人]-> D公司 -[受到处罚]-> 行政处罚2020-03-01",
                                          "归责 attribution: 处罚决定日在任 / in office on the decision date",
                                          "任职期间 role periods: A公司: 股东 不详 至今；D公司: 法定代表人 不详 至今"]


def test_person_level_history(people):
    h = repeat_offenders(people, level="person", include_history=True).table
    assert set(h["uid"]) == {"ID:mover", "ID:sh", "ID:rep"}
    assert set(repeat_offenders(people, level="person", min_enterprises=3).table["uid"]) == set()


def test_phoenix(people):
    r = phoenix_cases(people)
    assert r.table[["person", "a", "b", "days_after"]].values.tolist() == [["ID:mover", "A", "B", 151]]
    row = r.table.iloc[0]
    assert (row["person_name"], row["role_in_a"], row["a_status"], row["a_events"]) == ("张三", "LEGAL_REP", "吊销", 1)
    assert str(row["a_dissolved"])[:10] == "2022-01-01" and str(row["b_founded"])[:10] == "2022-06-01"
    lines = r.evidence[0].path_lines
    assert "张三(自然人) -[法定代表人]-> B公司" in lines
    assert lines[-1] == "A公司 吊销于 2022-01-01，151 天后 张三 任法定代表人的 B公司 成立"
    # a longer window takes C too (516 days)
    assert r.table["b"].tolist() == ["B"]
    assert phoenix_cases(people, window_days=600).table["b"].tolist() == ["B", "C"]


def test_phoenix_shareholder_of_a_and_history(embedded_store):
    # 王五 holds shares in the revoked, penalised A and founds E 30 days later: a phoenix case.
    # 钱七's revoked R has only a repaired event: a case only when history counts.
    load(embedded_store,
         [("Person", "ID:sh", {"name": "王五"}), ("Person", "ID:rep", {"name": "钱七"}),
          ent("A", status="注销", dissolved="2022-01-01"), ent("E", founded="2022-01-31"),
          ent("R", status="吊销", dissolved="2021-01-01"), ent("S", founded="2021-02-01"),
          ent("X", status="存续", dissolved="2020-12-01"), ent("Y", founded="2020-12-15"),
          ev("AP:a", "2021-06-01"), ev("AP:r", "2020-06-01", status="repaired"), ev("AP:x", "2020-06-01")],
         [("HOLDS_SHARES", "ID:sh", "A", {"ratio": 0.5}), ("LEGAL_REP", "ID:sh", "E"),
          ("LEGAL_REP", "ID:rep", "R"), ("LEGAL_REP", "ID:rep", "S"),
          ("LEGAL_REP", "ID:rep", "X"), ("LEGAL_REP", "ID:rep", "Y"),   # X is not dissolved (存续)
          *pen("A", "AP:a"), *pen("R", "AP:r"), *pen("X", "AP:x")])
    r = phoenix_cases(embedded_store)
    assert r.table[["person", "role_in_a", "a", "b", "days_after"]].values.tolist() == [
        ["ID:sh", "HOLDS_SHARES", "A", "E", 30]]
    h = phoenix_cases(embedded_store, include_history=True)
    assert h.table[["person", "a", "b"]].values.tolist() == [["ID:rep", "R", "S"], ["ID:sh", "A", "E"]]

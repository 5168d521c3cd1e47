"""Red and black joint links (queries.red_black) on a hand-built graph, on both stores (`-k "not neo4j"`:
the embedded one only)."""
from __future__ import annotations

import pytest

from creditgraph.queries import ANALYSES, coerce, parameters, red_black_links
from creditgraph.queries.testing import load

AS_OF = "2023-06-01"


def ent(uid, region):
    return ("Enterprise", uid, {"name": f"{uid}公司", "region": region})


def person(uid, name):
    return ("Person", uid, {"name": name})


def red(uid, entered="2020-01-01", removed=None, status="active", kind="a_taxpayer", list_name="A级纳税人名单"):
    return ("RedListEntry", uid, {"kind": kind, "list_name": list_name, "entered": entered, "removed": removed,
                                  "status": status, "authority": "税务局"})


def black(uid, decided="2022-01-01", kind="serious_illegal", status="active"):
    return ("PenaltyEvent", uid, {"kind": kind, "decided": decided, "status": status})


# RA (Zhejiang, red) and SB (Jiangsu, serious-illegal list) share their legal representative 张三.
# RC's red entry was removed in 2021; it shares 李四 with SD (black).
# RE (red) shares 王五 with SF (its event repaired) and SG (its event under objection, disputed).
# RH (red) had 赵六 as legal representative until 2022-01-01; 赵六 still heads SJ (black since 2020).
# RK is on a red list and on the serious-illegal list itself: a direct conflict.
# 钱七 (a person) is red-listed and heads SL, a dishonest debtor: 1 hop.
# RN's red entry starts only in 2024. A name-only 孙八 heads RM (red) and SO (black): no connector.
# RP (red) holds 40% of SQ (black, Zhejiang): 1 hop, same province.
NODES = [
    person("ID:1", "张三"), person("ID:2", "李四"), person("ID:3", "王五"), person("ID:4", "赵六"),
    person("ID:5", "钱七"), person("NM:RM:孙八", "孙八"), person("ID:9", "周九"),
    ent("RA", "330211"), ent("SB", "320102"), ent("RC", "330211"), ent("SD", "320102"), ent("RE", "330211"),
    ent("SF", "320102"), ent("SG", "320102"), ent("RH", "330211"), ent("SJ", "320102"), ent("RK", "310101"),
    ent("SL", "410102"), ent("RN", "330211"), ent("SN", "320102"), ent("RM", "330211"), ent("SO", "320102"),
    ent("RP", "330211"), ent("SQ", "330102"),
    red("RL:a"), red("RL:c", removed="2021-06-01", status="removed"), red("RL:e", kind="integrity_model",
                                                                         list_name="诚信示范企业"),
    red("RL:h"), red("RL:k", kind="contract_abiding", list_name="守合同重信用企业"), red("RL:p", kind="other",
                                                                                  list_name="诚信个人"),
    red("RL:n", entered="2024-01-01"), red("RL:m"), red("RL:q"),
    black("SI:b"), black("SI:d", decided="2020-06-01"), black("SI:f", status="repaired"), black("DD:g", kind="dishonest_debtor",
                                                                          status="disputed"),
    black("SI:j", decided="2020-01-01"), black("SI:k"), black("DD:l", kind="dishonest_debtor"), black("SI:n"),
    black("SI:o"), black("SI:q"), black("AP:x", kind="administrative_penalty"),
]
RELS = [
    ("LEGAL_REP", "ID:1", "RA"), ("LEGAL_REP", "ID:1", "SB"),
    ("LEGAL_REP", "ID:2", "RC"), ("LEGAL_REP", "ID:2", "SD"),
    ("LEGAL_REP", "ID:3", "RE"), ("LEGAL_REP", "ID:3", "SF"), ("LEGAL_REP", "ID:3", "SG"),
    ("LEGAL_REP", "ID:4", "RH", {"valid_from": "2015-01-01", "valid_to": "2022-01-01"}), ("LEGAL_REP", "ID:4", "SJ"),
    ("LEGAL_REP", "ID:5", "SL"), ("LEGAL_REP", "ID:9", "RN"), ("LEGAL_REP", "ID:9", "SN"),
    ("LEGAL_REP", "NM:RM:孙八", "RM"), ("LEGAL_REP", "NM:RM:孙八", "SO"),
    ("HOLDS_SHARES", "RP", "SQ", {"ratio": 0.4}), ("PENALIZED", "RP", "AP:x"),
    ("HONORED", "RA", "RL:a"), ("HONORED", "RC", "RL:c"), ("HONORED", "RE", "RL:e"), ("HONORED", "RH", "RL:h"),
    ("HONORED", "RK", "RL:k"), ("HONORED", "ID:5", "RL:p"), ("HONORED", "RN", "RL:n"), ("HONORED", "RM", "RL:m"),
    ("HONORED", "RP", "RL:q"),
    ("PENALIZED", "SB", "SI:b"), ("PENALIZED", "SD", "SI:d"), ("PENALIZED", "SF", "SI:f"), ("PENALIZED", "SG", "DD:g"),
    ("PENALIZED", "SJ", "SI:j"), ("PENALIZED", "RK", "SI:k"), ("PENALIZED", "SL", "DD:l"), ("PENALIZED", "SN", "SI:n"),
    ("PENALIZED", "SO", "SI:o"), ("PENALIZED", "SQ", "SI:q"),
]


@pytest.fixture
def g(store):
    load(store, NODES, RELS)
    return store


def pairs(result) -> list[tuple]:
    return list(zip(result.table["red"], result.table["black"], result.table["hops"]))


def test_red_listed_parties_linked_to_black_listed_ones(g):
    r = red_black_links(g, as_of=AS_OF)
    assert r.params["as_of"] == AS_OF and r.params["kinds"] == ["serious_illegal", "dishonest_debtor"]
    assert pairs(r) == [("RK", "RK", 0), ("ID:5", "SL", 1), ("RP", "SQ", 1), ("RA", "SB", 2)]
    t = r.table.set_index(["red", "black"])
    row = t.loc[("RA", "SB")]
    assert row["path"] == "RA公司 <-[法定代表人]- 张三(自然人) -[法定代表人]-> SB公司"
    assert row["connectors"] == ["ID:1"] and row["connector_names"] == ["张三"]
    assert row["red_lists"] == "A级纳税人名单(纳税信用A级纳税人)" and row["red_entries"] == ["RL:a"]
    assert row["black_events"] == ["SI:b"] and row["black_kinds"] == ["serious_illegal"]
    assert row["black_penalties"] == "严重违法失信名单2022-01-01"
    assert (row["red_region"], row["black_region"], row["differs_at"], row["cross_region"]) == \
        ("330211", "320102", "province", True)
    assert not row["conflict"]
    sq = t.loc[("RP", "SQ")]
    assert sq["path"] == "RP公司 -[持股 40%]-> SQ公司"
    assert (sq["differs_at"], sq["cross_region"]) == ("city", False)
    # a red-listed person heading a dishonest debtor; its region is its red entry's (none here)
    assert t.loc[("ID:5", "SL"), "red_label"] == "Person" and t.loc[("ID:5", "SL"), "black_kinds"] == ["dishonest_debtor"]


def test_a_party_on_both_lists_is_a_direct_conflict_listed_first(g):
    r = red_black_links(g, as_of=AS_OF)
    first = r.table.iloc[0]
    assert (first["red"], first["black"], first["hops"], bool(first["conflict"])) == ("RK", "RK", 0, True)
    assert first["path"] == "守合同重信用企业 <-[列入红名单]- RK公司 -[受到处罚]-> 严重违法失信名单2022-01-01"
    assert first["connectors"] == [] and not first["cross_region"]
    assert r.table["conflict"].tolist() == [True, False, False, False]


def test_evidence_holds_the_red_entry_the_black_event_and_the_path(g):
    r = red_black_links(g, as_of=AS_OF)
    rid = r.table.index[(r.table["red"] == "RA") & (r.table["black"] == "SB")][0]
    ev = r.evidence[rid]
    assert {"RA", "SB", "ID:1", "RL:a", "SI:b"} <= ev.node_uids()
    rels = set(map(tuple, ev.rels[["src", "dst", "type"]].values.tolist()))
    assert {("RA", "RL:a", "HONORED"), ("SB", "SI:b", "PENALIZED"), ("ID:1", "RA", "LEGAL_REP"),
            ("ID:1", "SB", "LEGAL_REP")} <= rels
    assert "RA公司 <-[法定代表人]- 张三(自然人) -[法定代表人]-> SB公司" in ev.paths_text
    assert "RA公司 -[列入红名单]-> A级纳税人名单" in ev.paths_text


def test_removed_red_entries_and_repaired_or_disputed_events_do_not_count(g):
    found = {(a, b) for a, b, _ in pairs(red_black_links(g, as_of=AS_OF))}
    assert ("RC", "SD") not in found          # red entry removed in 2021
    assert not {("RE", "SF"), ("RE", "SG")} & found  # repaired; under objection
    assert ("RN", "SN") not in found          # red entry from 2024
    assert ("RM", "SO") not in found          # a name-only record connects nobody
    assert ("RP", "RP") not in found          # an administrative penalty is no black list
    # on a day before the removal, RC's entry was current
    assert ("RC", "SD") in {(a, b) for a, b, _ in pairs(red_black_links(g, as_of="2021-01-01"))}


def test_a_role_ended_before_as_of_is_not_followed(g):
    assert "RH" not in set(red_black_links(g, as_of=AS_OF).table["red"])
    earlier = red_black_links(g, as_of="2021-01-01").table.set_index(["red", "black"])
    assert earlier.loc[("RH", "SJ"), "path"] == "RH公司 <-[法定代表人]- 赵六(自然人) -[法定代表人]-> SJ公司"


def test_kinds_and_hops(g):
    assert pairs(red_black_links(g, as_of=AS_OF, max_hops=1)) == [("RK", "RK", 0), ("ID:5", "SL", 1), ("RP", "SQ", 1)]
    assert pairs(red_black_links(g, as_of=AS_OF, kinds=["dishonest_debtor"])) == [("ID:5", "SL", 1)]
    with_ap = pairs(red_black_links(g, as_of=AS_OF, kinds=["administrative_penalty"]))
    assert with_ap == [("RP", "RP", 0)]
    with pytest.raises(ValueError, match="max_hops"):
        red_black_links(g, max_hops=5)
    with pytest.raises(ValueError, match="unknown penalty kind"):
        red_black_links(g, kinds=["black"])


def test_registered_with_its_parameters(g):
    assert ANALYSES["red_black_links"] is red_black_links
    names = [p.name for p in parameters("red_black_links")]
    assert names == ["max_hops", "kinds", "min_identity_score", "as_of"]
    kw = coerce("red_black_links", {"max_hops": "3", "kinds": "serious_illegal", "as_of": AS_OF})
    assert pairs(red_black_links(g, **kw)) == [("RK", "RK", 0), ("RP", "SQ", 1), ("RA", "SB", 2)]


def test_an_empty_graph_gives_an_empty_table(store):
    r = red_black_links(store)
    assert len(r) == 0 and "red" in r.table.columns and "cross_region" in r.table.columns


def test_every_shared_person_or_owner_is_a_connector(store):
    load(store, [ent("R", "330211"), ent("B", "320102"), ent("O", "310101"), person("ID:7", "吴七"),
                 red("RL:r"), black("SI:x")],
         [("LEGAL_REP", "ID:7", "R"), ("HOLDS_SHARES", "ID:7", "B", {"ratio": 0.3}),
          ("HOLDS_SHARES", "O", "R", {"ratio": 0.6}), ("HOLDS_SHARES", "O", "B", {"ratio": 0.7}),
          ("HONORED", "R", "RL:r"), ("PENALIZED", "B", "SI:x")])
    r = red_black_links(store, as_of=AS_OF)
    row = r.table.iloc[0]
    assert (row["red"], row["black"], row["hops"]) == ("R", "B", 2)
    assert sorted(row["connectors"]) == ["ID:7", "O"]
    lines = r.evidence[0].path_lines
    assert "R公司 <-[法定代表人]- 吴七(自然人) -[持股 30%]-> B公司" in lines
    assert "R公司 <-[持股 60%]- O公司 -[持股 70%]-> B公司" in lines

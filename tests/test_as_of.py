"""Every analysis sees the graph as of a day (docs/time.md): only the roles and holdings valid that day,
only the penalties decided on or before it; the day is recorded in the result's params. One small
world, on both stores (the Neo4j ones run where a server is available).

The world:

* 张三 (A) was legal representative of 甲 (E1, Zhejiang) from 2018 until 2022-03-01, when 李四 (B)
  took over; he has represented 乙 (E2, Jiangsu) since 2019. 甲 and 乙 were penalised in 2020.
* 丙控股 (E3) held 50% of 甲 until 2021-01-01; 赵六 (P) owns 丙控股; 钱七 (Q) holds the other 50%.
* 王五 (H) heads three shells founded days apart; one of those roles ended on 2023-01-01.
* 赵敏 heads three companies in Ningbo as name-only records, at one address; one role ended in 2023.
* 张三 and 甲 share a phone (so that he is shown near 甲 even when no longer its representative).
"""
from __future__ import annotations

import datetime as dt

import pytest

from creditgraph.queries.check import check_subjects
from creditgraph.queries.cross_region import cross_region_links
from creditgraph.queries.equity import controlled_by, equity_penetration
from creditgraph.queries.groups import risk_groups, risk_propagation
from creditgraph.queries.name_hubs import name_hubs, name_hubs_of
from creditgraph.queries.neighborhood import neighborhood
from creditgraph.queries.paths import paths
from creditgraph.queries.search import name_query_key, search
from creditgraph.queries.shell import shell_company_candidates
from creditgraph.queries.suspected import suspected_relations
from creditgraph.queries.testing import load

TODAY = dt.date.today().isoformat()
BEFORE_EXIT = "2020-06-01"   # A at E1, E3 still holding E1, both penalties not yet decided for E2
FORMER = "2021-06-01"        # A at E1 (and E2), E3 gone, both penalised
PHONE = "13900000001"


def ent(uid, name, region, **kw):
    return ("Enterprise", uid, {"name": name, "name_key": name_query_key(name), "region": region, "status": "存续", **kw})


def world():
    nodes = [
        ("Person", "ID:A", {"name": "张三"}), ("Person", "ID:B", {"name": "李四"}),
        ("Person", "ID:P", {"name": "赵六"}), ("Person", "ID:Q", {"name": "钱七"}),
        ("Person", "ID:H", {"name": "王五"}),
        ent("E1", "甲公司", "330106", founded="2015-01-01"), ent("E2", "乙公司", "320102", founded="2016-01-01"),
        ent("E3", "丙控股有限公司", "330106", founded="2010-01-01"),
        *[ent(f"S{i}", f"壳{i}公司", "330106", founded=f"2021-01-0{i}") for i in (1, 2, 3)],
        *[ent(f"N{i}", f"宁波{i}号商贸有限公司", "330203") for i in (1, 2, 3)],
        *[("Person", f"NM:N{i}:赵敏", {"name": "赵敏"}) for i in (1, 2, 3)],
        ("Address", "ADDR:N", {"text": "宁波市某路1号", "cluster": False}),
        ("Phone", PHONE, {"masked": "139****0001"}),
        ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2020-05-01", "status": "active"}),
        ("PenaltyEvent", "AP:2", {"kind": "administrative_penalty", "decided": "2020-07-01", "status": "active"}),
    ]
    rels = [
        ("LEGAL_REP", "ID:A", "E1", {"valid_from": "2018-01-01", "valid_to": "2022-03-01", "ended_by": "replaced"}),
        ("LEGAL_REP", "ID:B", "E1", {"valid_from": "2022-03-01"}),
        ("LEGAL_REP", "ID:A", "E2", {"valid_from": "2019-01-01"}),
        ("HOLDS_SHARES", "ID:P", "E3", {"ratio": 1.0}),
        ("HOLDS_SHARES", "E3", "E1", {"ratio": 0.5, "valid_to": "2021-01-01", "ended_by": "equity_change"}),
        ("HOLDS_SHARES", "ID:Q", "E1", {"ratio": 0.5}),
        ("LEGAL_REP", "ID:H", "S1"), ("LEGAL_REP", "ID:H", "S2"),
        ("LEGAL_REP", "ID:H", "S3", {"valid_to": "2023-01-01", "ended_by": "source"}),
        ("LEGAL_REP", "NM:N1:赵敏", "N1"), ("LEGAL_REP", "NM:N2:赵敏", "N2"),
        ("LEGAL_REP", "NM:N3:赵敏", "N3", {"valid_to": "2023-01-01", "ended_by": "source"}),
        *[("HAS_ADDRESS", f"N{i}", "ADDR:N") for i in (1, 2, 3)],
        ("HAS_PHONE", "E1", PHONE), ("HAS_PHONE", "ID:A", PHONE),
        ("PENALIZED", "E1", "AP:1"), ("PENALIZED", "E2", "AP:2"),
    ]
    return nodes, rels


@pytest.fixture
def g(store):
    load(store, *world())
    return store


# --- neighbourhood and paths ------------------------------------------------------------------------------


def test_the_neighbourhood_shows_the_legal_representative_of_the_day(g):
    then = neighborhood(g, "E1", hops=1, as_of=FORMER)
    now = neighborhood(g, "E1", hops=1)
    assert {"ID:A", "AP:1"} <= set(then.table["uid"]) and "ID:B" not in set(then.table["uid"])
    assert "ID:B" in set(now.table["uid"]) and "ID:A" not in set(now.table["uid"])
    assert then.params["as_of"] == FORMER and now.params["as_of"] == TODAY
    # a holding that ended is not followed either; an event decided later is not reached
    assert "E3" in set(neighborhood(g, "E1", hops=1, as_of=BEFORE_EXIT).table["uid"])
    assert "E3" not in set(now.table["uid"])
    assert "AP:1" not in set(neighborhood(g, "E1", hops=1, as_of="2019-06-01").table["uid"])
    # today's lists A (and the holding E3 gave up) as former, with their periods; on FORMER only E3 had ended
    former = now.extras["former"]
    assert former[["uid", "role", "period", "ended_by"]].values.tolist() == [
        ["ID:A", "LEGAL_REP", "2018-01-01 – 2022-03-01", "replaced"],
        ["E3", "HOLDS_SHARES", "不详 – 2021-01-01", "equity_change"]]
    assert then.extras["former"]["uid"].tolist() == ["E3"]


def test_the_lines_drawn_among_the_shown_nodes_are_those_of_the_day(g):
    """张三 is shown near 甲 today through the shared phone: no legal-representative line is drawn
    between them today, one is on a day he was in office."""
    def rep_lines(res):
        r = res.subgraph.rels
        return {(s, d) for t, s, d in zip(r["type"], r["src"], r["dst"]) if t == "LEGAL_REP"}

    now = neighborhood(g, "E1", hops=2)
    assert "ID:A" in set(now.table["uid"])
    assert ("ID:A", "E1") not in rep_lines(now) and ("ID:B", "E1") in rep_lines(now)
    then = neighborhood(g, "E1", hops=2, as_of=FORMER)
    assert ("ID:A", "E1") in rep_lines(then) and ("ID:B", "E1") not in rep_lines(then)


@pytest.mark.parametrize("all_paths", [False, True])
def test_a_path_through_a_former_role_exists_only_while_it_held(g, all_paths):
    roles = ["LEGAL_REP", "HOLDS_SHARES"]
    assert paths(g, "ID:A", "E1", rel_types=roles, all_paths=all_paths, as_of=FORMER).table["hops"].tolist() == [1]
    assert paths(g, "ID:A", "E1", rel_types=roles, all_paths=all_paths).table.empty
    through = paths(g, "ID:P", "E1", rel_types=roles, all_paths=all_paths, as_of=BEFORE_EXIT)
    assert through.table["nodes"].tolist() == [["ID:P", "E3", "E1"]]
    assert paths(g, "ID:P", "E1", rel_types=roles, all_paths=all_paths, as_of=FORMER).table.empty
    assert through.params["as_of"] == BEFORE_EXIT


# --- equity -----------------------------------------------------------------------------------------------


def test_equity_penetration_goes_through_a_holding_only_before_the_exit(g):
    before = equity_penetration(g, "E1", as_of=BEFORE_EXIT)
    assert dict(zip(before.table["owner"], before.table["effective_ratio"])) == pytest.approx({"ID:P": 0.5, "ID:Q": 0.5})
    after = equity_penetration(g, "E1")
    assert dict(zip(after.table["owner"], after.table["effective_ratio"])) == pytest.approx({"ID:Q": 0.5})
    assert before.params["as_of"] == BEFORE_EXIT and after.params["as_of"] == TODAY
    assert controlled_by(g, "ID:P", as_of=BEFORE_EXIT).table["uid"].tolist() == ["E3", "E1"]
    assert controlled_by(g, "ID:P").table["uid"].tolist() == ["E3"]


# --- whole-graph analyses ---------------------------------------------------------------------------------


def test_shell_hub_reps_count_only_the_roles_of_the_day(g):
    def hubs(res):
        t = res.table
        return {u: list(p) for u, p in zip(t["uid"], t["hub_persons"]) if p}

    then = shell_company_candidates(g, min_companies=3, min_score=0.3, as_of="2022-06-01")
    assert hubs(then) == {"S1": ["ID:H"], "S2": ["ID:H"], "S3": ["ID:H"]}
    now = shell_company_candidates(g, min_companies=3, min_score=0.3)
    assert hubs(now) == {}
    assert then.params["as_of"] == "2022-06-01" and now.params["as_of"] == TODAY


def test_a_cross_region_link_through_a_former_role_only_on_the_right_day(g):
    for hops in (2, 3):
        then = cross_region_links(g, level="province", max_hops=hops, as_of=FORMER)
        assert list(zip(then.table["a"], then.table["b"])) == [("E1", "E2")], hops
        assert then.table["connectors"][0] == ["ID:A"]
        assert cross_region_links(g, level="province", max_hops=hops).table.empty, hops
        # before 乙's penalty was decided, 乙 was not penalised: no pair
        assert cross_region_links(g, level="province", max_hops=hops, as_of=BEFORE_EXIT).table.empty, hops
    assert then.params["as_of"] == FORMER


def test_risk_groups_join_through_the_roles_of_the_day(g):
    def group_of(res, uid):
        return next((sorted(m) for m in res.table["members"] if uid in m), None)

    assert group_of(risk_groups(g, min_size=1, as_of=BEFORE_EXIT), "E1") == ["E1", "E2", "E3"]
    then = risk_groups(g, min_size=1, as_of=FORMER)
    assert group_of(then, "E1") == ["E1", "E2"]
    assert then.table.loc[then.table["members"].map(lambda m: "E1" in m), "events"].tolist() == [2]
    now = risk_groups(g, min_size=1)
    assert group_of(now, "E1") == ["E1"] and group_of(now, "E2") == ["E2"]
    assert now.params["as_of"] == TODAY


def test_risk_propagates_along_the_holdings_of_the_day(g):
    def hops_to_seed(res, uid):
        t = res.table.set_index("uid")
        return t["hops_to_seed"].get(uid) if uid in t.index else None

    then = risk_propagation(g, labels=("Enterprise",), as_of=BEFORE_EXIT)
    assert hops_to_seed(then, "E3") == 1 and then.params["as_of"] == BEFORE_EXIT
    assert hops_to_seed(risk_propagation(g, labels=("Enterprise",)), "E3") is None
    # before any penalty was decided there is nothing to propagate
    assert risk_propagation(g, as_of="2019-06-01").table.empty


def test_name_hubs_count_only_the_roles_of_the_day(g):
    then = name_hubs(g, min_companies=3, as_of="2022-06-01")
    assert then.table[["name", "companies"]].values.tolist() == [["赵敏", 3]]
    assert name_hubs(g, min_companies=3).table.empty
    assert then.params["as_of"] == "2022-06-01"
    assert len(name_hubs_of(g, "N3", min_companies=3, as_of="2022-06-01")) == 1
    assert len(name_hubs_of(g, "N3", min_companies=3)) == 0


def test_suspected_relations_record_the_day(g):
    r = suspected_relations(g, "N1", as_of=dt.date(2021, 6, 1))
    assert set(r.table["uid"]) == {"N2", "N3"} and r.params["as_of"] == "2021-06-01"


# --- check and search -------------------------------------------------------------------------------------


@pytest.mark.parametrize("hops", [2, 3])
def test_a_credit_check_ties_bidders_through_the_roles_of_the_day(g, hops):
    then = check_subjects(g, ["甲公司", "乙公司"], hops=hops, as_of=FORMER)
    assert then.links[["row_a", "row_b", "hops"]].values.tolist() == [[0, 1, 2]]
    assert "张三" in then.links["path"][0]
    assert then.params["as_of"] == FORMER
    now = check_subjects(g, ["甲公司", "乙公司"], hops=hops)
    assert now.params["as_of"] == TODAY
    # today only the phone 张三 shares with 甲 ties them, three hops apart
    assert now.links["hops"].tolist() == ([3] if hops == 3 else [])
    assert all("联系电话" in p for p in now.links["path"])


def test_a_persons_search_row_names_the_companies_of_the_day(g):
    def detail(**kw):
        hits = search(g, "张三", kinds=("Person",), **kw)
        return hits.set_index("uid")["detail"]["ID:A"]

    assert detail() == "乙公司"
    assert detail(as_of=FORMER) == "乙公司、甲公司"


def test_a_bad_day_is_refused(g):
    with pytest.raises(ValueError, match="as_of"):
        neighborhood(g, "E1", as_of="not a day")
    with pytest.raises(ValueError, match="as_of"):
        risk_groups(g, as_of="2021-13-45")

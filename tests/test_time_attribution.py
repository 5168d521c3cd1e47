"""Penalties attributed to the people in office when they were decided (docs/time.md), on both stores.

The history: 甲 (ID:a) was legal representative of E1 and E2 from 2018 to 2022-03-01; 乙 (ID:b)
took over both on 2022-03-01. Each company was fined in 2021. 甲 then opened N1 in 2022.
"""
from __future__ import annotations

import pytest

from creditgraph.queries.repeat import phoenix_cases, repeat_offenders
from creditgraph.queries.testing import load

HANDOVER = "2022-03-01"


def history():
    nodes = [("Person", "ID:a", {"name": "甲"}), ("Person", "ID:b", {"name": "乙"}),
             ("Enterprise", "E1", {"name": "一号公司", "founded": "2015-01-01", "status": "存续"}),
             ("Enterprise", "E2", {"name": "二号公司", "founded": "2016-01-01", "status": "存续"}),
             ("Enterprise", "N1", {"name": "新公司", "founded": "2022-05-01", "status": "存续"}),
             ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2021-05-01", "status": "active"}),
             ("PenaltyEvent", "AP:2", {"kind": "administrative_penalty", "decided": "2021-09-01", "status": "active"})]
    rels = [("LEGAL_REP", "ID:a", "E1", {"valid_from": "2018-01-01", "valid_to": HANDOVER, "ended_by": "replaced"}),
            ("LEGAL_REP", "ID:a", "E2", {"valid_from": "2018-01-01", "valid_to": HANDOVER, "ended_by": "replaced"}),
            ("LEGAL_REP", "ID:b", "E1", {"valid_from": HANDOVER}), ("LEGAL_REP", "ID:b", "E2", {"valid_from": HANDOVER}),
            ("LEGAL_REP", "ID:a", "N1", {"valid_from": "2022-05-01"}),
            ("PENALIZED", "E1", "AP:1"), ("PENALIZED", "E2", "AP:2")]
    return nodes, rels


@pytest.fixture
def graph(store):
    load(store, *history())
    return store


def test_a_penalty_counts_against_the_representative_in_office_when_it_was_decided(graph):
    got = repeat_offenders(graph, level="person")
    assert got.table["uid"].tolist() == ["ID:a"]
    row = got.table.iloc[0]
    assert row["events"] == 2 and row["role_periods"] == ["法定代表人 2018-01-01 – 2022-03-01"] * 2
    assert got.params["attribution"] == "decision"
    ev = got.evidence[0]
    assert {"AP:1", "AP:2"} <= set(ev.nodes["uid"])
    assert any("in office on the decision date" in line for line in ev.path_lines)
    # the old rule (today's representatives) blames the successor instead
    assert repeat_offenders(graph, level="person", attribution="current").table["uid"].tolist() == ["ID:b"]


def test_as_of_reads_the_graph_on_that_day(graph):
    # on 2021-06-01 only E1's penalty had been decided: nobody is a repeat offender yet
    assert repeat_offenders(graph, level="person", as_of="2021-06-01").table.empty
    on = repeat_offenders(graph, level="person", as_of="2021-12-31", attribution="current")
    assert on.table["uid"].tolist() == ["ID:a"] and on.params["as_of"] == "2021-12-31"
    with pytest.raises(ValueError, match="as_of"):
        repeat_offenders(graph, as_of="last tuesday")
    with pytest.raises(ValueError, match="attribution"):
        repeat_offenders(graph, level="person", attribution="whoever")


def test_phoenix_by_timing_is_found_only_by_decision_date_attribution(store):
    """甲 leaves A on 2023-01-01; A is fined 40 days later; 甲's new company B opens 2023-02-15."""
    load(store, [("Person", "ID:a", {"name": "甲"}),
                 ("Enterprise", "A", {"name": "旧公司", "founded": "2015-01-01", "status": "存续"}),
                 ("Enterprise", "B", {"name": "新公司", "founded": "2023-02-15", "status": "存续"}),
                 ("PenaltyEvent", "AP:9", {"kind": "administrative_penalty", "decided": "2023-02-10", "status": "active"})],
         [("LEGAL_REP", "ID:a", "A", {"valid_from": "2015-01-01", "valid_to": "2023-01-01", "ended_by": "replaced"}),
          ("LEGAL_REP", "ID:a", "B", {"valid_from": "2023-02-15"}), ("PENALIZED", "A", "AP:9")])
    got = phoenix_cases(store)
    assert got.table[["person", "a", "b", "days_after", "left_days_before"]].values.tolist() == [["ID:a", "A", "B", 45, 40]]
    row = got.table.iloc[0]
    assert row["exit_signal"].startswith("本人卸任") and row["role_period"] == "2015-01-01 – 2023-01-01"
    assert any("left just before the penalty" in line for line in got.evidence[0].path_lines)
    assert phoenix_cases(store, attribution="current").table.empty
    assert phoenix_cases(store, left_before_days=30).table.empty  # the penalty came 40 days after


def test_a_company_that_ends_after_its_penalty_still_gives_the_classic_case(store):
    load(store, [("Person", "ID:a", {"name": "甲"}),
                 ("Enterprise", "A", {"name": "旧公司", "status": "注销", "dissolved": "2023-03-01"}),
                 ("Enterprise", "B", {"name": "新公司", "founded": "2023-05-01"}),
                 ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2022-06-01", "status": "active"})],
         [("LEGAL_REP", "ID:a", "A", {"valid_from": "2015-01-01"}), ("LEGAL_REP", "ID:a", "B"), ("PENALIZED", "A", "AP:1")])
    for attribution in ("decision", "current"):
        got = phoenix_cases(store, attribution=attribution).table
        assert got[["a", "b", "days_after"]].values.tolist() == [["A", "B", 61]]
        assert got["exit_signal"].iloc[0].startswith("企业终止")


def test_a_successor_who_arrived_after_the_penalty_is_no_phoenix(store):
    """乙 became representative of A after its penalty; A then ended and 乙 opened B."""
    load(store, [("Person", "ID:b", {"name": "乙"}),
                 ("Enterprise", "A", {"name": "旧公司", "status": "注销", "dissolved": "2023-03-01"}),
                 ("Enterprise", "B", {"name": "新公司", "founded": "2023-05-01"}),
                 ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2021-06-01", "status": "active"})],
         [("LEGAL_REP", "ID:b", "A", {"valid_from": "2022-01-01"}), ("LEGAL_REP", "ID:b", "B"), ("PENALIZED", "A", "AP:1")])
    assert phoenix_cases(store).table.empty
    assert len(phoenix_cases(store, attribution="current").table) == 1

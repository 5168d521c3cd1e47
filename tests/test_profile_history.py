"""The credit profile's role and holding history (docs/time.md): current and former legal representatives,
shareholders, roles and holdings as of a day, with their periods, how they ended and equity changes; related
parties agree with what the profile lists. Runs on both stores (`-k "not neo4j"`: the embedded one only)."""
from __future__ import annotations

import datetime as dt

import pytest

from creditgraph.queries.profile import profile
from creditgraph.queries.testing import load

E1, E2, E3 = "91330100MA2H000011", "91330100MA2H000022", "91330100MA2H000033"
NODES = [
    ("Enterprise", E1, {"name": "甲科技有限公司", "status": "存续", "founded": "2015-01-01"}),
    ("Enterprise", E2, {"name": "乙控股有限公司", "status": "存续", "founded": "2010-01-01"}),
    ("Enterprise", E3, {"name": "丙贸易有限公司", "status": "存续", "founded": "2014-01-01"}),
    ("Person", "ID:1", {"name": "张三", "id_masked": "330100********1111"}),
    ("Person", "ID:2", {"name": "李四", "id_masked": "330100********2222"}),
    ("Person", "ID:3", {"name": "王五", "id_masked": "330100********3333"}),
]
RELS = [
    # 张三 headed 甲 until 李四 took over on 2022-03-01; he still heads 丙
    ("LEGAL_REP", "ID:1", E1, {"position": "执行董事", "valid_from": "2018-01-01", "valid_to": "2022-03-01",
                               "ended_by": "replaced"}),
    ("LEGAL_REP", "ID:2", E1, {"position": "经理", "valid_from": "2022-03-01"}),
    ("LEGAL_REP", "ID:1", E3, {"position": "经理", "valid_from": "2015-01-01"}),
    # 王五 held 30% of 甲 from 2019-03-01 until an equity change took him to 0 on 2021-06-01
    ("HOLDS_SHARES", "ID:3", E1, {"ratio": 0.3, "valid_from": "2019-03-01", "valid_to": "2021-06-01",
                                  "ended_by": "equity_change", "changes": "2019-03-01 0%→30%; 2021-06-01 30%→0%"}),
    ("HOLDS_SHARES", E2, E1, {"ratio": 0.7, "valid_from": "2019-03-01"}),
    ("HOLDS_SHARES", "ID:1", E3, {"ratio": 1.0}),  # no dates: open both ways
]


@pytest.fixture
def g(store):
    load(store, NODES, RELS)
    return store


def test_enterprise_current_and_former_people(g):
    p = profile(g, E1, analyses={}, as_of="2023-01-01")
    assert p["as_of"] == "2023-01-01"
    assert p["legal_reps"]["person_name"].tolist() == ["李四"]
    assert p["legal_reps"]["period"].tolist() == ["2022-03-01 至今"]
    old = p["former_legal_reps"]
    assert old[["person_name", "position", "period"]].values.tolist() == [["张三", "执行董事", "2018-01-01 – 2022-03-01"]]
    assert old["ended_by"].tolist() == ["replaced"] and "法定代表人变更" in old["ended_by_text"].iloc[0]
    assert p["shareholders"]["holder_name"].tolist() == ["乙控股有限公司"]
    sh = p["former_shareholders"]
    assert sh["holder_name"].tolist() == ["王五"] and sh["ratio"].tolist() == [0.3]
    assert sh["changes"].iloc[0] == "2019-03-01 0%→30%; 2021-06-01 30%→0%"
    assert "股权变更" in sh["ended_by_text"].iloc[0] and sh["period"].iloc[0] == "2019-03-01 – 2021-06-01"


def test_related_parties_agree_with_the_tables(g):
    p = profile(g, E1, analyses={}, as_of="2023-01-01")
    rel = p["related"].set_index("uid")
    assert rel.index.is_unique
    # every person and owner the profile lists, current or former, is a related party
    assert {"ID:1", "ID:2", "ID:3", E2} <= set(rel.index)
    assert "原法定代表人" in rel.loc["ID:1", "via"] and "2018-01-01 – 2022-03-01" in rel.loc["ID:1", "via"]
    assert "原股东" in rel.loc["ID:3", "via"] and "本企业法定代表人" in rel.loc["ID:2", "via"]
    # 丙 shares only a former representative with 甲: no connection on that day
    assert E3 not in rel.index
    then = profile(g, E1, analyses={}, as_of="2020-01-01").get("related").set_index("uid")
    assert E3 in then.index and "同一自然人 张三" in then.loc[E3, "via"]
    assert "ID:2" not in then.index  # 李四 starts later


def test_as_of_moves_the_line_between_current_and_former(g):
    p = profile(g, E1, analyses={}, as_of="2020-01-01")
    assert p["legal_reps"]["person_name"].tolist() == ["张三"] and p["former_legal_reps"].empty
    assert p["shareholders"]["holder_name"].tolist() == ["乙控股有限公司", "王五"]  # by ratio
    assert p["former_shareholders"].empty
    on_the_day = profile(g, E1, analyses={}, as_of=dt.date(2022, 3, 1))  # the successor's first day is his
    assert on_the_day["legal_reps"]["person_name"].tolist() == ["李四"]
    assert on_the_day["former_legal_reps"]["person_name"].tolist() == ["张三"]
    before = profile(g, E1, analyses={}, as_of="2017-06-30")
    assert before["legal_reps"].empty and before["former_legal_reps"].empty and before["shareholders"].empty
    assert not {"ID:1", "ID:2", "ID:3"} & set(before["related"]["uid"])


def test_person_current_and_former_roles(g):
    p = profile(g, "ID:1", analyses={}, as_of="2023-01-01")
    assert p["roles"]["uid"].tolist() == [E3]
    old = p["former_roles"]
    assert old["uid"].tolist() == [E1] and old["period"].tolist() == ["2018-01-01 – 2022-03-01"]
    assert p["holdings"]["uid"].tolist() == [E3] and p["former_holdings"].empty
    assert p["holdings"]["period"].tolist() == ["不详 至今"]
    sig = p["signals"].set_index("signal")
    assert sig.loc["担任法定代表人 legal representative", "value"] == "1 家"
    rel = p["related"].set_index("uid")
    assert {E1, E3} <= set(rel.index) and "曾任法定代表人" in rel.loc[E1, "via"]
    assert "ID:2" not in rel.index  # 李四 took over after 张三 left: never in office together

    holder = profile(g, "ID:3", analyses={}, as_of="2023-01-01")
    assert holder["holdings"].empty and holder["former_holdings"]["uid"].tolist() == [E1]
    assert holder["former_holdings"]["changes"].iloc[0].endswith("30%→0%")


def test_default_as_of_is_today_and_a_bad_date_is_refused(g):
    assert profile(g, E1, analyses={})["as_of"] == dt.date.today().isoformat()
    with pytest.raises(ValueError, match="as_of"):
        profile(g, E1, analyses={}, as_of="31/02/2023x")

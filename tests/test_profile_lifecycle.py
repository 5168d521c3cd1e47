"""The credit profile's commitments (信用承诺), red lists (红名单) and list colours, and records under objection
(status ``disputed``, 异议处理中: shown, never active). Runs on both stores (`-k "not neo4j"`: the embedded one
only); the API and the report on the embedded store."""
from __future__ import annotations

import dataclasses

import pytest

from creditgraph.queries.profile import active_counts, profile
from creditgraph.queries.testing import load

E1, E2 = "91330100MA2H000011", "91330100MA2H000022"


def commitment(uid, status, made, kind="approval_substitute", **kw):
    return ("Commitment", uid, {"kind": kind, "matter": f"承诺{uid}", "made": made, "deadline": "2025-12-31",
                                "status": status, "authority": "市市场监管局", **kw})


def event(uid, kind, status, decided="2022-05-01", **kw):
    return ("PenaltyEvent", uid, {"kind": kind, "status": status, "decided": decided, **kw})


NODES = [
    ("Enterprise", E1, {"name": "甲科技有限公司", "status": "存续", "region": "330106"}),
    ("Enterprise", E2, {"name": "乙贸易有限公司", "status": "存续", "region": "330106"}),
    ("Person", "ID:1", {"name": "张三", "id_masked": "330100********1111"}),
    commitment("CM:1", "kept", "2021-03-01", verified="2022-03-01"),
    commitment("CM:2", "breached", "2020-03-01", verified="2021-03-01"),
    commitment("CM:3", "pending", "2022-03-01", kind="self_published"),
    commitment("CM:4", "false", "2019-03-01", kind="repair"),
    commitment("CM:5", "kept", "2021-01-01", kind="industry"),
    ("RedListEntry", "RL:1", {"kind": "a_taxpayer", "list_name": "2021年度A级纳税人", "entered": "2021-04-01",
                              "status": "active", "authority": "国家税务总局杭州市税务局"}),
    ("RedListEntry", "RL:2", {"kind": "contract_abiding", "list_name": "守合同重信用企业", "entered": "2020-01-01",
                              "removed": "2022-01-01", "status": "removed", "authority": "市市场监管局"}),
    ("RedListEntry", "RL:3", {"kind": "other", "list_name": "诚信个人", "entered": "2022-01-01", "status": "active"}),
    event("SI:1", "serious_illegal", "active", decided="2022-06-01"),
    event("DD:1", "dishonest_debtor", "disputed", objection="OB:1", prior_status="active"),
    event("AO:1", "abnormal_operation", "active", decided="2022-04-01"),
    event("CB:2", "commitment_breach", "active", decided="2021-03-01"),
    event("AP:9", "administrative_penalty", "disputed", decided="2023-01-01", prior_status="active"),
]
RELS = [
    *[("COMMITTED", E1, c) for c in ("CM:1", "CM:2", "CM:3", "CM:4")], ("COMMITTED", "ID:1", "CM:5"),
    ("HONORED", E1, "RL:1"), ("HONORED", E1, "RL:2"), ("HONORED", "ID:1", "RL:3"),
    *[("PENALIZED", E1, e) for e in ("SI:1", "DD:1", "AO:1", "CB:2")], ("PENALIZED", E2, "AP:9"),
    ("LEGAL_REP", "ID:1", E1),
]


@pytest.fixture
def g(store):
    load(store, NODES, RELS)
    return store


def test_commitments_breached_and_false_first(g):
    c = profile(g, E1, analyses={}, as_of="2023-01-01")["commitments"]
    assert c["uid"].tolist() == ["CM:2", "CM:4", "CM:3", "CM:1"]
    assert c["status_zh"].tolist() == ["违背承诺", "虚假承诺", "待核查", "已履约"]
    assert c["kind_zh"].tolist() == ["审批替代型", "信用修复型", "自主公示型", "审批替代型"]
    assert c["broken"].tolist() == [True, True, False, False]
    assert c.loc[0, "matter"] == "承诺CM:2" and c.loc[0, "authority"] == "市市场监管局"
    assert str(c.loc[0, "made"])[:10] == "2020-03-01" and str(c.loc[0, "verified"])[:10] == "2021-03-01"


def test_red_lists_with_their_dates_current_on_the_day(g):
    r = profile(g, E1, analyses={}, as_of="2023-01-01")["red_lists"]
    assert r[["uid", "kind_zh", "list_name", "status_zh", "current"]].values.tolist() == [
        ["RL:1", "纳税信用A级纳税人", "2021年度A级纳税人", "有效", True],
        ["RL:2", "守合同重信用企业", "守合同重信用企业", "已移出", False]]
    assert str(r.loc[1, "removed"])[:10] == "2022-01-01"
    then = profile(g, E1, analyses={}, as_of="2021-06-01")["red_lists"].set_index("uid")
    assert bool(then.loc["RL:2", "current"]) and bool(then.loc["RL:1", "current"])


def test_lists_are_marked_red_black_or_warning(g):
    lists = profile(g, E1, analyses={}, as_of="2023-01-01")["lists"]
    colour = dict(zip(lists["event_uid"], lists["list_color"]))
    assert colour == {"SI:1": "black", "DD:1": "black", "AO:1": "warning", "RL:1": "red", "RL:2": "red"}
    assert set(lists.loc[lists["list_color"] == "red", "list_color_zh"]) == {"红名单"}
    assert set(lists.loc[lists["list_color"] == "black", "list_color_zh"]) == {"黑名单"}
    assert lists["list_color"].tolist()[-2:] == ["red", "red"]  # black and warning lists first
    current = dict(zip(lists["event_uid"], lists["current"]))
    assert current == {"SI:1": True, "DD:1": False, "AO:1": True, "RL:1": True, "RL:2": False}


def test_a_disputed_record_shows_as_under_objection_and_is_not_active(g):
    p = profile(g, E1, analyses={}, as_of="2023-01-01")
    pen = p["penalties"].set_index("uid")
    assert pen.loc["DD:1", "status_zh"] == "异议处理中" and not pen.loc["DD:1", "active"]
    assert int(p["penalties"]["active"].sum()) == 3  # SI:1, AO:1, CB:2
    assert active_counts(g, [E1, E2]) == {E1: 3, E2: 0}  # E2's only record is disputed
    e2 = profile(g, E2, analyses={}, as_of="2023-06-01")
    assert e2["penalties"][["uid", "status_zh", "active"]].values.tolist() == [["AP:9", "异议处理中", False]]
    assert not e2["signals"]["signal"].str.contains("active penalties").any()
    signals = " ".join(p["signals"]["signal"])
    assert "active penalties" in signals and "3 条" in p["signals"]["value"].tolist()


def test_signals_of_lists_and_commitments(g):
    sig = profile(g, E1, analyses={}, as_of="2023-01-01")["signals"].set_index("signal")
    assert sig.loc["红黑名单冲突 red-listed while black-listed", "level"] == "high"
    assert sig.loc["违背信用承诺 broken commitments", "value"] == "2 条"


def test_a_person_profile_has_its_commitments_and_red_lists(g):
    p = profile(g, "ID:1", analyses={}, as_of="2023-01-01")
    assert p["commitments"][["uid", "kind_zh", "status_zh"]].values.tolist() == [["CM:5", "行业自律型", "已履约"]]
    assert p["red_lists"][["uid", "kind_zh", "current"]].values.tolist() == [["RL:3", "其他守信激励对象", True]]
    assert p["lists"]["list_color"].tolist() == ["red"]


def test_a_party_without_any_has_empty_sections(g):
    p = profile(g, E2, analyses={})
    assert p["commitments"].empty and p["red_lists"].empty
    assert {"kind_zh", "matter", "made", "deadline", "status_zh", "verified", "authority"} <= set(p["commitments"].columns)
    assert {"kind_zh", "list_name", "entered", "removed", "status", "authority"} <= set(p["red_lists"].columns)
    assert "list_color" in p["lists"].columns


def test_the_api_profile_returns_commitments_and_red_lists(embedded_store, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from creditgraph.app.api import create_app
    from creditgraph.app.api_keys import add_key
    from creditgraph.graph.config import load_settings

    load(embedded_store, NODES, RELS)
    embedded_store.close()
    config = tmp_path / "creditgraph.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(config))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    key = add_key(config, "reader", "investigator", 100)[1]
    app = create_app(dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph"))
    with TestClient(app) as client:
        body = client.get(f"/v1/profile/{E1}", params={"as_of": "2023-01-01"}, headers={"X-API-Key": key}).json()
    app.state.store.close()
    assert [c["status_zh"] for c in body["commitments"]] == ["违背承诺", "虚假承诺", "待核查", "已履约"]
    assert [(r["uid"], r["current"]) for r in body["red_lists"]] == [("RL:1", True), ("RL:2", False)]
    assert {r["event_uid"]: r["list_color"] for r in body["lists"]}["RL:1"] == "red"
    assert {r["uid"]: r["status_zh"] for r in body["penalties"]}["DD:1"] == "异议处理中"


def test_the_report_has_the_commitments_and_red_lists(g):
    from creditgraph.app.report import report_html

    page = report_html(g, E1, None, as_of="2023-01-01")
    assert "信用承诺 Credit commitments" in page and "违背承诺" in page
    assert "红名单 Red lists" in page and "2021年度A级纳税人" in page
    assert "异议处理中" in page

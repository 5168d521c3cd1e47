"""queries.search and queries.profile (what the app's search and profile pages show), and the app's
helpers that need no browser: offline pyvis pages, risk-list filters, the serve command line."""
from __future__ import annotations

import pandas as pd
import pytest

from creditgraph.queries.profile import NotFound, profile, rows_mentioning
from creditgraph.queries.search import COLUMNS, lookup, normalize_code, query_kind, search
from creditgraph.queries.testing import toy_store

U1 = "91330503735242721D"  # valid USCCs (DOMAIN.md)
U2 = "92330281MA2ENBUA1R"
U3 = "913303817345395239"


@pytest.fixture(scope="module")
def toy():
    s = toy_store(
        [
            ("Region", "330000", {"name": "浙江省", "level": "province"}),
            ("Region", "330500", {"name": "湖州市", "level": "city"}),
            ("Region", "330503", {"name": "南浔区", "level": "county"}),
            ("Enterprise", U1, {"uscc": U1, "name": "湖州某某（南浔）贸易有限公司", "name_key": "湖州某某南浔贸易有限公司",
                                "status": "存续", "region": "330503", "founded": "2020-01-01"}),
            ("Enterprise", U2, {"uscc": U2, "name": "湖州另一贸易有限公司", "name_key": "湖州另一贸易有限公司",
                                "status": "注销", "region": "330503", "founded": "2020-02-01", "dissolved": "2021-01-01"}),
            ("Enterprise", U3, {"uscc": U3, "name": "O'Brien 贸易有限公司", "name_key": "OBRIEN贸易有限公司",
                                "status": "存续", "region": "330503"}),
            ("Person", "ID:zs", {"name": "张三", "id_masked": "330503********123X"}),
            ("Person", "NM:" + U2 + ":张三丰", {"name": "张三丰"}),
            ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2023-05-01", "status": "active",
                                      "reason": "虚假宣传"}),
            ("PenaltyEvent", "AO:1", {"kind": "abnormal_operation", "decided": "2022-05-01", "status": "repaired",
                                      "reason": "通过登记的住所或者经营场所无法联系的", "removed": "2023-01-01",
                                      "removal_reason": "信用修复"}),
            ("PenaltyEvent", "AO:2", {"kind": "abnormal_operation", "decided": "2024-05-01", "status": "active",
                                      "reason": "通过登记的住所或者经营场所无法联系的"}),
            ("Phone", "13800001111", {"masked": "138****1111"}),
        ],
        [
            ("LEGAL_REP", "ID:zs", U1, {"position": "执行董事"}),
            ("LEGAL_REP", "ID:zs", U2, {"position": "经理"}),
            ("HOLDS_SHARES", "ID:zs", U1, {"ratio": 0.6, "subscribed": 600000.0, "paid": 6000.0}),
            ("HOLDS_SHARES", U2, U1, {"ratio": 0.4, "subscribed": 400000.0, "paid": 4000.0}),
            ("HOLDS_SHARES", U1, U2, {"ratio": 1.0, "subscribed": 100000.0, "paid": 100000.0}),
            ("LEGAL_REP", "NM:" + U2 + ":张三丰", U3, {}),
            ("PENALIZED", U1, "AP:1", {"role": "subject"}),
            ("PENALIZED", U1, "AO:1", {"role": "subject"}),
            ("PENALIZED", U1, "AO:2", {"role": "subject"}),
            ("HAS_PHONE", U1, "13800001111", {}),
            ("HAS_PHONE", U3, "13800001111", {}),
            ("HAS_PHONE", "ID:zs", "13800001111", {}),
            ("REGISTERED_IN", U1, "330503", {}),
        ],
    )
    yield s
    s.close()


def test_query_kind_and_code_normalisation():
    assert query_kind("９１３３０５０３７３５２４２７２１ｄ") == "code"
    assert query_kind("330302000012345") == "code"  # a legacy registration number
    assert query_kind("湖州") == "name" and query_kind("  ") == "empty"
    assert normalize_code(" 9133 0503 7352 4272 1d ") == U1


def test_search_by_partial_name_tolerates_full_width_and_brackets(toy):
    for text in ("某某(南浔)贸易", "某某（南浔）", "某某南浔贸易有限责任公司", "湖州某某"):
        hits = search(toy, text)
        assert U1 in set(hits["uid"]), text
    hits = search(toy, "湖州某某(南浔)贸易有限公司")
    assert list(hits.columns) == COLUMNS
    row = hits.iloc[0]
    assert (row["uid"], row["kind"], row["kind_zh"], row["region_name"], row["active_penalties"]) == \
        (U1, "Enterprise", "企业", "浙江省湖州市南浔区", 2)


def test_search_by_uscc_is_exact(toy):
    assert search(toy, U1.lower())["uid"].tolist() == [U1]
    assert search(toy, U1[:-1] + "0").empty


def test_search_people_by_exact_name_or_prefix(toy):
    hits = search(toy, "张三", kinds=("Person",))
    assert hits["name"].tolist() == ["张三", "张三丰"]  # the exact match first
    assert "湖州某某" in hits.iloc[0]["detail"]  # namesakes told apart by their companies
    assert hits.iloc[0]["status"] == "330503********123X"
    assert search(toy, "三", kinds=("Person",)).empty  # a prefix, not a substring


def test_search_input_only_reaches_cypher_as_parameters(toy):
    assert search(toy, "O'Brien")["uid"].tolist() == [U3]
    for nasty in ("') RETURN 1 //", "\" OR 1=1 //", "}) MATCH (n) DETACH DELETE n //", "\\u0027"):
        search(toy, nasty)
    assert toy.counts()["Enterprise"] == 3


def test_search_rejects_unknown_kinds_and_empty_input(toy):
    assert search(toy, "").empty and list(search(toy, "").columns) == COLUMNS
    with pytest.raises(ValueError):
        search(toy, "x", kinds=("Region",))


def test_lookup(toy):
    assert lookup(toy, U1)["name"] == "湖州某某（南浔）贸易有限公司"
    assert lookup(toy, "ID:zs")["kind"] == "Person"
    assert lookup(toy, "nobody") is None


def test_enterprise_profile(toy):
    p = profile(toy, U1, analyses={})
    assert (p["kind"], p["name"], p["status"], p["region_name"]) == ("Enterprise", "湖州某某（南浔）贸易有限公司", "存续", "浙江省湖州市南浔区")
    facts = dict(zip(p["facts"]["label_zh"], p["facts"]["value"]))
    assert facts["统一社会信用代码"] == U1 and facts["登记状态"] == "存续"
    assert p["legal_reps"][["person_name", "position", "id_masked"]].values.tolist() == [["张三", "执行董事", "330503********123X"]]
    sh = p["shareholders"]
    assert sh[["holder_name", "holder_label", "ratio"]].values.tolist() == [["张三", "Person", 0.6], ["湖州另一贸易有限公司", "Enterprise", 0.4]]
    assert sh["paid_ratio"].round(3).tolist() == [0.01, 0.01]
    assert p["holdings"]["uid"].tolist() == [U2]
    pen = p["penalties"]
    assert pen["uid"].tolist() == ["AO:2", "AP:1", "AO:1"]  # newest first
    assert pen["status_zh"].tolist() == ["有效", "有效", "已信用修复"]
    lists = p["lists"]
    assert lists[["list", "current"]].values.tolist() == [["经营异常名录", True], ["经营异常名录", False]]
    signals = " ".join(p["signals"]["signal"])
    for s in ("active penalties", "unreachable", "tiny paid-in", "mutual shareholding", "shared phone"):
        assert s in signals, s
    rel = p["related"]
    assert {U3, U2, "ID:zs"} <= set(rel["uid"])  # own people and holdings count as related parties too
    via = rel.set_index("uid")["via"]
    assert "法定代表人" in via["ID:zs"] and "股东" in via["ID:zs"] and "60%" in via["ID:zs"]
    assert "对外投资" in via[U2]
    assert rel["uid"].is_unique
    assert "138****1111" in rel.loc[rel["uid"] == U3, "via"].iloc[0]
    assert "13800001111" not in rel.to_string()  # the phone only masked


def test_person_profile(toy):
    p = profile(toy, "ID:zs", analyses={})
    assert p["kind"] == "Person" and p["name"] == "张三"
    assert "phone" not in set(p["facts"]["field"])  # personal data left out
    assert set(p["roles"]["uid"]) == {U1, U2}
    assert p["roles"].set_index("uid").loc[U1, "active_penalties"] == 2
    assert p["holdings"]["uid"].tolist() == [U1]
    assert "legal representative" in " ".join(p["signals"]["signal"])
    assert {U1, U2} <= set(p["related"]["uid"])  # the companies they head are related parties


def test_profile_counts_agree_with_its_signals(tmp_path):
    """A person heading ten companies alone has ten related parties; an enterprise whose representative
    heads nine other companies has at least nine; the repeat-offender signal says what it found."""
    from creditgraph.queries import repeat_offenders
    from creditgraph.queries.testing import toy_store

    cos = [f"9133010{i:02d}MA2HUB0{i:02d}X" for i in range(10)]
    events = [("PenaltyEvent", f"AP:{i}", {"kind": "administrative_penalty", "decided": f"2022-0{i + 1}-10",
                                           "status": "active"}) for i in range(3)]
    s = toy_store([("Person", "ID:hub", {"name": "张露乐"}), *events,
                   *[("Enterprise", u, {"name": f"禄百匠{i}号有限公司"}) for i, u in enumerate(cos)]],
                  [*[("LEGAL_REP", "ID:hub", u) for u in cos], *[("PENALIZED", cos[0], f"AP:{i}") for i in range(3)]],
                  root=tmp_path)
    try:
        person = profile(s, "ID:hub", analyses={})
        assert len(person["roles"]) == 10 and set(person["related"]["uid"]) == set(cos)
        ent = profile(s, cos[0], analyses={"repeat_offenders:enterprise": repeat_offenders(s, level="enterprise")})
        sig = ent["signals"].set_index("signal")
        assert sig.loc["法定代表人兼任 legal representative of other companies", "value"] == "9 家"
        assert len(ent["related"]) >= 9
        detail = sig.loc["屡次失信 repeat offender", "detail"]
        assert "3 次" in detail and "2022-01-10" in detail and "2022-03-10" in detail
    finally:
        s.close()


def test_profile_of_an_unknown_uid(toy):
    with pytest.raises(NotFound):
        profile(toy, "nobody", analyses={})


def test_profile_risk_signals_from_analysis_tables(toy):
    shell = pd.DataFrame({"uid": [U1, "X"], "score": [0.8, 0.3], "signals": [["一人多企"], ["x"]]})
    p = profile(toy, U1, analyses={"shell_company_candidates": shell})
    row = p["signals"].iloc[0]
    assert row["source"] == "shell_company_candidates" and "0.80" in row["value"] and "一人多企" in row["detail"]
    assert rows_mentioning(pd.DataFrame({"m": [["a", "b"], ["c"]]}), "b").index.tolist() == [0]


def test_profile_runs_the_analyses_that_exist(toy):
    p = profile(toy, U1)  # analyses=None: whatever the library offers; never an exception
    assert isinstance(p["signals"], pd.DataFrame)


def unescaped(page: str) -> str:
    """The page with pyvis' JSON \\uXXXX escapes decoded (Chinese names are written escaped)."""
    import re

    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


# --- app helpers (no Streamlit) ----------------------------------------------------------------------


def test_pyvis_page_is_offline_and_uses_the_model_names():
    from creditgraph.app.graphview import build_html, remote_references

    nodes = pd.DataFrame([
        {"uid": "E1", "label": "Enterprise", "name": "甲公司", "props": {"name": "甲公司", "status": "存续", "uscc": U1}},
        {"uid": "ID:1", "label": "Person", "name": "张三", "props": {"name": "张三", "phone": "13800001111"}},
        {"uid": "AP:1", "label": "PenaltyEvent", "name": "行政处罚", "props": {"kind": "administrative_penalty", "status": "active"}},
    ])
    rels = pd.DataFrame([
        {"src": "ID:1", "dst": "E1", "type": "HOLDS_SHARES", "caption": "持股 60%", "props": {"ratio": 0.6}},
        {"src": "E1", "dst": "AP:1", "type": "PENALIZED", "caption": None, "props": {}},
    ])
    page = unescaped(build_html(nodes, rels, centre="E1", active={"E1": 1}))
    assert remote_references(page) == []
    assert "vis.Network" in page and "持股 60%" in page and "统一社会信用代码" in page and "行政处罚" in page
    assert "13800001111" not in page  # personal properties never in a hover card


def test_risk_filters():
    from creditgraph.app.riskfilters import date_bounds, filter_table, kind_options, region_options

    t = pd.DataFrame({
        "uid": ["A", "B", "C"], "region": ["330211", "330503", "410105"], "score": [0.9, 0.5, 0.2],
        "kinds": [["abnormal_operation"], ["administrative_penalty"], []],
        "window_start": pd.to_datetime(["2020-01-01", "2022-01-01", "2024-01-01"]),
    })
    assert region_options(t, 2) == ["33", "41"] and region_options(t, 4) == ["3302", "3305", "4101"]
    assert filter_table(t, region_prefix="3305")["uid"].tolist() == ["B"]
    assert filter_table(t, min_score=0.5)["uid"].tolist() == ["A", "B"]
    assert filter_table(t, kinds=["abnormal_operation"])["uid"].tolist() == ["A"]
    assert kind_options(t) == ["abnormal_operation", "administrative_penalty"]
    lo, hi = date_bounds(t)
    assert str(lo) == "2020-01-01" and str(hi) == "2024-01-01"
    import datetime as dt
    assert filter_table(t, period=(dt.date(2021, 1, 1), dt.date(2023, 1, 1)))["uid"].tolist() == ["B"]


def test_serve_command_line_needs_no_config_file(tmp_path):
    from creditgraph.app.serve import demo_is_current, server_env, streamlit_command

    cmd = streamlit_command(port=8765, host="127.0.0.1")
    for flag in ("--server.headless=true", "--browser.gatherUsageStats=false", "--server.address=127.0.0.1",
                 "--server.port=8765"):
        assert flag in cmd
    assert cmd[4].endswith("app/streamlit_app.py")
    env = server_env(tmp_path / "db", base={})
    assert env["CREDITGRAPH_DB"] == str((tmp_path / "db").resolve())
    assert env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false" and env["STREAMLIT_SERVER_HEADLESS"] == "true"
    assert not demo_is_current(tmp_path, 20000, 1)
    (tmp_path / "ground_truth.json").write_text('{"generator": {"enterprises": 20000, "seed": 1}}', encoding="utf-8")
    assert demo_is_current(tmp_path, 20000, 1) and not demo_is_current(tmp_path, 20000, 2)


def test_cli_has_serve_and_demo():
    from typer.testing import CliRunner

    from creditgraph.app.cli import app

    out = CliRunner().invoke(app, ["--help"]).output
    assert "serve" in out and "demo" in out
    out = CliRunner().invoke(app, ["demo", "--help"]).output
    assert "--no-serve" in out and "--enterprises" in out


def test_demo_generates_loads_and_skips_what_is_done(tmp_path, monkeypatch):
    import dataclasses

    from creditgraph.app.serve import prepare_demo
    from creditgraph.graph.config import load_settings
    from creditgraph.graph.embedded import EmbeddedStore

    settings = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph")
    said: list[str] = []
    info = prepare_demo(settings, enterprises=600, seed=3, out=tmp_path / "src", say=said.append)
    assert info["generated"] and info["loaded"]
    with EmbeddedStore(tmp_path / "graph", read_only=True) as s:
        assert s.counts()["Enterprise"] >= 600
    info = prepare_demo(settings, enterprises=600, seed=3, out=tmp_path / "src", say=said.append)
    assert not info["generated"] and not info["loaded"]
    assert any("kept" in m for m in said) and any("not loaded again" in m for m in said)

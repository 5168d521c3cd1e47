"""Exports for people: bilingual headers, readable values, the 参数 sheet, XLSX layout, masked names.

* every column of every analysis in ``queries.ANALYSES`` has a bilingual label (run on a synthetic graph
  built by the real ETL), and every parameter has a name;
* CSV / XLSX headers are those labels (JSON keeps the internal names), values read as text (no ``None``,
  ``nan``, ``[...]`` or ``{...}``, no ``00:00:00``), codes in Chinese;
* the 参数 sheet lists the analysis, its parameters in words, the app's filters, the export time and rows;
* every sheet has a frozen header row, an autofilter over the table and fitted column widths;
* people's names are masked by default (张三丰 → 张*丰, 李四 → 李*, also in name-only uids and evidence)
  and clear when the ``export_person_names`` setting says so.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from creditgraph.queries import ANALYSES, cross_region_links, export, neighborhood, phoenix_cases, repeat_offenders
from creditgraph.queries.labels import column_label, param_label
from creditgraph.queries.result import EvidenceBuilder, finish
from creditgraph.queries.testing import load

CJK = re.compile(r"[\u4e00-\u9fff]")
FILTERS = {"region": "33", "kinds": ["administrative_penalty", "serious_illegal"], "min_score": 0.5,
           "period": (dt.date(2020, 1, 1), dt.date(2024, 12, 31))}

# A person with a three-character name heading the new company E1 (founded 2020-08-07) after the old one, E2 in
# another province, was struck off; a name-only person (two characters) holds shares in E2.
NODES = [
    ("Enterprise", "E1", {"name": "宁波甲科技有限公司", "region": "330211", "status": "存续", "founded": "2020-08-07"}),
    ("Enterprise", "E2", {"name": "南京乙贸易有限公司", "region": "320102", "status": "注销", "founded": "2015-03-01",
                          "dissolved": "2020-05-01", "legal_rep_name": "张三丰"}),
    ("Person", "ID:zsf", {"name": "张三丰", "id_masked": "330203********1234"}),
    ("Person", "NM:E2:李四", {"name": "李四"}),
    ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2021-03-01", "status": "active"}),
    ("PenaltyEvent", "SI:2", {"kind": "serious_illegal", "decided": "2019-11-20", "status": "active"}),
]
RELS = [
    ("LEGAL_REP", "ID:zsf", "E1"), ("LEGAL_REP", "ID:zsf", "E2"), ("HOLDS_SHARES", "NM:E2:李四", "E2", {"ratio": 0.4}),
    ("PENALIZED", "E1", "AP:1"), ("PENALIZED", "E2", "SI:2"),
]


@pytest.fixture(autouse=True)
def default_settings(monkeypatch, tmp_path):
    """The defaults, whatever the developer's environment or config file says."""
    monkeypatch.delenv("CREDITGRAPH_EXPORT_PERSON_NAMES", raising=False)
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(tmp_path / "no-such-config.toml"))


@pytest.fixture
def g(embedded_store):
    load(embedded_store, NODES, RELS)
    return embedded_store


def sheets_of(path: Path) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def records(rows: list[list]) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, r)) for r in body]


def width(ws, column: int) -> float | None:
    """A column's width (a writer may give a run of columns of one width one entry)."""
    for d in ws.column_dimensions.values():
        if d.min is not None and d.min <= column <= d.max:
            return d.width
    return None


def all_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        return "\n".join(str(v) for rows in sheets_of(path).values() for row in rows for v in row if v is not None)
    return path.read_text(encoding="utf-8-sig")


# --- every analysis, on a synthetic graph -----------------------------------------------------------------


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """A small synthetic extract through the real ETL, and one result per analysis (and per level)."""
    from creditgraph.etl.pipeline import run_load
    from creditgraph.etl.synth import generate
    from creditgraph.graph.config import load_settings
    from creditgraph.graph.embedded import EmbeddedStore

    root = tmp_path_factory.mktemp("labels")
    generate(enterprises=500, seed=11, out=root / "src")
    run_load(root / "src", "canonical", dataclasses.replace(load_settings(), store="embedded", db_path=root / "g"))
    truth = json.loads((root / "src" / "ground_truth.json").read_text(encoding="utf-8"))
    members = truth["shell_clusters"][0]["members"]
    with EmbeddedStore(root / "g", read_only=True) as store:
        person = repeat_offenders(store, level="person").table["uid"].iloc[0]
        calls = [("neighborhood", {"uid": members[0]}), ("paths", {"a": members[0], "b": members[1]}),
                 ("equity_penetration", {"uid": members[0]}), ("controlled_by", {"uid": person}),
                 ("shell_company_candidates", {}), ("repeat_offenders", {"level": "enterprise"}),
                 ("repeat_offenders", {"level": "person"}), ("phoenix_cases", {}),
                 ("cross_region_links", {"level": "county"}), ("suspected_relations", {"uid": members[0]}),
                 ("risk_groups", {}), ("risk_propagation", {}), ("red_black_links", {}),
                 ("name_hubs", {"include_name_only": True, "min_companies": 2, "min_tied": 2})]
        results = [ANALYSES[name](store, **params) for name, params in calls]
        yield root, results


def test_every_column_of_every_analysis_has_a_label(synth):
    _, results = synth
    assert {r.analysis for r in results} == set(ANALYSES)  # a new analysis must be added to the fixture
    unlabelled = []
    for r in results:
        for c in r.table.columns:
            label = column_label(c, r.analysis)
            if c != "row_id" and (label == c or not CJK.search(label) or not re.search(r"[A-Za-z]", label)):
                unlabelled.append((r.analysis, c, label))
        unlabelled += [(r.analysis, "param " + k, param_label(k)) for k in r.params if param_label(k) == k]
    assert not unlabelled, unlabelled
    assert column_label("row_id") == "#"


def test_peers_and_phoenix_parties_are_worded_apart():
    for side, zh in (("a", "主体甲 Party A"), ("b", "主体乙 Party B")):
        for suffix in ("", "_name", "_region", "_region_name", "_events", "_penalties"):
            label = column_label(side + suffix, "cross_region_links")
            assert label.startswith(zh.split()[0]) and "Party" in label and "企业" not in label, label
    assert column_label("a_name", "phoenix_cases") == "原企业 A" and column_label("b_name", "phoenix_cases") == "新企业 B"


def test_every_analysis_exports_readable_text(synth, tmp_path):
    _, results = synth
    for r in results:
        path = export(r, tmp_path / f"{r.analysis}.csv", max_evidence_rows=20)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        as_of = ["截至日期 As of"] if "as_of" in r.params else []  # the day the analysis looked at
        assert list(frame.columns) == [column_label(c, r.analysis) for c in r.table.columns] + ["证据 Evidence", *as_of]
        assert len(frame) == len(r.table)
        for col in frame.columns:
            for v in frame[col]:
                assert v not in ("None", "nan", "NaN", "NaT", "<NA>", "True", "False"), (r.analysis, col, v)
                assert not re.match(r"^\[.*\]$|^\{.*\}$", v), (r.analysis, col, v)  # no list / dict reprs
                assert "00:00:00" not in v and "HOLDS_SHARES" not in v and "administrative_penalty" not in v, \
                    (r.analysis, col, v)


# --- headers, values and the 参数 sheet -------------------------------------------------------------------


def test_xlsx_headers_values_and_parameters(g, tmp_path):
    r = phoenix_cases(g)
    assert len(r) == 1
    path = export(r, tmp_path / "p.xlsx", filters=FILTERS)
    sheets = sheets_of(path)
    assert list(sheets) == ["结果", "证据", "参数"]
    header = sheets["结果"][0]
    assert header == [column_label(c, "phoenix_cases") for c in r.table.columns] + ["证据 Evidence"]
    row = records(sheets["结果"])[0]
    assert row["原企业 A"] == "南京乙贸易有限公司" and row["新企业 B"] == "宁波甲科技有限公司"
    assert row["新企业成立 B founded"] == "2020-08-07" and row["原企业注销/吊销 A dissolved"] == "2020-05-01"
    assert row["在原企业身份 Role in A"] == "法定代表人" and row["间隔天数 Days after"] == 98
    assert row["同一人记录 Identity records"] == "ID:zsf" and row["原企业事件数 A events"] == 1
    assert sheets["证据"][0] == ["#", "证据路径 Evidence path"]

    params = {r[3]: r for r in sheets["参数"][1:]}
    assert sheets["参数"][0] == ["类别 Section", "项目 Item", "值 Value", "代码 Key"]
    assert params["phoenix_cases"][:3] == ["分析 Analysis", "分析 Analysis", "金蝉脱壳 Phoenix cases"]
    assert params["window_days"] == ["参数 Parameter", "时间窗(天) Window (days)", 365, "window_days"]
    assert params["include_history"][2] == "否"
    assert params["region"] == ["筛选 Filter", "地区 Region", "33", "region"]
    assert params["kinds"][1:3] == ["处罚类别 Penalty kinds", "行政处罚、严重违法失信名单"]
    assert params["min_score"][1:3] == ["最低评分 Min score", 0.5]
    assert params["period"][1:3] == ["时间段 Period", "2020-01-01 至 2024-12-31"]
    assert params["rows"][1:3] == ["行数 Rows", 1]
    stamp = dt.datetime.fromisoformat(params["exported_at"][2])
    assert abs((dt.datetime.now(stamp.tzinfo) - stamp).total_seconds()) < 120
    assert params["person_names"][2] == "已脱敏 masked"

    csv = export(r, tmp_path / "p.csv", filters=FILTERS)
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    as_of = ["截至日期 As of"] if "as_of" in r.params else []
    assert list(frame.columns) == header + as_of and "Filter" not in csv.read_text(encoding="utf-8-sig")
    doc = json.loads(export(r, tmp_path / "p.json", filters=FILTERS).read_text(encoding="utf-8"))
    assert doc["filters"] == {"region": "33", "kinds": ["administrative_penalty", "serious_illegal"], "min_score": 0.5,
                              "period": ["2020-01-01", "2024-12-31"]}
    assert list(doc["rows"][0]) == list(r.table.columns) and doc["rows"][0]["role_in_a"] == "LEGAL_REP"


def test_without_filters_the_sheet_says_so(g, tmp_path):
    sheet = sheets_of(export(cross_region_links(g), tmp_path / "x.xlsx"))["参数"]
    assert ["筛选 Filter", "筛选条件 Filters", "无(全部结果) none: every row", None] in sheet
    assert ["参数 Parameter", "层级 Level", "省", "level"] in sheet
    assert ["参数 Parameter", "时间窗(天) Window (days)", "不限 none", "window_days"] in sheet


def test_cells_of_every_kind_read_as_text(tmp_path):
    """Lists, dicts, missing values of every kind, yes/no, dates and timestamps, codes."""
    b = EvidenceBuilder()
    b.node("E1", "Enterprise", name="甲公司")
    b.path(["E1"], [])
    table = pd.DataFrame({
        "name": ["甲公司", None, "丙公司"],
        "founded": [pd.Timestamp("2020-08-07"), pd.NaT, pd.Timestamp("2021-01-02 13:45")],
        "kinds": [["administrative_penalty", "dishonest_debtor"], [], None],
        "roles": ["HOLDS_SHARES+LEGAL_REP", "LEGAL_REP", pd.NA],
        "seed": [True, False, np.bool_(True)],
        "score": [0.5, float("nan"), np.float64(1.25)],
        "extra": [{"a": 1, "when": dt.date(2020, 1, 2)}, {"b": None}, {}],
        "when": [dt.datetime(2020, 8, 7), dt.date(2020, 8, 8), np.datetime64("2020-08-09")],
    })
    r = finish("demo", {}, table, {0: b.build(), 1: b.build(), 2: b.build()})
    rows = pd.read_csv(export(r, tmp_path / "c.csv", evidence=False), dtype=str, keep_default_na=False,
                       encoding="utf-8-sig").to_dict("records")
    assert [x["名称 Name"] for x in rows] == ["甲公司", "", "丙公司"]
    assert [x["成立日期 Founded"] for x in rows] == ["2020-08-07", "", "2021-01-02 13:45"]
    assert [x["处罚类别 Kinds"] for x in rows] == ["行政处罚; 失信被执行人", "", ""]
    assert [x["身份 Roles"] for x in rows] == ["股东+法定代表人", "法定代表人", ""]
    assert [x["风险源 Seed"] for x in rows] == ["是", "否", "是"]
    assert [x["评分 Score"] for x in rows] == ["0.5", "", "1.25"]
    assert [x["extra"] for x in rows] == ["a: 1; when: 2020-01-02", "b: ", ""]
    assert [x["when"] for x in rows] == ["2020-08-07", "2020-08-08", "2020-08-09"]


# --- layout -------------------------------------------------------------------------------------------------


def test_every_sheet_has_a_frozen_header_an_autofilter_and_fitted_widths(g, tmp_path):
    r = neighborhood(g, "E2", hops=2)
    path = export(r, tmp_path / "n.xlsx", filters=FILTERS)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{get_column_letter(ws.max_column)}{ws.max_row}", ws.title
        widths = [width(ws, i) for i in range(1, ws.max_column + 1)]
        assert all(w and 6 <= w <= 61 for w in widths), (ws.title, widths)
    res = wb["结果"]
    header = [c.value for c in res[1]]
    w = {h: width(res, i) for i, h in enumerate(header, start=1)}
    assert w["#"] < w["名称 Name"] < w["证据 Evidence"]
    # CJK characters count double: "距中心跳数 Hops from centre" is 22 characters but 27 wide (plus a margin)
    assert w["距中心跳数 Hops from centre"] >= 27 + 2


def test_an_empty_table_still_has_labelled_headers_and_a_layout(g, tmp_path):
    r = repeat_offenders(g, level="enterprise", min_events=5)
    assert len(r) == 0
    path = export(r, tmp_path / "e.xlsx", filters={"kinds": []})
    ws = openpyxl.load_workbook(path)["结果"]
    header = [c.value for c in ws[1]]
    assert header == [column_label(c, "repeat_offenders") for c in r.table.columns] + ["证据 Evidence"]
    assert ws.max_row == 1 and ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{get_column_letter(len(header))}1"
    assert ["筛选 Filter", "处罚类别 Penalty kinds", "不限 none", "kinds"] in sheets_of(path)["参数"]
    csv = export(r, tmp_path / "e.csv")
    as_of = ["截至日期 As of"] if "as_of" in r.params else []  # the day the analysis looked at
    assert csv.read_text(encoding="utf-8-sig").strip() == ",".join(header + as_of)


# --- person names -------------------------------------------------------------------------------------------


def test_person_names_are_masked_by_default(g, tmp_path):
    r = neighborhood(g, "E2", hops=2)
    for suffix in ("csv", "xlsx", "json"):
        text = all_text(export(r, tmp_path / f"n.{suffix}"))
        assert "张三丰" not in text and "李四" not in text, suffix
        assert "张*丰" in text and "李*" in text and "NM:E2:李*" in text, suffix
    rows = records(sheets_of(tmp_path / "n.xlsx")["结果"])
    people = {x["主键 uid"]: x for x in rows if x["类型 Kind"] == "自然人"}
    assert people["ID:zsf"]["名称 Name"] == "张*丰" and people["ID:zsf"]["显示名称 Caption"] == "张*丰(自然人)"
    assert people["NM:E2:李*"]["名称 Name"] == "李*"                                  # the name-only person
    assert people["NM:E2:李*"]["证据 Evidence"] == "南京乙贸易有限公司 <-[持股 40%]- 李*(自然人)"
    assert {x["名称 Name"] for x in rows if x["类型 Kind"] == "企业"} == {"宁波甲科技有限公司", "南京乙贸易有限公司"}
    doc = json.loads((tmp_path / "n.json").read_text(encoding="utf-8"))
    e2 = next(n for ev in doc["evidence"].values() for n in ev["nodes"] if n["uid"] == "E2")
    assert e2["props"]["legal_rep_name"] == "张*丰"


def test_the_setting_shows_names_in_clear(g, tmp_path, monkeypatch):
    r = phoenix_cases(g)
    monkeypatch.setenv("CREDITGRAPH_EXPORT_PERSON_NAMES", "clear")
    text = all_text(export(r, tmp_path / "clear.xlsx"))
    assert "张三丰" in text and "张三丰(自然人)" in text and "已脱敏 masked" in text  # phones and e-mails still are
    assert records(sheets_of(tmp_path / "clear.xlsx")["结果"])[0]["自然人 Person"] == "张三丰"
    assert ["导出 Export", "自然人姓名 Person names", "明文 clear", "person_names"] in sheets_of(tmp_path / "clear.xlsx")["参数"]

    monkeypatch.delenv("CREDITGRAPH_EXPORT_PERSON_NAMES")
    config = tmp_path / "creditgraph.toml"
    config.write_text('[export]\nperson_names = "clear"\n', encoding="utf-8")
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(config))
    assert "张三丰" in all_text(export(r, tmp_path / "file.csv"))
    assert "张三丰" not in all_text(export(r, tmp_path / "arg.csv", person_names="masked"))  # the argument wins

    config.write_text('[export]\nperson_names = "plain"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="person_names"):
        export(r, tmp_path / "bad.csv")


def test_the_apps_download_records_its_filters(g):
    import io

    from creditgraph.app.common import export_bytes

    data = export_bytes(cross_region_links(g), "xlsx", filters=FILTERS)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    rows = [[c.value for c in row] for row in wb["参数"].iter_rows()]
    assert ["筛选 Filter", "时间段 Period", "2020-01-01 至 2024-12-31", "period"] in rows
    assert [c.value for c in wb["结果"][1]][1] == "主体甲主键 Party A uid"

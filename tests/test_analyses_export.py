"""Export to CSV, XLSX and JSON: rows equal the table, evidence columns present, personal data masked.

CSV and XLSX carry the bilingual headers of queries.labels (JSON the internal names); people's names are
masked by default (张三 -> 张*)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from creditgraph.queries import cross_region_links, export, neighborhood
from creditgraph.queries.labels import code_text, column_label
from creditgraph.queries.testing import load

PHONE, EMAIL = "13912345678", "boss@example.com"
NODES = [
    ("Enterprise", "E1", {"name": "甲公司", "region": "330211"}), ("Enterprise", "E2", {"name": "乙公司", "region": "320102"}),
    ("Person", "ID:zs", {"name": "张三", "id_masked": "330203********1234"}),
    ("Phone", PHONE, {}), ("Email", EMAIL, {}),
    ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2024-01-01", "status": "active"}),
    ("PenaltyEvent", "AP:2", {"kind": "administrative_penalty", "decided": "2024-02-01", "status": "active"}),
]
RELS = [
    ("HAS_PHONE", "E1", PHONE), ("HAS_PHONE", "ID:zs", PHONE), ("HAS_EMAIL", "E1", EMAIL),
    ("LEGAL_REP", "ID:zs", "E1"), ("HOLDS_SHARES", "ID:zs", "E2", {"ratio": 0.25}),
    ("PENALIZED", "E1", "AP:1"), ("PENALIZED", "E2", "AP:2"),
]


@pytest.fixture
def g(embedded_store):
    load(embedded_store, NODES, RELS)
    return embedded_store


def no_personal_data(text: str) -> None:
    assert PHONE not in text and EMAIL not in text
    assert "139****5678" in text and "b***@example.com" in text


def test_csv_and_xlsx_rows_equal_the_table(g, tmp_path):
    r = neighborhood(g, "E1", hops=2)
    csv = export(r, tmp_path / "n.csv")
    xlsx = export(r, tmp_path / "n.xlsx")
    no_personal_data(csv.read_text(encoding="utf-8-sig"))
    c = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    x = pd.read_excel(xlsx, sheet_name=None, dtype=str, keep_default_na=False)
    assert set(x) == {"结果", "证据", "参数"}
    res = x["结果"]

    def col(frame, name):
        return frame[column_label(name, "neighborhood")].tolist()

    person = {"张三": "张*", "张三(自然人)": "张*(自然人)"}
    as_of = ["截至日期 As of"] if "as_of" in r.params else []  # a CSV's last column: the day the analysis looked at
    for frame, extra in ((c, as_of), (res, [])):
        assert list(frame.columns) == [*(column_label(k, "neighborhood") for k in r.table.columns), "证据 Evidence", *extra]
        assert len(frame) == len(r.table)
        assert [int(v) for v in col(frame, "row_id")] == r.table["row_id"].tolist()
        assert [int(v) for v in col(frame, "hops")] == r.table["hops"].tolist()
        assert col(frame, "name") == [person.get(n, n) for n in r.table["name"]]
        assert col(frame, "label") == [code_text("label", v) for v in r.table["label"]]  # 企业, 自然人 …
        masked = {PHONE: "139****5678", EMAIL: "b***@example.com"}
        assert col(frame, "uid") == [masked.get(u, u) for u in r.table["uid"]]
        assert frame["证据 Evidence"].tolist() == [r.evidence[i].paths_text.replace(PHONE, "139****5678")
                                                 .replace(EMAIL, "b***@example.com").replace("张三", "张*")
                                                 for i in r.table["row_id"]]
    no_personal_data(res.to_string() + x["证据"].to_string())
    assert len(x["证据"]) == sum(len(r.evidence[i].path_lines) for i in r.table["row_id"])
    assert x["参数"].iloc[0].tolist() == ["分析 Analysis", "分析 Analysis", "关联关系 Neighbourhood", "neighborhood"]


def test_lists_and_evidence_of_a_whole_graph_analysis(g, tmp_path):
    r = cross_region_links(g)
    assert len(r) == 1
    c = pd.read_csv(export(r, tmp_path / "x.csv"), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    row = c.iloc[0]
    assert (row["主体甲主键 Party A uid"], row["主体乙主键 Party B uid"]) == ("E1", "E2")
    assert (row["关联方主键 Connector uids"], row["关联方 Connectors"]) == ("ID:zs", "张*")
    assert row["主体甲失信/处罚事件 Party A events"] == "AP:1"
    assert row["关联路径 Path"] == "甲公司 <-[法定代表人]- 张*(自然人) -[持股 25%]-> 乙公司"
    assert row["证据 Evidence"].splitlines()[0] == row["关联路径 Path"]
    assert len(row["证据 Evidence"].splitlines()) == 3            # the path and both penalties
    clear = pd.read_csv(export(r, tmp_path / "c.csv", person_names="clear"), dtype=str, encoding="utf-8-sig").iloc[0]
    assert clear["关联方 Connectors"] == "张三" and "张三(自然人)" in clear["关联路径 Path"]


def test_json_masks_evidence_nodes(g, tmp_path):
    r = neighborhood(g, "ID:zs", hops=2)
    text = export(r, tmp_path / "n.json").read_text(encoding="utf-8")
    no_personal_data(text)
    doc = json.loads(text)
    assert doc["analysis"] == "neighborhood" and len(doc["rows"]) == len(r.table)
    assert list(doc["rows"][0]) == list(r.table.columns)  # JSON keeps the internal names: data for programs
    assert "张三" not in text and {row["name"] for row in doc["rows"] if row["label"] == "Person"} == {"张*"}
    assert set(doc["evidence"]) == {str(i) for i in r.table["row_id"]}
    with pytest.raises(ValueError, match="csv"):
        export(r, tmp_path / "n.txt")

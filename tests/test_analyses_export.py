"""Export to CSV, XLSX and JSON: rows equal the table, evidence columns present, personal data masked."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from creditgraph.queries import cross_region_links, export, neighborhood
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
    for frame in (c, res):
        assert list(frame.columns) == [*r.table.columns, "evidence"]
        assert len(frame) == len(r.table)
        assert frame["row_id"].astype(int).tolist() == r.table["row_id"].tolist()
        assert frame["hops"].astype(int).tolist() == r.table["hops"].tolist()
        assert frame["name"].tolist() == r.table["name"].tolist()
        assert frame["label"].tolist() == r.table["label"].tolist()
        masked = {PHONE: "139****5678", EMAIL: "b***@example.com"}
        assert frame["uid"].tolist() == [masked.get(u, u) for u in r.table["uid"]]
        assert frame["evidence"].tolist() == [r.evidence[i].paths_text.replace(PHONE, "139****5678")
                                              .replace(EMAIL, "b***@example.com") for i in r.table["row_id"]]
    no_personal_data(res.to_string() + x["证据"].to_string())
    assert len(x["证据"]) == sum(len(r.evidence[i].path_lines) for i in r.table["row_id"])
    assert x["参数"].iloc[0].tolist() == ["analysis", "neighborhood"]


def test_lists_and_evidence_of_a_whole_graph_analysis(g, tmp_path):
    r = cross_region_links(g)
    assert len(r) == 1
    c = pd.read_csv(export(r, tmp_path / "x.csv"), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    row = c.iloc[0]
    assert (row["a"], row["b"], row["connectors"], row["connector_names"]) == ("E1", "E2", "ID:zs", "张三")
    assert row["a_events"] == "AP:1" and row["path"] == "甲公司 <-[法定代表人]- 张三(自然人) -[持股 25%]-> 乙公司"
    assert row["evidence"].splitlines()[0] == row["path"]
    assert len(row["evidence"].splitlines()) == 3            # the path and both penalties


def test_json_masks_evidence_nodes(g, tmp_path):
    r = neighborhood(g, "ID:zs", hops=2)
    text = export(r, tmp_path / "n.json").read_text(encoding="utf-8")
    no_personal_data(text)
    doc = json.loads(text)
    assert doc["analysis"] == "neighborhood" and len(doc["rows"]) == len(r.table)
    assert set(doc["evidence"]) == {str(i) for i in r.table["row_id"]}
    with pytest.raises(ValueError, match="csv"):
        export(r, tmp_path / "n.txt")

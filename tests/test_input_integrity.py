"""Issue 13 §3: input lost, doubled or garbled without a word.

Each test drives the real load (files on disk -> run_load -> embedded store) and checks what the
report, rejects.csv, the manifest and the graph say.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.etl.encoding import detect_encoding_bytes
from creditgraph.graph.identifiers import make_uscc
from creditgraph.etl.pipeline import run_load
from tests.test_etl_load import U1, U2, U3, graph, rejects, settings, write


def _codes(n: int, start: int = 0) -> list[str]:
    return [make_uscc(f"91330100MA{i:07d}") for i in range(start, start + n)]


def _manifest(rep) -> dict:
    return json.loads(Path(rep.manifest).read_text(encoding="utf-8"))


def _by(rj: pd.DataFrame, severity: str) -> set[tuple[str, int, str]]:
    sel = rj[(rj["severity"] == severity) & (rj["row"] != "")]
    return {(Path(f).name, int(r), c) for f, r, c in zip(sel["file"], sel["row"], sel["column"])}


# --------------------------------------------------------------- 1. every XLSX sheet


def test_every_sheet_of_a_workbook_is_read_and_unmapped_sheets_are_listed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    codes = _codes(2000)
    with pd.ExcelWriter(src / "enterprises.xlsx", engine="xlsxwriter") as xw:
        for s in range(20):
            part = codes[s * 100:(s + 1) * 100]
            founded = ["2015-01-01"] * 100
            if s == 4:
                founded[9] = "2019-02-30"  # sheet row 11 of sheet 'S5'
            pd.DataFrame({"uscc": part, "name": [f"公司{s}-{i}" for i in range(100)], "founded": founded}) \
                .to_excel(xw, sheet_name=f"S{s + 1}", index=False)
        pd.DataFrame({"说明": ["本表由某系统导出"]}).to_excel(xw, sheet_name="说明", index=False)
    rep = run_load(src, "canonical", settings(tmp_path))
    assert rep.tables["enterprises"]["read"] == 2000
    assert rep.tables["enterprises"]["loaded"] == 2000  # a bad optional date loads without it (issue 14)
    assert graph(tmp_path).counts()["Enterprise"] == 2000
    assert rep.exit_code == 0
    rj = rejects(rep)
    bad = rj[rj["severity"] == "note"]
    assert (bad["file"].str.endswith("enterprises.xlsx#S5") & (bad["row"] == "11") & (bad["column"] == "founded")).any()
    entry = _manifest(rep)["inputs"][0]
    sheets = {s["sheet"]: s for s in entry["sheets"]}
    assert len(sheets) == 21 and sum(s["rows"] for s in sheets.values()) == 2000
    assert sheets["S20"]["table"] == "enterprises" and sheets["S20"]["rows"] == 100
    assert sheets["说明"]["status"] == "ignored" and "说明" in sheets["说明"]["reason"]
    # the ignored sheet is also in the reject report, as a note naming the sheet
    ign = rj[rj["file"].str.endswith("#说明")]
    assert len(ign) == 1 and ign["severity"].iloc[0] == "note"


def test_a_workbook_whose_sheets_are_named_after_tables(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    with pd.ExcelWriter(src / "book.xlsx", engine="openpyxl") as xw:
        pd.DataFrame({"uscc": [U1, U2], "name": ["甲公司", "乙公司"]}).to_excel(xw, sheet_name="enterprises", index=False)
        pd.DataFrame({"enterprise_uscc": [U1], "person_name": ["张三"]}).to_excel(xw, sheet_name="legal_reps", index=False)
    rep = run_load(src, "canonical", settings(tmp_path))
    assert rep.tables["enterprises"]["loaded"] == 2 and rep.tables["legal_reps"]["loaded"] == 1
    assert graph(tmp_path).counts()["LEGAL_REP"] == 1


# --------------------------------------------------------------- 2. damaged key header


def test_header_with_several_boms_and_spaces_still_keys_by_the_code(tmp_path):
    codes = _codes(50)
    rows = "".join(f"{u},公司{i},湖州{i}\n" for i, u in enumerate(codes))
    path = tmp_path / "src" / "enterprises.csv"
    path.parent.mkdir()
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + (" uscc , name,address\n" + rows).encode("utf-8"))
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    assert rep.exit_code == 0
    assert sorted(graph(tmp_path).node_keys("Enterprise")) == sorted(codes)


def test_damaged_key_header_is_fatal_for_that_file_only(tmp_path):
    src = tmp_path / "src"
    write(src, "market_subjects.csv", "uni_social\x00_crd_cd,comp_nm,legal_repre,reg_no,main_identi_id\n"
          + "".join(f"{u},公司{i},张{i},,PRI{i}\n" for i, u in enumerate(_codes(20))))
    write(src, "abnormal_operation.csv", "busexclist,inclu_dt,uni_social_crd_cd,comp_nm\n" + f"B001,2023-01-01,{U1},甲公司\n")
    rep = run_load(src, "zj-warehouse", settings(tmp_path))
    errors = {Path(f["path"]).name: f["error"] for f in rep.files if f["error"]}
    assert list(errors) == ["market_subjects.csv"]
    assert "uni_social_crd_cd" in errors["market_subjects.csv"] and "zj-warehouse" in errors["market_subjects.csv"]
    assert "\n" not in errors["market_subjects.csv"]
    assert rep.exit_code == 3
    assert rep.tables["penalties"]["loaded"] == 1
    assert "enterprises" not in rep.tables
    assert graph(tmp_path).counts()["Enterprise"] == 1  # only the penalised subject's stub, nothing keyed by PRI…


# --------------------------------------------------------------- 3. field size


def test_field_longer_than_the_limit_is_capped(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_MAX_FIELD_CHARS", "1000")
    long_addr, long_code = "某路" * 600, "9" * 1500
    write(tmp_path / "src", "enterprises.csv", "uscc,name,address\n"
          f"{U1},甲公司,{long_addr}\n{long_code},乙公司,杭州\n{U3},丙公司,温州\n")
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    rj = rejects(rep)
    assert ("enterprises.csv", 2, "address") in _by(rj, "note")
    assert ("enterprises.csv", 3, "uscc") in _by(rj, "rejected")
    assert rj["reason"].str.contains("field longer than 1000 characters").sum() == 2
    t = rep.tables["enterprises"]
    assert (t["read"], t["loaded"], t["rejected"]) == (3, 2, 1)
    ent = graph(tmp_path).run("MATCH (e:Enterprise) RETURN e.uid AS uid, e.address AS a ORDER BY uid").set_index("uid")
    assert list(ent.index) == sorted([U1, U3]) and pd.isna(ent.loc[U1, "a"])


def test_field_limit_applies_to_the_slow_csv_path_and_xlsx(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_MAX_FIELD_CHARS", "100")
    # a quote inside an unquoted field sends the file through the csv module
    write(tmp_path / "src", "enterprises_a.csv", "uscc,name,address\n" f"{U1},甲\"公司,{'x' * 150}\n")
    pd.DataFrame({"uscc": [U2], "name": ["乙" * 150]}).to_excel(tmp_path / "src" / "enterprises_b.xlsx", index=False)
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    rj = rejects(rep)
    assert ("enterprises_a.csv", 2, "address") in _by(rj, "note")
    assert ("enterprises_b.xlsx#Sheet1", 2, "name") in _by(rj, "rejected")
    assert list(graph(tmp_path).node_keys("Enterprise")) == [U1]


# --------------------------------------------------------------- 4. misread encodings


def _as_cp1252(b: bytes) -> str:
    """Bytes read as Windows-1252 the way spreadsheet tools do (its 5 undefined bytes kept as U+0080-U+009F)."""
    return "".join(chr(x) if x in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([x]).decode("cp1252") for x in b)


@pytest.mark.parametrize("wrong", ["cp1252", "latin-1"])
def test_double_encoded_utf8_names_are_repaired_with_a_note(tmp_path, wrong):
    twice = (lambda s: _as_cp1252(s.encode("utf-8"))) if wrong == "cp1252" else (lambda s: s.encode("utf-8").decode(wrong))
    write(tmp_path / "src", "enterprises.csv", "uscc,name,legal_rep\n" f"{U1},{twice('湖州某某贸易有限公司')},{twice('张三')}\n")
    write(tmp_path / "src", "legal_reps.csv", "enterprise_uscc,person_name\n" f"{U1},{twice('张三')}\n")
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    g = graph(tmp_path)
    assert g.run("MATCH (e:Enterprise) RETURN e.name AS n")["n"].tolist() == ["湖州某某贸易有限公司"]
    assert g.run("MATCH (p:Person) RETURN p.name AS n")["n"].tolist() == ["张三"]
    notes = _by(rejects(rep), "note")
    assert {("enterprises.csv", 2, "name"), ("legal_reps.csv", 2, "person_name")} <= notes


BIG5_NAMES = ["臺北市信義區國際貿易有限公司", "高雄港灣運輸股份有限公司", "臺中精密機械製造廠", "新竹科學園區電子資訊有限公司"]


def test_big5_file_is_read_as_big5(tmp_path):
    codes = _codes(len(BIG5_NAMES))
    text = "uscc,name,address\n" + "".join(f"{u},{n},臺灣省{n[:3]}某路{i}號\n" for i, (u, n) in enumerate(zip(codes, BIG5_NAMES)))
    write(tmp_path / "src", "enterprises.csv", text, encoding="big5")
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    assert rep.files[0]["encoding"] == "big5"
    names = graph(tmp_path).run("MATCH (e:Enterprise) RETURN e.name AS n")["n"]
    assert sorted(names) == sorted(BIG5_NAMES)


def test_gb18030_stays_gb18030_and_big5_is_told_apart():
    simplified = "".join(f"浙江省杭州市西湖区第{i}号贸易有限公司,张伟,经营范围:批发零售\n" for i in range(30))
    assert detect_encoding_bytes(simplified.encode("gb18030")) == "gb18030"
    traditional = "".join(f"{n},陳大文,經營範圍:批發零售\n" for n in BIG5_NAMES * 5)
    assert detect_encoding_bytes(traditional.encode("big5")) == "big5"


# --------------------------------------------------------------- 5. values kept with a note


def test_future_dates_bad_capital_nul_and_duplicate_column_are_noted(tmp_path):
    c = _codes(7)
    write(tmp_path / "src", "enterprises.csv", "uscc,name,founded,dissolved,capital,address,address\n"
          f"{c[0]},甲公司,2099-01-01,,10,杭州一,杭州二\n"
          f"{c[1]},乙公司,9999-9-9,,10,杭州,\n"
          f"{c[2]},丙公司,2001-01-01,9999-9-9,(500)万元,杭州,\n"
          f"{c[3]},丁公司,2001-01-01,,1e309,杭州,\n"
          f"{c[4]},戊公司,2001-01-01,,-5,杭州,\n"
          f"{c[5]},己\x00公司,2001-01-01,,10,杭州,\n"
          f"{c[6]},庚公司,2001-01-01,2010-01-01,100万,杭州,\n")
    write(tmp_path / "src", "penalties.csv", "kind,record_id,subject_uscc,decided\n"
          f"行政处罚,AP1,{c[0]},2099-05-01\n行政处罚,AP2,{c[0]},2020-05-01\n")
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    assert rep.exit_code == 0
    assert rep.tables["enterprises"]["loaded"] == 7 and rep.tables["penalties"]["loaded"] == 2
    rj = rejects(rep)
    notes = _by(rj, "note")
    for row, col in [(2, "founded"), (3, "founded"), (4, "capital"), (5, "capital"), (6, "capital"), (7, "name")]:
        assert ("enterprises.csv", row, col) in notes, (row, col)
    assert ("penalties.csv", 2, "decided") in notes
    assert ("enterprises.csv", 4, "dissolved") not in notes      # open-ended end date: fine
    assert ("enterprises.csv", 8, "capital") not in notes
    dup = rj[rj["reason"].str.contains("address") & rj["reason"].str.contains("twice|2 times", regex=True)]
    assert len(dup) == 1 and dup["severity"].iloc[0] == "note" and "first" in dup["reason"].iloc[0]
    g = graph(tmp_path)
    e = g.run("MATCH (e:Enterprise) RETURN e.uid AS uid, e.founded AS f, e.capital AS cap, e.name AS n, "
              "e.address AS a").set_index("uid")
    assert pd.isna(e.loc[c[0], "f"]) and pd.isna(e.loc[c[1], "f"])
    assert e.loc[c[0], "a"] == "杭州一"                            # the first copy of the column is used
    assert all(pd.isna(e.loc[c[i], "cap"]) for i in (2, 3, 4))
    assert e.loc[c[6], "cap"] == pytest.approx(1_000_000)
    assert "\x00" not in e.loc[c[5], "n"] and e.loc[c[5], "n"].replace(" ", "") == "己公司"
    ev = g.run("MATCH (v:PenaltyEvent) RETURN v.uid AS uid, v.decided AS d").set_index("uid")
    assert pd.isna(ev.loc["AP:AP1", "d"]) and not pd.isna(ev.loc["AP:AP2", "d"])

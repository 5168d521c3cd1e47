"""The chunked load (issue 20, docs/scale.md) gives exactly what the whole-table load gives.

An extract read and cleaned in chunks of 1,000 records, and of a few records (to put chunk boundaries
everywhere: inside multi-line quoted fields' neighbourhood, between duplicates, between the names of a
shared legacy key), through the Parquet staging and DuckDB's cross-row steps, must give the same clean
tables (values, dtypes, index, column order), the same reject report (file, row, column, value, reason,
severity, in order), the same inputs in the manifest and the same row counts, and a load of it the same
graph: every node and edge with every property.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.etl import synth
from creditgraph.etl.chunked import read_clean_chunked
from creditgraph.etl.pipeline import run_load
from creditgraph.etl.profiles import load_profile
from creditgraph.etl.read import read_extract
from creditgraph.etl.report import RejectReport
from creditgraph.etl.transform import clean_tables
from creditgraph.graph.config import chunk_rows, load_settings
from creditgraph.graph.identifiers import make_resident_id, make_uscc
from tests.test_etl_load import write, write_extract
from tests.test_load_sequences import dump

REALDATA_PROFILE = Path(__file__).parent / "profiles" / "realdata-registry.yaml"


# ------------------------------------------------------------------ comparing


def same_clean(src: Path, rows: int, profile: str = "canonical", tmp: Path | None = None) -> dict[str, int]:
    """Read and clean ``src`` whole and in chunks of ``rows``; assert everything is the same; the table sizes."""
    prof = load_profile(profile)
    whole_rep, chunk_rep = RejectReport(), RejectReport()
    extract = read_extract(src, prof, whole_rep)
    whole = clean_tables(extract.tables, whole_rep, prof.flags, consume=True)
    got = read_clean_chunked(src, prof, chunk_rep, prof.flags, rows, (tmp or src.parent) / f"stage-{rows}")
    assert list(got.clean) == list(whole)
    for name, frame in whole.items():
        pd.testing.assert_frame_equal(got.clean[name], frame, check_exact=True, obj=f"clean {name}")
        pd.testing.assert_frame_equal(got.extract.tables[name], extract.tables[name].reset_index(drop=True),
                                      check_exact=True, obj=f"rows read of {name}")
    pd.testing.assert_frame_equal(chunk_rep.frame(), whole_rep.frame(), check_exact=True, obj="reject report")
    assert [vars(f) for f in got.extract.files] == [vars(f) for f in extract.files]
    assert got.extract.delivered == extract.delivered
    assert not (tmp or src.parent).joinpath(f"stage-{rows}").exists(), "the staging is removed"
    return {k: len(v) for k, v in whole.items()}


def cfg(root: Path, rows: int | None):
    return dataclasses.replace(load_settings(), store="embedded", db_path=root, id_key="chunk-key", chunk_rows=rows)


def manifest(rep) -> dict:
    return json.loads(Path(rep.manifest).read_text(encoding="utf-8"))


def same_graph(src: Path, work: Path, sizes: list[int], profile: str = "canonical") -> None:
    """Load ``src`` whole and in chunks of each size into fresh graphs: the same graph, report and counts."""
    want_rep = run_load(src, profile, cfg(work / "whole", None))
    want = dump(work / "whole")
    want_rejects = pd.read_parquet(Path(want_rep.run_dir) / "rejects.parquet")
    for rows in sizes:
        rep = run_load(src, profile, cfg(work / f"chunks-{rows}", rows))
        got = dump(work / f"chunks-{rows}")
        assert got.keys() == want.keys()
        for key in want:
            assert got[key] == want[key], f"{key} differs loaded in chunks of {rows}"
        pd.testing.assert_frame_equal(pd.read_parquet(Path(rep.run_dir) / "rejects.parquet"), want_rejects)
        assert rep.tables == want_rep.tables and rep.rejects == want_rep.rejects
        assert rep.graph == want_rep.graph
        m, w = manifest(rep), manifest(want_rep)
        assert m["tables"] == w["tables"] and m["inputs"] == w["inputs"] and m["counts"] == w["counts"]
        assert not list((work / f"chunks-{rows}" / "runs").glob("*.staging")), "the staging is removed"


# ------------------------------------------------------------------ a hand-made extract with every quirk


def _codes(n: int, start: int = 0) -> list[str]:
    return [make_uscc(f"91330100MA2C{i:05d}") for i in range(start, start + n)]


def quirky_extract(src: Path) -> Path:
    """tests/test_etl_load.py's extract (GB18030 and BOM files, mojibake, superseded penalties, unknown kinds,
    bad codes and IDs) and more sources of the same tables: a second enterprises file without some columns,
    with superseded rows, legacy codes shared by several names, quoted fields with newlines, bad and blank
    lines, a control character, an over-long field and a truncated last line; a workbook of two sheets;
    JSON lines whose keys vary, with broken lines; a GBK legal-reps file with a UTF-8 line and a repeated
    column; Parquet commitments; red lists as CSV with CRLF line ends."""
    write_extract(src)
    codes = _codes(40)
    reg = "330302000099991"
    lines = ["uscc,name,reg_no,founded,capital,address,legal_rep,updated_at"]
    for i, u in enumerate(codes[:30]):
        addr = f'"浙江省杭州市\n某路{i}号, 2楼"' if i % 4 == 0 else f"杭州市某路{i}号"
        lines.append(f"{u},杭州{i}号有限公司,,2010-01-{i % 28 + 1:02d},{i + 1}(万元),{addr},负责人{i},2024-01-0{i % 9 + 1}")
        if i % 6 == 0:  # a later delivery of the same company (superseded the earlier row, or not: same date)
            lines.append(f"{u},杭州{i}号有限公司（更正）,,2010-01-01,{i + 2}(万元),杭州,负责人{i},2024-01-0{i % 9 + 1}")
        if i % 7 == 3:
            lines.append("")  # blank line
        if i % 9 == 4:
            lines.append(f"{u},缺列公司,2010-01-01")  # wrong field count
        if i % 5 == 1:  # a legacy registration number several companies share
            lines.append(f",共享{i % 3}号厂,{reg},1999-01-01,5,温州,某人,2024-02-01")
    lines.append(f"{codes[30]},控制\x01字符公司,,2001-01-01,1,杭州,某人,2024-01-01")
    lines.append(f"{codes[31]},超长地址公司,,2001-01-01,1,{'长' * 300},某人,2024-01-01")
    lines.append(f"{'9' * 300},超长代码公司,,2001-01-01,1,杭州,某人,2024-01-01")
    lines.append(f"{codes[32]},末行截断公司,,2001")  # truncated last line (no newline)
    write(src, "enterprises_b.csv", "\n".join(lines))
    sheet = pd.DataFrame({"uscc": codes[33:40] * 3, "name": [f"表格{i}公司" for i in range(21)],
                          "founded": ["2015-01-01"] * 20 + ["2019-02-30"], "updated_at": ["2024-03-01"] * 21})
    with pd.ExcelWriter(src / "enterprises_c.xlsx", engine="openpyxl") as xw:
        sheet.to_excel(xw, sheet_name="S1", index=False)
        pd.DataFrame({"说明": ["导出说明"]}).to_excel(xw, sheet_name="说明", index=False)
    recs = []
    for i in range(25):
        r = {"kind": "行政处罚", "record_id": f"JP{i % 20:03d}", "subject_uscc": codes[i % 30],
             "decided": f"2023-0{i % 9 + 1}-01", "amount": 1000 + i, "updated_at": f"2024-01-{i % 28 + 1:02d}"}
        if i >= 12:
            r["authority"] = f"某局{i}"  # a key only the later lines have
        recs.append(json.dumps(r, ensure_ascii=False))
    recs[5] = '{"kind": "行政处罚", "record_id": '  # broken line
    recs[9] = "[1, 2]"  # not an object
    recs.insert(14, "")
    write(src, "penalties_d.jsonl", "\n".join(recs) + "\n")
    ids = [make_resident_id(f"3301061980010{i:04d}") for i in range(20)]
    lr = ["enterprise_uscc,person_name,id_no,position,position,updated_at"]
    lr += [f"{codes[i]},法人{i},{ids[i]},执行董事,经理,2024-01-01" for i in range(20)]
    body = ("\n".join(lr) + "\n").encode("gbk")
    body += f"{codes[21]},混合€,,董事,,2024-01-01\n".encode("utf-8")  # a UTF-8 line in a GBK file
    body += f"{codes[22]},坏字节".encode("gbk") + b"\xff" + ",,董事,,2024-01-01\n".encode("gbk")  # not text in either: U+FFFD
    body += "\n".join(lr[1:4]).encode("gbk") + b"\n"
    (src / "legal_reps_gbk.csv").write_bytes(body)
    pd.DataFrame({"kind": ["告知承诺"] * 15, "record_id": [f"C{i}" for i in range(15)],
                  "subject_uscc": codes[:15], "status": ["已履约", "违诺", "?"] * 5, "made": ["2023-01-01"] * 15,
                  "updated_at": ["2024-01-01"] * 15}).to_parquet(src / "commitments.parquet", index=False)
    rl = ["kind,record_id,subject_uscc,entered,status,updated_at"]
    rl += [f"A级纳税人,R{i % 10},{codes[i]},2022-01-01,有效,2024-01-{i + 1:02d}" for i in range(16)]
    write(src, "red_lists.csv", "\r\n".join(rl) + "\r\n")
    # read whole, then cut in chunks: a quote inside an unquoted field (the csv module's path), a JSON array
    write(src, "enterprises_e.csv", "uscc,name,address\n" + "".join(
        f"{u},乙\"{i}公司,{'x' * (250 if i == 3 else 5)}\n" for i, u in enumerate(_codes(12, 100))))
    write(src, "cluster_addresses.json", json.dumps([{"address": f"杭州市某路{i}号", "name": f"园区{i}"}
                                                      for i in range(12)] + [{"name": "无地址"}], ensure_ascii=False))
    return src


@pytest.fixture
def field_limit(monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_MAX_FIELD_CHARS", "200")


def test_a_quirky_extract_cleans_the_same_in_chunks_of_any_size(tmp_path, field_limit):
    src = quirky_extract(tmp_path / "src")
    sizes = {rows: same_clean(src, rows, tmp=tmp_path) for rows in (1, 2, 3, 7, 1000)}
    assert len(set(map(str, sizes.values()))) == 1
    rep = RejectReport()
    prof = load_profile("canonical")
    clean_tables(read_extract(src, prof, rep).tables, rep, prof.flags)
    report = rep.frame()
    for what in ("superseded", "rejected", "note"):
        assert (report["severity"] == what).any()  # the extract exercises each kind of entry
    assert report["reason"].str.contains("shared by companies with different names").any()
    assert report["reason"].str.contains("field longer than 200").any()
    assert report["reason"].str.contains("invalid JSON").any()
    assert report["reason"].str.contains("(file mixes encodings)", regex=False).any()
    assert report["reason"].str.contains("U+FFFD", regex=False).any()


def test_a_quirky_extract_loads_the_same_graph_in_chunks(tmp_path, field_limit):
    src = quirky_extract(tmp_path / "src")
    same_graph(src, tmp_path, [7, 1000])


# ------------------------------------------------------------------ synthetic extracts


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """5,000 enterprises with 2% rows broken on purpose (about 21,000 rows in 8 files), and second deliveries:
    1,500 enterprises and 150 penalties again (later, earlier or at the same time, some renamed), and legacy
    registration numbers each shared by several company names, spread over the files."""
    out = tmp_path_factory.mktemp("synth") / "src"
    synth.generate(5000, 20, out, bad_rows=0.02)
    ents = pd.read_csv(out / "enterprises.csv", dtype=str, keep_default_na=False)
    again = ents.sample(1500, random_state=1).reset_index(drop=True)
    again.loc[:499, "updated_at"] = "2027-01-01 08:00:00"  # wins
    again.loc[500:999, "updated_at"] = "2020-01-01"  # loses; the last 500 tie with the first delivery: the later row wins
    again.loc[::3, "name"] = again.loc[::3, "name"] + "（更名）"
    legacy = ents.sample(600, random_state=2).reset_index(drop=True)
    legacy["uscc"] = [f"33010200{i % 40:07d}" for i in range(600)]  # 40 registration numbers, 15 names each
    legacy["subject_id"] = ""
    pd.concat([again, legacy]).sample(frac=1, random_state=3).to_csv(out / "enterprises_again.csv", index=False)
    pens = pd.read_csv(out / "penalties.csv", dtype=str, keep_default_na=False)
    later = pens.sample(150, random_state=4)
    later["updated_at"] = "2027-02-01"
    later["result"] = "罚款1000元"
    later.to_csv(out / "penalties_again.csv", index=False)
    return out


def test_a_synthetic_extract_loads_the_same_graph_in_chunks_of_1000(synthetic, tmp_path):
    sizes = same_clean(synthetic, 1000, tmp=tmp_path)
    assert sizes["enterprises"] > 5000
    same_graph(synthetic, tmp_path, [1000])
    report = pd.read_parquet(next((tmp_path / "whole" / "runs").glob("*/rejects.parquet")))
    assert (report["severity"] == "superseded").sum() > 1000
    assert report["reason"].str.contains("shared by companies with different names").sum() > 100


@pytest.mark.parametrize("kind", ["gb18030", "parquet", "zj-warehouse"])
def test_synthetic_variants_clean_the_same_in_chunks(kind, tmp_path):
    src = tmp_path / "src"
    kw = {"gb18030": {"encoding": "gb18030"}, "parquet": {"fmt": "parquet"}, "zj-warehouse": {"profile": "zj-warehouse"}}
    synth.generate(1000, 3, src, bad_rows=0.03, **kw[kind])
    same_clean(src, 1000, "zj-warehouse" if kind == "zj-warehouse" else "canonical", tmp=tmp_path)
    same_clean(src, 333, "zj-warehouse" if kind == "zj-warehouse" else "canonical", tmp=tmp_path)


@pytest.mark.realdata
def test_real_registry_rows_clean_the_same_in_chunks(realdata, tmp_path):
    same_clean(realdata / "registry", 1000, str(REALDATA_PROFILE), tmp=tmp_path)


# ------------------------------------------------------------------ the setting


def test_chunk_rows_setting(monkeypatch):
    assert chunk_rows(None) is None and chunk_rows("") is None and chunk_rows("250_000") == 250_000
    with pytest.raises(ValueError, match="whole number"):
        chunk_rows("many")
    with pytest.raises(ValueError, match="at least 1"):
        chunk_rows("-5")
    monkeypatch.setenv("CREDITGRAPH_CHUNK_ROWS", "5000")
    assert load_settings().chunk_rows == 5000
    monkeypatch.delenv("CREDITGRAPH_CHUNK_ROWS")
    assert load_settings().chunk_rows is None


def test_cli_load_in_chunks(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from creditgraph.app.cli import app

    src = tmp_path / "src"
    write(src, "enterprises.csv", "uscc,name\n" + "".join(f"{u},公司{i}\n" for i, u in enumerate(_codes(12))))
    monkeypatch.setenv("CREDITGRAPH_ID_KEY", "chunk-key")
    res = CliRunner().invoke(app, ["load", str(src), "--db", str(tmp_path / "graph"), "--chunk-rows", "5", "--no-grade"])
    assert res.exit_code == 0, res.output
    runs = list((tmp_path / "graph" / "runs").glob("*/manifest.json"))
    assert len(runs) == 1 and not list((tmp_path / "graph" / "runs").glob("*.staging"))
    assert json.loads(runs[0].read_text(encoding="utf-8"))["tables"]["enterprises"]["read"] == 12
    assert len(dump(tmp_path / "graph")["Enterprise"]) == 12
    res = CliRunner().invoke(app, ["load", str(src), "--db", str(tmp_path / "graph"), "--chunk-rows", "0"])
    assert res.exit_code != 0  # at least 1


def test_only_the_known_steps_of_the_cleaner_look_across_rows():
    """RowCleaner leaves out _dedupe and _shared_legacy_keys, done in DuckDB over the staging; a table method
    that grouped, counted or dropped duplicates anywhere else would clean a chunk differently from the table."""
    import inspect
    import re

    from creditgraph.etl import transform
    from creditgraph.etl.staging import RowCleaner

    cross = re.compile(r"groupby|duplicated|drop_duplicates|value_counts|nunique|\.transform\(|\.rank\(|\.cum\w+\(|\.shift\(")
    found = {name for name, fn in inspect.getmembers(transform.Cleaner, inspect.isfunction)
             if cross.search(inspect.getsource(fn))}
    assert found == {"_dedupe", "_shared_legacy_keys"}
    assert {n for n in ("_dedupe", "_shared_legacy_keys") if n in vars(RowCleaner)} == found
    assert not {name for name, fn in inspect.getmembers(transform, inspect.isfunction)
                if fn.__module__ == transform.__name__ and cross.search(inspect.getsource(fn))}

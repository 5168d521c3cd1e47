"""The command line as a newcomer meets it: a load says why rows did not load and which columns went
unused, extra files in an extract folder are passed over (not an error), ``serve`` refuses a folder
with no graph (and writes nothing there), and options that take one of a few words say which."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from creditgraph.app import cli, cli_summary
from creditgraph.app.cli import app
from creditgraph.etl.report import RejectReport
from creditgraph.graph.identifiers import make_uscc
from tests.test_etl_load import write

runner = CliRunner()
U = [make_uscc(f"91330100MA2C0000{i}") for i in range(3)]
# a user's profile: maps `clrq` (not in the file below) and leaves the file's `zcdz` and `bz` unmapped
PROFILE = ("name: my-city\ntables:\n  enterprises:\n    files: ['*qyjbxx*']\n"
           "    columns: {uscc: tyshxydm, name: qymc, founded: clrq}\n")


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_ID_KEY", "test-key")
    monkeypatch.delenv("CREDITGRAPH_STORE", raising=False)
    monkeypatch.delenv("CREDITGRAPH_AUDIT_LOG", raising=False)


def city_extract(tmp_path: Path) -> tuple[Path, Path]:
    prof = tmp_path / "my.yaml"
    prof.write_text(PROFILE, encoding="utf-8")
    src = write(tmp_path / "src", "qyjbxx_202611.csv", "tyshxydm,qymc,zcdz,bz\n"
                f"{U[0]},甲公司,湖州某路1号,x\n{U[1]},,湖州某路2号,y\n{U[2]},,湖州某路3号,z\n,丁公司,湖州某路4号,w\n").parent
    return src, prof


def manifest(stdout_json: dict) -> dict:
    return json.loads(Path(stdout_json["manifest"]).read_text(encoding="utf-8"))


# --------------------------------------------------------------- 1. why rows did not load


def test_top_reasons_are_counted_per_table_column_and_reason_commonest_first():
    rep = RejectReport()
    frame = pd.DataFrame({"_file": ["a.csv"] * 5, "_row": [2, 3, 4, 5, 6], "name": ["", "", "", "x", "y"]})
    rep.add(frame, [True, True, True, False, False], "name", "required field name is empty", table="enterprises")
    rep.add(frame, [False, False, False, True, False], "uscc", "no key", table="enterprises")
    rep.add(frame, [False, False, False, False, True], "founded", "not a date", table="enterprises", severity="note")
    rep.add_file("b.csv", "missing required column 'qymc'", table="enterprises", column="qymc")
    top = rep.top_reasons(5)
    assert top[0] == {"table": "enterprises", "column": "name", "reason": "required field name is empty", "count": 3}
    assert [r["count"] for r in top] == [3, 1, 1]  # the note is not a reject
    assert {r["column"] for r in top[1:]} == {"uscc", "qymc"}
    assert rep.top_reasons(1) == top[:1]
    assert RejectReport().top_reasons() == []


def test_load_summary_names_the_top_reject_reasons_and_the_unused_and_missing_columns(tmp_path):
    src, prof = city_extract(tmp_path)
    res = runner.invoke(app, ["load", str(src), "-p", str(prof), "--db", str(tmp_path / "g")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "why rows did not load" in out
    assert "required field name is empty" in out and "│ 2 │" in out  # table, column, reason, count
    assert "no key" in out
    assert "columns mapped to no field (not loaded): 'zcdz', 'bz'" in out
    warning = " ".join(res.stderr.split())
    assert "the profile names column(s) this file does not have: 'clrq'" in warning


def test_json_summary_and_manifest_carry_the_reasons_and_the_columns(tmp_path):
    src, prof = city_extract(tmp_path)
    res = runner.invoke(app, ["load", str(src), "-p", str(prof), "--db", str(tmp_path / "g"), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    top = rep["reject_reasons"]
    assert top[0] == {"table": "enterprises", "column": "name", "reason": "required field name is empty", "count": 2}
    assert sum(r["count"] for r in top) == 3
    (entry,) = rep["files"]
    assert entry["unmapped_columns"] == ["zcdz", "bz"] and entry["missing_columns"] == ["clrq"]
    m = manifest(rep)
    assert m["reject_reasons"] == top and m["inputs"][0]["missing_columns"] == ["clrq"]
    assert "clrq" in res.stderr  # the warning goes to stderr, beside the JSON


def test_a_missing_profile_column_is_a_yellow_warning_on_stderr(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(cli_summary, "err", Console(file=buf, force_terminal=True, color_system="standard", width=300))
    cli_summary.warn_file_columns([{"path": "x.csv", "missing_columns": ["clrq"]}, {"path": "y.csv"}])
    text = buf.getvalue()
    assert "\x1b[33m" in text and "x.csv" in text and "'clrq'" in text and "y.csv" not in text


# --------------------------------------------------------------- 2. extra files in the extract folder


def test_files_that_match_no_table_are_listed_as_ignored_and_the_load_exits_0(tmp_path):
    src = write(tmp_path / "src", "enterprises.csv", f"uscc,name\n{U[0]},甲公司\n").parent
    (src / "README").write_text("what this extract holds\n", encoding="utf-8")
    (src / "notes.txt").write_text("exported 2026-11-01\n", encoding="utf-8")
    (src / "truth.json").write_text("{}", encoding="utf-8")
    with pd.ExcelWriter(src / "说明.xlsx", engine="openpyxl") as xw:  # a workbook named after no table
        pd.DataFrame({"说明": ["本表由某系统导出"]}).to_excel(xw, sheet_name="Sheet1", index=False)
    res = runner.invoke(app, ["load", str(src), "--db", str(tmp_path / "g"), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    ignored = {Path(i["path"]).name: i["reason"] for i in rep["ignored"]}
    assert set(ignored) == {"README", "notes.txt", "truth.json", "说明.xlsx"}
    assert "no table of profile 'canonical'" in ignored["notes.txt"] and "file type" in ignored["README"]
    assert not [f for f in rep["files"] if f["error"]]
    assert {Path(i["path"]).name for i in manifest(rep)["ignored"]} == set(ignored)
    rejects = pd.read_csv(Path(rep["run_dir"]) / "rejects.csv", dtype=str, keep_default_na=False)
    assert not rejects["file"].str.contains("notes.txt|truth.json|README").any()
    assert rep["tables"]["enterprises"]["loaded"] == 1
    text = runner.invoke(app, ["load", str(src), "--db", str(tmp_path / "g2")])
    assert text.exit_code == 0 and "ignored: " in text.stdout and "notes.txt" in text.stdout


def test_a_file_that_matches_a_table_but_cannot_be_read_still_exits_3(tmp_path):
    src = write(tmp_path / "src", "enterprises.csv", f"uscc,name\n{U[0]},甲公司\n").parent
    (src / "notes.txt").write_text("exported 2026-11-01\n", encoding="utf-8")
    (src / "enterprises_b.xlsx").write_bytes(b"not a workbook")
    res = runner.invoke(app, ["load", str(src), "--db", str(tmp_path / "g"), "--json"])
    assert res.exit_code == 3, res.output
    rep = json.loads(res.stdout)
    assert [Path(f["path"]).name for f in rep["files"] if f["error"]] == ["enterprises_b.xlsx"]
    assert [Path(i["path"]).name for i in rep["ignored"]] == ["notes.txt"]


def test_a_folder_of_only_unmatched_files_is_fatal_and_says_so(tmp_path):
    src = write(tmp_path / "src", "notes.txt", "exported 2026-11-01\n").parent
    res = runner.invoke(app, ["load", str(src), "--db", str(tmp_path / "g")])
    assert res.exit_code == 1
    assert "no file name matches a table of profile 'canonical'" in " ".join(res.output.split())


# --------------------------------------------------------------- 3. serve on a folder without a graph


@pytest.mark.parametrize("kind", ["empty", "absent"])
def test_serve_refuses_a_folder_with_no_graph_and_writes_nothing_there(tmp_path, monkeypatch, kind):
    monkeypatch.setattr("creditgraph.app.serve.run", lambda *a, **k: pytest.fail("served a folder with no graph"))
    db = tmp_path / "db"
    if kind == "empty":
        db.mkdir()
    res = runner.invoke(app, ["serve", "--db", str(db), "--port", "8599"])
    assert res.exit_code == 1, res.output
    msg = " ".join(res.output.split())
    assert f"no graph at {db}" in msg
    assert f"`creditgraph load PATH --db {db}`" in msg and f"`creditgraph demo --db {db}`" in msg
    assert (sorted(db.iterdir()) == []) if kind == "empty" else not db.exists()


def test_serve_starts_on_a_folder_that_holds_a_graph(tmp_path, monkeypatch):
    served = []
    monkeypatch.setattr("creditgraph.app.serve.run", lambda *a, **k: served.append(a) or 0)
    src = write(tmp_path / "src", "enterprises.csv", f"uscc,name\n{U[0]},甲公司\n").parent
    assert runner.invoke(app, ["load", str(src), "--db", str(tmp_path / "g")]).exit_code == 0
    res = runner.invoke(app, ["serve", "--db", str(tmp_path / "g"), "--port", "8599"])
    assert res.exit_code == 0, res.output
    assert served and served[0][1] == 8599


def test_serve_help_says_what_happens_to_a_folder_without_a_graph():
    out = " ".join(runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "nothing is served and nothing is written there" in out.replace("│ ", "")


# --------------------------------------------------------------- 5. options that take one of a few words


def test_word_options_are_enums_matching_what_the_code_accepts():
    from creditgraph.etl.refresh import MODES
    from creditgraph.etl.synth.base import ENCODINGS, FORMATS, PROFILES

    assert tuple(m.value for m in cli.RefreshMode) == MODES
    assert tuple(m.value for m in cli.SynthProfile) == PROFILES
    assert tuple(m.value for m in cli.SynthFormat) == FORMATS
    assert tuple(m.value for m in cli.CsvEncoding) == ENCODINGS


@pytest.mark.parametrize("args", [["synth", "--format", "xls"], ["synth", "--encoding", "latin-1"],
                                  ["synth", "--profile", "other"], ["refresh", "x", "--mode", "sometimes"]])
def test_a_word_outside_the_choices_is_a_usage_error_naming_them(args, tmp_path):
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "o")] if args[0] == "synth" else args)
    assert res.exit_code == 2, res.output
    assert "Invalid value" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_the_chosen_word_reaches_the_generator_as_plain_text(tmp_path, monkeypatch):
    seen = {}

    def generate(**kw):
        seen.update(kw)
        return {"files": {}, "rows": 0, "seconds": 0.0, "ground_truth": str(tmp_path / "gt.json")}

    monkeypatch.setattr("creditgraph.etl.synth.generate", generate)
    res = runner.invoke(app, ["synth", "-n", "500", "--profile", "zj-warehouse", "--format", "parquet",
                              "--encoding", "gb18030", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert (seen["profile"], seen["fmt"], seen["encoding"]) == ("zj-warehouse", "parquet", "gb18030")
    assert all(type(seen[k]) is str for k in ("profile", "fmt", "encoding"))
    help_text = runner.invoke(app, ["refresh", "--help"], env={"COLUMNS": "200"}).output
    assert "auto|incremental|snapshot" in help_text

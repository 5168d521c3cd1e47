"""The load summary counts what was written (issue 13, section 3): rows that became graph records,
officer rows on their own line, and no row that is neither loaded nor reported."""
from __future__ import annotations

from typer.testing import CliRunner

from creditgraph.app.cli import app
from creditgraph.graph.identifiers import make_resident_id, make_uscc
from creditgraph.etl.pipeline import run_load
from tests.test_etl_load import settings, write

U = [make_uscc(f"91330100MA2C0000{i}") for i in range(3)]
ID = make_resident_id("33020219800101123")


def officers_extract(folder):
    write(folder, "enterprises.csv", "uscc,name,legal_rep,updated_at\n"
          + "".join(f"{u},杭州第{i}号有限公司,张三,2024-01-01\n" for i, u in enumerate(U)))
    write(folder, "legal_reps.csv", "enterprise_uscc,person_name,id_no,position,is_legal_rep,updated_at\n"
          f"{U[0]},张三,{ID},执行董事,1,2024-01-01\n"
          f"{U[0]},李四,,监事,0,2024-01-01\n"
          f"{U[1]},王五,,董事,否,2024-01-01\n"
          f"{U[1]},张三,{ID},执行董事,1,2024-01-01\n")
    write(folder, "penalties.csv", "kind,record_id,subject_uscc,subject_name,person_name,decided,reason,updated_at\n"
          f"administrative_penalty,AP1,{U[0]},杭州第0号有限公司,,2023-05-01,虚假宣传,2024-01-01\n"
          "dishonest_debtor,DD1,,,,2023-05-01,拒不履行,2024-01-01\n")  # a penalised person with no name and no ID
    return folder


def test_loaded_counts_rows_that_became_records_and_officers_apart(tmp_path):
    rep = run_load(officers_extract(tmp_path / "src"), "canonical", settings(tmp_path))
    reps = rep.tables["legal_reps"]
    assert reps == {"read": 4, "loaded": 2, "rejected": 0, "superseded": 0, "officers": 2, "unaccounted": 0}
    pens = rep.tables["penalties"]
    assert pens["loaded"] == 1 and pens["rejected"] == 1 and pens["unaccounted"] == 0
    assert all(t["unaccounted"] == 0 for t in rep.tables.values())


def test_the_summary_prints_officer_rows_on_their_own_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_ID_KEY", "test-key")
    res = CliRunner().invoke(app, ["load", str(officers_extract(tmp_path / "src")), "--db", str(tmp_path / "g")])
    assert res.exit_code == 0, res.output
    assert "legal_reps: 2 rows name other officers" in " ".join(res.output.split())
    again = CliRunner().invoke(app, ["load", str(tmp_path / "src"), "--db", str(tmp_path / "g")])
    assert again.exit_code == 0
    assert "nothing written" in " ".join(again.output.split())


def test_rows_the_reader_repaired_load_and_are_counted_loaded(tmp_path):
    """A UTF-8 file with one line in GBK (decoded as GB18030) and one with a byte neither can read (U+FFFD):
    the reader notes both (file and row) and keeps them; the first loads, the second is rejected by the name
    check (mojibake). Each row is counted once: the reader's notes are not rejections (they were, and the
    counts came out one row short)."""
    src = tmp_path / "src"
    header = "uscc,name,legal_rep,updated_at\n"
    body = (header + f"{U[0]},杭州第0号有限公司,张三,2024-01-01\n").encode("utf-8")
    body += f"{U[1]},杭州第1号有限公司,李四,2024-01-01\n".encode("gbk")
    body += f"{U[2]},杭州第2号".encode("utf-8") + b"\xff" + "有限公司,王五,2024-01-01\n".encode("utf-8")
    src.mkdir()
    (src / "enterprises.csv").write_bytes(body)
    rep = run_load(src, "canonical", settings(tmp_path))
    assert rep.tables["enterprises"] == {"read": 3, "loaded": 2, "rejected": 1, "superseded": 0, "officers": 0,
                                         "unaccounted": 0}
    assert rep.rejects == {"rejected": 1, "superseded": 0, "note": 2}

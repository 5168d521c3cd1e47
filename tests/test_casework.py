"""Objections and credit repairs worked in the tool (etl/casework.py, app/casework.py), on both stores:
a disputed record leaves every punishment use (repeat offenders, shell score, credit grade) and comes
back when the objection is withdrawn, a
refresh that re-delivers it keeps the dispute, and a repair granted in the tool gives the graph the
same repair arriving in an extract gives."""
from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from creditgraph.app import casework
from creditgraph.etl import casework as cw
from creditgraph.etl.pipeline import run_load
from creditgraph.etl.refresh import run_refresh
from creditgraph.queries import repeat_offenders, shell_company_candidates
from creditgraph.queries.grade import grade_all
from tests.test_etl_load import ENT_HEADER, U1, U2, write

PEN_HEADER = "kind,record_id,subject_uscc,subject_name,decided,reason,result,amount,removed,removal_reason,status,updated_at\n"
AO_REASON = "通过登记的住所或者经营场所无法联系"
REPAIR_REASON = "已完成信用修复"
AS_OF = "2024-12-31"


def penalties(ao_status: str = "", ap1: str = ",,") -> str:
    """U1: three events within two years (a repeat offender; the AO listing is the shell 'unreachable'
    signal). ``ap1``: removed,removal_reason,status of AP:P1."""
    return (PEN_HEADER
            + f"行政处罚,P1,{U1},湖州某某贸易有限公司,2023-01-05,违规经营,罚款2000元,2000,{ap1},2024-01-01\n"
            + f"行政处罚,P2,{U1},湖州某某贸易有限公司,2023-06-05,违规经营,罚款3000元,3000,,,,2024-01-01\n"
            + f"经营异常名录,P3,{U1},湖州某某贸易有限公司,2024-02-01,{AO_REASON},,,,,{ao_status},2024-01-01\n"
            + f"行政处罚,P4,{U2},宁波甲乙电子商行,2023-03-01,虚假宣传,罚款500元,500,,,,2024-01-01\n")


def extract(folder, **kw):
    write(folder, "enterprises.csv", ENT_HEADER + f"{U1},湖州某某贸易有限公司,,存续,2015-6-16,,10,湖州,,,,2024-01-01\n"
          + f"{U2},宁波甲乙电子商行,,存续,2016-1-1,,10,宁波,,,,2024-01-01\n")
    write(folder, "penalties.csv", penalties(**kw))
    return folder


def event(open_graph, uid: str) -> dict:
    with open_graph() as g:
        df = g.nodes_by("PenaltyEvent", "uid", [uid], ["status", "prior_status", "objection", "removed", "removal_reason",
                                                       "amount"])
    row = df.iloc[0].to_dict()
    row["removed"] = None if pd.isna(row["removed"]) else pd.Timestamp(row["removed"]).date().isoformat()
    return {k: (None if v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v) for k, v in row.items()}


def punished(open_graph) -> tuple[set, float, float]:
    """Who the repeat-offender list names, U1's shell score (0 when not scored) and U1's credit score."""
    with open_graph() as g:
        rep = repeat_offenders(g, as_of=AS_OF).table
        shell = shell_company_candidates(g, min_score=0.01, as_of=AS_OF).table
        grade = grade_all(g, as_of=AS_OF).set_index("uid").loc[U1, "score"]
    score = shell.loc[shell["uid"] == U1, "score"]
    return set(rep["uid"]), float(score.iloc[0]) if len(score) else 0.0, float(grade)


def test_a_disputed_record_leaves_punishment_use_and_comes_back_when_withdrawn(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src"), "canonical", s)
    before = punished(open_graph)
    assert U1 in before[0] and before[1] > 0

    case = casework.file_objection(s, "staff1", "AO:P3", "the company was reachable", on_behalf_of="湖州某某贸易有限公司")
    assert case["published"]["published"] and case["state"] == "open"
    ev = event(open_graph, "AO:P3")
    assert (ev["status"], ev["prior_status"], ev["objection"]) == ("disputed", "active", case["id"])
    during = punished(open_graph)
    assert U1 not in during[0] and during[1] < before[1] and during[2] > before[2]

    done = casework.review_objection(s, "supervisor1", case["id"], "withdrawn", "the subject withdrew it")
    assert done["state"] == "withdrawn"
    ev = event(open_graph, "AO:P3")
    assert (ev["status"], ev["prior_status"], ev["objection"]) == ("active", None, None)
    assert punished(open_graph) == before


def test_a_refresh_re_delivering_a_disputed_record_keeps_the_dispute(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src"), "canonical", s)
    case = casework.file_objection(s, "staff1", "AO:P3", "wrong address on file")
    again = run_refresh(extract(tmp_path / "src"), "canonical", s)
    assert again.status == "unchanged"  # the re-delivered active row is still the disputed record
    assert event(open_graph, "AO:P3")["status"] == "disputed"
    # the registry removes the listing meanwhile: the dispute holds it, and withdrawing gives "removed"
    moved = run_refresh(extract(tmp_path / "src2", ao_status="removed"), "canonical", s)
    assert moved.status == "refreshed"
    ev = event(open_graph, "AO:P3")
    assert (ev["status"], ev["prior_status"]) == ("disputed", "removed")
    casework.review_objection(s, "supervisor1", case["id"], "withdrawn", "moot")
    assert event(open_graph, "AO:P3")["status"] == "removed"


def test_upheld_and_corrected_objections_last_through_refreshes(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src"), "canonical", s)
    up = casework.file_objection(s, "staff1", "AO:P3", "never listed")
    casework.review_objection(s, "supervisor1", up["id"], "upheld", "listing was an error", day="2024-03-01")
    fix = casework.file_objection(s, "staff1", "AP:P2", "the fine was 300 yuan")
    casework.review_objection(s, "supervisor1", fix["id"], "corrected", "typo in the decision", {"amount": "300"})
    run_refresh(extract(tmp_path / "src"), "canonical", s)  # re-delivers both as the registry had them
    ao, ap = event(open_graph, "AO:P3"), event(open_graph, "AP:P2")
    assert (ao["status"], ao["removed"], ao["removal_reason"]) == ("withdrawn", "2024-03-01", "异议成立：listing was an error")
    assert (ap["status"], ap["amount"], ap["objection"]) == ("active", 300.0, None)


def test_a_repair_granted_in_the_tool_equals_the_same_repair_from_an_extract(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src"), "canonical", s)
    req = casework.request_repair(s, "staff1", "AP:P1", "fine paid, rectified", conditions=["罚款已缴纳", "整改完成"])
    with pytest.raises(cw.CaseError, match="not confirmed"):
        casework.decide_repair(s, "supervisor1", req["id"], "granted", REPAIR_REASON, ["罚款已缴纳"])
    casework.decide_repair(s, "supervisor1", req["id"], "granted", REPAIR_REASON, ["罚款已缴纳", "整改完成"], day="2024-05-01")
    with open_graph() as g:
        tool = g.run("MATCH (v:PenaltyEvent) RETURN v.uid AS uid, v.status AS status, v.removed AS removed, "
                     "v.removal_reason AS reason, v.objection AS objection ORDER BY uid")
        tool_rep = repeat_offenders(g, as_of=AS_OF).table["uid"].tolist()
    # the same repair, from the registry: a fresh graph (no casework) loaded from an extract that carries it
    import shutil

    shutil.rmtree(cw.casework_dir(s))
    if s.store == "embedded":
        s2 = dataclasses.replace(s, db_path=tmp_path / "graph2")
        from creditgraph.graph.embedded import EmbeddedStore

        def reader():
            return EmbeddedStore(s2.db_path, read_only=True)
    else:  # one Neo4j database: emptied, then loaded from the extract
        from tests.neo4j_fixture import neo4j_store_factory

        neo4j_store_factory(s.neo4j).close()  # wiped
        s2, reader = s, open_graph
    run_load(extract(tmp_path / "src2", ap1=f"2024-05-01,{REPAIR_REASON},"), "canonical", s2)
    with reader() as g:
        extracted = g.run("MATCH (v:PenaltyEvent) RETURN v.uid AS uid, v.status AS status, v.removed AS removed, "
                          "v.removal_reason AS reason, v.objection AS objection ORDER BY uid")
        ext_rep = repeat_offenders(g, as_of=AS_OF).table["uid"].tolist()
    pd.testing.assert_frame_equal(tool, extracted)
    assert tool.loc[tool["uid"] == "AP:P1", "status"].item() == "repaired"
    assert tool_rep == ext_rep


def test_a_refused_step_changes_nothing(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src"), "canonical", s)
    with pytest.raises(cw.CaseError, match="no penalty or list record"):
        casework.file_objection(s, "staff1", "AP:NOPE", "x")
    assert cw.read_cases(s) == {}
    case = casework.file_objection(s, "staff1", "AP:P4", "x")
    with pytest.raises(cw.CaseError, match="already has an open objection"):
        casework.file_objection(s, "staff1", "AP:P4", "again")
    casework.review_objection(s, "supervisor1", case["id"], "withdrawn", "ok")
    with pytest.raises(cw.CaseError, match="not open"):
        casework.review_objection(s, "supervisor1", case["id"], "upheld", "late")
    with pytest.raises(cw.CaseError, match="cannot be corrected"):
        cw.review_objection(s, case["id"], "corrected", "x", "y", {"kind": "serious_illegal"})
    assert event(open_graph, "AP:P4")["status"] == "active"


def test_an_objection_open_past_its_time_limit_is_overdue(tmp_path):
    from creditgraph.graph.config import Settings

    s = Settings(db_path=tmp_path / "graph")
    cw.file_objection(s, "AP:1", "staff1", "x", filed="2026-01-02")  # a Friday: 15 working days → 2026-01-23
    cw.file_objection(s, "AP:2", "staff1", "y", filed="2026-01-20")
    df = list_by_record(cw.list_cases(s, "objection", today="2026-01-26"))
    assert df.loc["AP:1", "deadline"] == "2026-01-23" and bool(df.loc["AP:1", "overdue"])
    assert not bool(df.loc["AP:2", "overdue"])
    cw.review_objection(s, df.loc["AP:1", "id"], "withdrawn", "r", "done")
    assert not cw.list_cases(s, "objection", today="2026-01-26")["overdue"].any()


def list_by_record(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("record")


def test_the_command_line_needs_the_casework_role_and_audits_each_step(tmp_path, monkeypatch):
    from creditgraph.app.audit import read_events
    from creditgraph.app.cli import app
    from creditgraph.graph.config import Settings

    db = tmp_path / "graph"
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    run_load(extract(tmp_path / "src"), "canonical", Settings(db_path=db))
    runner = CliRunner()
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "investigator")
    refused = runner.invoke(app, ["objection", "file", "AP:P4", "--reason", "x", "--db", str(db)])
    assert refused.exit_code == 77
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "supervisor")
    ok = runner.invoke(app, ["objection", "file", "AP:P4", "--reason", "not ours", "--db", str(db)])
    assert ok.exit_code == 0, ok.output
    listed = runner.invoke(app, ["objection", "list", "--json", "--db", str(db)])
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["record"], r["state"]) for r in rows] == [("AP:P4", "open")]
    bad = runner.invoke(app, ["objection", "review", rows[0]["id"], "--outcome", "maybe", "--reason", "x", "--db", str(db)])
    assert bad.exit_code == 1 and "outcome must be one of" in bad.output
    events = [e["event"] for e in read_events(Settings(db_path=db))]
    assert events.count("casework_objection_filed") == 1 and events.count("casework_objection_reviewed") == 1

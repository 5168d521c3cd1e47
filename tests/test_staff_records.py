"""Commitments and red-list entries recorded by staff (app/staff_records.py), on both stores: a staff
commitment verified as breached becomes a dishonesty event, a staff red-list entry shows and can be
removed, a registry snapshot never deletes staff records, and a bad row is refused with its reason."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from creditgraph.app import staff_records
from creditgraph.etl.casework import CaseError
from creditgraph.etl.pipeline import run_load
from creditgraph.etl.refresh import run_refresh
from tests.test_commitments_red_lists import CM, RL, extract
from tests.test_etl_load import U1, U2


def nodes(open_graph, label: str, uid: str, cols: list[str]) -> dict | None:
    with open_graph() as g:
        df = g.nodes_by(label, "uid", [uid], cols)
    return None if df.empty else df.iloc[0].to_dict()


def test_a_staff_commitment_verified_as_breached_becomes_a_dishonesty_event(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src", {"C2": CM["C2"]}, {}), "canonical", s)
    made = staff_records.record(s, "staff1", "commitments", {
        "subject_uscc": U1, "kind": "审批替代型", "matter": "三个月内补交消防验收材料", "made": "2024-01-10",
        "deadline": "2024-04-10", "authority": "湖州市行政审批局"})
    uid = made["uid"]
    assert made["published"] and nodes(open_graph, "Commitment", uid, ["status"])["status"] == "pending"
    breach = "CB:" + uid.removeprefix("CM:")
    assert nodes(open_graph, "PenaltyEvent", breach, ["kind"]) is None
    staff_records.record(s, "staff2", "commitments", {"record_id": uid.removeprefix("CM:"), "status": "违背承诺",
                                                       "verified": "2024-04-20"})
    cm = nodes(open_graph, "Commitment", uid, ["status", "matter", "made"])
    assert (cm["status"], cm["matter"]) == ("breached", "三个月内补交消防验收材料")  # the earlier fields kept
    ev = nodes(open_graph, "PenaltyEvent", breach, ["kind", "status", "source"])
    assert (ev["kind"], ev["status"], ev["source"]) == ("commitment_breach", "active", "staff")
    with open_graph() as g:
        subj = g.edges_by("PENALIZED", "Enterprise", "PenaltyEvent", [breach], by="dst")
    assert subj["src"].tolist() == [U1]
    # the registry's full snapshot of commitments knows nothing of it: the staff record stays
    run_refresh(extract(tmp_path / "snap", {"C2": CM["C2"]}, {}), "canonical", s, mode="snapshot")
    assert nodes(open_graph, "Commitment", uid, ["status"])["status"] == "breached"


def test_a_staff_red_list_entry_is_listed_and_removed_with_a_date(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src", {}, {"R1": RL["R1"]}), "canonical", s)
    made = staff_records.record(s, "staff1", "red_lists", {"subject_uscc": U2, "kind": "诚信示范企业",
                                                           "entered": "2024-03-01", "authority": "宁波市发改委"})
    entry = nodes(open_graph, "RedListEntry", made["uid"], ["kind", "status", "entered"])
    assert (entry["kind"], entry["status"]) == ("integrity_model", "active")
    staff_records.record(s, "staff1", "red_lists", {"record_id": made["record_id"], "removed": "2024-09-01",
                                                    "status": "removed"})
    entry = nodes(open_graph, "RedListEntry", made["uid"], ["status", "removed", "entered"])
    assert entry["status"] == "removed" and str(entry["entered"])[:10] == "2024-03-01"


def test_a_bad_staff_row_is_refused_with_its_reason_and_nothing_changes(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src", {"C2": CM["C2"]}, {}), "canonical", s)
    with pytest.raises(CaseError, match="rejected.*kind"):
        staff_records.record(s, "staff1", "commitments", {"subject_uscc": U1, "kind": "随便承诺", "made": "2024-01-10"})
    with pytest.raises(CaseError, match="not a commitments record staff entered"):
        staff_records.record(s, "staff1", "commitments", {"record_id": "C2", "status": "breached"})
    assert not (staff_records.staff_dir(s) / "commitments.csv").exists()


def test_the_command_line_records_a_red_list_entry(tmp_path, monkeypatch):
    from creditgraph.app.cli import app
    from creditgraph.graph.config import Settings
    from creditgraph.graph.embedded import EmbeddedStore

    db = tmp_path / "graph"
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "supervisor")
    run_load(extract(tmp_path / "src", {}, {}), "canonical", Settings(db_path=db))
    res = CliRunner().invoke(app, ["redlist", "add", "--subject", U1, "--kind", "A级纳税人", "--entered", "2024-05-01",
                                   "--db", str(db)])
    assert res.exit_code == 0, res.output
    with EmbeddedStore(db, read_only=True) as g:
        honored = g.edges_by("HONORED", "Enterprise", "RedListEntry", [U1], by="src")
    assert len(honored) == 1 and honored["dst"].iloc[0].startswith("RL:STAFF-RL-")
    assert "grades:" in res.output  # the published version was graded

"""Credit commitments (信用承诺) and red lists (红名单) through the ETL: kinds and statuses as sources write
them, a breached or false commitment's commitment_breach event, corrections, deletes, rejects, refresh
idempotence, full snapshots, and the synthetic generator's output. Both stores (``target``)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.etl import synth
from creditgraph.etl.pipeline import run_load
from creditgraph.etl.refresh import run_refresh
from tests.test_etl_load import ENT_HEADER, U1, U2, U3, rejects, write

REG = "330500000012345"  # a legacy registration number as the subject code
MASKED = "330222************"
CM_HEADER = ("record_id,kind,subject_uscc,subject_subject_id,subject_name,person_name,person_id_no,matter,made,deadline,"
             "status,verified,authority,region,change_flag,updated_at\n")
RL_HEADER = ("record_id,kind,list_name,subject_uscc,subject_name,entered,removed,status,authority,region,change_flag,"
             "updated_at\n")
PEN_HEADER = "kind,record_id,subject_uscc,subject_name,decided,reason,authority,region,updated_at\n"
AUTH = "湖州市市场监督管理局"
CM = {
    "C1": f"C1,审批替代型,{U1},,,,,按期补交材料,2023-01-01,2023-06-30,违背承诺,2023-07-15,{AUTH},330502,,2024-01-01\n",
    "C2": f"C2,告知承诺制,{U2},,,,,承诺按时缴纳社保,2023-02-01,2023-12-31,已履约,2024-01-02,{AUTH},330281,,2024-01-01\n",
    "C3": f"C3,self_published,{REG},,湖州老字号食品厂,,,承诺不销售假冒商品,2023-03-01,,,,{AUTH},330502,,2024-01-01\n",
    "C4": f"C4,行业自律,{MASKED},,张三,张三,,明码标价,2023-04-01,2023-10-01,虚假,,{AUTH},330222,,2024-01-01\n",
    "C8": f"C8,修复承诺,{U3},,,,,已整改完毕,2023-05-01,,失信,,{AUTH},,,2024-01-01\n",
}
CM_BAD = {
    "C5": f"C5,随便承诺,{U1},,,,,x,2023-01-01,,,,{AUTH},330502,,2024-01-01\n",
    "C6": f"C6,approval_substitute,{U1},,,,,x,2023-05-01,2023-04-01,,,{AUTH},330502,,2024-01-01\n",
    "C7": f"C7,repair,{U1},,,,,x,2023-05-01,,已作废,,{AUTH},330502,,2024-01-01\n",
}
RL = {
    "R1": f"R1,A级纳税人,,{U1},,2023-04-01,9999-9-9,,国家税务总局湖州市吴兴区税务局,330502,,2024-01-01\n",
    "R2": f"R2,诚信经营示范单位,,{U2},,2022-01-01,2023-12-31,,{AUTH},330281,,2024-01-01\n",
    "R3": f"R3,优秀民营企业,,{U3},,2022-06-01,,,{AUTH},,,2024-01-01\n",
    "R4": f"R4,contract_abiding,守合同重信用企业(省级),{REG},湖州老字号食品厂,2021-01-01,,有效,{AUTH},330502,,2024-01-01\n",
}
RL_BAD = {"R5": f",a_taxpayer,,{U1},,2023-04-01,,,{AUTH},330502,,2024-01-01\n"}


def extract(folder: Path, commitments: dict, red: dict, penalties: str = "") -> Path:
    write(folder, "enterprises.csv", ENT_HEADER
          + f"{U1},湖州某某贸易有限公司,,存续,2008-6-16,,10,湖州,330502,张三,,2024-01-01\n"
          + f"{U2},宁波甲乙电子商行,,存续,2016-1-1,,10,宁波,330281,,,2024-01-01\n"
          + f"{U3},温州丙丁科技有限公司,,存续,2016-1-1,,10,温州,330381,,,2024-01-01\n"
          + f"{REG},湖州老字号食品厂,,存续,1998-1-1,,10,湖州,330502,,,2024-01-01\n")
    write(folder, "commitments.csv", CM_HEADER + "".join(commitments.values()))
    write(folder, "red_lists.csv", RL_HEADER + "".join(red.values()))
    if penalties:
        write(folder, "penalties.csv", PEN_HEADER + penalties)
    return folder


def frame(open_graph, cypher: str) -> pd.DataFrame:
    """The rows of a query, nulls as None."""
    with open_graph() as g:
        df = g.run(cypher).astype(object)
    return df.where(df.notna(), None)


def commitments(open_graph) -> dict[str, dict]:
    df = frame(open_graph, "MATCH (s)-[:COMMITTED]->(c:Commitment) RETURN c.uid AS uid, c.kind AS kind, "
                           "c.status AS status, s.uid AS subject")
    return {r.uid: {"kind": r.kind, "status": r.status, "subject": r.subject} for r in df.itertuples()}


def breaches(open_graph) -> dict[str, dict]:
    df = frame(open_graph, "MATCH (s)-[p:PENALIZED]->(v:PenaltyEvent)-[:LOCATED_IN]->(r:Region) "
                           "WHERE v.kind = 'commitment_breach' RETURN v.uid AS uid, s.uid AS subject, p.role AS role, "
                           "v.reason AS reason, v.decided AS decided, v.status AS status, r.uid AS region")
    df["decided"] = pd.to_datetime(df["decided"]).dt.strftime("%Y-%m-%d")
    return {r.uid: {"subject": r.subject, "role": r.role, "reason": r.reason, "decided": r.decided, "status": r.status,
                    "region": r.region} for r in df.itertuples()}


def red_entries(open_graph) -> dict[str, dict]:
    df = frame(open_graph, "MATCH (s)-[:HONORED]->(r:RedListEntry) RETURN r.uid AS uid, r.kind AS kind, "
                           "r.list_name AS list_name, r.status AS status, s.uid AS subject")
    return {r.uid: {"kind": r.kind, "list_name": r.list_name, "status": r.status, "subject": r.subject}
            for r in df.itertuples()}


@pytest.fixture
def loaded(tmp_path, target):
    """The hand-written extract (good rows and bad ones) loaded into either store."""
    s, open_graph = target
    rep = run_load(extract(tmp_path / "src", {**CM, **CM_BAD}, {**RL, **RL_BAD},
                           f"commitment_breach,X1,{U1},,2023-01-01,违背承诺,{AUTH},330502,2024-01-01\n"
                           f"违背信用承诺,X2,{U1},,2023-01-01,违背承诺,{AUTH},330502,2024-01-01\n"), "canonical", s)
    return s, open_graph, rep


def test_kinds_statuses_and_subjects_load_as_sources_write_them(loaded):
    _, open_graph, rep = loaded
    cm = commitments(open_graph)
    assert set(cm) == {"CM:C1", "CM:C2", "CM:C3", "CM:C4", "CM:C8"}
    assert {u: (c["kind"], c["status"]) for u, c in cm.items()} == {
        "CM:C1": ("approval_substitute", "breached"), "CM:C2": ("approval_substitute", "kept"),
        "CM:C3": ("self_published", "pending"), "CM:C4": ("industry", "false"), "CM:C8": ("repair", "breached")}
    assert cm["CM:C1"]["subject"] == U1 and cm["CM:C3"]["subject"] == f"REG:{REG}"
    assert cm["CM:C4"]["subject"] == "NM:CM:C4:张三"  # a person known by name and a masked ID: this record's own
    rl = red_entries(open_graph)
    assert {u: (r["kind"], r["list_name"], r["status"], r["subject"]) for u, r in rl.items()} == {
        "RL:R1": ("a_taxpayer", None, "active", U1), "RL:R2": ("integrity_model", None, "removed", U2),
        "RL:R3": ("other", "优秀民营企业", "active", U3),
        "RL:R4": ("contract_abiding", "守合同重信用企业(省级)", "active", f"REG:{REG}")}
    assert rep.tables["commitments"] == {"read": 8, "loaded": 5, "rejected": 3, "superseded": 0, "officers": 0,
                                         "unaccounted": 0}
    assert rep.tables["red_lists"]["loaded"] == 4 and rep.tables["red_lists"]["rejected"] == 1
    assert rep.tables["penalties"]["rejected"] == 2 and rep.tables["penalties"]["unaccounted"] == 0


def test_bad_rows_are_rejected_with_file_row_column_and_reason(loaded):
    _, _, rep = loaded
    r = rejects(rep)
    r = r[r["severity"] == "rejected"]
    got = {(Path(f).name, int(row), c): reason for f, row, c, reason in zip(r["file"], r["row"], r["column"], r["reason"])}
    assert "unknown commitment kind" in got[("commitments.csv", 7, "kind")] and "审批替代型" in got[("commitments.csv", 7, "kind")]
    assert "deadline before" in got[("commitments.csv", 8, "deadline")]
    assert "unknown commitment status" in got[("commitments.csv", 9, "status")]
    assert "record_id" in got[("red_lists.csv", 6, "record_id")]
    for row in (2, 3):  # a penalties row cannot deliver a commitment breach
        assert "commitments table" in got[("penalties.csv", row, "kind")]


def test_a_breached_or_false_commitment_is_a_penalty_event_of_its_subject(loaded):
    _, open_graph, _ = loaded
    assert breaches(open_graph) == {
        "CB:C1": {"subject": U1, "role": "subject", "reason": "违背信用承诺：按期补交材料", "decided": "2023-07-15",
                  "status": "active", "region": "330502"},
        "CB:C4": {"subject": "NM:CM:C4:张三", "role": "subject", "reason": "虚假承诺：明码标价", "decided": "2023-10-01",
                  "status": "active", "region": "330222"},
        "CB:C8": {"subject": U3, "role": "subject", "reason": "违背信用承诺：已整改完毕", "decided": "2023-05-01",
                  "status": "active", "region": "330381"}}


def test_a_correction_to_kept_removes_the_breach_and_a_delete_flag_removes_the_record(loaded, tmp_path):
    s, open_graph, _ = loaded
    fix = {"C1": CM["C1"].replace("违背承诺", "已履约").replace(",,2024-01-01", ",u,2024-02-01"),
           "C8": CM["C8"].replace(",,2024-01-01", ",d,2024-02-01")}
    write(tmp_path / "fix", "commitments.csv", CM_HEADER + "".join(fix.values()))
    write(tmp_path / "fix", "red_lists.csv", RL_HEADER + RL["R2"].replace(",,2024-01-01", ",d,2024-02-01"))
    rep = run_refresh(tmp_path / "fix", "canonical", s)
    assert rep.rejects["rejected"] == 0
    cm = commitments(open_graph)
    assert cm["CM:C1"]["status"] == "kept" and "CM:C8" not in cm
    assert set(breaches(open_graph)) == {"CB:C4"}
    assert set(red_entries(open_graph)) == {"RL:R1", "RL:R3", "RL:R4"}
    assert rep.deleted == {"Commitment": 1, "PenaltyEvent": 2, "RedListEntry": 1}


def test_the_same_extract_twice_changes_nothing_and_a_new_subject_replaces_the_old(loaded, tmp_path):
    s, open_graph, _ = loaded
    again = run_refresh(tmp_path / "src", "canonical", s)
    assert again.status == "unchanged" and again.changes == 0
    moved = {"C1": CM["C1"].replace(U1, U2).replace(",,2024-01-01", ",u,2024-02-01"),
             "R1": RL["R1"].replace(U1, U3).replace(",,2024-01-01", ",u,2024-02-01")}
    write(tmp_path / "moved", "commitments.csv", CM_HEADER + moved["C1"])
    write(tmp_path / "moved", "red_lists.csv", RL_HEADER + moved["R1"])
    run_refresh(tmp_path / "moved", "canonical", s)
    assert commitments(open_graph)["CM:C1"]["subject"] == U2
    assert breaches(open_graph)["CB:C1"]["subject"] == U2
    assert red_entries(open_graph)["RL:R1"]["subject"] == U3
    assert len(frame(open_graph, "MATCH (e)-[:COMMITTED]->(c:Commitment {uid: 'CM:C1'}) RETURN e.uid AS u")) == 1
    assert len(frame(open_graph, "MATCH (e)-[:PENALIZED]->(c:PenaltyEvent {uid: 'CB:C1'}) RETURN e.uid AS u")) == 1
    assert run_refresh(tmp_path / "moved", "canonical", s).changes == 0


def test_snapshots_delete_stale_records_and_the_penalties_snapshot_leaves_breaches(tmp_path, target):
    s, open_graph = target
    run_load(extract(tmp_path / "src", CM, RL, f"administrative_penalty,AP1,{U1},,2023-01-01,虚假宣传,{AUTH},330502,2024-01-01\n"
                     f"administrative_penalty,AP2,{U2},,2023-01-01,虚假宣传,{AUTH},330502,2024-01-01\n"), "canonical", s)
    # the penalties snapshot covers every penalties kind but not commitment_breach (the commitments table's)
    write(tmp_path / "pen", "penalties.csv", PEN_HEADER + f"administrative_penalty,AP1,{U1},,2023-01-01,虚假宣传,{AUTH},330502,2024-01-01\n")
    rep = run_refresh(tmp_path / "pen", "canonical", s, mode="snapshot", max_delete=1.0)
    assert rep.deleted == {"PenaltyEvent": 1}
    assert set(breaches(open_graph)) == {"CB:C1", "CB:C4", "CB:C8"}
    # a commitments snapshot without C8 and C3, a red-list snapshot without R3: gone, C8's breach with it
    snap = {k: v for k, v in CM.items() if k not in ("C8", "C3")}
    write(tmp_path / "snap", "commitments.csv", CM_HEADER + "".join(snap.values()))
    write(tmp_path / "snap", "red_lists.csv", RL_HEADER + "".join(v for k, v in RL.items() if k != "R3"))
    rep = run_refresh(tmp_path / "snap", "canonical", s, mode="snapshot", max_delete=1.0)
    assert set(commitments(open_graph)) == {"CM:C1", "CM:C2", "CM:C4"}
    assert set(breaches(open_graph)) == {"CB:C1", "CB:C4"}
    assert set(red_entries(open_graph)) == {"RL:R1", "RL:R2", "RL:R4"}
    assert rep.deleted == {"Commitment": 2, "PenaltyEvent": 1, "RedListEntry": 1}
    assert rep.tables["commitments"]["deleted"] == 2 and rep.tables["red_lists"]["deleted"] == 1
    # a truncated snapshot is refused
    write(tmp_path / "cut", "commitments.csv", CM_HEADER + CM["C1"])
    with pytest.raises(Exception, match="max-delete"):
        run_refresh(tmp_path / "cut", "canonical", s, mode="snapshot", max_delete=0.25)


def test_synthetic_commitments_and_red_lists_load_with_the_expected_counts(tmp_path, target):
    s, open_graph = target
    synth.generate(2000, seed=5, out=tmp_path / "src")
    gt = json.loads((tmp_path / "src" / "ground_truth.json").read_text(encoding="utf-8"))
    rep = run_load(tmp_path / "src", "canonical", s)
    cm, rl = gt["commitments"], gt["red_lists"]
    assert rep.tables["commitments"]["loaded"] == cm["loadable"] and rep.tables["commitments"]["rejected"] == cm["rows"] - cm["loadable"]
    assert rep.tables["red_lists"]["loaded"] == rl["loadable"] and rep.tables["red_lists"]["rejected"] == rl["rows"] - rl["loadable"]
    assert 0.10 <= len(cm["breach_events"]) / cm["loadable"] <= 0.16
    assert sorted(breaches(open_graph)) == cm["breach_events"]
    got = commitments(open_graph)
    assert len(got) == cm["loadable"]
    assert {k: sum(c["status"] == k for c in got.values()) for k in cm["by_status"]} == cm["by_status"]
    assert {k: sum(c["kind"] == k for c in got.values()) for k in cm["by_kind"]} == cm["by_kind"]
    assert {u for u, c in got.items() if c["subject"].startswith("NM:")} == {"CM:" + r for r in cm["person_subjects"]}
    red = red_entries(open_graph)
    assert {k: sum(r["kind"] == k for r in red.values()) for k in rl["by_kind"]} == rl["by_kind"]
    listed = {r["subject"].removeprefix("REG:") for r in red.values() if r["status"] == "active"}
    assert listed == set(rl["red_listed"])
    for pair in gt["red_black_pairs"]:
        assert red[pair["red_entry"]]["subject"].removeprefix("REG:") == pair["red"] and pair["black_events"]


def test_a_breached_commitment_raises_the_subject_s_risk_and_lowers_its_grade_naming_it(tmp_path, target):
    """Through the ETL on both stores: U2 has two penalties; a breached commitment is its third dishonesty
    event within two years (a repeat offender now) and costs it grade points, the commitment named."""
    from creditgraph.queries import repeat_offenders
    from creditgraph.queries.grade import explain, grade_all

    s, open_graph = target
    pens = (f"行政处罚,P1,{U2},宁波甲乙电子商行,2023-03-01,虚假宣传,{AUTH},330281,2024-01-01\n"
            f"行政处罚,P2,{U2},宁波甲乙电子商行,2023-09-01,虚假宣传,{AUTH},330281,2024-01-01\n")
    kept = {"C2": CM["C2"]}
    breached = {"C2": CM["C2"].replace("已履约", "违背承诺")}
    run_load(extract(tmp_path / "kept", kept, {}, pens), "canonical", s)
    with open_graph() as g:
        before = grade_all(g, as_of="2024-06-30").set_index("uid").loc[U2]
        assert U2 not in set(repeat_offenders(g, as_of="2024-06-30").table["uid"])
    run_refresh(extract(tmp_path / "breached", breached, {}, pens), "canonical", s)
    with open_graph() as g:
        after = grade_all(g, as_of="2024-06-30").set_index("uid").loc[U2]
        assert U2 in set(repeat_offenders(g, as_of="2024-06-30").table["uid"])
    assert after["score"] < before["score"]
    cb = explain(after).set_index("code").loc["P_CB"]
    assert cb["points"] < 0 and "CM:C2" in cb["detail"] and "承诺按时缴纳社保" in cb["detail"]


@pytest.mark.realdata
def test_commitments_and_red_lists_attach_to_real_companies_by_the_code_as_written_and_are_graded(realdata, tmp_path):
    """One year of real Zhejiang registry rows; a commitments and a red-list extract name 200 of those
    companies by their USCC and the one whose code is an old 13-digit code, as written, some in lower
    case: each record attaches to the company that code names, and the grade names the breaches. (The
    year's other non-USCC "codes" are addresses shifted into the column: the ETL rejects records naming
    a company by those, which test_input_integrity covers.)"""
    import dataclasses

    from creditgraph.etl.encoding import read_text_table
    from creditgraph.graph import normalize as nz
    from creditgraph.graph.config import load_settings
    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.graph.identifiers import validate_uscc
    from creditgraph.queries.grade import explain, grade_all, load_rules

    s = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key="test-key")
    src = tmp_path / "y2000"
    src.mkdir()
    raw, _ = read_text_table(realdata / "registry" / "浙江" / "2000.csv")
    raw.to_csv(src / "2000.csv", index=False)
    run_load(src, str(Path(__file__).parent / "profiles" / "realdata-registry.yaml"), s)
    code = nz.clean_missing(raw["统一社会信用代码"].astype("string"))
    kind = validate_uscc(code)["kind"]
    valid = (kind == "uscc").to_numpy()
    unique = ~code.duplicated(keep=False).to_numpy() & code.notna().to_numpy()
    legacy = raw[unique & (kind != "uscc").to_numpy() & code.str.fullmatch(r"\d{13}").fillna(False).to_numpy()]
    picked = pd.concat([raw[unique & valid].head(200), legacy])
    assert len(legacy) == 1, "the year holds one company with an old 13-digit code"
    codes = picked["统一社会信用代码"].astype(str).tolist()
    codes = [c.lower() if i % 7 == 0 else c for i, c in enumerate(codes)]  # as some sources write them
    cm = "".join(f"R{i},审批替代型,{c},,,,,按期补交材料,2020-01-01,2020-06-30,{'违背承诺' if i % 3 == 0 else '已履约'},"
                 f"2020-07-01,{AUTH},,,2024-01-01\n" for i, c in enumerate(codes))
    rl = "".join(f"L{i},A级纳税人,,{c},,2021-01-01,,,{AUTH},,,2024-01-01\n" for i, c in enumerate(codes))
    write(tmp_path / "credit", "commitments.csv", CM_HEADER + cm)
    write(tmp_path / "credit", "red_lists.csv", RL_HEADER + rl)
    rep = run_refresh(tmp_path / "credit", "canonical", s, mode="incremental")
    assert rep.rejects["rejected"] == 0, rep.reject_reasons
    with EmbeddedStore(s.db_path, read_only=True) as g:
        committed = g.run("MATCH (e:Enterprise)-[:COMMITTED]->(c:Commitment) RETURN c.source_id AS rid, e.name AS name")
        honored = g.run("MATCH (e:Enterprise)-[:HONORED]->(r:RedListEntry) RETURN r.source_id AS rid, e.name AS name")
        grades = grade_all(g, as_of="2024-01-01").set_index("uid")
        subject = g.run("MATCH (e:Enterprise)-[:COMMITTED]->(c:Commitment) RETURN c.source_id AS rid, e.uid AS uid")
    names = dict(zip([f"R{i}" for i in range(len(codes))], nz.clean_missing(picked["企业名称"].astype("string"))))
    assert len(committed) == len(codes) and dict(zip(committed["rid"], committed["name"])) == names
    assert len(honored) == len(codes)
    assert grades["grade"].notna().all() and len(grades) >= len(raw) * 0.95
    for rid, uid in zip(subject["rid"], subject["uid"]):
        reasons = explain(grades.loc[uid])
        assert ("P_CB" in set(reasons["code"])) == (int(rid[1:]) % 3 == 0), rid
        assert "R_RED" in set(reasons["code"])
        assert load_rules().base + reasons["points"].sum() == pytest.approx(grades.loc[uid, "score"])

"""ETL end to end on small hand-made extracts: every quirk of real extracts, bad files, identity."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.graph.identifiers import make_resident_id, make_uscc
from creditgraph.etl.pipeline import FatalLoadError, run_load
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore

# valid codes (DOMAIN.md examples plus generated ones)
U1, U2, U3 = "91330503735242721D", "92330281MA2ENBUA1R", "913303817345395239"
U4 = make_uscc("91370200MA3C00001")   # Qingdao, Shandong
U5 = make_uscc("91410100MA4K00002")   # Zhengzhou, Henan
BAD_USCC = U1[:-1] + ("E" if U1[-1] != "E" else "F")
ID1 = make_resident_id("33020219800101123")
ID2 = make_resident_id("41010519751231002")
BAD_ID = ID1[:-1] + ("1" if ID1[-1] != "1" else "2")

ENT_HEADER = "uscc,name,kind,status,founded,dissolved,capital,address,region,legal_rep,phone,updated_at\n"


def settings(tmp_path: Path):
    return dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key="test-key")


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(text.encode(encoding))
    return p


def rejects(rep) -> pd.DataFrame:
    return pd.read_csv(Path(rep.run_dir) / "rejects.csv", dtype=str, keep_default_na=False)


def graph(tmp_path: Path) -> EmbeddedStore:
    return EmbeddedStore(tmp_path / "graph", read_only=True)


def write_extract(src: Path) -> Path:
    """The hand-made extract with every quirk of real ones, written to ``src`` (the ``extract`` fixture, tests/conftest.py)."""
    write(src, "enterprises.csv", ENT_HEADER
          + f"{U1.lower()},湖州某某贸易有限公司,有限责任公司,存续,2008-6-16,9999-9-9,51.8000(万元人民币),浙江省湖州市吴兴区某路1号,,张三,13800001111,2024-01-01\n"
          + f"{U2},宁波甲乙电子商行,个体工商户,注销,2010/06/16,20150101,508(万),浙江省宁波市镇海区某路2号,330211,李四,N/A,2024-01-01\n"
          + f"{U3},温州某某科技有限公司,有限责任公司,存续,20120301,,13(万美元),浙江省温州市某路3号 ,,王五,\\N,2024-01-01 08:00:00\n"
          + "330302000012345,老字号温州制衣厂,集体所有制,吊销,1998-01-05,2003-7-1,\"1,428(万元人民币)\",浙江省温州市某路4号,330302,赵六,,2024-01-01\n"
          + f"{U4},青岛海边海产有限公司,有限责任公司,存续,2015-05-05,,188万人民币,山东省青岛市某路5号,,王五,,2024-01-01\n"
          + f"{U5},郑州中原实业有限公司,有限责任公司,存续,2016-05-05,,100(万人民币 ),河南省郑州市某路6号,,孙七,,2024-01-01\n"
          + f"{BAD_USCC},校验位错误有限公司,有限责任公司,存续,2016-05-05,,10,某地,,某人,,2024-01-01\n"
          + f"{make_uscc('91330100MA2B00003')},日期错误有限公司,有限责任公司,存续,2019-02-30,,10,某地,,某人,,2024-01-01\n"
          + f"{make_uscc('91330100MA2B00004')},{'杭州西湖'.encode('gbk').decode('latin-1')},有限责任公司,存续,2019-02-01,,10,某地,,某人,,2024-01-01\n")
    write(src, "legal_reps.csv", "enterprise_uscc,person_name,id_no,position,mobile,updated_at\n"
          f"{U1},张三,{ID1},执行董事,13800001111,2024-01-01\n"
          f"{U4},王五,{ID2},董事长,,2024-01-01\n"
          f"{U3},王五,{ID2},执行董事,,2024-01-01\n"
          f"{U2},李四,330222********123X,经理,,2024-01-01\n"
          f"{U5},孙七,{BAD_ID},执行董事,,2024-01-01\n")  # wrong ID check digit
    write(src, "shareholders.csv", "enterprise_uscc,holder_name,holder_kind,holder_id,subscribed,paid,ratio,report_year,updated_at\n"
          f"{U1},张三,自然人股东,{ID1},30(万元),3(万元),,2023,2024-01-01\n"
          f"{U1},温州某某科技有限公司,企业法人,{U3},70(万元),7(万元),,2023,2024-01-01\n"
          f"{U3},青岛海边海产有限公司,企业法人,,100(万元),100(万元),,2023,2024-01-01\n"   # by name: not in the same province -> unresolved
          f"{U4},郑州中原实业有限公司,企业法人,,50,50,0.5,2023,2024-01-01\n"             # by name: other province -> unresolved
          f"{U4},青岛某某控股有限公司,企业法人,,50,50,50%,2023,2024-01-01\n"
          f"{U5},郑州中原实业有限公司,企业法人,,1,1,0.1,2023,2024-01-01\n", encoding="gb18030")
    write(src, "penalties.csv", "kind,record_id,subject_uscc,subject_name,decided,reason,result,authority,region,removed,removal_reason,updated_at\n"
          f"行政处罚,AP001,{U1},湖州某某贸易有限公司,2023-05-01,虚假宣传,罚款2000元,湖州市市场监督管理局,330502,,,2024-01-01\n"
          f"abnormal_operation,AO001,{U1},,2023-06-01,通过登记的住所或者经营场所无法联系的,,湖州市市场监督管理局,,2024-3-1,信用修复,2024-01-01\n"
          f"serious_illegal,SI001,{U4},,2022-01-01,严重违法,,青岛市市场监督管理局,370200,9999-9-9,,2024-01-01\n"
          f"serious_illegal,SI001,{U4},,2022-01-01,严重违法（更正）,,青岛市市场监督管理局,370200,,,2024-02-01\n"
          f"unknown_kind,XX001,{U4},,2022-01-01,,,,,,,2024-01-01\n", encoding="utf-8-sig")
    return src


def test_quirky_extract_loads_good_rows_and_reports_bad_ones(extract, tmp_path):
    rep = run_load(extract, "canonical", settings(tmp_path))
    rj = rejects(rep)
    rejected = rj[rj["severity"] == "rejected"]
    # each bad row is reported with file, row, column and a reason that says what to fix
    by_col = {(Path(f).name, int(r), c) for f, r, c in zip(rejected["file"], rejected["row"], rejected["column"])}
    assert ("enterprises.csv", 10, "name") in by_col           # mojibake
    # wrong ID check digit: the row loads (孙七 known by name within 郑州中原), the ID is noted
    notes = rj[rj["severity"] == "note"]
    # issue 14: a bad USCC check character keeps the company under ALT:, a bad optional date loads without it
    noted = {(Path(f).name, int(r), c) for f, r, c in zip(notes["file"], notes["row"], notes["column"])}
    assert {("enterprises.csv", 8, "uscc"), ("enterprises.csv", 9, "founded")} <= noted
    assert ("legal_reps.csv", 6, "id_no") in {(Path(f).name, int(r), c) for f, r, c in zip(notes["file"], notes["row"], notes["column"])}
    assert ("legal_reps.csv", 6, "id_no") not in by_col
    assert ("penalties.csv", 6, "kind") in by_col
    assert rejected["reason"].str.len().min() > 15
    sup = rj[rj["severity"] == "superseded"]
    assert [(Path(f).name, int(r)) for f, r in zip(sup["file"], sup["row"])] == [("penalties.csv", 4)]
    assert rep.tables["enterprises"] == {"read": 9, "loaded": 8, "rejected": 1, "superseded": 0, "officers": 0, "unaccounted": 0}

    g = graph(tmp_path)
    ent = g.run("MATCH (e:Enterprise) WHERE e.resolved RETURN e.uid AS uid, e.capital AS capital, e.currency AS cur, "
                "e.founded AS founded, e.dissolved AS dissolved, e.region AS region, e.reg_no AS reg_no ORDER BY uid").set_index("uid")
    assert U1 in ent.index                                      # lower-case USCC upper-cased
    assert ent.loc[U1, "capital"] == pytest.approx(518_000)
    assert ent.loc[U1, "region"] == "330503"                   # derived from the USCC
    assert pd.isna(ent.loc[U1, "dissolved"])                   # 9999-9-9: open-ended
    assert ent.loc[U2, "capital"] == pytest.approx(5_080_000) and ent.loc[U2, "region"] == "330211"
    assert pd.Timestamp(ent.loc[U2, "founded"]).date().isoformat() == "2010-06-16"
    assert (ent.loc[U3, "capital"], ent.loc[U3, "cur"]) == (pytest.approx(130_000), "USD")
    assert ent.loc["REG:330302000012345", "reg_no"] == "330302000012345"   # legacy code kept as alternative key
    assert ent.loc["REG:330302000012345", "capital"] == pytest.approx(14_280_000)
    assert ent.loc[U4, "capital"] == pytest.approx(1_880_000)
    assert ent.loc[U5, "capital"] == pytest.approx(1_000_000)    # stray space in (万人民币 )
    lr = g.run("MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise {uid: $u}) RETURN p.uid AS uid, r.position AS pos", {"u": U5})
    assert lr.values.tolist() == [[f"NM:{U5}:孙七", "执行董事"]]   # the row with the bad ID still loads
    assert BAD_USCC not in ent.index

    # the same person (same ID) behind two companies is one node; the ID is never stored, only masked
    p = g.run("MATCH (p:Person)-[:LEGAL_REP]->(e:Enterprise) RETURN p.uid AS uid, p.name AS name, p.id_masked AS m, e.uid AS e")
    wang = p[p["name"] == "王五"]
    assert wang["uid"].nunique() == 1 and set(wang["e"]) == {U3, U4}
    assert wang["m"].iloc[0] == ID2[:6] + "********" + ID2[-4:]
    assert not any(ID2 in str(v) for v in p.to_numpy().ravel())
    # a masked ID cannot key a person: scoped to the enterprise
    li = p[p["name"] == "李四"]["uid"].iloc[0]
    assert li == f"NM:{U2}:李四"

    # shareholders: ratio from subscribed amounts, corporate holder by USCC, unresolved kept and marked
    h = g.run("MATCH (a)-[r:HOLDS_SHARES]->(b:Enterprise) RETURN a.uid AS a, b.uid AS b, r.ratio AS ratio")
    h = h.set_index(["a", "b"])["ratio"]
    assert h[(U3, U1)] == pytest.approx(0.7)
    assert h[(f"UNR:37:{_key('郑州中原实业有限公司')}", U4)] == pytest.approx(0.5)
    assert h[(U5, U5)] == pytest.approx(0.1)  # by name within Henan: resolved to itself (a self-holding, kept as given)
    unr = g.run("MATCH (e:Enterprise) WHERE NOT e.resolved RETURN e.uid AS uid")["uid"].tolist()
    assert f"UNR:33:{_key('青岛海边海产有限公司')}" in unr  # same name exists only in Shandong

    # penalties: statuses derived, the later duplicate wins, authority region kept
    ev = g.run("MATCH (s)-[:PENALIZED]->(v:PenaltyEvent) RETURN s.uid AS s, v.uid AS uid, v.status AS status, "
               "v.amount AS amount, v.reason AS reason, v.region AS region").set_index("uid")
    assert ev.loc["AP:AP001", "amount"] == pytest.approx(2000) and ev.loc["AP:AP001", "status"] == "active"
    assert ev.loc["AO:AO001", "status"] == "repaired"
    assert ev.loc["SI:SI001", "reason"] == "严重违法(更正)" and ev.loc["SI:SI001", "status"] == "active"
    assert ev.loc["AO:AO001", "region"] == "330503"            # from the subject when the row has none


def _key(name: str) -> str:
    from creditgraph.graph.normalize import name_key

    return name_key(pd.Series([name])).iloc[0]


def test_loading_the_same_extract_twice_leaves_the_same_graph(extract, tmp_path):
    from tests.test_store_contract import snapshot

    run_load(extract, "canonical", settings(tmp_path))
    with graph(tmp_path) as g:
        first = snapshot(g)
    rep = run_load(extract, "canonical", settings(tmp_path))
    assert rep.status == "unchanged" and rep.changes == 0
    assert rep.version["old"] == rep.version["new"]  # nothing written, no new version published
    with graph(tmp_path) as g:
        assert snapshot(g) == first


def test_common_names_never_make_a_hub(tmp_path):
    """Hundreds of unrelated 张伟 (name only) stay hundreds of people."""
    n = 300
    ents = [make_uscc(f"91330100MA{i:07d}") for i in range(n)]
    rows = "".join(f"{u},杭州第{i}号有限公司,有限责任公司,存续,2015-01-01,,10,杭州市某路{i}号,,张伟,,2024-01-01\n" for i, u in enumerate(ents))
    write(tmp_path / "src", "enterprises.csv", ENT_HEADER + rows)
    sh = "".join(f"{u},张伟,自然人股东,,10,10,1,2023,2024-01-01\n" for u in ents)
    write(tmp_path / "src", "shareholders.csv", "enterprise_uscc,holder_name,holder_kind,holder_id,subscribed,paid,ratio,report_year,updated_at\n" + sh)
    run_load(tmp_path / "src", "canonical", settings(tmp_path))
    g = graph(tmp_path)
    deg = g.run("MATCH (p:Person)-[r]->(e:Enterprise) RETURN p.uid AS p, count(DISTINCT e) AS n")
    assert len(deg) == n and deg["n"].max() == 1
    assert g.counts()["POSSIBLY_SAME_AS"] == 0


def test_possibly_same_person_is_a_scored_link_not_a_merge(tmp_path):
    a, b = make_uscc("91330100MA2C00001"), make_uscc("91330100MA2C00002")
    write(tmp_path / "src", "enterprises.csv", ENT_HEADER
          + f"{a},甲公司,有限责任公司,存续,2015-01-01,,10,杭州市某路1号,,,,2024-01-01\n"
          + f"{b},乙公司,有限责任公司,存续,2015-01-01,,10,杭州市某路2号,,,,2024-01-01\n")
    write(tmp_path / "src", "legal_reps.csv", "enterprise_uscc,person_name,id_no,position,mobile,updated_at\n"
          f"{a},陈静,330102********0021,执行董事,13900002222,2024-01-01\n"
          f"{b},陈静,330102********0021,执行董事,13900002222,2024-01-01\n")
    run_load(tmp_path / "src", "canonical", settings(tmp_path))
    g = graph(tmp_path)
    assert g.counts()["Person"] == 2
    link = g.run("MATCH (x:Person)-[r:POSSIBLY_SAME_AS]->(y:Person) RETURN r.score AS score, r.evidence AS ev")
    assert len(link) == 1 and link["score"].iloc[0] >= 0.8


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_are_detected_not_declared(tmp_path, encoding):
    write(tmp_path / "src", "enterprises.csv", ENT_HEADER + f"{U1},湖州某某贸易有限公司（分公司）,,存续,2008-6-16,,10,湖州,,张三,,2024-01-01\n", encoding)
    run_load(tmp_path / "src", "canonical", settings(tmp_path))
    name = graph(tmp_path).run("MATCH (e:Enterprise) RETURN e.name AS n")["n"].tolist()
    assert name == ["湖州某某贸易有限公司(分公司)"]


def test_missing_required_column_names_column_and_profile(tmp_path):
    write(tmp_path / "src", "enterprises.csv", "uscc,kind\n" + f"{U1},有限责任公司\n")
    write(tmp_path / "src", "penalties.csv", "kind,record_id,subject_uscc,decided\n" + f"行政处罚,AP9,{U1},2023-01-01\n")
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    err = [f for f in rep.files if f["error"]]
    assert len(err) == 1 and "'name'" in err[0]["error"] and "canonical" in err[0]["error"]
    assert rep.exit_code == 3
    assert rep.tables["penalties"]["loaded"] == 1   # the other file still loads (its subject becomes a stub enterprise)


def test_only_bad_files_is_fatal_with_one_line_reason(tmp_path):
    write(tmp_path / "src", "enterprises.csv", "")
    with pytest.raises(FatalLoadError, match="nothing to load"):
        run_load(tmp_path / "src", "canonical", settings(tmp_path))
    assert not (tmp_path / "graph" / "CURRENT").exists() or graph(tmp_path).counts()["Enterprise"] == 0


def test_header_only_and_empty_files_load_nothing_and_say_so(tmp_path):
    write(tmp_path / "src", "enterprises.csv", ENT_HEADER + f"{U1},甲公司,,存续,2008-6-16,,10,湖州,,张三,,2024-01-01\n")
    write(tmp_path / "src", "legal_reps.csv", "enterprise_uscc,person_name,id_no,position,mobile,updated_at\n")
    write(tmp_path / "src", "penalties.csv", "")
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    assert rep.tables["enterprises"]["loaded"] == 1
    assert rep.tables.get("legal_reps", {"read": 0})["read"] == 0
    errs = {Path(f["path"]).name: f["error"] for f in rep.files if f["error"]}
    assert "penalties.csv" in errs and "empty" in errs["penalties.csv"].lower()


def test_truncated_csv_keeps_complete_rows(tmp_path):
    body = ENT_HEADER + "".join(
        f"{make_uscc(f'91330100MA2D{i:05d}')},公司{i},,存续,2015-01-01,,10,杭州{i},,张{i},,2024-01-01\n" for i in range(20))
    cut = body[: body.rfind("\n", 0, len(body) - 5) + 30]  # the last line cut in the middle of a field
    write(tmp_path / "src", "enterprises.csv", cut)
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    assert rep.tables["enterprises"]["loaded"] >= 19
    assert graph(tmp_path).counts()["Enterprise"] >= 19
    rj = rejects(rep)
    assert (rj["severity"] == "rejected").any()  # the truncated line is reported


def test_ten_megabyte_field_does_not_break_the_reader(tmp_path):
    big = "经营范围" * (10 * 1024 * 1024 // 12)
    write(tmp_path / "src", "enterprises.csv", "uscc,name,industry\n" + f"{U1},甲公司,{big}\n{U2},乙公司,零售\n")
    rep = run_load(tmp_path / "src", "canonical", settings(tmp_path))
    assert rep.tables["enterprises"]["loaded"] == 2


def test_xlsx_jsonl_and_parquet_inputs(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    pd.DataFrame({"uscc": [U1], "name": ["甲公司"], "founded": ["2008-6-16"]}).to_excel(src / "enterprises_a.xlsx", index=False)
    pd.DataFrame({"uscc": [U2], "name": ["乙公司"], "founded": ["20100616"]}).to_parquet(src / "enterprises_b.parquet", index=False)
    (src / "enterprises_c.jsonl").write_text(json.dumps({"uscc": U3, "name": "丙公司"}, ensure_ascii=False) + "\n", encoding="utf-8")
    rep = run_load(src, "canonical", settings(tmp_path))
    assert rep.tables["enterprises"]["loaded"] == 3
    assert sorted(graph(tmp_path).node_keys("Enterprise")) == sorted([U1, U2, U3])


def test_user_profile_from_yaml(tmp_path):
    prof = tmp_path / "my.yaml"
    prof.write_text("name: my-city\ntables:\n  enterprises:\n    files: ['*qyjbxx*']\n    columns: {uscc: tyshxydm, name: qymc, founded: clrq}\n", encoding="utf-8")
    write(tmp_path / "src", "qyjbxx_202611.csv", "tyshxydm,qymc,clrq\n" + f"{U1},甲公司,2008-6-16\n")
    rep = run_load(tmp_path / "src", str(prof), settings(tmp_path))
    assert rep.tables["enterprises"]["loaded"] == 1


def test_zj_warehouse_profile(tmp_path):
    src = tmp_path / "src"
    write(src, "market_subjects.csv", "uni_social_crd_cd,comp_nm,comp_type,reg_state,addr,legal_repre,reg_capt,est_dt,domdi_strict,main_identi_id,data_flag,update_time\n"
          f"{U1},甲公司,有限责任公司,开业,湖州某路,张三,51.8000(万元人民币),2008-6-16,330502,PRI001,i,2024-01-01\n")
    write(src, "legal_reps.csv", "identi_no,nm,position_cn,lerep_sign,certype_cn,cer_no,mobtel,uni_social_crd_cd,comp_nm,data_flag,update_time\n"
          f"PRI001,张三,执行董事,1,居民身份证,{ID1},13800001111,,,i,2024-01-01\n")
    write(src, "abnormal_operation.csv", "busexclist,inclu_dt,inclu_reason,decorg_cn,remove_dt,remexcpres_cn,uni_social_crd_cd,comp_nm,data_flag,update_time\n"
          f"B001,2023-01-01,通过登记的住所或者经营场所无法联系的,湖州市市场监督管理局,,,{U1},甲公司,i,2024-01-01\n")
    rep = run_load(src, "zj-warehouse", settings(tmp_path))
    assert rep.tables["legal_reps"]["loaded"] == 1
    g = graph(tmp_path)
    lr = g.run("MATCH (p:Person)-[:LEGAL_REP]->(e:Enterprise) RETURN p.uid AS p, e.uid AS e")
    assert lr["e"].tolist() == [U1] and lr["p"].iloc[0].startswith("ID:")  # resolved by the subject id
    assert g.run("MATCH (:Enterprise)-[:PENALIZED]->(v:PenaltyEvent) RETURN v.kind AS k")["k"].tolist() == ["abnormal_operation"]


def test_change_flag_delete_removes_only_what_it_names(extract, tmp_path):
    run_load(extract, "canonical", settings(tmp_path))
    upd = tmp_path / "upd"
    write(upd, "penalties.csv", "kind,record_id,subject_uscc,change_flag,updated_at\n" + f"行政处罚,AP001,{U1},d,2024-05-01\n")
    rep = run_load(upd, "canonical", settings(tmp_path))
    assert rep.deleted.get("PenaltyEvent") == 1
    g = graph(tmp_path)
    assert sorted(g.node_keys("PenaltyEvent")) == ["AO:AO001", "SI:SI001"]
    assert U1 in set(g.node_keys("Enterprise"))


@pytest.mark.realdata
def test_real_registry_rows_load(realdata, tmp_path):
    """~179,000 real rows: every row loads or is reported; nothing silently lost."""
    prof = Path(__file__).parent / "profiles" / "realdata-registry.yaml"
    rep = run_load(realdata / "registry", str(prof), settings(tmp_path))
    t = rep.tables["enterprises"]
    assert t["read"] > 150_000
    assert t["loaded"] + t["rejected"] + t["superseded"] == t["read"]
    assert t["loaded"] / t["read"] > 0.9
    assert graph(tmp_path).counts()["Enterprise"] >= t["loaded"] - t["superseded"]
    rj = rejects(rep)
    assert set(rj.loc[rj["severity"] == "rejected", "reason"].str.len()) and rj["file"].str.contains("registry").all()

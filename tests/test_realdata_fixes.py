"""Issue 14, real-data ETL findings: source regions kept, bad optional fields, shared legacy codes,
checksum-failing codes, investor ID types. Each test drives ``etl.pipeline.run_load`` on a small
hand-written extract (canonical layout, and the real-data layout where the bug is profile-specific)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.graph.identifiers import make_resident_id, make_uscc
from creditgraph.etl.pipeline import run_load
from creditgraph.etl.read import read_extract
from creditgraph.etl.profiles import load_profile
from creditgraph.etl.report import RejectReport
from creditgraph.etl.transform import clean_tables
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore

REALDATA_PROFILE = Path(__file__).parent / "profiles" / "realdata-registry.yaml"
U_WENZHOU = "913303817345395239"          # registered in 330381 (瑞安, 温州, 浙江)
U_HUZHOU = "91330503735242721D"           # 330503 (湖州)
U_ZHENGZHOU = make_uscc("91410100MA4K00002")
U_NINGBO = make_uscc("91330200MA2B00001")
BAD_USCC = U_HUZHOU[:-1] + "E"            # 18 characters, check character wrong
REG_NO = "330302000012345"                # a legacy 15-digit registration number
ID1 = make_resident_id("33020219800101123")
BAD_ID = ID1[:-1] + ("1" if ID1[-1] != "1" else "2")
GB11643 = "GB 11643"


def settings(tmp_path: Path):
    return dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key="test-key")


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def rejects(rep) -> pd.DataFrame:
    return pd.read_parquet(Path(rep.run_dir) / "rejects.parquet")


def enterprises(tmp_path: Path) -> pd.DataFrame:
    with EmbeddedStore(tmp_path / "graph", read_only=True) as g:
        return g.run("MATCH (e:Enterprise) WHERE e.resolved RETURN e.uid AS uid, e.name AS name, e.province AS province, "
                     "e.city AS city, e.region AS region, e.capital AS capital, e.capital_raw AS capital_raw, "
                     "e.founded AS founded, e.reg_no AS reg_no ORDER BY uid").set_index("uid")


def notes(rj: pd.DataFrame) -> pd.DataFrame:
    return rj[rj["severity"] == "note"]


# ------------------------------------------------------------------------------------ region


def test_source_province_and_city_are_kept_and_a_disagreement_is_a_note(tmp_path):
    src = tmp_path / "src"
    write(src, "enterprises.csv", "uscc,name,province,city,region\n"
          f"{REG_NO},老字号温州制衣厂,浙江省,温州市,\n"          # legacy code: the region only from the source
          f"{U_WENZHOU},温州某某科技有限公司,山东,青岛,\n"       # source disagrees with the code: source kept, noted
          f"{U_HUZHOU},湖州某某贸易有限公司,,,\n"               # nothing given: derived from the code
          f"XYZ-0001,郑州某某商行,河南,郑州,\n"                 # another code: source names kept
          f"{U_ZHENGZHOU},郑州中原实业有限公司,河南省,郑州市,410105\n"  # source division code kept
          f"{U_NINGBO},宁波某某电子有限公司,浙江,温州,\n")           # same province, another city: noted
    rep = run_load(src, "canonical", settings(tmp_path))
    ent = enterprises(tmp_path)
    assert ent.loc[f"REG:{REG_NO}", ["province", "city"]].tolist() == ["33", "3303"]
    assert ent.loc[U_WENZHOU, ["province", "city"]].tolist() == ["37", "3702"]
    assert ent.loc[U_HUZHOU, ["province", "city", "region"]].tolist() == ["33", "3305", "330503"]
    assert ent.loc["ALT:XYZ-0001", ["province", "city"]].tolist() == ["41", "4101"]
    assert ent.loc[U_ZHENGZHOU, ["province", "city", "region"]].tolist() == ["41", "4101", "410105"]
    assert not ent["province"].isna().any()
    n = notes(rejects(rep))
    assert ent.loc[U_NINGBO, ["province", "city", "region"]].tolist() == ["33", "3303", "330300"]
    clash = n[n["column"].isin(["province", "city"]) & n["reason"].str.contains("USCC")]
    assert sorted(zip(clash["row"].astype(int), clash["column"])) == [(3, "province"), (7, "city")]
    # the legacy-code company is in the regional analyses' reach: REGISTERED_IN its source city
    with EmbeddedStore(tmp_path / "graph", read_only=True) as g:
        r = g.run("MATCH (e:Enterprise {uid: $u})-[:REGISTERED_IN]->(r:Region) RETURN r.uid AS r", {"u": f"REG:{REG_NO}"})
    assert r["r"].tolist() == ["330300"]


def test_realdata_layout_keeps_the_province_of_a_legacy_code(tmp_path):
    """The public registry layout names province and city (浙江, 宁波) and no division code."""
    src = tmp_path / "registry"
    write(src, "1998.csv", "企业名称,统一社会信用代码,注册日期,企业类型,法人代表,注册资金,经营范围,所在省份,地区,注册地址\n"
          f"宁波某某五金厂,{REG_NO},1998-01-05,集体所有制,赵六,50(万元人民币),五金,浙江,宁波,宁波市某路1号\n"
          f"济源某某机械厂,ABCDEFGHIJKLM,1998-02-05,集体所有制,钱七,50(万元人民币),机械,河南,济源,济源市某路2号\n"
          f"郑州某某商贸有限公司,{U_ZHENGZHOU},1998-03-05,有限责任公司,孙八,50(万元人民币),商贸,河南,郑州,郑州市某路3号\n"
          f"某某公司,{U_HUZHOU},1998-03-05,有限责任公司,孙八,50(万元人民币),商贸,承办中外合资经营,405万人民币,某路3号\n")
    rep = run_load(src, str(REALDATA_PROFILE), settings(tmp_path))
    ent = enterprises(tmp_path)
    assert ent.loc[f"REG:{REG_NO}", ["province", "city"]].tolist() == ["33", "3302"]
    assert ent.loc["ALT:ABCDEFGHIJKLM", ["province", "city"]].tolist() == ["41", "4190"]   # 济源: under the province
    assert ent.loc[U_ZHENGZHOU, ["province", "city", "region"]].tolist() == ["41", "4101", U_ZHENGZHOU[2:8]]
    # a shifted row whose province cell holds other text: not a province, so derived from the code, noted
    assert ent.loc[U_HUZHOU, ["province", "city"]].tolist() == ["33", "3305"]
    n = notes(rejects(rep))
    assert {"province", "city"} <= set(n.loc[n["row"] == 5, "column"])


# ------------------------------------------------------------------------ optional fields


def test_one_bad_optional_field_loads_the_company_without_it(tmp_path):
    src = tmp_path / "src"
    write(src, "enterprises.csv", "uscc,name,capital,founded\n"
          f"{U_HUZHOU},湖州某某贸易有限公司,100(万丹麦克郎),2008-06-16\n"
          f"{U_WENZHOU},温州某某科技有限公司,出口商品组织代理(国家限制的商品除外),2019-02-30\n"
          f"{U_ZHENGZHOU},郑州中原实业有限公司,51.8000(万元人民币),2001-01-01\n")
    rep = run_load(src, "canonical", settings(tmp_path))
    t = rep.tables["enterprises"]
    assert (t["read"], t["loaded"], t["rejected"]) == (3, 3, 0)
    ent = enterprises(tmp_path)
    assert pd.isna(ent.loc[U_HUZHOU, "capital"]) and ent.loc[U_HUZHOU, "capital_raw"] == "100(万丹麦克郎)"
    assert pd.isna(ent.loc[U_WENZHOU, "capital"]) and pd.isna(ent.loc[U_WENZHOU, "founded"])
    assert ent.loc[U_ZHENGZHOU, "capital"] == pytest.approx(518_000)
    n = notes(rejects(rep))
    got = set(zip(n["row"].astype(int), n["column"]))
    assert {(2, "capital"), (3, "capital"), (3, "founded")} <= got


# ------------------------------------------------------------------- shared legacy codes


def test_two_companies_sharing_a_legacy_code_are_both_kept(tmp_path):
    src = tmp_path / "src"
    write(src, "enterprises.csv", "uscc,name,province,city,updated_at\n"
          f"{REG_NO},温州老字号制衣厂,浙江,温州,2024-01-01\n"
          f"{REG_NO},温州红星五金厂,浙江,温州,2024-01-01\n"
          f"{REG_NO},温州老字号制衣厂,浙江,温州,2024-02-01\n")   # same name again: a true duplicate
    rep = run_load(src, "canonical", settings(tmp_path))
    ent = enterprises(tmp_path)
    assert sorted(ent["name"]) == ["温州红星五金厂", "温州老字号制衣厂"]
    assert ent.index.str.startswith(f"REG:{REG_NO}").all() and ent.index.is_unique
    assert (ent["reg_no"] == REG_NO).all()
    t = rep.tables["enterprises"]
    assert (t["loaded"], t["superseded"], t["rejected"]) == (2, 1, 0)
    n = notes(rejects(rep))
    assert n["reason"].str.contains("shared by companies with different names").any()
    # a second load of the same extract keys them the same way: nothing changes
    again = run_load(src, "canonical", settings(tmp_path))
    assert again.status == "unchanged"


# ---------------------------------------------------------------- checksum-failing codes


def test_an_18_character_code_failing_its_check_keeps_the_company(tmp_path):
    src = tmp_path / "src"
    write(src, "enterprises.csv", f"uscc,name\n{BAD_USCC},校验位错误有限公司\n{U_WENZHOU},温州某某科技有限公司\n")
    write(src, "legal_reps.csv", f"enterprise_uscc,person_name,position\n{BAD_USCC},某人,执行董事\n")
    rep = run_load(src, "canonical", settings(tmp_path))
    assert rep.tables["enterprises"]["rejected"] == 0 and rep.tables["legal_reps"]["rejected"] == 0
    ent = enterprises(tmp_path)
    assert f"ALT:{BAD_USCC}" in ent.index and BAD_USCC not in ent.index
    n = notes(rejects(rep))
    hit = n[(n["table"] == "enterprises") & (n["column"] == "uscc")]
    assert hit["value"].tolist() == [BAD_USCC] and hit["reason"].str.contains("check").all()
    with EmbeddedStore(tmp_path / "graph", read_only=True) as g:
        lr = g.run("MATCH (p:Person)-[:LEGAL_REP]->(e:Enterprise) RETURN e.uid AS e")
    assert lr["e"].tolist() == [f"ALT:{BAD_USCC}"]


# --------------------------------------------------------------------- investor ID types


INVESTOR_IDS = {
    "resident": ID1,
    "resident_bad": BAD_ID,
    "uscc": U_WENZHOU,
    "reg_no": REG_NO,
    "passport": "E12345678",
    "registry11": "12345678901",
    "registry12": "410100123456",
    "masked": "3302**********1234",
}


def test_classify_id_types():
    from creditgraph.graph.identifiers import classify_id

    s = pd.Series(list(INVESTOR_IDS.values()) + [None, "G1234567X9"], dtype="string")
    kinds = classify_id(s).tolist()
    assert kinds == ["resident_id", "resident_id", "uscc", "reg_no", "passport", "other", "other",
                     "resident_id_masked", "missing", "other"]
    declared = classify_id(pd.Series(["12345678901", "E12345678"]), pd.Series(["居民身份证", "中华人民共和国护照"]))
    assert declared.tolist() == ["resident_id", "passport"]


def test_investor_ids_are_classified_and_only_resident_ids_checked(tmp_path):
    src = tmp_path / "src"
    names = {k: f"股东{i}" for i, k in enumerate(INVESTOR_IDS)}
    write(src, "enterprises.csv", f"uscc,name\n{U_HUZHOU},湖州某某贸易有限公司\n")
    write(src, "shareholders.csv", "enterprise_uscc,holder_name,holder_id,subscribed\n" + "".join(
        f"{U_HUZHOU},{names[k]},{v},10(万元)\n" for k, v in INVESTOR_IDS.items()))
    rep = run_load(src, "canonical", settings(tmp_path))
    rj = rejects(rep)
    checked = rj[rj["reason"].str.contains(GB11643)]
    assert checked["value"].tolist() == [BAD_ID]
    assert rep.tables["shareholders"]["rejected"] == 0
    # the type stays on the cleaned row
    report = RejectReport()
    ext = read_extract(src, load_profile("canonical"), report)
    sh = clean_tables(ext.tables, report, load_profile("canonical").flags)["shareholders"]
    by_name = dict(zip(sh["holder_name"], sh["pid_type"]))
    assert by_name[names["passport"]] == "passport" and by_name[names["registry11"]] == "other"
    assert by_name[names["resident"]] == "resident_id" and by_name[names["reg_no"]] == "reg_no"


# --------------------------------------------------------------------------------- real rows


@pytest.mark.realdata
def test_realdata_keeps_source_provinces_and_loses_no_row_for_an_optional_field(realdata, tmp_path):
    from creditgraph.etl.encoding import read_text_table
    from creditgraph.graph import normalize as nz

    rep = run_load(realdata / "registry", str(REALDATA_PROFILE), settings(tmp_path))
    rj = rejects(rep)
    rejected = rj[rj["severity"] == "rejected"]
    # rows are lost only for what identifies them (a mojibake name, an unreadable line), never an optional field
    assert set(rejected["column"].fillna("")) <= {"", "name", "uscc"}, rejected.groupby("column").size()
    assert not rejected["reason"].str.contains("capital|check character", regex=True).any()
    with EmbeddedStore(tmp_path / "graph", read_only=True) as g:
        ent = g.run("MATCH (e:Enterprise) WHERE e.resolved RETURN e.name AS name, e.province AS province")
    lacking = set(ent.loc[ent["province"].isna(), "name"])
    parts = [read_text_table(f)[0] for f in sorted((realdata / "registry").rglob("*.csv"))]
    raw = pd.concat(parts, ignore_index=True)
    named = raw[nz.clean_missing(raw["所在省份"]).isin(["浙江", "山东", "河南"])]
    assert not (set(named["企业名称"]) & lacking)

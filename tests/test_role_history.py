"""Roles and holdings as intervals through the ETL (docs/time.md): a load or refresh that ends a
role closes it, a correction removes it, equity changes become dated history. Both stores."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from creditgraph.etl.pipeline import run_load
from creditgraph.etl.refresh import run_refresh
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.graph.identifiers import make_resident_id
from tests.test_etl_load import ENT_HEADER, U1, U2, write

ID_KEY = "test-key"
IDA, IDB, IDC = (make_resident_id(x) for x in ("33020219800101123", "33020219810202234", "33020219820303345"))
REP_HEADER = "enterprise_uscc,person_name,id_no,position,since,until,change_flag,updated_at\n"
SH_HEADER = "enterprise_uscc,holder_name,holder_kind,holder_id,ratio,since,until,change_flag,updated_at\n"


def roles(open_graph, rtype: str = "LEGAL_REP") -> pd.DataFrame:
    """Every role edge with the person's name and its interval, as ISO texts."""
    with open_graph() as g:
        df = g.run(f"MATCH (p)-[r:{rtype}]->(e:Enterprise) RETURN p.name AS name, e.uid AS ent, "
                   "r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by"
                   + (", r.ratio AS ratio, r.changes AS changes" if rtype == "HOLDS_SHARES" else ""))
    for c in ("valid_from", "valid_to"):
        df[c] = pd.to_datetime(df[c]).dt.strftime("%Y-%m-%d")
    df = df.astype(object)
    return df.where(df.notna(), None).sort_values(["ent", "name"]).reset_index(drop=True)


def base(folder, reps: str, shareholders: str | None = None):
    write(folder, "enterprises.csv", ENT_HEADER + f"{U1},湖州某某贸易有限公司,,存续,2015-6-16,,10,湖州,,,,2024-01-01\n"
          + f"{U2},宁波甲乙电子商行,,存续,2016-1-1,,10,宁波,,,,2024-01-01\n")
    write(folder, "legal_reps.csv", REP_HEADER + reps)
    if shareholders:
        write(folder, "shareholders.csv", SH_HEADER + shareholders)


def test_a_load_keeps_former_representatives_closed(tmp_path, target):
    s, open_graph = target
    base(tmp_path / "src", f"{U1},甲,{IDA},执行董事,2018-01-01,2022-03-01,,2024-01-01\n"
                           f"{U1},乙,{IDB},执行董事,2022-03-01,9999-9-9,,2024-01-01\n")
    rep = run_load(tmp_path / "src", "canonical", s)
    assert rep.rejects["rejected"] == 0
    df = roles(open_graph)
    assert df[["name", "valid_from", "valid_to", "ended_by"]].values.tolist() == [
        ["乙", "2022-03-01", None, None], ["甲", "2018-01-01", "2022-03-01", "source"]]


def test_a_refresh_that_ends_a_role_closes_it_and_a_correction_removes_it(tmp_path, target):
    s, open_graph = target
    base(tmp_path / "src", f"{U1},甲,{IDA},执行董事,2018-01-01,2022-03-01,,2024-01-01\n"
                           f"{U1},乙,{IDB},执行董事,2022-03-01,,,2024-01-01\n"
                           f"{U2},丙,{IDC},经理,2019-05-01,,,2024-01-01\n")
    run_load(tmp_path / "src", "canonical", s)
    # 乙 is replaced by 丁 (a delete flag dated by its update time); 丙's row was wrong (a correction)
    write(tmp_path / "chg", "legal_reps.csv", REP_HEADER + f"{U1},乙,{IDB},执行董事,,,d,2024-05-06 09:30\n"
          + f"{U1},丁,,执行董事,2024-05-06,,i,2024-05-06\n" + f"{U2},丙,{IDC},经理,,,x,2024-05-06\n")
    rep = run_refresh(tmp_path / "chg", "canonical", s)
    assert rep.graph["LEGAL_REP"]["closed"] == 1 and rep.deleted.get("LEGAL_REP") == 1
    got = roles(open_graph)[["name", "ent", "valid_from", "valid_to", "ended_by"]].values.tolist()
    assert got == [["丁", U1, "2024-05-06", None, None], ["乙", U1, "2022-03-01", "2024-05-06", "delete_flag"],
                   ["甲", U1, "2018-01-01", "2022-03-01", "source"]]
    # the same change again changes nothing; a full snapshot without 乙 keeps 乙's end as it was
    again = run_refresh(tmp_path / "chg", "canonical", s)
    assert again.status != "refreshed" or not again.graph.get("LEGAL_REP", {}).get("closed")
    write(tmp_path / "snap", "legal_reps.csv", REP_HEADER + f"{U1},丁,,执行董事,2024-05-06,,,2024-06-01\n")
    run_refresh(tmp_path / "snap", "canonical", s, mode="snapshot")
    assert roles(open_graph)[["name", "valid_to", "ended_by"]].values.tolist() == [
        ["丁", None, None], ["乙", "2024-05-06", "delete_flag"], ["甲", "2022-03-01", "source"]]


def test_a_subject_row_naming_a_new_representative_closes_the_old_one(tmp_path, target):
    s, open_graph = target
    base(tmp_path / "src", f"{U1},乙,{IDB},执行董事,2022-03-01,,,2024-01-01\n")
    run_load(tmp_path / "src", "canonical", s)
    write(tmp_path / "chg", "enterprises.csv", ENT_HEADER.replace("updated_at", "change_flag,updated_at")
          + f"{U1},湖州某某贸易有限公司,,存续,2015-6-16,,10,湖州,,戊,,u,2025-02-03\n")
    run_refresh(tmp_path / "chg", "canonical", s)
    got = roles(open_graph)
    assert got[["name", "valid_to", "ended_by"]].values.tolist() == [["乙", "2025-02-03", "replaced"], ["戊", None, None]]
    # the new representative of an enterprise already in the graph starts when the refresh saw it
    assert got["valid_from"].iloc[1] is not None


def test_equity_changes_become_dated_history_of_the_holding(tmp_path, target):
    s, open_graph = target
    base(tmp_path / "src", f"{U1},乙,{IDB},执行董事,2022-03-01,,,2024-01-01\n",
         f"{U1},甲,自然人,{IDA},0.6,2015-06-16,,,2024-01-01\n" + f"{U1},乙,自然人,{IDB},0.4,,,,2024-01-01\n")
    write(tmp_path / "src", "equity_changes.csv", "enterprise_uscc,holder_name,change_date,ratio_before,ratio_after\n"
          + f"{U1},乙,2019-03-01,0,0.3\n" + f"{U1},乙,2021-06-01,0.3,0.4\n" + f"{U1},乙,2023-01-01,0.4,0\n")
    run_load(tmp_path / "src", "canonical", s)
    got = roles(open_graph, "HOLDS_SHARES")
    assert got[["name", "valid_from", "valid_to", "ended_by", "ratio"]].values.tolist() == [
        ["乙", "2019-03-01", "2023-01-01", "equity_change", 0.4], ["甲", "2015-06-16", None, None, 0.6]]
    assert got["changes"].iloc[0] == "2019-03-01 0%→30%; 2021-06-01 30%→40%; 2023-01-01 40%→0%"


def test_an_end_before_the_start_is_rejected(tmp_path):
    s = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key=ID_KEY)
    base(tmp_path / "src", f"{U1},甲,{IDA},执行董事,2022-01-01,2020-03-01,,2024-01-01\n")
    rep = run_load(tmp_path / "src", "canonical", s)
    assert rep.rejects["rejected"] == 1
    assert any("before its start" in r["reason"] for r in rep.reject_reasons)


@pytest.mark.realdata
def test_real_rows_whose_legal_representative_changed_close_the_old_role(realdata, tmp_path):
    """One year of real Zhejiang registry rows (legal representatives by name only, from the
    subject rows); the next extract names another representative for 300 companies."""
    from pathlib import Path

    from creditgraph.etl.encoding import read_text_table
    from creditgraph.graph import normalize as nz

    profile = str(Path(__file__).parent / "profiles" / "realdata-registry.yaml")
    s = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key=ID_KEY)
    src = tmp_path / "y1995"
    src.mkdir()
    raw, _ = read_text_table(realdata / "registry" / "浙江" / "1995.csv")
    raw.to_csv(src / "1995.csv", index=False)
    run_load(src, profile, s)
    before = roles(lambda: EmbeddedStore(s.db_path, read_only=True))
    assert before["valid_to"].isna().all() and len(before) > 3000
    # 300 companies with a representative get the representative of another company
    rep = nz.clean_missing(raw["法人代表"].astype("string"))
    named = raw.index[rep.notna().to_numpy()][:600]
    changed = raw.copy()
    donors = changed.loc[named[300:], "法人代表"].to_numpy()
    differ = changed.loc[named[:300], "法人代表"].to_numpy() != donors
    changed.loc[named[:300], "法人代表"] = donors
    nxt = tmp_path / "y1995b"
    nxt.mkdir()
    changed.to_csv(nxt / "1995.csv", index=False)
    out = run_refresh(nxt, profile, s)
    after = roles(lambda: EmbeddedStore(s.db_path, read_only=True))
    closed = after[after["valid_to"].notna()]
    assert out.graph["LEGAL_REP"]["closed"] == len(closed) == int(differ.sum())
    assert set(closed["ended_by"]) == {"replaced"}
    assert len(after) == len(before) + len(closed)  # the former representatives stay, the new ones join
    # every company has exactly one representative today
    today = after[after["valid_to"].isna()]
    assert not today["ent"].duplicated().any()


def test_equity_changes_that_never_open_a_holding_load(tmp_path, target):
    # every change moves a held ratio (none from 0): the load crashed on "Cannot cast DatetimeArray to float64"
    s, open_graph = target
    base(tmp_path / "src", f"{U1},乙,{IDB},执行董事,2022-03-01,,,2024-01-01\n",
         f"{U1},甲,自然人,{IDA},0.6,2015-06-16,,,2024-01-01\n" + f"{U1},乙,自然人,{IDB},0.4,,,,2024-01-01\n")
    write(tmp_path / "src", "equity_changes.csv", "enterprise_uscc,holder_name,change_date,ratio_before,ratio_after\n"
          + f"{U1},乙,2021-06-01,0.3,0.4\n")
    rep = run_load(tmp_path / "src", "canonical", s)
    assert rep.status == "loaded"
    got = roles(open_graph, "HOLDS_SHARES")
    assert got[["name", "valid_from", "valid_to", "ratio", "changes"]].values.tolist() == [
        ["乙", None, None, 0.4, "2021-06-01 30%→40%"], ["甲", "2015-06-16", None, 0.6, None]]

"""Identity resolution from partial evidence (issue 14): scored POSSIBLY_SAME_AS links, graph-wide and
incremental, on hand-built extracts loaded and refreshed through the real pipeline into an embedded store."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import networkx as nx
import pandas as pd

from creditgraph.graph.identifiers import make_resident_id, make_uscc, mask_phone
from creditgraph.etl.pipeline import run_load
from creditgraph.etl.refresh import run_refresh
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore

ENT_HEADER = "uscc,name,kind,status,founded,dissolved,capital,address,region,legal_rep,phone,updated_at\n"
REP_HEADER = "enterprise_uscc,person_name,id_no,position,mobile,email,updated_at\n"


def settings(tmp_path: Path):
    return dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key="test-key")


def uscc(i: int, city: str = "330100") -> str:
    return make_uscc(f"91{city}MA{i:07d}")


def write_extract(folder: Path, companies: list[tuple[str, str]], reps: list[tuple], ent_phone: dict | None = None,
                  rep_header: str = REP_HEADER) -> Path:
    """companies: (uscc, name); reps: rows of ``rep_header`` without the trailing updated_at."""
    folder.mkdir(parents=True, exist_ok=True)
    ent_phone = ent_phone or {}
    rows = "".join(f"{u},{n},有限责任公司,存续,2015-01-01,,10,{n}住所{i}号,,,{ent_phone.get(u, '')},2024-01-01\n"
                   for i, (u, n) in enumerate(companies))
    (folder / "enterprises.csv").write_text(ENT_HEADER + rows, encoding="utf-8")
    lines = "".join(",".join(str(x) for x in r) + ",2024-01-01\n" for r in reps)
    (folder / "legal_reps.csv").write_text(rep_header + lines, encoding="utf-8")
    return folder


def links(tmp_path: Path) -> pd.DataFrame:
    with EmbeddedStore(tmp_path / "graph", read_only=True) as g:
        return g.run("MATCH (x:Person)-[r:POSSIBLY_SAME_AS]->(y:Person) "
                     "RETURN x.uid AS src, y.uid AS dst, r.score AS score, r.evidence AS evidence")


def components(df: pd.DataFrame, min_score: float) -> list[set[str]]:
    g = nx.Graph()
    g.add_edges_from(df.loc[df["score"] >= min_score, ["src", "dst"]].itertuples(index=False, name=None))
    return [set(c) for c in nx.connected_components(g)]


def test_one_person_behind_three_masks_is_linked_into_one_identity(tmp_path):
    """Three companies name 李建国 with three different masks of one ID: links >= 0.9 join all three records."""
    a, b, c, d = uscc(1), uscc(2), uscc(3), uscc(4)
    write_extract(tmp_path / "src", [(a, "甲公司"), (b, "乙公司"), (c, "丙公司"), (d, "丁公司")], [
        (a, "李建国", "3211**********5898", "执行董事", "", ""),
        (b, "李建国", "321181********5898", "执行董事", "", ""),
        (c, "李建国", "**************5898", "经理", "", ""),
        (d, "李建国", "321181********1234", "经理", "", ""),   # same name and region, another suffix: someone else
    ])
    run_load(tmp_path / "src", "canonical", settings(tmp_path))
    with EmbeddedStore(tmp_path / "graph", read_only=True) as g:
        assert g.counts()["Person"] == 4                     # linked, never merged into one record
    df = links(tmp_path)
    three = {f"NM:{u}:李建国" for u in (a, b, c)}
    assert three in components(df, 0.9)
    assert f"NM:{d}:李建国" not in set(df.loc[df["score"] >= 0.5, ["src", "dst"]].to_numpy().ravel())
    ev = df.loc[(df["src"].isin(three)) & (df["dst"].isin(three)), "evidence"]
    assert ev.str.contains("证件号相容").all() and ev.str.contains(r"\*{8}").all()


def test_forty_people_with_a_common_name_and_nothing_else_stay_forty(tmp_path):
    """40 王伟 at 40 companies, some with masked IDs of the same region but other digits: no link >= 0.5."""
    ents = [(uscc(100 + i), f"第{i}公司") for i in range(40)]
    reps = [(u, "王伟", f"330102********{i:04d}" if i % 2 else "", "执行董事", "", "") for i, (u, _) in enumerate(ents)]
    write_extract(tmp_path / "src", ents, reps)
    run_load(tmp_path / "src", "canonical", settings(tmp_path))
    with EmbeddedStore(tmp_path / "graph", read_only=True) as g:
        assert g.counts()["Person"] == 40
    assert links(tmp_path).empty


def test_same_name_and_phone_is_a_strong_link_with_the_masked_phone_as_evidence(tmp_path):
    a, b = uscc(1), uscc(2)
    write_extract(tmp_path / "src", [(a, "甲公司"), (b, "乙公司")], [
        (a, "陈静", "", "执行董事", "13912345678", ""),
        (b, "陈静", "", "执行董事", "139-1234-5678", ""),
    ])
    run_load(tmp_path / "src", "canonical", settings(tmp_path))
    df = links(tmp_path)
    assert len(df) == 1 and df["score"].iloc[0] >= 0.9
    ev = df["evidence"].iloc[0]
    masked = mask_phone(pd.Series(["13912345678"])).iloc[0]
    assert masked in ev and "13912345678" not in ev and "同名" in ev


def test_a_phone_shared_by_an_agent_across_300_companies_is_no_strong_link(tmp_path):
    agent = "13700001111"
    ents = [(uscc(200 + i), f"代理{i}公司") for i in range(300)]
    reps = [(ents[0][0], "王伟", "", "执行董事", agent, ""), (ents[1][0], "王伟", "", "执行董事", agent, "")]
    write_extract(tmp_path / "src", ents, reps, ent_phone={u: agent for u, _ in ents})
    run_load(tmp_path / "src", "canonical", settings(tmp_path))
    df = links(tmp_path)
    assert not (df["score"] >= 0.9).any()


def test_refresh_splits_when_the_evidence_goes_and_merges_when_it_comes_back(tmp_path):
    a, b = uscc(1), uscc(2)
    write_extract(tmp_path / "src", [(a, "甲公司"), (b, "乙公司")], [
        (a, "陈静", "", "执行董事", "13912345678", ""), (b, "陈静", "", "执行董事", "13912345678", "")])
    run_load(tmp_path / "src", "canonical", settings(tmp_path))
    assert len(links(tmp_path)) == 1

    header = "enterprise_uscc,person_name,id_no,position,mobile,email,change_flag,updated_at\n"
    split = tmp_path / "split"
    split.mkdir()
    (split / "legal_reps.csv").write_text(header + f"{b},陈静,,执行董事,13800009999,,u,2024-02-01\n", encoding="utf-8")
    rep = run_refresh(split, "canonical", settings(tmp_path))
    assert rep.deleted.get("POSSIBLY_SAME_AS") == 1
    assert links(tmp_path).empty
    manifest = json.loads((Path(rep.run_dir) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["deleted"]["POSSIBLY_SAME_AS"] == 1

    merge = tmp_path / "merge"
    merge.mkdir()
    (merge / "legal_reps.csv").write_text(header + f"{b},陈静,,执行董事,13912345678,,u,2024-03-01\n", encoding="utf-8")
    rep = run_refresh(merge, "canonical", settings(tmp_path))
    assert rep.graph["POSSIBLY_SAME_AS"]["inserted"] == 1
    df = links(tmp_path)
    assert len(df) == 1 and df["score"].iloc[0] >= 0.9


def test_a_second_extract_links_its_person_to_the_stored_record(tmp_path):
    """Incremental: a later extract names the same person (compatible mask) at a new company; the link
    to the stored record is made, and re-loading that extract changes nothing."""
    a, b, c = uscc(1), uscc(2), uscc(3)
    write_extract(tmp_path / "one", [(a, "甲公司"), (c, "丙公司")], [
        (a, "赵敏", "320102********4321", "执行董事", "13611112222", ""),
        (c, "赵敏", "", "执行董事", "", ""),                      # name only, nothing else: stays apart
    ])
    run_load(tmp_path / "one", "canonical", settings(tmp_path))
    assert links(tmp_path).empty
    write_extract(tmp_path / "two", [(b, "乙公司")], [(b, "赵敏", "3201**********4321", "经理", "", "")])
    rep = run_load(tmp_path / "two", "canonical", settings(tmp_path))
    assert rep.graph["POSSIBLY_SAME_AS"]["inserted"] == 1
    df = links(tmp_path)
    assert len(df) == 1
    assert {df["src"].iloc[0], df["dst"].iloc[0]} == {f"NM:{a}:赵敏", f"NM:{b}:赵敏"} and df["score"].iloc[0] >= 0.9
    again = run_load(tmp_path / "two", "canonical", settings(tmp_path))
    assert again.status == "unchanged"
    assert len(links(tmp_path)) == 1


def test_two_namesakes_in_one_company_whose_ids_disagree_are_two_people(tmp_path):
    """A company's legal representative 王军安 (full ID) and its shareholder 王军安 (masked ID, other digits):
    the same name in the same company is strong evidence, but two masks of one ID never disagree on two or
    more digits both show. One mistyped digit is still the same person."""
    full = make_resident_id("33011119931005287")
    for folder, masked, linked in (("two", "3301**********0228", False), ("typo", f"3301**********{full[-4:-1]}0", True)):
        ent = uscc(1 if folder == "two" else 2)
        write_extract(tmp_path / folder, [(ent, "温州某餐饮管理有限公司")], [(ent, "王军安", full, "执行董事", "", "")])
        (tmp_path / folder / "shareholders.csv").write_text(
            "enterprise_uscc,holder_name,holder_kind,holder_id,ratio,updated_at\n"
            f"{ent},王军安,自然人股东,{masked},0.67,2024-01-01\n", encoding="utf-8")
        run_load(tmp_path / folder, "canonical", settings(tmp_path / folder))
        df = links(tmp_path / folder)
        assert (len(df) == 1 and df["score"].iloc[0] >= 0.9) if linked else df.empty, (folder, df)

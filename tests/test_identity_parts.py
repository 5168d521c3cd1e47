"""The partitioned identity pass of a bulk load (``etl.identity_parts``) gives exactly the links of
``link_identities(batch)`` on the whole batch, for any number of partitions: synthetic extracts, the
hand-made cases of the identity tests, and cases where a graph-wide count (parties of a phone, companies
at an address, people of a company, corporate groups) spans partitions, so that counting it per partition
would change a link."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from creditgraph.etl import identity, synth
from creditgraph.etl.build import build
from creditgraph.etl.identity_parts import LINKS_FILE, link_identities_from_files, read_links, write_batch_files
from creditgraph.etl.profiles import load_profile
from creditgraph.etl.read import read_extract
from creditgraph.etl.report import RejectReport
from creditgraph.etl.transform import clean_tables
from creditgraph.graph.identifiers import make_resident_id, make_uscc

KS = (1, 2, 7, 50)
ENT_HEADER = "uscc,name,kind,status,founded,dissolved,capital,address,region,legal_rep,phone,updated_at\n"
REP_HEADER = "enterprise_uscc,person_name,id_no,position,mobile,email,updated_at\n"
SH_HEADER = "enterprise_uscc,holder_name,holder_kind,holder_id,ratio,updated_at\n"
GIVEN = "伟芳娜敏静丽强磊洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆鑫琳晨"


def batch_of(src: Path):
    prof = load_profile("canonical")
    rep = RejectReport()
    tables = clean_tables(read_extract(src, prof, rep).tables, rep, prof.flags, consume=True)
    return build(tables, rep, b"parts-key", "test")


def whole_links(batch) -> pd.DataFrame:
    frames = [df for t, _, _, df in batch.rels if t == identity.REL]
    if not frames:
        return read_links_empty()
    df = pd.concat(frames, ignore_index=True)[["src", "dst", "score", "evidence"]]
    return df.sort_values(["src", "dst"]).reset_index(drop=True)


def read_links_empty() -> pd.DataFrame:
    return pd.DataFrame({"src": pd.Series(dtype="string"), "dst": pd.Series(dtype="string"),
                         "score": pd.Series(dtype="float64"), "evidence": pd.Series(dtype="string")})


def assert_same_links(folder: Path, want: pd.DataFrame, ks=KS) -> None:
    for k in ks:
        path, stats = link_identities_from_files(folder, k)
        assert path == folder / "rels" / LINKS_FILE
        got = read_links(path)
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"links in {k} partitions")
        assert stats["links"] == len(want) and stats["partitions"] == k
        assert not list(folder.glob(".identity-*")), "the scratch database is removed"


# ------------------------------------------------------------------ synthetic extracts


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """5,000 synthetic enterprises (masked IDs, name-only people, shared phones, cluster addresses, groups)."""
    root = tmp_path_factory.mktemp("parts")
    synth.generate(5000, 20, root / "src", bad_rows=0.02)
    batch = batch_of(root / "src")
    want = whole_links(batch)
    write_batch_files(batch, root / "files")
    return root / "files", want, batch


def test_synthetic_extract_has_every_kind_of_evidence(synthetic):
    _, want, batch = synthetic
    assert len(want) > 500
    ev = want["evidence"]
    for kind in ("ID digits", "phone", "same company", "company address", "companies linked by shareholding",
                 "one corporate group"):
        assert ev.str.contains(kind, regex=False).any(), kind
    assert batch.node_frame("Address")["cluster"].fillna(False).astype(bool).any()
    assert (want["score"] < 0.9).any()


@pytest.mark.parametrize("k", KS)
def test_synthetic_links_are_the_whole_batch_links_in_any_number_of_partitions(synthetic, k):
    folder, want, _ = synthetic
    path, stats = link_identities_from_files(folder, k)
    pd.testing.assert_frame_equal(read_links(path), want, check_exact=True)
    assert stats["candidate_pairs"] >= len(want)
    if k > 1:
        assert stats["largest_partition"] < stats["named_people"]  # a partition holds a part of the people


def test_duplicate_edges_in_the_files_change_nothing(synthetic, tmp_path):
    """The files may or may not be deduplicated on (src, dst): the evidence is the same set."""
    folder, want, _ = synthetic
    dup = tmp_path / "dup"
    (dup / "nodes").mkdir(parents=True)
    (dup / "rels").mkdir()
    for f in (folder / "nodes").glob("*.parquet"):
        (dup / "nodes" / f.name).write_bytes(f.read_bytes())
    for f in (folder / "rels").glob("*.parquet"):
        df = pd.read_parquet(f)
        pd.concat([df, df.iloc[::-1]], ignore_index=True).to_parquet(dup / "rels" / f.name, index=False)
    assert_same_links(dup, want, ks=(1, 7))


def test_write_batch_files_layout(synthetic):
    folder, _, batch = synthetic
    people = pd.read_parquet(folder / "nodes" / "Person.parquet")
    assert len(people) == len(batch.node_frame("Person")) and people["uid"].is_unique
    roles = pq.read_table(folder / "rels" / "LEGAL_REP__Person__Enterprise.parquet").to_pandas()
    assert not roles.duplicated(["src", "dst"]).any() and {"src", "dst", "position"} <= set(roles.columns)
    assert (folder / "rels" / "HOLDS_SHARES__Enterprise__Enterprise.parquet").exists()


# ------------------------------------------------------------------ hand-made extracts


def uscc(i: int) -> str:
    return make_uscc(f"91330100MA{i:07d}")


def write(folder: Path, companies: list[tuple], reps: list[tuple], holders: list[tuple] = (),
          ent_phone: dict | None = None) -> Path:
    """companies: (uscc, name[, address]); reps: (uscc, name, id, position, mobile, email);
    holders: (uscc, holder name, kind, holder id)."""
    folder.mkdir(parents=True, exist_ok=True)
    ent_phone = ent_phone or {}
    rows = "".join(f"{c[0]},{c[1]},有限责任公司,存续,2015-01-01,,10,{c[2] if len(c) > 2 else c[1] + f'住所{i}号'},,,"
                   f"{ent_phone.get(c[0], '')},2024-01-01\n" for i, c in enumerate(companies))
    (folder / "enterprises.csv").write_text(ENT_HEADER + rows, encoding="utf-8")
    (folder / "legal_reps.csv").write_text(
        REP_HEADER + "".join(",".join(str(x) for x in r) + ",2024-01-01\n" for r in reps), encoding="utf-8")
    if holders:
        (folder / "shareholders.csv").write_text(
            SH_HEADER + "".join(f"{e},{n},{k},{i},0.3,2024-01-01\n" for e, n, k, i in holders), encoding="utf-8")
    return folder


def names(surname: str, n: int) -> list[str]:
    return [surname + g for g in GIVEN[:n]]


def spanning_counts(src: Path) -> Path:
    """One extract, four cases whose counts span names (and so partitions):
    - phone: 41 names share one mobile (agent band, 31-100 parties); 王军 twice among them;
    - address: 5 companies at one address (4-20 band); 李娜 at two of them;
    - company cap: 刘洋 holds shares in E0 (52 people: over COMPANY_CAP) and is legal rep of E1, which E0
      holds shares in: no candidate, as E0's people are too many to say anything;
    - groups: 周杰 at H0 and H2 of the chain H0-H1-H2 (one group, not directly linked); 陈静 at G0 and G2
      of a chain of 31 companies (too big a group: no link)."""
    agent = "13700001111"
    comp, reps, holders = [], [], []
    for i, name in enumerate(["王军", "王军"] + names("赵", 39)):
        comp.append((uscc(100 + i), f"电话{i}公司"))
        reps.append((uscc(100 + i), name, "", "执行董事", agent, ""))
    for i, name in enumerate(["李娜", "李娜", "孙伟", "孙芳", "孙娜"]):
        comp.append((uscc(200 + i), f"同址{i}公司", "浙江省杭州市西湖区文三路100号"))
        reps.append((uscc(200 + i), name, "", "执行董事", "", ""))
    e0, e1 = uscc(300), uscc(301)
    comp += [(e0, "大股东公司"), (e1, "子公司")]
    reps += [(e0, "吴伟", "", "执行董事", "", ""), (e1, "刘洋", "", "执行董事", "", "")]
    holders += [(e0, n, "自然人股东", "") for n in ["刘洋"] + names("钱", 40) + names("郑", 11)]
    holders.append((e1, "大股东公司", "企业法人", e0))
    chain_h = [uscc(400 + i) for i in range(3)]
    chain_g = [uscc(500 + i) for i in range(31)]
    for j, (chain, tag) in enumerate(((chain_h, "H"), (chain_g, "G"))):
        for i, u in enumerate(chain):
            comp.append((u, f"集团{tag}{i}公司"))
            if i < len(chain) - 1:
                holders.append((chain[i + 1], f"集团{tag}{i}公司", "企业法人", u))
        person = ("周杰", "陈静")[j]
        reps += [(chain[0], person, "", "执行董事", "", ""), (chain[2], person, "", "执行董事", "", ""),
                 (chain[1], ("冯伟", "冯芳")[j], "", "执行董事", "", "")]
    return write(src, comp, reps, holders)


def score_of(bits: float) -> float:
    return float(np.round(1.0 / (1.0 + np.exp2(-bits)), 3))


def pair(df: pd.DataFrame, name: str) -> pd.DataFrame:
    return df[df["src"].str.endswith(":" + name) & df["dst"].str.endswith(":" + name)]


def test_counts_that_span_partitions_are_counted_graph_wide(tmp_path):
    batch = batch_of(spanning_counts(tmp_path / "src"))
    want = whole_links(batch)
    base = np.log2(identity.NAME_M * identity.RHO / 1)  # a name held by 2 records
    agent_band = identity.W_SHARED[2][1]
    assert pair(want, "王军")["score"].tolist() == [score_of(base + agent_band)]
    assert score_of(base + agent_band) < score_of(base + identity.W_SHARED[1][1])  # 30 parties or fewer: stronger
    assert pair(want, "李娜")["score"].tolist() == [score_of(base + identity.W_ADDRESS[1][1])]
    assert score_of(base + identity.W_ADDRESS[1][1]) < score_of(base + identity.W_ADDRESS[0][1])
    assert pair(want, "刘洋").empty and pair(want, "陈静").empty
    assert pair(want, "周杰")["score"].tolist() == [score_of(base + identity.W_GROUP)]
    write_batch_files(batch, tmp_path / "files")
    assert_same_links(tmp_path / "files", want)


def hand_made_cases(root: Path) -> dict[str, Path]:
    """The extracts of tests/test_identity_resolution.py's bulk-load cases."""
    a, b, c, d = uscc(1), uscc(2), uscc(3), uscc(4)
    out = {"three masks": write(root / "masks", [(a, "甲公司"), (b, "乙公司"), (c, "丙公司"), (d, "丁公司")], [
        (a, "李建国", "3211**********5898", "执行董事", "", ""), (b, "李建国", "321181********5898", "执行董事", "", ""),
        (c, "李建国", "**************5898", "经理", "", ""), (d, "李建国", "321181********1234", "经理", "", "")])}
    ents = [(uscc(100 + i), f"第{i}公司") for i in range(40)]
    out["forty namesakes"] = write(root / "forty", ents, [
        (u, "王伟", f"330102********{i:04d}" if i % 2 else "", "执行董事", "", "") for i, (u, _) in enumerate(ents)])
    out["name and phone"] = write(root / "phone", [(a, "甲公司"), (b, "乙公司")], [
        (a, "陈静", "", "执行董事", "13912345678", ""), (b, "陈静", "", "执行董事", "139-1234-5678", "")])
    agent = "13700001111"
    ents = [(uscc(200 + i), f"代理{i}公司") for i in range(300)]
    out["agent phone"] = write(root / "agent", ents, [(ents[0][0], "王伟", "", "执行董事", agent, ""),
                                                      (ents[1][0], "王伟", "", "执行董事", agent, "")],
                               ent_phone={u: agent for u, _ in ents})
    full = make_resident_id("33011119931005287")
    for name, masked in (("namesakes", "3301**********0228"), ("typo", f"3301**********{full[-4:-1]}0")):
        out[name] = write(root / name, [(a, "温州某餐饮管理有限公司")], [(a, "王军安", full, "执行董事", "", "")],
                          [(a, "王军安", "自然人股东", masked)])
    return out


def test_hand_made_identity_cases_give_the_same_links(tmp_path):
    found = 0
    for src in hand_made_cases(tmp_path).values():
        batch = batch_of(src)
        want = whole_links(batch)
        found += len(want)
        write_batch_files(batch, tmp_path / f"{src.name}-files")
        assert_same_links(tmp_path / f"{src.name}-files", want, ks=(1, 2, 7))
    assert found >= 5


def test_a_batch_without_people_gives_an_empty_links_file(tmp_path):
    write(tmp_path / "src", [(uscc(1), "甲公司")], [])
    batch = batch_of(tmp_path / "src")
    write_batch_files(batch, tmp_path / "files")
    path, stats = link_identities_from_files(tmp_path / "files", 3)
    assert read_links(path).empty and stats["links"] == 0
    with pytest.raises(ValueError):
        link_identities_from_files(tmp_path / "files", 0)

"""Generation in blocks (etl.synth.blocks): the same seed gives the same bytes, identifiers stay unique over the
blocks, the ground truth is the union of the blocks' truths and names rows that exist, bad rows carry the files'
line numbers, and the files load with no rejects but the rows broken on purpose.

``blocks.BLOCK`` is set small so that 12,000 enterprises make three blocks of 4,000.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import tests.test_synth as single
from creditgraph.etl import synth
from creditgraph.etl.canonical import TABLES
from creditgraph.etl.pipeline import run_load
from creditgraph.etl.synth import blocks
from creditgraph.graph.config import load_settings
from tests.test_etl_load import rejects

N, SMALL_BLOCK, SEED = 12_000, 4_000, 21


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, dict, dict]]:
    """name -> (folder, summary, ground truth): twice with 2% bad rows, once with none, once as Parquet."""
    d = tmp_path_factory.mktemp("blocks")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(blocks, "BLOCK", SMALL_BLOCK)
        for name, kw in (("a", {"bad_rows": 0.02}), ("b", {"bad_rows": 0.02}), ("clean", {}),
                         ("parquet", {"bad_rows": 0.02, "fmt": "parquet"})):
            s = synth.generate(N, SEED, d / name, **kw)
            out[name] = (d / name, s, json.loads((d / name / "ground_truth.json").read_text(encoding="utf-8")))
    return out


def read(d: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False)


def by_block(s: dict, file: str, df: pd.DataFrame) -> list[pd.DataFrame]:
    """The rows each block wrote to a file."""
    ends = pd.Series([b["files"][file] for b in s["blocks"]]).cumsum().tolist()
    return [df.iloc[a:b] for a, b in zip([0] + ends[:-1], ends)]


def code_tag(code: str) -> int:
    """The random part of an enterprise code as a number: a USCC's organisation code (8 digits, or MA + 6 base-31
    characters) without its check character, a registration number's 7 free digits."""
    if len(code) == 15:
        return int(code[7:14])
    body = code[8:16]
    if body.startswith("MA"):
        return sum(single.USCC_CHARS.index(c) * 31 ** (5 - i) for i, c in enumerate(body[2:]))
    return int(body)


def test_block_sizes(monkeypatch):
    assert blocks.block_sizes(10_000_000) == [1_000_000] * 10 and blocks.block_sizes(1_000_000) == [1_000_000]
    monkeypatch.setattr(blocks, "BLOCK", 600)
    assert blocks.block_sizes(1500) == [500] * 3
    assert blocks.block_sizes(601) == [601] and blocks.block_sizes(1300) == [650, 650]  # no block below 500
    assert blocks.block_sizes(1801) == [601, 600, 600]


def test_same_seed_same_bytes(runs):
    (a, sa, _), (b, sb, _) = runs["a"], runs["b"]
    assert [x["enterprises"] for x in sa["blocks"]] == [4000] * 3
    digest = [{p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())} for d in (a, b)]
    assert digest[0] == digest[1] and len(digest[0]) == 9
    assert sa["files"] == sb["files"] and sa["rows"] == sum(sa["files"].values())


def test_identifiers_unique_over_blocks(runs):
    d, s, gt = runs["clean"]
    ent = read(d, "enterprises")
    for col in ("uscc", "subject_id", "name"):
        assert ent[col].str.upper().is_unique, col
    assert ent.loc[ent["reg_no"] != "", "reg_no"].is_unique
    assert all(single.uscc_ok(u) for u in ent["uscc"] if len(u) == 18)
    pen = read(d, "penalties")
    assert (pen["kind"] + ":" + pen["record_id"]).is_unique and pen.loc[pen["doc_no"] != "", "doc_no"].is_unique
    for name in ("commitments", "red_lists"):
        rid = read(d, name)["record_id"]
        assert rid[rid != ""].is_unique, name  # one red-list row per block lacks its id on purpose
    # full ID numbers, foreign document numbers and mobiles: no two blocks share one
    lr, sh = read(d, "legal_reps"), read(d, "shareholders")
    ids = [set(x["id_no"]) | set(y["holder_id"]) | set(z["person_id_no"])
           for x, y, z in zip(by_block(s, "legal_reps.csv", lr), by_block(s, "shareholders.csv", sh),
                              by_block(s, "penalties.csv", pen))]
    ids = [{v for v in x if (len(v) == 18 and single.is_person_id(v)) or (v[:1] in ("E", "H") and len(v) == 9)}
           for x in ids]
    phones = [(set(x["mobile"]) | set(e["phone"])) - {""}
              for x, e in zip(by_block(s, "legal_reps.csv", lr), by_block(s, "enterprises.csv", ent))]
    for i in range(3):
        for j in range(i):
            assert not ids[i] & ids[j] and not phones[i] & phones[j], (i, j)
    assert all(len(x) > 1000 for x in ids)
    # the mechanism: the random digits carry the block (value mod 3 = block index), whatever the size
    for b, (e, x) in enumerate(zip(by_block(s, "enterprises.csv", ent), ids)):
        assert {code_tag(u.upper()) % 3 for u in e["uscc"]} == {b}
        assert {int(v[14:17]) % 3 for v in x if len(v) == 18} == {b} and {int(v[1:]) % 3 for v in x if len(v) == 9} == {b}
        assert {int(m) % 10**8 % 3 for m in phones[b]} == {b}
    # the ground truth's people: one key and one true ID number each
    keys = [p["key"] for p in gt["people"]]
    assert len(set(keys)) == len(keys) and len({p["id_no"] for p in gt["people"]}) == len(keys)
    # planted and cluster addresses belong to their own enterprises only (the brute-force checker checks the rest)
    hosts = ent.groupby("address")["uscc"].apply(lambda u: set(u.str.upper()))
    for c in gt["shell_clusters"]:
        assert hosts[c["address"]] == set(c["members"])
    for c in gt["decoys"]["cluster_addresses"]:
        assert hosts[c["address"]] <= set(c["enterprises"])


def test_ground_truth_is_the_union_of_the_blocks(runs):
    _, s, gt = runs["a"]
    counts = [b["counts"] for b in s["blocks"]]

    def summed(key):
        vals = [c[key] for c in counts]
        if isinstance(vals[0], dict):
            return {k: sum(v[k] for v in vals) for k in vals[0] if not isinstance(vals[0][k], (dict, float))}
        return sum(vals)

    for key, v in gt["counts"].items():
        if isinstance(v, float):
            continue
        want = summed(key)
        got = {k: x for k, x in v.items() if not isinstance(x, (dict, float))} if isinstance(v, dict) else v
        assert got == want, key
    c = gt["counts"]
    assert c["shell_clusters"] == len(gt["shell_clusters"]) and c["phoenix_cases"] == len(gt["phoenix_cases"])
    assert c["repeat_offenders.person"] == len(gt["repeat_offenders"]["person"]) and c["bad_rows"] == len(gt["bad_rows"])
    assert c["decoys"] == {k: len(v) for k, v in gt["decoys"].items()}
    rows = c["person_rows_by_source"]
    assert c["masked_person_rows_share"] == round(sum(v["masked"] for v in rows.values())
                                                  / sum(v["person_rows"] for v in rows.values()), 4)
    assert gt["generator"]["enterprises"] == N and s["counts"] == c
    # laid out as one block's ground truth is
    from creditgraph.etl.synth.output import _dump_truth

    assert _dump_truth(gt) == (runs["a"][0] / "ground_truth.json").read_text(encoding="utf-8")


def test_bad_rows_name_the_cells_that_were_broken(runs):
    """With and without bad rows the blocks draw the same data: the cells that differ are the listed ones."""
    (a, _, gt), (clean, _, gt0) = runs["a"], runs["clean"]
    listed = {(b["file"], b["row"], b["column"]) for b in gt["bad_rows"]}
    always = {(b["file"], b["row"], b["column"]) for b in gt0["bad_rows"]}
    assert always <= listed and len(always) == 15  # commitments 3, red lists 2 per block
    differ = set()
    for name in TABLES:
        x, y = read(a, name), read(clean, name)
        assert x.shape == y.shape, name
        for col in x.columns:
            differ |= {(f"{name}.csv", int(i) + 2, col) for i in x.index[x[col] != y[col]]}
    assert differ == listed - always and len(differ) > 500
    assert max(r for f, r, _ in listed if f == "enterprises.csv") > 2 * SMALL_BLOCK  # rows of the last block


def test_parquet_blocks_hold_the_csv_rows(runs):
    (c, _, gt), (p, _, gtp) = runs["a"], runs["parquet"]
    for name in TABLES:
        a = read(c, name)
        meta = pq.ParquetFile(p / f"{name}.parquet").metadata
        assert meta.num_row_groups == 3 or a.empty
        b = pq.read_table(p / f"{name}.parquet").to_pandas().fillna("")
        pd.testing.assert_frame_equal(a, b.astype(str), check_dtype=False)
    assert gtp["bad_rows"] == [{**b, "file": b["file"].replace(".csv", ".parquet")} for b in gt["bad_rows"]]


def test_encodings_and_layouts_over_blocks(tmp_path, monkeypatch):
    """One header (one BOM) per file whatever the encoding and layout; GB18030 is the UTF-8 text re-encoded."""
    monkeypatch.setattr(blocks, "BLOCK", 600)
    for profile in ("canonical", "zj-warehouse"):
        out = {enc: tmp_path / f"{profile}-{enc}" for enc in ("utf-8", "utf-8-sig", "gb18030")}
        sums = {enc: synth.generate(1500, 3, d, profile=profile, encoding=enc, bad_rows=0.01) for enc, d in out.items()}
        assert len(sums["utf-8"]["blocks"]) == 3
        for name, rows in sums["utf-8"]["files"].items():
            text = (out["utf-8"] / name).read_bytes().decode("utf-8")
            header = text.split("\n", 1)[0]
            assert text.count(header + "\n") == 1 and text.count("\n") >= rows + 1, name
            assert (out["gb18030"] / name).read_bytes().decode("gb18030") == text
            assert (out["utf-8-sig"] / name).read_bytes() == b"\xef\xbb\xbf" + text.encode("utf-8")
        truths = {enc: json.loads((d / "ground_truth.json").read_text(encoding="utf-8")) for enc, d in out.items()}
        assert truths["utf-8"]["bad_rows"] == truths["gb18030"]["bad_rows"] == truths["utf-8-sig"]["bad_rows"]


def test_single_block_checks_hold_over_blocks(runs):
    """The brute-force checker and the single-world content checks of tests/test_synth.py, on three blocks."""
    d, _, gt = runs["a"]
    single.check_against_truth(d, gt)
    single.test_ground_truth_members_exist((d, gt))
    single.test_ground_truth_records_resolve_to_rows((d, gt))
    single.test_hard_identity_cases_are_planted((d, gt))  # name-only people: names nobody else bears
    single.test_checksums_valid_except_listed_bad_rows((d, gt))
    # on the run without random bad rows: a broken legal_reps row may hide one end of a red/black pair (as in one block)
    single.test_commitments_and_red_lists_with_their_truth(runs["clean"][::2])


def test_loads_with_no_rejects_but_the_listed_rows(runs, tmp_path):
    d, s, gt = runs["clean"]
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "graph", id_key="test-key")
    rep = run_load(d, "canonical", settings)
    r = rejects(rep)
    r = r[r["severity"] == "rejected"]
    assert {(Path(f).name, int(x)) for f, x in zip(r["file"], r["row"])} == {(b["file"], b["row"]) for b in gt["bad_rows"]}
    assert rep.tables["enterprises"]["loaded"] == N and rep.tables["penalties"]["loaded"] == s["files"]["penalties.csv"]
    assert rep.tables["shareholders"]["rejected"] == 0 and rep.tables["legal_reps"]["rejected"] == 0

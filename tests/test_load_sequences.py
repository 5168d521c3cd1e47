"""Property: any sequence of loads, re-loads, refreshes and deletions leaves the graph a fresh load of
the final data would give, and that graph passes ``graph.verify`` (issue 13).

Hypothesis draws the sequence; the model is a small registry (enterprises, legal representatives,
shareholders, penalties) edited step by step. Each step writes the model's data to a canonical
extract and applies it one of four ways: a full load, a re-load of the same data, a snapshot refresh,
or a flagged refresh carrying only the changed rows. After each step the graph is compared, property
by property, with a graph loaded fresh from the model.
"""
from __future__ import annotations

import copy
import csv
import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings as hsettings, strategies as st

from creditgraph.graph.identifiers import make_resident_id, make_uscc
from creditgraph.etl.pipeline import last_counts, run_load
from creditgraph.etl.refresh import run_refresh
from creditgraph.graph import snapshots
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.graph.model import MODEL
from creditgraph.graph.verify import verify

N = 12
USCC = [make_uscc(f"9133010{i:02d}MA2E0000") for i in range(N)]
IDS = [make_resident_id(f"3302021980010{i:02d}12") for i in range(4)]
COLUMNS = {
    "enterprises": ["uscc", "name", "kind", "status", "founded", "capital", "address", "region", "legal_rep", "updated_at"],
    "legal_reps": ["enterprise_uscc", "person_name", "id_no", "position", "since", "updated_at"],
    "shareholders": ["enterprise_uscc", "holder_name", "holder_kind", "holder_id", "subscribed", "paid", "ratio",
                     "report_year", "updated_at"],
    "penalties": ["kind", "record_id", "subject_uscc", "subject_name", "decided", "reason", "result", "authority",
                  "region", "removed", "removal_reason", "status", "updated_at"],
}
KEYS = {"enterprises": ("uscc",), "legal_reps": ("enterprise_uscc",), "shareholders": ("enterprise_uscc", "holder_name"),
        "penalties": ("record_id",)}
REP_NAMES = ["张伟", "王芳", "李娜", "刘洋"]  # the ID holders: each heads three companies


def base_model() -> dict[str, dict]:
    ents, reps, holders, pens = {}, {}, {}, {}
    for i, u in enumerate(USCC):
        person = i % 4 if i < 8 else None  # 8 companies led by 4 people with ID numbers, 4 by name-only people
        name = REP_NAMES[person] if person is not None else f"赵{'一二三四'[i - 8]}"
        ents[u] = {"uscc": u, "name": f"杭州第{i}号贸易有限公司", "kind": "有限责任公司", "status": "存续",
                   "founded": f"201{i % 10}-03-01", "capital": f"{10 + i}(万)", "address": f"杭州市某路{i}号",
                   "region": "330106", "legal_rep": name, "updated_at": "2024-01-01"}
        reps[u] = {"enterprise_uscc": u, "person_name": name, "id_no": IDS[person] if person is not None else "",
                   "position": "执行董事", "since": "2015-01-01", "updated_at": "2024-01-01"}
        for holder in [name, f"钱{i}"]:
            holders[(u, holder)] = {"enterprise_uscc": u, "holder_name": holder, "holder_kind": "自然人股东",
                                    "holder_id": "", "subscribed": "50", "paid": "10", "ratio": "0.5",
                                    "report_year": "2023", "updated_at": "2024-01-01"}
    for k in range(6):
        u = USCC[k * 2]
        pens[f"P{k}"] = {"kind": "administrative_penalty", "record_id": f"P{k}", "subject_uscc": u,
                         "subject_name": ents[u]["name"], "decided": f"2022-0{k + 1}-10", "reason": "虚假宣传",
                         "result": "罚款2000元", "authority": "杭州市市场监督管理局", "region": "330106", "removed": "",
                         "removal_reason": "", "status": "", "updated_at": "2024-01-01"}
    return {"enterprises": ents, "legal_reps": reps, "shareholders": holders, "penalties": pens}


# --- edits -------------------------------------------------------------------------------
def edit(model: dict, kind: str, i: int, v: int) -> None:
    """One edit of the model: property changes, a penalty repaired, removed, deleted or added."""
    u = USCC[i % N]
    if kind == "status":
        model["enterprises"][u]["status"] = ["存续", "注销", "吊销"][v % 3]
    elif kind == "capital":
        model["enterprises"][u]["capital"] = f"{v}(万)"
    elif kind == "position":
        model["legal_reps"][u]["position"] = ["执行董事", "董事长", "经理"][v % 3]
    elif kind == "paid":
        holder = model["enterprises"][u]["legal_rep"]
        model["shareholders"][(u, holder)]["paid"] = str(v)
    elif kind == "repair":
        pens = sorted(model["penalties"])
        if pens:
            p = model["penalties"][pens[v % len(pens)]]
            p.update(removed="2024-06-01", removal_reason="信用修复", status=["repaired", "removed", "active"][i % 3])
    elif kind == "delete_penalty":
        pens = sorted(model["penalties"])
        if pens:
            del model["penalties"][pens[v % len(pens)]]
    elif kind == "add_penalty":
        rid = f"Q{i}-{v}"
        model["penalties"][rid] = {"kind": "abnormal_operation", "record_id": rid, "subject_uscc": u,
                                   "subject_name": model["enterprises"][u]["name"], "decided": "2023-05-05",
                                   "reason": "通过登记的住所或者经营场所无法联系的", "result": "", "authority": "杭州市市场监督管理局",
                                   "region": "330106", "removed": "", "removal_reason": "", "status": "", "updated_at": "2024-02-01"}


EDITS = st.lists(st.tuples(st.sampled_from(["status", "capital", "position", "paid", "repair", "delete_penalty",
                                            "add_penalty"]),
                           st.integers(0, N - 1), st.integers(1, 999)), min_size=1, max_size=4)
STEP = st.tuples(st.sampled_from(["load", "reload", "refresh_snapshot", "refresh_flags"]), EDITS)


# --- extracts ----------------------------------------------------------------------------
def write_extract(folder: Path, tables: dict[str, list[dict]], flags: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        cols = COLUMNS[name] + (["change_flag"] if flags else [])
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            for r in rows:
                w.writerow({c: r.get(c, "") for c in cols})
    return folder


def full_extract(folder: Path, model: dict, deleted_penalties: list[dict] = ()) -> Path:
    tables = {name: list(rows.values()) for name, rows in model.items()}
    if deleted_penalties:  # a load keeps what an extract does not name: deletions are flagged rows
        tables = {name: [dict(r, change_flag="") for r in rows] for name, rows in tables.items()}
        tables["penalties"] += [dict(p, change_flag="d") for p in deleted_penalties]
    return write_extract(folder, tables, flags=bool(deleted_penalties))


def change_extract(folder: Path, before: dict, after: dict) -> Path:
    """Only what changed, with change flags: i (new), u (changed), d (gone)."""
    tables = {}
    for name in after:
        old, new = before[name], after[name]
        rows = [dict(r, change_flag="i") for k, r in new.items() if k not in old]
        rows += [dict(r, change_flag="u") for k, r in new.items() if k in old and old[k] != r]
        rows += [dict(r, change_flag="d") for k, r in old.items() if k not in new]
        tables[name] = rows
    return write_extract(folder, tables, flags=True)


# --- comparing graphs --------------------------------------------------------------------
def cfg(root: Path):
    return dataclasses.replace(load_settings(), store="embedded", db_path=root, id_key="seq-key")


def dump(root: Path) -> dict:
    """Every node and edge with every property, in a stable order."""
    out = {}
    with EmbeddedStore(root, read_only=True) as s:
        for label, node in MODEL.nodes.items():
            cols = ", ".join(f"n.{p} AS {p}" for p in node.properties)
            df = s.run(f"MATCH (n:{label}) RETURN {cols} ORDER BY n.uid")
            out[label] = df.astype(object).where(df.notna(), None).to_dict("records")
        for rtype, rel in MODEL.rels.items():
            for a, b in rel.pairs:
                props = "".join(f", r.{p} AS {p}" for p in rel.properties)
                df = s.run(f"MATCH (x:{a})-[r:{rtype}]->(y:{b}) RETURN x.uid AS src, y.uid AS dst{props} ORDER BY src, dst")
                out[f"{rtype}:{a}->{b}"] = df.astype(object).where(df.notna(), None).to_dict("records")
    return out


def check_step(root: Path, model: dict, work: Path) -> None:
    fresh = work / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    run_load(full_extract(work / "fresh-src", model), "canonical", cfg(fresh))
    got, want = dump(root), dump(fresh)
    for key in want:
        assert got[key] == want[key], f"{key} differs from a fresh load of the same data"
    version = snapshots.current_name(root)
    with EmbeddedStore(root, read_only=True) as s:
        report = verify(s, sample=None, expected_counts=last_counts(cfg(root), version))
    assert report.ok, report.lines()


@pytest.mark.slow
@hsettings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=3))
# found by this test (2026-11-27): the last abnormal-operation entry dropped from a full snapshot stayed
@example(steps=[("refresh_flags", [("add_penalty", 0, 118)]), ("refresh_snapshot", [("delete_penalty", 0, 6)])])
def test_any_sequence_of_loads_and_refreshes_equals_a_fresh_load(steps):
    work = Path(tempfile.mkdtemp(prefix="cg-seq-"))
    try:
        root = work / "graph"
        model = base_model()
        run_load(full_extract(work / "s0", model), "canonical", cfg(root))
        for n, (how, edits) in enumerate(steps, start=1):
            before = copy.deepcopy(model)
            if how != "reload":
                for e in edits:
                    edit(model, *e)
            src = work / f"s{n}"
            if how in ("load", "reload"):
                gone = [p for k, p in before["penalties"].items() if k not in model["penalties"]]
                version = snapshots.current_name(root)
                rep = run_load(full_extract(src, model, gone), "canonical", cfg(root))
                if how == "reload":
                    assert rep.status == "unchanged" and snapshots.current_name(root) == version
            elif how == "refresh_snapshot":
                run_refresh(full_extract(src, model), "canonical", cfg(root), mode="snapshot", max_delete=1.0)
            else:
                run_refresh(change_extract(src, before, model), "canonical", cfg(root), mode="incremental")
            check_step(root, model, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def reps_per_company(root: Path) -> dict[str, list[str]]:
    with EmbeddedStore(root, read_only=True) as s:
        df = s.run("MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise) WHERE r.valid_to IS NULL "
                   "RETURN e.uid AS e, p.uid AS p, p.name AS name")  # today's representatives
    return {e: sorted(g["name"]) for e, g in df.groupby("e")}


def test_an_update_row_without_its_legal_rep_row_keeps_one_legal_rep(tmp_path):
    """An incremental refresh updating companies (their rows name the legal rep) but carrying no
    legal-rep rows must not add a name-only twin of the ID-keyed representative."""
    model = base_model()
    root = tmp_path / "graph"
    run_load(full_extract(tmp_path / "s0", model), "canonical", cfg(root))
    after = copy.deepcopy(model)
    for u in USCC:
        after["enterprises"][u]["capital"] = "999(万)"
    write_extract(tmp_path / "chg", {"enterprises": [dict(r, change_flag="u") for r in after["enterprises"].values()]},
                  flags=True)
    run_refresh(tmp_path / "chg", "canonical", cfg(root), mode="incremental")
    reps = reps_per_company(root)
    assert all(len(v) == 1 for v in reps.values()), {k: v for k, v in reps.items() if len(v) != 1}
    assert len(reps) == N
    check_step(root, after, tmp_path)


def test_an_update_row_naming_another_legal_rep_replaces_the_old_one(tmp_path):
    model = base_model()
    root = tmp_path / "graph"
    run_load(full_extract(tmp_path / "s0", model), "canonical", cfg(root))
    row = dict(model["enterprises"][USCC[0]], legal_rep="孙新", change_flag="u")
    write_extract(tmp_path / "chg", {"enterprises": [row]}, flags=True)
    run_refresh(tmp_path / "chg", "canonical", cfg(root), mode="incremental")
    reps = reps_per_company(root)
    assert reps[USCC[0]] == ["孙新"]
    assert reps[USCC[4]] == [REP_NAMES[0]]  # the old representative keeps his other companies

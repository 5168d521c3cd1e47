"""Scheduled refresh: flags, full snapshots, idempotence, kills, concurrent readers, repairs, the lock."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.graph.identifiers import make_uscc
from creditgraph.etl.pipeline import FatalLoadError, history, run_load
from creditgraph.etl.refresh import run_refresh
from creditgraph.etl.synth import generate
from creditgraph.etl.synth.changes import change_extract
from creditgraph.graph import snapshots
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.queries.neighborhood import neighborhood
from creditgraph.queries.repeat import repeat_offenders
from tests.test_etl_load import ENT_HEADER, ID1, U1, U2, U3, U4, write
from tests.test_store_contract import snapshot

REPO = Path(__file__).resolve().parents[1]
ID_KEY = "test-key"
PEN_HEADER = "kind,record_id,subject_uscc,subject_name,decided,reason,result,authority,region,removed,removal_reason,status,change_flag,updated_at\n"


def settings(root: Path):
    return dataclasses.replace(load_settings(), store="embedded", db_path=root, id_key=ID_KEY)


def dump(root: Path) -> dict:
    with EmbeddedStore(root, read_only=True) as g:
        return snapshot(g)


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    e = {**os.environ, "CREDITGRAPH_ID_KEY": ID_KEY, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "creditgraph.app.cli", *args], cwd=REPO, env=e,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> dict:
    """A 2,000-enterprise synthetic graph and a flagged 5% change extract of it."""
    d = tmp_path_factory.mktemp("synthetic")
    generate(2000, seed=5, out=d / "src")
    plan = change_extract(d / "src", d / "chg", fraction=0.05, seed=2)
    run_load(d / "src", "canonical", settings(d / "base"))
    return {"dir": d, "base": d / "base", "chg": d / "chg", "plan": plan}


@pytest.fixture
def graph_copy(synthetic, tmp_path) -> Path:
    root = tmp_path / "graph"
    shutil.copytree(synthetic["base"], root)
    return root


# --- change flags ----------------------------------------------------------------------
def test_flagged_insert_update_delete(extract, tmp_path):
    root = tmp_path / "graph"
    run_load(extract, "canonical", settings(root))
    new = make_uscc("91330100MA2E00001")
    upd = tmp_path / "upd"
    write(upd, "enterprises.csv", ENT_HEADER.replace("updated_at", "change_flag,updated_at")
          + f"{new},新设有限公司,有限责任公司,存续,2024-05-01,,10,杭州市某路9号,,钱八,,i,2024-06-01\n"
          + f"{U2},宁波甲乙电子商行,个体工商户,注销,2010/06/16,20150101,600(万),浙江省宁波市镇海区新路8号,330211,李四,,u,2024-06-01\n")
    write(upd, "penalties.csv", "kind,record_id,subject_uscc,change_flag,updated_at\n" + f"行政处罚,AP001,{U1},d,2024-06-01\n")
    write(upd, "legal_reps.csv", "enterprise_uscc,person_name,id_no,change_flag,updated_at\n" + f"{U1},张三,{ID1},d,2024-06-01\n")
    rep = run_refresh(upd, "canonical", settings(root))
    assert rep.status == "refreshed" and rep.version["old"] != rep.version["new"]
    t = rep.tables["enterprises"]
    assert (t["flag_insert"], t["flag_update"], t["inserted"], t["updated"]) == (1, 1, 1, 1)
    assert rep.deleted == {"PenaltyEvent": 1, "HAS_ADDRESS": 1}
    assert rep.graph["LEGAL_REP"]["closed"] == 1                    # the ended role is closed, not deleted
    with EmbeddedStore(root, read_only=True) as g:
        e = g.run("MATCH (e:Enterprise) RETURN e.uid AS uid, e.capital AS capital, e.address AS address").set_index("uid")
        assert new in e.index and e.loc[U2, "capital"] == pytest.approx(6_000_000)
        addr = g.run("MATCH (e:Enterprise {uid: $u})-[:HAS_ADDRESS]->(a) RETURN a.text AS t", {"u": U2})["t"].tolist()
        assert addr == ["浙江省宁波市镇海区新路8号"]                  # the old address edge went with the move
        assert sorted(g.node_keys("PenaltyEvent")) == ["AO:AO001", "SI:SI001"]
        assert U1 in set(g.node_keys("Enterprise"))                  # deleting an event leaves its subject
        got = g.run("MATCH (p:Person {name: '张三'})-[r]->(e:Enterprise {uid: $u}) RETURN label(r) AS t, "
                    "r.valid_to AS until, r.ended_by AS why ORDER BY t", {"u": U1})
        assert got["t"].tolist() == ["HOLDS_SHARES", "LEGAL_REP"]
        assert str(got["until"][1])[:10] == "2024-06-01" and got["why"][1] == "delete_flag"  # dated by the row
    # manifest, JSON log lines and history
    m = json.loads(Path(rep.manifest).read_text(encoding="utf-8"))
    assert m["kind"] == "refresh" and m["version"] == rep.version and len(m["inputs"][0]["sha256"]) == 64
    assert {"read", "validate", "resolve", "diff", "copy", "apply", "publish", "total"} <= set(m["timings"])
    lines = [json.loads(x) for x in (Path(rep.run_dir) / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["event"] == "start" and lines[-1]["event"] == "finished" and all(x["run_id"] == rep.run_id for x in lines)
    assert [h["kind"] for h in history(settings(root))] == ["refresh", "load"]


# --- full snapshots ------------------------------------------------------------------------
def test_full_snapshot_is_diffed_and_absent_records_deleted(extract, tmp_path):
    root = tmp_path / "graph"
    run_load(extract, "canonical", settings(root))
    with EmbeddedStore(root, read_only=True) as g:
        before = g.run("MATCH (e:Enterprise) WHERE e.source = 'canonical' RETURN e.uid AS uid")["uid"].tolist()
    src = pd.read_csv(extract / "enterprises.csv", dtype=str, keep_default_na=False)
    snap = src[src["uscc"].str.upper() != U3].copy()                              # U3 no longer registered
    snap.loc[snap["uscc"] == U4, "capital"] = "300(万元人民币)"                     # U4 changed
    new = make_uscc("91330100MA2E00002")
    snap = pd.concat([snap, pd.DataFrame([{**{c: "" for c in snap.columns}, "uscc": new, "name": "快照新增有限公司"}])])
    (tmp_path / "snap").mkdir()
    snap.to_csv(tmp_path / "snap" / "enterprises.csv", index=False)
    rep = run_refresh(tmp_path / "snap", "canonical", settings(root))
    t = rep.tables["enterprises"]
    assert rep.modes["enterprises"] == "snapshot"
    assert (t["inserted"], t["updated"], t["deleted"]) == (1, 1, 1)
    assert t["unchanged"] == len(before) - 2
    with EmbeddedStore(root, read_only=True) as g:
        keys = set(g.node_keys("Enterprise"))
        assert U3 not in keys and new in keys and U1 in keys
        assert g.run("MATCH (e:Enterprise {uid: $u}) RETURN e.capital AS c", {"u": U4})["c"].iloc[0] == pytest.approx(3_000_000)
    # the same snapshot again: nothing to do
    again = run_refresh(tmp_path / "snap", "canonical", settings(root))
    assert again.status == "unchanged" and again.version["new"] == rep.version["new"]


def test_truncated_snapshot_is_refused(extract, tmp_path):
    root = tmp_path / "graph"
    run_load(extract, "canonical", settings(root))
    version = snapshots.current_name(root)
    write(tmp_path / "cut", "enterprises.csv", ENT_HEADER + f"{U1},湖州某某贸易有限公司,,存续,2008-6-16,,10,湖州,,张三,,2024-01-01\n")
    with pytest.raises(FatalLoadError, match="would delete .* --max-delete"):
        run_refresh(tmp_path / "cut", "canonical", settings(root))
    assert snapshots.current_name(root) == version
    rep = run_refresh(tmp_path / "cut", "canonical", settings(root), mode="incremental")   # a partial extract
    assert rep.deleted == {} or "Enterprise" not in rep.deleted


def test_history_is_newest_first_within_one_second(tmp_path):
    """Run ids name the second a run started plus a random suffix: two runs in one second are
    still listed by start time."""
    root = tmp_path / "graph"
    for run_id, kind, started in (("20261124T020000Z-ffffff", "load", "2026-11-24T02:00:00.100000+00:00"),
                                  ("20261124T020000Z-000000", "refresh", "2026-11-24T02:00:00.900000+00:00"),
                                  ("20261124T015959Z-aaaaaa", "load", "2026-11-24T01:59:59.990000+00:00")):
        (root / "runs" / run_id).mkdir(parents=True)
        (root / "runs" / run_id / "manifest.json").write_text(
            json.dumps({"run_id": run_id, "kind": kind, "started": started}), encoding="utf-8")
    (root / "runs" / "broken").mkdir()
    (root / "runs" / "broken" / "manifest.json").write_text("{", encoding="utf-8")  # a run killed while writing
    assert [h["run_id"] for h in history(settings(root))] == [
        "20261124T020000Z-000000", "20261124T020000Z-ffffff", "20261124T015959Z-aaaaaa"]


# --- idempotence -------------------------------------------------------------------------------
RATIOS = ("MATCH (a)-[r:HOLDS_SHARES]->(e:Enterprise) WHERE r.valid_to IS NULL "  # today's holders
          "RETURN e.uid AS e, sum(r.ratio) AS total, count(*) AS holders")


def test_same_extract_twice_changes_nothing_the_second_time(synthetic, graph_copy):
    with EmbeddedStore(graph_copy, read_only=True) as g:
        ratios_before = g.run(RATIOS).set_index("e")
    first = run_refresh(synthetic["chg"], "canonical", settings(graph_copy))
    plan = synthetic["plan"]
    assert first.status == "refreshed" and first.changes > 0
    assert first.deleted["Enterprise"] == plan["enterprises"]["delete"]
    assert first.tables["penalties"]["updated"] == plan["penalties"]["repaired"] + plan["penalties"]["removed"]
    after_first = dump(graph_copy)
    with EmbeddedStore(graph_copy, read_only=True) as g:       # a shareholding row without a ratio is a share
        j = ratios_before.join(g.run(RATIOS).set_index("e"), how="inner", suffixes=("_0", ""))  # of ALL holders, not of the
    same = j[j["holders_0"] == j["holders"]]                                              # extract's rows only
    assert len(same) > 100 and (same["total_0"] - same["total"]).abs().max() < 1e-9
    second = run_refresh(synthetic["chg"], "canonical", settings(graph_copy))
    assert second.status == "unchanged" and second.changes == 0 and second.deleted == {}
    assert all(v["inserted"] == v["updated"] == 0 for v in second.graph.values())
    assert second.version == {"old": first.version["new"], "new": first.version["new"]}   # no new snapshot
    assert dump(graph_copy) == after_first


# --- killed midway -------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", ["apply-midway", "publish"])
def test_sigkill_midway_leaves_previous_graph_and_next_refresh_completes(synthetic, graph_copy, tmp_path, stage):
    reference = tmp_path / "reference"
    shutil.copytree(graph_copy, reference)
    run_refresh(synthetic["chg"], "canonical", settings(reference))
    expected = dump(reference)
    before, version = dump(graph_copy), snapshots.current_name(graph_copy)

    proc = cli("refresh", str(synthetic["chg"]), "--db", str(graph_copy), "--log-json",
               env={"CREDITGRAPH_REFRESH_PAUSE": f"{stage}:120"})
    for line in proc.stderr:
        if '"event": "paused"' in line:
            break
    else:
        pytest.fail(f"refresh never reached {stage}: rc={proc.wait()}")
    assert list(graph_copy.glob("v*.tmp"))                               # it was writing a new snapshot
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    assert snapshots.current_name(graph_copy) == version
    assert dump(graph_copy) == before                                   # the previous graph, intact and readable
    done = cli("refresh", str(synthetic["chg"]), "--db", str(graph_copy), "--log-json")
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err[-2000:]
    assert not list(graph_copy.glob("v*.tmp"))                           # the leftover staging folder is gone
    assert dump(graph_copy) == expected


def test_sigkill_midway_on_neo4j_rolls_back_and_the_next_refresh_completes(synthetic, graph_copy, tmp_path, neo4j_server,
                                                                          monkeypatch):
    """On Neo4j the refresh is one transaction: a client killed inside it leaves the graph as it was."""
    from creditgraph.graph.neo4j_store import Neo4jStore
    from tests.neo4j_fixture import neo4j_store_factory

    neo4j_store_factory(neo4j_server).close()  # wiped, schema created
    runs = tmp_path / "runs"
    monkeypatch.setenv("CREDITGRAPH_RUNS", str(runs))
    run_load(synthetic["dir"] / "src", "canonical",
             dataclasses.replace(load_settings(), store="neo4j", neo4j=neo4j_server, id_key=ID_KEY))
    with Neo4jStore.from_settings(neo4j_server) as g:
        before, version = snapshot(g), g.get_meta("graph_version")
    env = {"NEO4J_URI": neo4j_server.uri, "NEO4J_USER": neo4j_server.user, "NEO4J_PASSWORD": neo4j_server.password,
           "CREDITGRAPH_RUNS": str(runs)}
    proc = cli("refresh", str(synthetic["chg"]), "--neo4j", "--log-json",
               env={**env, "CREDITGRAPH_REFRESH_PAUSE": "apply-midway:120"})
    for line in proc.stderr:
        if '"event": "paused"' in line:
            break
    else:
        pytest.fail(f"refresh never reached apply-midway: rc={proc.wait()}")
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    with Neo4jStore.from_settings(neo4j_server) as g:  # the server drops the dead client's transaction
        assert snapshot(g) == before and g.get_meta("graph_version") == version
    done = cli("refresh", str(synthetic["chg"]), "--neo4j", env=env)
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err[-2000:]
    run_refresh(synthetic["chg"], "canonical", settings(graph_copy))  # the same refresh on the embedded store
    with Neo4jStore.from_settings(neo4j_server) as g, EmbeddedStore(graph_copy, read_only=True) as ref:
        assert g.get_meta("graph_version") == str(int(version) + 1) and g.counts() == ref.counts()


# --- readers during a refresh ----------------------------------------------------------------------
READER = r'''
import json, sys, time
from pathlib import Path
from creditgraph.graph.embedded import EmbeddedStore

def answer(store):
    ev = store.run("MATCH (v:PenaltyEvent) RETURN v.uid AS uid, v.status AS status ORDER BY uid")
    cap = store.run("MATCH (e:Enterprise) RETURN sum(e.capital) AS c")["c"].iloc[0]
    return {"counts": store.counts(), "statuses": ev["status"].fillna("").tolist(), "capital": round(float(cap or 0), 2)}

root, out, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
store = EmbeddedStore(root, read_only=True)
with open(out, "w") as fh:
    while True:
        if store.is_stale():
            store.close()
            store = EmbeddedStore(root, read_only=True)
        fh.write(json.dumps({"version": store.version, "answer": answer(store)}) + "\n")
        fh.flush()
        if stop.exists():
            break
'''


def test_reader_sees_old_or_new_graph_never_a_mix(synthetic, graph_copy, tmp_path):
    script = tmp_path / "bin" / "reader.py"   # not next to the graph folder: it would shadow the package
    script.parent.mkdir()
    script.write_text(READER, encoding="utf-8")
    out, stop = tmp_path / "answers.jsonl", tmp_path / "stop"

    def read_once() -> dict:
        stop.touch()
        subprocess.run([sys.executable, str(script), str(graph_copy), str(tmp_path / "once.jsonl"), str(stop)],
                       cwd=REPO, check=True)
        stop.unlink()
        return json.loads((tmp_path / "once.jsonl").read_text().splitlines()[-1])["answer"]

    old = read_once()
    reader = subprocess.Popen([sys.executable, str(script), str(graph_copy), str(out), str(stop)], cwd=REPO)
    try:
        while not out.exists() or len(out.read_text().splitlines()) < 3:
            time.sleep(0.1)
        ref = cli("refresh", str(synthetic["chg"]), "--db", str(graph_copy), env={"CREDITGRAPH_REFRESH_PAUSE": "publish:1"})
        _, err = ref.communicate(timeout=300)
        assert ref.returncode == 0, err[-2000:]
        new_version = snapshots.current_name(graph_copy)
        deadline = time.time() + 60
        while time.time() < deadline and new_version not in out.read_text():
            time.sleep(0.1)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    stop.unlink()
    new = read_once()
    assert new != old
    answers = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(answers) > 5
    for a in answers:
        assert a["answer"] == (old if a["version"] != new_version else new)
    assert {a["version"] for a in answers} >= {new_version}              # the reader switched without a restart
    assert answers[0]["version"] != new_version


def test_neo4j_reader_in_a_loop_sees_the_old_or_the_new_graph_never_a_mix(synthetic, tmp_path, neo4j_server,
                                                                            monkeypatch):
    """On Neo4j a refresh is one transaction: a reader following the documented protocol (read the version
    and the commit-window marker before and after, keep answers where neither moved nor was set) never
    sees a mix, even while the commit is being applied."""
    import threading

    from creditgraph.graph.neo4j_store import Neo4jStore
    from tests.neo4j_fixture import neo4j_store_factory

    neo4j_store_factory(neo4j_server).close()
    runs = tmp_path / "runs"
    monkeypatch.setenv("CREDITGRAPH_RUNS", str(runs))
    run_load(synthetic["dir"] / "src", "canonical",
             dataclasses.replace(load_settings(), store="neo4j", neo4j=neo4j_server, id_key=ID_KEY))
    answers: list[tuple[str, dict]] = []
    stop = threading.Event()

    def reader() -> None:  # the protocol of docs/neo4j.md: (version, committing) equal before and after
        with Neo4jStore.from_settings(neo4j_server) as g:
            while not stop.is_set():
                before = g.read_version()
                counts = g.counts()
                if g.read_version() == before and not before[1]:
                    answers.append((before[0], counts))

    with Neo4jStore.from_settings(neo4j_server) as g:
        old_version, old = g.get_meta("graph_version"), g.counts()
    t = threading.Thread(target=reader)
    t.start()
    try:
        env = {"NEO4J_URI": neo4j_server.uri, "NEO4J_USER": neo4j_server.user, "NEO4J_PASSWORD": neo4j_server.password,
               "CREDITGRAPH_RUNS": str(runs), "CREDITGRAPH_REFRESH_PAUSE": "apply-midway:2"}
        ref = cli("refresh", str(synthetic["chg"]), "--neo4j", env=env)
        _, err = ref.communicate(timeout=300)
        assert ref.returncode == 0, err[-2000:]
        time.sleep(1)
    finally:
        stop.set()
        t.join(timeout=60)
    with Neo4jStore.from_settings(neo4j_server) as g:
        new_version, new = g.get_meta("graph_version"), g.counts()
    assert new != old and new_version != old_version
    seen = {v for v, _ in answers}
    assert old_version in seen and new_version in seen and len(answers) > 5   # it read during the refresh too
    for v, counts in answers:
        assert counts == (old if v == old_version else new)


# --- credit repair -------------------------------------------------------------------------------------
def test_credit_repair_leaves_default_analyses_but_stays_in_history(tmp_path, target):
    graph_settings, open_graph = target
    write(tmp_path / "base", "enterprises.csv", ENT_HEADER + f"{U1},湖州某某贸易有限公司,,存续,2008-6-16,,10,湖州,,张三,,2024-01-01\n")
    write(tmp_path / "base", "penalties.csv", PEN_HEADER
          + f"行政处罚,AP1,{U1},,2023-01-01,虚假宣传,罚款2000元,湖州市市场监督管理局,330502,,,,i,2024-01-01\n"
          + f"行政处罚,AP2,{U1},,2023-04-01,虚假宣传,罚款3000元,湖州市市场监督管理局,330502,,,,i,2024-01-01\n"
          + f"abnormal_operation,AO1,{U1},,2023-06-01,通过登记的住所或者经营场所无法联系的,,湖州市市场监督管理局,330502,,,,i,2024-01-01\n")
    run_load(tmp_path / "base", "canonical", graph_settings)
    with open_graph() as g:
        assert repeat_offenders(g).table["uid"].tolist() == [U1]

    write(tmp_path / "repair", "penalties.csv", PEN_HEADER
          + f"行政处罚,AP2,{U1},,2023-04-01,虚假宣传,罚款3000元,湖州市市场监督管理局,330502,2024-03-01,信用修复,,u,2024-06-01\n"
          + f"abnormal_operation,AO1,{U1},,2023-06-01,通过登记的住所或者经营场所无法联系的,,湖州市市场监督管理局,330502,2024-04-01,期满移出,,u,2024-06-01\n")
    rep = run_refresh(tmp_path / "repair", "canonical", graph_settings)
    assert rep.tables["penalties"]["updated"] == 2
    with open_graph() as g:
        assert len(repeat_offenders(g).table) == 0                          # out of default analyses
        hist = repeat_offenders(g, include_history=True).table
        assert hist["uid"].tolist() == [U1] and "repaired" in hist["statuses"].iloc[0]
        ev = g.run("MATCH (e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent) RETURN v.uid AS uid, v.status AS status, "
                   "v.removed AS removed, v.removal_reason AS why, v.reason AS reason").set_index("uid")
        assert ev.loc["AP:AP2", "status"] == "repaired" and ev.loc["AP:AP2", "why"] == "信用修复"
        assert str(ev.loc["AP:AP2", "removed"])[:10] == "2024-03-01" and ev.loc["AP:AP2", "reason"] == "虚假宣传"
        assert ev.loc["AO:AO1", "status"] == "removed" and ev.loc["AP:AP1", "status"] == "active"
        near = set(neighborhood(g, U1, hops=1).table["uid"])
        assert "AP:AP1" in near and "AP:AP2" not in near and "AO:AO1" not in near
        assert {"AP:AP2", "AO:AO1"} <= set(neighborhood(g, U1, hops=1, include_history=True).table["uid"])


# --- the lock ----------------------------------------------------------------------------------------------
def test_second_refresh_exits_75_while_one_holds_the_lock(synthetic, graph_copy):
    with snapshots.writer_lock(graph_copy):
        proc = cli("refresh", str(synthetic["chg"]), "--db", str(graph_copy))
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 75
    assert "another refresh is running" in err
    kinds = [json.loads(m.read_text(encoding="utf-8"))["kind"] for m in (graph_copy / "runs").glob("*/manifest.json")]
    assert kinds == ["load"]                                              # the refused run left no run folder


def test_dry_run_reports_changes_and_writes_nothing(synthetic, graph_copy):
    before, version = dump(graph_copy), snapshots.current_name(graph_copy)
    rep = run_refresh(synthetic["chg"], "canonical", settings(graph_copy), dry_run=True)
    assert rep.status == "dry-run" and rep.changes > 0 and not rep.published
    assert snapshots.current_name(graph_copy) == version and dump(graph_copy) == before


# --- what a full snapshot of penalties covers -----------------------------------------------------------
def _event_uids(open_graph) -> set[str]:
    with open_graph() as g:
        return set(g.node_keys("PenaltyEvent"))


def test_a_snapshot_without_any_row_of_a_kind_deletes_that_kinds_records(tmp_path, target):
    """The canonical penalties file carries the kind as a column, so its full snapshot covers every kind:
    the last abnormal-operation entry missing from it is deleted (it was kept, as if the kind had not been
    delivered: found by the load-sequence property test)."""
    graph_settings, open_graph = target
    write(tmp_path / "base", "enterprises.csv", ENT_HEADER + f"{U1},湖州某某贸易有限公司,,存续,2008-6-16,,10,湖州,,张三,,2024-01-01\n")
    rows = (f"行政处罚,AP1,{U1},,2023-01-01,虚假宣传,罚款2000元,湖州市市场监督管理局,330502,,,,,2024-01-01\n",
            f"abnormal_operation,AO1,{U1},,2023-06-01,通过登记的住所或者经营场所无法联系的,,湖州市市场监督管理局,330502,,,,,2024-01-01\n")
    write(tmp_path / "base", "penalties.csv", PEN_HEADER + "".join(rows))
    run_load(tmp_path / "base", "canonical", graph_settings)
    assert {"AP:AP1", "AO:AO1"} <= _event_uids(open_graph)
    write(tmp_path / "snap", "penalties.csv", PEN_HEADER + rows[0])
    rep = run_refresh(tmp_path / "snap", "canonical", graph_settings, mode="snapshot", max_delete=1.0)
    assert rep.tables["penalties"]["deleted"] == 1
    events = _event_uids(open_graph)
    assert "AP:AP1" in events and "AO:AO1" not in events


def test_a_snapshot_of_one_kinds_file_leaves_the_other_kinds(tmp_path, target):
    """A warehouse delivers one file per kind: a full snapshot of the abnormal-operation file covers that
    kind only; the administrative penalties, not delivered, stay."""
    graph_settings, open_graph = target
    write(tmp_path / "base", "enterprises.csv", ENT_HEADER + f"{U1},湖州某某贸易有限公司,,存续,2008-6-16,,10,湖州,,张三,,2024-01-01\n")
    write(tmp_path / "base", "penalties.csv", PEN_HEADER
          + f"行政处罚,AP1,{U1},,2023-01-01,虚假宣传,罚款2000元,湖州市市场监督管理局,330502,,,,,2024-01-01\n"
          + f"abnormal_operation,AO1,{U1},,2023-06-01,通过登记的住所或者经营场所无法联系的,,湖州市市场监督管理局,330502,,,,,2024-01-01\n"
          + f"abnormal_operation,AO2,{U1},,2023-07-01,未按规定公示年度报告,,湖州市市场监督管理局,330502,,,,,2024-01-01\n")
    run_load(tmp_path / "base", "canonical", graph_settings)
    profile = tmp_path / "per-kind.yaml"
    profile.write_text(
        "name: canonical\ntables:\n"  # the same source as the base load, delivered one file per kind
        "  penalties:\n"
        "    - files: ['abnormal*']\n"
        "      constants: {kind: abnormal_operation}\n"
        "      columns: {record_id: record_id, subject_uscc: subject_uscc, decided: decided, reason: reason,\n"
        "                authority: authority, region: region, updated_at: updated_at}\n"
        "    - files: ['admin_penalty*']\n"
        "      constants: {kind: administrative_penalty}\n"
        "      columns: {record_id: record_id, subject_uscc: subject_uscc, decided: decided, reason: reason,\n"
        "                authority: authority, region: region, updated_at: updated_at}\n", encoding="utf-8")
    write(tmp_path / "snap", "abnormal_2024.csv", "record_id,subject_uscc,decided,reason,authority,region,updated_at\n"
          f"AO1,{U1},2023-06-01,通过登记的住所或者经营场所无法联系的,湖州市市场监督管理局,330502,2024-01-01\n")
    rep = run_refresh(tmp_path / "snap", str(profile), graph_settings, mode="snapshot", max_delete=1.0)
    assert rep.tables["penalties"]["deleted"] == 1
    events = _event_uids(open_graph)
    assert {"AP:AP1", "AO:AO1"} <= events and "AO:AO2" not in events

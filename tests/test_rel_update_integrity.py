"""Relationship updates and re-loads keep the graph's adjacency right (issue 13, section 1).

LadybugDB 0.22 corrupts the forward adjacency when one statement ``SET``s
properties of many matched relationships and a checkpoint writes them out:
lookups from the source node then return other nodes' edges while scans and
lookups from the target stay right. The engine-level reproduction below
documents the cause; the other tests show that no write path of creditgraph
triggers it any more and that ``graph.verify`` catches it.
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import ladybug as lb
import pandas as pd
import pytest

from creditgraph.etl.pipeline import history, run_load, touched_keys
from creditgraph.etl.refresh import run_refresh
from creditgraph.etl.synth import generate
from creditgraph.graph import snapshots
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore, UnsafeWriteError, new_snapshot, rel_property_set
from creditgraph.graph.verify import verify, verify_touched

ID_KEY = "test-key"
N_ENTERPRISES = 5000  # the smallest synthetic graph on which the engine bug showed every time (273 of 2,000 people)


def settings(root: Path):
    return dataclasses.replace(load_settings(), store="embedded", db_path=root, id_key=ID_KEY)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("relupdate")
    generate(N_ENTERPRISES, seed=5, out=d / "src")
    run_load(d / "src", "canonical", settings(d / "base"))
    return {"src": d / "src", "base": d / "base"}


@pytest.fixture
def root(loaded, tmp_path) -> Path:
    r = tmp_path / "graph"
    shutil.copytree(loaded["base"], r)
    return r


def legal_reps(root: Path) -> pd.DataFrame:
    with EmbeddedStore(root, read_only=True) as s:
        return s.run("MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise) "
                     "RETURN p.uid AS src, e.uid AS dst, r.position AS position, r.valid_from AS valid_from, r.source AS source")


def verified(root: Path, sample: int | None = None):
    with EmbeddedStore(root, read_only=True) as s:
        return verify(s, sample=sample, expected_counts=history(settings(root))[0].get("counts"))


def _raw_rewrite(root: Path, how: str, part: slice = slice(None), props: str = "position, valid_from, source") -> None:
    """On the raw engine, over ``part`` of the LEGAL_REP edges of the published graph (same values), then
    close: ``set``: the statement the store's upsert used to send (SET of the properties of matched
    edges, 20,000 rows a statement); ``recreate``: delete the edges and create them again."""
    db = lb.Database(str(snapshots.current_path(root) / snapshots.DB_FILE))
    conn = lb.Connection(db)
    edges = conn.execute("MATCH (a:Person)-[r:LEGAL_REP]->(b:Enterprise) RETURN a.uid AS src, b.uid AS dst, "
                         "r.position AS position, r.valid_from AS valid_from, r.source AS source").get_as_arrow()
    edges = edges.slice(part.start or 0, (part.stop or edges.num_rows) - (part.start or 0))
    sets = ", ".join(f"r.{p} = {p}" for p in props.split(", "))
    match = "LOAD FROM $b MATCH (a:Person {uid: src}) OPTIONAL MATCH (a)-[r:LEGAL_REP]->(e:Enterprise {uid: dst}) "
    for start in range(0, edges.num_rows, 20_000):
        batch = {"b": edges.slice(start, 20_000)}
        if how == "set":
            conn.execute(match + "SET " + sets, batch)
        else:
            conn.execute(match + "DELETE r", batch)
            conn.execute("LOAD FROM $b MATCH (a:Person {uid: src}) MATCH (e:Enterprise {uid: dst}) "
                         "CREATE (a)-[r:LEGAL_REP]->(e) SET r.position = position, r.valid_from = valid_from, r.source = source",
                         batch)
    conn.close()
    db.close()


def _problems(root: Path) -> set[tuple[str, str]]:
    with EmbeddedStore(root, read_only=True) as s:
        return {(p.check, p.element) for p in verify(s, sample=None).problems}


def _touched_problems(root: Path, part: slice) -> set[tuple[str, str]]:
    """What the publish-time check (graph.verify.verify_touched) finds, given the rewritten edges."""
    with EmbeddedStore(root, read_only=True) as s:
        edges = s.run("MATCH (a:Person)-[r:LEGAL_REP]->(b:Enterprise) RETURN a.uid AS src, b.uid AS dst").iloc[part]
        touched = touched_keys([("LEGAL_REP", "Person", "Enterprise", edges)])
        return {(p.check, p.element) for p in verify_touched(s, touched, sample=None).problems}


def test_the_publish_time_check_of_a_healthy_write_finds_nothing(root):
    with EmbeddedStore(root, read_only=True) as s:
        edges = s.run("MATCH (a:Person)-[r:LEGAL_REP]->(b:Enterprise) RETURN a.uid AS src, b.uid AS dst")
        touched = touched_keys([("LEGAL_REP", "Person", "Enterprise", edges)])
        report = verify_touched(s, touched, sample=None)
    assert report.ok and report.checked["LEGAL_REP Person->Enterprise"] >= 2 * 2000


@pytest.mark.corrupts_graph
def test_engine_set_on_many_matched_relationships_corrupts_forward_lookups(loaded, tmp_path):
    """The cause, on the raw engine. Lookups from the people return other people's companies;
    lookups from the companies and full scans stay right. (Measured: 1,024 of 4,977 people after
    the first SET below, in three of four fresh loads.) Whether a SET damages the graph depends on
    how the relationship COPY laid the edges out, which varies from load to load, so four SETs are
    tried, each on a fresh copy; none damaging the graph is reported as an expected failure (the
    engine was not caught this run), never as a pass.

    If this keeps reporting that, LadybugDB may have fixed the bug: the delete-and-create
    workaround in graph.embedded (and its guard) may then go."""
    attempts = [(slice(None), "position, valid_from, source"), (slice(None), "source"),
                (slice(0, 2500), "position, valid_from, source"), (slice(2500, None), "source")]
    for i, (part, props) in enumerate(attempts):
        root = tmp_path / f"g{i}"
        shutil.copytree(loaded["base"], root)
        assert _problems(root) == set()
        _raw_rewrite(root, "set", part, props)
        found = _problems(root)
        if found:
            assert found == {("forward", "LEGAL_REP Person->Enterprise")}  # never the target side
            # the publish-time check, which reads only the written edges' ends from both sides, sees it too
            # (without a scan it cannot tell which side is wrong: the two disagree both ways)
            assert ("forward", "LEGAL_REP Person->Enterprise") in _touched_problems(root, part)
            return
    pytest.xfail("LadybugDB did not damage this load's layout in 4 tries (the damage depends on the COPY's layout)")


def test_engine_delete_and_create_keeps_lookups(root):
    """The workaround, on the same graph and the same edges: delete them and create them again."""
    _raw_rewrite(root, "recreate")
    assert _problems(root) == set()


def test_store_updates_of_every_edge_keep_lookups_right(root):
    before = legal_reps(root)
    changed = before[["src", "dst"]].assign(position="监事")
    with new_snapshot(root) as store:
        assert store.update_relationships("LEGAL_REP", "Person", "Enterprise", changed) == len(before)
    after = legal_reps(root)
    assert len(after) == len(before)
    assert set(after["position"]) == {"监事"}
    # the columns not given keep their values
    merged = before.merge(after, on=["src", "dst"], suffixes=("", "_new"))
    assert len(merged) == len(before)
    assert merged["source"].equals(merged["source_new"])
    assert (merged["valid_from"].isna() == merged["valid_from_new"].isna()).all()
    report = verified(root)
    assert [p for p in report.problems if p.check != "counts"] == [], report.lines()


def test_reloading_the_same_extract_writes_nothing_and_keeps_the_graph(loaded, root):
    version = snapshots.current_name(root)
    with EmbeddedStore(root, read_only=True) as s:
        counts = s.counts()
    for _ in range(2):
        rep = run_load(loaded["src"], "canonical", settings(root))
        assert rep.status == "unchanged"
        assert rep.version == {"old": version, "new": version}
        assert rep.changes == 0
        assert sum(v.get("unchanged", 0) for v in rep.graph.values()) > 0
    assert snapshots.current_name(root) == version
    with EmbeddedStore(root, read_only=True) as s:
        assert s.counts() == counts
    assert verified(root).ok


def test_reloading_a_changed_extract_updates_edges_and_lookups_stay_right(loaded, root, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(loaded["src"], src)
    reps = pd.read_csv(src / "legal_reps.csv", dtype=str, keep_default_na=False)
    reps["position"] = "董事长"  # every legal-rep edge changes
    reps.to_csv(src / "legal_reps.csv", index=False)
    holders = pd.read_csv(src / "shareholders.csv", dtype=str, keep_default_na=False)
    holders["paid"] = "1"  # every shareholding edge changes
    holders.to_csv(src / "shareholders.csv", index=False)
    rep = run_load(src, "canonical", settings(root))
    assert rep.status == "loaded"
    assert rep.graph["LEGAL_REP"]["updated"] > 1000
    assert rep.graph["Enterprise"]["updated"] == 0
    report = verified(root, sample=None)
    assert report.ok, report.lines()
    positions = legal_reps(root)["position"].dropna()
    assert len(positions) > 1000 and (positions == "董事长").all()


def test_refresh_with_edge_updates_keeps_lookups_right(loaded, root, tmp_path):
    chg = tmp_path / "chg"
    chg.mkdir()
    reps = pd.read_csv(loaded["src"] / "legal_reps.csv", dtype=str, keep_default_na=False)
    reps["position"] = "总经理"
    reps["change_flag"] = "u"
    reps.to_csv(chg / "legal_reps.csv", index=False)
    rep = run_refresh(chg, "canonical", settings(root), mode="incremental")
    assert rep.published
    report = verified(root, sample=None)
    assert report.ok, report.lines()


def test_every_statement_that_sets_matched_relationship_properties_is_refused(root):
    with EmbeddedStore(root, read_only=True) as s, pytest.raises(UnsafeWriteError):
        s.run("MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise) SET r.position = 'x'")
    assert rel_property_set("MATCH (a)-[rel:HOLDS_SHARES]->(b) WHERE a.uid = $u SET a.name = 'x', rel.ratio = 1") == "rel"
    assert rel_property_set("LOAD FROM $b MATCH (a:P {uid: s}) MATCH (b:E {uid: d}) CREATE (a)-[r:R]->(b) SET r.p = p") is None


class _ForwardDamaged(EmbeddedStore):
    """The embedded store with the damage LadybugDB did simulated on reads: a lookup from a person returns
    another company for every third edge (the engine bug itself no longer shows on this layout: the test
    above reports an expected failure)."""

    def edges_by(self, rel_type, src_label, dst_label, keys, by="src", cols=()):
        df = super().edges_by(rel_type, src_label, dst_label, keys, by, cols)
        if by == "src" and len(df):
            df = df.copy()
            df.loc[df.index % 3 == 0, "dst"] = "91330100MA2HZZZZ9X"
        return df


def test_the_publish_time_check_sees_lookups_from_the_source_disagree(root):
    with _ForwardDamaged(root, read_only=True) as s:
        edges = s.run("MATCH (a:Person)-[r:LEGAL_REP]->(b:Enterprise) RETURN a.uid AS src, b.uid AS dst")
        touched = touched_keys([("LEGAL_REP", "Person", "Enterprise", edges)])
        problems = {(p.check, p.element) for p in verify_touched(s, touched).problems}
    # without a scan the check cannot tell which end is wrong: the two ends disagree both ways
    assert problems == {("forward", "LEGAL_REP Person->Enterprise"), ("backward", "LEGAL_REP Person->Enterprise")}

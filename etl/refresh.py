"""Scheduled refresh: apply a new extract incrementally, idempotently and atomically.

A refresh reads an extract like a load does, then writes only what changed:

* rows with change flags (``i``/``u``/``d`` or the profile's codes): inserts and
  updates are upserted, deletes remove exactly the record they name (an
  enterprise with its own edges; a legal-rep or shareholding edge; a penalty
  event), nothing else;
* a table without change flags is a **full snapshot** of that table: it is
  diffed against the graph, and records it no longer holds are deleted
  (enterprises and penalty events loaded through the same profile; legal-rep
  and shareholding edges of the enterprises it covers). ``max_delete`` stops a
  snapshot that would delete more than that share of a table (a truncated
  file must not empty the graph);
* penalty removals and credit repairs are updates: the event keeps its dates
  and reasons, its ``status`` becomes ``removed`` / ``repaired`` / ``withdrawn``
  and default analyses leave it out.

Every row is compared with what is stored (:mod:`etl.graphdiff`); only new or
different rows are written, so the same extract applied twice changes nothing
the second time, and then **no new snapshot is published** (the version stays).

Embedded store: the current snapshot is read (read-only) to diff; a changed
graph is written into a copy under ``vNNNNNN.tmp`` and published at the end by
replacing ``CURRENT`` atomically, so readers see the old graph or the new one
(open stores notice with ``is_stale()``). A killed refresh leaves only the
``.tmp`` folder, which the next one removes. Neo4j: batches in transactions,
``graph_version`` stamped last. One refresh at a time (``refresh.lock``).

Test hook: ``CREDITGRAPH_REFRESH_PAUSE=<stage>[:seconds]`` sleeps at the start
of a stage (``read``, ``validate``, ``resolve``, ``diff``, ``copy``, ``apply``,
``apply-midway``, ``checkpoint``, ``verify``, ``publish``), so tests can kill a refresh at a known point.
"""
from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, cast

import pandas as pd

from creditgraph.graph import normalize as nz
from creditgraph.etl import roles
from creditgraph.etl.build import build
from creditgraph.etl.casework import overlay_batch
from creditgraph.etl.graphdiff import ChangeSet, Rels, apply_changes, diff_batch, fetch_rels
from creditgraph.etl.joblog import JobLog
from creditgraph.etl.pipeline import (DIRECTORY, WRITER_CHECKPOINT_MB, FatalLoadError, LoadReport, Progress,
                          new_run_id, owned_records, pause_point, runs_dir, subject_reps, touched_keys,
                          verify_before_publish)
from creditgraph.etl.profiles import load_profile
from creditgraph.etl.read import read_extract
from creditgraph.etl.report import RejectReport
from creditgraph.etl.transform import FLAG_DELETE, FLAG_INSERT, FLAG_UPDATE, clean_tables
from creditgraph.graph import snapshots
from creditgraph.graph.config import Settings, load_settings
from creditgraph.graph.store import GraphStore, isin, pair_key

if TYPE_CHECKING:
    from creditgraph.graph.neo4j_store import Neo4jStore

MODES = ("auto", "incremental", "snapshot")
# the graph element a canonical table's records become, for per-table counts (equity changes and
# cluster addresses amend elements other tables own: see the manifest's per-label "graph" counts)
TABLE_ELEMENT = {"enterprises": "Enterprise", "legal_reps": "LEGAL_REP", "shareholders": "HOLDS_SHARES",
                 "penalties": "PenaltyEvent", "commitments": "Commitment", "red_lists": "RedListEntry"}


@dataclass
class RefreshReport(LoadReport):
    modes: dict[str, str] = field(default_factory=dict)
    published: bool = False


class _Run:
    """Stage timings, JSON log lines and the pause hook of one refresh."""

    def __init__(self, log: JobLog, progress: Progress | None):
        self.log = log
        self.say = progress or (lambda stage, msg: None)
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] | None = None

    def pause(self, point: str) -> None:
        pause_point(point, lambda stage, seconds: self.log.event("paused", stage=stage, seconds=seconds))

    @contextmanager
    def stage(self, name: str, message: str = ""):
        self.say(name, message or name)
        self.log.event("stage_start", stage=name)
        self.pause(name)
        t = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - t, 3)
        self.log.event("stage_end", stage=name, seconds=self.timings[name])


# --- what an extract says about the tables ------------------------------------------
def table_modes(extract, mode: str) -> dict[str, str]:
    """``incremental`` for a table whose rows carry change flags, ``snapshot`` otherwise (in auto mode)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    out = {}
    for name, df in extract.tables.items():
        flagged = bool(nz.clean_missing(df["change_flag"].astype("string")).notna().any())
        out[name] = mode if mode != "auto" else ("incremental" if flagged else "snapshot")
    return out


def table_counts(extract, report: RejectReport, clean: dict[str, pd.DataFrame], cs: ChangeSet,
                 modes: dict[str, str]) -> dict[str, dict]:
    """Per canonical table: rows read/rejected/superseded, flags received, and the effect on its graph element."""
    rej = report.frame()
    out = {}
    for name, df in extract.tables.items():
        r = rej[(rej["table"] == name) & rej["row"].notna()]
        rejected = int(r[r["severity"] == "rejected"][["file", "row"]].drop_duplicates().shape[0])
        superseded = int(r[r["severity"] == "superseded"][["file", "row"]].drop_duplicates().shape[0])
        flags = clean[name]["change_flag"].value_counts() if name in clean else pd.Series(dtype=int)
        effect = cs.counts.get(TABLE_ELEMENT.get(name, ""), {})
        out[name] = {
            "mode": modes.get(name), "read": len(df), "rejected": rejected, "superseded": superseded,
            "flag_insert": int(flags.get(FLAG_INSERT, 0)), "flag_update": int(flags.get(FLAG_UPDATE, 0)),
            "flag_delete": int(flags.get(FLAG_DELETE, 0)),
            **{k: effect.get(k, 0) for k in ("inserted", "updated", "unchanged", "deleted")},
        }
    return out


# --- resolving references against the graph ----------------------------------------------
DIRECTORY_COLS = ["uid", "subject_id", "name_key", "province", "region"]
RECORD_TABLES = ("penalties", "commitments", "red_lists")  # tables of records about one subject


def _cols(clean: dict[str, pd.DataFrame], pairs) -> pd.Series:
    parts = [clean[t][c].astype("string") for t, c in pairs if t in clean and c in clean[t].columns]
    return pd.concat(parts, ignore_index=True).dropna() if parts else pd.Series(dtype="string")


def extract_directory(store: GraphStore, clean: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The stored enterprises an extract can refer to (by uid, subject id or name key).

    The builder resolves references against a directory of enterprises; a
    refresh needs only the ones its rows may name, not the whole graph. Every
    enterprise sharing a subject id or name key with the extract is kept, so
    "unique match" rules still see all candidates.
    """
    uids = _cols(clean, [("enterprises", "uid"), ("legal_reps", "enterprise_ref"), ("shareholders", "enterprise_ref"),
                         ("shareholders", "holder_uscc"), *((t, "subject_ref") for t in RECORD_TABLES)])
    if "shareholders" in clean:
        uids = pd.concat([uids, ("REG:" + clean["shareholders"]["holder_regno"].astype("string")).dropna()])
    sids = _cols(clean, [("legal_reps", "enterprise_subject_id"), ("shareholders", "enterprise_subject_id"),
                         *((t, "subject_subject_id") for t in RECORD_TABLES)])
    names = _cols(clean, [("legal_reps", "enterprise_name"), ("shareholders", "enterprise_name"),
                          ("shareholders", "holder_name"), *((t, "subject_name") for t in RECORD_TABLES)])
    keys = nz.name_key(names).dropna()
    tbl = store.run_arrow(DIRECTORY)  # filtered here: the directory of a large graph is large
    if tbl.num_rows == 0:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in DIRECTORY_COLS})
    import pyarrow as pa
    import pyarrow.compute as pc

    def member(col: str, values: pd.Series):
        vs = pa.array(values.drop_duplicates(), type=pa.string(), from_pandas=True)
        return pc.fill_null(pc.is_in(tbl.column(col).cast(pa.string()), value_set=vs), False)

    hit = pc.or_(pc.or_(member("uid", uids), member("subject_id", sids)), member("name_key", keys))
    return tbl.filter(hit).to_pandas().astype("string")


# --- shareholding ratios ------------------------------------------------------------------
def rederive_ratios(store: GraphStore, batch, modes: dict[str, str]) -> int:
    """Re-compute ratios an incremental extract derived from its own few rows, with the graph's other holders.

    A shareholding row without a ratio gets subscribed / (sum subscribed of the
    enterprise's holders). In an incremental extract that sum must include the
    holders already in the graph, not just the rows the extract carries.
    """
    d = batch.derived_ratios
    if modes.get("shareholders") != "incremental" or d.empty:
        return 0
    ents = d["dst"].drop_duplicates()
    stored = pd.concat([fetch_rels(store, "HOLDS_SHARES", a, "Enterprise", ents, by="dst", cols=["subscribed", "valid_to"])
                        for a in ("Person", "Enterprise")], ignore_index=True)
    stored = stored[stored["valid_to"].isna().to_numpy()]  # former holders hold no share of today's capital
    given = [(i, df) for i, (t, a, b, df) in enumerate(batch.rels) if t == "HOLDS_SHARES"]
    rows = pd.concat([df[["src", "dst", "subscribed", "valid_to"]] for _, df in given], ignore_index=True)
    rows = rows.assign(subscribed=rows["subscribed"].where(rows["valid_to"].isna()))
    dropped = [df[["src", "dst"]] for t, a, b, df in batch.delete_rels if t == "HOLDS_SHARES"]
    skip = pd.concat([pair_key(rows["src"], rows["dst"])] + [pair_key(x["src"], x["dst"]) for x in dropped], ignore_index=True)
    others = stored[~isin(pair_key(stored["src"], stored["dst"]), skip)]
    both = pd.concat([others[["dst", "subscribed"]], rows[["dst", "subscribed"]]], ignore_index=True)
    total = both.astype({"subscribed": "float64"}).groupby("dst")["subscribed"].sum()
    keys = pair_key(d["src"], d["dst"])
    for i, df in given:
        hit = isin(pair_key(df["src"], df["dst"]), keys)
        if hit.any():
            t = df["dst"].map(total).astype("float64")
            df = df.copy()
            df.loc[hit, "ratio"] = (df["subscribed"].astype("float64") / t.where(t > 0))[hit]
            batch.rels[i] = ("HOLDS_SHARES", batch.rels[i][1], batch.rels[i][2], df)
    return int(len(d))


# --- full snapshots: what the graph holds that the snapshot no longer does ----------------
SCOPED_ENTERPRISES = "MATCH (e:Enterprise) WHERE e.source = $s AND e.resolved RETURN e.uid AS uid"
SCOPED_PENALTIES = ("MATCH (v:PenaltyEvent) WHERE v.source = $s AND v.kind IN $kinds "
                    "RETURN v.uid AS uid, v.source_id AS source_id")
SCOPED_COMMITMENTS = "MATCH (c:Commitment) WHERE c.source = $s RETURN c.uid AS uid, c.source_id AS source_id"
SCOPED_RED_LISTS = "MATCH (r:RedListEntry) WHERE r.source = $s RETURN r.uid AS uid, r.source_id AS source_id"
# per snapshot table of records: its label, the statement listing the records it loaded, and the labels and uid
# prefixes of the nodes a stale record takes with it (a commitment's breach event)
SNAPSHOT_RECORDS = {"commitments": ("Commitment", SCOPED_COMMITMENTS, {"PenaltyEvent": "CB:"}),
                    "red_lists": ("RedListEntry", SCOPED_RED_LISTS, {})}


def _upper(s: pd.Series) -> pd.Series:
    return nz.clean_missing(s.astype("string")).str.strip().str.upper()


def snapshot_deletes(store: GraphStore, modes: dict[str, str], extract, batch, source: str,
                     max_delete: float) -> tuple[dict[str, pd.Series], Rels]:
    """Records a full-snapshot table no longer holds: node keys and edge pairs to delete."""
    nodes: dict[str, pd.Series] = {}
    rels: Rels = []
    snap = {t for t, m in modes.items() if m == "snapshot"}

    def guard(table: str, stale: int, scoped: int) -> None:
        if scoped and stale / scoped > max_delete:
            raise FatalLoadError(
                f"the full snapshot of {table} would delete {stale:,} of {scoped:,} records ({stale / scoped:.0%}), "
                f"more than --max-delete {max_delete:.0%}: check the extract is complete, pass --mode incremental "
                "for a partial extract, or raise --max-delete")

    if "enterprises" in snap:
        raw = extract.tables["enterprises"]
        keep = pd.concat([batch.node_frame("Enterprise")["uid"].astype("string"), _upper(raw["uscc"]),
                          "REG:" + _upper(raw["reg_no"]), "SID:" + _upper(raw["subject_id"])], ignore_index=True)
        scoped = store.scan(SCOPED_ENTERPRISES, {"s": source})
        stale = scoped["uid"].astype("string")[~isin(scoped["uid"], keep)]
        guard("enterprises", len(stale), len(scoped))
        nodes["Enterprise"] = stale
    if "penalties" in snap:
        ev = batch.node_frame("PenaltyEvent")
        # the kinds this snapshot covers: every kind when a file carries the kind as a column (a kind
        # with no row left is then gone), else the kinds of the per-kind files delivered; never the kinds
        # another table delivers (commitment_breach: the commitments table's)
        covered = extract.covered("penalties", "kind")
        own = {k for k, v in store.model.penalty_kinds.items() if v.get("table", "penalties") == "penalties"}
        kinds = sorted(own if covered is None else (covered | set(ev["kind"].dropna())) & own)
        scoped = store.scan(SCOPED_PENALTIES, {"s": source, "kinds": kinds})
        stale = _stale_records(scoped, ev, extract.tables["penalties"])
        guard("penalties", len(stale), len(scoped))
        nodes["PenaltyEvent"] = stale
    for table, (label, scan, companions) in SNAPSHOT_RECORDS.items():
        if table not in snap:
            continue
        scoped = store.scan(scan, {"s": source})
        stale = _stale_records(scoped, batch.node_frame(label), extract.tables[table])
        guard(table, len(stale), len(scoped))
        nodes[label] = stale
        ids = scoped.loc[isin(scoped["uid"], stale), "source_id"].astype("string")
        for other, prefix in companions.items():
            nodes[other] = pd.concat([nodes.get(other, pd.Series(dtype="string")), prefix + ids], ignore_index=True)
    for table, rtype in (("legal_reps", "LEGAL_REP"), ("shareholders", "HOLDS_SHARES")):
        if table not in snap:
            continue
        for a, b in store.model.rel(rtype).pairs:
            given = [df for t, x, y, df in batch.rels if t == rtype and x == a and y == b]
            covered = pd.concat([df["dst"] for t, x, y, df in batch.rels if t == rtype], ignore_index=True) \
                if any(t == rtype for t, *_ in batch.rels) else pd.Series(dtype="string")
            old = fetch_rels(store, rtype, a, b, covered, by="dst")
            keep = pd.concat([pair_key(d["src"], d["dst"]) for d in given], ignore_index=True) if given else pd.Series(dtype="string")
            stale = old[~isin(pair_key(old["src"], old["dst"]), keep)]
            if len(stale):  # roles and holdings the snapshot no longer lists end (etl.roles): closed, not deleted
                rels.append((rtype, a, b, roles.end_frame(stale["src"], stale["dst"], pd.Timestamp(batch.effective),
                                                          roles.ENDED_SNAPSHOT)))
    return nodes, rels


def _stale_records(scoped: pd.DataFrame, loaded: pd.DataFrame, raw: pd.DataFrame) -> pd.Series:
    """uids of the stored records (``uid``, ``source_id``) a snapshot no longer holds: neither loaded now nor
    named by any of its rows (a row rejected this time does not delete its record)."""
    keep_ids = nz.clean_missing(raw["record_id"].astype("string")).str.strip()
    gone = ~isin(scoped["uid"], loaded["uid"] if len(loaded) else pd.Series(dtype="string")) & ~isin(scoped["source_id"], keep_ids)
    return scoped["uid"].astype("string")[gone]


# --- the run --------------------------------------------------------------------------
@contextmanager
def _lock(settings: Settings):
    folder = Path(settings.db_path) if settings.store == "embedded" else runs_dir(settings)
    with snapshots.writer_lock(folder):
        yield


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _plan(store: GraphStore, run: _Run, report: RejectReport, prof, source, settings: Settings,
          mode: str, max_delete: float):
    """Read, validate, resolve and diff against ``store``: (extract, clean, modes, change set)."""
    with run.stage("read", f"reading {source} with profile {prof.name}"):
        extract = read_extract(Path(source), prof, report)
    if not extract.tables:
        errors = "; ".join(f"{Path(f.path).name}: {f.error}" for f in extract.files if f.error) or "no rows"
        raise FatalLoadError(f"nothing to refresh from {source}: {errors}")
    modes = table_modes(extract, mode)
    with run.stage("validate", "validating and normalising"):
        clean = clean_tables(extract.tables, report, prof.flags)
    with run.stage("resolve", "resolving identities against the graph"):
        directory = extract_directory(store, clean)
        gone = pd.Series(dtype="string")
        if "enterprises" in clean:  # enterprises this extract deletes resolve no references ...
            ents = clean["enterprises"]
            gone = ents.loc[ents["change_flag"] == FLAG_DELETE, "uid"]
            directory = directory[~isin(directory["uid"], gone)]
        batch = build(clean, report, settings.id_key_bytes, prof.name, directory if len(directory) else None,
                      subject_reps(store, clean), store)
        overlay_batch(batch, settings)  # objections and repairs worked in the tool outlive the extract
        if len(gone):  # ... and are not brought back as stubs by rows that name them
            batch.nodes["Enterprise"] = [f[~isin(f["uid"], gone)] for f in batch.nodes.get("Enterprise", [])]
        rederive_ratios(store, batch, modes)
    with run.stage("diff", "comparing with the graph"):
        extra = snapshot_deletes(store, modes, extract, batch, prof.name, max_delete)
        cs = diff_batch(store, batch, owned_records(batch, prof.name), extra)
    run.log.event("diff", changes=cs.total, counts=cs.counts)
    return extract, clean, modes, cs


def _apply(store: GraphStore, cs: ChangeSet, run: _Run, run_id: str) -> None:
    with run.stage("apply", f"writing {cs.total:,} changes"):
        apply_changes(store, cs, run.say, midway=lambda: run.pause("apply-midway"))
        store.set_meta("last_run", run_id)
        run.counts = store.counts()  # recorded in the manifest: `creditgraph verify` compares


Planner = Callable[[GraphStore], tuple[Any, ChangeSet]]


def write_version(settings: Settings, plan: Planner, run: _Run, run_id: str, dry_run: bool = False):
    """Plan a change set against the published graph and write it as a new graph version, all or nothing.

    ``plan(store)`` returns (anything, change set). Returns (anything, change set, {"old", "new"} version,
    published). An empty change set (or ``dry_run``) publishes nothing. The caller holds the lock.
    """
    fn = _write_embedded if settings.store == "embedded" else _write_neo4j
    return fn(settings, plan, run, run_id, dry_run)


def _write_embedded(settings: Settings, plan: Planner, run: _Run, run_id: str, dry_run: bool):
    from creditgraph.graph.embedded import EmbeddedStore

    root = Path(settings.db_path)
    old = snapshots.current_name(root)
    if old is None:  # first run on an empty root: publish an empty graph to diff against
        EmbeddedStore(root).close()
        old = snapshots.current_name(root)
    cur = EmbeddedStore(root, read_only=True)
    try:
        planned, cs = plan(cur)
    finally:
        cur.close()
    if cs.empty or dry_run:
        return planned, cs, {"old": old, "new": old}, False
    with run.stage("copy", f"copying snapshot {old}"):
        name, tmp = snapshots.prepare(root, copy_current=True)
    store = None
    try:
        # one checkpoint, at the end: each checkpoint rewrites every column chunk written since the last
        store = EmbeddedStore(root, snapshot=tmp, checkpoint_mb=WRITER_CHECKPOINT_MB)
        _apply(store, cs, run, run_id)
        with run.stage("checkpoint", "writing the new snapshot to disk"):
            store.close()
        store = None
        with run.stage("verify", "checking the new snapshot"):
            verify_before_publish(root, tmp, run.counts, touched_keys(cs.rels, cs.rel_updates, cs.delete_rels))
        with run.stage("publish", f"publishing {name}"):
            snapshots.commit(root, name, tmp)
    except BaseException:
        if store is not None:
            store.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return planned, cs, {"old": old, "new": name}, True


def _write_neo4j(settings: Settings, plan: Planner, run: _Run, run_id: str, dry_run: bool):
    from creditgraph.graph.store import open_store

    store = cast("Neo4jStore", open_store(settings))  # settings.store is "neo4j" here
    try:
        store.create_schema()
        old = store.get_meta("graph_version")
        planned, cs = plan(store)
        if cs.empty or dry_run:
            return planned, cs, {"old": old, "new": old}, False
        new = str(int(old or 0) + 1)
        with store.atomic():  # one transaction: readers see the whole refresh or none of it (docs/neo4j.md)
            _apply(store, cs, run, run_id)
            with run.stage("publish", "stamping the graph version"):
                store.set_meta("graph_version", new)  # stamped last
        return planned, cs, {"old": old, "new": new}, True
    finally:
        store.close()


def run_refresh(source: str | Path, profile: str = "canonical", settings: Settings | None = None,
                progress: Progress | None = None, mode: str = "auto", max_delete: float = 0.25,
                dry_run: bool = False, log_streams: list | None = None) -> RefreshReport:
    """Apply an extract to the configured store; see the module docstring.

    Raises :class:`graph.snapshots.Locked` when another refresh or load holds
    the lock, :class:`FatalLoadError` when nothing can be applied.
    """
    settings = settings or load_settings()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    started = dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(started)
    log = JobLog(run_id, "refresh", log_streams)
    run = _Run(log, progress)
    report = RejectReport()
    folder = runs_dir(settings) / run_id
    prof = load_profile(profile)
    log.event("start", source=str(source), profile=prof.name, store=settings.store, mode=mode, dry_run=dry_run)
    t0 = time.perf_counter()
    try:
        with _lock(settings):
            log.to_file(folder / "log.jsonl")

            def plan(store: GraphStore):
                extract, clean, modes, cs = _plan(store, run, report, prof, source, settings, mode, max_delete)
                return (extract, clean, modes), cs

            (extract, clean, modes), cs, version, published = write_version(settings, plan, run, run_id, dry_run)
    except snapshots.Locked as exc:
        log.event("locked", level="error", message=str(exc))
        log.close()
        raise
    except BaseException as exc:
        log.event("failed", level="error", error=f"{type(exc).__name__}: {exc}".splitlines()[0])
        _write_manifest(folder, {"run_id": run_id, "kind": "refresh", "status": "failed", "store": settings.store,
                                 "started": started.isoformat(), "finished": _now(), "source": str(source),
                                 "profile": prof.name, "error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                                 "timings": run.timings, "version": _unchanged_version(settings)}, folder.exists())
        log.close()
        raise
    run.timings["total"] = round(time.perf_counter() - t0, 3)
    status = "dry-run" if dry_run else ("refreshed" if published else "unchanged")
    tables = table_counts(extract, report, clean, cs, modes)
    graph = {k: {x: v[x] for x in ("inserted", "updated", "closed", "unchanged", "skipped")} for k, v in cs.counts.items()}
    deleted = {k: v["deleted"] for k, v in cs.counts.items() if v["deleted"]}
    out = RefreshReport(run_id=run_id, status=status, tables=tables, graph=graph, deleted=deleted,
                        rejects=report.counts(), timings=run.timings, version=version,
                        files=[vars(f) for f in extract.files], modes=modes, published=published)
    paths = report.write(folder)
    manifest = {
        "run_id": run_id, "kind": "refresh", "status": status, "store": settings.store,
        "started": started.isoformat(), "finished": _now(), "source": str(source), "profile": prof.name,
        "modes": modes, "inputs": out.files, "tables": tables, "graph": graph, "deleted": deleted,
        "changes": cs.total, "rejects": out.rejects, "reject_report": paths, "timings": out.timings,
        "version": version, "published": published, "peak_rss_mb": _peak_rss_mb(), "log": str(folder / "log.jsonl"),
    }
    if run.counts is not None:
        manifest["counts"] = run.counts
    _write_manifest(folder, manifest)
    out.run_dir, out.manifest = str(folder), str(folder / "manifest.json")
    log.event("finished", status=status, changes=cs.total, version=version, timings=run.timings,
              peak_rss_mb=manifest["peak_rss_mb"], exit_code=out.exit_code)
    log.close()
    return out


def _unchanged_version(settings: Settings) -> dict:
    """The published version after a failed run (the one before it)."""
    v = snapshots.current_name(Path(settings.db_path)) if settings.store == "embedded" else None
    return {"old": v, "new": v}




def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _write_manifest(folder: Path, manifest: dict, ok: bool = True) -> None:
    if not ok:
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def neo4j_statements(model=None) -> list[dict]:
    """Every Cypher text a load or refresh sends through ``store.run`` on Neo4j, for the linter.

    (The store's own statements, keyed reads included, are :func:`graph.neo4j_store.generated_statements`.)
    """
    return [{"name": "etl:graph_directory", "text": DIRECTORY, "params": {}},
            {"name": "refresh:scoped_enterprises", "text": SCOPED_ENTERPRISES, "params": {"s": "STRING"}},
            {"name": "refresh:scoped_penalties", "text": SCOPED_PENALTIES, "params": {"s": "STRING", "kinds": "LIST<STRING>"}},
            {"name": "refresh:scoped_commitments", "text": SCOPED_COMMITMENTS, "params": {"s": "STRING"}},
            {"name": "refresh:scoped_red_lists", "text": SCOPED_RED_LISTS, "params": {"s": "STRING"}}]

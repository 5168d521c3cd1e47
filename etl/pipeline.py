"""The load pipeline: read -> validate and normalise -> resolve -> load, with a manifest.

On the embedded store a run writes a new snapshot and publishes it only when
everything loaded, so readers never see a half-loaded graph. On Neo4j the
batches go through managed transactions and the graph version is stamped
last. Every run leaves ``manifest.json`` and the reject report (CSV and
Parquet) in its run folder.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from creditgraph.etl.build import GraphBatch, build
from creditgraph.etl.casework import overlay_batch
from creditgraph.etl.graphdiff import NODE_ORDER, ChangeSet, apply_changes, diff_batch, stored_legal_reps
from creditgraph.etl.profiles import load_profile
from creditgraph.etl.read import read_extract
from creditgraph.etl.report import RejectReport
from creditgraph.etl.staging import Staging
from creditgraph.etl.transform import FLAG_DELETE, clean_tables
from creditgraph.graph.config import Settings, load_settings
from creditgraph.graph.store import GraphStore, UpsertResult

Progress = Callable[[str, str], None]  # (stage, message)

WRITER_CHECKPOINT_MB = 4096  # one checkpoint, at the end: each rewrites every column chunk written since the last
# exit codes of `creditgraph load` / `refresh` (documented in the README)
EXIT_OK, EXIT_FATAL, EXIT_LOCKED, EXIT_PARTIAL = 0, 1, 75, 3


class FatalLoadError(RuntimeError):
    """Nothing could be loaded; the message says why in one line."""


@dataclass
class LoadReport:
    run_id: str
    status: str
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    graph: dict[str, dict[str, int]] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    version: dict[str, str | None] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    run_dir: str = ""
    manifest: str = ""
    # the commonest reasons rows did not load: [{table, column, reason, count}] (RejectReport.top_reasons)
    reject_reasons: list[dict] = field(default_factory=list)
    # files passed over because their name matches no table of the profile: [{path, reason}]
    ignored: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.ignored:  # from the inputs (a refresh's report too)
            self.ignored = [{"path": f.get("path"), "reason": f["ignored"]} for f in self.files if f.get("ignored")]

    @property
    def file_errors(self) -> list[dict]:
        return [f for f in self.files if f.get("error")]

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.file_errors else EXIT_OK

    @property
    def changes(self) -> int:
        return sum(v.get("inserted", 0) + v.get("updated", 0) for v in self.graph.values()) + sum(self.deleted.values())


def new_run_id(started: dt.datetime) -> str:
    """A run's id: its UTC start to the second and 6 random hex digits (runs/<id>/manifest.json)."""
    return started.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def runs_dir(settings: Settings) -> Path:
    if settings.store == "embedded":
        return Path(settings.db_path) / "runs"
    return Path(os.environ.get("CREDITGRAPH_RUNS", "data/runs"))


DIRECTORY = ("MATCH (e:Enterprise) RETURN e.uid AS uid, e.subject_id AS subject_id, "
             "e.name_key AS name_key, e.province AS province, e.region AS region")


def graph_directory(store: GraphStore) -> pd.DataFrame:
    """Enterprises already in the graph, for resolving references by subject id or name (a scan of flat
    columns: through Arrow on LadybugDB, 0.8 s at 1M enterprises against 2.4-3 s as a DataFrame)."""
    return store.scan(DIRECTORY).astype("string")


PAUSE_ENV = "CREDITGRAPH_REFRESH_PAUSE"


def pause_point(point: str, announce: Callable[[str, float], None] | None = None) -> None:
    """Test hook: with ``CREDITGRAPH_REFRESH_PAUSE=<point>[:seconds]`` sleep here, so that tests can
    kill a load or refresh (or stop its server) at a known point. Load points: ``load-midway``
    (nodes written, relationships not yet)."""
    name, _, secs = os.environ.get(PAUSE_ENV, "").partition(":")
    if name == point:
        seconds = float(secs or 3600)
        if announce:
            announce(point, seconds)
        time.sleep(seconds)


def apply_batch(store: GraphStore, batch: GraphBatch, progress: Progress | None = None) -> tuple[dict, dict]:
    """Write a GraphBatch: deletions first, then nodes (endpoints before edges), then edges."""
    deleted: dict[str, int] = {}
    for rtype, a, b, df in batch.delete_rels:
        deleted[rtype] = deleted.get(rtype, 0) + store.delete_relationships(rtype, a, b, df)
    for label, uids in batch.delete_nodes.items():
        deleted[label] = deleted.get(label, 0) + store.delete_nodes(label, uids)
    written: dict[str, UpsertResult] = {}
    for label in NODE_ORDER:
        df = batch.node_frame(label)
        if len(df):
            if progress:
                progress("load", f"{label}: {len(df):,} nodes")
            written[label] = store.upsert_nodes(label, df)
    pause_point("load-midway", lambda point, secs: progress and progress("load", f"paused at {point} for {secs:g} s"))
    rels: dict[tuple[str, str, str], list[pd.DataFrame]] = {}
    for rtype, a, b, df in batch.rels:
        rels.setdefault((rtype, a, b), []).append(df)
    for (rtype, a, b), frames in rels.items():
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if progress:
            progress("load", f"{rtype} {a}->{b}: {len(df):,} edges")
        res = store.upsert_relationships(rtype, a, b, df, on_missing="skip")
        written.setdefault(rtype, UpsertResult())
        written[rtype] += res
    return {k: vars(v) for k, v in written.items()}, deleted


def subject_reps(store: GraphStore, clean: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The stored legal representatives of the enterprises whose subject rows name one (see ``build``)."""
    ents = clean.get("enterprises")
    if ents is None or ents.empty or "legal_rep" not in ents.columns:
        return None
    uids = ents.loc[ents["legal_rep"].notna().to_numpy() & (ents["change_flag"] != FLAG_DELETE).to_numpy(), "uid"]
    return stored_legal_reps(store, uids) if len(uids) else None


def owned_records(batch: GraphBatch, profile: str) -> dict[str, pd.Series]:
    """Records whose own edges (address, phone, region; the subject of a penalty, commitment or red-list
    entry; a person's identity links, recomputed by ``etl.identity``) the extract states in full."""
    ents = batch.node_frame("Enterprise")
    return {"Enterprise": ents.loc[ents["source"] == profile, "uid"] if len(ents) else pd.Series(dtype="string"),
            **{label: batch.node_frame(label).get("uid", pd.Series(dtype="string"))
               for label in ("PenaltyEvent", "Commitment", "RedListEntry", "Person")}}


def has_data(store: GraphStore) -> bool:
    return any(v for k, v in store.counts().items() if k != "Region")


@dataclass
class _Written:
    graph: dict[str, dict[str, int]]
    deleted: dict[str, int]
    version: dict[str, str | None]
    published: bool
    counts: dict[str, int] | None  # every label and type after the write (None: nothing written)
    rows: dict[str, int]           # source rows per table that became graph records


class _Loader:
    """Resolve an extract against a store and write it: in bulk into an empty graph, else only
    what differs from the stored graph (a change set), so an identical extract writes nothing."""

    def __init__(self, clean: dict[str, pd.DataFrame], report: RejectReport, settings: Settings, profile: str,
                 say: Progress, timings: dict[str, float], stage: Staging | None = None):
        self.clean, self.report, self.settings, self.profile = clean, report, settings, profile
        self.stage = stage  # a chunked load's clean tables on disk: read whole only to diff against a graph
        self.say, self.timings = say, timings
        self.rows: dict[str, int] = {}
        self.identity_seconds = 0.0
        self.touched: dict | None = None  # keys of the edges written (etl.pipeline.touched_keys)
        self.partitions = 0  # enterprise partitions of a chunked bulk load (etl.partitioned)

    def _resolve(self, store: GraphStore, against_graph: bool) -> GraphBatch:
        t = time.perf_counter()
        self.say("resolve", "resolving identities")
        if self.stage is not None and not self.clean:
            self.clean = {t: self.stage.read(t) for t in self.stage.tables()}
        directory = graph_directory(store) if against_graph else None
        reps = subject_reps(store, self.clean) if against_graph else None
        batch = build(self.clean, self.report, self.settings.id_key_bytes, self.profile, directory, reps,
                      store if against_graph else None)
        overlay_batch(batch, self.settings)  # objections and repairs worked in the tool outlive the extract
        self.clean = {}  # resolved once per run: the batch holds what is written (frees ~2 GiB at 1M during the load)
        self.rows = dict(batch.rows)
        self.timings["resolve"] = time.perf_counter() - t
        self.identity_seconds = batch.identity_seconds  # part of resolve, reported apart (not summed)
        return batch

    def plan(self, store: GraphStore) -> ChangeSet | None:
        """The change set against a graph that holds data; ``None`` for an empty graph (bulk load)."""
        if not has_data(store):
            return None
        batch = self._resolve(store, against_graph=True)
        t = time.perf_counter()
        self.say("diff", "comparing with the graph")
        cs = diff_batch(store, batch, owned_records(batch, self.profile))
        self.timings["diff"] = time.perf_counter() - t
        return cs

    def write(self, store: GraphStore, cs: ChangeSet | None, run_id: str) -> tuple[dict, dict, dict[str, int]]:
        """Write into ``store``; returns (per element counts, deletions, counts after)."""
        if cs is None and self.stage is not None:
            return self._write_partitioned(store, run_id)
        batch = self._resolve(store, against_graph=False) if cs is None else None
        t = time.perf_counter()  # after resolving: the load stage is the writes alone
        if batch is not None:
            self.touched = touched_keys(batch.rels, batch.delete_rels)
            written, deleted = apply_batch(store, batch, self.say)
        else:
            assert cs is not None  # no batch only when there is a change set
            self.touched = touched_keys(cs.rels, cs.rel_updates, cs.delete_rels)
            apply_changes(store, cs, self.say)
            written, deleted = _change_counts(cs)
        store.set_meta("last_run", run_id)
        counts = store.counts()
        self.timings["load"] = time.perf_counter() - t
        return written, deleted, counts


    def _write_partitioned(self, store: GraphStore, run_id: str) -> tuple[dict, dict, dict[str, int]]:
        """A chunked load into an empty graph: resolved and written in enterprise partitions (etl.partitioned)."""
        from creditgraph.etl.partitioned import bulk_load

        assert self.stage is not None and self.settings.chunk_rows
        t = time.perf_counter()
        bw = bulk_load(self.stage, store, self.report, self.settings, self.profile, self.settings.chunk_rows,
                       self.say, VERIFY_SAMPLE)
        self.rows, self.touched, self.identity_seconds = bw.rows, bw.touched, bw.identity_seconds
        self.partitions = bw.parts
        store.set_meta("last_run", run_id)
        counts = store.counts()
        self.timings["resolve"] = bw.resolve_seconds
        self.timings["load"] = time.perf_counter() - t - bw.resolve_seconds
        return bw.written, bw.deleted, counts


def _change_counts(cs: ChangeSet) -> tuple[dict, dict]:
    graph = {k: {x: v[x] for x in ("inserted", "updated", "closed", "unchanged", "skipped")} for k, v in cs.counts.items()}
    return graph, {k: v["deleted"] for k, v in cs.counts.items() if v["deleted"]}


VERIFY_ENV = "CREDITGRAPH_VERIFY_WRITES"  # sample (default) | full | off


# the writer's pool in a partitioned load (graph.embedded_files: node COPYs in pieces, each COPY checkpointed, freed
# memory handed back). At 10M enterprises a 2 GiB pool held the write stage at 3.6 GiB, but the edge COPYs' key
# lookups missed it (12.2M legal reps in 230 s, against 45 s with 4 GiB and 39 s with 5 GiB); with 4 GiB the
# write stage peaked at 5.8 GiB and took 640 s, 185 s more than with 5 GiB and one COPY per table
BULK_BUFFER_POOL_MB = int(os.environ.get("CREDITGRAPH_BULK_BUFFER_MB", "5120"))
VERIFY_SAMPLE = 2000  # keys per relationship table and end the publish-time check reads


def touched_keys(*rel_lists, sample: int = VERIFY_SAMPLE, seed: int = 0) -> dict:
    """Per relationship table, at most ``sample`` source and ``sample`` target keys (drawn with ``seed``)
    of the edges a write inserts, changes or deletes (``rels``, ``rel_updates``, ``delete_rels`` lists of
    ``(type, src label, dst label, frame)``): what :func:`verify_before_publish` looks at. The keys of
    ``sample`` edges drawn from each frame, not of every edge: in proportion to the sample, not to the
    write (deduplicating every endpoint of a bulk load's 12M edges took ~5 s at 1M enterprises)."""
    parts: dict[tuple[str, str, str], tuple[list, list]] = {}
    for rels in rel_lists:
        for rtype, a, b, df in rels:
            if len(df):
                got = parts.setdefault((rtype, a, b), ([], []))
                rows = df.sample(sample, random_state=seed) if len(df) > sample else df
                for end, keep in (("src", got[0]), ("dst", got[1])):
                    keep.append(rows[end].dropna().drop_duplicates())

    def cut(frames: list) -> pd.Series:
        keys = pd.concat(frames, ignore_index=True).astype("string").drop_duplicates() if frames else pd.Series(dtype="string")
        return keys.sample(sample, random_state=seed) if len(keys) > sample else keys
    return {k: (cut(src), cut(dst)) for k, (src, dst) in parts.items()}


def verify_before_publish(root: Path, snapshot: Path, counts: dict[str, int] | None, touched: dict | None = None) -> None:
    """Check a written snapshot (``graph.verify``) before it is published; refuse to publish a damaged one.

    ``CREDITGRAPH_VERIFY_WRITES``: ``sample`` (the default: with ``touched``, the keys of the edges the write
    touched, :func:`touched_keys`, read from both ends, and the counts: in proportion to the write; without,
    2,000 keys per relationship end against full scans), ``full`` (full scans, every key) or ``off``.
    """
    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.graph.verify import verify, verify_touched

    mode = os.environ.get(VERIFY_ENV, "sample").strip().lower()
    if mode == "off":
        return
    with EmbeddedStore(root, read_only=True, snapshot=snapshot) as store:
        if mode != "full" and touched is not None:
            report = verify_touched(store, touched, sample=None, expected_counts=counts)  # already sampled
        else:
            report = verify(store, sample=None if mode == "full" else VERIFY_SAMPLE, expected_counts=counts)
    if not report.ok:
        raise FatalLoadError("integrity check of the written graph failed, nothing published: " + "; ".join(report.lines()))


def last_counts(settings: Settings, version: str | None) -> dict[str, int] | None:
    """The counts the run that published ``version`` recorded in its manifest (None when unknown)."""
    for m in history(settings):
        if m.get("counts") and (m.get("version") or {}).get("new") == version:
            return m["counts"]
    return None


def _load_embedded(loader: _Loader, run_id: str) -> _Written:
    """Plan against the published snapshot; write a copy and publish it only when something changed."""
    from creditgraph.graph import snapshots
    from creditgraph.graph.embedded import EmbeddedStore

    root = Path(loader.settings.db_path)
    with snapshots.writer_lock(root):
        old = snapshots.current_name(root)
        cs = None
        if old is not None:
            cur = EmbeddedStore(root, read_only=True)
            try:
                cs = loader.plan(cur)
            finally:
                cur.close()
            if cs is not None and cs.empty:
                graph, deleted = _change_counts(cs)
                return _Written(graph, deleted, {"old": old, "new": old}, False, None, loader.rows)
        name, tmp = snapshots.prepare(root, copy_current=cs is not None)
        store = None
        try:
            # a partitioned bulk load writes the graph in batches: the engine's buffer pool is capped so that its
            # memory does not grow with the graph (LadybugDB's default is most of the machine's memory)
            pool = BULK_BUFFER_POOL_MB if cs is None and loader.stage is not None else None
            store = EmbeddedStore(root, snapshot=tmp, checkpoint_mb=WRITER_CHECKPOINT_MB if cs is not None else None,
                                  buffer_pool_mb=pool)
            graph, deleted, counts = loader.write(store, cs, run_id)
            store.close()
            store = None
            t = time.perf_counter()
            # the check keeps the engine's default pool: capped at the writer's 5 GiB, its keyed lookups at 10M
            # enterprises failed with "buffer pool is full" (uncapped it reached 11.1 GiB: issue 20)
            verify_before_publish(root, tmp, counts, loader.touched)
            loader.timings["verify"] = time.perf_counter() - t
            snapshots.commit(root, name, tmp)
        except BaseException:
            if store is not None:
                store.close()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return _Written(graph, deleted, {"old": old, "new": name}, True, counts, loader.rows)


def _load_neo4j(loader: _Loader, run_id: str) -> _Written:
    """Plan and write in the server; ``graph_version`` is stamped last, and only when something changed."""
    from creditgraph.graph import snapshots
    from creditgraph.graph.store import open_store

    with snapshots.writer_lock(runs_dir(loader.settings)):
        store = open_store(loader.settings)
        try:
            store.create_schema()
            old = store.get_meta("graph_version")
            cs = loader.plan(store)
            if cs is not None and cs.empty:
                graph, deleted = _change_counts(cs)
                return _Written(graph, deleted, {"old": old, "new": old}, False, None, loader.rows)
            graph, deleted, counts = loader.write(store, cs, run_id)
            new = str(int(old or 0) + 1)
            store.set_meta("graph_version", new)  # stamped last
        finally:
            store.close()
    return _Written(graph, deleted, {"old": old, "new": new}, True, counts, loader.rows)


def table_rows(extract, report: RejectReport, rows: dict[str, int]) -> dict[str, dict[str, int]]:
    """Per table: rows read, loaded (that became graph records), rejected, superseded, officers
    (legal-rep rows of other officers, not loaded as LEGAL_REP) and unaccounted (should be 0)."""
    rej = report.frame()
    rej = rej[rej["row"].notna()]
    out = {}
    for name, df in extract.tables.items():
        r = rej[rej["table"] == name]

        def n_rows(mask, r=r) -> int:
            return int(r.loc[mask, ["file", "row"]].drop_duplicates().shape[0])

        rejected = n_rows(r["severity"] == "rejected")
        superseded = n_rows(r["severity"] == "superseded")
        officers = n_rows((r["column"] == "is_legal_rep") & (r["severity"] == "note")) if name == "legal_reps" else 0
        # rows the reader could not parse (truncated lines, wrong field counts) never reached df
        rej_keys = r[r["severity"] == "rejected"][["file", "row"]].drop_duplicates()
        dropped = 0
        if rejected:
            parsed = pd.MultiIndex.from_arrays([df["_file"].astype(str), df["_row"].astype("int64")])
            wanted = pd.MultiIndex.from_arrays([rej_keys["file"].astype(str), rej_keys["row"].astype("int64")])
            dropped = int((~wanted.isin(parsed)).sum())
        read = len(df) + dropped
        loaded = int(rows.get(name, 0))
        out[name] = {"read": read, "loaded": loaded, "rejected": rejected, "superseded": superseded,
                     "officers": officers, "unaccounted": read - loaded - rejected - superseded - officers}
    return out


def run_load(source: str | Path, profile: str = "canonical", settings: Settings | None = None,
             progress: Progress | None = None, kind: str = "load") -> LoadReport:
    """Load an extract (file or folder) through a profile into the configured store.

    Into an empty graph the extract is bulk-loaded; into a graph with data only
    what differs is written (a re-load of the same extract writes nothing and
    publishes no new version).
    """
    settings = settings or load_settings()
    started = dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(started)
    timings: dict[str, float] = {}
    report = RejectReport()
    say = progress or (lambda stage, msg: None)

    t = time.perf_counter()
    prof = load_profile(profile)
    clean = stage = None
    if settings.chunk_rows:  # read and clean in chunks through a Parquet staging (etl.chunked, docs/scale.md)
        from creditgraph.etl.chunked import read_clean_chunked

        say("read", f"reading {source} with profile {prof.name} in chunks of {settings.chunk_rows:,} records")
        staged = read_clean_chunked(Path(source), prof, report, prof.flags, settings.chunk_rows,
                                    runs_dir(settings) / f"{run_id}.staging", keep=True)
        extract, clean, stage = staged.extract, staged.clean, staged.staging
        timings.update(staged.timings)  # read and validate: the time each took, chunk by chunk
    else:
        say("read", f"reading {source} with profile {prof.name}")
        extract = read_extract(Path(source), prof, report)
        timings["read"] = time.perf_counter() - t
    if not extract.tables:
        errors = "; ".join(f"{Path(f.path).name}: {f.error}" for f in extract.files if f.error) or "no rows"
        if all(f.ignored for f in extract.files):
            errors = f"no file name matches a table of profile {prof.name!r} (ignored: " \
                     + ", ".join(Path(f.path).name for f in extract.files[:10]) + ")"
        raise FatalLoadError(f"nothing to load from {source}: {errors}")

    if clean is None:
        t = time.perf_counter()
        say("validate", "validating and normalising")
        clean = clean_tables(extract.tables, report, prof.flags, consume=True)  # table_rows reads _file and _row only
        timings["validate"] = time.perf_counter() - t

    loader = _Loader(clean or {}, report, settings, prof.name, say, timings, stage)
    del clean  # the loader holds it until it has resolved
    try:
        w = (_load_embedded if settings.store == "embedded" else _load_neo4j)(loader, run_id)
    finally:
        if stage is not None:
            stage.close()
    timings["total"] = sum(timings.values())
    if loader.identity_seconds:
        timings["identity (in resolve)"] = loader.identity_seconds

    tables = table_rows(extract, report, w.rows)
    out = LoadReport(
        run_id=run_id, status="loaded" if w.published else "unchanged", tables=tables, graph=w.graph,
        deleted=w.deleted, rejects=report.counts(), timings={k: round(v, 3) for k, v in timings.items()},
        version=w.version, files=[vars(f) for f in extract.files], reject_reasons=report.top_reasons(5),
    )
    folder = runs_dir(settings) / run_id
    paths = report.write(folder)
    manifest = {
        "run_id": run_id, "kind": kind, "status": out.status, "store": settings.store,
        "started": started.isoformat(), "finished": dt.datetime.now(dt.timezone.utc).isoformat(),
        "source": str(source), "profile": prof.name, "inputs": out.files, "tables": tables,
        "graph": w.graph, "deleted": w.deleted, "rejects": out.rejects, "reject_reasons": out.reject_reasons,
        "ignored": out.ignored, "reject_report": paths,
        "timings": out.timings, "version": out.version, "published": w.published,
    }
    if w.counts is not None:
        manifest["counts"] = w.counts
    if loader.partitions:
        manifest["partitions"] = loader.partitions
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    out.run_dir, out.manifest = str(folder), str(folder / "manifest.json")
    return out


def history(settings: Settings | None = None) -> list[dict]:
    """Past runs, newest first, from their manifests."""
    settings = settings or load_settings()
    folder = runs_dir(settings)
    if not folder.exists():
        return []
    out = []
    for m in folder.glob("*/manifest.json"):
        try:
            out.append(json.loads(m.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    # run ids name the second a run started: runs within one second are ordered by their start time
    return sorted(out, key=lambda m: (str(m.get("started", "")), str(m.get("run_id", ""))), reverse=True)

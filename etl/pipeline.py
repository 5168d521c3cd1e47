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
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from etl.build import GraphBatch, build
from etl.profiles import load_profile
from etl.read import read_extract
from etl.report import RejectReport
from etl.transform import clean_tables
from graph.config import Settings, load_settings
from graph.store import GraphStore, UpsertResult

NODE_ORDER = ["Region", "Enterprise", "Person", "PenaltyEvent", "Address", "Phone", "Email"]
Progress = Callable[[str, str], None]  # (stage, message)

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

    @property
    def file_errors(self) -> list[dict]:
        return [f for f in self.files if f.get("error")]

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.file_errors else EXIT_OK

    @property
    def changes(self) -> int:
        return sum(v.get("inserted", 0) + v.get("updated", 0) for v in self.graph.values()) + sum(self.deleted.values())


def runs_dir(settings: Settings) -> Path:
    if settings.store == "embedded":
        return Path(settings.db_path) / "runs"
    return Path(os.environ.get("CREDITGRAPH_RUNS", "data/runs"))


DIRECTORY = ("MATCH (e:Enterprise) RETURN e.uid AS uid, e.subject_id AS subject_id, "
             "e.name_key AS name_key, e.province AS province, e.region AS region")


def graph_directory(store: GraphStore) -> pd.DataFrame:
    """Enterprises already in the graph, for resolving references by subject id or name."""
    return store.run(DIRECTORY).astype("string")


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


@contextmanager
def _target(settings: Settings):
    """The store a run writes to, and a callback giving the new version once published."""
    if settings.store == "embedded":
        from graph import snapshots
        from graph.embedded import new_snapshot

        root = Path(settings.db_path)
        old = snapshots.current_name(root) if root.exists() else None
        box: dict = {"old": old}
        with new_snapshot(root) as store:
            yield store, box
        box["new"] = snapshots.current_name(root)
    else:
        from graph.store import open_store

        store = open_store(settings)
        try:
            store.create_schema()
            old = store.get_meta("graph_version")
            box = {"old": old}
            yield store, box
            new = str(int(old or 0) + 1)
            store.set_meta("graph_version", new)  # stamped last
            box["new"] = new
        finally:
            store.close()


def run_load(source: str | Path, profile: str = "canonical", settings: Settings | None = None,
             progress: Progress | None = None, kind: str = "load") -> LoadReport:
    """Load an extract (file or folder) through a profile into the configured store."""
    settings = settings or load_settings()
    started = dt.datetime.now(dt.timezone.utc)
    run_id = started.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    timings: dict[str, float] = {}
    report = RejectReport()
    say = progress or (lambda stage, msg: None)

    t = time.perf_counter()
    prof = load_profile(profile)
    say("read", f"reading {source} with profile {prof.name}")
    extract = read_extract(Path(source), prof, report)
    timings["read"] = time.perf_counter() - t
    if not extract.tables:
        errors = "; ".join(f"{Path(f.path).name}: {f.error}" for f in extract.files if f.error) or "no rows"
        raise FatalLoadError(f"nothing to load from {source}: {errors}")

    t = time.perf_counter()
    say("validate", "validating and normalising")
    clean = clean_tables(extract.tables, report, prof.flags)
    timings["validate"] = time.perf_counter() - t

    with _target(settings) as (store, version):
        t = time.perf_counter()
        say("resolve", "resolving identities")
        directory = graph_directory(store) if store.counts().get("Enterprise", 0) else None
        batch = build(clean, report, settings.id_key_bytes, prof.name, directory)
        timings["resolve"] = time.perf_counter() - t
        t = time.perf_counter()
        written, deleted = apply_batch(store, batch, say)
        store.set_meta("last_run", run_id)
        timings["load"] = time.perf_counter() - t
    timings["total"] = sum(timings.values())

    rej = report.frame()
    tables = {}
    for name, df in extract.tables.items():
        r = rej[(rej["table"] == name) & rej["row"].notna()]
        rej_keys = r[r["severity"] == "rejected"][["file", "row"]].drop_duplicates()
        rejected = len(rej_keys)
        superseded = int(r[r["severity"] == "superseded"][["file", "row"]].drop_duplicates().shape[0])
        # rows the reader could not parse (truncated lines, wrong field counts) never reached df
        dropped = 0
        if rejected:
            parsed = pd.MultiIndex.from_arrays([df["_file"].astype(str), df["_row"].astype("int64")])
            wanted = pd.MultiIndex.from_arrays([rej_keys["file"].astype(str), rej_keys["row"].astype("int64")])
            dropped = int((~wanted.isin(parsed)).sum())
        read = len(df) + dropped
        tables[name] = {"read": read, "loaded": read - rejected - superseded, "rejected": rejected, "superseded": superseded}
    out = LoadReport(
        run_id=run_id, status="loaded", tables=tables, graph=written, deleted=deleted,
        rejects=report.counts(), timings={k: round(v, 3) for k, v in timings.items()},
        version={"old": version.get("old"), "new": version.get("new")},
        files=[vars(f) for f in extract.files],
    )
    folder = runs_dir(settings) / run_id
    paths = report.write(folder)
    manifest = {
        "run_id": run_id, "kind": kind, "status": out.status, "store": settings.store,
        "started": started.isoformat(), "finished": dt.datetime.now(dt.timezone.utc).isoformat(),
        "source": str(source), "profile": prof.name, "inputs": out.files, "tables": tables,
        "graph": written, "deleted": deleted, "rejects": out.rejects, "reject_report": paths,
        "timings": out.timings, "version": out.version,
    }
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

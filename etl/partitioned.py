"""A bulk load in enterprise partitions (issue 20, docs/scale.md): the resolve and load stages of a
chunked load into an empty graph, with the memory of one partition and of the directory of enterprises.

After the chunked read (:mod:`etl.chunked`: the clean tables staged as Parquet, :class:`etl.staging.Staging`):

1. **Directory.** Every enterprise of the extract (uid, subject id, name key, province, region), read
   from the staging in batches: what references resolve against (:mod:`etl.directory`).
2. **Partitions.** Each staged row goes to one of K partition files: an enterprise by its uid, a
   legal-rep or shareholding row by the enterprise it resolves to, an equity change by its
   enterprise's code (what :func:`etl.roles.equity_history` matches on), a penalty, commitment or
   red-list record by its record id. So every step of :func:`etl.build.build` that looks across rows
   (a company's legal representatives and its subject row, a company's holdings and their total, its
   equity history, a multi-subject record) sees all of its rows. The cluster-address list, which
   every enterprise's address is checked against, goes to every partition.
3. **Build** each partition (:func:`etl.build.build` with the extract's directory) and write its node
   and relationship frames, typed by the model, as Parquet with each frame's slot
   (:func:`etl.build.build_slot`: its place in the build), each row's source position and partition.
4. **Merge** in DuckDB what :meth:`etl.build.GraphBatch.node_frame` and the store's ``prepare_*`` steps do
   for one batch: per node label, per slot the last row of a uid (source order), then per column the
   first value in slot order; per relationship table, the last row per (src, dst), and only the edges
   whose two ends are nodes (the others are counted as skipped, as a load of one batch skips them).
5. **Region nodes and identity links** (:mod:`etl.identity`) over the merged nodes and edges.
6. **Write** nodes, then edges, from the merged files in batches (``COPY`` on LadybugDB, ``UNWIND`` on Neo4j).

The graph, the reject report and the counts are those of a load of the whole extract
(``tests/test_chunked_load.py``). Memory: the directory (Arrow strings and 8-byte hashes per
enterprise), one partition's tables and frames, one write batch; DuckDB spills its sorts to the run folder.
Time: O(rows) per stage; the merges are sorts, O(n log n).
"""
from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditgraph.etl.build import GraphBatch, build, region_nodes
from creditgraph.etl.casework import overlay_batch
from creditgraph.etl.directory import DIRECTORY_COLUMNS, directory_rows, lookups
from creditgraph.etl.graphdiff import NODE_ORDER
from creditgraph.etl.identity_parts import link_identities_from_files
from creditgraph.etl.report import RejectReport
from creditgraph.etl.staging import Staging
from creditgraph.graph.memory import release_memory
from creditgraph.graph.model import MODEL, coerce_frame
from creditgraph.graph.store import UpsertResult

MAX_PARTS = 64          # partitions at most (a partition file per table each)
WRITE_ROWS = 500_000    # rows per write into the store
MERGE_MEMORY = "2GB"    # DuckDB's memory limit for the merges (it spills beyond)
IDENTITY_MEMORY = "2GB"  # and for the identity links' graph-wide counts
REGION_SLOT = "~"       # after every slot of the partitions' builds: regions come last, as in build()
REFERENCES = {"legal_reps": "enterprise", "shareholders": "enterprise"}  # tables partitioned by resolved enterprise
RECORDS = ("penalties", "commitments", "red_lists")
EVERYWHERE = ("cluster_addresses",)
LINKS = ("POSSIBLY_SAME_AS", "Person", "Person")
ORDER = ["_slot", "_idx", "_part", "_rn"]  # the order of the rows of all partitions' frames
# the columns row_parts reads, per table
PART_COLUMNS = {"enterprises": ["uid"], "equity_changes": ["enterprise_ref"],
                **{t: [f"{p}_ref", f"{p}_subject_id", f"{p}_name"] for t, p in REFERENCES.items()},
                **{t: ["record_id", "uid"] for t in RECORDS}}


def partition_count(enterprises: int, per_part: int) -> int:
    """Partitions of about ``per_part`` enterprises each, at least 1 and at most :data:`MAX_PARTS`."""
    return max(1, min(MAX_PARTS, -(-enterprises // max(per_part, 1))))


@dataclass
class BulkWrite:
    """What a partitioned bulk load wrote (the counts ``etl.pipeline.apply_batch`` gives for one batch)."""
    written: dict[str, dict] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    touched: dict = field(default_factory=dict)
    identity_seconds: float = 0.0
    parts: int = 0
    resolve_seconds: float = 0.0


# ------------------------------------------------------------------ 1-2: directory and partitions

def extract_directory(stage: Staging) -> pd.DataFrame:
    """The directory (:data:`etl.directory.DIRECTORY_COLUMNS`) of every enterprise the extract holds, as
    ``build`` makes it from the whole table: one row per uid, the last one."""
    cols = ["uid", "subject_id", "name", "region", "province", "city", "change_flag"]
    parts = [directory_rows(stage.frame("enterprises", b, cols)) for b in stage.batches("enterprises")]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in DIRECTORY_COLUMNS})
    d = pd.concat(parts, ignore_index=True)
    return d[~d["uid"].duplicated(keep="last").to_numpy()].reset_index(drop=True)


def _bucket(keys: pd.Series, fallback: np.ndarray, parts: int) -> np.ndarray:
    """Each row's partition: a hash of its key, or of ``fallback`` (its position) where the key is missing."""
    h = pd.util.hash_pandas_object(keys.astype("string").fillna(""), index=False).to_numpy()
    out = (h % np.uint64(parts)).astype(np.int64)
    missing = keys.isna().to_numpy()
    out[missing] = fallback[missing] % parts
    return out


def row_parts(table: str, df: pd.DataFrame, directory: pd.DataFrame, parts: int) -> np.ndarray:
    """The partition of each clean row of ``table`` (see the module docstring)."""
    pos = df.index.to_numpy(dtype=np.int64)
    if table == "enterprises":
        return _bucket(df["uid"], pos, parts)
    if table in REFERENCES:
        return _bucket(lookups(directory).resolve(df, REFERENCES[table]), pos, parts)
    if table == "equity_changes":
        return _bucket(df["enterprise_ref"], pos, parts)
    if table in RECORDS:
        return _bucket(df["record_id"].astype("string").fillna(df["uid"].astype("string")), pos, parts)
    return pos % parts


def split_staging(stage: Staging, directory: pd.DataFrame, parts: int, folder: Path) -> dict[str, list[Path]]:
    """Write each staged table's rows into ``parts`` files by :func:`row_parts` (the staged rows as they
    are: ``Staging.frame`` cleans them when a partition is read). Returns the files per table."""
    out: dict[str, list[Path]] = {}
    for table in stage.tables():
        if table in EVERYWHERE or table not in stage.schemas:
            continue
        paths = [folder / f"{table}.{k:03d}.parquet" for k in range(parts)]
        writers = [pq.ParquetWriter(p, stage.schemas[table]) for p in paths]
        try:
            for batch in stage.batches(table):
                df = stage.frame(table, batch, PART_COLUMNS.get(table, []))
                if df.empty:
                    continue
                at = pd.Series(row_parts(table, df, directory, parts), index=df.index)
                seq_part = at.reindex(_seq_index(stage, table, batch)).to_numpy()  # superseded rows: no part
                tbl = pa.Table.from_batches([batch])
                for k in np.unique(at.to_numpy()):
                    writers[k].write_table(tbl.filter(pa.array(seq_part == k)))
        finally:
            for w in writers:
                w.close()
        out[table] = paths
        release_memory()
    return out


def _seq_index(stage: Staging, table: str, batch: pa.RecordBatch) -> np.ndarray:
    """The clean index each staged row would have (``Staging.frame``'s index) before any row is dropped."""
    col = "_pos" if stage.sources.get(table, 1) == 1 else "_seq"
    return batch.column(col).to_numpy()


# ------------------------------------------------------------------ 3: build each partition, spill its frames

class Spill:
    """The frames of every partition's batch as Parquet files per node label and relationship table."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.nodes: dict[str, list[Path]] = {}
        self.rels: dict[tuple[str, str, str], list[Path]] = {}
        self.regions: set[str] = set()
        self.rows: Counter = Counter()
        self.deleted: dict[str, int] = {}
        self.n = 0

    def add(self, batch: GraphBatch, part: int) -> None:
        assert batch.node_slots is not None and batch.rel_slots is not None
        for label, frames in batch.nodes.items():
            props = MODEL.node(label).properties
            for df, slot in zip(frames, _numbered(batch.node_slots[label], label)):
                self._write(self.nodes.setdefault(label, []), coerce_frame(df, props), slot, df.index, part)
        keys = [(r, a, b) for r, a, b, _ in batch.rels]
        for (rtype, a, b, df), slot in zip(batch.rels, _numbered_rels(batch.rel_slots, keys)):
            if b == "Region":
                self.regions.update(df["dst"].dropna().astype(str).unique().tolist())
            typed = coerce_frame(df, MODEL.rel(rtype).properties, keep=("src", "dst"))
            typed["src"], typed["dst"] = typed["src"].astype("string"), typed["dst"].astype("string")
            self._write(self.rels.setdefault((rtype, a, b), []), typed, slot, df.index, part)
        self.rows.update(batch.rows)
        for rtype, *_ in batch.delete_rels:  # deletions meet an empty graph: counted as nothing, as in one batch
            self.deleted.setdefault(rtype, 0)
        for label in batch.delete_nodes:
            self.deleted.setdefault(label, 0)

    def _write(self, paths: list[Path], df: pd.DataFrame, slot: str, index: pd.Index, part: int) -> None:
        index = index.to_numpy() if pd.api.types.is_integer_dtype(index.dtype) else np.arange(len(df))
        out = df.reset_index(drop=True).assign(_slot=slot, _idx=index.astype(np.int64), _part=part,
                                               _rn=np.arange(len(df), dtype=np.int64))
        path = self.folder / f"f{self.n:06d}.parquet"
        self.n += 1
        out.to_parquet(path, index=False)
        paths.append(path)


def _numbered(slots: list[str], what: str) -> list[str]:
    """Slots with their occurrence (a call site reached twice in one build: a loop), checked to be in the
    order they were made: the order of the whole build's frames (see :func:`etl.build.build_slot`)."""
    seen: Counter = Counter()
    out = []
    for s in slots:
        out.append(f"{s}#{seen[s]:04d}")
        seen[s] += 1
    if out != sorted(out):
        raise RuntimeError(f"{what}: frames made out of slot order {out}; etl.build.build_slot cannot order them")
    return out


def _numbered_rels(slots: list[str], keys: list[tuple[str, str, str]]) -> list[str]:
    out: list[str] = [""] * len(slots)
    for key in dict.fromkeys(keys):
        at = [i for i, k in enumerate(keys) if k == key]
        for i, s in zip(at, _numbered([slots[i] for i in at], ":".join(key))):
            out[i] = s
    return out


def build_partitions(stage: Staging, files: dict[str, list[Path]], directory: pd.DataFrame, parts: int,
                     report: RejectReport, id_key: bytes, source: str, settings, spill: Spill, say) -> None:
    """Build every partition against the extract's directory and spill its frames."""
    everywhere = {t: stage.read(t) for t in EVERYWHERE if t in stage.templates}
    for k in range(parts):
        tables = {}
        for t in stage.tables():
            if t in everywhere:
                tables[t] = everywhere[t]
            elif t in files:
                tables[t] = stage.read(t, files[t][k])
            else:
                tables[t] = stage.read(t)  # a table with no row: its empty clean frame
        say("resolve", f"partition {k + 1} of {parts}: {sum(len(v) for v in tables.values()):,} rows")
        batch = build(tables, report, id_key, source, extract_directory=directory)
        overlay_batch(batch, settings)
        for t, df in everywhere.items():  # counted once, not once per partition
            if k:
                batch.rows[t] = batch.rows.get(t, 0) - len(df)
        spill.add(batch, k)
        del batch, tables
        release_memory()


# ------------------------------------------------------------------ 4: merge the partitions' frames

def _connect(folder: Path, memory: str = MERGE_MEMORY):
    import duckdb

    con = duckdb.connect()
    con.execute("SET temp_directory = ?", [str(folder / "duckdb.tmp")])
    con.execute(f"SET memory_limit = '{memory}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con, paths: list[Path]) -> list[str]:
    rel = con.execute("SELECT * FROM read_parquet(?, union_by_name = true) LIMIT 0", [[str(p) for p in paths]])
    return [d[0] for d in rel.description]


def merge_nodes(con, label: str, paths: list[Path], out: Path) -> int:
    """One row per uid, as ``GraphBatch.node_frame`` merges a label's frames: per slot the uid's last row
    (source order), then per column the first value in slot order. Returns the rows written."""
    cols = [c for c in _columns(con, paths) if c not in ORDER and c != "uid"]
    firsts = ", ".join(f"arg_min({_q(c)}, _slot) FILTER (WHERE {_q(c)} IS NOT NULL) AS {_q(c)}" for c in cols)
    con.execute(f"""
        COPY (
            WITH r AS (SELECT * FROM read_parquet(?, union_by_name = true)),
            last AS (SELECT * FROM r QUALIFY row_number() OVER (
                         PARTITION BY uid, _slot ORDER BY _idx DESC, _part DESC, _rn DESC) = 1)
            SELECT uid{', ' + firsts if firsts else ''} FROM last GROUP BY uid
        ) TO '{out}' (FORMAT parquet)""", [[str(p) for p in paths]])
    return int(con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0])


def merge_rels(con, key: tuple[str, str, str], paths: list[Path], nodes: dict[str, Path], out: Path) -> tuple[int, int]:
    """The relationship table as a store writes one batch's frames: the last row per (src, dst) in frame
    order, rows without both ends dropped; the edges whose ends are not both nodes, which a load skips, go
    to ``skipped/`` beside (identity linking reads them as evidence, as it does in one batch).
    Returns (edges written to ``out``, edges skipped)."""
    _, a, b = key
    cols = [c for c in _columns(con, paths) if c not in ORDER]
    sel = ", ".join(_q(c) for c in cols)
    ends = []
    for end, label in (("src", a), ("dst", b)):
        if label in nodes:
            ends.append(f"{end} IN (SELECT uid FROM read_parquet('{nodes[label]}'))")
        else:
            ends.append("false")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE edges AS
        SELECT {sel}, ({' AND '.join(ends)}) AS _ok FROM (
            SELECT * FROM read_parquet(?, union_by_name = true) WHERE src IS NOT NULL AND dst IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY src, dst ORDER BY _slot DESC, _idx DESC, _part DESC, _rn DESC) = 1)
        """, [[str(p) for p in paths]])
    con.execute(f"COPY (SELECT {sel} FROM edges WHERE _ok) TO '{out}' (FORMAT parquet)")
    ok, skipped = con.execute("SELECT count(*) FILTER (WHERE _ok), count(*) FILTER (WHERE NOT _ok) FROM edges").fetchone()
    if skipped:  # identity evidence all the same (etl.identity_parts reads skipped/ beside rels/)
        skip = out.parent.parent / "skipped" / out.name
        skip.parent.mkdir(exist_ok=True)
        con.execute(f"COPY (SELECT {sel} FROM edges WHERE NOT _ok) TO '{skip}' (FORMAT parquet)")
    con.execute("DROP TABLE edges")
    return int(ok), int(skipped)


# ------------------------------------------------------------------ 5: regions and identity links

def region_file(spill: Spill, folder: Path) -> Path:
    """The Region nodes' frame, spilled in the slot after every partition's (``build`` adds it last)."""
    df = coerce_frame(region_nodes(spill.regions), MODEL.node("Region").properties)
    spill._write(spill.nodes.setdefault("Region", []), df, REGION_SLOT, pd.RangeIndex(len(df)), 0)
    return spill.nodes["Region"][-1]


def identity_links(final: Path, final_nodes: dict[str, Path], parts: int) -> Path | None:
    """The ``POSSIBLY_SAME_AS`` links of the merged graph, scored in ``parts`` partitions by name key from the
    merged files (:func:`etl.identity_parts.link_identities_from_files`: the links ``link_identities`` gives
    on one batch); ``None`` when there are none."""
    if "Person" not in final_nodes:
        return None
    path, stats = link_identities_from_files(final, parts, work=final.parent, memory_limit=IDENTITY_MEMORY)
    return path if stats["links"] else None


# ------------------------------------------------------------------ 6: write

def write_merged(store, final_nodes: dict[str, Path], final_rels: dict[tuple[str, str, str], Path],
                 skipped: dict[tuple[str, str, str], int], say) -> dict[str, dict]:
    """Nodes (endpoints first) then edges, from the merged files, into an empty graph: one ``COPY`` per
    table on LadybugDB, ``UNWIND`` batches on Neo4j (``GraphStore.copy_nodes_file``)."""
    written: dict[str, UpsertResult] = {}
    for label in [x for x in NODE_ORDER if x in final_nodes]:
        say("load", f"{label}: nodes")
        written.setdefault(label, UpsertResult()).inserted += store.copy_nodes_file(label, final_nodes[label], WRITE_ROWS)
    for key, path in final_rels.items():
        rtype, a, b = key
        say("load", f"{rtype} {a}->{b}: edges")
        res = written.setdefault(rtype, UpsertResult())
        res.skipped += skipped.get(key, 0)
        res.inserted += store.copy_rels_file(rtype, a, b, path, WRITE_ROWS)
    return {k: vars(v) for k, v in written.items()}


def sample_keys(final_rels: dict[tuple[str, str, str], Path], sample: int, seed: int = 0) -> dict:
    """Up to ``sample`` source and target keys per written relationship table (``etl.pipeline.touched_keys``)."""
    out = {}
    for key, path in final_rels.items():
        pf = pq.ParquetFile(path)
        n = pf.metadata.num_rows
        if not n:
            continue
        head = next(pf.iter_batches(batch_size=max(sample * 50, 1), columns=["src", "dst"])).to_pandas()
        rows = head.sample(sample, random_state=seed) if len(head) > sample else head
        out[key] = (rows["src"].astype("string").drop_duplicates(), rows["dst"].astype("string").drop_duplicates())
    return out


# ------------------------------------------------------------------ the whole stage

def bulk_load(stage: Staging, store, report: RejectReport, settings, source: str, per_part: int, say,
              verify_sample: int) -> BulkWrite:
    """Resolve the staged extract in enterprise partitions and write it into the empty ``store``."""
    t0 = time.perf_counter()
    work = stage.folder / "partitions"
    shutil.rmtree(work, ignore_errors=True)
    for sub in ("split", "frames", "final/nodes", "final/rels"):
        (work / sub).mkdir(parents=True)
    out = BulkWrite()
    say("resolve", "the directory of enterprises")
    directory = extract_directory(stage)
    out.parts = parts = partition_count(len(directory), per_part)
    files = split_staging(stage, directory, parts, work / "split")
    spill = Spill(work / "frames")
    build_partitions(stage, files, directory, parts, report, settings.id_key_bytes, source, settings, spill, say)
    del directory
    release_memory()
    shutil.rmtree(work / "split", ignore_errors=True)
    region_file(spill, work / "frames")
    say("resolve", "merging the partitions")
    con = _connect(work)
    try:
        final_nodes = {}
        for label, paths in spill.nodes.items():
            say("resolve", f"merging {label} nodes")
            final_nodes[label] = work / "final" / "nodes" / f"{label}.parquet"
            merge_nodes(con, label, paths, final_nodes[label])
        final_rels, skipped = {}, {}
        for key, paths in spill.rels.items():
            say("resolve", f"merging {key[0]} {key[1]}->{key[2]} edges")
            final_rels[key] = work / "final" / "rels" / ("__".join(key) + ".parquet")
            _, skipped[key] = merge_rels(con, key, paths, final_nodes, final_rels[key])
    finally:
        con.close()
    shutil.rmtree(work / "frames", ignore_errors=True)
    say("resolve", "identity links")
    t = time.perf_counter()
    links = identity_links(work / "final", final_nodes, parts)
    out.identity_seconds = time.perf_counter() - t
    if links is not None:
        final_rels[LINKS] = links
        skipped[LINKS] = 0
    out.resolve_seconds = time.perf_counter() - t0
    out.rows, out.deleted = dict(spill.rows), dict(spill.deleted)
    release_memory()
    out.written = write_merged(store, final_nodes, final_rels, skipped, say)
    out.touched = sample_keys(final_rels, verify_sample)
    return out

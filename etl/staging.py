"""The staging of the chunked load (issue 20, docs/scale.md): each cleaned chunk appended to a Parquet file
per table in a run folder; the cross-row steps of :class:`etl.transform.Cleaner` done over those files by
DuckDB; the result read back as the clean tables :func:`etl.build.build` takes.

The cleaning of a table is row-local except for two steps, both at the end of the table methods:

* ``Cleaner._shared_legacy_keys`` (enterprises): companies with different names under one legacy key
  (``REG:``/``ALT:``/``SID:``); the name seen first (by ``_file``, ``_row``) keeps the key, the others
  are keyed ``<key>:<name key>``. Here a group query (``count(DISTINCT name key)`` per key) and a window
  (the first name key per key).
* ``Cleaner._dedupe`` (enterprises, penalties, commitments, red lists): per key the latest
  ``updated_at`` wins, then the later row (``_file``, ``_row``); the others are reported ``superseded``.
  Here a window query (``row_number()`` per key).

No other step of the table methods looks across rows (none groups, counts or drops duplicates), so
:class:`RowCleaner`, the Cleaner with those two steps left out, cleans a chunk exactly as the whole
table cleans those rows. The staged rows carry ``_pos`` (the row's position in its source frame) and
``_seq`` (its position in the table's rows over all sources): the index the whole-table path gives a
clean table (``_pos`` when one source feeds the table, ``_seq`` when several are concatenated).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from creditgraph.etl.canonical import TABLES
from creditgraph.etl.report import RejectReport
from creditgraph.etl.transform import SHARED_CODE_NOTE, Cleaner
from creditgraph.graph import normalize as nz

DEDUPED = {"enterprises": "uid", "penalties": "uid", "commitments": "uid", "red_lists": "uid"}
SUPERSEDED = "duplicate record in this extract: a later row (by updated_at, then position) wins"
_LEGACY = r"^(?:REG|ALT|SID):"
_EXTRA = ["_pos", "_seq", "_nk"]


class RowCleaner(Cleaner):
    """:class:`etl.transform.Cleaner` without its cross-row steps (done by :class:`Staging` over the
    staged chunks): a chunk of a table cleans exactly as those rows do in the whole table."""

    def _dedupe(self, df: pd.DataFrame, table: str, key_cols: list[str]) -> pd.DataFrame:
        return df

    def _shared_legacy_keys(self, df: pd.DataFrame, table: str) -> pd.DataFrame:
        return df


class Staging:
    """Per table, one Parquet file of clean chunks (row groups) under ``folder``, removed by :meth:`close`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.schemas: dict[str, pa.Schema] = {}
        self.dtypes: dict[str, pd.Series] = {}
        self.columns: dict[str, list[str]] = {}
        self.templates: dict[str, pd.DataFrame] = {}  # a table's first clean chunk, empty (a table with no row)
        self.sources: dict[str, int] = {}
        self.source_columns: dict[str, dict[str, None]] = {}
        # per table and source: (its columns, the dtypes of its first clean rows)
        self.given: dict[str, list[tuple[set[str], pd.Series | None]]] = {}
        self.seq: dict[str, int] = {}
        self.rows = 0
        # per table after finish(): the rows to re-key and the superseded rows (frame() applies them)
        self.fixes: dict[str, tuple[pd.DataFrame | None, pd.DataFrame | None]] = {}

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"

    def new_source(self, table: str, columns: list[str]) -> None:
        """A source of ``table`` begins; ``columns``: its rows' columns (canonical names, before the
        table's missing fields are added), whose union over the sources orders the clean table's."""
        self.sources[table] = self.sources.get(table, 0) + 1
        self.source_columns.setdefault(table, {}).update(dict.fromkeys(columns))
        self.given.setdefault(table, []).append((set(columns), None))

    def next_seq(self, table: str, n: int) -> np.ndarray:
        start = self.seq.get(table, 0)
        self.seq[table] = start + n
        return np.arange(start, start + n, dtype=np.int64)

    def add(self, table: str, clean: pd.DataFrame, seq: np.ndarray) -> None:
        """Append a clean chunk (its index: the rows' positions in their source); ``seq``: the rows'
        positions in the table over all sources."""
        if table not in self.templates:
            self.templates[table] = clean.iloc[:0].copy()
            self.dtypes[table] = clean.dtypes
            self.columns[table] = list(clean.columns)
        if clean.empty:
            return
        given = self.given.get(table)
        if given and given[-1][1] is None:
            given[-1] = (given[-1][0], clean.dtypes)
        if list(clean.columns) != self.columns[table]:
            if set(clean.columns) != set(self.columns[table]):
                raise RuntimeError(f"staging {table}: a chunk's columns differ from the first chunk's: "
                                   f"{sorted(set(clean.columns) ^ set(self.columns[table]))}")
            clean = clean[self.columns[table]]  # sources of a table may order their columns differently
        frame = clean.assign(_pos=clean.index.to_numpy(dtype=np.int64), _seq=seq)
        if table == "enterprises":
            legacy = frame["uid"].str.match(_LEGACY).fillna(False).to_numpy(dtype=bool)
            name = frame["name"].astype("string")
            nk = nz.name_key(name).fillna(name)
            frame["_nk"] = nk.where(legacy).astype("string")
        differ = [c for c, t in self.dtypes[table].items() if frame[c].dtype != t]
        if differ:
            frame = frame.astype({c: self.dtypes[table][c] for c in differ})
        tbl = pa.Table.from_pandas(frame, schema=self.schemas.get(table), preserve_index=False)
        if table not in self.writers:
            self.schemas[table] = tbl.schema
            self.writers[table] = pq.ParquetWriter(self.path(table), tbl.schema)
        self.writers[table].write_table(tbl)
        self.rows += len(frame)

    # ------------------------------------------------------------------ the cross-row steps

    def finish(self, report: RejectReport, read_back: bool = True) -> dict[str, pd.DataFrame]:
        """The clean tables: shared legacy keys re-keyed and superseded rows dropped (DuckDB over the
        staging files; both reported as ``Cleaner`` reports them), indexed as the whole-table path.
        ``read_back=False``: the steps are done and kept, the tables stay on disk (:meth:`frame`,
        :meth:`batches`, :meth:`read`) and an empty dict is returned."""
        for w in self.writers.values():
            w.close()
        self.writers = {}
        out = {}
        con = None
        try:
            for table in self.tables():
                if table not in self.schemas:  # no row: the clean empty frame
                    if read_back:
                        out[table] = self.templates[table]
                    continue
                rekey = losers = None
                if table in DEDUPED:
                    if con is None:
                        con = _connect(self.folder)
                    src = str(self.path(table))
                    if table == "enterprises":
                        rekey = _shared_keys(con, src)
                        if len(rekey):
                            report.add(rekey, None, "uscc", SHARED_CODE_NOTE, value_col="uid", table=table,
                                       severity="note")
                    losers = _superseded(con, src, rekey)
                    if len(losers):
                        report.add(losers, None, "uid", SUPERSEDED, value_col="uid", table=table, severity="superseded")
                self.fixes[table] = (rekey, losers)
                if read_back:
                    out[table] = self.frame(table, pq.read_table(self.path(table)))
        finally:
            if con is not None:
                con.close()
        return out

    def tables(self) -> list[str]:
        """The staged tables, in ``clean_tables``' order."""
        return [t for t in TABLES if t in self.templates]

    def batches(self, table: str, rows: int = 250_000, path: Path | None = None):
        """The table's staged rows (or those of ``path``, a file of them) as Arrow record batches of up to
        ``rows`` rows, in order, superseded rows included (:meth:`frame` drops them)."""
        if table not in self.schemas:
            return
        yield from pq.ParquetFile(path or self.path(table)).iter_batches(batch_size=rows)

    def read(self, table: str, path: Path | None = None) -> pd.DataFrame:
        """The clean rows of ``table`` (of the file ``path``, a part of them, if given) after :meth:`finish`."""
        if table not in self.schemas:
            return self.templates[table]
        return self.frame(table, pq.read_table(path or self.path(table)))

    def frame(self, table: str, tbl: pa.Table | pa.RecordBatch, columns: list[str] | None = None) -> pd.DataFrame:
        """Staged rows as the clean table holds them (after :meth:`finish`): superseded rows dropped,
        shared legacy keys re-keyed, the index, dtypes and column order of the whole-table path
        (``columns``: only those, for a pass that needs a few)."""
        rekey, losers = self.fixes.get(table, (None, None))
        if columns is not None:
            keep = dict.fromkeys([*columns, *(c for c in _EXTRA if c != "_nk"), "uid"] if rekey is not None else
                                 [*columns, *(c for c in _EXTRA if c != "_nk")])
            tbl = tbl.select([c for c in keep if c in tbl.schema.names])
        if losers is not None and len(losers):
            tbl = tbl.filter(pc.invert(pc.is_in(tbl["_seq"], pa.array(losers["_seq"].to_numpy()))))
        df = tbl.to_pandas(self_destruct=True) if isinstance(tbl, pa.Table) else tbl.to_pandas()
        del tbl
        if rekey is not None and len(rekey):
            new = df["_seq"].map(pd.Series(rekey["new_uid"].to_numpy(), index=rekey["_seq"].to_numpy()))
            hit = new.notna().to_numpy()
            df["uid"] = df["uid"].where(~hit, new.astype(df["uid"].dtype))
        index = df["_pos"] if self.sources.get(table, 1) == 1 else df["_seq"]
        df.index = pd.Index(index.to_numpy(dtype=np.int64))
        df = df.drop(columns=[c for c in _EXTRA if c in df.columns])
        dtypes = self.final_dtypes(table)
        differ = {c: t for c, t in dtypes.items() if c in df.columns and df[c].dtype != t}
        df = df.astype(differ) if differ else df
        order = self.column_order(table) if columns is None else [c for c in columns if c in df.columns]
        return df if list(df.columns) == order else df[order]

    def final_dtypes(self, table: str) -> dict:
        """Each column's dtype in the whole-table path: where sources differ, that of a source that has
        the column (pandas ``concat`` fills a column some sources lack with their missing value, in the
        dtype of the sources that have it; a field no source has is added as ``string``)."""
        out = dict(self.dtypes[table])
        for cols, dtypes in reversed(self.given.get(table, [])):
            if dtypes is not None:
                out.update({c: dtypes[c] for c in cols if c in dtypes.index})
        return out

    def column_order(self, table: str) -> list[str]:
        """The clean table's columns as the whole-table path orders them: the sources' columns (pandas
        ``concat``: the first source's, then each new one in order), the table's fields no source has,
        then the columns the cleaning adds."""
        given = list(self.source_columns.get(table, {}))
        given += [f for f in TABLES[table].fields if f not in set(given)]
        return given + [c for c in self.columns[table] if c not in set(given)]

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        self.writers = {}
        shutil.rmtree(self.folder, ignore_errors=True)


def _connect(folder: Path):
    import duckdb

    con = duckdb.connect()
    con.execute("SET temp_directory = ?", [str(folder / "duckdb.tmp")])
    con.execute("SET preserve_insertion_order = false")
    return con


def _shared_keys(con, src: str) -> pd.DataFrame:
    """Rows to re-key ``<key>:<name key>`` (``_seq``, ``_file``, ``_row``, ``uid`` as it was, ``new_uid``):
    legacy keys that carry several names, each name but the first (by ``_file``, ``_row``)."""
    return con.execute("""
        WITH leg AS (SELECT _seq, _file, _row, uid, _nk FROM read_parquet(?) WHERE _nk IS NOT NULL),
        shared AS (SELECT uid FROM leg GROUP BY uid HAVING count(DISTINCT _nk) > 1),
        firsts AS (SELECT l.*, first_value(_nk) OVER (PARTITION BY uid ORDER BY _file, _row) AS first_nk
                   FROM leg l SEMI JOIN shared USING (uid))
        SELECT _seq, _file, _row, uid, uid || ':' || _nk AS new_uid FROM firsts
        WHERE _nk <> first_nk ORDER BY _seq""", [src]).df()


def _superseded(con, src: str, rekey: pd.DataFrame | None) -> pd.DataFrame:
    """Rows that lose to a later one of the same key (``_seq``, ``_file``, ``_row``, ``uid``): per key the
    latest ``updated_at`` wins (no date counts as the earliest), then the later ``_file``, ``_row``."""
    if rekey is not None and len(rekey):
        con.register("rekey_view", rekey[["_seq", "new_uid"]])
        uid = "COALESCE(r.new_uid, t.uid)"
        join = "LEFT JOIN rekey_view r USING (_seq)"
    else:
        uid, join = "t.uid", ""
    df = con.execute(f"""
        SELECT _seq, _file, _row, uid FROM (
            SELECT t._seq, t._file, t._row, t.updated_at, {uid} AS uid,
                   row_number() OVER (PARTITION BY {uid}
                                      ORDER BY t.updated_at DESC NULLS LAST, t._file DESC, t._row DESC) AS rn
            FROM read_parquet(?) t {join})
        WHERE rn > 1 ORDER BY _seq""", [src]).df()
    if rekey is not None and len(rekey):
        con.unregister("rekey_view")
    return df

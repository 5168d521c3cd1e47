"""The chunked read and clean of an extract (issue 20, docs/scale.md): every source file read in chunks of
about ``chunk_rows`` records (:mod:`etl.chunks`), each chunk put under canonical names, cleaned row by row
(:class:`etl.staging.RowCleaner`) and appended to the table's staging file; then the cross-row steps over
the staging (DuckDB) and the clean tables read back. The result is the same as
``read_extract`` followed by ``clean_tables`` (rows, values, dtypes, index and reject report), with the
memory of one chunk while reading and cleaning.

XLSX workbooks are read a whole sheet at a time (openpyxl's read-only mode streams rows, but the header
and column cleaning of :func:`etl.formats._sheet_frame` look at the whole sheet), then cut in chunks.

The reject report stays in memory (:class:`etl.report.RejectReport`): it holds one entry per rejected,
superseded or noted row, not the rows loaded; the entries of a chunk are gathered into one frame after
the chunk.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from creditgraph.etl.canonical import TABLES
from creditgraph.etl.chunks import text_chunks
from creditgraph.etl.encoding import max_field_chars
from creditgraph.etl.profiles import Profile, Source
from creditgraph.etl.read import (
    Extract, InputFile, _read_workbook, readable_files, report_problems, source_header, source_rows)
from creditgraph.etl.report import RejectReport
from creditgraph.etl.staging import RowCleaner, Staging


@dataclass
class ChunkedRead:
    """What :func:`read_clean_chunked` gives: the extract's inputs (``extract.tables``: per table the
    ``_file`` and ``_row`` of its rows, what the load's counts read), the clean tables and the time spent
    reading and validating."""
    extract: Extract
    clean: dict[str, pd.DataFrame]
    timings: dict[str, float] = field(default_factory=dict)
    chunks: int = 0
    staging: Staging | None = None  # kept (``keep=True``): the clean tables on disk, ``clean`` empty


class _Run:
    def __init__(self, report: RejectReport, flags, chunk_rows: int, staging: Staging):
        self.report, self.chunk_rows, self.stage = report, chunk_rows, staging
        self.cleaner = RowCleaner(report, flags)
        self.keys: dict[str, list[pd.DataFrame]] = {}
        self.read_s = self.clean_s = 0.0
        self.chunks = 0

    def rows(self, table: str, canon: pd.DataFrame, extract: Extract, first: bool) -> None:
        """One chunk of a source under canonical names (``first``: the source's first chunk): cleaned and staged."""
        t = time.perf_counter()
        if first:
            self.stage.new_source(table, list(canon.columns))
            extract.delivered.setdefault(table, []).append(dict(canon.attrs.get("constants", {})))
        self.keys.setdefault(table, []).append(
            pd.DataFrame({"_file": canon["_file"].astype("category"), "_row": canon["_row"].to_numpy(dtype=np.int64)}))
        for fld in TABLES[table].fields:
            if fld not in canon.columns:
                canon[fld] = pd.Series(pd.NA, index=canon.index, dtype="string")
        seq = self.stage.next_seq(table, len(canon))
        at = pd.Series(seq, index=canon.index)
        mark = len(self.report._parts)
        clean = getattr(self.cleaner, table)(canon)
        self.stage.add(table, clean, at.loc[clean.index].to_numpy())
        _compact(self.report, mark)
        self.chunks += 1
        self.clean_s += time.perf_counter() - t


def _compact(report: RejectReport, mark: int) -> None:
    """The report's entries added since ``mark`` gathered into one frame (same rows, same order)."""
    parts = report._parts
    if len(parts) - mark > 1:
        parts[mark:] = [pd.concat(parts[mark:], ignore_index=True)]


def read_clean_chunked(path: Path, profile: Profile, report: RejectReport, flags, chunk_rows: int,
                       folder: Path, keep: bool = False) -> ChunkedRead:
    """Read, clean and stage the extract at ``path`` in chunks of ``chunk_rows`` records (staging under
    ``folder``): what ``read_extract`` then ``clean_tables`` give. The staging is removed before returning,
    unless ``keep``: then the clean tables stay on disk (``ChunkedRead.staging``; the caller closes it)."""
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, not {chunk_rows}")
    stage = Staging(folder)
    try:
        run = _Run(report, flags, chunk_rows, stage)
        out = _read(Path(path), profile, report, run)
        t = time.perf_counter()
        clean = stage.finish(report, read_back=not keep)
        run.clean_s += time.perf_counter() - t
    except BaseException:
        stage.close()
        raise
    if not keep:
        stage.close()
    for table, parts in run.keys.items():
        keys = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        out.tables[table] = keys.astype({"_file": "category"})
    return ChunkedRead(out, clean, {"read": run.read_s, "validate": run.clean_s}, run.chunks, stage if keep else None)


def _read(path: Path, profile: Profile, report: RejectReport, run: _Run) -> Extract:
    """The file loop of :func:`etl.read.read_extract`, a chunk at a time."""
    out = Extract()
    t = time.perf_counter()
    limit = max_field_chars()
    for f, info, src, workbook in readable_files(path, profile, report, out):
        if workbook:
            for table, canon in _read_workbook(f, src, profile, report, info, limit):
                run.read_s += time.perf_counter() - t
                for s in range(0, max(len(canon), 1), run.chunk_rows):
                    run.rows(table, canon.iloc[s:s + run.chunk_rows].copy(), out, s == 0)
                t = time.perf_counter()
            continue
        assert src is not None
        t = _read_file(f, src, profile, report, info, out, run, limit, t)
    run.read_s += time.perf_counter() - t
    return out


def _read_file(f: Path, src: Source, profile: Profile, report: RejectReport, info: InputFile, out: Extract,
               run: _Run, limit: int, t: float) -> float:
    """One text, JSON or Parquet source, chunk by chunk; returns the clock of the reading time."""
    chunks = text_chunks(f, run.chunk_rows, limit)
    try:
        df, problems = next(chunks)
    except Exception as exc:  # unreadable file: say so and go on with the others
        info.error = f"cannot read: {exc}"
        report.add_file(str(f), info.error, table=src.table)
        return t
    label = str(f)
    info.encoding = df.attrs.get("encoding")
    report_problems(problems, src, label, report, info)
    ren = source_header([c for c in df.columns if c != "_row"], src, profile, label, report, info)
    n = offset = 0
    while True:
        n += len(df)
        if ren is not None:
            canon = source_rows(df, [p for p in problems if p.get("oversize")], ren, src, label, report)
            canon.index = canon.index + offset
            run.read_s += time.perf_counter() - t
            run.rows(src.table, canon, out, offset == 0)
            t = time.perf_counter()
        offset += len(df)
        try:
            df, problems = next(chunks)
        except StopIteration:
            break
        except Exception as exc:  # a chunk that cannot be read: the rows before it are loaded
            info.error = f"cannot read: {exc}"
            report.add_file(label, info.error, table=src.table)
            break
        report_problems(problems, src, label, report, info)
    if ren is not None:
        info.rows = n
    return t

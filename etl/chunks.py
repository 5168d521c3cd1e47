"""Read a source file in chunks of about N records, each chunk exactly as :func:`etl.encoding.read_text_table`
would give those records when reading the whole file (issue 20, docs/scale.md).

:func:`text_chunks` yields ``(frame, problems)`` pairs: ``frame`` has ``_row`` (the line or record number
of the whole file, carried over from chunk to chunk) and the file's columns as text; ``problems`` are
the reader's problems about the records of that chunk (``row`` numbered in the whole file), and the
file-level ones (``row`` None: a repeated column name, a GB18030 file that looks like another
encoding) with the first chunk. Concatenated, the chunks are the whole-file frame and its problems.

How each format is chunked:

* **CSV/TSV/TXT** (also ``.gz``): the bytes are read in blocks that end on a newline (``\\n`` is never
  part of a multi-byte character in UTF-8, GB18030 or Big5), each block decoded as the whole file
  would be (the encoding detected from the first MiB, as :func:`read_text_table` does; a line not
  valid in it decoded in the other candidate or with U+FFFD, reported at its line). A first pass checks
  that the quoting is regular over the whole file (the fast reader's condition); the second cuts the
  stream at record ends (newlines outside quotes, the quote parity carried over) into chunks of
  ``chunk_rows`` records, each parsed by the fast reader with the header in front, its line numbers
  moved to the file's. (Where the fast reader's parse disagrees with its own record count, the whole-file
  read takes the csv module for the whole file; here only that chunk does, with the same records.)
* **JSON lines**: lines in blocks; a first pass collects the keys of every object (the whole file's
  columns, in order of first appearance) and the last line; each chunk of ``chunk_rows`` lines is
  parsed with those columns.
* **Parquet**: record batches of ``chunk_rows`` rows (pyarrow), numbered on.
* **Read whole and then cut in chunks** (memory: that file): XLSX workbooks (openpyxl reads a sheet at
  a time; see :mod:`etl.chunked`), a JSON array, UTF-16/32 files, CSV whose quoting the fast reader
  cannot model (it goes to the csv module over the whole file), files with more than 1,000 lines
  not valid in their encoding (the whole-file decoder's limit), and classic Mac files (``\\r`` only).
"""
from __future__ import annotations

import codecs
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditgraph.etl import encoding as enc_mod
from creditgraph.etl.charset import _MAX_DECODE_FALLBACKS, _decode, detect_encoding_bytes
from creditgraph.graph.normalize import STR_DTYPE

BLOCK_BYTES = 1 << 24  # raw bytes read at a time (a block ends on a newline)
SAMPLE = 1 << 20  # what read_text_table detects the encoding on
TRUNCATED = " (truncated last line?)"

Chunk = tuple[pd.DataFrame, list[dict]]


def _suffix(path: Path) -> tuple[str, bool]:
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    return (suffixes[-1] if suffixes else ""), gz


def _open(path: Path, gz: bool):
    return gzip.open(path, "rb") if gz else open(path, "rb")


def text_chunks(path, chunk_rows: int, max_chars: int | None = None) -> Iterator[Chunk]:
    """The file in chunks of about ``chunk_rows`` records (see the module's docstring); at least one chunk
    (an empty frame with the header's columns for a file without records)."""
    path = Path(path)
    suffix, gz = _suffix(path)
    if suffix in (".xlsx", ".xlsm"):
        yield from _whole(path, chunk_rows, max_chars)
    elif suffix == ".parquet":
        yield from _parquet_chunks(path, chunk_rows, max_chars)
    else:
        with _open(path, gz) as fh:
            sample = fh.read(SAMPLE + 1)
        enc = detect_encoding_bytes(sample[:SAMPLE], len(sample) > SAMPLE)
        sample = sample[:SAMPLE]
        if codecs.lookup(enc).name not in ("utf-8", "utf-8-sig", "gb18030", "big5", "cp950", "gbk", "gb2312"):
            yield from _whole(path, chunk_rows, max_chars)  # UTF-16/32 and other guesses: newline bytes differ
        elif suffix in (".jsonl", ".ndjson", ".json"):
            yield from _json_chunks(path, gz, enc, sample, chunk_rows, max_chars)
        else:
            yield from _csv_chunks(path, gz, enc, sample, chunk_rows, max_chars)


def _whole(path: Path, chunk_rows: int, max_chars: int | None) -> Iterator[Chunk]:
    """The whole-file read, cut into chunks (problems with the chunk of their row, file-level ones first)."""
    df, problems = enc_mod.read_text_table(path, max_chars=max_chars)
    yield from _slices(df, problems, chunk_rows)


def _slices(df: pd.DataFrame, problems: list[dict], chunk_rows: int) -> Iterator[Chunk]:
    if len(df) <= chunk_rows:
        yield df, problems
        return
    rows = df["_row"].to_numpy()
    starts = list(range(0, len(df), chunk_rows))
    bounds = [int(rows[s]) for s in starts[1:]]  # first row of each later chunk
    for i, s in enumerate(starts):
        lo = -1 if i == 0 else bounds[i - 1]
        hi = bounds[i] if i + 1 < len(starts) else None
        mine = [p for p in problems if (p["row"] is None and i == 0)
                or (p["row"] is not None and p["row"] >= lo and (hi is None or p["row"] < hi))]
        part = df.iloc[s:s + chunk_rows].reset_index(drop=True)
        part.attrs = dict(df.attrs)
        yield part, mine


# --------------------------------------------------------------------------- decoded blocks


def _raw_blocks(path: Path, gz: bool, block: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The file's bytes in blocks that end on ``\\n`` (the last: whatever remains)."""
    carry = b""
    with _open(path, gz) as fh:
        while True:
            data = fh.read(block)
            if not data:
                if carry:
                    yield carry
                return
            buf = carry + data if carry else data
            cut = buf.rfind(b"\n")
            if cut < 0:
                carry = buf
                continue
            yield buf[:cut + 1]
            carry = buf[cut + 1:]


def _utf8_blocks(path: Path, gz: bool, enc: str) -> Iterator[tuple[bytes, bytes, int, list[dict]]]:
    """``(raw block, its text as UTF-8, line number of its first line, decoding problems)``, decoded as
    :func:`etl.charset._decode` decodes the whole file (a BOM only at the start of the file)."""
    line = 1
    for i, raw in enumerate(_raw_blocks(path, gz)):
        e = enc if i == 0 or enc != "utf-8-sig" else "utf-8"
        local: list[dict] = []
        text = _decode(raw, e, local)
        if not local and codecs.lookup(e).name == "utf-8":
            b = raw[3:] if e == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8) else raw
        else:
            b = text.encode("utf-8")
        del text
        for p in local:
            p["row"] += line - 1
        yield raw, b, line, local
        line += raw.count(b"\n")


class _Survey:
    """What the first pass over a text file learns: the delimiter, whether the quoting is regular, the
    decoding problems, whether any text may hold U+FFFD, the last non-empty line, the JSON keys."""

    def __init__(self) -> None:
        self.delim = ","
        self.regular = True
        self.decode_problems = 0
        self.fffd = False
        self.newlines = 0
        self.last_line = 1
        self.keys: dict[str, None] = {}
        self.json_array = False


def _survey(path: Path, gz: bool, enc: str, csv: bool) -> _Survey:
    s = _Survey()
    marker = None
    try:
        marker = "\ufffd".encode("utf-8" if enc == "utf-8-sig" else enc)
    except (UnicodeEncodeError, LookupError):
        s.fffd = True
    parity = 0
    first = True
    loads = json.JSONDecoder().decode
    for raw, b, line, probs in _utf8_blocks(path, gz, enc):
        s.decode_problems += len(probs)
        s.fffd = s.fffd or (marker is not None and marker in raw) or any("U+FFFD" in p["reason"] for p in probs)
        s.newlines += raw.count(b"\n")
        stripped = b.rstrip(b"\n")
        if stripped:
            s.last_line = line + stripped.count(b"\n")
        if first:
            head = b[:(1 << 18) + 8].decode("utf-8", errors="ignore")[:1 << 16]
            s.delim = enc_mod._sniff_delimiter(head)
            s.json_array = not csv and b.decode("utf-8").lstrip().startswith("[")
            first = False
        if csv:
            a = np.frombuffer(b, dtype=np.uint8)
            q = np.flatnonzero(a == 34)
            if len(q):
                opening, closing = (q[0::2], q[1::2]) if parity == 0 else (q[1::2], q[0::2])
                d, n = ord(s.delim), len(a)
                prev = a[np.maximum(opening - 1, 0)]
                ok_open = (opening == 0) | (prev == d) | (prev == 10) | (prev == 34) | (prev == 13)
                nxt = a[np.minimum(closing + 1, n - 1)]
                ok_close = (closing == n - 1) | (nxt == d) | (nxt == 10) | (nxt == 13) | (nxt == 34)
                if not (ok_open.all() and ok_close.all()):
                    s.regular = False
                    return s
                parity ^= len(q) % 2
        elif not s.json_array:
            for ln in b.decode("utf-8").split("\n"):
                if ln.strip():
                    try:
                        obj = loads(ln)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(obj, dict):
                        s.keys.update(dict.fromkeys(obj))
    return s


def _whole_needed(s: _Survey) -> bool:
    return s.decode_problems > _MAX_DECODE_FALLBACKS or s.newlines == 0


def _take_problems(pending: list[dict], upto: int | None) -> list[dict]:
    """The decoding problems of lines before ``upto`` (all when None), taken out of ``pending``."""
    if upto is None:
        out = pending[:]
        pending.clear()
        return out
    k = 0
    while k < len(pending) and pending[k]["row"] < upto:
        k += 1
    out = pending[:k]
    del pending[:k]
    return out


def _finish(df: pd.DataFrame, rows, problems: list[dict], max_chars: int | None, path: Path, fmt: str,
            enc: str | None, delim: str | None, fffd: bool, first: bool) -> pd.DataFrame:
    """:func:`etl.encoding._finish` on one chunk; the U+FFFD scan runs where the whole file's would."""
    out = enc_mod._finish(df, rows, problems, max_chars, source=str(path), fmt=fmt,
                          raw=None if fffd else b"", enc="utf-8", delim=delim)
    if not first:  # header notes (a repeated column) belong to the first chunk
        problems[:] = [p for p in problems if not (p["row"] is None and p.get("severity") == "note")]
    out.attrs["encoding"] = enc
    out.attrs["n_problems"] = len(problems)
    return out


# --------------------------------------------------------------------------- CSV


def _csv_chunks(path: Path, gz: bool, enc: str, sample: bytes, chunk_rows: int,
                max_chars: int | None) -> Iterator[Chunk]:
    s = _survey(path, gz, enc, csv=True)
    if not s.regular or _whole_needed(s):
        yield from _whole(path, chunk_rows, max_chars)
        return
    gb_check: list[dict] = []
    enc_mod._check_gb18030(sample, enc, gb_check)
    delim = s.delim
    header: bytes | None = None
    pending_probs: list[dict] = []
    buf, buf_line = b"", 1  # bytes not yet emitted (from a record start) and the line they start on
    first = True
    emitted = False

    def parse(data: bytes, data_line: int, final: bool, probs: list[dict], last_start: int = 0) -> Chunk:
        """One chunk's records (``data``, from line ``data_line``); ``last_start``: where its last record
        starts (a chunk's last record is the file's last only in the final chunk)."""
        nonlocal first
        assert header is not None
        local: list[dict] = []
        whole = header + data
        try:
            df, rows = enc_mod._csv_fast(whole, delim, local, max_chars)
        except enc_mod._Irregular:
            local = []
            df, rows = enc_mod._csv_slow(whole.decode("utf-8"), delim, local)
        shift = data_line - 1 - header.count(b"\n")
        rows = np.asarray(rows, dtype=np.int64) + shift
        last_row = None if final else data_line + data[:last_start].count(b"\n")
        for p in local:
            if p.get("row") is not None:
                p["row"] += shift
                if last_row is not None and p["row"] == last_row and p["reason"].endswith(TRUNCATED):
                    p["reason"] = p["reason"][:-len(TRUNCATED)]
        problems = probs + local + (gb_check if first else [])
        out = _finish(df, rows, problems, max_chars, path, "csv", enc, delim, s.fffd, first)
        first = False
        return out, problems

    for _raw, b, _line, probs in _utf8_blocks(path, gz, enc):
        pending_probs += probs
        buf = buf + b if buf else b
        a = np.frombuffer(buf, dtype=np.uint8)
        q = np.flatnonzero(a == 34)
        nl = np.flatnonzero(a == 10)
        ends = nl[(np.searchsorted(q, nl) % 2) == 0] + 1 if len(q) else nl + 1
        if header is None:
            starts = np.concatenate([[0], ends[:-1]])
            content = ends - starts - 1 - ((ends - starts >= 2) & (a[np.maximum(ends - 2, 0)] == 13))
            nonblank = np.flatnonzero(content > 0)
            if not len(nonblank):
                continue
            h = nonblank[0]
            header = buf[starts[h]:ends[h]]
            cut = int(ends[h])
            buf_line += buf[:cut].count(b"\n")
            buf, ends = buf[cut:], ends[h + 1:] - cut
        # emit full chunks while a record remains after them (so the file's last record is in the final chunk)
        pos = 0
        while len(ends) > chunk_rows:
            e = int(ends[chunk_rows - 1])
            data = buf[pos:e]
            line_after = buf_line + data.count(b"\n")
            last_start = int(ends[chunk_rows - 2]) - pos if chunk_rows > 1 else 0
            yield parse(data, buf_line, False, _take_problems(pending_probs, line_after), last_start)
            emitted = True
            buf_line, pos = line_after, e
            ends = ends[chunk_rows:]
        buf = buf[pos:]
    if header is None:  # no header record ended by a newline: the whole-file reader decides
        yield from _whole(path, chunk_rows, max_chars)
        return
    if buf or not emitted:
        yield parse(buf, buf_line, True, _take_problems(pending_probs, None))


# --------------------------------------------------------------------------- JSON lines


def _json_chunks(path: Path, gz: bool, enc: str, sample: bytes, chunk_rows: int,
                 max_chars: int | None) -> Iterator[Chunk]:
    s = _survey(path, gz, enc, csv=False)
    if s.json_array or _whole_needed(s):
        yield from _whole(path, chunk_rows, max_chars)
        return
    gb_check: list[dict] = []
    enc_mod._check_gb18030(sample, enc, gb_check)
    from creditgraph.etl.formats import _json_value, _Num

    loads = json.JSONDecoder(parse_int=_Num, parse_float=_Num, parse_constant=_Num).decode
    cols = list(s.keys)
    pending_probs: list[dict] = []
    records: list[dict] = []
    rows: list[int] = []
    problems: list[dict] = []
    lines_in_chunk = 0
    first = True

    def emit(upto: int | None) -> Chunk:
        nonlocal first, records, rows, problems, lines_in_chunk
        if records:
            df = pd.DataFrame.from_records(records, columns=cols)
            df = df.astype(STR_DTYPE) if len(df.columns) else df
        else:
            df = pd.DataFrame({c: pd.Series([], dtype=STR_DTYPE) for c in cols}) if cols else pd.DataFrame()
        probs = _take_problems(pending_probs, upto) + problems + (gb_check if first else [])
        out = _finish(df, np.asarray(rows, dtype=np.int64), probs, max_chars, path, "json", enc, None, s.fffd, first)
        first = False
        records, rows, problems, lines_in_chunk = [], [], [], 0
        return out, probs

    for _raw, b, line, probs in _utf8_blocks(path, gz, enc):
        pending_probs += probs
        text = b.decode("utf-8")
        parts = text.split("\n")
        if parts and parts[-1] == "":
            parts.pop()  # the block's final newline
        for k, ln in enumerate(parts):
            i = line + k
            if lines_in_chunk >= chunk_rows:
                yield emit(i)
            lines_in_chunk += 1
            if not ln.strip():
                continue
            try:
                obj = loads(ln)
            except json.JSONDecodeError as exc:
                problems.append({"dropped": True, "row": i, "reason": f"invalid JSON: {exc.msg}"
                                 + (TRUNCATED if i == s.last_line else "")})
                continue
            if not isinstance(obj, dict):
                problems.append({"dropped": True, "row": i, "reason": "record is not a JSON object"})
                continue
            records.append({k2: _json_value(v) for k2, v in obj.items()})
            rows.append(i)
    yield emit(None)


# --------------------------------------------------------------------------- Parquet


def _parquet_chunks(path: Path, chunk_rows: int, max_chars: int | None) -> Iterator[Chunk]:
    """Record batches of ``chunk_rows`` rows, as :func:`etl.formats._read_parquet` converts them."""
    pf = pq.ParquetFile(path)
    meta = pf.schema_arrow.pandas_metadata or {}
    index_cols = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    columns = [n for n in pf.schema_arrow.names if n not in index_cols]
    start, first = 1, True
    batches = pf.iter_batches(batch_size=chunk_rows, columns=columns)
    while True:
        batch = next(batches, None)
        if batch is None and not first:
            return
        table = pa.Table.from_batches([batch]) if batch is not None else pf.schema_arrow.empty_table().select(columns)
        df = table.to_pandas(types_mapper=pd.ArrowDtype)
        df = pd.DataFrame({c: df[c].astype(STR_DTYPE) for c in df.columns}, index=df.index).reset_index(drop=True)
        problems: list[dict] = []
        rows = np.arange(start, start + len(df), dtype=np.int64)
        out = _finish(df, rows, problems, max_chars, path, "parquet", None, None, True, first)
        first = False
        start += len(df)
        yield out, problems
        if batch is None:
            return

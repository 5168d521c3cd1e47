"""Read source tables whatever their encoding and however damaged.

:func:`detect_encoding` tells UTF-8 (with or without BOM) from GB18030 (the
superset of GBK / GB2312) without the user declaring anything.
:func:`read_text_table` reads CSV/TSV/TXT (optionally ``.gz``), XLSX,
JSON-lines / JSON and Parquet into a frame of strings, numbering every row
as the user would find it in the source (``_row``), and returns the problems
it met (``[{"row": ..., "reason": ...}]``) instead of crashing on them.

CSV files are parsed by pandas' C engine after a vectorised numpy pass over
the raw bytes has found the record boundaries (newlines outside quotes), the
line each record starts on and its field count; malformed records are taken
out and reported before pandas sees the data. Files whose quoting does not
follow RFC 4180 (a quote inside an unquoted field) go through Python's
``csv`` module instead, with the same results and problem reporting.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from creditgraph.graph.normalize import STR_DTYPE
from creditgraph.etl.charset import (  # noqa: F401  (detect_encoding: part of this module's API)
    _BOMS, _MIN_NON_ASCII, _SUSPECT_SHARE, _decode, detect_encoding, detect_encoding_bytes, odd_share,
)
from creditgraph.etl.formats import _read_json, _read_parquet, _read_xlsx, read_xlsx_sheets  # noqa: F401  (re-exported)

__all__ = ["detect_encoding", "detect_encoding_bytes", "read_text_table", "read_xlsx_sheets",
           "max_field_chars", "MAX_FIELD_CHARS"]

#: Longest field (in characters) a source may carry; a longer one is cut out by the reader
#: and reported (``field longer than N characters``). Override with the environment
#: variable :data:`FIELD_LIMIT_ENV`.
MAX_FIELD_CHARS = 10_000
FIELD_LIMIT_ENV = "CREDITGRAPH_MAX_FIELD_CHARS"


def max_field_chars() -> int:
    """The field-size limit in force: ``$CREDITGRAPH_MAX_FIELD_CHARS`` or :data:`MAX_FIELD_CHARS`."""
    raw = os.environ.get(FIELD_LIMIT_ENV, "").strip()
    if not raw:
        return MAX_FIELD_CHARS
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{FIELD_LIMIT_ENV}={raw!r}: not a whole number of characters") from None
    if value < 1:
        raise ValueError(f"{FIELD_LIMIT_ENV}={raw!r}: must be at least 1")
    return value


_DELIMS = (",", "\t", "|")


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def _sniff_delimiter(text: str) -> str:
    """Pick ``,``, tab or ``|`` by their count in the header line (quoted
    parts ignored); ties and no delimiter at all mean ``,``."""
    for line in text[: 1 << 16].splitlines():
        if line.strip():
            header = re.sub(r'"[^"]*"', "", line)
            counts = {d: header.count(d) for d in _DELIMS}
            best = max(_DELIMS, key=lambda d: (counts[d], d == ","))
            return best if counts[best] else ","
    return ","


class _Irregular(Exception):
    """Quoting the fast path cannot model; use the csv module."""


def _fields_per_record(a: np.ndarray, d: int, q: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fields in each record, positions of every delimiter byte) for records beginning at *starts*: a
    record's delimiters outside quotes, plus one. Its delimiters are counted by searching the record
    bounds among the delimiters (not each delimiter among the records), less those between an opening quote
    and its closing one (to the end of the file for an unclosed one)."""
    dpos = np.flatnonzero(a == d)
    n = np.diff(np.searchsorted(dpos, np.append(starts, len(a))))
    if len(q):
        at = np.searchsorted(dpos, q)
        inside = (np.append(at[1::2], len(dpos)) if len(q) % 2 else at[1::2]) - at[0::2]
        n -= np.bincount(np.searchsorted(starts, q[0::2], side="right") - 1, weights=inside,
                         minlength=len(starts)).astype(np.int64)
    return n + 1, dpos


def _outside_quotes(dpos: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The delimiter positions with an even number of quotes before them."""
    return dpos[(np.searchsorted(q, dpos) % 2) == 0] if len(q) else dpos


def _oversized_fields(a: np.ndarray, starts: np.ndarray, content_end: np.ndarray, delimiters,
                      data_rec: np.ndarray, line_no: np.ndarray, names: list[str], limit: int,
                      problems: list) -> tuple[np.ndarray, np.ndarray]:
    """Byte ranges of the fields longer than *limit* characters in the records of *data_rec*;
    each one is reported (row, column, length). Only records longer than *limit* bytes are
    looked at, so a file without long fields costs one comparison per record."""
    none = np.zeros(0, dtype=np.int64)
    long_rec = data_rec & (content_end - starts > limit)
    if not long_rec.any():
        return none, none
    recs = np.flatnonzero(long_rec)
    dpos = delimiters()  # (only here: a file without long records never lists its delimiters)
    rec_of_d = np.searchsorted(starts, dpos, side="right") - 1
    d = dpos[np.isin(rec_of_d, recs)]
    fs = np.sort(np.concatenate([starts[recs], d + 1]))
    fe = np.sort(np.concatenate([d, content_end[recs]]))
    big = np.flatnonzero(fe - fs > limit)
    if len(big) == 0:
        return none, none
    rec_of_f = np.searchsorted(starts, fs, side="right") - 1
    col = np.arange(len(fs)) - np.searchsorted(rec_of_f, rec_of_f, side="left")
    out_s, out_e = [], []
    for i in big:  # a handful of fields: count their characters exactly
        seg = a[fs[i]:fe[i]]
        chars = int(np.count_nonzero((seg & 0xC0) != 0x80))
        if seg[0] == 34:  # quoted: the enclosing quotes and one of each doubled quote are not content
            chars -= 2 + (int(np.count_nonzero(seg == 34)) - 2) // 2
        if chars <= limit:
            continue
        name = names[col[i]] if col[i] < len(names) else f"column {col[i] + 1}"
        head = seg[:400].tobytes().decode("utf-8", errors="ignore").strip('"')[:100]
        problems.append(_too_long(int(line_no[rec_of_f[i]]), name, chars, limit, head))
        out_s.append(fs[i])
        out_e.append(fe[i])
    return np.asarray(out_s, dtype=np.int64), np.asarray(out_e, dtype=np.int64)


def _too_long(row: int, column: str, chars: int, limit: int, head: str) -> dict:
    return {"dropped": False, "row": row, "column": column, "oversize": True, "value": head + "…",
            "reason": f"field longer than {limit} characters ({chars:,}): cut out by the reader; "
                      f"raise ${FIELD_LIMIT_ENV} if such values are expected"}


def _splice(a: np.ndarray, starts: np.ndarray, ends: np.ndarray, keep: np.ndarray, h: int,
            cut_s: np.ndarray, cut_e: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The kept records from the header on, with the byte ranges [cut_s, cut_e) left out;
    and each record's length after the cut."""
    drop = ~keep
    drop[:h] = True
    # runs of dropped records become one cut each
    edges = np.diff(np.concatenate([[0], drop.astype(np.int8), [0]]))
    run_s, run_e = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    cs = np.concatenate([starts[run_s], cut_s])
    ce = np.concatenate([ends[run_e - 1], cut_e])
    order = np.argsort(cs, kind="stable")
    cs, ce = cs[order], ce[order]
    keep_s = np.concatenate([[0], ce])
    keep_e = np.concatenate([cs, [len(a)]])
    buf = b"".join(a[x:y].tobytes() for x, y in zip(keep_s, keep_e) if y > x)
    rec = np.searchsorted(starts, cut_s, side="right") - 1
    length = (ends - starts) - np.bincount(rec, weights=cut_e - cut_s, minlength=len(ends)).astype(np.int64)
    return buf, length


def _csv_fast(b: bytes, delim: str, problems: list, limit: int | None = None):
    """Record structure with numpy, parsing with pandas' C engine."""
    a = np.frombuffer(b, dtype=np.uint8)
    n = len(a)
    if n == 0:
        return pd.DataFrame(), np.zeros(0, dtype=np.int64)
    q = np.flatnonzero(a == 34)
    nl = np.flatnonzero(a == 10)
    d = ord(delim)
    if len(q):
        opening = q[0::2]
        closing = q[1::2]
        prev = a[np.maximum(opening - 1, 0)]
        ok_open = (opening == 0) | (prev == d) | (prev == 10) | (prev == 34) | (prev == 13)
        nxt = a[np.minimum(closing + 1, n - 1)]
        ok_close = (closing == n - 1) | (nxt == d) | (nxt == 10) | (nxt == 13) | (nxt == 34)
        if not (ok_open.all() and ok_close.all()):
            raise _Irregular
    # record ends: newlines with an even number of quotes before them
    bnd = nl[(np.searchsorted(q, nl) % 2) == 0] if len(q) else nl
    ends = bnd + 1
    if len(ends) == 0 or ends[-1] != n:
        ends = np.append(ends, n)
    starts = np.concatenate([[0], ends[:-1]])
    line_no = 1 + np.searchsorted(nl, starts)  # physical line each record starts on
    length = ends - starts
    has_nl = a[ends - 1] == 10
    has_cr = has_nl & (length >= 2) & (a[np.maximum(ends - 2, 0)] == 13)
    blank = (length - has_nl - has_cr) <= 0
    nfields, dpos = _fields_per_record(a, d, q, starts)
    unterminated = np.zeros(len(ends), dtype=bool)
    if len(q) % 2:
        unterminated[-1] = True
    nonblank = np.flatnonzero(~blank)
    if len(nonblank) == 0:
        return pd.DataFrame(), np.zeros(0, dtype=np.int64)
    h = nonblank[0]
    ncols = nfields[h]
    keep = ~blank & (nfields == ncols) & ~unterminated
    keep[:h] = False
    keep[h] = True
    last = len(ends) - 1
    for r in np.flatnonzero(~blank & ~keep):
        if unterminated[r]:
            lost = int(len(nl) - (line_no[r] - 1) + (0 if b.endswith(b"\n") else 1))
            problems.append({"dropped": True, "row": int(line_no[r]), "reason": "unterminated quoted field "
                             f"(file truncated?); {lost} line(s) from here on not read"})
        else:
            why = f"expected {ncols} fields, found {nfields[r]}"
            if r == last and nfields[r] < ncols:
                why += " (truncated last line?)"
            problems.append({"dropped": True, "row": int(line_no[r]), "reason": why})
    header_text = b[starts[h]:ends[h]].decode("utf-8")
    names = _dedupe(next(csv.reader(io.StringIO(header_text, newline=""), delimiter=delim)), problems)
    cut_s = cut_e = np.zeros(0, dtype=np.int64)
    if limit:
        data_rec = keep.copy()
        data_rec[h] = False
        cut_s, cut_e = _oversized_fields(a, starts, ends - has_nl - has_cr, lambda: _outside_quotes(dpos, q),
                                         data_rec, line_no, names, limit, problems)
    if len(cut_s):
        buf, length = _splice(a, starts, ends, keep, h, cut_s, cut_e)
    elif keep[h:].all():
        buf, length = b[starts[h]:], length
    else:
        mask = np.repeat(keep, ends - starts)
        buf = a[mask].tobytes()
    if not buf.endswith(b"\n"):
        buf += b"\n"
    rows = line_no[keep][1:]
    multiline = len(nl) + (0 if b.endswith(b"\n") else 1) > len(ends)
    longest = int(length[keep].max())
    try:
        df = _parse_pyarrow(buf, delim, names, multiline, longest)
    except (pa.ArrowInvalid, ValueError):
        df = pd.read_csv(
            io.BytesIO(buf), sep=delim, dtype=str, keep_default_na=False, na_filter=False,
            engine="c", quotechar='"', doublequote=True, skip_blank_lines=True,
            encoding="utf-8", header=0, names=names,
        )
    if len(df) != len(rows):
        raise _Irregular
    return df, rows


def _parse_pyarrow(buf: bytes, delim: str, names: list[str], multiline: bool, longest: int) -> pd.DataFrame:
    """Multi-threaded parse of an already validated buffer (header included)."""
    table = pacsv.read_csv(
        pa.py_buffer(buf),
        read_options=pacsv.ReadOptions(
            column_names=names, skip_rows=1, block_size=max(1 << 22, 2 * longest + 1024)
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delim, quote_char='"', double_quote=True, escape_char=False,
            newlines_in_values=multiline, ignore_empty_lines=True,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.large_string() for n in names},
            strings_can_be_null=False, quoted_strings_can_be_null=False,
        ),
    )
    return pd.DataFrame({
        n: pd.arrays.ArrowStringArray(table.column(i).combine_chunks(), dtype=STR_DTYPE)
        for i, n in enumerate(names)
    })


def _csv_slow(text: str, delim: str, problems: list):
    """Exact fallback with the csv module (one Python step per record)."""
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"',
                            doublequote=True, strict=False)
        header = None
        records, rows = [], []
        start = 1
        it = iter(reader)
        while True:
            try:
                rec = next(it)
            except StopIteration:
                break
            except csv.Error as exc:
                problems.append({"dropped": True, "row": start, "reason": f"CSV error: {exc}"})
                break
            line = start
            start = reader.line_num + 1
            if not rec or (len(rec) == 1 and rec[0] == ""):
                continue
            if header is None:
                header = rec
                continue
            if len(rec) != len(header):
                why = f"expected {len(header)} fields, found {len(rec)}"
                if len(rec) < len(header) and reader.line_num >= text.count("\n") + (0 if text.endswith("\n") else 1):
                    why += " (truncated last line?)"
                problems.append({"dropped": True, "row": line, "reason": why})
                continue
            records.append(rec)
            rows.append(line)
    finally:
        csv.field_size_limit(old)
    if header is None:
        return pd.DataFrame(), np.zeros(0, dtype=np.int64)
    cols = _dedupe(header, problems)
    df = pd.DataFrame(records, columns=cols, dtype=STR_DTYPE) if records else pd.DataFrame(
        {c: pd.Series([], dtype=STR_DTYPE) for c in cols})
    return df, np.asarray(rows, dtype=np.int64)


# byte-order marks, zero-width characters and whitespace around a header name (any number of them)
_HEADER_PAD = re.compile(r"^[\s\ufeff\u200b-\u200d\u2060]+|[\s\ufeff\u200b-\u200d\u2060]+$")


def clean_header_name(name) -> str:
    """A header name without surrounding BOMs, zero-width characters and whitespace.

    Control characters inside the name (a NUL in ``us\\x00cc``) are kept: such a name is
    damaged and must not match a profile column by accident.

    >>> clean_header_name("\ufeff\ufeff uscc ")
    'uscc'
    """
    return _HEADER_PAD.sub("", str(name))


def _dedupe(names: list, problems: list | None = None) -> list[str]:
    """Clean header names and make them unique (``name``, ``name.1`` …); a repeated name is
    reported in *problems* as a note saying which copy is used."""
    names = [None if n is None else clean_header_name(n) for n in names]
    if problems is not None:
        where: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            if name not in (None, ""):
                where.setdefault(name, []).append(i + 1)
        for name, cols in where.items():
            if len(cols) > 1:
                problems.append({"dropped": False, "row": None, "column": name, "severity": "note",
                                 "reason": f"column {name!r} appears {len(cols)} times (columns "
                                 f"{', '.join(map(str, cols))}): the first (column {cols[0]}) is used, "
                                 "the other copies are ignored"})
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = str(name) if name not in (None, "") else f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            new = f"{name}.{seen[name]}"
            while new in seen:
                seen[name] += 1
                new = f"{name}.{seen[name]}"
            seen[new] = 0
            out.append(new)
        else:
            seen[name] = 0
            out.append(name)
    return out


def _utf8_ok(raw: bytes) -> bool:
    """Is *raw* valid UTF-8 (as ``raw.decode("utf-8")`` would find), checked by Arrow without decoding."""
    arr = pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(np.array([0, len(raw)], dtype=np.int64)),
                                                       pa.py_buffer(raw)])
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _read_csv(raw: bytes, enc: str, problems: list, limit: int | None = None):
    if enc in ("utf-8", "utf-8-sig") and (b"\n" in raw or b"\r" not in raw) and _utf8_ok(raw):
        return _read_utf8_csv(raw, enc, problems, limit)
    before = len(problems)
    text = _decode(raw, enc, problems)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # classic Mac line ends
        b = text.encode("utf-8")
    elif enc in ("utf-8", "utf-8-sig") and len(problems) == before:
        b = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw  # already valid UTF-8
    else:
        b = text.encode("utf-8")
    delim = _sniff_delimiter(text)
    local: list = []
    try:
        df, rows = _csv_fast(b, delim, local, limit)
    except _Irregular:
        local = []
        df, rows = _csv_slow(text, delim, local)
    problems.extend(local)
    return df, rows, delim


def _read_utf8_csv(raw: bytes, enc: str, problems: list, limit: int | None = None):
    """:func:`_read_csv` of valid UTF-8 with newlines: the bytes are parsed as they are, and only the head
    (for the delimiter) is decoded, or all of it for the csv module's fallback."""
    b = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    head = (b if enc == "utf-8-sig" else raw)[: 1 << 18].decode("utf-8", errors="ignore")  # >= 2**16 characters
    delim = _sniff_delimiter(head[: 1 << 16])
    local: list = []
    try:
        df, rows = _csv_fast(b, delim, local, limit)
    except _Irregular:
        local = []
        df, rows = _csv_slow(_decode(raw, enc, local), delim, local)
    problems.extend(local)
    return df, rows, delim


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------


def read_text_table(path, encoding: str | None = None, dtype=str, *, sheet=None, max_chars: int | None = None):
    """Read a source table as strings; returns ``(df, problems)``.

    * Dispatch on suffix: ``.csv``/``.tsv``/``.txt`` (also ``.gz``
      compressed), ``.xlsx`` (first sheet unless *sheet*), ``.jsonl``/
      ``.ndjson``/``.json`` (JSON lines or one JSON array), ``.parquet``.
    * Text encoding is detected (:func:`detect_encoding`) unless *encoding*
      is given; lines not valid in it are decoded in the other candidate
      encoding or with U+FFFD and reported.
    * Every column is text (pandas ``str``); CSV empty fields stay ``""``
      and tokens like ``N/A`` stay as they are (``keep_default_na=False``;
      :func:`graph.normalize.clean_missing` decides). JSON ``null`` and missing
      Parquet values are NA. Numbers in JSON keep their source text.
    * CSV delimiter: ``,``, tab or ``|`` (sniffed from the header line).
    * ``_row`` (int64, first column): the line number a user would see - header =
      1, first data row = 2 - for CSV (line where a multi-line record
      starts) and XLSX (sheet row); for JSON lines the line number (= record
      index when there are no blank lines); the 1-based element index in a
      JSON array; 1-based record index in Parquet.
    * ``problems``: list of ``{"row": int, "reason": str, "dropped": bool}``
      sorted by row. ``dropped=True``: the record is *not* in the frame
      (wrong field count, unterminated quote / truncated file, invalid JSON
      line). ``dropped=False``: the row is in the frame but suspect (text
      holding U+FFFD, a line decoded with the other encoding, XLSX values
      right of the header). Count only dropped ones as rows lost. A problem may
      also carry ``column`` (the header name it is about), ``severity``
      (``"note"`` for a repeated column name) and, for a field longer than
      *max_chars* (no limit unless given; the load passes
      :func:`max_field_chars`), ``oversize=True`` and
      ``value`` (its first 100 characters): the field is NA in the frame, and
      the fast CSV path leaves it out before parsing so it never sits in memory
      twice.
    * Header names lose surrounding BOMs, zero-width characters and whitespace
      (any number of them); a repeated name keeps its first copy.
    * ``df.attrs`` carries ``source``, ``format``, ``encoding``, ``delimiter``
      and ``n_problems``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w", encoding="utf-8").write('名称,资本\\n"A,B",N/A\\n杭州,5')
    >>> df, problems = read_text_table(p)
    >>> df.to_dict("list"), problems
    ({'_row': [2, 3], '名称': ['A,B', '杭州'], '资本': ['N/A', '5']}, [])
    """
    if dtype is not str:
        raise NotImplementedError("read_text_table reads every column as str")
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes]
    raw_reader = path.read_bytes
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]

        def raw_reader():
            return gzip.decompress(path.read_bytes())

    suffix = suffixes[-1] if suffixes else ""
    problems: list[dict] = []
    raw = None
    enc = None
    delim = None
    limit = max_chars
    if suffix in (".xlsx", ".xlsm"):
        fmt = "xlsx"
        df, rows = _read_xlsx(path, problems, sheet)
    elif suffix == ".parquet":
        fmt = "parquet"
        df, rows = _read_parquet(path)
    else:
        raw = raw_reader()
        enc = encoding or detect_encoding_bytes(raw[: 1 << 20], len(raw) > 1 << 20)
        if suffix in (".jsonl", ".ndjson", ".json"):
            fmt = "json"
            df, rows = _read_json(raw, enc, problems)
        else:
            fmt = "csv"
            df, rows, delim = _read_csv(raw, enc, problems, limit)
        _check_gb18030(raw[: 1 << 20], enc, problems)
    return _finish(df, rows, problems, limit, source=str(path), fmt=fmt, raw=raw, enc=enc, delim=delim), problems


def _check_gb18030(sample: bytes, enc: str | None, problems: list) -> None:
    """A file read as GB18030 whose text is mostly rare or non-Chinese characters is reported:
    it is in another encoding (Big5 is detected; others are not)."""
    if enc != "gb18030":
        return
    share, n = odd_share(sample.decode("gb18030", errors="ignore"), "gb18030")
    if n >= _MIN_NON_ASCII and share > _SUSPECT_SHARE:
        problems.append({"dropped": False, "row": None, "reason": f"read as GB18030, but {share:.0%} of its "
                         "non-ASCII characters are rare or not Chinese: the file is probably in another "
                         "encoding; re-export it as UTF-8"})


def _finish(df: pd.DataFrame, rows, problems: list, limit: int | None, source: str, fmt: str,
            raw: bytes | None = None, enc: str | None = None, delim: str | None = None) -> pd.DataFrame:
    """Number the rows, cut over-long fields, look for U+FFFD and record what was read."""
    df = df.reset_index(drop=True)
    if len(df.columns) and fmt in ("json", "parquet"):
        df.columns = _dedupe(list(df.columns), problems)
    if "_row" in df.columns:
        df = df.rename(columns={"_row": "_row_source"})
    df.insert(0, "_row", np.asarray(rows, dtype=np.int64))
    if limit:
        _cut_long_values(df, problems, limit)
    _report_replacement_chars(df, problems, raw if fmt in ("csv", "json") else None, enc)
    problems.sort(key=lambda p: (p["row"] is None, p["row"] or 0))
    df.attrs.update({"source": source, "format": fmt, "encoding": enc,
                     "delimiter": delim, "n_problems": len(problems)})
    return df


def _cut_long_values(df: pd.DataFrame, problems: list, limit: int) -> None:
    """Values longer than *limit* characters become NA, each reported (readers other than the
    fast CSV path, which cuts them before parsing)."""
    for c in df.columns[1:]:
        arr = pa.array(df[c], type=pa.large_string(), from_pandas=True)
        n = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
        n = np.nan_to_num(n.astype(np.float64), nan=0)
        hit = np.flatnonzero(n > limit)
        if len(hit) == 0:
            continue
        for i in hit:  # a handful of fields
            problems.append(_too_long(int(df["_row"].iat[i]), c, int(n[i]), limit, str(df[c].iat[i])[:100]))
        df[c] = df[c].mask(pd.Series(n > limit, index=df.index))


def _report_replacement_chars(df: pd.DataFrame, problems: list, raw: bytes | None = None,
                              enc: str | None = None) -> None:
    cols = [c for c in df.columns if c != "_row"]
    if not cols or df.empty:
        return
    if raw is not None and enc and not any("U+FFFD" in p["reason"] for p in problems):
        try:
            marker = "\ufffd".encode("utf-8" if enc == "utf-8-sig" else enc)
        except (UnicodeEncodeError, LookupError):
            marker = None
        if marker and marker not in raw:
            return  # no U+FFFD anywhere in the source: nothing to look for
    hit = np.zeros(len(df), dtype=bool)
    for c in cols:
        hit |= df[c].astype(STR_DTYPE).str.contains("\ufffd", regex=False).fillna(False).to_numpy(dtype=bool)
    if not hit.any():
        return
    seen = {p["row"] for p in problems}
    for r in df["_row"].to_numpy()[hit]:
        if int(r) not in seen:
            problems.append({"dropped": False, "row": int(r), "reason": "text contains U+FFFD replacement characters "
                             "(mis-decoded before it reached this file; see detect_mojibake)"})

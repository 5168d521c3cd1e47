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
import json
import re
import sys
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from etl.normalize import STR_DTYPE

__all__ = ["detect_encoding", "detect_encoding_bytes", "read_text_table"]

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_DELIMS = (",", "\t", "|")
_MAX_DECODE_FALLBACKS = 1000


# --------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------


def _decodes(sample: bytes, encoding: str, final: bool) -> bool:
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        dec.decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(sample: bytes) -> bool:
    """True when invalid UTF-8 sequences are under 2% of the multi-byte
    characters that do decode: a UTF-8 file with some foreign lines. A GBK
    file read as UTF-8 is almost all invalid sequences."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - sample.count(b"\xef\xbf\xbd")
    good = sum(1 for c in text if c > "\x7f") - text.count("\ufffd")
    return good >= 20 and bad <= 0.02 * good


def detect_encoding_bytes(sample: bytes, truncated: bool = False) -> str:
    """Encoding of a byte sample: ``utf-8-sig``, ``utf-8``, ``gb18030`` or
    charset-normalizer's guess. *truncated* says the sample was cut from a
    longer file, so a multi-byte character split at its end is not an error.

    >>> detect_encoding_bytes("杭州".encode("gb18030"))
    'gb18030'
    >>> detect_encoding_bytes("杭州".encode("utf-8")[:-1], truncated=True)
    'utf-8'
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if _decodes(sample, "utf-8", final=not truncated):
        return "utf-8"
    if _mostly_utf8(sample):
        return "utf-8"  # a UTF-8 file with a few lines in another encoding
    if _decodes(sample, "gb18030", final=not truncated):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None or not best.encoding:
        return "utf-8"  # not text; the reader reports what it cannot decode
    return codecs.lookup(best.encoding).name


def detect_encoding(path, sample_bytes: int = 1 << 20) -> str:
    """Encoding of a file from its first *sample_bytes* bytes.

    BOM first, then strict UTF-8, then strict GB18030 (a multi-byte character
    cut by the sample end is tolerated), then charset-normalizer.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "wb").write("名称\\n杭州\\n".encode("gb18030"))
    >>> detect_encoding(p)
    'gb18030'
    """
    path = Path(path)
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as fh:
        sample = fh.read(sample_bytes + 1)
    truncated = len(sample) > sample_bytes
    return detect_encoding_bytes(sample[:sample_bytes], truncated)


def _decode(raw: bytes, enc: str, problems: list) -> str:
    """Decode *raw*; lines that fail are tried in the other candidate
    encoding (mixed files), else decoded with U+FFFD; each is reported."""
    if enc == "utf-8-sig":
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        enc = "utf-8"
    try:
        return raw.decode(enc)
    except UnicodeDecodeError:
        pass
    alt = "gb18030" if codecs.lookup(enc).name == "utf-8" else "utf-8"
    parts: list[str] = []
    pos = 0
    line_at_pos = 1
    fails = 0
    while True:
        try:
            parts.append(raw[pos:].decode(enc))
            break
        except UnicodeDecodeError as exc:
            bad = pos + exc.start
        ls = max(pos, raw.rfind(b"\n", 0, bad) + 1)
        le = raw.find(b"\n", bad)
        le = len(raw) if le < 0 else le + 1
        parts.append(raw[pos:ls].decode(enc))
        line_no = line_at_pos + raw.count(b"\n", pos, ls)
        fails += 1
        if fails > _MAX_DECODE_FALLBACKS:
            parts.append(raw[ls:].decode(enc, errors="replace"))
            problems.append({"dropped": False, "row": line_no, "reason": f"more than {_MAX_DECODE_FALLBACKS} lines "
                             f"are not valid {enc}; the rest was decoded with U+FFFD replacements"})
            break
        line = raw[ls:le]
        try:
            parts.append(line.decode(alt))
            problems.append({"dropped": False, "row": line_no, "reason": f"line is not valid {enc}; decoded as {alt} "
                             "(file mixes encodings)"})
        except UnicodeDecodeError:
            parts.append(line.decode(enc, errors="replace"))
            problems.append({"dropped": False, "row": line_no, "reason": f"undecodable bytes in {enc}; replaced by U+FFFD"})
        line_at_pos = line_no + (1 if line.endswith(b"\n") else 0)
        pos = le
    return "".join(parts)


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


def _csv_fast(b: bytes, delim: str, problems: list):
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
    dpos = np.flatnonzero(a == d)
    if len(q):
        dpos = dpos[(np.searchsorted(q, dpos) % 2) == 0]
    nfields = np.bincount(np.searchsorted(ends, dpos, side="right"), minlength=len(ends)) + 1
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
    if keep[h:].all():
        buf = b[starts[h]:]
    else:
        mask = np.repeat(keep, ends - starts)
        buf = a[mask].tobytes()
    if not buf.endswith(b"\n"):
        buf += b"\n"
    rows = line_no[keep][1:]
    header_text = b[starts[h]:ends[h]].decode("utf-8")
    names = _dedupe(next(csv.reader(io.StringIO(header_text, newline=""), delimiter=delim)))
    multiline = len(nl) + (0 if b.endswith(b"\n") else 1) > len(ends)
    longest = int((ends - starts).max())
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
    cols = _dedupe(header)
    df = pd.DataFrame(records, columns=cols, dtype=STR_DTYPE) if records else pd.DataFrame(
        {c: pd.Series([], dtype=STR_DTYPE) for c in cols})
    return df, np.asarray(rows, dtype=np.int64)


def _dedupe(names: list) -> list[str]:
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


def _read_csv(raw: bytes, enc: str, problems: list):
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
        df, rows = _csv_fast(b, delim, local)
    except _Irregular:
        local = []
        df, rows = _csv_slow(text, delim, local)
    problems.extend(local)
    return df, rows, delim


# --------------------------------------------------------------------------
# other formats
# --------------------------------------------------------------------------


def _cell(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d") if v.time() == time(0) else v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def _read_xlsx(path: Path, problems: list, sheet=None):
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if isinstance(sheet, str) else wb.worksheets[sheet or 0]
        header = None
        records, rows = [], []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if all(c is None or c == "" for c in cells):
                continue
            if header is None:
                while cells and cells[-1] in (None, ""):
                    cells.pop()
                header = cells
                continue
            extra = cells[len(header):]
            if any(c not in (None, "") for c in extra):
                problems.append({"dropped": False, "row": r, "reason": "values right of the last header column ignored"})
            cells = (cells + [None] * len(header))[: len(header)]
            records.append(["" if c is None else c for c in cells])
            rows.append(r)
    finally:
        wb.close()
    if header is None:
        return pd.DataFrame(), np.zeros(0, dtype=np.int64)
    width = max([len(header)] + [0])
    empty_cols = [
        j for j in range(width)
        if header[j] in (None, "") and all(rec[j] == "" for rec in records)
    ]
    if empty_cols:  # e.g. a sheet whose table starts in column B
        keep = [j for j in range(width) if j not in set(empty_cols)]
        header = [header[j] for j in keep]
        records = [[rec[j] for j in keep] for rec in records]
    cols = _dedupe(header)
    df = pd.DataFrame(records, columns=cols, dtype=STR_DTYPE) if records else pd.DataFrame(
        {c: pd.Series([], dtype=STR_DTYPE) for c in cols})
    return df, np.asarray(rows, dtype=np.int64)


def _json_value(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return _dump(v)
    return str(v)


class _Num(str):
    """A JSON number kept as its source text."""


def _dump(v) -> str:
    """json.dumps that writes :class:`_Num` values as bare numbers."""
    if isinstance(v, _Num):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_dump(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_dump(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def _read_json(raw: bytes, enc: str, problems: list):
    text = _decode(raw, enc, problems)
    loads = json.JSONDecoder(parse_int=_Num, parse_float=_Num, parse_constant=_Num).decode
    records, rows = [], []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = loads(stripped)
        except json.JSONDecodeError as exc:
            problems.append({"dropped": True, "row": 1, "reason": f"invalid JSON array: {exc}"})
            items = []
        pairs = enumerate(items, start=1)
    else:
        pairs = []
        for i, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                pairs.append((i, loads(line)))
            except json.JSONDecodeError as exc:
                last = i == text.rstrip("\n").count("\n") + 1
                problems.append({"dropped": True, "row": i, "reason": f"invalid JSON: {exc.msg}"
                                 + (" (truncated last line?)" if last else "")})
    for i, obj in pairs:
        if not isinstance(obj, dict):
            problems.append({"dropped": True, "row": i, "reason": "record is not a JSON object"})
            continue
        records.append({k: _json_value(v) for k, v in obj.items()})
        rows.append(i)
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    df = df.astype(STR_DTYPE) if len(df.columns) else df
    return df, np.asarray(rows, dtype=np.int64)


def _read_parquet(path: Path):
    df = pd.read_parquet(path, dtype_backend="pyarrow")
    out = pd.DataFrame({c: df[c].astype(STR_DTYPE) for c in df.columns}, index=df.index)
    return out.reset_index(drop=True), np.arange(1, len(out) + 1, dtype=np.int64)


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------


def read_text_table(path, encoding: str | None = None, dtype=str, *, sheet=None):
    """Read a source table as strings; returns ``(df, problems)``.

    * Dispatch on suffix: ``.csv``/``.tsv``/``.txt`` (also ``.gz``
      compressed), ``.xlsx`` (first sheet unless *sheet*), ``.jsonl``/
      ``.ndjson``/``.json`` (JSON lines or one JSON array), ``.parquet``.
    * Text encoding is detected (:func:`detect_encoding`) unless *encoding*
      is given; lines not valid in it are decoded in the other candidate
      encoding or with U+FFFD and reported.
    * Every column is text (pandas ``str``); CSV empty fields stay ``""``
      and tokens like ``N/A`` stay as they are (``keep_default_na=False``;
      :func:`etl.normalize.clean_missing` decides). JSON ``null`` and missing
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
      right of the header). Count only dropped ones as rows lost.
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
            df, rows, delim = _read_csv(raw, enc, problems)
    df = df.reset_index(drop=True)
    if "_row" in df.columns:
        df = df.rename(columns={"_row": "_row_source"})
    df.insert(0, "_row", np.asarray(rows, dtype=np.int64))
    _report_replacement_chars(df, problems, raw if fmt in ("csv", "json") else None, enc)
    problems.sort(key=lambda p: (p["row"] is None, p["row"] or 0))
    df.attrs.update({"source": str(path), "format": fmt, "encoding": enc,
                     "delimiter": delim, "n_problems": len(problems)})
    return df, problems


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

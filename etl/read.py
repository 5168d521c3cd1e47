"""Read an extract (one file or a folder) into canonical tables through a profile."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from creditgraph.graph import normalize as nz
from creditgraph.etl.canonical import TABLES
from creditgraph.etl.encoding import max_field_chars, read_text_table, read_xlsx_sheets
from creditgraph.etl.profiles import Profile, Source
from creditgraph.etl.report import RejectReport

SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".jsonl", ".json", ".ndjson", ".parquet"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
# control characters a value or a header name may not hold (tab, newline and CR are fine)
_CONTROL = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\x7f"
_CONTROL_LUT = np.zeros(256, dtype=bool)
_CONTROL_LUT[[ord(c) for c in _CONTROL]] = True
_CONTROL_RE = "[" + "".join(f"\\x{ord(c):02x}" for c in _CONTROL) + "]"


@dataclass
class InputFile:
    path: str
    table: str | None
    sha256: str
    bytes: int
    rows: int = 0
    encoding: str | None = None
    error: str | None = None
    # file-level remarks that did not stop the load (a repeated column, a damaged header name …)
    warnings: list[str] = field(default_factory=list)
    # workbooks: per sheet {sheet, table, rows, status (loaded | ignored | error), reason}
    sheets: list[dict] | None = None
    # why the file was passed over (its name matches no table of the profile; not an error)
    ignored: str | None = None
    # the file's columns that the profile maps to no field (not loaded)
    unmapped_columns: list[str] = field(default_factory=list)
    # the columns the profile maps that the file does not have (their fields load empty)
    missing_columns: list[str] = field(default_factory=list)


@dataclass
class Extract:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[InputFile] = field(default_factory=list)
    #: per table, the constants of each source read (``{"kind": "abnormal_operation"}`` for a per-kind
    #: file): what a full snapshot of the table covers, even where it delivered no row of a kind
    delivered: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def covered(self, table: str, field_name: str) -> set[str] | None:
        """The values of ``field_name`` the sources read for ``table`` cover: None when a source carries
        the field as a column (it covers every value), else the constants of the sources read.

        >>> e = Extract(delivered={"penalties": [{"kind": "abnormal_operation"}]})
        >>> e.covered("penalties", "kind"), Extract(delivered={"penalties": [{}]}).covered("penalties", "kind")
        ({'abnormal_operation'}, None)
        """
        consts = self.delivered.get(table, [])
        if any(field_name not in c for c in consts):
            return None
        return {c[field_name] for c in consts}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(path: Path, every: bool = False) -> list[Path]:
    """The files to read: ``path`` itself, or those under the folder with a suffix the reader knows
    (``every``: all files under the folder, the others to be listed as ignored)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return sorted(p for p in path.rglob("*") if p.is_file() and (every or p.suffix.lower() in SUFFIXES))


def _unknown_type(f: Path, profile: Profile) -> InputFile:
    """A file of a type the reader does not know (a README, an archive, an old .xls), listed as ignored."""
    tables = sorted({s.table for s in profile.match(f.name)})
    why = f"not a file type creditgraph reads ({', '.join(sorted(SUFFIXES))})"
    if tables:
        why += f", although its name matches table {', '.join(tables)}: save it as CSV or XLSX to load it"
    return InputFile(path=str(f), table=None, sha256="", bytes=f.stat().st_size, ignored=why)


def readable_files(path: Path, profile: Profile, report: RejectReport,
                   out: Extract) -> Iterator[tuple[Path, InputFile, Source | None, bool]]:
    """The files of an extract to read, each as ``(file, info, source, is_workbook)`` (``source`` None only
    for a workbook, whose sheets say their tables); every file is listed in ``out.files``, those not read
    with why (ignored, or an error in ``report``)."""
    files = discover(path, every=True)
    single = path.is_file()  # a file named on the command line is read whatever its suffix
    if not any(single or f.suffix.lower() in SUFFIXES for f in files):
        raise FileNotFoundError(f"{path}: no CSV, XLSX, JSON-lines or Parquet files found")
    for f in files:
        if not single and f.suffix.lower() not in SUFFIXES:
            out.files.append(_unknown_type(f, profile))
            continue
        info = InputFile(path=str(f), table=None, sha256=sha256(f), bytes=f.stat().st_size)
        out.files.append(info)
        sources = profile.match(f.name)
        workbook = f.suffix.lower() in WORKBOOK_SUFFIXES
        if not sources and not workbook:
            info.ignored = ("the synthetic generator's answer key, not an extract table" if f.name == "ground_truth.json"
                            else f"no table of profile {profile.name!r} matches this file name")
            continue
        if len({s.table for s in sources}) > 1:
            # one file, several sources: only fine if they are the same table
            info.error = f"file name matches several tables of profile {profile.name!r}: {[s.table for s in sources]}"
            report.add_file(str(f), info.error)
            continue
        src = sources[0] if sources else None
        info.table = src.table if src else None
        if info.bytes == 0:
            info.error = "empty file (0 bytes): nothing to read; re-export it"
            report.add_file(str(f), info.error, table=info.table or "")
            continue
        yield f, info, src, workbook


def read_extract(path: Path, profile: Profile, report: RejectReport) -> Extract:
    """Read every file the profile recognises; a file whose name matches no table is listed as
    ignored (``InputFile.ignored``), not guessed and not an error (a README, notes, an answer key).

    A workbook (XLSX) is read sheet by sheet: each sheet whose header maps to a table is a
    source of that table (its rows numbered per sheet, its file named ``book.xlsx#Sheet``);
    a sheet that maps to nothing is listed as ignored, with the reason.
    """
    out = Extract()
    parts: dict[str, list[pd.DataFrame]] = {}
    limit = max_field_chars()
    for f, info, src, workbook in readable_files(Path(path), profile, report, out):
        if workbook:
            for table, canon in _read_workbook(f, src, profile, report, info, limit):
                parts.setdefault(table, []).append(canon)
            continue
        assert src is not None  # only a workbook may have no source, and it was read above
        try:
            df, problems = read_text_table(f, max_chars=limit)
        except Exception as exc:  # unreadable file: say so and go on with the others
            info.error = f"cannot read: {exc}"
            report.add_file(str(f), info.error, table=src.table)
            continue
        info.encoding = df.attrs.get("encoding")
        canon = _source_frame(df, problems, src, profile, str(f), report, info)
        if canon is None:
            continue
        info.rows = len(df)
        parts.setdefault(src.table, []).append(canon)
    for table, frames in parts.items():
        out.delivered[table] = [f.attrs.get("constants", {}) for f in frames]
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        for fld in TABLES[table].fields:
            if fld not in df.columns:
                df[fld] = pd.Series(pd.NA, index=df.index, dtype="string")
        out.tables[table] = df
    return out


# --------------------------------------------------------------------------- workbooks


def _read_workbook(path: Path, src: Source | None, profile: Profile, report: RejectReport, info: InputFile,
                   limit: int) -> list[tuple[str, pd.DataFrame]]:
    """Every sheet of a workbook that maps to a table, as (table, canonical frame); the sheets are
    listed in ``info.sheets`` (loaded, ignored or error, with the reason)."""
    try:
        sheets = read_xlsx_sheets(path, limit)
    except Exception as exc:  # unreadable workbook
        info.error = f"cannot read: {exc}"
        report.add_file(str(path), info.error, table=info.table or "")
        return []
    out, info.sheets, errors = [], [], []
    for name, df, problems in sheets:
        label = f"{path}#{name}"
        header = [c for c in df.columns if c != "_row"]
        entry = {"sheet": name, "table": None, "rows": 0, "status": "ignored", "reason": ""}
        info.sheets.append(entry)
        sheet_src, why = _sheet_source(name, header, src, profile, path.suffix)
        if sheet_src is None:
            entry["reason"] = why
            if len(df):
                _note(report, label, "", "", f"sheet {name!r} ignored ({len(df)} rows not read): {why}")
            continue
        entry["table"] = sheet_src.table
        canon = _source_frame(df, problems, sheet_src, profile, label, report, info)
        if canon is None:
            entry["status"], entry["reason"] = "error", info.error or ""
            errors.append(f"sheet {name!r}: {info.error}")
            info.error = None
            continue
        entry["status"], entry["rows"] = "loaded", len(df)
        out.append((sheet_src.table, canon))
    info.rows = sum(e["rows"] for e in info.sheets)
    tables = sorted({e["table"] for e in info.sheets if e["status"] == "loaded"})
    info.table = ",".join(tables) or info.table
    if errors:
        info.error = "; ".join(errors)
    elif not out:
        reasons = "; ".join(f"{e['sheet']!r}: {e['reason']}" for e in info.sheets)
        named = src is not None or any(profile.match(e["sheet"]) or profile.match(e["sheet"] + path.suffix)
                                       for e in info.sheets)
        if not named:  # neither the file nor a sheet is named after a table: an extra file, passed over
            info.ignored = f"neither the file name nor a sheet name matches a table of profile {profile.name!r}"
            return out
        info.error = f"no sheet maps to a table of profile {profile.name!r} ({reasons})"
        report.add_file(str(path), info.error, table=info.table or "")
    return out


def _sheet_source(sheet: str, header: list[str], file_src: Source | None, profile: Profile,
                  suffix: str) -> tuple[Source | None, str]:
    """The source a sheet feeds: the file's own (when its name matched) or the one its sheet name
    matches, provided the header shares a column with it; else (None, why)."""
    if not header:
        return None, "empty sheet"
    cands = [file_src] if file_src else (profile.match(sheet) or profile.match(sheet + suffix))
    if not cands:
        return None, f"neither the file name nor the sheet name {sheet!r} matches a table of profile {profile.name!r}"
    for cand in cands:
        if _source_columns(cand) & set(header):
            return cand, ""
    shown = ", ".join(repr(h) for h in header[:8])
    return None, f"its header ({shown}) has none of the columns of table {cands[0].table} in profile {profile.name!r}"


def _source_columns(src: Source) -> set[str]:
    return set(TABLES[src.table].fields) if src.identity else set(src.columns.values())


# --------------------------------------------------------------------------- one source


def _source_frame(df: pd.DataFrame, problems: list[dict], src: Source, profile: Profile, label: str,
                  report: RejectReport, info: InputFile) -> pd.DataFrame | None:
    """A source's rows under canonical names, or None (``info.error`` set) when the file cannot
    be used: a required or key column is missing."""
    report_problems(problems, src, label, report, info)
    ren = source_header([c for c in df.columns if c != "_row"], src, profile, label, report, info)
    if ren is None:
        return None
    return source_rows(df, [p for p in problems if p.get("oversize")], ren, src, label, report)


def report_problems(problems: list[dict], src: Source, label: str, report: RejectReport, info: InputFile) -> None:
    """The reader's problems (:func:`etl.encoding.read_text_table`) into the report and ``info.warnings``;
    the over-long fields are left to :func:`source_rows`. A problem on a row the reader kept (a line decoded
    with the other encoding, U+FFFD, values right of the last column) is a note: the row goes on to be
    validated and loaded, so counting it rejected left the load's counts short (``unaccounted`` < 0)."""
    for p in problems:
        if p.get("oversize"):
            continue
        if p.get("row") is not None and p.get("dropped") is False:
            _note(report, label, src.table, p.get("column", ""), p["reason"], p["row"])
        elif p.get("severity") == "note":
            _note(report, label, src.table, p.get("column", ""), p["reason"], p.get("row"))
            info.warnings.append(p["reason"])
        else:
            report.add_file(label, p["reason"], table=src.table, row=p.get("row"))
            if p.get("row") is None:
                info.warnings.append(p["reason"])


def source_header(header: list[str], src: Source, profile: Profile, label: str, report: RejectReport,
                  info: InputFile) -> dict[str, str] | None:
    """The header's checks (columns unmatched, damaged names, a required or key column missing): the
    rename map to canonical names, or None (``info.error`` set) when the file cannot be used."""
    _unmatched_columns(src, header, info)
    damaged = [h for h in header if any(ch in _CONTROL for ch in h)]
    for h in damaged:
        why = (f"column name {h!r} holds control characters (a damaged header?): it is not matched to "
               "any field; repair the header")
        _note(report, label, src.table, "", why)
        info.warnings.append(why)
    hint = f"; damaged column names: {[h for h in damaged]}" if damaged else ""
    missing = src.missing_required(header)
    if missing:
        cols = ", ".join(f"{col!r} (for {fld})" for fld, col in missing)
        info.error = (f"missing required column {cols} for table {src.table} of profile {profile.name!r}; "
                      f"columns found: {header[:20]}{hint}")
        report.add_file(label, info.error, table=src.table, column=missing[0][1])
        return None
    key = missing_key(src, header)
    if key:
        cols = " or ".join(f"{col!r} (for {fld})" for fld, col in key)
        info.error = (f"missing key column {cols} for table {src.table} of profile {profile.name!r}: its rows "
                      f"cannot be keyed without it; columns found: {header[:20]}{hint}")
        report.add_file(label, info.error, table=src.table, column=key[0][1])
        return None
    return src.rename_map(header)


def source_rows(df: pd.DataFrame, oversize: list[dict], ren: dict[str, str], src: Source, label: str,
                report: RejectReport) -> pd.DataFrame:
    """Rows of a source (all of them, or one chunk) under canonical names, with the source's constants
    and ``_file``; over-long fields and control characters handled (row-local: a chunk at a time gives
    the same rows and reports as the whole file)."""
    canon = df[list(ren) + ["_row"]].rename(columns=ren)
    for k, v in src.constants.items():
        canon[k] = v
    canon.attrs["constants"] = dict(src.constants)
    canon["_file"] = label
    canon = _too_long_fields(canon, oversize, ren, src.table, report)
    _control_characters(canon, list(ren.values()), src.table, report)
    return canon


def _unmatched_columns(src: Source, header: list[str], info: InputFile) -> None:
    """Add to ``info`` the header's columns the profile maps to nothing, and the columns it maps that the
    header lacks (an explicit mapping only: ``columns: identity`` names no column of its own)."""
    mapped = src.rename_map(header)
    present = set(header)
    unmapped = [h for h in header if h not in mapped]
    missing = [] if src.identity else [col for col in src.columns.values() if col not in present]
    info.unmapped_columns += [c for c in unmapped if c not in info.unmapped_columns]
    info.missing_columns += [c for c in missing if c not in info.missing_columns]


def missing_key(src: Source, header: list[str]) -> list[tuple[str, str]]:
    """Key fields (:attr:`etl.canonical.Table.file_key`) whose column is absent: (field, column).

    A profile that maps key columns needs every one of them in the file; ``columns: identity``
    needs at least one. A key field given as a constant is present.
    """
    keys = [k for k in TABLES[src.table].file_key if k not in src.constants]
    present = set(header)
    if src.identity:
        return [] if not keys or present & set(keys) else [(k, k) for k in keys]
    return [(k, src.columns[k]) for k in keys if k in src.columns and src.columns[k] not in present]


def _too_long_fields(canon: pd.DataFrame, oversize: list[dict], ren: dict[str, str], table: str,
                     report: RejectReport) -> pd.DataFrame:
    """Fields the reader cut for being too long: the row is rejected when the field is required
    or a key, else it loads with the field empty and a note."""
    if not oversize:
        return canon
    must = set(TABLES[table].required) | set(TABLES[table].file_key)
    hits = pd.DataFrame([{"_row": p["row"], "field": ren.get(p["column"]), "value": p.get("value"),
                          "reason": p["reason"]} for p in oversize]).dropna(subset=["field"])
    if hits.empty:
        return canon
    hits["_file"] = canon["_file"].iat[0] if len(canon) else ""
    hits["severity"] = np.where(hits["field"].isin(must), "rejected", "note")
    for (fld, sev), grp in hits.groupby(["field", "severity"]):
        grp = grp.reset_index(drop=True)
        reason = grp["reason"] + ("; the row is not loaded" if sev == "rejected" else "; the row loads without it")
        report.add(grp, np.ones(len(grp), dtype=bool), fld, reason.to_numpy(), value_col="value",
                   table=table, severity=sev)
    bad_rows = hits.loc[hits["severity"] == "rejected", "_row"]
    return canon[~canon["_row"].isin(bad_rows)] if len(bad_rows) else canon


def _control_characters(canon: pd.DataFrame, fields: list[str], table: str, report: RejectReport) -> None:
    """NUL and other control characters inside values become spaces; each such value is noted."""
    for fld in fields:
        col = canon[fld]
        if not len(col):
            continue
        arr = nz._arrow(col)
        hit = nz._rows_with(arr, _CONTROL_LUT)
        if not hit.any():
            continue
        report.add(canon, hit, fld, "value held a NUL or another control character: replaced by a space",
                   table=table, severity="note")
        fixed = nz._on_subset(arr, hit, lambda a: pc.replace_substring_regex(a, _CONTROL_RE, " "))
        canon[fld] = nz._series(fixed, canon.index, fld)


def _note(report: RejectReport, file: str, table: str, column: str, reason: str, row: int | None = None) -> None:
    """A remark about a file, a sheet or a header (nothing was rejected)."""
    frame = pd.DataFrame({"_file": [file], "_row": pd.array([row], dtype="Int64")})
    report.add(frame, None, column, reason, table=table, severity="note")

"""Read an extract (one file or a folder) into canonical tables through a profile."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.canonical import TABLES
from etl.encoding import read_text_table
from etl.profiles import Profile
from etl.report import RejectReport

SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".jsonl", ".json", ".ndjson", ".parquet"}


@dataclass
class InputFile:
    path: str
    table: str | None
    sha256: str
    bytes: int
    rows: int = 0
    encoding: str | None = None
    error: str | None = None


@dataclass
class Extract:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[InputFile] = field(default_factory=list)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def read_extract(path: Path, profile: Profile, report: RejectReport) -> Extract:
    """Read every file the profile recognises; unrecognised files are reported, not guessed."""
    out = Extract()
    parts: dict[str, list[pd.DataFrame]] = {}
    files = discover(path)
    if not files:
        raise FileNotFoundError(f"{path}: no CSV, XLSX, JSON-lines or Parquet files found")
    for f in files:
        info = InputFile(path=str(f), table=None, sha256=sha256(f), bytes=f.stat().st_size)
        out.files.append(info)
        sources = profile.match(f.name)
        if not sources:
            if f.name == "ground_truth.json":
                continue
            info.error = f"no table of profile {profile.name!r} matches this file name"
            report.add_file(str(f), info.error)
            continue
        if len(sources) > 1:
            # one file, several sources: only fine if they are the same table
            if len({s.table for s in sources}) > 1:
                info.error = f"file name matches several tables of profile {profile.name!r}: {[s.table for s in sources]}"
                report.add_file(str(f), info.error)
                continue
        src = sources[0]
        info.table = src.table
        if info.bytes == 0:
            info.error = "empty file (0 bytes): nothing to read; re-export it"
            report.add_file(str(f), info.error, table=src.table)
            continue
        try:
            df, problems, enc = _read(f)
        except Exception as exc:  # unreadable file: say so and go on with the others
            info.error = f"cannot read: {exc}"
            report.add_file(str(f), info.error, table=src.table)
            continue
        info.encoding = enc
        for p in problems:
            report.add_file(str(f), p["reason"], table=src.table, row=p.get("row"))
        header = [c for c in df.columns if c != "_row"]
        missing = src.missing_required(header)
        if missing:
            cols = ", ".join(f"{col!r} (for {fld})" for fld, col in missing)
            info.error = (f"missing required column {cols} for table {src.table} of profile {profile.name!r}; "
                          f"columns found: {header[:20]}")
            report.add_file(str(f), info.error, table=src.table, column=missing[0][1])
            continue
        ren = src.rename_map(header)
        canon = df[list(ren) + ["_row"]].rename(columns=ren)
        for k, v in src.constants.items():
            canon[k] = v
        canon["_file"] = str(f)
        info.rows = len(canon)
        parts.setdefault(src.table, []).append(canon)
    for table, frames in parts.items():
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        for fld in TABLES[table].fields:
            if fld not in df.columns:
                df[fld] = pd.Series(pd.NA, index=df.index, dtype="string")
        out.tables[table] = df
    return out


def _read(path: Path):
    res = read_text_table(path)
    if isinstance(res, tuple):
        df, problems = res[0], res[1]
    else:
        df, problems = res, []
    enc = df.attrs.get("encoding") if hasattr(df, "attrs") else None
    return df, problems, enc

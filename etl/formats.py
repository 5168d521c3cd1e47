"""Tables from spreadsheets (XLSX, every sheet), JSON and Parquet files, as text columns with the
same header cleaning as CSV (:mod:`etl.encoding`)."""
from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
import numpy as np
import pandas as pd
from creditgraph.graph.normalize import STR_DTYPE
from creditgraph.etl.charset import _decode

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
        return _sheet_frame(ws, problems)
    finally:
        wb.close()


def read_xlsx_sheets(path, limit: int | None = None) -> list[tuple[str, pd.DataFrame, list[dict]]]:
    """Every sheet of a workbook, read in one pass over the file: ``[(sheet name, frame, problems)]``,
    each frame shaped as :func:`read_text_table` returns it (``_row`` is the row in that sheet)."""
    from openpyxl import load_workbook

    from creditgraph.etl.encoding import _finish  # the frame finishing every reader shares (etl.encoding imports this module)

    path = Path(path)
    wb = load_workbook(path, read_only=True, data_only=True)
    out = []
    try:
        for ws in wb.worksheets:
            problems: list[dict] = []
            df, rows = _sheet_frame(ws, problems)
            df = _finish(df, rows, problems, limit, source=f"{path}#{ws.title}", fmt="xlsx")
            out.append((ws.title, df, problems))
    finally:
        wb.close()
    return out


def _sheet_frame(ws, problems: list):
    """One worksheet as a frame of strings and the sheet row of each record."""
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
    from creditgraph.etl.encoding import _dedupe  # the header cleaning CSV uses too (etl.encoding imports this module)

    cols = _dedupe(header, problems)
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
    pairs: enumerate[Any] | list[tuple[int, Any]]
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

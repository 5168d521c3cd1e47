"""Spreadsheet-safe writers: CSV and XLSX whose cells never run as formulas (OWASP CSV injection).

A text cell that starts with ``= + - @``, a tab or a carriage return (also the full-width
``＝ ＋ － ＠``, and after leading blanks) gets a leading ``'``; numbers stay numbers, and the XLSX
writer is told never to turn a string into a formula or a link. Used by the analyses' exports
(:mod:`queries.export`) and the ETL's reject reports (:mod:`etl.report`).

Every sheet :func:`write_sheets` writes is laid out for reading: the header row frozen, an autofilter
over the table, and each column as wide as its content (:func:`display_width`: CJK characters count
double; at most :data:`MAX_WIDTH`).
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd

MIN_WIDTH, MAX_WIDTH = 6, 60  # column widths, in characters of the default font
WIDTH_SAMPLE = 2000  # rows looked at to fit a column (a big export costs no more than this)

# A text a spreadsheet would run: a leading = + - @ (or full-width), tab or CR, also after leading
# blanks; a text that is just a number ("-5") is read as that number and is left alone.
_FORMULA_START = r"^(?![+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$)(?:[\t\r]|\s*[=+\-@＝＋－＠])"


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells that a spreadsheet would run as a formula start with ``'``.

    OWASP's CSV-injection rule, by column (vectorised); numbers and other non-text cells are untouched.

    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+2", "ok", "-5", " @x"], "n": [-1, 2, 3, 4]})).to_dict("list")
    {'a': ["'=1+2", 'ok', '-5', "' @x"], 'n': [-1, 2, 3, 4]}
    """
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
            continue
        try:
            live = col.str.contains(_FORMULA_START, regex=True, na=False)
        except AttributeError:  # an object column without any text
            continue
        live = live.fillna(False).astype(bool)  # non-text cells of a mixed column give NA
        if live.any():
            out.loc[live, c] = "'" + col[live].astype(str)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a CSV for spreadsheets: formulas neutralised, UTF-8 with BOM, CRLF line ends.

    CRLF (RFC 4180) makes the writer quote any field holding a lone carriage return, which a reader
    would otherwise take as the end of the row.
    """
    path = Path(path)
    neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


def write_sheets(path: str | Path, sheets: dict[str, pd.DataFrame], engine: str | None = None) -> Path:
    """Write frames as the sheets of one workbook, formulas neutralised; no cell is ever a formula or link.

    ``engine``: ``xlsxwriter`` (default when installed) or ``openpyxl``.
    """
    path = Path(path)
    if engine is None:
        try:
            import xlsxwriter  # noqa: F401

            engine = "xlsxwriter"
        except ImportError:  # pragma: no cover
            engine = "openpyxl"
    kwargs = {"engine_kwargs": {"options": {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False}}} if engine == "xlsxwriter" else {}
    with pd.ExcelWriter(path, engine=engine, **kwargs) as xw:
        for name, frame in sheets.items():
            safe = neutralise_formulas(frame)
            safe.to_excel(xw, sheet_name=name, index=False)
            _lay_out(xw.sheets[name], engine, len(safe), column_widths(safe))
        if engine == "openpyxl":
            _openpyxl_text_only(xw.book)
    return path


def display_width(value: Any, cap: int = MAX_WIDTH) -> int:
    """How many characters wide a value shows: its longest line, East Asian wide characters counting two.

    Counting stops at ``cap`` (a long text costs no more than a short one).

    >>> display_width("abc"), display_width("主体甲 Party A"), display_width("ab\\n主体甲"), display_width(12.5), display_width(None)
    (3, 14, 6, 4, 0)
    """
    if value is None or (isinstance(value, float) and value != value):
        return 0
    best = 0
    for line in str(value).splitlines() or [""]:
        w = 0
        for ch in line:
            w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
            if w >= cap:
                return cap
        best = max(best, w)
    return best


def column_widths(frame: pd.DataFrame) -> list[int]:
    """A width per column: the widest of its header and its first :data:`WIDTH_SAMPLE` cells, plus a margin,
    between :data:`MIN_WIDTH` and :data:`MAX_WIDTH`.

    >>> column_widths(pd.DataFrame({"#": [1, 2], "名称 Name": ["甲公司", "一家名字很长很长很长很长很长很长很长很长很长很长很长很长很长的公司"]}))
    [6, 60]
    """
    out = []
    for i, c in enumerate(frame.columns):
        cells = frame.iloc[:WIDTH_SAMPLE, i].tolist()
        w = max([display_width(c)] + [display_width(v) for v in cells])
        out.append(max(MIN_WIDTH, min(MAX_WIDTH, w + 2)))
    return out


def _lay_out(ws, engine: str, rows: int, widths: list[int]) -> None:
    """Freeze the header row, put an autofilter over header and rows, and set the column widths."""
    if engine == "xlsxwriter":
        ws.freeze_panes(1, 0)
        if widths:
            ws.autofilter(0, 0, rows, len(widths) - 1)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        return
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if widths:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{rows + 1}"
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _openpyxl_text_only(book) -> None:
    """openpyxl takes any text starting with ``=`` as a formula: store such cells as text."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"

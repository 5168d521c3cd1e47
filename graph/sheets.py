"""Spreadsheet-safe writers: CSV and XLSX whose cells never run as formulas (OWASP CSV injection).

A text cell that starts with ``= + - @``, a tab or a carriage return (also the full-width
``＝ ＋ － ＠``, and after leading blanks) gets a leading ``'``; numbers stay numbers, and the XLSX
writer is told never to turn a string into a formula or a link. Used by the analyses' exports
(:mod:`queries.export`) and the ETL's reject reports (:mod:`etl.report`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

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
            neutralise_formulas(frame).to_excel(xw, sheet_name=name, index=False)
        if engine == "openpyxl":
            _openpyxl_text_only(xw.book)
    return path


def _openpyxl_text_only(book) -> None:
    """openpyxl takes any text starting with ``=`` as a formula: store such cells as text."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"

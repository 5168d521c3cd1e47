"""The reject report: every row that did not load, with file, row, column, value and reason.

Rows are collected as frames (vectorised), written as CSV (UTF-8 with BOM, so
Excel opens Chinese text correctly) and Parquet at the end of a run. The CSV is
meant for a spreadsheet: source values that would run as a formula there
(``=1+2``, ``@SUM(…)``, …) get a leading ``'`` (OWASP CSV injection). The
Parquet copy is for programs (pandas, DuckDB, …), which never evaluate a cell,
so it keeps every value exactly as read.
``severity`` is ``rejected`` (the row did not load), ``superseded`` (a
duplicate within the batch; a later row won) or ``note`` (loaded, with a
remark, e.g. a legacy code kept as an alternative key).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ["file", "row", "table", "column", "value", "reason", "severity"]


class RejectReport:
    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, frame: pd.DataFrame, mask, column: str, reason, value_col: str | None = None,
            table: str = "", severity: str = "rejected") -> None:
        """Record the rows of ``frame`` selected by ``mask`` (needs ``_file`` and ``_row``)."""
        sel = frame[mask] if mask is not None else frame
        if sel.empty:
            return
        vc = value_col or column
        value = sel[vc].astype("string") if vc in sel.columns else pd.Series(pd.NA, index=sel.index, dtype="string")
        self._parts.append(pd.DataFrame({
            "file": sel["_file"].astype("string"),
            "row": sel["_row"].astype("Int64"),
            "table": table,
            "column": column,
            "value": value.str.slice(0, 200),
            "reason": reason if isinstance(reason, str) else pd.Series(reason, index=frame.index)[mask],
            "severity": severity,
        }))

    def add_file(self, file: str, reason: str, table: str = "", column: str = "", row: int | None = None) -> None:
        """A problem with a whole file (unreadable, missing column, truncated line)."""
        self._parts.append(pd.DataFrame([{"file": file, "row": row, "table": table, "column": column,
                                          "value": None, "reason": reason, "severity": "rejected"}]))

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})
        df = pd.concat(self._parts, ignore_index=True)[COLUMNS]
        df["row"] = df["row"].astype("Int64")
        for c in ("file", "table", "column", "value", "reason", "severity"):
            df[c] = df[c].astype("string")
        return df.sort_values(["file", "row", "column"], kind="stable", na_position="first").reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        df = self.frame()
        return {s: int((df["severity"] == s).sum()) for s in ("rejected", "superseded", "note")}

    def top_reasons(self, n: int = 5, severity: str = "rejected") -> list[dict]:
        """The ``n`` commonest (table, column, reason) of one severity, with counts (:func:`top_reasons`)."""
        return top_reasons(self.frame(), n, severity)

    def rejected_rows(self) -> int:
        """Distinct source rows that did not load."""
        df = self.frame()
        df = df[df["severity"] == "rejected"]
        return int(df[["file", "row"]].drop_duplicates().shape[0])

    def write(self, folder: Path) -> dict[str, str]:
        folder.mkdir(parents=True, exist_ok=True)
        df = self.frame()
        csv, parquet = folder / "rejects.csv", folder / "rejects.parquet"
        from creditgraph.graph.sheets import write_csv  # formulas neutralised: the CSV is opened in spreadsheets

        write_csv(df, csv)
        df.to_parquet(parquet, index=False)
        return {"csv": str(csv), "parquet": str(parquet)}


def top_reasons(frame: pd.DataFrame, n: int = 5, severity: str = "rejected") -> list[dict]:
    """The ``n`` commonest (table, column, reason) among a reject report's rows of one severity, commonest
    first (ties by table, column and reason): ``[{table, column, reason, count}]``.

    One ``value_counts`` over the report, so a run's summary can say why rows did not load without anyone
    opening ``rejects.csv``. ``frame``: :meth:`RejectReport.frame` or a written ``rejects.parquet``.
    """
    df = frame.loc[frame["severity"] == severity, ["table", "column", "reason"]].astype("string").fillna("")
    if df.empty:
        return []
    vc = df.value_counts(sort=False).rename("count").reset_index()
    vc = vc.sort_values(["count", "table", "column", "reason"], ascending=[False, True, True, True], kind="stable")
    return [{"table": str(t), "column": str(c), "reason": str(r), "count": int(k)}
            for t, c, r, k in vc.head(n).itertuples(index=False)]

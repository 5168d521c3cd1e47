"""What the profile page adds beside the profile itself: the enterprise's public credit grade of the
graph version read (app/grades.py) and its credit report as PDF bytes (app/report.py)."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd

from creditgraph.app import grades
from creditgraph.app.common import settings
from creditgraph.queries.grade import explain

REASON_HEADERS = {"code": "代码 Code", "label": "原因 Reason", "points": "分值 Points", "detail": "依据 Detail"}


def grade_of(uid: str, version: str) -> tuple[dict, str] | None:
    """The grade row of ``uid`` in this version's grades (else the newest grades, with a note saying so);
    None when no grades exist or the party is not graded."""
    s = settings()
    note = ""
    try:
        df = grades.read_grades(s, version, uids=[uid])
    except FileNotFoundError:
        try:
            df = grades.read_grades(s, None, uids=[uid])
        except FileNotFoundError:
            return None
        note = df.attrs.get("note", "")
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["version"] = df.attrs.get("version", version)
    return row, note


def grade_reasons(row: dict) -> pd.DataFrame:
    """The grade's reasons, largest effect first, with bilingual headers."""
    df = explain(row)
    df = df.iloc[df["points"].abs().sort_values(ascending=False, kind="stable").index]
    return df.rename(columns=REASON_HEADERS)


def report_pdf(store, uid: str, version: str, as_of: dt.date | None = None) -> bytes:
    """The party's credit report printed to PDF (names masked per the export setting)."""
    from creditgraph.app.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        out = write_report(store, uid, Path(tmp) / "report.pdf", names_masked=settings().export_person_names == "masked",
                           version=version, as_of=as_of)
        return out.read_bytes()

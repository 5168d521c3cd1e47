"""Credit commitments (信用承诺) and red-list entries (红名单) recorded by staff, not delivered by an extract.

A staff record is one canonical row (etl/canonical.py) applied as an incremental refresh under the
``staff`` profile: it is validated, resolved and written exactly as an extract's row would be (a breached
or false commitment becomes its commitment_breach event), published as a new graph version, and kept
under its own source, so a full snapshot of the registry's tables never deletes it. Each row is also
appended to ``casework/staff/<table>.csv``: the staff extract, which reloads every staff record
(``creditgraph load <that folder> --profile staff``). Every record is audited; a rejected row changes
nothing and says why.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

from creditgraph.app.audit import audit_event
from creditgraph.etl.canonical import TABLES
from creditgraph.etl.casework import CaseError, casework_dir

STAFF_TABLES = ("commitments", "red_lists")
PREFIX = {"commitments": "CM", "red_lists": "RL"}


def staff_dir(settings) -> Path:
    return casework_dir(settings) / "staff"


def _row_text(table: str, row: dict[str, Any], header: bool) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(TABLES[table].fields), extrasaction="raise", lineterminator="\n")
    if header:
        w.writeheader()
    w.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def _next_record_id(settings, table: str) -> str:
    path = staff_dir(settings) / f"{table}.csv"
    n = sum(1 for _ in path.open(encoding="utf-8")) if path.exists() else 1  # the header counts as the first
    return f"STAFF-{PREFIX[table]}-{dt.date.today():%Y%m%d}-{n:05d}"


def previous_row(settings, table: str, record_id: str) -> dict[str, str]:
    """The last row staff recorded for ``record_id`` (CaseError when staff never recorded it)."""
    path = staff_dir(settings) / f"{table}.csv"
    rows = [r for r in csv.DictReader(path.open(encoding="utf-8"))] if path.exists() else []
    mine = [r for r in rows if r["record_id"] == record_id]
    if not mine:
        raise CaseError(f"{record_id!r} is not a {table} record staff entered here; the registry's records change "
                        "through its extracts")
    return {k: v for k, v in mine[-1].items() if v not in (None, "") and k not in ("change_flag", "updated_at")}


def record(settings, who: dict[str, str] | str, table: str, fields: dict[str, Any]) -> dict:
    """Validate and write one staff row of ``table`` (``commitments`` or ``red_lists``); returns the record's
    uid, the graph version and the changes. ``fields`` use the canonical field names; ``record_id`` given
    updates that staff record (e.g. a commitment verified as breached: the fields given replace those of
    its last row), absent makes a new one."""
    from creditgraph.app.cli_summary import refresh_reasons
    from creditgraph.etl.refresh import run_refresh

    if table not in STAFF_TABLES:
        raise CaseError(f"staff record a table of {STAFF_TABLES}, not {table!r}")
    unknown = sorted(set(fields) - set(TABLES[table].fields))
    if unknown:
        raise CaseError(f"{table} has no field {unknown[0]!r}; fields: {sorted(TABLES[table].fields)}")
    who = {"user": who} if isinstance(who, str) else dict(who)
    earlier = previous_row(settings, table, fields["record_id"]) if fields.get("record_id") else {}
    row = {**earlier, **fields, "record_id": fields.get("record_id") or _next_record_id(settings, table),
           "change_flag": "u" if earlier else "i", "updated_at": dt.datetime.now().isoformat(timespec="seconds")}
    out: dict[str, Any] = {"table": table, "record_id": row["record_id"], **who}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / f"{table}.csv").write_text(_row_text(table, row, header=True), encoding="utf-8")
            rep = run_refresh(tmp, "staff", settings, mode="incremental")
        if rep.rejects.get("rejected"):
            why = "; ".join(f"{r.get('column')}: {r.get('reason')}" for r in refresh_reasons(rep)[:3])
            raise CaseError(f"the {table} row was rejected, nothing recorded: {why}")
        path = staff_dir(settings) / f"{table}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(_row_text(table, row, header=not path.exists() or path.stat().st_size == 0))
        changed = sum(v.get(k, 0) for v in rep.graph.values() for k in ("inserted", "updated", "closed"))
        out.update(version=rep.version.get("new"), changes=changed + sum(rep.deleted.values()),
                   published=rep.published, uid=f"{PREFIX[table]}:{row['record_id']}")
        return out
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
        raise
    finally:
        audit_event(settings, f"staff_record_{table}", **out)

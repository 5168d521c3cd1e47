"""Objections and credit repairs as staff actions: check the record, record the step in the ledger
(etl/casework.py), write its marks into the graph as a new version, audit it. The command line
(app/cli_casework.py) and the app's casework page (app/views/casework.py) both call these.

Every step writes one audit line (``casework_<step>``) with the case, the record, who and why,
whatever its outcome; a refused step changes neither the ledger nor the graph.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from creditgraph.app.audit import audit_event
from creditgraph.etl import casework as cw
from creditgraph.graph.store import open_store

CaseError = cw.CaseError


def record_exists(settings, record: str) -> dict:
    """The stored record (kind, status, subject name) or a CaseError naming what was asked for."""
    with open_store(settings, read_only=True) as store:
        df = store.nodes_by("PenaltyEvent", "uid", [record], ["kind", "status", "subject_name", "decided"])
    if df.empty:
        raise CaseError(f"no penalty or list record {record!r} in the graph (a uid such as AP:2023-001)")
    return df.iloc[0].to_dict()


Who = str | dict[str, str]  # a user name, or the audit's who-fields (user, role, mode, via)


def _who(who: Who) -> dict[str, str]:
    return {"user": who} if isinstance(who, str) else dict(who)


def _step(settings, who: Who, event: str, action: Callable[[], dict], **fields: Any) -> dict:
    """Run one ledger step, publish its marks, audit the outcome; returns the case with ``published``."""
    out: dict[str, Any] = {**fields, **_who(who)}
    try:
        case = action()
        out.update(case=case["id"], record=case["record"], state=case["state"])
        case["published"] = cw.publish_marks(settings, [case["record"]], f"casework {case['id']} {case['state']}")
        out.update(version=case["published"]["version"], changes=case["published"]["changes"])
        return case
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
        raise
    finally:
        audit_event(settings, event, **out)


def file_objection(settings, who: Who, record: str, reason: str, on_behalf_of: str | None = None,
                   filed: str | None = None) -> dict:
    def act() -> dict:
        record_exists(settings, record)
        return cw.file_objection(settings, record, _who(who)["user"], reason, on_behalf_of, filed)
    return _step(settings, who, "casework_objection_filed", act, record=record, reason=reason)


def review_objection(settings, who: Who, case_id: str, outcome: str, reason: str,
                     corrections: dict | None = None, day: str | None = None) -> dict:
    return _step(settings, who, "casework_objection_reviewed",
                 lambda: cw.review_objection(settings, case_id, outcome, _who(who)["user"], reason, corrections, day),
                 case=case_id, outcome=outcome, reason=reason, corrections=corrections)


def request_repair(settings, who: Who, record: str, reason: str, conditions: list[str] | None = None,
                   day: str | None = None) -> dict:
    def act() -> dict:
        record_exists(settings, record)
        return cw.request_repair(settings, record, _who(who)["user"], reason, conditions, day)
    return _step(settings, who, "casework_repair_requested", act, record=record, reason=reason)


def decide_repair(settings, who: Who, case_id: str, decision: str, reason: str,
                  conditions_met: list[str] | None = None, day: str | None = None) -> dict:
    return _step(settings, who, f"casework_repair_{decision}",
                 lambda: cw.decide_repair(settings, case_id, decision, _who(who)["user"], reason, conditions_met, day),
                 case=case_id, reason=reason)


def regrade_in_background(settings) -> threading.Thread:
    """Grade the version a step published, in a thread (the app's page does not wait for it; the profile
    shows the previous version's grades, saying so, until it is done)."""
    def run() -> None:
        from creditgraph.app.grades import compute_and_save

        with open_store(settings, read_only=True) as store:
            compute_and_save(settings, store)

    t = threading.Thread(target=run, name="creditgraph-regrade", daemon=True)
    t.start()
    return t


def sync(settings, who: Who) -> dict:
    """Write every case's marks again (after a step whose publish failed, e.g. a held lock)."""
    records = sorted({c["record"] for c in cw.read_cases(settings).values()})
    out: dict[str, Any] = {"records": len(records), **_who(who)}
    try:
        if records:
            out.update(cw.publish_marks(settings, records, "casework sync"))
        return out
    finally:
        audit_event(settings, "casework_sync", **out)

"""Casework on records: objections (异议处理) and credit repairs (信用修复) worked in the tool.

The **ledger** (``casework/cases.json`` beside the runs folder, or ``CREDITGRAPH_CASEWORK_DIR``) is the
source of truth: one entry per case, every step with who, when and why. A case changes properties of
the PenaltyEvent it names (its *marks*), and :func:`overlay` is the one function that computes them:

* an **open objection**: ``status`` becomes ``disputed`` (never ``active``, so every punishment use —
  risk lists, grade, alerts — leaves the record out), the status the record would otherwise have waits
  in ``prior_status``, and ``objection`` names the case;
* its review: **withdrawn** gives the record back its status; **upheld** withdraws the record
  (``withdrawn``, removed on the review day, with the reason); **corrected** applies the corrected fields
  (e.g. the amount) and gives the status back;
* a **granted repair**: ``repaired``, removed on the grant day, with the reason — exactly what a repair
  arriving in an extract gives (etl.transform derives ``repaired`` from a removal reason naming 修复).

Marks survive refreshes: a load or refresh passes every penalty frame through :func:`overlay_batch`, so
a record re-delivered as ``active`` while under objection stays ``disputed``. A staff action writes its
marks as a new graph version (:func:`publish_marks`: the refresh's all-or-nothing path). Cases are few
(thousands), so the ledger is a JSON file written atomically under a lock.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from creditgraph.graph.config import Settings
from creditgraph.graph.store import isin

OBJECTION_OUTCOMES = ("upheld", "corrected", "withdrawn")
REPAIR_DECISIONS = ("granted", "rejected")
#: PenaltyEvent fields a corrected objection may change (not kind or record id: they make the uid)
CORRECTABLE = ("doc_no", "decided", "reason", "result", "amount", "authority", "region")
#: working days an objection may stay open before it shows as overdue (setting ``[casework] objection_days``)
OBJECTION_DAYS = 15
MARKED = ("status", "prior_status", "objection", "removed", "removal_reason")
DISPUTED = "disputed"
REPAIR_PREFIX = "信用修复："
UPHELD_PREFIX = "异议成立："


class CaseError(ValueError):
    """A casework step that cannot be taken (unknown case, wrong state, bad field)."""


# --- the ledger ---------------------------------------------------------------------
def casework_dir(settings: Settings) -> Path:
    env = os.environ.get("CREDITGRAPH_CASEWORK_DIR")
    if env:
        return Path(env)
    from creditgraph.etl.pipeline import runs_dir

    return runs_dir(settings).with_name("casework")


def objection_days(settings: Settings) -> int:
    return int((settings.raw or {}).get("casework", {}).get("objection_days", OBJECTION_DAYS))


def read_cases(settings: Settings) -> dict[str, dict]:
    path = casework_dir(settings) / "cases.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@contextmanager
def _ledger(settings: Settings) -> Iterator[dict[str, dict]]:
    """The cases, locked against other writers; written back atomically when the block ends cleanly."""
    folder = casework_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "cases.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        cases = read_cases(settings)
        yield cases
        tmp = folder / "cases.json.tmp"
        tmp.write_text(json.dumps(cases, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, folder / "cases.json")


def _today(day: str | dt.date | None) -> str:
    return (pd.Timestamp(day).date() if day else dt.date.today()).isoformat()


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _next_id(cases: dict, prefix: str) -> str:
    n = sum(1 for k in cases if k.startswith(prefix)) + 1
    return f"{prefix}-{n:06d}"


def _text(value: str | None, what: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise CaseError(f"{what} is required")
    if len(text) > 2000:
        raise CaseError(f"{what} is longer than 2,000 characters")
    return text


def _open_case(cases: dict, record: str, kind: str, states: tuple[str, ...]) -> str | None:
    return next((cid for cid, c in cases.items() if c["record"] == record and c["kind"] == kind and c["state"] in states), None)


def file_objection(settings: Settings, record: str, by: str, reason: str, on_behalf_of: str | None = None,
                   filed: str | dt.date | None = None) -> dict:
    """Open an objection against a record (a PenaltyEvent uid); one open objection per record."""
    with _ledger(settings) as cases:
        if (cid := _open_case(cases, record, "objection", ("open",))):
            raise CaseError(f"{record} already has an open objection ({cid})")
        day = _today(filed)
        deadline = np.busday_offset(np.datetime64(day), objection_days(settings), roll="forward")
        case: dict[str, Any] = {"id": _next_id(cases, "OBJ"), "kind": "objection", "record": record, "state": "open",
                "filed": day, "deadline": str(deadline), "reason": _text(reason, "the objection's reason"),
                "on_behalf_of": on_behalf_of, "steps": [{"step": "filed", "by": by, "at": _now(), "day": day}]}
        cases[case["id"]] = case
    return case


def review_objection(settings: Settings, case_id: str, outcome: str, by: str, reason: str,
                     corrections: dict[str, Any] | None = None, day: str | dt.date | None = None) -> dict:
    """Close an open objection: ``upheld``, ``corrected`` (with ``corrections``) or ``withdrawn``."""
    if outcome not in OBJECTION_OUTCOMES:
        raise CaseError(f"outcome must be one of {OBJECTION_OUTCOMES}, not {outcome!r}")
    corrections = dict(corrections or {})
    bad = sorted(set(corrections) - set(CORRECTABLE))
    if bad:
        raise CaseError(f"fields {bad} cannot be corrected; correctable: {list(CORRECTABLE)}")
    corrections = {f: _corrected_value(f, v) for f, v in corrections.items()}
    if outcome == "corrected" and not corrections:
        raise CaseError("a corrected objection names the corrected fields (field=value)")
    with _ledger(settings) as cases:
        case = _case(cases, case_id, "objection")
        if case["state"] != "open":
            raise CaseError(f"{case_id} is {case['state']}, not open")
        case.update(state=outcome, reviewed=_today(day), review_reason=_text(reason, "the review's reason"),
                    corrections=corrections or None)
        case["steps"].append({"step": outcome, "by": by, "at": _now(), "day": case["reviewed"]})
    return case


def _corrected_value(field: str, value: Any) -> Any:
    """A corrected field's value as the model types it (JSON-friendly: a number, or ISO text for a date)."""
    from creditgraph.graph.model import MODEL

    ptype = MODEL.node("PenaltyEvent").properties[field].type
    text = str(value).strip()
    try:
        if ptype == "DOUBLE":
            return float(text.replace(",", ""))
        if ptype == "DATE":
            return pd.Timestamp(text).date().isoformat()
    except (ValueError, TypeError):
        raise CaseError(f"{field}: {text[:40]!r} is not a {'number' if ptype == 'DOUBLE' else 'date'}") from None
    return _text(text, field)


def request_repair(settings: Settings, record: str, by: str, reason: str, conditions: list[str] | None = None,
                   day: str | dt.date | None = None) -> dict:
    """Ask for a credit repair of a record; staff confirm its conditions when they grant it."""
    with _ledger(settings) as cases:
        if (cid := _open_case(cases, record, "repair", ("requested", "granted"))):
            raise CaseError(f"{record} already has a repair case ({cid}, {cases[cid]['state']})")
        case: dict[str, Any] = {"id": _next_id(cases, "REP"), "kind": "repair", "record": record, "state": "requested",
                "requested": _today(day), "reason": _text(reason, "the repair's reason"),
                "conditions": [c for c in (conditions or []) if str(c).strip()],
                "steps": [{"step": "requested", "by": by, "at": _now(), "day": _today(day)}]}
        cases[case["id"]] = case
    return case


def decide_repair(settings: Settings, case_id: str, decision: str, by: str, reason: str,
                  conditions_met: list[str] | None = None, day: str | dt.date | None = None) -> dict:
    """Grant or reject a requested repair; a grant records the conditions the staff confirmed."""
    if decision not in REPAIR_DECISIONS:
        raise CaseError(f"decision must be one of {REPAIR_DECISIONS}, not {decision!r}")
    with _ledger(settings) as cases:
        case = _case(cases, case_id, "repair")
        if case["state"] != "requested":
            raise CaseError(f"{case_id} is {case['state']}, not requested")
        missing = sorted(set(case["conditions"]) - set(conditions_met or [])) if decision == "granted" else []
        if missing:
            raise CaseError(f"conditions not confirmed: {missing}")
        case.update(state=decision, decided=_today(day), decision_reason=_text(reason, "the decision's reason"),
                    conditions_met=list(conditions_met or []))
        case["steps"].append({"step": decision, "by": by, "at": _now(), "day": case["decided"]})
    return case


def _case(cases: dict, case_id: str, kind: str) -> dict:
    case = cases.get(case_id)
    if case is None or case["kind"] != kind:
        raise CaseError(f"no {kind} case {case_id!r}")
    return case


def list_cases(settings: Settings, kind: str | None = None, state: str | None = None,
               today: str | dt.date | None = None) -> pd.DataFrame:
    """The cases as a table, newest first; an open objection past its deadline is ``overdue``."""
    rows = [c for c in read_cases(settings).values() if (kind is None or c["kind"] == kind)
            and (state is None or c["state"] == state)]
    cols = ["id", "kind", "record", "state", "filed", "requested", "deadline", "reason", "overdue", "last_step", "last_by"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows).reindex(columns=[*cols, "steps"])
    df["last_step"] = [s[-1]["step"] for s in df["steps"]]
    df["last_by"] = [s[-1]["by"] for s in df["steps"]]
    deadline = pd.to_datetime(df["deadline"], errors="coerce")
    df["overdue"] = (df["state"] == "open") & (deadline < pd.Timestamp(_today(today))).fillna(False)
    return df.drop(columns="steps").sort_values("id", ascending=False, ignore_index=True)


# --- marks --------------------------------------------------------------------------
def overlay(events: pd.DataFrame, cases: dict[str, dict]) -> pd.DataFrame:
    """Apply the cases' marks to penalty rows as delivered (``uid``, ``status``, ``removed``, …).

    Returns a copy with the marked columns (``MARKED``, plus corrected fields) set; rows without a case
    get ``objection`` and ``prior_status`` null. Cost: O(rows + cases).
    """
    out = events.copy()
    for col in MARKED:
        if col not in out.columns:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["objection"] = pd.NA
    out["prior_status"] = pd.NA
    records = {c["record"] for c in cases.values()}
    present = set(out["uid"][isin(out["uid"], pd.Series(sorted(records), dtype="string"))]) if records else set()
    mine = [c for c in cases.values() if c["record"] in present]  # the batch's rows read once, not once per case
    if not mine:
        return out
    pos = pd.Series(np.arange(len(out)), index=out["uid"].to_numpy())
    pos = pos[~pos.index.duplicated(keep="last")]
    for c in sorted(mine, key=lambda c: c["id"]):  # a case at a time: the cases of this batch, not its rows
        i = int(pos[c["record"]])
        if c["kind"] == "objection" and c["state"] == "corrected":
            for f, v in (c.get("corrections") or {}).items():
                out.iat[i, out.columns.get_loc(f)] = pd.Timestamp(v) if f == "decided" else v
        elif c["kind"] == "objection" and c["state"] == "upheld":
            _remove(out, i, "withdrawn", c["reviewed"], UPHELD_PREFIX + c["review_reason"])
        elif c["kind"] == "repair" and c["state"] == "granted":
            reason = c["decision_reason"]
            _remove(out, i, "repaired", c["decided"], reason if "修复" in reason else REPAIR_PREFIX + reason)
    for c in mine:  # an open objection holds whatever status the record has otherwise
        if c["kind"] == "objection" and c["state"] == "open":
            i = int(pos[c["record"]])
            out.iat[i, out.columns.get_loc("prior_status")] = out.iat[i, out.columns.get_loc("status")]
            out.iat[i, out.columns.get_loc("status")] = DISPUTED
            out.iat[i, out.columns.get_loc("objection")] = c["id"]
    return out


def _remove(out: pd.DataFrame, i: int, status: str, day: str, reason: str) -> None:
    out.iat[i, out.columns.get_loc("status")] = status
    out.iat[i, out.columns.get_loc("removed")] = pd.Timestamp(day)
    out.iat[i, out.columns.get_loc("removal_reason")] = reason


def overlay_batch(batch, settings: Settings) -> None:
    """Pass every PenaltyEvent frame of a load's or refresh's batch through :func:`overlay` (in place)."""
    cases = read_cases(settings)
    frames = batch.nodes.get("PenaltyEvent", [])
    if not cases or not frames:
        return
    batch.nodes["PenaltyEvent"] = [overlay(f, cases) for f in frames]
    batch._merged.pop("PenaltyEvent", None)


def as_delivered(stored: pd.DataFrame) -> pd.DataFrame:
    """Stored penalty rows with the status they would have without an open objection."""
    out = stored.copy()
    held = out["status"].eq(DISPUTED).fillna(False).to_numpy() & out["prior_status"].notna().to_numpy()
    out.loc[held, "status"] = out.loc[held, "prior_status"]
    return out


# --- writing a staff action into the graph ---------------------------------------------
STORED = ("uid", *MARKED, *CORRECTABLE)


def plan_marks(store, records: list[str], cases: dict[str, dict]):
    """The change set that brings the stored records' marks in line with the ledger."""
    from creditgraph.etl.build import GraphBatch
    from creditgraph.etl.graphdiff import diff_batch, fetch_nodes

    label = "PenaltyEvent"
    cols = [c for c in store.model.node(label).properties if c != "uid"]
    stored = fetch_nodes(store, label, pd.Series(sorted(set(records)), dtype="string"), cols)
    missing = sorted(set(records) - set(stored["uid"]))
    if missing:
        raise CaseError(f"no penalty or list record {missing[0]!r} in the graph")
    batch = GraphBatch()
    batch.add_nodes(label, overlay(as_delivered(stored), cases))
    return diff_batch(store, batch)


def publish_marks(settings: Settings, records: list[str], what: str) -> dict:
    """Write the ledger's marks on ``records`` as a new graph version (the refresh's all-or-nothing path,
    its lock included); returns the version and the number of changes. Nothing changed: no new version."""
    from creditgraph.etl.joblog import JobLog
    from creditgraph.etl.pipeline import new_run_id, runs_dir
    from creditgraph.etl.refresh import _lock, _Run, _write_manifest, write_version

    started = dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(started)
    run = _Run(JobLog(run_id, "casework", None), None)
    cases = read_cases(settings)
    with _lock(settings):
        _, cs, version, published = write_version(settings, lambda store: (None, plan_marks(store, records, cases)),
                                                   run, run_id)
    if published:
        _write_manifest(runs_dir(settings) / run_id, {
            "run_id": run_id, "kind": "casework", "status": "refreshed", "store": settings.store,
            "started": started.isoformat(), "finished": dt.datetime.now(dt.timezone.utc).isoformat(),
            "source": what, "changes": cs.total, "version": version, "published": True,
            "counts": run.counts, "timings": run.timings})
    run.log.close()
    return {"version": version["new"], "changes": cs.total, "published": published}

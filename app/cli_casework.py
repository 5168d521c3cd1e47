"""``creditgraph objection …`` and ``creditgraph repair …``: objections (异议处理) and credit repairs
(信用修复) worked by staff with the ``casework`` permission (supervisor, admin). Each step is kept in
the casework ledger, written into the graph as a new version and audited (app/casework.py).

Exit codes: 0 done, 1 the step was refused (unknown record or case, wrong state; nothing changed),
2 bad input, 75 a load or refresh holds the lock (the step is recorded: ``creditgraph casework sync``
writes it once the lock is free), 77 sign-in refused or role without ``casework``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from creditgraph.app.cli_summary import console

objection_app = typer.Typer(help="objections (异议处理): file, review, list", no_args_is_help=True)
repair_app = typer.Typer(help="credit repairs (信用修复): request, grant, reject, list", no_args_is_help=True)
casework_app = typer.Typer(help="the casework ledger", no_args_is_help=True)
commitment_app = typer.Typer(help="credit commitments (信用承诺) recorded by staff", no_args_is_help=True)
redlist_app = typer.Typer(help="red-list entries (红名单, 守信激励) recorded by staff", no_args_is_help=True)

DbOpt = Annotated[Optional[Path], typer.Option("--db", help="embedded store folder (default ./data/graph or CREDITGRAPH_DB)")]
Neo4jOpt = Annotated[bool, typer.Option("--neo4j", help="use the Neo4j store")]
DayOpt = Annotated[Optional[str], typer.Option("--day", help="the step's date (YYYY-MM-DD; default today)")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="why (kept in the ledger and the audit log)")]
NoGradeOpt = Annotated[bool, typer.Option("--no-grade", help="do not grade the version the step publishes")]


def _run(db, neo4j, step, *args, no_grade: bool = False, **kw) -> None:
    """Sign in with ``casework``, run a step of app/casework.py, print the case and grade the version it
    published (a disputed or repaired record changes grades; ``no_grade`` skips it)."""
    from creditgraph.app import casework
    from creditgraph.app.cli import fail, settings_for
    from creditgraph.app.cli_security import cli_user
    from creditgraph.graph.snapshots import Locked

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("casework",), local_actions=("casework",)).fields()
    try:
        case = getattr(casework, step)(settings, who, *args, **kw)
    except casework.CaseError as exc:
        fail(str(exc), 1)
    except Locked as exc:
        fail(f"{exc}; the step is recorded: run `creditgraph casework sync` afterwards", 75)
    pub = case.get("published") or {}
    console.print(f"{case['id']} {case['record']}: {case['state']} (graph version {pub.get('version')}, "
                  f"{pub.get('changes', 0)} changes)")
    if pub.get("published"):
        from types import SimpleNamespace

        from creditgraph.app.cli_grade import grade_after_publish

        grade_after_publish(settings, {}, SimpleNamespace(version={"old": None, "new": pub["version"]}), no_grade)


def _corrections(pairs: list[str]) -> dict:
    out = {}
    for p in pairs:
        field, sep, value = p.partition("=")
        if not sep or not field.strip():
            raise typer.BadParameter(f"{p!r}: write FIELD=VALUE, e.g. amount=2000")
        out[field.strip()] = value.strip()
    return out


@objection_app.command("file")
def objection_file(record: Annotated[str, typer.Argument(help="the disputed record's uid, e.g. AP:2023-001")],
                   reason: ReasonOpt, on_behalf_of: Annotated[Optional[str], typer.Option(
                       "--on-behalf-of", help="the subject that disputes it, when staff file for it")] = None,
                   day: DayOpt = None, no_grade: NoGradeOpt = False, db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """Dispute a record: it leaves every punishment use until the objection is reviewed."""
    _run(db, neo4j, "file_objection", record, reason, on_behalf_of, day, no_grade=no_grade)


@objection_app.command("review")
def objection_review(case: Annotated[str, typer.Argument(help="the objection, e.g. OBJ-000001")],
                     outcome: Annotated[str, typer.Option("--outcome", help="upheld | corrected | withdrawn")],
                     reason: ReasonOpt,
                     set_: Annotated[Optional[list[str]], typer.Option("--set", help="a corrected field, FIELD=VALUE "
                                                                      "(with --outcome corrected)")] = None,
                     day: DayOpt = None, no_grade: NoGradeOpt = False, db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """Close an objection: upheld withdraws the record, corrected changes its fields, withdrawn restores it."""
    _run(db, neo4j, "review_objection", case, outcome, reason, _corrections(set_ or []), day, no_grade=no_grade)


@repair_app.command("request")
def repair_request(record: Annotated[str, typer.Argument(help="the record to repair, e.g. AO:2022-17")],
                   reason: ReasonOpt,
                   condition: Annotated[Optional[list[str]], typer.Option("--condition", help="a condition staff must "
                                                                          "confirm (repeatable)")] = None,
                   day: DayOpt = None, db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """Ask for a credit repair of a penalty or list entry."""
    _run(db, neo4j, "request_repair", record, reason, condition or [], day, no_grade=True)


@repair_app.command("grant")
def repair_grant(case: Annotated[str, typer.Argument(help="the repair case, e.g. REP-000001")], reason: ReasonOpt,
                 confirm: Annotated[Optional[list[str]], typer.Option("--confirm", help="a condition confirmed "
                                                                      "(each of the request's, repeatable)")] = None,
                 day: DayOpt = None, no_grade: NoGradeOpt = False, db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """Grant a repair: the record leaves punishment use and stays archived (status repaired)."""
    _run(db, neo4j, "decide_repair", case, "granted", reason, confirm or [], day, no_grade=no_grade)


@repair_app.command("reject")
def repair_reject(case: Annotated[str, typer.Argument(help="the repair case")], reason: ReasonOpt,
                  day: DayOpt = None, db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """Reject a repair request; the record stays as it is."""
    _run(db, neo4j, "decide_repair", case, "rejected", reason, None, day, no_grade=True)


def _list(kind: str, state: Optional[str], overdue: bool, as_json: bool, db, neo4j) -> None:
    from creditgraph.app.cli import settings_for
    from creditgraph.app.cli_security import require_cli
    from creditgraph.etl.casework import list_cases

    settings = settings_for(db, neo4j)
    require_cli(settings, "casework")
    df = list_cases(settings, kind, state)
    if overdue:
        df = df[df["overdue"]]
    if as_json:
        for r in df.to_dict("records"):
            print(json.dumps(r, ensure_ascii=False, default=str))
        return
    if df.empty:
        console.print(f"no {kind} cases")
    for r in df.to_dict("records"):
        due = f"  due {r['deadline']}{'  OVERDUE' if r['overdue'] else ''}" if kind == "objection" else ""
        console.print(f"{r['id']}  {r['record']}  {r['state']}{due}  {r['last_step']} by {r['last_by']}  {r['reason']}",
                      markup=False, soft_wrap=True)


StateOpt = Annotated[Optional[str], typer.Option("--state", help="only cases in this state")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON lines")]


@objection_app.command("list")
def objection_list(state: StateOpt = None, overdue: Annotated[bool, typer.Option(
                       "--overdue", help="only open objections past their time limit")] = False,
                   as_json: JsonOpt = False, db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """The objections, newest first, with their deadline (overdue ones marked)."""
    _list("objection", state, overdue, as_json, db, neo4j)


@repair_app.command("list")
def repair_list(state: StateOpt = None, as_json: JsonOpt = False, db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """The repair cases, newest first."""
    _list("repair", state, False, as_json, db, neo4j)


@casework_app.command("sync")
def casework_sync(db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """Write every case's marks into the graph again (after a step whose write was refused)."""
    from creditgraph.app import casework
    from creditgraph.app.cli import settings_for
    from creditgraph.app.cli_security import cli_user

    settings = settings_for(db, neo4j)
    out = casework.sync(settings, cli_user(settings, ("casework",), local_actions=("casework",)).fields())
    console.print(f"{out['records']} records; {out.get('changes', 0)} changes; graph version {out.get('version')}")


def _staff(db, neo4j, table: str, fields: dict, no_grade: bool) -> None:
    """Record one staff row (app/staff_records.py), print it and grade the version it published."""
    from types import SimpleNamespace

    from creditgraph.app import staff_records
    from creditgraph.app.cli import fail, settings_for
    from creditgraph.app.cli_grade import grade_after_publish
    from creditgraph.app.cli_security import cli_user
    from creditgraph.graph.snapshots import Locked

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("casework",), local_actions=("casework",)).fields()
    try:
        out = staff_records.record(settings, who, table, {k: v for k, v in fields.items() if v is not None})
    except staff_records.CaseError as exc:
        fail(str(exc), 1)
    except Locked as exc:
        fail(str(exc), 75)
    console.print(f"{out['uid']}: recorded (graph version {out['version']}, {out['changes']} changes)")
    if out["published"]:
        grade_after_publish(settings, {}, SimpleNamespace(version={"old": None, "new": out["version"]}), no_grade)


@commitment_app.command("record")
def commitment_record(
    subject: Annotated[Optional[str], typer.Option("--subject", help="the subject's USCC, registration number or "
                                                   "resident ID; required for a new commitment")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="approval_substitute | self_published | industry | "
                                                "repair (or 审批替代型 …); required for a new commitment")] = None,
    matter: Annotated[Optional[str], typer.Option("--matter", help="what was promised (承诺事项)")] = None,
    made: Annotated[Optional[str], typer.Option("--made", help="the day it was made, YYYY-MM-DD")] = None,
    deadline: Annotated[Optional[str], typer.Option("--deadline", help="the day it must be kept by")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="pending | kept | breached | false")] = None,
    verified: Annotated[Optional[str], typer.Option("--verified", help="the day staff checked it")] = None,
    authority: Annotated[Optional[str], typer.Option("--authority", help="the authority that took it")] = None,
    subject_name: Annotated[Optional[str], typer.Option("--subject-name", help="the subject's name")] = None,
    record_id: Annotated[Optional[str], typer.Option("--record-id", help="update this commitment (e.g. verified "
                                                     "as breached) instead of recording a new one")] = None,
    no_grade: NoGradeOpt = False, db: DbOpt = None, neo4j: Neo4jOpt = False,
) -> None:
    """Record a credit commitment, or its verification: a breached or false one is a dishonesty event."""
    _staff(db, neo4j, "commitments", {"subject_uscc": subject, "subject_name": subject_name, "kind": kind,
                                      "matter": matter, "made": made, "deadline": deadline, "status": status,
                                      "verified": verified, "authority": authority, "record_id": record_id}, no_grade)


@redlist_app.command("add")
def redlist_add(
    subject: Annotated[str, typer.Option("--subject", help="the subject's USCC, registration number or resident ID")],
    kind: Annotated[str, typer.Option("--kind", help="a_taxpayer | integrity_model | contract_abiding | other "
                                      "(or the list's Chinese name)")],
    entered: Annotated[str, typer.Option("--entered", help="the day it was listed, YYYY-MM-DD")],
    list_name: Annotated[Optional[str], typer.Option("--list-name", help="the list's name")] = None,
    authority: Annotated[Optional[str], typer.Option("--authority", help="the authority that listed it")] = None,
    subject_name: Annotated[Optional[str], typer.Option("--subject-name", help="the subject's name")] = None,
    no_grade: NoGradeOpt = False, db: DbOpt = None, neo4j: Neo4jOpt = False,
) -> None:
    """Put a subject on a red list (守信激励)."""
    _staff(db, neo4j, "red_lists", {"subject_uscc": subject, "subject_name": subject_name, "kind": kind,
                                    "entered": entered, "list_name": list_name, "authority": authority}, no_grade)


@redlist_app.command("remove")
def redlist_remove(
    record_id: Annotated[str, typer.Argument(help="the entry's record id (its uid without RL:)")],
    removed: Annotated[str, typer.Option("--removed", help="the day it leaves the list, YYYY-MM-DD")],
    no_grade: NoGradeOpt = False, db: DbOpt = None, neo4j: Neo4jOpt = False,
) -> None:
    """Take a staff-recorded entry off its red list (it stays in the archive, status removed)."""
    _staff(db, neo4j, "red_lists", {"record_id": record_id, "removed": removed, "status": "removed"}, no_grade)

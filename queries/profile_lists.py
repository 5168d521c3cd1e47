"""The list memberships and commitments of a credit profile (queries.profile): black and warning lists (among
the penalty events) beside red lists (守信激励, ``RedListEntry``), each with its colour, and credit commitments
(信用承诺, ``Commitment``) with whether they were kept.

>>> LIST_COLOR_OF["serious_illegal"], LIST_COLORS["red"], code_zh("commitment_kinds", "repair")
('black', '红名单', '信用修复型')
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from creditgraph.graph.model import MODEL
from creditgraph.graph.store import GraphStore, Rows
from creditgraph.queries._base import is_missing as _is_missing
from creditgraph.queries.profile_history import day_of, sort_rows

__all__ = ["LIST_COLOR_OF", "LIST_COLORS", "BROKEN", "code_zh", "lists_of", "commitments_of", "red_lists_of",
           "list_signals", "first_of_each"]

#: Which lists are red (守信激励), black (失信: joint punishment) or a warning (经营异常名录), by kind.
LIST_COLOR_OF = {"serious_illegal": "black", "dishonest_debtor": "black", "abnormal_operation": "warning"}
LIST_COLORS = {"red": "红名单", "black": "黑名单", "warning": "警示名单"}
#: Commitment statuses meaning the commitment was not kept (shown first).
BROKEN = ("breached", "false")


def code_zh(table: str, code: Any) -> str:
    """The Chinese label of a code of one of the model's code tables (the code itself when unknown).

    >>> code_zh("commitment_statuses", "false"), code_zh("red_list_kinds", "a_taxpayer"), code_zh("red_list_kinds", None)
    ('虚假承诺', '纳税信用A级纳税人', '')
    """
    if _is_missing(code):
        return ""
    return MODEL.codes.get(table, {}).get(str(code), {}).get("label_zh", str(code))


LIST_COLUMNS = ["list", "kind", "list_color", "list_color_zh", "listed", "removed", "status", "status_zh", "current",
                "reason", "removal_reason", "authority", "event_uid"]


def lists_of(pen: Rows, red: Rows | None = None) -> Rows:
    """List memberships: the black and warning lists among the penalties, then the red lists, each with its
    colour (``list_color``: red / black / warning, ``list_color_zh``)."""
    out = Rows(LIST_COLUMNS, types={"listed": "DATE", "removed": "DATE"})
    for p in pen:
        if p["is_list"]:
            color = LIST_COLOR_OF.get(p["kind"], "black")
            out.append({"list": p["kind_zh"], "kind": p["kind"], "list_color": color, "list_color_zh": LIST_COLORS[color],
                        "listed": p["decided"], "removed": p["removed"], "status": p["status"],
                        "status_zh": p["status_zh"], "current": p["active"], "reason": p["reason"],
                        "removal_reason": p["removal_reason"], "authority": p["authority"], "event_uid": p["uid"]})
    for r in red or ():
        named = not _is_missing(r["list_name"]) and r["list_name"] != ""
        out.append({"list": r["list_name"] if named else r["kind_zh"], "kind": r["kind"], "list_color": "red",
                    "list_color_zh": LIST_COLORS["red"], "listed": r["entered"], "removed": r["removed"],
                    "status": r["status"], "status_zh": r["status_zh"], "current": r["current"], "reason": None,
                    "removal_reason": None, "authority": r["authority"], "event_uid": r["uid"]})
    return out


COMMITMENT_COLUMNS = ["uid", "kind", "kind_zh", "matter", "made", "deadline", "status", "status_zh", "broken",
                      "verified", "authority", "region"]
RED_LIST_COLUMNS = ["uid", "kind", "kind_zh", "list_name", "entered", "removed", "status", "status_zh", "current",
                    "authority", "region"]


def first_of_each(rows: Rows) -> list[dict]:
    """The first row of each ``uid`` (a record read twice through two edges is one record)."""
    first: dict = {}
    for r in rows:
        first.setdefault(r["uid"], r)
    return list(first.values())


def commitments_of(store: GraphStore, uid: str) -> Rows:
    """The party's credit commitments: breached and false ones first, then the newest."""
    read = store.records("profile_commitments", {"uid": uid})
    rows = first_of_each(read)
    for r in rows:
        r["kind_zh"] = code_zh("commitment_kinds", r["kind"])
        r["status_zh"] = code_zh("commitment_statuses", r["status"])
        r["broken"] = r["status"] in BROKEN
        r["_made"] = day_of(r["made"])
    sort_rows(rows, [("broken", False), ("_made", False), ("uid", True)])
    return Rows(COMMITMENT_COLUMNS, ({c: r[c] for c in COMMITMENT_COLUMNS} for r in rows), read.types)


def red_lists_of(store: GraphStore, uid: str, day: dt.date) -> Rows:
    """The party's red-list entries, ``current`` on ``day`` (entered by then, not removed by then) first,
    then the newest."""
    read = store.records("profile_red_lists", {"uid": uid})
    rows = first_of_each(read)
    for r in rows:
        r["kind_zh"] = code_zh("red_list_kinds", r["kind"])
        r["status_zh"] = code_zh("penalty_statuses", r["status"])
        entered, removed = day_of(r["entered"]), day_of(r["removed"])
        r["current"] = ((entered is None or entered <= day) and (removed is None or removed > day)
                        and not (r["status"] == "removed" and removed is None))  # as red_black.red_list_current
        r["_entered"] = entered
    sort_rows(rows, [("current", False), ("_entered", False), ("uid", True)])
    return Rows(RED_LIST_COLUMNS, ({c: r[c] for c in RED_LIST_COLUMNS} for r in rows), read.types)


def list_signals(pen: Rows, red: Rows, commitments: Rows) -> list[dict]:
    """Signals of the lists and commitments: red-listed while black-listed, commitments not kept."""
    s: list[dict] = []
    black = [p for p in pen if p["active"] and LIST_COLOR_OF.get(p["kind"]) == "black"]
    current_red = [r for r in red if r["current"]]
    if black and current_red:
        s.append({"signal": "红黑名单冲突 red-listed while black-listed", "value": f"{len(current_red)} / {len(black)}",
                  "detail": "、".join(dict.fromkeys([*(r["kind_zh"] for r in current_red), *(b["kind_zh"] for b in black)])),
                  "source": "profile", "level": "high"})
    broken = [c for c in commitments if c["broken"]]
    if broken:
        s.append({"signal": "违背信用承诺 broken commitments", "value": f"{len(broken)} 条",
                  "detail": "、".join(dict.fromkeys(c["status_zh"] for c in broken)), "source": "profile", "level": "medium"})
    return s

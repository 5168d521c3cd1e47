"""The list memberships and commitments of a credit profile (queries.profile): black and warning lists (among
the penalty events) beside red lists (守信激励, ``RedListEntry``), each with its colour, and credit commitments
(信用承诺, ``Commitment``) with whether they were kept.

>>> LIST_COLOR_OF["serious_illegal"], LIST_COLORS["red"], code_zh("commitment_kinds", "repair")
('black', '红名单', '信用修复型')
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from creditgraph.graph.model import MODEL
from creditgraph.graph.store import GraphStore
from creditgraph.queries._base import is_missing as _is_missing
from creditgraph.queries.red_black import red_list_current

__all__ = ["LIST_COLOR_OF", "LIST_COLORS", "BROKEN", "code_zh", "lists_of", "commitments_of", "red_lists_of",
           "list_signals"]

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


def lists_of(pen: pd.DataFrame, red: pd.DataFrame | None = None) -> pd.DataFrame:
    """List memberships: the black and warning lists among the penalties, then the red lists, each with its
    colour (``list_color``: red / black / warning, ``list_color_zh``)."""
    frames = []
    if not pen.empty:
        lst = pen[pen["is_list"]]
        color = lst["kind"].map(LIST_COLOR_OF).fillna("black")
        frames.append(pd.DataFrame({
            "list": lst["kind_zh"], "kind": lst["kind"], "list_color": color, "list_color_zh": color.map(LIST_COLORS),
            "listed": lst["decided"], "removed": lst["removed"], "status": lst["status"], "status_zh": lst["status_zh"],
            "current": lst["active"], "reason": lst["reason"], "removal_reason": lst["removal_reason"],
            "authority": lst["authority"], "event_uid": lst["uid"],
        }, columns=LIST_COLUMNS))
    if red is not None and len(red):
        frames.append(pd.DataFrame({
            "list": red["list_name"].where(red["list_name"].notna() & (red["list_name"] != ""), red["kind_zh"]),
            "kind": red["kind"], "list_color": "red", "list_color_zh": LIST_COLORS["red"], "listed": red["entered"],
            "removed": red["removed"], "status": red["status"], "status_zh": red["status_zh"], "current": red["current"],
            "reason": None, "removal_reason": None, "authority": red["authority"], "event_uid": red["uid"],
        }, columns=LIST_COLUMNS))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=LIST_COLUMNS)
    return pd.concat(frames, ignore_index=True)


COMMITMENT_COLUMNS = ["uid", "kind", "kind_zh", "matter", "made", "deadline", "status", "status_zh", "broken",
                      "verified", "authority", "region"]
RED_LIST_COLUMNS = ["uid", "kind", "kind_zh", "list_name", "entered", "removed", "status", "status_zh", "current",
                    "authority", "region"]


def commitments_of(store: GraphStore, uid: str) -> pd.DataFrame:
    """The party's credit commitments: breached and false ones first, then the newest."""
    df = store.query("profile_commitments", {"uid": uid})
    if df.empty:
        return pd.DataFrame(columns=COMMITMENT_COLUMNS)
    df = df.drop_duplicates("uid")
    df["kind_zh"] = df["kind"].map(lambda k: code_zh("commitment_kinds", k))
    df["status_zh"] = df["status"].map(lambda k: code_zh("commitment_statuses", k))
    df["broken"] = df["status"].isin(BROKEN)
    df["_made"] = pd.to_datetime(df["made"], errors="coerce")
    df = df.sort_values(["broken", "_made", "uid"], ascending=[False, False, True], na_position="last", kind="stable")
    return df[COMMITMENT_COLUMNS].reset_index(drop=True)


def red_lists_of(store: GraphStore, uid: str, day: dt.date) -> pd.DataFrame:
    """The party's red-list entries, ``current`` on ``day`` (entered by then, not removed by then) first,
    then the newest."""
    df = store.query("profile_red_lists", {"uid": uid})
    if df.empty:
        return pd.DataFrame(columns=RED_LIST_COLUMNS)
    df = df.drop_duplicates("uid").reset_index(drop=True)
    df["kind_zh"] = df["kind"].map(lambda k: code_zh("red_list_kinds", k))
    df["status_zh"] = df["status"].map(lambda k: code_zh("penalty_statuses", k))
    df["current"] = red_list_current(df, day)
    df["_entered"] = pd.to_datetime(df["entered"], errors="coerce")
    df = df.sort_values(["current", "_entered", "uid"], ascending=[False, False, True], na_position="last",
                        kind="stable")
    return df[RED_LIST_COLUMNS].reset_index(drop=True)


def list_signals(pen: pd.DataFrame, red: pd.DataFrame, commitments: pd.DataFrame) -> list[dict]:
    """Signals of the lists and commitments: red-listed while black-listed, commitments not kept."""
    s: list[dict] = []
    black = pen[pen["active"] & pen["kind"].map(LIST_COLOR_OF).eq("black")] if len(pen) else pen
    current_red = red[red["current"]] if len(red) else red
    if len(black) and len(current_red):
        s.append({"signal": "红黑名单冲突 red-listed while black-listed", "value": f"{len(current_red)} / {len(black)}",
                  "detail": "、".join(dict.fromkeys([*current_red["kind_zh"], *black["kind_zh"]])), "source": "profile",
                  "level": "high"})
    broken = commitments[commitments["broken"]] if len(commitments) else commitments
    if len(broken):
        s.append({"signal": "违背信用承诺 broken commitments", "value": f"{len(broken)} 条",
                  "detail": "、".join(dict.fromkeys(broken["status_zh"])), "source": "profile", "level": "medium"})
    return s

"""Monitoring (监测预警): what the graph says now about watched enterprises, as comparable items, and
the alerts that the difference between two such observations raises.

An observation (:func:`observe`) is one row per item a watcher cares about:

* ``penalty``: an active penalty or list entry of the subject itself;
* ``linked_penalty``: an active penalty of a party within ``hops`` of the subject (with the path);
* ``legal_rep`` / ``shareholder``: a person or company in that role now;
* for a watched person: ``role`` / ``holding``, a company the person heads or holds now;
* ``finding`` / ``grade``: what whole-graph results say about the subject (a shell, phoenix or
  cross-region finding naming it; its credit grade), passed in by the caller (app/watch.py) from
  the results computed once per graph version.

Watched subjects are enterprises or people (a uid ``ID:…`` or ``NM:…`` is a person).

:func:`new_items` keeps the items of a later observation that the earlier one lacked: these are the
alerts (a refresh that changes nothing raises none; applying the same refresh twice raises its alerts
once, because the second observation equals the first). Both stores: only current state is read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import pandas as pd

from creditgraph.graph.store import GraphStore
from creditgraph.queries._base import valid_on
from creditgraph.queries.check_links import captions, path_texts, reach, subject_label
from creditgraph.queries.profile import penalty_kind_zh

COLUMNS = ["subject", "kind", "item", "detail", "path"]
KIND_ZH = {"penalty": "本主体新增处罚/名单 new penalty or list entry", "linked_penalty": "关联方新增处罚 new penalty linked",
           "legal_rep": "新任法定代表人 new legal representative", "shareholder": "新增股东 new shareholder",
           "role": "新任法定代表人职务 now legal representative of", "holding": "新增对外投资 new holding",
           "finding": "新增风险发现 new risk finding", "grade": "信用等级变化 credit grade changed"}
EVENT_COLUMNS = ["subject", "event", "kind", "decided"]


def _events(store: GraphStore, uids: list[str]) -> pd.DataFrame:
    """Active events of enterprises or people: ``subject, event, kind, decided`` (keyed reads)."""
    frames = []
    labels = pd.Series(subject_label(uids), index=uids, dtype="object")
    for label in ("Enterprise", "Person"):
        keys = labels.index[labels == label].tolist()
        found = store.edges_by("PENALIZED", label, "PenaltyEvent", keys, by="src") if keys else None
        if found is not None and len(found):
            frames.append(found[["src", "dst"]])
    if not frames:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    edges = pd.concat(frames, ignore_index=True)
    ev = store.nodes_by("PenaltyEvent", "uid", edges["dst"].drop_duplicates().tolist(), ["kind", "decided", "status"])
    ev = ev[ev["status"].fillna("active") == "active"]
    out = edges.merge(ev, left_on="dst", right_on="uid")
    return pd.DataFrame({"subject": out["src"], "event": out["dst"], "kind": out["kind"], "decided": out["decided"]})


def _roles(store: GraphStore, subjects: list[str]) -> list[tuple]:
    """Today's roles at watched enterprises (who heads or holds them) and of watched people (what they
    head or hold), as item rows."""
    rows: list[tuple] = []
    today = dt.date.today()
    people = [u for u, lab in zip(subjects, subject_label(subjects)) if lab == "Person"]
    for rel, kind, own_kind in (("LEGAL_REP", "legal_rep", "role"), ("HOLDS_SHARES", "shareholder", "holding")):
        for src_label in ("Person", "Enterprise") if rel == "HOLDS_SHARES" else ("Person",):
            df = store.edges_by(rel, src_label, "Enterprise", subjects, by="dst", cols=["valid_from", "valid_to"])
            if len(df):  # today's roles (docs/time.md)
                df = df[valid_on(df["valid_from"], df["valid_to"], today)]
                rows += [(d, kind, s, src_label, "") for s, d in zip(df["src"], df["dst"])]
        df = store.edges_by(rel, "Person", "Enterprise", people, by="src", cols=["valid_from", "valid_to"]) \
            if people else None
        if df is not None and len(df):
            df = df[valid_on(df["valid_from"], df["valid_to"], today)]
            rows += [(s, own_kind, d, "Enterprise", "") for s, d in zip(df["src"], df["dst"])]
    return rows


def observe(store: GraphStore, subjects: Sequence[str], hops: int = 2,
            findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """The items (:data:`COLUMNS`) the graph holds now about the watched ``subjects`` (enterprises or
    people); ``findings`` (subject, kind, item, detail): whole-graph items to keep for those subjects."""
    subjects = list(dict.fromkeys(subjects))
    if not subjects:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    own = _events(store, subjects)
    rows += [(s, "penalty", e, f"{penalty_kind_zh(k)} {str(d)[:10]}", "") for s, e, k, d in
             zip(own["subject"], own["event"], own["kind"], own["decided"])]
    found = reach(store, subjects, hops)
    firms = found[found["party_label"] == "Enterprise"]
    theirs = _events(store, firms["party"].drop_duplicates().tolist())
    hits = firms.merge(theirs, left_on="party", right_on="subject", suffixes=("", "_ev"))
    hits = hits[hits["party"] != hits["subject"]]
    if len(hits):
        b = captions(store, hits)
        texts = path_texts(b, hits)
        rows += [(s, "linked_penalty", e, f"{penalty_kind_zh(k)} {str(d)[:10]}", p) for s, e, k, d, p in
                 zip(hits["subject"], hits["event"], hits["kind"], hits["decided"], texts)]
    rows += _roles(store, subjects)
    if findings is not None and len(findings):
        mine = findings[findings["subject"].isin(subjects)]
        rows += list(zip(mine["subject"], mine["kind"], mine["item"], mine["detail"], [""] * len(mine)))
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.drop_duplicates(["subject", "kind", "item"]).sort_values(["subject", "kind", "item"]).reset_index(drop=True)


def alert_id(watchlist: str, subject: str, kind: str, item: str) -> str:
    """A stable id: the same finding on the same list is one alert, however often it is observed."""
    return hashlib.sha256(f"{watchlist}\x1f{subject}\x1f{kind}\x1f{item}".encode()).hexdigest()[:16]


def new_items(before: pd.DataFrame | None, after: pd.DataFrame) -> pd.DataFrame:
    """The items of ``after`` that ``before`` lacked (all of them when there was no ``before``)."""
    if before is None or before.empty:
        return after.copy()
    seen = set(zip(before["subject"], before["kind"], before["item"]))
    keep = [(s, k, i) not in seen for s, k, i in zip(after["subject"], after["kind"], after["item"])]
    return after[keep].reset_index(drop=True)

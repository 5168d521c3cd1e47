"""Repeat offenders (屡次失信) and phoenix cases (金蝉脱壳).

* Enterprise level: at least ``min_events`` penalty events whose dates lie within
  ``window_days`` of each other (max − min ≤ window).
* Person level: a person with an ID number (uid ``ID:…``; name-only people are
  never the same person across companies) who is legal representative or
  shareholder of at least two distinct enterprises that each have an event.
* Phoenix: a person's company A (legal representative or shareholder) has an
  event and was deregistered or revoked on day d; the same person is legal
  representative of a company B founded within ``window_days`` after d.

Only active events count unless ``include_history`` (then every event counts
and the ``statuses`` column says which were removed, repaired or withdrawn).
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from graph.inputs import preview  # error messages never echo a huge input
from queries._base import DISSOLVED_STATUSES, days, fetch, in_dense_window, lookup, lookup_props
from queries.result import ACTIVE, AnalysisResult, EvidenceBuilder, finish

LEVELS = ("enterprise", "person")


def _events(store, include_history: bool) -> pd.DataFrame:
    ev = fetch(store, "scan_events", {"history": bool(include_history)}, arrow=True)
    return ev.drop_duplicates(["subject", "event"])


def _event_nodes(b: EvidenceBuilder, ev: pd.DataFrame) -> None:
    for u, k, d, st, r in zip(ev["event"], ev["kind"], ev["decided"], ev["status"], ev["reason"]):
        b.node(u, "PenaltyEvent", kind=k, decided=d, status=st, reason=r)


def repeat_offenders(store, window_days: int = 730, min_events: int = 3, level: str = "enterprise",
                     include_history: bool = False, min_enterprises: int = 2) -> AnalysisResult:
    """Enterprises with repeated penalties, or people behind several penalised enterprises.

    Parameters
    ----------
    store : GraphStore
        The graph.
    window_days : int
        Enterprise level: the events must lie within this many days (default 730).
    min_events : int
        Enterprise level: at least this many events in the window (default 3).
    level : {"enterprise", "person"}
        Which kind of offender to find.
    include_history : bool
        Count removed / repaired / withdrawn events too (their statuses are listed).
    min_enterprises : int
        Person level: at least this many distinct penalised enterprises (default 2).

    Returns
    -------
    AnalysisResult
        Enterprise level — ``table``: ``uid, name, events_in_window, window_start,
        window_end, events_total, kinds, statuses``; evidence: the enterprise and its
        events. Person level — ``table``: ``uid, name, id_masked, enterprises`` (count),
        ``enterprise_uids, enterprise_names, roles, events``; evidence: person →
        enterprises → events.

    Example
    -------
    >>> from queries.testing import toy_store
    >>> ev = [("PenaltyEvent", f"AP:{i}", {"kind": "administrative_penalty", "decided": d, "status": st})
    ...       for i, d, st in [(1, "2023-01-01", "active"), (2, "2023-06-01", "active"), (3, "2024-02-01", "repaired")]]
    >>> s = toy_store([("Enterprise", "E1", {"name": "甲公司"}), *ev],
    ...               [("PENALIZED", "E1", f"AP:{i}") for i in (1, 2, 3)])
    >>> len(repeat_offenders(s))          # the repaired event does not count
    0
    >>> repeat_offenders(s, include_history=True).table[["name", "events_in_window", "statuses"]].values.tolist()
    [['甲公司', 3, 'active、repaired']]
    >>> s.close()
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {preview(level)}")
    params = {"window_days": window_days, "min_events": min_events, "level": level,
              "include_history": include_history, "min_enterprises": min_enterprises}
    if level == "person":
        return _person_level(store, params)
    ev = _events(store, include_history)
    ev = ev[ev["decided"].notna()].assign(day=lambda d: days(d["decided"]))
    ev = ev.sort_values(["subject", "day", "event"], kind="stable").reset_index(drop=True)
    codes, _ = pd.factorize(ev["subject"])
    _, best = in_dense_window(codes, ev["day"].to_numpy(), int(window_days), int(min_events))
    ev["best"] = best
    hit = ev.groupby("subject")["best"].max()
    hit = hit[hit >= int(min_events)]
    rows = []
    info = lookup(store, "Enterprise", hit.index).set_index("uid")
    hits = ev[ev["subject"].isin(hit.index)]
    at = hits.groupby("subject").indices
    for e, n in hit.items():
        g = hits.iloc[at[e]]
        i = int(g["best"].to_numpy().argmax())
        start, end = g["decided"].iloc[i], g["decided"].iloc[i + int(n) - 1]
        rows.append({"uid": e, "name": info["name"].get(e) if e in info.index else None,
                     "events_in_window": int(n), "window_start": start, "window_end": end,
                     "events_total": len(g), "kinds": "、".join(sorted(set(g["kind"].dropna()))),
                     "statuses": "、".join(sorted(set(g["status"].fillna(ACTIVE)))),
                     "region": info["region"].get(e) if e in info.index else None})
    cols = ["uid", "name", "events_in_window", "window_start", "window_end", "events_total", "kinds", "statuses",
            "region"]
    table = pd.DataFrame(rows, columns=cols).sort_values(["events_in_window", "uid"], ascending=[False, True])

    def build(row):
        b = EvidenceBuilder()
        b.node(row["uid"], "Enterprise", name=row["name"])
        g = ev[ev["subject"] == row["uid"]]
        _event_nodes(b, g)
        for u in g["event"]:
            b.path([row["uid"], u], [("PENALIZED", True)])
        return b.build()

    return finish("repeat_offenders", params, table, build)


def _person_level(store, params: dict) -> AnalysisResult:
    parties = fetch(store, "penalised_parties", {"history": bool(params["include_history"]), "kinds": []},
                    arrow=True)
    people = parties[(parties["party_label"] == "Person") & parties["party"].str.startswith("ID:")]
    per = people.groupby("party")["enterprise"].nunique()
    per = per[per >= int(params["min_enterprises"])]
    people = people[people["party"].isin(per.index)]
    ents = sorted(set(people["enterprise"]))
    pinfo = lookup(store, "Person", per.index).set_index("uid")
    einfo = lookup(store, "Enterprise", ents).set_index("uid")
    ev = _events(store, params["include_history"])
    ev = ev[ev["subject"].isin(ents)]
    ev_count = ev.groupby("subject")["event"].nunique()
    held = people[people["role"] == "HOLDS_SHARES"]
    ratio_of = dict(zip(zip(held["party"], held["enterprise"]), held["ratio"]))
    rows = []
    for p, g in people.groupby("party", sort=True):
        es = sorted(set(g["enterprise"]))
        roles = g.groupby("enterprise")["role"].agg(lambda r: "+".join(sorted(set(r))))
        rows.append({"uid": p, "name": pinfo["name"].get(p) if p in pinfo.index else None,
                     "id_masked": pinfo["id_masked"].get(p) if p in pinfo.index else None,
                     "enterprises": len(es), "enterprise_uids": es,
                     "enterprise_names": [einfo["name"].get(e) if e in einfo.index else None for e in es],
                     "roles": [roles[e] for e in es], "events": int(sum(ev_count.get(e, 0) for e in es))})
    cols = ["uid", "name", "id_masked", "enterprises", "enterprise_uids", "enterprise_names", "roles", "events"]
    table = pd.DataFrame(rows, columns=cols).sort_values(["enterprises", "events", "uid"],
                                                         ascending=[False, False, True])

    def build(row):
        b = EvidenceBuilder()
        b.node(row["uid"], "Person", name=row["name"], id_masked=row["id_masked"])
        g = ev[ev["subject"].isin(row["enterprise_uids"])]
        _event_nodes(b, g)
        for e, n, role in zip(row["enterprise_uids"], row["enterprise_names"], row["roles"]):
            b.node(e, "Enterprise", name=n)
            for r in role.split("+"):
                props = {"ratio": ratio_of.get((row["uid"], e))} if r == "HOLDS_SHARES" else {}
                for u in g.loc[g["subject"] == e, "event"]:
                    b.path([row["uid"], e, u], [(r, True), ("PENALIZED", True)], [props, {}])
        return b.build()

    return finish("repeat_offenders", params, table, build)


def phoenix_cases(store, window_days: int = 365, include_history: bool = False) -> AnalysisResult:
    """Phoenix cases (金蝉脱壳): a penalised company is closed and its person opens a new one soon after.

    Parameters
    ----------
    store : GraphStore
        The graph.
    window_days : int
        B must be founded within this many days after A's dissolution (default 365).
    include_history : bool
        Count removed / repaired / withdrawn events of A too.

    Returns
    -------
    AnalysisResult
        ``table``: one row per (person, A, B): ``person, person_name, role_in_a, a,
        a_name, a_status, a_dissolved, a_events, b, b_name, b_founded, days_after``.
        ``evidence[row_id]``: person → A → A's events, person → B.

    Example
    -------
    >>> from queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}),
    ...                ("Enterprise", "A", {"name": "旧公司", "status": "吊销", "dissolved": "2023-03-01"}),
    ...                ("Enterprise", "B", {"name": "新公司", "founded": "2023-05-01"}),
    ...                ("PenaltyEvent", "SI:1", {"kind": "serious_illegal", "decided": "2022-10-01", "status": "active"})],
    ...               [("LEGAL_REP", "ID:1", "A"), ("LEGAL_REP", "ID:1", "B"), ("PENALIZED", "A", "SI:1")])
    >>> phoenix_cases(s).table[["person_name", "a_name", "b_name", "days_after"]].values.tolist()
    [['张三', '旧公司', '新公司', 61]]
    >>> s.close()
    """
    params = {"window_days": window_days, "include_history": include_history}
    df = fetch(store, "phoenix_candidates", {"statuses": list(DISSOLVED_STATUSES), "history": bool(include_history)},
               arrow=True)
    df = df.assign(days_after=days(df["founded"]) - days(df["dissolved"]))
    df = df[(df["days_after"] >= 0) & (df["days_after"] <= int(window_days))]
    roles = df.groupby(["person", "a", "b"])["role"].agg(lambda r: "+".join(sorted(set(r)))).rename("role_in_a")
    cases = df.drop_duplicates(["person", "a", "b"]).set_index(["person", "a", "b"]).join(roles).reset_index()
    ev = _events(store, include_history)
    ev = ev[ev["subject"].isin(set(cases["a"]))]
    props = lookup_props(store, {"Person": cases["person"], "Enterprise": [*cases["a"], *cases["b"]]})

    def p(u, k):
        return props.get(u, ("", {}))[1].get(k)

    a_events = ev.groupby("subject")["event"].nunique()
    table = pd.DataFrame({
        "person": cases["person"], "person_name": [p(u, "name") for u in cases["person"]],
        "role_in_a": cases["role_in_a"], "a": cases["a"], "a_name": [p(u, "name") for u in cases["a"]],
        "a_status": [p(u, "status") for u in cases["a"]], "a_dissolved": cases["dissolved"],
        "a_events": [int(a_events.get(u, 0)) for u in cases["a"]],
        "b": cases["b"], "b_name": [p(u, "name") for u in cases["b"]], "b_founded": cases["founded"],
        "days_after": cases["days_after"].astype("int64"),
    }).sort_values(["person", "a", "b"])

    def build(row):
        b = EvidenceBuilder()
        for u in (row["person"], row["a"], row["b"]):
            if u in props:
                b.node(u, props[u][0], **props[u][1])
        g = ev[ev["subject"] == row["a"]]
        _event_nodes(b, g)
        for r in str(row["role_in_a"]).split("+"):
            b.path([row["person"], row["a"]], [(r, True)])
        for u in g["event"]:
            b.path([row["a"], u], [("PENALIZED", True)])
        b.path([row["person"], row["b"]], [("LEGAL_REP", True)])
        return b.build(extra_lines=[f"{row['a_name']} {row['a_status']}于 {pd.Timestamp(row['a_dissolved']).date()}，"
                                    f"{row['days_after']} 天后 {row['person_name']} 任法定代表人的 {row['b_name']} 成立"])

    return finish("phoenix_cases", params, table, build)

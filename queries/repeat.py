"""Repeat offenders (屡次失信) and phoenix cases (金蝉脱壳).

* Enterprise level: at least ``min_events`` penalty events whose dates lie within
  ``window_days`` of each other (max − min ≤ window).
* Person level: a resolved person (an identity, :mod:`queries.identity`: a
  record with an ID number, or name-only / masked-ID records joined by
  ``POSSIBLY_SAME_AS`` links scoring at least ``min_identity_score``; a lone
  name-only record is never a person across companies) who is legal
  representative or shareholder of at least two distinct enterprises that each
  have an event.
* Phoenix: a person's company A (legal representative or shareholder) has an
  event and ended on day d — read from every end-of-life signal
  (:mod:`queries.lifecycle`: dissolved date, status text 注销/吊销/撤销/迁出, a
  serious-dishonest or abnormal-operation listing), each row naming the signal
  used; the same person (identity) is legal representative of a company B
  founded within ``window_days`` after d.

Only active events count unless ``include_history`` (then every event counts
and the ``statuses`` column says which were removed, repaired or withdrawn).
"""
from __future__ import annotations


import datetime as dt

import pandas as pd

from creditgraph.graph.inputs import preview  # error messages never echo a huge input
from creditgraph.queries._base import (LOOKUP_BATCH, as_of_date, check_attribution, days, fetch, in_dense_window,
                                      is_missing, lookup, lookup_props, valid_on)
from creditgraph.queries._asof import decided_by
from creditgraph.queries.labels import code_text
from creditgraph.queries.lifecycle import company_ends
from creditgraph.queries.profile_history import period_text
from creditgraph.queries.identity import DEFAULT_MIN_IDENTITY_SCORE, add_links, check_score, penalised_people, resolve
from creditgraph.queries.result import ACTIVE, AnalysisResult, EvidenceBuilder, finish

LEVELS = ("enterprise", "person")
_ROLE_ZH = {"LEGAL_REP": "法定代表人", "HOLDS_SHARES": "股东"}


def _events(store, include_history: bool, as_of: dt.date) -> pd.DataFrame:
    """Counted events: active (or any with ``include_history``), decided on or before ``as_of``."""
    ev = fetch(store, "scan_events", {"history": bool(include_history)}, arrow=True)
    return decided_by(ev, as_of).drop_duplicates(["subject", "event"])


def _event_nodes(b: EvidenceBuilder, ev: pd.DataFrame) -> None:
    for u, k, d, st, r in zip(ev["event"], ev["kind"], ev["decided"], ev["status"], ev["reason"]):
        b.node(u, "PenaltyEvent", kind=k, decided=d, status=st, reason=r)


def repeat_offenders(store, window_days: int = 730, min_events: int = 3, level: str = "enterprise",
                     include_history: bool = False, min_enterprises: int = 2,
                     min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE, as_of=None,
                     attribution: str = "decision") -> AnalysisResult:
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
    min_identity_score : float
        Person level: person records joined by POSSIBLY_SAME_AS links scoring at least this
        are one person (default 0.9, see queries.identity).
    as_of : date or ISO text
        The day the graph is read on (default today): events decided after it do not count,
        and (person level) only roles that existed by then.
    attribution : {"decision", "current"}
        Person level: a company's penalty falls to the people whose role there was valid on
        its decision date (default), or to those in office on ``as_of`` (docs/time.md).

    Returns
    -------
    AnalysisResult
        Enterprise level — ``table``: ``uid, name, events_in_window, window_start,
        window_end, events_total, kinds, statuses``; evidence: the enterprise and its
        events. Person level — ``table``: ``uid, name, id_masked, enterprises`` (count),
        ``enterprise_uids, enterprise_names, roles, events, identity_members`` (one row
        per resolved person; ``uid`` is the identity, the smallest member uid); evidence:
        each member record → enterprises → events, and the identity links relied on
        (``POSSIBLY_SAME_AS`` with score and evidence, one text line each).

    Complexity: enterprise level, one scan of the events and a sort, O(e log e) time and O(e) memory
    for e penalty events; person level, the identity resolution (:func:`queries.identity.identities`:
    O(L) in the identity links), one query of the roles of penalised enterprises
    (:func:`queries.identity.penalised_people`) and pandas joins, O(r log r) time and O(r + L) memory
    for r such roles. Neither grows with the enterprises or people that have no penalty.

    Example
    -------
    >>> from creditgraph.queries.testing import toy_store
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
    day = as_of_date(as_of)
    params = {"window_days": window_days, "min_events": min_events, "level": level,
              "include_history": include_history, "min_enterprises": min_enterprises,
              "min_identity_score": check_score(min_identity_score), "as_of": day.isoformat()}
    if level == "person":
        params["attribution"] = check_attribution(attribution)
        return _person_level(store, params)
    ev = _events(store, include_history, day)
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
    res = resolve(store, params["min_identity_score"])
    day = as_of_date(params["as_of"])
    parties = penalised_people(store, res, params["include_history"], as_of=day, attribution=params["attribution"])
    people = parties[parties["party_label"] == "Person"]
    per = people.groupby("identity")["enterprise"].nunique()
    per = per[per >= int(params["min_enterprises"])]
    people = people[people["identity"].isin(per.index)]
    ents = sorted(set(people["enterprise"]))
    pinfo = lookup(store, "Person", people["party"]).set_index("uid")
    einfo = lookup(store, "Enterprise", ents).set_index("uid")
    ev = _events(store, params["include_history"], day)
    ev = ev[ev["subject"].isin(ents)]
    # the events each role is attributed: decided within its period (or, "current", all of them)
    owned = people[["identity", "party", "enterprise", "role", "valid_from", "valid_to"]].merge(
        ev[["subject", "event", "decided"]], left_on="enterprise", right_on="subject")
    if params["attribution"] == "decision" and len(owned):
        when = owned["decided"].where(owned["decided"].notna(), pd.Timestamp(day))
        owned = owned[valid_on(owned["valid_from"], owned["valid_to"], when)]
    ev_count = owned.groupby("identity")["event"].nunique()
    periods = people.assign(text=[f"{_ROLE_ZH.get(r, r)} {period_text(f, t)}" for r, f, t in
                                  zip(people["role"], people["valid_from"], people["valid_to"])])
    periods = periods.groupby(["identity", "enterprise"])["text"].agg(lambda x: "；".join(sorted(set(x))))
    held = people[people["role"] == "HOLDS_SHARES"]
    ratio_of = dict(zip(zip(held["party"], held["enterprise"]), held["ratio"]))

    def first(uids, col):
        return next((pinfo[col].get(u) for u in uids if u in pinfo.index and isinstance(pinfo[col].get(u), str)), None)

    rows = []
    for p, g in people.groupby("identity", sort=True):
        es = sorted(set(g["enterprise"]))
        roles = g.groupby("enterprise")["role"].agg(lambda r: "+".join(sorted(set(r))))
        members = res.members(p)
        rows.append({"uid": p, "name": first([p, *members], "name"), "id_masked": first([p, *members], "id_masked"),
                     "enterprises": len(es), "enterprise_uids": es,
                     "enterprise_names": [einfo["name"].get(e) if e in einfo.index else None for e in es],
                     "roles": [roles[e] for e in es], "role_periods": [periods[(p, e)] for e in es],
                     "events": int(ev_count.get(p, 0)), "identity_members": members})
    cols = ["uid", "name", "id_masked", "enterprises", "enterprise_uids", "enterprise_names", "roles", "role_periods",
            "events", "identity_members"]
    table = pd.DataFrame(rows, columns=cols).sort_values(["enterprises", "events", "uid"],
                                                         ascending=[False, False, True])
    edges = people[["identity", "party", "enterprise", "role", "valid_from", "valid_to"]]

    def build(row):
        b = EvidenceBuilder()
        mine = edges[edges["identity"] == row["uid"]].sort_values(["enterprise", "role", "party"])
        for u in dict.fromkeys([row["uid"], *mine["party"]]):
            b.node(u, "Person", name=pinfo["name"].get(u) if u in pinfo.index else row["name"],
                   id_masked=pinfo["id_masked"].get(u) if u in pinfo.index else None)
        mine_ev = owned[owned["identity"] == row["uid"]]
        g = ev[ev["event"].isin(set(mine_ev["event"]))]
        _event_nodes(b, g)
        for e, n in zip(row["enterprise_uids"], row["enterprise_names"]):
            b.node(e, "Enterprise", name=n)
        for u, e, r, f, t in zip(mine["party"], mine["enterprise"], mine["role"], mine["valid_from"], mine["valid_to"]):
            props = {"ratio": ratio_of.get((u, e))} if r == "HOLDS_SHARES" else {}
            props.update({k: v for k, v in (("valid_from", f), ("valid_to", t)) if not is_missing(v)})
            hit = mine_ev[(mine_ev["party"] == u) & (mine_ev["enterprise"] == e) & (mine_ev["role"] == r)]
            for v in dict.fromkeys(hit["event"]):
                b.path([u, e, v], [(r, True), ("PENALIZED", True)], [props, {}])
        lines = add_links(b, res.links(row["uid"]))
        how = "处罚决定日在任 / in office on the decision date" if params["attribution"] == "decision" \
            else f"{params['as_of']} 在任 / in office on {params['as_of']}"
        periods_line = "；".join(f"{n or e}: {p}" for e, n, p in zip(row["enterprise_uids"], row["enterprise_names"],
                                                                     row["role_periods"]))
        return b.build(extra_lines=[*lines, f"归责 attribution: {how}", f"任职期间 role periods: {periods_line}"])

    return finish("repeat_offenders", params, table, build)


def phoenix_cases(store, window_days: int = 365, include_history: bool = False,
                  min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE, as_of=None,
                  attribution: str = "decision", left_before_days: int = 365) -> AnalysisResult:
    """Phoenix cases (金蝉脱壳): a person leaves a penalised company and opens a new one soon after.

    Parameters
    ----------
    store : GraphStore
        The graph.
    window_days : int
        B must be founded within this many days after the person's exit from A (default 365).
    include_history : bool
        Count removed / repaired / withdrawn events of A too.
    min_identity_score : float
        Person records joined by POSSIBLY_SAME_AS links scoring at least this are one
        person (default 0.9): A's person and B's legal representative may be two records
        of one identity.
    as_of : date or ISO text
        The day the graph is read on (default today).
    attribution : {"decision", "current"}
        "decision" (default): the person's role in A over [from, to) has an exit x, the earlier
        of its end and A's end; a penalty of A decided while in office, or up to
        ``left_before_days`` after x (left just before the penalty), falls to them.
        "current": only people in office on ``as_of``, x = A's end (docs/time.md).
    left_before_days : int
        How long after leaving a penalty still falls to the person (default 365).

    Returns
    -------
    AnalysisResult
        ``table``: one row per (person, A, B): ``person, person_name, role_in_a, role_period,
        a, a_name, a_status, a_dissolved, a_end, end_signal_key, end_signal, exit_date,
        exit_signal, left_days_before, a_events, b, b_name, b_founded, days_after,
        identity_members``. ``a_end`` is A's end when it shows one and ``end_signal`` the
        signal that gave it (:mod:`queries.lifecycle`); ``exit_date`` is the day the person
        left (``exit_signal`` says whether by the role's end or A's end);
        ``left_days_before`` the days from the exit to the first penalty decided after it
        (empty when the person was in office); ``a_events`` the penalties that fall to the
        person; ``days_after`` = B's founding − exit. ``evidence[row_id]``: person → A →
        those events, person → B, and the identity links relied on.

    Complexity: the identity resolution (O(L) in the identity links, time and memory), one query
    for A's people (penalised companies that ended: a rows), one scan of the penalty events (e rows),
    keyed reads of those people's companies in batches of 50K keys (b rows), pandas joins on identity:
    O((a + e + b) log) time, O(a + e + b + L) memory; the graph's other enterprises and people cost
    only the engine's scans.

    Example
    -------
    A was revoked (吊销) with no date known; its last listing was on 2023-03-01:

    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}),
    ...                ("Enterprise", "A", {"name": "旧公司", "status": "吊销"}),
    ...                ("Enterprise", "B", {"name": "新公司", "founded": "2023-05-01"}),
    ...                ("PenaltyEvent", "SI:1", {"kind": "serious_illegal", "decided": "2023-03-01", "status": "active"})],
    ...               [("LEGAL_REP", "ID:1", "A"), ("LEGAL_REP", "ID:1", "B"), ("PENALIZED", "A", "SI:1")])
    >>> phoenix_cases(s).table[["person_name", "a_name", "b_name", "days_after", "end_signal"]].values.tolist()
    [['张三', '旧公司', '新公司', 61, '登记状态 吊销 / status 吊销']]
    >>> s.close()
    """
    day = as_of_date(as_of)
    by_decision = check_attribution(attribution) == "decision"
    params = {"window_days": window_days, "include_history": include_history,
              "min_identity_score": check_score(min_identity_score), "as_of": day.isoformat(),
              "attribution": attribution, "left_before_days": int(left_before_days)}
    res = resolve(store, min_identity_score)
    ev = _events(store, include_history, day)
    side_a = _phoenix_side_a(store, res, ev, day, by_decision, int(left_before_days), include_history)
    side_b = _phoenix_side_b(store, res, side_a, day)
    df = side_a.merge(side_b, on="identity")
    df = df[df["a"] != df["b"]]
    df = df.assign(days_after=days(df["founded"]) - days(df["exit_date"]))
    df = df[(df["days_after"] >= 0) & (df["days_after"] <= int(window_days))]
    keys = ["identity", "a", "b"]
    roles = df.groupby(keys)["role"].agg(lambda r: "+".join(sorted(set(r)))).rename("role_in_a")
    # one row per case: the earliest B after the exit; on a tie the LEGAL_REP role's row (its period is the one
    # shown), so that the row kept does not depend on the order the store returned the roles in
    cases = (df.sort_values(["days_after", "person", "person_b", "role"], ascending=[True, True, True, False])
             .drop_duplicates(keys).set_index(keys).join(roles).reset_index())
    links = df.groupby(keys).agg(a_people=("person", lambda u: sorted(set(u))),
                                 b_people=("person_b", lambda u: sorted(set(u)))).reset_index()
    cases = cases.merge(links, on=keys, how="left")
    people = {u for us in [*cases["a_people"], *cases["b_people"]] for u in us} | set(cases["identity"])
    props = lookup_props(store, {"Person": people, "Enterprise": [*cases["a"], *cases["b"]]})

    def p(u, k):
        return props.get(u, ("", {}))[1].get(k)

    def person_name(i):
        return p(i, "name") or next((p(m, "name") for m in res.members(i) if p(m, "name")), None)

    by_role = cases["exit_by"] == "role"
    table = pd.DataFrame({
        "person": cases["identity"], "person_name": [person_name(u) for u in cases["identity"]],
        "role_in_a": cases["role_in_a"],
        "role_period": [period_text(f, t) for f, t in zip(cases["valid_from"], cases["valid_to"])],
        "a": cases["a"], "a_name": [p(u, "name") for u in cases["a"]],
        "a_status": [p(u, "status") for u in cases["a"]], "a_dissolved": [p(u, "dissolved") for u in cases["a"]],
        "a_end": cases["end_date"], "end_signal_key": cases["end_signal_key"], "end_signal": cases["end_signal"],
        "exit_date": cases["exit_date"],
        "exit_signal": by_role.map({True: ROLE_EXIT_TEXT, False: COMPANY_EXIT_TEXT}),
        "left_days_before": cases["left_days_before"].astype("Int64"),
        "a_events": cases["a_events"].astype("int64"),
        "b": cases["b"], "b_name": [p(u, "name") for u in cases["b"]], "b_founded": cases["founded"],
        "days_after": cases["days_after"].astype("int64"),
        "identity_members": [res.members(i) for i in cases["identity"]],
    }).sort_values(["person", "a", "b"])
    found = cases.set_index(keys)
    events_of = side_a.attrs["events"]

    def build(row):
        b = EvidenceBuilder()
        case = found.loc[(row["person"], row["a"], row["b"])]
        for u in (*case["a_people"], *case["b_people"], row["a"], row["b"]):
            if u in props:
                b.node(u, props[u][0], **props[u][1])
        mine = events_of[(events_of["a"] == row["a"]) & events_of["person"].isin(case["a_people"])]
        g = ev[(ev["subject"] == row["a"]) & ev["event"].isin(set(mine["event"]))]
        _event_nodes(b, g)
        for u in case["a_people"]:
            for r in str(row["role_in_a"]).split("+"):
                b.path([u, row["a"]], [(r, True)])
        for u in g["event"]:
            b.path([row["a"], u], [("PENALIZED", True)])
        for u in case["b_people"]:
            b.path([u, row["b"]], [("LEGAL_REP", True)])
        lines = add_links(b, res.links(row["person"])) if len(row["identity_members"]) > 1 else []
        return b.build(extra_lines=[*_phoenix_lines(row), *lines])

    return finish("phoenix_cases", params, table, build)


ROLE_EXIT_TEXT = "本人卸任/退出 / the person left the role"
COMPANY_EXIT_TEXT = "企业终止 / the company ended"


def _phoenix_side_a(store, res, ev: pd.DataFrame, day: dt.date, by_decision: bool, left_before: int,
                    include_history: bool) -> pd.DataFrame:
    """A's people with their exit (``exit_date``, ``exit_by``) and the events that fall to them
    (``a_events``, ``left_days_before``); ``attrs["events"]``: (person, a, event) attributed."""
    params = {"history": bool(include_history), "as_of": day, "by_decision": by_decision}
    side_a = fetch(store, "phoenix_candidates", params, arrow=True)
    side_a = side_a[(side_a["person"].str.startswith("ID:") | res.is_resolved(side_a["person"])).to_numpy()]
    a_info = lookup(store, "Enterprise", side_a["a"]) if len(side_a) else lookup(store, "Enterprise", [])
    ends = company_ends(a_info, ev)
    ends = ends[ends["end_date"].notna() & (pd.to_datetime(ends["end_date"]) <= pd.Timestamp(day))]
    side_a = side_a.merge(ends, left_on="a", right_on="enterprise", how="left" if by_decision else "inner")
    side_a = side_a.drop(columns="enterprise")
    end = pd.to_datetime(side_a["end_date"])
    role_end = pd.to_datetime(side_a["valid_to"])
    role_end = role_end.where(role_end <= pd.Timestamp(day)) if by_decision else pd.Series(pd.NaT, index=side_a.index)
    exit_ = role_end.where(role_end.notna() & (end.isna() | (role_end < end)), end)
    side_a = side_a.assign(exit_date=exit_, exit_by=pd.Series("company", index=side_a.index).where(exit_ != role_end, "role"))
    side_a = side_a[side_a["exit_date"].notna()]
    j = side_a[["person", "role", "a", "valid_from", "exit_date"]].merge(
        ev[["subject", "event", "decided"]], left_on="a", right_on="subject")
    d = pd.to_datetime(j["decided"])
    after = (d - j["exit_date"]).dt.days
    if by_decision:
        start = pd.to_datetime(j["valid_from"])
        in_office = d.isna() | ((start.isna() | (d >= start)) & (d < j["exit_date"]))
        j = j[(in_office | ((after >= 0) & (after <= left_before))).to_numpy()]
        after = after[j.index].where(~in_office[j.index])
    else:
        after = after.where(pd.Series(False, index=after.index))  # "current": nobody left
    j = j.assign(left_days=after.where(after >= 0))
    got = j.groupby(["person", "role", "a"]).agg(a_events=("event", "nunique"), left_days_before=("left_days", "min"))
    side_a = side_a.merge(got.reset_index(), on=["person", "role", "a"])
    side_a["identity"] = res.identity_of(side_a["person"])
    side_a.attrs["events"] = j[["person", "a", "event"]]
    return side_a


def _phoenix_side_b(store, res, side_a: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Every company a record of A's people's identities represents (or represented), founded by ``day``."""
    want = sorted({m for i in set(side_a["identity"]) for m in res.members(i)})
    frames = [fetch(store, "legal_reps_of_people", {"uids": want[i:i + LOOKUP_BATCH]}, arrow=True)
              for i in range(0, len(want), LOOKUP_BATCH)] or [fetch(store, "legal_reps_of_people", {"uids": []})]
    side_b = pd.concat(frames, ignore_index=True)
    started = pd.to_datetime(side_b["valid_from"])
    side_b = side_b[side_b["founded"].notna().to_numpy() & (started.isna() | (started <= pd.Timestamp(day))).to_numpy()
                    & (pd.to_datetime(side_b["founded"]) <= pd.Timestamp(day)).to_numpy()]
    side_b = side_b.drop(columns=["valid_from", "valid_to"]).rename(columns={"person": "person_b", "enterprise": "b"})
    side_b = side_b.drop_duplicates(["person_b", "b"])
    return side_b.assign(identity=res.identity_of(side_b["person_b"]))


def _phoenix_lines(row) -> list[str]:
    """The case in words: how the person left A, when A was punished, when B was founded."""
    exit_day = pd.Timestamp(row["exit_date"]).date()
    b_line = f"{row['days_after']} 天后 {row['person_name']} 任法定代表人的 {row['b_name']} 成立"
    if row["exit_signal"] == ROLE_EXIT_TEXT:
        lines = [f"离开依据 exit: {row['person_name']} 于 {exit_day} 卸任/退出 {row['a_name']}"
                 f"（{code_text('roles', row['role_in_a'])}，{row['role_period']}）"]
        if not is_missing(row["left_days_before"]):
            lines.append(f"离开 {row['left_days_before']} 天后 {row['a_name']} 受到处罚 (left just before the penalty)")
        return [*lines, b_line]
    how = row["a_status"] if row["end_signal_key"] in ("dissolved_date", "status") and row["a_status"] else "终止"
    return [f"终止依据 end signal: {row['end_signal']}", f"{row['a_name']} {how}于 {exit_day}，{b_line}"]

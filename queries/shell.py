"""Shell-company (空壳公司) candidates: independent signals combined into a score.

Signals (each with its threshold parameter; ``SIGNALS`` names them):

* ``hub_legal_rep`` — the enterprise's legal representative (a resolved person:
  records joined by ``POSSIBLY_SAME_AS`` links scoring ≥ ``min_identity_score``
  count together, :mod:`queries.identity`) represents at least
  ``min_companies`` enterprises founded within ``window_days`` of each other,
  this one among them;
* ``shared_address`` — at least ``min_shared_address`` enterprises registered at
  the same address, unless it is a declared cluster address (集中办公区, legal);
* ``unreachable`` — listed as abnormal for being unreachable at the registered
  address (an abnormal_operation event whose reason contains 无法联系);
* ``low_paid_in`` — shareholders paid in at most ``max_paid_ratio`` of what they
  subscribed;
* ``circular_holding`` — the enterprise lies on a cycle of shareholdings
  (mutual or circular holding between enterprises);
* ``shared_contact`` — a phone or e-mail shared with an enterprise that has no
  legal representative in common with it;
* ``short_life`` — ended (dissolved date, or a status 注销/吊销/撤销/迁出 dated by its latest
  event: :mod:`queries.lifecycle`) within ``short_life_days`` of founding.

The score is the sum of the weights of the signals that fire (default weights
sum to 1); enterprises scoring at least ``min_score`` are candidates. The
default ``min_score`` (0.5) needs the hub signal plus one more, or several of
the others together: one signal alone is never enough. Candidates linked by
a shared hub, address, contact or holding cycle form a cluster
(``cluster_id``). Each step is one aggregate Cypher query or an edge scan; the
combination runs in pandas/SciPy.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from creditgraph.graph.inputs import preview  # error messages never echo a huge input
from creditgraph.queries._asof import decided_by, fetch_as_of, iso
from creditgraph.queries._base import (LOOKUP_BATCH, UNREACHABLE_REASON, add_nodes, as_of_date, days, fetch,
                                       in_dense_window, lookup, lookup_props, valid_on)
from creditgraph.queries.identity import DEFAULT_MIN_IDENTITY_SCORE, Resolution, add_links, check_score, resolve
from creditgraph.queries.lifecycle import company_ends
from creditgraph.queries.result import AnalysisResult, EvidenceBuilder, finish, format_ratio, mask_email, mask_phone

SIGNALS = {
    "hub_legal_rep": "法定代表人集中注册多家企业",
    "shared_address": "多家企业同一住所",
    "unreachable": "登记住所无法联系",
    "low_paid_in": "实缴资本极低",
    "circular_holding": "循环/相互持股",
    "shared_contact": "与无关企业共用联系方式",
    "short_life": "成立后短期注销/吊销",
}
DEFAULT_WEIGHTS = {
    "hub_legal_rep": 0.35,
    "shared_address": 0.20,
    "unreachable": 0.15,
    "low_paid_in": 0.10,
    "circular_holding": 0.10,
    "shared_contact": 0.05,
    "short_life": 0.05,
}
EVIDENCE_FANOUT = 30  # at most this many companies per hub / address / contact in one row's evidence


def _hubs(store, min_companies: int, window_days: int, res: Resolution,
          day: dt.date) -> tuple[dict[str, list[str]], dict]:
    """identity -> enterprises in a dense founding window (the windows of qualifying size), and
    (identity, enterprise) -> the person record that represents it, counting the roles valid on
    ``day``. A resolved person's records count together (:mod:`queries.identity`)."""
    # counted in the engine: only the roles of people with min_companies of them come back …
    hubs = fetch(store, "shell_hub_roles", {"as_of": day, "min_companies": int(min_companies)}, arrow=True)
    # … and those of resolved identities' records, which count together however few companies each has
    linked = fetch(store, "shell_linked_roles", {"as_of": day, "min_score": res.min_score}, arrow=True) \
        if res else hubs.iloc[:0]
    linked = linked[res.is_resolved(linked["person"])] if len(linked) else linked
    df = pd.concat([hubs, linked], ignore_index=True).drop_duplicates(["person", "enterprise"])
    df = df[df["founded"].notna()]
    if df.empty:
        return {}, {}
    df = df.assign(identity=res.identity_of(df["person"]), day=days(df["founded"]))
    df = df.sort_values(["identity", "day", "enterprise", "person"], kind="stable")
    rep = dict(zip(zip(df["identity"], df["enterprise"]), df["person"]))
    df = df.drop_duplicates(["identity", "enterprise"])
    codes, _ = pd.factorize(df["identity"], sort=True)
    member, _ = in_dense_window(codes, df["day"].to_numpy(), int(window_days), int(min_companies))
    out: dict[str, list[str]] = defaultdict(list)
    for p, e in zip(df["identity"].to_numpy()[member], df["enterprise"].to_numpy()[member]):
        out[p].append(e)
    return dict(out), rep


def _cycles(store, day: dt.date) -> tuple[dict[str, int], pd.DataFrame]:
    """Enterprises on a cycle of shareholdings valid on ``day`` -> strongly connected component id;
    and the edges inside them."""
    eh = fetch_as_of(store, "scan_enterprise_holdings", {}, day, arrow=True)
    eh = eh[eh["src"] != eh["dst"]]
    if eh.empty:
        return {}, eh
    codes, uniq = pd.factorize(pd.concat([eh["src"], eh["dst"]], ignore_index=True))
    n = len(uniq)
    s, d = codes[: len(eh)], codes[len(eh):]
    g = coo_matrix((np.ones(len(s)), (s, d)), shape=(n, n)).tocsr()
    _, comp = connected_components(g, directed=True, connection="strong")
    size = np.bincount(comp)
    on_cycle = size[comp] >= 2
    members = {uniq[i]: int(comp[i]) for i in np.flatnonzero(on_cycle)}
    inner = eh[(comp[s] == comp[d]) & on_cycle[s]]
    return members, inner


def _contacts(store, day: dt.date) -> tuple[dict[str, list[str]], dict[str, str], dict[str, set[str]]]:
    """Shared contacts whose enterprises include two without a common legal representative (on ``day``).

    Returns (contact -> enterprises, contact -> kind, enterprise -> contacts it fires on).
    """
    df = fetch(store, "shell_shared_contacts", {}, arrow=True)
    if len(df):  # a representative not in office on the day: the company counts as without one
        df = df.assign(rep=df["rep"].where(valid_on(df["valid_from"], df["valid_to"], day)))
        has_rep = df.groupby(["contact", "enterprise"])["rep"].transform("count") > 0
        df = df[df["rep"].notna() | ~has_rep].drop_duplicates(["contact", "kind", "enterprise", "rep"])
    groups: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    fired: dict[str, set[str]] = defaultdict(set)
    if df.empty:
        return groups, kinds, fired
    for (contact, kind), g in df.groupby(["contact", "kind"], sort=False):
        reps: dict[str, set[str]] = defaultdict(set)
        for e, r in zip(g["enterprise"], g["rep"]):
            reps[e].add(r if isinstance(r, str) else f"?{e}")  # unknown representative: nobody else's
        if len(reps) < 2:
            continue
        with_rep: dict[str, set[str]] = defaultdict(set)
        for e, rs in reps.items():
            for r in rs:
                with_rep[r].add(e)
        hit = []
        for e, rs in reps.items():
            related = set().union(*(with_rep[r] for r in rs))
            if len(reps) - len(related) > 0:
                hit.append(e)
        if hit:
            groups[contact] = list(reps)
            kinds[contact] = kind
            for e in hit:
                fired[e].add(contact)
    return groups, kinds, fired


def shell_company_candidates(store, min_companies: int = 5, window_days: int = 180, max_paid_ratio: float = 0.05,
                             min_shared_address: int = 3, short_life_days: int = 730,
                             weights: dict[str, float] | None = None, min_score: float = 0.5,
                             include_history: bool = False,
                             min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE,
                             as_of: dt.date | str | None = None) -> AnalysisResult:
    """Score every enterprise on the shell-company signals; return those scoring at least ``min_score``.

    Parameters
    ----------
    store : GraphStore
        The graph.
    min_companies : int
        Hub signal: a legal representative of at least this many enterprises (default 5) …
    window_days : int
        … founded within this many days of each other (default 180).
    max_paid_ratio : float
        Low paid-in signal: paid-in ≤ this share of subscribed capital (default 0.05).
    min_shared_address : int
        Shared-address signal: at least this many enterprises at one non-cluster address (default 3).
    short_life_days : int
        Short-life signal: deregistered or revoked within this many days of founding (default 730).
    weights : dict, optional
        Weight per signal (keys of ``SIGNALS``); missing keys keep ``DEFAULT_WEIGHTS``.
    min_score : float
        Report enterprises whose summed weights reach this (default 0.5).
    include_history : bool
        Count removed / repaired / withdrawn unreachable listings too.
    min_identity_score : float
        Hub signal: person records joined by POSSIBLY_SAME_AS links scoring at least this
        are one person and their companies count together (default 0.9).
    as_of : date or str, optional
        The day the graph is seen on (default today): only roles and holdings valid that day,
        listings decided on or before it, ends of life on or before it.

    Returns
    -------
    AnalysisResult
        ``table``: one row per candidate: ``uid, name, cluster_id, cluster_size, score,
        signals`` (Chinese names), ``signal_keys``, ``hub_persons``, ``address``,
        ``status, founded, dissolved, region, identity_members`` (the records the hub
        persons stand for); ordered by cluster (strongest first) then score. ``extras["clusters"]``: one row per cluster. ``evidence[row_id]``:
        the hub and its companies, the shared address or contact and who shares it,
        the listings, the shareholdings, the holding cycle.

    Complexity: the identity resolution (O(L) in the identity links, time and memory), then one
    query per signal, each aggregated or filtered in the engine so that only candidates come back:
    the hub roles (people with ``min_companies`` roles, counted in the engine, and the roles of
    people with identity links: h rows), shared addresses and contacts (groups at or over their
    thresholds), unreachable listings, low paid-in, the enterprise-to-enterprise holdings (for the
    cycles), the ended companies (d rows) and their latest events; pandas and SciPy on those rows:
    O((h + d + c) log) time and O(h + d + c + L) memory for c candidate rows. The engine's scans are
    O(n + p + edges) time; its working memory (aggregations over people, addresses, contacts) lives in
    its buffer pool.

    Example
    -------
    张三 registers three companies within a month at one (non-cluster) address:
    with ``min_companies=3`` the hub and shared-address signals fire (0.35 + 0.20).

    >>> from creditgraph.queries.testing import toy_store
    >>> ents = [("Enterprise", f"E{i}", {"name": f"壳{i}", "founded": f"2024-01-0{i}"}) for i in (1, 2, 3)]
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}), ("Address", "A1", {"text": "某路1号", "cluster": False}),
    ...                *ents],
    ...               [*[("LEGAL_REP", "ID:1", f"E{i}") for i in (1, 2, 3)],
    ...                *[("HAS_ADDRESS", f"E{i}", "A1") for i in (1, 2, 3)]])
    >>> r = shell_company_candidates(s, min_companies=3)
    >>> r.table[["name", "cluster_id", "score"]].values.tolist()
    [['壳1', 1, 0.55], ['壳2', 1, 0.55], ['壳3', 1, 0.55]]
    >>> r.table["signals"][0]
    '法定代表人集中注册多家企业、多家企业同一住所'
    >>> s.close()
    """
    w = dict(DEFAULT_WEIGHTS)
    for k, v in (weights or {}).items():
        if k not in SIGNALS:
            raise ValueError(f"unknown signal {preview(k)}; signals are {list(SIGNALS)}")
        w[k] = float(v)
    params = {"min_companies": min_companies, "window_days": window_days, "max_paid_ratio": max_paid_ratio,
              "min_shared_address": min_shared_address, "short_life_days": short_life_days, "weights": w,
              "min_score": min_score, "include_history": include_history,
              "min_identity_score": check_score(min_identity_score)}
    day = as_of_date(as_of)
    params["as_of"] = iso(day)
    fired: dict[str, set[str]] = {k: set() for k in SIGNALS}

    res = resolve(store, min_identity_score)
    hubs, hub_rep = _hubs(store, min_companies, window_days, res, day)
    hub_of: dict[str, list[str]] = defaultdict(list)
    for p, es in hubs.items():
        for e in es:
            hub_of[e].append(p)
    fired["hub_legal_rep"] = set(hub_of)

    addr = fetch(store, "shell_shared_addresses", {"min_shared": int(min_shared_address)}, arrow=True)
    addr_members = addr.groupby("address")["enterprise"].agg(list).to_dict() if len(addr) else {}
    addr_of: dict[str, list[str]] = defaultdict(list)
    for a, es in addr_members.items():
        for e in es:
            addr_of[e].append(a)
    fired["shared_address"] = set(addr_of)

    unr = fetch(store, "shell_unreachable", {"reason": UNREACHABLE_REASON, "history": bool(include_history),
                                             "as_of": day}, arrow=True)
    fired["unreachable"] = set(unr["enterprise"])

    paid = fetch(store, "shell_paid_in", {"max_paid_ratio": float(max_paid_ratio), "as_of": day}, arrow=True)
    paid_of = {e: (s_, p_) for e, s_, p_ in zip(paid["enterprise"], paid["subscribed"], paid["paid"])}
    fired["low_paid_in"] = set(paid_of)

    cycle_of, cycle_edges = _cycles(store, day)
    fired["circular_holding"] = set(cycle_of)

    contact_members, contact_kind, contacts_fired = _contacts(store, day)
    fired["shared_contact"] = set(contacts_fired)

    life = _short_life(store, short_life_days, include_history, day)
    life_of = {e: (f, d, st if k == "dissolved_date" else f"{st}（终止依据 {sig}）", n) for e, f, d, st, n, k, sig in
               zip(life["enterprise"], life["founded"], life["end_date"], life["status"], life["life_days"],
                   life["end_signal_key"], life["end_signal"])}
    fired["short_life"] = set(life_of)

    score: dict[str, float] = defaultdict(float)
    for k, fired_ents in fired.items():
        for e in fired_ents:
            score[e] += w[k]
    cands = sorted(e for e, sc in score.items() if sc >= min_score - 1e-9)
    idx = {e: i for i, e in enumerate(cands)}

    # clusters: candidates linked through a hub, an address, a contact or a holding cycle
    groups: list[list[str]] = [*hubs.values(), *addr_members.values(), *contact_members.values()]
    by_cycle: dict[int, list[str]] = defaultdict(list)
    for e, c in cycle_of.items():
        by_cycle[c].append(e)
    groups += list(by_cycle.values())
    rows_i, cols_i = [], []
    for g in groups:
        members = [idx[e] for e in g if e in idx]
        rows_i += members[:1] * (len(members) - 1)
        cols_i += members[1:]
    n = len(cands)
    if n:
        adj = coo_matrix((np.ones(len(rows_i)), (rows_i, cols_i)), shape=(n, n))
        _, comp = connected_components(adj, directed=False)
    else:
        comp = np.zeros(0, np.int64)

    info = lookup(store, "Enterprise", cands).set_index("uid") if n else pd.DataFrame()
    hub_names = lookup(store, "Person", sorted({p for e in cands for p in hub_of.get(e, ())})).set_index("uid")
    addr_text = lookup(store, "Address", sorted({a for e in cands for a in addr_of.get(e, ())})).set_index("uid")

    def col(e, c):
        return info[c].get(e) if n and c in info.columns and e in info.index else None

    rows = []
    for e in cands:
        keys = [k for k in SIGNALS if e in fired[k]]
        hp = hub_of.get(e, [])
        rows.append({
            "uid": e, "name": col(e, "name"), "_comp": int(comp[idx[e]]), "score": round(score[e], 6),
            "signals": "、".join(SIGNALS[k] for k in keys), "signal_keys": keys, "n_signals": len(keys),
            "hub_persons": hp, "hub_names": [hub_names["name"].get(p) if p in hub_names.index else None for p in hp],
            "address": next((addr_text["text"].get(a) for a in addr_of.get(e, []) if a in addr_text.index),
                            col(e, "address")),
            "status": col(e, "status"), "founded": col(e, "founded"), "dissolved": col(e, "dissolved"),
            "region": col(e, "region"), "identity_members": [m for p in hp for m in res.members(p)],
        })
    table = pd.DataFrame(rows, columns=["uid", "name", "_comp", "score", "signals", "signal_keys", "n_signals",
                                        "hub_persons", "hub_names", "address", "status", "founded", "dissolved",
                                        "region", "identity_members"])
    # number clusters: strongest (max score, then size) first
    if n:
        stats = table.groupby("_comp").agg(best=("score", "max"), size=("uid", "size"), first=("uid", "min"))
        stats = stats.sort_values(["best", "size", "first"], ascending=[False, False, True])
        number = {c: i + 1 for i, c in enumerate(stats.index)}
        table["cluster_id"] = table["_comp"].map(number).astype("int64")
        table["cluster_size"] = table["_comp"].map(stats["size"]).astype("int64")
        table = table.sort_values(["cluster_id", "score", "uid"], ascending=[True, False, True])
    else:
        table["cluster_id"] = pd.Series(dtype="int64")
        table["cluster_size"] = pd.Series(dtype="int64")
    table = table.drop(columns="_comp")
    table = table[["uid", "name", "cluster_id", "cluster_size", "score", "signals", "signal_keys", "n_signals",
                   "hub_persons", "hub_names", "address", "status", "founded", "dissolved", "region",
                   "identity_members"]]
    clusters = _cluster_table(table)

    context = _Fired(hubs=hubs, hub_of=hub_of, hub_rep=hub_rep, res=res, addr_members=addr_members, addr_of=addr_of,
                     unr=unr, paid_of=paid_of, cycle_of=cycle_of, cycle_edges=cycle_edges,
                     contact_members=contact_members, contact_kind=contact_kind, contacts_fired=contacts_fired,
                     life_of=life_of, max_paid_ratio=max_paid_ratio, day=day)

    def build(row):
        return _evidence(store, row["uid"], context)

    return finish("shell_company_candidates", params, table, build, extras={"clusters": clusters})


def _short_life(store, short_life_days: int, include_history: bool, day: dt.date) -> pd.DataFrame:
    """Enterprises that ended (:mod:`queries.lifecycle`: a dissolved date, or an end status dated by
    the latest event decided by ``day``) on or before ``day``, within ``short_life_days`` of founding."""
    ended = fetch(store, "shell_short_life", arrow=True)
    undated = ended.loc[ended["dissolved"].isna(), "enterprise"].tolist()
    frames = [fetch(store, "events_of", {"uids": undated[i:i + LOOKUP_BATCH], "history": bool(include_history)},
                    arrow=True) for i in range(0, len(undated), LOOKUP_BATCH)]
    events = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["subject", "kind", "decided"])
    ends = company_ends(ended.rename(columns={"enterprise": "uid"}), decided_by(events, day))
    ends = ends[ends["end_signal_key"].isin(["dissolved_date", "status"]) & ends["end_date"].notna()]
    ends = ends[pd.to_datetime(ends["end_date"], errors="coerce") <= pd.Timestamp(day)]
    life = ended.merge(ends, left_on="enterprise", right_on="enterprise")
    span = days(life["end_date"]) - days(life["founded"])
    return life.assign(life_days=span)[(span >= 0) & (span <= int(short_life_days))]


def _cluster_table(table: pd.DataFrame) -> pd.DataFrame:
    cols = ["cluster_id", "size", "score_max", "score_mean", "signals", "hub_persons", "addresses", "members"]
    if table.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for cid, g in table.groupby("cluster_id", sort=True):
        keys = [k for k in SIGNALS if any(k in ks for ks in g["signal_keys"])]
        out.append({
            "cluster_id": int(cid), "size": len(g), "score_max": float(g["score"].max()),
            "score_mean": round(float(g["score"].mean()), 6), "signals": "、".join(SIGNALS[k] for k in keys),
            "hub_persons": sorted({p for ps in g["hub_persons"] for p in ps}),
            "addresses": sorted({a for a in g["address"] if isinstance(a, str)}),
            "members": list(g["uid"]),
        })
    return pd.DataFrame(out, columns=cols)


@dataclass
class _Fired:
    """What fired, per signal, for the evidence of any flagged enterprise (built once per scan)."""

    hubs: dict            # hub person -> the companies it heads (founded close together)
    hub_of: dict          # enterprise -> its hub people
    hub_rep: dict         # (hub identity, enterprise) -> the person record that is legal representative there
    res: Resolution       # resolved people (identity links)
    addr_members: dict    # shared address -> its companies
    addr_of: dict         # enterprise -> its shared addresses
    unr: pd.DataFrame     # unreachable-at-address listings
    paid_of: dict         # enterprise -> (subscribed, paid) where paid-in capital is tiny
    cycle_of: dict        # enterprise -> its circular-holding component
    cycle_edges: pd.DataFrame
    contact_members: dict  # shared phone / e-mail -> its companies
    contact_kind: dict     # shared contact -> "Phone" | "Email"
    contacts_fired: dict   # enterprise -> its shared contacts that fired
    life_of: dict          # enterprise -> (founded, ended, status, days) of a short life
    max_paid_ratio: float
    day: dt.date           # as_of: the roles and holdings shown are those valid that day


@dataclass
class _Picture:
    """What the evidence of one enterprise shows, gathered signal by signal."""

    e: str
    ents: set[str] = field(default_factory=set)
    persons: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    contacts: dict[str, set[str]] = field(default_factory=lambda: {"Phone": set(), "Email": set()})
    steps: list[tuple[list[str], list[tuple[str, bool]], list[dict] | None]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    links: list[pd.DataFrame] = field(default_factory=list)

    def step(self, uids: list[str], rel: str, props: list[dict] | None = None) -> None:
        self.steps.append((uids, [(rel, True)] * (len(uids) - 1), props))


def _hub_picture(pic: _Picture, c: _Fired) -> None:
    """The hub people's companies (legal representative of many) and the identity links relied on."""
    for p in c.hub_of.get(pic.e, []):
        for f in c.hubs[p][:EVIDENCE_FANOUT]:
            pic.ents.add(f)
            r = c.hub_rep.get((p, f), p)
            pic.persons.add(r)
            pic.step([r, f], "LEGAL_REP")
        if len(c.res.members(p)) > 1:
            pic.links.append(c.res.links(p))


def _address_picture(pic: _Picture, c: _Fired) -> None:
    for a in c.addr_of.get(pic.e, []):
        pic.addresses.add(a)
        pic.step([pic.e, a], "HAS_ADDRESS")
        for f in c.addr_members[a][:EVIDENCE_FANOUT]:
            if f != pic.e:
                pic.ents.add(f)
                pic.step([f, a], "HAS_ADDRESS")


def _contact_picture(pic: _Picture, c: _Fired) -> None:
    for contact in sorted(c.contacts_fired.get(pic.e, ())):
        kind = c.contact_kind[contact]
        pic.contacts[kind].add(contact)
        rel = "HAS_PHONE" if kind == "Phone" else "HAS_EMAIL"
        for f in c.contact_members[contact][:EVIDENCE_FANOUT]:
            pic.ents.add(f)
            pic.step([f, contact], rel)


def _cycle_picture(pic: _Picture, c: _Fired) -> None:
    comp, cyc = c.cycle_of.get(pic.e), c.cycle_edges
    if comp is None or not len(cyc):
        return
    members = {u for u, k in c.cycle_of.items() if k == comp}
    inner = cyc[cyc["src"].isin(members) & cyc["dst"].isin(members)]
    for s_, d_, r_ in zip(inner["src"], inner["dst"], inner["ratio"]):
        pic.ents.update((s_, d_))
        pic.step([s_, d_], "HOLDS_SHARES", [{"ratio": r_}])


def _capital_picture(store, pic: _Picture, c: _Fired) -> pd.DataFrame | None:
    """The holders behind a tiny paid-in share (read here: only companies where it fired)."""
    if pic.e not in c.paid_of:
        return None
    holders = fetch_as_of(store, "holders_of", {"uid": pic.e}, c.day)
    for h, hl in zip(holders["src"], holders["src_label"]):
        (pic.persons if hl == "Person" else pic.ents).add(h)
    sub, paid = c.paid_of[pic.e]
    share = paid / sub if sub else 0.0
    pic.lines.append(f"认缴 {sub:,.0f} 元，实缴 {paid:,.0f} 元（{format_ratio(share)}，"
                     f"阈值 {format_ratio(c.max_paid_ratio)}）")
    return holders


def _life_picture(pic: _Picture, c: _Fired) -> None:
    if pic.e in c.life_of:
        f, d, st, nd = c.life_of[pic.e]
        pic.lines.append(f"成立 {pd.Timestamp(f).date()}，{st} {pd.Timestamp(d).date()}（存续 {int(nd)} 天）")


def _evidence(store, e: str, c: _Fired):
    """The evidence of one flagged enterprise: each fired signal adds its part of the picture."""
    pic = _Picture(e, ents={e})
    _hub_picture(pic, c)
    _address_picture(pic, c)
    _contact_picture(pic, c)
    _cycle_picture(pic, c)
    holders = _capital_picture(store, pic, c)
    _life_picture(pic, c)

    b = EvidenceBuilder()
    props = lookup_props(store, {"Enterprise": pic.ents, "Person": pic.persons, "Address": pic.addresses,
                                 "Phone": pic.contacts["Phone"], "Email": pic.contacts["Email"]})
    add_nodes(b, props, [*pic.ents, *pic.persons, *pic.addresses, *pic.contacts["Phone"], *pic.contacts["Email"]])
    for kind, uids in pic.contacts.items():
        for u in uids:
            if not b.has_node(u):
                b.node(u, kind, masked=mask_phone(u) if kind == "Phone" else mask_email(u))
    events = c.unr[c.unr["enterprise"] == e]
    for ev, dec, st, reason in zip(events["event"], events["decided"], events["status"], events["reason"]):
        b.node(ev, "PenaltyEvent", kind="abnormal_operation", decided=dec, status=st, reason=reason)
        pic.step([e, ev], "PENALIZED")
    if holders is not None:
        for h, hl, hn, r_, s_, p_ in zip(holders["src"], holders["src_label"], holders["src_name"], holders["ratio"],
                                        holders["subscribed"], holders["paid"]):
            if not b.has_node(h):
                b.node(h, hl, name=hn)
            pic.step([h, e], "HOLDS_SHARES", [{"ratio": r_, "subscribed": s_, "paid": p_}])
    for path_uids, steps, rp in pic.steps:
        b.path(path_uids, steps, rp)
    lines = pic.lines
    for found in pic.links:
        lines += add_links(b, found)
    return b.build(extra_lines=lines)

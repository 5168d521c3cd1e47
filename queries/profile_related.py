"""The related parties of a credit profile (queries.profile): the parties connected to one party through
a shared person, corporate shareholder, address, phone, e-mail or identity link, and its own people and
companies, each with what connects them in words and its active penalties.

On LadybugDB the connections through roles and holdings are read by keyed hops (:func:`related_rows`): the
party's own edges, then those of the parties at their far ends, the same rows as the two-hop queries
``profile_related_enterprise`` / ``profile_related_person`` (which LadybugDB answers by scanning the
relationship tables: ~100-250 ms at 1M enterprises, against ~10 ms); Neo4j runs those queries.

>>> _roles(["HOLDS_SHARES", "LEGAL_REP"])
'法定代表人/股东'
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import pandas as pd

from creditgraph.graph.model import MODEL
from creditgraph.graph.store import GraphStore
from creditgraph.queries._base import as_of_date, is_missing as _is_missing
from creditgraph.queries.result import format_ratio
from creditgraph.queries.search import region_name

RELATED_LIMIT = 200
PERSON_PREFIXES = ("ID:", "NM:")  # how people's uids start (graph/schema.yaml)


_REGION_MEMO: dict[int, tuple[pd.DataFrame, dict]] = {}


def _region_name(code: Any, table: pd.DataFrame) -> str:
    """:func:`queries.search.region_name`, remembered per code for each region table (it builds the
    table's name map on every call: ~1 ms, several times per profile)."""
    if not isinstance(code, str):
        return region_name(code, table)
    memo = _REGION_MEMO.get(id(table))
    if memo is None or memo[0] is not table:
        if len(_REGION_MEMO) >= 128:  # one per region table: per store, per thread view (app.stores)
            _REGION_MEMO.clear()
        memo = _REGION_MEMO[id(table)] = (table, {})
    try:
        return memo[1][code]
    except KeyError:
        name = memo[1][code] = region_name(code, table)
        return name

class ActiveCounts:
    """Active penalty events per party (enterprises and people) decided by ``day``, for the whole graph,
    from one scan of the active events (``profile_active_events``: ~0.1 s at 1M enterprises, O(active
    events)): a server builds it once per graph version and day, and a profile's counts are then
    dictionary reads instead of a query (a few ms each on LadybugDB)."""

    def __init__(self, counts: Mapping[str, int], day: dt.date, version: str | None = None):
        self.counts, self.day, self.version = dict(counts), day, version

    @classmethod
    def build(cls, store: GraphStore, as_of=None, version: str | None = None) -> "ActiveCounts":
        day = as_of_date(as_of)
        ev = store.query("profile_active_events", scan=True)
        decided = pd.to_datetime(ev["decided"], errors="coerce")
        ev = ev[(decided.isna() | (decided <= pd.Timestamp(day))).to_numpy()]
        return cls(ev.groupby("uid").size().astype(int).to_dict(), day, version)

    def of(self, uids) -> dict[str, int]:
        """The counts of ``uids`` (0 for a party without active events; a uid not in the graph too)."""
        return {u: self.counts.get(u, 0) for u in uids if isinstance(u, str)}


def active_counts(store: GraphStore, uids: list[str], as_of=None, index: ActiveCounts | None = None) -> dict[str, int]:
    """Active penalty events per party (enterprises and people) for a list of uids, decided by ``as_of``;
    read off ``index`` when it holds that day."""
    uids = sorted({u for u in uids if isinstance(u, str)})
    if not uids:
        return {}
    day = as_of_date(as_of)
    if index is not None and index.day == day:
        return index.of(uids)
    # one label's branch per read (graph/schema.yaml: people's uids start with ID: or NM:), the uids it
    # does not hold then looked up under the other label
    people = [u for u in uids if u.startswith(PERSON_PREFIXES)]
    out: dict[str, int] = {}
    for first, rest, other in (("enterprise", [u for u in uids if not u.startswith(PERSON_PREFIXES)], "person"),
                               ("person", people, "enterprise")):
        if not rest:
            continue
        df = store.query(f"profile_active_counts_{first}", {"uids": rest, "as_of": day})
        found = dict(zip(df["uid"], df["active_penalties"].astype(int)))
        missing = [u for u in rest if u not in found]
        if missing:
            df = store.query(f"profile_active_counts_{other}", {"uids": missing, "as_of": day})
            found.update(zip(df["uid"], df["active_penalties"].astype(int)))
        out.update(found)
    return out


_ROLE = {"LEGAL_REP": "法定代表人", "HOLDS_SHARES": "股东"}


def _roles(values) -> str:
    return "/".join(_ROLE.get(v, v) for v in sorted(set(values), key=lambda v: (v != "LEGAL_REP", v)))


def _via_text(r: Mapping[str, Any]) -> str:
    """One connection in words, e.g. ``同一自然人 张三 (法定代表人/股东)``."""
    lab, name = r["via_label"], r["via_name"]
    if lab == "Person":
        if "POSSIBLY_SAME_AS" in r["via_rels"]:
            score = r.get("score")
            return f"疑似同一人: {name}" + ("" if _is_missing(score) else f" ({score:.2f})")
        return f"同一自然人 {name} (在本企业任{_roles(r['via_rels'])}，在对方任{_roles(r['rels'])})"
    if lab == "Enterprise":
        if r["label"] == "Enterprise":
            return f"同一企业股东 {name}"
        return f"同在 {name} (本人任{_roles(r['via_rels'])}，对方任{_roles(r['rels'])})"
    if lab == "Address":
        return f"同一住所 {name}" + (" (集中办公区)" if bool(r.get("via_cluster")) else "")
    if lab == "Phone":
        return f"同一电话 {name}"
    if lab == "Email":
        return f"同一邮箱 {name}"
    return str(name or "")


#: The order the related-party rows are kept in (whatever order a store returned them in), so that
#: the joined connections and the first row of each kind read the same on both stores.
RELATED_ORDER = ["uid", "via_label", "via_uid", "via_rel", "rel"]
_ENTERPRISE_RELATED = ["uid", "label", "name", "status", "region", "via_label", "via_uid", "via_name", "via_rel",
                       "rel", "via_cluster"]
_PERSON_RELATED = ["uid", "label", "name", "status", "region", "via_label", "via_uid", "via_name", "via_rel", "rel",
                   "score"]


def _in_order(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(RELATED_ORDER, kind="stable", na_position="last").reset_index(drop=True) if len(df) else df


def _two_hops(first: pd.DataFrame, second: pd.DataFrame, uid: str, day: dt.date, limit: int) -> pd.DataFrame:
    """The rows of a two-hop branch: each valid first-hop edge (``via_uid, via_name, via_rel``) joined with
    each valid second-hop edge of its far end (``via_uid, rel, uid, name, status, region``) that does not
    come back to ``uid``; at most ``limit`` rows (the first in :data:`RELATED_ORDER`)."""
    from creditgraph.queries._asof import valid_rows

    second = valid_rows(second[second["uid"].notna()], day)
    second = second[second["uid"] != uid]
    if first.empty or second.empty:
        return pd.DataFrame()
    rows = first[["via_uid", "via_name", "via_rel"]].merge(
        second[["via_uid", "rel", "uid", "name", "status", "region"]], on="via_uid")
    return _in_order(rows.assign(via_label=first["via_label"].iloc[0])).head(limit)


_SHARERS = {"Address": ("profile_address_sharers", "HAS_ADDRESS"), "Phone": ("profile_phone_sharers", "HAS_PHONE"),
            "Email": ("profile_email_sharers", "HAS_EMAIL")}


def _contact_sharers(store: GraphStore, uid: str, label: str, limit: int) -> list[pd.DataFrame]:
    """The parties sharing an address, phone or e-mail with ``uid``, one frame per kind of contact (each
    at most ``limit`` rows, the first in :data:`RELATED_ORDER`): the party's contact nodes, then each
    node's sharers read by key (~0.1-0.2 ms a read on LadybugDB at 1M enterprises; the one two-hop query
    per kind took ~1.3 ms)."""
    nodes = store.query(f"profile_contact_nodes_{label.lower()}", {"uid": uid})
    out = []
    for kind, group in nodes.groupby("via_label", sort=True):
        name, rel = _SHARERS[kind]
        frames = [store.query(name, {"key": n.key, "uid": uid, "limit": limit}).assign(
                      via_label=kind, via_uid=n.via_uid, via_name=n.via_name, via_cluster=bool(n.via_cluster))
                  for n in group.itertuples(index=False)]
        rows = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
        if rows is not None:
            out.append(_in_order(rows.assign(via_rel=rel, rel=rel)).head(limit))
    return out


def _related_keyed(store: GraphStore, uid: str, label: str, day: dt.date, limit: int) -> pd.DataFrame:
    """``profile_related_enterprise`` / ``profile_related_person``'s rows, the branches through roles and
    holdings read as two keyed hops (the party's own edges, then those of the parties at their far ends)
    instead of one two-hop pattern, which LadybugDB 0.22 answers by scanning the relationship tables
    (~100-250 ms a branch at 1M enterprises against ~1-2 ms a hop). The same rows (each branch cut at
    ``limit`` rows as the query's ``LIMIT`` does, in :data:`RELATED_ORDER`)."""
    from creditgraph.queries._asof import valid_rows

    parts = []
    if label == "Enterprise":
        first = valid_rows(store.query("profile_related_enterprise_roles", {"uid": uid}), day)
        people = first[first["via_label"] == "Person"]
        holders = first[(first["via_label"] == "Enterprise") & (first["via_rel"] == "HOLDS_SHARES")]
        if len(people):
            second = store.query("profile_related_people_roles", {"people": list(dict.fromkeys(people["via_uid"]))})
            parts.append(_two_hops(people, second, uid, day, limit).assign(label="Enterprise"))
        if len(holders):
            second = store.query("profile_related_holder_holdings",
                                 {"holders": list(dict.fromkeys(holders["via_uid"]))}).assign(rel="HOLDS_SHARES")
            parts.append(_two_hops(holders, second, uid, day, limit).assign(label="Enterprise"))
        parts = [p.assign(via_cluster=False) for p in parts if len(p)]
        parts.extend(_contact_sharers(store, uid, label, limit))
        cols = _ENTERPRISE_RELATED
    else:
        first = valid_rows(store.query("profile_related_person_roles", {"uid": uid}), day)
        if len(first):
            second = store.query("profile_related_enterprise_people",
                                 {"enterprises": list(dict.fromkeys(first["via_uid"]))})
            rows = _two_hops(first.assign(via_label="Enterprise"), second, uid, day, limit)
            parts.append(rows.assign(label="Person", score=None))
        parts.append(store.query("profile_related_person_same", {"uid": uid, "limit": limit}))
        parts.extend(p.assign(score=None) for p in _contact_sharers(store, uid, label, limit))
        cols = _PERSON_RELATED
    parts = [p[cols] for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def related_rows(store: GraphStore, uid: str, label: str, day: dt.date, limit: int = RELATED_LIMIT) -> pd.DataFrame:
    """The connection rows of a party's related parties (one row per connection: ``uid, label, name,
    status, region, via_label, via_uid, via_name, via_rel, rel`` and ``via_cluster`` for an enterprise,
    ``score`` for a person), roles and holdings valid on ``day``, in :data:`RELATED_ORDER`, read by keyed
    hops (:func:`_related_keyed`) on both stores: one two-hop pattern with the roles' periods makes
    LadybugDB scan (100-250 ms at 1M), the hops read by key take a few ms."""
    return _in_order(_related_keyed(store, uid, label, day, limit))


def _first(held: Any, v: Any) -> Any:
    """pandas' groupby ``first``: the first value that is not missing."""
    return v if _is_missing(held) and not _is_missing(v) else held


def _most(held: Any, v: Any) -> Any:
    """pandas' groupby ``max``, missing values skipped."""
    return v if _is_missing(held) or (not _is_missing(v) and v > held) else held


def _connections(raw: pd.DataFrame) -> list[dict]:
    """The connection rows grouped by (party, via_label, via_uid) in the order met: the first value
    of each column that is not missing, the lists of ``via_rel`` and ``rel``, the largest ``via_cluster``
    and ``score`` (pandas' groupby first / list / max, without its fixed cost)."""
    groups: dict[tuple, dict] = {}
    for r in raw.to_dict("records"):
        key = tuple(None if _is_missing(r[k]) else r[k] for k in ("uid", "via_label", "via_uid"))
        g = groups.get(key)
        if g is None:
            g = groups[key] = {"uid": r["uid"], "via_label": r["via_label"], "via_uid": r["via_uid"], "label": None,
                               "name": None, "status": None, "region": None, "via_name": None, "via_rels": [],
                               "rels": [], "via_cluster": None, "score": None}
        for f in ("label", "name", "status", "region", "via_name"):
            g[f] = _first(g[f], r[f])
        g["via_rels"].append(r["via_rel"])
        g["rels"].append(r["rel"])
        g["via_cluster"], g["score"] = _most(g["via_cluster"], r["via_cluster"]), _most(g["score"], r["score"])
    return list(groups.values())


def _related(store: GraphStore, uid: str, label: str, region_table: pd.DataFrame,
             day: dt.date, raw: pd.DataFrame | None = None,
             counts: Mapping[str, int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Related parties (one row per party, the connections joined) and the raw connection rows; a
    connection through a role or holding counts when both are valid on ``day``. ``raw``: the rows of
    :func:`related_rows` when already read; ``counts``: active penalties by uid when already read."""
    raw = related_rows(store, uid, label, day) if raw is None else raw
    cols = ["uid", "label", "label_zh", "name", "status", "region_name", "via", "via_kinds", "active_penalties"]
    if raw.empty:
        return pd.DataFrame(columns=cols), raw
    if "via_cluster" not in raw.columns:
        raw["via_cluster"] = False
    if "score" not in raw.columns:
        raw["score"] = None
    conn = _connections(raw)
    counts = active_counts(store, [c["uid"] for c in conn]) if counts is None else counts
    parties: dict[Any, dict] = {}
    for c in conn:
        via = _via_text(c)
        p = parties.get(c["uid"])
        if p is None:
            parties[c["uid"]] = {**{f: c[f] for f in ("uid", "label", "name", "status", "region")},
                                 "via": [via], "via_kinds": [c["via_label"]]}
            continue
        for f in ("label", "name", "status", "region"):
            p[f] = _first(p[f], c[f])
        p["via"] += [via] if via not in p["via"] else []
        p["via_kinds"] += [c["via_label"]] if c["via_label"] not in p["via_kinds"] else []
    out = pd.DataFrame([{
        "uid": p["uid"], "label": p["label"], "name": p["name"], "status": p["status"],
        "label_zh": MODEL.node(p["label"]).label_zh if p["label"] in MODEL.nodes else p["label"],
        "region_name": _region_name(p["region"], region_table), "via": "；".join(p["via"]),
        "via_kinds": ",".join(p["via_kinds"]), "active_penalties": int(counts.get(p["uid"], 0))}
        for p in parties.values()])
    out = out.sort_values(["active_penalties", "label", "name"], ascending=[False, True, True], kind="stable")
    return out[cols].reset_index(drop=True), raw


def _direct_rows(label: str, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The party's own people and companies, current and former (the profile's tables), as related-party
    rows: ``uid, label, name, via, status, region`` (a person's status: the masked ID number); a former
    one's connection names its period."""
    parts = []
    for key, former in (("", False), ("former_", True)):
        reps, sh = tables.get(key + "legal_reps"), tables.get(key + "shareholders")
        roles, hold = tables.get(key + "roles"), tables.get(key + "holdings")
        when = (lambda df: " (" + df["period"] + ")") if former else (lambda df: "")
        if label == "Enterprise" and reps is not None and len(reps):
            text = "本企业原法定代表人 former legal representative" if former else "本企业法定代表人 legal representative"
            parts.append(pd.DataFrame({"uid": reps["person_uid"], "label": "Person", "name": reps["person_name"],
                                       "via": text + when(reps), "status": reps["id_masked"],
                                       "region": reps["person_region"]}))
        if label == "Enterprise" and sh is not None and len(sh):
            text = "本企业原股东 former shareholder " if former else "本企业股东 shareholder "
            parts.append(pd.DataFrame({"uid": sh["holder_uid"], "label": sh["holder_label"], "name": sh["holder_name"],
                                       "via": text + sh["ratio"].map(_ratio_text) + when(sh),
                                       "status": sh["holder_status"], "region": sh["holder_region"]}))
        if label == "Person" and roles is not None and len(roles):
            text = "本人曾任法定代表人 former legal representative" if former else "本人任法定代表人 legal representative"
            parts.append(pd.DataFrame({"uid": roles["uid"], "label": "Enterprise", "name": roles["name"],
                                       "via": text + when(roles), "status": roles["status"], "region": roles["region"]}))
        if hold is not None and len(hold):
            text = "原对外投资 former holding " if former else "对外投资 holding "
            parts.append(pd.DataFrame({"uid": hold["uid"], "label": "Enterprise", "name": hold["name"],
                                       "via": text + hold["ratio"].map(_ratio_text) + when(hold),
                                       "status": hold["status"], "region": hold["region"]}))
    cols = ["uid", "label", "name", "via", "status", "region"]
    return pd.concat([p[cols] for p in parts], ignore_index=True) if parts else pd.DataFrame(columns=cols)


def _ratio_text(r: Any) -> str:
    return "" if _is_missing(r) else format_ratio(float(r))


def _with_direct_parties(related: pd.DataFrame, label: str, tables: Mapping[str, pd.DataFrame], store: GraphStore,
                         region_table: pd.DataFrame, direct: pd.DataFrame | None = None,
                         counts: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Related parties including the party's own representatives, shareholders and companies (current and
    former), so that the count agrees with the profile's signals and tables ("legal representative of 9
    other companies" beside "related parties 9"); a party reached both ways gets both connections.
    (Plain Python over the few rows: pandas' fixed cost per call dominated a profile's time.)"""
    direct = _direct_rows(label, tables) if direct is None else direct
    if direct.empty:
        return related
    first: dict[str, dict] = {}
    for r in direct.to_dict("records"):  # one entry per party, its connections joined in order
        held = first.get(r["uid"])
        if held is None:
            first[r["uid"]] = {**r, "via": [r["via"]]}
        elif r["via"] not in held["via"]:
            held["via"].append(r["via"])
    vias = {u: "；".join(d["via"]) for u, d in first.items()}
    if len(related):  # reached both ways: one row, both connections
        related = related.copy()
        related["via"] = [vias[u] + "；" + v if u in vias else v for u, v in zip(related["uid"], related["via"])]
    reached = set(related["uid"]) if len(related) else set()
    new = [d for u, d in first.items() if u not in reached]
    if not new:
        return related
    counts = active_counts(store, [d["uid"] for d in new]) if counts is None else counts
    rows = [{"uid": d["uid"], "label": d["label"], "name": d["name"],
             "label_zh": MODEL.node(d["label"]).label_zh if d["label"] in MODEL.nodes else d["label"],
             "status": None if _is_missing(d["status"]) else d["status"],
             "region_name": "" if _is_missing(d["region"]) else _region_name(d["region"], region_table),
             "via": vias[d["uid"]], "via_kinds": "direct", "active_penalties": int(counts.get(d["uid"], 0))}
            for d in new]
    new_df = pd.DataFrame(rows)[list(related.columns)]
    out = pd.concat([related, new_df], ignore_index=True) if len(related) else new_df
    return out.sort_values(["active_penalties", "label", "name"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)

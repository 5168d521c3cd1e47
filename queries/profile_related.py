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
from creditgraph.graph.store import GraphStore, Rows
from creditgraph.queries._base import as_of_date, is_missing as _is_missing
from creditgraph.queries.profile_history import day_of, sort_rows
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


def _in_order(rows: list[dict]) -> list[dict]:
    return sort_rows(rows, [(c, True) for c in RELATED_ORDER])


def _valid(rows: Rows, day: dt.date) -> list[dict]:
    """The rows valid on ``day`` by their ``valid_from`` / ``valid_to`` (missing: open; rows of a read
    without those columns all count), as :func:`queries._asof.valid_rows`."""
    if not {"valid_from", "valid_to"} <= set(rows.columns):
        return list(rows)
    out = []
    for r in rows:
        start, end = day_of(r["valid_from"]), day_of(r["valid_to"])
        if (start is None or start <= day) and (end is None or end > day):
            out.append(r)
    return out


def _two_hops(first: list[dict], second: Rows, uid: str, day: dt.date, limit: int, via_label: str,
              **extra: Any) -> list[dict]:
    """The rows of a two-hop branch: each valid first-hop edge (``via_uid, via_name, via_rel``) joined with
    each valid second-hop edge of its far end (``via_uid, rel, uid, name, status, region``) that does not
    come back to ``uid``; at most ``limit`` rows (the first in :data:`RELATED_ORDER`), each given ``extra``."""
    far: dict[Any, list[dict]] = {}
    for r in _valid(second, day):
        if not _is_missing(r["uid"]) and r["uid"] != uid:
            far.setdefault(r["via_uid"], []).append(r)
    rows = [{"uid": s["uid"], "label": None, "name": s["name"], "status": s["status"], "region": s["region"],
             "via_label": via_label, "via_uid": f["via_uid"], "via_name": f["via_name"], "via_rel": f["via_rel"],
             "rel": s["rel"], **extra}
            for f in first for s in far.get(f["via_uid"], ())]
    return _in_order(rows)[:limit]


_SHARERS = {"Address": ("profile_address_sharers", "HAS_ADDRESS"), "Phone": ("profile_phone_sharers", "HAS_PHONE"),
            "Email": ("profile_email_sharers", "HAS_EMAIL")}


def _contact_sharers(store: GraphStore, uid: str, label: str, limit: int, **extra: Any) -> list[dict]:
    """The parties sharing an address, phone or e-mail with ``uid`` (at most ``limit`` rows per kind of
    contact, the first in :data:`RELATED_ORDER`), each given ``extra``: the party's contact nodes, then each
    node's sharers read by key (~0.1-0.2 ms a read on LadybugDB at 1M enterprises; the one two-hop query
    per kind took ~1.3 ms)."""
    nodes = store.records(f"profile_contact_nodes_{label.lower()}", {"uid": uid})
    out: list[dict] = []
    for kind in sorted({n["via_label"] for n in nodes}):
        name, rel = _SHARERS[kind]
        rows = [{**r, "via_label": kind, "via_uid": n["via_uid"], "via_name": n["via_name"],
                 "via_cluster": bool(n["via_cluster"]), "via_rel": rel, "rel": rel, **extra}
                for n in nodes if n["via_label"] == kind
                for r in store.records(name, {"key": n["key"], "uid": uid, "limit": limit})]
        out.extend(_in_order(rows)[:limit])
    return out


def _related_keyed(store: GraphStore, uid: str, label: str, day: dt.date, limit: int) -> Rows:
    """``profile_related_enterprise`` / ``profile_related_person``'s rows, the branches through roles and
    holdings read as two keyed hops (the party's own edges, then those of the parties at their far ends)
    instead of one two-hop pattern, which LadybugDB 0.22 answers by scanning the relationship tables
    (~100-250 ms a branch at 1M enterprises against ~1-2 ms a hop). The same rows (each branch cut at
    ``limit`` rows as the query's ``LIMIT`` does, in :data:`RELATED_ORDER`)."""
    rows: list[dict] = []
    if label == "Enterprise":
        cols = _ENTERPRISE_RELATED
        first = _valid(store.records("profile_related_enterprise_roles", {"uid": uid}), day)
        people = [r for r in first if r["via_label"] == "Person"]
        holders = [r for r in first if r["via_label"] == "Enterprise" and r["via_rel"] == "HOLDS_SHARES"]
        if people:
            second = store.records("profile_related_people_roles", {"people": list(dict.fromkeys(r["via_uid"] for r in people))})
            rows += _two_hops(people, second, uid, day, limit, "Person", via_cluster=False)
        if holders:
            second = store.records("profile_related_holder_holdings",
                                   {"holders": list(dict.fromkeys(r["via_uid"] for r in holders))})
            for r in second:
                r["rel"] = "HOLDS_SHARES"
            rows += _two_hops(holders, second, uid, day, limit, "Enterprise", via_cluster=False)
        for r in rows:
            r["label"] = "Enterprise"
        rows += _contact_sharers(store, uid, label, limit)
    else:
        cols = _PERSON_RELATED
        first = _valid(store.records("profile_related_person_roles", {"uid": uid}), day)
        if first:
            second = store.records("profile_related_enterprise_people",
                                   {"enterprises": list(dict.fromkeys(r["via_uid"] for r in first))})
            rows += [{**r, "label": "Person", "score": None}
                     for r in _two_hops(first, second, uid, day, limit, "Enterprise")]
        rows += store.records("profile_related_person_same", {"uid": uid, "limit": limit})
        rows += _contact_sharers(store, uid, label, limit, score=None)
    return Rows(cols, ({c: r.get(c) for c in cols} for r in rows))


def related_records(store: GraphStore, uid: str, label: str, day: dt.date, limit: int = RELATED_LIMIT) -> Rows:
    """The connection rows of a party's related parties (one row per connection: ``uid, label, name,
    status, region, via_label, via_uid, via_name, via_rel, rel`` and ``via_cluster`` for an enterprise,
    ``score`` for a person), roles and holdings valid on ``day``, in :data:`RELATED_ORDER`, read by keyed
    hops (:func:`_related_keyed`) on both stores: one two-hop pattern with the roles' periods makes
    LadybugDB scan (100-250 ms at 1M), the hops read by key take a few ms."""
    rows = _related_keyed(store, uid, label, day, limit)
    _in_order(rows)
    return rows


def related_rows(store: GraphStore, uid: str, label: str, day: dt.date, limit: int = RELATED_LIMIT) -> pd.DataFrame:
    """:func:`related_records` as a DataFrame."""
    return related_records(store, uid, label, day, limit).frame()


def _first(held: Any, v: Any) -> Any:
    """pandas' groupby ``first``: the first value that is not missing."""
    return v if _is_missing(held) and not _is_missing(v) else held


def _most(held: Any, v: Any) -> Any:
    """pandas' groupby ``max``, missing values skipped."""
    return v if _is_missing(held) or (not _is_missing(v) and v > held) else held


def _connections(raw: list[dict]) -> list[dict]:
    """The connection rows grouped by (party, via_label, via_uid) in the order met: the first value
    of each column that is not missing, the lists of ``via_rel`` and ``rel``, the largest ``via_cluster``
    and ``score`` (pandas' groupby first / list / max, without its fixed cost)."""
    groups: dict[tuple, dict] = {}
    for r in raw:
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
        g["via_cluster"] = _most(g["via_cluster"], r.get("via_cluster", False))
        g["score"] = _most(g["score"], r.get("score"))
    return list(groups.values())


RELATED_COLUMNS = ["uid", "label", "label_zh", "name", "status", "region_name", "via", "via_kinds", "active_penalties"]
_BY_PENALTIES = [("active_penalties", False), ("label", True), ("name", True)]


def _label_zh(label: Any) -> Any:
    return MODEL.node(label).label_zh if label in MODEL.nodes else label


def _related(store: GraphStore, uid: str, label: str, region_table: pd.DataFrame,
             day: dt.date, raw: Rows | None = None, counts: Mapping[str, int] | None = None) -> Rows:
    """Related parties (one row per party, the connections joined) of the raw connection rows
    (:func:`related_records`); a connection through a role or holding counts when both are valid on
    ``day``. ``counts``: active penalties by uid when already read."""
    raw = related_records(store, uid, label, day) if raw is None else raw
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
    out = [{"uid": p["uid"], "label": p["label"], "label_zh": _label_zh(p["label"]), "name": p["name"],
            "status": p["status"], "region_name": _region_name(p["region"], region_table), "via": "；".join(p["via"]),
            "via_kinds": ",".join(p["via_kinds"]), "active_penalties": int(counts.get(p["uid"], 0))}
           for p in parties.values()]
    return Rows(RELATED_COLUMNS, sort_rows(out, _BY_PENALTIES))


def _direct_rows(label: str, tables: Mapping[str, Rows]) -> list[dict]:
    """The party's own people and companies, current and former (the profile's tables), as related-party
    rows: ``uid, label, name, via, status, region`` (a person's status: the masked ID number); a former
    one's connection names its period."""
    out: list[dict] = []
    for key, former in (("", False), ("former_", True)):
        def when(r: dict, former: bool = former) -> str:
            return f" ({r['period']})" if former else ""

        if label == "Enterprise":
            text = "本企业原法定代表人 former legal representative" if former else "本企业法定代表人 legal representative"
            out += [{"uid": r["person_uid"], "label": "Person", "name": r["person_name"], "via": text + when(r),
                     "status": r["id_masked"], "region": r["person_region"]} for r in tables.get(key + "legal_reps", ())]
            text = "本企业原股东 former shareholder " if former else "本企业股东 shareholder "
            out += [{"uid": r["holder_uid"], "label": r["holder_label"], "name": r["holder_name"],
                     "via": text + _ratio_text(r["ratio"]) + when(r), "status": r["holder_status"],
                     "region": r["holder_region"]} for r in tables.get(key + "shareholders", ())]
        else:
            text = "本人曾任法定代表人 former legal representative" if former else "本人任法定代表人 legal representative"
            out += [{"uid": r["uid"], "label": "Enterprise", "name": r["name"], "via": text + when(r),
                     "status": r["status"], "region": r["region"]} for r in tables.get(key + "roles", ())]
        text = "原对外投资 former holding " if former else "对外投资 holding "
        out += [{"uid": r["uid"], "label": "Enterprise", "name": r["name"], "via": text + _ratio_text(r["ratio"]) + when(r),
                 "status": r["status"], "region": r["region"]} for r in tables.get(key + "holdings", ())]
    return out


def _ratio_text(r: Any) -> str:
    return "" if _is_missing(r) else format_ratio(float(r))


def _with_direct_parties(related: Rows, store: GraphStore, region_table: pd.DataFrame, direct: list[dict],
                         counts: Mapping[str, int] | None = None) -> Rows:
    """Related parties including the party's own representatives, shareholders and companies (current and
    former, :func:`_direct_rows`), so that the count agrees with the profile's signals and tables ("legal
    representative of 9 other companies" beside "related parties 9"); a party reached both ways gets both
    connections."""
    if not direct:
        return related
    first: dict[str, dict] = {}
    for r in direct:  # one entry per party, its connections joined in order
        held = first.get(r["uid"])
        if held is None:
            first[r["uid"]] = {**r, "via": [r["via"]]}
        elif r["via"] not in held["via"]:
            held["via"].append(r["via"])
    vias = {u: "；".join(d["via"]) for u, d in first.items()}
    out = Rows(related.columns, ({**r, "via": vias[r["uid"]] + "；" + r["via"]} if r["uid"] in vias else r
                                 for r in related))  # reached both ways: one row, both connections
    reached = {r["uid"] for r in related}
    new = [d for u, d in first.items() if u not in reached]
    if not new:
        return out
    counts = active_counts(store, [d["uid"] for d in new]) if counts is None else counts
    out += [{"uid": d["uid"], "label": d["label"], "label_zh": _label_zh(d["label"]), "name": d["name"],
             "status": None if _is_missing(d["status"]) else d["status"],
             "region_name": "" if _is_missing(d["region"]) else _region_name(d["region"], region_table),
             "via": vias[d["uid"]], "via_kinds": "direct", "active_penalties": int(counts.get(d["uid"], 0))}
            for d in new]
    sort_rows(out, _BY_PENALTIES)
    return out

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
from creditgraph.queries._base import as_of_date, is_missing as _is_missing, lookup_props
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

def active_counts(store: GraphStore, uids: list[str], as_of=None) -> dict[str, int]:
    """Active penalty events per party (enterprises and people) for a list of uids, decided by ``as_of``."""
    uids = sorted({u for u in uids if isinstance(u, str)})
    if not uids:
        return {}
    day = as_of_date(as_of)
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
        parts.append(store.query("profile_related_enterprise_contacts", {"uid": uid, "limit": limit}))
        cols = _ENTERPRISE_RELATED
    else:
        first = valid_rows(store.query("profile_related_person_roles", {"uid": uid}), day)
        if len(first):
            second = store.query("profile_related_enterprise_people",
                                 {"enterprises": list(dict.fromkeys(first["via_uid"]))})
            rows = _two_hops(first.assign(via_label="Enterprise"), second, uid, day, limit)
            parts.append(rows.assign(label="Person", score=None))
        parts.append(store.query("profile_related_person_contacts", {"uid": uid, "limit": limit}))
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
    keys = ["uid", "via_label", "via_uid"]
    conn = raw.groupby(keys, sort=False, dropna=False).agg(
        label=("label", "first"), name=("name", "first"), status=("status", "first"), region=("region", "first"),
        via_name=("via_name", "first"), via_rels=("via_rel", list), rels=("rel", list),
        via_cluster=("via_cluster", "max"), score=("score", "max")).reset_index()
    conn["via"] = [_via_text(r) for r in conn.to_dict("records")]
    counts = active_counts(store, conn["uid"].tolist()) if counts is None else counts
    g = conn.groupby("uid", sort=False)
    out = pd.DataFrame({
        "uid": list(g.groups),
        "label": g["label"].first().to_numpy(),
        "name": g["name"].first().to_numpy(),
        "status": g["status"].first().to_numpy(),
        "region": g["region"].first().to_numpy(),
        "via": g["via"].agg(lambda s: "；".join(dict.fromkeys(s))).to_numpy(),
        "via_kinds": g["via_label"].agg(lambda s: ",".join(dict.fromkeys(s))).to_numpy(),
    })
    out["label_zh"] = out["label"].map(lambda label: MODEL.node(label).label_zh if label in MODEL.nodes else label)
    out["region_name"] = out["region"].map(lambda c: _region_name(c, region_table))
    out["active_penalties"] = out["uid"].map(counts).fillna(0).astype(int)
    out = out.sort_values(["active_penalties", "label", "name"], ascending=[False, True, True], kind="stable")
    return out[cols].reset_index(drop=True), raw


def _direct_rows(label: str, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The party's own people and companies, current and former (the profile's tables), as related-party
    rows: ``uid, label, name, via``; a former one's connection names its period."""
    parts = []
    for key, former in (("", False), ("former_", True)):
        reps, sh = tables.get(key + "legal_reps"), tables.get(key + "shareholders")
        roles, hold = tables.get(key + "roles"), tables.get(key + "holdings")
        when = (lambda df: " (" + df["period"] + ")") if former else (lambda df: "")
        if label == "Enterprise" and reps is not None and len(reps):
            text = "本企业原法定代表人 former legal representative" if former else "本企业法定代表人 legal representative"
            parts.append(pd.DataFrame({"uid": reps["person_uid"], "label": "Person", "name": reps["person_name"],
                                       "via": text + when(reps)}))
        if label == "Enterprise" and sh is not None and len(sh):
            text = "本企业原股东 former shareholder " if former else "本企业股东 shareholder "
            parts.append(pd.DataFrame({"uid": sh["holder_uid"], "label": sh["holder_label"], "name": sh["holder_name"],
                                       "via": text + sh["ratio"].map(_ratio_text) + when(sh)}))
        if label == "Person" and roles is not None and len(roles):
            text = "本人曾任法定代表人 former legal representative" if former else "本人任法定代表人 legal representative"
            parts.append(pd.DataFrame({"uid": roles["uid"], "label": "Enterprise", "name": roles["name"],
                                       "via": text + when(roles)}))
        if hold is not None and len(hold):
            text = "原对外投资 former holding " if former else "对外投资 holding "
            parts.append(pd.DataFrame({"uid": hold["uid"], "label": "Enterprise", "name": hold["name"],
                                       "via": text + hold["ratio"].map(_ratio_text) + when(hold)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["uid", "label", "name", "via"])


def _ratio_text(r: Any) -> str:
    return "" if _is_missing(r) else format_ratio(float(r))


def _with_direct_parties(related: pd.DataFrame, label: str, tables: Mapping[str, pd.DataFrame], store: GraphStore,
                         region_table: pd.DataFrame, direct: pd.DataFrame | None = None,
                         counts: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Related parties including the party's own representatives, shareholders and companies (current and
    former), so that the count agrees with the profile's signals and tables ("legal representative of 9
    other companies" beside "related parties 9"); a party reached both ways gets both connections."""
    direct = _direct_rows(label, tables) if direct is None else direct
    if direct.empty:
        return related
    direct = direct.groupby("uid", sort=False).agg(label=("label", "first"), name=("name", "first"),
                                                   via=("via", lambda s: "；".join(dict.fromkeys(s)))).reset_index()
    new = direct
    if len(related):  # reached both ways: one row, both connections
        extra = direct.set_index("uid")["via"]
        related = related.copy()
        both = related["uid"].isin(extra.index)
        related.loc[both, "via"] = related.loc[both, "uid"].map(extra) + "；" + related.loc[both, "via"]
        new = direct[~direct["uid"].isin(related["uid"])].reset_index(drop=True)
    if new.empty:
        return related
    info = lookup_props(store, {lab: list(g["uid"]) for lab, g in new.groupby("label")})
    new["status"] = [info.get(u, ("", {}))[1].get("status" if lab == "Enterprise" else "id_masked")
                     for u, lab in zip(new["uid"], new["label"])]
    new["region"] = [info.get(u, ("", {}))[1].get("region") for u in new["uid"]]
    new["region_name"] = new["region"].map(lambda c: _region_name(c, region_table) if not _is_missing(c) else "")
    new["label_zh"] = new["label"].map(lambda lab: MODEL.node(lab).label_zh if lab in MODEL.nodes else lab)
    new["via_kinds"] = "direct"
    counts = active_counts(store, new["uid"].tolist()) if counts is None else counts
    new["active_penalties"] = new["uid"].map(counts).fillna(0).astype(int)
    out = pd.concat([related, new[related.columns]], ignore_index=True) if len(related) else new[related.columns]
    return out.sort_values(["active_penalties", "label", "name"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)

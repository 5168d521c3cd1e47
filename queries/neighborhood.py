"""Neighbourhood of a node: everything within a few hops, with one shortest path to each.

Runs one named query per centre label (``neighborhood_enterprise``, …; see
:mod:`queries.cypher_gen` for why per label): a shortest-path search from the
centre over the chosen relationship types, nearest nodes first. Removed,
repaired and withdrawn penalty events (and what is reached only through them)
are left out unless ``include_history``. The subgraph then gets every
relationship of those types between two of its nodes, not only the
shortest-path tree: a person who heads ten of the companies shown is drawn
with ten lines, a mutual shareholding in both directions.

Time (docs/time.md): the search, and the lines drawn among the nodes, follow
only the roles and holdings valid on ``as_of`` (default today); penalty events
decided after it (and what is reached only through them) are left out after the
search, like removed ones.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pandas as pd

from creditgraph.queries._asof import iso, valid_rows, validity_cols
from creditgraph.queries._base import (records, PARTY_RELS, as_of_date, check_rel_types, fetch, is_active, is_missing,
                                       lookup_props, require_label)
from creditgraph.queries.cypher_gen import CENTRE_LABELS
from creditgraph.queries.profile_history import ended_by_text, period_text
from creditgraph.queries.result import AnalysisResult, EvidenceBuilder, _clean, finish, node_caption, node_name

MAX_HOPS = 4
LINK_PROPS = ("ratio", "position", "score")  # relationship properties the drawing captions and hover cards show
NODE_PROPS = ("name", "text", "masked", "kind", "decided", "status", "cluster", "region", "id_masked")
_LABEL_PROPS = {
    "Enterprise": ("name", "status", "region"),
    "Person": ("name", "id_masked", "region"),
    "PenaltyEvent": ("kind", "decided", "status", "region"),
    "Address": ("text", "cluster", "region"),
    "Phone": ("masked",),
    "Email": ("masked",),
    "Region": ("name",),
}


def _props(label: str, rec) -> dict:
    props = {k: _clean(rec.get(k)) for k in _LABEL_PROPS.get(label, ("name",))}
    return {k: v for k, v in props.items() if v is not None}


def path_steps(a_id: str, b_id: str, path_ids: Sequence[str], rel_types: Sequence[str],
               rel_src: Sequence[str]) -> list[tuple[str, bool]]:
    """``(type, forward)`` per relationship of a path, from internal ids (both dialects' query columns)."""
    ids = [a_id, *path_ids, b_id]
    return [(t, src == ids[i]) for i, (t, src) in enumerate(zip(rel_types, rel_src))]


def rel_props(row, i: int) -> dict:
    out = {}
    for col, key in (("rel_ratio", "ratio"), ("rel_position", "position"), ("rel_score", "score")):
        vals = row.get(col)
        if vals is not None and len(vals) > i and vals[i] is not None and not pd.isna(vals[i]):
            out[key] = vals[i]
    return out


def _decided_after(v, day: dt.date) -> bool:
    """An event decided after ``day`` (an undated one is not)."""
    return not is_missing(v) and pd.Timestamp(v).date() > day


def _as_list(v) -> list:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return []
    return list(v)


def add_links_among(store, b: EvidenceBuilder, rel_types: Sequence[str],
                    as_of: dt.date | str | None = None) -> int:
    """Add to ``b`` every ``rel_types`` relationship between two of its nodes (roles and holdings only
    when valid on ``as_of``, default today); returns how many it did not hold yet. One adjacency read
    per source label among the nodes (all types at once): O(nodes × degree), bounded by the caller's
    node limit."""
    day = as_of_date(as_of)
    labels = b.labels()
    by_label: dict[str, list[str]] = defaultdict(list)
    for node_uid, node_label in labels.items():
        by_label[node_label].append(node_uid)
    added = 0
    for src_label, keys in by_label.items():
        types = [t for t in rel_types if src_label in store.model.rel(t).sources]
        if not types:
            continue
        df = store.edges_out(src_label, keys, types, cols=[*_link_cols(store, types), *validity_cols(store, types)])
        df = valid_rows(df, day)  # rows of undated types have null bounds: always valid
        for rec in df.to_dict("records"):
            dst_label = labels.get(rec["dst"])
            if dst_label is None or rec["src"] == rec["dst"] or (src_label, dst_label) not in store.model.rel(rec["type"]).pairs:
                continue
            added += not b.has_rel(rec["src"], rec["dst"], rec["type"])
            b.rel(rec["src"], rec["dst"], rec["type"], **{c: rec.get(c) for c in LINK_PROPS if c in rec})
    return added


def _link_cols(store, types: Sequence[str]) -> list[str]:
    """The captioned properties at least one of ``types`` holds in the stored schema."""
    held: set[str] = set()
    for t in types:
        stored = store.stored_properties(t)
        held |= {c for c in store.model.rel(t).properties if stored is None or c in stored}
    return [c for c in LINK_PROPS if c in held]


def neighborhood(store, uid: str, hops: int = 2, rel_types: Sequence[str] | None = None, limit: int = 500,
                 include_history: bool = False, as_of: dt.date | str | None = None) -> AnalysisResult:
    """Nodes within ``hops`` hops of ``uid``, each with a shortest path from it.

    Parameters
    ----------
    store : GraphStore
        The graph (embedded or Neo4j).
    uid : str
        The centre: an enterprise, person, penalty event, address, phone or e-mail.
    hops : int
        How far to go, 1 to 4 (default 2).
    rel_types : sequence of str, optional
        Relationship types to follow (default: the party relationships LEGAL_REP,
        HOLDS_SHARES, PENALIZED, HAS_ADDRESS, HAS_PHONE, HAS_EMAIL, POSSIBLY_SAME_AS;
        REGISTERED_IN / LOCATED_IN only when asked: regions are hubs).
    limit : int
        At most this many nodes besides the centre, nearest first (default 500).
    include_history : bool
        Also show removed / repaired / withdrawn penalty events (their ``status`` says which).
    as_of : date or str, optional
        The day the graph is seen on (default today): only roles and holdings valid that day
        are followed, and only penalty events decided on or before it are reached.

    Returns
    -------
    AnalysisResult
        ``table``: one row per node (the centre first, ``hops`` 0): ``uid, label, name,
        hops, status, region, path``. ``evidence[row_id]``: the path from the centre.
        ``subgraph``: all nodes and every relationship of ``rel_types`` among them.

    Example
    -------
    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}), ("Enterprise", "E1", {"name": "甲公司"}),
    ...                ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2023-05-01",
    ...                                          "status": "active"})],
    ...               [("LEGAL_REP", "ID:1", "E1"), ("PENALIZED", "E1", "AP:1")])
    >>> r = neighborhood(s, "ID:1", hops=2)
    >>> r.table[["name", "hops"]].values.tolist()
    [['张三', 0], ['甲公司', 1], ['行政处罚2023-05-01', 2]]
    >>> print(r.evidence[2].paths_text)
    张三(自然人) -[法定代表人]-> 甲公司 -[受到处罚]-> 行政处罚2023-05-01
    >>> s.close()
    """
    if not 1 <= int(hops) <= MAX_HOPS:
        raise ValueError(f"hops must be between 1 and {MAX_HOPS}, not {hops}")
    if int(limit) < 1:
        raise ValueError("limit must be at least 1")
    types = check_rel_types(rel_types, PARTY_RELS)
    label = require_label(store, uid, CENTRE_LABELS)
    day = as_of_date(as_of)
    params = {"uid": uid, "hops": hops, "rel_types": types, "limit": limit, "include_history": include_history,
              "as_of": iso(day)}
    # Removed events and events decided after as_of are dropped after the search: ask for a margin so
    # the limit still fills.
    fetch_limit = int(limit) + min(int(limit), 500)
    df = fetch(store, f"neighborhood_{label.lower()}",
               {"uid": uid, "hops": int(hops), "types": types, "limit": fetch_limit, "as_of": day})
    centre = lookup_props(store, {label: [uid]}).get(uid, (label, {}))[1]

    b = EvidenceBuilder()
    b.node(uid, label, **centre)
    rows: list[dict[str, Any]] = [{"uid": uid, "label": label, "hops": 0, "props": centre, "path": None}]
    seen = {uid}
    for rec in records(df):
        if len(rows) > limit:
            break
        nid, nlabel = rec["uid"], rec["label"]
        if nid in seen:
            continue
        inner_uids = _as_list(rec["path_uids"])
        inner_labels = _as_list(rec["path_labels"])
        inner_status = _as_list(rec["path_status"])
        if (nlabel == "PenaltyEvent" and _decided_after(rec.get("decided"), day)) or any(
                lbl == "PenaltyEvent" and _decided_after(d, day)
                for lbl, d in zip(inner_labels, _as_list(rec["path_decided"]))):
            continue
        if not include_history:
            if nlabel == "PenaltyEvent" and not is_active(rec.get("status")):
                continue
            if any(lbl == "PenaltyEvent" and not is_active(st) for lbl, st in zip(inner_labels, inner_status)):
                continue
        steps = path_steps(rec["a_id"], rec["b_id"], _as_list(rec["path_ids"]), _as_list(rec["rel_types"]),
                           _as_list(rec["rel_src"]))
        props = _props(nlabel, rec)
        b.node(nid, nlabel, **props)
        for iu, il in zip(inner_uids, inner_labels):
            if not b.has_node(iu):
                b.node(iu, il)
        path = [uid, *inner_uids, nid]
        b.path(path, steps, [rel_props(rec, i) for i in range(len(steps))])
        rows.append({"uid": nid, "label": nlabel, "hops": int(rec["hops"]), "props": props, "path": (path, steps)})
        seen.add(nid)

    add_links_among(store, b, types, day)
    subgraph = b.build()
    table = pd.DataFrame({
        "uid": [r["uid"] for r in rows],
        "label": [r["label"] for r in rows],
        "name": [node_name(r["label"], r["uid"], r["props"]) for r in rows],
        "caption": [node_caption(r["label"], r["uid"], r["props"]) for r in rows],
        "hops": [r["hops"] for r in rows],
        "status": [r["props"].get("status") for r in rows],
        "region": [r["props"].get("region") for r in rows],
        "path": [b.path_text(*r["path"]) if r["path"] else "" for r in rows],
    })

    def build(row):
        r = rows[int(row["row_id"])]
        e = EvidenceBuilder()
        e.node(uid, label, **centre)
        if r["path"] is None:
            return e.build()
        e.copy_path(b, *r["path"])
        return e.build()

    return finish("neighborhood", params, table, build, subgraph=subgraph,
                  extras={"former": former_roles(store, uid, label, day)})


FORMER_COLUMNS = ["uid", "label", "name", "role", "direction", "valid_from", "valid_to", "period", "ended_by",
                  "ended_by_text"]


def former_roles(store, uid: str, label: str, day: dt.date) -> pd.DataFrame:
    """The centre's roles and holdings that ended on or before ``day`` (:data:`FORMER_COLUMNS`): for an
    enterprise its former legal representatives and shareholders (``direction`` "in") and the holdings
    it gave up ("out"); for a person the companies they used to represent or hold. Not drawn in the
    graph of that day; listed beside it. One keyed query."""
    if label not in ("Enterprise", "Person"):
        return pd.DataFrame(columns=FORMER_COLUMNS)
    out = fetch(store, f"former_of_{label.lower()}", {"uid": uid, "as_of": day})
    if not len(out):
        return pd.DataFrame(columns=FORMER_COLUMNS)
    out["name"] = [node_name(lab, u, {"name": n}) for u, lab, n in zip(out["uid"], out["label"], out["name"])]
    out["period"] = [period_text(f, t) for f, t in zip(out["valid_from"], out["valid_to"])]
    out["ended_by_text"] = [ended_by_text(c) for c in out["ended_by"]]
    return out.sort_values(["valid_to", "uid"], ascending=[False, True])[FORMER_COLUMNS].reset_index(drop=True)

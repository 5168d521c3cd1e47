"""Paths between two parties: all shortest paths, or all bounded simple paths.

Traversal is undirected over the party relationships (legal representatives,
shareholdings, penalties, shared addresses / phones / e-mails, possible
same-person links); each step in the result keeps its stored direction and
its details (shareholding ratio, position, score). Paths through a declared
cluster address (集中办公区) are marked: companies registered there are not
related by that alone. A path follows only the roles and holdings valid on
``as_of`` (default today) and only penalty events decided on or before it
(docs/time.md).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from creditgraph.queries._asof import iso
from creditgraph.queries._base import records, PARTY_RELS, as_of_date, check_rel_types, fetch, lookup_props, require_label
from creditgraph.queries.cypher_gen import PARTY_LABELS, query_name
from creditgraph.queries.neighborhood import _as_list, path_steps, rel_props
from creditgraph.queries.result import AnalysisResult, EvidenceBuilder, finish

MAX_HOPS = 6


def paths(store, a: str, b: str, max_hops: int = 6, all_paths: bool = False, limit: int = 50,
          rel_types: Sequence[str] | None = None, as_of: dt.date | str | None = None) -> AnalysisResult:
    """Shortest paths (or, with ``all_paths``, all simple paths) between two parties.

    Parameters
    ----------
    store : GraphStore
        The graph.
    a, b : str
        The two parties (enterprise or person uids).
    max_hops : int
        Longest path to consider, 1 to 6 (default 6).
    all_paths : bool
        False (default): every shortest path. True: every simple path (no node
        twice) of at most ``max_hops`` hops, shortest first.
    limit : int
        At most this many paths (default 50).
    rel_types : sequence of str, optional
        Relationship types to follow (default: the party relationships).
    as_of : date or str, optional
        The day the graph is seen on (default today): only roles and holdings valid that day,
        only penalty events decided on or before it.

    Returns
    -------
    AnalysisResult
        ``table``: one row per path: ``hops, path`` (readable text), ``nodes`` and
        ``rel_types`` (lists), ``via_cluster_address``. ``evidence[row_id]``: that
        path's nodes and relationships; ``subgraph``: all paths together.

    Example
    -------
    Two companies share a shareholder; a third holds shares in both.

    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Enterprise", "E1", {"name": "甲公司"}), ("Enterprise", "E2", {"name": "乙公司"}),
    ...                ("Person", "ID:1", {"name": "张三"})],
    ...               [("HOLDS_SHARES", "ID:1", "E1", {"ratio": 0.6}), ("HOLDS_SHARES", "ID:1", "E2", {"ratio": 0.3})])
    >>> r = paths(s, "E1", "E2")
    >>> print(r.table["path"][0])
    甲公司 <-[持股 60%]- 张三(自然人) -[持股 30%]-> 乙公司
    >>> s.close()
    """
    if not 1 <= int(max_hops) <= MAX_HOPS:
        raise ValueError(f"max_hops must be between 1 and {MAX_HOPS}, not {max_hops}")
    if a == b:
        raise ValueError("a and b are the same party")
    types = check_rel_types(rel_types, PARTY_RELS)
    la = require_label(store, a, PARTY_LABELS)
    lb = require_label(store, b, PARTY_LABELS)
    day = as_of_date(as_of)
    params = {"a": a, "b": b, "max_hops": max_hops, "all_paths": all_paths, "limit": limit, "rel_types": types,
              "as_of": iso(day)}
    # no event is decided after today (the ETL drops future dates): the date filter is needed only for a past day
    events = "every" if day >= dt.date.today() else "decided"
    name = query_name("paths_all" if all_paths else "paths_shortest", a=la, b=lb, events=events)
    df = fetch(store, name, {"a": a, "b": b, "max_hops": int(max_hops), "types": types, "limit": int(limit),
                             "as_of": day})

    found: list[tuple[list[str], list[tuple[str, bool]], list[dict], list[str]]] = []
    by_label: dict[str, set[str]] = {la: {a}}
    by_label.setdefault(lb, set()).add(b)
    for rec in records(df):
        inner = _as_list(rec["path_uids"])
        labels = _as_list(rec["path_labels"])
        uids = [a, *inner, b]
        if len(set(uids)) != len(uids):  # not a simple path (cannot happen for shortest paths)
            continue
        steps = path_steps(rec["a_id"], rec["b_id"], _as_list(rec["path_ids"]), _as_list(rec["rel_types"]),
                           _as_list(rec["rel_src"]))
        for u, label in zip(inner, labels):
            by_label.setdefault(label, set()).add(u)
        found.append((uids, steps, [rel_props(rec, i) for i in range(len(steps))], [la, *labels, lb]))
    found.sort(key=lambda f: (len(f[0]), f[0]))
    props = lookup_props(store, {label: sorted(u) for label, u in by_label.items() if label != "Region"})

    whole = EvidenceBuilder()
    for uids, _, _, labels in found:
        for u, label in zip(uids, labels):
            whole.node(u, label, **props.get(u, (label, {}))[1])
    for uids, steps, rp, _ in found:
        whole.path(uids, steps, rp)
    table = pd.DataFrame({
        "hops": [len(f[1]) for f in found],
        "path": [whole.path_text(f[0], f[1]) for f in found],
        "nodes": [f[0] for f in found],
        "rel_types": [[t for t, _ in f[1]] for f in found],
        "via_cluster_address": [any(props.get(u, ("", {}))[1].get("cluster") for u in f[0]) for f in found],
    })

    def build(row):
        uids, steps, _, _ = found[int(row["row_id"])]
        e = EvidenceBuilder()
        e.copy_path(whole, uids, steps)
        return e.build()

    return finish("paths", params, table, build, subgraph=whole.build())

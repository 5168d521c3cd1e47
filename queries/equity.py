"""Equity penetration (股权穿透): ultimate owners, effective ratios, the actual-controller candidate.

The ownership subgraph around the party is extracted with one bounded
variable-length Cypher query (``ownership_up`` / ``ownership_down_<label>``);
the arithmetic runs in Python. A party's effective ratio in an enterprise is
the sum, over every simple path of shareholdings from the party down to the
enterprise (no node twice: cycles such as A→B→C→A are walked around, never
through twice), of the product of the ratios along the path.

A shareholding without a ratio falls back to its share of the enterprise's
subscribed capital (upstream, where all of an enterprise's holders are
known); one with neither is left out and reported in ``extras["missing"]``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd

from creditgraph.queries._asof import iso, valid_rows
from creditgraph.queries._base import as_of_date, fetch, lookup_props, require_label
from creditgraph.queries.cypher_gen import PARTY_LABELS, query_name
from creditgraph.queries.identity import (DEFAULT_MIN_IDENTITY_SCORE, LINK_COLUMNS, Resolution, add_links, check_score,
                              identities_of, resolve_of)
from creditgraph.queries.result import AnalysisResult, Evidence, EvidenceBuilder, finish, format_ratio

MAX_DEPTH = 9  # the literal bound of the ownership queries
MAX_PATHS = 200_000


class TooManyPaths(RuntimeError):
    """The ownership structure has more simple paths than :data:`MAX_PATHS` within the depth."""


def _in_key_order(edges: pd.DataFrame) -> pd.DataFrame:
    """Edges in (dst, src) order: paths, sums and evidence then do not depend on the order a store
    returns rows in (Neo4j's follows the order its writers committed in)."""
    return edges.sort_values(["dst", "src"], kind="stable").reset_index(drop=True) if len(edges) else edges


def _ratios(edges: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edges with a usable ``ratio`` (filled from subscribed shares where missing) and the unusable ones."""
    e = edges.drop_duplicates(["src", "dst"]).copy()
    e["ratio"] = pd.to_numeric(e["ratio"], errors="coerce")
    sub = pd.to_numeric(e.get("subscribed"), errors="coerce") if "subscribed" in e else pd.Series(np.nan, e.index)
    total = sub.groupby(e["dst"]).transform("sum")
    fill = sub / total
    e["ratio_source"] = np.where(e["ratio"].notna(), "ratio", np.where(fill.notna(), "subscribed", None))  # type: ignore[call-overload]  # numpy stubs reject None
    e["ratio"] = e["ratio"].fillna(fill)
    ok = e["ratio"].notna()
    return e[ok], e[~ok]


def _control(owners: list[dict]) -> None:
    """Mark the actual-controller candidate: the top owner when it holds ≥ 50% or strictly more than the next."""
    for o in owners:
        o["is_controller"], o["control"] = False, ""
    if not owners:
        return
    top = owners[0]
    second = owners[1]["effective_ratio"] if len(owners) > 1 else 0.0
    if top["effective_ratio"] >= 0.5 - 1e-12:
        top["is_controller"], top["control"] = True, "majority"
    elif top["effective_ratio"] > second + 1e-12:
        top["is_controller"], top["control"] = True, "plurality"


CONTROL_ZH = {"majority": "绝对控股(≥50%)", "plurality": "相对控股(最大)", "": ""}


def _merge_identities(store, owners: dict[str, dict], labels: dict, min_identity_score: float):
    """Owners that are records of one resolved person, added up under the identity's id."""
    people = [h for h in owners if labels.get(h) == "Person"]
    res = resolve_of(store, people, min_identity_score) if people else Resolution(min_identity_score,
                                                                                    identities_of(store, []))
    merged: dict[str, dict] = {}
    for h, o in owners.items():
        key = res.identity_of([h])[0] if labels.get(h) == "Person" else h
        m = merged.setdefault(key, {"effective_ratio": 0.0, "paths": [], "records": []})
        m["effective_ratio"] += o["effective_ratio"]
        m["paths"] += o["paths"]
        m["records"].append(h)
    return merged, res


def equity_penetration(store, uid: str, depth: int = 6,
                       min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE,
                       as_of: dt.date | str | None = None) -> AnalysisResult:
    """Ultimate owners of an enterprise with their effective ratios, and the actual-controller candidate.

    Ultimate owners are the people reached by following shareholdings upwards,
    and the enterprises reached that have no shareholders of their own.

    Parameters
    ----------
    store : GraphStore
        The graph.
    uid : str
        The enterprise.
    depth : int
        Longest chain of shareholdings to follow, 1 to 9 (default 6). Holders that
        still have holders at that depth are listed in ``extras["truncated"]``.
    min_identity_score : float
        Owner records joined by POSSIBLY_SAME_AS links scoring at least this are one
        owner and their ratios add up (default 0.9; see queries.identity).
    as_of : date or str, optional
        The day the ownership is seen on (default today): only holdings valid that day.

    Returns
    -------
    AnalysisResult
        ``table``: one row per ultimate owner (a resolved person counts once), largest
        first: ``owner, label, name, effective_ratio, effective_pct, paths, shortest_hops,
        is_controller, control, control_zh, identity_members`` (``majority`` at ≥ 50%,
        ``plurality`` when strictly the largest, else empty). ``evidence[row_id]``: every
        path from that owner's records down to the enterprise, and the identity links.

    Complexity: one bounded ownership query, a DFS over the simple paths
    (at most ``MAX_PATHS``), keyed reads of the owners' identity links.

    Example
    -------
    张三 holds 60% of 甲公司, which holds 50% of 乙公司; 李四 holds 50% of 乙公司 directly:
    张三's effective ratio in 乙公司 is 0.6 × 0.5 = 30%, 李四's is 50% (the controller).

    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}), ("Person", "ID:2", {"name": "李四"}),
    ...                ("Enterprise", "E1", {"name": "甲公司"}), ("Enterprise", "E2", {"name": "乙公司"})],
    ...               [("HOLDS_SHARES", "ID:1", "E1", {"ratio": 0.6}), ("HOLDS_SHARES", "E1", "E2", {"ratio": 0.5}),
    ...                ("HOLDS_SHARES", "ID:2", "E2", {"ratio": 0.5})])
    >>> r = equity_penetration(s, "E2")
    >>> r.table[["name", "effective_pct", "control"]].values.tolist()
    [['李四', '50%', 'majority'], ['张三', '30%', '']]
    >>> print(r.evidence[1].paths_text)
    张三(自然人) -[持股 60%]-> 甲公司 -[持股 50%]-> 乙公司
    有效持股 = 60% × 50% = 30%
    >>> s.close()
    """
    if not 1 <= int(depth) <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, not {depth}")
    require_label(store, uid, ("Enterprise",))
    day = as_of_date(as_of)
    params = {"uid": uid, "depth": depth, "min_identity_score": check_score(min_identity_score), "as_of": iso(day)}
    raw = valid_rows(_in_key_order(fetch(store, "ownership_up", {"uid": uid, "depth": int(depth), "as_of": day})), day)
    edges, missing = _ratios(raw)
    labels = dict(zip(raw["src"], raw["src_label"]))
    labels[uid] = "Enterprise"
    names = dict(zip(raw["src"], raw["src_name"]))
    holders: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for s_, d_, r_ in zip(edges["src"], edges["dst"], edges["ratio"]):
        holders[d_].append((s_, float(r_)))
    all_holders = set(raw["dst"])  # enterprises with at least one shareholding row

    owners: dict[str, dict] = {}
    truncated: dict[str, dict] = {}
    count = 0
    # iterative DFS over simple paths, upwards from the target
    stack = [(uid, 1.0, [uid])]
    while stack:
        node, prod, path = stack.pop()
        for h, r in holders.get(node, ()):
            if h in path:
                continue  # a cycle: the path would not be simple
            count += 1
            if count > MAX_PATHS:
                raise TooManyPaths(f"more than {MAX_PATHS} ownership paths within depth {depth}: lower the depth")
            p, new = prod * r, [*path, h]
            if labels.get(h) == "Person" or h not in all_holders:
                o = owners.setdefault(h, {"effective_ratio": 0.0, "paths": []})
                o["effective_ratio"] += p
                o["paths"].append((new[::-1], p))
            elif len(new) - 1 >= depth:
                t = truncated.setdefault(h, {"effective_ratio": 0.0, "paths": []})
                t["effective_ratio"] += p
                t["paths"].append((new[::-1], p))
            else:
                stack.append((h, p, new))

    owners, res = _merge_identities(store, owners, labels, check_score(min_identity_score))
    for h in owners:
        if h not in names or names.get(h) is None:
            names[h] = next((names.get(r) for r in owners[h]["records"] if names.get(r)), None)
        labels.setdefault(h, "Person")
    target_props = lookup_props(store, {"Enterprise": [uid]}).get(uid, ("Enterprise", {}))[1]
    names[uid] = target_props.get("name")
    ratio_of = {(s_, d_): r_ for s_, d_, r_ in zip(edges["src"], edges["dst"], edges["ratio"])}

    def rows(found: dict[str, dict]) -> list[dict]:
        out = []
        for h, o in found.items():
            out.append({"owner": h, "label": labels.get(h, "Enterprise"), "name": names.get(h),
                        "effective_ratio": o["effective_ratio"], "effective_pct": format_ratio(o["effective_ratio"]),
                        "paths": len(o["paths"]), "shortest_hops": min(len(p) - 1 for p, _ in o["paths"]),
                        "_paths": o["paths"], "identity_members": res.members(h) if labels.get(h) == "Person" else [h]})
        out.sort(key=lambda o: (-o["effective_ratio"], o["owner"]))
        return out

    owner_rows = rows(owners)
    _control(owner_rows)
    for o in owner_rows:
        o["control_zh"] = CONTROL_ZH[o["control"]]
    cols = ["owner", "label", "name", "effective_ratio", "effective_pct", "paths", "shortest_hops",
            "is_controller", "control", "control_zh", "identity_members"]
    table = pd.DataFrame([{k: o[k] for k in cols} for o in owner_rows], columns=cols)
    trunc_rows = rows(truncated)
    extras = {
        "truncated": pd.DataFrame([{k: o[k] for k in cols[:7]} for o in trunc_rows], columns=cols[:7]),
        "identity_links": pd.concat([res.links(o["owner"]) for o in owner_rows if len(o["identity_members"]) > 1]
                                    or [pd.DataFrame(columns=LINK_COLUMNS)], ignore_index=True),
        "missing": missing[["src", "dst"]].reset_index(drop=True),
    }

    def build(row):
        o = owner_rows[int(row["row_id"])]
        links = res.links(o["owner"]) if len(o["identity_members"]) > 1 else None
        return _paths_evidence(o["_paths"], labels, names, ratio_of, o["effective_ratio"], links)

    return finish("equity_penetration", params, table, build, extras=extras)


def _paths_evidence(found: list[tuple[list[str], float]], labels: dict, names: dict, ratio_of: dict,
                    total: float, links: pd.DataFrame | None = None) -> Evidence:
    b = EvidenceBuilder()
    for path, _ in found:
        for u in path:
            b.node(u, labels.get(u, "Enterprise"), name=names.get(u))
    for path, _ in found:
        steps = [("HOLDS_SHARES", True)] * (len(path) - 1)
        b.path(path, steps, [{"ratio": ratio_of.get((path[i], path[i + 1]))} for i in range(len(path) - 1)])
    terms = " + ".join(" × ".join(format_ratio(ratio_of[(p[i], p[i + 1])]) for i in range(len(p) - 1))
                       for p, _ in found)
    lines = add_links(b, links) if links is not None and len(links) else []
    return b.build(extra_lines=[*lines, f"有效持股 = {terms} = {format_ratio(total)}"])


def controlled_by(store, uid: str, depth: int = 6, as_of: dt.date | str | None = None) -> AnalysisResult:
    """Everything a party holds, directly or through other enterprises, with effective ratios.

    Parameters
    ----------
    store : GraphStore
        The graph.
    uid : str
        The holder: a person or an enterprise.
    depth : int
        Longest chain of shareholdings to follow, 1 to 9 (default 6).
    as_of : date or str, optional
        The day the holdings are seen on (default today): only holdings valid that day.

    Returns
    -------
    AnalysisResult
        ``table``: one row per enterprise reached, largest effective ratio first:
        ``uid, name, effective_ratio, effective_pct, direct_ratio, paths,
        shortest_hops, controlled`` (effective ratio ≥ 50%).
        ``evidence[row_id]``: every path from the holder down to that enterprise.

    Example
    -------
    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}), ("Enterprise", "E1", {"name": "甲公司"}),
    ...                ("Enterprise", "E2", {"name": "乙公司"})],
    ...               [("HOLDS_SHARES", "ID:1", "E1", {"ratio": 0.6}), ("HOLDS_SHARES", "E1", "E2", {"ratio": 0.5})])
    >>> controlled_by(s, "ID:1").table[["name", "effective_pct", "controlled"]].values.tolist()
    [['甲公司', '60%', True], ['乙公司', '30%', False]]
    >>> s.close()
    """
    if not 1 <= int(depth) <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, not {depth}")
    label = require_label(store, uid, PARTY_LABELS)
    day = as_of_date(as_of)
    params = {"uid": uid, "depth": depth, "as_of": iso(day)}
    raw = valid_rows(_in_key_order(fetch(store, query_name("ownership_down", label=label),
                                         {"uid": uid, "depth": int(depth), "as_of": day})), day)
    raw = raw.drop_duplicates(["src", "dst"])
    raw["ratio"] = pd.to_numeric(raw["ratio"], errors="coerce")
    missing, edges = raw[raw["ratio"].isna()], raw[raw["ratio"].notna()]
    holds: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for s_, d_, r_ in zip(edges["src"], edges["dst"], edges["ratio"]):
        holds[s_].append((d_, float(r_)))
    names = dict(zip(raw["dst"], raw["dst_name"]))
    root = lookup_props(store, {label: [uid]}).get(uid, (label, {}))[1]
    names[uid] = root.get("name")
    labels = {uid: label}

    reached: dict[str, dict] = {}
    count = 0
    stack = [(uid, 1.0, [uid])]
    while stack:
        node, prod, path = stack.pop()
        if len(path) - 1 >= depth:
            continue
        for e, r in holds.get(node, ()):
            if e in path:
                continue
            count += 1
            if count > MAX_PATHS:
                raise TooManyPaths(f"more than {MAX_PATHS} ownership paths within depth {depth}: lower the depth")
            p, new = prod * r, [*path, e]
            o = reached.setdefault(e, {"effective_ratio": 0.0, "paths": []})
            o["effective_ratio"] += p
            o["paths"].append((new, p))
            stack.append((e, p, new))
    ratio_of = {(s_, d_): r_ for s_, d_, r_ in zip(edges["src"], edges["dst"], edges["ratio"])}
    out = []
    for e, o in reached.items():
        out.append({"uid": e, "name": names.get(e), "effective_ratio": o["effective_ratio"],
                    "effective_pct": format_ratio(o["effective_ratio"]), "direct_ratio": ratio_of.get((uid, e)),
                    "paths": len(o["paths"]), "shortest_hops": min(len(p) - 1 for p, _ in o["paths"]),
                    "controlled": o["effective_ratio"] >= 0.5 - 1e-12, "_paths": o["paths"]})
    out.sort(key=lambda o: (-o["effective_ratio"], o["uid"]))
    cols = ["uid", "name", "effective_ratio", "effective_pct", "direct_ratio", "paths", "shortest_hops", "controlled"]
    table = pd.DataFrame([{k: o[k] for k in cols} for o in out], columns=cols)

    def build(row):
        o = out[int(row["row_id"])]
        return _paths_evidence(o["_paths"], labels, names, ratio_of, o["effective_ratio"])

    return finish("controlled_by", params, table, build,
                  extras={"missing": missing[["src", "dst"]].reset_index(drop=True)})

"""Red and black joint links (联合激励与联合惩戒): red-listed parties tied to black-listed ones.

A red-listed party (an enterprise or person with a red-list entry, 守信激励, current on ``as_of``:
entered by then and not removed by then) is *worth a look* when it is

* itself black-listed (a direct conflict, zero hops: listed first), or
* linked within ``max_hops`` to a black-listed party (an active ``serious_illegal`` or
  ``dishonest_debtor`` event decided by ``as_of``; events under objection, ``disputed``, or
  removed / repaired / withdrawn never count) through the links the cross-region analysis
  follows (:mod:`queries.cross_region`): legal representatives and shareholders valid on
  ``as_of`` (a person with an ID number or a resolved identity; a lone name-only record never
  connects) and enterprise shareholdings.

``cross_region`` marks pairs whose parties lie in different provinces (an enterprise's
registered region; a person's, that of the list entry or event), so that the cross-region view
can show joint rewards beside joint punishments; ``differs_at`` gives the highest level at
which they differ.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import identity as sparse_identity

from creditgraph.graph.inputs import preview  # error messages never echo a huge input
from creditgraph.graph.model import MODEL
from creditgraph.graph.store import isin, pair_key
from creditgraph.queries._asof import decided_by, iso
from creditgraph.queries._base import as_of_date, lookup_props, region_names, region_parts
from creditgraph.queries.cross_region import MAX_HOPS, _differs, _party_graph, bfs_tree
from creditgraph.queries.identity import DEFAULT_MIN_IDENTITY_SCORE, Resolution, add_links, check_score, resolve
from creditgraph.queries.result import AnalysisResult, EvidenceBuilder, finish, node_name

#: The black lists (失信名单) among the penalty kinds.
BLACK_KINDS = ("serious_illegal", "dishonest_debtor")
RED_COLS = ["kind", "list_name", "entered", "removed", "status", "authority", "region"]
EVENT_COLS = ["kind", "decided", "status", "authority", "region", "province", "city"]
MAX_CONNECTORS = 20  # 2-hop pairs: the common neighbours listed at most
COLUMNS = ["conflict", "hops", "red", "red_name", "red_label", "red_lists", "red_entries", "red_region",
           "red_region_name", "black", "black_name", "black_label", "black_events", "black_kinds", "black_penalties",
           "black_region", "black_region_name", "connectors", "connector_names", "path", "differs_at",
           "cross_region", "identity_members"]


def red_list_current(df: pd.DataFrame, day: dt.date) -> np.ndarray:
    """Which red-list entries (rows with ``entered, removed, status``) are current on ``day``:
    entered by then (or undated) and not removed by then (a ``removed`` status without a date: removed).

    >>> red_list_current(pd.DataFrame({"entered": ["2020-01-01", "2020-01-01", "2024-01-01", None],
    ...                                "removed": [None, "2022-01-01", None, None],
    ...                                "status": ["active", "removed", "active", "removed"]}),
    ...                  dt.date(2023, 1, 1)).tolist()
    [True, False, False, False]
    """
    if not len(df):
        return np.zeros(0, dtype=bool)
    t = pd.Timestamp(day)
    entered = pd.to_datetime(df["entered"], errors="coerce")
    removed = pd.to_datetime(df["removed"], errors="coerce")
    undated_removal = (df["status"].astype("string") == "removed").fillna(False) & removed.isna()
    keep = (entered.isna() | (entered <= t)) & (removed.isna() | (removed > t)) & ~undated_removal
    return keep.to_numpy(dtype=bool)


def _frame(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``df`` with at least ``cols`` (a keyed read that found nothing has no columns)."""
    return df.reindex(columns=list(dict.fromkeys([*df.columns, *cols])))


def _red_entries(store, day: dt.date, res: Resolution) -> pd.DataFrame:
    """Current red-list entries: ``party, party_label, node`` (the party's identity) and the entry's properties."""
    hon = store.edges(["HONORED"])
    cols = ["party", "party_label", "entry", *RED_COLS, "node"]
    if hon.empty:
        return pd.DataFrame(columns=cols)
    props = _frame(store.nodes_by("RedListEntry", "uid", hon["dst"], RED_COLS), ["uid", *RED_COLS])
    df = (hon.rename(columns={"src": "party", "dst": "entry", "src_label": "party_label"})[["party", "party_label", "entry"]]
          .astype({"party_label": str}).merge(props.rename(columns={"uid": "entry"}), on="entry"))
    df = df[red_list_current(df, day)].reset_index(drop=True)
    return df.assign(node=_nodes(df, res))[cols]


def _black_events(store, kinds: list[str], day: dt.date, res: Resolution) -> pd.DataFrame:
    """Black-list events that count on ``day`` (active, decided by then): ``party, party_label, node, event`` and
    the event's properties."""
    cols = ["party", "party_label", "event", *EVENT_COLS, "node"]
    ev = _frame(store.nodes_by("PenaltyEvent", "kind", kinds, EVENT_COLS), ["uid", *EVENT_COLS])
    ev = decided_by(ev[ev["status"].fillna("active") == "active"], day)
    if ev.empty:
        return pd.DataFrame(columns=cols)
    subjects = [_frame(store.edges_by("PENALIZED", lab, "PenaltyEvent", ev["uid"], by="dst"), ["src", "dst"])
                .assign(party_label=lab) for lab in ("Enterprise", "Person")]
    sub = pd.concat(subjects, ignore_index=True).rename(columns={"src": "party", "dst": "event"})
    df = sub[["party", "party_label", "event"]].merge(ev.rename(columns={"uid": "event"}), on="event")
    df = df.drop_duplicates(["party", "event"]).reset_index(drop=True)
    return df.assign(node=_nodes(df, res))[cols]


def _nodes(df: pd.DataFrame, res: Resolution) -> np.ndarray:
    """Each party's node in the party graph: a person's identity, an enterprise itself."""
    out = df["party"].to_numpy(dtype=object).copy()
    person = (df["party_label"] == "Person").to_numpy()
    if person.any():
        out[person] = res.identity_of(df.loc[person, "party"])
    return out


def _walk(prev: dict[int, int], t: int) -> list[int]:
    path = [t]
    while prev[path[-1]] != -1:
        path.append(prev[path[-1]])
    return path[::-1]


def _linked_pairs(adj, nodes: pd.Index, red: Sequence[str], black: Sequence[str],
                  max_hops: int) -> dict[tuple[str, str], list[list[str]]]:
    """(red node, black node) -> connecting paths (node lists): every common neighbour at 2 hops, else one
    shortest path. Sparse matrix powers find the pairs, then one BFS per red node that reaches any."""
    pos_r, pos_b = nodes.get_indexer(list(red)), nodes.get_indexer(list(black))
    red_idx, black_idx = pos_r[pos_r >= 0], pos_b[pos_b >= 0]
    if not len(red_idx) or not len(black_idx):
        return {}
    adj = adj.astype(np.int32)  # int8 sums wrap (and zero sums are dropped) at 256 paths
    reach = adj[red_idx]
    step = adj + sparse_identity(adj.shape[0], format="csr", dtype=np.int32)
    for _ in range(max_hops - 1):
        reach = reach @ step
        reach.data[:] = 1
    sub = reach[:, black_idx].tocoo()
    targets: dict[int, list[int]] = {}
    for i, j in zip(sub.row, sub.col):
        if red_idx[i] != black_idx[j]:
            targets.setdefault(int(red_idx[i]), []).append(int(black_idx[j]))
    out: dict[tuple[str, str], list[list[str]]] = {}
    for s, ts in targets.items():
        prev = bfs_tree(adj, s, max_hops)
        for t in sorted(ts):
            path = _walk(prev, t)
            if len(path) == 3:  # every shared neighbour is a connection
                common = np.intersect1d(adj.indices[adj.indptr[s]:adj.indptr[s + 1]],
                                        adj.indices[adj.indptr[t]:adj.indptr[t + 1]])[:MAX_CONNECTORS]
                paths = [[s, int(c), t] for c in common]
            else:
                paths = [path]
            out[(nodes[s], nodes[t])] = [[nodes[k] for k in p] for p in paths]
    return out


def _step_roles(edges: pd.DataFrame, pairs: dict) -> dict[tuple[str, str], tuple[str, float]]:
    """``(src, dst) -> (type, ratio)`` of the party-graph edges on the paths found (a legal representative
    shown before a holding of the same two parties)."""
    steps = {(u, v) for paths in pairs.values() for p in paths for u, v in zip(p, p[1:])}
    if not steps:
        return {}
    wanted = pd.Series([f"{u}\x1f{v}" for u, v in steps] + [f"{v}\x1f{u}" for u, v in steps], dtype="string")
    on_path = edges[isin(pair_key(edges["src"], edges["dst"]), wanted)].sort_values("type", ascending=False)
    return {(s, d): (t, r) for s, d, t, r in on_path[["src", "dst", "type", "ratio"]].itertuples(index=False)}


def _plan(path: list[str], roles: dict) -> tuple[list[tuple[str, bool]], list[dict]]:
    """Steps (type, forward) and relationship properties of one connecting path."""
    steps, props = [], []
    for u, v in zip(path, path[1:]):
        fwd = (u, v) in roles
        rtype, ratio = roles[(u, v)] if fwd else roles[(v, u)]
        steps.append((rtype, fwd))
        props.append({"ratio": ratio} if rtype == "HOLDS_SHARES" else {})
    return steps, props


def _checked(max_hops, kinds, min_identity_score) -> dict:
    if not 1 <= int(max_hops) <= MAX_HOPS:
        raise ValueError(f"max_hops must be between 1 and {MAX_HOPS}, not {preview(max_hops)}")
    kinds = list(kinds or BLACK_KINDS)
    bad = [k for k in kinds if k not in MODEL.penalty_kinds]
    if bad:
        raise ValueError(f"unknown penalty kind(s) {preview(bad)}; kinds are {list(MODEL.penalty_kinds)}")
    return {"max_hops": int(max_hops), "kinds": kinds, "min_identity_score": check_score(min_identity_score)}


def _region(label: str, props: dict, fallback) -> tuple:
    """(county, city, province) of a party: an enterprise's registered region, else ``fallback`` (the region
    of its list entry or event)."""
    if label == "Enterprise":
        return region_parts(props.get("region"), props.get("province"), props.get("city"))
    return region_parts(fallback)


def _side(prefix: str, node: str, g: pd.DataFrame, props: dict, names: dict) -> tuple[dict, tuple]:
    """One party's columns (red or black side) and its region parts."""
    label = str(g["party_label"].iloc[0])
    p = props.get(node, (label, {}))[1]
    r = _region(label, p, g["region"].dropna().iloc[0] if g["region"].notna().any() else None)
    code = r[0] or r[1] or r[2]
    out = {prefix: node, f"{prefix}_name": node_name(label, node, p), f"{prefix}_label": label,
           f"{prefix}_region": code, f"{prefix}_region_name": names.get(r[0] or "") or names.get(r[1] or "")
           or names.get(r[2] or "") or ""}
    return out, r


def _red_columns(g: pd.DataFrame) -> dict:
    kinds = g["kind"].map(lambda k: MODEL.codes.get("red_list_kinds", {}).get(k, {}).get("label_zh", k))
    lists = [f"{n}({k})" if isinstance(n, str) and n else str(k) for n, k in zip(g["list_name"], kinds)]
    return {"red_lists": "、".join(dict.fromkeys(lists)), "red_entries": list(dict.fromkeys(g["entry"]))}


def _black_columns(g: pd.DataFrame) -> dict:
    text = [node_name("PenaltyEvent", e, {"kind": k, "decided": d}) for e, k, d in zip(g["event"], g["kind"], g["decided"])]
    return {"black_events": list(dict.fromkeys(g["event"])), "black_kinds": sorted(set(g["kind"])),
            "black_penalties": "、".join(dict.fromkeys(text))}


def _parties(red: pd.DataFrame, black: pd.DataFrame, rows: list[tuple]) -> dict[str, set]:
    """Every party a row or its evidence names, by label (for one lookup of their properties)."""
    by_label: dict[str, set] = {"Enterprise": set(), "Person": set()}
    for frame in (red, black):
        for lab, g in frame.groupby("party_label"):
            by_label.setdefault(str(lab), set()).update(set(g["party"]) | set(g["node"]))
    for _, _, _, paths in rows:
        for u in {u for p in paths for u in p[1:-1]}:
            by_label["Person" if u.startswith(("ID:", "NM:")) else "Enterprise"].add(u)
    return by_label


def _connectors(paths: list[list[str]]) -> list[str]:
    return list(dict.fromkeys(u for p in paths for u in p[1:-1]))


def _people(res: Resolution, uids) -> list[str]:
    """The person records behind the person nodes among ``uids``."""
    return sorted({m for u in uids if u.startswith(("ID:", "NM:")) for m in res.members(u)})


def _table(rows: list[tuple], red: pd.DataFrame, black: pd.DataFrame, props: dict, names: dict,
           res: Resolution) -> pd.DataFrame:
    """One row per (red party, black party) with both sides, the connection and the regions."""
    red_by, black_by = dict(tuple(red.groupby("node"))), dict(tuple(black.groupby("node")))

    def name(u: str) -> str:
        lab, p = props.get(u, ("Person" if u.startswith(("ID:", "NM:")) else "Enterprise", {}))
        return node_name(lab, u, p)

    out = []
    for a, b, hops, paths in rows:
        rs, rr = _side("red", a, red_by[a], props, names)
        bs, br = _side("black", b, black_by[b], props, names)
        conn = _connectors(paths)
        differs = _differs(rr, br) if hops else None
        out.append({"conflict": hops == 0, "hops": hops, **rs, **_red_columns(red_by[a]), **bs,
                    **_black_columns(black_by[b]), "connectors": conn, "connector_names": [name(c) for c in conn],
                    "differs_at": differs, "cross_region": differs == "province",
                    "identity_members": _people(res, dict.fromkeys([a, *conn, b]))})
    return pd.DataFrame(out, columns=[c for c in COLUMNS if c != "path"])


def _add_party(bl: EvidenceBuilder, u: str, props: dict, label: str) -> None:
    lab, p = props.get(u, (label, {}))
    bl.node(u, lab, **p)


def _builder(a: str, b: str, paths: list[list[str]], red: pd.DataFrame, black: pd.DataFrame, props: dict,
             roles: dict) -> EvidenceBuilder:
    """The evidence of one row: the red entries, the black events and the connecting paths."""
    bl = EvidenceBuilder()
    for party, lab, entry, kind, list_name, entered, removed, status, authority in red.loc[
            red["node"] == a, ["party", "party_label", "entry", "kind", "list_name", "entered", "removed", "status",
                               "authority"]].itertuples(index=False):
        _add_party(bl, party, props, lab)
        kind_zh = MODEL.codes.get("red_list_kinds", {}).get(kind, {}).get("label_zh", kind)
        bl.node(entry, "RedListEntry", name=list_name or kind_zh, kind=kind, list_name=list_name, entered=entered,
                removed=removed, status=status, authority=authority)
        bl.path([party, entry], [("HONORED", True)])
    for party, lab, event, kind, decided, status, authority in black.loc[
            black["node"] == b, ["party", "party_label", "event", "kind", "decided", "status",
                                 "authority"]].itertuples(index=False):
        _add_party(bl, party, props, lab)
        bl.node(event, "PenaltyEvent", kind=kind, decided=decided, status=status, authority=authority)
        bl.path([party, event], [("PENALIZED", True)])
    for path in paths:
        for u in path:
            if not bl.has_node(u):
                _add_party(bl, u, props, "Person" if u.startswith(("ID:", "NM:")) else "Enterprise")
        steps, rel_props = _plan(path, roles)
        bl.path(path, steps, rel_props)
    return bl


def _path_text(bl: EvidenceBuilder, a: str, b: str, paths: list[list[str]], red: pd.DataFrame,
               black: pd.DataFrame, roles: dict) -> str:
    """The row's path in words: the connecting path, or for a conflict the entry and the event of the party."""
    if paths:
        return bl.path_text(paths[0], _plan(paths[0], roles)[0])
    r = red[red["node"] == a].iloc[0]
    k = black[black["node"] == b].iloc[0]
    if r["party"] == k["party"]:
        return bl.path_text([r["entry"], r["party"], k["event"]], [("HONORED", False), ("PENALIZED", True)])
    return (bl.path_text([r["entry"], r["party"]], [("HONORED", False)]) + " ≈ "
            + bl.path_text([k["party"], k["event"]], [("PENALIZED", True)]))


def _evidence(bl: EvidenceBuilder, row, res: Resolution):
    """A row's evidence, with the identity links it relies on (a person known by several records)."""
    lines = []
    for u in dict.fromkeys([row["red"], *row["connectors"], row["black"]]):
        if u.startswith(("ID:", "NM:")) and len(res.members(u)) > 1:
            lines += add_links(bl, res.links(u))
    return bl.build(extra_lines=lines)


def red_black_links(store, max_hops: int = 2, kinds: Sequence[str] | None = None,
                    min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE,
                    as_of: dt.date | str | None = None) -> AnalysisResult:
    """Red-listed parties that are themselves black-listed or linked to black-listed parties.

    Parameters
    ----------
    store : GraphStore
        The graph.
    max_hops : int
        Longest connection, 1 to 4 (default 2: red ← person or owner → black).
    kinds : sequence of str, optional
        Penalty kinds that make a party black-listed (default ``serious_illegal`` and
        ``dishonest_debtor``); only active events count.
    min_identity_score : float
        Person records joined by POSSIBLY_SAME_AS links scoring at least this are one
        person (default 0.9; see queries.identity).
    as_of : date or str, optional
        The day the graph is seen on (default today): red-list entries current that day, events
        decided by then, roles and holdings valid that day.

    Returns
    -------
    AnalysisResult
        ``table``: one row per (red party, black party), direct conflicts (``conflict``, 0 hops)
        first: ``red, red_name, red_label, red_lists, red_entries, red_region, red_region_name``,
        ``black, black_name, black_label, black_events, black_kinds, black_penalties,
        black_region, black_region_name``, ``hops``, ``connectors``, ``connector_names``,
        ``path``, ``differs_at``, ``cross_region`` (different provinces), ``identity_members``.
        ``evidence[row_id]``: both parties, the red entries and black events, every connecting path
        and the identity links relied on.

    Example
    -------
    张三 is legal representative of a red-listed company in Zhejiang and of a company on the
    serious-illegal list in Jiangsu:

    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}),
    ...                ("Enterprise", "A", {"name": "浙江甲", "region": "330211"}),
    ...                ("Enterprise", "B", {"name": "江苏乙", "region": "320102"}),
    ...                ("RedListEntry", "RL:1", {"kind": "a_taxpayer", "list_name": "A级纳税人",
    ...                                          "entered": "2022-01-01", "status": "active"}),
    ...                ("PenaltyEvent", "SI:1", {"kind": "serious_illegal", "decided": "2023-01-01",
    ...                                          "status": "active"})],
    ...               [("LEGAL_REP", "ID:1", "A"), ("LEGAL_REP", "ID:1", "B"),
    ...                ("HONORED", "A", "RL:1"), ("PENALIZED", "B", "SI:1")])
    >>> r = red_black_links(s, as_of="2024-01-01")
    >>> print(r.table["path"][0], r.table["cross_region"][0])
    浙江甲 <-[法定代表人]- 张三(自然人) -[法定代表人]-> 江苏乙 True
    >>> s.close()
    """
    params = _checked(max_hops, kinds, min_identity_score)
    day = as_of_date(as_of)
    params["as_of"] = iso(day)
    res = resolve(store, params["min_identity_score"])
    red = _red_entries(store, day, res)
    black = _black_events(store, params["kinds"], day, res)
    rows: list[tuple[str, str, int, list[list[str]]]] = [(n, n, 0, []) for n in sorted(set(red["node"]) & set(black["node"]))]
    roles: dict = {}
    if len(red) and len(black):
        adj, nodes, edges = _party_graph(store, res, day)
        pairs = _linked_pairs(adj, nodes, sorted(set(red["node"])), sorted(set(black["node"])), params["max_hops"])
        roles = _step_roles(edges, pairs)
        rows += [(a, b, len(paths[0]) - 1, paths) for (a, b), paths in pairs.items()]
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    props = lookup_props(store, _parties(red, black, rows))
    table = _table(rows, red, black, props, region_names(store), res)
    builders = [_builder(a, b, paths, red, black, props, roles) for a, b, _, paths in rows]
    table["path"] = [_path_text(bl, a, b, paths, red, black, roles) for bl, (a, b, _, paths) in zip(builders, rows)]

    def build(row):
        return _evidence(builders[int(row["row_id"])], row, res)

    return finish("red_black_links", params, table, build)

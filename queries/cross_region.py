"""Cross-region joint-penalty links (跨区域联合惩戒关联).

Two penalised enterprises in different regions, connected within ``max_hops``
hops through the people and owners behind them: a person with an ID number
who is legal representative or shareholder of both (A ← person → B, 2 hops; a resolved
person — records joined by ``POSSIBLY_SAME_AS`` links scoring at least
``min_identity_score``, :mod:`queries.identity` — counts as one person), an
enterprise holding shares in both (A ← owner → B), a direct shareholding
(A → B, 1 hop) or, for ``max_hops`` 3–4, longer chains through legal
representatives and shareholdings. A lone name-only record (``NM:`` uid) is
never a connector: a name is not an identity.

"Different region" is decided at ``level``: ``province`` — different provinces;
``city`` — different cities (including cities of different provinces);
``county`` — different counties. The ``differs_at`` column gives the highest
level at which the two differ.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, identity

from creditgraph.graph.inputs import preview  # error messages never echo a huge input
from creditgraph.graph.model import MODEL
from creditgraph.graph.store import isin, pair_key
from creditgraph.queries._asof import decided_by, fetch_as_of, iso
from creditgraph.queries._base import as_of_date, days, fetch, lookup_props, region_names, region_parts
from creditgraph.queries.identity import (DEFAULT_MIN_IDENTITY_SCORE, Resolution, add_links, check_score, link_path,
                              penalised_people, resolve)
from creditgraph.queries.result import AnalysisResult, EvidenceBuilder, _clean, finish, node_name

LEVELS = ("province", "city", "county")
MAX_HOPS = 4


def _differs(ra: tuple, rb: tuple) -> str | None:
    """Highest level at which two (county, city, province) triples differ (None: same county or unknown)."""
    (ca, ta, pa), (cb, tb, pb) = ra, rb
    if pa and pb and pa != pb:
        return "province"
    if ta and tb and ta != tb:
        return "city"
    if ca and cb and ca != cb:
        return "county"
    return None


def _qualifies(differs: str | None, level: str) -> bool:
    return differs is not None and LEVELS.index(differs) <= LEVELS.index(level)


def _near(da: np.ndarray, db: np.ndarray, window: int) -> bool:
    """Some date of ``da`` lies within ``window`` days of some date of ``db`` (both sorted)."""
    if not len(da) or not len(db):
        return False
    i = np.searchsorted(db, da)
    left = np.abs(da - db[np.clip(i - 1, 0, len(db) - 1)])
    right = np.abs(db[np.clip(i, 0, len(db) - 1)] - da)
    return bool((np.minimum(left, right) <= window).any())


def _party_graph(store, res: Resolution, day: dt.date):
    """Undirected party graph (people who count as someone — ID records and resolved identities, each
    identity one node — and enterprises; LEGAL_REP + HOLDS_SHARES valid on ``day``) as CSR plus edge roles."""
    lr = fetch_as_of(store, "scan_legal_reps", {}, day, arrow=True).assign(type="LEGAL_REP", ratio=np.nan)
    ph = fetch_as_of(store, "scan_person_holdings", {}, day, arrow=True).assign(type="HOLDS_SHARES")
    eh = fetch_as_of(store, "scan_enterprise_holdings", {}, day, arrow=True).assign(type="HOLDS_SHARES")
    cols = ["src", "dst", "type", "ratio"]
    people = pd.concat([lr[cols], ph[cols]], ignore_index=True)
    people = people[(people["src"].str.startswith("ID:") | res.is_resolved(people["src"])).to_numpy()]
    people = people.assign(src=res.identity_column(people["src"], index=people.index))
    edges = pd.concat([people, eh[cols]], ignore_index=True)
    edges = edges[edges["src"] != edges["dst"]]
    codes, uniq = pd.factorize(pd.concat([edges["src"], edges["dst"]], ignore_index=True))
    m = len(edges)
    s, d = codes[:m], codes[m:]
    n = len(uniq)
    adj = coo_matrix((np.ones(2 * m, dtype=np.int8), (np.r_[s, d], np.r_[d, s])), shape=(n, n)).tocsr()
    adj.data[:] = 1
    return adj, pd.Index(uniq), edges


def bfs_tree(adj, s: int, k: int, stop_at: int | None = None) -> dict[int, int]:
    """Predecessors of a breadth-first search from ``s`` over at most ``k`` hops in a CSR graph (``s`` maps
    to -1); it stops as soon as it reaches ``stop_at`` when one is given."""
    prev = {s: -1}
    q = deque([(s, 0)])
    while q:
        u, dist = q.popleft()
        if dist == k:
            continue
        for v in adj.indices[adj.indptr[u]:adj.indptr[u + 1]]:
            v = int(v)
            if v in prev:
                continue
            prev[v] = u
            if v == stop_at:
                return prev
            q.append((v, dist + 1))
    return prev


def _bfs_path(adj, s: int, t: int, k: int) -> list[int] | None:
    """One shortest path s→t of at most k hops in a CSR graph (plain BFS from s)."""
    prev = bfs_tree(adj, s, k, stop_at=t)
    if t not in prev:
        return None
    path = [t]
    while prev[path[-1]] != -1:
        path.append(prev[path[-1]])
    return path[::-1]


def cross_region_links(store, level: str = "province", max_hops: int = 2, window_days: int | None = None,
                       kinds: Sequence[str] | None = None, include_history: bool = False,
                       min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE,
                       as_of: dt.date | str | None = None) -> AnalysisResult:
    """Penalised enterprises in different regions linked through shared people or owners.

    Parameters
    ----------
    store : GraphStore
        The graph.
    level : {"province", "city", "county"}
        How different the regions must be (see the module docstring).
    max_hops : int
        Longest connection, 1 to 4 (default 2: A ← person or owner → B).
    window_days : int, optional
        Only pairs with penalties within this many days of each other.
    kinds : sequence of str, optional
        Only these penalty kinds count (``administrative_penalty``, ``abnormal_operation``,
        ``serious_illegal``, ``dishonest_debtor``); default all.
    include_history : bool
        Count removed / repaired / withdrawn events too.
    min_identity_score : float
        Person records joined by POSSIBLY_SAME_AS links scoring at least this are one
        connecting person (default 0.9; see queries.identity).
    as_of : date or str, optional
        The day the graph is seen on (default today): only roles and holdings valid that day
        connect, and only events decided on or before it count.

    Returns
    -------
    AnalysisResult
        ``table``: one row per unordered pair (``a`` < ``b``): ``a, a_name, a_region,
        a_region_name, a_events, a_penalties`` and the same for ``b``, ``hops``,
        ``connectors`` (a resolved person by its identity id), ``connector_names``,
        ``differs_at``, ``path``, ``identity_members`` (the records of the connecting people).
        ``evidence[row_id]``: both enterprises, their penalties, every connecting path and
        the identity links relied on (A ← 张三 ≈ 张三' → B still counts as 2 hops).

    Complexity: the identity resolution (O(L) in the identity links) and one scan of the penalty
    events (e rows), then for 2 hops one query of the roles of penalised enterprises (r rows) and a
    self-join on the connecting party: O(r + pairs) time and memory, independent of the enterprises
    and people without penalties. 3–4 hops read the whole party graph (every role and holding valid on
    the day: E edges over V parties, uids kept as Arrow strings, identities mapped by hash lookup)
    and run sparse matrix powers from the penalised enterprises, then one BFS per pair found:
    O(V + E) memory plus the reach of the penalised.

    Example
    -------
    张三 is legal representative of a penalised company in Zhejiang (33) and holds
    shares in a penalised company in Jiangsu (32):

    >>> from creditgraph.queries.testing import toy_store
    >>> ev = {"kind": "administrative_penalty", "decided": "2024-01-01", "status": "active"}
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}),
    ...                ("Enterprise", "A", {"name": "浙江甲", "region": "330211"}),
    ...                ("Enterprise", "B", {"name": "江苏乙", "region": "320102"}),
    ...                ("PenaltyEvent", "AP:1", ev), ("PenaltyEvent", "AP:2", ev)],
    ...               [("LEGAL_REP", "ID:1", "A"), ("HOLDS_SHARES", "ID:1", "B", {"ratio": 0.2}),
    ...                ("PENALIZED", "A", "AP:1"), ("PENALIZED", "B", "AP:2")])
    >>> r = cross_region_links(s, level="province")
    >>> print(r.table["path"][0])
    浙江甲 <-[法定代表人]- 张三(自然人) -[持股 20%]-> 江苏乙
    >>> s.close()
    """
    params = _checked_params(level, max_hops, window_days, kinds, include_history, min_identity_score)
    day = as_of_date(as_of)
    params["as_of"] = iso(day)
    kind_list: list[str] = params["kinds"]
    res = resolve(store, min_identity_score)
    ev, regions, ev_days = _penalised(store, include_history, kind_list, day)
    if int(max_hops) <= 2:
        pairs = _near_pairs(store, res, include_history, kind_list, regions, level, int(max_hops), day)
    else:
        pairs = _far_pairs(store, res, regions, level, int(max_hops), day)
    rows = _kept_pairs(pairs, regions, level, window_days, ev_days)
    by_label = _parties_shown(rows)
    props = lookup_props(store, by_label)
    ev_by = {e: g for e, g in ev[ev["subject"].isin(by_label["Enterprise"])].groupby("subject")}
    table, plans = _pair_table(rows, regions, props, region_names(store), ev_by, res)
    builders = [_builder(plan, props, ev_by, res) for plan in plans]
    table["path"] = [bl.path_text(*plan[0][:2]) if plan else "" for bl, plan in zip(builders, plans)]

    def build(row):
        return _pair_evidence(builders[int(row["row_id"])], row, ev_by, res)

    return finish("cross_region_links", params, table, build)


def _checked_params(level, max_hops, window_days, kinds, include_history, min_identity_score) -> dict:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {preview(level)}")
    if not 1 <= int(max_hops) <= MAX_HOPS:
        raise ValueError(f"max_hops must be between 1 and {MAX_HOPS}, not {max_hops}")
    kinds = list(kinds or [])
    bad = [k for k in kinds if k not in MODEL.penalty_kinds]
    if bad:
        raise ValueError(f"unknown penalty kind(s) {preview(bad)}; kinds are {list(MODEL.penalty_kinds)}")
    return {"level": level, "max_hops": max_hops, "window_days": window_days, "kinds": kinds,
            "include_history": include_history, "min_identity_score": check_score(min_identity_score)}


def _penalised(store, include_history: bool, kinds: list[str], day: dt.date):
    """The penalty events that count (decided by ``day``), each penalised enterprise's region parts, and
    its sorted days."""
    ev = decided_by(fetch(store, "scan_events", {"history": bool(include_history)}, arrow=True), day)
    if kinds:
        ev = ev[ev["kind"].isin(kinds)]
    ev = ev.drop_duplicates(["subject", "event"])
    regions = {}
    for e, r, p, c in ev[["subject", "subject_region", "subject_province", "subject_city"]].drop_duplicates(
            "subject").itertuples(index=False):
        regions[e] = region_parts(r, p, c)
    ev_days = {e: np.sort(g) for e, g in zip(*_grouped_days(ev))}
    return ev, regions, ev_days


def _near_pairs(store, res: Resolution, include_history: bool, kinds: list[str], regions: dict, level: str,
                max_hops: int, day: dt.date) -> dict[tuple[str, str], dict]:
    """Pairs within 2 hops: (a, b) -> {"hops", "direct" or "via": [(connector, label, roles, ratios, chain)]}."""
    penalised = set(regions)
    pairs: dict[tuple[str, str], dict] = {}
    # the roles valid on as_of connect (not those valid when each penalty was decided)
    pp = penalised_people(store, res, include_history, kinds, as_of=day, attribution="current")
    pp = pp[pp["enterprise"].isin(penalised)].copy()
    pp["ratio"] = pp["ratio"].where(pp["role"] == "HOLDS_SHARES")
    pp = pp.sort_values(["identity", "enterprise", "party"], kind="stable")
    roles = (pp.groupby(["identity", "enterprise"], sort=False)
             .agg(label=("party_label", "first"), role=("role", lambda r: "+".join(sorted(set(r)))),
                  ratio=("ratio", "max"), member=("party", "first"))
             .reset_index().rename(columns={"identity": "party"}))
    # 1 hop: a penalised enterprise holding shares in another
    direct = roles[(roles["label"] == "Enterprise") & roles["party"].isin(penalised)
                   & (roles["party"] != roles["enterprise"])]
    for o, e, r in zip(direct["party"], direct["enterprise"], direct["ratio"]):
        a, b = sorted((o, e))
        pairs.setdefault((a, b), {"hops": 1, "direct": (o, e, r), "via": []})
    if max_hops < 2:
        return pairs
    m = roles.merge(roles, on=["party", "label"], suffixes=("_a", "_b"))
    m = m[m["enterprise_a"] < m["enterprise_b"]]
    cols = ["party", "label", "enterprise_a", "role_a", "ratio_a", "enterprise_b", "role_b", "ratio_b",
            "member_a", "member_b"]
    for party, lab, ea, ra, qa, eb, rb, qb, ma, mb in m[cols].itertuples(index=False):
        if _qualifies(_differs(regions[ea], regions[eb]), level):
            d = pairs.setdefault((ea, eb), {"hops": 2, "via": []})
            if d["hops"] == 2:
                chain = link_path(res.links(party), ma, mb) if ma != mb else [ma]
                d["via"].append((party, lab, ra, rb, qa, qb, chain))
    return pairs


def _far_pairs(store, res: Resolution, regions: dict, level: str, max_hops: int,
               day: dt.date) -> dict[tuple[str, str], dict]:
    """Pairs within 3–4 hops (sparse matrix powers, then one BFS per pair): (a, b) -> {"hops", "path", "roles"}."""
    adj, nodes, edges = _party_graph(store, res, day)
    pos = nodes.get_indexer(sorted(regions))
    pen_idx = pos[pos >= 0]
    # int32: an int8 product wraps (256 paths to one node sum to 0 and the sparse product drops the pair)
    reach = adj[pen_idx].astype(np.int32)
    step = adj.astype(np.int32) + identity(adj.shape[0], format="csr", dtype=np.int32)
    for _ in range(max_hops - 1):
        reach = reach @ step
        reach.data[:] = 1
    sub = reach[:, pen_idx].tocoo()
    pairs: dict[tuple[str, str], dict] = {}
    roles: dict[tuple[str, str], tuple[str, float]] = {}
    for i, j in zip(sub.row, sub.col):
        if i >= j:
            continue
        a, b = nodes[pen_idx[i]], nodes[pen_idx[j]]
        if not _qualifies(_differs(regions[a], regions[b]), level):
            continue
        path = _bfs_path(adj, int(pen_idx[i]), int(pen_idx[j]), max_hops)
        if path is not None:
            pairs[(a, b)] = {"hops": len(path) - 1, "path": [nodes[k] for k in path], "roles": roles, "via": []}
    # the relationships on the paths found: type and ratio per (src, dst)
    steps = {(u, v) for d in pairs.values() for u, v in zip(d["path"], d["path"][1:])}
    wanted = pd.Series([f"{u}\x1f{v}" for u, v in steps] + [f"{v}\x1f{u}" for u, v in steps], dtype="string")
    on_path = edges[isin(pair_key(edges["src"], edges["dst"]), wanted)]
    for s_, d_, ty, r_ in on_path[["src", "dst", "type", "ratio"]].itertuples(index=False):
        roles[(s_, d_)] = (ty, r_)
    return pairs


def _kept_pairs(pairs: dict, regions: dict, level: str, window_days: int | None, ev_days: dict) -> list[tuple]:
    """(a, b, pair, differs_at) of the pairs whose regions differ at the level and, with a window,
    whose penalties fall close enough."""
    rows = []
    for (a, b), d in sorted(pairs.items()):
        differs = _differs(regions[a], regions[b])
        if not _qualifies(differs, level):
            continue
        if window_days is not None and not _near(ev_days.get(a, np.zeros(0)), ev_days.get(b, np.zeros(0)),
                                                 int(window_days)):
            continue
        rows.append((a, b, d, differs))
    return rows


def _connectors(d: dict) -> list[str]:
    return [c for c, *_ in d["via"]] or [u for u in d.get("path", [])[1:-1]]


def _parties_shown(rows: list[tuple]) -> dict[str, set]:
    """Every party the rows and their evidence name, by label (for one lookup of their properties)."""
    by_label: dict[str, set] = defaultdict(set)
    for a, b, d, _ in rows:
        by_label["Enterprise"].update((a, b))
        for c, lab, *rest in d["via"]:
            by_label[lab].add(c)
            if lab == "Person":
                by_label["Person"].update(rest[-1])
        for u in d.get("path", [])[1:-1]:
            by_label["Person" if u.startswith(("ID:", "NM:")) else "Enterprise"].add(u)
    return by_label


def _pair_table(rows: list[tuple], regions: dict, props: dict, names: dict, ev_by: dict, res: Resolution):
    """The result table (one row per pair) and each pair's connecting paths."""
    def name(u):
        lab, p = props.get(u, ("Enterprise", {}))
        return node_name(lab, u, p)

    def penalties(e):
        g = ev_by.get(e)
        if g is None:
            return []
        return [node_name("PenaltyEvent", u, {"kind": k, "decided": _clean(when)})
                for u, k, when in zip(g["event"], g["kind"], g["decided"])]

    def side(prefix: str, e: str) -> dict:
        r = regions[e]
        return {prefix: e, f"{prefix}_name": name(e), f"{prefix}_region": r[0] or r[1] or r[2],
                f"{prefix}_region_name": names.get(r[0] or "") or names.get(r[1] or "") or names.get(r[2] or ""),
                f"{prefix}_events": list(ev_by[e]["event"]) if e in ev_by else [],
                f"{prefix}_penalties": "、".join(penalties(e))}

    table_rows, plans = [], []
    for a, b, d, differs in rows:
        plans.append(_plan(a, b, d))
        conn = _connectors(d)
        table_rows.append({
            **side("a", a), **side("b", b),
            "hops": d["hops"], "connectors": conn, "connector_names": [name(c) for c in conn],
            "differs_at": differs,
            "identity_members": sorted({m for c in conn if c.startswith(("ID:", "NM:")) for m in res.members(c)}),
        })
    table = pd.DataFrame(table_rows, columns=["a", "a_name", "a_region", "a_region_name", "a_events", "a_penalties",
                                              "b", "b_name", "b_region", "b_region_name", "b_events", "b_penalties",
                                              "hops", "connectors", "connector_names", "differs_at",
                                              "identity_members"])
    return table, plans


def _pair_evidence(bl: EvidenceBuilder, row, ev_by: dict, res: Resolution):
    """A pair's evidence: its connecting paths (in ``bl``), both companies' penalties, identity links."""
    for e in (row["a"], row["b"]):
        g = ev_by.get(e)
        if g is None:
            continue
        for u, k, when, st in zip(g["event"], g["kind"], g["decided"], g["status"]):
            bl.node(u, "PenaltyEvent", kind=k, decided=when, status=st)
            bl.path([e, u], [("PENALIZED", True)])
    lines = []
    for c in dict.fromkeys(row["connectors"]):
        if c.startswith(("ID:", "NM:")) and len(res.members(c)) > 1:
            lines += add_links(bl, res.links(c))
    return bl.build(extra_lines=lines)


def _grouped_days(ev: pd.DataFrame):
    ok = ev[ev["decided"].notna()]
    d = days(ok["decided"])
    keys, out = [], []
    for e, idx in ok.groupby("subject").indices.items():
        keys.append(e)
        out.append(d[idx])
    return keys, out


def _plan(a: str, b: str, d: dict) -> list[tuple[list[str], list[tuple[str, bool]], list[dict] | None]]:
    """The connecting paths of a pair as (uids, steps, relationship properties)."""
    if "direct" in d:
        o, e, r = d["direct"]
        return [([a, b], [("HOLDS_SHARES", o == a)], [{"ratio": r}])]
    if "path" in d:
        path, roles = d["path"], d["roles"]
        steps, props = [], []
        for u, v in zip(path, path[1:]):
            fwd = (u, v) in roles
            rtype, ratio = roles[(u, v)] if fwd else roles[(v, u)]
            steps.append((rtype, fwd))
            props.append({"ratio": ratio} if rtype == "HOLDS_SHARES" else {})
        return [(path, steps, props)]
    out: list[tuple[list[str], list[tuple[str, bool]], list[dict] | None]] = []
    for c, lab, ra, rb, qa, qb, chain in d["via"]:
        chain = chain if lab == "Person" else [c]
        same = [("POSSIBLY_SAME_AS", u < v) for u, v in zip(chain, chain[1:])]
        for x in ra.split("+"):
            for y in rb.split("+"):
                props = [{"ratio": qa} if x == "HOLDS_SHARES" else {}, *[{} for _ in same],
                         {"ratio": qb} if y == "HOLDS_SHARES" else {}]
                out.append(([a, *chain, b], [(x, False), *same, (y, True)], props))
    return out


def _builder(plan, props, ev_by, res: Resolution) -> EvidenceBuilder:
    b = EvidenceBuilder()
    for uids, _, _ in plan:  # the links on the paths carry their score and evidence text
        for u, v in zip(uids, uids[1:]):
            if u.startswith(("ID:", "NM:")) and v.startswith(("ID:", "NM:")):
                ident = res.identity_of([u])[0]
                found = res.links(ident)
                hit = found[(found["src"] == min(u, v)) & (found["dst"] == max(u, v))]
                for sc, ev in zip(hit["score"], hit["evidence"]):
                    b.rel(min(u, v), max(u, v), "POSSIBLY_SAME_AS", score=float(sc), evidence=ev)
    for uids, steps, rel_props in plan:
        for u in uids:
            if u in props:
                b.node(u, props[u][0], **props[u][1])
            elif not b.has_node(u):
                b.node(u, "Person" if u.startswith(("ID:", "NM:")) else "Enterprise")
        b.path(uids, steps, rel_props)
    return b

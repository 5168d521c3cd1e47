"""Whole-graph risk structure: connected groups and risk propagation.

Both run in Python on the store's edge arrays (``store.edges``): SciPy sparse
graphs, no database algorithm extension. Penalty counts come from one scan of
the enterprises' events (active only unless ``include_history``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from creditgraph.graph.store import isin as store_isin

from creditgraph.graph.model import MODEL
from creditgraph.queries._asof import DATED_SCANS, decided_by, fetch_as_of, iso
from creditgraph.queries._base import as_of_date, check_rel_types, fetch, fetch_parts, lookup_props, people_count
from creditgraph.queries.identity import DEFAULT_MIN_IDENTITY_SCORE, Resolution, check_score, link_lines, resolve
from creditgraph.queries.result import AnalysisResult, EvidenceBuilder, finish, node_name

GROUP_RELS = ("LEGAL_REP", "HOLDS_SHARES")
# the whole-graph edge scans that have a variant read in parts of the people (fetch_parts)
PARTED = {"scan_legal_reps": "scan_legal_reps_part", "scan_person_holdings": "scan_person_holdings_part"}
EVIDENCE_LIMIT = 200  # relationships shown per group
NAMED_ROWS = 2_000  # rows whose member names are looked up for the table


def _lists_by(keys: np.ndarray, values: np.ndarray) -> dict:
    """``{key: [values…]}`` for values already sorted by key (runs split in C, no Python group-by).

    >>> _lists_by(np.array([1, 1, 4]), np.array(["a", "b", "c"], dtype=object))
    {1: ['a', 'b'], 4: ['c']}
    """
    if not len(keys):
        return {}
    bounds = np.flatnonzero(np.diff(keys)) + 1
    starts = np.r_[0, bounds]
    return {k: g.tolist() for k, g in zip(keys[starts].tolist(), np.split(values, bounds))}


def _graph(store, rel_types: Sequence[str], day: dt.date, res: Resolution | None = None):
    """Edge types (a categorical per edge), node index (uids in order), labels and the undirected CSR
    adjacency of the roles and holdings valid on ``day`` (with the identity links of ``res`` as
    ``POSSIBLY_SAME_AS`` edges: a resolved person's records join one group), and the edges' end codes.

    Memory: the edge scan's frame while it is turned into integer codes (Arrow, no Python string per
    edge), then O(E) integers and the V uids as Arrow strings."""
    cols = edge_arrays(store, rel_types, day)
    if res is not None and res and "POSSIBLY_SAME_AS" not in rel_types:
        people = pd.concat([x.filter(pa.array(np.asarray(lab == "Person"))).to_pandas()
                            for x, lab in zip(cols["src"], cols["src_label"])] or [pd.Series([], dtype="str")],
                           ignore_index=True)
        links = res.edges()
        links = links[store_isin(links["src"], people) | store_isin(links["dst"], people)]
        if len(links):
            cols["src"].append(links["src"])
            cols["dst"].append(links["dst"])
            for c, v in (("type", "POSSIBLY_SAME_AS"), ("src_label", "Person"), ("dst_label", "Person")):
                cols[c].append(pd.Series(pd.Categorical.from_codes(np.zeros(len(links), np.int8), [v])))
    cols["src"] = [_large(x) for x in cols["src"]]
    cols["dst"] = [_large(x) for x in cols["dst"]]
    keep = np.concatenate([pc.fill_null(pc.not_equal(a, b), True).to_numpy(zero_copy_only=False)
                           for a, b in zip(cols["src"], cols["dst"])] or [np.zeros(0, bool)])
    ends = [pa.chunked_array(cols[c], type=pa.large_string()).filter(pa.array(keep)) for c in ("src", "dst")]
    cat = {c: union_categoricals([pd.Categorical(x) for x in cols[c]] or [pd.Categorical([])])[keep]
           for c in ("type", "src_label", "dst_label")}
    del cols
    m = int(keep.sum())
    # nodes indexed in uid order, not in the order the store returned edges: ties (a party equally near
    # two seeds) then break the same way on every store
    codes, nodes = _sorted_codes(*ends)
    n = len(nodes)
    s, d = codes[:m], codes[m:]
    labels = np.empty(n, dtype=object)  # one shared str object per label (from the categories), 8 bytes a node
    labels[s] = np.asarray(cat["src_label"], dtype=object)
    labels[d] = np.asarray(cat["dst_label"], dtype=object)
    adj = coo_matrix((np.ones(2 * m, np.float64), (np.r_[s, d], np.r_[d, s])), shape=(n, n)).tocsr()
    adj.data[:] = 1.0
    return cat["type"], pd.Index(nodes), labels, adj, s, d


def _large(x) -> pa.Array:
    """A text column as an Arrow large-string array."""
    return x.cast(pa.large_string()) if isinstance(x, pa.Array) else pa.array(x, type=pa.large_string(), from_pandas=True)


def edge_arrays(store, rel_types: Sequence[str], day: dt.date) -> dict[str, list]:
    """The edges of :func:`queries._asof.edges_on` (the same edges; the people's roles and holdings in
    another order), read scan by scan and kept compact: per scan, ``src`` and ``dst`` as Arrow strings and
    ``type, src_label, dst_label`` as categoricals (edges_on's frame of five text columns, copied while
    it is built, cost ~3x as much at 1M enterprises). The people's roles and holdings, the big scans, are
    read in parts of :data:`queries._base.PART_ANCHORS` people (:func:`queries._base.fetch_parts`), each
    part's frame dropped before the next is read: the engine's share is one part's result, the
    Python side's O(E) compact arrays."""
    out: dict[str, list] = {c: [] for c in ("src", "dst", "type", "src_label", "dst_label")}

    def add(src, dst, t, a, b) -> None:
        if not len(src):
            return
        out["src"].append(_large(src))
        out["dst"].append(_large(dst))
        for c, v in (("type", t), ("src_label", a), ("dst_label", b)):
            out[c].append(v if isinstance(v, pd.Categorical) else
                          pd.Categorical.from_codes(np.zeros(len(src), np.int8), [v]))

    types = list(rel_types)
    people: list[int] = []  # the Person count, read once when a scan is read in parts
    plain = [t for t in types if t not in MODEL.dated_rels]
    if plain:
        e = store.edges(plain)
        add(e["src"].astype(str), e["dst"].astype(str), pd.Categorical(e["type"].astype(str)),
            pd.Categorical(e["src_label"].astype(str)), pd.Categorical(e["dst_label"].astype(str)))
        del e
    for t in (t for t in types if t in MODEL.dated_rels):
        for a, b in MODEL.rel(t).pairs:
            name = DATED_SCANS.get((t, a, b))
            if name is None:
                raise ValueError(f"no scan of {t} edges {a}->{b} valid on a day: add one to DATED_SCANS")
            if name in PARTED:  # by parts of the people: the engine holds one part's rows at a time
                people = people or [people_count(store)]
                for df in fetch_parts(store, PARTED[name], {"as_of": day}, people[0]):
                    add(df["src"].astype(str), df["dst"].astype(str), t, a, b)
                    del df
                continue
            df = fetch_as_of(store, name, {}, day, arrow=True)
            add(df["src"].astype(str), df["dst"].astype(str), t, a, b)
            del df
    return out


def _sorted_codes(*columns: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(concat(columns), sort=True)`` of text columns kept as Arrow strings: the codes
    (int64) and the sorted uniques, without a Python string per value.

    >>> codes, uniq = _sorted_codes(pd.Series(["b", "a"]), pd.Series(["c", "b"]))
    >>> codes.tolist(), uniq.tolist()
    ([1, 0, 2, 1], ['a', 'b', 'c'])
    """
    arr = pa.chunked_array([c.cast(pa.large_string()) if isinstance(c, (pa.Array, pa.ChunkedArray))
                            else pa.array(c, type=pa.large_string(), from_pandas=True) for c in columns],
                           type=pa.large_string())
    # pandas factorizes an Arrow-backed column in Arrow (measured: 2.6 s and 260 MB for 4.8M uids, against
    # 3.6 s for a dictionary encoding and a sort of the dictionary in pyarrow)
    codes, uniq = pd.factorize(pd.Series(arr.to_pandas()).astype("str"), sort=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniq).astype("str")


def _per_node(nodes: pd.Index, values: pd.Series) -> np.ndarray:
    """``values`` (indexed by uid) at each node, 0 elsewhere: an Arrow hash lookup of the few keys
    among the nodes (a pandas reindex by the nodes hashes every node as a Python string)."""
    out = np.zeros(len(nodes), np.float64)
    if len(values) and len(nodes):
        pos = pc.index_in(pa.array(values.index.astype(str), type=pa.large_string()),
                          value_set=pa.array(nodes, type=pa.large_string())).to_numpy(zero_copy_only=False)
        ok = ~pd.isna(pos)
        out[pos[ok].astype(np.int64)] = values.to_numpy(np.float64)[ok]
    return out


def _event_counts(store, include_history: bool, day: dt.date) -> pd.Series:
    ev = decided_by(fetch(store, "scan_events", {"history": bool(include_history)}, arrow=True), day)
    return ev.drop_duplicates(["subject", "event"]).groupby("subject")["event"].size()


def risk_groups(store, rel_types: Sequence[str] = GROUP_RELS, min_size: int = 2,
                include_history: bool = False,
                min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE,
                as_of: dt.date | str | None = None) -> AnalysisResult:
    """Connected groups of enterprises and the people behind them, with their penalties.

    Parameters
    ----------
    store : GraphStore
        The graph.
    rel_types : sequence of str
        Relationships that join a group (default LEGAL_REP and HOLDS_SHARES; adding
        HAS_ADDRESS / HAS_PHONE groups by shared identifiers too).
    min_size : int
        Only groups with at least this many enterprises (default 2).
    include_history : bool
        Count removed / repaired / withdrawn events too.
    min_identity_score : float
        Person records joined by POSSIBLY_SAME_AS links scoring at least this are one
        person: their companies join one group and they count once in ``people``
        (default 0.9; see queries.identity).
    as_of : date or str, optional
        The day the graph is seen on (default today): only roles and holdings valid that day
        join a group, and only events decided on or before it count.

    Returns
    -------
    AnalysisResult
        ``table``: one row per group, most penalised first: ``group_id, enterprises,
        people`` (resolved people), ``penalised_enterprises, events``, ``members``
        (enterprise uids, the penalised first), ``member_names`` (first five),
        ``identity_members`` (the person records of merged identities in the group).
        ``evidence[row_id]``: the group's relationships (at most 200), identity links
        (score and evidence) among them.

    Complexity: the identity resolution (O(L) in the links), one scan of the roles and holdings valid
    on the day (E edges over V parties) turned into integer codes (the uids kept as Arrow strings, one
    sorted factorization), SciPy connected components: O(E + V log V) time; memory O(E) integers for
    the sparse graph and O(V) for the uids, labels and identities (no Python object per edge or
    party), plus the edge scan's frame while it is encoded; the table's member lists are O(enterprises
    in groups of ``min_size`` or more).

    Example
    -------
    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}), ("Enterprise", "E1", {"name": "甲公司"}),
    ...                ("Enterprise", "E2", {"name": "乙公司"}),
    ...                ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "status": "active"})],
    ...               [("LEGAL_REP", "ID:1", "E1"), ("HOLDS_SHARES", "ID:1", "E2", {"ratio": 1.0}),
    ...                ("PENALIZED", "E2", "AP:1")])
    >>> risk_groups(s).table[["enterprises", "people", "events", "member_names"]].values.tolist()
    [[2, 1, 1, ['乙公司', '甲公司']]]
    >>> s.close()
    """
    types = check_rel_types(rel_types, GROUP_RELS)
    params = {"rel_types": types, "min_size": min_size, "include_history": include_history,
              "min_identity_score": check_score(min_identity_score)}
    day = as_of_date(as_of)
    params["as_of"] = iso(day)
    res = resolve(store, min_identity_score)
    etype, nodes, labels, adj, s, d = _graph(store, types, day, res)
    counts = _event_counts(store, include_history, day)
    cols = ["group_id", "enterprises", "people", "penalised_enterprises", "events", "members", "member_names",
            "identity_members"]
    if len(nodes) == 0:
        return finish("risk_groups", params, pd.DataFrame(columns=cols), {})
    _, comp = connected_components(adj, directed=False)
    is_ent = labels == "Enterprise"
    ev = _per_node(nodes, counts).astype(np.int64) * is_ent
    k = comp.max() + 1
    n_ent = np.bincount(comp, weights=is_ent, minlength=k).astype(np.int64)
    is_person = labels == "Person"
    # identities as Arrow strings and integer codes: no Python string per node
    ident = res.identity_column(nodes)
    resolved = is_person & (ident != pd.Series(nodes)).to_numpy()
    ident_codes = pc.dictionary_encode(pa.array(ident, type=pa.large_string())).indices.to_numpy(zero_copy_only=False)
    first = np.zeros(len(nodes), bool)
    first[np.unique(ident_codes, return_index=True)[1]] = True
    first &= is_person  # one count per identity
    n_people = np.bincount(comp, weights=first, minlength=k).astype(np.int64)
    n_pen = np.bincount(comp, weights=ev > 0, minlength=k).astype(np.int64)
    n_ev = np.bincount(comp, weights=ev, minlength=k).astype(np.int64)
    keep = np.flatnonzero(n_ent >= int(min_size))
    order = keep[np.lexsort((keep, -n_ent[keep], -n_ev[keep], -n_pen[keep]))]
    # members per group: enterprises, penalised first
    ent_idx = np.flatnonzero(is_ent & np.isin(comp, order))
    ent_sorted = ent_idx[np.lexsort((nodes[ent_idx].to_numpy(), -ev[ent_idx], comp[ent_idx]))]
    by_comp = _lists_by(comp[ent_sorted], nodes[ent_sorted].to_numpy())
    members = [by_comp.get(c, []) for c in order]
    merged_idx = np.flatnonzero(is_person & np.isin(ident_codes, ident_codes[resolved]))
    merged_idx = merged_idx[np.lexsort((nodes[merged_idx].to_numpy(), comp[merged_idx]))]
    merged = _lists_by(comp[merged_idx], nodes[merged_idx].to_numpy())
    named = {u for ms in members[:NAMED_ROWS] for u in ms[:5]}
    props = lookup_props(store, {"Enterprise": named})
    table = pd.DataFrame({
        "group_id": np.arange(1, len(order) + 1),
        "enterprises": n_ent[order], "people": n_people[order], "penalised_enterprises": n_pen[order],
        "events": n_ev[order], "members": members,
        "member_names": [[node_name("Enterprise", u, props.get(u, ("", {}))[1]) for u in ms[:5]] if i < NAMED_ROWS
                         else None for i, ms in enumerate(members)],
        "identity_members": [merged.get(c, []) for c in order],
    }, columns=cols)
    comp_of_row = order

    def build(row):
        c = comp_of_row[int(row["row_id"])]
        sel = np.flatnonzero(comp[s] == c)[:EVIDENCE_LIMIT]
        uids = set(nodes[s[sel]]) | set(nodes[d[sel]])
        by_label: dict[str, list[str]] = {}
        for u in uids:
            by_label.setdefault(labels[nodes.get_loc(u)], []).append(u)
        p = lookup_props(store, by_label)
        b = EvidenceBuilder()
        for u in uids:
            lab, pr = p.get(u, (labels[nodes.get_loc(u)], {}))
            b.node(u, lab, **pr)
        lines = []
        for i in sel:
            t = str(etype[i])
            b.path([nodes[s[i]], nodes[d[i]]], [(t, True)])
            if t == "POSSIBLY_SAME_AS":
                links = res.links(res.identity_of([nodes[s[i]]])[0])
                hit = links[(links["src"] == nodes[s[i]]) & (links["dst"] == nodes[d[i]])]
                for sc, text in zip(hit["score"], hit["evidence"]):
                    b.rel(nodes[s[i]], nodes[d[i]], t, score=float(sc), evidence=text)
                lines += link_lines(hit, {u: b.caption(u) for u in (nodes[s[i]], nodes[d[i]])})
        return b.build(extra_lines=lines)

    return finish("risk_groups", params, table, build)


def risk_propagation(store, alpha: float = 0.85, rel_types: Sequence[str] = GROUP_RELS, top: int = 100,
                     include_history: bool = False, include_seeds: bool = False,
                     labels: Sequence[str] = ("Enterprise", "Person"), max_iter: int = 100,
                     tol: float = 1e-10, as_of: dt.date | str | None = None) -> AnalysisResult:
    """Risk propagated from penalised enterprises (personalised PageRank), top-N parties.

    The walk restarts at enterprises with active penalties (weighted by their event
    counts) with probability ``1 - alpha`` and otherwise follows a random
    relationship (undirected). Scores sum to 1; a high score means close to many
    penalised enterprises through few, exclusive links.

    Parameters
    ----------
    store : GraphStore
        The graph.
    alpha : float
        Probability of following a relationship at each step (default 0.85).
    rel_types : sequence of str
        Relationships the risk travels along (default LEGAL_REP, HOLDS_SHARES).
    top : int
        How many parties to return (default 100).
    include_history : bool
        Seed with removed / repaired / withdrawn events too.
    include_seeds : bool
        Also list the penalised enterprises themselves (default: only the others).
    labels : sequence of str
        Which kinds of party to list (default enterprises and people).
    max_iter, tol : int, float
        Power-iteration limits (L1 change below ``tol`` stops it).
    as_of : date or str, optional
        The day the graph is seen on (default today): risk travels along the roles and holdings
        valid that day, from events decided on or before it.

    Returns
    -------
    AnalysisResult
        ``table``: ``uid, label, name, score, seed, events, hops_to_seed, nearest_seed``.
        ``evidence[row_id]``: a shortest path to the nearest penalised enterprise.

    Complexity: one scan of the roles and holdings valid on the day (E edges over V parties, encoded
    as integers as in :func:`risk_groups`), at most ``max_iter`` sparse products O(E) each, one BFS
    O(V + E), the top ``top`` picked in O(V) before the uids of the ties are sorted; memory O(V + E)
    numbers (the sparse graph and its transpose) and the V uids as Arrow strings.

    Example
    -------
    张三 runs a penalised company and a clean one: the clean one inherits risk through him.

    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}), ("Enterprise", "E1", {"name": "甲公司"}),
    ...                ("Enterprise", "E2", {"name": "乙公司"}),
    ...                ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "status": "active"})],
    ...               [("LEGAL_REP", "ID:1", "E1"), ("LEGAL_REP", "ID:1", "E2"), ("PENALIZED", "E1", "AP:1")])
    >>> r = risk_propagation(s, labels=("Enterprise",))
    >>> r.table[["name", "hops_to_seed"]].values.tolist()
    [['乙公司', 2]]
    >>> print(r.evidence[0].paths_text)
    乙公司 <-[法定代表人]- 张三(自然人) -[法定代表人]-> 甲公司
    >>> s.close()
    """
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError("alpha must lie strictly between 0 and 1")
    types = check_rel_types(rel_types, GROUP_RELS)
    params = {"alpha": alpha, "rel_types": types, "top": top, "include_history": include_history,
              "include_seeds": include_seeds, "labels": list(labels)}
    day = as_of_date(as_of)
    params["as_of"] = iso(day)
    etype, nodes, node_labels, adj, s, d = _graph(store, types, day)
    counts = _event_counts(store, include_history, day)
    cols = ["uid", "label", "name", "score", "seed", "events", "hops_to_seed", "nearest_seed"]
    n = len(nodes)
    seed_w = _per_node(nodes, counts) * (node_labels == "Enterprise")
    if n == 0 or seed_w.sum() == 0:
        return finish("risk_propagation", params, pd.DataFrame(columns=cols), {})
    v = seed_w / seed_w.sum()
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    walk = csr_matrix(adj.multiply(inv[:, None]))  # row-stochastic (rows of isolated nodes are zero)
    walk_t = walk.T.tocsr()
    x = v.copy()
    dangling = deg == 0
    for _ in range(int(max_iter)):
        nxt = alpha * (walk_t @ x + x[dangling].sum() * v) + (1 - alpha) * v
        done = np.abs(nxt - x).sum() < tol
        x = nxt
        if done:
            break
    is_seed = seed_w > 0
    pick = np.isin(node_labels, list(labels)) & (include_seeds | ~is_seed)
    idx = np.flatnonzero(pick)
    if len(idx) > int(top) > 0:  # the top scores (ties at the cut kept) before sorting by uid: O(n) not O(n log n) strings
        cut = np.partition(x[idx], len(idx) - int(top))[len(idx) - int(top)]
        idx = idx[x[idx] >= cut]
    idx = idx[np.lexsort((nodes[idx].to_numpy(), -x[idx]))][: int(top)]
    # nearest seed: BFS from a virtual node joined to every seed
    seeds = np.flatnonzero(is_seed)
    a = adj.tocoo()
    rows = np.r_[a.row, np.full(len(seeds), n), seeds]
    cols_ = np.r_[a.col, seeds, np.full(len(seeds), n)]
    adj_aug = coo_matrix((np.ones(len(rows)), (rows, cols_)), shape=(n + 1, n + 1)).tocsr()
    order, pred = breadth_first_order(adj_aug, n, directed=False, return_predecessors=True)

    def chain(i: int) -> list[int]:
        out = [i]
        while pred[out[-1]] not in (n, -9999):
            out.append(int(pred[out[-1]]))
        return out if pred[out[-1]] == n else []

    paths = [chain(int(i)) for i in idx]
    sel = idx.tolist()
    needed = {int(j) for p in paths for j in p} | set(sel)
    by_label: dict[str, list[str]] = {}
    for j in needed:
        by_label.setdefault(node_labels[j], []).append(nodes[j])
    props = lookup_props(store, {k: v_ for k, v_ in by_label.items() if k != "Region"})
    table = pd.DataFrame({
        "uid": nodes[idx], "label": node_labels[idx],
        "name": [node_name(node_labels[i], nodes[i], props.get(nodes[i], ("", {}))[1]) for i in idx],
        "score": x[idx], "seed": is_seed[idx], "events": seed_w[idx].astype(np.int64),
        "hops_to_seed": [len(p) - 1 if p else None for p in paths],
        "nearest_seed": [nodes[p[-1]] if p else None for p in paths],
    }, columns=cols)

    def build(row):
        p = paths[int(row["row_id"])]
        b = EvidenceBuilder()
        for j in p:
            lab, pr = props.get(nodes[j], (node_labels[j], {}))
            b.node(nodes[j], lab, **pr)
        if len(p) > 1:
            b.path([nodes[j] for j in p], [_edge_type(etype, s, d, u, w) for u, w in zip(p, p[1:])])
        return b.build()

    return finish("risk_propagation", params, table, build)


def _edge_type(etype: pd.Categorical, s: np.ndarray, d: np.ndarray, u: int, w: int) -> tuple[str, bool]:
    hit = np.flatnonzero((s == u) & (d == w))
    if len(hit):
        return str(etype[hit[0]]), True
    hit = np.flatnonzero((s == w) & (d == u))
    return str(etype[hit[0]]), False

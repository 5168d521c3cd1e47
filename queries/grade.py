"""Public credit grade (公共信用评价): an explainable score per enterprise, mapped to 优秀 / 良好 / 中等 / 较差.

Score = ``base`` + the points of every reason, exactly. Each reason is one code (``P_SI``, ``L_LINKED`` …)
with a Chinese label, its points and a detail naming the records behind it (event uids, amounts, the
breached commitment, the linked parties). The weights, bands, caps, k, the base score and the grade
cut-offs live in ``grading.yaml`` beside this module (:func:`load_rules`; docs/grading.md):

* its own record — active penalty events by kind, administrative penalties by fine band (events
  ``disputed``, ``repaired``, ``removed`` or ``withdrawn`` never add a penalty; repaired / removed ones
  may add a small archived weight, 0 by default), active red-list entries (positive), age, paid-in
  capital;
* linked risk — penalised parties (enterprises or persons with an active event) within ``k`` hops
  over legal representatives and shareholdings valid on the day, and the shell-company and phoenix
  signals of :func:`~queries.shell.shell_company_candidates` and :func:`~queries.repeat.phoenix_cases`.

``as_of`` is read as by the other analyses (docs/time.md): roles and holdings valid that day, events
decided by then, red-list entries listed then, age on that day. An enterprise whose status names its
end (:func:`queries.lifecycle.is_end_status`; dissolved by then when the date is known) keeps its score
and reasons but is graded ``ended_grade`` (已终止), outside the four grades and the inspection draw.
Enterprises founded after ``as_of`` and unresolved corporate shareholders (``UNR:`` uids, not
registered subjects) are not graded.

Whole graph, vectorised: a handful of scans, pandas joins and sparse-matrix products, the reasons'
JSON built in Arrow.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix

from creditgraph.graph.masking import mask_person_uid
from creditgraph.graph.model import MODEL
from creditgraph.graph.store import isin
from creditgraph.queries._asof import iso
from creditgraph.queries._base import LOOKUP_BATCH, as_of_date, fetch
from creditgraph.queries.groups import edge_arrays
from creditgraph.queries.grade_rules import RULES_FILE, Band, Factor, Rules, RulesError, load_rules, rules_of
from creditgraph.queries.lifecycle import end_status_mask

__all__ = ["RULES_FILE", "Rules", "RulesError", "distribution", "explain", "grade_all", "linked_parties", "load_rules"]

ACTIVE = "active"
ARCHIVED = ("repaired", "removed")
GRADE_COLUMNS = ["uid", "name", "region", "industry", "status", "score", "grade", "reasons"]
REASON_COLUMNS = ["code", "label", "points", "detail"]
SEED_CHUNK = 50_000  # penalised parties expanded per sparse product (bounds the memory of one step)


# --------------------------------------------------------------------------- small vectorised helpers


def band_points(values: pd.Series, bands: tuple[Band, ...], unknown: float) -> np.ndarray:
    """Points of each value by its band (the first whose ``below`` exceeds it); missing → ``unknown``.

    >>> band_points(pd.Series([5.0, 10.0, 1e9, None]), (Band(10, -1), Band(None, -5)), 0.0).tolist()
    [-1.0, -5.0, -5.0, 0.0]
    """
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bounds = np.array([b.below for b in bands[:-1]], dtype=float)
    pts = np.array([b.points for b in bands], dtype=float)
    out = pts[np.searchsorted(bounds, v, side="right")] if len(v) else np.zeros(0)
    return np.where(np.isnan(v), unknown, out)


def capped(points: np.ndarray, cap: float | None) -> np.ndarray:
    """Summed points bounded by ``cap`` (negative: at least cap; positive: at most cap)."""
    if cap is None:
        return points
    return np.maximum(points, cap) if cap < 0 else np.minimum(points, cap)


def date_text(values: pd.Series) -> pd.Series:
    """ISO dates as text; missing → 日期不详."""
    d = pd.to_datetime(values, errors="coerce")
    return d.dt.strftime("%Y-%m-%d").fillna("日期不详").astype(str)


def num_text(values: pd.Series | np.ndarray) -> pd.Series:
    """Numbers as short text: ``-35``, ``2.5``."""
    s = pd.Series(np.round(np.asarray(values, dtype=float), 2))
    return s.astype(str).str.replace(r"\.0$", "", regex=True)


def join_by(groups: pd.Series | np.ndarray, texts: pd.Series, sep: str) -> pd.Series:
    """``texts`` joined by ``sep`` per group (order kept within a group), indexed by group; O(n log n).

    >>> join_by(pd.Series(["b", "a", "b"]), pd.Series(["x", "y", "z"]), "；").to_dict()
    {'a': 'y', 'b': 'x；z'}
    """
    g = pd.Series(np.asarray(groups, dtype=object))
    order = np.argsort(g.to_numpy(dtype=str), kind="stable") if len(g) else np.zeros(0, np.int64)
    gs = g.to_numpy()[order]
    starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]]) if len(gs) else np.zeros(0, np.int64)
    values = pa.array(pd.Series(texts).astype(str).to_numpy(dtype=object)[order], type=pa.string())
    lists = pa.ListArray.from_arrays(pa.array(np.r_[starts, len(gs)], type=pa.int32()), values)
    return pd.Series(pc.binary_join(lists, sep).to_numpy(zero_copy_only=False), index=gs[starts])


def masked_uids(uids: pd.Series) -> pd.Series:
    """Person uids as reasons name them: a name-only person's (``NM:<enterprise>:<name>``) with the name
    masked (:func:`graph.masking.mask_person_uid`), others as they are."""
    u = uids.astype(str).reset_index(drop=True)
    nm = u.str.startswith("NM:").to_numpy()
    if nm.any():
        u[nm] = [mask_person_uid(x) for x in u[nm]]  # name-only people: few, and only where linked
    return u.set_axis(uids.index)


def _part(uids, code: str, label: str, points, detail) -> pd.DataFrame:
    """Reason rows: one per enterprise (``uid, code, label, points, detail``)."""
    n = len(uids)
    return pd.DataFrame({"uid": np.asarray(uids, dtype=object), "code": [code] * n, "label": [label] * n,
                         "points": np.round(np.asarray(points, dtype=float), 2),
                         "detail": np.asarray(detail, dtype=object)})


def _summed(rows: pd.DataFrame, f: Factor, detail_sep: str = "；") -> pd.DataFrame:
    """Per-record rows (``uid, points, text``) summed per enterprise, capped, as one reason each."""
    if not len(rows):
        return _part([], f.code, f.label, [], [])
    total = rows.groupby("uid", sort=True)["points"].sum()
    pts = capped(total.to_numpy(), f.cap)
    text = join_by(rows["uid"], rows["text"], detail_sep).reindex(total.index)
    note = np.where(pts != total.to_numpy(), "（合计 " + num_text(total.to_numpy()) + "，以 " + num_text(pts) + " 计）", "")
    return _part(total.index, f.code, f.label, pts, text.to_numpy(dtype=object) + note)


# --------------------------------------------------------------------------- reads


def _has_table(store, table: str) -> bool:
    """Whether the stored graph has ``table`` (a graph of an older schema may lack new labels)."""
    try:
        stored = store.stored_properties(table)
    except Exception:  # noqa: BLE001  (the embedded store's table_info raises for a table it lacks)
        return False
    return stored is None or bool(stored)


def _enterprises(store, day: dt.date) -> pd.DataFrame:
    """Graded enterprises: registered subjects founded by ``day`` (or undated), with an ``ended`` flag."""
    e = fetch(store, "grade_enterprises", arrow=True)
    e = e[~e["uid"].astype(str).str.startswith("UNR:")]
    founded = pd.to_datetime(e["founded"], errors="coerce")
    e = e[(founded.isna() | (founded <= pd.Timestamp(day))).to_numpy()]
    dissolved = pd.to_datetime(e["dissolved"], errors="coerce")
    ended = end_status_mask(e["status"]) & (dissolved.isna() | (dissolved <= pd.Timestamp(day))).to_numpy()
    return e.assign(ended=ended).sort_values("uid").reset_index(drop=True)


def _events(store, day: dt.date) -> pd.DataFrame:
    ev = fetch(store, "grade_events", {"as_of": day}, arrow=True)
    return ev.drop_duplicates(["subject", "event"]).reset_index(drop=True)


def _commitments(store, events: pd.DataFrame) -> pd.Series:
    """The matter of each breached commitment named by a commitment_breach event: ``{CM uid: matter}``."""
    cb = events.loc[events["kind"] == "commitment_breach", "event"].astype(str)
    want = sorted({"CM:" + u[3:] for u in cb if u.startswith("CB:")})
    if not want or not _has_table(store, "Commitment"):
        return pd.Series(dtype=object)
    frames = [fetch(store, "grade_commitments", {"uids": want[i:i + LOOKUP_BATCH]}, arrow=True)
              for i in range(0, len(want), LOOKUP_BATCH)]
    df = pd.concat(frames, ignore_index=True)
    return pd.Series(df["matter"].to_numpy(dtype=object), index=df["uid"].to_numpy(dtype=object))


# --------------------------------------------------------------------------- the reasons, factor by factor


def _event_texts(ev: pd.DataFrame, matters: pd.Series) -> pd.Series:
    """One text per event: its uid and what it was (the fine's amount, the breached commitment)."""
    uid = ev["event"].astype(str)
    text = uid.copy()
    ap = (ev["kind"] == "administrative_penalty").to_numpy()
    amount = pd.to_numeric(ev["amount"], errors="coerce")
    has_amount = ap & amount.notna().to_numpy()
    text[has_amount] = uid[has_amount] + " 罚款 " + num_text(amount[has_amount].to_numpy()).to_numpy() + " 元"
    text[ap & ~has_amount] = uid[ap & ~has_amount] + " 金额不详"
    cb = ((ev["kind"] == "commitment_breach") & uid.str.startswith("CB:")).to_numpy()
    cm = "CM:" + uid[cb].str.slice(3)
    matter = cm.map(matters) if len(matters) else pd.Series(None, index=cm.index, dtype=object)
    named = matter.notna()
    text[cb] = uid[cb] + " 违背承诺 " + cm + np.where(named, "「" + matter.fillna("").astype(str) + "」", "")
    return text


_status_zh = {k: v["label_zh"] for k, v in MODEL.codes["penalty_statuses"].items()}


def _record_parts(ent: pd.DataFrame, ev: pd.DataFrame, matters: pd.Series, rules: Rules) -> list[pd.DataFrame]:
    """Active penalty events by kind, and archived (repaired / removed) ones; O(e log e)."""
    mine = ev[(ev["subject_label"] == "Enterprise") & isin(ev["subject"], ent["uid"])]
    mine = mine.sort_values(["subject", "decided", "event"], kind="stable")
    mine = mine.assign(uid=mine["subject"], text=_event_texts(mine, matters).to_numpy())
    parts = []
    active = mine[mine["status"] == ACTIVE]
    for kind, f in rules.penalties.items():
        rows = active[active["kind"] == kind]
        pts = band_points(rows["amount"], f.bands, f.unknown) if f.bands else np.full(len(rows), f.points)
        rows = rows.assign(points=pts, text=rows["text"] + "（" + date_text(rows["decided"]).to_numpy() + "，"
                           + num_text(pts).to_numpy() + " 分）")
        parts.append(_summed(rows, f))
    if rules.archived.points:
        rows = mine[mine["status"].isin(ARCHIVED)]
        rows = rows.assign(points=rules.archived.points, text=rows["text"] + "（" + date_text(rows["decided"]).to_numpy()
                           + "，" + rows["status"].map(_status_zh).fillna(rows["status"]).astype(str) + "）")
        parts.append(_summed(rows, rules.archived))
    return parts


def _red_list_part(store, ent: pd.DataFrame, day: dt.date, f: Factor) -> pd.DataFrame:
    """Red-list entries listed on ``day``: entered by then, not removed by then (an undated removal:
    by the status). O(r)."""
    if not _has_table(store, "RedListEntry"):
        return _part([], f.code, f.label, [], [])
    rl = fetch(store, "grade_red_lists", arrow=True)
    rl = rl[isin(rl["enterprise"], ent["uid"])]
    t = pd.Timestamp(day)
    entered, removed = pd.to_datetime(rl["entered"], errors="coerce"), pd.to_datetime(rl["removed"], errors="coerce")
    listed = (removed.isna() & (rl["status"] == ACTIVE)) | (removed > t)
    on = (entered.isna() | (entered <= t)) & listed
    rl = rl[on.to_numpy()].drop_duplicates(["enterprise", "entry"]).sort_values(["enterprise", "entry"])
    kind = rl["kind"].where(rl["kind"].isin(list(f.by_kind)), "other")
    pts = kind.map(f.by_kind).fillna(0.0).to_numpy(dtype=float)
    name = rl["list_name"].fillna(kind.map(lambda k: MODEL.codes["red_list_kinds"].get(k, {}).get("label_zh", k)))
    text = rl["entry"].astype(str) + "「" + name.astype(str) + "」（" + date_text(rl["entered"]).to_numpy() + "）"
    return _summed(pd.DataFrame({"uid": rl["enterprise"].to_numpy(), "points": pts, "text": text.to_numpy()}), f)


def _age_part(ent: pd.DataFrame, day: dt.date, f: Factor) -> pd.DataFrame:
    founded = pd.to_datetime(ent["founded"], errors="coerce")
    years = (pd.Timestamp(day) - founded).dt.days / 365.25
    pts = band_points(years, f.bands, f.unknown)
    detail = np.where(founded.notna(), "成立于 " + date_text(founded) + "，" + num_text(years.round(1)) + " 年",
                      "成立日期不详")
    return _part(ent["uid"], f.code, f.label, pts, detail)


def _paid_in_part(store, ent: pd.DataFrame, day: dt.date, f: Factor) -> pd.DataFrame:
    paid = fetch(store, "grade_paid_in", {"as_of": day}, arrow=True)
    amount = ent["uid"].map(pd.Series(paid["paid"].to_numpy(dtype=float), index=paid["enterprise"].to_numpy()))
    pts = band_points(amount, f.bands, f.unknown)
    detail = np.where(amount.notna(), "实缴 " + num_text(amount.fillna(0)) + " 元", "实缴资本不详")
    return _part(ent["uid"], f.code, f.label, pts, detail)


def linked_parties(store, ent_uids: pd.Series, penalised: pd.Series, rels: tuple[str, ...], k: int,
                   day: dt.date) -> pd.DataFrame:
    """Every (enterprise, penalised party, hops) with the party within ``k`` hops of the enterprise over
    the edges of ``rels`` valid on ``day``, either direction; the enterprise itself excluded.

    Breadth-first from the penalised parties at once, as sparse products (seeds × nodes) · A, k steps,
    in chunks of :data:`SEED_CHUNK` seeds. O(k · Σ over seeds of the edges in its k-ball); memory: the
    edges as integer codes (an Arrow dictionary encoding of the edge scan: no Python string per edge
    end, the V uids once as Arrow strings), the sparse graph, and the pairs found.
    """
    edges = edge_arrays(store, rels, day)  # edges_on's edges, scan by scan, as Arrow strings
    # node codes by an Arrow dictionary encoding: no Python string per edge end
    texts = [*edges["src"], *edges["dst"], pa.array(penalised, type=pa.large_string(), from_pandas=True)]
    enc = pc.dictionary_encode(pa.chunked_array(texts, type=pa.large_string())).combine_chunks()
    codes, nodes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary
    del edges, texts, enc
    m = (len(codes) - len(penalised)) // 2
    n = len(nodes)
    a, b = codes[:m], codes[m:2 * m]
    keep = a != b
    # int32: with int8, a node 256 paths away from a seed summed to 0 and the sparse product dropped it
    adj = csr_matrix((np.ones(2 * keep.sum(), np.int32), (np.r_[a[keep], b[keep]], np.r_[b[keep], a[keep]])),
                     shape=(n, n))
    adj.data[:] = 1
    seeds = np.unique(codes[2 * m:])
    targets = np.zeros(n, bool)
    target_idx = pc.index_in(pa.array(ent_uids, type=pa.large_string(), from_pandas=True), value_set=nodes)
    targets[target_idx.drop_null().to_numpy()] = True
    frames = []
    for start in range(0, len(seeds), SEED_CHUNK):
        frames.append(_expand(adj, seeds[start:start + SEED_CHUNK], k, targets))
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"seed": [], "node": [], "hops": []})
    return pd.DataFrame({"uid": nodes.take(pa.array(found["node"].to_numpy(dtype=np.int64))).to_pandas(),
                         "party": nodes.take(pa.array(found["seed"].to_numpy(dtype=np.int64))).to_pandas(),
                         "hops": found["hops"].to_numpy(dtype=np.int64)})


def _expand(adj: csr_matrix, seeds: np.ndarray, k: int, targets: np.ndarray) -> pd.DataFrame:
    """(seed, node, hops) for the nodes first reached from each seed at 1..k hops, kept where a target."""
    rows = np.arange(len(seeds))
    reached = csr_matrix((np.ones(len(seeds), np.int32), (rows, seeds)), shape=(len(seeds), adj.shape[0]))
    frontier = reached
    out = []
    for h in range(1, k + 1):
        step = frontier @ adj
        step.data[:] = 1
        step = (step - step.multiply(reached)).tocsr()
        step.eliminate_zeros()
        if not step.nnz:
            break
        r, c = step.nonzero()
        hit = targets[c]
        out.append(pd.DataFrame({"seed": seeds[r[hit]], "node": c[hit], "hops": h}))
        reached = (reached + step).tocsr()
        reached.data[:] = 1
        frontier = step
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame({"seed": [], "node": [], "hops": []})


def _linked_part(store, ent: pd.DataFrame, ev: pd.DataFrame, day: dt.date, rules: Rules) -> pd.DataFrame:
    """Penalised parties within k hops: points by hop, capped; the nearest parties named first."""
    f = rules.linked
    act = ev[ev["status"] == ACTIVE]
    if rules.linked_kinds:
        act = act[act["kind"].isin(rules.linked_kinds)]
    penalised = act.drop_duplicates("subject")
    pairs = linked_parties(store, ent["uid"], penalised["subject"], rules.linked_rels, rules.k, day)
    if not len(pairs):
        return _part([], f.code, f.label, [], [])
    by_hop = np.array(rules.points_by_hop, dtype=float)
    pairs = pairs.assign(points=by_hop[np.minimum(pairs["hops"].to_numpy(), len(by_hop)) - 1])
    pairs = pairs.sort_values(["uid", "hops", "party"], kind="stable")
    label = pairs["party"].map(pd.Series(penalised["subject_label"].to_numpy(), index=penalised["subject"].to_numpy()))
    names = pd.Series(ent["name"].to_numpy(dtype=object), index=ent["uid"].to_numpy())
    who = np.where(label == "Person", "自然人", pairs["party"].map(names).fillna("企业").astype(str))
    sk = act[["subject", "kind"]].drop_duplicates().sort_values(["subject", "kind"])
    kind_zh = {k: v["label_zh"] for k, v in MODEL.codes["penalty_kinds"].items()}
    kinds = join_by(sk["subject"], sk["kind"].map(kind_zh).fillna(sk["kind"]).astype(str), "、")
    pairs = pairs.assign(text=masked_uids(pairs["party"]) + "（" + who + "，" + pairs["hops"].astype(str) + " 跳，"
                         + pairs["party"].map(kinds).fillna("").astype(str) + "）")
    rank = pairs.groupby("uid").cumcount().to_numpy()
    total = pairs.groupby("uid", sort=True)["points"].sum()
    count = pairs.groupby("uid", sort=True).size()
    pts = capped(total.to_numpy(), f.cap)
    shown = join_by(pairs["uid"][rank < rules.detail_parties], pairs["text"][rank < rules.detail_parties], "；")
    shown = shown.reindex(total.index).fillna("")
    more = np.where(count.to_numpy() > rules.detail_parties, " 等 " + count.astype(str) + " 个", "")
    note = np.where(pts != total.to_numpy(), "（合计 " + num_text(total.to_numpy()) + "，以 " + num_text(pts) + " 计）", "")
    return _part(total.index, f.code, f.label, pts, shown.to_numpy(dtype=object) + more + note)


def _shell_part(store, ent: pd.DataFrame, day: dt.date, f: Factor) -> pd.DataFrame:
    from creditgraph.queries.shell import shell_company_candidates

    if not f.points:
        return _part([], f.code, f.label, [], [])
    t = shell_company_candidates(store, **{**f.params, "as_of": day}).table
    t = t[isin(t["uid"].astype(str), ent["uid"])]
    detail = ("评分 " + num_text(t["score"]).to_numpy() + "：" + t["signals"].astype(str) + "；团伙 "
              + t["cluster_id"].astype(str) + "（" + t["cluster_size"].astype(str) + " 家）")
    return _part(t["uid"], f.code, f.label, np.full(len(t), f.points), detail)


def _phoenix_part(store, ent: pd.DataFrame, day: dt.date, f: Factor) -> pd.DataFrame:
    from creditgraph.queries.repeat import phoenix_cases

    if not f.points:
        return _part([], f.code, f.label, [], [])
    t = phoenix_cases(store, **{**f.params, "as_of": day}).table
    t = t[isin(t["b"].astype(str), ent["uid"])].sort_values(["b", "a", "person"])
    text = (masked_uids(t["person"]) + " 的原企业 " + t["a"].astype(str) + "（" + t["a_name"].fillna("").astype(str)
            + "，" + t["end_signal"].fillna("").astype(str) + "，" + t["a_events"].astype(str) + " 起处罚）终止后 "
            + t["days_after"].astype(str) + " 天成立本企业")
    detail = join_by(t["b"], text, "；")
    return _part(detail.index, f.code, f.label, np.full(len(detail), f.points), detail.to_numpy(dtype=object))


# --------------------------------------------------------------------------- assembling the grade


def _json_text(s: pd.Series) -> pa.Array:
    """Texts as JSON string literals (quotes, backslashes escaped; control characters as spaces)."""
    a = pa.array(s.astype(str).to_numpy(dtype=object), type=pa.string())
    a = pc.replace_substring(a, "\\", "\\\\")
    a = pc.replace_substring(a, '"', '\\"')
    a = pc.replace_substring_regex(a, r"[\x00-\x1f]", " ")
    return pc.binary_join_element_wise('"', a, '"', "")


def reasons_json(parts: pd.DataFrame, uids: pd.Series) -> pd.Series:
    """The reasons of each enterprise as JSON text (a list of {code, label, points, detail}), in the
    order of ``parts``; ``[]`` where none. Built in Arrow: O(r) in the reason rows."""
    if not len(parts):
        return pd.Series("[]", index=uids.to_numpy(), dtype=object)
    kinds, uniq = pd.factorize(pd.Series(parts["code"].to_numpy(dtype=object) + "\x1f"
                                         + parts["label"].to_numpy(dtype=object)))
    heads = np.array(['{"code": %s, "label": %s, "points": ' % tuple(json.dumps(x, ensure_ascii=False)
                                                                     for x in u.split("\x1f", 1)) for u in uniq],
                     dtype=object)
    piece = pc.binary_join_element_wise(pa.array(heads[kinds], type=pa.string()),
                                        pa.array(num_text(parts["points"]).to_numpy(dtype=object), type=pa.string()),
                                        pa.scalar(', "detail": '), _json_text(parts["detail"]), pa.scalar("}"), "")
    g = parts["uid"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    lists = pa.ListArray.from_arrays(pa.array(np.r_[starts, len(g)], type=pa.int32()), piece)
    joined = pd.Series(pc.binary_join(lists, ", ").to_numpy(zero_copy_only=False), index=g[starts])
    return ("[" + joined.reindex(uids.to_numpy()).fillna("") + "]").astype(object)


def grade_of(score: np.ndarray, rules: Rules) -> np.ndarray:
    """The grade of each score by the cut-offs (best first).

    >>> grade_of(np.array([95.0, 90.0, 74.99, 10.0]), load_rules()).tolist()
    ['优秀', '优秀', '中等', '较差']
    """
    names = [g for g, _ in rules.grades]
    mins = [m for _, m in rules.grades[:-1]]
    return np.select([score >= m for m in mins], names[:-1], default=names[-1]).astype(object)


def grade_all(store, rules: Rules | str | Path | None = None, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Grade every enterprise: one row each, ``uid, name, region, industry, status, score, grade, reasons``.

    Parameters
    ----------
    store : GraphStore
        The graph.
    rules : Rules, path or None
        The grading rules (default: ``grading.yaml`` beside this module; :func:`load_rules`).
    as_of : date or ISO text, optional
        The day graded (default today): roles and holdings valid that day, events decided by then.

    Returns
    -------
    DataFrame
        Sorted by uid. ``score`` = the rules' base + the points of ``reasons`` (JSON text of a list of
        ``{code, label, points, detail}``, :func:`explain`); ``grade`` by the rules' cut-offs, or the
        ``ended_grade`` for an enterprise whose status names its end. ``attrs``: ``as_of``, ``rules``.

    Complexity: scans of enterprises, events, red lists and paid-in capital; the k-hop expansion
    (:func:`linked_parties`: the roles and holdings as integer codes, O(E) memory); the shell and
    phoenix analyses; otherwise O((n + e + r) log) pandas and Arrow work for n enterprises, e events,
    r reasons. Memory: O(n + e + r + E): the result has a row per enterprise (with its reasons as
    JSON text), so it grows with the graph; a province-size run wants the rows written out in slices
    of enterprises (not done here: the caller, app.grades, takes one frame).

    Example
    -------
    甲 is on the serious-dishonest list (active); 乙 shares its legal representative (2 hops):

    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "ID:1", {"name": "张三"}),
    ...                ("Enterprise", "E1", {"name": "甲公司", "founded": "2020-01-01"}),
    ...                ("Enterprise", "E2", {"name": "乙公司", "founded": "2020-01-01"}),
    ...                ("PenaltyEvent", "SI:1", {"kind": "serious_illegal", "decided": "2023-03-01", "status": "active"})],
    ...               [("LEGAL_REP", "ID:1", "E1"), ("LEGAL_REP", "ID:1", "E2"), ("PENALIZED", "E1", "SI:1")])
    >>> g = grade_all(s, as_of="2024-06-01")
    >>> g[["name", "score", "grade"]].values.tolist()
    [['甲公司', 47.0, '较差'], ['乙公司', 80.0, '良好']]
    >>> explain(g.iloc[0])[["code", "points"]].values.tolist()
    [['P_SI', -35.0], ['B_AGE', 2.0]]
    >>> explain(g.iloc[1])[["code", "points"]].values.tolist()
    [['B_AGE', 2.0], ['L_LINKED', -2.0]]
    >>> s.close()
    """
    rules = rules_of(rules)
    day = as_of_date(as_of)
    ent = _enterprises(store, day)
    ev = _events(store, day)
    parts = [*_record_parts(ent, ev, _commitments(store, ev), rules), _red_list_part(store, ent, day, rules.red_list),
             _age_part(ent, day, rules.age), _paid_in_part(store, ent, day, rules.paid_in),
             _linked_part(store, ent, ev, day, rules), _shell_part(store, ent, day, rules.shell),
             _phoenix_part(store, ent, day, rules.phoenix)]
    order = {c: i for i, c in enumerate(rules.codes())}
    allp = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
        else _part([], "", "", [], [])
    allp = allp[allp["points"] != 0]
    allp = allp.assign(_o=allp["code"].map(order)).sort_values(["uid", "_o"], kind="stable")
    total = allp.groupby("uid")["points"].sum().reindex(ent["uid"].to_numpy()).fillna(0.0).to_numpy()
    score = np.round(rules.base + total, 2)
    grade = np.where(ent["ended"].to_numpy(), rules.ended_grade, grade_of(score, rules))
    out = pd.DataFrame({"uid": ent["uid"].to_numpy(dtype=object), "name": ent["name"].to_numpy(dtype=object),
                        "region": ent["region"].to_numpy(dtype=object), "industry": ent["industry"].to_numpy(dtype=object),
                        "status": ent["status"].to_numpy(dtype=object), "score": score, "grade": grade,
                        "reasons": reasons_json(allp, ent["uid"]).to_numpy(dtype=object)})
    out.attrs.update(as_of=iso(day), rules=rules.source)
    return out


def explain(row: Any) -> pd.DataFrame:
    """The reasons of one graded row (a row of :func:`grade_all`, or its ``reasons`` text) as a table:
    ``code, label, points, detail``.

    >>> explain({"reasons": '[{"code": "P_AO", "label": "列入经营异常名录", "points": -8, "detail": "AO:1"}]'}).values.tolist()
    [['P_AO', '列入经营异常名录', -8.0, 'AO:1']]
    """
    text = row if isinstance(row, str) else row["reasons"]
    items = json.loads(text) if isinstance(text, str) else list(text or [])
    df = pd.DataFrame(items, columns=REASON_COLUMNS)
    return df.astype({"points": float})


def distribution(grades: pd.DataFrame, rules: Rules | None = None) -> dict[str, int]:
    """Enterprises per grade, best first (the ended grade last, when any).

    >>> distribution(pd.DataFrame({"grade": ["良好", "较差", "良好"]}))
    {'优秀': 0, '良好': 2, '中等': 0, '较差': 1}
    """
    rules = rules or load_rules()
    counts = grades["grade"].value_counts()
    out = {g: int(counts.get(g, 0)) for g in rules.grade_names}
    if counts.get(rules.ended_grade, 0):
        out[rules.ended_grade] = int(counts[rules.ended_grade])
    return out

"""Batch credit check (信用核查): a list of subjects (bidders of a tender, applicants for a subsidy)
matched against the graph, each with its penalties, list memberships and the risk linked to it, plus
the links among the subjects themselves (two bidders sharing a legal representative, a shareholder,
an address or a phone: the classic collusion signal in tenders).

Matching, per subject (:func:`match_subject`):

* a USCC or a 15-digit registration number: the enterprise with that code (``exact_code``);
* a name: the enterprises whose name key equals the subject's (``name_exact``; two or more is
  ``ambiguous``); else candidates found by pieces of the name, scored by similarity of the name keys,
  the best kept at :data:`MIN_NAME_SCORE` or above (``name_similar``, with its score) unless a second
  one is as good (``ambiguous``); else ``not_found`` (with the nearest candidates, if any).

Linked risk: the parties within ``hops`` of a matched subject (one neighbourhood read each) that have
active penalties or list entries, each with its path. Links among subjects: another checked subject
inside that neighbourhood, with the path.
"""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from creditgraph.graph.inputs import clean_text
from creditgraph.graph.store import GraphStore
from creditgraph.queries.neighborhood import neighborhood
from creditgraph.queries.profile import active_counts
from creditgraph.queries.result import AnalysisResult, Evidence, EvidenceBuilder, finish
from creditgraph.queries.search import fulltext_phrase, name_query_key, normalize_code, query_kind

#: The least similarity of two name keys (difflib ratio) for a name match with a typo.
MIN_NAME_SCORE = 0.85
#: How close the second candidate may come before a name match counts as ambiguous.
AMBIGUOUS_MARGIN = 0.03
#: The links that tie two bidders together (collusion) and that risk travels along.
CHECK_RELS = ("LEGAL_REP", "HOLDS_SHARES", "HAS_ADDRESS", "HAS_PHONE", "HAS_EMAIL", "PENALIZED", "POSSIBLY_SAME_AS")
MATCH_ZH = {"exact_code": "代码精确匹配 exact code", "name_exact": "名称精确匹配 exact name",
            "name_similar": "名称近似匹配 similar name", "ambiguous": "多个候选 ambiguous",
            "not_found": "未找到 not found", "empty": "空白 empty"}
SUBJECT_COLUMNS = ["row", "input", "match", "match_zh", "score", "uid", "name", "uscc", "status", "region",
                   "active_penalties", "lists", "linked_risk", "linked_subjects", "candidates"]


@dataclass
class Match:
    """How one subject matched: ``kind`` (see :data:`MATCH_ZH`), the enterprise (or none), its score
    and, when ambiguous or not found, the candidates considered."""

    kind: str
    uid: str | None = None
    score: float | None = None
    candidates: list[tuple[str, str, float]] = field(default_factory=list)  # (uid, name, score)


@dataclass
class CheckResult:
    """``subjects``: one row per input (:data:`SUBJECT_COLUMNS`); ``risks``: the penalised parties
    linked to each matched subject (``row, uid, name, label, hops, active_penalties, path``);
    ``links``: pairs of checked subjects tied within ``hops`` (``row_a, row_b, name_a, name_b, hops,
    path``); ``params``: what the check was asked."""

    subjects: pd.DataFrame
    risks: pd.DataFrame
    links: pd.DataFrame
    params: dict

    def as_analysis(self) -> AnalysisResult:
        """The check as an analysis result: a row per subject, its evidence the paths of its linked risk
        and of its links to other subjects, so that :func:`queries.export.export` writes it (bilingual
        headers, masking, the 参数 sheet)."""
        def build(row) -> Evidence:
            i = int(row["row"])
            lines = [f"关联风险 linked risk ({h} 跳 hops): {p}"
                     for h, p in zip(self.risks.loc[self.risks["row"] == i, "hops"], self.risks.loc[self.risks["row"] == i, "path"])]
            for a, b, h, p in self.links[["row_a", "row_b", "hops", "path"]].itertuples(index=False):
                if i in (a, b):
                    lines.append(f"与第 {b if i == a else a} 行主体关联 tied to subject #{b if i == a else a} ({h} 跳 hops): {p}")
            return EvidenceBuilder().build(extra_lines=lines)

        return finish("credit_check", self.params, self.subjects, build)


def _candidates(store: GraphStore, key: str, limit: int = 20) -> pd.DataFrame:
    """Enterprises whose name key contains the whole key, else a 4-character piece of it."""
    df = store.query("search_enterprise_name", {"key": key, "ft": fulltext_phrase(key), "limit": limit})
    if len(df) or len(key) < 4:
        return df
    pieces = list(dict.fromkeys(key[i:i + 4] for i in range(0, len(key) - 3, 2)))
    frames = [store.query("search_enterprise_name", {"key": p, "ft": fulltext_phrase(p), "limit": limit})
              for p in pieces]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True).drop_duplicates("uid") if frames else df


def match_subject(store: GraphStore, text: str) -> Match:
    """Match one subject (a code or an enterprise name) to an enterprise of the graph."""
    text = clean_text(text or "")
    kind = query_kind(text)
    if kind == "empty":
        return Match("empty")
    if kind == "code":
        hits = store.query("search_enterprise_code", {"code": normalize_code(text), "limit": 5})
        if len(hits) == 1:
            return Match("exact_code", hits["uid"].iloc[0], 1.0)
        if len(hits) > 1:
            return Match("ambiguous", candidates=[(u, n, 1.0) for u, n in zip(hits["uid"], hits["name"])])
        return Match("not_found")
    key = name_query_key(text)
    if not key:
        return Match("not_found")
    hits = _candidates(store, key)
    if hits.empty:
        return Match("not_found")
    keys = hits["name"].astype("string").map(lambda n: name_query_key(n) if pd.notna(n) else "")
    scores = keys.map(lambda k: difflib.SequenceMatcher(None, key, k).ratio()).astype(float)
    ranked = hits.assign(score=scores.to_numpy()).sort_values(["score", "uid"], ascending=[False, True])
    cands = [(u, n, round(float(s), 3)) for u, n, s in zip(ranked["uid"], ranked["name"], ranked["score"])][:5]
    exact = ranked[ranked["score"] >= 1.0]
    if len(exact) == 1:
        return Match("name_exact", exact["uid"].iloc[0], 1.0)
    if len(exact) > 1:
        return Match("ambiguous", candidates=cands)
    best = cands[0]
    if best[2] < MIN_NAME_SCORE:
        return Match("not_found", candidates=cands)
    if len(cands) > 1 and cands[1][2] >= best[2] - AMBIGUOUS_MARGIN:
        return Match("ambiguous", candidates=cands)
    return Match("name_similar", best[0], best[2])


def _linked(store: GraphStore, uid: str, hops: int, checked: dict[str, int]) -> tuple[pd.DataFrame, list[tuple]]:
    """Parties with active penalties within ``hops`` of ``uid`` (with their paths) and the other checked
    subjects found there."""
    res = neighborhood(store, uid, hops=hops, rel_types=CHECK_RELS, limit=500)
    near = res.table[(res.table["hops"] > 0) & res.table["label"].isin(["Enterprise", "Person"])]
    counts = active_counts(store, near["uid"].tolist()) if len(near) else {}
    risky = near.assign(active_penalties=near["uid"].map(counts).fillna(0).astype(int))
    risky = risky[risky["active_penalties"] > 0][["uid", "name", "label", "hops", "active_penalties", "path"]]
    others = [(checked[u], int(h), p) for u, h, p in zip(near["uid"], near["hops"], near["path"]) if u in checked]
    return risky, others


def check_subjects(store: GraphStore, subjects: Sequence[str], hops: int = 2) -> CheckResult:
    """Check a list of subjects (codes or enterprise names); see the module's description.

    ``hops``: how far linked risk and links among subjects are looked for (1 to 3).
    """
    if not 1 <= int(hops) <= 3:
        raise ValueError(f"hops must be between 1 and 3, not {hops}")
    matches = [match_subject(store, s) for s in subjects]
    uids = [m.uid for m in matches if m.uid]
    info = store.query("lookup_enterprise", {"uids": uids}) if uids else pd.DataFrame(columns=["uid"])
    info = info.set_index("uid") if len(info) else info
    active = active_counts(store, uids) if uids else {}
    lists = _list_memberships(store, uids)
    checked = {m.uid: i for i, m in enumerate(matches) if m.uid}
    risk_frames, link_rows = [], []
    for i, m in enumerate(matches):
        if not m.uid:
            continue
        risky, others = _linked(store, m.uid, int(hops), checked)
        if len(risky):
            risk_frames.append(risky.assign(row=i))
        link_rows += [(i, j, h, p) for j, h, p in others if j > i]
    rows = []
    for i, (text, m) in enumerate(zip(subjects, matches)):
        got = info.loc[m.uid] if m.uid and len(info) and m.uid in info.index else {}
        rows.append({
            "row": i, "input": text, "match": m.kind, "match_zh": MATCH_ZH[m.kind], "score": m.score, "uid": m.uid,
            "name": got.get("name") if m.uid else None, "uscc": got.get("uscc") if m.uid else None,
            "status": got.get("status") if m.uid else None, "region": got.get("region") if m.uid else None,
            "active_penalties": int(active.get(m.uid, 0)) if m.uid else None,
            "lists": "、".join(lists.get(m.uid, [])) if m.uid else "",
            "linked_risk": sum(len(f) for f in risk_frames if f["row"].iloc[0] == i),
            "linked_subjects": sum(1 for a, b, _, _ in link_rows if i in (a, b)),
            "candidates": "；".join(f"{n} ({u}, {s:.2f})" for u, n, s in m.candidates),
        })
    subjects_df = pd.DataFrame(rows, columns=SUBJECT_COLUMNS)
    risks = (pd.concat(risk_frames, ignore_index=True)[["row", "uid", "name", "label", "hops", "active_penalties", "path"]]
             if risk_frames else pd.DataFrame(columns=["row", "uid", "name", "label", "hops", "active_penalties", "path"]))
    names = dict(zip(subjects_df["row"], subjects_df["name"]))
    links = pd.DataFrame([{"row_a": a, "row_b": b, "name_a": names.get(a), "name_b": names.get(b), "hops": h, "path": p}
                          for a, b, h, p in link_rows], columns=["row_a", "row_b", "name_a", "name_b", "hops", "path"])
    return CheckResult(subjects_df, risks, links, {"hops": int(hops), "subjects": len(subjects)})


def _list_memberships(store: GraphStore, uids: list[str]) -> dict[str, list[str]]:
    """The lists (经营异常名录, 严重违法失信名单, 失信被执行人) each enterprise is on now."""
    from creditgraph.queries.profile import LIST_KINDS, penalty_kind_zh

    if not uids:
        return {}
    ev = store.query("events_of", {"uids": uids, "history": False})  # active events only
    if ev.empty:
        return {}
    ev = ev[ev["kind"].isin(LIST_KINDS)]
    out: dict[str, list[str]] = {}
    for u, k in zip(ev["subject"], ev["kind"]):
        name = penalty_kind_zh(k)
        if name not in out.setdefault(u, []):
            out[u].append(name)
    return out

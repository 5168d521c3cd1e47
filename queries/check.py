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

Time (docs/time.md): links and linked risk follow the roles and holdings valid on ``as_of`` (default
today); penalties and list entries count when decided on or before it.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.graph.inputs import clean_text
from creditgraph.graph.store import GraphStore
from creditgraph.queries._asof import decided_by, iso
from creditgraph.queries._base import as_of_date
from creditgraph.queries.check_links import links_and_risk
from creditgraph.queries.neighborhood import neighborhood
from creditgraph.queries.profile import active_counts
from creditgraph.queries.result import AnalysisResult, Evidence, EvidenceBuilder, finish
from creditgraph.queries.search import name_query_key, normalize_code, query_kind

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


#: pieces of a name too common to find candidates by (the organisation form)
_GENERIC = re.compile("公司|有限|集团|责任|股份|合伙|分店|企业")


def _pieces(key: str) -> list[str]:
    """4-character windows of a name key (every second position), the organisation form left out."""
    return [p for p in dict.fromkeys(key[i:i + 4] for i in range(0, max(1, len(key) - 3), 2))
            if len(p) == 4 and not _GENERIC.search(p)]


def _decide(key: str, ranked: pd.DataFrame) -> Match:
    """The match of a name among scored candidates (``uid, name, score``, best first)."""
    if ranked.empty:
        return Match("not_found")
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


def _score(key: str, cands: pd.DataFrame) -> pd.DataFrame:
    """Candidates scored by similarity of their name key to ``key``, best first; those whose cheap upper
    bounds (length, shared characters) are far below :data:`MIN_NAME_SCORE` are dropped unscored (a piece
    such as a city's name can bring thousands)."""
    sm = difflib.SequenceMatcher(None, autojunk=False)
    sm.set_seq2(key)  # the matcher caches what it learns of the second sequence
    floor = MIN_NAME_SCORE - 0.2
    scores = []
    for k in cands["name_key"]:
        if not isinstance(k, str):
            scores.append(0.0)
            continue
        sm.set_seq1(k)
        scores.append(sm.ratio() if sm.real_quick_ratio() >= floor and sm.quick_ratio() >= floor else 0.0)
    scored = cands.assign(score=scores)
    return scored[scored["score"] > 0].sort_values(["score", "uid"], ascending=[False, True])


def _by_codes(store: GraphStore, codes: set[str]) -> dict[str, list[tuple[str, str]]]:
    """``code → [(uid, name)]`` for USCCs, registration numbers and uids, by keyed reads."""
    out: dict[str, list[tuple[str, str]]] = {}
    if not codes:
        return out
    for prop in ("uscc", "reg_no", "uid"):
        df = store.nodes_by("Enterprise", prop, sorted(codes), cols=["name"] + ([prop] if prop != "uid" else []))
        for u, n, c in zip(df.get("uid", []), df.get("name", []), df.get(prop, df.get("uid", []))):
            if (u, n) not in out.setdefault(c, []):
                out[c].append((u, n))
    return out


def _similar(store: GraphStore, keys: dict[int, str]) -> dict[int, Match]:
    """Matches of names with no exact key: candidates sharing a 4-character piece (one scan of the
    names for the whole check, filtered in Arrow), scored by similarity."""
    pieces = {i: _pieces(k) for i, k in keys.items()}
    wanted = sorted({p for ps in pieces.values() for p in ps})
    if not wanted:
        return {i: Match("not_found") for i in keys}
    names = store.query("scan_enterprise_names", scan=True)
    col = pa.array(names["name_key"].astype(object).where(names["name_key"].notna(), None), type=pa.string())
    hit = pc.match_substring_regex(col, "|".join(re.escape(p) for p in wanted)).fill_null(False).to_numpy(zero_copy_only=False)
    cands = names[hit]
    out = {}
    for i, key in keys.items():
        mine = cands[cands["name_key"].str.contains("|".join(map(re.escape, pieces[i])), regex=True, na=False)] if pieces[i] else cands.iloc[0:0]
        out[i] = _decide(key, _score(key, mine))
    return out


def match_subjects(store: GraphStore, texts: Sequence[str]) -> list[Match]:
    """Match subjects (codes or enterprise names) to enterprises: codes and exact name keys by keyed
    reads for the whole list, the rest by similarity (see the module's description)."""
    cleaned = [clean_text(t or "") for t in texts]
    kinds = [query_kind(t) for t in cleaned]
    out: list[Match] = [Match("empty") for _ in cleaned]
    codes = {i: normalize_code(t) for i, (t, k) in enumerate(zip(cleaned, kinds)) if k == "code"}
    by_code = _by_codes(store, set(codes.values()))
    for i, c in codes.items():
        hits = by_code.get(c, [])
        out[i] = (Match("exact_code", hits[0][0], 1.0) if len(hits) == 1 else
                  Match("ambiguous", candidates=[(u, n, 1.0) for u, n in hits]) if hits else Match("not_found"))
    keys = {i: name_query_key(t) for i, (t, k) in enumerate(zip(cleaned, kinds)) if k == "name"}
    exact = store.nodes_by("Enterprise", "name_key", sorted({k for k in keys.values() if k}), cols=["name", "name_key"])
    by_key = exact.groupby("name_key")[["uid", "name"]].apply(lambda g: list(zip(g["uid"], g["name"]))).to_dict() if len(exact) else {}
    rest = {}
    for i, k in keys.items():
        hits = sorted(by_key.get(k, [])) if k else []
        if len(hits) == 1:
            out[i] = Match("name_exact", hits[0][0], 1.0)
        elif hits:
            out[i] = Match("ambiguous", candidates=[(u, n, 1.0) for u, n in hits])
        elif k:
            rest[i] = k
        else:
            out[i] = Match("not_found")
    for i, m in _similar(store, rest).items() if rest else ():
        out[i] = m
    return out


def match_subject(store: GraphStore, text: str) -> Match:
    """Match one subject (a code or an enterprise name) to an enterprise of the graph."""
    return match_subjects(store, [text])[0]


def _linked_by_neighbourhood(store: GraphStore, checked: dict[str, int], hops: int,
                             as_of: dt.date | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Links and linked risk beyond two hops, on ``as_of`` (default today): one neighbourhood query per
    subject (slower; see :mod:`queries.check_links` for one and two hops)."""
    day = as_of_date(as_of)
    risk_frames, link_rows = [], []
    for uid, i in checked.items():
        res = neighborhood(store, uid, hops=hops, rel_types=CHECK_RELS, limit=500, as_of=day)
        near = res.table[(res.table["hops"] > 0) & res.table["label"].isin(["Enterprise", "Person"])]
        counts = active_counts(store, near["uid"].tolist(), as_of=day) if len(near) else {}
        risky = near.assign(active_penalties=near["uid"].map(counts).fillna(0).astype(int))
        risky = risky[risky["active_penalties"] > 0][["uid", "name", "label", "hops", "active_penalties", "path"]]
        if len(risky):
            risk_frames.append(risky.assign(row=i))
        link_rows += [(i, checked[u], int(h), p) for u, h, p in zip(near["uid"], near["hops"], near["path"])
                      if u in checked and checked[u] > i]
    risks = (pd.concat(risk_frames, ignore_index=True) if risk_frames
             else pd.DataFrame(columns=["row", "uid", "name", "label", "hops", "active_penalties", "path"]))
    links = pd.DataFrame(link_rows, columns=["row_a", "row_b", "hops", "path"])
    return links, risks[["row", "uid", "name", "label", "hops", "active_penalties", "path"]]


def check_subjects(store: GraphStore, subjects: Sequence[str], hops: int = 2,
                   as_of: dt.date | str | None = None) -> CheckResult:
    """Check a list of subjects (codes or enterprise names); see the module's description.

    ``hops``: how far linked risk and links among subjects are looked for (1 to 3). ``as_of``: the day
    the graph is seen on (default today; recorded in ``params``).
    """
    if not 1 <= int(hops) <= 3:
        raise ValueError(f"hops must be between 1 and 3, not {hops}")
    day = as_of_date(as_of)
    matches = match_subjects(store, subjects)
    uids = [m.uid for m in matches if m.uid]
    info = store.query("lookup_enterprise", {"uids": uids}) if uids else pd.DataFrame(columns=["uid"])
    info = info.set_index("uid") if len(info) else info
    active = active_counts(store, uids, as_of=day) if uids else {}
    lists = _list_memberships(store, uids, day)
    checked: dict[str, int] = {}
    for i, m in enumerate(matches):  # a company listed twice is checked once, as its first row
        if m.uid and m.uid not in checked:
            checked[m.uid] = i
    if int(hops) <= 2:
        links, risks = links_and_risk(store, checked, int(hops), as_of=day)
    else:
        links, risks = _linked_by_neighbourhood(store, checked, int(hops), as_of=day)
    link_rows = list(zip(links["row_a"], links["row_b"], links["hops"], links["path"]))
    risk_rows = risks["row"].value_counts().to_dict()
    rows = []
    for i, (text, m) in enumerate(zip(subjects, matches)):
        got = info.loc[m.uid] if m.uid and len(info) and m.uid in info.index else {}
        rows.append({
            "row": i, "input": text, "match": m.kind, "match_zh": MATCH_ZH[m.kind], "score": m.score, "uid": m.uid,
            "name": got.get("name") if m.uid else None, "uscc": got.get("uscc") if m.uid else None,
            "status": got.get("status") if m.uid else None, "region": got.get("region") if m.uid else None,
            "active_penalties": int(active.get(m.uid, 0)) if m.uid else None,
            "lists": "、".join(lists.get(m.uid, [])) if m.uid else "",
            "linked_risk": int(risk_rows.get(checked.get(m.uid, -1), 0)) if m.uid else 0,
            "linked_subjects": sum(1 for a, b, _, _ in link_rows if checked.get(m.uid) in (a, b)) if m.uid else 0,
            "candidates": "；".join(f"{n} ({u}, {s:.2f})" for u, n, s in m.candidates),
        })
    subjects_df = pd.DataFrame(rows, columns=SUBJECT_COLUMNS)
    names = dict(zip(subjects_df["row"], subjects_df["name"]))
    links = pd.DataFrame([{"row_a": a, "row_b": b, "name_a": names.get(a), "name_b": names.get(b), "hops": h, "path": p}
                          for a, b, h, p in link_rows], columns=["row_a", "row_b", "name_a", "name_b", "hops", "path"])
    return CheckResult(subjects_df, risks, links, {"hops": int(hops), "subjects": len(subjects), "as_of": iso(day)})


def _list_memberships(store: GraphStore, uids: list[str], day: dt.date) -> dict[str, list[str]]:
    """The lists (经营异常名录, 严重违法失信名单, 失信被执行人) each enterprise is on (active entries listed
    on or before ``day``)."""
    from creditgraph.queries.profile import LIST_KINDS, penalty_kind_zh

    if not uids:
        return {}
    ev = decided_by(store.query("events_of", {"uids": uids, "history": False}), day)  # active events only
    if ev.empty:
        return {}
    ev = ev[ev["kind"].isin(LIST_KINDS)]
    out: dict[str, list[str]] = {}
    for u, k in zip(ev["subject"], ev["kind"]):
        name = penalty_kind_zh(k)
        if name not in out.setdefault(u, []):
            out[u].append(name)
    return out

"""Name hubs (同名集中任职) among name-only people (issue 14).

Name-only people (``NM:<enterprise>:<name>`` records) are scoped to one company,
so one person heading many companies with no ID number in the sources shows as
many separate records. A *name hub* is a normalised name (NFKC, spaces and
middle dots removed) at the head (legal representative) of at least
``min_companies`` companies in one city (4-digit division code), among
name-only records that are not already one identity (:mod:`queries.identity`).

A common name (王伟, 张伟, …) spread over unrelated companies is expected, so a
name is never enough. Each hub gets a confidence from what its companies share:

* strong traces — the same non-cluster address (集中办公区 excluded: legal), phone
  or e-mail (the company's or the heading record's), or records already linked as
  one identity: companies tied by them form groups; ``tied_companies`` is the
  largest group;
* weak traces — founding dates packed in a window (``window_days``; a filing
  pattern) and one registering authority for most of the companies.

``confidence``: ``corroborated`` (有旁证) when at least ``min_tied`` companies are
tied by strong traces; ``weak`` (弱旁证) when two are, or when at least half of
the companies (≥ 3) were founded within ``window_days``; else ``name only``
(仅同名). Rows of confidence ``name only`` are left out unless
``include_name_only`` (so a common name over unrelated companies never reaches
the default risk list, and is shown as ``name only`` when asked for).

Only the roles valid on ``as_of`` (default today; docs/time.md) count.

Complexity: one scan of the name-only legal-representative edges, a pandas
group-by on (name, city), then keyed reads of the traces of the candidate
groups' companies only: O(R + T) for R edges and T traces.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from creditgraph.queries._asof import VALIDITY, fetch_as_of, iso, valid_rows, validity_cols
from creditgraph.queries._base import as_of_date, days, fetch, lookup, lookup_props, region_names
from creditgraph.queries.identity import DEFAULT_MIN_IDENTITY_SCORE, Resolution, check_score, resolve, resolve_of
from creditgraph.queries.result import AnalysisResult, EvidenceBuilder, finish, mask_email, mask_phone

CONFIDENCE = {"corroborated": "有旁证 corroborated", "weak": "弱旁证 weak", "name only": "仅同名 name only"}
STRONG = ("address", "phone", "email")
TRACE_TEXT = {"address": "同一住所 shared address", "phone": "同一电话 shared phone", "email": "同一邮箱 shared e-mail",
              "identity": "已识别为同一人 linked records"}
EVIDENCE_FANOUT = 60
COLUMNS = ["name", "city", "region", "city_name", "companies", "records", "identities", "confidence",
           "confidence_label", "score", "tied_companies", "founding_window", "authority_share", "shared_traces",
           "enterprise_uids", "enterprise_names", "identity_members"]


def normalise_name(name) -> str | None:
    """The name compared across records: NFKC, no spaces or middle dots.

    >>> normalise_name(" 王 伟 "), normalise_name("阿卜杜·热合曼"), normalise_name(None)
    ('王伟', '阿卜杜热合曼', None)
    """
    if not isinstance(name, str):
        return None
    s = unicodedata.normalize("NFKC", name)
    s = "".join(ch for ch in s if not ch.isspace() and ch not in "·•・.")
    return s or None


def _city(region, province, city) -> np.ndarray:
    """4-digit city code per row: the city column when given, else the region code's prefix."""
    c = pd.Series(city, dtype="object").astype("string").str.strip().str[:4]
    r = pd.Series(region, dtype="object").astype("string").str.strip().str[:4]
    out = c.where(c.str.len() == 4, r.where(r.str.len() == 4))
    return out.astype(object).where(out.notna(), None).to_numpy(dtype=object)


def _candidates(reps: pd.DataFrame, res: Resolution, min_companies: int) -> pd.DataFrame:
    """Rows of (name, city) groups with ≥ ``min_companies`` companies and ≥ 2 identities."""
    if reps.empty:
        return reps.assign(key=pd.Series(dtype=object), city=pd.Series(dtype=object),
                           identity=pd.Series(dtype=object))
    reps = reps.assign(key=[normalise_name(n) for n in reps["name"]],
                       city=_city(reps["region"], reps["province"], reps["city"]))
    reps = reps[reps["key"].notna() & reps["city"].notna()].drop_duplicates(["person", "enterprise"])
    reps = reps.assign(identity=res.identity_of(reps["person"]))
    g = reps.groupby(["key", "city"])
    stats = pd.DataFrame({"n": g["enterprise"].nunique(), "ids": g["identity"].nunique()})
    keep = stats[(stats["n"] >= int(min_companies)) & (stats["ids"] >= 2)].index
    idx = pd.MultiIndex.from_frame(reps[["key", "city"]])
    return reps[idx.isin(keep)]


def _traces(store, ents: list[str], people: list[str], day: dt.date) -> pd.DataFrame:
    """The traces that may tie a name hub's companies to one person: each enterprise's address (declared
    cluster addresses, 集中办公区, left out: sharing one is legal), phones, e-mails and registering
    authority, and the phones and e-mails of the name-only people heading them (roles valid on ``day``). One row per
    (enterprise, kind, trace). Keyed reads from the nodes (``edges_by`` / ``nodes_by``): a
    ``UNWIND $keys MATCH`` query scanned the relationship tables (601 -> 30 ms a profile at 1M)."""
    frames: list[pd.DataFrame] = []

    def add(df: pd.DataFrame, ent: str, trace: str, kind: str) -> None:
        if len(df):
            frames.append(pd.DataFrame({"enterprise": df[ent].astype(object), "kind": kind,
                                        "trace": df[trace].astype(object)}))

    if ents:
        addr = store.edges_by("HAS_ADDRESS", "Enterprise", "Address", ents, by="src")
        if len(addr):
            cl = store.nodes_by("Address", "uid", addr["dst"].drop_duplicates(), cols=["cluster"])
            clustered = set(cl.loc[cl["cluster"].fillna(False).astype(bool), "uid"]) if len(cl) else set()
            add(addr[~addr["dst"].isin(clustered)], "src", "dst", "address")
        add(store.edges_by("HAS_PHONE", "Enterprise", "Phone", ents, by="src"), "src", "dst", "phone")
        add(store.edges_by("HAS_EMAIL", "Enterprise", "Email", ents, by="src"), "src", "dst", "email")
        auth = store.nodes_by("Enterprise", "uid", ents, cols=["authority"])
        if len(auth):
            add(auth[auth["authority"].notna()], "uid", "authority", "authority")
    if people:
        reps = store.edges_by("LEGAL_REP", "Person", "Enterprise", people, by="src",
                              cols=validity_cols(store, ["LEGAL_REP"]))
        reps = valid_rows(reps, day).drop(columns=list(VALIDITY), errors="ignore").rename(columns={"src": "p", "dst": "e"})
        for rel, label, kind in (("HAS_PHONE", "Phone", "phone"), ("HAS_EMAIL", "Email", "email")):
            own = store.edges_by(rel, "Person", label, people, by="src").rename(columns={"src": "p", "dst": "c"})
            if len(reps) and len(own):
                add(reps.merge(own, on="p"), "e", "c", kind)
        phones = store.nodes_by("Person", "uid", people, cols=["phone"])
        if len(reps) and len(phones):
            add(reps.merge(phones[phones["phone"].notna()].rename(columns={"uid": "p"}), on="p"), "e", "phone", "phone")
    if not frames:
        return pd.DataFrame(columns=["enterprise", "kind", "trace"])
    t = pd.concat(frames, ignore_index=True).dropna()
    phone = t["kind"] == "phone"
    t.loc[phone, "trace"] = t.loc[phone, "trace"].astype(str).str.replace(r"\D", "", regex=True)
    t["trace"] = t["trace"].astype(str).str.strip()
    # in key order: evidence then reads the same whatever order the store returned the rows in
    return t[t["trace"] != ""].drop_duplicates().sort_values(["enterprise", "kind", "trace"], ignore_index=True)


def _assess(ents: list[str], traces: list[tuple[str, str, str]], fday: dict, same_person: list[list[str]],
            window_days: int, min_tied: int) -> dict:
    """Tied groups, founding window and authority share of one hub's companies (``ents``, in key order).

    ``traces``: the traces of each of them, as ``(enterprise, kind, trace)`` rows of
    :func:`_traces` (no repeats); ``fday``: founding days (int days, missing: INT64 min) by enterprise.
    Plain Python over the hub's own rows: it runs once per (name, city) group, 14K times at 1M
    enterprises (pandas group-bys here took 6 ms a group)."""
    n = len(ents)
    pos = {e: i for i, e in enumerate(ents)}
    by_trace: dict[tuple[str, str], set[str]] = {}
    authority: dict[str, int] = {}
    for e, kind, trace in traces:
        if kind in STRONG:
            by_trace.setdefault((kind, trace), set()).add(e)
        elif kind == "authority":
            authority[trace] = authority.get(trace, 0) + 1
    shared = {kt: sorted(es) for kt, es in sorted(by_trace.items()) if len(es) >= 2}
    groups = [*shared.values(), *[g for g in same_person if len(g) >= 2]]
    rows, cols = [], []
    for g in groups:
        ix = [pos[e] for e in g if e in pos]
        rows += ix[:1] * (len(ix) - 1)
        cols += ix[1:]
    if rows:
        adj = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        _, comp = connected_components(adj, directed=False)
        tied = int(np.bincount(comp).max())
    else:
        tied = 1 if n else 0
    tied = tied if tied >= 2 else 0
    missing = np.iinfo(np.int64).min
    d = np.sort(np.array([fday.get(e, missing) for e in ents], dtype=np.int64))
    d = d[d > missing]
    window = int((np.searchsorted(d, d + int(window_days), side="right") - np.arange(len(d))).max()) if len(d) else 0
    share = float(max(authority.values()) / n) if authority else 0.0
    if tied >= int(min_tied):
        conf = "corroborated"
    elif tied >= 2 or window >= max(3, math.ceil(n / 2)):
        conf = "weak"
    else:
        conf = "name only"
    score = 0.2 + 0.6 * tied / n + 0.1 * (window >= max(3, math.ceil(n / 2))) + 0.1 * (share >= 0.8)
    texts = [f"{TRACE_TEXT[k]} {_shown(k, t)}（{len(es)} 家）" for (k, t), es in shared.items()]
    texts += [f"{TRACE_TEXT['identity']}（{len(g)} 家）" for g in same_person if len(g) >= 2]
    return {"tied_companies": tied, "founding_window": window, "authority_share": round(share, 3),
            "confidence": conf, "confidence_label": CONFIDENCE[conf], "score": round(min(score, 1.0), 3),
            "shared_traces": texts, "_shared": shared}


def _shown(kind: str, trace: str) -> str | None:
    return mask_phone(trace) if kind == "phone" else mask_email(trace) if kind == "email" else trace


def _hubs(store, reps: pd.DataFrame, res: Resolution, min_companies: int, window_days: int, min_tied: int,
          include_name_only: bool, day: dt.date) -> tuple[pd.DataFrame, dict]:
    cand = _candidates(reps, res, min_companies).reset_index(drop=True)
    ents = sorted(set(cand["enterprise"]))
    traces = _traces(store, ents, sorted(set(cand["person"])), day)
    info = lookup(store, "Enterprise", ents).set_index("uid") if ents else pd.DataFrame()
    founded = info["founded"].to_dict() if len(info) else {}
    ent_names = info["name"].to_dict() if len(info) else {}
    fday = dict(zip(ents, days([founded.get(e) for e in ents]).tolist())) if ents else {}
    names = region_names(store) if len(cand) else {}
    rows: list[dict] = []
    context: dict = {"_window": int(window_days), "_cand": cand}
    # each enterprise's traces, read off the table once: filtering the whole table per hub made the
    # whole-graph run quadratic (9 min at 1M enterprises)
    at: dict[str, list[tuple[str, str, str]]] = {}
    for row in zip(traces["enterprise"].tolist(), traces["kind"].tolist(), traces["trace"].tolist()):
        at.setdefault(row[0], []).append(row)
    col = {c: cand[c].tolist() for c in ("name", "person", "enterprise", "identity")}
    groups = cand.groupby(["key", "city"], sort=True).indices if len(cand) else {}
    for key, city in sorted(groups):
        idx = groups[(key, city)]
        g_ent = [col["enterprise"][i] for i in idx]
        g_person = [col["person"][i] for i in idx]
        g_identity = [col["identity"][i] for i in idx]
        es = sorted(set(g_ent))
        by_identity: dict[str, set[str]] = {}
        for i, e in zip(g_identity, g_ent):
            by_identity.setdefault(i, set()).add(e)
        a = _assess(es, [t for e in es for t in at.get(e, ())], fday,
                    [sorted(by_identity[i]) for i in sorted(by_identity)], window_days, min_tied)
        if a["confidence"] == "name only" and not include_name_only:
            continue
        context[(key, city)] = (idx, a.pop("_shared"))
        rows.append({"name": _mode([col["name"][i] for i in idx]), "city": city, "region": city,
                     "city_name": names.get(city, ""), "companies": len(es), "records": len(set(g_person)),
                     "identities": len(by_identity), **a, "enterprise_uids": es,
                     "enterprise_names": [ent_names.get(e) for e in es],
                     "identity_members": sorted(set(g_person)), "_key": key})
    table = pd.DataFrame(rows, columns=[*COLUMNS, "_key"])
    order = {"corroborated": 0, "weak": 1, "name only": 2}
    table = table.assign(_o=table["confidence"].map(order)).sort_values(
        ["_o", "tied_companies", "companies", "name", "city"], ascending=[True, False, False, True, True])
    return table.drop(columns="_o"), context


def _mode(values: list[str]) -> str:
    """The most frequent value, the first in order among equals (``Series.mode().iloc[0]``).

    >>> _mode(["王伟", "王 伟", "王 伟", "王伟"]), _mode(["b", "a", "b"])
    ('王 伟', 'b')
    """
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    top = max(counts.values())
    return min(v for v, c in counts.items() if c == top)


def _evidence(store, row, context: dict, res: Resolution):
    idx, shared = context[(row["_key"], row["city"])]
    g = context["_cand"].iloc[idx]
    b = EvidenceBuilder()
    g = g[g["enterprise"].isin(row["enterprise_uids"][:EVIDENCE_FANOUT])]
    props = lookup_props(store, {"Person": g["person"], "Enterprise": g["enterprise"]})
    for u in [*g["person"], *g["enterprise"]]:
        if u in props:
            b.node(u, props[u][0], **props[u][1])
    for p, e in zip(g["person"], g["enterprise"]):
        b.path([p, e], [("LEGAL_REP", True)])
    label = {"address": ("Address", "HAS_ADDRESS"), "phone": ("Phone", "HAS_PHONE"), "email": ("Email", "HAS_EMAIL")}
    for (kind, trace), es in shared.items():
        lab, rel = label[kind]
        b.node(trace, lab, **({"text": trace} if lab == "Address" else {}))
        for e in es[:EVIDENCE_FANOUT]:
            b.path([e, trace], [(rel, True)])
    lines = [f"同名 same name {row['name']} · {row['city_name'] or row['city']} · 任 {row['companies']} 家企业法定代表人"
             f"（{row['records']} 条仅有姓名的记录 name-only records）· 置信度 {row['confidence_label']}",
             *row["shared_traces"]]
    if row["founding_window"] >= 2:
        lines.append(f"成立集中 founding window: {row['founding_window']} 家成立于 {context['_window']} 天内 "
                     f"(founded within {context['_window']} days)")
    if row["authority_share"] >= 0.8:
        lines.append(f"同一登记机关 same registering authority: {row['authority_share']:.0%} 的企业")
    return b.build(extra_lines=lines)


def name_hubs(store, min_companies: int = 5, window_days: int = 90, min_tied: int = 3,
              include_name_only: bool = False,
              min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE,
              as_of: dt.date | str | None = None) -> AnalysisResult:
    """The same name at the head of many companies in one city, among name-only people.

    Parameters
    ----------
    store : GraphStore
        The graph.
    min_companies : int
        At least this many companies headed by the name in one city (default 5).
    window_days : int
        Founding-window trace: companies founded within this many days (default 90).
    min_tied : int
        ``corroborated`` when at least this many companies are tied by a shared
        address, phone, e-mail or identity link (default 3).
    include_name_only : bool
        Also list hubs with nothing shared, as confidence ``name only`` (default: left out).
    min_identity_score : float
        Records joined by POSSIBLY_SAME_AS links scoring at least this are one identity
        (a group that is one identity is not a name hub: it is a resolved person).
    as_of : date or str, optional
        The day the roles are seen on (default today): only legal representatives in office then.

    Returns
    -------
    AnalysisResult
        ``table``: one row per (name, city), the corroborated first: ``name, city,
        region, city_name, companies, records, identities, confidence`` (``corroborated``
        / ``weak`` / ``name only``), ``confidence_label`` (bilingual), ``score`` (0..1),
        ``tied_companies, founding_window, authority_share, shared_traces`` (texts, phones
        and e-mails masked), ``enterprise_uids, enterprise_names, identity_members`` (the
        name-only records). ``evidence[row_id]``: the records → companies, the shared
        address / phone / e-mail nodes, the traces in words.

    Example
    -------
    赵敏 heads three companies in Ningbo (3302) registered at one address:

    >>> from creditgraph.queries.testing import toy_store
    >>> ents = [("Enterprise", f"E{i}", {"name": f"甲{i}", "region": "330203"}) for i in (1, 2, 3)]
    >>> s = toy_store([*ents, *[("Person", f"NM:E{i}:赵敏", {"name": "赵敏"}) for i in (1, 2, 3)],
    ...                ("Address", "某路1号", {"text": "某路1号", "cluster": False})],
    ...               [*[("LEGAL_REP", f"NM:E{i}:赵敏", f"E{i}") for i in (1, 2, 3)],
    ...                *[("HAS_ADDRESS", f"E{i}", "某路1号") for i in (1, 2, 3)]])
    >>> r = name_hubs(s, min_companies=3)
    >>> r.table[["name", "city", "companies", "confidence", "tied_companies"]].values.tolist()
    [['赵敏', '3302', 3, 'corroborated', 3]]
    >>> r.table["shared_traces"][0]
    ['同一住所 shared address 某路1号（3 家）']
    >>> s.close()
    """
    day = as_of_date(as_of)
    params = {"min_companies": min_companies, "window_days": window_days, "min_tied": min_tied,
              "include_name_only": include_name_only, "min_identity_score": check_score(min_identity_score),
              "as_of": iso(day)}
    res = resolve(store, min_identity_score)
    reps = fetch(store, "name_hub_reps", {"as_of": day}, arrow=True)
    table, context = _hubs(store, reps, res, min_companies, window_days, min_tied, include_name_only, day)
    out = finish("name_hubs", params, table.drop(columns="_key"), lambda row: None)  # type: ignore[arg-type, return-value]  # placeholder: only the numbered table is used
    keys = table["_key"].tolist()

    def build(row):
        r = row.copy()
        r["_key"] = keys[int(row["row_id"])]
        return _evidence(store, r, context, res)

    return finish("name_hubs", params, out.table.drop(columns="row_id"), build)


def name_hubs_of(store, uid: str, min_companies: int = 5, window_days: int = 90, min_tied: int = 3,
                 min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE,
                 as_of: dt.date | str | None = None, index: "NameHubIndex | None" = None) -> pd.DataFrame:
    """The name hubs (any confidence) a party belongs to on ``as_of`` (default today): a name-only
    person, or an enterprise headed by one. Keyed reads by name only (for the profile page), O(records
    with that name); read off ``index`` (:class:`NameHubIndex`) when it holds that day with these
    parameters (no read at all).

    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Enterprise", "E1", {"name": "甲", "region": "330203"}),
    ...                ("Person", "NM:E1:赵敏", {"name": "赵敏"})], [("LEGAL_REP", "NM:E1:赵敏", "E1")])
    >>> len(name_hubs_of(s, "E1"))
    0
    >>> s.close()
    """
    day = as_of_date(as_of)
    if (index is not None and index.day == day and index.params == {
            "min_companies": min_companies, "window_days": window_days, "min_tied": min_tied,
            "min_identity_score": check_score(min_identity_score)}):
        return index.of(uid)
    if uid.startswith("NM:"):
        people = lookup(store, "Person", [uid])
        names = people["name"].dropna().tolist()
    else:
        reps = fetch_as_of(store, "profile_legal_reps", {"uid": uid}, day)
        names = reps.loc[reps["person_uid"].astype(str).str.startswith("NM:"), "person_name"].dropna().tolist()
    if not names:
        return pd.DataFrame(columns=COLUMNS)
    reps = fetch(store, "name_hub_reps_of", {"names": sorted(set(names)), "as_of": day}, arrow=True)
    res = resolve_of(store, reps["person"], min_identity_score)
    table, _ = _hubs(store, reps, res, min_companies, window_days, min_tied, include_name_only=True, day=day)
    hit = [uid in es or uid in ms for es, ms in zip(table["enterprise_uids"], table["identity_members"])]
    return table.loc[np.array(hit, dtype=bool)].drop(columns="_key").reset_index(drop=True)


class PendingNameHubs:
    """Stands for a :class:`NameHubIndex` of ``day`` still being computed (or that failed: ``error``): a
    profile then says so in its name-hub signal instead of reading the hubs itself."""

    def __init__(self, day: dt.date, error: str | None = None):
        self.day = day
        self.error = error


class NameHubIndex:
    """Every name hub of the whole graph (any confidence) on one day, by member: what
    :func:`name_hubs_of` answers per party, computed once per graph version (and day) instead of
    per profile. A profile's name hub read per party costs a scan of Person by name (LadybugDB has
    no secondary index: ~1.4 s at 1M enterprises); the whole graph costs ~20 s once (identities,
    the name-only roles, the traces of the candidate groups) and then nothing per profile.

    ``of(uid)`` is :func:`name_hubs_of`'s table, with one difference by design: a hub here groups every
    spelling of the name that normalises alike (``王 伟`` and ``王伟``: the hub's definition, as
    :func:`name_hubs` lists it), where :func:`name_hubs_of` reads the party's own spelling only.

    >>> from creditgraph.queries.testing import toy_store
    >>> ents = [("Enterprise", f"E{i}", {"name": f"甲{i}", "region": "330203"}) for i in (1, 2, 3)]
    >>> s = toy_store([*ents, *[("Person", f"NM:E{i}:赵敏", {"name": "赵敏"}) for i in (1, 2, 3)]],
    ...               [("LEGAL_REP", f"NM:E{i}:赵敏", f"E{i}") for i in (1, 2, 3)])
    >>> ix = NameHubIndex.build(s, min_companies=3)
    >>> ix.of("E2")[["name", "companies", "confidence"]].values.tolist(), len(ix.of("E9")), len(ix)
    ([['赵敏', 3, 'name only']], 0, 1)
    >>> s.close()
    """

    def __init__(self, table: pd.DataFrame, day: dt.date, params: dict, version: str | None = None):
        self.table = table.reset_index(drop=True)
        self.day = day
        self.params = params
        self.version = version
        at: dict[str, list[int]] = {}
        for i, (es, ms) in enumerate(zip(self.table["enterprise_uids"], self.table["identity_members"])):
            for u in dict.fromkeys([*es, *ms]):
                at.setdefault(u, []).append(i)
        self._at = at

    def __len__(self) -> int:
        return len(self.table)

    @classmethod
    def build(cls, store, as_of: dt.date | str | None = None, min_companies: int = 5, window_days: int = 90,
              min_tied: int = 3, min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE,
              version: str | None = None) -> "NameHubIndex":
        """The whole graph's name hubs on ``as_of`` (default today), with :func:`name_hubs_of`'s defaults."""
        day = as_of_date(as_of)
        params = {"min_companies": min_companies, "window_days": window_days, "min_tied": min_tied,
                  "min_identity_score": check_score(min_identity_score)}
        res = resolve(store, min_identity_score)
        reps = fetch(store, "name_hub_reps", {"as_of": day}, arrow=True)
        table, _ = _hubs(store, reps, res, min_companies, window_days, min_tied, include_name_only=True, day=day)
        return cls(table.drop(columns="_key"), day, params, version)

    def of(self, uid: str) -> pd.DataFrame:
        """The hubs ``uid`` belongs to (as a company or a name-only record), in the table's order."""
        rows = self._at.get(uid)
        if not rows:
            return self.table.iloc[0:0].reset_index(drop=True)
        return self.table.iloc[sorted(rows)].reset_index(drop=True)

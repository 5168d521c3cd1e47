"""Resolved people (identities) over the ETL's scored ``POSSIBLY_SAME_AS`` links (issue 14).

Person records stay as the ETL keys them (``ID:<hash>`` with a full ID number,
else ``NM:<enterprise>:<name>`` scoped to one company). Where the ETL found
evidence that two records are one person (same name + phone, a compatible
masked ID number, …) it wrote a ``POSSIBLY_SAME_AS`` link with a ``score`` (a
match probability) and an ``evidence`` text. An *identity* is a connected
component of Person records over the links scoring at least
``min_identity_score``; its id is the smallest uid in it.

* :func:`identities` — every record of a component of size ≥ 2 (whole graph:
  one scan of the links and SciPy ``connected_components``, O(L + P) for L
  links over P linked people);
* :func:`identities_of` — the same answer for a few records (the components
  that hold them, grown by keyed reads: interactive pages and one-party
  analyses never scan the graph);
* :func:`identity_links` — the links behind identities, with score and evidence;
* :class:`Resolution` — what the analyses use: ``identity_of(uids)``,
  ``members(identity)`` and the links of an identity.

A component of more than :data:`MAX_IDENTITY_SIZE` records is not merged (its
records stay separate people) and is reported (``Resolution.oversized``, a
warning in the log): a giant identity is a wrong-merge bug, not a finding.

The ETL never imports from ``queries``; this module never imports from ``etl``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from creditgraph.graph.keyindex import KeyIndex, _strings
from creditgraph.graph.store import isin
from creditgraph.queries._base import LOOKUP_BATCH, as_of_date, check_attribution, fetch

log = logging.getLogger(__name__)

#: Conservative default: only links the ETL scores at 0.9 or more make two records one person.
DEFAULT_MIN_IDENTITY_SCORE = 0.9
#: A component larger than this is not merged (wrong-merge guard) and is reported.
MAX_IDENTITY_SIZE = 200

IDENTITY_COLUMNS = ["uid", "identity", "size"]
LINK_COLUMNS = ["src", "dst", "score", "evidence"]
FEW_KEYS = 64  # up to this many records: one keyed read each (see identity_links_of_one.cypher)
OVERSIZED_COLUMNS = ["identity", "size", "sample"]


def check_score(min_identity_score: float) -> float:
    """The threshold as a float in [0, 1] (a ValueError otherwise)."""
    s = float(min_identity_score)
    if not 0.0 <= s <= 1.0 or s != s:
        raise ValueError(f"min_identity_score must lie between 0 and 1, not {min_identity_score}")
    return s


def _components(links: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records of merged components, oversized components) from ``src, dst`` link arrays."""
    if links.empty:
        return (pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(IDENTITY_COLUMNS, ("object", "object", "int64"))}),
                pd.DataFrame(columns=OVERSIZED_COLUMNS))
    m = len(links)
    codes, uniq = pd.factorize(pd.concat([links["src"], links["dst"]], ignore_index=True))
    n = len(uniq)
    adj = coo_matrix((np.ones(m, np.int8), (codes[:m], codes[m:])), shape=(n, n))
    _, comp = connected_components(adj, directed=False)
    df = pd.DataFrame({"uid": pd.Series(uniq).astype("str"), "comp": comp})  # Arrow strings, no Python str each
    df["identity"] = df.groupby("comp")["uid"].transform("min")
    df["size"] = df.groupby("comp")["uid"].transform("size").astype("int64")
    big = df["size"] > MAX_IDENTITY_SIZE
    oversized = (df[big].sort_values("uid").groupby("identity", sort=True)
                 .agg(size=("size", "first"), sample=("uid", lambda u: list(u[:5]))).reset_index())
    if len(oversized):
        log.warning("identity: %d component(s) over %d records not merged (largest %d): %s", len(oversized),
                    MAX_IDENTITY_SIZE, int(oversized["size"].max()), oversized["identity"].tolist()[:5])
    out = df.loc[~big, IDENTITY_COLUMNS].sort_values(["identity", "uid"]).reset_index(drop=True)
    return out, oversized[OVERSIZED_COLUMNS]


def identities(store, min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE) -> pd.DataFrame:
    """Every Person record in a resolved identity (a component of ≥ 2 records).

    Records not listed are their own identity. Components of more than
    ``MAX_IDENTITY_SIZE`` records are left out (not merged) and listed in
    ``.attrs["oversized"]`` (``identity, size, sample``).

    Complexity (L links scoring at least the threshold, over R linked records): time, one scan of
    the links in the engine (filtered there by score) plus O(L + R log R) for the components; memory,
    the links read (Arrow strings, evidence text included) and O(R) for the components (integer
    codes; the uids stay Arrow strings). Independent of the numbers of enterprises and people.

    Parameters
    ----------
    store : GraphStore
        The graph.
    min_identity_score : float
        Links scoring at least this join records (default 0.9).

    Returns
    -------
    pandas.DataFrame
        ``uid, identity, size`` (``identity``: the smallest uid of the component).

    Example
    -------
    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", u, {"name": "张三"}) for u in ("NM:A:张三", "NM:B:张三", "NM:C:张三")],
    ...               [("POSSIBLY_SAME_AS", "NM:A:张三", "NM:B:张三", {"score": 0.95, "evidence": "同名 + 同一电话"}),
    ...                ("POSSIBLY_SAME_AS", "NM:B:张三", "NM:C:张三", {"score": 0.6, "evidence": "同名"})])
    >>> identities(s).values.tolist()
    [['NM:A:张三', 'NM:A:张三', 2], ['NM:B:张三', 'NM:A:张三', 2]]
    >>> len(identities(s, 0.5)), len(identities(s, 0.99))
    (3, 0)
    >>> s.close()
    """
    score = check_score(min_identity_score)
    links = fetch(store, "identity_links_all", {"min_score": score}, arrow=True)
    out, oversized = _components(links)
    out.attrs["oversized"] = oversized
    out.attrs["links"] = links[isin(links["src"], out["uid"])].reset_index(drop=True)
    return out


def _links_of(store, uids: Iterable[str], score: float) -> pd.DataFrame:
    """Links touching ``uids`` (keyed reads, batched) as ``src < dst`` rows."""
    keys = [u for u in dict.fromkeys(uids) if isinstance(u, str)]
    if len(keys) <= FEW_KEYS:  # one indexed read per key beats one list read (a scan) for a few keys
        frames = [fetch(store, "identity_links_of_one", {"uid": k, "min_score": score}) for k in keys]
    else:
        frames = [fetch(store, "identity_links_of", {"uids": keys[i:i + LOOKUP_BATCH], "min_score": score})
                  for i in range(0, len(keys), LOOKUP_BATCH)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=LINK_COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    a, b = df["uid"].astype(str), df["other"].astype(str)
    out = pd.DataFrame({"src": np.where(a < b, a, b), "dst": np.where(a < b, b, a),
                        "score": pd.to_numeric(df["score"]), "evidence": df["evidence"]})
    return out.drop_duplicates(["src", "dst"]).sort_values(["src", "dst"]).reset_index(drop=True)


def identity_links(store, uids: Iterable[str],
                   min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE) -> pd.DataFrame:
    """The links scoring at least ``min_identity_score`` that touch any of ``uids``.

    Keyed reads (batched), O(k) in the links of the given records.

    Parameters
    ----------
    store : GraphStore
        The graph.
    uids : iterable of str
        Person records (e.g. the members of an identity).
    min_identity_score : float
        Only links scoring at least this (default 0.9).

    Returns
    -------
    pandas.DataFrame
        ``src, dst, score, evidence`` with ``src < dst``.

    Example
    -------
    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", "NM:A:张三", {"name": "张三"}), ("Person", "NM:B:张三", {"name": "张三"})],
    ...               [("POSSIBLY_SAME_AS", "NM:A:张三", "NM:B:张三",
    ...                 {"score": 0.95, "evidence": "同名 + 同一电话 132****7230"})])
    >>> identity_links(s, ["NM:B:张三"]).values.tolist()
    [['NM:A:张三', 'NM:B:张三', 0.95, '同名 + 同一电话 132****7230']]
    >>> s.close()
    """
    return _links_of(store, uids, check_score(min_identity_score))


def identities_of(store, uids: Iterable[str],
                  min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE) -> pd.DataFrame:
    """:func:`identities`, restricted to the components holding ``uids`` (keyed reads only).

    The components are grown outwards one ring of links at a time; one that
    passes ``MAX_IDENTITY_SIZE`` stops growing and is not merged. Cost: O(size
    of the components) keyed reads, independent of the graph's size.

    Parameters
    ----------
    store : GraphStore
        The graph.
    uids : iterable of str
        Person records.
    min_identity_score : float
        Links scoring at least this join records (default 0.9).

    Returns
    -------
    pandas.DataFrame
        ``uid, identity, size`` for the records of those components that have ≥ 2
        records (as :func:`identities` gives them); ``.attrs["oversized"]``.

    Example
    -------
    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Person", u, {"name": "张三"}) for u in ("NM:A:张三", "NM:B:张三", "NM:C:张三")],
    ...               [("POSSIBLY_SAME_AS", "NM:A:张三", "NM:B:张三", {"score": 0.95}),
    ...                ("POSSIBLY_SAME_AS", "NM:B:张三", "NM:C:张三", {"score": 0.95})])
    >>> identities_of(s, ["NM:C:张三"])["identity"].unique().tolist()
    ['NM:A:张三']
    >>> s.close()
    """
    score = check_score(min_identity_score)
    seen: set[str] = set()
    frontier = {u for u in uids if isinstance(u, str)}
    links: list[pd.DataFrame] = []
    while frontier and len(seen) <= 50 * MAX_IDENTITY_SIZE:
        seen |= frontier
        found = _links_of(store, sorted(frontier), score)
        if found.empty:
            break
        links.append(found)
        grown = pd.concat(links, ignore_index=True).drop_duplicates(["src", "dst"])
        # a component already over the limit is not walked further
        comp, _ = _components(grown)
        too_big = (set(grown["src"]) | set(grown["dst"])) - set(comp["uid"])
        frontier = (set(found["src"]) | set(found["dst"])) - seen - too_big
    grown = pd.concat(links, ignore_index=True).drop_duplicates(["src", "dst"]) if links else \
        pd.DataFrame(columns=LINK_COLUMNS)
    out, oversized = _components(grown)
    out.attrs["oversized"] = oversized
    return out


@dataclass
class Resolution:
    """Identities at one threshold, ready for the analyses.

    ``frame`` is what :func:`identities` returns; records not in it are their own
    identity. ``store`` is kept to read the links' evidence on demand.

    Memory: the frame's Arrow strings plus O(R) integers for R resolved records (hash indexes of the
    records and of the identities, the records grouped by identity); no Python object per record.
    """

    min_score: float
    frame: pd.DataFrame
    store: object = None
    oversized: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OVERSIZED_COLUMNS))

    def __post_init__(self) -> None:
        self._records = KeyIndex(self.frame["uid"])
        self._idents = _strings(self.frame["identity"])
        # rows grouped by identity (in frame order within one), found through the index of the identities
        codes, uniq = pd.factorize(self.frame["identity"])
        self._identity_keys = KeyIndex(pd.Series(uniq))
        self._rows = np.argsort(codes, kind="stable")
        self._starts = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(uniq)))]
        self._links: dict[str, pd.DataFrame] = {}
        self._link_rows: dict | None = None

    def __bool__(self) -> bool:
        return len(self._records) > 0

    def identity_of(self, uids) -> np.ndarray:
        """The identity of each record (the record itself when unresolved)."""
        values = uids.to_numpy(dtype=object) if isinstance(uids, pd.Series) else np.asarray(list(uids), dtype=object)
        out = values.copy()
        if not len(self._records) or not len(values):
            return out
        pos = self._records.find(values)
        hit = pos >= 0
        if hit.any():
            out[hit] = self._idents.take(pa.array(pos[hit])).to_numpy(zero_copy_only=False)
        return out

    def identity_column(self, uids, index=None) -> pd.Series:
        """:meth:`identity_of` as a column of Arrow strings (no Python string per row: for whole-graph
        columns), with ``index``."""
        vals = _strings(uids)
        if len(self._records) and len(vals):
            pos = self._records.find(vals)
            hit = pos >= 0
            if hit.any():
                vals = pc.if_else(pa.array(hit), self._idents.take(pa.array(np.where(hit, pos, 0))), vals)
        out = pd.Series(vals.to_pandas()).astype("str")
        if index is not None:
            out.index = index
        return out

    def is_resolved(self, uids) -> np.ndarray:
        """Whether each record belongs to an identity of two or more records."""
        return self._records.find(uids) >= 0

    def members(self, identity: str) -> list[str]:
        """The records an identity stands for (``[identity]`` when unresolved)."""
        code = int(self._identity_keys.find([identity])[0])
        if code < 0:
            return [identity]
        rows = self._rows[self._starts[code]:self._starts[code + 1]]
        return self._records.keys.take(pa.array(rows)).to_pylist()

    def resolved(self) -> pa.Array:
        """The resolved records (Arrow strings, frame order)."""
        return self._records.keys

    def resolved_uids(self) -> list[str]:
        return self._records.keys.to_pylist()

    def edges(self) -> pd.DataFrame:
        """The links joining the merged records (``src, dst, score``; whole-graph resolutions only)."""
        found = self.frame.attrs.get("links")
        return found if found is not None else pd.DataFrame(columns=["src", "dst", "score"])

    def links(self, identity: str) -> pd.DataFrame:
        """The links inside one identity (``src, dst, score, evidence``), read once."""
        members = self.members(identity)
        if len(members) < 2 or self.store is None:
            return pd.DataFrame(columns=LINK_COLUMNS)
        if identity not in self._links:
            whole = self.frame.attrs.get("links")
            if whole is not None and "evidence" in whole.columns:  # a whole-graph resolution holds every link
                self._links[identity] = self._whole_links(whole, identity)
                return self._links[identity]
            found = _links_of(self.store, members, self.min_score)
            inside = found["src"].isin(members) & found["dst"].isin(members)
            self._links[identity] = found[inside].reset_index(drop=True)
        return self._links[identity]

    def _whole_links(self, whole: pd.DataFrame, identity: str) -> pd.DataFrame:
        """One identity's links out of the whole-graph scan (grouped once, on first use)."""
        if self._link_rows is None:
            self._link_rows = whole.assign(identity=self.identity_of(whole["src"])).groupby("identity", sort=False).indices
        rows = self._link_rows.get(identity)
        if rows is None:
            return pd.DataFrame(columns=LINK_COLUMNS)
        return whole.iloc[rows][LINK_COLUMNS].reset_index(drop=True)


def resolve(store, min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE) -> Resolution:
    """Whole-graph identities as a :class:`Resolution` (see :func:`identities`)."""
    frame = identities(store, min_identity_score)
    return Resolution(check_score(min_identity_score), frame, store, frame.attrs.get("oversized"))


def resolve_of(store, uids: Iterable[str], min_identity_score: float = DEFAULT_MIN_IDENTITY_SCORE) -> Resolution:
    """The identities of a few records as a :class:`Resolution` (see :func:`identities_of`)."""
    frame = identities_of(store, uids, min_identity_score)
    return Resolution(check_score(min_identity_score), frame, store, frame.attrs.get("oversized"))


def link_lines(links: pd.DataFrame, names: dict | None = None) -> list[str]:
    """One readable line per link relied on: ``同一人 same person (0.95): 同名 + 同一电话 132****7230``.

    >>> link_lines(pd.DataFrame({"src": ["NM:A:张三"], "dst": ["NM:B:张三"], "score": [0.95],
    ...                          "evidence": ["同名 + 同一电话 132****7230"]}))
    ['同一人 same person NM:A:张三 = NM:B:张三 (0.95): 同名 + 同一电话 132****7230']
    """
    names = names or {}
    out = []
    for s, d, sc, ev in zip(links["src"], links["dst"], links["score"], links["evidence"]):
        ev = ev if isinstance(ev, str) and ev else "—"
        out.append(f"同一人 same person {names.get(s, s)} = {names.get(d, d)} ({float(sc):.2f}): {ev}")
    return out


def add_links(b, links: pd.DataFrame, names: dict | None = None) -> list[str]:
    """Put an identity's links in an :class:`~queries.result.EvidenceBuilder` (as
    ``POSSIBLY_SAME_AS`` paths with score and evidence); return their text lines."""
    names = names or {}
    for s, d, sc, ev in zip(links["src"], links["dst"], links["score"], links["evidence"]):
        for u in (s, d):
            if not b.has_node(u):
                b.node(u, "Person", name=names.get(u))
        b.path([s, d], [("POSSIBLY_SAME_AS", True)], [{"score": float(sc), "evidence": ev}])
    return link_lines(links, {u: b.caption(u) for u in set(links["src"]) | set(links["dst"])})


def members_column(res: Resolution, ids) -> list[list[str]]:
    """``identity_members`` for a column of identity ids."""
    return [res.members(i) for i in ids]


def penalised_people(store, res: Resolution, history: bool, kinds: list[str] | None = None,
                     as_of=None, attribution: str = "decision") -> pd.DataFrame:
    """``penalised_people_all`` rows of people who count as someone: records with an ID number
    (``ID:``) and records of resolved identities (name-only records are never a person across
    companies on their own), with their ``identity``. Parties that are enterprises are kept
    as they are (identity = uid). A role counts for a penalty by ``attribution`` (docs/time.md):
    valid on its decision date ("decision") or on ``as_of`` ("current"); ``valid_from`` /
    ``valid_to`` give the role's period.

    Complexity: one whole-graph query (the roles of the people of penalised enterprises, every person:
    the records kept here are those with an ID number and the resolved ones, by a hash lookup in the
    resolution), O(rows) in the roles of penalised enterprises, time and memory; no keyed read per
    resolved record (at 1M enterprises that was 8 reads of 50K keys, ~0.4 s each)."""
    params = {"history": bool(history), "kinds": list(kinds or []), "as_of": as_of_date(as_of),
              "by_decision": check_attribution(attribution) == "decision"}
    pp = fetch(store, "penalised_people_all", params, arrow=True)  # every person: kept below, in one read
    person = (pp["party_label"] == "Person").to_numpy()
    keep = ~person | pp["party"].str.startswith("ID:").to_numpy() | res.is_resolved(pp["party"])
    cols = ["party", "party_label", "role", "enterprise", "ratio", "valid_from", "valid_to"]
    out = pp[keep].reindex(columns=cols).drop_duplicates(["party", "role", "enterprise"]).reset_index(drop=True)
    is_person = (out["party_label"] == "Person").to_numpy()
    ident = out["party"].to_numpy(dtype=object).copy()
    if is_person.any():
        ident[is_person] = res.identity_of(out.loc[is_person, "party"])
    return out.assign(identity=ident)


def link_path(links: pd.DataFrame, a: str, b: str) -> list[str]:
    """The shortest chain of links from record ``a`` to record ``b`` inside one identity.

    >>> link_path(pd.DataFrame({"src": ["x", "y"], "dst": ["y", "z"]}), "z", "x")
    ['z', 'y', 'x']
    """
    if a == b:
        return [a]
    nbrs: dict[str, list[str]] = {}
    for s, d in zip(links["src"], links["dst"]):
        nbrs.setdefault(s, []).append(d)
        nbrs.setdefault(d, []).append(s)
    prev: dict[str, str | None] = {a: None}
    queue = [a]
    for u in queue:
        for v in sorted(nbrs.get(u, ())):
            if v not in prev:
                prev[v] = u
                queue.append(v)
    if b not in prev:
        return [a, b]
    path = [b]
    while (before := prev[path[-1]]) is not None:
        path.append(before)
    return path[::-1]

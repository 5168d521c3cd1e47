"""Identity resolution from partial evidence: scored ``POSSIBLY_SAME_AS`` links between person records.

A person known by name only, or by a masked ID number, is a separate ``Person``
record per company (``NM:<enterprise>:<name>``). This module links the records
that other evidence ties together, graph-wide, and scores every link with
Fellegi–Sunter weights (fixed, documented parameters; no EM training per load).

**Candidates** (blocking) always need the same normalised name *and* one of:
compatible masked ID digits (same last 4, same birth date, or same region
prefix), the same phone, the same e-mail, the same non-cluster address of their
companies, the same company (both hold a role there), or companies linked by
shareholding. Blocks larger than :data:`BLOCK_CAP` records, phones/e-mails
shared by more than :data:`SHARED_CAP` parties (agents), addresses with more
than :data:`ADDRESS_CAP` companies or flagged as clusters, and companies with
more than :data:`COMPANY_CAP` people or links are skipped: such keys say
nothing about identity and would chain unrelated people into giant components.

**Scoring** (log2 weights, summed; probability = 1 / (1 + 2^-W)):

The name agreement is term-frequency adjusted: with ``n`` records of that
normalised name (graph + batch), the prior plus name weight is
``log2(m_name · ρ / (n − 1))`` with ``m_name = 0.95`` and ``ρ = 0.5`` (expected
other records of the same person; equivalently prior λ = ρ/N and u_name = n/N).
A name held by 2 records starts at −1.1 bits, 张伟 at 12,000 records at −14.6.

==============  ===============================================  =====  =====  ======
comparison      level                                            m      u      bits
==============  ===============================================  =====  =====  ======
ID tail         ≥ 4 visible digits agree in birth date/suffix    0.98   1e-4   +13.3
ID region       6 region digits agree (county)                   0.95   0.005   +7.6
ID region       4–5 region digits agree (city)                   0.95   0.03    +5.0
ID              a visible digit differs (replaces both above)    0.01   0.99    −6.6
ID              both full, valid IDs (different hashes)          veto: never linked
phone / e-mail  same, ≤ 5 parties share it                       0.5    1e-7   +22.3
phone / e-mail  same, 6–30 parties                               0.5    1e-4   +12.3
phone / e-mail  same, 31–100 parties (agent)                     0.5    0.01    +5.6
phone / e-mail  both known, different                            0.5    0.99    −1.0
co-office       a role in the same company                       0.3    1e-6   +18.2
address         same non-cluster company address, ≤ 3 companies  0.2    1e-5   +14.3
address         same address, 4–20 companies                     0.2    1e-3    +7.6
linked          roles in companies linked by shareholding        0.1    1e-5   +13.3
group           roles in one corporate group (≤ 30 companies     0.1    1e-3    +6.6
                tied by shareholding), not directly linked
==============  ===============================================  =====  =====  ======

"Parties" of a phone: the larger of the number of enterprises and of distinct
person names using it. Comparisons with a value missing on either side weigh 0.
Links with probability >= 0.5 are written (rounded to 3 decimals); evidence text
names what agreed, personal data masked (``同名 + 同一电话 132****7230``).

**Graph-wide and incremental.** :func:`link_identities` recomputes the links of
every person record the batch touches, against the batch and (with a store)
the stored people sharing a block key with them, fetched by key: stored people
with the same names, the people of the touched people's companies, of the
companies linked to them by shareholding and at their addresses, and the
parties of their phones and e-mails. The pipeline treats ``POSSIBLY_SAME_AS``
as owned by the touched Person records (``graphdiff.OWNED_EDGES``), so a link
whose evidence is gone is deleted by the diff.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl import identifiers as ids
from graph.store import isin

REL = "POSSIBLY_SAME_AS"
MIN_LINK_SCORE = 0.5
BLOCK_CAP = 50        # records per block key
SHARED_CAP = 100      # parties per phone / e-mail
ADDRESS_CAP = 20      # companies per address
COMPANY_CAP = 50      # people per company, shareholding links per company
GROUP_CAP = 30        # companies in one corporate group (tied by shareholding) for the group comparison
NAME_M, RHO = 0.95, 0.5


def _bits(m: float, u: float) -> float:
    return float(np.log2(m / u))


W_ID_TAIL = _bits(0.98, 1e-4)
W_ID_COUNTY = _bits(0.95, 0.005)
W_ID_CITY = _bits(0.95, 0.03)
W_ID_CONFLICT = _bits(0.01, 0.99)
# parties sharing a phone / e-mail -> agreement weight (upper bound of each band)
W_SHARED = ((5, _bits(0.5, 1e-7)), (30, _bits(0.5, 1e-4)), (SHARED_CAP, _bits(0.5, 0.01)))
W_CONTACT_DIFFERS = _bits(0.5, 0.99)
W_CO_OFFICE = _bits(0.3, 1e-6)
W_ADDRESS = ((3, _bits(0.2, 1e-5)), (ADDRESS_CAP, _bits(0.2, 1e-3)))
W_LINKED = _bits(0.1, 1e-5)
W_GROUP = _bits(0.1, 1e-3)


def _str(values=()) -> pd.Series:
    return pd.Series(values, dtype="string")


def _frame(**cols) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})


def name_key(s: pd.Series) -> pd.Series:
    """Person-name matching key: upper-cased, whitespace and middle dots removed (``王 伟`` = ``王伟``)."""
    arr = pa.array(s.astype("string"), from_pandas=True)
    arr = pc.replace_substring_regex(pc.utf8_upper(arr), r"[\s·•・.．]+", "")
    arr = pc.if_else(pc.equal(pc.utf8_length(arr), 0), pa.scalar(None, arr.type), arr)
    return pd.Series(arr, index=s.index, dtype="string")


# --- evidence tables ------------------------------------------------------------------------
@dataclass
class Evidence:
    """What is known about a set of person records, in plain tables (all string columns)."""

    people: pd.DataFrame      # uid, name, id_masked, phone
    roles: pd.DataFrame       # uid, ent: the person holds a role (legal rep, shareholder) in ent
    emails: pd.DataFrame      # uid, email
    addresses: pd.DataFrame   # ent, addr: non-cluster company addresses
    links: pd.DataFrame       # a, b: enterprises linked by shareholding (both directions)
    phone_parties: pd.DataFrame  # kind (phone|email), value, label (Enterprise|Person), party (uid or name key)

    @staticmethod
    def empty() -> "Evidence":
        return Evidence(_frame(uid=[], name=[], id_masked=[], phone=[]), _frame(uid=[], ent=[]),
                        _frame(uid=[], email=[]), _frame(ent=[], addr=[]), _frame(a=[], b=[]),
                        _frame(kind=[], value=[], label=[], party=[]))


def _rels(batch, rtype: str, a: str | None = None, b: str | None = None) -> pd.DataFrame:
    frames = [df[["src", "dst"]] for t, x, y, df in batch.rels
              if t == rtype and (a is None or x == a) and (b is None or y == b)]
    if not frames:
        return _frame(src=[], dst=[])
    return pd.concat(frames, ignore_index=True).astype("string").dropna().drop_duplicates()


def _given(batch, label: str, col: str) -> pd.Series:
    """uids whose batch frames carried ``col`` (a column a frame lacks keeps its stored value)."""
    parts = [f["uid"] for f in batch.nodes.get(label, []) if col in f.columns]
    return pd.concat(parts, ignore_index=True).astype("string") if parts else _str()


def batch_evidence(batch) -> Evidence:
    """Evidence carried by the batch itself."""
    ev = Evidence.empty()
    people = batch.node_frame("Person")
    if people.empty:
        return ev
    ev.people = pd.DataFrame({c: (people[c] if c in people else pd.Series(pd.NA, index=people.index)).astype("string")
                              for c in ("uid", "name", "id_masked", "phone")})
    roles = pd.concat([_rels(batch, "LEGAL_REP", "Person"), _rels(batch, "HOLDS_SHARES", "Person")], ignore_index=True)
    ev.roles = roles.rename(columns={"src": "uid", "dst": "ent"}).drop_duplicates()
    ev.emails = _rels(batch, "HAS_EMAIL", "Person").rename(columns={"src": "uid", "dst": "email"})
    adr = _rels(batch, "HAS_ADDRESS")
    nodes = batch.node_frame("Address")
    if len(nodes) and "cluster" in nodes:
        adr = adr[~isin(adr["dst"], nodes.loc[nodes["cluster"].fillna(False).astype(bool), "uid"])]
    ev.addresses = adr.rename(columns={"src": "ent", "dst": "addr"})
    ev.links = _both_ways(_rels(batch, "HOLDS_SHARES", "Enterprise", "Enterprise"))
    parties = []
    for kind, rtype in (("phone", "HAS_PHONE"), ("email", "HAS_EMAIL")):
        for label in ("Enterprise", "Person"):
            r = _rels(batch, rtype, label)
            parties.append(pd.DataFrame({"kind": kind, "value": r["dst"], "label": label, "party": r["src"]}))
    ev.phone_parties = _person_parties_by_name(pd.concat(parties, ignore_index=True).astype("string"), ev.people)
    return ev


def _both_ways(links: pd.DataFrame) -> pd.DataFrame:
    a = links.rename(columns={"src": "a", "dst": "b"})[["a", "b"]]
    return pd.concat([a, a.rename(columns={"a": "b", "b": "a"})], ignore_index=True).drop_duplicates()


def _person_parties_by_name(parties: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Person parties counted by name key: one person's records at several companies are one party."""
    p = parties["label"] == "Person"
    names = people.dropna(subset=["name"]).drop_duplicates("uid").set_index("uid")["name"]
    keyed = name_key(parties.loc[p, "party"].map(names).astype("string"))
    parties.loc[p, "party"] = keyed.fillna(parties.loc[p, "party"])
    return parties.drop_duplicates()


# --- stored evidence (graph-wide, by key) --------------------------------------------------
def _people_named(store, names: pd.Series) -> pd.DataFrame:
    """Stored person records whose name is one of ``names`` (a keyed query, not a scan per name)."""
    from etl.graphdiff import _keys_clause, _run

    match = "MATCH (p:Person) WHERE p.name = k" if store.dialect == "ladybug" else "MATCH (p:Person {name: k})"
    text = (f"{_keys_clause(store.dialect)} {match} "
            "RETURN p.uid AS uid, p.name AS name, p.id_masked AS id_masked, p.phone AS phone")
    df = _run(store, text, names)
    if df.empty:
        return _frame(uid=[], name=[], id_masked=[], phone=[])
    return df[["uid", "name", "id_masked", "phone"]].astype("string").drop_duplicates("uid")


def _fetch(store, rtype: str, a: str, b: str, keys: pd.Series, by: str) -> pd.DataFrame:
    from etl.graphdiff import fetch_rels

    keys = pd.Series(keys, dtype="string").dropna().drop_duplicates()
    if keys.empty:
        return _frame(src=[], dst=[])
    return fetch_rels(store, rtype, a, b, keys, by=by)[["src", "dst"]].astype("string")


def _merge_people(batch, fresh: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """Touched records as the graph will hold them: batch values where the batch gives the column."""
    old = stored.set_index("uid")
    out = fresh.copy()
    for c in ("id_masked", "phone"):
        keep = ~isin(out["uid"], _given(batch, "Person", c))
        out.loc[keep, c] = out.loc[keep, "uid"].map(old[c]).astype("string")
    return out


def stored_evidence(store, batch, ev: Evidence) -> Evidence:
    """``ev`` (the batch's evidence) plus what the graph holds about the touched people and their
    possible matches, fetched by key."""
    touched = ev.people["uid"]
    pool = _people_named(store, ev.people["name"].dropna().drop_duplicates())
    people = _merge_people(batch, ev.people, pool[isin(pool["uid"], touched)])
    people = pd.concat([people, pool[~isin(pool["uid"], touched)]], ignore_index=True)

    # roles of the touched people, then everything around their companies
    mine = pd.concat([_fetch(store, t, "Person", "Enterprise", touched, "src")
                      for t in ("LEGAL_REP", "HOLDS_SHARES")], ignore_index=True)
    mine = pd.concat([ev.roles, mine.rename(columns={"src": "uid", "dst": "ent"})], ignore_index=True).drop_duplicates()
    ents = mine["ent"].drop_duplicates()
    links = pd.concat([_fetch(store, "HOLDS_SHARES", "Enterprise", "Enterprise", ents, by) for by in ("src", "dst")],
                      ignore_index=True)
    links = pd.concat([ev.links, _both_ways(links)], ignore_index=True).drop_duplicates()
    stored_adr = _fetch(store, "HAS_ADDRESS", "Enterprise", "Address", ents, "src")
    stored_adr = stored_adr[~isin(stored_adr["src"], ev.addresses["ent"])]  # the batch states its companies' addresses
    addrs = pd.concat([ev.addresses["addr"], stored_adr["dst"]], ignore_index=True).drop_duplicates()
    from etl.graphdiff import fetch_nodes

    cluster = fetch_nodes(store, "Address", addrs, ["cluster"])
    addrs = addrs[~isin(addrs, cluster.loc[cluster["cluster"].fillna(False).astype(bool), "uid"])]
    at = _fetch(store, "HAS_ADDRESS", "Enterprise", "Address", addrs, "dst").rename(columns={"src": "ent", "dst": "addr"})
    addresses = pd.concat([ev.addresses, at], ignore_index=True).drop_duplicates()
    size = addresses.groupby("addr")["ent"].transform("size")
    near = pd.concat([ents, links["b"], addresses.loc[(size <= ADDRESS_CAP).to_numpy(), "ent"]], ignore_index=True)
    theirs = pd.concat([_fetch(store, t, "Person", "Enterprise", near.drop_duplicates(), "dst")
                        for t in ("LEGAL_REP", "HOLDS_SHARES")], ignore_index=True)
    theirs = theirs.rename(columns={"src": "uid", "dst": "ent"})
    roles = pd.concat([mine, theirs[isin(theirs["uid"], people["uid"])]], ignore_index=True).drop_duplicates()

    # e-mails of the touched people; every party of their phones and e-mails
    my_mail = _fetch(store, "HAS_EMAIL", "Person", "Email", touched, "src").rename(columns={"src": "uid", "dst": "email"})
    emails = pd.concat([ev.emails, my_mail], ignore_index=True).drop_duplicates()
    values = {"phone": people.loc[isin(people["uid"], touched), "phone"], "email": emails["email"]}
    parties = [ev.phone_parties]
    for kind, rtype, node in (("phone", "HAS_PHONE", "Phone"), ("email", "HAS_EMAIL", "Email")):
        for label in ("Enterprise", "Person"):
            r = _fetch(store, rtype, label, node, values[kind], "dst")
            parties.append(pd.DataFrame({"kind": kind, "value": r["dst"], "label": label, "party": r["src"]}).astype("string"))
            if kind == "email" and label == "Person":
                emails = pd.concat([emails, r[isin(r["src"], people["uid"])].rename(columns={"src": "uid", "dst": "email"})],
                                   ignore_index=True).drop_duplicates()
    parties = pd.concat(parties, ignore_index=True)
    unnamed = parties.loc[(parties["label"] == "Person").to_numpy() & ~isin(parties["party"], people["uid"]), "party"]
    named = fetch_nodes(store, "Person", unnamed.drop_duplicates(), ["name"])[["uid", "name"]].astype("string")
    parties = _person_parties_by_name(parties, pd.concat([people[["uid", "name"]], named], ignore_index=True))
    return Evidence(people, roles, emails, addresses, links, parties)


# --- candidates --------------------------------------------------------------------------------
ID_LEN = 18


def _id_matrix(masked: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(rows with an 18-character masked ID, their characters as an (n, 18) byte matrix)."""
    s = masked.astype("string")
    ok = (s.str.len() == ID_LEN).fillna(False).to_numpy()
    rows = np.flatnonzero(ok)
    if not len(rows):
        return rows, np.zeros((0, ID_LEN), dtype=np.uint8)
    text = "".join(s.iloc[rows].tolist())  # one join, no per-row Python logic
    mat = np.frombuffer(text.encode("ascii", errors="replace"), dtype=np.uint8).reshape(-1, ID_LEN)
    return rows, mat


def _block_keys(ev: Evidence, shared: pd.DataFrame) -> pd.DataFrame:
    """(uid, key) rows: every block key of every record; a key is name key + kind + value."""
    p = ev.people.assign(nkey=name_key(ev.people["name"])).dropna(subset=["nkey"])
    keys = []
    rows, mat = _id_matrix(p["id_masked"])
    if len(rows):
        vis = mat != ord("*")
        s = p["id_masked"].iloc[rows]
        nk = p["nkey"].iloc[rows]
        uid = p["uid"].iloc[rows]
        for tag, a, b in (("L", 14, 18), ("B", 6, 14), ("P", 0, 4)):
            full = vis[:, a:b].all(axis=1)
            keys.append(pd.DataFrame({"uid": uid[full], "key": nk[full] + f"|{tag}|" + s[full].str.slice(a, b)}))
    ph = p.dropna(subset=["phone"])
    ph = ph[~isin(ph["phone"], shared.loc[shared["kind"] == "phone", "value"])]
    keys.append(pd.DataFrame({"uid": ph["uid"], "key": ph["nkey"] + "|T|" + ph["phone"]}))
    names = p.set_index("uid")["nkey"]
    em = ev.emails[~isin(ev.emails["email"], shared.loc[shared["kind"] == "email", "value"])]
    keys.append(pd.DataFrame({"uid": em["uid"], "key": em["uid"].map(names) + "|E|" + em["email"]}))
    roles = _capped_roles(ev.roles)
    keys.append(pd.DataFrame({"uid": roles["uid"], "key": roles["uid"].map(names) + "|C|" + roles["ent"]}))
    at = roles.merge(_capped_addresses(ev.addresses), on="ent")
    keys.append(pd.DataFrame({"uid": at["uid"], "key": at["uid"].map(names) + "|A|" + at["addr"]}))
    out = pd.concat(keys, ignore_index=True).astype("string").dropna().drop_duplicates()
    return out


def _sizes(s: pd.Series) -> np.ndarray:
    """Per row, how many rows hold the same value (Arrow dictionary encoding; nulls count as one value)."""
    if not len(s):
        return np.zeros(0, dtype=np.int64)
    arr = pa.array(s, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    codes = pc.fill_null(arr.dictionary_encode().indices, -1).to_numpy(zero_copy_only=False)
    codes = np.where(codes < 0, codes.max() + 1, codes)
    return np.bincount(codes)[codes]


def _capped_roles(roles: pd.DataFrame) -> pd.DataFrame:
    return roles[_sizes(roles["ent"]) <= COMPANY_CAP]


def _capped_addresses(addresses: pd.DataFrame) -> pd.DataFrame:
    a = addresses.drop_duplicates()
    a = a.assign(n=_sizes(a["addr"]))
    return a[(a["n"] <= ADDRESS_CAP).to_numpy()]


def _capped_links(links: pd.DataFrame) -> pd.DataFrame:
    return links[_sizes(links["a"]) <= COMPANY_CAP]


def group_links(links: pd.DataFrame) -> pd.DataFrame:
    """``a, b, direct``: ordered pairs of companies in one corporate group (a connected component of
    shareholding links of at most GROUP_CAP companies); ``direct`` when one holds shares in the other.

    An owner named in a company and in its parent's parent is one person more often than not; the
    weight is lower than for a direct link and the name's frequency still counts against it.

    >>> group_links(pd.DataFrame({"a": ["x", "y"], "b": ["y", "z"]})).sort_values(["a", "b"]).values.tolist()
    [['x', 'y', True], ['x', 'z', False], ['y', 'x', True], ['y', 'z', True], ['z', 'x', False], ['z', 'y', True]]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    direct = links[["a", "b"]].astype("string").dropna().drop_duplicates()
    if direct.empty:
        return pd.DataFrame({"a": _str(), "b": _str(), "direct": pd.Series(dtype=bool)})
    codes, uniq = pd.factorize(pd.concat([direct["a"], direct["b"]], ignore_index=True))
    n, k = len(uniq), len(direct)
    graph = coo_matrix((np.ones(k), (codes[:k], codes[k:])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    members = pd.DataFrame({"ent": pd.Series(uniq, dtype="string"), "comp": comp})
    members = members[_sizes(members["comp"].astype("string")) <= GROUP_CAP]
    pairs = members.merge(members, on="comp")
    pairs = pairs[(pairs["ent_x"] != pairs["ent_y"]).to_numpy()]
    out = pd.DataFrame({"a": pairs["ent_x"].to_numpy(), "b": pairs["ent_y"].to_numpy()}).astype("string")
    both = pd.concat([direct, direct.rename(columns={"a": "b", "b": "a"})], ignore_index=True)
    out["direct"] = isin(out["a"] + "\x1f" + out["b"], both["a"] + "\x1f" + both["b"])
    return out.reset_index(drop=True)


def _ordered(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    a, b = a.astype("string").reset_index(drop=True), b.astype("string").reset_index(drop=True)
    lo = (a < b).fillna(False).to_numpy()
    return pd.DataFrame({"a": a.where(lo, b), "b": b.where(lo, a)})


def candidate_pairs(ev: Evidence, touched: pd.Series, shared: pd.DataFrame | None = None) -> pd.DataFrame:
    """(a, b) record pairs, a < b, at least one of them touched, that share a name and a block key.
    ``shared``: :func:`_shared_values` of ``ev`` when already computed."""
    shared = _shared_values(ev.phone_parties) if shared is None else shared
    shared = shared[shared["n"] > SHARED_CAP]
    keys = _block_keys(ev, shared)
    size = _sizes(keys["key"])
    keys = keys[(size > 1) & (size <= BLOCK_CAP)]
    keys = keys[isin(keys["key"], keys.loc[isin(keys["uid"], touched), "key"])]  # blocks with a touched record
    m = keys.merge(keys, on="key")
    m = m[(m["uid_x"] < m["uid_y"]).to_numpy()]
    parts = [_ordered(m["uid_x"], m["uid_y"])]
    # companies linked by shareholding: same name, roles at either end of a link
    names = ev.people.assign(nkey=name_key(ev.people["name"])).set_index("uid")["nkey"]
    roles = _capped_roles(ev.roles).assign(nkey=lambda d: d["uid"].map(names)).dropna(subset=["nkey"])
    hop = roles.merge(group_links(_capped_links(ev.links)), left_on="ent", right_on="a")
    hop = hop[isin(hop["uid"], touched)]
    lk = hop.merge(roles, left_on=["b", "nkey"], right_on=["ent", "nkey"])
    parts.append(_ordered(lk["uid_x"], lk["uid_y"]))
    pairs = pd.concat(parts, ignore_index=True)
    pairs = pairs[(pairs["a"] != pairs["b"]).fillna(False).to_numpy()].drop_duplicates()
    both_id = pairs["a"].str.startswith("ID:") & pairs["b"].str.startswith("ID:")
    return pairs[~both_id.fillna(False).to_numpy()].reset_index(drop=True)  # two full IDs: two people


# --- comparisons and scores ----------------------------------------------------------------------
def _shared_values(parties: pd.DataFrame) -> pd.DataFrame:
    """kind, value, n: the parties of each phone / e-mail (larger of enterprises and person names)."""
    if parties.empty:
        return pd.DataFrame({"kind": _str(), "value": _str(), "n": pd.Series(dtype="int64")})
    t = pa.Table.from_pandas(parties[["kind", "value", "label"]], preserve_index=False)
    c = t.group_by(["kind", "value", "label"]).aggregate([([], "count_all")])
    c = c.group_by(["kind", "value"]).aggregate([("count_all", "max")])
    return pd.DataFrame({"kind": c["kind"].to_pandas(), "value": c["value"].to_pandas(),
                         "n": c["count_all_max"].to_numpy()}).astype({"kind": "string", "value": "string"})


def _band(n: pd.Series, bands) -> np.ndarray:
    n = n.to_numpy(dtype=float, na_value=np.nan)
    out = np.zeros(len(n))
    for top, w in reversed(bands):
        out = np.where(n <= top, w, out)
    return np.where(np.isnan(n), bands[0][1], out)


def _pick(pairs: pd.DataFrame, hits: pd.DataFrame, col: str, order: str | None = None) -> pd.Series:
    """Per pair, one value of ``col`` from ``hits`` (a, b, col...): the one with the highest ``order``."""
    if hits.empty:
        return pd.Series(pd.NA, index=pairs.index, dtype="object")
    if order:
        hits = hits.sort_values(order, ascending=False, kind="stable")
    first = hits.drop_duplicates(["a", "b"]).set_index(["a", "b"])[col]
    return pd.Series(first.reindex(pd.MultiIndex.from_frame(pairs[["a", "b"]])).to_numpy(), index=pairs.index)


def _compare_ids(pairs: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """ID weight and evidence text per pair, from the visible digits of both masked IDs."""
    pos = pd.Series(np.arange(len(people)), index=people["uid"].to_numpy())
    ia, ib = pairs["a"].map(pos).to_numpy(), pairs["b"].map(pos).to_numpy()
    rows, mat = _id_matrix(people["id_masked"])
    where = np.full(len(people), -1)
    where[rows] = np.arange(len(rows))
    ra, rb = where[ia], where[ib]
    both = (ra >= 0) & (rb >= 0)
    w = np.zeros(len(pairs))
    text = pd.Series("", index=pairs.index, dtype="string")
    if both.any():
        A, B = mat[ra[both]], mat[rb[both]]
        vis = (A != ord("*")) & (B != ord("*"))
        conflict = (vis & (A != B)).any(axis=1)
        k_reg, k_inf = vis[:, :6].sum(axis=1), vis[:, 6:].sum(axis=1)
        region = np.where(k_reg == 6, W_ID_COUNTY, np.where(k_reg >= 4, W_ID_CITY, 0.0))
        tail = np.where(k_inf >= 4, W_ID_TAIL, 0.0)
        wb = np.where(conflict, W_ID_CONFLICT, region + tail)
        w[both] = wb
        sa = pd.Series(people["id_masked"].to_numpy()[ia[both]], dtype="string")
        sb = pd.Series(people["id_masked"].to_numpy()[ib[both]], dtype="string")
        shown = sa.where(sa == sb, sa + " / " + sb)
        label = np.where(conflict, "", np.where(tail > 0, "证件号相容 ", np.where(region > 0, "证件号地区码相同 ", "")))
        label = pd.Series(label, dtype="string")
        text[both] = (label + shown).where(label != "", "").to_numpy()
    return pd.DataFrame({"w": w, "text": text, "en": np.where(text.str.startswith("证件号相容").fillna(False), "ID digits",
                                                               np.where(text.str.len() > 0, "ID region", ""))}, index=pairs.index)


def _compare_contact(pairs: pd.DataFrame, a_vals: pd.DataFrame, b_vals: pd.DataFrame, counts: pd.Series,
                     masked_fn, zh: str, en: str) -> pd.DataFrame:
    """Phone / e-mail: agreement weighted by how many parties share the value; both known and different: −1 bit."""
    ha = pairs.merge(a_vals, left_on="a", right_on="uid")
    hits = ha.merge(b_vals, left_on=["b", "v"], right_on=["uid", "v"])[["a", "b", "v"]]
    hits = hits.assign(n=hits["v"].map(counts).astype("float"))
    hits = hits.assign(wt=_band(hits["n"], W_SHARED))
    hits = hits[hits["n"].fillna(0).to_numpy() <= SHARED_CAP]
    val = _pick(pairs, hits, "v", "wt")
    wt = pd.to_numeric(_pick(pairs, hits, "wt", "wt"), errors="coerce").fillna(0.0).to_numpy()
    known_a, known_b = isin(pairs["a"], a_vals["uid"]), isin(pairs["b"], b_vals["uid"])
    agree = pd.notna(val).to_numpy() if len(val) else np.zeros(0, dtype=bool)
    w = np.where(agree, wt, np.where(known_a & known_b, W_CONTACT_DIFFERS, 0.0))
    shown = masked_fn(pd.Series(val, dtype="string"))
    text = (zh + " " + shown).where(pd.Series(agree, index=pairs.index), "")
    return pd.DataFrame({"w": w, "text": text.fillna("").astype("string"), "en": np.where(agree, en, "")}, index=pairs.index)


def _compare_companies(pairs: pd.DataFrame, ev: Evidence) -> pd.DataFrame:
    roles = ev.roles
    ra = pairs.merge(roles, left_on="a", right_on="uid")[["a", "b", "ent"]]
    same = ra.merge(roles, left_on=["b", "ent"], right_on=["uid", "ent"])[["a", "b", "ent"]]
    co_ent = _pick(pairs, same, "ent")
    co = pd.notna(co_ent).to_numpy() if len(co_ent) else np.zeros(0, dtype=bool)
    adr = _capped_addresses(ev.addresses)
    aa = ra.merge(adr, on="ent")[["a", "b", "ent", "addr", "n"]]
    rb = pairs.merge(roles, left_on="b", right_on="uid")[["a", "b", "ent"]].merge(adr, on="ent")[["a", "b", "ent", "addr"]]
    at = aa.merge(rb, on=["a", "b", "addr"])
    at = at[(at["ent_x"] != at["ent_y"]).fillna(False).to_numpy()]  # one company's address is not a second clue
    at = at.assign(wt=_band(at["n"].astype("float"), W_ADDRESS))
    addr = _pick(pairs, at, "addr", "wt")
    w_addr = pd.to_numeric(_pick(pairs, at, "wt", "wt"), errors="coerce").fillna(0.0).to_numpy()
    links = group_links(_capped_links(ev.links))
    lk = ra.merge(links, left_on="ent", right_on="a", suffixes=("", "_l"))[["a", "b", "b_l", "direct"]]
    lk = lk.merge(roles, left_on=["b", "b_l"], right_on=["uid", "ent"])
    linked = isin(pair_key_ab(pairs), pair_key_ab(lk[lk["direct"]])) if len(lk) else np.zeros(len(pairs), dtype=bool)
    grouped = isin(pair_key_ab(pairs), pair_key_ab(lk)) & ~linked if len(lk) else np.zeros(len(pairs), dtype=bool)
    has_addr = pd.notna(addr).to_numpy() if len(addr) else np.zeros(0, dtype=bool)
    idx = pairs.index
    co_text = ("同一企业任职 " + pd.Series(co_ent, index=idx, dtype="string")).where(pd.Series(co, index=idx), "")
    adr_text = ("企业同址 " + pd.Series(addr, index=idx, dtype="string").str.slice(5, 29)).where(pd.Series(has_addr, index=idx), "")
    return pd.DataFrame({
        "w_co": np.where(co, W_CO_OFFICE, 0.0), "co": co_text.fillna(""), "en_co": np.where(co, "same company", ""),
        "w_addr": np.where(has_addr, w_addr, 0.0), "addr": adr_text.fillna(""), "en_addr": np.where(has_addr, "company address", ""),
        "w_link": np.where(linked & ~co, W_LINKED, np.where(grouped & ~co, W_GROUP, 0.0)),
        "link": np.where(linked & ~co, "持股关联企业", np.where(grouped & ~co, "同一企业集团", "")),
        "en_link": np.where(linked & ~co, "companies linked by shareholding",
                            np.where(grouped & ~co, "one corporate group", "")),
    }, index=idx)


def pair_key_ab(df: pd.DataFrame) -> pd.Series:
    return df["a"].astype("string") + "\x1f" + df["b"].astype("string")


def name_counts(people: pd.DataFrame, of: pd.Series) -> np.ndarray:
    """Per uid in ``of``: records with its normalised name among ``people`` (the name's term frequency)."""
    nk = name_key(people["name"])
    n = pd.Series(_sizes(nk), index=people["uid"].to_numpy())
    return of.map(n).astype("float").fillna(2.0).to_numpy()


def score_pairs(pairs: pd.DataFrame, ev: Evidence, shared: pd.DataFrame | None = None) -> pd.DataFrame:
    """src, dst, score, evidence (and the summed weight ``bits``) for every candidate pair."""
    people = ev.people.drop_duplicates("uid").reset_index(drop=True)
    n = name_counts(people, pairs["a"])
    people = people[isin(people["uid"], pd.concat([pairs["a"], pairs["b"]]))].reset_index(drop=True)
    if pairs.empty:
        return pd.DataFrame({"src": _str(), "dst": _str(), "score": pd.Series(dtype="float64"), "evidence": _str(),
                             "bits": pd.Series(dtype="float64")})
    base = np.log2(NAME_M * RHO / (np.maximum(n, 2.0) - 1))
    id_ = _compare_ids(pairs, people)
    shared = _shared_values(ev.phone_parties) if shared is None else shared
    counts = {k: pd.Series(g["n"].to_numpy(), index=g["value"].to_numpy()) for k, g in shared.groupby("kind")}
    phones = people.dropna(subset=["phone"]).rename(columns={"phone": "v"})[["uid", "v"]]
    ph = _compare_contact(pairs, phones, phones, counts.get("phone", pd.Series(dtype="int64")), ids.mask_phone,
                          "同一电话", "phone")
    mails = ev.emails.rename(columns={"email": "v"})[["uid", "v"]]
    em = _compare_contact(pairs, mails, mails, counts.get("email", pd.Series(dtype="int64")), ids.mask_email,
                          "同一邮箱", "e-mail")
    co = _compare_companies(pairs, ev)
    bits = base + id_["w"].to_numpy() + ph["w"].to_numpy() + em["w"].to_numpy() + co["w_co"].to_numpy() \
        + co["w_addr"].to_numpy() + co["w_link"].to_numpy()
    zh = _join("同名", [id_["text"], ph["text"], em["text"], co["co"], co["addr"], co["link"]], len(pairs))
    en = _join("same name", [id_["en"], ph["en"], em["en"], co["en_co"], co["en_addr"], co["en_link"]], len(pairs))
    score = np.round(1.0 / (1.0 + np.exp2(-bits)), 3)
    return pd.DataFrame({"src": pairs["a"].to_numpy(), "dst": pairs["b"].to_numpy(), "score": score,
                         "evidence": (zh + " (" + en + ")").to_numpy(), "bits": bits}).astype(
        {"src": "string", "dst": "string", "evidence": "string"})


def _join(first: str, parts: list, n: int) -> pd.Series:
    """Element-wise ``first + part + part ...`` joined by `` + ``, skipping empty parts."""
    out = pd.Series([first] * n, dtype="string")
    for p in parts:
        s = pd.Series(np.asarray(p, dtype=object), dtype="string").fillna("")
        out = out.where(s == "", out + " + " + s)
    return out


def link_identities(batch, store=None) -> pd.DataFrame:
    """Replace the batch's ``POSSIBLY_SAME_AS`` frames by the links of every person record it touches.

    Without a store (a bulk load into an empty graph) the evidence is the batch's;
    with one, the stored people sharing a block key with the touched ones are fetched
    by key and linked too. Returns every scored candidate pair (also those under
    :data:`MIN_LINK_SCORE`, which are not written), for inspection.
    """
    batch.rels = [r for r in batch.rels if r[0] != REL]
    ev = batch_evidence(batch)
    if ev.people.empty:
        return score_pairs(pd.DataFrame({"a": _str(), "b": _str()}), ev)
    if store is not None:
        ev = stored_evidence(store, batch, ev)
    touched = batch.node_frame("Person")["uid"].astype("string")
    shared = _shared_values(ev.phone_parties)
    scored = score_pairs(candidate_pairs(ev, touched, shared), ev, shared)
    links = scored[scored["score"].to_numpy() >= MIN_LINK_SCORE]
    batch.add_rels(REL, "Person", "Person", links[["src", "dst", "score", "evidence"]].reset_index(drop=True))
    return scored

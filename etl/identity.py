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
ID              one visible digit differs (a typo; replaces both) 0.01   0.99    −6.6
ID              two or more visible digits differ                veto: never linked
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
whose evidence is gone is deleted by the diff. A bulk load too large for one batch
scores from its Parquet tables in partitions by name key, with the graph-wide counts
given to the same scorer (:mod:`etl.identity_parts`): the same links.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.etl.identity_evidence import (ADDRESS_CAP, Evidence, _str, batch_evidence, name_key, stored_evidence,
                                               touch_people_of_deleted)
from creditgraph.graph import identifiers as ids

REL = "POSSIBLY_SAME_AS"
MIN_LINK_SCORE = 0.5
BLOCK_CAP = 50        # records per block key
SHARED_CAP = 100      # parties per phone / e-mail
COMPANY_CAP = 50      # people per company, shareholding links per company
GROUP_CAP = 30        # companies in one corporate group (tied by shareholding) for the group comparison
NAME_M, RHO = 0.95, 0.5


def _bits(m: float, u: float) -> float:
    return float(np.log2(m / u))


W_ID_TAIL = _bits(0.98, 1e-4)
W_ID_COUNTY = _bits(0.95, 0.005)
W_ID_CITY = _bits(0.95, 0.03)
W_ID_CONFLICT = _bits(0.01, 0.99)
# Two masks of one ID number never disagree on a digit both show, unless one was mistyped: two or more
# disagreeing digits are two people, however much else agrees (two 王军安 in one company: father and son).
W_ID_VETO = -1000.0
# parties sharing a phone / e-mail -> agreement weight (upper bound of each band)
W_SHARED = ((5, _bits(0.5, 1e-7)), (30, _bits(0.5, 1e-4)), (SHARED_CAP, _bits(0.5, 0.01)))
W_CONTACT_DIFFERS = _bits(0.5, 0.99)
W_CO_OFFICE = _bits(0.3, 1e-6)
W_ADDRESS = ((3, _bits(0.2, 1e-5)), (ADDRESS_CAP, _bits(0.2, 1e-3)))
W_LINKED = _bits(0.1, 1e-5)
W_GROUP = _bits(0.1, 1e-3)


# --- integer codes -----------------------------------------------------------------------------
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


@dataclass
class Coded:
    """Evidence with every key replaced by an ``int64`` code into one vocabulary (``-1``: none).

    Joins, duplicates and counts on integers cost a fraction of the same work on strings
    (the identity step of a 1M-enterprise load went from 66 s to a third of that).
    Codes ``0 .. n_people-1`` are the person records in uid order: a person's code is its row
    in ``people`` and code order is uid order, so pairs come out ``a < b`` as strings.
    """

    vocab: pd.Series          # the string of each code
    people: pd.DataFrame      # nk (name-key code), phone (code) per person code; id_masked (string)
    touched: np.ndarray       # bool per person code
    roles: pd.DataFrame       # uid, ent
    emails: pd.DataFrame      # uid, email
    addresses: pd.DataFrame   # ent, addr (deduplicated)
    links: pd.DataFrame       # a, b
    parties: np.ndarray       # per vocabulary code: parties of that phone / e-mail (see _party_counts)
    ent_people: np.ndarray    # per vocabulary code: people holding a role in that company
    addr_ents: np.ndarray     # per vocabulary code: companies at that address
    groups: pd.DataFrame      # a, b, direct: group_links of the capped shareholding links
    id_rows: np.ndarray       # person codes with an 18-character masked ID ...
    id_mat: np.ndarray        # ... and its characters, (len(id_rows), 18) bytes

    @property
    def n_people(self) -> int:
        return len(self.people)

    def nk_of(self, uid: np.ndarray) -> np.ndarray:
        """Name-key code of person codes (``-1`` for codes that are not person records)."""
        nk = self.people["nk"].to_numpy()
        inside = (uid >= 0) & (uid < len(nk))
        return np.where(inside, nk[np.where(inside, uid, 0)], -1)

    def decode(self, codes: np.ndarray) -> pd.Series:
        return pd.Series(self.vocab.take(np.asarray(codes, dtype=np.int64)).to_numpy(), dtype="string")


def _sorted_unique_people(people: pd.DataFrame) -> pd.DataFrame:
    """One row per uid (the first), in uid order."""
    uid = pa.array(people["uid"].astype("string"), from_pandas=True)
    order = pc.sort_indices(uid).to_numpy()
    sorted_uid = uid.take(order)
    first = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        first[1:] = pc.not_equal(sorted_uid.slice(1), sorted_uid.slice(0, len(order) - 1)).to_numpy(zero_copy_only=False)
    return people.iloc[order[first]].reset_index(drop=True)


def _encode(ev: Evidence, touched: pd.Series) -> Coded:
    """Code every key of ``ev`` against one vocabulary (one hash pass over all key columns).

    The counts the caps and weights read (parties of a phone, people of a company, companies at an
    address, corporate groups) are counted in ``ev``, or taken from ``ev.counts`` when it is given."""
    people = _sorted_unique_people(ev.people)
    pn = ev.party_names
    parties = ev.phone_parties
    g = ev.counts
    cols = [people["uid"], people["phone"], pn["uid"], touched, ev.roles["uid"], ev.roles["ent"],
            ev.emails["uid"], ev.emails["email"], ev.addresses["ent"], ev.addresses["addr"],
            ev.links["a"], ev.links["b"], parties["value"], parties["party"]]
    if g is not None:
        cols += [g.parties["value"], g.companies["ent"], g.addresses["addr"], g.members["ent"], g.edges["a"], g.edges["b"]]
    codes, vocab = pd.factorize(pd.concat([c.astype("string") for c in cols], ignore_index=True))
    parts = np.split(codes.astype(np.int64), np.cumsum([len(c) for c in cols])[:-1])
    (uid, phone, pn_uid, touched_c, r_uid, r_ent, e_uid, e_mail, a_ent, a_addr, l_a, l_b, p_val, p_party) = parts[:14]
    n = len(people)
    assert (uid == np.arange(n)).all(), "person codes must be their rows"
    nk_all, _ = pd.factorize(name_key(pd.concat([people["name"], pn["name"]], ignore_index=True)))
    nk_all = nk_all.astype(np.int64)
    touched_mask = np.zeros(n, dtype=bool)
    touched_mask[touched_c[(touched_c >= 0) & (touched_c < n)]] = True
    nk_by_code = np.full(len(vocab), -1, dtype=np.int64)
    nk_by_code[pn_uid] = nk_all[n:]
    nk_by_code[:n] = nk_all[:n]
    rows, mat = _id_matrix(people["id_masked"])

    def frame(**c) -> pd.DataFrame:
        return pd.DataFrame(c).drop_duplicates().reset_index(drop=True)

    roles, addresses, links = frame(uid=r_uid, ent=r_ent), frame(ent=a_ent, addr=a_addr), frame(a=l_a, b=l_b)
    size = len(vocab)
    if g is None:
        party_n = _party_counts(p_val, parties["label"].to_numpy() == "Person", p_party, nk_by_code, size)
        ent_people = np.bincount(roles["ent"].to_numpy(), minlength=size)
        addr_ents = np.bincount(addresses["addr"].to_numpy(), minlength=size)
        groups = group_links(links[_sizes(links["a"].to_numpy()) <= COMPANY_CAP])
    else:
        g_val, g_ent, g_addr, g_mem, g_a, g_b = parts[14:]
        party_n, ent_people, addr_ents = (_per_code(size, k, t["n"]) for k, t in
                                          ((g_val, g.parties), (g_ent, g.companies), (g_addr, g.addresses)))
        groups = group_pairs(pd.DataFrame({"ent": g_mem, "comp": g.members["comp"].to_numpy()}),
                             pd.DataFrame({"a": g_a, "b": g_b}))
    return Coded(
        vocab=pd.Series(vocab), touched=touched_mask, id_rows=rows, id_mat=mat,
        people=pd.DataFrame({"nk": nk_all[:n], "phone": phone, "id_masked": people["id_masked"].astype("string")}),
        roles=roles, emails=frame(uid=e_uid, email=e_mail), addresses=addresses, links=links,
        parties=party_n, ent_people=ent_people, addr_ents=addr_ents, groups=groups)


def _per_code(size: int, codes: np.ndarray, n: pd.Series) -> np.ndarray:
    """A count per vocabulary code from (code, count) rows; 0 for codes without a row."""
    out = np.zeros(size, dtype=np.int64)
    out[codes] = n.to_numpy(dtype=np.int64)
    return out


def _party_counts(value: np.ndarray, is_person: np.ndarray, party: np.ndarray, nk_by_code: np.ndarray,
                  size: int) -> np.ndarray:
    """Per vocabulary code, the parties of that phone / e-mail: the larger of its enterprises and
    its person names (one person's records at several companies are one party)."""
    nk = np.where(is_person, nk_by_code[party], -1)
    who = np.where(nk >= 0, size + nk, party)  # a named person counts once per name
    df = pd.DataFrame({"v": value, "l": is_person.astype(np.int64), "p": who}).drop_duplicates()
    counts = np.bincount(df["v"].to_numpy() * 2 + df["l"].to_numpy(), minlength=2 * size).reshape(size, 2)
    return counts.max(axis=1)


def _sizes(codes: np.ndarray) -> np.ndarray:
    """Per row, how many rows hold the same value (non-negative integer codes or any hashable)."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    local, _ = pd.factorize(codes)
    return np.bincount(local)[local]


def _capped_roles(c: Coded) -> pd.DataFrame:
    return c.roles[c.ent_people[c.roles["ent"].to_numpy()] <= COMPANY_CAP]


def _capped_addresses(c: Coded) -> pd.DataFrame:
    a = c.addresses.assign(n=c.addr_ents[c.addresses["addr"].to_numpy()])
    return a[(a["n"] <= ADDRESS_CAP).to_numpy()]


def group_links(links: pd.DataFrame) -> pd.DataFrame:
    """``a, b, direct``: ordered pairs of companies in one corporate group (a connected component of
    shareholding links of at most GROUP_CAP companies); ``direct`` when one holds shares in the other.

    An owner named in a company and in its parent's parent is one person more often than not; the
    weight is lower than for a direct link and the name's frequency still counts against it.

    >>> group_links(pd.DataFrame({"a": ["x", "y"], "b": ["y", "z"]})).sort_values(["a", "b"]).values.tolist()
    [['x', 'y', True], ['x', 'z', False], ['y', 'x', True], ['y', 'z', True], ['z', 'x', False], ['z', 'y', True]]
    """
    direct = links[["a", "b"]].dropna().drop_duplicates()
    if direct.empty:
        return pd.DataFrame({"a": direct["a"], "b": direct["b"], "direct": pd.Series(dtype=bool)})
    codes, uniq = pd.factorize(pd.concat([direct["a"], direct["b"]], ignore_index=True))
    k = len(direct)
    comp = group_components(codes[:k], codes[k:], len(uniq))
    keep = np.flatnonzero(comp >= 0)
    return group_pairs(pd.DataFrame({"ent": uniq.take(keep), "comp": comp[keep]}), direct)


def group_components(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Per node ``0 .. n-1`` of the links ``a[i] - b[i]``, its connected component, or -1 where that
    component has more than :data:`GROUP_CAP` nodes (not a corporate group)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    return np.where(_sizes(comp) <= GROUP_CAP, comp, -1)


def group_pairs(members: pd.DataFrame, direct: pd.DataFrame) -> pd.DataFrame:
    """``a, b, direct`` of :func:`group_links` from its groups: ``members`` (ent, comp) and the links
    ``direct`` (a, b; at least those between members; a link stated either way is direct both ways)."""
    m, k = len(members), len(direct)
    codes, uniq = pd.factorize(pd.concat([members["ent"], direct["a"], direct["b"]], ignore_index=True))
    n = len(uniq)
    ent = pd.DataFrame({"ent": codes[:m], "comp": members["comp"].to_numpy()})
    pairs = ent.merge(ent, on="comp")
    pairs = pairs[(pairs["ent_x"] != pairs["ent_y"]).to_numpy()]
    a, b = pairs["ent_x"].to_numpy(), pairs["ent_y"].to_numpy()
    da, db = codes[m:m + k].astype(np.int64), codes[m + k:].astype(np.int64)
    stated = np.concatenate([da * n + db, db * n + da])
    return pd.DataFrame({"a": uniq.take(a), "b": uniq.take(b), "direct": np.isin(a.astype(np.int64) * n + b, stated)})


def _block_keys(c: Coded, too_shared: np.ndarray) -> pd.DataFrame:
    """(uid, key) int rows: every block key of every person record; a key is name key + kind + value."""
    uids, vals, span = [], [], 0
    if len(c.id_rows):  # visible ID digits: suffix, birth date, region prefix
        vis = c.id_mat != ord("*")
        for a, b in ((14, 18), (6, 14), (0, 4)):
            full = vis[:, a:b].all(axis=1)
            packed = np.ascontiguousarray(c.id_mat[full, a:b]).view(np.uint32 if b - a == 4 else np.uint64).ravel()
            local, uniq = pd.factorize(packed)
            uids.append(c.id_rows[full])
            vals.append(span + local.astype(np.int64))
            span += len(uniq)
    size = len(c.vocab)
    phone = c.people["phone"].to_numpy()
    has = (phone >= 0) & ~too_shared[np.maximum(phone, 0)]
    em = c.emails[~too_shared[c.emails["email"].to_numpy()]]
    roles = _capped_roles(c)
    at = roles.merge(_capped_addresses(c), on="ent")
    for uid, val in ((np.flatnonzero(has), phone[has]), (em["uid"].to_numpy(), em["email"].to_numpy()),
                     (roles["uid"].to_numpy(), roles["ent"].to_numpy()), (at["uid"].to_numpy(), at["addr"].to_numpy())):
        uids.append(uid)
        vals.append(span + val)
        span += size
    uid, val = np.concatenate(uids), np.concatenate(vals)
    nk = c.nk_of(uid)
    ok = nk >= 0
    return pd.DataFrame({"uid": uid[ok], "key": nk[ok] * span + val[ok]}).drop_duplicates()


def candidate_pairs(c: Coded) -> pd.DataFrame:
    """(a, b) person codes, a < b, that share a name and a block key, in blocks with a touched
    record, or a name and roles in one corporate group (a touched record on one side)."""
    keys = _block_keys(c, c.parties > SHARED_CAP)
    size = _sizes(keys["key"].to_numpy())
    keys = keys[(size > 1) & (size <= BLOCK_CAP)]
    keys = keys[np.isin(keys["key"].to_numpy(), keys["key"].to_numpy()[c.touched[keys["uid"].to_numpy()]])]
    m = keys.merge(keys, on="key")
    m = m[(m["uid_x"] < m["uid_y"]).to_numpy()]
    a, b = [m["uid_x"].to_numpy()], [m["uid_y"].to_numpy()]
    roles = _capped_roles(c)
    roles = roles.assign(nk=c.nk_of(roles["uid"].to_numpy()))
    roles = roles[(roles["nk"] >= 0).to_numpy()]
    hop = roles.merge(c.groups, left_on="ent", right_on="a", suffixes=("", "_l"))
    hop = hop[c.touched[hop["uid"].to_numpy()]]
    lk = hop.merge(roles, left_on=["b", "nk"], right_on=["ent", "nk"])
    x, y = lk["uid_x"].to_numpy(), lk["uid_y"].to_numpy()
    a.append(np.minimum(x, y))
    b.append(np.maximum(x, y))
    pairs = pd.DataFrame({"a": np.concatenate(a), "b": np.concatenate(b)})
    pairs = pairs[(pairs["a"] != pairs["b"]).to_numpy()].drop_duplicates()
    is_id = c.decode(np.arange(c.n_people)).str.startswith("ID:").to_numpy()
    both_id = is_id[pairs["a"].to_numpy()] & is_id[pairs["b"].to_numpy()]
    return pairs[~both_id].reset_index(drop=True)  # two full IDs: two people


# --- comparisons and scores ----------------------------------------------------------------------
def _band(n: np.ndarray, bands) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    out = np.zeros(len(n))
    for top, w in reversed(bands):
        out = np.where(n <= top, w, out)
    return np.where(np.isnan(n), bands[0][1], out)


class _Pairs:
    """Candidate pairs with an integer key each, to line up per-pair picks from joined rows."""

    def __init__(self, pairs: pd.DataFrame, n_people: int):
        self.a, self.b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
        self.n = n_people
        self.key = self.a * n_people + self.b

    def __len__(self) -> int:
        return len(self.a)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"a": self.a, "b": self.b})

    def has(self, hits: pd.DataFrame) -> np.ndarray:
        return np.isin(self.key, hits["a"].to_numpy() * self.n + hits["b"].to_numpy())

    def pick(self, c: Coded, hits: pd.DataFrame, col: str, weight: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per pair, the ``col`` code of its best hit (highest ``weight``, then first in string order;
        ``-1`` when none) and that hit's weight (0 when none). The same rows in any order pick the same."""
        value, w = np.full(len(self), -1, dtype=np.int64), np.zeros(len(self))
        if hits.empty:
            return value, w
        v = hits[col].to_numpy()
        hw = hits[weight].to_numpy(dtype=float) if weight else np.zeros(len(hits))
        uniq = np.unique(v)
        rank_of = np.empty(len(uniq), dtype=np.int64)
        rank_of[pc.sort_indices(pa.array(c.decode(uniq), from_pandas=True)).to_numpy()] = np.arange(len(uniq))
        hk = hits["a"].to_numpy() * self.n + hits["b"].to_numpy()
        order = np.lexsort((rank_of[np.searchsorted(uniq, v)], -hw, hk))
        hk, v, hw = hk[order], v[order], hw[order]
        first = np.ones(len(hk), dtype=bool)
        first[1:] = hk[1:] != hk[:-1]
        hk, v, hw = hk[first], v[first], hw[first]
        at = np.minimum(np.searchsorted(hk, self.key), len(hk) - 1)
        found = hk[at] == self.key
        value[found], w[found] = v[at[found]], hw[at[found]]
        return value, w


def _compare_ids(p: _Pairs, c: Coded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ID weight per pair from the visible digits of both masked IDs; kinds 0 none, 1 region, 2 digits."""
    where = np.full(c.n_people, -1)
    where[c.id_rows] = np.arange(len(c.id_rows))
    ra, rb = where[p.a], where[p.b]
    both = (ra >= 0) & (rb >= 0)
    w, kind = np.zeros(len(p)), np.zeros(len(p), dtype=np.int8)
    if both.any():
        A, B = c.id_mat[ra[both]], c.id_mat[rb[both]]
        vis = (ord("*") != A) & (ord("*") != B)
        differ = (vis & (A != B)).sum(axis=1)
        conflict = differ > 0
        k_reg, k_inf = vis[:, :6].sum(axis=1), vis[:, 6:].sum(axis=1)
        region = np.where(k_reg == 6, W_ID_COUNTY, np.where(k_reg >= 4, W_ID_CITY, 0.0))
        tail = np.where(k_inf >= 4, W_ID_TAIL, 0.0)
        w[both] = np.where(differ >= 2, W_ID_VETO, np.where(conflict, W_ID_CONFLICT, region + tail))
        kind[both] = np.where(conflict, 0, np.where(tail > 0, 2, np.where(region > 0, 1, 0)))
    return w, kind, both


def _compare_phones(p: _Pairs, c: Coded) -> tuple[np.ndarray, np.ndarray]:
    """(weight, agreeing phone code or -1): one phone per record."""
    phone = c.people["phone"].to_numpy()
    pa_, pb = phone[p.a], phone[p.b]
    agree = (pa_ >= 0) & (pa_ == pb)
    n = c.parties[np.maximum(pa_, 0)]
    agree &= n <= SHARED_CAP
    w = np.where(agree, _band(n, W_SHARED), np.where((pa_ >= 0) & (pb >= 0), W_CONTACT_DIFFERS, 0.0))
    return w, np.where(agree, pa_, -1)


def _compare_emails(p: _Pairs, c: Coded) -> tuple[np.ndarray, np.ndarray]:
    """(weight, agreeing e-mail code or -1): a record may have several e-mails."""
    mails = c.emails
    ha = p.frame().merge(mails, left_on="a", right_on="uid")[["a", "b", "email"]]
    hits = ha.merge(mails, left_on=["b", "email"], right_on=["uid", "email"])[["a", "b", "email"]]
    n = c.parties[hits["email"].to_numpy()]
    hits = hits.assign(wt=_band(n, W_SHARED))[n <= SHARED_CAP]
    val, wt = p.pick(c, hits, "email", "wt")
    known = np.zeros(c.n_people, dtype=bool)
    known[mails["uid"].to_numpy()[mails["uid"].to_numpy() < c.n_people]] = True
    agree = val >= 0
    return np.where(agree, wt, np.where(known[p.a] & known[p.b], W_CONTACT_DIFFERS, 0.0)), val


def _compare_companies(p: _Pairs, c: Coded) -> dict[str, np.ndarray]:
    """Co-office (same company), company address, and shareholding link / corporate group."""
    roles = c.roles
    ra = p.frame().merge(roles, left_on="a", right_on="uid")[["a", "b", "ent"]]
    same = ra.merge(roles, left_on=["b", "ent"], right_on=["uid", "ent"])[["a", "b", "ent"]]
    co_ent, _ = p.pick(c, same, "ent")
    co = co_ent >= 0
    adr = _capped_addresses(c)
    aa = ra.merge(adr, on="ent")[["a", "b", "ent", "addr", "n"]]
    rb = p.frame().merge(roles, left_on="b", right_on="uid")[["a", "b", "ent"]].merge(adr, on="ent")[["a", "b", "ent", "addr"]]
    at = aa.merge(rb, on=["a", "b", "addr"])
    at = at[(at["ent_x"] != at["ent_y"]).to_numpy()]  # one company's address is not a second clue
    at = at.assign(wt=_band(at["n"].to_numpy(dtype=float), W_ADDRESS))
    addr, w_addr = p.pick(c, at, "addr", "wt")
    lk = ra.merge(c.groups, left_on="ent", right_on="a", suffixes=("", "_l"))[["a", "b", "b_l", "direct"]]
    lk = lk.merge(roles, left_on=["b", "b_l"], right_on=["uid", "ent"])
    linked = p.has(lk[lk["direct"].to_numpy()]) & ~co
    grouped = p.has(lk) & ~linked & ~co
    return {"co": co_ent, "addr": addr, "linked": linked, "grouped": grouped,
            "w": np.where(co, W_CO_OFFICE, 0.0) + np.where(addr >= 0, w_addr, 0.0)
            + np.where(linked, W_LINKED, np.where(grouped, W_GROUP, 0.0))}


def _texts(on: np.ndarray, zh: pd.Series, en: str) -> tuple[pd.Series, np.ndarray]:
    zh = zh.where(pd.Series(on, index=zh.index), "").fillna("")
    return zh, np.where(on, en, "")


def _evidence(c: Coded, p: _Pairs, rows: np.ndarray, id_kind, phone, email, comp) -> pd.Series:
    """Evidence text of the pairs at ``rows``: what agreed, personal data masked."""
    a, b = p.a[rows], p.b[rows]
    ids_ = c.people["id_masked"]
    sa = pd.Series(ids_.to_numpy()[a], dtype="string")
    sb = pd.Series(ids_.to_numpy()[b], dtype="string")
    kind = id_kind[rows]
    label = pd.Series(np.where(kind == 2, "证件号相容 ", np.where(kind == 1, "证件号地区码相同 ", "")), dtype="string")
    id_zh = (label + sa.where(sa == sb, sa + " / " + sb)).where(pd.Series(kind > 0), "").fillna("")
    id_en = np.where(kind == 2, "ID digits", np.where(kind == 1, "ID region", ""))
    val = phone[rows]
    ph_zh, ph_en = _texts(val >= 0, "同一电话 " + ids.mask_phone(c.decode(np.maximum(val, 0))), "phone")
    val = email[rows]
    em_zh, em_en = _texts(val >= 0, "同一邮箱 " + ids.mask_email(c.decode(np.maximum(val, 0))), "e-mail")
    val = comp["co"][rows]
    co_zh, co_en = _texts(val >= 0, "同一企业任职 " + c.decode(np.maximum(val, 0)), "same company")
    val = comp["addr"][rows]
    ad_zh, ad_en = _texts(val >= 0, "企业同址 " + c.decode(np.maximum(val, 0)).str.slice(5, 29), "company address")
    linked, grouped = comp["linked"][rows], comp["grouped"][rows]
    lk_zh = np.where(linked, "持股关联企业", np.where(grouped, "同一企业集团", ""))
    lk_en = np.where(linked, "companies linked by shareholding", np.where(grouped, "one corporate group", ""))
    n = len(rows)
    zh = _join("同名", [id_zh, ph_zh, em_zh, co_zh, ad_zh, lk_zh], n)
    en = _join("same name", [id_en, ph_en, em_en, co_en, ad_en, lk_en], n)
    return zh + " (" + en + ")"


def score_pairs(pairs: pd.DataFrame, c: Coded | None) -> pd.DataFrame:
    """src, dst, score, evidence (and the summed weight ``bits``) for every candidate pair.
    Evidence text is written for the pairs scored at least :data:`MIN_LINK_SCORE` (the links)."""
    if pairs.empty:
        return pd.DataFrame({"src": _str(), "dst": _str(), "score": pd.Series(dtype="float64"), "evidence": _str(),
                             "bits": pd.Series(dtype="float64")})
    assert c is not None  # only an empty pair list comes without people
    p = _Pairs(pairs, c.n_people)
    nk = c.people["nk"].to_numpy()
    per_name = np.bincount(nk[nk >= 0])
    n = np.where(nk[p.a] >= 0, per_name[np.maximum(nk[p.a], 0)], 2).astype(float)
    base = np.log2(NAME_M * RHO / (np.maximum(n, 2.0) - 1))
    w_id, id_kind, _ = _compare_ids(p, c)
    w_ph, phone = _compare_phones(p, c)
    w_em, email = _compare_emails(p, c)
    comp = _compare_companies(p, c)
    bits = base + w_id + w_ph + w_em + comp["w"]
    score = np.round(1.0 / (1.0 + np.exp2(-bits)), 3)
    evidence = pd.Series(pd.NA, index=range(len(p)), dtype="string")
    rows = np.flatnonzero(score >= MIN_LINK_SCORE)
    evidence.iloc[rows] = _evidence(c, p, rows, id_kind, phone, email, comp).to_numpy()
    return pd.DataFrame({"src": c.decode(p.a), "dst": c.decode(p.b), "score": score,
                         "evidence": evidence, "bits": bits})


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
    :data:`MIN_LINK_SCORE`, which are not written and carry no evidence text), for inspection.
    """
    batch.rels = [r for r in batch.rels if r[0] != REL]
    if store is not None:
        touch_people_of_deleted(store, batch)  # a deleted company's people are scored without it
    ev = batch_evidence(batch)
    if ev.people.empty:
        return score_pairs(pd.DataFrame({"a": [], "b": []}), None)
    touched = ev.people["uid"]
    if store is not None:
        ev = stored_evidence(store, batch, ev)
    coded = _encode(ev, touched)
    scored = score_pairs(candidate_pairs(coded), coded)
    links = scored[scored["score"].to_numpy() >= MIN_LINK_SCORE]
    batch.add_rels(REL, "Person", "Person", links[["src", "dst", "score", "evidence"]].reset_index(drop=True))
    return scored

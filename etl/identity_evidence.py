"""The evidence identity resolution reads: person records, their roles, e-mails, company addresses,
shareholding links and the parties of phones and e-mails, from a batch and (graph-wide, by key)
from the store. Scoring is in :mod:`etl.identity`."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.graph.store import isin

ADDRESS_CAP = 20      # companies per address: a busier address says nothing about identity


def _str(values=()) -> pd.Series:
    return pd.Series(values, dtype="string")


def _frame(**cols) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})


def name_key(s: pd.Series) -> pd.Series:
    """Person-name matching key: upper-cased, whitespace and middle dots removed (``王 伟`` = ``王伟``)."""
    return pd.Series(name_key_arrow(pa.array(s.astype("string"), from_pandas=True)), index=s.index, dtype="string")


def name_key_arrow(arr: pa.Array) -> pa.Array:
    """:func:`name_key` of an Arrow string array (null for no name)."""
    arr = pc.replace_substring_regex(pc.utf8_upper(arr), r"[\s·•・.．]+", "")
    return pc.if_else(pc.equal(pc.utf8_length(arr), 0), pa.scalar(None, arr.type), arr)


# --- evidence tables ------------------------------------------------------------------------
@dataclass
class GraphCounts:
    """Graph-wide counts given with evidence that holds only a part of the graph (one partition of a bulk
    load, :mod:`etl.identity_parts`); without them the scorer counts in the evidence itself. Each table
    covers at least the keys the part's people reach; values are strings, ``n`` integers."""

    parties: pd.DataFrame     # value, n: parties of a phone / e-mail (see identity._party_counts)
    companies: pd.DataFrame   # ent, n: people holding a role in the company
    addresses: pd.DataFrame   # addr, n: companies at the (non-cluster) address
    members: pd.DataFrame     # ent, comp: companies in corporate groups of at most GROUP_CAP companies
    edges: pd.DataFrame       # a, b: the capped shareholding links between those companies


@dataclass
class Evidence:
    """What is known about a set of person records, in plain tables (all string columns)."""

    people: pd.DataFrame      # uid, name, id_masked, phone
    roles: pd.DataFrame       # uid, ent: the person holds a role (legal rep, shareholder) in ent
    emails: pd.DataFrame      # uid, email
    addresses: pd.DataFrame   # ent, addr: non-cluster company addresses
    links: pd.DataFrame       # a, b: enterprises linked by shareholding (both directions)
    phone_parties: pd.DataFrame  # kind (phone|email), value, label (Enterprise|Person), party (uid)
    party_names: pd.DataFrame    # uid, name: person parties that are not in ``people``
    counts: GraphCounts | None = None  # graph-wide counts, when the tables above are a part of the graph

    @staticmethod
    def empty() -> "Evidence":
        return Evidence(_frame(uid=[], name=[], id_masked=[], phone=[]), _frame(uid=[], ent=[]),
                        _frame(uid=[], email=[]), _frame(ent=[], addr=[]), _frame(a=[], b=[]),
                        _frame(kind=[], value=[], label=[], party=[]), _frame(uid=[], name=[]))


def _rels(batch, rtype: str, a: str | None = None, b: str | None = None) -> pd.DataFrame:
    frames = [df[["src", "dst"]] for t, x, y, df in batch.rels
              if t == rtype and (a is None or x == a) and (b is None or y == b)]
    if not frames:
        return _frame(src=[], dst=[])
    return pd.concat(frames, ignore_index=True).astype("string").dropna()  # duplicates go in coding


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
    ev.roles = roles.rename(columns={"src": "uid", "dst": "ent"})
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
    ev.phone_parties = pd.concat(parties, ignore_index=True).astype("string")
    return ev


def _both_ways(links: pd.DataFrame) -> pd.DataFrame:
    a = links.rename(columns={"src": "a", "dst": "b"})[["a", "b"]]
    return pd.concat([a, a.rename(columns={"a": "b", "b": "a"})], ignore_index=True)


# --- stored evidence (graph-wide, by key) --------------------------------------------------
def _people_named(store, names: pd.Series) -> pd.DataFrame:
    """Stored person records whose name is one of ``names`` (a keyed read, not a scan per name)."""
    df = store.nodes_by("Person", "name", names, ["name", "id_masked", "phone"])
    if df.empty:
        return _frame(uid=[], name=[], id_masked=[], phone=[])
    return df[["uid", "name", "id_masked", "phone"]].astype("string").drop_duplicates("uid")


def _fetch(store, rtype: str, a: str, b: str, keys: pd.Series, by: str) -> pd.DataFrame:
    from creditgraph.etl.graphdiff import fetch_rels

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


def touch_people_of_deleted(store, batch) -> int:
    """Add to the batch, by uid and name only (nothing of theirs changes), the stored people who hold a role
    or shares in a company the batch deletes: their identity links lose that company's evidence, so they
    are scored again now, not when a later extract happens to touch them. Returns how many were added."""
    from creditgraph.etl.graphdiff import fetch_nodes

    gone = pd.Series(batch.delete_nodes.get("Enterprise", []), dtype="string")
    if gone.empty:
        return 0
    uids = pd.concat([_fetch(store, t, "Person", "Enterprise", gone, "dst")["src"] for t in ("LEGAL_REP", "HOLDS_SHARES")],
                     ignore_index=True).drop_duplicates()
    have = batch.node_frame("Person")
    if len(have):
        uids = uids[~isin(uids, have["uid"].astype("string"))]
    if uids.empty:
        return 0
    people = fetch_nodes(store, "Person", uids, ["name"])[["uid", "name"]]
    batch.add_nodes("Person", people)
    return len(people)


def stored_evidence(store, batch, ev: Evidence) -> Evidence:
    """``ev`` (the batch's evidence) plus what the graph holds about the touched people and their
    possible matches, fetched by key."""
    touched = ev.people["uid"]
    gone = pd.Series(batch.delete_nodes.get("Enterprise", []), dtype="string")
    pool = _people_named(store, ev.people["name"].dropna().drop_duplicates())
    people = _merge_people(batch, ev.people, pool[isin(pool["uid"], touched)])
    people = pd.concat([people, pool[~isin(pool["uid"], touched)]], ignore_index=True)

    # roles of the touched people, then everything around their companies
    mine = pd.concat([_fetch(store, t, "Person", "Enterprise", touched, "src")
                      for t in ("LEGAL_REP", "HOLDS_SHARES")], ignore_index=True)
    mine = pd.concat([ev.roles, mine.rename(columns={"src": "uid", "dst": "ent"})], ignore_index=True).drop_duplicates()
    mine = mine[~isin(mine["ent"], gone)]  # a company the batch deletes takes its roles with it
    ents = mine["ent"].drop_duplicates()
    links = pd.concat([_fetch(store, "HOLDS_SHARES", "Enterprise", "Enterprise", ents, by) for by in ("src", "dst")],
                      ignore_index=True)
    links = pd.concat([ev.links, _both_ways(links)], ignore_index=True).drop_duplicates()
    links = links[~isin(links["a"], gone) & ~isin(links["b"], gone)]
    stored_adr = _fetch(store, "HAS_ADDRESS", "Enterprise", "Address", ents, "src")
    stored_adr = stored_adr[~isin(stored_adr["src"], ev.addresses["ent"])]  # the batch states its companies' addresses
    addrs = pd.concat([ev.addresses["addr"], stored_adr["dst"]], ignore_index=True).drop_duplicates()
    from creditgraph.etl.graphdiff import fetch_nodes

    cluster = fetch_nodes(store, "Address", addrs, ["cluster"])
    addrs = addrs[~isin(addrs, cluster.loc[cluster["cluster"].fillna(False).astype(bool), "uid"])]
    at = _fetch(store, "HAS_ADDRESS", "Enterprise", "Address", addrs, "dst").rename(columns={"src": "ent", "dst": "addr"})
    # companies the batch deletes or moves are no longer at their stored address
    at = at[~isin(at["ent"], gone) & ~isin(at["ent"], ev.addresses["ent"])]
    addresses = pd.concat([ev.addresses, at], ignore_index=True).drop_duplicates()
    size = addresses.groupby("addr")["ent"].transform("size")
    near = pd.concat([ents, links["b"], addresses.loc[(size <= ADDRESS_CAP).to_numpy(), "ent"]], ignore_index=True)
    theirs = pd.concat([_fetch(store, t, "Person", "Enterprise", near.drop_duplicates(), "dst")
                        for t in ("LEGAL_REP", "HOLDS_SHARES")], ignore_index=True)
    theirs = theirs.rename(columns={"src": "uid", "dst": "ent"})
    theirs = theirs[~isin(theirs["ent"], gone)]
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
    return Evidence(people, roles, emails, addresses, links, parties, named)

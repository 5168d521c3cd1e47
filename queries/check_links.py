"""What links a batch of checked enterprises to risk and to each other, within one or two hops, for the
whole batch at once: the rings around the subjects are read with keyed edge reads (a fixed number of
reads whatever the batch's size), not one neighbourhood query per subject.

Ring 1: the subjects' legal representatives, shareholders, holdings, addresses, phones and e-mails.
Ring 2: what those connect to (the other companies a person heads or holds, the companies at the same
address or phone, the records possibly of the same person). A connector with more than
:data:`HUB_LIMIT` ties (a cluster address, a registration agent's phone) is not followed: it would tie
everything to everything. Complexity: O(subjects × degree²) rows, read in O(model pairs) queries.
Roles and holdings tie only when valid on ``as_of`` (default today), and only penalties decided on or
before it count (docs/time.md).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from creditgraph.graph.store import GraphStore
from creditgraph.queries._asof import valid_rows, validity_cols
from creditgraph.queries._base import as_of_date, lookup_props
from creditgraph.queries.profile import active_counts
from creditgraph.queries.result import EvidenceBuilder

#: The relationships that tie parties together (penalties are counted, not followed).
TIES = ("LEGAL_REP", "HOLDS_SHARES", "HAS_ADDRESS", "HAS_PHONE", "HAS_EMAIL", "POSSIBLY_SAME_AS")
PARTIES = ("Enterprise", "Person")
#: A connector with more ties than this is not followed to the second ring.
HUB_LIMIT = 200
EDGE_COLUMNS = ["node", "other", "other_label", "type", "forward"]


def adjacent(store: GraphStore, nodes: pd.DataFrame, rel_types: Sequence[str] = TIES,
             as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Every ``rel_types`` edge at the ``nodes`` (``uid, label``), in both directions, roles and holdings
    only when valid on ``as_of`` (default today): ``node, other, other_label, type, forward``
    (``forward``: the edge points from ``node`` to ``other``)."""
    day = as_of_date(as_of)
    frames = []
    for label, keys in nodes.groupby("label")["uid"]:
        keys = keys.drop_duplicates().tolist()
        for t in rel_types:
            cols = validity_cols(store, [t])
            for a, b in store.model.rel(t).pairs:
                if a == label:
                    df = valid_rows(store.edges_by(t, a, b, keys, by="src", cols=cols), day)
                    frames.append(pd.DataFrame({"node": df["src"], "other": df["dst"], "other_label": b, "type": t,
                                                "forward": True}))
                if b == label:
                    df = valid_rows(store.edges_by(t, a, b, keys, by="dst", cols=cols), day)
                    frames.append(pd.DataFrame({"node": df["dst"], "other": df["src"], "other_label": a, "type": t,
                                                "forward": False}))
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=EDGE_COLUMNS)


def subject_label(uids: Sequence[str]) -> list[str]:
    """The label of each subject uid: people's uids start with ``ID:`` or ``NM:`` (graph/schema.yaml)."""
    return ["Person" if str(u).startswith(("ID:", "NM:")) else "Enterprise" for u in uids]


def reach(store: GraphStore, subjects: Sequence[str], hops: int, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Every party within ``hops`` (1 or 2) of each subject (an enterprise, or a person when its uid starts
    with ``ID:`` / ``NM:``) on ``as_of`` (default today), with one shortest path: ``subject, party,
    party_label, hops, path_uids, path_steps``."""
    day = as_of_date(as_of)
    uids = list(dict.fromkeys(subjects))
    ring1 = adjacent(store, pd.DataFrame({"uid": uids, "label": subject_label(uids)}), as_of=day)
    ring1 = ring1[ring1["other"] != ring1["node"]]
    rows = [pd.DataFrame({"subject": ring1["node"], "party": ring1["other"], "party_label": ring1["other_label"],
                          "hops": 1, "path_uids": [[a, b] for a, b in zip(ring1["node"], ring1["other"])],
                          "path_steps": [[(t, f)] for t, f in zip(ring1["type"], ring1["forward"])]})]
    if hops >= 2 and len(ring1):
        conn = ring1[["other", "other_label"]].drop_duplicates().rename(columns={"other": "uid", "other_label": "label"})
        ring2 = adjacent(store, conn, as_of=day)
        degree = ring2.groupby("node")["other"].transform("size")
        ring2 = ring2[degree <= HUB_LIMIT]
        two = ring1.merge(ring2, left_on="other", right_on="node", suffixes=("1", "2"))
        two = two[two["other2"] != two["node1"]]
        rows.append(pd.DataFrame({
            "subject": two["node1"], "party": two["other2"], "party_label": two["other_label2"], "hops": 2,
            "path_uids": [[a, b, c] for a, b, c in zip(two["node1"], two["other1"], two["other2"])],
            "path_steps": [[(t1, f1), (t2, f2)] for t1, f1, t2, f2 in
                           zip(two["type1"], two["forward1"], two["type2"], two["forward2"])]}))
    out = pd.concat(rows, ignore_index=True)
    out = out[out["party_label"].isin(PARTIES)]
    return out.sort_values(["subject", "party", "hops"], kind="stable").drop_duplicates(["subject", "party"])


def captions(store: GraphStore, found: pd.DataFrame) -> EvidenceBuilder:
    """An evidence builder holding every node on the paths of ``found`` (names looked up once)."""
    uids = list(dict.fromkeys(u for path in found["path_uids"] for u in path))
    b = EvidenceBuilder()
    if uids:
        for label in ("Enterprise", "Person", "Address", "Phone", "Email"):
            for u, (lab, props) in lookup_props(store, {label: [u for u in uids if not b.has_node(u)]}).items():
                b.node(u, lab, **props)
    return b


def path_texts(b: EvidenceBuilder, found: pd.DataFrame) -> list[str]:
    """The readable path of each row of :func:`reach`."""
    texts = []
    for uids, steps in zip(found["path_uids"], found["path_steps"]):
        b.path(list(uids), list(steps))
        texts.append(b.path_text(list(uids), list(steps)))
    return texts


def links_and_risk(store: GraphStore, subjects: dict[str, int], hops: int,
                   as_of: dt.date | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs of checked subjects tied within ``hops`` on ``as_of`` (default today; ``row_a, row_b, hops,
    path``) and the parties with active penalties within ``hops`` of each (``row, uid, label, hops,
    active_penalties, path``)."""
    day = as_of_date(as_of)
    found = reach(store, list(subjects), hops, as_of=day)
    ties = found[found["party"].isin(subjects.keys()) & (found["party_label"] == "Enterprise")].copy()
    ties["row_a"] = ties["subject"].map(subjects)
    ties["row_b"] = ties["party"].map(subjects)
    ties = ties[ties["row_a"] < ties["row_b"]]
    counts = active_counts(store, found["party"].drop_duplicates().tolist(), as_of=day) if len(found) else {}
    risky = found.assign(active_penalties=found["party"].map(counts).fillna(0).astype(int))
    risky = risky[risky["active_penalties"] > 0]
    b = captions(store, pd.concat([ties, risky]))
    ties = ties.assign(path=path_texts(b, ties))
    names = [b.node_info(u)[1].get("name") if b.has_node(u) else None for u in risky["party"]]
    risky = risky.assign(path=path_texts(b, risky), row=risky["subject"].map(subjects), name=names)
    links = ties[["row_a", "row_b", "hops", "path"]].reset_index(drop=True)
    risks = risky.rename(columns={"party": "uid", "party_label": "label"})[
        ["row", "uid", "name", "label", "hops", "active_penalties", "path"]].reset_index(drop=True)
    return links, risks

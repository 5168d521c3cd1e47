"""A change set's relationship updates keep the values they do not change, whatever else the change set
writes (etl.graphdiff.apply_changes).

LadybugDB 0.22, measured on a 1M-enterprise graph: after a refresh had deleted and re-created 4,271
``HOLDS_SHARES`` edges in the writing connection, the batched keyed read of 7,676 other edges of that
table gave one of them ``subscribed`` 0.0 instead of 21,000,000 (read alone it was right), and the edge
was re-created with the 0.0; the same refresh applied again then "changed" it back. The updates are
therefore staged (the kept values read) before anything is written; these tests hold that order and the
values, on both stores.
"""
from __future__ import annotations

import pandas as pd

from creditgraph.etl.graphdiff import ChangeSet, apply_changes
from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.queries.testing import load

E = [f"91330100MA2H0000{i:02d}" for i in range(6)]
P = [f"ID:{i}" for i in range(6)]
NODES = ([("Enterprise", e, {"name": f"企业{i}"}) for i, e in enumerate(E)]
         + [("Person", p, {"name": f"人{i}"}) for i, p in enumerate(P)])
RELS = [("HOLDS_SHARES", P[i], E[i], {"ratio": 0.5, "subscribed": 1_000_000.0 * (i + 1), "paid": 10.0 * i,
                                      "currency": "CNY"}) for i in range(6)]


def _change_set() -> ChangeSet:
    upd = pd.DataFrame({"src": P[:3], "dst": E[:3], "paid": [1.0, 2.0, 3.0]})
    new = pd.DataFrame({"src": [P[0]], "dst": [E[5]], "ratio": [0.1], "subscribed": [5.0]})
    gone = pd.DataFrame({"src": [P[4], P[2]], "dst": [E[4], E[2]]})  # P2->E2 is updated and deleted: stays deleted
    return ChangeSet(rels=[("HOLDS_SHARES", "Person", "Enterprise", new)],
                     rel_updates=[("HOLDS_SHARES", "Person", "Enterprise", upd)],
                     delete_rels=[("HOLDS_SHARES", "Person", "Enterprise", gone)])


def _edges(store) -> dict:
    df = store.run("MATCH (p:Person)-[r:HOLDS_SHARES]->(e:Enterprise) "
                   "RETURN p.uid AS p, e.uid AS e, r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency")
    return {(r["p"], r["e"]): (r["subscribed"], r["paid"], r["currency"]) for r in df.to_dict("records")}


def test_updates_keep_what_they_do_not_change_and_deletes_win(store):
    load(store, NODES, RELS)
    apply_changes(store, _change_set())
    got = _edges(store)
    assert got[(P[0], E[0])] == (1_000_000.0, 1.0, "CNY")
    assert got[(P[1], E[1])] == (2_000_000.0, 2.0, "CNY")
    assert (P[2], E[2]) not in got and (P[4], E[4]) not in got
    assert got[(P[3], E[3])] == (4_000_000.0, 30.0, "CNY")  # untouched
    assert got[(P[0], E[5])][0] == 5.0
    assert len(got) == 5


class _Recording(EmbeddedStore):
    """The embedded store, its statements recorded in order."""

    def __init__(self, *a, **kw):
        self.statements: list[str] = []
        super().__init__(*a, **kw)

    def _execute(self, text, params=None):
        self.statements.append(text)
        return super()._execute(text, params)


def _writes(text: str) -> bool:
    return any(w in text for w in ("DELETE", "CREATE (", "COPY ", " SET ", "MERGE "))


def test_every_read_of_kept_values_comes_before_the_first_write(tmp_path):
    (tmp_path / "snap").mkdir()
    with EmbeddedStore(tmp_path / "root", snapshot=tmp_path / "snap") as s:
        load(s, NODES, RELS)
    with _Recording(tmp_path / "root", snapshot=tmp_path / "snap") as s:
        s.statements.clear()
        apply_changes(s, _change_set())
        first_write = next(i for i, t in enumerate(s.statements) if _writes(t))
        reads = [i for i, t in enumerate(s.statements) if "r IS NOT NULL" in t and "RETURN" in t and not _writes(t)]
    assert reads, "the kept values were read"
    assert max(reads) < first_write

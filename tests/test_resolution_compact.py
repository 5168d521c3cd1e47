"""The compact whole-graph structures of the scans (issue 20): the resolution's hash index against a dict,
collisions included, and the groups' Arrow factorization against pandas'."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from creditgraph.queries.groups import _per_node, _sorted_codes
from creditgraph.graph import keyindex
from creditgraph.queries.identity import KeyIndex, Resolution, _components


def _random_links(seed: int, n: int = 400, m: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    uids = np.array([f"NM:{i % 37}:张{i}" if i % 3 else f"ID:{i:08x}" for i in range(n)], dtype=object)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    return pd.DataFrame({"src": uids[a[keep]], "dst": uids[b[keep]]}), uids


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_resolution_matches_a_dict(seed):
    links, uids = _random_links(seed)
    frame, _ = _components(links)
    res = Resolution(0.9, frame)
    of = dict(zip(frame["uid"], frame["identity"]))
    probe = list(uids) + ["ID:absent", None, "NM:0:nobody"]
    expect = np.array([of.get(u, u) for u in probe], dtype=object)
    assert res.identity_of(probe).tolist() == expect.tolist()
    assert res.identity_of(pd.Series(probe, dtype=object)).tolist() == expect.tolist()
    got = res.identity_column(pd.Series(probe, dtype="str"))
    assert [None if pd.isna(v) else v for v in got] == [None if v is None else v for v in expect.tolist()]
    assert res.is_resolved(probe).tolist() == [u in of for u in probe]
    groups = frame.groupby("identity", sort=False)["uid"].agg(list).to_dict()
    for i, members in groups.items():
        assert res.members(i) == members
    assert res.members("ID:absent") == ["ID:absent"]
    assert sorted(res.resolved_uids()) == sorted(of)
    assert bool(res) == bool(of)


def test_key_index_is_exact_when_hashes_collide(monkeypatch):
    # every key hashes alike: the index must still tell them apart (the collision dict)
    monkeypatch.setattr(keyindex, "_hash", lambda values: np.zeros(len(values), np.uint64))
    ix = KeyIndex(pa.array(["a", "b", "c"]))
    assert ix.find(["c", "a", "x", "b", None]).tolist() == [2, 0, -1, 1, -1]


def test_key_index_empty_and_chunked():
    assert KeyIndex(pa.array([], pa.string())).find(["a"]).tolist() == [-1]
    ix = KeyIndex(pa.chunked_array([pa.array(["x", "y"]), pa.array(["z"])]))
    assert ix.find(pd.Series(["z", "y", "q"], dtype="str")).tolist() == [2, 1, -1]


def test_empty_resolution():
    frame, _ = _components(pd.DataFrame({"src": [], "dst": []}))
    res = Resolution(0.9, frame)
    assert not res
    assert res.identity_of(["a", None]).tolist() == ["a", None]
    assert res.identity_column(["a"]).tolist() == ["a"]
    assert res.members("a") == ["a"]


def test_sorted_codes_match_pandas():
    rng = np.random.default_rng(3)
    words = np.array(["甲", "乙", "ID:1", "ID:10", "NM:x:张三", "b", "B", "é"], dtype=object)
    a, b = pd.Series(words[rng.integers(0, 8, 50)]), pd.Series(words[rng.integers(0, 8, 50)])
    codes, uniq = _sorted_codes(a, pa.array(b.tolist()))
    want_codes, want = pd.factorize(pd.concat([a, b], ignore_index=True).astype(str), sort=True)
    assert codes.tolist() == want_codes.tolist()
    assert uniq.tolist() == list(want)


def test_per_node():
    nodes = pd.Index(["a", "b", "c"], dtype="str")
    assert _per_node(nodes, pd.Series([2, 5], index=["c", "zz"])).tolist() == [0.0, 0.0, 2.0]
    assert _per_node(nodes, pd.Series([], dtype="int64")).tolist() == [0.0, 0.0, 0.0]


def test_edge_arrays_are_edges_on(monkeypatch):
    """The groups' compact edge read gives edges_on's edges (the people's read in parts: 2 here)."""
    import datetime as dt

    from creditgraph.queries._asof import edges_on
    from creditgraph.queries.groups import edge_arrays
    from creditgraph.queries.testing import toy_store

    s = toy_store([("Person", "ID:1", {"name": "张三"}), ("Person", "ID:2", {"name": "李四"}),
                   *[("Enterprise", f"E{i}", {"name": f"企业{i}"}) for i in range(4)],
                   ("Address", "A1", {"text": "某路1号"})],
                  [("LEGAL_REP", "ID:1", "E0"), ("LEGAL_REP", "ID:2", "E1", {"valid_to": "2020-01-01"}),
                   ("HOLDS_SHARES", "ID:1", "E2", {"ratio": 0.5}), ("HOLDS_SHARES", "E0", "E3", {"ratio": 1.0}),
                   ("HAS_ADDRESS", "E1", "A1"), ("HAS_ADDRESS", "E2", "A1")])
    from creditgraph.queries import _base
    monkeypatch.setattr(_base, "PART_ANCHORS", 1)
    day = dt.date(2024, 6, 1)
    types = ["HAS_ADDRESS", "LEGAL_REP", "HOLDS_SHARES"]
    want = edges_on(s, types, day).astype(str).reset_index(drop=True)
    got = edge_arrays(s, types, day)
    flat = pd.DataFrame({c: [str(v) for part in got[c] for v in (part.to_pylist() if isinstance(part, pa.Array)
                                                                 else list(part))] for c in got})
    assert sorted(flat[list(want.columns)].values.tolist()) == sorted(want.values.tolist())
    assert len(flat) == 5  # the LEGAL_REP of ID:2 ended before the day
    s.close()


@pytest.mark.parametrize("anchors", [1, 2, 3])
def test_fetch_parts_reads_every_row_once(store, monkeypatch, anchors):
    """A scan read in parts (LadybugDB: by the person's offset; Neo4j: all in part 0) gives the rows of the
    whole scan, each once, whatever the number of parts."""
    import datetime as dt

    from creditgraph.queries import _base
    from creditgraph.queries._base import fetch, fetch_parts, people_count
    from creditgraph.queries.testing import load

    load(store, [*[("Person", f"ID:{i}", {"name": f"人{i}"}) for i in range(5)],
                 *[("Enterprise", f"E{i}", {"name": f"企业{i}"}) for i in range(4)]],
         [*[("LEGAL_REP", f"ID:{i}", f"E{i % 4}") for i in range(5)],
          *[("HOLDS_SHARES", f"ID:{i}", f"E{(i + 1) % 4}", {"ratio": 0.1 * i}) for i in range(5)],
          ("LEGAL_REP", "ID:0", "E3", {"valid_to": "2020-01-01"})])
    monkeypatch.setattr(_base, "PART_ANCHORS", anchors)
    day = dt.date(2024, 6, 1)
    assert people_count(store) == 5
    for name in ("scan_legal_reps", "scan_person_holdings"):
        whole = fetch(store, name, {"as_of": day}, arrow=True)
        parts = list(fetch_parts(store, f"{name}_part", {"as_of": day}, people_count(store)))
        assert len(parts) == -(-5 // anchors)
        got = pd.concat(parts, ignore_index=True)
        key = ["src", "dst"]
        assert sorted(map(tuple, got[key].values.tolist())) == sorted(map(tuple, whole[key].values.tolist()))
        assert len(whole) == 5


def test_self_loops_make_no_node():
    """An enterprise joined only by a holding of its own shares is no node of the group graph (as when the
    self-loops were dropped before the nodes were numbered)."""
    from creditgraph.queries import risk_groups, risk_propagation
    from creditgraph.queries.testing import toy_store

    s = toy_store([("Person", "ID:1", {"name": "张三"}), *[("Enterprise", f"E{i}", {"name": f"企业{i}"}) for i in (1, 2, 9)],
                   ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "status": "active"}),
                   ("PenaltyEvent", "AP:9", {"kind": "administrative_penalty", "status": "active"})],
                  [("LEGAL_REP", "ID:1", "E1"), ("LEGAL_REP", "ID:1", "E2"), ("HOLDS_SHARES", "E9", "E9", {"ratio": 0.1}),
                   ("PENALIZED", "E1", "AP:1"), ("PENALIZED", "E9", "AP:9")])
    groups = risk_groups(s, min_size=1).table
    assert [sorted(m) for m in groups["members"]] == [["E1", "E2"]]
    top = risk_propagation(s, include_seeds=True).table
    assert "E9" not in set(top["uid"]) and set(top["uid"]) == {"E1", "E2", "ID:1"}
    s.close()

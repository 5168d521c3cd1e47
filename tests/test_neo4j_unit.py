"""Neo4j store tests that need no server.

* the statements the store can send cover the whole model, and declare exactly
  the parameters they use;
* credentials never show in reprs or connection errors;
* pandas frames become driver values (NaN/NA -> None, dates -> datetime.date);
* the store's logic (batches, inserted/updated counts, missing endpoints,
  read vs write transactions, the database setting) against an in-memory fake
  of the driver that understands exactly the statements the store generates.

The real server runs the store contract (tests/test_store_contract.py) when
NEO4J_URI is set.
"""
from __future__ import annotations

import datetime as dt
import re
import traceback
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from creditgraph.graph.config import Neo4jSettings
from creditgraph.graph.model import MODEL
from creditgraph.graph.neo4j_store import (
    DROP_FULLTEXT, Neo4jConnectionError, Neo4jStore, Neo4jStoreError, _Converter, frame_records,
    generated_statements, schema_statements,
)
from creditgraph.graph.store import MissingEndpoints

PASSWORD = "pw-Zq8#never-print-me"


# --- generated statements ------------------------------------------------------------

def test_generated_statements_cover_every_label_and_pair():
    stmts = generated_statements()
    names = {s["name"] for s in stmts}
    texts = "\n".join(s["text"] for s in stmts)
    for label in MODEL.nodes:
        for kind in ("upsert_nodes", "existing_keys", "node_keys", "delete_nodes", "count_nodes"):
            assert f"{kind}:{label}" in names
        assert f"FOR (n:{label}) REQUIRE n.uid IS UNIQUE" in texts
    for rtype, rel in MODEL.rels.items():
        assert f"count_rels:{rtype}" in names
        for a, b in rel.pairs:
            for kind in ("upsert_rels", "delete_rels", "edges"):
                assert f"{kind}:{rtype}:{a}->{b}" in names
    for s in stmts:
        if s["name"].startswith("upsert_nodes:"):
            label = s["name"].split(":")[1]
            for p in MODEL.node(label).properties:
                assert f"row.{p}" in s["text"]
    assert len(names) == len(stmts), "statement names are unique"


def test_schema_statements_follow_the_model():
    ddl = schema_statements()
    for label, node in MODEL.nodes.items():
        for p, spec in node.properties.items():
            if spec.index and p != "uid":
                assert any(f"FOR (n:{label}) ON (n.{p})" in t for t in ddl), (label, p)
    fulltext = [t for t in ddl if "FULLTEXT" in t]
    assert fulltext == ["CREATE FULLTEXT INDEX party_names IF NOT EXISTS FOR (n:Enterprise|Person) ON EACH "
                        "[n.name, n.name_key] OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}"]
    assert all("IF NOT EXISTS" in t for t in ddl)


def test_statements_declare_exactly_the_parameters_they_use():
    for s in generated_statements():
        used = set(re.findall(r"\$(\w+)", s["text"]))
        assert used == set(s["params"]), s["name"]


# --- credentials -----------------------------------------------------------------------

def _everything_about(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc) + repr(exc.args)


def test_password_absent_from_reprs():
    settings = Neo4jSettings(uri="bolt://127.0.0.1:1", user="neo4j", password=PASSWORD, database="credit")
    assert PASSWORD not in repr(settings)
    store = Neo4jStore.from_settings(settings, verify=False)
    try:
        assert PASSWORD not in repr(store) and PASSWORD not in str(store)
        assert PASSWORD not in repr(vars(store))
    finally:
        store.close()


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:1", "neo4j://127.0.0.1:1"])
def test_password_absent_from_connection_errors(uri):
    settings = Neo4jSettings(uri=uri, user="neo4j", password=PASSWORD)
    with pytest.raises(Neo4jConnectionError) as info:
        Neo4jStore.from_settings(settings, connection_timeout=2.0, max_transaction_retry_time=1.0)
    assert "127.0.0.1:1" in str(info.value)
    assert PASSWORD not in _everything_about(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_credentials_in_the_uri_are_refused_without_echo():
    for uri in (f"bolt://neo4j:{PASSWORD}@127.0.0.1:1", f"neo4j+s://neo4j:{PASSWORD}@db.example.invalid/x"):
        with pytest.raises(ValueError, match="NEO4J_PASSWORD") as info:
            Neo4jStore(uri, "neo4j", PASSWORD, connection_timeout=1.0)
        assert PASSWORD not in _everything_about(info.value)


def test_missing_uri_and_bad_scheme_are_explained():
    with pytest.raises(ValueError, match="NEO4J_URI"):
        Neo4jStore.from_settings(Neo4jSettings(uri=None, password=PASSWORD))
    with pytest.raises(ValueError, match="neo4j\\+s://") as info:
        Neo4jStore(f"neo4j:{PASSWORD}@host", password=PASSWORD)
    assert PASSWORD not in str(info.value)


# --- value conversion --------------------------------------------------------------------

def test_frame_records_converts_pandas_values():
    df = pd.DataFrame({
        "uid": pd.Series(["a", None, "c"], dtype="string"),
        "founded": pd.to_datetime(["2020-01-02", None, "1999-12-31"]).astype("datetime64[us]"),
        "updated_at": pd.Series([pd.Timestamp("2024-05-06 07:08:09"), pd.Timestamp("2024-01-01"), pd.NaT]),
        "capital": [1.5, np.nan, 3.0],
        "birth_year": pd.Series([1980, None, 2001], dtype="Int64"),
        "resolved": pd.Series([True, None, False], dtype="boolean"),
        "loose": pd.Series([np.int64(7), np.float64("nan"), np.bool_(True)], dtype=object),
    })
    types = {"uid": "STRING", "founded": "DATE", "updated_at": "TIMESTAMP", "capital": "DOUBLE",
             "birth_year": "INT64", "resolved": "BOOL"}
    rows = frame_records(df, types)
    assert rows[0] == {"uid": "a", "founded": dt.date(2020, 1, 2), "updated_at": dt.datetime(2024, 5, 6, 7, 8, 9),
                       "capital": 1.5, "birth_year": 1980, "resolved": True, "loose": 7}
    assert rows[1] == {"uid": None, "founded": None, "updated_at": dt.datetime(2024, 1, 1), "capital": None,
                       "birth_year": None, "resolved": None, "loose": None}
    assert rows[2]["updated_at"] is None and rows[2]["founded"] == dt.date(1999, 12, 31)
    for row in rows:
        for v in row.values():
            assert v is None or type(v) in (str, int, float, bool, dt.date, dt.datetime), (v, type(v))
        assert type(row["founded"]) in (dt.date, type(None))  # a Neo4j Date, not a DateTime


def test_results_convert_to_embedded_shapes():
    from neo4j.time import Date, DateTime

    conv = _Converter(MODEL)
    df = conv.frame(["d", "t", "n", "nested"], [
        [Date(2020, 1, 2), DateTime(2021, 2, 3, 4, 5, 6), 1, [Date(2020, 1, 2), {"x": DateTime(2021, 2, 3)}]],
        [None, None, 2, []],
    ])
    assert str(df["d"].dtype) == "datetime64[us]" and df["d"].iloc[0] == pd.Timestamp("2020-01-02")
    assert str(df["t"].dtype) == "datetime64[us]" and df["t"].iloc[0] == pd.Timestamp("2021-02-03 04:05:06")
    assert pd.isna(df["d"].iloc[1])
    assert df["nested"].iloc[0] == [dt.date(2020, 1, 2), {"x": dt.datetime(2021, 2, 3)}]


def test_nodes_convert_to_dicts():
    from neo4j.graph import Graph, Node

    try:
        node = Node(Graph(), "4:abc:1", 1, ["Enterprise"], {"uid": "E1", "name": "甲"})
    except TypeError as exc:  # a private constructor: skip rather than fail if the driver changes it
        pytest.skip(f"neo4j.graph.Node cannot be built by hand in this driver: {exc}")
    out = _Converter(MODEL).value(node)
    assert out["_LABEL"] == "Enterprise" and out["_ID"] == "4:abc:1"
    assert out["uid"] == "E1" and out["name"] == "甲" and out["capital"] is None
    assert set(MODEL.node("Enterprise").properties) <= set(out)


# --- store logic against a fake driver -------------------------------------------------------

class FakeGraph:
    """Just enough of Neo4j to answer the statements the store generates (and nothing else)."""

    def __init__(self):
        self.nodes: dict[str, dict[str, dict]] = {}
        self.rels: dict[tuple[str, str, str], dict[tuple[str, str], dict]] = {}
        self.sent: list[tuple[str, str, dict]] = []  # (mode, text, params)

    def _sets(self, text, var):
        return re.findall(rf"{var}\.(\w+) = row\.\1", text)

    def handle(self, mode, text, params):
        self.sent.append((mode, text, params))
        c = SimpleNamespace(nodes_created=0, nodes_deleted=0, relationships_created=0, relationships_deleted=0)
        if text.startswith(("CREATE ", "DROP ")):
            return [], [], c
        for pattern, answer in self.STATEMENTS:
            if m := re.match(pattern, text):
                return answer(self, m, text, params, c)
        if text.startswith("SHOW FULLTEXT INDEXES"):  # the fake keeps no index definitions
            return ["labelsOrTypes", "properties", "options"], [], c
        if text == "MATCH (n:Enterprise) RETURN n.uid AS uid, n.founded AS founded ORDER BY uid":
            table = self.nodes.get("Enterprise", {})
            return ["uid", "founded"], [[u, table[u].get("founded")] for u in sorted(table)], c
        raise AssertionError(f"the fake does not know this statement:\n{text}")

    # one answer per statement shape: (match, text, params, counters) -> (keys, rows, counters)

    def _set_meta(self, m, text, params, c):
        self.nodes.setdefault("GraphMeta", {})[params["k"]] = {"v": params["v"]}
        return [], [], c

    def _get_meta(self, m, text, params, c):
        hit = self.nodes.get("GraphMeta", {}).get(params["k"])
        return ["v"], ([[hit["v"]]] if hit else []), c

    def _merge_nodes(self, m, text, params, c):
        table = self.nodes.setdefault(m[1], {})
        for row in params["rows"]:
            if row["uid"] not in table:
                table[row["uid"]] = {}
                c.nodes_created += 1
            table[row["uid"]].update({p: row[p] for p in self._sets(text, "n")})
        return ["rows"], [[len(params["rows"])]], c

    def _existing_nodes(self, m, text, params, c):
        table = self.nodes.get(m[1], {})
        return ["uid"], [[u] for u in params["uids"] if u in table], c

    def _delete_nodes(self, m, text, params, c):
        table = self.nodes.get(m[1], {})
        for u in params["uids"]:
            if table.pop(u, None) is not None:
                c.nodes_deleted += 1
                for (_t, a, b), pairs in self.rels.items():
                    for key in [k for k in pairs if (a == m[1] and k[0] == u) or (b == m[1] and k[1] == u)]:
                        del pairs[key]
        return [], [], c

    def _node_keys(self, m, text, params, c):
        return ["uid"], [[u] for u in self.nodes.get(m[1], {})], c

    def _count_nodes(self, m, text, params, c):
        return ["c"], [[len(self.nodes.get(m[1], {}))]], c

    def _rename_rel_prop(self, m, text, params, c):
        """``SET r.new = coalesce(r.new, r.old) REMOVE r.old`` on up to $n edges that have ``old``."""
        t, old, new = m[1], m[2], m[3]
        moved = 0
        for (rt, _, _), pairs in self.rels.items():
            for props in pairs.values():
                if rt == t and props.get(old) is not None and moved < params["n"]:
                    props[new] = props.get(new) if props.get(new) is not None else props.pop(old)
                    props.pop(old, None)
                    moved += 1
        return ["c"], [[moved]], c

    def _count_rels(self, m, text, params, c):
        return ["c"], [[sum(len(v) for k, v in self.rels.items() if k[0] == m[1])]], c

    def _merge_rels(self, m, text, params, c):
        a, b, t = m[1], m[2], m[3]
        pairs = self.rels.setdefault((t, a, b), {})
        merged = 0
        for row in params["rows"]:
            if row["src"] in self.nodes.get(a, {}) and row["dst"] in self.nodes.get(b, {}):
                merged += 1
                if (row["src"], row["dst"]) not in pairs:
                    pairs[(row["src"], row["dst"])] = {}
                    c.relationships_created += 1
                pairs[(row["src"], row["dst"])].update({p: row[p] for p in self._sets(text, "r")})
        return ["rows"], [[merged]], c

    def _delete_rels(self, m, text, params, c):
        pairs = self.rels.get((m[2], m[1], m[3]), {})
        for row in params["rows"]:
            if pairs.pop((row["src"], row["dst"]), None) is not None:
                c.relationships_deleted += 1
        return [], [], c

    def _rel_keys(self, m, text, params, c):
        return ["src", "dst"], [list(k) for k in self.rels.get((m[2], m[1], m[3]), {})], c

    STATEMENTS = [  # tried in this order with re.match
        (r"MERGE \(m:GraphMeta \{k: \$k\}\) SET m\.v = \$v$", _set_meta),
        (r"MATCH \(m:GraphMeta \{k: \$k\}\) RETURN m\.v AS v$", _get_meta),
        (r"UNWIND \$rows AS row\nMERGE \(n:(\w+) \{uid: row\.uid\}\)\n", _merge_nodes),
        (r"UNWIND \$uids AS u\nMATCH \(n:(\w+) \{uid: u\}\)\nRETURN n\.uid AS uid$", _existing_nodes),
        (r"UNWIND \$uids AS u\nMATCH \(n:(\w+) \{uid: u\}\)\nDETACH DELETE n$", _delete_nodes),
        (r"MATCH \(n:(\w+)\) RETURN n\.uid AS uid$", _node_keys),
        (r"MATCH \(n:(\w+)\) RETURN count\(n\) AS c$", _count_nodes),
        (r"MATCH \(\)-\[r:(\w+)\]->\(\) RETURN count\(r\) AS c$", _count_rels),
        (r"UNWIND \$rows AS row\nWITH row, row\.src AS src, row\.dst AS dst\n"
         r"MATCH \(a:(\w+) \{uid: src\}\)\nMATCH \(b:(\w+) \{uid: dst\}\)\nMERGE \(a\)-\[r:(\w+)\]->\(b\)\n", _merge_rels),
        (r"UNWIND \$rows AS row\nWITH row\.src AS src, row\.dst AS dst\n"
         r"MATCH \(a:(\w+) \{uid: src\}\)-\[r:(\w+)\]->\(b:(\w+) \{uid: dst\}\)\nDELETE r$", _delete_rels),
        (r"MATCH \(a:(\w+)\)-\[:(\w+)\]->\(b:(\w+)\) RETURN a\.uid AS src, b\.uid AS dst$", _rel_keys),
        (r"MATCH \(\)-\[r:(\w+)\]->\(\) WHERE r\.(\w+) IS NOT NULL WITH r LIMIT \$n "
         r"SET r\.(\w+) = coalesce\(r\.\3, r\.\2\) REMOVE r\.\2 RETURN count\(r\) AS c$", _rename_rel_prop),
    ]


class FakeResult:
    def __init__(self, keys, rows, counters):
        self._keys, self._rows, self._counters = keys, rows, counters

    def keys(self):
        return self._keys

    def __iter__(self):
        return iter([SimpleNamespace(values=lambda r=r: list(r)) for r in self._rows])

    def single(self, strict=False):
        assert len(self._rows) == 1
        return self._rows[0]

    def consume(self):
        return SimpleNamespace(counters=self._counters)


class FakeTx:
    def __init__(self, graph, mode):
        self.graph, self.mode = graph, mode

    def run(self, text, parameters=None):
        return FakeResult(*self.graph.handle(self.mode, text, dict(parameters or {})))


class FakeSession:
    def __init__(self, graph):
        self.graph = graph

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute_read(self, fn, *args):
        return fn(FakeTx(self.graph, "read"), *args)

    def execute_write(self, fn, *args):
        return fn(FakeTx(self.graph, "write"), *args)


class FakeDriver:
    def __init__(self, graph):
        self.graph = graph
        self.databases: list = []
        self.closed = False

    def session(self, database=None):
        self.databases.append(database)
        return FakeSession(self.graph)

    def close(self):
        self.closed = True


@pytest.fixture
def fake():
    store = Neo4jStore("neo4j+s://example.invalid", "neo4j", PASSWORD, database="credit", verify=False, batch_size=3)
    store._driver.close()
    graph = FakeGraph()
    store._driver = FakeDriver(graph)
    yield store, graph
    store.close()


def _shape(text: str) -> str:
    """A statement without its SET line (upserts send the frame's columns only)."""
    return "\n".join(line for line in text.split("\n") if not line.startswith("SET "))


def test_store_logic_on_fake_driver(fake):
    store, graph = fake
    driver = store._driver
    store.create_schema()
    assert store.schema_version() == {"model_version": MODEL.version, "signature": MODEL.signature}
    assert [t for m, t, _ in graph.sent if t.startswith("CREATE")] == schema_statements()

    e = pd.DataFrame({"uid": [f"E{i}" for i in range(7)], "name": list("甲乙丙丁戊己庚"),
                      "founded": ["2020-01-02"] * 6 + [None]})
    r = store.upsert_nodes("Enterprise", e)
    assert (r.inserted, r.updated) == (7, 0)
    r = store.upsert_nodes("Enterprise", pd.concat([e.iloc[5:], pd.DataFrame({"uid": ["E9"]})]))
    assert (r.inserted, r.updated) == (1, 2)
    assert graph.nodes["Enterprise"]["E0"]["founded"] == dt.date(2020, 1, 2)
    assert graph.nodes["Enterprise"]["E6"]["founded"] is None
    batches = [p for m, t, p in graph.sent if t.startswith("UNWIND $rows AS row\nMERGE (n:Enterprise")]
    assert [len(p["rows"]) for p in batches] == [3, 3, 1, 3]  # batch_size=3

    store.upsert_nodes("Person", pd.DataFrame({"uid": ["P1"], "name": ["张伟"]}))
    rel = pd.DataFrame({"src": ["P1", "P1", "P404"], "dst": ["E0", "E1", "E2"], "ratio": [0.5, 0.25, 1.0]})
    with pytest.raises(MissingEndpoints, match="P404"):
        store.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", rel)
    r = store.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", rel, on_missing="skip")
    assert (r.inserted, r.updated, r.skipped) == (2, 0, 1)
    r = store.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", rel.iloc[:2])
    assert (r.inserted, r.updated, r.skipped) == (0, 2, 0)

    edges = store.edges()
    assert edges[["src", "dst"]].values.tolist() == [["P1", "E0"], ["P1", "E1"]]
    assert str(edges["type"].dtype) == "category"
    counts = store.counts()
    assert (counts["Enterprise"], counts["Person"], counts["HOLDS_SHARES"]) == (8, 1, 2)
    assert set(store.node_keys("Enterprise")) == {f"E{i}" for i in range(7)} | {"E9"}

    assert store.delete_relationships("HOLDS_SHARES", "Person", "Enterprise", rel.iloc[[0, 2]]) == 1
    assert store.delete_nodes("Enterprise", ["E1", "E1", "nope"]) == 1
    assert store.counts()["HOLDS_SHARES"] == 0

    df = store.run("MATCH (n:Enterprise) RETURN n.uid AS uid, n.founded AS founded ORDER BY uid")
    assert str(df["founded"].dtype) == "datetime64[us]"

    # reads in read transactions, writes in write transactions, always on the configured database
    for mode, text, _ in graph.sent:
        writes = text.startswith(("CREATE", "DROP", "MERGE")) or any(w in text for w in ("MERGE ", "DELETE", " SET "))
        assert mode == ("write" if writes else "read"), text
    assert set(driver.databases) == {"credit"}

    # every text sent is one the linter checks (upserts: a subset of the same SET list)
    known = {_shape(s["text"]) for s in generated_statements()}
    for _, text, _ in graph.sent:
        if text.startswith("MATCH (n:Enterprise) RETURN n.uid AS uid, n.founded"):
            continue  # the ad hoc run() above
        assert _shape(text) in known, text


def test_create_schema_rebuilds_fulltext_index_when_the_model_changed(fake):
    store, graph = fake
    store.set_meta("signature", "older-model")
    store.create_schema()
    sent = [t for _, t, _ in graph.sent]
    assert DROP_FULLTEXT in sent
    assert sent.index(DROP_FULLTEXT) < max(i for i, t in enumerate(sent) if "FULLTEXT" in t)
    graph.sent.clear()
    store.create_schema()
    assert DROP_FULLTEXT not in [t for _, t, _ in graph.sent]


def test_closed_store_says_so(fake):
    store, _ = fake
    store.close()
    with pytest.raises(Neo4jStoreError, match="closed"):
        store.counts()

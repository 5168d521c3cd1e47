"""The Neo4j store against a real server (the session's: NEO4J_URI's or the local one scripts/neo4j.sh
starts): what `schema` creates on the server, the routing scheme, credentials errors."""
from __future__ import annotations

import datetime
import threading

import pandas as pd
import pytest

from creditgraph.graph.model import MODEL
from creditgraph.graph.neo4j_store import FULLTEXT_INDEX, Neo4jAuthError, Neo4jStore, fulltext_spec

pytestmark = pytest.mark.neo4j


def test_schema_creates_a_uniqueness_constraint_per_label_and_the_fulltext_index(neo4j_store):
    constraints = neo4j_store.run("SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties "
                                  "RETURN type, labelsOrTypes[0] AS label, properties")
    unique = {(r.label, tuple(r.properties)) for r in constraints.itertuples() if r.type == "UNIQUENESS"}
    assert {(label, ("uid",)) for label in MODEL.nodes} | {("GraphMeta", ("k",))} <= unique
    ft = neo4j_store.run("SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, state "
                         "RETURN name, labelsOrTypes, properties, state")
    assert ft["name"].tolist() == [FULLTEXT_INDEX]
    labels, props = fulltext_spec()
    assert sorted(ft["labelsOrTypes"].iloc[0]) == sorted(labels) and sorted(ft["properties"].iloc[0]) == sorted(props)
    assert ft["state"].iloc[0] in ("ONLINE", "POPULATING")


def test_the_constraint_refuses_a_second_node_with_the_same_uid(neo4j_store):
    from neo4j.exceptions import ConstraintError

    neo4j_store.upsert_nodes("Enterprise", pd.DataFrame({"uid": ["E1"], "name": ["甲公司"]}))
    with pytest.raises(ConstraintError):
        neo4j_store.run("CREATE (:Enterprise {uid: 'E1'})", write=True)
    assert neo4j_store.counts()["Enterprise"] == 1


def test_the_fulltext_index_finds_names(neo4j_store):
    neo4j_store.upsert_nodes("Enterprise", pd.DataFrame({"uid": ["E1", "E2"], "name": ["宁波海曙贸易有限公司", "杭州西湖科技有限公司"]}))
    neo4j_store.run("CALL db.awaitIndexes(60)")
    hits = neo4j_store.run(f"CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $q) YIELD node RETURN node.uid AS uid",
                           {"q": '"海曙贸易"'})
    assert hits["uid"].tolist() == ["E1"]


def test_the_routing_scheme_serves_reads_and_writes_on_one_server(neo4j_server, neo4j_store):
    """``neo4j://`` asks the server for a routing table (as with a cluster) and sends reads and writes
    where it says; against a single server every role is that server."""
    uri = neo4j_server.uri.replace("bolt://", "neo4j://", 1)
    if not uri.startswith("neo4j"):
        pytest.skip(f"the session's server is given as {neo4j_server.uri.split('://')[0]}://")
    with Neo4jStore(uri, neo4j_server.user, neo4j_server.password, neo4j_server.database) as routed:
        routed.upsert_nodes("Person", pd.DataFrame({"uid": ["P1", "P2"], "name": ["张伟", "王芳"]}))
        assert routed.counts()["Person"] == 2
        assert sorted(routed.node_keys("Person")) == ["P1", "P2"]
    assert neo4j_store.counts()["Person"] == 2


def test_a_wrong_password_is_one_line_without_the_password(neo4j_server):
    wrong = "Not-The-Password-4711"
    with pytest.raises(Neo4jAuthError) as info:
        Neo4jStore(neo4j_server.uri, neo4j_server.user, wrong, neo4j_server.database)
    message = str(info.value)
    assert wrong not in message and "\n" not in message
    assert "NEO4J_PASSWORD" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


# Neo4j reads are read-committed, not snapshots: a reader's statement that runs while a commit is
# being applied may see part of it (seen here: Enterprise count new, HOLDS_SHARES count old). What an
# atomic() block guarantees is that nothing of it is visible before the commit, all of it after.
STATE = ("MATCH (e:Enterprise) WITH count(e) AS firms "
         "OPTIONAL MATCH ()-[h:HOLDS_SHARES]->() WITH firms, count(h) AS holds "
         "OPTIONAL MATCH (m:GraphMeta {k: 'graph_version'}) RETURN firms, holds, m.v AS version")


def _reader(settings, seen: list, stop) -> None:
    """Another client reading counts and the graph version in a loop until told to stop."""
    with Neo4jStore(settings.uri, settings.user, settings.password, settings.database) as other:
        while not stop.is_set():
            firms, holds, version = other.run(STATE).iloc[0].tolist()
            seen.append((int(firms), int(holds), version))


def _wait_for(seen: list, more: int) -> None:
    start = len(seen)
    while len(seen) < start + more:
        threading.Event().wait(0.01)


def test_an_atomic_block_is_invisible_to_another_reader_until_it_commits(neo4j_server, neo4j_store):
    """Writes of many batches inside atomic(): a reader in a loop sees the graph as it was until the
    commit (also while the transaction is open between batches), and all of it after the commit."""
    neo4j_store.batch_size = 100
    neo4j_store.set_meta("graph_version", "1")
    firms = pd.DataFrame({"uid": [f"E{i:04d}" for i in range(1000)], "name": "某公司"})
    holds = pd.DataFrame({"src": firms["uid"].iloc[:500].to_numpy(), "dst": firms["uid"].iloc[500:].to_numpy()})
    seen: list = []
    stop = threading.Event()
    reader = threading.Thread(target=_reader, args=(neo4j_server, seen, stop))
    reader.start()
    try:
        _wait_for(seen, 3)
        with neo4j_store.atomic():
            neo4j_store.upsert_nodes("Enterprise", firms)  # 10 batches
            _wait_for(seen, 5)  # the reader reads while the transaction is open
            assert neo4j_store.upsert_relationships("HOLDS_SHARES", "Enterprise", "Enterprise", holds).inserted == 500
            assert neo4j_store.counts()["Enterprise"] == 1000  # the block reads its own writes
            neo4j_store.set_meta("graph_version", "2")
            _wait_for(seen, 3)
            before_commit = len(seen)
        after_commit = len(seen)
        _wait_for(seen, 3)
    finally:
        stop.set()
        reader.join()
    assert set(seen[:before_commit]) == {(0, 0, "1")}
    assert set(seen[after_commit + 1:]) == {(1000, 500, "2")}  # +1: a read may have begun during the commit


def test_a_commit_is_bracketed_by_the_committing_marker_a_reader_sees(neo4j_server, neo4j_store):
    """While an atomic() block's commit is applied, another reader's read_version() says so; before the
    commit and after it, not (docs/neo4j.md: the reader protocol)."""
    neo4j_store.set_meta("graph_version", "1")
    with Neo4jStore.from_settings(neo4j_server) as other:
        during: list = []
        with neo4j_store.atomic():
            neo4j_store.set_meta("graph_version", "2")
            assert other.read_version() == ("1", False)  # open, uncommitted: invisible, no marker yet
            tx = neo4j_store._tx
            real_commit = tx.commit

            def observed_commit():
                during.append(other.read_version())
                real_commit()

            tx.commit = observed_commit
        assert during == [("1", True)]
        assert other.read_version() == ("2", False)


def test_a_stale_committing_marker_is_cleared_by_the_next_writer_and_a_fresh_one_is_not(neo4j_store):
    neo4j_store.set_meta("committing", "2020-01-01T00:00:00+00:00")  # a writer killed in its commit, long ago
    neo4j_store.create_schema()
    assert neo4j_store.read_version()[1] is False
    fresh = datetime.datetime.now(datetime.timezone.utc).isoformat()
    neo4j_store.set_meta("committing", fresh)  # a commit being applied right now
    neo4j_store.create_schema()
    assert neo4j_store.read_version()[1] is True


def test_an_atomic_block_that_raises_leaves_nothing(neo4j_store):
    with pytest.raises(RuntimeError, match="midway"), neo4j_store.atomic():
        neo4j_store.upsert_nodes("Enterprise", pd.DataFrame({"uid": ["E1", "E2"], "name": ["甲", "乙"]}))
        raise RuntimeError("midway")
    assert neo4j_store.counts()["Enterprise"] == 0
    neo4j_store.upsert_nodes("Enterprise", pd.DataFrame({"uid": ["E1"], "name": ["甲"]}))  # usable again
    assert neo4j_store.counts()["Enterprise"] == 1


SEARCH_NAMES = ["杭州西湖科技有限公司", "某某（杭州）科技有限责任公司", "ABC科技（宁波）有限公司", "宁波海曙贸易有限公司",
                "杭州科技城开发有限公司", "西湖区杭州路小吃店", "浙江杭州湾建设有限公司"]


def _plan_operators(plan) -> list[str]:
    out = [plan.get("operatorType", "") if isinstance(plan, dict) else plan.operator_type]
    children = plan.get("children", []) if isinstance(plan, dict) else plan.children
    for child in children:
        out += _plan_operators(child)
    return out


def test_search_uses_the_fulltext_index_and_finds_what_the_embedded_store_finds(neo4j_store, embedded_store):
    from creditgraph.graph.normalize import name_key
    from creditgraph.graph import cypher
    from creditgraph.queries.search import fulltext_phrase, search

    names = pd.Series(SEARCH_NAMES)
    df = pd.DataFrame({"uid": [f"E{i}" for i in range(len(names))], "name": names, "name_key": name_key(names)})
    for store in (neo4j_store, embedded_store):
        store.upsert_nodes("Enterprise", df)
    neo4j_store.run("CALL db.awaitIndexes(60)")
    for text in ("杭州", "杭州科技", "科技有限公司", "西湖", "某某杭州", "ABC", "杭", "湾建"):
        got = search(neo4j_store, text, kinds=("Enterprise",))["uid"].tolist()
        assert got == search(embedded_store, text, kinds=("Enterprise",))["uid"].tolist(), text
    # brackets are not in the name key: 某某（杭州）科技 contains 杭州科技, 杭州西湖科技 does not
    assert search(neo4j_store, "杭州科技", kinds=("Enterprise",))["uid"].tolist() == ["E4", "E1"]
    # the plan of a Chinese-name search starts from the full-text index
    text = cypher.get("search_enterprise_name").text("neo4j")
    params = {"key": "杭州科技", "ft": fulltext_phrase("杭州科技"), "limit": 50, "as_of": datetime.date.today()}
    with neo4j_store._driver.session(database=neo4j_store.database) as session:
        plan = session.run("EXPLAIN " + text, params).consume().plan
    ops = " ".join(_plan_operators(plan))
    assert "ProcedureCall" in ops, ops

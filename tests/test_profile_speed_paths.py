"""The profile's fast paths (issue 19: the API's profile throughput at 1M enterprises) give the answers of
the paths they replace, on the synthetic graph:

* related parties read by keyed hops on LadybugDB (queries.profile.related_rows) = the rows of the
  two-hop Cypher queries ``profile_related_enterprise`` / ``profile_related_person``, on several days
  (roles that ended before the day included);
* active penalties read per label = the union query ``profile_active_counts``;
* the whole graph's name hubs read per party (queries.name_hubs.NameHubIndex) = ``name_hubs_of``;
* a profile given that index = the profile without it; a profile given a pending index says so;
* the per-version cache the servers share (app.stores.NameHubCache) and the API's health and profile.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pandas as pd
import pytest

from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.queries.name_hubs import NameHubIndex, PendingNameHubs, name_hubs_of
from creditgraph.queries.profile import RELATED_LIMIT, active_counts, profile, related_rows
from tests.test_app_pages import synth_graph

DAYS = [None, dt.date(2019, 6, 1), dt.date(2022, 1, 1)]


@pytest.fixture(scope="module")
def g():
    graph = synth_graph(enterprises=1200, seed=5)
    with EmbeddedStore(graph.db, read_only=True) as store:
        yield store


def _cell(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (list, tuple)):
        return tuple(_cell(x) for x in v)
    if hasattr(v, "tolist") and not isinstance(v, str):
        return _cell(v.tolist())
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return bool(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v if isinstance(v, (str, int, float)) else str(v)


def rows(df: pd.DataFrame, cols=None) -> list[tuple]:
    cols = list(df.columns) if cols is None else cols
    return sorted((tuple(_cell(v) for v in r) for r in df[cols].itertuples(index=False)), key=repr)


def records(df: pd.DataFrame) -> list[dict]:
    return [{k: _cell(v) for k, v in r.items()} for r in df.to_dict("records")]


def parties(g, n: int = 120):
    """Enterprises and people with roles (current and former), the people with several roles first."""
    reps = g.run("MATCH (p:Person)-[r:LEGAL_REP|HOLDS_SHARES]->(e:Enterprise) "
                 "RETURN p.uid AS p, e.uid AS e, r.valid_to AS valid_to")
    busy = reps.groupby("p").size().sort_values(ascending=False).index.tolist()
    former = reps.loc[reps["valid_to"].notna(), "p"].drop_duplicates().tolist()
    people = list(dict.fromkeys([*busy[:n // 2], *former[:n // 4], *reps["p"].drop_duplicates().sample(
        min(n // 4, reps["p"].nunique()), random_state=1)]))
    hubs = reps.groupby("e").size().sort_values(ascending=False).index.tolist()
    ents = list(dict.fromkeys([*hubs[:n // 2], *reps.loc[reps["valid_to"].notna(), "e"].tolist()[:n // 4],
                               *g.node_keys("Enterprise").sample(n // 4, random_state=2).tolist()]))
    return [("Enterprise", u) for u in ents] + [("Person", u) for u in people]


def test_related_rows_read_by_keyed_hops_are_the_cypher_rows(g):
    assert g.dialect == "ladybug"
    compared = former_seen = 0
    for label, uid in parties(g):
        name = "profile_related_enterprise" if label == "Enterprise" else "profile_related_person"
        for d in DAYS:
            day = d or dt.date.today()
            old = g.query(name, {"uid": uid, "limit": RELATED_LIMIT, "as_of": day})
            new = related_rows(g, uid, label, day)
            assert list(new.columns) == list(old.columns)
            if len(old) < RELATED_LIMIT:  # (a branch over the limit: the query keeps any LIMIT rows)
                assert rows(new) == rows(old), (label, uid, day)
            compared += 1
            former_seen += bool(len(old))
    assert compared >= 400 and former_seen >= 100


def test_related_rows_are_in_one_order_whatever_the_store_returned(g):
    label, uid = next((lab, u) for lab, u in parties(g) if len(related_rows(g, u, lab, dt.date.today())) >= 3)
    df = related_rows(g, uid, label, dt.date.today())
    assert df.equals(df.sort_values(["uid", "via_label", "via_uid", "via_rel", "rel"], kind="stable")
                     .reset_index(drop=True))


def test_a_branch_over_the_limit_keeps_limit_rows_of_its_own(g):
    label, uid = max(parties(g), key=lambda p: len(related_rows(g, p[1], p[0], dt.date.today(), limit=10_000)))
    everything = related_rows(g, uid, label, dt.date.today(), limit=10_000)
    cut = related_rows(g, uid, label, dt.date.today(), limit=2)
    assert len(cut) <= 2 * 5 and set(rows(cut)) <= set(rows(everything))


def test_active_counts_per_label_are_the_union_query(g):
    uids = [u for _, u in parties(g, 60)] + ["no such uid", "ID:no such person"]
    for day in DAYS:
        old = g.query("profile_active_counts", {"uids": sorted(set(uids)), "as_of": day or dt.date.today()})
        assert active_counts(g, uids, day) == dict(zip(old["uid"], old["active_penalties"].astype(int)))


@pytest.fixture(scope="module")
def index(g):
    return NameHubIndex.build(g, min_companies=2)  # the synthetic graph has no hub of 5 companies


def hub_world():
    """Three name hubs of six companies (queries.name_hubs' defaults): 赵敏 at one address (corroborated),
    王伟 with nothing shared (name only), 李娜 with two records linked as one person and one role that
    ended in 2020; and an enterprise with a person known by ID number."""
    nodes, rels = [], []
    for name, region, address in (("赵敏", "330203", True), ("王伟", "330106", False), ("李娜", "330502", False)):
        for i in range(6):
            e = f"{name}{i}"
            nodes += [("Enterprise", e, {"name": f"{name}{i}号公司", "region": region, "founded": f"{2005 + 3 * i}-01-01",
                                         "authority": f"局{i}"}), ("Person", f"NM:{e}:{name}", {"name": name})]
            rels.append(("LEGAL_REP", f"NM:{e}:{name}", e, {"valid_to": "2020-01-01"} if (name, i) == ("李娜", 5) else {}))
            addr = f"{name}路1号" if address else f"{name}路{100 + i}号"
            if not any(n[1] == addr for n in nodes):
                nodes.append(("Address", addr, {"text": addr, "cluster": False}))
            rels.append(("HAS_ADDRESS", e, addr))
    rels.append(("POSSIBLY_SAME_AS", "NM:李娜0:李娜", "NM:李娜1:李娜", {"score": 0.95, "evidence": "同名 + 同一电话"}))
    nodes += [("Enterprise", "E9", {"name": "九号公司", "region": "330203"}), ("Person", "ID:p9", {"name": "钱九"})]
    rels += [("LEGAL_REP", "ID:p9", "E9"), ("HOLDS_SHARES", "ID:p9", "赵敏0", {"ratio": 0.5})]
    return nodes, rels


@pytest.fixture
def hubs(embedded_store):
    from creditgraph.queries.testing import load

    load(embedded_store, *hub_world())
    return embedded_store


def test_the_whole_graph_index_answers_as_name_hubs_of(g, index):
    assert len(index) > 0
    members = sorted({u for es in index.table["enterprise_uids"] for u in es}
                     | {u for ms in index.table["identity_members"] for u in ms})
    for uid in [*members[:150], *(u for _, u in parties(g, 40))]:
        want = name_hubs_of(g, uid, min_companies=2)
        assert records(index.of(uid)) == records(want), uid
        assert records(name_hubs_of(g, uid, min_companies=2, index=index)) == records(want)
    past = NameHubIndex.build(g, as_of="2019-06-01", min_companies=2)
    for uid in members[:40]:
        assert records(past.of(uid)) == records(name_hubs_of(g, uid, as_of="2019-06-01", min_companies=2))
    # an index of another day or other parameters is not used
    assert records(name_hubs_of(g, members[0], as_of="2019-06-01", min_companies=2, index=index)) == \
        records(name_hubs_of(g, members[0], as_of="2019-06-01", min_companies=2))
    assert records(name_hubs_of(g, members[0], index=index)) == records(name_hubs_of(g, members[0]))


def test_a_profile_with_the_index_is_the_profile_without_it(hubs):
    index = NameHubIndex.build(hubs)
    assert sorted(index.table["confidence"]) == ["corroborated", "name only", "weak"]
    uids = [*(f"{n}{i}" for n in ("赵敏", "王伟", "李娜") for i in (0, 1, 5)), "NM:赵敏2:赵敏", "NM:李娜1:李娜",
            "NM:李娜5:李娜", "E9", "ID:p9"]
    for uid in uids:
        for as_of in (None, dt.date.today(), "2019-06-01"):
            a = profile(hubs, uid, analyses={}, as_of=as_of)
            b = profile(hubs, uid, analyses={}, as_of=as_of, name_hubs=index)
            assert a.keys() == b.keys()
            for k in a:
                if k == "generated_at":
                    continue
                if isinstance(a[k], pd.DataFrame):
                    assert records(a[k]) == records(b[k]), (uid, k)
                else:
                    assert _cell(a[k]) == _cell(b[k]), (uid, k)
    sig = profile(hubs, "赵敏1", analyses={}, name_hubs=index)["signals"]
    assert sig.loc[sig["source"] == "name_hubs", "level"].tolist() == ["high"]


def test_a_pending_index_makes_the_signal_say_it_is_being_computed(hubs):
    sig = profile(hubs, "赵敏1", analyses={}, name_hubs=PendingNameHubs(dt.date.today()))["signals"]
    assert sig.loc[sig["source"] == "name_hubs", "value"].tolist() == ["计算中 computing"]
    sig = profile(hubs, "赵敏1", analyses={}, name_hubs=PendingNameHubs(dt.date.today(), "RuntimeError: boom"))["signals"]
    assert sig.loc[sig["source"] == "name_hubs", "value"].tolist() == ["不可用 unavailable"]
    # a past day's profile reads its own hubs, whatever is pending for today
    past = profile(hubs, "赵敏1", analyses={}, as_of="2024-01-01", name_hubs=PendingNameHubs(dt.date.today()))["signals"]
    assert past.loc[past["source"] == "name_hubs", "level"].tolist() == ["high"]


def test_the_servers_cache_computes_once_per_version(monkeypatch):
    from creditgraph.app.stores import NameHubCache, StoreHolder, store_version
    from creditgraph.graph.config import load_settings

    graph = synth_graph(enterprises=1200, seed=5)
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=graph.db)
    holder = StoreHolder(settings)
    try:
        version = store_version(holder.get())
        cache = NameHubCache(settings)
        first = cache.get(version)
        assert isinstance(first, (PendingNameHubs, NameHubIndex))
        ready = cache.get(version, wait=120)
        assert isinstance(ready, NameHubIndex) and ready.version == version and cache.state(version) == "ready"
        assert cache.get(version) is ready  # computed once
        other = cache.get("v999999", wait=60)  # not the version the graph holds: tried again on the next ask
        assert isinstance(other, PendingNameHubs) and "replaced by " + version in (other.error or "")
        assert cache.state("v999999") == "computing"
    finally:
        holder.close()


def test_each_thread_reads_through_its_own_connection():
    import threading

    from creditgraph.app.stores import StoreHolder
    from creditgraph.graph.config import load_settings

    graph = synth_graph(enterprises=1200, seed=5)
    holder = StoreHolder(dataclasses.replace(load_settings(), store="embedded", db_path=graph.db))
    try:
        seen = []

        def read():
            s = holder.get()
            seen.append((s, s._conn, len(s.query("profile_enterprise", {"uid": "x"}))))

        threads = [threading.Thread(target=read) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(c) for _, c, _ in seen}) == 3 and all(n == 0 for *_, n in seen)
        assert holder.get() is holder.get()  # one view per thread
    finally:
        holder.close()


def test_the_api_with_profile_workers_answers_as_without(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from creditgraph.app.api import create_app
    from creditgraph.app.api_keys import add_key
    from creditgraph.app.audit import read_events
    from creditgraph.graph.config import load_settings
    from creditgraph.queries.testing import load
    from tests.test_api import api_world
    from tests.worlds import E1, E3

    root = tmp_path / "graph"
    nodes, rels = hub_world()
    a_nodes, a_rels = api_world()
    with EmbeddedStore(root) as store:
        load(store, nodes + a_nodes, rels + a_rels)
    config, audit = tmp_path / "creditgraph.toml", tmp_path / "audit.jsonl"
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(config))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(audit))
    key = add_key(config, "tender", "investigator", 10_000)[1]
    slow = add_key(config, "slow", "investigator", 2)[1]
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=root)
    answers = {}
    for workers in (0, 1):
        app = create_app(settings, workers=workers)
        with TestClient(app) as client:
            health = client.get("/v1/health").json()
            assert health["name_hubs"] in ("ready", "computing")
            app.state.name_hubs.join(60)
            assert client.get("/v1/health").json()["name_hubs"] == "ready"
            got = {}
            for uid in (E1, E3, "赵敏1", "NM:赵敏2:赵敏", "ID:p9"):
                r = client.get(f"/v1/profile/{uid}", headers={"X-API-Key": key})
                assert r.status_code == 200, r.text
                got[uid] = r.json()
            assert client.get("/v1/profile/nobody", headers={"X-API-Key": key}).status_code == 404
            # the key's rate limit is the server's, whatever the workers
            assert [client.get(f"/v1/profile/{E1}", headers={"X-API-Key": slow}).status_code
                    for _ in range(3)] == [200, 200, 429]
            answers[workers] = got
        app.state.store.close()
    assert answers[0] == answers[1]
    hub = [s for s in answers[1]["赵敏1"]["signals"] if s["source"] == "name_hubs"]
    assert len(hub) == 1 and hub[0]["level"] == "high"
    assert sum(e["event"] == "profile_view" for e in read_events(audit)) == 2 * 9

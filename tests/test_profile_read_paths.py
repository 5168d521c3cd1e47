"""The profile's faster read paths give what the slower ones gave, on both stores: the whole graph's
active penalty counts (``ActiveCounts``, built once per graph version by a server) against the per-party
query, and the parties sharing an address, phone or e-mail read from the keyed contact node against the
two-hop queries ``profile_related_enterprise`` / ``profile_related_person``."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from creditgraph.queries.profile import profile
from creditgraph.queries.profile_related import RELATED_LIMIT, ActiveCounts, active_counts, related_rows
from creditgraph.queries.testing import load

E1, E2, E3, E4 = "91330100MA2H000011", "91330100MA2H000022", "91330100MA2H000033", "91330100MA2H000044"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
NODES = [
    ("Enterprise", E1, {"name": "甲科技有限公司", "status": "存续", "region": "330100"}),
    ("Enterprise", E2, {"name": "乙控股有限公司", "status": "存续", "region": "330100"}),
    ("Enterprise", E3, {"name": "丙贸易有限公司", "status": "注销", "region": "330200"}),
    ("Enterprise", E4, {"name": "丁商行", "status": "存续"}),
    ("Person", "ID:1", {"name": "张三", "id_masked": "330100********1111", "region": "330100"}),
    ("Person", "ID:2", {"name": "李四", "id_masked": "330100********2222"}),
    ("Person", "NM:" + E4 + ":王五", {"name": "王五"}),
    ("Address", "ADDR:杭州市文一路1号", {"text": "杭州市文一路1号"}),
    ("Address", "ADDR:宁波市中山路9号", {"text": "宁波市中山路9号", "cluster": True}),
    ("Phone", "13800000001", {"masked": "138****0001"}),
    ("Email", "a@b.cn", {"masked": "a***@b.cn"}),
    # events: counted when active and decided by today (undated ones count); not when removed, disputed
    # or decided tomorrow
    ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "status": "active", "decided": "2023-05-01"}),
    ("PenaltyEvent", "AP:2", {"kind": "administrative_penalty", "status": "active"}),
    ("PenaltyEvent", "AP:3", {"kind": "administrative_penalty", "status": "repaired", "decided": "2022-01-01"}),
    ("PenaltyEvent", "AP:4", {"kind": "administrative_penalty", "status": "disputed", "decided": "2022-01-01"}),
    ("PenaltyEvent", "AP:5", {"kind": "administrative_penalty", "status": "active", "decided": TOMORROW}),
    ("PenaltyEvent", "DD:1", {"kind": "dishonest_debtor", "status": "active", "decided": "2021-03-01"}),
]
RELS = [
    ("LEGAL_REP", "ID:1", E1, {"valid_from": "2018-01-01"}),
    ("LEGAL_REP", "ID:1", E2, {"valid_from": "2019-01-01", "valid_to": "2023-01-01", "ended_by": "replaced"}),
    ("LEGAL_REP", "ID:2", E2, {"valid_from": "2023-01-01"}),
    ("LEGAL_REP", "NM:" + E4 + ":王五", E4, {}),
    ("HOLDS_SHARES", "ID:2", E1, {"ratio": 0.4}),
    ("HOLDS_SHARES", E2, E1, {"ratio": 0.6}),
    ("HOLDS_SHARES", E1, E3, {"ratio": 1.0}),
    ("HAS_ADDRESS", E1, "ADDR:杭州市文一路1号", {}),
    ("HAS_ADDRESS", E2, "ADDR:杭州市文一路1号", {}),
    ("HAS_ADDRESS", E3, "ADDR:宁波市中山路9号", {}),
    ("HAS_ADDRESS", E4, "ADDR:宁波市中山路9号", {}),
    ("HAS_PHONE", E1, "13800000001", {}),
    ("HAS_PHONE", "ID:2", "13800000001", {}),
    ("HAS_PHONE", E4, "13800000001", {}),
    ("HAS_EMAIL", E2, "a@b.cn", {}),
    ("HAS_EMAIL", "ID:1", "a@b.cn", {}),
    ("POSSIBLY_SAME_AS", "ID:1", "NM:" + E4 + ":王五", {"score": 0.7, "evidence": "同名; 同一电话"}),
    ("PENALIZED", E1, "AP:1", {"role": "subject"}),
    ("PENALIZED", E1, "AP:2", {"role": "subject"}),
    ("PENALIZED", E1, "AP:3", {"role": "subject"}),
    ("PENALIZED", E2, "AP:4", {"role": "subject"}),
    ("PENALIZED", E2, "AP:5", {"role": "subject"}),
    ("PENALIZED", "ID:2", "DD:1", {"role": "subject"}),
]
PARTIES = [("Enterprise", E1), ("Enterprise", E2), ("Enterprise", E3), ("Enterprise", E4), ("Person", "ID:1"),
           ("Person", "ID:2"), ("Person", "NM:" + E4 + ":王五")]


@pytest.fixture
def g(store):
    load(store, NODES, RELS)
    return store


def _cell(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (list, tuple)) or (hasattr(v, "tolist") and not isinstance(v, str)):
        return tuple(_cell(x) for x in (v.tolist() if hasattr(v, "tolist") else v))
    if type(v).__name__ in ("bool", "bool_"):
        return bool(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v if isinstance(v, (str, int, float)) else str(v)


def _rows(df: pd.DataFrame) -> list[tuple]:
    return sorted((tuple(_cell(v) for v in r) for r in df.itertuples(index=False)), key=repr)


def test_the_whole_graph_counts_are_the_per_party_query(g):
    uids = [u for _, u in PARTIES] + ["91330100MA2H000099"]  # and one not in the graph
    index = ActiveCounts.build(g)
    by_query = active_counts(g, uids)
    assert index.of(uids) == {u: by_query.get(u, 0) for u in uids}
    assert index.of([E1, E2, "ID:2"]) == {E1: 2, E2: 0, "ID:2": 1}  # repaired, disputed, tomorrow's: not active
    assert active_counts(g, uids, index=index) == index.of(uids)


def test_a_past_day_is_not_read_off_todays_counts(g):
    index = ActiveCounts.build(g)
    assert active_counts(g, [E1], as_of="2022-01-01", index=index) == {E1: 1}  # the undated one only


def test_a_profile_with_the_counts_is_the_profile_without_them(g):
    index = ActiveCounts.build(g)
    for _, uid in PARTIES:
        a, b = profile(g, uid, analyses={}, active=index), profile(g, uid, analyses={})
        for key in a:
            if isinstance(a[key], pd.DataFrame):
                assert _rows(a[key]) == _rows(b[key]), (uid, key)
            elif key != "generated_at":
                assert a[key] == b[key], (uid, key)


@pytest.mark.parametrize("day", [None, dt.date(2020, 6, 1)])
def test_contacts_read_from_the_keyed_node_are_the_two_hop_rows(g, day):
    day = day or dt.date.today()
    seen = 0
    for label, uid in PARTIES:
        name = "profile_related_enterprise" if label == "Enterprise" else "profile_related_person"
        old = g.query(name, {"uid": uid, "limit": RELATED_LIMIT, "as_of": day})
        new = related_rows(g, uid, label, day)
        assert list(new.columns) == list(old.columns)
        assert _rows(new) == _rows(old), (label, uid, day)
        seen += int((new["via_label"].isin(["Address", "Phone", "Email"])).sum())
    assert seen >= 8  # the shared address, phone and e-mail were all met

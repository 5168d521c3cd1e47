"""The profile read as records (``profile_records``, what the HTTP API serialises) is the profile the app
shows (``profile``, its DataFrames), on both stores: a named query's rows as dicts (``GraphStore.records``)
are its DataFrame's rows, the API's JSON of either is the same bytes, and the frames keep the engine's
column types (dates as datetime64 also when every value is missing)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from creditgraph.app.api import profile_json
from creditgraph.graph.config import load_settings
from creditgraph.graph.store import Rows
from creditgraph.queries.profile import profile, profile_records
from creditgraph.queries.profile_history import sort_rows
from creditgraph.queries.testing import load
from tests.test_profile_read_paths import NODES, PARTIES, RELS, _cell

QUERIES = ["profile_enterprise", "profile_person", "profile_legal_reps", "profile_shareholders", "profile_roles",
           "profile_holdings", "profile_penalties", "profile_related_enterprise_roles", "profile_related_person_roles",
           "profile_contact_nodes_enterprise", "profile_contact_nodes_person"]


def _value(v):
    """A cell compared: dates and datetimes as their day or time (a date read as a record, a Timestamp in a frame)."""
    if isinstance(v, (dt.date, pd.Timestamp)) and not pd.isna(v):
        return pd.Timestamp(v).isoformat()
    return _cell(v)


@pytest.fixture
def g(store):
    load(store, NODES, RELS)
    return store


def test_a_named_querys_records_are_its_frames_rows(g):
    compared = 0
    for _, uid in [*PARTIES, ("Enterprise", "91330100MA2H000099")]:  # and one not in the graph: no rows
        for name in QUERIES:
            df, rows = g.query(name, {"uid": uid}), g.records(name, {"uid": uid})
            assert rows.columns == list(df.columns), (name, uid)
            assert [[_value(r[c]) for c in rows.columns] for r in rows] == \
                [[_value(v) for v in r] for r in df.itertuples(index=False)], (name, uid)
            compared += len(rows)
    assert compared >= 30


@pytest.mark.parametrize("day", [None, "2020-06-01"])
def test_the_apis_json_of_the_records_is_that_of_the_frames(g, day):
    settings = load_settings()
    for _, uid in PARTIES:
        a, b = profile_records(g, uid, analyses={}, as_of=day), profile(g, uid, analyses={}, as_of=day)
        a["generated_at"] = b["generated_at"] = None
        assert profile_json(settings, "v", uid, None, a) == profile_json(settings, "v", uid, None, b), uid
        assert {k for k, v in a.items() if isinstance(v, Rows)} == {k for k, v in b.items() if isinstance(v, pd.DataFrame)}


def test_the_frames_keep_dates_as_datetimes(g):
    p = profile(g, "91330100MA2H000011", analyses={})
    assert len(p["legal_reps"]) == 1 and p["legal_reps"]["valid_from"].dtype == "datetime64[us]"
    assert p["former_legal_reps"].empty and p["penalties"]["decided"].dtype == "datetime64[us]"


def test_rows_frame_types_columns_of_nulls_by_the_engines_type():
    rows = Rows(["d", "x", "n", "s"], [{"d": None, "x": None, "n": None, "s": None}, {"d": None, "x": 1.5, "n": None, "s": "a"}],
                {"d": "DATE", "n": "INT64", "s": "STRING"})
    df = rows.frame()
    assert [str(t) for t in df.dtypes] == ["datetime64[us]", "float64", "float64", "str"]
    assert list(Rows(["a", "b"]).frame().columns) == ["a", "b"]


def test_the_embedded_stores_records_carry_the_column_types(tmp_path):
    from creditgraph.graph.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "graph") as s:
        load(s, NODES, RELS)
        rows = s.records("profile_legal_reps", {"uid": "91330100MA2H000011"})
        assert rows.types["valid_to"] == "DATE" and rows[0]["valid_to"] is None
        assert rows.frame()["valid_to"].dtype == "datetime64[us]"


def test_sort_rows_orders_as_pandas_sort_values():
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(0, 30))
        df = pd.DataFrame({"a": rng.choice([1.0, 2.0, 3.0, np.nan], n), "b": rng.choice(["x", "y", "甲", None], n),
                           "c": rng.choice([dt.date(2020, 1, 1), dt.date(2021, 1, 1), None], n), "i": range(n)})
        for keys in ([("a", False), ("b", True)], [("b", True), ("c", False)], [("c", False), ("a", True), ("b", False)]):
            want = df.sort_values([k for k, _ in keys], ascending=[asc for _, asc in keys], kind="stable",
                                  na_position="last")["i"].tolist()
            got = [r["i"] for r in sort_rows(df.astype(object).where(df.notna(), None).to_dict("records"), keys)]
            assert got == want, keys

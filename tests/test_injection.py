"""Hostile input against search, profile, paths and every analysis on the embedded store.

Each call must either return normally or raise a ValueError / KeyError with a short, clear message
(no engine error text, no echo of a 1 MB input), and the graph must be exactly as before: same
counts, same properties (a hash of a full dump).
"""
from __future__ import annotations

import hashlib
import json

import pytest

from creditgraph import queries
from creditgraph.graph.inputs import InputError, clean_text
from creditgraph.queries.profile import profile
from creditgraph.queries.search import lookup, search
from creditgraph.queries.testing import toy_store
from tests.hostile_strings import HOSTILE

U1, U2, U3 = "91330503735242721D", "92330281MA2ENBUA1R", "913303817345395239"

ENGINE_WORDS = ("exception:", "Binder", "Parser", "Catalog", "pybind", "PYBIND11", "Unable to cast", "Traceback",
                "Neo.ClientError", "RuntimeError", "std::")
CLEAR_ERRORS = (ValueError, KeyError, LookupError)


@pytest.fixture(scope="module")
def toy():
    s = toy_store(
        [
            ("Region", "330503", {"name": "南浔区", "level": "county"}),
            ("Enterprise", U1, {"uscc": U1, "name": "湖州某某贸易有限公司", "name_key": "湖州某某贸易有限公司", "region": "330503",
                                "status": "存续", "founded": "2020-01-01"}),
            ("Enterprise", U2, {"uscc": U2, "name": "湖州另一贸易有限公司", "name_key": "湖州另一贸易有限公司", "region": "330503",
                                "status": "注销", "founded": "2020-02-01", "dissolved": "2021-01-01"}),
            ("Enterprise", U3, {"uscc": U3, "name": "O'Brien 贸易有限公司", "name_key": "OBRIEN贸易有限公司", "region": "330503"}),
            ("Person", "ID:zs", {"name": "张三", "id_masked": "330503********123X"}),
            ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2023-05-01", "status": "active"}),
            ("PenaltyEvent", "AP:2", {"kind": "administrative_penalty", "decided": "2023-06-01", "status": "active"}),
            ("Phone", "13800001111", {"masked": "138****1111"}),
        ],
        [
            ("LEGAL_REP", "ID:zs", U1, {"position": "执行董事"}),
            ("LEGAL_REP", "ID:zs", U2, {"position": "经理"}),
            ("HOLDS_SHARES", "ID:zs", U1, {"ratio": 0.6}),
            ("HOLDS_SHARES", U1, U3, {"ratio": 1.0}),
            ("PENALIZED", U1, "AP:1", {"role": "subject"}),
            ("PENALIZED", U2, "AP:2", {"role": "subject"}),
            ("HAS_PHONE", U1, "13800001111", {}),
            ("HAS_PHONE", U3, "13800001111", {}),
            ("REGISTERED_IN", U1, "330503", {}),
        ],
    )
    yield s
    s.close()


def fingerprint(store) -> tuple[dict, str]:
    """Counts, and a SHA-256 of every node's and relationship's properties."""
    from creditgraph.graph.model import MODEL

    dump = []
    for label in MODEL.nodes:
        df = store.run(f"MATCH (n:{label}) RETURN n AS n")
        dump.extend(sorted(json.dumps(x, sort_keys=True, default=str, ensure_ascii=False) for x in df["n"]))
    for rtype, rel in MODEL.rels.items():
        for a, b in rel.pairs:
            df = store.run(f"MATCH (x:{a})-[r:{rtype}]->(y:{b}) RETURN x.uid AS s, y.uid AS d, r AS r")
            dump.extend(sorted(json.dumps([s, d, r], sort_keys=True, default=str, ensure_ascii=False)
                               for s, d, r in zip(df["s"], df["d"], df["r"])))
    return store.counts(), hashlib.sha256("\n".join(dump).encode()).hexdigest()


@pytest.fixture(scope="module")
def before(toy):
    return fingerprint(toy)


def call(fn, *args, **kw):
    """Run; a refusal must be a clear ValueError / KeyError (short, no engine text)."""
    try:
        fn(*args, **kw)
    except CLEAR_ERRORS as exc:
        msg = str(exc)
        assert len(msg) < 1500, f"{type(exc).__name__} message of {len(msg):,} characters"
        assert not any(w in msg for w in ENGINE_WORDS), msg
        return exc
    return None


def analysis_calls(text: str):
    """(name, kwargs) for every analysis with the hostile text in each of its text parameters."""
    valid = {"uid": U1, "a": U1, "b": U3}
    for name in queries.ANALYSES:
        params = queries.parameters(name)
        required = {p.name: valid.get(p.name, U1) for p in params if p.required}
        for p in params:
            if p.type == "str":
                yield name, {**required, p.name: text}
            elif p.type == "list[str]":
                yield name, {**required, p.name: [text]}
            elif p.type == "dict[str,float]":
                yield name, {**required, p.name: {text: 1.0}}


def test_there_are_at_least_30_hostile_strings():
    assert len(set(HOSTILE)) >= 30


@pytest.mark.parametrize("i", range(len(HOSTILE)), ids=lambda i: f"h{i:02d}")
def test_hostile_input_leaves_the_graph_unchanged_and_fails_clearly(toy, before, i):
    text = HOSTILE[i]
    call(search, toy, text)
    call(search, toy, text, kinds=("Enterprise",))
    call(lookup, toy, text)
    call(profile, toy, text, analyses={})
    call(queries.paths, toy, text, U1)
    call(queries.paths, toy, U1, text, all_paths=True)
    for name, kw in analysis_calls(text):
        call(queries.ANALYSES[name], toy, **kw)
    for name in queries.ANALYSES:  # what a command line would pass: strings through coerce()
        for p in queries.parameters(name):
            call(queries.coerce, name, {p.name: text})
    assert fingerprint(toy) == before


def test_the_graph_still_answers_after_the_barrage(toy):
    hits = search(toy, "湖州某某")
    assert hits["uid"].tolist() == [U1]
    assert profile(toy, U1, analyses={})["name"] == "湖州某某贸易有限公司"


def test_huge_and_invalid_search_text_is_refused_with_a_clear_message(toy):
    with pytest.raises(InputError, match="too long"):
        search(toy, "x" * 1_000_000)
    with pytest.raises(InputError, match="not valid Unicode"):
        search(toy, "张\udcd5")
    with pytest.raises(InputError, match="not UTF-8"):
        clean_text("张三".encode("gbk"))
    assert clean_text("张三".encode("utf-8")) == "张三"


def test_invisible_characters_do_not_hide_a_match(toy):
    assert search(toy, "湖州\u200b某某\u202e")["uid"].tolist() == [U1]
    assert search(toy, "\ufeff" + U1.lower())["uid"].tolist() == [U1]
    assert search(toy, "\x00")["uid"].tolist() == []


def test_named_query_parameters_refuse_nul_surrogates_and_huge_strings(toy):
    for bad, why in (("a\x00b", "NUL"), ("\udcff", "not valid Unicode"), ("x" * 5000, "too long")):
        with pytest.raises(InputError, match=why) as err:
            toy.query("profile_enterprise", {"uid": bad})
        assert len(str(err.value)) < 200


@pytest.mark.parametrize("text", ["' OR 1=1 //", "\u202e张三", "x" * 1_000_000, "a\x00b"], ids=["cypher", "rtl", "1mb", "nul"])
def test_the_search_page_shows_a_message_not_a_traceback(text, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.test_app_pages import APP, TIMEOUT, synth_graph

    monkeypatch.setenv("CREDITGRAPH_DB", str(synth_graph().db))
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.text_input(key="search_text").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = [w.value for w in at.warning] + [i.value for i in at.info]
    assert any(("Cannot search" in m) or ("No match" in m) for m in shown), shown
    log = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert len(log) < 10_000  # a 1 MB search is logged cut, with its length and hash

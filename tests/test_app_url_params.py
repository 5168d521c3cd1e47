"""Hostile strings in the app's URL parameters (``/profile?uid=…``), through Streamlit's AppTest on the
synthetic graph: no exception, no traceback, server path or engine error text on the page, a friendly
message where the value is refused, and the graph unchanged.

Every string of ``tests.hostile_strings.HOSTILE`` is sent to one page (round robin over the pages), and
a core set (the issue's ``uid=`` + 1,500 × ``A`` and ``uid=x%00y`` among them) to every page.
"""
from __future__ import annotations

import unicodedata

import pytest

from tests.hostile_strings import HOSTILE
from tests.test_app_pages import APP, TIMEOUT, synth_graph

# every page; profile, graph and paths read ``uid`` (the party to open), search and risk must ignore it
PAGES = ("views/profile.py", "views/graph.py", "views/paths.py", "views/search.py", "views/risk.py")
CORE = ["A" * 1500, "x\x00y", "' OR 1=1 //", "<script>alert(1)</script>", "../../etc/passwd", "\u202e司公限有\u202c",
        "\udcd5\udcc5", "x" * 1_000_000, "%s%s%n{0}{1}", "NM:' OR 1=1 //:张三"]
ENGINE_WORDS = ("exception:", "Binder", "Parser exception", "Catalog exception", "pybind", "PYBIND11", "Unable to cast",
                "Traceback", "Neo.ClientError", "RuntimeError", "std::", "InputError", "KeyError", "ValueError")
SKIP_ELEMENTS = {"iframe", "arrow_data_frame"}  # the drawn graph's inline JavaScript and table bytes


def cases() -> list[tuple[str, int]]:
    out = [(PAGES[i % len(PAGES)], i) for i in range(len(HOSTILE))]
    core = [HOSTILE.index(c) if c in HOSTILE else None for c in CORE]
    extra = [(page, -1 - k) for k, c in enumerate(CORE) for page in PAGES if core[k] is None or PAGES[core[k] % len(PAGES)] != page]
    return out + extra


def value(i: int) -> str:
    return HOSTILE[i] if i >= 0 else CORE[-1 - i]


def as_sent(v: str) -> str:
    """The value as the server receives it: a URL carries UTF-8, so lone surrogates arrive as U+FFFD."""
    return v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def delivered(v: str) -> bool:
    """Whether Streamlit hands the query string to the page at all (it drops ones over its cap)."""
    from urllib.parse import urlencode

    from streamlit.runtime.state.query_params import CLIENT_STATE_QUERY_STRING_MAX_LENGTH

    return len(urlencode({"uid": v, "q": v})) <= CLIENT_STATE_QUERY_STRING_MAX_LENGTH


def cannot_be_a_uid(v: str) -> bool:
    """Values no party key can hold: control characters, invalid Unicode, longer than any parameter."""
    return len(v) > 1000 or any(unicodedata.category(c) in ("Cc", "Cs") for c in v) or "\ufffd" in v


def page_text(at) -> str:
    """Every element on the page (main and sidebar) as protobuf text, but the drawn graph and table bytes."""
    out = []

    def walk(node):
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
        elif getattr(node, "type", None) not in SKIP_ELEMENTS and getattr(node, "proto", None) is not None:
            out.append(str(node.proto))

    walk(at._tree)
    return "\n".join(out)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from tests.test_injection import fingerprint

    root = tmp_path_factory.mktemp("urlparams")
    g = synth_graph()
    import dataclasses

    from creditgraph.graph.config import load_settings
    from creditgraph.graph.store import open_store

    settings = dataclasses.replace(load_settings(), store="embedded", db_path=g.db)
    with open_store(settings, read_only=True) as store:
        before = fingerprint(store)
    yield g, root
    with open_store(settings, read_only=True) as store:
        assert fingerprint(store) == before, "the graph changed under hostile URL parameters"


@pytest.fixture
def env(site, monkeypatch):
    g, root = site
    monkeypatch.setenv("CREDITGRAPH_DB", str(g.db))
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(root / "none.toml"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(root / "audit.jsonl"))
    for var in ("CREDITGRAPH_STORE", "CREDITGRAPH_LOCAL_ROLE"):
        monkeypatch.delenv(var, raising=False)
    return g


def test_every_hostile_string_is_used_and_pages_are_covered():
    used = {i for _, i in cases() if i >= 0}
    assert used == set(range(len(HOSTILE))) and len(HOSTILE) >= 100
    assert {p for p, _ in cases()} == set(PAGES)


@pytest.mark.parametrize("page,i", cases(), ids=lambda x: x.split("/")[-1].removesuffix(".py") if isinstance(x, str) else
                         (f"h{x:03d}" if x >= 0 else f"core{-1 - x}"))
def test_a_hostile_url_parameter_gets_a_message_not_a_traceback(env, page, i):
    from streamlit.testing.v1 import AppTest

    from tests.test_app_pages import REPO

    v = as_sent(value(i))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["uid"] = v
    at.query_params["q"] = v
    at.run()
    at.switch_page(page)
    at.query_params["uid"] = v
    at.run()
    assert not at.exception, [e.value[:300] for e in at.exception]
    text = page_text(at)
    for word in ENGINE_WORDS + (str(REPO), "site-packages", 'File "'):
        assert word not in text, (word, text[:2000])
    assert "Something went wrong" not in text  # the catch-all: an input reached code that did not expect it
    if cannot_be_a_uid(v):
        assert at.session_state["uid"] is None if "uid" in at.session_state else True  # the bad value is not kept
        if page in PAGES[:3] and delivered(v):
            notes = [w.value for w in at.warning]
            assert any("ignored" in n for n in notes), notes

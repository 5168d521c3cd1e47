"""What every page of the Streamlit app shares: the store, cached calls, labels and formatting.

The store is opened read-only from the settings (``graph.config.load_settings``;
``CREDITGRAPH_DB`` names the embedded store) once per server process and
reopened when a newer snapshot has been published (``store.is_stale()``).
Results are cached per graph version, so a refresh shows new data at once
and repeated clicks cost nothing.

No Cypher lives here: pages call ``queries`` (and ``etl`` for the run
history) only.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

from creditgraph.graph.config import Settings, load_settings
from creditgraph.app.stores import StoreHolder, name_hub_cache, store_version  # noqa: F401  (store_version: part of this module's API)
from creditgraph.graph.model import MODEL

# --- labels from the graph model -------------------------------------------------------


def label_zh(label: str) -> str:
    return MODEL.node(label).label_zh if label in MODEL.nodes else label


def rel_zh(rel_type: str) -> str:
    return MODEL.rel(rel_type).label_zh if rel_type in MODEL.rels else rel_type


def prop_zh(label: str, prop: str) -> str:
    node = MODEL.nodes.get(label)
    if node and prop in node.properties:
        return node.properties[prop].label_zh or prop
    return prop


def kind_zh(kind: str) -> str:
    return MODEL.penalty_kinds.get(kind, {}).get("label_zh", kind)


def status_zh(status: str) -> str:
    return MODEL.penalty_statuses.get(status, {}).get("label_zh", status)


# risk levels as styled text (emoji render as boxes with the fonts an intranet machine has)
LEVEL_TEXT = {"high": "高 high", "medium": "中 medium", "low": "低 low", "info": "提示 info"}
LEVEL_COLORS = {"高 high": ("#FFFFFF", "#C0392B"), "中 medium": ("#FFFFFF", "#D9822B"), "低 low": ("#5C4B00", "#F4D35E"),
                "提示 info": ("#333333", "#E0E0E0")}
SOURCE_TEXT = {"profile": "本主体记录 this party's records", "shell_company_candidates": "空壳公司分析 shell analysis",
               "repeat_offenders:enterprise": "屡次失信分析(企业) repeat offenders (enterprises)",
               "repeat_offenders:person": "屡次失信分析(自然人) repeat offenders (people)",
               "phoenix_cases": "金蝉脱壳分析 phoenix analysis", "name_hubs": "同名集中任职分析 name hubs"}


def level_style(text: str) -> str:
    """CSS for a risk level cell: a coloured badge (white on red for high, …)."""
    fg, bg = LEVEL_COLORS.get(text, ("inherit", "transparent"))
    return f"color: {fg}; background-color: {bg}; font-weight: 600"


def source_zh(source: str) -> str:
    return SOURCE_TEXT.get(source, source)


PENALTY_KINDS = list(MODEL.penalty_kinds)
PENALTY_STATUSES = list(MODEL.penalty_statuses)


def fmt_value(v: Any) -> str:
    """A property value as a person reads it (dates without time, amounts with separators)."""
    if v is None:
        return ""
    try:
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) >= 1000 else f"{v:g}"
    return str(v)


def fmt_ratio(v: Any) -> str:
    try:
        if v is None or pd.isna(v):
            return ""
        return f"{float(v) * 100:.2f}%".replace(".00%", "%")
    except (TypeError, ValueError):
        return str(v)


# --- settings and the store ------------------------------------------------------------------


def settings() -> Settings:
    return load_settings()


def store_key(s: Settings) -> str:
    return f"{s.store}:{Path(s.db_path).resolve() if s.store == 'embedded' else s.neo4j.uri}"


@st.cache_resource(show_spinner=False)
def _holder(key: str, _s: Settings) -> StoreHolder:
    return StoreHolder(_s)


def get_store():
    """The open store, or a clear message and a stopped page when there is no graph yet."""
    from creditgraph.graph.snapshots import NoGraph

    s = settings()
    try:
        return _holder(store_key(s), s).get()
    except NoGraph as exc:
        st.warning(f"尚无图数据 No graph yet. {exc}")
        st.info("生成演示数据并加载 Generate demo data: `creditgraph demo`；加载数据 Load extracts: `creditgraph load PATH`")
        st.stop()
    except Exception as exc:  # noqa: BLE001 — say what is wrong instead of a traceback
        st.error(f"无法打开图数据库 Cannot open the graph store: {exc}")
        st.stop()


def ctx() -> tuple[Any, str, str]:
    """(store, version, store key) for cached calls."""
    store = get_store()
    return store, store_version(store), store_key(settings())


# --- cached calls (keyed by graph version) ----------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=256, ttl=6 * 3600)
def cached_search(_key: str, version: str, text: str, kinds: tuple[str, ...], limit: int) -> pd.DataFrame:
    from creditgraph.queries.search import search

    return search(get_store(), text, kinds=kinds, limit=limit)


def cached_profile(_key: str, version: str, uid: str, with_analyses: bool, as_of: str | None = None) -> dict:
    """A profile as of a day (ISO text; None: today); ``with_analyses`` only once :func:`signals_ready`
    (the cache key then differs). The whole-graph signals are today's: a profile of another day has none.
    Today's name-hub signal is read off the process's per-version name hubs (app.stores.NameHubCache,
    shared with the HTTP API); a profile made while they compute is cached apart from the ready one."""
    from creditgraph.queries.name_hubs import NameHubIndex

    hubs = name_hub_cache(settings()).get(version, wait=0.5) if as_of is None else None
    return _cached_profile(_key, version, uid, with_analyses, as_of, isinstance(hubs, NameHubIndex))


@st.cache_data(show_spinner=False, max_entries=128, ttl=6 * 3600)
def _cached_profile(_key: str, version: str, uid: str, with_analyses: bool, as_of: str | None,
                    hubs_ready: bool) -> dict:
    from creditgraph.queries.profile import profile

    analyses = signal_analyses(_key, version) if with_analyses and as_of is None else {}
    hubs = name_hub_cache(settings()).get(version) if as_of is None else None
    return profile(get_store(), uid, analyses=analyses, as_of=as_of, name_hubs=hubs)


@st.cache_data(show_spinner=False, max_entries=8, ttl=6 * 3600)
def cached_regions(_key: str, version: str) -> pd.DataFrame:
    from creditgraph.queries.search import regions

    return regions(get_store()).copy()


@st.cache_data(show_spinner=False, max_entries=8, ttl=6 * 3600)
def cached_counts(_key: str, version: str) -> dict:
    return get_store().counts()


@st.cache_data(show_spinner=False, max_entries=256, ttl=6 * 3600)
def cached_active_counts(_key: str, version: str, uids: tuple[str, ...]) -> dict:
    from creditgraph.queries.profile import active_counts

    return active_counts(get_store(), list(uids))


def analysis_fn(name: str) -> Callable:
    """The analysis ``name`` from the analyses registry (``queries.ANALYSES``)."""
    from creditgraph.queries import ANALYSES

    return ANALYSES[name]


@st.cache_resource(show_spinner=False, max_entries=64, ttl=6 * 3600)
def cached_analysis(_key: str, version: str, name: str, params: tuple) -> Any:
    """An analysis result, shared by every session (results hold lazy evidence, so not pickled)."""
    w = _WARM.get((_key, version))
    if w is not None and w.done and (name, params) in w.results:
        return w.results[(name, params)]
    return analysis_fn(name)(get_store(), **dict(params))


def run_analysis(name: str, **params) -> Any:
    """An analysis for the page (cached), recorded in the audit log with its parameters."""
    from creditgraph.app import session

    store, version, key = ctx()
    session.audit_once(f"analysis:{name}", "analysis", name=name, params=params)
    return cached_analysis(key, version, name, tuple(sorted(params.items())))


@st.cache_data(show_spinner=False, max_entries=256, ttl=6 * 3600)
def cached_contacts(_key: str, version: str, uid: str) -> pd.DataFrame:
    """A party's phones and e-mails: ``label``, ``value`` (clear: show only on an audited reveal), ``masked``."""
    empty = pd.DataFrame(columns=["label", "value", "masked"])
    res = analysis_fn("neighborhood")(get_store(), uid=uid, hops=1, rel_types=["HAS_PHONE", "HAS_EMAIL"], limit=100)
    nodes = res.subgraph.nodes if res.subgraph is not None else empty
    nodes = nodes[nodes["label"].isin(["Phone", "Email"])]
    if nodes.empty:
        return empty
    return pd.DataFrame({"label": nodes["label"].to_numpy(), "value": nodes["uid"].astype(str).to_numpy(),
                         "masked": nodes["name"].astype(str).to_numpy()}).sort_values(["label", "masked"]).reset_index(drop=True)


def mask_key() -> bytes:
    """The key for on-screen pseudonyms of phone and e-mail nodes (the ID-hash key)."""
    return settings().id_key_bytes


def checked_search(slot: str, text: str, kinds: tuple[str, ...], limit: int) -> pd.DataFrame | None:
    """A search, audited; None (with a message on the page) when the text is refused."""
    from creditgraph.app import session
    from creditgraph.graph.inputs import InputError, clean_text

    try:
        text = clean_text(text)
    except InputError as exc:
        session.audit_once(slot, "search", refused=str(exc), kinds=list(kinds))
        st.warning(f"无法搜索 Cannot search: {exc}")
        return None
    store, version, skey = ctx()
    hits = cached_search(skey, version, text, kinds, limit)
    session.audit_once(slot, "search", text=text, kinds=list(kinds), hits=len(hits))
    return hits


# The whole-graph analyses a profile draws risk signals from. On a big graph they take tens of
# seconds, so they run once per graph version in a background thread with its own read-only
# store (LadybugDB serves two read-only handles in one process), never inside a page run.
SIGNAL_ANALYSES: tuple[tuple[str, dict[str, Any]], ...] = (("shell_company_candidates", {}), ("repeat_offenders", {"level": "enterprise"}),
                   ("repeat_offenders", {"level": "person"}), ("phoenix_cases", {}))


class _Warmup:
    def __init__(self, s: Settings):
        self.results: dict[tuple[str, tuple], Any] = {}
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, args=(s,), daemon=True, name="creditgraph-warmup")
        self.thread.start()

    def _run(self, s: Settings) -> None:
        from creditgraph.graph.store import open_store

        try:
            store = open_store(s, read_only=True)  # kept open: results build their evidence lazily from it
            for name, params in SIGNAL_ANALYSES:
                self.results[(name, tuple(sorted(params.items())))] = analysis_fn(name)(store, **params)
        except Exception as exc:  # noqa: BLE001 — a failed warm-up leaves profiles without whole-graph signals
            self.error = str(exc)

    @property
    def done(self) -> bool:
        return not self.thread.is_alive()


_WARM: dict[tuple[str, str], _Warmup] = {}
_WARM_LOCK = threading.Lock()


def warmup(key: str, version: str) -> _Warmup:
    """The (started) background computation of the signal analyses for this graph version."""
    with _WARM_LOCK:
        w = _WARM.get((key, version))
        if w is None:
            for old in [k for k in _WARM if k[0] == key]:
                del _WARM[old]  # an older version's results are of no use any more
            w = _WARM[(key, version)] = _Warmup(settings())
        return w


def start_warmup() -> None:
    """Start the signal analyses for the current graph version, if there is a graph (never stops the page)."""
    s = settings()
    try:
        store = _holder(store_key(s), s).get()
    except Exception:  # noqa: BLE001 — no graph yet: the pages say so themselves
        return
    warmup(store_key(s), store_version(store))
    name_hub_cache(s).get(store_version(store))  # the profiles' name hubs of this version (shared with the API)


def signals_ready(key: str, version: str, wait: float = 0.5) -> bool:
    """Whether the signal analyses are ready (waiting at most ``wait`` seconds: small graphs need less)."""
    w = warmup(key, version)
    w.thread.join(timeout=wait)
    return w.done and w.error is None


def signal_analyses(key: str, version: str) -> dict:
    """The ready signal analyses by name (``repeat_offenders:person`` …); empty while they compute."""
    w = warmup(key, version)
    if not w.done:
        return {}
    return {name + (f":{dict(params)['level']}" if params else ""): res for (name, params), res in w.results.items()}


# --- navigation between pages -------------------------------------------------------------------

PAGES: dict[str, Any] = {}  # filled by streamlit_app.py: name -> st.Page


def current_uid() -> str | None:
    """The chosen party: this session's choice, else the link's ``uid`` parameter (checked)."""
    uid = st.session_state.get("uid")
    if not uid:
        uid = link_uid()
        if uid:
            st.session_state["uid"] = uid
    return uid or None


def link_uid() -> str | None:
    """The ``uid`` URL parameter when it can be a key; a refused one is dropped from the URL with a message (audited)."""
    from creditgraph.app import session
    from creditgraph.graph.inputs import InputError, clean_key

    raw = st.query_params.get("uid")
    if not raw:
        return None
    try:
        return clean_key(raw, "uid")
    except InputError as exc:
        session.audit_once("link:uid", "input_refused", param="uid", reason=str(exc))
        st.query_params.pop("uid", None)
        st.warning(f"链接中的 uid 参数无效，已忽略 The link's uid parameter was ignored: {exc}")
        return None


def select(uid: str, name: str | None = None) -> None:
    st.session_state["uid"] = uid
    if name:
        st.session_state.setdefault("names", {})[uid] = name


def go(page: str, uid: str | None = None, name: str | None = None) -> None:
    """Switch to another page, carrying the chosen party."""
    if uid:
        select(uid, name)
    target = PAGES.get(page)
    if target is not None:
        st.switch_page(target)


@st.cache_data(show_spinner=False, max_entries=1024, ttl=6 * 3600)
def cached_lookup(_key: str, version: str, uid: str) -> dict | None:
    from creditgraph.queries.search import lookup

    return lookup(get_store(), uid)


def name_of(uid: str | None) -> str:
    """The display name of a party (looked up once per graph version when not known yet)."""
    if not uid:
        return ""
    names = st.session_state.setdefault("names", {})
    if uid not in names:
        store, version, key = ctx()
        found = cached_lookup(key, version, uid)
        names[uid] = (found or {}).get("name") or uid
    return names[uid]


def party_picker(key: str, label: str = "搜索主体 Search a party", default_uid: str | None = None,
                 kinds: tuple[str, ...] = ("Enterprise", "Person")) -> str | None:
    """A search box plus a choice among its hits; returns the chosen uid (or the default)."""
    text = st.text_input(label, key=f"{key}_q", placeholder="企业名称、统一社会信用代码或自然人姓名 name, USCC or person")
    if not text.strip():
        if default_uid:
            st.caption(f"当前 Current: **{name_of(default_uid)}** · `{default_uid}`")
        return default_uid
    with st.spinner("搜索中 Searching…"):
        hits = checked_search(f"search:{key}", text, kinds, 50)
    if hits is None:
        return default_uid
    if hits.empty:
        st.info("未找到 No match")
        return default_uid
    options = hits["uid"].tolist()
    labels = {r.uid: f"{r.name} · {r.kind_zh} · {r.region_name or '-'}"
                     + (f" · 有效处罚 {int(r.active_penalties)} 条 active penalties" if int(r.active_penalties) else "")
              for r in hits.itertuples()}
    uid = st.selectbox("选择 Choose", options, format_func=lambda u: labels.get(u, u), key=f"{key}_pick")
    if uid:
        select(uid, hits.loc[hits["uid"] == uid, "name"].iloc[0])
    return uid


def export_bytes(result, fmt: str, filters: dict[str, Any] | None = None) -> bytes:
    """The export file (CSV or XLSX, with evidence columns and masked personal data) as bytes.

    ``filters``: what the page filtered the rows by (region, penalty kinds, min score, period …), listed
    on the XLSX's 参数 sheet (see :func:`queries.export.export`).
    """
    import tempfile

    from creditgraph.queries.export import export

    with tempfile.TemporaryDirectory(prefix="creditgraph-export-") as d:
        path = Path(d) / f"export.{fmt}"
        export(result, path, filters=filters)
        return path.read_bytes()


def with_table(result, table: pd.DataFrame):
    """The same analysis result restricted to some rows (evidence kept)."""
    return dataclasses.replace(result, table=table)

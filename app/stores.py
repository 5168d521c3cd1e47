"""The read-only store a server process serves from (the Streamlit app, the HTTP API), the graph
version a store reads, and what a server computes once per graph version (the whole graph's name
hubs for the profiles' name-hub signal); no Streamlit here, so the API and the command line can use
them too."""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import Any

from creditgraph.graph.config import Settings


class StoreHolder:
    """One read-only store per server process, reopened when a newer snapshot is published.

    The store it replaces is closed one swap later, so a page or request still running a
    query on it is not cut off.

    An embedded store is handed to each thread as its own view: the same database with the thread's
    own connection (LadybugDB serves several read-only connections on one database at once and
    releases the GIL while a query runs; one shared connection runs the requests' queries one at a
    time). Neo4j's driver pools its own sessions: its store is shared as it is.
    """

    def __init__(self, s: Settings, per_thread: bool = True):
        self.settings = s
        self.per_thread = per_thread
        self.lock = threading.Lock()
        self.store: Any = None
        self.retired: list = []
        self._local = threading.local()
        self._conns: dict[int, list] = {}  # id(base store) -> the connections of its views

    def get(self):
        from creditgraph.graph.store import open_store

        with self.lock:
            if self.store is None:
                self.store = open_store(self.settings, read_only=True)
            elif getattr(self.store, "is_stale", None) is not None and self.store.is_stale():
                new = open_store(self.settings, read_only=True)
                self.retired.append(self.store)
                self.store = new
                while len(self.retired) > 1:
                    with contextlib.suppress(Exception):  # closing an old snapshot must not break a reader
                        self._close(self.retired.pop(0))
            store = self.store
        return self._view(store) if self.per_thread else store

    def _view(self, store):
        """This thread's view of an embedded ``store`` (its own connection), made on first use."""
        db = getattr(store, "_db", None)
        if db is None:
            return store
        mine = getattr(self._local, "view", None)
        if mine is not None and mine[0] is store:
            return mine[1]
        import copy

        import ladybug

        view = copy.copy(store)
        view._conn = ladybug.Connection(db)
        with self.lock:
            self._conns.setdefault(id(store), []).append(view._conn)
        self._local.view = (store, view)
        return view

    def _close(self, store) -> None:
        for conn in self._conns.pop(id(store), []):
            with contextlib.suppress(Exception):
                conn.close()
        store.close()

    def close(self) -> None:
        with self.lock:
            for s in [*self.retired, self.store]:
                if s is not None:
                    with contextlib.suppress(Exception):
                        self._close(s)
            self.store, self.retired = None, []


def store_version(store) -> str:
    """The graph version a store reads: the embedded snapshot's name, else Neo4j's stamp ("0" if none)."""
    v = getattr(store, "version", None)
    if v:
        return str(v)
    try:
        return str(store.get_meta("graph_version") or "0")
    except Exception:  # noqa: BLE001
        return "0"


def holder_key(s: Settings) -> str:
    """Which graph a server reads (the embedded store's folder, or the Neo4j URI)."""
    return f"{s.store}:{Path(s.db_path).resolve() if s.store == 'embedded' else s.neo4j.uri}"


log = logging.getLogger("creditgraph.stores")


class _Build:
    """One background computation of a graph version's name-hub index."""

    def __init__(self, settings: Settings, version: str, day: dt.date, done):
        self.version, self.day = version, day
        self.result: Any = None
        self.error: str | None = None
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._run, args=(settings, done), daemon=True,
                                       name=f"creditgraph-name-hubs-{version}")
        self.thread.start()

    def _run(self, settings: Settings, done) -> None:
        from creditgraph.graph.store import open_store
        from creditgraph.queries.name_hubs import NameHubIndex

        try:
            with open_store(settings, read_only=True) as store:  # its own handle: readers are never held up by it
                seen = store_version(store)
                if seen != self.version:
                    raise RuntimeError(f"graph version {self.version} was replaced by {seen} while computing")
                self.result = NameHubIndex.build(store, as_of=self.day, version=seen)
            log.info("name hubs of graph version %s (%s): %d hubs in %.1f s", self.version, self.day,
                     len(self.result), time.monotonic() - self.started)
        except Exception as exc:  # noqa: BLE001 — profiles then say the signal is unavailable
            self.error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("name hubs of graph version %s not computed: %s", self.version, self.error)
        finally:
            done(self)


class NameHubCache:
    """The whole graph's name hubs (:class:`queries.name_hubs.NameHubIndex`) of the graph version a
    server reads, as of today: computed once per version (and day) in a background thread with its own
    read-only store, then read by every profile of the process (``profile(..., name_hubs=…)``): ~20 s
    once at 1M enterprises instead of ~1.4 s per profile. Until it is ready :meth:`get` gives a
    :class:`queries.name_hubs.PendingNameHubs` (the profile says the signal is being computed); a
    failed computation is tried again after ``retry_s``."""

    def __init__(self, settings: Settings, retry_s: float = 300.0):
        self.settings = settings
        self.retry_s = retry_s
        self._lock = threading.Lock()
        self._builds: dict[tuple[str, dt.date], _Build] = {}

    def _done(self, build: _Build) -> None:
        with self._lock:
            if build.error and "was replaced" in build.error:
                self._builds.pop((build.version, build.day), None)  # the next request asks for the new version

    def get(self, version: str, day: dt.date | None = None, wait: float = 0.0) -> Any:
        """The index of ``version`` on ``day`` (default today), or a ``PendingNameHubs`` while it is being
        computed (started here when it is not); ``wait``: seconds to wait for a computation under way
        (small graphs need less than one)."""
        from creditgraph.queries.name_hubs import PendingNameHubs

        day = day or dt.date.today()
        with self._lock:
            b = self._builds.get((version, day))
            if b is None or (b.error and time.monotonic() - b.started > self.retry_s):
                for old in [k for k in self._builds if k != (version, day)]:
                    del self._builds[old]  # an older version's (or day's) hubs are of no use any more
                b = self._builds[(version, day)] = _Build(self.settings, version, day, self._done)
        if b.result is None and b.error is None and wait > 0:
            b.thread.join(timeout=wait)
        if b.result is not None:
            return b.result
        return PendingNameHubs(day, b.error)

    def state(self, version: str, day: dt.date | None = None) -> str:
        """``ready``, ``computing`` or ``unavailable`` (failed) for ``version`` on ``day`` (starts nothing)."""
        with self._lock:
            b = self._builds.get((version, day or dt.date.today()))
        if b is None or (b.result is None and b.error is None):
            return "computing"
        return "ready" if b.result is not None else "unavailable"

    def join(self, timeout: float | None = None) -> None:
        """Wait for the computations under way (tests; shutting down)."""
        with self._lock:
            builds = list(self._builds.values())
        for b in builds:
            b.thread.join(timeout)


_CACHES: dict[str, NameHubCache] = {}
_CACHES_LOCK = threading.Lock()


def name_hub_cache(settings: Settings) -> NameHubCache:
    """The process's :class:`NameHubCache` of the graph ``settings`` name (one per graph: the API and the
    Streamlit app in one process share it)."""
    key = holder_key(settings)
    with _CACHES_LOCK:
        cache = _CACHES.get(key)
        if cache is None:
            cache = _CACHES[key] = NameHubCache(settings)
        return cache


class ActiveCountsCache:
    """The whole graph's active penalty counts of today (:class:`queries.profile_related.ActiveCounts`)
    for the version a store reads, built on first use (one scan: ~0.1 s at 1M enterprises) and again when
    the version or the day changes; shared by a server's threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held: Any = None

    def get(self, store, version: str) -> Any:
        from creditgraph.queries.profile_related import ActiveCounts

        day = dt.date.today()
        held = self._held
        if held is not None and held.version == version and held.day == day:
            return held
        with self._lock:
            held = self._held
            if held is None or held.version != version or held.day != day:
                held = self._held = ActiveCounts.build(store, day, version)
            return held

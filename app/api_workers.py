"""Profiles in worker processes (``creditgraph api --workers N``, :mod:`app.api`).

A profile is mostly Python (pandas) work: one process serves about one core's worth of profiles whatever
its threads, because of the GIL. With workers, each profile is made, masked and turned into its JSON body
in one of N worker processes, each with its own read-only store following published versions; keys, rate
limits, the failed-key throttle and the audit stay in the server process (their state is its memory), and
the name hubs are computed once there: a worker is sent the party's own hub rows.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from creditgraph.app.stores import ActiveCountsCache, StoreHolder, store_version
from creditgraph.graph.config import Settings

_WORKER: dict[str, Any] = {}


def _worker_init(settings: Settings) -> None:
    _WORKER["store"] = StoreHolder(settings, per_thread=False)
    _WORKER["settings"] = settings
    _WORKER["active"] = ActiveCountsCache()


def _worker_store():
    store = _WORKER["store"].get()
    conn = getattr(store, "_conn", None)
    if conn is not None and _WORKER.get("conn") is not conn:  # one query thread each: the workers share the cores
        conn.set_max_threads_for_exec(1)
        _WORKER["conn"] = conn
    return store


def _worker_profile(uid: str, as_of: dt.date | None, hubs: Any) -> tuple[str, str, bytes]:
    """One profile in a worker: ``hubs`` is the party's slice of this process's name hubs (a
    ``NameHubIndex`` of those rows), a ``PendingNameHubs`` or None (read by name)."""
    from creditgraph.queries.name_hubs import NameHubIndex, PendingNameHubs
    from creditgraph.app.api import profile_json
    from creditgraph.queries.profile import profile_records

    store = _worker_store()
    version = store_version(store)
    if isinstance(hubs, NameHubIndex) and hubs.version != version:  # the graph changed under the request
        hubs = PendingNameHubs(hubs.day)
    p = profile_records(store, uid, analyses={}, as_of=as_of, name_hubs=hubs, active=_WORKER["active"].get(store, version))
    return version, p["kind"], profile_json(_WORKER["settings"], version, uid, as_of, p)


class ProfileWorkers:
    """A pool of ``n`` profile worker processes (spawned: a fork would copy an open database)."""

    def __init__(self, settings: Settings, n: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._make = lambda: ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_worker_init, initargs=(settings,))
        self._lock = threading.Lock()
        self.pool = self._make()

    def profile(self, uid: str, as_of: dt.date | None, hubs: Any) -> tuple[str, str, bytes]:
        from concurrent.futures.process import BrokenProcessPool

        pool = self.pool
        try:
            return pool.submit(_worker_profile, uid, as_of, hubs).result()
        except BrokenProcessPool:  # a worker died: the next request gets a fresh pool
            with self._lock:
                if self.pool is pool:
                    self.pool = self._make()
            raise

    def close(self, grace_s: float = 10.0) -> None:
        """Stop the workers: queued profiles cancelled, running ones given ``grace_s`` to finish, then ended
        (without the wait, a server stopped by SIGTERM left its workers running, each holding the graph)."""
        procs = list((getattr(self.pool, "_processes", None) or {}).values())  # the executor's workers (no public list)
        self.pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace_s
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(5)

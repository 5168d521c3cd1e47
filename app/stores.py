"""The read-only store a server process serves from (the Streamlit app, the HTTP API), and the graph
version a store reads; no Streamlit here, so the API and the command line can use them too."""
from __future__ import annotations

import contextlib
import threading
from typing import Any

from creditgraph.graph.config import Settings


class StoreHolder:
    """One read-only store per server process, reopened when a newer snapshot is published.

    The store it replaces is closed one swap later, so a page or request still running a
    query on it is not cut off.
    """

    def __init__(self, s: Settings):
        self.settings = s
        self.lock = threading.Lock()
        self.store: Any = None
        self.retired: list = []

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
                        self.retired.pop(0).close()
            return self.store

    def close(self) -> None:
        with self.lock:
            for s in [*self.retired, self.store]:
                if s is not None:
                    with contextlib.suppress(Exception):
                        s.close()
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

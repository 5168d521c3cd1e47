"""Small hand-built graphs for examples and tests.

:func:`toy_store` builds an embedded store in a temporary folder from lists a
reader can check by eye::

    nodes = [("Person", "ID:1", {"name": "张三"}), ("Enterprise", "E1", {"name": "甲公司"})]
    rels = [("LEGAL_REP", "ID:1", "E1", {"position": "执行董事"})]

Relationship endpoints are looked up among the given nodes for their labels.
The folder is removed when the store is closed or garbage-collected.

>>> s = toy_store([("Person", "ID:1", {"name": "张三"}), ("Enterprise", "E1", {"name": "甲公司"})],
...               [("LEGAL_REP", "ID:1", "E1", {"position": "执行董事"})])
>>> s.counts()["LEGAL_REP"]
1
>>> s.close()
"""
from __future__ import annotations

import shutil
import tempfile
import weakref
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import pandas as pd


NodeSpec = tuple[str, str, dict[str, Any]]
RelSpec = tuple[str, str, str, dict[str, Any]]


def load(store, nodes: Iterable[NodeSpec], rels: Iterable[RelSpec] = ()) -> None:
    """Write nodes and relationships (given as tuples) into a store."""
    nodes = list(nodes)
    labels: dict[str, str] = {}
    by_label: dict[str, list[dict]] = defaultdict(list)
    for label, uid, props in nodes:
        labels[uid] = label
        by_label[label].append({"uid": uid, **(props or {})})
    for label, rows in by_label.items():
        df = pd.DataFrame(rows)
        for col, prop in store.model.node(label).properties.items():
            if col in df.columns and prop.type == "DATE":
                df[col] = pd.to_datetime(df[col])
        store.upsert_nodes(label, df)
    by_rel: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for rtype, src, dst, *rest in rels:
        props = rest[0] if rest else {}
        try:
            key = (rtype, labels[src], labels[dst])
        except KeyError as exc:
            raise KeyError(f"relationship {rtype} {src}->{dst}: node {exc} is not in the node list") from None
        by_rel[key].append({"src": src, "dst": dst, **(props or {})})
    for (rtype, a, b), rows in by_rel.items():
        df = pd.DataFrame(rows)
        # give every model property a column: a COPY into a relationship table expects them all
        for col, prop in store.model.rel(rtype).properties.items():
            if col not in df.columns:
                df[col] = None
            elif prop.type == "DATE":
                df[col] = pd.to_datetime(df[col])
        store.upsert_relationships(rtype, a, b, df)


def toy_store(nodes: Iterable[NodeSpec], rels: Iterable[RelSpec] = (), root: str | Path | None = None):
    """An :class:`~graph.embedded.EmbeddedStore` holding exactly these nodes and relationships."""
    from creditgraph.graph.embedded import EmbeddedStore

    owned = root is None
    root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="creditgraph-toy-"))
    store = EmbeddedStore(root / "graph")
    if owned:
        weakref.finalize(store, shutil.rmtree, str(root), True)
        close = store.close

        def close_and_remove() -> None:
            close()
            shutil.rmtree(root, ignore_errors=True)

        store.close = close_and_remove  # type: ignore[method-assign]
    load(store, nodes, rels)
    return store

"""Values between pandas and the Neo4j driver: frames to driver rows (missing values as null,
dates as ``datetime.date``, timestamps as naive ``datetime``), and records back to frames shaped
like the embedded store's results."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from creditgraph.graph.model import GraphModel
from creditgraph.graph.store import Rows, timestamps as _timestamps  # noqa: F401  (re-exported)


# --- values: pandas -> driver ----------------------------------------------------

def _column_values(s: pd.Series, ptype: str | None) -> list:
    """One column as plain Python values for the driver; missing values become None."""
    if ptype in ("DATE", "TIMESTAMP") and not pd.api.types.is_datetime64_any_dtype(s):
        s = pd.to_datetime(s, errors="coerce")
    missing = s.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(s):
        # DATE -> datetime.date (a Neo4j Date); otherwise datetime.datetime
        # (naive: LocalDateTime, the embedded store's TIMESTAMP; aware: DateTime).
        values = s.dt.date.tolist() if ptype == "DATE" else s.dt.to_pydatetime().tolist()
    else:
        values = s.astype(object).tolist()
        if s.dtype == object:  # an untyped column may hold numpy scalars
            values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if missing.any():
        values = [None if m else v for v, m in zip(values, missing)]
    return values


def frame_records(df: pd.DataFrame, types: dict[str, str] | None = None) -> list[dict]:
    """Rows of a frame as driver-ready dicts: NaN/NA/NaT -> None, DATE columns ->
    ``datetime.date``, TIMESTAMP columns -> ``datetime.datetime``, numpy scalars ->
    Python scalars. ``types`` maps columns to model types (STRING, DATE, ...)."""
    types = types or {}
    names = [str(c) for c in df.columns]
    columns = [_column_values(df[c], types.get(str(c))) for c in df.columns]
    return [dict(zip(names, row)) for row in zip(*columns)]


# --- values: driver -> pandas ---------------------------------------------------

def _neo4j_types():
    from neo4j import time as ntime
    from neo4j.graph import Node, Path, Relationship

    return Node, Relationship, Path, ntime


class _Converter:
    """Driver values to what the embedded store returns (dicts for graph objects)."""

    def __init__(self, model: GraphModel):
        self.model = model
        self.Node, self.Relationship, self.Path, self.time = _neo4j_types()

    def node(self, n) -> dict:
        labels = sorted(n.labels)
        label = next((lbl for lbl in labels if lbl in self.model.nodes), labels[0] if labels else None)
        out: dict[str, Any] = {"_ID": n.element_id, "_LABEL": label}
        if label in self.model.nodes:
            out.update(dict.fromkeys(self.model.nodes[label].properties))
        out.update({k: self.value(v) for k, v in n.items()})
        return out

    def rel(self, r) -> dict:
        out: dict[str, Any] = {
            "_SRC": r.start_node.element_id if r.start_node is not None else None,
            "_DST": r.end_node.element_id if r.end_node is not None else None,
            "_LABEL": r.type,
            "_ID": r.element_id,
        }
        if r.type in self.model.rels:
            out.update(dict.fromkeys(self.model.rels[r.type].properties))
        out.update({k: self.value(v) for k, v in r.items()})
        return out

    def value(self, v):
        if v is None or isinstance(v, (str, int, float, bool)):
            return v
        if isinstance(v, self.Node):
            return self.node(v)
        if isinstance(v, self.Relationship):
            return self.rel(v)
        if isinstance(v, self.Path):
            return {"_NODES": [self.node(n) for n in v.nodes], "_RELS": [self.rel(r) for r in v.relationships]}
        if isinstance(v, (self.time.Date, self.time.DateTime, self.time.Time)):
            return v.to_native()
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        return v  # bytes, Duration, spatial points: as the driver gives them

    def rows(self, keys: list[str], rows: list[list]) -> Rows:
        """The driver's rows as :class:`~graph.store.Rows` of converted values."""
        return Rows(keys, ({k: self.value(v) for k, v in zip(keys, row)} for row in rows))

    def frame(self, keys: list[str], rows: list[list]) -> pd.DataFrame:
        """The rows as a DataFrame, dates and datetimes as naive datetime64[us] (:meth:`Rows.frame`)."""
        return self.rows(keys, rows).frame()


# --- the store --------------------------------------------------------------------

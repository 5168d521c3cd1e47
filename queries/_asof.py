"""The day an analysis looks at the graph (``as_of``, docs/time.md), for the analyses that read roles,
holdings and penalties.

Convention: every analysis takes ``as_of`` (a date, a datetime or ISO text; None = today), turns it
into a :class:`datetime.date` once with :func:`queries._base.as_of_date`, records it in its params as
ISO text (:func:`iso`), and

* passes it to its named queries as ``$as_of`` (declared ``as_of DATE``): a role or holding
  (``MODEL.dated_rels``) counts when ``NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR
  (r.valid_from IS NOT NULL AND r.valid_from > $as_of))``, inside the scan or the recursive pattern
  (the same as ``(r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR
  r.valid_to > $as_of)``, which LadybugDB 0.22 evaluates 4x slower in a scan: two ANDed ORs);
* keeps penalty events decided on or before that day (an event with no date counts):
  :func:`decided_by` where events are read as rows;
* filters edges read through the store's keyed reads (``edges_by`` / ``edges_out``) with
  :func:`valid_rows`, asking for :func:`validity_cols`;
* reads whole-graph edge arrays with :func:`edges_on` instead of ``GraphStore.edges`` (the dated
  types through their scans, filtered in the scan).

:func:`fetch_as_of` runs a named query on that day whether it declares ``$as_of`` or returns the
role's period.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from creditgraph.graph import cypher
from creditgraph.graph.model import MODEL
from creditgraph.queries._base import fetch, valid_on

VALIDITY = ("valid_from", "valid_to")


def iso(day: dt.date) -> str:
    """The ``as_of`` recorded in a result's params (and printed by exports)."""
    return day.isoformat()


def fetch_as_of(store, name: str, params: dict | None, day: dt.date, arrow: bool = False) -> pd.DataFrame:
    """Run a named query that reads roles or holdings, seeing those valid on ``day``: ``$as_of`` is
    passed (a DATE) when the query declares it; a query
    that does not declare it must return ``valid_from`` / ``valid_to``, which are filtered here."""
    params = dict(params or {})
    declared = cypher.get(name).params.get("as_of")
    if declared is not None:
        return fetch(store, name, {**params, "as_of": day}, arrow=arrow)
    df = fetch(store, name, params, arrow=arrow)
    if len(df) and not set(VALIDITY) <= set(df.columns):
        raise ValueError(f"query {name} neither takes $as_of nor returns valid_from / valid_to: it cannot be read on a day")
    return valid_rows(df, day)


def valid_rows(df: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The rows of ``df`` valid on ``day`` by their ``valid_from`` / ``valid_to`` (missing: open;
    a frame without those columns is returned as it is)."""
    if not len(df) or not set(VALIDITY) <= set(df.columns):
        return df
    keep = valid_on(df["valid_from"], df["valid_to"], day)
    return df[keep].reset_index(drop=True)


def decided_by(df: pd.DataFrame, day: dt.date, col: str = "decided") -> pd.DataFrame:
    """Penalty events (rows) decided on or before ``day``; an event with no date counts."""
    if not len(df) or col not in df.columns:
        return df
    d = pd.to_datetime(df[col], errors="coerce")
    keep = (d.isna() | (d <= pd.Timestamp(day))).to_numpy()
    return df[keep].reset_index(drop=True)


def validity_cols(store, rel_types: Iterable[str]) -> list[str]:
    """``valid_from, valid_to`` when one of ``rel_types`` is dated and the stored graph holds them
    (an older graph may lack them: then nothing is filtered), else none."""
    for t in rel_types:
        if t in MODEL.dated_rels:
            stored = store.stored_properties(t)
            if stored is None or set(VALIDITY) <= stored:
                return list(VALIDITY)
    return []


# The whole-graph scans of the dated relationships, per (type, source label, target label): ``src, dst``
# (and ``ratio`` for holdings) of the edges valid on ``$as_of``.
DATED_SCANS = {
    ("LEGAL_REP", "Person", "Enterprise"): "scan_legal_reps",
    ("HOLDS_SHARES", "Person", "Enterprise"): "scan_person_holdings",
    ("HOLDS_SHARES", "Enterprise", "Enterprise"): "scan_enterprise_holdings",
}
EDGE_COLUMNS = ("src", "dst", "type", "src_label", "dst_label")


def edges_on(store, rel_types: Iterable[str], day: dt.date) -> pd.DataFrame:
    """:meth:`GraphStore.edges` (``src, dst, type, src_label, dst_label``) of ``rel_types``, the dated
    ones (roles, holdings) only where valid on ``day``: read by the scans of :data:`DATED_SCANS`,
    filtered in the scan."""
    types = list(rel_types)
    frames = []
    plain = [t for t in types if t not in MODEL.dated_rels]
    if plain:
        frames.append(store.edges(plain))
    for t in (t for t in types if t in MODEL.dated_rels):
        for a, b in MODEL.rel(t).pairs:
            name = DATED_SCANS.get((t, a, b))
            if name is None:
                raise ValueError(f"no scan of {t} edges {a}->{b} valid on a day: add one to DATED_SCANS")
            df = fetch_as_of(store, name, {}, day, arrow=True)
            frames.append(pd.DataFrame({"src": df["src"].astype(str), "dst": df["dst"].astype(str),
                                        "type": t, "src_label": a, "dst_label": b}))
    frames = [f[list(EDGE_COLUMNS)].astype({c: str for c in ("type", "src_label", "dst_label")})
              for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in EDGE_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    for c in ("type", "src_label", "dst_label"):
        out[c] = out[c].astype("category")
    return out

"""The store contract shared by the embedded (LadybugDB) and Neo4j stores.

Frames in, frames out. Nodes are keyed by ``uid``; relationships are keyed by
``(type, src, dst)``: at most one relationship of a type joins two nodes, so
loading the same batch twice leaves the same graph.

Node frames hold ``uid`` plus any model properties; a property column that is
present overwrites the stored value (nulls included), an absent column leaves
it untouched. Relationship frames hold ``src`` and ``dst`` (the endpoint uids)
plus any relationship properties.
"""
from __future__ import annotations

import datetime as _dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from creditgraph.graph import cypher
from creditgraph.graph.model import KEY, MODEL, GraphModel, coerce_frame


_NUMERIC = ("INT8", "INT16", "INT32", "INT64", "INT128", "UINT8", "UINT16", "UINT32", "UINT64", "FLOAT", "DOUBLE",
            "SERIAL")


class Rows(list):
    """A query's rows as dicts, with its column names (also when no row came back). Values as the
    driver gives them: ``None`` for missing, ``datetime.date`` / ``datetime.datetime`` for dates, lists
    as lists. A profile's dozen small reads cost ~0.15 ms each this way against ~0.5-1 ms as DataFrames
    (LadybugDB at 1M enterprises: pandas' fixed cost per frame and column dominates small results)."""

    def __init__(self, columns: Iterable[str], rows: Iterable[dict] = (), types: dict[str, str] | None = None):
        super().__init__(rows)
        self.columns = list(columns)
        self.types = dict(types or {})  # column -> the engine's type name, where the store knows it

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame shaped like :meth:`GraphStore.run`'s (date columns as datetime64[us]).

        >>> import datetime as dt
        >>> Rows(["a", "d"], [{"a": "x", "d": dt.date(2020, 1, 2)}, {"a": None, "d": None}]).frame().dtypes.tolist()
        [<StringDtype(na_value=nan)>, dtype('<M8[us]')]
        """
        df = pd.DataFrame(list(self), columns=self.columns)
        for c in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[c]):
                df[c] = timestamps(df[c])
            if df[c].dtype != object:
                continue
            present = df[c].dropna()
            kind = self.types.get(c, "")
            if (all(isinstance(x, (_dt.date, _dt.datetime)) for x in present) if len(present)
                    else kind in ("DATE", "TIMESTAMP")):
                df[c] = timestamps(df[c])
            elif not len(present) and kind in _NUMERIC:  # a column of nulls keeps its numbers' dtype
                df[c] = df[c].astype("float64")
        return df


def timestamps(s: pd.Series) -> pd.Series:
    """Dates and datetimes as naive ``datetime64[us]`` (aware ones converted to UTC)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
    else:
        aware = any(isinstance(x, _dt.datetime) and x.tzinfo is not None for x in s.dropna())
        out = pd.to_datetime(s, utc=aware)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(None)
    return out.astype("datetime64[us]")


def lookup(values: pd.Series, mapping: pd.Series) -> pd.Series:
    """``values.map(mapping)`` for string keys, through an Arrow hash lookup (pandas' map of Arrow
    strings against a large string index is several times slower). ``mapping``'s index must be unique.

    >>> lookup(pd.Series(["b", "x", None]), pd.Series(["B"], index=["b"])).tolist()
    ['B', <NA>, <NA>]
    """
    v = pa.array(values.astype("string"), from_pandas=True)
    k = pa.array(pd.Series(mapping.index, dtype="string"), from_pandas=True)
    if k.type != v.type:
        k = k.cast(v.type)
    pos = pc.index_in(v, value_set=k)
    out = pc.take(pa.array(mapping.astype("string"), from_pandas=True), pos)
    return pd.Series(out, index=values.index, dtype="string")


def isin(values: pd.Series, members: pd.Series) -> np.ndarray:
    """Vectorised membership for string keys (pandas 3's Arrow-string ``isin`` loops in Python).

    >>> isin(pd.Series(["a", "b", None]), pd.Series(["b"])).tolist()
    [False, True, False]
    """
    v = pa.array(values.astype("string"), from_pandas=True)
    m = pa.array(members.astype("string"), from_pandas=True).drop_null()
    if m.type != v.type:
        m = m.cast(v.type)
    return pc.fill_null(pc.is_in(v, value_set=m), False).to_numpy(zero_copy_only=False)


def pair_key(src: pd.Series, dst: pd.Series) -> pd.Series:
    """One string per (src, dst) pair, for membership tests on relationships."""
    return src.astype("string") + "\x1f" + dst.astype("string")


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    skipped: int = 0  # relationship rows whose endpoint does not exist (on_missing="skip")

    def __iadd__(self, other: "UpsertResult") -> "UpsertResult":
        self.inserted += other.inserted
        self.updated += other.updated
        self.skipped += other.skipped
        return self


class MissingEndpoints(ValueError):
    """Relationship rows name nodes that are not in the graph."""


class GraphStore(ABC):
    """What both stores offer; see the module docstring for frame conventions."""

    dialect: str = ""
    model: GraphModel = MODEL

    # --- schema -----------------------------------------------------------
    @abstractmethod
    def create_schema(self) -> None:
        """Create (or migrate to) the model's schema; safe to call again."""

    def schema_version(self) -> dict:
        """``{"model_version": int, "signature": str}`` as stored in the graph."""
        v = self.get_meta("model_version")
        return {"model_version": int(v) if v else None, "signature": self.get_meta("signature")}

    def _stamp_model(self) -> None:
        """Record which model the schema was made from (the last step of ``create_schema``)."""
        self.set_meta("model_version", str(self.model.version))
        self.set_meta("signature", self.model.signature)

    # --- writes -----------------------------------------------------------
    @abstractmethod
    def upsert_nodes(self, label: str, df: pd.DataFrame) -> UpsertResult: ...

    @abstractmethod
    def upsert_relationships(
        self, rel_type: str, src_label: str, dst_label: str, df: pd.DataFrame, on_missing: str = "raise"
    ) -> UpsertResult: ...

    @abstractmethod
    def delete_nodes(self, label: str, uids: Iterable[str]) -> int:
        """Delete nodes and every relationship touching them; returns how many nodes went."""

    @abstractmethod
    def delete_relationships(self, rel_type: str, src_label: str, dst_label: str, pairs: pd.DataFrame) -> int:
        """Delete relationships named by ``src``/``dst`` pairs; returns how many went."""

    # Writes whose rows the caller has already checked against the graph (a refresh's diff):
    # stores may skip their own existence checks. The defaults are the checked upserts.
    def copy_nodes_file(self, label: str, path: Path, rows: int = 500_000) -> int:
        """Write the nodes of a Parquet file (model properties, one row per uid, none stored: a partitioned
        bulk load's merged nodes), ``rows`` at a time; returns how many."""
        return sum(self.insert_nodes(label, b.to_pandas()) for b in pq.ParquetFile(path).iter_batches(batch_size=rows))

    def copy_rels_file(self, rel_type: str, src_label: str, dst_label: str, path: Path, rows: int = 500_000) -> int:
        """Write the edges of a Parquet file (``src``, ``dst``, model properties; new, between stored nodes)."""
        return sum(self.insert_relationships(rel_type, src_label, dst_label, b.to_pandas(), bulk=True)
                   for b in pq.ParquetFile(path).iter_batches(batch_size=rows))

    def insert_nodes(self, label: str, df: pd.DataFrame) -> int:
        """Insert nodes known to be new (a partitioned bulk load's merged nodes: one row per uid, none
        stored); returns how many."""
        return self.upsert_nodes(label, df).inserted

    def insert_relationships(self, rel_type: str, src_label: str, dst_label: str, df: pd.DataFrame,
                             bulk: bool = False) -> int:
        """Insert relationships known to be new, between nodes known to exist (``bulk``: a large batch of a
        bulk load, which a store may write by its bulk path whatever the batch's shape)."""
        return self.upsert_relationships(rel_type, src_label, dst_label, df, on_missing="skip").inserted

    def update_relationships(self, rel_type: str, src_label: str, dst_label: str, df: pd.DataFrame) -> int:
        """Set the given columns on relationships known to exist."""
        return self.upsert_relationships(rel_type, src_label, dst_label, df, on_missing="skip").updated

    def stage_relationship_updates(self, updates: list[tuple[str, str, str, pd.DataFrame]]) -> list:
        """Relationship updates (``rel_type, src_label, dst_label, df`` of ``src``, ``dst`` and the columns
        to change) made ready for :meth:`write_relationship_updates`. A writer stages them before it writes
        anything: the embedded store reads the stored values the updates keep here (EmbeddedStore)."""
        return list(updates)

    def write_relationship_updates(self, staged: list) -> int:
        """Write updates staged by :meth:`stage_relationship_updates`; the number of edges updated."""
        return sum(self.update_relationships(rtype, a, b, df) for rtype, a, b, df in staged)

    def delete_known_relationships(self, rel_type: str, src_label: str, dst_label: str, pairs: pd.DataFrame) -> int:
        """Delete relationships known to exist."""
        return self.delete_relationships(rel_type, src_label, dst_label, pairs)

    # --- reads ------------------------------------------------------------
    @abstractmethod
    def run(self, text: str, params: dict | None = None) -> pd.DataFrame:
        """Run Cypher text of this store's dialect (internal: analyses use ``query``)."""

    def query(self, name: str, params: dict | None = None, *, scan: bool = False) -> pd.DataFrame:
        """Run a named read query from ``queries/cypher`` with its declared parameters.
        ``scan``: a whole-table read of flat columns (see :meth:`scan`)."""
        q = cypher.get(name)
        params = dict(params or {})
        q.check_params(params)
        text = q.text(self.dialect)
        return self.scan(text, params) if scan else self.run(text, params)

    def records(self, name: str, params: dict | None = None) -> Rows:
        """A named read query's rows as dicts (:class:`Rows`): for small keyed reads, where a DataFrame's
        fixed cost dominates."""
        q = cypher.get(name)
        params = dict(params or {})
        q.check_params(params)
        return self.run_rows(q.text(self.dialect), params)

    def run_rows(self, text: str, params: dict | None = None) -> Rows:
        """:meth:`run` as :class:`Rows` (stores override it with a read that builds no DataFrame)."""
        df = self.run(text, params)
        return Rows(df.columns, ({k: (None if v is pd.NaT or (isinstance(v, float) and v != v) else v)
                                  for k, v in r.items()} for r in df.to_dict("records")))

    def scan(self, text: str, params: dict | None = None) -> pd.DataFrame:
        """A read of flat columns (no nodes, relationships or paths), typically a whole table; a
        store may read it faster than :meth:`run` (the embedded store reads it as Arrow)."""
        return self.run(text, params)

    def run_arrow(self, text: str, params: dict | None = None) -> pa.Table:
        """:meth:`scan` as an Arrow table."""
        return pa.Table.from_pandas(self.scan(text, params), preserve_index=False)

    # --- keyed reads: how the ETL, the refresh and verify read stored rows ------------------
    KEYS_CLAUSE = "UNWIND $keys AS k"  # binds each key of ``$keys`` to ``k``
    REL_TYPE_FUNCTION = "type"  # the Cypher function naming a relationship's type

    def _keys_param(self, keys: pd.Series):
        """``$keys`` as this store takes it."""
        return keys.tolist()

    def keyed_read(self, text: str, keys: Iterable[str]) -> pd.DataFrame:
        """Run ``text`` (which starts with :attr:`KEYS_CLAUSE`) over ``keys`` in batches of
        :data:`KEYED_BATCH`; the batches' rows concatenated."""
        uniq = pd.Series(keys, dtype="string").dropna().drop_duplicates()
        frames = []
        for start in range(0, len(uniq), KEYED_BATCH):
            df = self.scan(text, {"keys": self._keys_param(uniq.iloc[start:start + KEYED_BATCH])})
            if len(df):
                frames.append(df)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def nodes_by(self, label: str, prop: str, values: Iterable[str], cols: Iterable[str] = ()) -> pd.DataFrame:
        """``uid`` and ``cols`` (as stored) of the ``label`` nodes whose ``prop`` is one of ``values``."""
        self.model.node(label)
        return self.keyed_read(keyed_nodes_text(self.KEYS_CLAUSE, label, prop, list(cols)), values)

    def edges_by(self, rel_type: str, src_label: str, dst_label: str, keys: Iterable[str], by: str = "src",
                 cols: Iterable[str] = ()) -> pd.DataFrame:
        """``src, dst`` and ``cols`` of the ``rel_type`` edges whose ``by`` end is one of ``keys``,
        reached from that node (its adjacency, not a scan of the relationship table)."""
        self.model.check_pair(rel_type, src_label, dst_label)
        df = self.keyed_read(keyed_edges_text(self.KEYS_CLAUSE, rel_type, src_label, dst_label, by, list(cols)), keys)
        if len(df):
            df = df[df["src"].notna() & df["dst"].notna()].reset_index(drop=True)
        return df

    def edges_out(self, src_label: str, keys: Iterable[str], rel_types: Iterable[str],
                  cols: Iterable[str] = ()) -> pd.DataFrame:
        """``src, type, dst`` and ``cols`` of the edges of any of ``rel_types`` leaving the ``src_label``
        nodes ``keys``: one adjacency read for several types (a column a type lacks comes back null)."""
        self.model.node(src_label)
        types = [t for t in rel_types if src_label in self.model.rel(t).sources]
        if not types:
            return pd.DataFrame(columns=["src", "type", "dst", *cols])
        text = keyed_out_edges_text(self.KEYS_CLAUSE, self.REL_TYPE_FUNCTION, src_label, types, list(cols))
        df = self.keyed_read(text, keys)
        if len(df):
            df = df[df["dst"].notna()].reset_index(drop=True)
        return df

    def stored_properties(self, table: str) -> set[str] | None:
        """The properties the stored schema of a label or relationship type has (an older graph may
        lack new ones); None where any property may be stored."""
        return None

    @abstractmethod
    def node_keys(self, label: str) -> pd.Series:
        """All uids of a label."""

    @abstractmethod
    def _pairs(self, rel_type: str, src_label: str, dst_label: str) -> pd.DataFrame:
        """``src, dst`` uids of every ``rel_type`` edge from ``src_label`` to ``dst_label``."""

    def edges(self, rel_types: Iterable[str] | None = None) -> pd.DataFrame:
        """Edge arrays for whole-graph algorithms: ``src, dst, type, src_label, dst_label``."""
        frames = []
        for rtype in rel_types or self.model.rels:
            for a, b in self.model.rel(rtype).pairs:
                df = self._pairs(rtype, a, b)
                if len(df):
                    df["type"], df["src_label"], df["dst_label"] = rtype, a, b
                    frames.append(df)
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in ("src", "dst", "type", "src_label", "dst_label")})
        out = pd.concat(frames, ignore_index=True)
        for c in ("type", "src_label", "dst_label"):
            out[c] = out[c].astype("category")
        return out

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Node count per label and relationship count per type."""

    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None:
        """Release what the store holds; stores with nothing to release keep this no-op."""
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- frames typed by the model (the stores and the diff prepare frames the same way) ---
    def prepare_nodes(self, label: str, df: pd.DataFrame) -> pd.DataFrame:
        """Type a node frame by the model and keep the last row per uid."""
        node = self.model.node(label)
        if KEY not in df.columns:
            raise ValueError(f"{label} frame has no {KEY!r} column")
        out = coerce_frame(df, node.properties)
        bad = out[KEY].isna() | (out[KEY].str.len() == 0)
        if bad.any():
            raise ValueError(f"{label} frame has {int(bad.sum())} rows without a {KEY}")
        return out.drop_duplicates(KEY, keep="last").reset_index(drop=True)

    def prepare_relationships(self, rel_type: str, src_label: str, dst_label: str, df: pd.DataFrame) -> pd.DataFrame:
        self.model.check_pair(rel_type, src_label, dst_label)
        for col in ("src", "dst"):
            if col not in df.columns:
                raise ValueError(f"{rel_type} frame needs a {col!r} column")
        out = coerce_frame(df, self.model.rel(rel_type).properties, keep=("src", "dst"))
        out["src"] = out["src"].astype("string")
        out["dst"] = out["dst"].astype("string")
        out = out.dropna(subset=["src", "dst"])
        out = out[~pair_key(out["src"], out["dst"]).duplicated(keep="last").to_numpy()]
        return out.reset_index(drop=True)


KEYED_BATCH = 50_000  # keys per keyed read: LadybugDB costs about the same for 5K and 50K keys


def keyed_nodes_text(keys_clause: str, label: str, prop: str, cols: list[str]) -> str:
    """Nodes whose ``prop`` is a key: the primary key as a pattern (an index lookup on both
    stores), any other property as a ``WHERE`` (index-backed on Neo4j)."""
    ret = ", ".join(dict.fromkeys([f"n.{KEY} AS {KEY}"] + [f"n.{c} AS {c}" for c in cols if c != KEY]))
    match = f"MATCH (n:{label} {{{KEY}: k}})" if prop == KEY else f"MATCH (n:{label}) WHERE n.{prop} = k"
    return f"{keys_clause} {match} RETURN {ret}"


def keyed_edges_text(keys_clause: str, rel_type: str, src_label: str, dst_label: str, by: str, cols: list[str]) -> str:
    """Edges of each key's node at its ``by`` end.

    LadybugDB plans ``(x {uid: k})-[r]->(y)`` as a scan of the whole relationship table
    hash-joined with the keys (~1 s at 1M edges, whatever the number of keys). Matching the
    keyed end first and the edge in an ``OPTIONAL MATCH`` makes it extend from the matched
    nodes only (14x faster for 12K keys); keys without edges come back with a null far end.
    """
    if by not in ("src", "dst"):
        raise ValueError(f"by must be 'src' or 'dst', not {by!r}")
    anchor = f"(x:{src_label} {{{KEY}: k}})" if by == "src" else f"(y:{dst_label} {{{KEY}: k}})"
    edge = f"(x)-[r:{rel_type}]->(y:{dst_label})" if by == "src" else f"(x:{src_label})-[r:{rel_type}]->(y)"
    ret = ", ".join([f"x.{KEY} AS src", f"y.{KEY} AS dst"] + [f"r.{c} AS {c}" for c in cols])
    return f"{keys_clause} MATCH {anchor} OPTIONAL MATCH {edge} RETURN {ret}"


def keyed_out_edges_text(keys_clause: str, type_fn: str, src_label: str, rel_types: list[str], cols: list[str]) -> str:
    """Edges of several types leaving each key's node, matched from the node (see :func:`keyed_edges_text`).

    >>> keyed_out_edges_text("UNWIND $keys AS k", "type", "Person", ["LEGAL_REP", "HOLDS_SHARES"], ["ratio"])
    'UNWIND $keys AS k MATCH (x:Person {uid: k}) OPTIONAL MATCH (x)-[r:LEGAL_REP|HOLDS_SHARES]->(y) RETURN x.uid AS src, type(r) AS type, y.uid AS dst, r.ratio AS ratio'
    """
    ret = ", ".join([f"x.{KEY} AS src", f"{type_fn}(r) AS type", f"y.{KEY} AS dst"] + [f"r.{c} AS {c}" for c in cols])
    return (f"{keys_clause} MATCH (x:{src_label} {{{KEY}: k}}) OPTIONAL MATCH (x)-[r:{'|'.join(rel_types)}]->(y) "
            f"RETURN {ret}")


def open_store(settings=None, read_only: bool = False) -> GraphStore:
    """The configured store: embedded by default, Neo4j when asked for."""
    from creditgraph.graph.config import load_settings

    settings = settings or load_settings()
    if settings.store == "neo4j":
        from creditgraph.graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_settings(settings.neo4j)
    if settings.store != "embedded":
        raise ValueError(f"unknown store kind {settings.store!r}: use 'embedded' or 'neo4j'")
    from creditgraph.graph.embedded import EmbeddedStore

    return EmbeddedStore(settings.db_path, read_only=read_only)

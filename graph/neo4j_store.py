"""The Neo4j store: Neo4j 5 / 2025.x through the official ``neo4j`` driver.

Same contract and semantics as the embedded store (:mod:`graph.store`), for
production graphs and for graphs beyond one machine:

* the schema comes from the graph model: a uniqueness constraint on ``uid`` per
  label, range indexes on ``index: true`` properties, one full-text index over
  the ``fulltext: true`` properties, and a ``GraphMeta`` node per key (``k``,
  ``v``) for the model version and signature;
* loads are ``UNWIND $rows`` batches (``batch_size`` rows, 10,000 by default),
  each inside a managed write transaction (``session.execute_write``), which
  the driver retries on transient errors (deadlocks, leader switches); every
  statement is an idempotent ``MERGE``, so a retried batch leaves the same graph;
* reads run in managed read transactions (``session.execute_read``), which a
  ``neo4j://`` or ``neo4j+s://`` routing driver sends to followers and read
  replicas of a cluster or Aura; ``database`` picks a database on a
  multi-database server (none: the user's home database).

Credentials go to the driver and nowhere else: not into reprs, logs or error
messages (driver errors about authentication and connectivity are re-raised as
:class:`Neo4jStoreError` with the password scrubbed and the cause detached).

Every Cypher text this module can send is listed by :func:`generated_statements`,
which the CI lint step (``python -m creditgraph.app.lint``) checks with Neo4j's own linter.
Labels, relationship types and property names in these texts come from the
graph model only; values always travel as parameters.

The store does not create the schema when it connects (a read-only user may
connect): call :meth:`Neo4jStore.create_schema` before the first load.
"""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import pandas as pd

from creditgraph.graph.config import redact_uri
from creditgraph.graph.model import KEY, MODEL, GraphModel
from creditgraph.graph.neo4j_cypher import (  # noqa: F401  (re-exported: the store's statements)
    DROP_FULLTEXT, FULLTEXT_ANALYZER, FULLTEXT_INDEX, GET_META, META, READ_VERSION, SET_META, SHOW_FULLTEXT,
    count_nodes_text,
    count_rels_text, delete_nodes_text,
    delete_rels_text, edges_text, existing_keys_text, fulltext_spec, generated_statements, node_keys_text,
    node_upsert_text, rel_create_text, rel_update_text, rel_upsert_text, rename_rel_property_text, schema_statements)
from creditgraph.graph.neo4j_values import _Converter, _timestamps, frame_records  # noqa: F401  (re-exported)
from creditgraph.graph.store import GraphStore, MissingEndpoints, Rows, UpsertResult

log = logging.getLogger(__name__)
COMMITTING = "committing"  # GraphMeta key: set while an atomic() block's commit is being applied
BATCH = 10_000
WRITERS = 2  # concurrent write transactions of a bulk write (see Neo4jStore._write_batches)

# Bolt URIs: direct (bolt) or routing (neo4j, for clusters and Aura); +s: TLS, +ssc: TLS, self-signed.
SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")

class Neo4jStoreError(RuntimeError):
    """The Neo4j server could not be used (its message never holds the password)."""


class Neo4jConfigError(Neo4jStoreError, ValueError):
    """The Neo4j settings are unusable (no URI, a password inside it, an unknown scheme)."""


class Neo4jConnectionError(Neo4jStoreError):
    """The server cannot be reached (wrong URI, server down, TLS mismatch)."""


class Neo4jAuthError(Neo4jStoreError):
    """The server refused the credentials."""


# --- Cypher texts -------------------------------------------------------------
# Each builder returns the exact text the store sends; generated_statements()
# lists them all for the linter.
class _Secret:
    """A credential that shows as *** in every repr."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __repr__(self) -> str:
        return "***"


class Neo4jStore(GraphStore):
    """A graph in a Neo4j database; see the module docstring."""

    dialect = "neo4j"

    def __init__(self, uri: str, user: str = "neo4j", password: str | None = None, database: str | None = None,
                 *, model: GraphModel = MODEL, batch_size: int = BATCH, writers: int = WRITERS,
                 connection_timeout: float = 30.0, max_transaction_retry_time: float = 30.0, verify: bool = True,
                 **driver_config):
        if not uri:
            raise Neo4jConfigError("the Neo4j URI is not set: set NEO4J_URI or [neo4j] uri in creditgraph.toml")
        scheme, sep, rest = uri.partition("://")
        scheme = scheme.lower() if sep else ""
        if "@" in rest.split("/", 1)[0]:
            raise Neo4jConfigError("the Neo4j URI must not hold credentials (user:password@host): "
                             "set NEO4J_USER and NEO4J_PASSWORD instead")
        if scheme not in SCHEMES:
            raise Neo4jConfigError(f"unsupported Neo4j URI scheme {scheme!r}: the URI must start with one of "
                             f"{', '.join(s + '://' for s in SCHEMES)}")
        from neo4j import GraphDatabase

        self.model = model
        self.uri = redact_uri(uri)  # the constructor refuses credentials in it anyway
        self.user = user
        self.database = database or None
        self.batch_size = int(batch_size)
        self.writers = max(1, int(writers))
        self._secrets = tuple(_Secret(s) for s in (password,) if s)
        self._driver = None
        self._tx = None  # the open transaction of an atomic() block
        # The server's notices (e.g. "relationship type does not exist" for a count of an empty type)
        # are not the user's business; pass notifications_min_severity to see them.
        driver_config.setdefault("notifications_min_severity", "OFF")
        with self._errors():
            self._driver = GraphDatabase.driver(
                uri,
                auth=(user, password) if password is not None else None,
                connection_timeout=connection_timeout,
                max_transaction_retry_time=max_transaction_retry_time,
                **driver_config,
            )
            if verify:
                self._driver.verify_connectivity()
        log.info("connected to Neo4j at %s (database %s)", self.uri, self.database or "<home>")

    @classmethod
    def from_settings(cls, settings, **kw) -> "Neo4jStore":
        """A store from :class:`graph.config.Neo4jSettings` (``uri``, ``user``, ``password``, ``database``)."""
        if not settings.uri:
            raise Neo4jConfigError("the Neo4j URI is not set: set NEO4J_URI or [neo4j] uri in creditgraph.toml")
        return cls(settings.uri, settings.user, settings.password, settings.database, **kw)

    def __repr__(self) -> str:
        return f"Neo4jStore(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"

    # --- lifecycle and plumbing ------------------------------------------------------
    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def _one_line(self, exc: BaseException) -> str:
        return " ".join(self._scrub(str(exc)).split())

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret.value, "***")
        return text

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Re-raise driver auth/connectivity errors without credentials (and without the cause chain)."""
        from neo4j.exceptions import (AuthError, ConfigurationError, DriverError, ServiceUnavailable, SessionExpired,
                                      TransactionError, TransientError)

        where = f"{self.uri}" + (f" (database {self.database})" if self.database else "")
        try:
            yield
        except AuthError as exc:
            msg = self._one_line(exc)
            raise Neo4jAuthError(
                f"Neo4j at {where} refused the credentials of user {self.user!r}: {msg}; "
                "check NEO4J_USER and NEO4J_PASSWORD") from None
        except ServiceUnavailable as exc:
            msg = self._one_line(exc)
            raise Neo4jConnectionError(
                f"cannot reach Neo4j at {where}: {msg}; check NEO4J_URI and that the server is running") from None
        except (SessionExpired, TransactionError, TransientError) as exc:
            # the server went away or ended the transaction (shutdown, restart, retries exhausted)
            msg = self._one_line(exc)
            raise Neo4jConnectionError(
                f"Neo4j at {where} ended the transaction in progress ({type(exc).__name__}: {msg[:300]}); "
                "it was not committed: run the command again") from None
        except (ConfigurationError, ValueError) as exc:
            if self._driver is not None:  # only wrap errors raised while building the driver
                raise
            msg = self._scrub(str(exc))
            raise Neo4jStoreError(f"cannot configure the Neo4j driver for {where}: {msg}") from None
        except DriverError as exc:
            if not any(s.value in str(exc) for s in self._secrets):
                raise
            raise Neo4jStoreError(self._scrub(f"{type(exc).__name__}: {exc}")) from None

    def _session(self):
        if self._driver is None:
            raise Neo4jStoreError(f"{self!r} is closed")
        return self._driver.session(database=self.database)

    @staticmethod
    def _collect(tx, text: str, params: dict | None) -> tuple[list[str], list[list], Any]:
        result = tx.run(text, params or {})
        keys = list(result.keys())
        rows = [list(record.values()) for record in result]
        return keys, rows, result.consume().counters

    def _read(self, text: str, params: dict | None = None) -> tuple[list[str], list[list]]:
        """Run a read in a managed read transaction (in an atomic() block: in its transaction): ``(keys, rows)``."""
        if self._tx is not None:
            keys, rows, _ = self._in_tx(text, params)
            return keys, rows
        with self._errors(), self._session() as session:
            keys, rows, _ = session.execute_read(self._collect, text, params)
        return keys, rows

    def _write(self, text: str, params: dict | None = None) -> tuple[list[list], Any]:
        """Run a write in a managed write transaction (in an atomic() block: in its transaction): ``(rows, counters)``."""
        if self._tx is not None:
            _, rows, counters = self._in_tx(text, params)
            return rows, counters
        with self._errors(), self._session() as session:
            _, rows, counters = session.execute_write(self._collect, text, params)
        return rows, counters

    def _in_tx(self, text: str, params: dict | None) -> tuple[list[str], list[list], Any]:
        with self._errors():
            return self._collect(self._tx, text, params)

    @contextmanager
    def atomic(self) -> Iterator["Neo4jStore"]:
        """Every read and write of this store inside the block runs in one write transaction, committed
        when the block ends and rolled back when it raises: other readers see all of it or none of it.

        The driver does not retry such a transaction on a transient error (it cannot replay the
        block): the error propagates and the caller runs the whole block again. The transaction's
        changes are held in the server's heap until commit (size the heap for the largest change set;
        ``db.memory.transaction.max`` caps it).
        """
        if self._tx is not None:
            raise Neo4jStoreError("atomic() blocks do not nest")
        with self._errors(), self._session() as session:
            tx = session.begin_transaction()
            self._tx = tx
            try:
                yield self
            except BaseException:
                self._tx = None
                if not tx.closed():
                    tx.rollback()
                raise
            self._tx = None
            # Neo4j applies a commit to its stores while readers read (read committed, no snapshots): the
            # marker, committed before and cleared after, tells a reader its reads may straddle the apply
            self._write(SET_META, {"k": COMMITTING, "v": dt.datetime.now(dt.timezone.utc).isoformat()})
            try:
                tx.commit()
            finally:
                self._write(SET_META, {"k": COMMITTING, "v": ""})

    def read_version(self) -> tuple[str | None, bool]:
        """``(graph_version, committing)`` in one statement. A reader that must never see a mix reads this
        before and after its reads and keeps them only when both are equal and not committing
        (docs/neo4j.md): a version check alone can see the new stamp beside old data while a commit is
        being applied."""
        _, rows = self._read(READ_VERSION)
        version, marker = rows[0] if rows else (None, None)
        return version, bool(marker)

    def _batches(self, items: list) -> Iterator[list]:
        for start in range(0, len(items), self.batch_size):
            yield items[start:start + self.batch_size]

    def _frame_batches(self, df: pd.DataFrame, types: dict[str, str]) -> Iterator[list[dict]]:
        """Driver-ready rows, one batch at a time (memory holds a batch, not the frame, as dicts)."""
        for start in range(0, len(df), self.batch_size):
            yield frame_records(df.iloc[start:start + self.batch_size], types)

    def _write_batches(self, text: str, batches: Iterable[list], param: str = "rows") -> Iterator[tuple[int, list, Any]]:
        """``(len(batch), rows, counters)`` per batch, in order. Outside an atomic() block, up to
        ``writers`` batches run at once, each in its own managed write transaction (retried on
        transient errors such as lock deadlocks): the server's write path is single-threaded per
        transaction, so two writers use both cores of a small machine. Callers write batches that do
        not depend on each other (distinct keys, distinct pairs)."""
        if self._tx is not None or self.writers == 1:
            for batch in batches:
                rows, counters = self._write(text, {param: batch})
                yield len(batch), rows, counters
            return
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.writers, thread_name_prefix="neo4j-writer") as pool:
            pending: deque = deque()
            try:
                for batch in batches:
                    pending.append((len(batch), pool.submit(self._write, text, {param: batch})))
                    while len(pending) > 2 * self.writers:
                        n, fut = pending.popleft()
                        yield (n, *fut.result())
                while pending:
                    n, fut = pending.popleft()
                    yield (n, *fut.result())
            finally:
                for _, fut in pending:
                    fut.cancel()

    # --- schema --------------------------------------------------------------------
    def create_schema(self) -> None:
        ddl = schema_statements(self.model)
        self._write(ddl[0])  # GraphMeta's constraint first: the stored signature is read next
        stored = self.get_meta("signature")
        if (stored is not None and stored != self.model.signature) or self._fulltext_differs():
            # the model changed: the full-text index may cover other labels or properties now
            self._write(DROP_FULLTEXT)
        for text in ddl[1:]:
            self._write(text)
        self._clear_stale_marker()
        self._move_renamed()
        self._stamp_model()

    def _clear_stale_marker(self, older_than_s: float = 600) -> None:
        """A writer killed inside its commit leaves the commit-window marker set; the next writable open
        clears it once it is older than any commit's apply takes (minutes, not milliseconds)."""
        marker = self.get_meta(COMMITTING)
        if not marker:
            return
        try:
            age = (dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(marker)).total_seconds()
        except ValueError:
            age = older_than_s
        if age >= older_than_s:
            self._write(SET_META, {"k": COMMITTING, "v": ""})

    def _move_renamed(self, batch: int = 10_000) -> None:
        """Values of relationship properties an older model named otherwise (``renamed_from``) move to
        the new name, in batches."""
        for rtype, old, new in self.model.renamed():
            while True:
                rows, _ = self._write(rename_rel_property_text(rtype, old, new), {"n": batch})
                if not rows or not rows[0][0]:
                    break

    def _fulltext_differs(self) -> bool:
        """An index named like ours exists with other labels, properties or analyzer (e.g. made by an
        older version on a database whose stored signature was wiped)."""
        _, rows = self._read(SHOW_FULLTEXT, {"index": FULLTEXT_INDEX})
        if not rows:
            return False
        labels, props = fulltext_spec(self.model)
        got_labels, got_props, options = rows[0]
        analyzer = ((options or {}).get("indexConfig") or {}).get("fulltext.analyzer")
        return (sorted(got_labels or []) != sorted(labels) or sorted(got_props or []) != sorted(props)
                or analyzer != FULLTEXT_ANALYZER)

    def get_meta(self, key: str) -> str | None:
        _, rows = self._read(GET_META, {"k": key})
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._write(SET_META, {"k": key, "v": value})

    # --- reads ---------------------------------------------------------------------
    def run(self, text: str, params: dict | None = None, *, write: bool = False) -> pd.DataFrame:
        """Run Neo4j Cypher; reads by default (``write=True`` for a write transaction).

        Nodes, relationships and paths come back as dicts shaped like the
        embedded store's (``_ID``, ``_LABEL``, ``_SRC``, ``_DST``, ``_NODES``,
        ``_RELS`` plus properties), dates and datetimes as ``datetime64[us]``
        columns (nested ones as ``datetime.date``/``datetime.datetime``).
        """
        if write and self._tx is not None:
            keys, rows, _ = self._in_tx(text, params)
        elif write:
            with self._errors(), self._session() as session:
                keys, rows, _ = session.execute_write(self._collect, text, params)
        else:
            keys, rows = self._read(text, params)
        return _Converter(self.model).frame(keys, rows)

    def run_rows(self, text: str, params: dict | None = None) -> Rows:
        keys, rows = self._read(text, params)
        return _Converter(self.model).rows(keys, rows)

    def _column(self, text: str, params: dict | None = None) -> list:
        _, rows = self._read(text, params)
        return [r[0] for r in rows]

    def node_keys(self, label: str) -> pd.Series:
        self.model.node(label)
        return pd.Series(self._column(node_keys_text(label)), name="uid", dtype="str")

    def _existing_keys(self, label: str, uids: pd.Series) -> set[str]:
        keys = uids.dropna().drop_duplicates().tolist()
        found: set[str] = set()
        for batch in self._batches(keys):
            found.update(self._column(existing_keys_text(label), {"uids": batch}))
        return found

    def _pairs(self, rel_type: str, src_label: str, dst_label: str) -> pd.DataFrame:
        keys, rows = self._read(edges_text(rel_type, src_label, dst_label))
        src = [r[0] for r in rows]
        dst = [r[1] for r in rows]
        return pd.DataFrame({"src": pd.Series(src, dtype="str"), "dst": pd.Series(dst, dtype="str")})

    def counts(self) -> dict[str, int]:
        texts = {label: count_nodes_text(label) for label in self.model.nodes}
        texts.update({rtype: count_rels_text(rtype) for rtype in self.model.rels})

        def work(tx):
            return {name: int(tx.run(text).single(strict=True)[0]) for name, text in texts.items()}

        if self._tx is not None:
            with self._errors():
                return work(self._tx)
        with self._errors(), self._session() as session:
            return session.execute_read(work)

    # --- writes --------------------------------------------------------------------
    def upsert_nodes(self, label: str, df: pd.DataFrame) -> UpsertResult:
        df = self.prepare_nodes(label, df)
        if df.empty:
            return UpsertResult()
        types = {p: v.type for p, v in self.model.node(label).properties.items()}
        text = node_upsert_text(label, [c for c in df.columns if c != KEY])
        result = UpsertResult()
        for n, rows, counters in self._write_batches(text, self._frame_batches(df, types)):
            merged = int(rows[0][0]) if rows else n
            result += UpsertResult(inserted=counters.nodes_created, updated=merged - counters.nodes_created)
        log.debug("upsert %s: %s", label, result)
        return result

    def upsert_relationships(self, rel_type: str, src_label: str, dst_label: str, df: pd.DataFrame,
                             on_missing: str = "raise") -> UpsertResult:
        """MERGE edges in ``UNWIND`` batches. Rows whose endpoints are missing match nothing and
        write nothing: with ``on_missing="skip"`` they are counted from each batch's shortfall (no
        extra read); with ``"raise"`` the endpoints are checked before anything is written."""
        df = self.prepare_relationships(rel_type, src_label, dst_label, df)
        if df.empty:
            return UpsertResult()
        if on_missing != "skip":
            ok = df["src"].isin(self._existing_keys(src_label, df["src"])) & \
                df["dst"].isin(self._existing_keys(dst_label, df["dst"]))
            if not ok.all():
                first = df.loc[~ok, ["src", "dst"]].iloc[0].tolist()
                raise MissingEndpoints(
                    f"{rel_type} {src_label}->{dst_label}: {int((~ok).sum())} rows name nodes not in the graph "
                    f"(first: {first}); load the nodes first or pass on_missing='skip'")
        text = rel_upsert_text(rel_type, src_label, dst_label, [c for c in df.columns if c not in ("src", "dst")])
        result = UpsertResult()
        for n, rows, counters in self._write_batches(text, self._rel_batches(rel_type, df)):
            merged = int(rows[0][0]) if rows else 0
            created = counters.relationships_created
            result += UpsertResult(inserted=created, updated=max(merged - created, 0), skipped=n - merged)
        log.debug("upsert %s %s->%s: %s", rel_type, src_label, dst_label, result)
        return result

    def insert_relationships(self, rel_type: str, src_label: str, dst_label: str, df: pd.DataFrame,
                             bulk: bool = False) -> int:
        """CREATE edges known to be new (a diff's inserts): no MERGE, no existence read."""
        df = self.prepare_relationships(rel_type, src_label, dst_label, df)
        if df.empty:
            return 0
        text = rel_create_text(rel_type, src_label, dst_label, [c for c in df.columns if c not in ("src", "dst")])
        return sum(c.relationships_created for _, _, c in self._write_batches(text, self._rel_batches(rel_type, df)))

    def _rel_batches(self, rel_type: str, df: pd.DataFrame) -> Iterator[list[dict]]:
        """Batches of edge rows ordered by their denser end (the end with fewer distinct nodes: a
        region, a shared address): the edges of one node then sit in consecutive batches, so two
        concurrent writers wait for each other's lock instead of deadlocking over dense nodes."""
        types = {p: v.type for p, v in self.model.rel(rel_type).properties.items()}
        types.update(src="STRING", dst="STRING")
        if self.writers > 1 and self._tx is None and len(df) > self.batch_size:
            dense = "dst" if df["dst"].nunique() <= df["src"].nunique() else "src"
            df = df.sort_values(dense, kind="stable")
        return self._frame_batches(df, types)

    def update_relationships(self, rel_type: str, src_label: str, dst_label: str, df: pd.DataFrame) -> int:
        """Set the given columns on edges that exist; rows naming no edge change nothing (no MERGE)."""
        df = self.prepare_relationships(rel_type, src_label, dst_label, df)
        cols = [c for c in df.columns if c not in ("src", "dst")]
        if df.empty or not cols:
            return 0
        text = rel_update_text(rel_type, src_label, dst_label, cols)
        return sum(int(rows[0][0]) if rows else 0
                   for _, rows, _ in self._write_batches(text, self._rel_batches(rel_type, df)))

    def delete_nodes(self, label: str, uids: Iterable[str]) -> int:
        self.model.node(label)
        keys = pd.Series(list(uids), dtype="string").dropna().drop_duplicates().tolist()
        return sum(c.nodes_deleted for _, _, c in
                   self._write_batches(delete_nodes_text(label), self._batches(keys), param="uids"))

    def delete_relationships(self, rel_type: str, src_label: str, dst_label: str, pairs: pd.DataFrame) -> int:
        df = self.prepare_relationships(rel_type, src_label, dst_label, pairs[["src", "dst"]])
        if df.empty:
            return 0
        batches = self._frame_batches(df, {"src": "STRING", "dst": "STRING"})
        return sum(c.relationships_deleted for _, _, c in
                   self._write_batches(delete_rels_text(rel_type, src_label, dst_label), batches))


__all__ = [
    "BATCH", "FULLTEXT_INDEX", "Neo4jAuthError", "Neo4jConnectionError", "Neo4jStore", "Neo4jStoreError",
    "frame_records", "generated_statements", "schema_statements",
]

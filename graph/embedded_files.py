"""The embedded store's Arrow typing of frames (:func:`_arrow`, used by every write) and its bulk writes
from Parquet files: ``COPY … FROM`` a file per relationship table and per piece of a node table, each
checkpointed, for a partitioned bulk load's merged nodes and edges (:mod:`etl.partitioned`), a mixin of
:class:`graph.embedded.EmbeddedStore`."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditgraph.graph.memory import release_memory
from creditgraph.graph.store import GraphStore

if TYPE_CHECKING:
    import ladybug as lb


# Node COPY runs single-threaded: with two or more worker threads LadybugDB 0.22's primary-key index
# builder (IndexBuilderGlobalQueues::maybeConsumeIndex) deadlocked here in both of two 100K-row loads and in a 1M load.
NODE_COPY_THREADS = int(os.environ.get("CREDITGRAPH_NODE_COPY_THREADS", "1"))
# node rows per COPY of a bulk write (:meth:`FileCopy._copy_pieces`): 10M enterprises in one COPY fit a 5 GiB pool
# (not 2 GiB); pieces of 2M cost 115 s more at 10M than one COPY per table (Person 146 s against 98 s)
COPY_PIECE_ROWS = int(os.environ.get("CREDITGRAPH_COPY_PIECE_ROWS", "10000000"))

_ARROW = {
    "STRING": pa.string(),
    "INT64": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOL": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


def _arrow(df: pd.DataFrame, types: dict[str, str]) -> pa.Table:
    """An Arrow table with the model's types (LadybugDB's pandas scan rejects nullable dtypes)."""
    cols = {}
    for name in df.columns:
        s = df[name]
        t = types.get(name, "STRING")
        if t == "DATE":
            cols[name] = pa.array(s.dt.date.astype(object).where(s.notna(), None), type=pa.date32())
        else:
            cols[name] = pa.array(s, type=_ARROW[t], from_pandas=True)
    return pa.table(cols)


class FileCopy(GraphStore):
    """``copy_nodes_file`` / ``copy_rels_file`` by LadybugDB's own Parquet reader."""

    _conn: lb.Connection  # the EmbeddedStore's connection and its execute
    _execute: Callable[..., Any]

    def copy_nodes_file(self, label: str, path: Path, rows: int = 500_000) -> int:
        """``COPY … FROM`` a Parquet file into an empty table, in pieces of at most :data:`COPY_PIECE_ROWS`
        with a checkpoint after each (:meth:`_copy_pieces`); a table holding nodes gets batches
        (:meth:`insert_nodes`). The caller vouches that the file holds each uid once (a COPY meeting a
        repeated key kills the process)."""
        if self._count(label):
            return super().copy_nodes_file(label, path, rows)
        types = {p: v.type for p, v in self.model.node(label).properties.items()}
        pieces, n = self._layout_file(label, path, rows, lambda df: self.prepare_nodes(label, df), types, [],
                                      COPY_PIECE_ROWS)
        self._conn.set_max_threads_for_exec(NODE_COPY_THREADS)
        try:
            self._copy_pieces(pieces, f"COPY {label} FROM '{{}}'")
        finally:
            self._conn.set_max_threads_for_exec(os.cpu_count() or 1)
        return n

    def copy_rels_file(self, rel_type: str, src_label: str, dst_label: str, path: Path, rows: int = 500_000) -> int:
        """One ``COPY … FROM`` a Parquet file of edges (new, between stored nodes: a COPY refuses the whole
        file when an endpoint is missing), then a checkpoint. Not in pieces: each COPY into a relationship
        table that holds edges, and its checkpoint, rewrite the table's adjacency (13.4M shareholdings in
        pieces of 2M at 10M enterprises: 241 s, against 67 s in one COPY), and pieces did not lower the peak."""
        types = {p: v.type for p, v in self.model.rel(rel_type).properties.items()}
        pieces, n = self._layout_file(rel_type, path, rows,
                                      lambda df: self.prepare_relationships(rel_type, src_label, dst_label, df)
                                      .rename(columns={"src": "from", "dst": "to"}), types, ["from", "to"], None)
        self._copy_pieces(pieces, f"COPY {rel_type} FROM '{{}}' (from='{src_label}', to='{dst_label}')")
        return n

    def _copy_pieces(self, pieces: list[Path], statement: str) -> None:
        """One COPY per piece, each followed by a checkpoint, after the memory the layout freed is handed
        back (:func:`release_memory`). The checkpoint after a node COPY needs buffer-pool room in proportion
        to the COPY: 10M enterprises in one COPY did not fit a 2 GiB pool; pieces of 2M did, but each piece adds its
        own COPY into a larger table and checkpoint."""
        release_memory()
        try:
            for piece in pieces:
                self._execute(statement.format(piece))
                self._execute("CHECKPOINT")
                piece.unlink()
        finally:
            for piece in pieces:
                piece.unlink(missing_ok=True)
            release_memory()

    def _count(self, label: str) -> int:
        return int(self.run(f"MATCH (n:{label}) RETURN count(n) AS c")["c"].iloc[0])

    def _layout_file(self, table: str, path: Path, rows: int, prepare, types: dict[str, str],
                     ends: list[str], piece_rows: int | None) -> tuple[list[Path], int]:
        """``path``'s rows prepared and typed as a write of them would be (:func:`_arrow`), in the table's
        column order (missing properties null), as Parquet files of at most ``piece_rows`` rows (``None``:
        one file) beside it: what ``COPY … FROM`` a file reads."""
        order = ends + [c for c in self.run(f"CALL table_info('{table}') RETURN name")["name"]]
        schema = pa.schema([(c, pa.string() if c in ends else (pa.date32() if types.get(c) == "DATE" else _ARROW[types.get(c, "STRING")]))
                            for c in order])
        pieces: list[Path] = []
        n, in_piece, w = 0, 0, None
        try:
            for b in pq.ParquetFile(path).iter_batches(batch_size=min(rows, piece_rows or rows)):
                df = prepare(b.to_pandas())
                if df.empty:
                    continue
                if w is None or (piece_rows and in_piece + len(df) > piece_rows):
                    if w is not None:
                        w.close()
                    pieces.append(Path(path).with_name(f"{Path(path).stem}.copy{len(pieces)}.parquet"))
                    w, in_piece = pq.ParquetWriter(pieces[-1], schema), 0
                tbl = _arrow(df, types)
                w.write_table(pa.table([tbl.column(c) if c in tbl.column_names else pa.nulls(len(df), schema.field(c).type)
                                        for c in order], schema=schema))
                n += len(df)
                in_piece += len(df)
        except BaseException:
            for piece in pieces:
                piece.unlink(missing_ok=True)
            raise
        finally:
            if w is not None:
                w.close()
        return pieces, n

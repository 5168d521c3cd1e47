"""The embedded store's Arrow typing of frames (:func:`_arrow`, used by every write) and its bulk writes
from Parquet files: one ``COPY … FROM`` a file per table, for a partitioned bulk load's merged nodes and
edges (:mod:`etl.partitioned`), a mixin of :class:`graph.embedded.EmbeddedStore`."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditgraph.graph.store import GraphStore

if TYPE_CHECKING:
    import ladybug as lb


# Node COPY runs single-threaded: with two or more worker threads LadybugDB 0.22's primary-key index
# builder (IndexBuilderGlobalQueues::maybeConsumeIndex) deadlocked here in both of two 100K-row loads and in a 1M load.
NODE_COPY_THREADS = int(os.environ.get("CREDITGRAPH_NODE_COPY_THREADS", "1"))

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
        """One ``COPY … FROM`` a Parquet file into an empty table (nodes: COPY into a large table is slow,
        and the file may not fit in memory); a table holding nodes gets batches (:meth:`insert_nodes`). The
        caller vouches that the file holds each uid once (a COPY meeting a repeated key kills the process)."""
        if self._count(label):
            return super().copy_nodes_file(label, path, rows)
        types = {p: v.type for p, v in self.model.node(label).properties.items()}
        layout, n = self._layout_file(label, path, rows, lambda df: self.prepare_nodes(label, df), types, [])
        self._conn.set_max_threads_for_exec(NODE_COPY_THREADS)
        try:
            if n:
                self._execute(f"COPY {label} FROM '{layout}'")
        finally:
            self._conn.set_max_threads_for_exec(os.cpu_count() or 1)
            layout.unlink(missing_ok=True)
        return n

    def copy_rels_file(self, rel_type: str, src_label: str, dst_label: str, path: Path, rows: int = 500_000) -> int:
        """One ``COPY … FROM`` a Parquet file of edges (new, between stored nodes: a COPY refuses the whole
        file when an endpoint is missing)."""
        types = {p: v.type for p, v in self.model.rel(rel_type).properties.items()}
        layout, n = self._layout_file(rel_type, path, rows,
                                      lambda df: self.prepare_relationships(rel_type, src_label, dst_label, df)
                                      .rename(columns={"src": "from", "dst": "to"}), types, ["from", "to"])
        try:
            if n:
                self._execute(f"COPY {rel_type} FROM '{layout}' (from='{src_label}', to='{dst_label}')")
        finally:
            layout.unlink(missing_ok=True)
        return n

    def _count(self, label: str) -> int:
        return int(self.run(f"MATCH (n:{label}) RETURN count(n) AS c")["c"].iloc[0])

    def _layout_file(self, table: str, path: Path, rows: int, prepare, types: dict[str, str],
                     ends: list[str]) -> tuple[Path, int]:
        """``path``'s rows prepared and typed as a write of them would be (:func:`_arrow`), in the table's
        column order (missing properties null), as a Parquet file beside it: what ``COPY … FROM`` a file reads."""
        order = ends + [c for c in self.run(f"CALL table_info('{table}') RETURN name")["name"]]
        schema = pa.schema([(c, pa.string() if c in ends else (pa.date32() if types.get(c) == "DATE" else _ARROW[types.get(c, "STRING")]))
                            for c in order])
        out = Path(path).with_name(Path(path).stem + ".copy.parquet")
        n = 0
        with pq.ParquetWriter(out, schema) as w:
            for b in pq.ParquetFile(path).iter_batches(batch_size=rows):
                df = prepare(b.to_pandas())
                if df.empty:
                    continue
                tbl = _arrow(df, types)
                w.write_table(pa.table([tbl.column(c) if c in tbl.column_names else pa.nulls(len(df), schema.field(c).type)
                                        for c in order], schema=schema))
                n += len(df)
        return out, n


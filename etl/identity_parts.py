"""Identity links of a bulk load from its Parquet tables, in partitions by name key, in bounded memory.

:func:`link_identities_from_files` gives exactly the ``POSSIBLY_SAME_AS`` links that
:func:`etl.identity.link_identities` gives on the whole batch without a store, for any number of
partitions, reading the final node and edge tables a partitioned load writes (:func:`write_batch_files`):

- ``F/nodes/<Label>.parquet``: ``GraphBatch.node_frame(label)``; read: ``Person`` (uid, name, id_masked,
  phone) and ``Address`` (uid, cluster);
- ``F/rels/<RTYPE>__<Src>__<Dst>.parquet``: the edges of one type and pair of labels (src, dst and the
  properties; duplicates may be removed: the evidence is a set of (src, dst) pairs either way); read:
  ``LEGAL_REP__Person__*``, ``HOLDS_SHARES__Person__*`` (roles), ``HAS_EMAIL__{Person,Enterprise}__*``,
  ``HAS_PHONE__{Person,Enterprise}__*``, ``HAS_ADDRESS__*__*``, ``HOLDS_SHARES__Enterprise__Enterprise``;
- ``F/skipped/<RTYPE>__<Src>__<Dst>.parquet`` (optional): edges a load skips because an end is not a node;
  evidence all the same, as they are in a batch;
- written: ``F/rels/POSSIBLY_SAME_AS__Person__Person.parquet`` (src, dst, score, evidence; score >=
  ``MIN_LINK_SCORE``; sorted by src, dst).

Every candidate pair shares a normalised name (the name key), and every record of a name is in one
partition (``hash(name key) % parts``), so pairs, block sizes and name frequencies are those of the whole
graph. What is counted across names is counted once, graph-wide, in DuckDB over the Parquet files and
given to each partition's scorer (``identity_evidence.GraphCounts``): the parties of each phone and e-mail
(enterprises, and person names), the people holding a role in each company, the companies at each
non-cluster address, and the corporate groups (connected components of at most ``GROUP_CAP`` companies of
the shareholding links of companies with at most ``COMPANY_CAP`` links) with their links.

Cost: the graph-wide step is DuckDB hash joins, aggregates and sorts over the tables (O(N log N), in an
on-disk database that spills beyond ``memory_limit``); in Python only the name keys (streamed in record
batches) and the component labelling (two integer arrays of the capped company links). Each partition's
tables are sorted by partition, so a partition reads only its row groups: its work and memory are
O(its people and their evidence), ~N/parts; no per-row Python anywhere (Arrow, numpy, pandas).
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditgraph.etl.identity import (COMPANY_CAP, MIN_LINK_SCORE, REL, _encode, candidate_pairs, group_components,
                                      score_pairs)
from creditgraph.etl.identity_evidence import Evidence, GraphCounts, _frame, name_key_arrow

LINKS_FILE = f"{REL}__Person__Person.parquet"
PEOPLE_COLS = ("uid", "name", "id_masked", "phone")
LINK_SCHEMA = pa.schema([("src", pa.string()), ("dst", pa.string()), ("score", pa.float64()), ("evidence", pa.string())])


def write_batch_files(batch, folder: Path) -> Path:
    """Write ``batch`` in the layout :func:`link_identities_from_files` reads: each label's
    ``node_frame`` to ``nodes/<Label>.parquet``, each (type, src label, dst label)'s frames concatenated,
    deduplicated on (src, dst) keeping the last row, to ``rels/<TYPE>__<Src>__<Dst>.parquet``."""
    folder = Path(folder)
    (folder / "nodes").mkdir(parents=True, exist_ok=True)
    (folder / "rels").mkdir(parents=True, exist_ok=True)
    for label in batch.nodes:
        frame = batch.node_frame(label)
        if len(frame):
            frame.to_parquet(folder / "nodes" / f"{label}.parquet", index=False)
    keys: dict[tuple[str, str, str], list[pd.DataFrame]] = {}
    for rtype, a, b, df in batch.rels:
        keys.setdefault((rtype, a, b), []).append(df)
    for (rtype, a, b), frames in keys.items():
        df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        df = df.drop_duplicates(["src", "dst"], keep="last").reset_index(drop=True)
        df.to_parquet(folder / "rels" / f"{rtype}__{a}__{b}.parquet", index=False)
    return folder


def _files(folder: Path, rtype: str, src: str = "*", dst: str = "*") -> str:
    """SQL for (src, dst) of the edge files matching, nulls dropped (an empty relation when none)."""
    files = sorted(str(p) for sub in ("rels", "skipped") for p in (folder / sub).glob(f"{rtype}__{src}__{dst}.parquet"))
    if not files:
        return "(SELECT NULL::VARCHAR AS src, NULL::VARCHAR AS dst WHERE false)"
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return (f"(SELECT src::VARCHAR AS src, dst::VARCHAR AS dst FROM read_parquet([{listed}], union_by_name = true) "
            "WHERE src IS NOT NULL AND dst IS NOT NULL)")


def _people_keys(folder: Path, out: Path, rows: int = 1 << 18) -> None:
    """``nodes/Person.parquet``'s uid, name, id_masked, phone and name key (``nk``), streamed to ``out``."""
    schema = pa.schema([(c, pa.string()) for c in (*PEOPLE_COLS, "nk")])
    src = folder / "nodes" / "Person.parquet"
    with pq.ParquetWriter(out, schema) as w:
        if not src.exists():
            return
        f = pq.ParquetFile(src)
        have = [c for c in PEOPLE_COLS if c in f.schema_arrow.names]
        for rb in f.iter_batches(batch_size=rows, columns=have):
            cols = {c: (rb.column(c).cast(pa.string()) if c in have else pa.nulls(rb.num_rows, pa.string()))
                    for c in PEOPLE_COLS}
            cols["nk"] = name_key_arrow(cols["name"])
            w.write_table(pa.table(cols, schema=schema))


def _cluster_addresses(folder: Path) -> pa.Table:
    """uids of the addresses flagged as clusters (as ``batch_evidence`` reads the flag), streamed."""
    src, uids = folder / "nodes" / "Address.parquet", []
    if src.exists():
        f = pq.ParquetFile(src)
        if "cluster" in f.schema_arrow.names:
            for rb in f.iter_batches(columns=["uid", "cluster"]):
                df = rb.to_pandas()
                uids.append(df.loc[df["cluster"].fillna(False).astype(bool).to_numpy(), "uid"].astype("string"))
    return pa.table({"uid": pa.array(pd.concat(uids, ignore_index=True) if uids else pd.Series([], dtype="string"),
                                     type=pa.string(), from_pandas=True)})


def _graph_counts(con, folder: Path, work: Path, parts: int) -> dict:
    """Build the graph-wide tables, each partition's rows sorted together (``part``)."""
    _people_keys(folder, work / "people.parquet")
    con.register("cluster", _cluster_addresses(folder))
    people_file = str(work / "people.parquet").replace("'", "''")
    sql = [
        f"""CREATE TABLE people AS SELECT uid, name, id_masked, phone, nk,
               CASE WHEN nk IS NULL THEN NULL ELSE CAST(hash(nk) % {int(parts)} AS INTEGER) END AS part
            FROM read_parquet('{people_file}') WHERE uid IS NOT NULL ORDER BY part NULLS LAST""",
        f"""CREATE TABLE roles_all AS SELECT DISTINCT src AS uid, dst AS ent FROM
            (SELECT * FROM {_files(folder, 'LEGAL_REP', 'Person')} UNION ALL
             SELECT * FROM {_files(folder, 'HOLDS_SHARES', 'Person')})""",
        "CREATE TABLE company_n AS SELECT ent, count(*) AS n FROM roles_all GROUP BY ent",
        """CREATE TABLE p_roles AS SELECT p.part, r.uid, r.ent FROM roles_all r JOIN people p USING (uid)
           WHERE p.part IS NOT NULL ORDER BY p.part""",
        "CREATE TABLE part_ents AS SELECT DISTINCT part, ent FROM p_roles",
        """CREATE TABLE p_companies AS SELECT e.part, e.ent, c.n FROM part_ents e JOIN company_n c USING (ent)
           ORDER BY e.part""",
        f"""CREATE TABLE p_emails AS SELECT DISTINCT p.part, e.src AS uid, e.dst AS email
            FROM {_files(folder, 'HAS_EMAIL', 'Person')} e JOIN people p ON p.uid = e.src
            WHERE p.part IS NOT NULL ORDER BY p.part""",
        f"""CREATE TABLE addr_all AS SELECT DISTINCT a.src AS ent, a.dst AS addr FROM {_files(folder, 'HAS_ADDRESS')} a
            LEFT JOIN cluster c ON c.uid = a.dst WHERE c.uid IS NULL""",
        "CREATE TABLE addr_n AS SELECT addr, count(*) AS n FROM addr_all GROUP BY addr",
        """CREATE TABLE p_addresses AS SELECT e.part, a.ent, a.addr, n.n FROM part_ents e JOIN addr_all a USING (ent)
           JOIN addr_n n USING (addr) ORDER BY e.part""",
        # a phone's / e-mail's parties: the larger of its enterprises and its person names (a person
        # without a name counts by record), as identity._party_counts counts them
        f"""CREATE TABLE party_n AS WITH r AS (
              SELECT dst AS value, false AS isp, src AS who FROM {_files(folder, 'HAS_PHONE', 'Enterprise')}
              UNION ALL SELECT dst, false, src FROM {_files(folder, 'HAS_EMAIL', 'Enterprise')}
              UNION ALL SELECT x.dst, true, coalesce('N' || p.nk, 'U' || x.src)
                FROM {_files(folder, 'HAS_PHONE', 'Person')} x LEFT JOIN people p ON p.uid = x.src
              UNION ALL SELECT x.dst, true, coalesce('N' || p.nk, 'U' || x.src)
                FROM {_files(folder, 'HAS_EMAIL', 'Person')} x LEFT JOIN people p ON p.uid = x.src)
            SELECT value, max(n) AS n FROM (SELECT value, isp, count(*) AS n FROM (SELECT DISTINCT value, isp, who FROM r)
                                            GROUP BY value, isp)
            GROUP BY value""",
        """CREATE TABLE p_parties AS SELECT DISTINCT v.part, v.value, n.n FROM
           (SELECT part, phone AS value FROM people WHERE part IS NOT NULL UNION ALL SELECT part, email FROM p_emails) v
           JOIN party_n n USING (value) ORDER BY v.part""",
        # shareholding links both ways; a company's links count when it has at most COMPANY_CAP
        f"""CREATE TABLE links AS SELECT DISTINCT a, b FROM
            (SELECT src AS a, dst AS b FROM {_files(folder, 'HOLDS_SHARES', 'Enterprise', 'Enterprise')}
             UNION ALL SELECT dst, src FROM {_files(folder, 'HOLDS_SHARES', 'Enterprise', 'Enterprise')})""",
        f"""CREATE TABLE capped AS SELECT a, b FROM links
            WHERE a IN (SELECT a FROM links GROUP BY a HAVING count(*) <= {COMPANY_CAP})""",
        """CREATE TABLE ents AS SELECT ent, CAST(row_number() OVER () - 1 AS BIGINT) AS id
           FROM (SELECT a AS ent FROM capped UNION SELECT b FROM capped)""",
    ]
    for q in sql:
        con.execute(q)
    # corporate groups: components of the capped links, labelled in numpy over integer ids
    n = con.execute("SELECT count(*) FROM ents").fetchall()[0][0]
    e = con.execute("SELECT x.id AS a, y.id AS b FROM capped c JOIN ents x ON x.ent = c.a "
                    "JOIN ents y ON y.ent = c.b").fetchnumpy()
    comp = group_components(np.asarray(e["a"], dtype=np.int64), np.asarray(e["b"], dtype=np.int64), n) if n else \
        np.zeros(0, dtype=np.int64)
    keep = np.flatnonzero(comp >= 0)
    con.register("groups", pa.table({"id": pa.array(keep, pa.int64()), "comp": pa.array(comp[keep], pa.int64())}))
    for q in ["CREATE TABLE members AS SELECT e.ent, g.comp FROM groups g JOIN ents e USING (id)",
              """CREATE TABLE p_members AS SELECT e.part, m.ent, m.comp FROM part_ents e JOIN members m USING (ent)
                 ORDER BY e.part""",
              """CREATE TABLE p_edges AS SELECT x.part, c.a, c.b FROM capped c JOIN p_members x ON x.ent = c.a
                 JOIN p_members y ON y.ent = c.b AND y.part = x.part ORDER BY x.part"""]:
        con.execute(q)
    return {"people": con.execute("SELECT count(*) FROM people").fetchall()[0][0],
            "named_people": con.execute("SELECT count(*) FROM people WHERE part IS NOT NULL").fetchall()[0][0],
            "roles": con.execute("SELECT count(*) FROM roles_all").fetchall()[0][0],
            "company_links": con.execute("SELECT count(*) FROM links").fetchall()[0][0],
            "group_companies": len(keep)}


def _part(con, table: str, cols: str, part: int) -> pd.DataFrame:
    """The rows of one partition (a zonemap-pruned scan: the tables are sorted by ``part``)."""
    df = con.sql(f"SELECT {cols} FROM {table} WHERE part = $1", params=[part]).to_arrow_table().to_pandas()
    return df.astype({c: "string" for c in df.columns if c not in ("n", "comp")})


def _score_part(con, part: int) -> tuple[pd.DataFrame, int, int]:
    """(links, people, candidate pairs) of one partition, scored with the graph-wide counts."""
    people = _part(con, "people", ", ".join(PEOPLE_COLS), part)
    if people.empty:
        return pd.DataFrame(), 0, 0
    empty = Evidence.empty()
    ev = Evidence(people=people, roles=_part(con, "p_roles", "uid, ent", part),
                  emails=_part(con, "p_emails", "uid, email", part),
                  addresses=_part(con, "p_addresses", "ent, addr", part),
                  links=empty.links, phone_parties=empty.phone_parties, party_names=empty.party_names,
                  counts=GraphCounts(parties=_part(con, "p_parties", "value, n", part),
                                     companies=_part(con, "p_companies", "ent, n", part),
                                     addresses=_part(con, "p_addresses", "addr, n", part).drop_duplicates("addr"),
                                     members=_part(con, "p_members", "ent, comp", part),
                                     edges=_part(con, "p_edges", "a, b", part)))
    coded = _encode(ev, people["uid"])
    pairs = candidate_pairs(coded)
    scored = score_pairs(pairs, coded)
    links = scored.loc[scored["score"].to_numpy() >= MIN_LINK_SCORE, ["src", "dst", "score", "evidence"]]
    return links, len(people), len(pairs)


def link_identities_from_files(folder: Path, parts: int, out: Path | None = None, *, work: Path | None = None,
                               memory_limit: str = "1GB", threads: int = 2) -> tuple[Path, dict]:
    """Write the ``POSSIBLY_SAME_AS`` links of a bulk load (no store) from its Parquet tables in ``folder``
    (layout in the module docstring) to ``out`` (default ``folder/rels/POSSIBLY_SAME_AS__Person__Person.parquet``),
    scoring ``parts`` partitions of the people by name key one after the other; the same links as
    ``link_identities(batch)`` for any ``parts``. ``work``: a folder for the scratch database (default: a
    temporary one inside ``folder``, removed); ``memory_limit``, ``threads``: DuckDB's.

    Returns the file and stats: people, partitions, largest partition (people), candidate pairs, links,
    seconds (graph-wide counts, partitions, final sort)."""
    folder = Path(folder)
    parts = int(parts)
    if parts < 1:
        raise ValueError("parts must be >= 1")
    out = Path(out) if out is not None else folder / "rels" / LINKS_FILE
    scratch = Path(tempfile.mkdtemp(prefix=".identity-", dir=work or folder))
    stats: dict = {"partitions": parts}
    try:
        con = duckdb.connect(str(scratch / "identity.duckdb"))
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET threads = {int(threads)}")
        con.execute(f"SET temp_directory = '{str(scratch / 'spill').replace(chr(39), chr(39) * 2)}'")
        con.execute("SET preserve_insertion_order = false")
        t0 = time.perf_counter()
        stats.update(_graph_counts(con, folder, scratch, parts))
        t1 = time.perf_counter()
        pairs = largest = 0
        with pq.ParquetWriter(scratch / "links.parquet", LINK_SCHEMA) as w:
            for p in range(parts):
                links, n, k = _score_part(con, p)
                largest, pairs = max(largest, n), pairs + k
                if len(links):
                    w.write_table(pa.Table.from_pandas(links.reset_index(drop=True), schema=LINK_SCHEMA,
                                                       preserve_index=False))
        t2 = time.perf_counter()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        src = str(scratch / "links.parquet").replace("'", "''")
        con.execute(f"COPY (SELECT * FROM read_parquet('{src}') ORDER BY src, dst) TO "
                    f"'{str(tmp).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
        stats["links"] = con.execute(f"SELECT count(*) FROM read_parquet('{src}')").fetchall()[0][0]
        con.close()
        tmp.replace(out)
        stats.update(largest_partition=largest, candidate_pairs=pairs,
                     seconds={"counts": round(t1 - t0, 2), "partitions": round(t2 - t1, 2),
                              "sort": round(time.perf_counter() - t2, 2)})
        return out, stats
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_links(path: Path) -> pd.DataFrame:
    """The links file as a frame (src, dst, score, evidence), string columns as ``link_identities`` writes them."""
    df = pq.read_table(path).to_pandas()
    if df.empty:
        return _frame(src=[], dst=[]).assign(score=pd.Series(dtype="float64"), evidence=pd.Series(dtype="string"))
    return df.astype({"src": "string", "dst": "string", "evidence": "string"})

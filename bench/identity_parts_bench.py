"""Partitioned identity links of a bulk load from its Parquet tables: time, peak RSS and link count.

Reads a folder written by ``etl.identity_parts.write_batch_files`` (``nodes/``, ``rels/``). Run each
measurement in a fresh process (the peak RSS is the process's):

    python bench/identity_parts_bench.py FOLDER --parts 8 [--compare whole_links.parquet]
    python bench/identity_parts_bench.py FOLDER --whole      # link_identities on the batch read from FOLDER

``--whole`` reads the node and edge tables the identity step uses into a GraphBatch and runs
``link_identities(batch)`` (the whole-batch pass) for comparison; ``--compare`` checks the links
(src, dst, score, evidence) against a Parquet file of the whole-batch links.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd


def rss_gib() -> tuple[float, float]:
    """(current, peak) resident set size of this process in GiB."""
    with open("/proc/self/statm") as fh:
        cur = int(fh.read().split()[1]) * resource.getpagesize()
    return cur / 2 ** 30, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def whole(folder: Path) -> pd.DataFrame:
    from creditgraph.etl.build import GraphBatch
    from creditgraph.etl.identity import REL, link_identities

    batch = GraphBatch()
    for label, cols in (("Person", ["uid", "name", "id_masked", "phone"]), ("Address", ["uid", "cluster"])):
        if (folder / "nodes" / f"{label}.parquet").exists():
            batch.add_nodes(label, pd.read_parquet(folder / "nodes" / f"{label}.parquet", columns=cols))
    for f in sorted((folder / "rels").glob("*.parquet")):
        rtype, a, b = f.stem.split("__")
        if rtype in ("LEGAL_REP", "HOLDS_SHARES", "HAS_EMAIL", "HAS_PHONE", "HAS_ADDRESS"):
            batch.add_rels(rtype, a, b, pd.read_parquet(f, columns=["src", "dst"]))
    cur, _ = rss_gib()
    print(f"batch read from the files: RSS {cur:.2f} GiB")
    t = time.perf_counter()
    link_identities(batch)
    print(f"link_identities (whole batch): {time.perf_counter() - t:.1f} s")
    return pd.concat([df for r, _, _, df in batch.rels if r == REL], ignore_index=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--parts", type=int, default=8)
    ap.add_argument("--whole", action="store_true", help="run link_identities on the whole batch instead")
    ap.add_argument("--memory-limit", default="1GB", help="DuckDB's memory limit")
    ap.add_argument("--compare", type=Path, help="whole-batch links (Parquet) to compare with")
    a = ap.parse_args()
    from creditgraph.etl.identity_parts import link_identities_from_files, read_links

    base, _ = rss_gib()
    print(f"RSS after imports: {base:.2f} GiB")
    t = time.perf_counter()
    if a.whole:
        links = whole(a.folder)
        what = "whole batch"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path, stats = link_identities_from_files(a.folder, a.parts, Path(tmp) / "links.parquet",
                                                     memory_limit=a.memory_limit)
            links = read_links(path)
        print(f"stats: {stats}")
        what = f"{a.parts} partitions"
    seconds = time.perf_counter() - t
    _, peak = rss_gib()
    print(f"{what}: {seconds:.1f} s, peak RSS {peak:.2f} GiB, {len(links):,} links")
    if a.compare:
        want = pd.read_parquet(a.compare)[["src", "dst", "score", "evidence"]].astype(
            {"src": "string", "dst": "string", "evidence": "string"})
        key = ["src", "dst"]
        got = links[["src", "dst", "score", "evidence"]].sort_values(key).reset_index(drop=True)
        want = want.sort_values(key).reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(got, want, check_exact=True)
        except AssertionError as e:
            print(f"links DIFFER from {a.compare}: {e}")
            return 1
        print(f"links equal to {a.compare} ({len(want):,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""End-to-end ETL throughput: parse, validate, normalise, resolve and load a synthetic extract.

Generates the synthetic dataset (``etl.synth``) unless ``--source`` names one,
loads it through the ``canonical`` profile into a fresh embedded store and
prints records per second, seconds per stage and the peak RSS.
Targets (issue 3, 1M enterprises ≈ 3.7M source rows, ≈ 6M graph records):
≤ 120 s and ≤ 8 GiB peak memory on 2 cores.

    python bench/etl_bench.py [--enterprises 1000000] [--source DIR] [--db DIR] [--keep] [--chunk-rows N]

``--chunk-rows N``: the streaming load (issue 20): read and clean in chunks of N records, then resolve
and write in partitions of about N enterprises (``etl.partitioned``); prints seconds per million source rows.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from creditgraph.etl.pipeline import run_load
from creditgraph.graph.config import load_settings

TARGET_SECONDS = 120.0
TARGET_RSS_GIB = 8.0


def peak_rss_gib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def rss_gib() -> float:
    """Resident set size of this process now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 ** 3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--source", type=Path, help="an existing canonical extract (skips generation)")
    ap.add_argument("--db", type=Path, help="embedded store folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary store and extract")
    ap.add_argument("--chunk-rows", type=int, help="load in chunks and partitions of this many records")
    ap.add_argument("--trace", action="store_true", help="print each progress step with its time and RSS")
    a = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cg-etl-bench-"))
    source = a.source
    if source is None:
        from creditgraph.etl.synth import generate

        t = time.perf_counter()
        s = generate(a.enterprises, a.seed, work / "src")
        print(f"generated {s['rows']:,} source rows for {a.enterprises:,} enterprises in {time.perf_counter() - t:.1f} s "
              "(not counted below)")
        source = work / "src"
    db = a.db or work / "graph"
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=db, chunk_rows=a.chunk_rows)

    stages: list[tuple[str, float]] = []

    peaks: dict[str, float] = {}  # the peak RSS so far when each stage last reported

    def progress(stage: str, msg: str) -> None:
        stages.append((stage, time.perf_counter()))
        peaks[stage] = peak_rss_gib()
        if a.trace:
            print(f"{stages[-1][1] - t0:8.1f} s  RSS {rss_gib():5.2f} GiB (peak {peaks[stage]:5.2f})  {stage}: {msg}",
                  flush=True)

    t0 = time.perf_counter()
    rep = run_load(source, "canonical", settings, progress=progress)
    total = time.perf_counter() - t0

    rows_read = sum(t["read"] for t in rep.tables.values())
    rows_loaded = sum(t["loaded"] for t in rep.tables.values())
    records = sum(r["inserted"] + r["updated"] for r in rep.graph.values())
    rss = peak_rss_gib()
    print(f"source rows read {rows_read:,}, loaded {rows_loaded:,}, rejected "
          f"{sum(t['rejected'] for t in rep.tables.values()):,}")
    print(f"graph records written (nodes + relationships): {records:,}")
    print("seconds per stage:")
    for stage, secs in rep.timings.items():
        print(f"  {stage:<10} {secs:8.1f} s")
    print(f"total {total:.1f} s  ->  {rows_read / total:,.0f} source rows/s, {records / total:,.0f} graph records/s")
    print(f"{total / rows_read * 1e6:.1f} s per million source rows")
    manifest = json.loads(Path(rep.manifest).read_text(encoding="utf-8"))
    if manifest.get("partitions"):
        print(f"resolved and written in {manifest['partitions']} enterprise partitions (chunks of {a.chunk_rows:,})")
    print(f"peak RSS {rss:.2f} GiB (peak so far when each stage last reported: "
          + ", ".join(f"{k} {v:.2f}" for k, v in peaks.items()) + ")")
    ok_t, ok_m = total <= TARGET_SECONDS, rss <= TARGET_RSS_GIB
    print(f"target <= {TARGET_SECONDS:.0f} s: {'met' if ok_t else 'MISSED'}; "
          f"target <= {TARGET_RSS_GIB:.0f} GiB: {'met' if ok_m else 'MISSED'}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

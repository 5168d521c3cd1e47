"""Read and validate an extract whole and in chunks (issue 20): seconds and peak RSS of each.

Each variant runs in its own process (so that each peak RSS is its own): ``whole`` is ``read_extract`` then
``clean_tables(consume=True)`` (the load's default path), ``chunks of N`` is ``etl.chunked.read_clean_chunked``
(chunked reading, row-local cleaning, the Parquet staging, DuckDB's cross-row steps and the clean tables
read back). For the chunked path it also prints the peak RSS before the clean tables are read back (the
memory of the streaming part, which does not grow with the extract) and the staging's size on disk.

    python bench/chunked_read_bench.py [--source /tmp/src1m] [--chunks 100000 250000]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def run_one(source: Path, rows: int) -> dict:
    """One variant in this process: ``rows`` 0 is the whole-table path."""
    from creditgraph.etl.profiles import load_profile
    from creditgraph.etl.report import RejectReport

    prof = load_profile("canonical")
    report = RejectReport()
    base = peak_rss_gib()
    out: dict = {"rows": rows, "rss_after_imports_gib": round(base, 2)}
    t = time.perf_counter()
    if rows == 0:
        from creditgraph.etl.read import read_extract
        from creditgraph.etl.transform import clean_tables

        extract = read_extract(source, prof, report)
        out["read_s"] = round(time.perf_counter() - t, 1)
        out["rss_after_read_gib"] = round(peak_rss_gib(), 2)
        clean = clean_tables(extract.tables, report, prof.flags, consume=True)
    else:
        from creditgraph.etl import staging
        from creditgraph.etl.chunked import read_clean_chunked

        finish = staging.Staging.finish

        def timed_finish(self, rep):
            out["rss_before_read_back_gib"] = round(peak_rss_gib(), 2)
            out["staging_mib"] = round(sum(p.stat().st_size for p in self.folder.glob("*.parquet")) / 2 ** 20)
            t1 = time.perf_counter()
            res = finish(self, rep)
            out["cross_row_and_read_back_s"] = round(time.perf_counter() - t1, 1)
            return res

        staging.Staging.finish = timed_finish  # type: ignore[method-assign]
        with tempfile.TemporaryDirectory(prefix="cg-stage-", dir=source.parent) as tmp:
            got = read_clean_chunked(source, prof, report, prof.flags, rows, Path(tmp) / "staging")
        clean = got.clean
        out.update({k + "_s": round(v, 1) for k, v in got.timings.items()})
        out["chunks"] = got.chunks
    out["total_s"] = round(time.perf_counter() - t, 1)
    out["peak_rss_gib"] = round(peak_rss_gib(), 2)
    out["clean_rows"] = sum(len(v) for v in clean.values())
    out["report_rows"] = len(report.frame())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=Path("/tmp/src1m"))
    ap.add_argument("--chunks", type=int, nargs="*", default=[100_000, 250_000])
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one variant, print JSON
    a = ap.parse_args()
    if a.one is not None:
        print(json.dumps(run_one(a.source, a.one)))
        return 0
    size = sum(p.stat().st_size for p in a.source.glob("*") if p.is_file())
    print(f"extract {a.source}: {size / 2 ** 20:,.0f} MiB")
    results = []
    for rows in [0, *a.chunks]:
        proc = subprocess.run([sys.executable, __file__, "--source", str(a.source), "--one", str(rows)],
                              capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        name = "whole" if rows == 0 else f"chunks of {rows:,}"
        print(f"{name:>20}: {r['total_s']:6.1f} s, peak RSS {r['peak_rss_gib']:.2f} GiB  {json.dumps(r)}")
    whole = results[0]
    for r in results[1:]:
        print(f"chunks of {r['rows']:,}: {r['total_s'] / whole['total_s']:.2f}x the time, "
              f"peak {r['peak_rss_gib'] / whole['peak_rss_gib']:.2f}x, before the read-back "
              f"{r['rss_before_read_back_gib']:.2f} GiB; same rows: {r['clean_rows'] == whole['clean_rows']}, "
              f"same report size: {r['report_rows'] == whole['report_rows']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Synthetic generator at scale: seconds, rows and peak memory of ``creditgraph synth`` per size.

Each size runs ``etl.synth.generate`` in a fresh child process (canonical CSV unless told otherwise) into a
temporary folder, deleted afterwards unless ``--keep``; the peak RSS is the child's own (``os.wait4``'s
``ru_maxrss``). Above ``etl.synth.blocks.BLOCK`` (1,000,000) enterprises the generator works block by
block, so memory should stay at one block's and the seconds per enterprise flat. Target (issue 20): peak RSS
at 10M <= 1.2x the peak at 1M.

Measured on the 2-core, 24 GiB development machine (canonical CSV, seed 7, one run of all three sizes; another
engineer's jobs shared the machine, so CPU seconds are given beside wall seconds):

    enterprises  blocks  seconds  source rows   rows/s   us/enterprise (wall, CPU)  peak RSS   on disk
      1,000,000       1     29.8    4,123,302  138,400    29.8  29.7               3.02 GiB   0.9 GB
      3,000,000       3     84.2   12,369,033  146,900    28.1  27.7               3.10 GiB   2.8 GB
     10,000,000      10    307.6   41,223,305  134,000    30.8  30.0               3.20 GiB   9.2 GB

Peak RSS at 10M = 1.06x the peak at 1M (target <= 1.2x); seconds per enterprise flat (+3%). The same 10M
through the CLI (``creditgraph synth -n 10000000``, ``/usr/bin/time -v``): 339 s, 3.26 GiB.

    python bench/synth_bench.py [--sizes 1000000,3000000] [--seed 7] [--format csv] [--out DIR] [--keep]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_RSS_RATIO = 1.2

CHILD = """
import json, sys
from creditgraph.etl.synth import generate
from creditgraph.etl.synth.blocks import block_sizes
n, seed, out, fmt = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = generate(n, seed, out, fmt=fmt)
print(json.dumps({"seconds": s["seconds"], "rows": s["rows"], "blocks": len(block_sizes(n))}))
"""


def run_one(n: int, seed: int, fmt: str, out: Path) -> dict:
    """Generate ``n`` enterprises in a child process; its summary with the child's peak RSS (GiB)."""
    p = subprocess.Popen([sys.executable, "-c", CHILD, str(n), str(seed), str(out), fmt], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    text = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        raise SystemExit(f"generate({n:,}) failed with exit code {p.returncode}")
    s = json.loads(text.strip().splitlines()[-1])
    s["rss_gib"] = usage.ru_maxrss / 1024 ** 2  # Linux: KiB
    s["cpu"] = usage.ru_utime + usage.ru_stime  # less sensitive than wall seconds to a busy machine
    s["disk_gb"] = sum(f.stat().st_size for f in out.iterdir()) / 1e9
    return s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,3000000", help="comma-separated numbers of enterprises")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--format", choices=("csv", "parquet"), default="csv")
    ap.add_argument("--out", type=Path, help="parent folder of the outputs (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    work = Path(tempfile.mkdtemp(prefix="cg-synth-bench-", dir=a.out))
    print(f"{'enterprises':>12} {'blocks':>6} {'seconds':>8} {'rows':>12} {'rows/s':>9} {'us/ent':>7} {'cpu us/ent':>10} "
          f"{'peak RSS':>10} {'disk':>7}")
    results = []
    try:
        for n in sizes:
            out = work / f"n{n}"
            s = run_one(n, a.seed, a.format, out)
            results.append((n, s))
            print(f"{n:>12,} {s['blocks']:>6} {s['seconds']:>8.1f} {s['rows']:>12,} {s['rows'] / s['seconds']:>9,.0f} "
                  f"{s['seconds'] / n * 1e6:>7.1f} {s['cpu'] / n * 1e6:>10.1f} {s['rss_gib']:>7.2f} GiB {s['disk_gb']:>5.1f} GB",
                  flush=True)
            if not a.keep:
                shutil.rmtree(out, ignore_errors=True)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    if len(results) > 1:
        (n0, s0), (n1, s1) = results[0], results[-1]
        ratio = s1["rss_gib"] / s0["rss_gib"]
        print(f"peak RSS {n1:,} / {n0:,}: {ratio:.2f}x (target <= {TARGET_RSS_RATIO}x: "
              f"{'met' if ratio <= TARGET_RSS_RATIO else 'MISSED'}); per enterprise {s1['seconds'] / n1 * 1e6:.1f} vs "
              f"{s0['seconds'] / n0 * 1e6:.1f} us wall, {s1['cpu'] / n1 * 1e6:.1f} vs {s0['cpu'] / n0 * 1e6:.1f} us CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

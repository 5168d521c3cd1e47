"""Batch credit check throughput: ``queries.check.check_subjects`` over N subjects drawn from a loaded
graph (codes, exact names and names with one character changed), embedded store, read-only.

Target (issue 19): 1,000 subjects at 1M enterprises in <= 10 s on 2 cores.

Measured 2026-11-28 on the 1M graph with role history (schema v3), one other job running: 8.6-8.7 s
(700 codes, 199 exact names, 75 similar names, 22 not found, 4 ambiguous), peak RSS 1.30 GiB. The
subjects are drawn from the enterprises sorted by USCC (a scan's row order varies from run to run).

    python bench/check_bench.py --db /tmp/g1m [--subjects 1000] [--hops 2] [--seed 1]
"""
from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.queries.check import check_subjects

TARGET_S = 10.0


def draw_subjects(store: EmbeddedStore, n: int, seed: int) -> list[str]:
    """70% USCCs, 20% exact names, 10% names with one character replaced (a typo)."""
    ents = store.scan("MATCH (e:Enterprise) WHERE e.uscc IS NOT NULL AND e.name IS NOT NULL "
                      "RETURN e.uscc AS uscc, e.name AS name")
    ents = ents.sort_values("uscc", kind="stable").reset_index(drop=True)  # a scan's row order varies run to run
    rng = random.Random(seed)
    rows = ents.sample(n, random_state=seed).itertuples()
    out = []
    for i, r in enumerate(rows):
        if i % 10 < 7:
            out.append(r.uscc)
        elif i % 10 < 9:
            out.append(r.name)
        else:
            pos = rng.randrange(2, max(3, len(r.name) - 4))
            out.append(r.name[:pos] + "昜" + r.name[pos + 1:])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--subjects", type=int, default=1000)
    ap.add_argument("--hops", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with EmbeddedStore(a.db, read_only=True) as store:
        subjects = draw_subjects(store, a.subjects, a.seed)
        t0 = time.perf_counter()
        res = check_subjects(store, subjects, hops=a.hops)
        secs = time.perf_counter() - t0
    counts = res.subjects["match"].value_counts().to_dict()
    print(f"{len(subjects):,} subjects, hops {a.hops}: {secs:.1f} s ({len(subjects) / secs:,.0f} subjects/s)")
    print(f"matches: {counts}; links among subjects {len(res.links):,}; linked risky parties {len(res.risks):,}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2:.2f} GiB")
    print(f"target <= {TARGET_S:.0f} s: {'met' if secs <= TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

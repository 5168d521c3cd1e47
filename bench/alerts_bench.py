"""Alert computation time: one observation of a watchlist (``queries.monitor.observe``: own penalties,
penalties within two hops with paths, legal representatives and shareholders) on a loaded graph, which
``creditgraph alerts run`` makes once per watchlist after a load or refresh.

Target (issue 19): alerts after a 1% refresh at 1M enterprises <= 30 s. The observation is the cost;
the difference with the stored one is a set operation.

    python bench/alerts_bench.py --db /tmp/g1m [--watched 1000] [--hops 2] [--seed 1]
"""
from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.queries.monitor import observe

TARGET_S = 30.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--watched", type=int, default=1000)
    ap.add_argument("--hops", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with EmbeddedStore(a.db, read_only=True) as store:
        watched = store.node_keys("Enterprise").sample(a.watched, random_state=a.seed).tolist()
        t0 = time.perf_counter()
        items = observe(store, watched, a.hops)
        secs = time.perf_counter() - t0
    print(f"{len(watched):,} watched enterprises, {a.hops} hops: observed in {secs:.1f} s; items {items['kind'].value_counts().to_dict()}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2:.2f} GiB")
    print(f"target <= {TARGET_S:.0f} s: {'met' if secs <= TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

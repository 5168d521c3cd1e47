"""Alert computation time: ``creditgraph alerts run`` (``app.watch.run_alerts``) on a loaded graph, as a
scheduler runs it after a load or refresh: every watchlist observed (own penalties, penalties within
two hops with paths, legal representatives and shareholders, a person's roles), plus the whole-graph
findings once per run (the version's grades and the shell / phoenix findings among their reasons, the
cross-region links). The grades are computed by the load or refresh that published the version; this
bench computes them first (not timed: the refresh's cost, not the alerts'), into ``<db>/grades``.

Target (issue 19): alerts after a 1% refresh at 1M enterprises <= 30 s. The first timed run records the
baseline; the second is what a refresh pays (the same work, plus comparing with the stored one).

    python bench/alerts_bench.py --db /tmp/g1m [--watched 1000] [--people 100] [--hops 2] [--seed 1]
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from creditgraph.graph.config import Settings
from creditgraph.graph.embedded import EmbeddedStore

TARGET_S = 30.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--watched", type=int, default=1000, help="watched enterprises")
    ap.add_argument("--people", type=int, default=100, help="watched people")
    ap.add_argument("--hops", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.environ["CREDITGRAPH_WATCH_DIR"] = tempfile.mkdtemp(prefix="cg-alerts-bench-")
    from creditgraph.app import watch
    from creditgraph.app.grades import compute_and_save
    from creditgraph.app.stores import store_version

    settings = Settings(store="embedded", db_path=a.db)  # grades are written beside the graph, as a load does
    with EmbeddedStore(a.db, read_only=True) as store:
        version = store_version(store)
        t = time.perf_counter()
        compute_and_save(settings, store)
        print(f"grades of {version} (the refresh's work, not timed below): {time.perf_counter() - t:.1f} s")
        firms = store.node_keys("Enterprise").sample(a.watched, random_state=a.seed).tolist()
        people = store.node_keys("Person").sample(a.people, random_state=a.seed).tolist()
        watch.add_to_watchlist(settings, "bench-firms", firms, owner="bench", hops=a.hops)
        watch.add_to_watchlist(settings, "bench-people", people, owner="bench", hops=a.hops)
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            raised = watch.run_alerts(settings, store, version)
            times.append(time.perf_counter() - t0)
    print(f"{len(firms):,} watched enterprises and {len(people):,} people, {a.hops} hops: alerts run "
          f"{times[0]:.1f} s (baseline), {times[1]:.1f} s (after a refresh; {len(raised)} alerts)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2:.2f} GiB")
    print(f"target <= {TARGET_S:.0f} s: {'met' if times[1] <= TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

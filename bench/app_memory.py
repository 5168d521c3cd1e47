"""Does the app's memory stay bounded as users open ever new parties? (issue 13: "server memory grows
under load and is not released")

Drives the profile and graph pages through Streamlit's AppTest (in this process, so caches and the
store handles are the server's) for many distinct parties, and prints the resident set size after
each round. Bounded caches and a bounded store show a curve that flattens; a cache without bounds
keeps climbing by about the same amount every round.

    python bench/app_memory.py --db /path/to/graph [--rounds 8] [--per-round 40]
"""
from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="embedded store folder")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--per-round", type=int, default=40, help="distinct parties opened per round (profile + graph)")
    a = ap.parse_args()
    os.environ["CREDITGRAPH_DB"] = str(a.db)
    os.environ["CREDITGRAPH_LOCAL_ROLE"] = "admin"
    os.environ.pop("CREDITGRAPH_CONFIG", None)
    import logging

    from streamlit.testing.v1 import AppTest

    logging.disable(logging.WARNING)  # AppTest's "missing ScriptRunContext" lines, once per run

    from creditgraph.graph.embedded import EmbeddedStore

    with EmbeddedStore(a.db, read_only=True) as s:
        uids = s.run(f"MATCH (e:Enterprise) RETURN e.uid AS uid LIMIT {a.rounds * a.per_round}")["uid"].tolist()
    print(f"{'round':>5} {'parties':>8} {'rss MB':>8} {'+MB':>6} {'s':>6}")
    last = rss_mb()
    print(f"{0:>5} {0:>8} {last:8.0f} {0:6.0f} {0:6.1f}")
    for r in range(a.rounds):
        t = time.perf_counter()
        for uid in uids[r * a.per_round:(r + 1) * a.per_round]:
            for page in ("views/profile.py", "views/graph.py"):
                at = AppTest.from_file(str(APP), default_timeout=120)
                at.query_params["uid"] = uid
                at.run()
                at.switch_page(page).run()
        now = rss_mb()
        print(f"{r + 1:>5} {(r + 1) * a.per_round:>8} {now:8.0f} {now - last:6.0f} {time.perf_counter() - t:6.1f}")
        last = now
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

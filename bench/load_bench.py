"""Bulk-load throughput into the embedded store.

Loads 1M enterprises, 1.5M people and 3M relationships (legal representatives
and shareholdings) into a fresh snapshot and prints records per second per
step and overall, and the peak RSS. Target: >= 300,000 records/s on 2 cores.

    python bench/load_bench.py [--enterprises 1000000] [--people 1500000] [--rels 3000000]
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time

import numpy as np
import pandas as pd

from graph.embedded import new_snapshot


def frames(n_ent: int, n_people: int, n_rels: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    ent = pd.DataFrame({
        "uid": pd.Series(np.arange(n_ent)).map("91330{:013d}".format),
        "name": pd.Series(np.arange(n_ent)).map("宁波测试{}号贸易有限公司".format),
        "capital": rng.integers(1, 5000, n_ent) * 10_000.0,
        "founded": pd.to_datetime("1995-01-01") + pd.to_timedelta(rng.integers(0, 11000, n_ent), unit="D"),
        "region": "330211", "status": "存续",
    })
    ppl = pd.DataFrame({
        "uid": pd.Series(np.arange(n_people)).map("ID:{:032x}".format),
        "name": rng.choice(np.array(["张伟", "王芳", "李娜", "刘强", "陈静"]), n_people),
        "birth_year": rng.integers(1950, 2000, n_people),
    })
    n_lr = n_ent
    lr = pd.DataFrame({"src": ppl["uid"].to_numpy()[rng.integers(0, n_people, n_lr)], "dst": ent["uid"].to_numpy(), "position": "执行董事"})
    n_sh = n_rels - n_lr
    sh = pd.DataFrame({"src": ppl["uid"].to_numpy()[rng.integers(0, n_people, n_sh)],
                       "dst": ent["uid"].to_numpy()[rng.integers(0, n_ent, n_sh)],
                       "ratio": rng.random(n_sh), "subscribed": rng.integers(1, 500, n_sh) * 10_000.0})
    return ent, ppl, lr, sh


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=1_500_000)
    ap.add_argument("--rels", type=int, default=3_000_000)
    args = ap.parse_args()
    ent, ppl, lr, sh = frames(args.enterprises, args.people, args.rels)
    sh = sh.drop_duplicates(["src", "dst"])
    steps = []
    with tempfile.TemporaryDirectory() as root:
        t_all = time.perf_counter()
        with new_snapshot(root, copy_current=False) as store:
            for what, fn, n in [
                ("Enterprise nodes", lambda: store.upsert_nodes("Enterprise", ent), len(ent)),
                ("Person nodes", lambda: store.upsert_nodes("Person", ppl), len(ppl)),
                ("LEGAL_REP edges", lambda: store.upsert_relationships("LEGAL_REP", "Person", "Enterprise", lr), len(lr)),
                ("HOLDS_SHARES edges", lambda: store.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", sh), len(sh)),
            ]:
                t = time.perf_counter()
                fn()
                steps.append((what, n, time.perf_counter() - t))
        total_s = time.perf_counter() - t_all
    total_n = sum(n for _, n, _ in steps)
    print(f"{'step':<22}{'records':>12}{'seconds':>10}{'records/s':>14}")
    for what, n, s in steps:
        print(f"{what:<22}{n:>12,}{s:>10.2f}{n / s:>14,.0f}")
    print(f"{'total (incl. publish)':<22}{total_n:>12,}{total_s:>10.2f}{total_n / total_s:>14,.0f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GiB")
    print(f"target: >= 300,000 records/s -> {'met' if total_n / total_s >= 300_000 else 'NOT met'}")


if __name__ == "__main__":
    main()

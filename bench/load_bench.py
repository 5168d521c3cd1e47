"""Bulk-load throughput into the embedded store and/or Neo4j, side by side.

Loads 1M enterprises, 1.5M people and 3M relationships (legal representatives
and shareholdings) into a fresh snapshot (embedded) or an empty Neo4j database
(``UNWIND`` batches of 10,000 rows in managed transactions) and prints records
per second per step and overall, and the peak RSS. Target: >= 300,000
records/s on 2 cores embedded, >= 50,000 records/s on Neo4j.

    python bench/load_bench.py [--enterprises 1000000] [--people 1500000] [--rels 3000000]
                               [--store embedded|neo4j|both] [--wipe-neo4j]

Neo4j: the server at NEO4J_URI (NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE), or the local one
``bash scripts/neo4j.sh start`` runs (credentials from data/neo4j-test/env). Its database must be
empty, or pass --wipe-neo4j to delete everything in it first.
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from creditgraph.graph.embedded import new_snapshot


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


def load_steps(store, ent, ppl, lr, sh) -> list[tuple[str, int, float]]:
    steps = []
    for what, fn, n in [
        ("Enterprise nodes", lambda: store.upsert_nodes("Enterprise", ent), len(ent)),
        ("Person nodes", lambda: store.upsert_nodes("Person", ppl), len(ppl)),
        # as the ETL's bulk load writes them: rows naming a missing node are skipped and counted
        ("LEGAL_REP edges", lambda: store.upsert_relationships("LEGAL_REP", "Person", "Enterprise", lr, on_missing="skip"),
         len(lr)),
        ("HOLDS_SHARES edges", lambda: store.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", sh,
                                                                  on_missing="skip"), len(sh)),
    ]:
        t = time.perf_counter()
        fn()
        steps.append((what, n, time.perf_counter() - t))
    return steps


def run_embedded(frames_) -> tuple[list, float]:
    with tempfile.TemporaryDirectory() as root:
        t_all = time.perf_counter()
        with new_snapshot(root, copy_current=False) as store:
            steps = load_steps(store, *frames_)
        return steps, time.perf_counter() - t_all


def neo4j_settings():
    """NEO4J_* from the environment, else the local server's credentials file (scripts/neo4j.sh)."""
    from creditgraph.graph.config import Neo4jSettings

    env = dict(os.environ)
    if not env.get("NEO4J_URI"):
        path = Path(env.get("CREDITGRAPH_NEO4J_HOME", "data/neo4j-test")) / "env"
        if not path.exists():
            raise SystemExit("no Neo4j: set NEO4J_URI or run `bash scripts/neo4j.sh start` first")
        env.update(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return Neo4jSettings(uri=env["NEO4J_URI"], user=env.get("NEO4J_USER", "neo4j"),
                         password=env.get("NEO4J_PASSWORD"), database=env.get("NEO4J_DATABASE") or None)


def run_neo4j(frames_, wipe: bool) -> tuple[list, float]:
    from creditgraph.graph.neo4j_store import Neo4jStore

    with Neo4jStore.from_settings(neo4j_settings()) as store:
        present = int(store.run("MATCH (n) RETURN count(n) AS c")["c"].iloc[0])
        if present and not wipe:
            raise SystemExit(f"the Neo4j database holds {present:,} nodes: pass --wipe-neo4j to delete them first")
        while int(store.run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c", write=True)["c"].iloc[0]):
            pass
        store.create_schema()
        t_all = time.perf_counter()
        steps = load_steps(store, *frames_)
        total = time.perf_counter() - t_all
        version = store.run("CALL dbms.components() YIELD versions RETURN versions[0] AS v")["v"].iloc[0]
    print(f"Neo4j {version} at {store.uri}")
    return steps, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=1_500_000)
    ap.add_argument("--rels", type=int, default=3_000_000)
    ap.add_argument("--store", choices=("embedded", "neo4j", "both"), default="embedded")
    ap.add_argument("--wipe-neo4j", action="store_true", help="delete everything in the Neo4j database first")
    args = ap.parse_args()
    ent, ppl, lr, sh = frames(args.enterprises, args.people, args.rels)
    sh = sh.drop_duplicates(["src", "dst"])
    data = (ent, ppl, lr, sh)
    stores = ["embedded", "neo4j"] if args.store == "both" else [args.store]
    results = {}
    for name in stores:
        results[name] = run_embedded(data) if name == "embedded" else run_neo4j(data, args.wipe_neo4j)
    head = f"{'step':<22}{'records':>12}" + "".join(f"{name + ' s':>14}{name + ' rec/s':>18}" for name in stores)
    if len(stores) == 2:
        head += f"{'neo4j/embedded':>16}"
    print(head)
    names = [w for w, _, _ in results[stores[0]][0]] + ["total (incl. publish)"]
    for i, what in enumerate(names):
        n = sum(x[1] for x in results[stores[0]][0]) if i == len(names) - 1 else results[stores[0]][0][i][1]
        line, rates = f"{what:<22}{n:>12,}", []
        for name in stores:
            steps, total = results[name]
            sec = total if i == len(names) - 1 else steps[i][2]
            rates.append(n / sec)
            line += f"{sec:>14.2f}{n / sec:>18,.0f}"
        if len(stores) == 2:
            line += f"{rates[1] / rates[0]:>16.2f}"
        print(line)
    print(f"peak RSS (this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GiB")
    targets = {"embedded": 300_000, "neo4j": 50_000}
    for name in stores:
        steps, total = results[name]
        rate = sum(x[1] for x in steps) / total
        print(f"target {name}: >= {targets[name]:,} records/s -> {'met' if rate >= targets[name] else 'NOT met'} ({rate:,.0f})")


if __name__ == "__main__":
    main()

"""Query latency and quality of the association analyses on a loaded graph (embedded store or Neo4j).

Prints p50 / p95 per analysis against its target, then precision / recall of the
default analyses against the generator's ground truth (scored by
:mod:`queries.quality`, the same code as the 10K quality test).

    flock /tmp/creditgraph-heavy.lock python bench/query_bench.py \\
        --db /work/bench-data/db1m --truth /work/bench-data/src1m/ground_truth.json --samples 50

Per-party analyses run ``--samples`` times on parties drawn with a fixed seed
(half from the planted patterns, half at random among connected ones);
whole-graph analyses run ``--runs`` times (the first run is also the quality run).
The graph is opened read-only. ``--store neo4j`` runs the same on the server at
``NEO4J_URI`` (or the local one ``scripts/neo4j.sh`` started; ``--db`` is then not used) and
``--per-party-only`` skips the whole-graph scans. ``--id-key`` must be the key the graph was loaded
with (default: the configured one) so that ID numbers in the ground truth map to
person uids.

Measured 2026-11-23 (2 shared cores, 1M synthetic enterprises, seed 7, ``--samples 50 --runs 2``):
p95 neighborhood 2 hops 30.0 ms, 3 hops 28.9 ms, shortest path 86.4 ms, penetration 15.4 ms;
shell scan 7.1 s, repeat offenders 1.3 s (person level 3.2 s), phoenix 0.6 s, cross-region
(county level, 2 hops) 4.0 s, risk groups 9.6 s; precision and recall 1.0 for every family,
300 / 300 equity chains exact, no decoy flagged.

Measured 2026-11-28 with role history (generator v3, seed 1, 1M, ``--samples 20 --runs 2``): p95
neighborhood 2 hops 39.0 ms, 3 hops 33.2 ms, shortest path 78.9 ms, penetration 31.4 ms; shell 9.9 s,
repeat offenders 0.5 s (people 6.8 s), phoenix 6.4 s, cross-region 8.8 s, risk groups 16.7 s; P and R
1.0 for every family; the old rule (today's roles) misses 15.5% of repeat offenders among people and
44.0% of phoenix cases.
"""
from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.queries import (cross_region_links, equity_penetration, neighborhood, paths, phoenix_cases, repeat_offenders,
                     risk_groups, shell_company_candidates)
from creditgraph.queries.quality import People, evaluate, headline, load_truth

# analysis -> p95 target in seconds
TARGETS = {
    "neighborhood 2 hops": 0.050,
    "neighborhood 3 hops (limit 500)": 0.200,
    "shortest path (≤ 6 hops)": 0.200,
    "penetration depth 6": 0.200,
    "shell scan (whole graph)": 30.0,
    "repeat offenders": 15.0,
    "repeat offenders (person level)": 15.0,
    "phoenix cases": 15.0,
    "cross-region links (2 hops)": 30.0,
    "risk groups": 20.0,
}


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def _distinct(store, text: str) -> np.ndarray:
    """The uids a query returns, sorted by code point (as ``np.sort`` of ``str``), as an object array."""
    col = store.run_arrow(text)["uid"]
    return np.array(col.take(pc.sort_indices(col)).to_pylist(), dtype=object)


def samples(store, truth: dict, id_key: str, n: int, seed: int) -> dict[str, list]:
    """Parties and pairs to query: half planted (known to be connected), half drawn at random."""
    rng = np.random.default_rng(seed)
    # sorted: the same samples from either store; Arrow columns of the distinct keys, not the edge frame
    # (27M edges at 10M enterprises as a pandas frame took 13.5 GB here)
    ents = _distinct(store, "MATCH ()-[:LEGAL_REP|HOLDS_SHARES]->(e:Enterprise) RETURN DISTINCT e.uid AS uid")
    people = _distinct(store, "MATCH (p:Person)-[:LEGAL_REP|HOLDS_SHARES]->(:Enterprise) RETURN DISTINCT p.uid AS uid")
    half = n // 2

    def pick(pool, k):
        pool = list(pool)
        return [pool[i] for i in rng.choice(len(pool), size=min(k, len(pool)), replace=False)] if pool else []

    planted = People(truth, id_key)  # a planted person's uid: one of their records (IDs are often masked)
    planted_parties = [m for c in truth["shell_clusters"] for m in c["members"][:1]]
    planted_parties += [planted.any_uid(planted.key(c["person"])) for c in truth["phoenix_cases"]]
    parties = pick(planted_parties, half) + pick(ents, n - half - n // 4) + pick(people, n // 4)
    planted_pairs = [(c["a"]["uscc"], c["b"]["uscc"]) for c in truth["cross_region_links"]]
    planted_pairs += [(planted.any_uid(planted.key(c["person"])), c["b"]["uscc"]) for c in truth["phoenix_cases"]]
    pairs = pick(planted_pairs, half)
    while len(pairs) < n:
        a, b = pick(ents, 2)
        pairs.append((a, b))
    targets = pick([c["target"]["uscc"] for c in truth["equity_chains"]], half) + pick(ents, n - half)
    return {"parties": parties, "pairs": pairs, "targets": targets}


def report(times: dict[str, list[float]], rows: dict[str, list[int]]) -> None:
    print()
    print(f"{'analysis':34s} {'n':>4s} {'p50':>10s} {'p95':>10s} {'target p95':>11s}  {'rows (median)':>13s}  ok")
    for k, target in TARGETS.items():
        v = np.array(times[k])
        if not len(v):
            continue
        p50, p95 = np.percentile(v, 50), np.percentile(v, 95)
        fmt = (lambda x: f"{x * 1000:8.1f} ms") if target < 1 else (lambda x: f"{x:8.2f} s ")
        print(f"{k:34s} {len(v):4d} {fmt(p50):>10s} {fmt(p95):>10s} {fmt(target):>11s}  "
              f"{int(np.median(rows[k])):13,d}  {'yes' if p95 <= target else 'NO'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="embedded graph folder (opened read-only)")
    ap.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    ap.add_argument("--per-party-only", action="store_true", help="time the per-party analyses only")
    ap.add_argument("--truth", required=True, help="ground_truth.json of the generated data set")
    ap.add_argument("--samples", type=int, default=50, help="parties / pairs per per-party analysis")
    ap.add_argument("--runs", type=int, default=3, help="runs per whole-graph analysis")
    ap.add_argument("--id-key", default=None, help="identity key the graph was loaded with (default: configured)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    id_key = args.id_key or load_settings().id_key
    truth = load_truth(args.truth)
    t0 = time.perf_counter()
    if args.store == "neo4j":
        from load_bench import neo4j_settings

        from creditgraph.graph.neo4j_store import Neo4jStore

        store = Neo4jStore.from_settings(neo4j_settings())
        where = store.uri
    elif args.db:
        store, where = EmbeddedStore(Path(args.db), read_only=True), args.db
    else:
        raise SystemExit("--db is required for the embedded store")
    print(f"opened {where} in {time.perf_counter() - t0:.1f} s; "
          f"ground truth: {truth['generator']['enterprises']:,} enterprises, seed {truth['generator']['seed']}")
    times: dict[str, list[float]] = {k: [] for k in TARGETS}
    rows: dict[str, list[int]] = {k: [] for k in TARGETS}

    s = samples(store, truth, id_key, args.samples, args.seed)
    print(f"samples: {len(s['parties'])} parties, {len(s['pairs'])} pairs, {len(s['targets'])} penetration targets")
    # warm-up (first touches of the store's pages), not counted
    for uid in s["parties"][:3]:
        neighborhood(store, uid, hops=2)
    for uid in s["parties"]:
        dt, r = timed(neighborhood, store, uid, hops=2)
        times["neighborhood 2 hops"].append(dt)
        rows["neighborhood 2 hops"].append(len(r))
        dt, r = timed(neighborhood, store, uid, hops=3, limit=500)
        times["neighborhood 3 hops (limit 500)"].append(dt)
        rows["neighborhood 3 hops (limit 500)"].append(len(r))
    for a, b in s["pairs"]:
        dt, r = timed(paths, store, a, b, max_hops=6)
        times["shortest path (≤ 6 hops)"].append(dt)
        rows["shortest path (≤ 6 hops)"].append(len(r))
    for t in s["targets"]:
        dt, r = timed(equity_penetration, store, t, depth=6)
        times["penetration depth 6"].append(dt)
        rows["penetration depth 6"].append(len(r))

    whole = {"shell_company_candidates": "shell scan (whole graph)", "repeat_offenders": "repeat offenders",
             "repeat_offenders_person": "repeat offenders (person level)", "phoenix_cases": "phoenix cases",
             "cross_region_links_county": "cross-region links (2 hops)", "risk_groups": "risk groups"}

    def run(name, fn, **kw):
        dt, r = timed(fn, store, **kw)
        key = whole.get(name)
        if key:
            times[key].append(dt)
            rows[key].append(len(r))
        print(f"  {name} {kw or ''}: {len(r):,} rows in {dt:.2f} s", flush=True)
        return r

    if args.per_party_only:
        report(times, rows)
        store.close()
        return
    print("quality run (default analyses):", flush=True)
    t = time.perf_counter()
    scores = evaluate(store, truth, id_key, run=run)
    print(f"  scored in {time.perf_counter() - t:.1f} s (incl. {scores['equity_chains']['chains']} penetrations)")
    for i in range(args.runs):
        if i >= 1:
            run("shell_company_candidates", shell_company_candidates)
            run("repeat_offenders", repeat_offenders)
            run("repeat_offenders_person", repeat_offenders, level="person")
            run("phoenix_cases", phoenix_cases)
            run("cross_region_links_county", cross_region_links, level="county")
        run("risk_groups", risk_groups)

    report(times, rows)

    print()
    print(f"{'quality vs ground truth':34s} {'precision':>10s} {'recall':>8s}  found / truth")
    for fam, p, r in headline(scores):
        d = scores
        for part in fam.split("."):
            d = d.get(part, d)
        d = d.get("all", d)
        print(f"{fam:34s} {p:10.4f} {r:8.4f}  {d['found']:,} / {d['truth']:,}")
    cr = scores["cross_region_links"]
    for lvl in ("province", "city", "county"):
        print(f"{'  cross-region ' + lvl:34s} {cr[lvl]['precision']:10.4f} {cr[lvl]['recall']:8.4f}  "
              f"{cr[lvl]['found']:,} / {cr[lvl]['truth']:,}")
    m = scores["shell_clusters"]["members"]
    print(f"{'  shell members (enterprises)':34s} {m['precision']:10.4f} {m['recall']:8.4f}  {m['found']:,} / {m['truth']:,}")
    eq = scores["equity_chains"]
    print(f"equity chains: {eq['exact']} / {eq['chains']} exact to 1e-6 (max error {eq['max_error']:.1e}), "
          f"controller right in {eq['controllers']} / {eq['chains']}")
    print(f"decoys flagged: {scores['decoys']}")
    t = scores["time_only"]
    print(f"found only by attribution at the decision date (the old rule, today's roles, misses them): "
          f"{t['repeat_person']:.1%} of person-level repeat offenders ({t['repeat_person_planted_time_only']} planted "
          f"as such), {t['phoenix']:.1%} of phoenix cases ({t['phoenix_planted_time_only']} planted as such)")
    data = scores["data"]
    if data:
        by = ", ".join(f"{k} {v:.1%}" for k, v in data.get("masked_person_rows_share_by_source", {}).items())
        print(f"data: masked ID numbers on {data.get('masked_person_rows_share', 0):.1%} of person rows ({by}); "
              f"planted people by disclosure {data.get('planted_people_by_disclosure')}; "
              f"shell clusters with a masked hub {data.get('shell_clusters_with_masked_hub')} "
              f"(recall {scores['shell_clusters'].get('masked_hub_recall', 1.0):.2f}); "
              f"phoenix by end signal {data.get('phoenix_by_end_signal')} "
              f"(recall {scores['phoenix_cases'].get('recall_by_end_signal')}); "
              f"revoked without a date {data.get('revoked_without_dissolution_date')}")
    rp = scores["repeat_offenders"]["person"]
    print(f"repeat offenders (person): {rp.get('wrong_merges', 0)} rows merge two planted people, "
          f"{rp.get('reported_twice', 0)} planted people reported more than once")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2:.1f} GiB")
    store.close()


if __name__ == "__main__":
    main()

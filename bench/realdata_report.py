"""What identity resolution and name hubs find on the real registry rows (issue 14): prints the
name-only people, how many of them resolve into fewer people, the biggest name hubs, and the
companies without a province.

    python bench/realdata_report.py [--realdata ../shared/realdata] [--db /tmp/realdata-graph]
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdata", type=Path, default=REPO.parent / "shared" / "realdata")
    ap.add_argument("--db", type=Path, default=Path("/tmp/realdata-graph"))
    a = ap.parse_args()
    from creditgraph.etl.pipeline import run_load
    from creditgraph.graph.config import load_settings
    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.queries.identity import DEFAULT_MIN_IDENTITY_SCORE, identities
    from creditgraph.queries.name_hubs import name_hubs

    shutil.rmtree(a.db, ignore_errors=True)
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=a.db)
    t = time.perf_counter()
    rep = run_load(a.realdata / "registry", str(REPO / "tests" / "profiles" / "realdata-registry.yaml"), settings)
    print(f"loaded {sum(v['loaded'] for v in rep.tables.values()):,} rows in {time.perf_counter() - t:.1f} s")
    with EmbeddedStore(a.db, read_only=True) as s:
        people = s.run("MATCH (p:Person) RETURN p.uid AS uid")
        name_only = people["uid"].str.startswith("NM:").sum()
        ents = s.run("MATCH (e:Enterprise) WHERE e.resolved RETURN count(e) AS n, "
                     "sum(CASE WHEN e.province IS NULL THEN 1 ELSE 0 END) AS no_province")
        ids = identities(s, DEFAULT_MIN_IDENTITY_SCORE)
        links = s.run("MATCH (:Person)-[r:POSSIBLY_SAME_AS]->(:Person) RETURN r.score AS score")
        hubs = name_hubs(s, include_name_only=True).table
    merged = ids[ids["uid"].str.startswith("NM:")]
    print(f"people: {len(people):,}, name-only {name_only:,}")
    print(f"identity links: {len(links):,} (>= {DEFAULT_MIN_IDENTITY_SCORE}: {(links['score'] >= DEFAULT_MIN_IDENTITY_SCORE).sum():,})")
    print(f"name-only records merged: {len(merged):,} into {merged['identity'].nunique():,} people "
          f"(name-only people after resolution: {name_only - len(merged) + merged['identity'].nunique():,})")
    print(f"enterprises: {int(ents['n'].iloc[0]):,}, without a province: {int(ents['no_province'].iloc[0]):,}")
    if len(hubs):
        cols = [c for c in ("name", "city", "companies", "tied_companies", "confidence") if c in hubs.columns]
        print(f"name hubs: {len(hubs):,} (by confidence: {hubs['confidence'].value_counts().to_dict()})")
        print(hubs.sort_values("companies", ascending=False)[cols].head(8).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

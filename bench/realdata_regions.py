"""Region coverage and reject-report figures of a load of ``../shared/realdata`` (issue 14).

Loads the public registry rows through ``tests/profiles/realdata-registry.yaml`` into a
throw-away embedded graph and prints: rows read/loaded/rejected, notes and rejects by
reason, enterprises without a province / city (all, and those whose source row names a
province), and the share of legacy codes. Run it on two trees to compare before/after:

    .venv/bin/python bench/realdata_regions.py [--out figures.json]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata" / "registry"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=str(REALDATA))
    ap.add_argument("--profile", default=str(REPO / "tests" / "profiles" / "realdata-registry.yaml"))
    ap.add_argument("--out", help="write the figures as JSON here too")
    args = ap.parse_args()
    if not Path(args.source).is_dir():
        print(f"no real rows at {args.source}", file=sys.stderr)
        return 2

    import pandas as pd

    from creditgraph.etl.pipeline import run_load
    from creditgraph.graph.config import load_settings
    from creditgraph.graph.embedded import EmbeddedStore

    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(load_settings(), store="embedded", db_path=Path(tmp) / "graph", id_key="bench")
        rep = run_load(args.source, args.profile, settings)
        rj = pd.read_parquet(Path(rep.run_dir) / "rejects.parquet")
        with EmbeddedStore(Path(tmp) / "graph", read_only=True) as g:
            ents = g.run("MATCH (e:Enterprise) WHERE e.resolved RETURN e.uid AS uid, e.province AS province, "
                         "e.city AS city, e.region AS region")
    t = rep.tables["enterprises"]
    no_prov = ents["province"].isna() | (ents["province"].astype("string") == "")
    no_city = ents["city"].isna() | (ents["city"].astype("string") == "")
    legacy = ents["uid"].str.match(r"^(REG|ALT|SID):").fillna(False)
    figures = {
        "rows_read": t["read"], "loaded": t["loaded"], "rejected": t["rejected"], "superseded": t["superseded"],
        "enterprises": int(len(ents)), "without_province": int(no_prov.sum()), "without_city": int(no_city.sum()),
        "legacy_or_alt_key": int(legacy.sum()), "legacy_without_province": int((legacy & no_prov).sum()),
        "report": {k: int(v) for k, v in rj["severity"].value_counts().items()},
        "by_reason": {f"{s} | {c} | {r[:90]}": int(n) for (s, c, r), n in
                      rj.groupby(["severity", "column", "reason"]).size().sort_values(ascending=False).items()},
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

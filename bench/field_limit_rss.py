"""Peak memory of a load whose one address field is huge (issue 13: a 200 MB field took 5.4 GB).

    .venv/bin/python bench/field_limit_rss.py [MEGABYTES]

Writes a two-row canonical extract to a temporary folder, loads it into a temporary embedded
graph and prints the outcome and the peak resident set size of this process. Run it with a
field of 0 MB for the baseline of the interpreter and libraries.
"""
from __future__ import annotations

import dataclasses
import resource
import sys
import tempfile
from pathlib import Path

from creditgraph.etl.pipeline import run_load
from creditgraph.graph.config import load_settings


def main(megabytes: float) -> None:
    tmp = Path(tempfile.mkdtemp())
    src = tmp / "src"
    src.mkdir()
    with open(src / "enterprises.csv", "w", encoding="utf-8") as fh:
        fh.write("uscc,name,address\n91330503735242721D,甲公司,")
        fh.write("A" * int(megabytes * 1024 * 1024))
        fh.write("\n92330281MA2ENBUA1R,乙公司,杭州\n")
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=tmp / "graph", id_key="bench")
    rep = run_load(src, "canonical", settings)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"field {megabytes:g} MB: loaded {rep.tables['enterprises']['loaded']}, notes {rep.rejects.get('note')}, "
          f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 200)

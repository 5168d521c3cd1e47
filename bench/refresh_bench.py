"""Refresh throughput: a 1% change set applied to the 1M-enterprise graph.

Copies a loaded graph (never writes into it), derives a flagged change
extract from the source it was loaded from (enterprise updates, inserts,
deletes and unchanged re-sends; penalty credit repairs, list removals,
deletes and new events; legal representatives replaced; shareholdings
updated: ``etl.synth.changes``), runs ``creditgraph refresh`` on the copy as
a separate process, and prints seconds per stage, the total and the peak RSS,
and the disk growth of each refresh: the root's allocated bytes before and
after, the file system's free space before and after (on XFS reflink=1 or
btrfs the copy shares blocks, so this is the real growth there; on a shared
disk it also moves with others' writes), the new snapshot's size against the
previous one, and the copy's seconds (the manifest's ``copy`` stage).
It then applies the same extract again (idempotence at scale: zero changes,
no new snapshot). Target: the first refresh in <= 30 s.

    python bench/refresh_bench.py [--db /work/bench-data/db1m] [--src /work/bench-data/src1m] [--fraction 0.01]
                                  [--in-place]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 30.0


def refresh(extract: Path, db: Path) -> tuple[dict, float, float]:
    """Run the CLI; returns (manifest, wall seconds, child peak RSS in MB)."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "creditgraph.app.cli", "refresh", str(extract), "--db", str(db), "--json"],
                          cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"refresh failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    rep = json.loads(proc.stdout)
    manifest = json.loads(Path(rep["manifest"]).read_text(encoding="utf-8"))
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return manifest, wall, rss


def allocated(path: Path) -> int:
    """Bytes the files under ``path`` take on disk (an extent shared by reflinks counts in each file)."""
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def disk_state(db: Path) -> dict:
    return {"allocated": allocated(db), "free": free_bytes(db)}


def show_disk(db: Path, before: dict, after: dict, m: dict) -> None:
    """The disk growth of one refresh, and the new snapshot's size against the previous one's."""
    gib = 2**30
    grew = after["allocated"] - before["allocated"]
    print(f"  disk       root {before['allocated'] / gib:.2f} -> {after['allocated'] / gib:.2f} GiB allocated "
          f"({grew / gib:+.2f} GiB); file system free space {(before['free'] - after['free']) / gib:+.2f} GiB used")
    old, new = m["version"]["old"], m["version"]["new"]
    if m.get("published") and old != new and (db / old).is_dir() and (db / new).is_dir():
        a, b = allocated(db / old), allocated(db / new)
        print(f"  snapshot   {old} {a / gib:.2f} GiB -> {new} {b / gib:.2f} GiB ({(b - a) / 2**20:+,.0f} MiB); "
              f"copy {m['timings'].get('copy', float('nan')):.2f} s ({a / max(m['timings'].get('copy', 0), 1e-9) / 1e9:.1f} GB/s)")


def show(title: str, m: dict, wall: float) -> None:
    print(f"\n{title}: status {m['status']}, version {m['version']['old']} -> {m['version']['new']}, "
          f"{m['changes']:,} changes")
    for stage, secs in m["timings"].items():
        print(f"  {stage:<10} {secs:8.2f} s")
    print(f"  {'process':<10} {wall:8.2f} s  (wall, including interpreter start and imports)")
    print(f"  peak RSS   {m['peak_rss_mb']:8.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("/work/bench-data/db1m"), help="a loaded graph (copied, never written)")
    ap.add_argument("--src", type=Path, default=Path("/work/bench-data/src1m"), help="the canonical extract it was loaded from")
    ap.add_argument("--fraction", type=float, default=0.01)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--in-place", action="store_true", help="refresh --db itself instead of a copy (a graph made for "
                    "the bench: at 10M enterprises a copy and the refresh's new snapshot did not fit the disk beside it)")
    args = ap.parse_args()
    if not (args.db / "CURRENT").exists():
        sys.exit(f"{args.db} holds no published graph: load {args.src} into it first")
    work = args.work or Path(tempfile.mkdtemp(prefix="refresh-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        from creditgraph.etl.synth.changes import change_extract

        t = time.perf_counter()
        db = args.db if args.in_place else work / "db"
        if not args.in_place:
            subprocess.run(["cp", "-a", str(args.db), str(db)], check=True)
            shutil.rmtree(db / "runs", ignore_errors=True)
        t_copy = time.perf_counter() - t
        t = time.perf_counter()
        plan = change_extract(args.src, work / "changes", fraction=args.fraction, seed=1)
        t_plan = time.perf_counter() - t
        size = sum(f.stat().st_size for f in (db / (db / "CURRENT").read_text().strip()).iterdir())
        print(f"graph {'(in place)' if args.in_place else 'copy'} {size / 2**30:.2f} GiB in {t_copy:.1f} s; change extract ({args.fraction:.0%}) in {t_plan:.1f} s:")
        for table, what in plan.items():
            if isinstance(what, dict):
                print(f"  {table:<13}" + ", ".join(f"{k} {v:,}" for k, v in what.items() if not isinstance(v, list)))
        print(f"  rows         {plan['rows']:,}")

        d0 = disk_state(db)
        first, wall, _ = refresh(work / "changes", db)
        d1 = disk_state(db)
        show("refresh", first, wall)
        show_disk(db, d0, d1, first)
        second, wall2, _ = refresh(work / "changes", db)
        show("same extract again", second, wall2)
        show_disk(db, d1, disk_state(db), second)
        total = first["timings"]["total"]
        print(f"\nrefresh of a {args.fraction:.0%} change set: {total:.1f} s "
              f"(target <= {TARGET_S:.0f} s: {'met' if total <= TARGET_S else 'MISSED'}); "
              f"peak RSS {first['peak_rss_mb']:.0f} MB; second run {second['changes']} changes, "
              f"{'no new snapshot' if not second['published'] else 'published'}")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

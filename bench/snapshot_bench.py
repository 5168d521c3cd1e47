"""What a snapshot costs: copy methods, LadybugDB's reader/writer concurrency, the blocks a refresh changes.

Three parts, each printing its figures (docs/snapshots.md reads them):

* ``copy``: the current snapshot's database file copied four ways (``shutil.copy2``, which is
  ``sendfile`` on Linux with Python <= 3.13; ``os.copy_file_range`` as ``graph.snapshots.copy_file``
  does it; an ``os.sendfile`` loop; read/write with an 8 MiB buffer, the fallback): seconds and GB/s
  for the copy alone (into the page cache) and with its ``fsync``, and the disk space the copy took
  (``statvfs``; near zero where the file system shares blocks: XFS reflink=1, btrfs).
* ``concurrency``: small scripts in separate processes on a scratch graph of ``--rows`` nodes: can a
  process open the database read-only while another has it open read-write (and the reverse); what a
  reader sees while the writer's transaction is open, after commit, after checkpoint; what a
  long-lived reader sees after the writer reopens and checkpoints again; fresh readers opened in a
  loop while a writer updates and checkpoints; and, for contrast, two connections in one process.
* ``refresh`` (with ``--src``): copies the current snapshot into a scratch root (never writes into
  ``--db``), applies a ``--fraction`` change set with ``creditgraph refresh`` (under ``strace`` when
  present, to record the pages the engine writes), and compares the old and the new database file
  block by block (4 KiB, 64 KiB, 1 MiB): the fraction changed, the pages written, the growth.

    python bench/snapshot_bench.py --db /tmp/g1m_v3 [--src /tmp/src1m_h] [--parts copy,concurrency,refresh]
    python bench/snapshot_bench.py --compare OLD.lbdb NEW.lbdb
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from creditgraph.graph.snapshots import _fsync_path

REPO = Path(__file__).resolve().parents[1]
MiB = 1 << 20
BLOCKS = (4096, 64 * 1024, MiB)


# --- copy methods ---------------------------------------------------------------------------
def _sendfile(src: Path, dst: Path) -> None:
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        size, off = os.fstat(fi.fileno()).st_size, 0
        while off < size:
            off += os.sendfile(fo.fileno(), fi.fileno(), off, min(1 << 30, size - off))


def _readwrite(src: Path, dst: Path) -> None:
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        shutil.copyfileobj(fi, fo, 8 * MiB)


def _copy_methods() -> dict:
    from creditgraph.graph.snapshots import copy_file

    return {"shutil.copy2": shutil.copy2, "copy_file_range": copy_file, "sendfile": _sendfile, "read/write": _readwrite}


def _free(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _settled_free(path: Path, wait_s: float = 10.0) -> int:
    """Free bytes once they stop moving (XFS frees an unlinked file's blocks in the background)."""
    last, t = -1, time.monotonic()
    while time.monotonic() - t < wait_s:
        os.sync()
        now = _free(path)
        if now == last:
            return now
        last = now
        time.sleep(0.3)
    return last


def time_copy(fn, src: Path, dst: Path) -> dict:
    """Copy once; returns seconds for the copy and its fsync, and the disk space it took."""
    free = _settled_free(dst.parent)
    t = time.perf_counter()
    fn(src, dst)
    t_copy = time.perf_counter() - t
    _fsync_path(dst)
    t_all = time.perf_counter() - t
    used = free - _settled_free(dst.parent)
    dst.unlink()
    return {"copy_s": t_copy, "with_fsync_s": t_all, "disk_bytes": used}


def part_copy(db_file: Path, work: Path, rounds: int) -> dict:
    """Each method ``rounds`` times on a warm page cache; prints and returns the best of each."""
    size = db_file.stat().st_size
    with open(db_file, "rb") as fh:  # warm the page cache so that every method reads from memory
        while fh.read(64 * MiB):
            pass
    print(f"\ncopy of {db_file} ({size / 2**30:.2f} GiB), best of {rounds}, source in the page cache:")
    print(f"  {'method':<16} {'copy s':>7} {'GB/s':>8} {'+fsync s':>9} {'GB/s':>8} {'disk taken':>11}")
    out = {}
    for name, fn in _copy_methods().items():
        runs = [time_copy(fn, db_file, work / "copy.lbdb") for _ in range(rounds)]
        best = min(runs, key=lambda r: r["with_fsync_s"])
        out[name] = best
        print(f"  {name:<16} {best['copy_s']:7.3f} {size / best['copy_s'] / 1e9:8.1f} {best['with_fsync_s']:9.3f} "
              f"{size / best['with_fsync_s'] / 1e9:8.1f} {best['disk_bytes'] / 2**30:8.2f} GiB")
    return out


# --- concurrency ----------------------------------------------------------------------------
_HOLDER = r"""
import json, ladybug as lb, sys
d = lb.Database(sys.argv[1], read_only=sys.argv[2] == "ro"); c = lb.Connection(d)
print("open", flush=True)
for line in sys.stdin:
    try:
        print(json.dumps(c.execute(line).get_as_df().to_dict("records")), flush=True)
    except Exception as e:
        print("ERR " + type(e).__name__ + ": " + str(e)[:150].replace("\n", " "), flush=True)
"""

_FRESH = r"""
import ladybug as lb, sys
try:
    d = lb.Database(sys.argv[1], read_only=True); c = lb.Connection(d)
    r = c.execute(sys.argv[2]).get_as_df().to_dict("records")
    print(r)
except Exception as e:
    print("ERR " + type(e).__name__ + ": " + str(e)[:150].replace("\n", " "))
"""

_WRITER_LOOP = r"""
import ladybug as lb, sys, time
d = lb.Database(sys.argv[1]); c = lb.Connection(d)
t, k = time.time(), 1000
while time.time() - t < float(sys.argv[2]):
    k += 1
    c.execute(f"MATCH (t:T) SET t.v = {k}, t.s = 'w{k}-' + cast(t.id, 'STRING')")
    c.execute("CHECKPOINT")
print(k - 1000)
"""

# one version everywhere: every row has the same v, and each s spells out its row's v and id
_CONSISTENT = ("MATCH (t:T) RETURN count(DISTINCT t.v) AS versions, count(*) AS n, sum(CASE WHEN t.s = 'w' + "
               "cast(t.v, 'STRING') + '-' + cast(t.id, 'STRING') THEN 1 ELSE 0 END) AS ok, min(t.s) AS s_min")
_COUNT = "MATCH (t:T) RETURN count(*) AS n, min(t.v) AS v_min, max(t.v) AS v_max"


def _build(db: Path, rows: int) -> None:
    """A scratch graph: ``rows`` nodes T(id, v, s) at version 0."""
    import ladybug as lb

    d = lb.Database(str(db))
    c = lb.Connection(d)
    c.execute("CREATE NODE TABLE T(id INT64, v INT64, s STRING, PRIMARY KEY(id))")
    c.execute(f"UNWIND range(1, {rows}) AS i CREATE (:T {{id: i, v: 0, s: 'w0-' + cast(i, 'STRING')}})")
    c.close()
    d.close()


def fresh_read(db: Path, query: str = _COUNT) -> str:
    """Open read-only in a new process, run ``query``, close; returns what it printed."""
    proc = subprocess.run([sys.executable, "-c", _FRESH, str(db), query], capture_output=True, text=True, timeout=300)
    return proc.stdout.strip() or f"crashed (exit {proc.returncode}): {proc.stderr.strip()[-150:]}"


class Holder:
    """A process that keeps the database open (``ro`` or ``rw``) and runs the queries it is sent."""

    def __init__(self, db: Path, mode: str):
        self.proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db), mode], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out = self.proc.stdout.readline().strip()
        self.opened = out or "failed: " + " ".join(self.proc.stderr.read().split())[-200:].lstrip(": ")

    def ask(self, query: str) -> str:
        self.proc.stdin.write(query + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=120)


def _say(what: str, result: str) -> None:
    print(f"  {what:<58} {result[:160]}")


def _open_facts(db: Path) -> None:
    """Read-only next to read-write, both ways, and read-write twice."""
    ro = Holder(db, "ro")
    rw = Holder(db, "rw")
    _say("read-write open while a reader process holds it", rw.opened)
    rw2 = Holder(db, "rw")
    _say("a second read-write process at the same time", rw2.opened)
    for h in (rw2, rw, ro):
        h.close()
    rw = Holder(db, "rw")
    _say("read-only open while a writer process holds it", fresh_read(db))
    rw.close()


def _transaction_facts(db: Path) -> None:
    """What fresh and long-lived readers see through one write transaction of the writer's."""
    import ladybug as lb

    old = Holder(db, "ro")
    old.ask(_COUNT)
    d = lb.Database(str(db))
    c = lb.Connection(d)
    c.execute("BEGIN TRANSACTION")
    c.execute("MATCH (t:T) SET t.v = 1, t.s = 'w1-' + cast(t.id, 'STRING')")
    for step in ("transaction open", "after COMMIT (in the WAL)", "after CHECKPOINT", "after the writer closed"):
        if step.startswith("after COMMIT"):
            c.execute("COMMIT")
        elif step.startswith("after CHECKPOINT"):
            c.execute("CHECKPOINT")
        elif step.startswith("after the writer"):
            c.close()
            d.close()
        _say(f"{step}: a fresh reader", fresh_read(db))
        _say(f"{step}: a reader open since before", old.ask(_COUNT))
    old.close()


def _reuse_facts(db: Path, sessions: int = 2) -> None:
    """A long-lived reader while later writer sessions reuse the pages it still points at."""
    import ladybug as lb

    old = Holder(db, "ro")
    _say("long-lived reader opened (reads column v only)", old.ask(_COUNT))
    for s in range(sessions):
        d = lb.Database(str(db))
        c = lb.Connection(d)
        for k in (2, 3):
            c.execute(f"MATCH (t:T) SET t.v = {10 * s + k}, t.s = 'w{10 * s + k}-' + cast(t.id, 'STRING')")
            c.execute("CHECKPOINT")
        c.close()
        d.close()
        _say(f"after writer session {s + 1} (two checkpoints): v", old.ask(_COUNT))
        _say(f"after writer session {s + 1}: all of s, first read now", old.ask(_CONSISTENT))
    old.close()


def _race_facts(db: Path, seconds: float) -> None:
    """Fresh readers, one after another, while a writer process updates every row and checkpoints."""
    w = subprocess.Popen([sys.executable, "-c", _WRITER_LOOP, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    seen: Counter = Counter()
    while w.poll() is None:
        out = fresh_read(db, _CONSISTENT)
        if out.startswith("[{"):
            r = eval(out)[0]  # noqa: S307  # our own child's repr of a list of dicts
            out = "one version, consistent" if r["versions"] == 1 and r["ok"] == r["n"] else f"MIXED {r}"
        seen[re.sub(r"position: \d+|fileDescriptor: \d+", "…", out)[:150]] += 1
    versions = w.stdout.read().strip()
    print(f"  fresh readers during {seconds:.0f} s of a writer committing {versions} versions (update all + checkpoint):")
    for what, n in seen.most_common():
        print(f"    {n:4d} x {what}")


def _rows(conn, query: str = _COUNT) -> str:
    return str(conn.execute(query).get_as_df().to_dict("records"))


def _in_process_facts(db: Path) -> None:
    """Two connections of one Database in one process: the engine's own MVCC."""
    import ladybug as lb

    d = lb.Database(str(db))
    w, r = lb.Connection(d), lb.Connection(d)
    w.execute("BEGIN TRANSACTION")
    w.execute("MATCH (t:T) SET t.v = 99, t.s = 'w99-' + cast(t.id, 'STRING')")
    _say("one process, writer's transaction open: other connection", _rows(r))
    try:
        r.execute("BEGIN TRANSACTION")
        _say("one process: a second write transaction", "allowed")
        r.execute("ROLLBACK")
    except RuntimeError as exc:
        _say("one process: a second write transaction", f"refused: {str(exc)[:90]}")
    r.execute("BEGIN TRANSACTION READ ONLY")
    r.execute(_COUNT)
    w.execute("COMMIT")
    _say("one process, after COMMIT: a read transaction begun before", _rows(r))
    r.execute("COMMIT")
    _say("one process, after COMMIT: a new read", _rows(r))
    w.close()
    r.close()
    d.close()


def part_concurrency(work: Path, rows: int, race_s: float) -> None:
    db = work / "conc.lbdb"
    t = time.perf_counter()
    _build(db, rows)
    print(f"\nconcurrency on a scratch graph of {rows:,} nodes ({db.stat().st_size / MiB:.0f} MiB, built in "
          f"{time.perf_counter() - t:.1f} s); readers print [count, min v, max v] (v is the version):")
    _open_facts(db)
    _transaction_facts(db)
    _reuse_facts(db)
    _race_facts(db, race_s)
    _in_process_facts(db)
    for f in work.glob("conc.lbdb*"):
        f.unlink()


# --- blocks a refresh changes -----------------------------------------------------------------
def block_diff(old: Path, new: Path, sizes: tuple[int, ...] = BLOCKS) -> dict:
    """Blocks of ``new`` that differ from ``old`` (or lie past its end), per block size."""
    changed = dict.fromkeys(sizes, 0)
    with open(old, "rb") as a, open(new, "rb") as b:
        while y := b.read(MiB):
            x = a.read(MiB)
            if x == y:
                continue
            for s in sizes:
                changed[s] += sum(x[o:o + s] != y[o:o + s] for o in range(0, len(y), s))
    n_new = new.stat().st_size
    return {"old_bytes": old.stat().st_size, "new_bytes": n_new,
            "changed": {s: (changed[s], -(-n_new // s)) for s in sizes}}


def show_diff(d: dict) -> None:
    print(f"  file {d['old_bytes'] / MiB:,.1f} MiB -> {d['new_bytes'] / MiB:,.1f} MiB "
          f"(grew {(d['new_bytes'] - d['old_bytes']) / MiB:+,.1f} MiB)")
    for s, (n, total) in d["changed"].items():
        print(f"  {s // 1024:>5} KiB blocks changed: {n:>9,} of {total:,} ({n / total:6.2%}), {n * s / MiB:,.1f} MiB")


def written_pages(trace: Path, name: str = "graph.lbdb") -> dict:
    """Distinct 4 KiB pages the traced process wrote into ``name`` (pwrite64 lines of ``strace -y``)."""
    pages: set[int] = set()
    calls = total = 0
    pat = re.compile(r"pwrite64\(\d+<([^>]*)>, .*?, (\d+), (\d+)\) = (\d+)")
    with open(trace, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = pat.search(line)
            if not m or not m.group(1).endswith("/" + name):
                continue
            off, n = int(m.group(3)), int(m.group(4))
            calls, total = calls + 1, total + n
            pages.update(range(off // 4096, (off + max(n, 1) - 1) // 4096 + 1))
    return {"calls": calls, "bytes": total, "pages": len(pages)}


_FIEMAP = 0xC020660B  # FS_IOC_FIEMAP
_HEAD, _EXT = struct.Struct("=QQIIII"), struct.Struct("=QQQQQIIII")  # struct fiemap, struct fiemap_extent


def extent_sharing(path: Path, batch: int = 512) -> tuple[int, int]:
    """(bytes in extents shared with other files, bytes in extents of its own), by the FIEMAP ioctl.

    Shared extents are what a reflink copy did not have to write (XFS reflink=1, btrfs); on ext4 none are.
    """
    shared = own = start = 0
    with open(path, "rb") as fh:
        while True:
            buf = bytearray(_HEAD.pack(start, 2**64 - 1 - start, 1, 0, batch, 0) + bytes(_EXT.size * batch))
            fcntl.ioctl(fh.fileno(), _FIEMAP, buf)
            n = _HEAD.unpack_from(buf)[3]
            for i in range(n):
                logical, _, length, _, _, flags, *_ = _EXT.unpack_from(buf, _HEAD.size + i * _EXT.size)
                shared, own = (shared + length, own) if flags & 0x2000 else (shared, own + length)
                start = logical + length
                if flags & 0x1:  # the last extent
                    return shared, own
            if n == 0:
                return shared, own


def _allocated(root: Path) -> int:
    return sum(f.stat().st_blocks * 512 for f in root.rglob("*") if f.is_file())


def _scratch_root(db: Path, root: Path) -> str:
    """CURRENT, its snapshot and the root's other files (not older snapshots, not runs)."""
    cur = (db / "CURRENT").read_text(encoding="utf-8").strip()
    root.mkdir(parents=True)
    for p in db.iterdir():
        if p.name == "runs" or (re.fullmatch(r"v\d{6}(\.tmp)?", p.name) and p.name != cur):
            continue
        (shutil.copytree if p.is_dir() else shutil.copy2)(p, root / p.name)
    return cur


def _refresh(extract: Path, root: Path, trace: Path | None) -> dict:
    cmd = [sys.executable, "-m", "creditgraph.app.cli", "refresh", str(extract), "--db", str(root), "--json"]
    if trace is not None:
        cmd = ["strace", "-f", "-y", "-s", "0", "-e", "trace=pwrite64", "-o", str(trace), *cmd]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"refresh failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(Path(json.loads(proc.stdout)["manifest"]).read_text(encoding="utf-8"))


def part_refresh(db: Path, src: Path, fraction: float, work: Path, trace: bool) -> None:
    from creditgraph.etl.synth.changes import change_extract

    root = work / "root"
    old = _scratch_root(db, root)
    plan = change_extract(src, work / "changes", fraction=fraction, seed=1)
    before, free = _allocated(root), _settled_free(root)
    tr = work / "writes.trace" if trace and shutil.which("strace") else None
    m = _refresh(work / "changes", root, tr)
    new = m["version"]["new"]
    print(f"\nrefresh of a {fraction:.0%} change set ({plan['rows']:,} rows, {m['changes']:,} graph changes), "
          f"{old} -> {new}{' under strace (timings slowed)' if tr else ''}: "
          + ", ".join(f"{k} {v:.1f}" for k, v in m["timings"].items()) + " s")
    print(f"  root {before / 2**30:.2f} -> {_allocated(root) / 2**30:.2f} GiB allocated (shared extents counted per "
          f"file); file system free space {(free - _settled_free(root)) / 2**30:+.2f} GiB used (exact on a file "
          "system of its own; others' writes move it on a shared one)")
    shared, own = extent_sharing(root / new / "graph.lbdb")
    print(f"  new snapshot's extents: {own / MiB:,.1f} MiB its own, {shared / MiB:,.1f} MiB shared with other files "
          "(reflink; none on ext4)")
    show_diff(block_diff(root / old / "graph.lbdb", root / new / "graph.lbdb"))
    if tr:
        w = written_pages(tr)
        size = (root / new / "graph.lbdb").stat().st_size
        print(f"  pages the engine wrote into the new file: {w['pages']:,} distinct 4 KiB pages "
              f"({w['pages'] * 4096 / MiB:,.1f} MiB, {w['pages'] * 4096 / size:.2%} of the file) "
              f"in {w['calls']:,} pwrite calls, {w['bytes'] / MiB:,.1f} MiB written")
        tr.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a store root with CURRENT (read, never written)")
    ap.add_argument("--src", type=Path, help="the extract it was loaded from (for the refresh part)")
    ap.add_argument("--fraction", type=float, default=0.01)
    ap.add_argument("--parts", default="copy,concurrency,refresh")
    ap.add_argument("--rounds", type=int, default=2, help="copies per method")
    ap.add_argument("--rows", type=int, default=1_000_000, help="nodes of the concurrency scratch graph")
    ap.add_argument("--race-seconds", type=float, default=30.0)
    ap.add_argument("--no-trace", action="store_true", help="run the refresh without strace")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"), help="only compare two files")
    args = ap.parse_args()
    if args.compare:
        show_diff(block_diff(*args.compare))
        return
    if args.db is None or not (args.db / "CURRENT").exists():
        sys.exit("--db must name a store root holding a published graph (CURRENT)")
    parts = set(args.parts.split(","))
    work = args.work or Path(tempfile.mkdtemp(prefix="snapshot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        cur = args.db / (args.db / "CURRENT").read_text(encoding="utf-8").strip()
        if "copy" in parts:
            part_copy(cur / "graph.lbdb", work, args.rounds)
        if "concurrency" in parts:
            part_concurrency(work, args.rows, args.race_seconds)
        if "refresh" in parts and args.src:
            part_refresh(args.db, args.src, args.fraction, work, not args.no_trace)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Wall time and peak memory of each whole-graph scan, each run alone in a fresh process (issue 20).

    python bench/scan_memory.py --db /tmp/g1m_v3 [--scans shell,phoenix] [--as-of 2026-11-28]
                                [--dump DIR] [--steps] [--evidence 20]

Per scan, a child process opens the graph read-only, runs the scan once and reports: the wall time of
the scan, the child's peak RSS (``ru_maxrss``), the RSS after the imports and after the graph open
(what the process holds before the scan starts: the engine, its buffer pool's touched pages, the
Python modules), and the peak of an RSS sampler (every 50 ms) during the scan. ``--steps`` also prints,
per named query the scan ran, its rows, seconds and the RSS after it (where the memory goes).
``--dump DIR`` writes each scan's full output (the table and the extras) as a pickle per scan, for
comparing two versions of the code (``--compare A B``: tables as they are, frames in the extras as
sets of rows, their order not being defined).
``--evidence N`` builds the evidence of the first N rows too (it reads the graph again, by key).
``--max-rss-mb`` / ``--timeout-s`` stop a scan whose process passes that RSS or runs that long (a
graph larger than the machine holds for that scan): it is reported as stopped and the next one runs.

The graph is never written: the store is opened read-only. Pass one ``--as-of`` to both runs of a
comparison (the default moves with the code). Heavy runs take the machine's lock:
``flock /tmp/creditgraph-heavy.lock python bench/scan_memory.py --db /tmp/g1m_v3``.
``--buffer-pool-mb`` caps LadybugDB's buffer pool, which holds the engine's page cache and every
query's working memory and whole result (most of the shell scan's memory at 1M is there).

Measured 2026-11-28 (2 shared cores, the 1M graph with role history, as of 2026-11-28, default pool;
peak RSS of the child, of which ~244 MB is the process and the open graph before the scan), before
(commit b1c6261) -> after the issue-20 changes, wall s / peak MB:

    identity       3.8 /   918  ->   1.6 /   800      phoenix        9.9 / 1,876  ->  3.4 / 1,196
    shell         14.6 / 2,207  ->  10.1 / 2,212      cross_region  12.3 / 1,607  ->  6.6 / 1,086
    repeat         0.9 /   400  ->   0.7 /   401      risk_groups   22.9 / 3,482  -> 18.2 / 2,138
    repeat_person 10.2 / 1,590  ->   4.7 / 1,068      propagation   13.5 / 2,363  -> 12.5 / 1,740
    grade         47.0 / 4,878  ->  30.9 / 4,649

(Peaks vary by ~±150 MB from run to run.) At 200K enterprises (same generator, seed 1) the after
figures are identity 406, shell 740, repeat 317, repeat_person 541, phoenix 554, cross_region 544,
risk_groups 773, propagation 683, grade 1,316 MB. With ``--buffer-pool-mb 1024`` at 1M the shell and
the grade fail in LadybugDB 0.22 ("the buffer pool is full and no memory could be freed": the one
connection keeps pool memory across queries; the shell's queries, each on a fresh connection, end at
900 MB of RSS instead of 1,640 and fit in 1 GB), the other scans run with the same peaks.

Every output identical before and after (``--dump`` both, ``--compare``; phoenix's ``role_period``
left out: before the change it varied from run to run, see queries.repeat).
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

SCANS = ("identity", "shell", "repeat", "repeat_person", "phoenix", "cross_region", "risk_groups",
         "propagation", "grade")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sampler(threading.Thread):
    """The largest RSS seen, sampled every ``every`` seconds."""

    def __init__(self, every: float = 0.05):
        super().__init__(daemon=True)
        self.every, self.peak, self._done = every, 0.0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(self.every)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return max(self.peak, rss_mb())


def _runner(name: str, as_of: str):
    from creditgraph.queries import (cross_region_links, phoenix_cases, repeat_offenders, risk_groups,
                                     risk_propagation, shell_company_candidates)
    from creditgraph.queries.grade import grade_all
    from creditgraph.queries.identity import identities

    return {
        "identity": lambda s: identities(s),
        "shell": lambda s: shell_company_candidates(s, as_of=as_of),
        "repeat": lambda s: repeat_offenders(s, as_of=as_of),
        "repeat_person": lambda s: repeat_offenders(s, level="person", as_of=as_of),
        "phoenix": lambda s: phoenix_cases(s, as_of=as_of),
        "cross_region": lambda s: cross_region_links(s, level="county", as_of=as_of),
        "risk_groups": lambda s: risk_groups(s, as_of=as_of),
        "propagation": lambda s: risk_propagation(s, as_of=as_of),
        "grade": lambda s: grade_all(s, as_of=as_of),
    }[name]


def _trace_queries(store, steps: list) -> None:
    """Record rows, seconds and RSS after each named query (and each scan) the store runs."""
    for meth in ("query", "scan_batches"):
        orig = getattr(store, meth, None)
        if orig is None:
            continue

        def traced(name_or_text, *a, _orig=orig, _meth=meth, **kw):
            t = time.perf_counter()
            out = _orig(name_or_text, *a, **kw)
            label = name_or_text if _meth == "query" else f"scan_batches:{str(name_or_text)[:60]}"
            rows = len(out) if hasattr(out, "__len__") else None
            steps.append((label, rows, round(time.perf_counter() - t, 2), round(rss_mb())))
            return out
        setattr(store, meth, traced)


def _output(name: str, result):
    """What a scan returns, for comparison: frames sorted where their order is not defined."""
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        table, extras = result, {"attrs": {k: v for k, v in result.attrs.items()}}
    else:
        table, extras = result.table, dict(result.extras)
    return {"table": table, "extras": extras}


def child(a: argparse.Namespace) -> None:
    from creditgraph.graph.embedded import EmbeddedStore

    fn = _runner(a.child, a.as_of)
    rss_imports = rss_mb()
    t = time.perf_counter()
    store = EmbeddedStore(a.db, read_only=True, buffer_pool_mb=a.buffer_pool_mb or None)
    t_open = time.perf_counter() - t
    rss_open = rss_mb()
    steps: list = []
    if a.steps:
        _trace_queries(store, steps)
    sampler = Sampler()
    sampler.start()
    t = time.perf_counter()
    result = fn(store)
    wall = time.perf_counter() - t
    t = time.perf_counter()
    if a.evidence and hasattr(result, "evidence"):
        for rid in list(result.table["row_id"])[: a.evidence]:
            result.evidence[rid]
    t_evidence = time.perf_counter() - t
    sampled = sampler.stop()
    rows = len(result) if not hasattr(result, "table") else len(result.table)
    out = {"scan": a.child, "rows": rows, "wall_s": round(wall, 2), "evidence_s": round(t_evidence, 2),
           "open_s": round(t_open, 2), "rss_imports_mb": round(rss_imports), "rss_open_mb": round(rss_open),
           "sampled_peak_mb": round(sampled), "peak_rss_mb": round(peak_mb()), "steps": steps}
    if a.dump:
        Path(a.dump).mkdir(parents=True, exist_ok=True)
        with open(Path(a.dump) / f"{a.child}.pkl", "wb") as f:
            pickle.dump(_output(a.child, result), f)
    store.close()
    print("RESULT " + json.dumps(out, default=str), flush=True)


def run_watched(cmd: list[str], max_rss_mb: int, timeout_s: float) -> tuple[subprocess.CompletedProcess, str]:
    """Run a child scan, polling its RSS; kill it past ``max_rss_mb`` or ``timeout_s`` (0: no limit).
    Returns the finished process and why it was stopped ('' when it was not)."""
    t0, peak, why = time.perf_counter(), 0.0, ""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        out: dict[str, str] = {}
        readers = [threading.Thread(target=lambda k=k, f=f: out.__setitem__(k, f.read()), daemon=True)
                   for k, f in (("stdout", proc.stdout), ("stderr", proc.stderr))]
        for r in readers:
            r.start()
        while proc.poll() is None:
            try:
                with open(f"/proc/{proc.pid}/statm") as f:
                    peak = max(peak, int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20)
            except OSError:
                pass
            elapsed = time.perf_counter() - t0
            if max_rss_mb and peak > max_rss_mb:
                why = f"RSS passed {max_rss_mb:,} MB after {elapsed:.0f} s"
            elif timeout_s and elapsed > timeout_s:
                why = f"still running after {timeout_s:.0f} s (RSS {peak:,.0f} MB)"
            if why:
                proc.kill()
                break
            time.sleep(0.1)
        proc.wait()
        for r in readers:
            r.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out.get("stdout", ""), out.get("stderr", "")), why


def compare(a_dir: Path, b_dir: Path, ignore: tuple[str, ...] = ()) -> int:
    """Compare the dumps of two runs, scan by scan: 0 when every output is identical. Frames in the extras
    are compared as sets of rows (sorted first: the order a store returns rows in is not defined);
    ``ignore``: ``scan:column`` pairs left out (a column known to vary from run to run)."""
    import pandas as pd

    bad = 0
    for fa in sorted(a_dir.glob("*.pkl")):
        fb = b_dir / fa.name
        if not fb.exists():
            print(f"{fa.stem}: missing in {b_dir}")
            bad += 1
            continue
        x, y = pickle.loads(fa.read_bytes()), pickle.loads(fb.read_bytes())
        problems = []
        skip = [c.split(":", 1)[1] for c in ignore if c.split(":", 1)[0] == fa.stem]
        try:
            pd.testing.assert_frame_equal(x["table"].drop(columns=skip), y["table"].drop(columns=skip),
                                          check_dtype=False)
        except AssertionError as exc:
            problems.append(f"table: {str(exc)[:400]}")
        for k in sorted(set(x["extras"]) | set(y["extras"])):
            vx, vy = x["extras"].get(k), y["extras"].get(k)
            try:
                if isinstance(vx, dict):
                    for kk in sorted(set(vx) | set(vy or {})):
                        _same(vx.get(kk), (vy or {}).get(kk))
                else:
                    _same(vx, vy)
            except AssertionError as exc:
                problems.append(f"extras[{k}]: {str(exc)[:400]}")
        print(f"{fa.stem}: {'identical' if not problems else 'DIFFERS'} ({len(x['table']):,} rows)")
        for p in problems:
            print("   ", p)
        bad += bool(problems)
    return bad


def _same(x, y) -> None:
    import pandas as pd

    if isinstance(x, pd.DataFrame) or isinstance(y, pd.DataFrame):
        pd.testing.assert_frame_equal(_sorted(x), _sorted(y), check_dtype=False)
    elif isinstance(x, pd.Series):
        pd.testing.assert_series_equal(x, y, check_dtype=False)
    else:
        assert x == y, f"{str(x)[:100]} != {str(y)[:100]}"


def _sorted(df):
    """Rows in a defined order: sorted by the columns of scalar values."""
    cols = [c for c in df.columns if not df[c].map(lambda v: isinstance(v, (list, dict, tuple))).any()]
    return df.sort_values(cols, kind="stable").reset_index(drop=True) if cols and len(df) else df.reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--scans", default=",".join(SCANS), help=f"comma-separated, of {', '.join(SCANS)}")
    ap.add_argument("--as-of", default="2026-11-28")
    ap.add_argument("--dump", default=None, help="write each scan's output here (pickles)")
    ap.add_argument("--steps", action="store_true", help="rows, seconds and RSS after each named query")
    ap.add_argument("--evidence", type=int, default=0, help="build the evidence of the first N rows too")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("DIR_A", "DIR_B"), help="compare two --dump folders")
    ap.add_argument("--ignore", default="", help="with --compare: scan:column pairs to leave out, comma-separated")
    ap.add_argument("--buffer-pool-mb", type=int, default=0,
                    help="cap LadybugDB's buffer pool (default: the engine's, 80%% of the memory): the engine's "
                         "page cache and every operator's working memory live in it")
    ap.add_argument("--max-rss-mb", type=int, default=0, help="stop a scan whose process passes this RSS (a graph "
                    "too large for the machine: the scan is reported as over, the run goes on)")
    ap.add_argument("--timeout-s", type=float, default=0, help="stop a scan that runs longer than this")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.compare:
        raise SystemExit(compare(*a.compare, ignore=tuple(x for x in a.ignore.split(",") if x)))
    if a.db is None:
        raise SystemExit("--db is required")
    if a.child:
        return child(a)
    pool = f"buffer pool {a.buffer_pool_mb} MB" if a.buffer_pool_mb else "the engine's default buffer pool"
    print(f"graph {a.db}, as of {a.as_of}, {pool}; each scan in a fresh process")
    print(f"{'scan':14s} {'rows':>9s} {'wall s':>7s} {'peak RSS MB':>12s} {'after open MB':>14s} "
          f"{'scan adds MB':>13s}")
    for name in a.scans.split(","):
        cmd = [sys.executable, __file__, "--db", str(a.db), "--child", name, "--as-of", a.as_of,
               "--evidence", str(a.evidence), "--buffer-pool-mb", str(a.buffer_pool_mb)] + (["--steps"] if a.steps else []) + \
              (["--dump", a.dump] if a.dump else [])
        p, stopped = run_watched(cmd, a.max_rss_mb, a.timeout_s)
        line = next((x for x in p.stdout.splitlines() if x.startswith("RESULT ")), None)
        if stopped:
            print(f"{name:14s} stopped: {stopped}", flush=True)
            continue
        if p.returncode or line is None:
            print(f"{name:14s} failed (exit {p.returncode}): {p.stderr[-2000:]}")
            continue
        r = json.loads(line[len("RESULT "):])
        print(f"{name:14s} {r['rows']:>9,} {r['wall_s']:>7.1f} {r['peak_rss_mb']:>12,} {r['rss_open_mb']:>14,} "
              f"{r['peak_rss_mb'] - r['rss_open_mb']:>13,}", flush=True)
        if a.steps:
            for label, rows, secs, rss in r["steps"]:
                print(f"    {label[:60]:60s} {rows if rows is not None else '':>10} {secs:>6.2f} s  RSS {rss:>7,} MB")
        print("    " + json.dumps({k: v for k, v in r.items() if k != "steps"}), flush=True)


if __name__ == "__main__":
    main()

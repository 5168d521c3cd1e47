"""What ``creditgraph load``, ``refresh`` and ``demo`` print after a run (rich tables on standard output,
warnings in yellow on standard error).

Besides the counts, a run's summary says what a newcomer would otherwise find only in the run folder:
the commonest reasons rows did not load (table, column, reason, count; every row is in ``rejects.csv``),
the files passed over because their name matches no table of the profile, the columns of each file that
the profile maps to nothing, and, as a warning, the columns the profile names that a file does not have.
"""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err = Console(stderr=True)

REASON_CHARS = 160  # a reason's text shown in the summary (the reject report holds it whole)
COLUMNS_SHOWN = 12  # column names listed per file


def _names(cols: list[str]) -> str:
    shown = ", ".join(repr(c) for c in cols[:COLUMNS_SHOWN])
    return shown + (f" … ({len(cols) - COLUMNS_SHOWN} more)" if len(cols) > COLUMNS_SHOWN else "")


def print_reject_reasons(reasons: list[dict], report: Path | str | None = None) -> None:
    """The top reject reasons as a table (nothing when no row was rejected)."""
    if not reasons:
        return
    t = Table(title=f"why rows did not load: the top {len(reasons)} reasons (every row: {report or 'the reject report'})")
    for c in ("table", "column", "reason", "count"):
        t.add_column(c, justify="right" if c == "count" else "left", overflow="fold")
    for r in reasons:
        text = r["reason"] if len(r["reason"]) <= REASON_CHARS else r["reason"][:REASON_CHARS] + " …"
        t.add_row(escape(r["table"] or "-"), escape(r["column"] or "-"), escape(text), f"{r['count']:,}")
    console.print(t)


def print_file_notes(files: list[dict]) -> None:
    """Files passed over (no table matches their name) and, per file, the columns mapped to no field."""
    for f in files:
        if f.get("ignored"):
            console.print(f"ignored: {escape(str(f['path']))}: {escape(f['ignored'])}", soft_wrap=True)
    for f in files:
        if f.get("unmapped_columns") and not f.get("ignored"):
            console.print(f"{escape(str(f['path']))}: columns mapped to no field (not loaded): "
                          f"{escape(_names(f['unmapped_columns']))}", soft_wrap=True)


def warn_file_columns(files: list[dict]) -> None:
    """A yellow warning on standard error for each file that lacks columns its profile names."""
    for f in files:
        if f.get("missing_columns"):
            err.print(f"[yellow]warning: {escape(str(f['path']))}: the profile names column(s) this file does not have: "
                      f"{escape(_names(f['missing_columns']))} (their fields load empty, or the file is refused "
                      "when one is required)[/]", soft_wrap=True)


def print_load_summary(rep) -> None:
    title = f"run {rep.run_id}: graph version {rep.version.get('old') or '-'} → {rep.version.get('new')}"
    if rep.status == "unchanged":
        title = f"run {rep.run_id}: the graph already holds this extract; nothing written (version {rep.version.get('new')})"
    t = Table(title=title)
    for c in ("table", "read", "loaded", "rejected", "superseded"):
        t.add_column(c, justify="right" if c != "table" else "left")
    for name, c in rep.tables.items():
        t.add_row(name, f"{c['read']:,}", f"{c['loaded']:,}", f"{c['rejected']:,}", f"{c['superseded']:,}")
    console.print(t)
    for name, c in rep.tables.items():
        if c.get("officers"):
            console.print(f"{name}: {c['officers']:,} rows name other officers (not the legal representative): "
                          "not loaded as LEGAL_REP (listed in the reject report as notes)")
        if c.get("unaccounted"):
            err.print(f"[yellow]{name}: {c['unaccounted']:,} rows read were neither loaded nor reported[/]")
    print_reject_reasons(rep.reject_reasons, Path(rep.run_dir) / "rejects.csv" if rep.run_dir else None)
    g = Table(title="graph writes")
    for c in ("label / type", "inserted", "updated", "closed", "unchanged", "skipped", "deleted"):
        g.add_column(c, justify="right" if c != "label / type" else "left")
    for k in sorted(set(rep.graph) | set(rep.deleted)):
        w = rep.graph.get(k, {})
        g.add_row(k, f"{w.get('inserted', 0):,}", f"{w.get('updated', 0):,}", f"{w.get('closed', 0):,}",
                  f"{w.get('unchanged', 0):,}",
                  f"{w.get('skipped', 0):,}", f"{rep.deleted.get(k, 0):,}")
    console.print(g)
    print_file_notes(rep.files)
    warn_file_columns(rep.files)
    for f in rep.file_errors:
        err.print(f"[yellow]file not loaded:[/] {escape(str(f['path']))}: {escape(f['error'])}")
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in rep.timings.items())
    console.print(f"timings: {secs}")
    console.print(f"manifest: {rep.manifest}\nreject report: {Path(rep.run_dir) / 'rejects.csv'}")


def refresh_reasons(rep) -> list[dict]:
    """A refresh's top reject reasons, from the reject report it wrote."""
    import pandas as pd

    from creditgraph.etl.report import top_reasons

    path = Path(rep.run_dir) / "rejects.parquet" if rep.run_dir else None
    if rep.reject_reasons or not rep.rejects.get("rejected") or path is None or not path.is_file():
        return rep.reject_reasons
    return top_reasons(pd.read_parquet(path))


def print_refresh_summary(rep) -> None:
    t = Table(title=f"refresh {rep.run_id}: {rep.status}, graph version {rep.version.get('old') or '-'} → "
                    f"{rep.version.get('new') or '-'}")
    for c in ("label / type", "inserted", "updated", "closed", "deleted", "unchanged", "skipped"):
        t.add_column(c, justify="left" if c == "label / type" else "right")
    for k in sorted(set(rep.graph) | set(rep.deleted)):
        w = rep.graph.get(k, {})
        t.add_row(k, *(f"{w.get(c, 0):,}" for c in ("inserted", "updated", "closed")), f"{rep.deleted.get(k, 0):,}",
                  *(f"{w.get(c, 0):,}" for c in ("unchanged", "skipped")))
    console.print(t)
    print_reject_reasons(refresh_reasons(rep), Path(rep.run_dir) / "rejects.csv" if rep.run_dir else None)
    print_file_notes(rep.files)
    warn_file_columns(rep.files)
    for f in rep.file_errors:
        err.print(f"[yellow]file not read:[/] {escape(str(f['path']))}: {escape(f['error'])}")
    console.print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in rep.timings.items()) + f"\nmanifest: {rep.manifest}")

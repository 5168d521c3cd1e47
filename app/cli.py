"""The ``creditgraph`` command line (typer + rich)."""
from __future__ import annotations

import dataclasses
import json
import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="creditgraph: a credit knowledge graph and association analysis for the social credit system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

DbOpt = typer.Option(None, "--db", help="embedded store folder (default ./data/graph or CREDITGRAPH_DB)")
Neo4jOpt = typer.Option(False, "--neo4j", help="use the Neo4j store (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE)")


def settings_for(db: Optional[Path], neo4j: bool):
    from creditgraph.graph.config import load_settings

    s = load_settings()
    if neo4j:
        s = dataclasses.replace(s, store="neo4j")
    if db is not None:
        s = dataclasses.replace(s, store="embedded", db_path=Path(db))
    return s


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line, whatever the terminal's width
    raise typer.Exit(code)


@contextmanager
def _load_errors():
    """The load, refresh and demo failures as one-line messages and their exit codes."""
    from creditgraph.etl.pipeline import EXIT_FATAL, EXIT_LOCKED, FatalLoadError
    from creditgraph.etl.profiles import ProfileError
    from creditgraph.graph.snapshots import Locked

    try:
        yield
    except Locked as exc:
        fail(str(exc), EXIT_LOCKED)
    except (FatalLoadError, ProfileError, FileNotFoundError, ValueError) as exc:
        fail(str(exc).splitlines()[0], EXIT_FATAL)


def _progress_run(fn, *args, **kw):
    """Run a pipeline with a rich progress display, one line per stage."""
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[stage]:<9}[/] {task.description}"),
                  TimeElapsedColumn(), console=err, transient=False) as prog:
        tasks: dict[str, int] = {}

        def say(stage: str, msg: str) -> None:
            for s, tid in tasks.items():
                if s != stage:
                    prog.update(tid, completed=1, total=1)
            if stage not in tasks:
                tasks[stage] = prog.add_task(msg, stage=stage, total=None)
            prog.update(tasks[stage], description=msg)

        out = fn(*args, progress=say, **kw)
        for tid in tasks.values():
            prog.update(tid, completed=1, total=1)
        return out


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
    g = Table(title="graph writes")
    for c in ("label / type", "inserted", "updated", "unchanged", "skipped", "deleted"):
        g.add_column(c, justify="right" if c != "label / type" else "left")
    for k in sorted(set(rep.graph) | set(rep.deleted)):
        w = rep.graph.get(k, {})
        g.add_row(k, f"{w.get('inserted', 0):,}", f"{w.get('updated', 0):,}", f"{w.get('unchanged', 0):,}",
                  f"{w.get('skipped', 0):,}", f"{rep.deleted.get(k, 0):,}")
    console.print(g)
    for f in rep.file_errors:
        err.print(f"[yellow]file not loaded:[/] {f['path']}: {f['error']}")
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in rep.timings.items())
    console.print(f"timings: {secs}")
    console.print(f"manifest: {rep.manifest}\nreject report: {Path(rep.run_dir) / 'rejects.csv'}")


@app.command()
def load(
    path: Path = typer.Argument(..., help="an extract file or a folder of extracts"),
    profile: str = typer.Option("canonical", "--profile", "-p", help="built-in profile name (canonical, zj-warehouse) or a YAML profile path"),
    db: Optional[Path] = DbOpt,
    neo4j: bool = Neo4jOpt,
    as_json: bool = typer.Option(False, "--json", help="print the run summary as JSON"),
) -> None:
    """Load source extracts into the graph (validated; rejects reported, good rows loaded).

    Exit codes: 0 loaded (rejected rows are in the reject report), 3 loaded but
    some files could not be read, 1 fatal error (nothing loaded), 75 another
    load or refresh holds the lock, 77 sign-in refused or role without ``refresh``
    (with users configured; nothing read, nothing published).
    """
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.etl.pipeline import run_load

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("refresh",))  # before anything is read: a refused sign-in loads nothing
    with audited(settings, who, "load", path=str(path), profile=profile) as rec:
        with _load_errors():
            rep = _progress_run(run_load, path, profile, settings)
        rec.update(_run_fields(rep))
        if as_json:
            console.print_json(json.dumps(dataclasses.asdict(rep), default=str, ensure_ascii=False))
        else:
            print_load_summary(rep)
        raise typer.Exit(rep.exit_code)


def _run_fields(rep) -> dict:
    """What the audit line of a load or refresh records about its run."""
    return {"run_id": rep.run_id, "version": rep.version, "status": getattr(rep, "status", None)}


@app.command()
def refresh(
    path: Path = typer.Argument(..., help="a new extract: a file or a folder (rows with change flags, or full table snapshots)"),
    profile: str = typer.Option("canonical", "--profile", "-p", help="built-in profile name or a YAML profile path"),
    db: Optional[Path] = DbOpt,
    neo4j: bool = Neo4jOpt,
    mode: str = typer.Option("auto", "--mode", help="auto (flagged tables incremental, unflagged ones full snapshots), incremental or snapshot"),
    max_delete: float = typer.Option(0.25, "--max-delete", help="refuse a full snapshot that would delete more than this share of a table"),
    dry_run: bool = typer.Option(False, "--dry-run", help="compute and report the changes; write nothing"),
    log_json: bool = typer.Option(False, "--log-json", help="JSON log lines on stderr (always written to the run folder's log.jsonl)"),
    as_json: bool = typer.Option(False, "--json", help="print the run summary as JSON"),
) -> None:
    """Apply a new extract: only what changed is written, published atomically (see docs/operations.md).

    Exit codes: 0 applied (or nothing to change), 3 applied but some files could
    not be read, 1 fatal error (graph unchanged), 75 another refresh or load holds the lock,
    77 sign-in refused or role without ``refresh`` (graph unchanged; a service account: docs/security.md).
    """
    from creditgraph.app.cli_security import audited, cli_user

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("refresh",))  # the admin's refresh permission, or a service account's
    with audited(settings, who, "refresh", path=str(path), profile=profile, refresh_mode=mode, dry_run=dry_run) as rec:
        _refresh(path, profile, settings, rec, mode=mode, max_delete=max_delete, dry_run=dry_run, log_json=log_json,
                 as_json=as_json)


def _refresh(path: Path, profile: str, settings, rec: dict, *, mode: str, max_delete: float, dry_run: bool,
             log_json: bool, as_json: bool) -> None:
    """Run a refresh, print its summary and exit with its code (``rec``: the audit line's results)."""
    from creditgraph.etl.refresh import run_refresh

    kw: dict[str, Any] = dict(mode=mode, max_delete=max_delete, dry_run=dry_run, log_streams=[sys.stderr] if log_json else None)
    with _load_errors():
        rep = run_refresh(path, profile, settings, **kw) if log_json else \
            _progress_run(run_refresh, path, profile, settings, **kw)
    rec.update(_run_fields(rep))
    if as_json:
        console.print_json(json.dumps(dataclasses.asdict(rep), default=str, ensure_ascii=False))
    else:
        t = Table(title=f"refresh {rep.run_id}: {rep.status}, graph version {rep.version.get('old') or '-'} → {rep.version.get('new') or '-'}")
        for c in ("label / type", "inserted", "updated", "deleted", "unchanged", "skipped"):
            t.add_column(c, justify="left" if c == "label / type" else "right")
        for k in sorted(set(rep.graph) | set(rep.deleted)):
            w = rep.graph.get(k, {})
            t.add_row(k, *(f"{w.get(c, 0):,}" for c in ("inserted", "updated")), f"{rep.deleted.get(k, 0):,}",
                      *(f"{w.get(c, 0):,}" for c in ("unchanged", "skipped")))
        console.print(t)
        for f in rep.file_errors:
            err.print(f"[yellow]file not read:[/] {f['path']}: {f['error']}")
        console.print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in rep.timings.items()) + f"\nmanifest: {rep.manifest}")
    raise typer.Exit(rep.exit_code)


@app.command()
def synth(
    enterprises: int = typer.Option(10_000, "--enterprises", "-n", help="number of enterprises"),
    seed: int = typer.Option(1, "--seed", help="same seed, same bytes"),
    out: Path = typer.Option(Path("data/synth"), "--out", help="output folder"),
    profile: str = typer.Option("canonical", "--profile", help="canonical or zj-warehouse layout"),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet"),
    bad_rows: float = typer.Option(0.0, "--bad-rows", help="fraction of deliberately broken rows (listed in ground_truth.json)"),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSV encoding: utf-8, utf-8-sig or gb18030"),
) -> None:
    """Generate synthetic credit extracts with planted risk patterns and ground_truth.json."""
    from creditgraph.etl.synth import generate

    with console.status(f"generating {enterprises:,} enterprises …"):
        summary = generate(enterprises=enterprises, seed=seed, out=out, profile=profile, fmt=fmt,
                           bad_rows=bad_rows, encoding=encoding)
    t = Table(title=f"synthetic extract in {out}")
    t.add_column("file")
    t.add_column("rows", justify="right")
    for name, n in summary["files"].items():
        t.add_row(str(name), f"{n:,}")
    t.add_row("[bold]total[/]", f"[bold]{summary['rows']:,}[/]")
    console.print(t)
    console.print(f"{summary['seconds']:.1f} s; planted patterns and bad rows listed in {summary['ground_truth']}")


@app.command()
def schema(db: Optional[Path] = DbOpt, neo4j: bool = Neo4jOpt) -> None:
    """Create or migrate the graph schema and show its version."""
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.graph.store import open_store

    settings = settings_for(db, neo4j)
    with audited(settings, cli_user(settings, ("refresh",)), "schema"):
        if settings.store == "embedded":
            from creditgraph.graph.embedded import new_snapshot

            with new_snapshot(settings.db_path) as store:
                v = store.schema_version()
        else:
            with open_store(settings) as store:
                store.create_schema()
                v = store.schema_version()
    console.print(f"schema: model version {v['model_version']}, signature {v['signature']}")


@app.command()
def counts(db: Optional[Path] = DbOpt, neo4j: bool = Neo4jOpt) -> None:
    """Nodes per label and relationships per type."""
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.graph.snapshots import NoGraph
    from creditgraph.graph.store import open_store

    settings = settings_for(db, neo4j)
    with audited(settings, cli_user(settings, ("status",)), "counts") as rec:  # data status, as in the app
        try:
            with open_store(settings, read_only=True) as store:
                c = store.counts()
        except NoGraph as exc:
            fail(str(exc))
        rec["rows"] = len(c)
    t = Table(title="graph counts")
    t.add_column("label / type")
    t.add_column("count", justify="right")
    for k, v in c.items():
        t.add_row(k, f"{v:,}")
    console.print(t)


@app.command()
def verify(
    db: Optional[Path] = DbOpt,
    neo4j: bool = Neo4jOpt,
    full: bool = typer.Option(False, "--full", help="check every key (default: a sample per relationship end)"),
    sample: int = typer.Option(2000, help="keys sampled per relationship end"),
) -> None:
    """Check the graph's integrity: each relationship the same from both ends and by scan, keys present
    and unique, no dangling or doubled edges, counts as the last load or refresh recorded. Exit 1 on any
    difference."""
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.etl.pipeline import last_counts
    from creditgraph.graph.snapshots import NoGraph
    from creditgraph.graph.store import open_store
    from creditgraph.graph.verify import verify as verify_graph

    settings = settings_for(db, neo4j)
    with audited(settings, cli_user(settings, ("status",)), "verify", full=full, sample=sample) as rec:
        try:
            with open_store(settings, read_only=True) as store:
                version = getattr(store, "version", None) or store.get_meta("graph_version")
                report = verify_graph(store, sample=None if full else sample,
                                      expected_counts=last_counts(settings, version))
        except NoGraph as exc:
            fail(str(exc))
        rec["rows"] = len(report.problems)
        rec["ok"] = report.ok
    checked = sum(report.checked.values())
    if report.ok:
        console.print(f"graph {version}: OK ({len(report.checked)} labels and relationship tables, "
                      f"{checked:,} keys and edges, {'every key' if full else f'{sample:,} keys per end'} looked up)")
        return
    for line in report.lines():
        err.print(f"[red]{line}[/]")
    fail(f"graph {version}: {len(report.problems)} integrity problem(s); see above", 1)


@app.command()
def history(db: Optional[Path] = DbOpt, neo4j: bool = Neo4jOpt, limit: int = typer.Option(20, help="runs to show")) -> None:
    """Past loads and refreshes, newest first (from their manifests)."""
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.etl.pipeline import history as runs

    settings = settings_for(db, neo4j)
    with audited(settings, cli_user(settings, ("status",)), "history", limit=limit) as rec:
        rows = runs(settings)[:limit]
        rec["rows"] = len(rows)
    t = Table(title="runs")
    for c in ("run", "kind", "status", "finished", "profile", "version", "changes", "rejected"):
        t.add_column(c)
    for m in rows:
        g = m.get("graph", {})
        changes = sum(v.get("inserted", 0) + v.get("updated", 0) for v in g.values()) + sum(m.get("deleted", {}).values())
        v = m.get("version", {})
        t.add_row(m["run_id"], m.get("kind", "load"), m.get("status", ""), str(m.get("finished", ""))[:19],
                  m.get("profile", ""), f"{v.get('old') or '-'} → {v.get('new') or '-'}", f"{changes:,}",
                  f"{m.get('rejects', {}).get('rejected', 0):,}")
    console.print(t)


ANALYZE_HELP = """Run an association analysis and write it with evidence (CSV, XLSX or JSON; personal data masked).

Parameters go as -p KEY=VALUE (lists comma-separated, booleans true/false);
`creditgraph analyze --list` shows every analysis and its parameters. Example:

  creditgraph analyze repeat_offenders -p level=person -p window_days=1095 --out ro.xlsx
"""


@app.command(help=ANALYZE_HELP)
def analyze(
    name: Optional[str] = typer.Argument(None, help="analysis name (see --list)"),
    param: list[str] = typer.Option([], "--param", "-p", help="KEY=VALUE, repeatable"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output file: .csv, .xlsx or .json"),
    show: int = typer.Option(10, "--show", help="rows to print"),
    list_: bool = typer.Option(False, "--list", help="list the analyses and their parameters"),
    db: Optional[Path] = DbOpt,
    neo4j: bool = Neo4jOpt,
) -> None:
    from creditgraph import queries
    from creditgraph.app.cli_security import audited, cli_user, masked_frame
    from creditgraph.etl.read import sha256
    from creditgraph.graph.store import open_store

    if list_ or not name:
        for aname in queries.ANALYSES:
            ps = ", ".join(f"{p.name}{'' if p.required else '=' + repr(p.default)}" for p in queries.parameters(aname))
            console.print(f"[bold]{aname}[/]({ps})")
        if not list_:
            fail("name an analysis (listed above)", 2)
        return
    if name not in queries.ANALYSES:
        fail(f"unknown analysis {name[:40]!r}; one of {', '.join(queries.ANALYSES)}", 2)
    raw = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"parameter {item[:40]!r}: write KEY=VALUE", 2)
        raw[key.strip()] = value
    try:
        params = queries.coerce(name, raw)
    except ValueError as exc:
        fail(str(exc), 2)
    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("explore", "export") if out else ("explore",), local_actions=("export",) if out else ())
    with audited(settings, who, "export" if out else "analysis", name=name, params=raw,
                 **({"analysis": name} if out else {})) as rec:
        store = open_store(settings, read_only=True)
        try:
            with err.status(f"running {name} …"):
                result = queries.ANALYSES[name](store, **params)
            rec["rows"] = len(result.table)
            if out:
                path = queries.export(result, out)
                rec.update(file=str(path), sha256=sha256(path))
        except (KeyError, ValueError) as exc:
            fail(str(exc).strip("'\""), 1)
        finally:
            store.close()
    import pandas as pd

    with pd.option_context("display.max_colwidth", 32, "display.width", console.width):  # masked, as in the app
        console.print(masked_frame(result.table.head(show)).to_string(index=False) if len(result.table) else "(no rows)")
    console.print(f"{len(result.table):,} rows" + (f"; written to {out} (evidence included, personal data masked)" if out else ""))


@app.command()
def serve(
    db: Optional[Path] = DbOpt,
    port: int = typer.Option(8501, "--port", help="port to listen on"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (0.0.0.0: every interface)"),
) -> None:
    """Serve the Streamlit app (read-only on the graph; offline: no CDN, no telemetry)."""
    from creditgraph.app.serve import ServeRefused, check_listen, run

    settings = settings_for(db, False)
    try:
        check_listen(host)  # before saying where it serves: a refusal prints its one-line reason only
    except ServeRefused as exc:
        fail(str(exc), 78)
    where = settings.db_path if settings.store == "embedded" else settings.neo4j.uri
    console.print(f"creditgraph app on [bold]http://{host}:{port}[/] (store: {settings.store} {where}); Ctrl+C stops it")
    raise typer.Exit(run(settings.db_path if settings.store == "embedded" else None, port, host))


@app.command()
def demo(
    enterprises: int = typer.Option(20_000, "--enterprises", "-n", help="number of synthetic enterprises"),
    seed: int = typer.Option(1, "--seed", help="generator seed"),
    port: int = typer.Option(8501, "--port", help="port to serve on"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to serve on"),
    db: Optional[Path] = DbOpt,
    out: Path = typer.Option(Path("data/demo-src"), "--out", help="where the demo extract is written"),
    no_serve: bool = typer.Option(False, "--no-serve", help="generate and load only"),
    reload: bool = typer.Option(False, "--reload", help="load again even when the graph already holds this data"),
    neo4j: bool = typer.Option(False, "--neo4j", help="use Neo4j: NEO4J_URI's server, else the project's local one "
                               "(scripts/neo4j.sh, data in data/neo4j-demo), started for the demo and stopped after it"),
) -> None:
    """Generate demo data with planted risk patterns, load it into the embedded store (or Neo4j), serve the app."""
    from creditgraph.etl.pipeline import EXIT_FATAL

    if neo4j and db is not None:
        fail("--neo4j and --db exclude each other", 2)
    stop = _demo_neo4j_server() if neo4j else None
    try:
        settings = settings_for(db, neo4j)
        if settings.store != "embedded" and not neo4j:
            fail("the demo loads into the embedded store: unset CREDITGRAPH_STORE, pass --db PATH or --neo4j", EXIT_FATAL)
        _demo(settings, enterprises, seed, port, host, out, no_serve, reload)
    finally:
        if stop is not None:
            stop()


def _demo_neo4j_server():
    """NEO4J_URI's server, or the local one started now (returns how to stop it): sets the environment
    (CREDITGRAPH_STORE=neo4j, NEO4J_*) that the load and the app's server process read."""
    import os
    import subprocess

    os.environ["CREDITGRAPH_STORE"] = "neo4j"
    if os.environ.get("NEO4J_URI"):
        return None
    script = Path(__file__).resolve().parents[1] / "scripts" / "neo4j.sh"
    if not script.exists():
        fail("no NEO4J_URI and no scripts/neo4j.sh (a source checkout) to start a local Neo4j", 1)
    home = Path(os.environ.get("CREDITGRAPH_NEO4J_HOME") or "data/neo4j-demo").resolve()
    env = {**os.environ, "CREDITGRAPH_NEO4J_HOME": str(home)}
    was_running = subprocess.run(["bash", str(script), "status"], env=env, capture_output=True).returncode == 0
    err.print("starting the local Neo4j server (the first start builds it: Java 17 and Maven needed) …")
    res = subprocess.run(["bash", str(script), "start"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        fail("the local Neo4j server did not start: " + " | ".join((res.stderr or res.stdout).strip().splitlines()[-3:]), 1)
    for line in (home / "env").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
            os.environ[key] = value
    err.print(f"Neo4j at {os.environ['NEO4J_URI']} (credentials in {home / 'env'})")
    if was_running:
        return None

    def stop() -> None:
        subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True)
        err.print(f"local Neo4j stopped; its data stays in {home} "
                  f"(`CREDITGRAPH_NEO4J_HOME={home} bash scripts/neo4j.sh start` starts it again)")

    return stop


def _demo(settings, enterprises: int, seed: int, port: int, host: str, out: Path, no_serve: bool, reload: bool) -> None:
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.app.serve import prepare_demo, run

    with audited(settings, cli_user(settings, ("refresh",)), "demo", enterprises=enterprises, seed=seed) as rec:
        with _load_errors():
            info = _progress_run(prepare_demo, settings, enterprises=enterprises, seed=seed, out=out,
                                 say=lambda m: err.print(m), reload=reload)
        rec.update(loaded=info.get("loaded", False), **(_run_fields(info["report"]) if info.get("loaded") else {}))
    if info.get("loaded"):
        print_load_summary(info["report"])
    where = settings.db_path if settings.store == "embedded" else settings.neo4j.uri
    if no_serve:
        console.print(f"demo graph ready at {where}; serve it with `creditgraph serve`")
        return
    console.print(f"creditgraph app on [bold]http://{host}:{port}[/] (store: {where}); Ctrl+C stops it")
    raise typer.Exit(run(settings.db_path if settings.store == "embedded" else None, port, host))


# users and the audit log (app/cli_security.py)
from creditgraph.app.cli_security import audit_cmd, users_app  # noqa: E402

app.add_typer(users_app, name="users")
app.command("audit")(audit_cmd)


def main() -> None:
    from creditgraph.graph.inputs import InputError
    from creditgraph.graph.neo4j_store import Neo4jStoreError

    # the driver's own notices (e.g. "Transaction failed and will be retried") would bury the one-line
    # reason a failed command ends with
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except (Neo4jStoreError, InputError) as exc:  # one line, no traceback (messages hold no credentials)
        err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

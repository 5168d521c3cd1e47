"""The ``creditgraph`` command line (typer + rich)."""
from __future__ import annotations

import dataclasses
import json
import logging
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from creditgraph.app.cli_summary import (console, err, print_load_summary, print_refresh_summary, refresh_reasons,
                                         warn_file_columns)

app = typer.Typer(
    help="creditgraph: a credit knowledge graph and association analysis for the social credit system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
DbOpt = Annotated[Optional[Path], typer.Option("--db", help="embedded store folder (default ./data/graph or CREDITGRAPH_DB)")]
Neo4jOpt = Annotated[bool, typer.Option("--neo4j", help="use the Neo4j store (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE)")]


# the options that take one of a few words (typer lists them in --help and refuses any other word with exit 2);
# tests/test_cli_ux.py checks them against etl.refresh.MODES and etl.synth.base PROFILES, FORMATS and ENCODINGS


class RefreshMode(str, Enum):
    auto = "auto"
    incremental = "incremental"
    snapshot = "snapshot"


class SynthProfile(str, Enum):
    canonical = "canonical"
    zj_warehouse = "zj-warehouse"


class SynthFormat(str, Enum):
    csv = "csv"
    parquet = "parquet"


class CsvEncoding(str, Enum):
    utf_8 = "utf-8"
    utf_8_sig = "utf-8-sig"
    gb18030 = "gb18030"


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


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="an extract file or a folder of extracts")],
    profile: Annotated[str, typer.Option("--profile", "-p", help="built-in profile name (canonical, zj-warehouse) "
                                         "or a YAML profile path")] = "canonical",
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the run summary as JSON")] = False,
    no_grade: Annotated[bool, typer.Option("--no-grade", help="do not grade the published version (app/grades.py)")] = False,
    chunk_rows: Annotated[Optional[int], typer.Option("--chunk-rows", min=1, help="read and clean in chunks of this "
                                                      "many records (default: CREDITGRAPH_CHUNK_ROWS, else whole)")] = None,
) -> None:
    """Load source extracts into the graph (validated; rejects reported, good rows loaded).

    The summary names the commonest reasons rows were rejected, the files passed over
    (their name matches no table of the profile: listed as ignored, not an error), the
    columns of each file the profile maps to nothing and, as a warning on stderr, the
    columns the profile names that a file lacks.

    Exit codes: 0 loaded (rejected rows are in the reject report), 3 loaded but
    some files that match a table could not be read, 1 fatal error (nothing loaded),
    75 another load or refresh holds the lock, 77 sign-in refused or role without
    ``refresh`` (with users configured; nothing read, nothing published).
    """
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.etl.pipeline import run_load

    settings = dataclasses.replace(settings_for(db, neo4j), **({"chunk_rows": chunk_rows} if chunk_rows else {}))
    who = cli_user(settings, ("refresh",))  # before anything is read: a refused sign-in loads nothing
    with audited(settings, who, "load", path=str(path), profile=profile) as rec:
        with _load_errors():
            rep = _progress_run(run_load, path, profile, settings)
        rec.update(_run_fields(rep))
        if as_json:
            console.print_json(json.dumps(dataclasses.asdict(rep), default=str, ensure_ascii=False))
            warn_file_columns(rep.files)  # on stderr, beside the JSON
        else:
            print_load_summary(rep)
        _grade_after_publish(settings, rec, rep, no_grade, as_json)
        raise typer.Exit(rep.exit_code)


def _run_fields(rep) -> dict:
    """What the audit line of a load or refresh records about its run."""
    return {"run_id": rep.run_id, "version": rep.version, "status": getattr(rep, "status", None)}


@app.command()
def refresh(
    path: Annotated[Path, typer.Argument(help="a new extract: a file or a folder (rows with change flags, or full table snapshots)")],
    profile: Annotated[str, typer.Option("--profile", "-p", help="built-in profile name or a YAML profile path")] = "canonical",
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
    mode: Annotated[RefreshMode, typer.Option("--mode", help="auto (flagged tables incremental, unflagged ones full "
                                              "snapshots), incremental or snapshot")] = RefreshMode.auto,
    max_delete: Annotated[float, typer.Option("--max-delete", help="refuse a full snapshot that would delete more than "
                                              "this share of a table")] = 0.25,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="compute and report the changes; write nothing")] = False,
    log_json: Annotated[bool, typer.Option("--log-json", help="JSON log lines on stderr (always written to the run "
                                           "folder's log.jsonl)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the run summary as JSON")] = False,
    no_grade: Annotated[bool, typer.Option("--no-grade", help="do not grade the published version (app/grades.py)")] = False,
) -> None:
    """Apply a new extract: only what changed is written, published atomically (see docs/operations.md).

    Exit codes: 0 applied (or nothing to change), 3 applied but some files could
    not be read, 1 fatal error (graph unchanged), 75 another refresh or load holds the lock,
    77 sign-in refused or role without ``refresh`` (graph unchanged; a service account: docs/security.md).
    """
    from creditgraph.app.cli_security import audited, cli_user

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("refresh",))  # the admin's refresh permission, or a service account's
    with audited(settings, who, "refresh", path=str(path), profile=profile, refresh_mode=mode.value, dry_run=dry_run) as rec:
        _refresh(path, profile, settings, rec, mode=mode.value, max_delete=max_delete, dry_run=dry_run, log_json=log_json,
                 as_json=as_json, after=lambda rep: _grade_after_publish(settings, rec, rep, no_grade, as_json))


def _refresh(path: Path, profile: str, settings, rec: dict, *, mode: str, max_delete: float, dry_run: bool,
             log_json: bool, as_json: bool, after=None) -> None:
    """Run a refresh, print its summary and exit with its code (``rec``: the audit line's results)."""
    from creditgraph.etl.refresh import run_refresh

    kw: dict[str, Any] = dict(mode=mode, max_delete=max_delete, dry_run=dry_run, log_streams=[sys.stderr] if log_json else None)
    with _load_errors():
        rep = run_refresh(path, profile, settings, **kw) if log_json else \
            _progress_run(run_refresh, path, profile, settings, **kw)
    rec.update(_run_fields(rep))
    rep.reject_reasons = refresh_reasons(rep)
    if as_json:
        console.print_json(json.dumps(dataclasses.asdict(rep), default=str, ensure_ascii=False))
        warn_file_columns(rep.files)
    else:
        print_refresh_summary(rep)
    if after is not None:  # the published version's grades
        after(rep)
    raise typer.Exit(rep.exit_code)


@app.command()
def synth(
    enterprises: Annotated[int, typer.Option("--enterprises", "-n", help="number of enterprises")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="same seed, same bytes")] = 1,
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("data/synth"),
    profile: Annotated[SynthProfile, typer.Option("--profile", help="layout: the file names and columns of that "
                                                  "built-in profile")] = SynthProfile.canonical,
    fmt: Annotated[SynthFormat, typer.Option("--format", help="file format")] = SynthFormat.csv,
    bad_rows: Annotated[float, typer.Option("--bad-rows", help="fraction of deliberately broken rows (listed in "
                                            "ground_truth.json)")] = 0.0,
    encoding: Annotated[CsvEncoding, typer.Option("--encoding", help="CSV encoding")] = CsvEncoding.utf_8,
) -> None:
    """Generate synthetic credit extracts with planted risk patterns and ground_truth.json."""
    from creditgraph.etl.synth import generate

    with console.status(f"generating {enterprises:,} enterprises …"):
        summary = generate(enterprises=enterprises, seed=seed, out=out, profile=profile.value, fmt=fmt.value,
                           bad_rows=bad_rows, encoding=encoding.value)
    t = Table(title=f"synthetic extract in {out}")
    t.add_column("file")
    t.add_column("rows", justify="right")
    for name, n in summary["files"].items():
        t.add_row(str(name), f"{n:,}")
    t.add_row("[bold]total[/]", f"[bold]{summary['rows']:,}[/]")
    console.print(t)
    console.print(f"{summary['seconds']:.1f} s; planted patterns and bad rows listed in {summary['ground_truth']}")


@app.command()
def schema(db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
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
def counts(db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
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
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
    full: Annotated[bool, typer.Option("--full", help="check every key (default: a sample per relationship end)")] = False,
    sample: Annotated[int, typer.Option(help="keys sampled per relationship end")] = 2000,
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
def history(db: DbOpt = None, neo4j: Neo4jOpt = False,
            limit: Annotated[int, typer.Option(help="runs to show")] = 20) -> None:
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
`creditgraph analyze --list` shows every analysis and its parameters. --as-of looks at the
graph as of a day (roles and holdings valid that day, penalties decided by then; default
today), --attribution says whose roles a penalty counts against (repeat_offenders, phoenix_cases).
Example:

  creditgraph analyze repeat_offenders -p level=person -p window_days=1095 --as-of 2023-12-31 --out ro.xlsx
"""


@app.command(help=ANALYZE_HELP)
def analyze(
    # a word, not an Enum: the analyses are the queries package's registry (queries.ANALYSES), checked below
    # with the list in the message, and importing it for --help would slow every command down
    name: Annotated[Optional[str], typer.Argument(help="analysis name (see --list)")] = None,
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="KEY=VALUE, repeatable")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="output file: .csv, .xlsx or .json")] = None,
    show: Annotated[int, typer.Option("--show", help="rows to print")] = 10,
    list_: Annotated[bool, typer.Option("--list", help="list the analyses and their parameters")] = False,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", help="the day to look at, YYYY-MM-DD: roles and holdings valid that day, penalties decided by "
                        "then (default today)")] = None,
    attribution: Annotated[Optional[str], typer.Option(
        "--attribution", help="repeat_offenders (people), phoenix_cases: a penalty counts against the people in office "
                              "on its decision date (decision, the default) or on the --as-of day (current)")] = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
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
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"parameter {item[:40]!r}: write KEY=VALUE", 2)
        raw[key.strip()] = value
    from creditgraph.app.cli_time import time_params

    raw = time_params(name, raw, as_of, attribution)
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
    db: DbOpt = None,
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8501,
    host: Annotated[str, typer.Option("--host", help="address to listen on (0.0.0.0: every interface)")] = "127.0.0.1",
) -> None:
    """Serve the Streamlit app (read-only on the graph; offline: no CDN, no telemetry).

    The embedded store's folder (--db, CREDITGRAPH_DB, default ./data/graph) must hold a graph: a folder
    without one (a typo, or nothing loaded yet) is refused with exit 1 and the command that loads one
    (`creditgraph load PATH`, or `creditgraph demo` for synthetic data); nothing is served and nothing is
    written there. The app's audit log goes to CREDITGRAPH_AUDIT_LOG or [audit] path when set, else
    beside the graph (FOLDER/audit.jsonl).
    """
    from creditgraph.app.serve import ServeRefused, check_listen, no_graph_message, run

    settings = settings_for(db, False)
    try:
        check_listen(host)  # before saying where it serves: a refusal prints its one-line reason only
    except ServeRefused as exc:
        fail(str(exc), 78)
    if settings.store == "embedded":
        missing = no_graph_message(settings.db_path, named=db is not None)
        if missing:
            fail(missing, 1)
    where = settings.db_path if settings.store == "embedded" else settings.neo4j.uri
    console.print(f"creditgraph app on [bold]http://{host}:{port}[/] (store: {settings.store} {where}); Ctrl+C stops it")
    raise typer.Exit(run(settings.db_path if settings.store == "embedded" else None, port, host))


@app.command()
def demo(
    enterprises: Annotated[int, typer.Option("--enterprises", "-n", help="number of synthetic enterprises")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="generator seed")] = 1,
    port: Annotated[int, typer.Option("--port", help="port to serve on")] = 8501,
    host: Annotated[str, typer.Option("--host", help="address to serve on")] = "127.0.0.1",
    db: DbOpt = None,
    out: Annotated[Path, typer.Option("--out", help="where the demo extract is written")] = Path("data/demo-src"),
    no_serve: Annotated[bool, typer.Option("--no-serve", help="generate and load only")] = False,
    reload: Annotated[bool, typer.Option("--reload", help="load again even when the graph already holds this data")] = False,
    neo4j: Annotated[bool, typer.Option("--neo4j", help="use Neo4j: NEO4J_URI's server, else the project's local one "
                                        "(scripts/neo4j.sh, data in data/neo4j-demo), started for the demo and "
                                        "stopped after it")] = False,
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
    grade_if_missing(settings)
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

# batch credit checks (app/cli_check.py)
from creditgraph.app.cli_check import check  # noqa: E402

app.command("check")(check)

# the HTTP JSON API and its client keys (app/cli_api.py)
from creditgraph.app.cli_api import api_cmd, api_keys_app  # noqa: E402

app.command("api")(api_cmd)
app.add_typer(api_keys_app, name="api-keys")

# watchlists, alerts and credit reports (app/cli_watch.py, app/cli_report.py)
from creditgraph.app.cli_report import report  # noqa: E402
from creditgraph.app.cli_watch import alerts_app, watch_app  # noqa: E402

app.add_typer(watch_app, name="watch")
app.add_typer(alerts_app, name="alerts")
app.command("report")(report)

# objections and credit repairs (app/cli_casework.py)
from creditgraph.app.cli_casework import casework_app, commitment_app, objection_app, redlist_app, repair_app  # noqa: E402

app.add_typer(commitment_app, name="commitment")
app.add_typer(redlist_app, name="redlist")
app.add_typer(objection_app, name="objection")
app.add_typer(repair_app, name="repair")
app.add_typer(casework_app, name="casework")

# public credit grades and the graded inspection draw (app/cli_grade.py)
from creditgraph.app.cli_grade import draw, grade_after_publish as _grade_after_publish, grade_app, grade_if_missing  # noqa: E402

app.add_typer(grade_app, name="grade")
app.command("draw")(draw)


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

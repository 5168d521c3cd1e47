"""``creditgraph watch …`` and ``creditgraph alerts …``: watchlists and their alerts (app/watch.py).

A scheduler runs ``creditgraph alerts run`` after each load or refresh: it prints each new alert as
one JSON line on standard output (for the scheduler to forward) and keeps it in the alert file.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from creditgraph.app.cli_summary import console

watch_app = typer.Typer(help="watchlists of enterprises whose changes raise alerts", no_args_is_help=True)
alerts_app = typer.Typer(help="alerts raised for watchlists after loads and refreshes", no_args_is_help=True)

DbOpt = Annotated[Optional[Path], typer.Option("--db", help="embedded store folder (default ./data/graph or CREDITGRAPH_DB)")]
Neo4jOpt = Annotated[bool, typer.Option("--neo4j", help="use the Neo4j store")]


@watch_app.command("add")
def watch_add(
    name: Annotated[str, typer.Argument(help="the watchlist (created when new)")],
    uids: Annotated[list[str], typer.Argument(help="uids to watch: enterprises (USCCs) or people (ID:… / NM:…)")],
    hops: Annotated[int, typer.Option("--hops", min=1, max=2, help="alert on penalties this far away")] = 2,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
) -> None:
    """Add enterprises or people to a watchlist (unknown uids are refused)."""
    from creditgraph.app.cli import fail, settings_for
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.app.watch import add_to_watchlist, known_subjects
    from creditgraph.graph.store import open_store

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("explore",))
    with audited(settings, who, "watch_add", watchlist=name, subjects=len(uids)):
        with open_store(settings, read_only=True) as store:
            found = known_subjects(store, uids)
        missing = [u for u in uids if u not in found]
        if missing:
            fail(f"no enterprise or person with uid {', '.join(missing[:5])}; search for it first (creditgraph analyze …)", 1)
        try:
            wl = add_to_watchlist(settings, name, uids, owner=who.user or "local", hops=hops)
        except ValueError as exc:
            fail(str(exc), 2)
    console.print(f"watchlist {name}: {len(wl['subjects'])} enterprises, {wl['hops']} hops")


@watch_app.command("list")
def watch_list(db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """The watchlists: owner, hops and how many enterprises each watches."""
    from creditgraph.app.cli import settings_for
    from creditgraph.app.watch import watchlists

    for name, wl in sorted(watchlists(settings_for(db, neo4j)).items()):
        console.print(f"{name}\towner {wl.get('owner')}\thops {wl.get('hops')}\t{len(wl['subjects'])} enterprises")


@alerts_app.command("run")
def alerts_run(db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """Observe every watchlist on the current graph; print each new alert as a JSON line."""
    from creditgraph.app.cli import settings_for
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.app.stores import store_version
    from creditgraph.app.watch import run_alerts
    from creditgraph.graph.store import open_store

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("explore",))
    with audited(settings, who, "alerts_run") as rec:
        with open_store(settings, read_only=True) as store:
            version = store_version(store)
            raised = run_alerts(settings, store, version)
        rec["alerts"] = len(raised)
    for a in raised:
        typer.echo(json.dumps(a, ensure_ascii=False))


@alerts_app.command("list")
def alerts_list(unread: Annotated[bool, typer.Option("--unread", help="only the alerts not yet read")] = False,
                db: DbOpt = None, neo4j: Neo4jOpt = False) -> None:
    """The alerts kept, oldest first, as JSON lines."""
    from creditgraph.app.cli import settings_for
    from creditgraph.app.watch import read_alerts

    for a in read_alerts(settings_for(db, neo4j), unread_only=unread):
        typer.echo(json.dumps(a, ensure_ascii=False))


@alerts_app.command("read")
def alerts_read(ids: Annotated[list[str], typer.Argument(help="alert ids")], db: DbOpt = None,
                neo4j: Neo4jOpt = False) -> None:
    """Mark alerts read."""
    from creditgraph.app.cli import settings_for
    from creditgraph.app.watch import mark_read

    console.print(f"{mark_read(settings_for(db, neo4j), ids)} marked read")

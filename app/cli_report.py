"""``creditgraph report UID --out report.pdf``: one party's credit report (app/report.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from creditgraph.app.cli_summary import console


def report(
    uid: Annotated[str, typer.Argument(help="the party: an enterprise's uid (USCC) or a person's uid")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the report: .pdf (printed by Chromium) or .html")],
    purpose: Annotated[str, typer.Option("--purpose", help="what the report is for (recorded in the audit log)")] = "",
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", help="the day the report looks at, YYYY-MM-DD: people, owners and holdings of that day, the former "
                        "ones with their periods (default today)")] = None,
    db: Annotated[Optional[Path], typer.Option("--db", help="embedded store folder (default ./data/graph or CREDITGRAPH_DB)")] = None,
    neo4j: Annotated[bool, typer.Option("--neo4j", help="use the Neo4j store")] = False,
) -> None:
    """Write the credit report of a party: facts, people and owners (current and former, with their
    periods), holdings, penalties and lists (history included), risk signals, related parties and a
    picture of its relationships; personal data masked as in every export (names per the
    export_person_names setting)."""
    from creditgraph.app.cli import fail, settings_for
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.app.cli_time import check_day
    from creditgraph.app.report import write_report
    from creditgraph.etl.read import sha256
    from creditgraph.app.stores import store_version
    from creditgraph.graph.store import open_store

    day = check_day(as_of) if as_of is not None else None
    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("explore", "export"), local_actions=("export",))
    with audited(settings, who, "report", uid=uid, purpose=purpose, **({"as_of": day} if day else {})) as rec:
        with open_store(settings, read_only=True) as store:
            version = store_version(store)
            try:
                path = write_report(store, uid, out, names_masked=settings.export_person_names == "masked",
                                    version=version, as_of=day)
            except KeyError as exc:  # NotFound, or the picture's lookup of an unknown uid
                fail(str(exc).strip("'\""), 1)
        rec.update(file=str(path), sha256=sha256(path))
    console.print(f"report written to {path} (personal data masked)")

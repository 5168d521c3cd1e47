"""``creditgraph api`` (the HTTP JSON API, :mod:`app.api`) and ``creditgraph api-keys add/list/revoke``
(its clients' keys, :mod:`app.api_keys`); registered on the CLI by app/cli.py. See docs/api.md."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from creditgraph.app.cli_summary import console, err

api_keys_app = typer.Typer(help="Manage the HTTP API's client keys (admins): stored only as argon2 hashes.",
                           no_args_is_help=True)


def _fail(message: str, code: int = 1):
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def api_cmd(
    host: Annotated[str, typer.Option("--host", help="address to listen on (loopback by default; put TLS in a "
                                                     "reverse proxy in front of any other)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")] = 8600,
    db: Annotated[Optional[Path], typer.Option("--db", help="embedded store folder (default ./data/graph or CREDITGRAPH_DB)")] = None,
    neo4j: Annotated[bool, typer.Option("--neo4j", help="use the Neo4j store")] = False,
    workers: Annotated[int, typer.Option("--workers", min=0, max=64,
                                         help="processes that make the profiles (0: in the server's own threads); "
                                              "about one per core: a profile is mostly Python work, which one "
                                              "process runs on one core at a time")] = 0,
) -> None:
    """Serve the read-only HTTP JSON API (/v1/health, /v1/search, /v1/profile/{uid}, /v1/check; schema at
    /openapi.json). Clients send a key made with `creditgraph api-keys add`; every request is audited."""
    import uvicorn

    from creditgraph.app.api import create_app
    from creditgraph.app.api_keys import ApiKeyError
    from creditgraph.app.auth import AuthError, is_loopback_host
    from creditgraph.app.cli import settings_for

    settings = settings_for(db, neo4j)
    try:
        app = create_app(settings, workers=workers)
    except (ApiKeyError, AuthError, ValueError) as exc:
        _fail(str(exc))
    if not app.state.security.keys.keys():
        err.print("no API keys yet: every call but /v1/health is refused (add one with `creditgraph api-keys add`)")
    if not is_loopback_host(host):
        err.print(f"listening on {host}: the API speaks plain HTTP, put a TLS-terminating proxy in front of it")
    where = settings.db_path if settings.store == "embedded" else "Neo4j"
    console.print(f"creditgraph API on [bold]http://{host}:{port}/v1[/] (store: {where}; schema /openapi.json); Ctrl+C stops it")
    # no X-Forwarded-For trusted: the failed-key throttle counts the real peer
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, log_level="info")


def _settings():
    from creditgraph.graph.config import load_settings

    return load_settings()


def _path() -> Path:
    from creditgraph.graph.config import config_path

    return config_path()


@api_keys_app.command("add")
def keys_add(name: Annotated[str, typer.Argument(help="the client's name (letters, digits, . _ @ -), e.g. tender-platform")],
             role: Annotated[str, typer.Option("--role", "-r", help="a role of [auth] (investigator, supervisor, admin or a "
                                                                    "custom one); search, profile and check need `explore`")],
             rate: Annotated[Optional[float], typer.Option("--rate", help="requests per minute for this key "
                                                                         "(default [api] rate_per_minute, 60)")] = None) -> None:
    """Add a client's key and print it once (only its argon2 hash is stored)."""
    from creditgraph.app.api_keys import ApiKeyError, add_key
    from creditgraph.app.audit import audit_event
    from creditgraph.app.cli_security import require_cli

    settings = _settings()
    actor = require_cli(settings, "users")
    try:
        entry, key = add_key(_path(), name, role, rate)
    except ApiKeyError as exc:
        _fail(str(exc))
    audit_event(settings, "api_key_add", user=actor, target=name, target_role=role, key_id=entry.key_id,
                rate_per_minute=entry.rate_per_minute)
    err.print(f"key of client [bold]{name}[/] (role {role}, {entry.rate_per_minute:g} requests/minute) added to {_path()}; "
              "it is shown once, store it now:")
    print(key)


@api_keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False) -> None:
    """Clients, their roles and rate limits (never keys or hashes)."""
    from creditgraph.app.api_keys import ApiKeyError, load_keys
    from creditgraph.app.audit import audit_event
    from creditgraph.app.cli_security import cli_user

    settings = _settings()
    who = cli_user(settings, ("users",), local_actions=("users",))
    try:
        keys = sorted(load_keys(settings.raw).values(), key=lambda k: k.name)
    except ApiKeyError as exc:
        _fail(str(exc))
    rows: list[dict[str, Any]] = [{"client": k.name, "role": k.role, "key_id": k.key_id,
                                   "rate_per_minute": k.rate_per_minute, "created": k.created} for k in keys]
    audit_event(settings, "api_keys_list", **who.fields(), rows=len(rows))
    if as_json:
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return
    t = Table(title="API clients")
    for c in rows[0] if rows else ("client", "role", "key_id", "rate_per_minute", "created"):
        t.add_column(c)
    for r in rows:
        t.add_row(*(f"{v:g}" if isinstance(v, float) else str(v) for v in r.values()))
    console.print(t)


@api_keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="the client's name")]) -> None:
    """Remove a client's key (a running API refuses it from its next request)."""
    from creditgraph.app.api_keys import ApiKeyError, revoke_key
    from creditgraph.app.audit import audit_event
    from creditgraph.app.cli_security import require_cli

    settings = _settings()
    actor = require_cli(settings, "users")
    try:
        entry = revoke_key(_path(), name)
    except ApiKeyError as exc:
        _fail(str(exc))
    audit_event(settings, "api_key_revoke", user=actor, target=name, key_id=entry.key_id)
    console.print(f"key of client [bold]{name}[/] revoked")

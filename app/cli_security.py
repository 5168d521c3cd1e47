"""``creditgraph users …`` and ``creditgraph audit``: user management and the audit log (admins).

Who runs a command: with users configured, ``CREDITGRAPH_USER`` (default: the
login name) signs in with ``CREDITGRAPH_PASSWORD`` or a hidden prompt, and the
role must allow the command (``users``, ``audit``; ``refresh`` for the refresh
job: :func:`require_cli`). In local mode (no users) the local role applies
(``CREDITGRAPH_LOCAL_ROLE``, default investigator), except that the first
``users add … --role admin`` is always allowed: it is how sign-in is set up.

Passwords are read from a hidden prompt or ``--password-stdin``, never from the
command line, and only their argon2 hash is written (to ``creditgraph.toml``).
Exit codes: 0 done, 1 error, 77 not allowed.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from app import auth
from app.audit import audit_event, audit_path, read_events

EXIT_DENIED = 77  # EX_NOPERM
console = Console()
err = Console(stderr=True)
users_app = typer.Typer(help="Manage app users (admins): passwords stored only as argon2 hashes.", no_args_is_help=True)


def _settings():
    from graph.config import load_settings

    return load_settings()


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def require_cli(settings, action: str) -> str:
    """Sign the command-line user in and check the role may do ``action``; returns the user name.

    Refusals are audited and exit with code 77.
    """
    try:
        cfg = auth.AuthConfig.from_settings(settings)
    except auth.AuthError as exc:
        _fail(str(exc))
    if cfg.mode == "local":
        s = cfg.local_session()
        if not cfg.can(s.role, action):
            audit_event(settings, "denied", user=s.user, role=s.role, mode="cli-local", action=action)
            _fail(f"local mode: role {s.role!r} may not {action} (set CREDITGRAPH_LOCAL_ROLE=admin, or add users)",
                  EXIT_DENIED)
        return s.user
    import getpass

    user = os.environ.get("CREDITGRAPH_USER") or getpass.getuser()
    password = os.environ.get("CREDITGRAPH_PASSWORD")
    if password is None:
        password = typer.prompt(f"password for {user}", hide_input=True, err=True)
    res = cfg.sign_in(user, password)
    audit_event(settings, "sign_in", user=res.user, ok=res.ok, mode="cli",
                **({"role": res.role} if res.ok else {"reason": res.reason}))
    if not res.ok:
        _fail(f"sign-in failed for {user!r} (set CREDITGRAPH_USER / CREDITGRAPH_PASSWORD)", EXIT_DENIED)
    if not cfg.can(res.role, action):
        audit_event(settings, "denied", user=res.user, role=res.role, mode="cli", action=action)
        _fail(f"user {user!r} (role {res.role}) may not {action}", EXIT_DENIED)
    return res.user


def _new_password(stdin: bool) -> str:
    if stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt("new password", hide_input=True, confirmation_prompt=True, err=True)


def _config_path():
    from graph.config import config_path

    return config_path()


@users_app.command("add")
def users_add(name: str = typer.Argument(..., help="user name (letters, digits, . _ @ -)"),
              role: str = typer.Option(..., "--role", "-r", help="investigator, supervisor or admin"),
              password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from standard input"),
              no_password: bool = typer.Option(False, "--no-password", help="header sign-in only (trusted proxy)")) -> None:
    """Add a user (the first user must be an admin)."""
    settings = _settings()
    bootstrap = not auth.AuthConfig.from_settings(settings).users
    actor = os.environ.get("CREDITGRAPH_USER") or "bootstrap"
    if not bootstrap:
        actor = require_cli(settings, "users")
    try:
        auth.check_username(name)
        password = None if no_password else _new_password(password_stdin)
        auth.add_user(_config_path(), name, role, password)
    except auth.AuthError as exc:
        _fail(str(exc))
    audit_event(settings, "user_add", user=actor, target=name, target_role=role)
    console.print(f"user [bold]{name}[/] added with role {role} (argon2 hash written to {_config_path()})")


@users_app.command("passwd")
def users_passwd(name: str = typer.Argument(..., help="user name"),
                 password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from standard input")) -> None:
    """Set a user's password."""
    settings = _settings()
    actor = require_cli(settings, "users")
    try:
        auth.set_password(_config_path(), name, _new_password(password_stdin))
    except auth.AuthError as exc:
        _fail(str(exc))
    audit_event(settings, "user_passwd", user=actor, target=name)
    console.print(f"password of [bold]{name}[/] changed")


@users_app.command("remove")
def users_remove(name: str = typer.Argument(..., help="user name")) -> None:
    """Remove a user."""
    settings = _settings()
    actor = require_cli(settings, "users")
    try:
        auth.remove_user(_config_path(), name)
    except auth.AuthError as exc:
        _fail(str(exc))
    audit_event(settings, "user_remove", user=actor, target=name)
    console.print(f"user [bold]{name}[/] removed")


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json", help="JSON lines")) -> None:
    """Users and their roles (never their hashes)."""
    settings = _settings()
    require_cli(settings, "users")
    rows = [{"user": u.name, "role": u.role, "password": bool(u.password_hash)} for u in auth.list_users(settings)]
    if as_json:
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return
    t = Table(title=f"users ({auth.AuthConfig.from_settings(settings).mode} mode)")
    for c in ("user", "role", "password"):
        t.add_column(c)
    for r in rows:
        t.add_row(r["user"], r["role"], "set" if r["password"] else "-")
    console.print(t)


def _since(text: Optional[str]) -> Optional[dt.datetime]:
    if not text:
        return None
    try:
        d = dt.datetime.fromisoformat(text)
    except ValueError:
        _fail(f"--since {text!r}: use a date (2026-11-01) or a time (2026-11-01T08:00)")
    return d if d.tzinfo else d.replace(tzinfo=dt.timezone.utc)


def audit_cmd(user: Optional[str] = typer.Option(None, "--user", help="only this user's events"),
              event: Optional[str] = typer.Option(None, "--event", help="only this event (sign_in, search, export, reveal …)"),
              since: Optional[str] = typer.Option(None, "--since", help="from this date or time (UTC)"),
              as_json: bool = typer.Option(False, "--json", help="print JSON lines"),
              limit: int = typer.Option(0, "--limit", help="only the last N matching events (0: all)")) -> None:
    """Show the audit log (admins), filtered by user, event and time."""
    settings = _settings()
    require_cli(settings, "audit")
    rows = list(read_events(settings, user=user, event=event, since=_since(since)))
    if limit > 0:
        rows = rows[-limit:]
    if as_json:
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return
    t = Table(title=f"audit log {audit_path(settings)}: {len(rows)} events")
    for c in ("time (UTC)", "event", "user", "details"):
        t.add_column(c, overflow="fold")
    for r in rows:
        rest = {k: v for k, v in r.items() if k not in ("ts", "event", "user")}
        t.add_row(str(r.get("ts", ""))[:19].replace("T", " "), str(r.get("event")), str(r.get("user", "")),
                  json.dumps(rest, ensure_ascii=False, default=str)[:300])
    console.print(t)

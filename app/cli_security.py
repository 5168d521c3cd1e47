"""Who runs a command line, and ``creditgraph users …`` / ``creditgraph audit`` (admins).

With users configured (password or header mode), every command that reads or writes the graph signs
the user in before it touches anything (:func:`cli_user`): ``CREDITGRAPH_USER`` (default: the login
name) with ``CREDITGRAPH_PASSWORD``, else the first line of ``CREDITGRAPH_PASSWORD_FILE`` (a file no
one else may read: mode 0600 or 0400), else a hidden prompt. The role must allow what the command does
(the app's table, :data:`app.auth.PERMISSIONS`): ``explore`` for analyses, ``export`` for ``--out``,
``status`` for ``counts`` / ``history``, ``refresh`` for ``load``, ``refresh``, ``schema`` and
``demo``, ``users``, ``audit``. A refused sign-in or role exits with code 77 before anything is read,
loaded or published. Every command writes one audit line (:func:`audited`: who, role, parameters, row
counts for reads, run id / version / exit code for writes); printed tables are masked
(:func:`masked_frame`).

A scheduled job signs in as a service account: a user whose role grants only ``refresh``
(``[auth.roles] job = ["refresh"]``), credentials from the job's environment.

In local mode (no users) no one signs in; the local role (``CREDITGRAPH_LOCAL_ROLE``, default
investigator) is checked only where it was before (``analyze --out``, ``users``, ``audit``), the
first ``users add … --role admin`` is always allowed (it is how sign-in is set up), and commands are
still audited under the operating-system user (mode ``cli-local``).

Passwords are read from a hidden prompt, ``--password-stdin``, the environment or a file, never from
the command line, and only their argon2 hash is written (to ``creditgraph.toml``).
Exit codes: 0 done, 1 error (``audit --verify``: the chain is broken), 77 not allowed.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import stat
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, NoReturn, Optional, Sequence

import typer
from rich.console import Console
from rich.table import Table

from creditgraph.app import auth
from creditgraph.app.audit import audit_event, audit_path, key_is_demo, read_events, verify_chain

EXIT_DENIED = 77  # EX_NOPERM
console = Console()
err = Console(stderr=True)
users_app = typer.Typer(help="Manage app users (admins): passwords stored only as argon2 hashes.", no_args_is_help=True)


def _settings():
    from creditgraph.graph.config import load_settings

    return load_settings()


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line, however narrow the terminal
    raise typer.Exit(code)


@dataclass(frozen=True)
class CliUser:
    """Who runs this command: ``mode`` is ``cli`` (signed in) or ``cli-local`` (local mode, no sign-in)."""

    user: str
    role: str
    mode: str

    def fields(self) -> dict[str, str]:
        return {"user": self.user, "role": self.role, "mode": self.mode, "via": "cli"}


class PasswordUnavailable(Exception):
    """No password could be had for the command-line user (message says why)."""


def _password_from_file(path: Path) -> str:
    """The first line of a password file that only its owner may read."""
    try:
        st = path.stat()
    except OSError:
        raise PasswordUnavailable(f"CREDITGRAPH_PASSWORD_FILE {str(path)[:80]!r} cannot be read") from None
    if not stat.S_ISREG(st.st_mode):
        raise PasswordUnavailable(f"CREDITGRAPH_PASSWORD_FILE {str(path)[:80]!r} is not a file")
    if st.st_mode & 0o077:
        raise PasswordUnavailable(f"CREDITGRAPH_PASSWORD_FILE {str(path)[:80]!r} is readable by others "
                                  f"(mode {stat.S_IMODE(st.st_mode):o}): chmod 600 it")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise PasswordUnavailable(f"CREDITGRAPH_PASSWORD_FILE {str(path)[:80]!r} cannot be read") from None
    return text.splitlines()[0] if text else ""


def cli_password(user: str) -> str:
    """``CREDITGRAPH_PASSWORD``, else ``CREDITGRAPH_PASSWORD_FILE``, else a hidden prompt."""
    if os.environ.get("CREDITGRAPH_PASSWORD") is not None:
        return os.environ["CREDITGRAPH_PASSWORD"]
    if os.environ.get("CREDITGRAPH_PASSWORD_FILE"):
        return _password_from_file(Path(os.environ["CREDITGRAPH_PASSWORD_FILE"]))
    try:
        return typer.prompt(f"password for {user}", hide_input=True, err=True)
    except typer.Abort:  # no terminal and nothing on standard input (a job without credentials)
        raise PasswordUnavailable("no password: set CREDITGRAPH_PASSWORD_FILE (or CREDITGRAPH_PASSWORD) "
                                  "for unattended runs") from None


def _deny(settings, who: CliUser, actions: Sequence[str], cfg: auth.AuthConfig) -> None:
    """Exit 77 (audited) unless ``who``'s role may do every one of ``actions``."""
    for action in actions:
        if not cfg.can(who.role, action):
            audit_event(settings, "denied", user=who.user, role=who.role, mode=who.mode, action=action)
            if who.mode == "cli-local":
                _fail(f"local mode: role {who.role!r} may not {action} (set CREDITGRAPH_LOCAL_ROLE=admin, or add users)",
                      EXIT_DENIED)
            _fail(f"user {who.user!r} (role {who.role}) may not {action}", EXIT_DENIED)


def cli_user(settings, actions: Sequence[str], local_actions: Sequence[str] = ()) -> CliUser:
    """Sign the command-line user in (when users are configured) and check the role may do ``actions``.

    In local mode nobody signs in and only ``local_actions`` are checked against the local role (the
    checks the command line made before users existed). Refusals are audited and exit with code 77.
    """
    try:
        cfg = auth.AuthConfig.from_settings(settings)
    except auth.AuthError as exc:
        _fail(str(exc))
    if cfg.mode == "local":
        s = cfg.local_session()
        who = CliUser(s.user, s.role, "cli-local")
        _deny(settings, who, local_actions, cfg)
        return who
    import getpass

    user = os.environ.get("CREDITGRAPH_USER") or getpass.getuser()
    try:
        password = cli_password(user)
    except PasswordUnavailable as exc:
        audit_event(settings, "sign_in", user=user[:64], ok=False, mode="cli", reason="no password")
        _fail(str(exc), EXIT_DENIED)
    res = cfg.sign_in(user, password)
    audit_event(settings, "sign_in", user=res.user, ok=res.ok, mode="cli",
                **({"role": res.role} if res.ok else {"reason": res.reason}))
    if not res.ok:
        _fail(f"sign-in failed for {user[:64]!r}: nothing was read or written "
              "(set CREDITGRAPH_USER and CREDITGRAPH_PASSWORD_FILE or CREDITGRAPH_PASSWORD)", EXIT_DENIED)
    assert res.role is not None  # a successful sign-in always carries the role
    who = CliUser(res.user, res.role, "cli")
    _deny(settings, who, actions, cfg)
    return who


def require_cli(settings, action: str) -> str:
    """Sign the command-line user in and check the role may do ``action`` (local role too); returns the user name."""
    return cli_user(settings, (action,), local_actions=(action,)).user


@contextmanager
def audited(settings, who: CliUser, event: str, **fields: Any) -> Iterator[dict]:
    """Write one audit line for the command in the block, whatever its outcome.

    The block adds results (``rows``, ``run_id`` …) to the dict it gets; the exit code of a
    ``typer.Exit`` and the kind of any other error are added on the way out.
    """
    out: dict[str, Any] = {}
    try:
        yield out
    except typer.Exit as exc:
        out.setdefault("exit_code", exc.exit_code)
        raise
    except BaseException as exc:
        out.setdefault("exit_code", 1)
        out["error"] = type(exc).__name__
        raise
    else:
        out.setdefault("exit_code", 0)
    finally:
        audit_event(settings, event, **who.fields(), **fields, **out)


def _mask_resident_ids(text: str) -> str:
    """Resident ID numbers inside a text as ``330222********123X`` (USCCs kept)."""
    import re

    import pandas as pd

    from creditgraph.graph.identifiers import mask_id, validate_resident_id, validate_uscc

    found = sorted(set(re.findall(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])", text)))
    if not found:
        return text
    cands = pd.Series(found, dtype="string")
    is_id = validate_resident_id(cands)["kind"].eq("valid").to_numpy() & ~validate_uscc(cands)["kind"].eq("uscc").to_numpy()
    for clear, masked in zip(cands[is_id], mask_id(cands[is_id])):
        text = text.replace(clear, masked)
    return text


def _masked_cell(v: Any) -> Any:
    """A printed cell with personal data masked: the exports' phone / e-mail masking, ID numbers, in lists and maps too."""
    from creditgraph.graph.masking import mask_text

    if isinstance(v, str):
        return _mask_resident_ids(mask_text(v))
    if isinstance(v, dict):
        return _masked_cell(json.dumps(v, ensure_ascii=False, default=str))
    if isinstance(v, (list, tuple, set)) or type(v).__name__ == "ndarray":
        return "; ".join("" if x is None else str(_masked_cell(x)) for x in v)
    return v


def masked_frame(df):
    """A copy of a (small, printed) frame with phones, e-mails and resident ID numbers masked."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype).startswith(("string", "str")):
            out[c] = out[c].map(_masked_cell).astype(object)
    return out


def _new_password(stdin: bool) -> str:
    if stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt("new password", hide_input=True, confirmation_prompt=True, err=True)


def _config_path():
    from creditgraph.graph.config import config_path

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
    who = cli_user(settings, ("users",), local_actions=("users",))
    rows: list[dict[str, Any]] = [{"user": u.name, "role": u.role, "password": bool(u.password_hash)}
                                  for u in auth.list_users(settings)]
    audit_event(settings, "users_list", **who.fields(), rows=len(rows))
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
              limit: int = typer.Option(0, "--limit", help="only the last N matching events (0: all)"),
              verify: bool = typer.Option(False, "--verify", help="check the hash chain; exit 1 naming the first broken line")) -> None:
    """Show the audit log (admins), filtered by user, event and time; --verify checks its hash chain."""
    settings = _settings()
    who = cli_user(settings, ("audit",), local_actions=("audit",))
    check = verify_chain(settings)
    if key_is_demo(settings):
        err.print("[yellow]warning:[/] the audit key is derived from the demo identity key: anyone can forge "
                  "entries (set CREDITGRAPH_AUDIT_KEY or CREDITGRAPH_ID_KEY)", soft_wrap=True)
    if verify:
        audit_event(settings, "audit_verify", **who.fields(), ok=check.ok, entries=check.entries,
                    legacy=check.legacy, line=check.line)
        if not check.ok:
            _fail(f"audit log {audit_path(settings)} does not verify: {check.summary()}")
        console.print(f"audit log {audit_path(settings)}: {check.summary()}", soft_wrap=True)
        return
    if not check.ok:
        err.print(f"[bold yellow]warning:[/] the audit log does not verify, {check.summary()}; "
                  "run `creditgraph audit --verify`", soft_wrap=True)
    rows = list(read_events(settings, user=user, event=event, since=_since(since)))
    if limit > 0:
        rows = rows[-limit:]
    audit_event(settings, "audit_view", **who.fields(), filters={"user": user, "event": event, "since": since},
                rows=len(rows), chain_ok=check.ok)
    if as_json:
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return
    t = Table(title=f"audit log {audit_path(settings)}: {len(rows)} events")
    for c in ("time (UTC)", "event", "user", "details"):
        t.add_column(c, overflow="fold")
    for r in rows:
        rest = {k: v for k, v in r.items() if k not in ("ts", "event", "user", "prev", "mac")}
        t.add_row(str(r.get("ts", ""))[:19].replace("T", " "), str(r.get("event")), str(r.get("user", "")),
                  json.dumps(rest, ensure_ascii=False, default=str)[:300])
    console.print(t)

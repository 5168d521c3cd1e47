"""The audit log: append-only JSON lines, one per event, never rewritten.

Where: ``CREDITGRAPH_AUDIT_LOG``, else ``[audit] path`` in ``creditgraph.toml``,
else ``<embedded store folder>/audit.jsonl`` (``data/graph/audit.jsonl``).

Each line: ``{"ts": UTC time, "event": …, "user": …, …fields}``. Events written
by creditgraph: ``sign_in`` (``ok`` true/false, ``reason``), ``sign_out``,
``session_expired``, ``denied`` (``action``), ``search``, ``profile_view``,
``analysis`` (``name``, ``params``), ``export`` (``rows``, ``sha256``, ``bytes``),
``reveal`` (``uid``, ``fields``, ``count``), ``refresh``, ``user_add``,
``user_remove``, ``user_passwd``.

A line is written by one ``write()`` on a file opened ``O_APPEND`` while
holding an exclusive ``flock``, so lines from several processes never
interleave. Long strings are cut (a 1 MB search box must not become a 1 MB
line); the cut keeps the length and a SHA-256 of the whole.

Example
-------
>>> import tempfile, pathlib
>>> log = pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl"
>>> _ = audit_event(log, "search", user="li", text="宁波锦野")
>>> [(e["event"], e["user"], e["text"]) for e in read_events(log)]
[('search', 'li', '宁波锦野')]
"""
from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

MAX_FIELD = 500  # characters kept of any one string field

__all__ = ["audit_event", "audit_path", "read_events", "bytes_sha256"]


def audit_path(settings) -> Path:
    """The log file for these settings (or a path given directly)."""
    if isinstance(settings, (str, os.PathLike)):
        return Path(settings)
    env = os.environ.get("CREDITGRAPH_AUDIT_LOG")
    if env:
        return Path(env)
    configured = (getattr(settings, "raw", {}) or {}).get("audit", {}).get("path")
    if configured:
        return Path(configured)
    return Path(settings.db_path) / "audit.jsonl"


def _short(v: Any) -> Any:
    if isinstance(v, str) and len(v) > MAX_FIELD:
        return {"cut": v[:80], "length": len(v), "sha256": hashlib.sha256(v.encode("utf-8", "replace")).hexdigest()}
    if isinstance(v, dict):
        return {str(k): _short(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        items = list(v)
        return [_short(x) for x in items[:50]] + ([f"… {len(items) - 50} more"] if len(items) > 50 else [])
    return v


def audit_event(settings, event: str, **fields: Any) -> dict:
    """Append one event; returns the record written.

    ``settings``: :class:`graph.config.Settings` (or the log's path). ``user``
    defaults to the operating-system user (for command-line jobs such as a
    refresh). Values that JSON cannot hold are written as text.
    """
    rec = {"ts": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"), "event": str(event)}
    if "user" not in fields:
        try:
            fields["user"] = getpass.getuser()
        except (KeyError, OSError):  # no login name in some containers
            fields["user"] = str(os.getuid())
    rec.update({k: _short(v) for k, v in fields.items()})
    line = (json.dumps(rec, ensure_ascii=False, default=str, separators=(",", ":")) + "\n").encode("utf-8", "replace")
    path = audit_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            os.write(fd, line)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return rec


def read_events(settings, user: str | None = None, event: str | None = None,
                since: dt.datetime | dt.date | None = None) -> Iterator[dict]:
    """Events in the order written, filtered by user, event name and time (``since``: UTC, inclusive)."""
    path = audit_path(settings)
    if not path.is_file():
        return
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time(), dt.timezone.utc)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.timezone.utc)
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                rec = {"ts": "", "event": "unreadable", "line": n}
            if user is not None and rec.get("user") != user:
                continue
            if event is not None and rec.get("event") != event:
                continue
            if since is not None:
                try:
                    if dt.datetime.fromisoformat(rec.get("ts", "")) < since:
                        continue
                except ValueError:
                    continue
            yield rec


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

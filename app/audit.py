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

Tamper evidence: each line is chained to the one before it. ``prev`` is the
SHA-256 of the previous line's bytes (64 zeros for the first line) and ``mac``,
always the last field, is an HMAC-SHA256 under the audit key of the line's text
up to ``mac`` (``prev`` included). The previous line is read under the same
lock, so concurrent writers keep one chain. :func:`verify_chain` walks it and
names the first line that was edited, deleted, inserted, reordered or forged
without the key; lines written before chaining existed (no ``mac``) at the
start of a file are a *legacy prefix*: counted, not verifiable. Removing lines
from the end leaves a shorter valid chain: compare the head (``last_mac``,
``entries``) with a copy kept elsewhere to catch that.

The key: ``CREDITGRAPH_AUDIT_KEY``, else ``[audit] key``, else an HMAC of a
fixed label under the identity key (``CREDITGRAPH_ID_KEY`` / ``[identity] key``),
so every process that shares the identity key (app, jobs) shares it too.

Example
-------
>>> import tempfile, pathlib
>>> log = pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl"
>>> _ = audit_event(log, "search", user="li", text="宁波锦野")
>>> [(e["event"], e["user"], e["text"]) for e in read_events(log)]
[('search', 'li', '宁波锦野')]
>>> verify_chain(log).ok
True
"""
from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

MAX_FIELD = 500  # characters kept of any one string field
GENESIS = "0" * 64  # ``prev`` of a log's first line
_KEY_LABEL = b"creditgraph audit log chain v1"
_MAC_FIELD = b',"mac":"'

__all__ = ["audit_event", "audit_path", "read_events", "bytes_sha256", "audit_key", "verify_chain", "ChainCheck"]


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


def audit_key(settings) -> bytes:
    """The HMAC key of the chain: ``CREDITGRAPH_AUDIT_KEY``, ``[audit] key``, else derived from the identity key.

    ``settings`` may be a log path (then the settings are read from the environment and config file).
    """
    env = os.environ.get("CREDITGRAPH_AUDIT_KEY")
    if env:
        return env.encode("utf-8")
    if settings is None or isinstance(settings, (str, os.PathLike)):
        from creditgraph.graph.config import load_settings

        settings = load_settings()
    configured = (getattr(settings, "raw", {}) or {}).get("audit", {}).get("key")
    if configured:
        return str(configured).encode("utf-8")
    return hmac.new(settings.id_key_bytes, _KEY_LABEL, hashlib.sha256).digest()


def key_is_demo(settings) -> bool:
    """True when the key comes from the built-in demo identity key (anyone could forge entries)."""
    from creditgraph.graph.config import DEMO_ID_KEY

    return audit_key(settings) == hmac.new(DEMO_ID_KEY.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()


def _line_hash(line: bytes | None) -> str:
    """``prev`` for the entry after ``line`` (the line's bytes without its newline)."""
    return GENESIS if line is None else hashlib.sha256(line).hexdigest()


def _sealed(body: bytes, key: bytes) -> bytes:
    """``body`` (a JSON object's text) with ``mac`` added as its last field."""
    mac = hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")
    return body[:-1] + _MAC_FIELD + mac + b'"}'


def _last_line(fd: int) -> tuple[bytes | None, bool]:
    """The file's last line (without newline; None when empty) and whether the file ends with a newline."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None, True
    ends_nl = os.pread(fd, 1, size - 1) == b"\n"
    end = size - 1 if ends_nl else size
    chunk, tail = 8192, b""
    pos = end
    while pos > 0:
        start = max(0, pos - chunk)
        tail = os.pread(fd, pos - start, start) + tail
        pos = start
        nl = tail.rfind(b"\n")
        if nl >= 0:
            return tail[nl + 1:], ends_nl
    return tail, ends_nl


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
    rec.update({k: _short(v) for k, v in fields.items() if k not in ("prev", "mac")})
    key = audit_key(settings)
    path = audit_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            last, ends_nl = _last_line(fd)
            rec["prev"] = _line_hash(last)
            body = json.dumps(rec, ensure_ascii=False, default=str, separators=(",", ":")).encode("utf-8", "replace")
            line = _sealed(body, key)
            # a torn last line (no newline) stays a line of its own: the chain reports it
            os.write(fd, (b"" if ends_nl else b"\n") + line + b"\n")
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    rec["mac"] = line[-66:-2].decode("ascii")
    return rec


@dataclass(frozen=True)
class ChainCheck:
    """The result of :func:`verify_chain`. ``line``: the first broken line (1-based), ``None`` when whole."""

    ok: bool
    entries: int = 0            # chained entries verified (up to the break)
    legacy: int = 0             # lines before the chain started (no ``mac``): not verifiable
    line: int | None = None
    reason: str = ""
    last_mac: str | None = None  # the head of the chain: keep a copy elsewhere to detect a cut tail

    def summary(self) -> str:
        head = f"; head {self.last_mac[:16]}…" if self.last_mac else ""
        old = f"; {self.legacy} legacy lines before the chain (written before chaining) not verified" if self.legacy else ""
        if self.ok:
            return f"{self.entries} entries verified{old}{head}"
        return f"line {self.line}: {self.reason} ({self.entries} entries verified before it{old})"


def _check_line(raw: bytes, prev: bytes | None, key: bytes) -> str:
    """Why a chained line does not verify ('' when it does)."""
    try:
        rec = json.loads(raw)
    except ValueError:
        rec = None
    if not isinstance(rec, dict) or not isinstance(rec.get("mac"), str) or not isinstance(rec.get("prev"), str):
        return "not a chained entry (a line inserted or edited without the chain fields, or unreadable)"
    cut = raw.rfind(_MAC_FIELD)
    if cut < 0 or not hmac.compare_digest(_sealed(raw[:cut] + b"}", key), raw):
        return "entry altered or forged (its MAC does not match under the audit key)"
    if not hmac.compare_digest(rec["prev"], _line_hash(prev)):
        return ("chain broken: the line before it is not the entry it was written after "
                "(a line deleted, inserted or reordered)")
    return ""


def _is_chained(raw: bytes) -> bool:
    return raw.endswith(b'"}') and _MAC_FIELD in raw


def verify_chain(settings) -> ChainCheck:
    """Walk the log's hash chain; stop at the first line that does not verify."""
    path = audit_path(settings)
    if not path.is_file():
        return ChainCheck(True)
    key = audit_key(settings)
    prev: bytes | None = None
    legacy = entries = 0
    last_mac = None
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            raw = raw[:-1] if raw.endswith(b"\n") else raw
            if entries == 0 and not _is_chained(raw):
                legacy += 1
            else:
                why = _check_line(raw, prev, key)
                if why:
                    return ChainCheck(False, entries, legacy, n, why, last_mac)
                entries += 1
                last_mac = raw[-66:-2].decode("ascii")
            prev = raw
    return ChainCheck(True, entries, legacy, None, "", last_mac)


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

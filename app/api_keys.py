"""API keys of the HTTP API (:mod:`app.api`): per client, stored only as argon2id hashes, each with a role
and a rate limit.

Kept in ``creditgraph.toml`` (``CREDITGRAPH_CONFIG``) next to the app's users, edited with the same
atomic, mode-keeping writes as ``creditgraph users`` (:mod:`app.auth`)::

    [api]
    rate_per_minute = 60                  # default limit of a key (requests per minute)

    [api.keys.tender-platform]            # written by `creditgraph api-keys add tender-platform --role investigator`
    role = "investigator"                 # a role of [auth] (its permissions: app.auth.PERMISSIONS / [auth.roles])
    key_id = "3f9c2a71be04"               # the public part of the key, to find its hash without trying them all
    key_hash = "$argon2id$v=19$m=65536,t=3,p=4$…"
    rate_per_minute = 120                 # optional: this key's own limit
    created = "2026-05-01T08:00:00+00:00"

A key reads ``cg_<key_id>_<secret>``: the secret (32 random bytes, URL-safe base64) is shown once by
``api-keys add`` and never stored. A request's key is checked against the argon2id hash of its
``key_id``; a key that verified is remembered in memory by its SHA-256 for a few minutes (argon2 takes
tens of milliseconds, by design), and the memory is dropped when the file changes (a revoked key stops
working at the next request).

>>> kid, key = new_key()
>>> parse_key(key)[0] == kid, parse_key("cg_x"), parse_key("nonsense")
(True, None, None)
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from creditgraph.app import auth

DEFAULT_RATE = 60.0  # requests per minute of a key without its own limit
MAX_RATE = 100_000.0
VERIFIED_TTL_S = 300.0  # how long a verified key is remembered in memory (by its SHA-256)
_KEY = re.compile(r"cg_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})")


class ApiKeyError(ValueError):
    """A key-management request that cannot be honoured (message says why)."""


@dataclass(frozen=True)
class ApiKey:
    """One client's key as stored: never the key itself."""

    name: str
    role: str
    key_id: str
    key_hash: str = field(repr=False)
    rate_per_minute: float = DEFAULT_RATE
    created: str = ""


def new_key() -> tuple[str, str]:
    """A fresh ``(key_id, key)``."""
    kid = secrets.token_hex(6)
    return kid, f"cg_{kid}_{secrets.token_urlsafe(32)}"


def parse_key(text: Any) -> tuple[str, str] | None:
    """``(key_id, key)`` of a well-formed key, else ``None`` (nothing else is looked at)."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    m = _KEY.fullmatch(text)
    return (m.group(1), text) if m else None


def _rate(value: Any, where: str) -> float:
    try:
        r = float(value)
    except (TypeError, ValueError):
        raise ApiKeyError(f"{where}: rate_per_minute must be a number") from None
    if not 0 < r <= MAX_RATE or math.isnan(r):
        raise ApiKeyError(f"{where}: rate_per_minute must be above 0 and at most {MAX_RATE:,.0f}")
    return r


def load_keys(doc: Mapping[str, Any]) -> dict[str, ApiKey]:
    """The keys of a parsed config (``settings.raw``), by client name; ApiKeyError when malformed."""
    api = dict(doc.get("api") or {})
    default = _rate(api.get("rate_per_minute", DEFAULT_RATE), "[api]")
    roles = auth.AuthConfig.from_raw(doc, env={}).roles
    out = {}
    for name, k in (api.get("keys") or {}).items():
        k = dict(k or {})
        where = f"[api.keys.{name}]"
        if k.get("role") not in roles:
            raise ApiKeyError(f"{where} role {k.get('role')!r} is not one of {sorted(roles)}")
        if not re.fullmatch(r"[0-9a-f]{12}", str(k.get("key_id", ""))) or not str(k.get("key_hash", "")).startswith("$argon2"):
            raise ApiKeyError(f"{where} needs key_id and key_hash (add keys with `creditgraph api-keys add`)")
        out[name] = ApiKey(name, k["role"], k["key_id"], k["key_hash"],
                           _rate(k["rate_per_minute"], where) if "rate_per_minute" in k else default, str(k.get("created", "")))
    return out


def _keys_table(doc):
    return auth.config_table(doc, "api", "keys")


def add_key(path: Path, name: str, role: str, rate_per_minute: float | None = None) -> tuple[ApiKey, str]:
    """Add a client's key to the config file; returns it and the key itself (shown once, never stored)."""
    import tomlkit

    try:
        auth.check_username(name)
    except auth.AuthError:
        raise ApiKeyError("a client name is 1-64 letters, digits or . _ @ - (no spaces)") from None
    doc = auth._load_doc(path)
    raw = doc.unwrap()
    keys = load_keys(raw)
    roles = auth.AuthConfig.from_raw(raw, env={}).roles
    if role not in roles:
        raise ApiKeyError(f"role {role!r} is not one of {sorted(roles)}")
    if name in keys:
        raise ApiKeyError(f"client {name!r} has a key: revoke it first (`creditgraph api-keys revoke {name}`)")
    kid, key = new_key()
    while any(k.key_id == kid for k in keys.values()):  # pragma: no cover — 48 random bits
        kid, key = new_key()
    entry = tomlkit.table()
    entry["role"] = role
    entry["key_id"] = kid
    entry["key_hash"] = auth._HASHER.hash(key)
    if rate_per_minute is not None:
        entry["rate_per_minute"] = _rate(rate_per_minute, "--rate")
    entry["created"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    _keys_table(doc)[name] = entry
    auth._save_doc(path, doc)
    return load_keys(doc.unwrap())[name], key


def revoke_key(path: Path, name: str) -> ApiKey:
    """Remove a client's key from the config file."""
    doc = auth._load_doc(path)
    keys = load_keys(doc.unwrap())
    if name not in keys:
        raise ApiKeyError(f"no API key for client {name!r}")
    del _keys_table(doc)[name]
    auth._save_doc(path, doc)
    return keys[name]


class KeyRing:
    """The keys of the config file, re-read when the file changes; checks a request's key.

    ``source``: the config file, or a fixed parsed config (tests, a file-less deployment).
    """

    def __init__(self, source: Path | Mapping[str, Any]):
        self._source = source
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._keys: dict[str, ApiKey] = {}
        self._roles: Mapping[str, frozenset[str]] = {}
        self._verified: dict[str, tuple[bytes, str, float]] = {}  # key_id -> (sha256 of key, hash, until)
        self.reload()

    def _read(self) -> tuple[tuple | None, Mapping[str, Any]]:
        if not isinstance(self._source, Path):
            return ("fixed",), self._source
        try:
            st = self._source.stat()
        except FileNotFoundError:
            return None, {}
        import tomllib

        return (st.st_mtime_ns, st.st_size, st.st_ino), tomllib.loads(self._source.read_text(encoding="utf-8"))

    def reload(self, force: bool = True) -> None:
        """Read the keys again when the file changed (always when ``force``)."""
        if isinstance(self._source, Path) and not force:
            try:
                st = self._source.stat()
                stamp: tuple | None = (st.st_mtime_ns, st.st_size, st.st_ino)
            except FileNotFoundError:
                stamp = None
            if stamp == self._stamp:
                return
        stamp, doc = self._read()
        keys = load_keys(doc)
        roles = auth.AuthConfig.from_raw(doc, env={}).roles
        with self._lock:
            self._stamp, self._keys, self._roles = stamp, keys, roles
            self._verified.clear()

    def can(self, role: str, action: str) -> bool:
        return action in self._roles.get(role, frozenset())

    def authenticate(self, text: Any) -> ApiKey | None:
        """The key's entry when ``text`` is a valid key, else ``None``."""
        parsed = parse_key(text)
        if parsed is None:
            return None
        kid, key = parsed
        with self._lock:
            entry = next((k for k in self._keys.values() if k.key_id == kid), None)
            remembered = self._verified.get(kid)
        if entry is None:
            return None
        digest = hashlib.sha256(key.encode("ascii")).digest()
        now = time.monotonic()
        if (remembered is not None and remembered[1] == entry.key_hash and remembered[2] > now
                and hmac.compare_digest(remembered[0], digest)):
            return entry
        if not auth.verify_password(entry.key_hash, key):
            return None
        with self._lock:
            self._verified[kid] = (digest, entry.key_hash, now + VERIFIED_TTL_S)
        return entry

    def keys(self) -> list[ApiKey]:
        with self._lock:
            return sorted(self._keys.values(), key=lambda k: k.name)


class RateLimiter:
    """A token bucket per client in memory: ``rate`` requests per minute, bursts up to ``rate``.

    >>> t = [0.0]; rl = RateLimiter(clock=lambda: t[0])
    >>> [rl.take("a", 2) for _ in range(3)]
    [0.0, 0.0, 30.0]
    >>> t[0] = 30.0; rl.take("a", 2)
    0.0
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, when)

    def take(self, name: str, rate_per_minute: float) -> float:
        """Spend one request of ``name``: 0 when allowed, else the seconds until the next one is."""
        per_s = rate_per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, when = self._buckets.get(name, (rate_per_minute, now))
            tokens = min(rate_per_minute, tokens + (now - when) * per_s)
            if tokens >= 1.0:
                self._buckets[name] = (tokens - 1.0, now)
                return 0.0
            self._buckets[name] = (tokens, now)
            return (1.0 - tokens) / per_s

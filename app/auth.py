"""Who may do what: roles, users with argon2 password hashes, trusted proxy headers, sessions.

Configured in ``creditgraph.toml`` (no Streamlit here; :mod:`app.session` puts it on pages)::

    [auth]
    session_minutes = 30                # a sign-in lasts this long
    reveal_roles = ["supervisor"]       # roles that may reveal phones and e-mails (each reveal audited)
    # trusted_header = "X-Remote-User"  # only behind a reverse proxy that sets it (see docs/security.md)

    [auth.users.li]                     # written by `creditgraph users add li --role investigator`
    role = "investigator"
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$…"

Modes: ``password`` (users sign in; the default once users exist), ``header``
(``trusted_header`` names the user; the role comes from the user list),
``local`` (no users, or ``mode = "local"``: one user, no sign-in, role ``local_role`` /
``CREDITGRAPH_LOCAL_ROLE``, default investigator — the demo).

Example
-------
>>> cfg = AuthConfig.from_raw({"auth": {"users": {"li": {"role": "supervisor", "password_hash": hash_password("correct horse")}}}})
>>> cfg.mode, cfg.sign_in("li", "correct horse").role, cfg.sign_in("li", "wrong").ok
('password', 'supervisor', False)
>>> cfg.can("supervisor", "export"), cfg.can("investigator", "reveal"), cfg.can("admin", "users")
(True, False, True)
"""
from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("investigator", "supervisor", "admin")
#: What each role may do. ``export``: risk lists as CSV/XLSX, personal data always masked;
#: ``reveal``: granted by ``reveal_roles``, not here.
PERMISSIONS: dict[str, frozenset[str]] = {
    "investigator": frozenset({"explore", "export"}),
    "supervisor": frozenset({"explore", "export"}),
    "admin": frozenset({"explore", "export", "status", "refresh", "users", "audit"}),
}
ACTIONS = ("explore", "export", "reveal", "status", "refresh", "users", "audit")
MODES = ("local", "password", "header")
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_HASHER = PasswordHasher()  # argon2id, the library's recommended parameters (RFC 9106 low-memory)
_DUMMY = _HASHER.hash("creditgraph: no such user")  # equal work for unknown users


class AuthError(ValueError):
    """A configuration or user-management request that cannot be honoured (message says why)."""


def hash_password(password: str) -> str:
    """An argon2id hash (salted, parameters inside); the password itself is never stored."""
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"the password is too short: at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_username(name: str) -> str:
    if not isinstance(name, str) or not _USERNAME.match(name):
        raise AuthError("a user name is 1-64 letters, digits or . _ @ - (no spaces)")
    return name


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SignIn:
    ok: bool
    user: str
    role: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Session:
    """A signed-in user; ``started`` is a Unix time."""

    user: str
    role: str
    mode: str
    started: float

    def expired(self, minutes: float, now: float | None = None) -> bool:
        return self.mode == "password" and ((now or time.time()) - self.started) > minutes * 60


@dataclass(frozen=True)
class AuthConfig:
    mode: str = "local"
    users: Mapping[str, User] = field(default_factory=dict)
    session_minutes: float = 30.0
    trusted_header: str | None = None
    reveal_roles: tuple[str, ...] = ("supervisor",)
    local_role: str = "investigator"
    roles: Mapping[str, frozenset[str]] = field(default_factory=lambda: dict(PERMISSIONS))

    @classmethod
    def from_raw(cls, doc: Mapping[str, Any], env: Mapping[str, str] | None = None) -> "AuthConfig":
        """From a parsed ``creditgraph.toml`` (``settings.raw``) and the environment."""
        env = os.environ if env is None else env
        sec = dict(doc.get("auth") or {})
        local_role = env.get("CREDITGRAPH_LOCAL_ROLE") or sec.get("local_role", "investigator")
        roles = dict(PERMISSIONS)
        for role, perms in (sec.get("roles") or {}).items():
            unknown = set(perms) - set(ACTIONS)
            if unknown:
                raise AuthError(f"[auth.roles] {role}: unknown permission(s) {sorted(unknown)}; known: {ACTIONS}")
            roles[role] = frozenset(perms)
        users = {}
        for name, u in (sec.get("users") or {}).items():
            role = (u or {}).get("role")
            if role not in roles:
                raise AuthError(f"[auth.users.{name}] role {role!r} is not one of {sorted(roles)}")
            users[name] = User(name, role, (u or {}).get("password_hash"))
        header = sec.get("trusted_header") or None
        mode = sec.get("mode") or ("header" if header else "password" if users else "local")
        if mode not in MODES:
            raise AuthError(f"[auth] mode must be one of {MODES}, not {mode!r}")
        if mode == "header" and not header:
            raise AuthError("[auth] mode = 'header' needs trusted_header (e.g. 'X-Remote-User')")
        if local_role not in roles:
            raise AuthError(f"local role {local_role!r} is not one of {sorted(roles)}")
        return cls(mode=mode, users=users, session_minutes=float(sec.get("session_minutes", 30)),
                   trusted_header=header, reveal_roles=tuple(sec.get("reveal_roles", ("supervisor",))),
                   local_role=local_role, roles=roles)

    @classmethod
    def from_settings(cls, settings) -> "AuthConfig":
        return cls.from_raw(getattr(settings, "raw", {}) or {})

    def can(self, role: str | None, action: str) -> bool:
        if role is None:
            return False
        if action == "reveal":
            return role in self.reveal_roles
        return action in self.roles.get(role, frozenset())

    def sign_in(self, user: str, password: str) -> SignIn:
        """Check a user name and password (same work whether or not the user exists)."""
        u = self.users.get(user) if isinstance(user, str) else None
        if not verify_password(u.password_hash if u else None, password or ""):
            return SignIn(False, str(user)[:64], None, "unknown user" if u is None else "wrong password")
        return SignIn(True, u.name, u.role)

    def from_headers(self, headers: Mapping[str, str] | None) -> SignIn:
        """The user a trusted reverse proxy names in ``trusted_header`` (role from the user list)."""
        if self.mode != "header" or not self.trusted_header:
            return SignIn(False, "", None, "header sign-in is not configured")
        lower = {str(k).lower(): v for k, v in (headers or {}).items()}
        name = (lower.get(self.trusted_header.lower()) or "").strip()
        if not name:
            return SignIn(False, "", None, f"the proxy sent no {self.trusted_header} header")
        u = self.users.get(name)
        if u is None:
            return SignIn(False, name[:64], None, "user not in the user list")
        return SignIn(True, u.name, u.role)

    def local_session(self) -> Session:
        import getpass

        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "local"
        return Session(who, self.local_role, "local", time.time())


# --- editing the user list (creditgraph users …) ------------------------------------------------


def _load_doc(path: Path):
    import tomlkit

    return tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()


def _save_doc(path: Path, doc) -> None:
    """Write atomically (temporary file, then rename), keeping the file's mode (new files: 0600)."""
    import tomlkit

    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, tmp = tempfile.mkstemp(prefix=".creditgraph-", suffix=".toml", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(tomlkit.dumps(doc))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _users_table(doc):
    import tomlkit

    if "auth" not in doc:
        doc["auth"] = tomlkit.table()
    if "users" not in doc["auth"]:
        doc["auth"]["users"] = tomlkit.table(is_super_table=True)
    return doc["auth"]["users"]


def add_user(path: Path, name: str, role: str, password: str | None) -> User:
    """Add a user to the config file (the first user must be an admin, so nobody is locked out)."""
    check_username(name)
    doc = _load_doc(path)
    cfg = AuthConfig.from_raw(doc.unwrap(), env={})
    if role not in cfg.roles:
        raise AuthError(f"role {role!r} is not one of {sorted(cfg.roles)}")
    if name in cfg.users:
        raise AuthError(f"user {name!r} exists: use `creditgraph users passwd {name}` or remove it first")
    if not any(u.role == "admin" for u in cfg.users.values()) and role != "admin":
        raise AuthError("add an admin first (`creditgraph users add NAME --role admin`): without one nobody could manage users")
    if password is None and cfg.mode != "header":
        raise AuthError("a password is needed (users sign in with it)")
    import tomlkit

    entry = tomlkit.table()
    entry["role"] = role
    if password is not None:
        entry["password_hash"] = hash_password(password)
    _users_table(doc)[name] = entry
    _save_doc(path, doc)
    return User(name, role, entry.get("password_hash"))


def set_password(path: Path, name: str, password: str) -> None:
    doc = _load_doc(path)
    users = AuthConfig.from_raw(doc.unwrap(), env={}).users
    if name not in users:
        raise AuthError(f"no user {name!r}")
    _users_table(doc)[name]["password_hash"] = hash_password(password)
    _save_doc(path, doc)


def remove_user(path: Path, name: str) -> None:
    doc = _load_doc(path)
    users = AuthConfig.from_raw(doc.unwrap(), env={}).users
    if name not in users:
        raise AuthError(f"no user {name!r}")
    if users[name].role == "admin" and sum(u.role == "admin" for u in users.values()) == 1 and len(users) > 1:
        raise AuthError(f"{name!r} is the last admin: add another admin first")
    del _users_table(doc)[name]
    _save_doc(path, doc)


def list_users(settings) -> list[User]:
    return sorted(AuthConfig.from_settings(settings).users.values(), key=lambda u: (ROLES.index(u.role) if u.role in ROLES else 9, u.name))

"""Who may do what: roles, users with argon2 password hashes, trusted proxy headers, sessions.

Configured in ``creditgraph.toml`` (no Streamlit here; :mod:`app.session` puts it on pages)::

    [auth]
    session_minutes = 30                # a sign-in lasts this long
    reveal_roles = ["supervisor"]       # roles that may reveal phones and e-mails (each reveal audited)
    # trusted_header = "X-Remote-User"  # only behind a reverse proxy that sets it (see docs/security.md)
    # trusted_proxies = ["10.0.0.8"]    # addresses (or CIDR ranges) the header is accepted from; default loopback

    [auth.throttle]                     # failed sign-ins (defaults shown)
    max_failures = 5                    # per user name within the window, then a lock
    address_max_failures = 20           # per client address within the window
    window_minutes = 15
    lock_seconds = 30                   # the first lock; each further lock in a row doubles it
    max_lock_seconds = 3600

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

import ipaddress
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
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
    "supervisor": frozenset({"explore", "export", "casework"}),
    "admin": frozenset({"explore", "export", "status", "refresh", "users", "audit", "casework"}),
}
#: ``casework``: file and review objections, request and grant credit repairs, record commitments and
#: red-list entries, draw inspections (credit lifecycle, etl/casework.py).
ACTIONS = ("explore", "export", "reveal", "status", "refresh", "users", "audit", "casework")
MODES = ("local", "password", "header")
MIN_PASSWORD = 10
_USERNAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")  # used with fullmatch: "$" would let a trailing newline in
_HASHER = PasswordHasher()  # argon2id, the library's recommended parameters (RFC 9106 low-memory)
_DUMMY = _HASHER.hash("creditgraph: no such user")  # equal work for unknown users
#: Where a trusted header may come from when ``trusted_proxies`` is not set: a proxy on this machine.
LOOPBACK_PROXIES = ("127.0.0.0/8", "::1")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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
    if not isinstance(name, str) or not _USERNAME.fullmatch(name):
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
    retry_after: float = 0.0  # seconds, when refused because of too many failures


def parse_networks(values, what: str = "[auth] trusted_proxies") -> tuple[_Network, ...]:
    """Addresses or CIDR ranges (``10.0.0.8``, ``10.0.0.0/24``, ``::1``) as networks; AuthError when malformed."""
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values or ():
        try:
            out.append(ipaddress.ip_network(str(v).strip(), strict=False))
        except ValueError:
            raise AuthError(f"{what}: {str(v)[:60]!r} is not an IP address or CIDR range") from None
    return tuple(out)


def address_in(address: str | None, networks: tuple[_Network, ...]) -> bool:
    """Whether ``address`` (an IP as text; IPv4-mapped IPv6 counts as IPv4) lies in one of ``networks``."""
    if not isinstance(address, str) or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == n.version and ip in n for n in networks)


def is_loopback_host(host: str) -> bool:
    """Whether a listen address only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ThrottlePolicy:
    """When failed sign-ins lock a user name or a client address (``[auth.throttle]``)."""

    max_failures: int = 5
    address_max_failures: int = 20
    window_s: float = 15 * 60
    lock_s: float = 30
    max_lock_s: float = 3600
    max_keys: int = 10_000  # tracked names and addresses (oldest unlocked ones are forgotten first)

    @classmethod
    def from_raw(cls, sec: Mapping[str, Any]) -> "ThrottlePolicy":
        d = cls()
        try:
            p = cls(max_failures=int(sec.get("max_failures", d.max_failures)),
                    address_max_failures=int(sec.get("address_max_failures", d.address_max_failures)),
                    window_s=float(sec.get("window_minutes", d.window_s / 60)) * 60,
                    lock_s=float(sec.get("lock_seconds", d.lock_s)),
                    max_lock_s=float(sec.get("max_lock_seconds", d.max_lock_s)))
        except (TypeError, ValueError):
            raise AuthError("[auth.throttle] values must be numbers") from None
        if min(p.max_failures, p.address_max_failures) < 1 or min(p.window_s, p.lock_s, p.max_lock_s) <= 0:
            raise AuthError("[auth.throttle] values must be positive")
        return p

    def limit(self, kind: str) -> int:
        return self.address_max_failures if kind == "address" else self.max_failures


@dataclass(frozen=True)
class Lock:
    """A lock that a failure started: ``key`` is ``("user", name)`` or ``("address", ip)``."""

    key: tuple[str, str]
    failures: int
    seconds: float
    until: float


@dataclass
class _KeyState:
    failures: list[float] = field(default_factory=list)
    locks: int = 0  # locks in a row (the exponent of the next lock's length)
    until: float = 0.0


class Throttle:
    """Failed sign-ins per user name and per client address, in this server process's memory.

    ``max_failures`` failures of one key within ``window_s`` lock it for ``lock_s``,
    doubling with each further lock in a row (at most ``max_lock_s``); a key
    with no failure for a window after its lock ended starts again at
    ``lock_s``. A success clears the user's key only (one valid account must
    not let an address go on guessing others' passwords). At most
    ``max_keys`` keys are kept, so a spray of invented names cannot grow it
    without bound. Thread-safe: every session of the server shares it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: OrderedDict[tuple[str, str], _KeyState] = OrderedDict()

    def __len__(self) -> int:
        return len(self._state)

    def clear(self) -> None:
        with self._lock:
            self._state.clear()

    def retry_after(self, keys, now: float | None = None) -> float:
        """Seconds until none of ``keys`` is locked (0: may try now)."""
        now = time.time() if now is None else now
        with self._lock:
            return max([st.until - now for k in keys if (st := self._state.get(k)) is not None] + [0.0])

    def failure(self, keys, policy: ThrottlePolicy, now: float | None = None) -> list[Lock]:
        """Count a failed sign-in against each key; the locks it starts."""
        now = time.time() if now is None else now
        started = []
        with self._lock:
            for key in keys:
                st = self._state.pop(key, None) or _KeyState()
                self._state[key] = st  # most recently used last
                if st.failures and now - st.failures[-1] > policy.window_s and now >= st.until:
                    st.locks = 0  # quiet for a whole window: the next lock is short again
                st.failures = [t for t in st.failures if now - t <= policy.window_s] + [now]
                if len(st.failures) >= policy.limit(key[0]):
                    st.locks += 1
                    seconds = min(policy.lock_s * 2 ** (st.locks - 1), policy.max_lock_s)
                    st.until = now + seconds
                    started.append(Lock(key, len(st.failures), seconds, st.until))
                    st.failures = []
            self._forget_oldest(policy.max_keys, now)
        return started

    def success(self, key) -> None:
        with self._lock:
            self._state.pop(key, None)

    def _forget_oldest(self, max_keys: int, now: float) -> None:
        if len(self._state) <= max_keys:
            return
        for key in [k for k, st in self._state.items() if st.until <= now]:
            if len(self._state) <= max_keys:
                return
            del self._state[key]
        while len(self._state) > max_keys:  # all locked: memory stays bounded all the same
            self._state.popitem(last=False)


#: The server's sign-in throttle (module state: shared by every session, kept across page reloads).
THROTTLE = Throttle()


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
    trusted_proxies: tuple[_Network, ...] = field(default_factory=lambda: parse_networks(LOOPBACK_PROXIES))
    trusted_proxies_set: bool = False  # configured explicitly (not the loopback default)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)

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
        proxies_set = sec.get("trusted_proxies") is not None
        proxies = parse_networks(sec["trusted_proxies"] if proxies_set else LOOPBACK_PROXIES)
        return cls(mode=mode, users=users, session_minutes=float(sec.get("session_minutes", 30)),
                   trusted_header=header, reveal_roles=tuple(sec.get("reveal_roles", ("supervisor",))),
                   local_role=local_role, roles=roles, trusted_proxies=proxies, trusted_proxies_set=proxies_set,
                   throttle=ThrottlePolicy.from_raw(sec.get("throttle") or {}))

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
        assert u is not None  # verify_password is False without a hash
        return SignIn(True, u.name, u.role)

    def sign_in_throttled(self, user: str, password: str, address: str | None = None,
                          throttle: Throttle | None = None, now: float | None = None) -> tuple[SignIn, list[Lock]]:
        """:meth:`sign_in` unless the user name or the client address is locked; the locks a failure starts.

        A locked attempt is refused without checking the password (reason
        ``throttled``, ``retry_after`` seconds), so a lock also stops guessing.
        """
        throttle = THROTTLE if throttle is None else throttle
        name = str(user)[:64]
        keys = [("user", name)] + ([("address", address)] if address else [])
        wait = throttle.retry_after(keys, now)
        if wait > 0:
            return SignIn(False, name, None, "throttled", retry_after=round(wait, 1)), []
        res = self.sign_in(user, password)
        if res.ok:
            throttle.success(("user", name))
            return res, []
        return res, throttle.failure(keys, self.throttle, now)

    def is_trusted_proxy(self, peer: str | None) -> bool:
        return address_in(peer, self.trusted_proxies)

    def client_address(self, peer: str | None, headers: Mapping[str, Any] | None) -> str | None:
        """The client's address: the TCP peer, or what a trusted proxy says in X-Forwarded-For."""
        if not self.is_trusted_proxy(peer):
            return peer
        forwarded = _header_values(headers, "X-Forwarded-For")
        hops = [h.strip() for v in forwarded for h in v.split(",") if h.strip()]
        for hop in reversed(hops):  # each proxy appends: the first untrusted hop from the right is the client
            if not self.is_trusted_proxy(hop):
                return hop[:64]
        return peer

    def from_headers(self, headers: Mapping[str, Any] | None, peer: str | None = None) -> SignIn:
        """The user a trusted reverse proxy names in ``trusted_header`` (role from the user list).

        ``peer``: the address the request came from. The header counts only
        from an address in ``trusted_proxies`` (default loopback); from any
        other (or an unknown) peer it is ignored. The name must be a valid user
        name as sent: surrounding spaces or control characters refuse it, and
        a header sent twice is refused.
        """
        if self.mode != "header" or not self.trusted_header:
            return SignIn(False, "", None, "header sign-in is not configured")
        values = _header_values(headers, self.trusted_header)
        claimed = _printable(values[0]) if values else ""
        if not self.is_trusted_proxy(peer):
            return SignIn(False, claimed, None, f"{self.trusted_header} header from an untrusted address "
                                                f"({_printable(str(peer)) if peer else 'unknown'})")
        if not values:
            return SignIn(False, "", None, f"the proxy sent no {self.trusted_header} header")
        if len(values) > 1:
            return SignIn(False, claimed, None, f"the {self.trusted_header} header was sent {len(values)} times")
        name = values[0]
        if not isinstance(name, str) or not _USERNAME.fullmatch(name):
            return SignIn(False, claimed, None, f"the {self.trusted_header} header holds no valid user name")
        u = self.users.get(name)
        if u is None:
            return SignIn(False, name, None, "user not in the user list")
        return SignIn(True, u.name, u.role)

    def local_session(self) -> Session:
        import getpass

        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "local"
        return Session(who, self.local_role, "local", time.time())


def _header_values(headers: Mapping[str, Any] | None, name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive); a value may be a list when sent more than once."""
    out: list[str] = []
    get_all = getattr(headers, "get_all", None)
    if callable(get_all):  # st.context.headers keeps repeated headers
        return [str(v) for v in get_all(name)]
    for k, v in (headers or {}).items():
        if str(k).lower() == name.lower():
            out.extend(str(x) for x in v) if isinstance(v, (list, tuple)) else out.append(str(v))
    return out


def _printable(text: str, width: int = 64) -> str:
    """A claimed name as it may appear in a message or the audit log (controls shown escaped, cut)."""
    return text.encode("unicode_escape").decode("ascii")[:width]


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


def config_table(doc, section: str, name: str):
    """The ``[section.name]`` super-table of a config document (``[auth.users]``, ``[api.keys]``), made if missing."""
    import tomlkit

    if section not in doc:
        doc[section] = tomlkit.table()
    if name not in doc[section]:
        doc[section][name] = tomlkit.table(is_super_table=True)
    return doc[section][name]


def _users_table(doc):
    return config_table(doc, "auth", "users")


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
